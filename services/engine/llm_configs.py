"""Turn model specs into Ray Serve LLM ``LLMConfig`` objects (CPU or GPU placement), or, for the
onnx backend, into a bound ``OnnxEngineDeployment``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from services.common.models import ModelSpec
from services.engine.config import EngineSettings


def model_source(spec: ModelSpec, store: Path) -> str:
    """A store name resolves to its folder in the store; anything else is taken as a path."""
    assert spec.source is not None
    candidate = store / spec.source
    return str(candidate.resolve() if candidate.is_dir() else Path(spec.source).expanduser().resolve())


def engine_kwargs(spec: ModelSpec, device: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "dtype": spec.dtype if spec.dtype != "auto" else ("float32" if device == "cpu" else "bfloat16")
    }
    if spec.max_model_len:
        kwargs["max_model_len"] = spec.max_model_len
    if spec.task == "embed":
        kwargs["runner"] = "pooling"
    if spec.max_lora_rank is not None:  # multi-LoRA: adapters (services/common/adapters.py) per request
        kwargs.update(enable_lora=True, max_lora_rank=spec.max_lora_rank, max_loras=spec.max_loras)
    kwargs.update(spec.engine_kwargs)
    return kwargs


# vLLM's CPU backend compiles the model with inductor on every start. Its default AOT compile cache
# saves an artifact it cannot load back on CPU ("'function' object has no attribute
# 'finalize_loading'"), so each start compiled from scratch; without AOT, inductor's own graph
# cache is reused and later starts skip the C++ build (loadtests/records/bench_engine_start.jsonl).
CPU_COMPILE_ENV = {"VLLM_USE_AOT_COMPILE": "0"}


def queue_limits(spec: ModelSpec) -> dict[str, int]:
    """Serve's per-replica concurrency and bounded queue for an engine (Ray Serve LLM's default
    lets every request through to vLLM's unbounded queue)."""
    return {"max_ongoing_requests": spec.max_ongoing_requests, "max_queued_requests": spec.max_queued_requests}


def build_llm_config(spec: ModelSpec, settings: EngineSettings) -> Any:
    from ray.serve.llm import LLMConfig

    device = settings.resolved_device()
    gpus = spec.num_gpus or (1 if device == "cuda" else 0)
    bundle: dict[str, float] = {"CPU": spec.num_cpus}
    if gpus:
        bundle["GPU"] = gpus
    deployment: dict[str, Any] = {"name": f"engine-{spec.name}".replace("/", "-")}
    if spec.max_replicas:
        deployment["autoscaling_config"] = {"min_replicas": spec.replicas, "max_replicas": spec.max_replicas}
    else:
        deployment["num_replicas"] = spec.replicas
    deployment |= queue_limits(spec)
    env = {"VLLM_CPU_KVCACHE_SPACE": str(settings.cpu_kv_cache_gib), **CPU_COMPILE_ENV} if device == "cpu" else {}
    return LLMConfig(
        model_loading_config={"model_id": spec.name, "model_source": model_source(spec, settings.model_store)},
        engine_kwargs=engine_kwargs(spec, device),
        placement_group_config={"bundles": [bundle]},
        deployment_config=deployment,
        runtime_env={"env_vars": env} if env else None,
        log_engine_metrics=True,
        # the pacing of streamed chunks across the hop to the gateway (services/engine/server.py)
        experimental_configs={"stream_batching_interval_ms": settings.stream_interval_ms},
        # multiplexed model ids are adapter folders (services/engine/server.py LocalAdapterLoader)
        lora_config={"max_num_adapters_per_replica": spec.max_loras} if spec.max_lora_rank is not None else None,
    )


def engine_deployment(spec: ModelSpec, settings: EngineSettings, **serve_options: Any) -> Any:
    """The bound ``EngineServer`` deployment of a vllm spec (``serve_options`` override Ray Serve
    options, e.g. the deployment name); with LoRA on it loads adapters from local folders."""
    from ray.serve.llm import build_llm_deployment

    from services.engine.server import EngineServer, LocalAdapterLoader

    return build_llm_deployment(
        build_llm_config(spec, settings),
        deployment_cls=EngineServer,
        bind_kwargs={"model_downloader": LocalAdapterLoader} if spec.max_lora_rank is not None else None,
        override_serve_options=serve_options or None,
    )


def onnx_deployment(spec: ModelSpec, settings: EngineSettings, **serve_options: Any) -> Any:
    """A quantized version served by ONNX Runtime GenAI (CPU), named like the vLLM engines
    (``serve_options`` add Ray Serve options)."""
    from services.engine.onnx_deployment import OnnxEngineDeployment

    folder = Path(model_source(spec, settings.model_store))
    if not (folder / "genai_config.json").is_file():
        raise FileNotFoundError(f"model '{spec.name}': {folder} has no genai_config.json (llmops pipeline quantize)")
    options: dict[str, Any] = {
        "name": f"engine-{spec.name}".replace("/", "-"),
        "ray_actor_options": {"num_cpus": spec.num_cpus},
    }
    if spec.max_replicas:
        options["autoscaling_config"] = {"min_replicas": spec.replicas, "max_replicas": spec.max_replicas}
    else:
        options["num_replicas"] = spec.replicas
    options |= queue_limits(spec) | serve_options
    return OnnxEngineDeployment.options(**options).bind(
        spec.name, str(folder), threads=settings.onnx_threads, max_model_len=spec.max_model_len
    )
