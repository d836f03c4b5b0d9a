"""The engine applications of a local ``llmops serve``: deployed before the gateway, then kept in
step with the registry and the experiments file (``services/router/deploy.py``)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from rich.console import Console

from services.common.engine_apps import EngineApp
from services.common.models import ModelSpec

console = Console(stderr=True)
log = logging.getLogger(__name__)


class EngineApps:
    def __init__(self, config: dict[str, Any], specs: list[ModelSpec], ab_router: bool | None):
        from services.router.config import RouterSettings

        self.config = config
        self.specs = specs
        overrides = {"enabled": ab_router} if ab_router is not None else {}
        self.router = RouterSettings(**overrides)
        self.registry_settings = None
        self.registry = None
        if self.router.enabled and self.router.use_registry:
            from services.registry.config import RegistrySettings
            from services.registry.service import ModelRegistry

            self.registry_settings = RegistrySettings()
            self.registry = ModelRegistry(self.registry_settings)
        self.sync_interval_s = self.router.reload_interval_s
        self.sync_loop = None

    def plan(self) -> list[EngineApp]:
        from services.router.deploy import plan_engine_apps

        model_store = Path(self.config.get("model_store") or "var/models")
        return plan_engine_apps(self.specs, router=self.router, registry=self.registry, model_store=model_store)

    def deploy(self, apps: list[EngineApp]) -> None:
        if not apps:  # only remote (openai) or onnx models: no engine application (Serve refuses an empty run)
            return
        from ray import serve
        from ray.serve.api import RunTarget

        from services.app import build_app

        targets = [
            RunTarget(build_app({**self.config, "engine_app": app.spec.model_dump()}), name=app.name, route_prefix=None)
            for app in apps
        ]
        serve.run_many(targets)
        for app in apps:
            console.print(f"engine application {app.name} running ({app.spec.source})")

    def delete(self, name: str) -> None:
        from ray import serve

        serve.delete(name)
        console.print(f"engine application {name} deleted (no longer routed to)")

    def start(self) -> None:
        from services.router.config import retire_grace_s
        from services.router.deploy import EngineAppSync

        apps = self.plan()
        self.deploy(apps)
        self.sync_loop = EngineAppSync(
            self.plan,
            self.deploy,
            self.delete,
            running={a.name for a in apps},
            grace_s=retire_grace_s(self.router.reload_interval_s),
        )
        self.static_models = sorted({a.spec.name for a in apps if a.version is None})

    def gateway_config(self) -> dict[str, Any]:
        config = {**self.config, "engine_apps": self.static_models}
        if self.router.enabled:
            from services.router.wiring import router_config

            config["router"] = router_config(self.router, self.registry_settings)
        return config

    def sync(self) -> None:
        if self.sync_loop is None or not self.router.enabled:
            return
        try:
            self.sync_loop.step()
        except Exception:  # keep serving what runs; the next step tries again
            log.exception("engine application sync failed")
