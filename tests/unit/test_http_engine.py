"""OpenAIHTTPEngine: an OpenAI-compatible upstream, its streams and its failures."""

import httpx
import orjson
import pytest

from services.common.errors import EngineTimeoutError, EngineUnavailableError, InvalidRequestError
from services.gateway.engines import OpenAIHTTPEngine


def upstream(handler):
    return httpx.MockTransport(handler)


def sse(*objs):
    return b"".join(b"data: " + orjson.dumps(o) + b"\n\n" for o in objs) + b"data: [DONE]\n\n"


async def test_generate_sends_upstream_model_name():
    seen = {}

    def handler(request):
        seen["path"], seen["body"] = request.url.path, orjson.loads(request.content)
        return httpx.Response(200, json={"choices": [{"message": {"content": "ok"}}], "usage": {"prompt_tokens": 1}})

    engine = OpenAIHTTPEngine("local-name", "http://up/v1", upstream_model="remote-name", transport=upstream(handler))
    r = await engine.generate("chat", {"model": "local-name", "messages": []})
    assert r["choices"][0]["message"]["content"] == "ok"
    assert seen == {"path": "/v1/chat/completions", "body": {"model": "remote-name", "messages": []}}


async def test_stream_parses_sse_and_stops_at_done():
    chunks = [{"choices": [{"delta": {"content": "a"}}]}, {"choices": [], "usage": {"completion_tokens": 1}}]
    engine = OpenAIHTTPEngine(
        "m", "http://up/v1", transport=upstream(lambda r: httpx.Response(200, content=sse(*chunks)))
    )
    assert [c async for c in engine.stream("chat", {"messages": []})] == chunks


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, InvalidRequestError),
        (422, InvalidRequestError),
        (429, EngineUnavailableError),
        (500, EngineUnavailableError),
        (503, EngineUnavailableError),
    ],
)
async def test_upstream_errors_map_to_ours(status, error):
    body = {"error": {"message": "context too long", "type": "x"}}
    engine = OpenAIHTTPEngine("m", "http://up/v1", transport=upstream(lambda r: httpx.Response(status, json=body)))
    with pytest.raises(error) as info:
        await engine.generate("chat", {"messages": []})
    if error is InvalidRequestError:
        assert info.value.message == "context too long"
    with pytest.raises(error):
        async for _ in engine.stream("chat", {"messages": []}):
            pass


async def test_unreachable_and_slow_upstreams():
    def refuse(request):
        raise httpx.ConnectError("refused")

    def slow(request):
        raise httpx.ReadTimeout("slow")

    with pytest.raises(EngineUnavailableError):
        await OpenAIHTTPEngine("m", "http://up/v1", transport=upstream(refuse)).generate("chat", {})
    with pytest.raises(EngineTimeoutError):
        await OpenAIHTTPEngine("m", "http://up/v1", transport=upstream(slow)).embed({})
