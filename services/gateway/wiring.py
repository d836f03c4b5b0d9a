"""The gateway's composition root: settings and service handles in, a ``GatewayService`` out.

Ray-free: the Ray Serve deployment (``deployment.py``) hands in the handles Ray gave it, tests
hand in fake engines and in-process clients, and both get the same gateway. Every slot of the
pipeline (``pipeline.SLOTS``) is filled here and nowhere else:

- ``auth``, ``models``, ``quota``, ``meter``: always;
- ``budget``, ``request_log``, ``audit``: when the settings turn them on;
- ``input_guard`` / ``output_guard``: the safety guards when the app has a safety service;
- ``retrieval``, ``routing``: from a factory chosen by the services present (no retrieval
  service: pass-through; routing: one engine per model), or named in the settings
  (``LLMOPS_GATEWAY_STAGES='{"retrieval": "package.module:factory"}'``). A factory takes the
  ``Parts`` below and returns a stage; the RAG and A/B services plug in this way.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypedDict

from services.common.engine import Engine
from services.common.models import ModelSpec
from services.common.protocol import RetrieveRequest
from services.gateway.clients import HandleRetrievalClient, HandleSafetyClient, RetrievalClient, SafetyClient
from services.gateway.config import GatewaySettings
from services.gateway.engines import HandleEngine, OpenAIHTTPEngine, ServeEngine
from services.gateway.key_file import KeyFile
from services.gateway.keys import KeyStore
from services.gateway.limits import RequestLimits
from services.gateway.pipeline import PassThrough, Pipeline, Stage
from services.gateway.quota import LocalQuota, Quota, RayQuota
from services.gateway.service import GatewayService
from services.gateway.stages import AuthStage, MeterStage, ModelResolution, NoSafetyInput, QuotaStage, StaticRouting
from services.gateway.timings import TimingLog


class ServiceHandles(TypedDict, total=False):
    """Ray Serve deployment handles of the services the gateway calls."""

    engines: Mapping[str, Any]  # model name -> its LLMServer deployment handle (vllm backend)
    engine_versions: Any  # services.common.engine_apps.ServeEngineApps: engine applications of registry versions
    safety: Any
    retrieval: Any
    router: Any


@dataclass
class Clients:
    """The other services, each behind its client protocol (``clients.py``); None when absent."""

    safety: SafetyClient | None = None
    retrieval: RetrievalClient | None = None

    @classmethod
    def from_handles(cls, handles: ServiceHandles) -> Clients:
        safety, retrieval = handles.get("safety"), handles.get("retrieval")
        return cls(
            safety=HandleSafetyClient(safety) if safety is not None else None,
            retrieval=HandleRetrievalClient(retrieval) if retrieval is not None else None,
        )


@dataclass
class Parts:
    """What a slot factory may build its stage from."""

    settings: GatewaySettings
    specs: Sequence[ModelSpec]
    engines: Mapping[str, Engine]
    clients: Clients
    handles: ServiceHandles
    catalog: dict[str, str] = field(default_factory=dict)  # public model name -> task; factories may add names
    # public model name -> context length in tokens, where known; a factory that adds a name for a
    # model (an alias) adds that model's context under it, so that its requests are checked and capped alike
    contexts: dict[str, int] = field(default_factory=dict)
    router: dict[str, Any] | None = None  # A/B router settings (services/router/wiring.py); None: static routing
    # (model, registry version, its backend: vllm | onnx) -> the engine of that version's application
    version_engines: Callable[[str, int, str], Engine | None] | None = None
    safety: dict[str, Any] | None = None  # the safety settings when the app runs the safety service
    rag: dict[str, Any] | None = None  # the RAG settings when the app runs the retrieval service


StageFactory = Callable[[Parts], Stage]


def passthrough(parts: Parts) -> Stage:
    return PassThrough()


def static_routing(parts: Parts) -> Stage:
    return StaticRouting(parts.engines)


def retrieval_stage(parts: Parts) -> StageFactory:
    """The retrieval slot's factory for the services present: grounded chat (RAG) when the app
    has a retrieval service."""
    if parts.clients.retrieval is None:
        return passthrough
    from services.gateway.retrieval import rag_stage

    return rag_stage


def routing_stage(parts: Parts) -> StageFactory:
    """The routing slot's factory for the services present: the A/B router when configured."""
    if parts.router is not None:
        from services.router.wiring import ab_routing

        return ab_routing
    return static_routing


def load_factory(path: str) -> StageFactory:
    module, _, name = path.partition(":")
    try:
        factory = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"stage factory {path!r} cannot be loaded: {exc}") from None
    return factory


def engines_from_handles(specs: Sequence[ModelSpec], handles: Mapping[str, Any], timeout_s: float) -> dict[str, Engine]:
    engines: dict[str, Engine] = {}
    for spec in specs:
        if spec.backend == "vllm":
            if spec.name in handles:  # a registered model may be served only by version applications
                engines[spec.name] = ServeEngine(spec.name, handles[spec.name])
        elif spec.backend == "lora":  # on its base's engine (services/common/adapters.py)
            if spec.base in handles:
                engines[spec.name] = ServeEngine(spec.name, handles[spec.base], adapter=spec.source)
        elif spec.backend == "onnx":
            engines[spec.name] = HandleEngine(spec.name, handles[spec.name])
        else:
            api_key = os.environ.get(spec.api_key_env) if spec.api_key_env else None
            engines[spec.name] = OpenAIHTTPEngine(
                spec.name, spec.base_url or "", upstream_model=spec.upstream_model, api_key=api_key, timeout_s=timeout_s
            )
    return engines


def version_engine(model: str, handle: Any, backend: str) -> Engine:
    """The engine of a registry version's application (``services/common/engine_apps.py``): the
    ONNX Runtime deployment offers the Engine calls itself, a vLLM one is an LLM server."""
    return HandleEngine(model, handle) if backend == "onnx" else ServeEngine(model, handle)


def key_store(settings: GatewaySettings) -> KeyStore | KeyFile | None:
    if settings.auth_disabled:
        return None
    pepper = settings.key_pepper_bytes()
    if settings.keys_file:
        return KeyFile(settings.keys_file, pepper=pepper, pepper_file=settings.key_pepper_file)
    return KeyStore(settings.keys_db, pepper=pepper, pepper_file=settings.key_pepper_file)


def quota(settings: GatewaySettings) -> Quota:
    return RayQuota() if settings.quota_backend == "ray" else LocalQuota()


def safety_guards(client: SafetyClient, safety: dict[str, Any]) -> dict[str, Any]:
    """The input and output guard stages and the guard itself (watermark detection)."""
    from services.gateway.guard import InputGuard, OutputGuard, SafetyGuard
    from services.safety.config import SafetySettings
    from services.safety.policy import PolicySet

    settings = SafetySettings.model_validate(safety)
    if isinstance(client, HandleSafetyClient) and settings.scan_in_gateway != "deployment":
        from services.gateway.local_scan import SplitSafetyClient
        from services.safety.service import SafetyService

        # the cheap checks run here, on the same SafetyService code the deployment runs (local_scan.py)
        client = SplitSafetyClient(SafetyService.from_settings(settings), client, settings.scan_in_gateway)
    guard = SafetyGuard(
        client,
        PolicySet.from_file(settings.policy_file),
        timeout_s=settings.timeout_s,
        watermark_key=settings.resolved_watermark_key(),
    )
    output = OutputGuard(
        guard,
        window_chars=settings.stream_window_chars,
        holdback_chars=settings.stream_holdback_chars,
        max_delay_s=settings.stream_max_delay_s,
    )
    return {"input_guard": InputGuard(guard), "output_guard": output, "guard": guard}


def request_limits(settings: GatewaySettings, contexts: Mapping[str, int]) -> RequestLimits:
    return RequestLimits(
        max_body_bytes=settings.max_body_bytes,
        max_messages=settings.max_messages,
        max_stop=settings.max_stop,
        max_logit_bias=settings.max_logit_bias,
        context_chars_per_token=settings.context_chars_per_token,
        contexts=dict(contexts),
    )


def retrieve_checks(rag: dict[str, Any] | None) -> Callable[[RetrieveRequest], RetrieveRequest]:
    """The retrieval service's index-free checks of a ``/v1/retrieve`` body, with its settings."""
    from services.rag.config import RagSettings
    from services.rag.request_checks import checked_retrieve

    settings = RagSettings.model_validate(rag or {})
    return partial(
        checked_retrieve,
        max_query_chars=settings.max_query_chars,
        default_top_k=settings.default_top_k,
        max_top_k=settings.max_top_k,
    )


def metering_stages(settings: GatewaySettings) -> dict[str, Stage]:
    """The budget, request log and audit stages the settings turn on."""
    from services.gateway.budget import BudgetStage
    from services.gateway.ledger import Ledger
    from services.gateway.prices import load_prices
    from services.gateway.request_log import RequestLogStage, RequestLogWriter

    stages: dict[str, Stage] = {}
    if settings.budgets_enabled:
        stages["budget"] = BudgetStage(Ledger(settings.ledger_db), load_prices(settings.prices_file))
    if settings.audit_enabled:
        from services.gateway.audit import AuditStage

        stages["audit"] = AuditStage(settings.open_audit_log())
    if settings.request_log_enabled:
        writer = RequestLogWriter(
            settings.request_log_path, max_bytes=settings.request_log_max_bytes, backups=settings.request_log_backups
        )
        stages["request_log"] = RequestLogStage(writer, keep_prompts=settings.request_log_prompts)
    return stages


def build_gateway(
    settings: GatewaySettings,
    specs: Sequence[ModelSpec],
    handles: ServiceHandles | None = None,
    *,
    safety: dict[str, Any] | None = None,
    rag: dict[str, Any] | None = None,
    engines: Mapping[str, Engine] | None = None,
    clients: Clients | None = None,
    stages: Mapping[str, Stage] | None = None,
    router: dict[str, Any] | None = None,
    version_engines: Callable[[str, int, str], Engine | None] | None = None,
) -> GatewayService:
    """The gateway for ``specs``. ``safety``: the safety settings when the app runs the safety
    service; ``rag``: the RAG settings (aliases) when it runs the retrieval service. ``engines`` /
    ``clients`` replace what would be built from ``handles``, and ``stages`` the stage of a slot
    (tests, benchmarks). ``router``: the A/B router's settings (``services/router/wiring.py``) when
    it runs; ``version_engines`` finds the engine of a registry version (default: the
    ``engine_versions`` handle lookup, ``version_engine``)."""
    handles = handles or ServiceHandles()
    clients = clients or Clients.from_handles(handles)
    if engines is None:
        engines = engines_from_handles(specs, handles.get("engines", {}), settings.request_timeout_s)
    if version_engines is None and "engine_versions" in handles:
        apps = handles["engine_versions"]
        cache: dict[tuple[str, int], Engine] = {}

        def version_engines(model: str, version: int, backend: str) -> Engine | None:
            if (model, version) not in cache:
                cache[(model, version)] = version_engine(model, apps.handle(model, version), backend)
            return cache[(model, version)]

    engines = dict(engines)  # slot factories may publish aliases (RAG) that route to an engine
    parts = Parts(
        settings,
        specs,
        engines,
        clients,
        handles,
        catalog={s.name: s.task for s in specs},
        contexts={s.name: s.max_model_len for s in specs if s.max_model_len},
        router=router,
        version_engines=version_engines,
        safety=safety,
        rag=rag,
    )
    factories = {"retrieval": retrieval_stage(parts), "routing": routing_stage(parts)}
    factories |= {slot: load_factory(path) for slot, path in settings.stages.items()}
    chosen = {slot: factory(parts) for slot, factory in factories.items()}  # may add names to the catalog
    guards = safety_guards(clients.safety, safety) if clients.safety is not None and safety else {}
    limits = request_limits(settings, parts.contexts)
    built_in: dict[str, Stage] = {
        "auth": AuthStage(key_store(settings)),
        "models": ModelResolution(parts.catalog, limits),
        "quota": QuotaStage(
            quota(settings),
            default_completion_tokens=settings.quota_reserve_completion_tokens,
            contexts=limits.contexts,
        ),
        "input_guard": guards.get("input_guard", NoSafetyInput()),
        "output_guard": guards.get("output_guard", PassThrough()),
        "meter": MeterStage(),
        **metering_stages(settings),
    }
    return GatewayService(
        Pipeline(built_in | chosen | dict(stages or {})),
        catalog=parts.catalog,
        request_timeout_s=settings.request_timeout_s,
        watermark=guards.get("guard"),
        feedback=getattr(chosen.get("routing"), "feedback", None),
        retrieval=clients.retrieval,
        retrieve_checks=retrieve_checks(rag) if clients.retrieval is not None else None,
        limits=limits,
        timings=TimingLog(settings.timings_path) if settings.timings_path else None,
    )
