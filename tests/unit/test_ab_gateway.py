"""The A/B router in the gateway (real wiring, real MLflow registry, fake engines per version):
variant header, stickiness, overrides, shadow, feedback, request log, promotion."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from loadtests.fake_openai_backend import FakeEngine
from services.common.models import ModelSpec
from services.gateway.config import GatewaySettings
from services.gateway.keys import KeyStore
from services.gateway.routes import build_fastapi
from services.gateway.wiring import build_gateway
from services.registry.service import ModelRegistry
from services.router.config import RouterSettings
from services.router.experiments import parse_experiments
from services.router.report import build_report
from services.router.wiring import router_config
from tests.registry_fixtures import fresh_registry, mlflow_template  # noqa: F401  (session fixture)

MODEL = "chat"


class VersionEngine(FakeEngine):
    """A fake engine whose responses carry unique ids and say which version answered."""

    def __init__(self, tag: str, delay_s: float = 0.0):
        super().__init__(MODEL)
        self.tag, self.delay_s = tag, delay_s

    async def generate(self, route: str, payload: dict[str, Any]) -> dict[str, Any]:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        response = await super().generate(route, payload)
        return {**response, "id": f"{self.tag}-{uuid.uuid4().hex[:12]}"}

    async def stream(self, route: str, payload: dict[str, Any]):
        rid = f"{self.tag}-{uuid.uuid4().hex[:12]}"
        async for chunk in super().stream(route, payload):
            yield {**chunk, "id": rid}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory, mlflow_template: Path) -> ModelRegistry:  # noqa: F811
    root = tmp_path_factory.mktemp("reg")
    reg = fresh_registry(mlflow_template, root / "mlflow")
    for label in ("one", "two"):
        folder = root / label
        folder.mkdir()
        (folder / "config.json").write_text("{}")
        reg.register(MODEL, folder)
    reg.set_alias(MODEL, "champion", 1)
    reg.set_alias(MODEL, "challenger", 2)
    return reg


def experiment_file(path: Path, **extra: Any) -> Path:
    exp = {
        "name": "exp",
        "model": MODEL,
        "variants": [
            {"name": "control", "version": "champion", "weight": 0.5},
            {"name": "treatment", "version": "challenger", "weight": 0.5},
        ],
        "override_keys": [],
        **extra,
    }
    path.write_text(json.dumps({"experiments": [exp]}))
    return path


def gateway(tmp_path: Path, registry: ModelRegistry, experiments: Path, engines: dict[int, VersionEngine], keys=None):
    settings = GatewaySettings(
        auth_disabled=keys is None,
        keys_db=keys.path if keys else tmp_path / "unused.db",
        quota_backend="local",
        budgets_enabled=False,
        request_log_enabled=True,
        request_log_path=tmp_path / "requests.jsonl",
    )
    router = router_config(
        RouterSettings(experiments_file=experiments, store_url=f"sqlite:///{tmp_path / 'ab.db'}"), registry.settings
    )
    service = build_gateway(
        settings,
        [ModelSpec(name=MODEL, source=MODEL)],
        engines={MODEL: VersionEngine("static")},
        router=router,
        version_engines=lambda model, version: engines.get(version),
    )

    async def ready() -> bool:
        return True

    return service, build_fastapi(lambda: service, is_ready=ready)


def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def chat(user: str | None = None, **extra: Any) -> dict:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi there"}], **extra}
    if user:
        body["user"] = user
    return body


async def test_split_header_stickiness_feedback_and_request_log(tmp_path: Path, registry: ModelRegistry) -> None:
    engines = {1: VersionEngine("v1"), 2: VersionEngine("v2")}
    service, app = gateway(tmp_path, registry, experiment_file(tmp_path / "e.yaml"), engines)
    stage = service.pipeline.slots["routing"]
    seen: Counter[str] = Counter()
    ids: dict[str, str] = {}
    async with client(app) as c:
        for i in range(200):
            reply = await c.post("/v1/chat/completions", json=chat(f"user-{i}"))
            assert reply.status_code == 200
            variant = reply.headers["x-llmops-variant"]
            assert reply.json()["id"].startswith({"control": "v1", "treatment": "v2"}[variant])
            seen[variant] += 1
            ids[variant] = reply.json()["id"]
        assert 70 <= seen["control"] <= 130, seen
        sticky = {
            (await c.post("/v1/chat/completions", json=chat("user-7"))).headers["x-llmops-variant"] for _ in range(5)
        }
        assert len(sticky) == 1
        async with c.stream("POST", "/v1/chat/completions", json=chat("user-7", stream=True)) as streamed:
            assert streamed.headers["x-llmops-variant"] in sticky
            await streamed.aread()
        await stage.drain()
        fb = await c.post("/v1/feedback", json={"response_id": ids["treatment"], "rating": "up"})
        assert fb.status_code == 200, fb.text
        assert (await c.post("/v1/feedback", json={"response_id": ids["treatment"], "rating": 5})).status_code == 409
        assert (await c.post("/v1/feedback", json={"response_id": "nope", "rating": 5})).status_code == 404
        assert (await c.post("/v1/feedback", json={"response_id": ids["control"], "rating": 9})).status_code == 400
    exp = parse_experiments(json.loads((tmp_path / "e.yaml").read_text()))[0]
    report = build_report(stage.service.store, exp)
    assert report["variants"]["control"]["requests"] + report["variants"]["treatment"]["requests"] == 206
    assert report["variants"]["treatment"]["thumbs_up"] == 1
    records = [json.loads(line) for line in (tmp_path / "requests.jsonl").read_text().splitlines()]
    assert {r["variant"] for r in records} == {"control", "treatment"}
    await stage.close()


async def test_override_header_only_for_allowed_keys(tmp_path: Path, registry: ModelRegistry) -> None:
    keys = KeyStore(tmp_path / "keys.db")
    admin, admin_principal = keys.create("admin")
    admin_id = admin_principal.key_id
    other, _ = keys.create("other")
    path = experiment_file(tmp_path / "e.yaml", override_keys=[admin_id])
    service, app = gateway(tmp_path, registry, path, {1: VersionEngine("v1"), 2: VersionEngine("v2")}, keys=keys)
    async with client(app) as c:
        forced = await c.post(
            "/v1/chat/completions",
            json=chat(),
            headers={"Authorization": f"Bearer {admin}", "X-Llmops-Variant": "treatment"},
        )
        assert forced.status_code == 200 and forced.json()["id"].startswith("v2")
        refused = await c.post(
            "/v1/chat/completions",
            json=chat(),
            headers={"Authorization": f"Bearer {other}", "X-Llmops-Variant": "treatment"},
        )
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "variant_override_not_allowed"
        unknown = await c.post(
            "/v1/chat/completions",
            json=chat(),
            headers={"Authorization": f"Bearer {admin}", "X-Llmops-Variant": "nope"},
        )
        assert unknown.status_code == 400 and unknown.json()["error"]["param"] == "x-llmops-variant"
    await service.pipeline.slots["routing"].close()


async def test_shadow_is_never_returned_and_never_delays(tmp_path: Path, registry: ModelRegistry) -> None:
    slow_shadow = VersionEngine("v2", delay_s=5.0)
    path = experiment_file(
        tmp_path / "e.yaml",
        variants=[
            {"name": "control", "version": 1, "weight": 1.0},
            {"name": "candidate", "version": 2, "weight": 0.0},
        ],
        shadow={"variant": "candidate", "share": 1.0, "max_in_flight": 50},
    )
    service, app = gateway(tmp_path, registry, path, {1: VersionEngine("v1"), 2: slow_shadow})
    stage = service.pipeline.slots["routing"]
    async with client(app) as c:
        started = time.perf_counter()
        for i in range(10):
            reply = await c.post("/v1/chat/completions", json=chat(f"u{i}"))
            assert reply.headers["x-llmops-variant"] == "control" and reply.json()["id"].startswith("v1")
        assert time.perf_counter() - started < 5.0  # all ten answered before the first shadow call ended
        await stage.drain()
    assert len(slow_shadow.received) == 10
    rows = stage.service.store.outcomes("exp", shadow=True)
    assert len(rows) == 10 and {r["variant"] for r in rows} == {"candidate"}
    await stage.close()


async def test_promotion_flips_traffic_after_reload(tmp_path: Path, registry: ModelRegistry) -> None:
    empty = tmp_path / "none.yaml"
    empty.write_text("experiments: []")
    service, app = gateway(tmp_path, registry, empty, {1: VersionEngine("v1"), 2: VersionEngine("v2"), 3: None})
    stage = service.pipeline.slots["routing"]
    async with client(app) as c:
        before = await c.post("/v1/chat/completions", json=chat())
        assert before.headers["x-llmops-variant"] == "v1"
        registry.promote(MODEL)
        try:
            stage.service.reload()
            after = await c.post("/v1/chat/completions", json=chat())
            assert after.headers["x-llmops-variant"] == "v2" and after.json()["id"].startswith("v2")
        finally:
            registry.rollback(MODEL)
            registry.set_alias(MODEL, "challenger", 2)
    await stage.close()
