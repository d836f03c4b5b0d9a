"""No secret (API key, key hash, pepper) in logs, metrics or stores; CORS off unless configured."""

from __future__ import annotations

import logging

import httpx
import pytest

from loadtests.fake_openai_backend import FakeEngine
from services.common.models import ModelSpec
from services.gateway.config import GatewaySettings
from services.gateway.keys import PREFIX, KeyStore
from services.gateway.routes import build_fastapi
from services.gateway.wiring import build_gateway

PEPPER = "pepper-" + "9f" * 20
BODY = {"model": "fake-chat", "messages": [{"role": "user", "content": "hi"}]}


def _app(tmp_path, **settings):
    base = dict(
        keys_db=tmp_path / "keys.db",
        key_pepper=PEPPER,
        quota_backend="local",
        budgets_enabled=True,
        ledger_db=tmp_path / "ledger.db",
        request_log_enabled=True,
        request_log_path=tmp_path / "requests.jsonl",
        audit_db=tmp_path / "audit.db",
    )
    gateway_settings = GatewaySettings(**(base | settings))
    service = build_gateway(
        gateway_settings,
        [ModelSpec(name="fake-chat", task="generate", source="fake-chat")],
        engines={"fake-chat": FakeEngine("fake-chat")},
    )

    async def ready() -> bool:
        return True

    return build_fastapi(lambda: service, is_ready=ready, cors_allow_origins=gateway_settings.cors_allow_origins)


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway")


async def test_no_secret_reaches_logs_metrics_or_stores(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    store = KeyStore(tmp_path / "keys.db", pepper=PEPPER.encode())
    key, principal = store.create("team-a", rpm=1000)
    revoked, gone = store.create("gone")
    store.revoke(gone.key_id)
    (key_hash,) = [h for h, p in store.active_hashed() if p.key_id == principal.key_id]
    app = _app(tmp_path)
    async with _client(app) as client:
        assert (
            await client.post("/v1/chat/completions", json=BODY, headers={"Authorization": f"Bearer {key}"})
        ).status_code == 200
        stream = BODY | {"stream": True}
        assert (
            await client.post("/v1/chat/completions", json=stream, headers={"Authorization": f"Bearer {key}"})
        ).status_code == 200
        for wrong in (revoked, key + "x", "not-a-key"):
            answer = await client.post("/v1/chat/completions", json=BODY, headers={"Authorization": f"Bearer {wrong}"})
            assert answer.status_code == 401 and wrong not in answer.text
        metrics = (await client.get("/metrics")).text
    secrets = {"key": key, "key body": key[len(PREFIX) :], "revoked key": revoked, "hash": key_hash, "pepper": PEPPER}
    logs = "\n".join(r.getMessage() + repr(r.args) + str(r.exc_info) for r in caplog.records)
    stores = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file() and not p.name.startswith("keys.db"))
    settings_text = repr(GatewaySettings(key_pepper=PEPPER)) + str(GatewaySettings(key_pepper=PEPPER).model_dump())
    for what, secret in secrets.items():
        assert secret not in logs, f"{what} in the logs"
        assert secret not in metrics, f"{what} in /metrics"
        assert secret.encode() not in stores, f"{what} in the ledger or the request log"
        assert secret not in settings_text, f"{what} in the printed settings"
    assert principal.key_id in stores.decode(errors="replace"), "the records name the key by its id"


async def test_cors_is_off_by_default(tmp_path):
    assert GatewaySettings().cors_allow_origins == []
    async with _client(_app(tmp_path)) as client:
        preflight = await client.options(
            "/v1/chat/completions",
            headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
        )
        simple = await client.get("/v1/models", headers={"Origin": "https://app.example"})
    for answer in (preflight, simple):
        assert not any(h.startswith("access-control-") for h in answer.headers), answer.headers
    assert preflight.status_code == 405 and preflight.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("origin", ["https://app.example", "https://evil.example"])
async def test_cors_allows_only_the_configured_origins(tmp_path, monkeypatch, origin):
    monkeypatch.setenv("LLMOPS_GATEWAY_CORS_ALLOW_ORIGINS", '["https://app.example"]')
    allowed = origin == "https://app.example"
    async with _client(_app(tmp_path)) as client:
        preflight = await client.options(
            "/v1/chat/completions",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        simple = await client.get("/v1/models", headers={"Origin": origin})
    if allowed:
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == origin
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in preflight.headers
        assert simple.headers["access-control-allow-origin"] == origin
    else:
        assert preflight.status_code == 400 and "access-control-allow-origin" not in preflight.headers
        assert "access-control-allow-origin" not in simple.headers
    assert simple.status_code == 401, "CORS never replaces authentication"
