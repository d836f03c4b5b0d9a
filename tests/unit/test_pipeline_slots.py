"""The open pipeline: named slots filled by the composition root, model resolution before any
quota or safety work, and the retrieval / routing slots replaced by configuration."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from loadtests.fake_openai_backend import FakeEngine
from services.common.models import ModelSpec
from services.gateway.config import GatewaySettings
from services.gateway.pipeline import SLOTS, PassThrough, Pipeline
from services.gateway.routes import build_fastapi
from services.gateway.stages import StaticRouting
from services.gateway.wiring import Parts, build_gateway
from tests.conftest import make_gateway_app

CHAT = {"model": "fake-chat", "messages": [{"role": "user", "content": "hello"}]}


class Counting(PassThrough):
    def __init__(self) -> None:
        self.calls = 0

    async def on_request(self, ctx) -> None:
        self.calls += 1


def client_for(app, key: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw", headers=headers)


async def test_unknown_model_and_wrong_task_are_refused_before_quota_and_guards(keys):
    key, _ = keys.create("tight", rpm=1)
    guard = Counting()
    engines = {"fake-chat": FakeEngine("fake-chat"), "fake-embed": FakeEngine("fake-embed")}
    app = make_gateway_app(
        engines, {"fake-chat": "generate", "fake-embed": "embed"}, keys=keys, stages={"input_guard": guard}
    )
    async with client_for(app, key) as c:
        for _ in range(3):  # a quota of 1 request per minute would refuse the second with 429
            r = await c.post("/v1/chat/completions", json={**CHAT, "model": "no-such-model"})
            assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"
            r = await c.post("/v1/chat/completions", json={**CHAT, "model": "fake-embed"})
            assert r.status_code == 400 and r.json()["error"]["code"] == "model_not_supported"
        assert guard.calls == 0, "the input guard ran for a request that was refused anyway"
        assert (await c.post("/v1/chat/completions", json=CHAT)).status_code == 200, "the quota was spent"
        assert guard.calls == 1
        assert (await c.post("/v1/chat/completions", json=CHAT)).status_code == 429


async def test_bad_bodies_and_size_limits_are_refused_before_quota_and_guards(keys):
    """README API: invalid bodies, more `stop` / messages / `logit_bias` entries than configured and
    a prompt far beyond the context are refused with 400 "before quota, safety or the engine"."""
    key, _ = keys.create("tight", rpm=1)
    guard, engine = Counting(), FakeEngine("fake-chat")
    app = make_gateway_app({"fake-chat": engine}, {"fake-chat": "generate"}, keys=keys, stages={"input_guard": guard})
    refused = [
        ({**CHAT, "temperature": 2.5}, "temperature", None),
        ({**CHAT, "stop": ["a", "b", "c", "d", "e"]}, "stop", None),  # LLMOPS_GATEWAY_MAX_STOP 4
        ({**CHAT, "messages": CHAT["messages"] * 257}, "messages", None),  # MAX_MESSAGES 256
        ({**CHAT, "logit_bias": {str(i): 1 for i in range(301)}}, "logit_bias", None),  # MAX_LOGIT_BIAS 300
        (  # max_model_len 2048 x CONTEXT_CHARS_PER_TOKEN 8 = 16,384 characters
            {**CHAT, "messages": [{"role": "user", "content": "x" * 20_000}]},
            "messages",
            "context_length_exceeded",
        ),
    ]
    async with client_for(app, key) as c:
        for body, param, code in refused:
            r = await c.post("/v1/chat/completions", json=body)
            error = r.json()["error"]
            assert r.status_code == 400 and error["param"] == param, r.text
            assert code is None or error["code"] == code
        assert guard.calls == 0 and engine.received == [], "a refused body reached the guard or the engine"
        assert (await c.post("/v1/chat/completions", json=CHAT)).status_code == 200, "a refused body spent quota"
        assert (await c.post("/v1/chat/completions", json=CHAT)).status_code == 429


def test_pipeline_orders_stages_by_slot_and_rejects_unknown_slots():
    a, b, c = PassThrough(), PassThrough(), PassThrough()
    assert Pipeline({"meter": c, "auth": a, "retrieval": b}).stages == [a, b, c]
    with pytest.raises(ValueError, match="unknown pipeline slots"):
        Pipeline({"retrieval_v2": a})
    assert SLOTS.index("models") == SLOTS.index("auth") + 1


# Stage factories named in the settings (``LLMOPS_GATEWAY_STAGES``), as a RAG or A/B service plugs in.
def grounding_stage(parts: Parts) -> PassThrough:
    class Grounding(PassThrough):
        async def on_request(self, ctx) -> None:
            ctx.payload["messages"] = [{"role": "system", "content": "grounded"}, *ctx.payload["messages"]]
            ctx.features["passages"] = 1.0

    return Grounding()


def alias_routing(parts: Parts) -> PassThrough:
    parts.catalog["fake-alias"] = "generate"  # a public name no engine has: the router serves it
    static = StaticRouting(parts.engines)

    class AliasRouting(PassThrough):
        async def on_request(self, ctx) -> None:
            if ctx.model == "fake-alias":
                ctx.engine, ctx.variant = parts.engines["fake-chat"], "arm-b"
            else:
                await static.on_request(ctx)

    return AliasRouting()


async def test_retrieval_and_routing_slots_are_replaced_by_configuration(tmp_path):
    engine = FakeEngine("fake-chat")
    settings = GatewaySettings(
        auth_disabled=True,
        quota_backend="local",
        budgets_enabled=False,
        request_log_enabled=False,
        audit_enabled=False,
        stages={
            "retrieval": "tests.unit.test_pipeline_slots:grounding_stage",
            "routing": "tests.unit.test_pipeline_slots:alias_routing",
        },
    )
    service = build_gateway(settings, [ModelSpec(name="fake-chat", source="x")], engines={"fake-chat": engine})

    async def ready() -> bool:
        return True

    async with client_for(build_fastapi(lambda: service, is_ready=ready)) as c:
        assert {m["id"] for m in (await c.get("/v1/models")).json()["data"]} == {"fake-chat", "fake-alias"}
        r = await c.post("/v1/chat/completions", json={**CHAT, "model": "fake-alias"})
        assert r.status_code == 200, r.text
        assert r.json()["choices"][0]["message"]["content"] == "echo: grounded hello"
        assert (await c.post("/v1/chat/completions", json=CHAT)).status_code == 200
    assert [payload["messages"][0]["content"] for _, payload in engine.received] == ["grounded", "grounded"]


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        ({"rag": "x.y:z"}, "unknown pipeline slots"),
        ({"retrieval": "no_colon"}, "package.module:function"),
    ],
)
def test_stage_settings_are_validated(stages, message):
    with pytest.raises(ValidationError, match=message):
        GatewaySettings(stages=stages)


def test_unloadable_stage_factory_names_itself():
    settings = GatewaySettings(
        auth_disabled=True, quota_backend="local", budgets_enabled=False, request_log_enabled=False,
        audit_enabled=False,
        stages={"retrieval": "tests.unit.test_pipeline_slots:missing"},
    )  # fmt: skip
    with pytest.raises(ValueError, match="test_pipeline_slots:missing"):
        build_gateway(settings, [ModelSpec(name="fake-chat", source="x")], engines={"fake-chat": FakeEngine()})
