"""Measure an engine's generation throughput through the OpenAI API (for ``llmops cost tco``):
``concurrency`` streams generate for ``seconds``; completion tokens per wall second."""

from __future__ import annotations

import asyncio
import time

PROMPT = "Write a long, detailed story about a lighthouse keeper."


async def measure_tokens_per_second(
    base_url: str,
    api_key: str,
    model: str,
    *,
    concurrency: int = 8,
    seconds: float = 15.0,
    max_tokens: int = 128,
    progress=None,
) -> float:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=120)
    deadline = time.perf_counter() + seconds
    totals = [0] * concurrency

    async def worker(i: int) -> None:
        while time.perf_counter() < deadline:
            reply = await client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": PROMPT}], max_tokens=max_tokens, temperature=0.8
            )
            totals[i] += reply.usage.completion_tokens if reply.usage else 0
            if progress is not None:
                progress(sum(totals))

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    await client.close()
    return sum(totals) / elapsed
