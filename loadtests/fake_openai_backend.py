"""The one fake engine: ``FakeEngine`` implements the gateway's ``Engine`` protocol in process
(the unit tests drive the gateway with it), and this module serves it as a minimal, fast
OpenAI-compatible HTTP server (the gateway benchmark measures the gateway in front of it).

The answer is ``echo:`` plus the prompt's words (the tests' default), or ``reply_tokens`` times
``ok`` (the benchmark's fixed-length answer); ``max_tokens`` / ``max_completion_tokens`` caps it
(finish reason ``length``, else ``stop``). A stream sends one chunk per word, a chunk with the
finish reason, then a usage chunk when ``stream_options.include_usage`` is true. Usage counts
words.

HTTP routes (plain ASGI on uvicorn, no framework, so that a benchmark in front of it measures
the gateway and not the backend):

- ``GET  /v1/models``            one model (any name is accepted on requests);
- ``POST /v1/chat/completions``, ``POST /v1/completions``  JSON, or SSE with ``"stream": true``
  ended by ``data: [DONE]``;
- ``POST /v1/embeddings``        3-dimensional vectors;
- ``GET  /health``               200.

Run::

    python -m loadtests.fake_openai_backend --port 9101 --stream-chunks 64

Listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson

from services.common.errors import InvalidRequestError, LLMOpsError, NotFoundError


def _prompt_text(route: str, payload: dict[str, Any]) -> str:
    if route == "chat":
        return " ".join(str(m.get("content") or "") for m in payload.get("messages") or ())
    prompt = payload.get("prompt", "")
    return prompt if isinstance(prompt, str) else " ".join(map(str, prompt))


class FakeEngine:
    """Answers ``echo: <prompt words>`` (or ``reply_tokens`` times ``ok``), one word per chunk;
    records what it received (unless ``record`` is off: a long-running server), how many streams
    run and how many were cancelled."""

    def __init__(
        self,
        model: str = "fake-chat",
        *,
        reply_tokens: int | None = None,
        chunk_delay_s: float = 0.0,
        reject_prompt: str | None = None,
        record: bool = True,
    ):
        self.model = model
        self.record = record
        self.reply_tokens = reply_tokens
        self.chunk_delay_s = chunk_delay_s
        self.reject_prompt = reject_prompt
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.running = 0
        self.cancelled = 0

    def _answer(self, route: str, payload: dict[str, Any]) -> tuple[list[str], int, str]:
        """The answer's words, the prompt's token count and the finish reason."""
        if self.record:
            self.received.append((route, payload))
        prompt = _prompt_text(route, payload)
        if self.reject_prompt and self.reject_prompt in prompt:
            raise InvalidRequestError("This model's maximum context length is exceeded.")
        words = ["ok"] * self.reply_tokens if self.reply_tokens is not None else ["echo:", *prompt.split()]
        limit = payload.get("max_completion_tokens") or payload.get("max_tokens")
        if limit and len(words) > limit:
            return words[:limit], len(prompt.split()), "length"
        return words, len(prompt.split()), "stop"

    @staticmethod
    def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
        return {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }

    async def generate(self, route: str, payload: dict[str, Any]) -> dict[str, Any]:
        words, prompt_tokens, finish = self._answer(route, payload)
        n = payload.get("n") or 1
        text = " ".join(words)
        if route == "chat":
            choices = [
                {"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": finish}
                for i in range(n)
            ]
        else:
            choices = [{"index": i, "text": text, "finish_reason": finish} for i in range(n)]
        return {
            "id": "fake-1",
            "object": "chat.completion" if route == "chat" else "text_completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": choices,
            "usage": self._usage(prompt_tokens, len(words) * n),
        }

    async def stream(self, route: str, payload: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        words, prompt_tokens, finish = self._answer(route, payload)
        head = {
            "id": "fake-1",
            "object": "chat.completion.chunk" if route == "chat" else "text_completion",
            "created": 0,
            "model": self.model,
        }
        self.running += 1
        finished = False
        try:
            for i, word in enumerate(words):
                if self.chunk_delay_s:
                    await asyncio.sleep(self.chunk_delay_s)
                piece = word if i == 0 else " " + word
                if route == "chat":
                    delta = {"role": "assistant", "content": piece} if i == 0 else {"content": piece}
                    choice = {"index": 0, "delta": delta, "finish_reason": None}
                else:
                    choice = {"index": 0, "text": piece, "finish_reason": None}
                yield {**head, "choices": [choice]}
            last = {"index": 0, "delta": {}} if route == "chat" else {"index": 0, "text": ""}
            yield {**head, "choices": [{**last, "finish_reason": finish}]}
            if (payload.get("stream_options") or {}).get("include_usage"):
                yield {**head, "choices": [], "usage": self._usage(prompt_tokens, len(words))}
            finished = True
        finally:
            self.running -= 1
            if not finished:
                self.cancelled += 1

    async def embed(self, payload: dict[str, Any]) -> dict[str, Any]:
        if self.record:
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


_ROUTES = {
    "/v1/chat/completions": "chat",
    "/chat/completions": "chat",
    "/v1/completions": "completions",
    "/completions": "completions",
    "/v1/embeddings": "embeddings",
    "/embeddings": "embeddings",
}
_SSE_HEADERS = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]


def _sse(obj: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(obj) + b"\n\n"


class FakeOpenAI:
    """The ASGI app: ``engine`` (a ``FakeEngine``) over the OpenAI HTTP API."""

    def __init__(self, engine: FakeEngine):
        self.engine = engine
        self.models_body = orjson.dumps(
            {"object": "list", "data": [{"id": engine.model, "object": "model", "created": 0, "owned_by": "fake"}]}
        )

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        try:
            if method == "GET" and path in ("/v1/models", "/models"):
                return await self._send_json(send, 200, self.models_body)
            if method == "GET" and path in ("/health", "/v1/health"):
                return await self._send_json(send, 200, b"{}")
            if method != "POST" or path not in _ROUTES:
                raise NotFoundError(f"No route {method} {path}.")
            try:
                request = orjson.loads(await self._read_body(receive))
            except orjson.JSONDecodeError:
                raise InvalidRequestError("The body is not valid JSON.") from None
            route = _ROUTES[path]
            if route == "embeddings":
                return await self._send_json(send, 200, orjson.dumps(await self.engine.embed(request)))
            if not request.get("stream"):
                return await self._send_json(send, 200, orjson.dumps(await self.engine.generate(route, request)))
            chunks = self.engine.stream(route, request)
            first = await anext(chunks)  # errors before the first chunk are still an HTTP status
        except LLMOpsError as exc:
            return await self._send_json(send, exc.status_code, exc.to_json())
        await send({"type": "http.response.start", "status": 200, "headers": _SSE_HEADERS})
        await send({"type": "http.response.body", "body": _sse(first), "more_body": True})
        async for chunk in chunks:
            await send({"type": "http.response.body", "body": _sse(chunk), "more_body": True})
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": False})

    @staticmethod
    async def _read_body(receive: Any) -> bytes:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                return b"".join(chunks)

    @staticmethod
    async def _send_json(send: Any, status: int, body: bytes) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="The fake engine as an OpenAI-compatible HTTP server.")
    parser.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1", "localhost"], help="loopback only")
    parser.add_argument("--port", type=int, default=9101)
    parser.add_argument("--model", default="fake", help="the model name it lists and answers as")
    parser.add_argument(
        "--stream-chunks", type=int, default=16, help="tokens per answer, one per streamed chunk (max_tokens caps it)"
    )
    parser.add_argument("--chunk-delay-s", type=float, default=0.0, help="pause before each streamed chunk")
    args = parser.parse_args(argv)
    engine = FakeEngine(args.model, reply_tokens=args.stream_chunks, record=False, chunk_delay_s=args.chunk_delay_s)
    uvicorn.run(
        FakeOpenAI(engine),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )


if __name__ == "__main__":
    main()
