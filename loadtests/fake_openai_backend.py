"""A minimal, very fast OpenAI-compatible server for measuring gateway overhead.

Plain ASGI on uvicorn (httptools + uvloop when installed): no framework, no validation,
responses built from pre-serialised fragments, so that what a benchmark measures in front of it
is the gateway's cost and not the backend's.

Routes:

- ``GET  /v1/models``            one model (any name is accepted on requests);
- ``POST /v1/chat/completions``  non-streaming: one completion token ("ok") with usage;
  streaming (``"stream": true``): ``--stream-chunks`` chunks of one token each, a usage chunk
  when ``stream_options.include_usage`` is true, then ``data: [DONE]``;
- ``POST /v1/completions``       the same for text completions;
- ``GET  /health``               200.

Run::

    python -m loadtests.fake_openai_backend --port 9101 --stream-chunks 64

Listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import orjson

MODEL = "fake"
CREATED = int(time.time())


def _json_headers(body: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]


SSE_HEADERS = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
MODELS_BODY = orjson.dumps(
    {"object": "list", "data": [{"id": MODEL, "object": "model", "created": CREATED, "owned_by": "fake"}]}
)
NOT_FOUND = orjson.dumps({"error": {"message": "not found", "type": "not_found_error", "code": 404}})
BAD_REQUEST = orjson.dumps({"error": {"message": "invalid JSON body", "type": "invalid_request_error", "code": 400}})


class FakeOpenAI:
    """The ASGI app. ``stream_chunks`` is the default number of streamed tokens; a request's
    ``max_tokens`` (or ``max_completion_tokens``), when smaller, caps it."""

    def __init__(self, stream_chunks: int = 16):
        self.stream_chunks = stream_chunks
        self._counter = 0

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
        if method == "GET" and path in ("/v1/models", "/models"):
            return await self._send_json(send, 200, MODELS_BODY)
        if method == "GET" and path in ("/health", "/v1/health"):
            return await self._send_json(send, 200, b"{}")
        if method == "POST" and path in (
            "/v1/chat/completions",
            "/chat/completions",
            "/v1/completions",
            "/completions",
        ):
            body = await self._read_body(receive)
            try:
                request = orjson.loads(body)
            except orjson.JSONDecodeError:
                return await self._send_json(send, 400, BAD_REQUEST)
            chat = path.endswith("chat/completions")
            if request.get("stream"):
                return await self._stream(send, request, chat)
            return await self._complete(send, request, chat)
        return await self._send_json(send, 404, NOT_FOUND)

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
        await send({"type": "http.response.start", "status": status, "headers": _json_headers(body)})
        await send({"type": "http.response.body", "body": body})

    def _next_id(self, chat: bool) -> str:
        self._counter += 1
        return f"{'chatcmpl' if chat else 'cmpl'}-fake{self._counter}"

    @staticmethod
    def _prompt_tokens(request: dict[str, Any], chat: bool) -> int:
        if chat:
            text = " ".join(str(m.get("content", "")) for m in request.get("messages") or [])
        else:
            text = str(request.get("prompt", ""))
        return max(1, len(text) // 4)

    def _limit(self, request: dict[str, Any], default: int) -> int:
        cap = request.get("max_completion_tokens") or request.get("max_tokens")
        return min(default, int(cap)) if cap else default

    async def _complete(self, send: Any, request: dict[str, Any], chat: bool) -> None:
        prompt_tokens = self._prompt_tokens(request, chat)
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": 1, "total_tokens": prompt_tokens + 1}
        choice: dict[str, Any] = {"index": 0, "finish_reason": "length", "logprobs": None}
        if chat:
            choice["message"] = {"role": "assistant", "content": "ok"}
        else:
            choice["text"] = "ok"
        body = orjson.dumps(
            {
                "id": self._next_id(chat),
                "object": "chat.completion" if chat else "text_completion",
                "created": CREATED,
                "model": request.get("model", MODEL),
                "choices": [choice],
                "usage": usage,
            }
        )
        await self._send_json(send, 200, body)

    async def _stream(self, send: Any, request: dict[str, Any], chat: bool) -> None:
        n = self._limit(request, self.stream_chunks)
        include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
        prompt_tokens = self._prompt_tokens(request, chat)
        head = {
            "id": self._next_id(chat),
            "object": "chat.completion.chunk" if chat else "text_completion",
            "created": CREATED,
            "model": request.get("model", MODEL),
        }
        await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
        for i in range(n):
            last = i == n - 1
            if chat:
                delta: dict[str, Any] = {"content": " ok"}
                if i == 0:
                    delta["role"] = "assistant"
                choice: dict[str, Any] = {"index": 0, "delta": delta, "finish_reason": "length" if last else None}
            else:
                choice = {"index": 0, "text": " ok", "finish_reason": "length" if last else None}
            event = b"data: " + orjson.dumps({**head, "choices": [choice]}) + b"\n\n"
            await send({"type": "http.response.body", "body": event, "more_body": True})
        if include_usage:
            usage = {"prompt_tokens": prompt_tokens, "completion_tokens": n, "total_tokens": prompt_tokens + n}
            event = b"data: " + orjson.dumps({**head, "choices": [], "usage": usage}) + b"\n\n"
            await send({"type": "http.response.body", "body": event, "more_body": True})
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": False})


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1", "localhost"], help="loopback only")
    parser.add_argument("--port", type=int, default=9101)
    parser.add_argument(
        "--stream-chunks", type=int, default=16, help="tokens per streamed response (max_tokens caps it)"
    )
    args = parser.parse_args(argv)
    uvicorn.run(
        FakeOpenAI(args.stream_chunks),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )


if __name__ == "__main__":
    main()
