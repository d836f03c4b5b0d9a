"""The engine deployment class: Ray Serve LLM's ``LLMServer`` with a faster first token.

``LLMServer`` batches streamed output every ``stream_batching_interval_ms`` (50 ms by default)
to save per-chunk transport cost: its batcher wakes on a fixed tick and sends what arrived since,
so each chunk waits for the next tick (the first for a whole interval: about +50 ms time to first
token; at one stream on this CPU engine, a token every ~55 ms, the second chunk usually two ticks).
``EngineServer`` paces instead of ticking (``first_then_batched``): the first ``UNPACED_BATCHES``
lists leave as soon as the engine produces their chunk, so the opening words (which the streaming
output guard releases once the next token shows them whole) never wait; after them a chunk leaves
at once unless a list left less than an interval ago, in which case it waits out the rest of that
interval together with whatever else arrives. At most one list per interval leaves after the
opening ones, and no chunk waits while the line is idle. Each list is one message across the Ray
Serve hop to the gateway; the interval is ``LLMOPS_STREAM_INTERVAL_MS``
(``EngineSettings.stream_interval_ms``, 50 ms as Ray Serve LLM's default). At 100 ms two tokens
of one stream travel together on this CPU engine (a token every ~50-55 ms), but the replicas' CPU
per token did not change (README, "Where the serving path's time goes, session 15"): their cost
is per chunk, not per message. The gateway sends the client one SSE event per chunk either way.
The hook into ``LLMServer`` is in ``services/common/ray_adapter.py``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

from ray.serve.llm import LLMServer

from services.common import ray_adapter

# gathers the chunks produced together with the first one (vLLM's role and first content chunk)
FIRST_BATCH_GRACE_S = 0.002
# lists that leave unpaced at the start of a stream: the role chunk with the first token, then the
# next tokens, which show the opening words whole (the output guard holds a word until then)
UNPACED_BATCHES = 4
_END = object()


async def first_then_batched(
    generator: AsyncGenerator[Any, None], interval_ms: float | None, unpaced: int = UNPACED_BATCHES
) -> AsyncGenerator[list[Any], None]:
    """Lists of chunks: the first ``unpaced`` leave when the engine produced their chunk; later
    ones too, unless a list left less than ``interval_ms`` ago: then when that interval has passed,
    with what came meanwhile (``interval_ms`` None: one list at the end)."""
    queue: asyncio.Queue[Any] = asyncio.Queue()

    async def read() -> None:
        try:
            async for chunk in generator:
                queue.put_nowait(chunk)
        finally:
            queue.put_nowait(_END)

    reader = asyncio.create_task(read())
    interval = None if interval_ms is None else interval_ms / 1000
    last_sent: float | None = None
    sent = 0
    try:
        while True:
            batch = [await queue.get()]
            if batch[0] is not _END:
                if last_sent is None:
                    wait: float | None = FIRST_BATCH_GRACE_S
                elif interval is None:
                    wait = None
                elif sent < unpaced:
                    wait = 0.0
                else:
                    wait = last_sent + interval - time.perf_counter()
                if wait is None or wait > 0:  # gather what comes until then; the engine's end ends the wait
                    await asyncio.wait({reader}, timeout=wait)
                while not queue.empty():
                    batch.append(queue.get_nowait())
            ended = batch[-1] is _END
            batch = [chunk for chunk in batch if chunk is not _END]
            if batch:
                yield batch
                last_sent = time.perf_counter()
                sent += 1
            if ended:
                reader.result()  # the engine's error, if it failed
                return
    finally:  # closed or cancelled early (client gone): stop reading, which aborts the engine request
        reader.cancel()


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
ray_adapter.skip_llm_usage_telemetry_when_usage_stats_are_off()  # no idle telemetry actor when nothing is reported
