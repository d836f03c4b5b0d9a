"""The gateway's per-request timing log (``services/gateway/timings.py``): off by default; when on,
one line per request with its marks in path order and its safety checks, and no request text."""

from __future__ import annotations

from pathlib import Path

import httpx
import orjson

from loadtests.fake_openai_backend import FakeEngine
from services.common.models import ModelSpec
from services.gateway.clients import LocalSafetyClient
from services.gateway.config import GatewaySettings
from services.gateway.guard import InputGuard, OutputGuard, SafetyGuard
from services.gateway.routes import build_fastapi
from services.gateway.timings import TimingLog
from services.gateway.wiring import build_gateway
from services.safety.policy import PolicySet
from tests.conftest import make_gateway

PROMPT = "Tell Maria Lopez the parcel arrives on Tuesday"


def test_off_unless_a_path_is_set(tmp_path: Path):
    settings = {"auth_disabled": True, "quota_backend": "local", "budgets_enabled": False, "audit_enabled": False}
    specs = [ModelSpec(name="fake-chat", task="generate", source="fake-chat")]
    engines = {"fake-chat": FakeEngine("fake-chat")}
    off = build_gateway(GatewaySettings(request_log_enabled=False, **settings), specs, engines=engines)
    assert off.timings is None
    path = tmp_path / "t" / "timings.jsonl"
    on = build_gateway(
        GatewaySettings(request_log_enabled=False, timings_path=path, **settings), specs, engines=engines
    )
    assert on.timings is not None and on.timings.path == path


async def _post(service, api_key: str, body: dict) -> httpx.Response:
    async def ready() -> bool:
        return True

    app = build_fastapi(lambda: service, is_ready=ready)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://gateway",
        headers={"Authorization": f"Bearer {api_key}"},
    ) as client:
        return await client.post("/v1/chat/completions", json=body)


async def test_a_guarded_stream_records_its_marks_in_order_and_no_text(tmp_path: Path, keys, api_key, safety_service):
    guard = SafetyGuard(LocalSafetyClient(safety_service), PolicySet({}), timeout_s=5)
    stages = {"input_guard": InputGuard(guard), "output_guard": OutputGuard(guard, window_chars=16, holdback_chars=8)}
    service = make_gateway(
        {"fake-chat": FakeEngine("fake-chat", chunk_delay_s=0.002)}, {"fake-chat": "generate"}, keys=keys, stages=stages
    )
    service.timings = TimingLog(tmp_path / "timings.jsonl")
    body = {"model": "fake-chat", "messages": [{"role": "user", "content": PROMPT}], "stream": True}
    r = await _post(service, api_key, body)
    assert r.status_code == 200 and r.text.endswith("data: [DONE]\n\n")

    raw = (tmp_path / "timings.jsonl").read_bytes()
    (line,) = [orjson.loads(x) for x in raw.splitlines()]
    assert line["status"] == 200 and line["route"] == "chat" and line["input_guard"] == "rewrite"  # the name redacted
    ms = line["ms"]
    path = ["auth", "input_guard", "routing", "engine_call", "first_engine_token", "first_token_out", "done"]
    assert all(name in ms for name in path), ms
    assert [ms[name] for name in path] == sorted(ms[name] for name in path)
    assert line["scans"]["input"][0] == 1 and line["scans"]["output"][0] >= 1
    assert all(wall >= 0 and cpu >= 0 for _, wall, cpu in line["scans"].values())
    for word in ("Maria", "Lopez", "parcel", "Tuesday", "echo"):  # neither the prompt nor the answer
        assert word.encode() not in raw


async def test_an_unguarded_request_records_no_scans(tmp_path: Path, keys, api_key):
    service = make_gateway({"fake-chat": FakeEngine("fake-chat")}, {"fake-chat": "generate"}, keys=keys)
    service.timings = TimingLog(tmp_path / "timings.jsonl")
    r = await _post(service, api_key, {"model": "fake-chat", "messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 200
    (line,) = [orjson.loads(x) for x in (tmp_path / "timings.jsonl").read_bytes().splitlines()]
    assert line["scans"] == {} and "engine_call" in line["ms"] and "first_token_out" not in line["ms"]
