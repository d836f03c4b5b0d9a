"""Ray Serve wrapper: the gateway as the application's HTTP ingress."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from ray import serve

from services.engine.config import ModelSpec
from services.gateway.config import GatewaySettings
from services.gateway.engines import Engine, OpenAIHTTPEngine, ServeEngine
from services.gateway.key_file import KeyFile
from services.gateway.keys import KeyStore
from services.gateway.pipeline import default_pipeline
from services.gateway.quota import LocalQuota, RayQuota
from services.gateway.routes import build_fastapi
from services.gateway.service import GatewayService


def build_safety(safety_handle: Any, safety: dict[str, Any] | None) -> tuple[dict[str, Any], Any]:
    """The input/output guard stages and the watermark detector when the app has a safety
    deployment; none otherwise."""
    if safety_handle is None or not safety:
        return {}, None
    from services.gateway.guard import HandleSafetyClient, InputGuard, OutputGuard, SafetyGuard
    from services.safety.config import SafetySettings
    from services.safety.policy import PolicySet

    settings = SafetySettings.model_validate(safety)
    guard = SafetyGuard(
        HandleSafetyClient(safety_handle),
        PolicySet.from_file(settings.policy_file),
        timeout_s=settings.timeout_s,
        watermark_key=settings.watermark_key,
    )
    from services.safety.watermark import Z_THRESHOLD

    async def detect_watermark(
        model: str, text: str, key_name: str, gamma: float | None, threshold: float | None
    ) -> dict[str, Any]:
        rule = guard.policies.resolve(model, key_name).watermark
        return await safety_handle.detect_watermark.remote(
            model, text, gamma or rule.gamma, settings.watermark_key, threshold or Z_THRESHOLD
        )

    stages = {
        "input_guard": InputGuard(guard),
        "output_guard": OutputGuard(
            guard,
            window_chars=settings.stream_window_chars,
            holdback_chars=settings.stream_holdback_chars,
            max_delay_s=settings.stream_max_delay_s,
        ),
    }
    return stages, detect_watermark


def build_engines(specs: list[ModelSpec], handles: dict[str, Any], timeout_s: float) -> dict[str, Engine]:
    engines: dict[str, Engine] = {}
    for spec in specs:
        if spec.backend == "vllm":
            engines[spec.name] = ServeEngine(spec.name, handles[spec.name])
        else:
            assert spec.base_url is not None
            api_key = os.environ.get(spec.api_key_env) if spec.api_key_env else None
            engines[spec.name] = OpenAIHTTPEngine(
                spec.name, spec.base_url, upstream_model=spec.upstream_model, api_key=api_key, timeout_s=timeout_s
            )
    return engines


def monitoring_stages(settings: GatewaySettings) -> dict[str, Any]:
    """The budget and request log stages the settings turn on."""
    from monitoring.cost.ledger import Ledger
    from monitoring.cost.prices import load_prices
    from services.gateway.budget import BudgetStage
    from services.gateway.request_log import RequestLogStage, RequestLogWriter

    stages: dict[str, Any] = {}
    if settings.budgets_enabled:
        stages["budget"] = BudgetStage(Ledger(settings.ledger_db), load_prices(settings.prices_file))
    if settings.request_log_enabled:
        writer = RequestLogWriter(
            settings.request_log_path, max_bytes=settings.request_log_max_bytes, backups=settings.request_log_backups
        )
        stages["request_log"] = RequestLogStage(writer)
    return stages


@serve.deployment(name="gateway", max_ongoing_requests=1000)
@serve.ingress()
class GatewayDeployment:
    def __init__(
        self,
        handles: dict[str, Any],
        models: list[dict[str, Any]],
        settings: dict[str, Any],
        safety_handle: Any = None,
        safety: dict[str, Any] | None = None,
    ):
        self.settings = GatewaySettings.model_validate(settings)
        specs = [ModelSpec.model_validate(m) for m in models]
        self.handles = handles
        self.engines = build_engines(specs, handles, self.settings.request_timeout_s)
        keys = (
            None
            if self.settings.auth_disabled
            else KeyFile(self.settings.keys_file)
            if self.settings.keys_file
            else KeyStore(self.settings.keys_db)
        )
        quota = RayQuota() if self.settings.quota_backend == "ray" else LocalQuota()
        guards, watermark_detector = build_safety(safety_handle, safety)
        pipeline = default_pipeline(
            keys=keys,
            quota=quota,
            engines=self.engines,
            tasks={s.name: s.task for s in specs},
            **guards,
            **monitoring_stages(self.settings),
        )
        self.service = GatewayService(
            pipeline,
            model_tasks={s.name: s.task for s in specs},
            request_timeout_s=self.settings.request_timeout_s,
            watermark_detector=watermark_detector,
        )

    async def ready(self) -> bool:
        """True when every Ray Serve engine answers its health check."""
        try:
            async with asyncio.timeout(self.settings.ready_timeout_s):
                await asyncio.gather(*(h.check_health.remote() for h in self.handles.values()))
            return True
        except Exception:
            return False

    def __serve_build_asgi_app__(self) -> Any:
        from ray.serve.context import _get_serve_request_context

        return build_fastapi(
            lambda: self.service, is_ready=self.ready, serve_request_id=lambda: _get_serve_request_context().request_id
        )
