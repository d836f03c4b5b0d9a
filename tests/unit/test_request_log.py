"""The request log: one record per request, no secrets, prompt text only when redacted."""

import httpx
import orjson

from loadtests.fake_openai_backend import FakeEngine
from services.gateway.pipeline import PassThrough
from services.gateway.request_log import RequestLogStage, RequestLogWriter, read_records
from tests.conftest import make_gateway_app


class RedactingGuard(PassThrough):
    """Stands in for the safety input guard: sets features and a redacted prompt."""

    async def on_request(self, ctx) -> None:
        ctx.features.update({"injection_score": 0.125, "toxicity_score": 0.5, "pii_entities": 1.0})
        ctx.redacted_prompt = "my name is <PERSON>"


def _app(keys, writer, *, guard: bool, keep_prompts: bool = True):
    stages = {
        "request_log": RequestLogStage(writer, keep_prompts=keep_prompts),
        **({"input_guard": RedactingGuard()} if guard else {}),
    }
    return make_gateway_app({"fake-chat": FakeEngine("fake-chat")}, {"fake-chat": "generate"}, keys=keys, stages=stages)


async def test_records_without_and_with_redaction(tmp_path, keys):
    key, principal = keys.create("alice", team="research")
    body = {"model": "fake-chat", "messages": [{"role": "user", "content": "my name is Alice Smith"}]}
    for guard in (False, True):
        writer = RequestLogWriter(tmp_path / f"log-{guard}.jsonl")
        app = _app(keys, writer, guard=guard)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gw", headers={"Authorization": f"Bearer {key}"}
        ) as c:
            assert (await c.post("/v1/chat/completions", json=body)).status_code == 200
            streamed = await c.post("/v1/chat/completions", json={**body, "stream": True})
            assert streamed.status_code == 200
            assert (await c.post("/v1/chat/completions", json={**body, "model": "nope"})).status_code == 404
        records = list(read_records(writer.path))
        assert [r["status"] for r in records] == [200, 200, 404]
        plain, stream, missing = records
        for r in (plain, stream):
            assert (
                r["route"] == "chat"
                and r["model"] == "fake-chat"
                and r["key_id"] == principal.key_id
                and r["team"] == "research"
            )
            assert r["prompt_chars"] == len("my name is Alice Smith") and r["prompt_tokens"] == 5
            assert r["output_chars"] == len("echo: my name is Alice Smith") and r["latency_seconds"] > 0
        raw = writer.path.read_bytes()
        assert key.encode() not in raw and b"Alice" not in raw, "no secret and no unredacted prompt in the log"
        if guard:
            assert plain["redacted_prompt"] == "my name is <PERSON>" and plain["features"]["injection_score"] == 0.125
        else:
            assert plain["redacted_prompt"] is None and plain["features"] == {}
        assert missing["model"] == "other"


def test_rotation_keeps_every_record(tmp_path):
    writer = RequestLogWriter(tmp_path / "r.jsonl", max_bytes=4096, backups=10)
    for i in range(200):
        writer.write({"time": float(i), "i": i, "pad": "x" * 40})
    assert (tmp_path / "r.jsonl.1").exists()
    assert [r["i"] for r in read_records(writer.path)] == list(range(200))
    assert [r["i"] for r in read_records(writer.path, since=50, until=60)] == list(range(50, 60))


def test_rotation_keeps_only_the_configured_number_of_backups(tmp_path):
    """README: `LLMOPS_GATEWAY_REQUEST_LOG_BACKUPS` is the number of rotated files kept: the log
    takes at most (backups + 1) x max_bytes on disk, the oldest records going first."""
    writer = RequestLogWriter(tmp_path / "r.jsonl", max_bytes=1024, backups=2)
    for i in range(300):
        writer.write({"time": float(i), "i": i, "pad": "x" * 40})
    names = {p.name for p in tmp_path.iterdir()}  # r.jsonl is absent right after a rotation
    assert {"r.jsonl.1", "r.jsonl.2"} <= names <= {"r.jsonl", "r.jsonl.1", "r.jsonl.2"}
    kept = [r["i"] for r in read_records(writer.path)]
    assert kept == list(range(kept[0], 300)) and 0 < kept[0]  # the newest, without a gap


def test_torn_line_is_skipped(tmp_path):
    writer = RequestLogWriter(tmp_path / "r.jsonl")
    writer.write({"time": 1.0})
    with writer.path.open("ab") as f:
        f.write(orjson.dumps({"time": 2.0})[:5])
    assert [r["time"] for r in read_records(writer.path)] == [1.0]


async def test_no_prompt_text_by_default_even_when_a_guard_redacted_it(tmp_path, keys):
    key, _ = keys.create("alice")
    writer = RequestLogWriter(tmp_path / "log.jsonl")
    app = _app(keys, writer, guard=True, keep_prompts=False)
    body = {"model": "fake-chat", "messages": [{"role": "user", "content": "my name is Alice Smith"}]}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gw", headers={"Authorization": f"Bearer {key}"}
    ) as c:
        assert (await c.post("/v1/chat/completions", json=body)).status_code == 200
    (record,) = read_records(writer.path)
    assert record["redacted_prompt"] is None and record["features"]["pii_entities"] == 1.0
    assert b"name is" not in writer.path.read_bytes()


def test_prompt_text_is_off_in_the_settings_by_default():
    from services.gateway.config import GatewaySettings

    assert GatewaySettings().request_log_prompts is False


async def test_switched_off_metering_writes_no_file(tmp_path):
    """README: `LLMOPS_GATEWAY_REQUEST_LOG_ENABLED`, `..._AUDIT_ENABLED` and `..._BUDGETS_ENABLED` set
    to false leave out the request log, the audit log and the cost ledger: a request writes nothing."""
    from services.common.models import ModelSpec
    from services.gateway.config import GatewaySettings
    from services.gateway.routes import build_fastapi
    from services.gateway.wiring import build_gateway, metering_stages

    def paths_in(folder):
        return {"request_log_path": folder / "r.jsonl", "audit_db": folder / "a.db", "ledger_db": folder / "l.db"}

    flags = ("request_log_enabled", "audit_enabled", "budgets_enabled")
    on = GatewaySettings(auth_disabled=True, quota_backend="local", **paths_in(tmp_path / "on"))
    assert set(metering_stages(on)) == {"request_log", "audit", "budget"}
    paths = paths_in(tmp_path / "off")
    off = GatewaySettings(auth_disabled=True, quota_backend="local", **paths, **dict.fromkeys(flags, False))
    service = build_gateway(off, [ModelSpec(name="fake-chat", source="x")], engines={"fake-chat": FakeEngine()})

    async def ready() -> bool:
        return True

    app = build_fastapi(lambda: service, is_ready=ready)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        body = {"model": "fake-chat", "messages": [{"role": "user", "content": "hello"}]}
        assert (await client.post("/v1/chat/completions", json=body)).status_code == 200
    assert not (tmp_path / "off").exists() or not any((tmp_path / "off").iterdir())
