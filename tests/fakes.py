"""A fake engine implementing ``services.gateway.engines.Engine`` for fast gateway tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from services.common.errors import InvalidRequestError


def _prompt_text(route: str, payload: dict[str, Any]) -> str:
    if route == "chat":
        return " ".join(str(m.get("content") or "") for m in payload["messages"])
    prompt = payload["prompt"]
    return prompt if isinstance(prompt, str) else " ".join(map(str, prompt))


class FakeEngine:
    """Answers "echo: <prompt words>" one word per chunk; records what it received."""

    def __init__(self, model: str = "fake-chat", *, chunk_delay_s: float = 0.0, reject_prompt: str | None = None):
        self.model = model
        self.chunk_delay_s = chunk_delay_s
        self.reject_prompt = reject_prompt
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.running = 0
        self.cancelled = 0

    def _words(self, route: str, payload: dict[str, Any]) -> tuple[list[str], int]:
        self.received.append((route, payload))
        prompt = _prompt_text(route, payload)
        if self.reject_prompt and self.reject_prompt in prompt:
            raise InvalidRequestError("This model's maximum context length is exceeded.")
        words = ["echo:", *prompt.split()]
        limit = payload.get("max_completion_tokens") or payload.get("max_tokens")
        return (words[:limit] if limit else words), len(prompt.split())

    async def generate(self, route: str, payload: dict[str, Any]) -> dict[str, Any]:
        words, prompt_tokens = self._words(route, payload)
        n = payload.get("n", 1)
        text = " ".join(words)
        if route == "chat":
            choices = [
                {"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                for i in range(n)
            ]
            obj = "chat.completion"
        else:
            choices = [{"index": i, "text": text, "finish_reason": "stop"} for i in range(n)]
            obj = "text_completion"
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(words) * n,
            "total_tokens": prompt_tokens + len(words) * n,
        }
        return {
            "id": "fake-1",
            "object": obj,
            "created": int(time.time()),
            "model": self.model,
            "choices": choices,
            "usage": usage,
        }

    async def stream(self, route: str, payload: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        words, prompt_tokens = self._words(route, payload)
        obj = "chat.completion.chunk" if route == "chat" else "text_completion"
        self.running += 1
        finished = False
        try:
            for i, word in enumerate(words):
                if self.chunk_delay_s:
                    await asyncio.sleep(self.chunk_delay_s)
                piece = word if i == 0 else " " + word
                choice = (
                    {"index": 0, "delta": {"content": piece}, "finish_reason": None}
                    if route == "chat"
                    else {"index": 0, "text": piece, "finish_reason": None}
                )
                yield {"id": "fake-1", "object": obj, "created": 0, "model": self.model, "choices": [choice]}
            last = (
                {"index": 0, "delta": {}, "finish_reason": "stop"}
                if route == "chat"
                else {"index": 0, "text": "", "finish_reason": "stop"}
            )
            yield {"id": "fake-1", "object": obj, "created": 0, "model": self.model, "choices": [last]}
            usage = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": len(words),
                "total_tokens": prompt_tokens + len(words),
            }
            yield {"id": "fake-1", "object": obj, "created": 0, "model": self.model, "choices": [], "usage": usage}
            finished = True
        finally:
            self.running -= 1
            if not finished:
                self.cancelled += 1

    async def embed(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.received.append(("embeddings", payload))
        inputs = payload["input"] if isinstance(payload["input"], list) else [payload["input"]]
        data = [
            {"object": "embedding", "index": i, "embedding": [float(len(str(x))), 1.0, 0.0]}
            for i, x in enumerate(inputs)
        ]
        tokens = sum(len(str(x).split()) for x in inputs)
        return {
            "object": "list",
            "data": data,
            "model": self.model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
