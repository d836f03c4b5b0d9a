"""The engine deployment class: Ray Serve LLM's ``LLMServer`` with a faster first token.

``LLMServer`` batches streamed output every ``stream_batching_interval_ms`` (50 ms by default)
to save per-chunk transport cost, and its batcher holds the first token back for a whole
interval: about +50 ms time to first token. ``EngineServer`` sends the first chunks as soon as
the engine produces them (vLLM's role chunk and first content chunk come together) and batches
the rest as before. The hook into ``LLMServer`` is in ``services/common/ray_adapter.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from ray.serve.llm import LLMServer

from services.common import ray_adapter

FIRST_BATCH_GRACE_S = 0.002  # gathers the chunks produced together with the first one


async def first_then_batched(
    generator: AsyncGenerator[Any, None], interval_ms: float | None
) -> AsyncGenerator[list[Any], None]:
    """Yield the first chunks at once, then lists of chunks gathered every ``interval_ms``."""
    batcher = ray_adapter.output_batcher(generator, interval_ms)
    first = asyncio.ensure_future(batcher.queue.get())
    finished = asyncio.ensure_future(batcher.done_event.wait())
    try:
        await asyncio.wait({first, finished}, return_when=asyncio.FIRST_COMPLETED)
        if first.done():
            await asyncio.sleep(FIRST_BATCH_GRACE_S)
            yield [first.result(), *batcher.drain_queue()]
        async for batch in batcher.stream():  # the rest, and the generator's error if it failed
            yield list(batch)
    finally:  # closed or cancelled early (client gone): stop reading, which aborts the engine request
        first.cancel()
        finished.cancel()
        batcher.read_task.cancel()


class EngineServer(LLMServer):
    """``LLMServer`` whose streamed output goes through ``first_then_batched``."""


ray_adapter.override_output_batching(EngineServer, first_then_batched)
