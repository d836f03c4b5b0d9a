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
from pathlib import Path
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

    async def tokenizer_source(self) -> str:
        """The folder (or hub id) this engine loaded its tokenizer from. The gateway application of
        the one-application-per-engine layout does not hold the source in its args (a rollout
        would redeploy it), so the watermark detector asks the engine."""
        loading = self._llm_config.model_loading_config
        return str(loading.tokenizer_source or loading.model_source)


class LocalAdapterLoader:
    """The ``model_downloader`` of an engine with LoRA on: Ray Serve LLM's own loader downloads an
    adapter from cloud storage (``dynamic_lora_loading_path``); here the multiplexed model id is the
    adapter's absolute local folder (set by the gateway from its configuration, never by a client),
    checked and handed to vLLM as it is. A shared filesystem (the registry's artifact store on a
    volume) makes the same folder visible to every replica."""

    def __init__(self, download_timeout_s: float | None = None, max_tries: int = 1):
        self.download_timeout_s, self.max_tries = download_timeout_s, max_tries

    async def load_model_from_config(self, lora_model_id: str, llm_config: Any) -> Any:
        from services.common.adapters import read_adapter

        path = Path(lora_model_id)
        if not path.is_absolute():
            raise ValueError(f"LoRA adapter id {lora_model_id!r} is not an absolute folder path")
        read_adapter(path)  # a folder with adapter_config.json, or a clear error
        return ray_adapter.disk_adapter(lora_model_id, str(path))


ray_adapter.override_output_batching(EngineServer, first_then_batched)
