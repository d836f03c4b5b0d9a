import pytest

from services.common.models import ConfigError, ModelSpec, load_models
from services.engine.config import EngineSettings
from services.engine.llm_configs import build_llm_config, engine_kwargs, model_source


def test_default_models_file_is_valid():
    specs = load_models("config/models.yaml")
    assert {s.name: s.task for s in specs} == {"smollm2-135m-instruct": "generate", "all-minilm-l6-v2": "embed"}


@pytest.mark.parametrize(
    ("yaml_text", "fragment"),
    [
        ("models: []", "at least 1"),
        ("models: [{name: a}]", "source is required"),
        ("models: [{name: a, source: s, own_app: true}]", "own_app is for vllm models listed without source"),
        ("models: [{name: a, backend: onnx, own_app: true}]", "own_app is for vllm models"),
        ("models: [{name: a, backend: openai}]", "base_url is required"),
        ("models: [{name: a, source: s}, {name: a, source: t}]", "duplicate model names"),
        ("models: [{name: a, source: s, replicas: 2, max_replicas: 1}]", "max_replicas"),
        ("models: [{name: a, source: s, colour: red}]", "colour"),
        ("models: [{name: a, source: s", "not valid YAML"),
    ],
)
def test_invalid_models_files(tmp_path, yaml_text, fragment):
    path = tmp_path / "models.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError, match=fragment):
        load_models(path)


def test_missing_models_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_models(tmp_path / "nope.yaml")


def test_dtype_and_runner_follow_device_and_task():
    chat = ModelSpec(name="c", source="s")
    embed = ModelSpec(name="e", source="s", task="embed", engine_kwargs={"enforce_eager": True})
    assert engine_kwargs(chat, "cpu") == {"dtype": "float32", "max_model_len": 2048}
    assert engine_kwargs(chat, "cuda")["dtype"] == "bfloat16"
    assert engine_kwargs(embed, "cpu") == {
        "dtype": "float32",
        "max_model_len": 2048,
        "runner": "pooling",
        "enforce_eager": True,
    }


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_llm_config_placement(tmp_path, device):
    (tmp_path / "store" / "s").mkdir(parents=True)
    spec = ModelSpec(name="org/chat", source="s", replicas=1, max_replicas=3, num_cpus=2)
    config = build_llm_config(spec, EngineSettings(device=device, model_store=tmp_path / "store"))
    bundle = config.placement_group_config["bundles"][0]
    assert bundle["CPU"] == 2
    assert bundle.get("GPU", 0) == (1 if device == "cuda" else 0), "no GPU bundle on CPU machines, or it waits forever"
    assert config.model_loading_config.model_source == str((tmp_path / "store" / "s").resolve())
    assert config.deployment_config["autoscaling_config"] == {"min_replicas": 1, "max_replicas": 3}
    assert config.deployment_config["name"] == "engine-org-chat"
    env = (config.runtime_env or {}).get("env_vars", {})
    # on CPU the AOT compile cache cannot be loaded back, so it is off and inductor's cache is reused
    assert env.get("VLLM_USE_AOT_COMPILE") == ("0" if device == "cpu" else None)


def test_cpu_kv_cache_setting_reaches_the_engine(tmp_path, monkeypatch):
    """README: LLMOPS_CPU_KV_CACHE_GIB (default 1) is the KV cache per CPU engine."""
    (tmp_path / "s").mkdir()
    spec = ModelSpec(name="chat", source="s")
    default = build_llm_config(spec, EngineSettings(device="cpu", model_store=tmp_path))
    assert default.runtime_env["env_vars"]["VLLM_CPU_KVCACHE_SPACE"] == "1"
    monkeypatch.setenv("LLMOPS_CPU_KV_CACHE_GIB", "3")
    config = build_llm_config(spec, EngineSettings(device="cpu", model_store=tmp_path))
    assert config.runtime_env["env_vars"]["VLLM_CPU_KVCACHE_SPACE"] == "3"


def test_source_is_a_store_name_or_an_hf_folder_path(tmp_path):
    """README models file: `source` is a model-store name, or a path to an HF folder."""
    (tmp_path / "store" / "named").mkdir(parents=True)
    (tmp_path / "elsewhere" / "hf").mkdir(parents=True)
    store = tmp_path / "store"
    assert model_source(ModelSpec(name="a", source="named"), store) == str((store / "named").resolve())
    folder = tmp_path / "elsewhere" / "hf"
    assert model_source(ModelSpec(name="b", source=str(folder)), store) == str(folder.resolve())


def test_inline_models_replace_the_models_file(tmp_path):
    settings = EngineSettings(
        models_file=tmp_path / "absent.yaml",
        models=[{"name": "a", "source": "s"}, {"name": "e", "source": "t", "task": "embed"}],
    )
    assert [(s.name, s.task) for s in settings.served_models()] == [("a", "generate"), ("e", "embed")]
    with pytest.raises(ConfigError, match="not found"):
        EngineSettings(models_file=tmp_path / "absent.yaml").served_models()


@pytest.mark.parametrize(
    ("models", "fragment"),
    [
        ([], "at least 1"),
        ([{"name": "a"}], "source is required"),
        ([{"name": "a", "source": "s"}, {"name": "a", "source": "t"}], "duplicate"),
    ],
)
def test_inline_models_are_validated_like_a_models_file(models, fragment):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=fragment):
        EngineSettings(models=models)


def test_build_app_takes_inline_models(tmp_path):
    from services.app import build_app

    app = build_app(
        {
            "models_file": str(tmp_path / "absent.yaml"),
            "models": [{"name": "up", "backend": "openai", "base_url": "http://127.0.0.1:9/v1"}],
        }
    )
    assert type(app).__name__ == "Application"


def test_the_gateway_leaves_access_logging_to_the_request_log(tmp_path):
    """Ray Serve's own access-log line per request is off on the gateway (the request log and
    the audit log record each request; the line cost ~3 % of the replica's CPU)."""
    from services.app import build_app

    app = build_app({"models": [{"name": "up", "backend": "openai", "base_url": "http://127.0.0.1:9/v1"}]})
    assert app._bound_deployment.name == "gateway"
    assert app._bound_deployment.logging_config["enable_access_log"] is False


def test_rag_settings_size_the_retrieval_deployment(tmp_path):
    """README RAG settings: `replicas`, `num_cpus` size the retrieval deployment build_app adds;
    `timeout_s` reaches the gateway (how long a grounded chat waits for retrieval)."""
    from services.app import build_app

    rag = {"replicas": 2, "num_cpus": 0.5, "timeout_s": 3, "index_dir": str(tmp_path / "rag")}
    models = [{"name": "up", "backend": "openai", "base_url": "http://127.0.0.1:9/v1"}]
    gateway = build_app({"models": models, "rag": rag})._bound_deployment
    retrieval = gateway.init_kwargs["handles"]["retrieval"]._bound_deployment
    assert (retrieval.name, retrieval.num_replicas, retrieval.ray_actor_options) == ("retrieval", 2, {"num_cpus": 0.5})
    assert gateway.init_kwargs["rag"]["timeout_s"] == 3
    off = build_app({"models": models, "rag": {"enabled": False}})._bound_deployment
    assert "retrieval" not in off.init_kwargs["handles"] and off.init_kwargs["rag"] is None
