"""Which engine applications the stack needs: one per model, or one per registered version the
routing table uses (champion, challenger, experiment and shadow variants).

``llmops serve`` deploys this plan at start and keeps it in step with the registry and the
experiments file while it runs (``sync_engine_apps``): a version that enters the plan gets its
application deployed; one that leaves it is deleted after a grace period, once the gateways'
routing tables (reloaded every ``reload_interval_s``) no longer send it traffic.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from services.common.adapters import AdapterError, resolve_adapter_specs
from services.common.engine_apps import EngineApp, engine_app_name, version_backend, version_spec
from services.common.models import ModelSpec
from services.router.config import RouterSettings
from services.router.router import RoutingError
from services.router.service import RouterService, registry_resolver, registry_targets

log = logging.getLogger(__name__)


def plan_engine_apps(
    specs: Sequence[ModelSpec],
    *,
    router: RouterSettings | None = None,
    registry: Any | None = None,
    model_store: Path | None = None,
) -> list[EngineApp]:
    """The engine applications for ``specs``: static ones without the router, else those the
    routing table needs. A LoRA adapter (``backend: lora``, or a registry version of kind lora)
    adds no application: it runs on its base's. A version runs on the engine its ``engine`` tag
    names: ``onnxruntime-genai`` (an ONNX build of ``llmops pipeline quantize``) on the ONNX
    Runtime engine, ``vllm`` or none on vLLM. Raises RoutingError when a version's artifact is not
    a local folder, its engine is unknown or cannot load it, or an adapter cannot run on its base
    (folder, rank, base model)."""
    try:
        specs = resolve_adapter_specs(specs, model_store or Path("var/models"))
    except AdapterError as exc:
        raise RoutingError(str(exc)) from None
    vllm = [s for s in specs if s.backend == "vllm"]
    adapter_bases = {s.base for s in specs if s.backend == "lora"}
    if router is None or not router.enabled:
        return [EngineApp(engine_app_name(s.name), s) for s in vllm]
    resolver, targets = None, None
    if registry is not None and router.use_registry:
        resolver = registry_resolver(registry)
        targets = registry_targets(registry, {s.name: s.max_lora_rank for s in vllm})
    service = RouterService(router, models=[s.name for s in specs], resolver=resolver, targets=targets)
    keys = service.router.engine_keys()
    apps: list[EngineApp] = []
    for spec in vllm:
        if (spec.name, None) in keys or spec.name in adapter_bases:  # adapters in the models file: static base
            apps.append(EngineApp(engine_app_name(spec.name), spec))
        for version in sorted(v for m, v in keys if m == spec.name and v is not None):
            info = registry.get_version(spec.name, version)
            path = info.local_path()
            if info.kind == "lora":  # never: registry_targets keys a lora version by its base version
                raise RoutingError(f"{spec.name} v{version} is a LoRA adapter: it runs on its base version's engine")
            if path is None:
                raise RoutingError(f"{spec.name} v{version}: artifact {info.source} is not a local folder")
            app_spec = _version_spec(spec, info, path)
            apps.append(EngineApp(engine_app_name(spec.name, version), app_spec, version))
    return apps


def _version_spec(spec: ModelSpec, info: Any, path: Path) -> ModelSpec:
    """The spec of a version's engine application, on the engine its tags name (RoutingError
    naming the version when that engine cannot serve it)."""
    what = f"{spec.name} v{info.version}"
    try:
        backend = version_backend(info.tags)
    except ValueError as exc:
        raise RoutingError(f"{what}: {exc}") from None
    if backend == "onnx" and not (path / "genai_config.json").is_file():
        raise RoutingError(f"{what}: built for onnxruntime-genai but {path} has no genai_config.json")
    try:
        return version_spec(spec, backend, str(path))
    except ValueError as exc:
        raise RoutingError(f"{what} on the {backend} engine: {exc}") from None


class EngineAppSync:
    """Deploys missing engine applications and deletes retired ones (after ``grace_s``)."""

    def __init__(
        self,
        plan: Callable[[], list[EngineApp]],
        deploy: Callable[[list[EngineApp]], None],
        delete: Callable[[str], None],
        *,
        running: set[str],
        grace_s: float = 30.0,
    ):
        self.plan, self.deploy, self.delete = plan, deploy, delete
        self.running = set(running)
        self.grace_s = grace_s
        self._retired_since: dict[str, float] = {}

    def step(self, now: float | None = None) -> tuple[list[str], list[str]]:
        """One reconciliation; returns (deployed, deleted) application names."""
        now = time.monotonic() if now is None else now
        try:
            wanted = {app.name: app for app in self.plan()}
        except RoutingError as exc:
            log.error("engine applications unchanged: %s", exc)
            return [], []
        new = [app for name, app in wanted.items() if name not in self.running]
        if new:
            self.deploy(new)
            self.running |= {app.name for app in new}
        deleted = []
        for name in sorted(self.running - set(wanted)):
            since = self._retired_since.setdefault(name, now)
            if now - since >= self.grace_s:
                self.delete(name)
                self.running.discard(name)
                self._retired_since.pop(name, None)
                deleted.append(name)
        for name in list(self._retired_since):
            if name in wanted:
                del self._retired_since[name]
        return [app.name for app in new], deleted
