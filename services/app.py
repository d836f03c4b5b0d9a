"""``build_app``: the one builder that returns the bound Ray Serve graph.

Used by ``llmops serve`` locally and by KubeRay (``import_path: services.app:build_app`` with
``args`` holding the same keys as the settings below, e.g. ``models_file``, ``gateway``).
"""

from __future__ import annotations

from typing import Any

from ray.serve import Application

from services.common.adapters import resolve_adapter_specs
from services.common.models import ModelSpec
from services.engine.config import EngineSettings
from services.engine.llm_configs import engine_deployment, model_source, onnx_deployment
from services.gateway.config import GatewaySettings
from services.gateway.deployment import GatewayDeployment
from services.rag.config import RagSettings
from services.safety.config import SafetySettings


def build_app(config: dict[str, Any] | None = None) -> Application:
    """Build the graph. ``config`` may hold engine settings (``models_file``, or ``models`` inline
    as a list of model specs), a ``gateway`` dict of gateway settings, a ``safety`` dict of
    safety settings and a ``rag`` dict of RAG settings; anything not given comes from the
    environment (``LLMOPS_*``) or defaults.

    One engine application per model version (``services/common/engine_apps.py``): ``engine_app`` (a
    model spec) builds that engine's application alone; ``engine_apps`` (model names) builds the
    gateway application finding those engines by application name instead of binding them;
    ``router`` (``services.router.wiring.router_config``) turns the A/B router on. Without
    ``engine_apps`` the engines are bound inside this application (one application in all)."""
    config = dict(config or {})
    engine_app = config.pop("engine_app", None)
    engine_apps = config.pop("engine_apps", None)
    router = config.pop("router", None)
    gateway = GatewaySettings(**config.pop("gateway", {}))
    safety = SafetySettings(**config.pop("safety", {}))
    rag = RagSettings(**config.pop("rag", {}))
    engine = EngineSettings(**config)
    # a replica Ray Serve stops (redeploy, scale-down) finishes its requests first, up to the longest one
    drain = {"graceful_shutdown_timeout_s": gateway.request_timeout_s}
    if engine_app is not None:
        from services.common.engine_apps import ENGINE_DEPLOYMENT

        spec = ModelSpec.model_validate(engine_app)
        if spec.source is None:
            raise ValueError(f"engine_app '{spec.name}': an engine application needs the model's source")
        if spec.backend == "onnx":  # a registry version built for onnxruntime-genai (router/deploy.py)
            return onnx_deployment(spec, engine, name=ENGINE_DEPLOYMENT, **drain)
        return engine_deployment(spec, engine, name=ENGINE_DEPLOYMENT, **drain)
    # adapters checked (folder, rank, base) and given absolute folders, before anything is deployed
    specs = resolve_adapter_specs(engine.served_models(), engine.model_store)
    own_apps = [s.name for s in specs if s.own_app]  # listed without source: engines of their own
    if own_apps:
        engine_apps = sorted({*(engine_apps or []), *own_apps})
    engines = (
        {spec.name: engine_deployment(spec, engine, **drain) for spec in specs if spec.backend == "vllm"}
        if engine_apps is None
        else {}
    )
    # ONNX Runtime engines stay inside the gateway's application (not ingress: no port of their own)
    engines.update({spec.name: onnx_deployment(spec, engine, **drain) for spec in specs if spec.backend == "onnx"})
    ingress = GatewayDeployment.options(
        num_replicas=gateway.replicas, ray_actor_options={"num_cpus": gateway.num_cpus}, **drain
    )
    safety_app, safety_config = None, None
    if safety.enabled:
        from services.safety.deployment import SafetyDeployment
        from services.safety.policy import PolicySet

        # absolute paths: replicas need not share the driver's working directory
        safety = safety.model_copy(
            update={
                "models_dir": safety.models_dir.resolve(),
                "policy_file": safety.policy_file.resolve() if safety.policy_file else None,
                # resolved once here, so every gateway replica marks and detects with the same key
                "watermark_key": safety.resolved_watermark_key(),
            }
        )
        PolicySet.from_file(safety.policy_file)  # a bad policy file fails here, before anything starts
        missing = [name for name in ("injection.onnx", "toxicity.onnx") if not (safety.models_dir / name).exists()]
        if missing:
            raise FileNotFoundError(
                f"safety classifiers {missing} not in {safety.models_dir}: "
                "run `llmops classifiers train` (make classifiers)"
            )
        generating = [s for s in specs if s.backend in ("vllm", "onnx") and s.task == "generate"]
        tokenizers = {s.name: model_source(s, engine.model_store) for s in generating if not s.own_app}
        tokenizers |= {s.name: tokenizers[s.base] for s in specs if s.backend == "lora" and s.base in tokenizers}
        # an engine application's source is not in this application's args: asked from the engine
        tokenizer_apps = {s.name: s.name for s in generating if s.own_app}
        tokenizer_apps |= {s.name: s.base for s in specs if s.backend == "lora" and s.base in tokenizer_apps}
        tokenizer_apps = {m: e for m, e in tokenizer_apps.items() if m not in safety.tokenizer_dirs}
        safety_config = {
            **safety.model_dump(mode="json"),
            "tokenizer_dirs": {**tokenizers, **safety.tokenizer_dirs},
            "tokenizer_engines": tokenizer_apps,
        }
        safety_app = SafetyDeployment.options(
            num_replicas=safety.replicas, ray_actor_options={"num_cpus": safety.num_cpus}
        ).bind(safety_config)
    handles: dict[str, Any] = {"engines": engines}
    if safety_app is not None:
        handles["safety"] = safety_app
    rag_config = None
    if rag.enabled:
        from services.rag.deployment import RetrievalDeployment

        # the embedding model from the model store unless set; absolute paths: replicas need not
        # share the driver's working directory
        model_dir = rag.embedding_model_dir
        if "embedding_model_dir" not in rag.model_fields_set:
            model_dir = engine.model_store / model_dir.name
        rag = rag.model_copy(update={"index_dir": rag.index_dir.resolve(), "embedding_model_dir": model_dir.resolve()})
        rag_config = rag.model_dump(mode="json")
        handles["retrieval"] = RetrievalDeployment.options(
            num_replicas=rag.replicas, ray_actor_options={"num_cpus": rag.num_cpus}
        ).bind(rag_config)
    return ingress.bind(
        settings=gateway.model_dump(mode="json"),
        models=[s.model_dump() for s in specs],
        handles=handles,
        safety=safety_config,
        engine_apps=engine_apps,
        router=router,
        rag=rag_config,
    )
