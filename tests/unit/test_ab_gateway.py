"""The A/B router in the gateway (real wiring, real MLflow registry, fake engines per version):
variant header, stickiness, overrides, shadow, feedback, request log, promotion."""

from __future__ import annotations

import asyncio
import json
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
from tests.ab_fixtures import ab_experiment, write_experiments
from tests.registry_fixtures import fresh_registry

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
def registry(tmp_path_factory: pytest.TempPathFactory, mlflow_template: Path) -> ModelRegistry:
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
    return write_experiments(path, ab_experiment(MODEL, **{"override_keys": [], **extra}))


def gateway(
    tmp_path: Path,
    registry: ModelRegistry,
    experiments: Path,
    engines: dict[int, VersionEngine],
    keys=None,
    stages=None,
):
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
        version_engines=lambda model, version, backend: engines.get(version),
        stages=stages,
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
        split = await c.post("/v1/chat/completions", json=chat(), headers={"Authorization": f"Bearer {admin}"})
        assert split.status_code == 200
        stage = service.pipeline.slots["routing"]
        await stage.drain()
        # the chosen answer is recorded and takes feedback, for the operator; the statistics leave both out
        fb = await c.post(
            "/v1/feedback",
            json={"response_id": forced.json()["id"], "rating": "up"},
            headers={"Authorization": f"Bearer {admin}"},
        )
        assert fb.status_code == 200, fb.text
    store = stage.service.store
    assert [r["response_id"] for r in store.outcomes("exp", override=True)] == [forced.json()["id"]]
    assert [r["response_id"] for r in store.outcomes("exp")] == [split.json()["id"]]
    assert store.feedback_rows("exp") == []
    report = build_report(store, parse_experiments(json.loads(path.read_text()))[0])
    assert report["variants"]["treatment"]["override_requests"] == 1
    assert sum(v["requests"] for v in report["variants"].values()) == 1
    assert report["variants"]["treatment"]["ratings"] == 0
    await stage.close()


class GatedEngine(VersionEngine):
    """A shadow engine whose calls wait until the test opens the gate, or fail at once."""

    def __init__(self, tag: str, *, fail: bool = False):
        super().__init__(tag)
        self.gate = asyncio.Event()
        self.entered = self.finished = 0
        self.users: list[str] = []  # the mirrored requests' user fields, in the order they started
        self.fail = fail

    async def generate(self, route: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.entered += 1
        self.users.append(payload.get("user"))
        if self.fail:
            raise RuntimeError("shadow engine down")
        await self.gate.wait()
        response = await super().generate(route, payload)
        self.finished += 1
        return response


class WatchingEngine(VersionEngine):
    """The primary engine: notes, while it answers, whether this request's mirror has started."""

    def __init__(self, tag: str, shadow: GatedEngine):
        super().__init__(tag)
        self.shadow = shadow
        self.mirror_started_during: list[bool] = []

    async def generate(self, route: str, payload: dict[str, Any]) -> dict[str, Any]:
        for _ in range(5):
            await asyncio.sleep(0)  # a shadow task started with this request would run here
        self.mirror_started_during.append(payload["user"] in self.shadow.users)
        return await super().generate(route, payload)


def shadow_experiment(path: Path, max_in_flight: int = 50) -> Path:
    return experiment_file(
        path,
        variants=[
            {"name": "control", "version": 1, "weight": 1.0},
            {"name": "candidate", "version": 2, "weight": 0.0},
        ],
        shadow={"variant": "candidate", "share": 1.0, "max_in_flight": max_in_flight},
    )


def assert_control_answer(reply: httpx.Response) -> None:
    """The client's answer is version 1's, and nothing in it names the shadow."""
    assert reply.status_code == 200
    llmops_headers = {k: v for k, v in reply.headers.items() if k.lower().startswith("x-llmops")}
    assert llmops_headers == {"x-llmops-variant": "control"}
    assert "candidate" not in str(reply.headers).lower() and "shadow" not in str(reply.headers).lower()
    assert "candidate" not in reply.text and "shadow" not in reply.text and "v2-" not in reply.text


async def test_shadow_is_never_returned_and_never_delays(tmp_path: Path, registry: ModelRegistry) -> None:
    """Every answer (plain and streamed) arrives while every shadow call is still held open, and
    no shadow call starts before the request it mirrors is done."""
    shadow = GatedEngine("v2")
    primary = WatchingEngine("v1", shadow)
    service, app = gateway(tmp_path, registry, shadow_experiment(tmp_path / "e.yaml"), {1: primary, 2: shadow})
    stage = service.pipeline.slots["routing"]
    async with client(app) as c, asyncio.timeout(30):  # a stage that waited for the shadow would hang here
        for i in range(10):
            reply = await c.post("/v1/chat/completions", json=chat(f"u{i}"))
            assert_control_answer(reply)
            assert reply.json()["id"].startswith("v1")
            assert reply.json()["choices"][0]["message"]["content"] == "echo: hi there"
        async with c.stream("POST", "/v1/chat/completions", json=chat("u-stream", stream=True)) as streamed:
            body = (await streamed.aread()).decode()
        assert streamed.headers["x-llmops-variant"] == "control" and "v2-" not in body and "data: [DONE]" in body
        await asyncio.sleep(0)  # let the last shadow task start
        assert shadow.entered == 11 and shadow.finished == 0  # answered while no shadow call had ended
        assert primary.mirror_started_during == [False] * 10  # each mirror waits for its request to end
        shadow.gate.set()
        await stage.drain()
    assert shadow.finished == 11
    assert all("stream" not in payload for _route, payload in shadow.received)  # mirrored as a plain request
    rows = stage.service.store.outcomes("exp", shadow=True)
    assert len(rows) == 11 and {r["variant"] for r in rows} == {"candidate"} and {r["status"] for r in rows} == {200}
    client_rows = stage.service.store.outcomes("exp", shadow=False)
    assert {r["variant"] for r in client_rows} == {"control"}
    await stage.close()


async def test_failing_shadow_leaves_the_answer_alone(tmp_path: Path, registry: ModelRegistry) -> None:
    """A shadow engine that raises: the client's answers are unchanged, the failure is recorded."""
    broken = GatedEngine("v2", fail=True)
    service, app = gateway(
        tmp_path, registry, shadow_experiment(tmp_path / "e.yaml"), {1: VersionEngine("v1"), 2: broken}
    )
    stage = service.pipeline.slots["routing"]
    async with client(app) as c:
        for i in range(5):
            reply = await c.post("/v1/chat/completions", json=chat(f"u{i}"))
            assert_control_answer(reply)
            assert reply.json()["choices"][0]["message"]["content"] == "echo: hi there"
        await stage.drain()
    assert broken.entered == 5
    rows = stage.service.store.outcomes("exp", shadow=True)
    assert len(rows) == 5 and {r["status"] for r in rows} == {500}
    await stage.close()


async def test_shadow_calls_beyond_max_in_flight_are_dropped_and_counted(
    tmp_path: Path, registry: ModelRegistry
) -> None:
    """At most ``max_in_flight`` mirrored calls run at once; the others are dropped (never queued)
    and counted in ``llmops_ab_shadow_requests_total{outcome="dropped"}``."""
    from services.router import metrics as ab_metrics

    dropped = ab_metrics.SHADOW.labels("exp", "dropped")
    dropped_before = dropped._value.get()
    shadow = GatedEngine("v2")
    experiments = shadow_experiment(tmp_path / "e.yaml", max_in_flight=2)
    service, app = gateway(tmp_path, registry, experiments, {1: VersionEngine("v1"), 2: shadow})
    stage = service.pipeline.slots["routing"]
    async with client(app) as c, asyncio.timeout(30):
        for i in range(6):
            assert_control_answer(await c.post("/v1/chat/completions", json=chat(f"u{i}")))
        await asyncio.sleep(0)  # let the last shadow task start
        assert shadow.entered == 2  # two held open; the other four were not started
        assert dropped._value.get() - dropped_before == 4
        shadow.gate.set()
        await stage.drain()
    assert shadow.finished == 2 and len(stage.service.store.outcomes("exp", shadow=True)) == 2
    await stage.close()


class OutputBlockingSafety:
    """A safety service that blocks every answer (the output guard's verdict), passes every prompt."""

    async def check(self, texts, direction, policy, timeout_s=None):
        blocked = "toxicity" if direction == "output" else None
        return {"blocked": blocked, "texts": texts, "actions": {}, "entities": [[] for _ in texts], "scores": {}}


async def test_answers_the_output_guard_blocked_count_in_the_block_rate(
    tmp_path: Path, registry: ModelRegistry
) -> None:
    """An answer the output guard blocked (plain or streamed) is recorded as blocked for its variant:
    the report's block rate and the canary's max_block_rate guardrail read it."""
    from services.gateway.guard import OutputGuard, SafetyGuard
    from services.safety.policy import PolicySet

    guard = OutputGuard(SafetyGuard(OutputBlockingSafety(), PolicySet({"toxicity": {"directions": ["output"]}})))
    experiments = experiment_file(tmp_path / "e.yaml")
    engines = {1: VersionEngine("v1"), 2: VersionEngine("v2")}
    service, app = gateway(tmp_path, registry, experiments, engines, stages={"output_guard": guard})
    stage = service.pipeline.slots["routing"]
    async with client(app) as c:
        for i in range(6):
            reply = await c.post("/v1/chat/completions", json=chat(f"u{i}"))
            assert reply.status_code == 200 and reply.json()["choices"][0]["finish_reason"] == "content_filter"
        async with c.stream("POST", "/v1/chat/completions", json=chat("u-s", stream=True)) as streamed:
            assert "content_filter" in (await streamed.aread()).decode()
        await stage.drain()
    rows = stage.service.store.outcomes("exp")
    assert len(rows) == 7 and all(r["blocked"] for r in rows)
    report = build_report(stage.service.store, parse_experiments(json.loads(experiments.read_text()))[0])
    assert sum(v["blocked"] for v in report["variants"].values()) == 7
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
