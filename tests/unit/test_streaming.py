"""SSE framing, usage chunks, mid-stream errors and cancellation on disconnect."""

import asyncio

import httpx
import orjson

from loadtests.fake_openai_backend import FakeEngine
from services.common.errors import EngineUnavailableError
from services.gateway.service import DONE, sse_error, sse_event
from tests.conftest import LiveServer, make_gateway_app

CHAT = {"model": "fake-chat", "messages": [{"role": "user", "content": "one two three"}], "stream": True}


def events(text: str) -> list[str]:
    assert text.endswith("\n\n")
    frames = text.split("\n\n")[:-1]
    assert all(f.startswith("data: ") for f in frames), frames
    return [f[len("data: ") :] for f in frames]


def test_sse_frames():
    assert sse_event({"a": 1}) == b'data: {"a":1}\n\n'
    assert orjson.loads(sse_error(EngineUnavailableError("down"))[6:]) == {
        "error": {"message": "down", "type": "service_unavailable", "param": None, "code": "engine_unavailable"}
    }
    assert DONE == b"data: [DONE]\n\n"


async def test_stream_without_usage(client):
    r = await client.post("/v1/chat/completions", json=CHAT)
    assert r.headers["content-type"].startswith("text/event-stream")
    frames = events(r.text)
    assert frames[-1] == "[DONE]"
    chunks = [orjson.loads(f) for f in frames[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == "echo: one two three"
    assert all("usage" not in c and c["choices"] for c in chunks), "usage is only sent when asked for"


async def test_stream_with_usage(client, chat_engine):
    r = await client.post("/v1/chat/completions", json={**CHAT, "stream_options": {"include_usage": True}})
    chunks = [orjson.loads(f) for f in events(r.text)[:-1]]
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 4


async def test_error_mid_stream_is_an_event_then_done(keys):
    class Breaks(FakeEngine):
        async def stream(self, route, payload):
            yield {
                "id": "x",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "m",
                "choices": [{"index": 0, "delta": {"content": "hi"}}],
            }
            raise EngineUnavailableError("The engine stream broke off.")

    app = make_gateway_app({"fake-chat": Breaks()}, {"fake-chat": "generate"}, keys=None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://g") as c:
        r = await c.post("/v1/chat/completions", json=CHAT)
    assert r.status_code == 200
    frames = events(r.text)
    assert frames[-1] == "[DONE]"
    assert orjson.loads(frames[-2])["error"]["code"] == "engine_unavailable"


async def test_client_disconnect_aborts_the_engine_stream():
    engine = FakeEngine("fake-chat", chunk_delay_s=0.05)
    app = make_gateway_app({"fake-chat": engine}, {"fake-chat": "generate"}, keys=None)
    body = {**CHAT, "messages": [{"role": "user", "content": " ".join(["word"] * 200)}]}
    with LiveServer(app) as server:  # a real socket: ASGITransport cannot hang up mid-response
        async with httpx.AsyncClient(base_url=server.url) as c:
            async with c.stream("POST", "/v1/chat/completions", json=body) as r:
                async for _ in r.aiter_bytes():
                    break  # read one chunk, then hang up
        await asyncio.to_thread(_wait_until, lambda: engine.running == 0)
    assert engine.running == 0 and engine.cancelled == 1


def _wait_until(condition, timeout_s=5.0):
    import time

    deadline = time.time() + timeout_s
    while not condition() and time.time() < deadline:
        time.sleep(0.02)
