"""A draining gateway replica (``services/gateway/draining.py``): new API requests get 503
``shutting_down`` with ``Retry-After`` in the OpenAI error shape, ``/ready`` turns 503, and the
streams already in flight run to their end."""

from __future__ import annotations

import asyncio
import json

import httpx

from loadtests.fake_openai_backend import FakeEngine
from services.common.models import ModelSpec
from services.gateway.config import GatewaySettings
from services.gateway.draining import Drain
from services.gateway.routes import build_fastapi
from services.gateway.wiring import build_gateway

BODY = {"model": "fake-chat", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8}
WORDS = 8  # = max_tokens


def _client(tmp_path, drain: Drain) -> httpx.AsyncClient:
    settings = GatewaySettings(
        auth_disabled=True,
        quota_backend="local",
        request_log_enabled=False,
        ledger_db=tmp_path / "ledger.db",
        audit_db=tmp_path / "audit.db",
    )
    engine = FakeEngine("fake-chat", reply_tokens=WORDS, chunk_delay_s=0.1)
    spec = ModelSpec(name="fake-chat", task="generate", source="fake-chat")
    service = build_gateway(settings, [spec], engines={"fake-chat": engine})

    async def ready() -> bool:
        return True

    app = build_fastapi(lambda: service, is_ready=ready, drain=drain)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway", timeout=30)


async def _stream(client: httpx.AsyncClient) -> list[str]:
    async with client.stream("POST", "/v1/chat/completions", json=BODY | {"stream": True}) as answer:
        assert answer.status_code == 200
        return [line async for line in answer.aiter_lines() if line.startswith("data: ")]


async def test_draining_refuses_new_requests_and_finishes_streams(tmp_path) -> None:
    drain = Drain(retry_after_s=7)
    async with _client(tmp_path, drain) as client:
        assert (await client.post("/v1/chat/completions", json=BODY)).status_code == 200
        assert drain.in_flight == 0
        streams = [asyncio.create_task(_stream(client)) for _ in range(2)]
        while drain.in_flight < 2:
            await asyncio.sleep(0.01)
        assert drain.start() == 2  # both streams are counted until their last byte

        refused = await client.post("/v1/chat/completions", json=BODY, headers={"X-Request-Id": "late-1"})
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "7"
        assert refused.headers["x-request-id"] == "late-1"
        assert refused.json()["error"]["code"] == "shutting_down"
        assert refused.json()["error"]["type"] == "service_unavailable"
        for path in ("/v1/completions", "/v1/embeddings", "/v1/models"):
            assert (await client.request("POST" if "models" not in path else "GET", path, json={})).status_code == 503
        assert (await client.get("/ready")).status_code == 503
        assert (await client.get("/ready")).json() == {"status": "draining"}
        assert (await client.get("/health")).status_code == 200
        assert (await client.get("/metrics")).status_code == 200

        for events in await asyncio.gather(*streams):
            assert events[-1] == "data: [DONE]"
            chunks = [json.loads(e.removeprefix("data: ")) for e in events[:-1]]
            text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))
            assert text.split() == ["ok"] * WORDS
    assert drain.in_flight == 0


async def test_a_replica_not_draining_answers_and_counts_nothing_left(tmp_path) -> None:
    drain = Drain()
    async with _client(tmp_path, drain) as client:
        assert (await client.get("/ready")).status_code == 200
        await _stream(client)
        assert (await client.post("/v1/chat/completions", json=BODY)).status_code == 200
    assert drain.in_flight == 0 and not drain.draining
