"""A registry version runs on the engine its ``engine`` tag names (``llmops pipeline quantize``
sets it): an ONNX build on the ONNX Runtime engine, a float or w8a8 version on vLLM, an unknown
engine refused with the plan unchanged; the gateway's engine for each. On a real sqlite registry;
the real stack run is in tests/integration/test_lora_serving.py (the int4 variant)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.app import build_app
from services.common.engine_apps import EngineApp, version_backend, version_spec
from services.common.models import ModelSpec
from services.engine.onnx_deployment import OnnxEngineDeployment
from services.gateway.config import GatewaySettings
from services.gateway.engines import HandleEngine, ServeEngine
from services.gateway.routes import build_fastapi
from services.gateway.wiring import build_gateway
from services.registry.service import ModelRegistry
from services.router.config import RouterSettings
from services.router.deploy import EngineAppSync, plan_engine_apps
from services.router.router import Arm, RoutingError, unit_point
from services.router.service import registry_backends
from services.router.wiring import router_config
from tests.registry_fixtures import fresh_registry

CHAT = ModelSpec(name="chat", source="chat", max_lora_rank=8, num_cpus=0.5, engine_kwargs={"enforce_eager": True})
ONNX_TAGS = {"engine": "onnxruntime-genai", "quantization": "int4", "format": "onnx"}


def folder(path: Path, *files: str) -> Path:
    path.mkdir(parents=True)
    for name in ("config.json", *files):
        (path / name).write_text("{}")
    return path


@pytest.fixture
def registry(tmp_path: Path, mlflow_template: Path) -> ModelRegistry:
    reg = fresh_registry(mlflow_template, tmp_path / "reg")
    reg.register("chat", folder(tmp_path / "v1"), alias="champion")  # v1: hf, no engine tag
    reg.register("chat", folder(tmp_path / "v2", "genai_config.json"), kind="quantized", tags=ONNX_TAGS)
    reg.register("chat", folder(tmp_path / "v3"), kind="quantized", tags={"engine": "vllm", "quantization": "w8a8"})
    reg.register("chat", folder(tmp_path / "v4"), kind="quantized", tags={"engine": "tensorrt-llm"})
    reg.register("chat", folder(tmp_path / "v5"), kind="quantized", tags=ONNX_TAGS)  # no genai_config.json
    return reg


def router(tmp_path: Path, version: int) -> RouterSettings:
    exp = tmp_path / f"exp-{version}.yaml"
    variants = [
        {"name": "base", "version": "champion", "weight": 0.5},
        {"name": "q", "version": version, "weight": 0.5},
    ]
    exp.write_text(json.dumps({"experiments": [{"name": "e", "model": "chat", "variants": variants}]}))
    return RouterSettings(enabled=True, experiments_file=exp)


def test_backend_from_the_engine_tag() -> None:
    assert version_backend({}) == "vllm" and version_backend({"engine": "vllm"}) == "vllm"
    assert version_backend(ONNX_TAGS) == "onnx"
    with pytest.raises(ValueError, match="'tgi' .*does not serve"):
        version_backend({"engine": "tgi"})
    onnx = version_spec(CHAT, "onnx", "/q")
    assert (onnx.backend, onnx.source, onnx.num_cpus, onnx.max_lora_rank, onnx.engine_kwargs) == (
        "onnx", "/q", 0.5, None, {}
    )  # fmt: skip
    with pytest.raises(ValueError, match="generate only"):
        version_spec(ModelSpec(name="e", source="e", task="embed"), "onnx", "/q")


def test_onnx_build_planned_on_the_onnx_engine_beside_a_vllm_champion(tmp_path: Path, registry) -> None:
    apps = plan_engine_apps([CHAT], router=router(tmp_path, 2), registry=registry)
    assert [(a.name, a.version, a.spec.backend) for a in apps] == [
        ("engine-chat-v1", 1, "vllm"),
        ("engine-chat-v2", 2, "onnx"),
    ]
    assert apps[0].spec == CHAT.model_copy(update={"source": str((tmp_path / "v1").resolve())})
    onnx = apps[1].spec
    assert onnx.source == str((tmp_path / "v2").resolve()) and onnx.num_cpus == 0.5 and onnx.max_lora_rank is None
    # the engine application build_app makes of it: the ONNX Runtime deployment, named like every engine's
    bound = build_app({"engine_app": onnx.model_dump()})._bound_deployment
    assert bound.name == "engine" and bound.func_or_class is OnnxEngineDeployment.func_or_class
    assert bound.init_args == ("chat", onnx.source)


def test_onnx_build_as_champion(tmp_path: Path, registry) -> None:
    registry.set_alias("chat", "champion", 2)
    none = tmp_path / "none.yaml"
    none.write_text("experiments: []")
    apps = plan_engine_apps([CHAT], router=RouterSettings(enabled=True, experiments_file=none), registry=registry)
    assert [(a.name, a.spec.backend) for a in apps] == [("engine-chat-v2", "onnx")]


def test_vllm_loadable_quantized_version_planned_on_vllm(tmp_path: Path, registry) -> None:
    apps = plan_engine_apps([CHAT], router=router(tmp_path, 3), registry=registry)
    assert [(a.name, a.spec.backend) for a in apps] == [("engine-chat-v1", "vllm"), ("engine-chat-v3", "vllm")]
    assert apps[1].spec.source == str((tmp_path / "v3").resolve()) and apps[1].spec.max_lora_rank == 8


@pytest.mark.parametrize(
    ("version", "message"),
    [(4, r"chat v4: .*engine 'tensorrt-llm'"), (5, "chat v5: built for onnxruntime-genai but .* no genai_config.json")],
)
def test_unservable_version_refused_and_the_running_apps_kept(tmp_path: Path, registry, version, message) -> None:
    with pytest.raises(RoutingError, match=message):
        plan_engine_apps([CHAT], router=router(tmp_path, version), registry=registry)
    if version == 4:
        with pytest.raises(RoutingError, match=message):
            registry_backends(registry)("chat", version)
    calls: list[Any] = []
    sync = EngineAppSync(
        lambda: plan_engine_apps([CHAT], router=router(tmp_path, version), registry=registry),
        calls.append, calls.append, running={"engine-chat-v1", "engine-chat-v2"}, grace_s=0,
    )  # fmt: skip
    assert sync.step(now=10) == ([], []) and calls == [] and sync.running == {"engine-chat-v1", "engine-chat-v2"}


def test_sync_deploys_and_retires_an_onnx_version(tmp_path: Path, registry) -> None:
    plans = [router(tmp_path, 3), router(tmp_path, 2), router(tmp_path, 3)]
    deployed: list[EngineApp] = []
    deleted: list[str] = []
    sync = EngineAppSync(
        lambda: plan_engine_apps([CHAT], router=plans[0], registry=registry),
        deployed.extend, deleted.append, running={"engine-chat-v1", "engine-chat-v3"}, grace_s=10,
    )  # fmt: skip
    plans.pop(0)
    assert sync.step(now=0) == (["engine-chat-v2"], [])
    assert deployed[0].spec.backend == "onnx" and sync.step(now=11) == ([], ["engine-chat-v3"])
    plans.pop(0)
    assert sync.step(now=12) == (["engine-chat-v3"], []) and sync.step(now=23) == ([], ["engine-chat-v2"])


class FakeHandle:
    def options(self, **_: Any) -> FakeHandle:
        return self


class FakeApps:
    """ServeEngineApps as the gateway sees it (services/common/engine_apps.py)."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int | None]] = []

    def handle(self, model: str, version: int | None = None) -> FakeHandle:
        self.asked.append((model, version))
        return FakeHandle()

    def running(self, keys) -> bool:
        return True


async def test_gateway_reaches_each_version_through_its_engine(tmp_path: Path, registry) -> None:
    settings = GatewaySettings(auth_disabled=True, quota_backend="local", budgets_enabled=False)
    config = router_config(
        router(tmp_path, 4).model_copy(update={"store_url": f"sqlite:///{tmp_path / 'ab.db'}"}), registry.settings
    )
    apps = FakeApps()
    service = build_gateway(settings, [CHAT], {"engine_versions": apps}, router=config)
    stage = service.pipeline.slots["routing"]
    assert isinstance(stage.engine(Arm("chat", "q", 2)), HandleEngine)  # the ONNX deployment's own calls
    assert isinstance(stage.engine(Arm("chat", "base", 1)), ServeEngine)  # a vLLM LLM server
    assert isinstance(stage.engine(Arm("chat", "w8a8", 3)), ServeEngine)
    assert stage.engine(Arm("chat", "trt", 4)) is None  # refused by the plan too: never deployed
    assert apps.asked == [("chat", 2), ("chat", 1), ("chat", 3)]
    # a request the split sends to that arm: 503 in the OpenAI error shape
    user = next(u for u in (f"u{i}" for i in range(1000)) if unit_point("e", u) > 0.5)
    app = build_fastapi(lambda: service, is_ready=lambda: True)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        body = {"model": "chat", "messages": [{"role": "user", "content": "hi"}], "user": user}
        r = await client.post("/v1/chat/completions", json=body)
    assert r.status_code == 503 and r.json()["error"]["code"] == "engine_unavailable", r.text


def test_kubernetes_sync_copies_the_engine_app_onto_the_versions_engine(tmp_path: Path, registry) -> None:
    """``llmops deploy sync-registry`` (services/deploy/registry_sync.py): the same choice."""
    from services.deploy.rayservice import DeployError
    from services.deploy.registry_sync import plan
    from services.router.experiments import load_experiments

    static = {"name": "engine-chat", "import_path": "services.app:build_app", "route_prefix": None}
    static["args"] = {"engine_app": CHAT.model_dump(mode="json", exclude_unset=True)}
    gateway = {
        "name": "llmops",
        "route_prefix": "/",
        "args": {"router": {"router": {}}, "models": [{"name": "chat", "own_app": True}]},
    }
    config = {"applications": [static, gateway]}
    wanted = plan(config, load_experiments(router(tmp_path, 2).experiments_file), registry).wanted
    assert wanted["engine-chat-v1"]["args"]["engine_app"].get("backend", "vllm") == "vllm"
    onnx = wanted["engine-chat-v2"]["args"]["engine_app"]
    assert onnx == {"name": "chat", "backend": "onnx", "source": str((tmp_path / "v2").resolve()), "num_cpus": 0.5}
    with pytest.raises(DeployError, match="chat v4: .*'tensorrt-llm'"):
        plan(config, load_experiments(router(tmp_path, 4).experiments_file), registry)
