"""Gateway behaviour over HTTP (ASGI, in-process) with fake engines."""

import asyncio

import httpx
import pytest

from loadtests.fake_openai_backend import FakeEngine
from services.gateway.pipeline import PassThrough
from tests.conftest import make_gateway_app

CHAT = {"model": "fake-chat", "messages": [{"role": "user", "content": "hello there world"}]}


def assert_openai_error(response, status, type_=None, code=None, param=None):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}, body
    if type_:
        assert body["error"]["type"] == type_
    if code:
        assert body["error"]["code"] == code
    if param:
        assert body["error"]["param"] == param
    return body["error"]


async def test_chat_completion(client, chat_engine):
    r = await client.post("/v1/chat/completions", json=CHAT)
    assert r.status_code == 200
    body = r.json()
    assert body["choices"][0]["message"]["content"] == "echo: hello there world"
    assert body["usage"]["prompt_tokens"] == 3
    assert chat_engine.received[-1][1]["messages"] == CHAT["messages"]


async def test_request_id_is_echoed_or_generated(client):
    r = await client.post("/v1/chat/completions", json=CHAT, headers={"X-Request-Id": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = await client.get("/v1/models")
    assert len(r.headers["x-request-id"]) == 32
    r = await client.post("/v1/chat/completions", json={})
    assert len(r.headers["x-request-id"]) == 32, "errors carry a request id too"


async def test_auth_errors(gateway_app, keys):
    transport = httpx.ASGITransport(app=gateway_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as anon:
        assert_openai_error(
            await anon.post("/v1/chat/completions", json=CHAT), 401, "authentication_error", "missing_api_key"
        )
        bad = await anon.post("/v1/chat/completions", json=CHAT, headers={"Authorization": "Bearer sk-llmops-wrong"})
        assert_openai_error(bad, 401, "authentication_error", "invalid_api_key")
        assert_openai_error(await anon.get("/v1/models"), 401)
        limited, _ = keys.create("only-embed", models=["fake-embed"])
        denied = await anon.post("/v1/chat/completions", json=CHAT, headers={"Authorization": f"Bearer {limited}"})
        assert_openai_error(denied, 403, "permission_error", param="model")
        listed = await anon.get("/v1/models", headers={"Authorization": f"Bearer {limited}"})
        assert [m["id"] for m in listed.json()["data"]] == ["fake-embed"]
        revoked_key, principal = keys.create("gone")
        keys.revoke(principal.key_id)
        assert_openai_error(
            await anon.post("/v1/chat/completions", json=CHAT, headers={"Authorization": f"Bearer {revoked_key}"}), 401
        )


async def test_dev_mode_without_keys_only_when_configured(chat_engine):
    app = make_gateway_app({"fake-chat": chat_engine}, {"fake-chat": "generate"}, keys=None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as anon:
        assert (await anon.post("/v1/chat/completions", json=CHAT)).status_code == 200


async def test_unknown_model_and_wrong_task(client):
    assert_openai_error(
        await client.post("/v1/chat/completions", json={**CHAT, "model": "nope"}),
        404,
        "not_found_error",
        "model_not_found",
        "model",
    )
    assert_openai_error(
        await client.post("/v1/embeddings", json={"model": "fake-chat", "input": "x"}), 400, code="model_not_supported"
    )
    assert_openai_error(
        await client.post("/v1/chat/completions", json={**CHAT, "model": "fake-embed"}), 400, code="model_not_supported"
    )


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"[]",
        b"null",
        b'{"model": 5}',
        b'{"model": "fake-chat"}',
        b'{"model": "fake-chat", "messages": [{}]}',
        b'{"model": "fake-chat", "messages": [{"role": "user", "content": "x"}], "n": "many"}',
        "\u00ff".encode("latin-1"),
    ],
)
async def test_malformed_bodies_are_400_never_5xx(client, body):
    r = await client.post("/v1/chat/completions", content=body, headers={"Content-Type": "application/json"})
    assert_openai_error(r, 400, "invalid_request_error")


async def test_unknown_route_and_method(client):
    assert_openai_error(await client.get("/v1/nothing"), 404, code="unknown_route")
    assert_openai_error(await client.get("/v1/chat/completions"), 405)


async def test_engine_refusal_is_a_400(gateway_app, keys):
    engine = FakeEngine("fake-chat", reject_prompt="TOO LONG")
    app = make_gateway_app({"fake-chat": engine}, {"fake-chat": "generate"}, keys=None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as anon:
        body = {**CHAT, "messages": [{"role": "user", "content": "TOO LONG"}]}
        assert_openai_error(await anon.post("/v1/chat/completions", json=body), 400)
        assert_openai_error(await anon.post("/v1/chat/completions", json={**body, "stream": True}), 400)


async def test_engine_timeout_is_a_504():
    class Stuck(FakeEngine):
        async def generate(self, route, payload):
            await asyncio.sleep(10)

    app = make_gateway_app({"fake-chat": Stuck()}, {"fake-chat": "generate"}, keys=None, request_timeout_s=0.2)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as anon:
        assert_openai_error(await anon.post("/v1/chat/completions", json=CHAT), 504, "timeout")


class SlowStage(PassThrough):
    async def on_request(self, ctx):
        await asyncio.sleep(10)


@pytest.mark.parametrize("stream", [False, True])
async def test_request_deadline_covers_the_stages_before_the_engine(stream):
    # a stage that hangs before the engine (a slow scan, retrieval or quota call) used to run outside
    # the request timeout: the client waited as long as the stage did
    app = make_gateway_app(
        {"fake-chat": FakeEngine()},
        {"fake-chat": "generate"},
        keys=None,
        request_timeout_s=0.2,
        stages={"retrieval": SlowStage()},
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as anon:
        r = await asyncio.wait_for(anon.post("/v1/chat/completions", json={**CHAT, "stream": stream}), 5)
    assert_openai_error(r, 504, "timeout")


async def test_quota_429_with_retry_after(gateway_app, keys):
    key, _ = keys.create("slow", rpm=2)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=gateway_app),
        base_url="http://gateway",
        headers={"Authorization": f"Bearer {key}"},
    ) as c:
        assert (await c.post("/v1/chat/completions", json=CHAT)).status_code == 200
        assert (await c.post("/v1/chat/completions", json=CHAT)).status_code == 200
        r = await c.post("/v1/chat/completions", json=CHAT)
        err = assert_openai_error(r, 429, "rate_limit_error", "requests_per_minute_exceeded")
        assert int(r.headers["retry-after"]) >= 1 and "2 requests per minute" in err["message"]


async def test_token_quota_counts_real_usage(gateway_app, keys):
    key, _ = keys.create("tokens", tpm=16)
    body = {**CHAT, "max_tokens": 3}  # reserves 5 (prompt estimate) + 3 = 8; uses 3 + 3 = 6
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=gateway_app),
        base_url="http://gateway",
        headers={"Authorization": f"Bearer {key}"},
    ) as c:
        assert (await c.post("/v1/chat/completions", json=body)).status_code == 200  # 16 - 6 = 10 left
        assert (await c.post("/v1/chat/completions", json=body)).status_code == 200  # 4 left
        assert_openai_error(await c.post("/v1/chat/completions", json=body), 429, code="tokens_per_minute_exceeded")


async def test_token_quota_bounds_concurrent_long_requests(keys):
    key, _ = keys.create("long", tpm=1000)
    engine = FakeEngine("fake-chat", reply_tokens=400, chunk_delay_s=0.01)
    app = make_gateway_app({"fake-chat": engine}, {"fake-chat": "generate"}, keys=keys)
    body = {**CHAT, "max_tokens": 400, "stream": True}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway", headers={"Authorization": f"Bearer {key}"}
    ) as c:
        statuses = await asyncio.gather(*(c.post("/v1/chat/completions", json=body) for _ in range(4)))
    # each reserves 405 of the 1000 a minute: two run, the others wait instead of overrunning the limit
    assert sorted(r.status_code for r in statuses) == [200, 200, 429, 429]


async def test_embeddings_and_completions(client):
    r = await client.post("/v1/embeddings", json={"model": "fake-embed", "input": ["a", "bb"]})
    assert [len(d["embedding"]) for d in r.json()["data"]] == [3, 3]
    r = await client.post("/v1/completions", json={"model": "fake-chat", "prompt": "once upon", "max_tokens": 2})
    assert r.json()["choices"][0]["text"] == "echo: once"


async def test_health_ready_metrics(client):
    assert (await client.get("/health")).json() == {"status": "ok"}
    assert (await client.get("/ready")).json() == {"status": "ready"}
    await client.post("/v1/chat/completions", json={**CHAT, "stream": True})
    text = (await client.get("/metrics")).text
    for name in [
        "llmops_requests_total",
        "llmops_request_duration_seconds",
        "llmops_time_to_first_token_seconds",
        "llmops_inter_token_latency_seconds",
        "llmops_prompt_tokens_total",
        "llmops_completion_tokens_total",
        "llmops_requests_in_flight",
    ]:
        assert name in text
    assert 'llmops_requests_total{model="fake-chat",route="chat",status_class="2xx"}' in text


async def test_unknown_models_do_not_create_metric_labels(client):
    for i in range(5):
        await client.post("/v1/chat/completions", json={**CHAT, "model": f"random-{i}"})
    text = (await client.get("/metrics")).text
    assert "random-" not in text


class DeadQuota:
    def __init__(self, hang: bool):
        self.hang = hang

    async def admit(self, key_id, rpm, tpm, reserve=0):
        if self.hang:
            await asyncio.sleep(60)
        raise RuntimeError("quota actor died")

    async def charge_tokens(self, key_id, tpm, tokens):
        raise RuntimeError("quota actor died")


@pytest.mark.parametrize("hang", [False, True])
async def test_dead_or_slow_quota_actor_is_a_503_not_a_500_or_a_hang(keys, hang):
    from services.gateway.stages import QuotaStage

    key, _ = keys.create("limited", rpm=10)
    stage = QuotaStage(DeadQuota(hang), timeout_s=0.2)
    app = make_gateway_app({"fake-chat": FakeEngine()}, {"fake-chat": "generate"}, keys=keys, stages={"quota": stage})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway", headers={"Authorization": f"Bearer {key}"}
    ) as c:
        r = await asyncio.wait_for(c.post("/v1/chat/completions", json=CHAT), 5)
    assert_openai_error(r, 503, code="quota_unavailable")
