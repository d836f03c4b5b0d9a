"""The engine deployment class: Ray Serve LLM's ``LLMServer`` with a faster first token.

``LLMServer`` batches streamed output every ``stream_batching_interval_ms`` (50 ms by default)
to save per-chunk transport cost, and its batcher holds the first token back for a whole
interval: about +50 ms time to first token. ``EngineServer`` sends the first chunk as soon as
the engine produces it and batches the rest as before.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from ray.llm._internal.serve.utils.batcher import Batcher  # pinned ray==2.60.0
from ray.serve.llm import LLMServer


async def first_then_batched(generator: AsyncIterator[Any], interval_ms: float | None) -> AsyncGenerator[list[Any], None]:
    """Yield ``[first item]`` at once, then lists of items gathered every ``interval_ms``."""
    try:
        first = await anext(generator)
    except StopAsyncIteration:
        return
    yield [first]
    async for batch in Batcher(generator, interval_ms=interval_ms).stream():  # type: ignore[arg-type]
        yield list(batch)


class EngineServer(LLMServer):
    def _batch_output_stream(self, generator: AsyncGenerator[Any, None]) -> AsyncGenerator[list[Any], None]:
        return first_then_batched(generator, self._get_batch_interval_ms())
