"""A stream from an engine deployment (``ServeEngine``, ``HandleEngine``): the engine's request is
cancelled when the stream stops early (the client went away, an error) and not when it was read to
its end; Ray's errors arrive as ours."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from services.common.errors import EngineUnavailableError, InvalidRequestError
from services.gateway.engines import HandleEngine, ServeEngine
from tests.fake_handles import FakeHandle, StreamResponses


def _chunk(n: int) -> dict[str, Any]:
    return {"id": "c1", "object": "chat.completion.chunk", "model": "m", "choices": [{"index": 0, "delta": {}, "n": n}]}


def _handle_engine(items: list[Any]) -> tuple[HandleEngine, StreamResponses]:
    responses = StreamResponses(items)
    return HandleEngine("m", FakeHandle(responses)), responses


def _serve_engine(items: list[Any]) -> tuple[ServeEngine, StreamResponses]:
    as_sse = [f"data: {orjson.dumps(i).decode()}\n\n" if isinstance(i, dict) else i for i in items]
    responses = StreamResponses([*as_sse, "data: [DONE]\n\n"])
    return ServeEngine("m", FakeHandle(responses)), responses


@pytest.mark.parametrize("make", [_handle_engine, _serve_engine])
async def test_a_stream_read_to_its_end_is_not_cancelled(make):
    engine, responses = make([_chunk(1), _chunk(2)])
    got = [c["choices"][0]["n"] async for c in engine.stream("chat", {"messages": []})]
    assert got == [1, 2] and responses.cancelled == 0


@pytest.mark.parametrize("make", [_handle_engine, _serve_engine])
async def test_a_stream_left_early_is_cancelled_once(make):
    engine, responses = make([_chunk(1), _chunk(2)])
    stream = engine.stream("chat", {"messages": []})
    assert (await anext(stream))["choices"][0]["n"] == 1
    await stream.aclose()  # the client went away
    assert responses.cancelled == 1


@pytest.mark.parametrize("make", [_handle_engine, _serve_engine])
async def test_a_ray_error_mid_stream_is_ours_and_cancels(make):
    engine, responses = make([_chunk(1), RuntimeError("actor died: internal detail")])
    with pytest.raises(EngineUnavailableError) as caught:
        [c async for c in engine.stream("chat", {"messages": []})]
    assert "internal detail" not in str(caught.value) and caught.value.__suppress_context__
    assert responses.cancelled == 1


async def test_an_engine_error_in_the_stream_passes_as_it_is_and_cancels():
    engine, responses = _handle_engine([_chunk(1), {"error": {"status": 400, "message": "bad n"}}])
    with pytest.raises(InvalidRequestError, match="bad n"):
        [c async for c in engine.stream("chat", {"messages": []})]
    assert responses.cancelled == 1
