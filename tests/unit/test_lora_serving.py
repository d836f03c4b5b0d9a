"""LoRA adapters on the base vLLM engine (multi-LoRA): the checks before anything starts, the
engine settings, the engine's adapter loader, the gateway's adapter requests, the models list,
and registry versions of kind lora in the router's plan and arms. The real engine run is in
tests/integration/test_pipelines.py (test_registered_adapter_served_on_the_base_engine)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from services.common.adapters import AdapterError, read_adapter, resolve_adapter_specs
from services.common.models import ModelsFile, ModelSpec
from services.engine.config import EngineSettings
from services.engine.llm_configs import build_llm_config, engine_kwargs
from services.engine.server import LocalAdapterLoader
from services.gateway.config import GatewaySettings
from services.gateway.engines import ServeEngine
from services.gateway.wiring import build_gateway
from services.registry.service import ModelRegistry
from services.router.config import RouterSettings
from services.router.deploy import plan_engine_apps
from services.router.router import Arm, RoutingError
from services.router.service import registry_targets
from services.router.stage import ABRouting
from tests.registry_fixtures import fresh_registry


def adapter_folder(path: Path, *, rank: int = 8, base: str | None = None) -> Path:
    path.mkdir(parents=True)
    config = {"peft_type": "LORA", "r": rank, "lora_alpha": 16, "target_modules": ["q_proj"]}
    if base is not None:
        config["base_model_name_or_path"] = base
    (path / "adapter_config.json").write_text(json.dumps(config))
    (path / "adapter_model.safetensors").write_bytes(b"weights")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Path:
    base = tmp_path / "store" / "chat"
    base.mkdir(parents=True)
    (base / "config.json").write_text("{}")
    return tmp_path / "store"


def specs(adapter: Path, **base_fields: Any) -> list[ModelSpec]:
    return [
        ModelSpec(name="chat", source="chat", **({"max_lora_rank": 8} | base_fields)),
        ModelSpec(name="chat-tuned", backend="lora", base="chat", source=str(adapter)),
    ]


# ------------------------------------------------------------------ checks before anything starts


def test_models_file_rules() -> None:
    chat = {"name": "chat", "source": "chat", "max_lora_rank": 8}
    tuned = {"name": "tuned", "backend": "lora", "base": "chat", "source": "a"}
    assert [m.name for m in ModelsFile.model_validate({"models": [chat, tuned]}).models] == ["chat", "tuned"]
    with pytest.raises(ValueError, match="needs max_lora_rank"):
        ModelsFile.model_validate({"models": [{**chat, "max_lora_rank": None}, tuned]})
    with pytest.raises(ValueError, match="base 'other' is not a vllm model"):
        ModelsFile.model_validate({"models": [chat, {**tuned, "base": "other"}]})
    with pytest.raises(ValueError, match="needs base"):
        ModelSpec(name="tuned", backend="lora", source="a")
    with pytest.raises(ValueError, match="max_lora_rank is for vllm models of task generate"):
        ModelSpec(name="e", source="e", task="embed", max_lora_rank=8)


def test_adapter_resolved_to_its_folder_with_the_base_context(tmp_path: Path, store: Path) -> None:
    adapter = adapter_folder(tmp_path / "tuned", base=str(store / "chat"))
    resolved = resolve_adapter_specs(specs(adapter, max_model_len=512), store)
    assert resolved[1].source == str(adapter.resolve()) and resolved[1].max_model_len == 512
    assert resolved[0] == specs(adapter, max_model_len=512)[0]  # the base is untouched


@pytest.mark.parametrize(
    ("make", "base_fields", "message"),
    [
        (lambda p, s: p / "missing", {}, "adapter folder .* does not exist"),
        (lambda p, s: (p / "empty").mkdir() or p / "empty", {}, "no adapter_config.json"),
        (lambda p, s: adapter_folder(p / "a", rank=16), {}, "rank 16 is above model 'chat''s max_lora_rank 8"),
        (lambda p, s: adapter_folder(p / "a", base=str(p)), {}, "was trained on .*, not on model 'chat'"),
        (lambda p, s: adapter_folder(p / "a", base="HuggingFaceTB/SmolLM2-360M"), {}, "not on model 'chat'"),
    ],
)
def test_bad_adapters_refused_before_any_engine(tmp_path: Path, store: Path, make, base_fields, message) -> None:
    with pytest.raises(AdapterError, match=message):
        resolve_adapter_specs(specs(make(tmp_path, store), **base_fields), store)
    # the same error stops `llmops serve` before any application is deployed
    (tmp_path / "again").mkdir()
    with pytest.raises(RoutingError, match=message):
        plan_engine_apps(specs(make(tmp_path / "again", store), **base_fields), model_store=store)


def test_only_lora_adapters_with_a_rank(tmp_path: Path) -> None:
    folder = adapter_folder(tmp_path / "a", rank=4)
    assert read_adapter(folder).rank == 4 and read_adapter(folder).path == folder.resolve()
    config = json.loads((folder / "adapter_config.json").read_text())
    (folder / "adapter_config.json").write_text(json.dumps({**config, "rank_pattern": {"q_proj": 12}}))
    assert read_adapter(folder).rank == 12  # the largest rank is what the engine must hold
    (folder / "adapter_config.json").write_text(json.dumps({**config, "peft_type": "IA3"}))
    with pytest.raises(AdapterError, match="IA3 adapter; only LoRA"):
        read_adapter(folder)
    (folder / "adapter_config.json").write_text(json.dumps({**config, "r": 0}))
    with pytest.raises(AdapterError, match="no LoRA rank"):
        read_adapter(folder)


def test_hub_id_base_matches_by_name(tmp_path: Path, store: Path) -> None:
    adapter = adapter_folder(tmp_path / "a", base="someorg/chat")
    assert resolve_adapter_specs(specs(adapter), store)[1].source == str(adapter.resolve())


def test_adapter_needs_no_engine_of_its_own(tmp_path: Path, store: Path) -> None:
    apps = plan_engine_apps(specs(adapter_folder(tmp_path / "a")), model_store=store)
    assert [a.name for a in apps] == ["engine-chat"]


def test_chart_renders_an_adapter_on_its_base_engine() -> None:
    import yaml

    from tests.helm_chart import render_with

    models = [
        {"name": "chat", "source": "chat", "max_lora_rank": 8},
        {"name": "chat-tuned", "backend": "lora", "base": "chat", "source": "/models/adapters/tuned"},
    ]
    done = render_with({"models": models})
    assert done.returncode == 0, done.stderr
    (rayservice,) = [d for d in yaml.safe_load_all(done.stdout) if d and d["kind"] == "RayService"]
    apps = {a["name"]: a for a in yaml.safe_load(rayservice["spec"]["serveConfigV2"])["applications"]}
    assert sorted(apps) == ["engine-chat", "llmops"]  # the adapter has no engine application
    assert apps["engine-chat"]["args"]["engine_app"]["max_lora_rank"] == 8
    gateway = apps["llmops"]["args"]
    assert gateway["engine_apps"] == ["chat"]
    assert EngineSettings(models=gateway["models"]).served_models()[1].base == "chat"
    refused = render_with({"models": [models[0], {**models[1], "max_loras": 0}]})
    assert refused.returncode != 0 and "max_loras" in refused.stderr


# ------------------------------------------------------------------ the engine


def test_engine_started_with_multi_lora(tmp_path: Path) -> None:
    spec = ModelSpec(name="chat", source="chat", max_lora_rank=16, max_loras=2)
    assert engine_kwargs(spec, "cpu").items() >= {"enable_lora": True, "max_lora_rank": 16, "max_loras": 2}.items()
    assert "enable_lora" not in engine_kwargs(ModelSpec(name="chat", source="chat"), "cpu")
    config = build_llm_config(spec, EngineSettings(device="cpu", model_store=tmp_path))
    assert config.lora_config.max_num_adapters_per_replica == 2 and config.lora_config.dynamic_lora_loading_path is None
    assert build_llm_config(ModelSpec(name="c", source="c"), EngineSettings(device="cpu")).lora_config is None


def test_engine_loader_takes_local_adapter_folders(tmp_path: Path) -> None:
    adapter = adapter_folder(tmp_path / "a")
    loader = LocalAdapterLoader(download_timeout_s=30, max_tries=1)
    loaded = asyncio.run(loader.load_model_from_config(str(adapter), llm_config=None))
    assert loaded.model_id == str(adapter) and loaded.local_path == str(adapter)
    with pytest.raises(ValueError, match="not an absolute folder path"):
        asyncio.run(loader.load_model_from_config("a", llm_config=None))
    with pytest.raises(AdapterError, match="does not exist"):
        asyncio.run(loader.load_model_from_config(str(tmp_path / "gone"), llm_config=None))


# ------------------------------------------------------------------ the gateway


class Response:
    def __init__(self, body: dict[str, Any]):
        self.body = body

    def model_dump(self, **_: Any) -> dict[str, Any]:
        return dict(self.body)


class Responses:
    def __init__(self, items: list[Any]):
        self.items = items

    def __aiter__(self):
        return self._iter()

    async def _iter(self):
        for item in self.items:
            yield item

    def cancel(self) -> None:
        pass


class Method:
    def __init__(self, handle: FakeHandle):
        self.handle = handle

    def remote(self, request: Any) -> Responses:
        self.handle.requests.append((self.handle.options_set, request))
        answer = {"id": "c1", "object": "chat.completion", "model": request.model, "choices": []}
        if getattr(request, "stream", False):
            chunk = {**answer, "object": "chat.completion.chunk"}
            return Responses([[f"data: {orjson.dumps(chunk).decode()}\n\n", "data: [DONE]\n\n"]])
        return Responses([Response(answer)])


class FakeHandle:
    """A Ray Serve handle that records its options and the engine requests sent through it."""

    def __init__(self, requests: list | None = None, options_set: dict | None = None):
        self.requests = requests if requests is not None else []
        self.options_set = options_set or {}

    def options(self, **kwargs: Any) -> FakeHandle:
        return FakeHandle(self.requests, {**self.options_set, **kwargs})

    @property
    def chat(self) -> Method:
        return Method(self)


CHAT_PAYLOAD = {"model": "chat-tuned", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}


def test_adapter_requests_go_to_the_base_engine_with_the_adapter(tmp_path: Path) -> None:
    handle = FakeHandle()
    engine = ServeEngine("chat-tuned", handle, adapter="/adapters/tuned")
    answer = asyncio.run(engine.generate("chat", CHAT_PAYLOAD))
    options, request = handle.requests[-1]
    assert options == {"stream": True, "multiplexed_model_id": "/adapters/tuned"}
    assert request.model == "/adapters/tuned"  # vLLM applies the adapter loaded under that name
    assert answer["model"] == "chat-tuned"  # the client sees the public name

    async def stream() -> list[dict[str, Any]]:
        return [c async for c in engine.stream("chat", {**CHAT_PAYLOAD, "stream": True})]

    chunks = asyncio.run(stream())
    assert [c["model"] for c in chunks] == ["chat-tuned"]
    plain = ServeEngine("chat", handle)
    asyncio.run(plain.generate("chat", {**CHAT_PAYLOAD, "model": "chat"}))
    assert handle.requests[-1][0] == {"stream": True} and handle.requests[-1][1].model == "chat"
    assert plain.with_adapter("/adapters/x", "chat:x").adapter == "/adapters/x"


def test_adapter_model_listed_and_routed_to_its_base(tmp_path: Path, store: Path) -> None:
    resolved = resolve_adapter_specs(specs(adapter_folder(tmp_path / "a")), store)
    handle = FakeHandle()
    settings = GatewaySettings(auth_disabled=True, quota_backend="local")
    gateway = build_gateway(settings, resolved, {"engines": {"chat": handle}})
    assert [m["id"] for m in gateway.list_models(None)["data"]] == ["chat", "chat-tuned"]
    routing = gateway.pipeline.slots["routing"]
    tuned = routing.engines["chat-tuned"]
    assert isinstance(tuned, ServeEngine) and tuned.adapter == str((tmp_path / "a").resolve())


# ------------------------------------------------------------------ registry versions of kind lora


@pytest.fixture
def registry(tmp_path: Path, mlflow_template: Path) -> ModelRegistry:
    reg = fresh_registry(mlflow_template, tmp_path / "reg")
    base = tmp_path / "base"
    base.mkdir()
    (base / "config.json").write_text("{}")
    reg.register("chat", base, alias="champion")  # v1
    reg.register("chat", adapter_folder(tmp_path / "v2"), kind="lora", tags={"parent_version": 1})  # v2
    reg.register("chat", adapter_folder(tmp_path / "v3", rank=32), kind="lora", tags={"parent_version": 1})  # v3
    reg.register("chat", adapter_folder(tmp_path / "v4"), kind="lora")  # v4: no parent recorded
    return reg


def experiment(tmp_path: Path, version: int) -> RouterSettings:
    exp = tmp_path / "exp.yaml"
    variants = [{"name": "base", "version": 1, "weight": 0.5}, {"name": "tuned", "version": version, "weight": 0.5}]
    exp.write_text(json.dumps({"experiments": [{"name": "e", "model": "chat", "variants": variants}]}))
    return RouterSettings(enabled=True, experiments_file=exp)


def test_lora_version_is_a_variant_on_its_base_versions_engine(tmp_path: Path, registry: ModelRegistry) -> None:
    chat = ModelSpec(name="chat", source="chat", max_lora_rank=8)
    apps = plan_engine_apps([chat], router=experiment(tmp_path, 2), registry=registry)
    assert [(a.name, a.version) for a in apps] == [("engine-chat-v1", 1)]  # one engine for both variants
    assert apps[0].spec.max_lora_rank == 8
    targets = registry_targets(registry, {"chat": 8})
    assert targets("chat", 1) == (1, None)
    assert targets("chat", 2) == (1, str((tmp_path / "v2").resolve()))


@pytest.mark.parametrize(
    ("version", "ranks", "message"),
    [
        (3, {"chat": 8}, "rank 32 is above model 'chat''s max_lora_rank 8"),
        (2, {"chat": None}, "served without LoRA"),
        (4, {"chat": 8}, "no parent_version"),
    ],
)
def test_lora_versions_refused_before_deploying(
    tmp_path: Path, registry: ModelRegistry, version: int, ranks: dict, message: str
) -> None:
    with pytest.raises(RoutingError, match=message):
        registry_targets(registry, ranks)("chat", version)
    chat = ModelSpec(name="chat", source="chat", max_lora_rank=ranks["chat"])
    with pytest.raises(RoutingError, match=message):
        plan_engine_apps([chat], router=experiment(tmp_path, version), registry=registry)


def test_routing_stage_sends_a_lora_arm_to_its_base_engine_with_the_adapter() -> None:
    base = ServeEngine("chat", FakeHandle())
    seen = []

    def lookup(model: str, version: int | None) -> Any:
        seen.append((model, version))
        return base

    stage = ABRouting(service=None, engines=lookup)  # type: ignore[arg-type]
    arm = Arm("chat", "tuned", 2, engine_version=1, adapter="/adapters/v2")
    engine = stage.engine(arm)
    assert seen == [("chat", 1)] and isinstance(engine, ServeEngine) and engine.adapter == "/adapters/v2"
    assert stage.engine(arm) is engine  # one engine object per adapter
    assert arm.engine_key == ("chat", 1)
    assert stage.engine(Arm("chat", "base", 1, engine_version=1)) is base and seen[-1] == ("chat", 1)
