"""What a token-limited key reserves at admission (``QuotaStage.reservation``, through the real
composition root): never more than the model's context allows, what the engine may spend when
the client sets no maximum (vLLM: 16 for a completion, the rest of the context for chat),
token-id prompts counted, one answer per prompt of a batch; a RAG alias has its base model's context."""

from __future__ import annotations

import httpx
import pytest

from loadtests.fake_openai_backend import FakeEngine
from services.common.models import ModelSpec
from services.gateway.config import GatewaySettings
from services.gateway.keys import KeyStore
from services.gateway.quota import Verdict
from services.gateway.routes import build_fastapi
from services.gateway.wiring import Clients, build_gateway

HELLO = [{"role": "user", "content": "hello there world"}]  # 17 characters: a 5-token estimate


class RecordingQuota:
    """Admits everything and records each reservation."""

    def __init__(self) -> None:
        self.reserved: list[int] = []

    async def admit(self, key_id, rpm, tpm, reserve=0) -> Verdict:
        self.reserved.append(reserve)
        return Verdict(True, tokens=reserve)

    async def charge_tokens(self, key_id, tpm, tokens) -> None:
        return None

    async def ready(self) -> None:
        return None


class NoPassages:
    """A retrieval service with nothing to find (grounding leaves the request as it is)."""

    async def retrieve(self, body):
        return {"data": []}


def gateway(tmp_path, *, record: bool):
    keys = KeyStore(tmp_path / "keys.db")
    settings = GatewaySettings(
        keys_db=keys.path, quota_backend="local", budgets_enabled=False, request_log_enabled=False, audit_enabled=False
    )
    specs = [
        ModelSpec(name="short", source="x", max_model_len=64),
        ModelSpec(name="long", source="x", max_model_len=2048),
        ModelSpec(name="unknown", source="x", max_model_len=None),
    ]
    engine = FakeEngine("short")
    service = build_gateway(
        settings,
        specs,
        engines={"short": engine, "long": engine, "unknown": engine},
        clients=Clients(retrieval=NoPassages()),
        rag={"aliases": {"short-rag": {"model": "short", "collection": "c"}}},
    )
    quota = RecordingQuota()
    if record:
        service.pipeline.slots["quota"].quota = quota

    async def ready() -> bool:
        return True

    app = build_fastapi(lambda: service, is_ready=ready)
    key = keys.create("t", tpm=200)[0]
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gw", headers={"Authorization": f"Bearer {key}"}
    )
    return client, quota


CASES = [
    # chat, max_tokens far beyond a 64-token context: the prompt (5) and what the context leaves (59)
    ("chat", {"model": "short", "messages": HELLO, "max_tokens": 5000}, 64),
    ("chat", {"model": "short", "messages": HELLO, "max_completion_tokens": 5000, "n": 2}, 5 + 2 * 59),
    # no maximum: chat may run to the end of the context on vLLM, a completion stops at 16
    ("chat", {"model": "long", "messages": HELLO}, 2048),
    ("chat", {"model": "long", "messages": HELLO, "n": 2}, 5 + 2 * 2043),
    ("chat", {"model": "unknown", "messages": HELLO}, 5 + 256),  # no known context: the setting's estimate
    ("completions", {"model": "long", "prompt": "once upon"}, 3 + 16),
    ("completions", {"model": "short", "prompt": "once upon", "max_tokens": 100}, 3 + 61),
    # token ids count exactly; each prompt of a batch gets its n answers
    ("completions", {"model": "long", "prompt": [7] * 10, "max_tokens": 4}, 10 + 4),
    ("completions", {"model": "long", "prompt": ["aaaa", "bbbbbbbb"], "max_tokens": 3, "n": 2}, (1 + 6) + (2 + 6)),
    # a RAG alias is capped by its base model's context, like the base
    ("chat", {"model": "short-rag", "messages": HELLO, "max_tokens": 5000}, 64),
    ("chat", {"model": "short-rag", "messages": HELLO}, 64),
]


@pytest.mark.parametrize(("route", "body", "reserved"), CASES)
async def test_reservation(tmp_path, route, body, reserved):
    client, quota = gateway(tmp_path, record=True)
    async with client:
        r = await client.post(f"/v1/{'chat/completions' if route == 'chat' else route}", json=body)
    assert r.status_code == 200, r.text
    assert quota.reserved == [reserved]


async def test_a_big_max_tokens_is_not_refused_for_tokens_the_context_cannot_hold(tmp_path):
    """A key of 200 tokens a minute, a 64-token model: each request may use 64 at most. Before, it
    reserved 5 + 5000 (capped at the whole minute's 200), so the second request met a bucket that
    no longer held 200 and got 429 although the first used a handful of tokens."""
    client, _ = gateway(tmp_path, record=False)
    body = {"model": "short", "messages": HELLO, "max_tokens": 5000}
    async with client:
        statuses = [(await client.post("/v1/chat/completions", json=body)).status_code for _ in range(2)]
    assert statuses == [200, 200]


async def test_a_rag_alias_has_its_base_models_context_check(tmp_path):
    """More token ids than the base model's context: 400 context_length_exceeded for the alias as
    for the base (before, the alias had no context and the request went on to the engine)."""
    client, _ = gateway(tmp_path, record=False)
    async with client:
        for model in ("short", "short-rag"):
            r = await client.post("/v1/completions", json={"model": model, "prompt": [7] * 65, "max_tokens": 1})
            assert r.status_code == 400, (model, r.text)
            assert r.json()["error"]["code"] == "context_length_exceeded"
