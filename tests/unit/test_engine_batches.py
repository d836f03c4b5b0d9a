"""Chunks that cross the Ray Serve hop several to a message (services/engine/server.py paces them)
reach the client exactly as one chunk per message would: one SSE event per engine chunk, the same
text, finish reason and usage; and the output guard sees every token (a PII value cut across
messages is still redacted)."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from services.gateway.engines import ServeEngine
from tests.conftest import make_gateway_app
from tests.fake_handles import FakeHandle, StreamResponses
from tests.unit.test_stream_guard import chunk, ctx, output_guard, texts

PIECES = ["Once", " upon", " a", " time", ",", " a", " dragon", " baked", " bread", "."]


def engine_chunks(pieces: list[str], prompt_tokens: int = 7) -> list[dict[str, Any]]:
    """vLLM's chat stream for ``pieces``: the role chunk, a chunk per token, the finish chunk, usage."""
    head = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "fake-chat"}
    out = [{**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}]
    out += [{**head, "choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]} for p in pieces]
    out.append({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]})
    total = {"prompt_tokens": prompt_tokens, "completion_tokens": len(pieces)}
    out.append({**head, "choices": [], "usage": {**total, "total_tokens": prompt_tokens + len(pieces)}})
    return out


def as_messages(chunks: list[dict[str, Any]], sizes: list[int]) -> list[list[str]]:
    """The chunks as EngineServer sends them: lists of SSE strings, ``sizes`` chunks to a list
    (cycled), ``data: [DONE]`` in the last."""
    sse = [f"data: {orjson.dumps(c).decode()}\n\n" for c in chunks] + ["data: [DONE]\n\n"]
    messages, i, k = [], 0, 0
    while i < len(sse):
        n = sizes[k % len(sizes)]
        messages.append(sse[i : i + n])
        i, k = i + n, k + 1
    return messages


async def client_events(messages: list[list[str]], include_usage: bool) -> list[bytes]:
    app = make_gateway_app(
        {"fake-chat": ServeEngine("fake-chat", FakeHandle(StreamResponses(messages)))},
        {"fake-chat": "generate"},
        keys=None,
    )
    body: dict[str, Any] = {"model": "fake-chat", "messages": [{"role": "user", "content": "a story"}], "stream": True}
    if include_usage:
        body["stream_options"] = {"include_usage": True}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        response = await client.post("/v1/chat/completions", json=body)
    assert response.status_code == 200
    return [frame for frame in response.content.split(b"\n\n") if frame]


@pytest.mark.parametrize("include_usage", [True, False])
async def test_batched_messages_reach_the_client_as_one_event_per_chunk(include_usage):
    chunks = engine_chunks(PIECES)
    one_each = await client_events(as_messages(chunks, [1]), include_usage)
    for sizes in ([2], [1, 3], [len(chunks) + 1]):
        assert await client_events(as_messages(chunks, sizes), include_usage) == one_each, sizes
    events = [orjson.loads(frame[len(b"data: ") :]) for frame in one_each[:-1]]
    assert one_each[-1] == b"data: [DONE]"
    with_text = [e for e in events if e["choices"] and e["choices"][0]["delta"].get("content")]
    assert [e["choices"][0]["delta"]["content"] for e in with_text] == PIECES, "one event per token, word-sized"
    assert [e["choices"][0]["finish_reason"] for e in events if e["choices"]][-1] == "length"
    usage = [e["usage"] for e in events if e.get("usage")]
    assert usage == (
        [{"prompt_tokens": 7, "completion_tokens": len(PIECES), "total_tokens": 17}] if include_usage else []
    )


async def test_the_output_guard_sees_every_token_of_batched_messages(safety_service):
    pieces = ["Write", " to", " maria", ".lopez", "@exam", "ple.org", " today", " please"]
    chunks = [chunk(p) for p in pieces] + [chunk("", finish="stop")]
    guarded = []
    for sizes in ([1], [3], [2, 4]):
        engine = ServeEngine("fake-chat", FakeHandle(StreamResponses(as_messages(chunks, sizes))))
        out = [c async for c in output_guard(safety_service).on_stream(ctx(), engine.stream("chat", {"messages": []}))]
        guarded.append(out)
        assert "".join(texts(out)) == "Write to <EMAIL_ADDRESS> today please", sizes
        assert "maria" not in repr(out)
        assert out[-1]["choices"][0]["finish_reason"] == "stop"
    assert [texts(out) for out in guarded[1:]] == [texts(guarded[0])] * 2, "the same chunks whatever the batching"
