"""OpenAIHTTPEngine: an OpenAI-compatible upstream, its streams and its failures."""

import httpx
import orjson
import pytest

from loadtests.fake_openai_backend import FakeEngine, FakeOpenAI
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


async def test_the_fake_engine_over_http_answers_as_in_process():
    """The benchmarks' fake backend is the tests' FakeEngine behind the OpenAI HTTP API."""
    fake = FakeEngine("fake", reject_prompt="TOO LONG")
    engine = OpenAIHTTPEngine("fake", "http://fake/v1", transport=httpx.ASGITransport(app=FakeOpenAI(fake)))
    chat = {"messages": [{"role": "user", "content": "one two three"}], "max_tokens": 3}
    answer = await engine.generate("chat", chat)
    assert answer == {**await fake.generate("chat", chat), "created": answer["created"]}
    assert (
        answer["choices"][0]["message"]["content"] == "echo: one two"
        and answer["choices"][0]["finish_reason"] == "length"
    )
    streamed = [
        c async for c in engine.stream("chat", {**chat, "stream": True, "stream_options": {"include_usage": True}})
    ]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in streamed if c["choices"]) == "echo: one two"
    assert streamed[-1]["usage"] == {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6}
    assert len((await engine.embed({"input": ["a", "b c"]}))["data"]) == 2
    with pytest.raises(InvalidRequestError, match="maximum context length"):
        await engine.generate("chat", {"messages": [{"role": "user", "content": "TOO LONG"}]})
    with pytest.raises(InvalidRequestError, match="maximum context length"):
        async for _ in engine.stream("completions", {"prompt": "TOO LONG", "stream": True}):
            pass
