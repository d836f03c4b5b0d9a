"""Registry versions on Kubernetes: one engine application per routed version in the RayService.

``llmops serve`` keeps its engine applications in step with the registry by itself
(``services/router/deploy.py``). On Kubernetes the serve config is the RayService's
``serveConfigV2``, so ``llmops deploy sync-registry`` does the same there, in two steps:

1. **add**: every registry version the routing table needs (champion, challenger, experiment
   and shadow variants: the same ``RouterService`` the gateways run, over the release's
   experiments and the registry) that has no application yet gets one, ``engine-<model>-v<N>``,
   a copy of the model's chart-rendered engine application with the version's artifact as
   ``source`` (on the ONNX Runtime engine when the version's ``engine`` tag is
   ``onnxruntime-genai``); then it waits until every application is healthy (the gateways
   switch to a table only once its engine applications run). If they do not become healthy the added applications
   are removed again (the previous ``serveConfigV2`` restored).
2. **prune**: after ``grace_s`` (long enough for every gateway replica to have reloaded its
   table), applications of versions the table no longer uses are removed.

A version's artifact must be a path the Ray pods can read (the model cache, e.g.
``/models/smollm2-ft-v3``); it is not checked from here. The chart-rendered applications (the
gateway, each model's static engine) are never changed.
"""

from __future__ import annotations

import copy
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import yaml

from services.common.engine_apps import engine_app_name, version_backend, version_spec
from services.common.models import ModelSpec
from services.deploy.rayservice import (
    APP_NAME,
    CONFLICT_RETRIES,
    DeployError,
    RayServices,
    ServiceSummary,
    serve_app,
    summarize,
    wait_patched,
)
from services.router.config import RouterSettings
from services.router.experiments import Experiment
from services.router.router import RoutingError
from services.router.service import RouterService, registry_resolver


@dataclass
class SyncPlan:
    wanted: dict[str, dict[str, Any]]  # application name -> application (every routed version)
    add: list[str]
    retire: list[str]


@dataclass
class SyncResult:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    healthy: bool = True
    rolled_back: bool = False
    last: ServiceSummary | None = None


def pod_source(source: str) -> str:
    """The artifact as a path inside the Ray pods (file URIs and absolute paths)."""
    path = source.removeprefix("file://")
    if not path.startswith("/"):
        raise DeployError(
            f"artifact {source!r} is not a path the Ray pods can read; register versions from the model cache "
            "(e.g. /models/NAME)"
        )
    return path


def _version_apps(serve_config: dict[str, Any], specs: list[ModelSpec]) -> dict[str, dict[str, Any]]:
    """Applications of registry versions already in the serve config, by name."""
    pattern = re.compile("|".join(re.escape(engine_app_name(s.name)) + r"-v\d+" for s in specs) or r"$^")
    return {a["name"]: a for a in serve_config.get("applications") or [] if pattern.fullmatch(a.get("name", ""))}


def plan(serve_config: dict[str, Any], experiments: list[Experiment], registry: Any) -> SyncPlan:
    """Which version applications the routing table needs, which to add and which are retired."""
    args = serve_app(serve_config).get("args") or {}
    router = args.get("router")
    if not router:
        raise DeployError("this release's gateway runs without the A/B router (chart value router.enabled)")
    if not (router.get("router") or {}).get("use_registry", True):
        raise DeployError("this release's router does not use the registry (router.useRegistry): nothing to deploy")
    specs = [ModelSpec.model_validate(m) for m in args.get("models") or []]
    try:
        service = RouterService(
            RouterSettings(enabled=True, experiments_file=None),
            models=[s.name for s in specs],
            resolver=registry_resolver(registry),
            experiments=experiments,
        )
    except RoutingError as exc:
        raise DeployError(f"the routing table cannot be built: {exc}") from None
    keys = service.router.engine_keys()
    apps = {a["name"]: a for a in serve_config.get("applications") or []}
    wanted: dict[str, dict[str, Any]] = {}
    for spec in specs:
        versions = sorted(v for m, v in keys if m == spec.name and v is not None)
        if versions and spec.backend != "vllm":
            raise DeployError(f"model {spec.name!r} is a {spec.backend} model: registry versions need vLLM engines")
        static = apps.get(engine_app_name(spec.name))
        for version in versions:
            info = registry.get_version(spec.name, version)
            if info.kind == "lora":
                raise DeployError(f"{spec.name} v{version} is a LoRA adapter: not deployable as an engine application")
            if static is None:
                raise DeployError(f"serveConfigV2 has no application {engine_app_name(spec.name)} to copy")
            app = copy.deepcopy(static)
            app["name"] = engine_app_name(spec.name, version)
            # the static engine's spec (the gateway lists the model without engine settings: own_app),
            # on the engine the version's tags name (an onnxruntime-genai build: the ONNX engine)
            engine = ModelSpec.model_validate(static["args"]["engine_app"])
            try:
                engine = version_spec(engine, version_backend(info.tags), pod_source(info.source))
            except ValueError as exc:
                raise DeployError(f"{spec.name} v{version}: {exc}") from None
            app["args"]["engine_app"] = engine.model_dump(mode="json", exclude_unset=True)
            wanted[app["name"]] = app
    present = _version_apps(serve_config, specs)
    return SyncPlan(
        wanted,
        add=[name for name in wanted if name not in present],
        retire=sorted(name for name in present if name not in wanted),
    )


def with_applications(text: str, add: list[dict[str, Any]], remove: set[str]) -> str | None:
    """serveConfigV2 text with applications added (before the gateway's) and removed; None when
    that changes nothing (already there, already gone)."""
    config = yaml.safe_load(text) or {}
    present = {a.get("name") for a in config.get("applications") or []}
    add = [a for a in add if a["name"] not in present]
    if not add and not (remove & present):
        return None
    kept = [a for a in config.get("applications") or [] if a.get("name") not in remove]
    gateway = next(i for i, a in enumerate(kept) if a.get("name") == APP_NAME)
    config["applications"] = kept[:gateway] + [copy.deepcopy(a) for a in add] + kept[gateway:]
    return yaml.safe_dump(config, sort_keys=False)


def _patch(services: RayServices, name: str, change: Callable[[str], str | None]) -> dict | None:
    """Apply ``change`` (serveConfigV2 text -> new text, or None for no change) conditionally on
    the resourceVersion read, re-reading on a 409."""
    from kubernetes import client

    for attempt in range(CONFLICT_RETRIES):
        current = services.get(name)
        text = change(current["spec"]["serveConfigV2"])
        if text is None:
            return None
        body = {
            "metadata": {"resourceVersion": current["metadata"]["resourceVersion"]},
            "spec": {"serveConfigV2": text},
        }
        try:
            return services.patch(name, body)
        except client.ApiException as exc:
            if exc.status != 409 or attempt == CONFLICT_RETRIES - 1:
                raise DeployError(f"patching RayService {name} failed: {exc.status} {exc.reason}") from exc
    raise AssertionError("unreachable")


def sync(
    services: RayServices,
    name: str,
    experiments: list[Experiment],
    registry: Any,
    *,
    grace_s: float,
    timeout_s: float = 900,
    poll_s: float = 5,
    settle_s: float = 15,
    dry_run: bool = False,
    on_poll: Callable[[ServiceSummary], None] = lambda s: None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[SyncPlan, SyncResult]:
    current = services.get(name)
    serve_config = yaml.safe_load(current["spec"]["serveConfigV2"]) or {}
    the_plan = plan(serve_config, experiments, registry)
    result = SyncResult()
    if dry_run or not (the_plan.add or the_plan.retire):
        return the_plan, result
    before = summarize(current)

    settled = partial(
        wait_patched, services, name, timeout_s=timeout_s, poll_s=poll_s, on_poll=on_poll, settle_s=settle_s
    )

    if the_plan.add:
        if not before.healthy:
            raise DeployError(f"RayService {name} is not healthy now (application {before.app_status}); not adding")
        previous = current["spec"]["serveConfigV2"]
        added = [the_plan.wanted[n] for n in the_plan.add]
        patched = _patch(services, name, lambda text: with_applications(text, added, set()))
        if patched is None:
            raise DeployError("serveConfigV2 changed while planning (the applications are there now); run it again")
        result.added = list(the_plan.add)
        last = settled(patched, before)
        result.last = last
        if last is None or not last.healthy:
            expected = patched["spec"]["serveConfigV2"]

            def restore(text: str) -> str:
                if text != expected:
                    raise DeployError("not rolled back: serveConfigV2 was changed by someone else meanwhile")
                return previous

            restored = _patch(services, name, restore)
            result.healthy, result.rolled_back = False, True
            if restored is not None:
                result.last = settled(restored, last)
            return the_plan, result
    if the_plan.retire:
        sleep(grace_s)  # every gateway replica reloads its table (and stops routing there) meanwhile
        retire = set(the_plan.retire)
        patched = _patch(services, name, lambda text: with_applications(text, [], retire))
        result.removed = sorted(retire)
        if patched is not None:
            result.last = settled(patched, result.last or before)
            result.healthy = result.last is not None and result.last.healthy
    return the_plan, result
