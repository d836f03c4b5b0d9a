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


def build_engines(specs: list[ModelSpec], handles: dict[str, Any], timeout_s: float) -> dict[str, Engine]:
    engines: dict[str, Engine] = {}
    for spec in specs:
        if spec.backend == "vllm":
            engines[spec.name] = ServeEngine(spec.name, handles[spec.name])
        else:
            assert spec.base_url is not None
            api_key = os.environ.get(spec.api_key_env) if spec.api_key_env else None
            engines[spec.name] = OpenAIHTTPEngine(spec.name, spec.base_url, upstream_model=spec.upstream_model, api_key=api_key, timeout_s=timeout_s)
    return engines


@serve.deployment(name="gateway", max_ongoing_requests=1000)
@serve.ingress()
class GatewayDeployment:
    def __init__(self, handles: dict[str, Any], models: list[dict[str, Any]], settings: dict[str, Any]):
        self.settings = GatewaySettings.model_validate(settings)
        specs = [ModelSpec.model_validate(m) for m in models]
        self.handles = handles
        self.engines = build_engines(specs, handles, self.settings.request_timeout_s)
        keys = None if self.settings.auth_disabled else KeyFile(self.settings.keys_file) if self.settings.keys_file else KeyStore(self.settings.keys_db)
        quota = RayQuota() if self.settings.quota_backend == "ray" else LocalQuota()
        pipeline = default_pipeline(keys=keys, quota=quota, engines=self.engines, tasks={s.name: s.task for s in specs})
        self.service = GatewayService(pipeline, model_tasks={s.name: s.task for s in specs}, request_timeout_s=self.settings.request_timeout_s)

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

        return build_fastapi(lambda: self.service, is_ready=self.ready, serve_request_id=lambda: _get_serve_request_context().request_id)
