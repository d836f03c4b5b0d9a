"""OpenAIHTTPEngine: an OpenAI-compatible upstream, its streams and its failures (real local
HTTP servers on 127.0.0.1: aiohttp's for canned answers, uvicorn for the fake backend)."""

import asyncio
import socket
from contextlib import asynccontextmanager

import orjson
import pytest
import uvicorn
from aiohttp import web

from loadtests.fake_openai_backend import FakeEngine, FakeOpenAI
from services.common.errors import EngineTimeoutError, EngineUnavailableError, InvalidRequestError
from services.gateway.engines import OpenAIHTTPEngine


@asynccontextmanager
async def upstream(handler):
    """An HTTP server whose every POST is answered by ``handler(request) -> web.StreamResponse``;
    yields its base URL (…/v1)."""
    app = web.Application()
    app.router.add_post("/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        await runner.cleanup()


def canned(status, *, json=None, body=b""):
    async def handler(request):
        return web.Response(status=status, body=orjson.dumps(json) if json is not None else body)

    return handler


def sse(*objs):
    return b"".join(b"data: " + orjson.dumps(o) + b"\n\n" for o in objs) + b"data: [DONE]\n\n"


async def test_generate_sends_upstream_model_name():
    seen = {}

    async def handler(request):
        seen["path"], seen["body"] = request.path, orjson.loads(await request.read())
        seen["auth"] = request.headers.get("Authorization")
        return web.json_response({"choices": [{"message": {"content": "ok"}}], "usage": {"prompt_tokens": 1}})

    async with upstream(handler) as url:
        engine = OpenAIHTTPEngine("local-name", url, upstream_model="remote-name", api_key="sk-up")
        r = await engine.generate("chat", {"model": "local-name", "messages": []})
        await engine.aclose()
    assert r["choices"][0]["message"]["content"] == "ok"
    assert seen == {
        "path": "/v1/chat/completions",
        "body": {"model": "remote-name", "messages": []},
        "auth": "Bearer sk-up",
    }


async def test_stream_parses_sse_and_stops_at_done():
    chunks = [{"choices": [{"delta": {"content": "a" * 300_000}}]}, {"choices": [], "usage": {"completion_tokens": 1}}]

    async def handler(request):  # events split across writes, one bigger than aiohttp's line buffer
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        data = sse(*chunks)
        for i in range(0, len(data), 7_001):
            await response.write(data[i : i + 7_001])
        await response.write_eof()
        return response

    async with upstream(handler) as url:
        engine = OpenAIHTTPEngine("m", url)
        got = [c async for c in engine.stream("chat", {"messages": []})]
        await engine.aclose()
    assert got == chunks


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
    async with upstream(canned(status, json=body)) as url:
        engine = OpenAIHTTPEngine("m", url)
        with pytest.raises(error) as info:
            await engine.generate("chat", {"messages": []})
        if error is InvalidRequestError:
            assert info.value.message == "context too long"
        with pytest.raises(error):
            async for _ in engine.stream("chat", {"messages": []}):
                pass
        await engine.aclose()


async def test_an_answer_that_is_not_json_is_an_engine_failure():
    async with upstream(canned(200, body=b"<html>proxy error</html>")) as url:
        engine = OpenAIHTTPEngine("m", url)
        with pytest.raises(EngineUnavailableError):
            await engine.generate("chat", {"messages": []})
        await engine.aclose()


async def test_unreachable_and_slow_upstreams():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    with pytest.raises(EngineUnavailableError):
        await OpenAIHTTPEngine("m", closed).generate("chat", {})

    async def slow(request):
        await asyncio.sleep(2)
        return web.json_response({})

    async with upstream(slow) as url:
        engine = OpenAIHTTPEngine("m", url, timeout_s=0.2)
        with pytest.raises(EngineTimeoutError):
            await engine.embed({})
        with pytest.raises(EngineTimeoutError):
            async for _ in engine.stream("chat", {}):
                pass
        await engine.aclose()


async def test_the_fake_engine_over_http_answers_as_in_process():
    """The benchmarks' fake backend is the tests' FakeEngine behind the OpenAI HTTP API."""
    fake = FakeEngine("fake", reject_prompt="TOO LONG")
    server = uvicorn.Server(uvicorn.Config(FakeOpenAI(fake), host="127.0.0.1", port=0, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    engine = OpenAIHTTPEngine("fake", f"http://127.0.0.1:{port}/v1")
    try:
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
    finally:
        await engine.aclose()
        server.should_exit = True
        await serving


async def test_a_pooled_connection_the_server_closes_as_the_request_goes_is_retried_once():
    """The idle keep-alive race (bench_burst's 33 x 503 engine_unavailable): the server closes a
    pooled connection just as a request is sent on it. Nothing was answered, so the engine
    resends once on a new connection; a server that drops every request still fails."""
    answer = b'{"choices": [{"message": {"content": "ok"}}]}'
    stream_answer = sse({"choices": [{"delta": {"content": "ok"}}]})
    seen: list[int] = []  # per request: how many requests its connection had carried before it

    async def serve(reader, writer, *, drop_all=False):
        carried = 0
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                length = next(h for h in head.lower().split(b"\r\n") if h.startswith(b"content-length"))
                request = await reader.readexactly(int(length.split(b":")[1]))
                seen.append(carried)
                if carried or drop_all:  # a connection's second request: closed unanswered
                    break
                body = stream_answer if orjson.loads(request).get("stream") else answer
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
                carried += 1
        except asyncio.IncompleteReadError:
            pass
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1"
    engine = OpenAIHTTPEngine("m", url)
    for _ in range(3):  # each call after the first goes out on the previous call's pooled connection
        assert (await engine.generate("chat", {"messages": []}))["choices"][0]["message"]["content"] == "ok"
    got = [c async for c in engine.stream("chat", {"messages": [], "stream": True})]
    assert got and got[0]["choices"][0]["delta"]["content"] == "ok"
    assert seen == [0, 1, 0, 1, 0, 1, 0]  # every reused connection's request was resent once
    await engine.aclose()
    server.close()

    dropping = await asyncio.start_server(lambda r, w: serve(r, w, drop_all=True), "127.0.0.1", 0)
    seen.clear()
    engine = OpenAIHTTPEngine("m", f"http://127.0.0.1:{dropping.sockets[0].getsockname()[1]}/v1")
    with pytest.raises(EngineUnavailableError):
        await engine.generate("chat", {"messages": []})
    assert seen == [0, 0]  # one retry, not a loop
    await engine.aclose()
    dropping.close()


async def test_the_proxy_comes_from_the_environment_without_a_thread_hop_per_request(monkeypatch):
    """HTTP_PROXY is honoured (NO_PROXY too), read once: aiohttp's trust_env would read it in a
    worker thread on every request (a thread hop each, measurable at gateway load)."""
    seen = []

    async def proxy(request):  # a forward proxy gets the upstream's absolute URL
        seen.append(str(request.url))
        return web.json_response({"via": "proxy"})

    with socket.socket() as s:  # the upstream: nothing listens there, only the proxy can answer
        s.bind(("127.0.0.1", 0))
        upstream_url = f"http://upstream.invalid:{s.getsockname()[1]}/v1"
    async with upstream(proxy) as proxy_url:
        monkeypatch.setenv("HTTP_PROXY", proxy_url.removesuffix("/v1"))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        engine = OpenAIHTTPEngine("m", upstream_url)

        async def no_thread(*args, **kwargs):
            raise AssertionError("a worker-thread hop on the request path")

        monkeypatch.setattr(asyncio, "to_thread", no_thread)
        for _ in range(2):
            assert await engine.generate("chat", {}) == {"via": "proxy"}
        await engine.aclose()
        assert seen == [upstream_url + "/chat/completions"] * 2

        monkeypatch.setenv("NO_PROXY", "upstream.invalid")
        direct = OpenAIHTTPEngine("m", upstream_url)
        with pytest.raises(EngineUnavailableError):  # direct: the name does not resolve
            await direct.generate("chat", {})
        await direct.aclose()
        assert len(seen) == 2


async def test_models_file_api_key_env_is_the_upstream_key(monkeypatch):
    """README Configuration: an `openai` backend's `api_key_env` names the environment variable
    holding its key; the gateway sends that key upstream (and none when the entry names none)."""
    from services.common.models import ModelSpec
    from services.gateway.wiring import engines_from_handles

    seen = []

    async def handler(request):
        seen.append(request.headers.get("Authorization"))
        return web.json_response({"choices": [{"message": {"content": "ok"}}]})

    monkeypatch.setenv("UPSTREAM_KEY", "sk-from-env")
    async with upstream(handler) as url:
        specs = [
            ModelSpec(name="up", backend="openai", base_url=url, api_key_env="UPSTREAM_KEY"),
            ModelSpec(name="open", backend="openai", base_url=url),
        ]
        engines = engines_from_handles(specs, {}, timeout_s=5)
        for name in ("up", "open"):
            await engines[name].generate("chat", {"model": name, "messages": []})
            await engines[name].aclose()
    assert seen == ["Bearer sk-from-env", None]
