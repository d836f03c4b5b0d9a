"""The A/B routing stage built for the gateway's ``routing`` slot (``services/gateway/wiring.py``).

The router runs inside each gateway replica (no extra hop per request): its table is computed
from the registry aliases, the experiments file and the canary state in the shared store, so
every replica computes the same table. ``Parts.router`` carries::

    {"router": RouterSettings as a dict, "registry": RegistrySettings as a dict or None}

Settings missing from those dicts come from the replica's environment (``LLMOPS_ROUTER_*``,
``LLMOPS_REGISTRY_*``): the Helm chart leaves the store URL and the tracking URI out of the
serve config and sets them from Secrets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from services.router.config import RouterSettings
from services.router.feedback import FeedbackService
from services.router.router import RoutingError
from services.router.service import RouterService, registry_backends, registry_resolver, registry_targets
from services.router.stage import ABRouting
from services.router.store import ExperimentStore

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from services.common.engine import Engine
    from services.gateway.wiring import Parts


def router_config(router: RouterSettings, registry: Any | None) -> dict[str, Any]:
    """What build_app hands the gateway: settings as JSON-able dicts (paths made absolute)."""
    settings = router.model_copy(
        update={
            "experiments_file": router.experiments_file.resolve() if router.experiments_file else None,
            "store_url": router.resolved_store_url(),
        }
    )
    reg = None
    if registry is not None and router.use_registry:
        reg = registry.model_copy(
            update={"tracking_uri": registry.resolved_tracking_uri(), "artifact_root": registry.artifact_root.resolve()}
        ).model_dump(mode="json")
    return {"router": settings.model_dump(mode="json"), "registry": reg}


def ab_routing(parts: Parts) -> ABRouting:
    config = parts.router or {}
    settings = RouterSettings.model_validate(config.get("router") or {})
    resolver, targets = None, None
    backend: Callable[[str, int], str] = lambda model, version: "vllm"  # noqa: E731  (no registry: no versions)
    if config.get("registry") is not None:
        from services.registry.config import RegistrySettings
        from services.registry.service import ModelRegistry

        registry = ModelRegistry(RegistrySettings.model_validate(config["registry"]))
        resolver = registry_resolver(registry)
        targets = registry_targets(registry, {s.name: s.max_lora_rank for s in parts.specs if s.backend == "vllm"})
        backend = registry_backends(registry)  # a version's engine (vllm | onnx), from its engine tag
    store = ExperimentStore(settings.resolved_store_url(), store_comments=settings.store_comments)
    models = [name for name, task in parts.catalog.items()]
    apps = parts.handles.get("engine_versions")
    service = RouterService(
        settings,
        models=models,
        resolver=resolver,
        store=store,
        engines_ready=apps.running if apps else None,
        targets=targets,
    )

    def lookup(model: str, version: int | None) -> Engine | None:
        if version is None:
            return parts.engines.get(model)
        if parts.version_engines is None:
            return None
        try:
            chosen = backend(model, version)
        except RoutingError as exc:  # the engine plan refused it too: nothing is deployed for it (503)
            log.error("no engine for %s v%s: %s", model, version, exc)
            return None
        return parts.version_engines(model, version, chosen)

    stage = ABRouting(service, lookup)
    stage.feedback = FeedbackService(store)
    return stage
