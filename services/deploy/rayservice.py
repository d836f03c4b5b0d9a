"""RayService status and model rollouts (KubeRay ``ray.io/v1``).

A rollout changes one engine's ``source`` in the ``serveConfigV2`` the chart rendered: in the
engine's own application (``args.engine_app``) only. The gateway application ``llmops`` lists
that model without its source (``own_app``, services/common/engine_apps.py), so its args, and
with them the code version Ray Serve hashes from them, stay the same and its replicas keep
serving. KubeRay applies the change to the running Serve applications in place. It then
polls the RayService until every application and deployment is healthy again, and restores the
previous ``serveConfigV2`` if they are not within the timeout (or an application fails to
deploy).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import urllib3
import yaml
from kubernetes import client

GROUP, VERSION, PLURAL = "ray.io", "v1", "rayservices"
APP_NAME = "llmops"
VERSION_ANNOTATION = "llmops.dev/version."  # + model name (sanitised): the version last rolled out
# Our writes are attributed to this field manager (managedFields), not to a generic client name:
# `helm upgrade` with server-side apply then reports a conflict on spec.serveConfigV2 instead of
# silently taking it back (README: commit the rolled-out version to the chart values).
FIELD_MANAGER = "llmops-deploy"
CONFLICT_RETRIES = 5  # KubeRay's status writes change resourceVersion; re-read and retry


class DeployError(Exception):
    """A deploy operation cannot go on; the message says why."""


@dataclass
class DeploymentHealth:
    name: str
    status: str
    message: str = ""


@dataclass
class ServiceSummary:
    name: str
    generation: int
    observed_generation: int
    service_status: str
    conditions: list[dict[str, str]]
    app_status: str
    app_message: str
    deployments: list[DeploymentHealth]
    pending: bool
    engines: list[dict[str, Any]] = field(default_factory=list)
    workers: dict[str, Any] = field(default_factory=dict)
    # the new cluster of a blue/green upgrade (pendingServiceStatus): where upgrade failures show
    pending_cluster: str = ""
    pending_app_status: str = ""
    pending_app_message: str = ""
    pending_deployments: list[DeploymentHealth] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return any(c.get("type") == "Ready" and c.get("status") == "True" for c in self.conditions)

    @property
    def healthy(self) -> bool:
        """The Serve application runs, every deployment is healthy, no upgrade is pending and
        KubeRay has seen the latest spec."""
        return (
            self.observed_generation >= self.generation
            and self.app_status == "RUNNING"
            and bool(self.deployments)
            and all(d.status == "HEALTHY" for d in self.deployments)
            and not self.pending
        )

    @property
    def failed(self) -> bool:
        return self.observed_generation >= self.generation and self.app_status == "DEPLOY_FAILED"


def annotation_key(model: str) -> str:
    return VERSION_ANNOTATION + re.sub(r"[^A-Za-z0-9_.-]", "-", model)[:40]


def serve_app(serve_config: dict[str, Any]) -> dict[str, Any]:
    for app in serve_config.get("applications") or []:
        if app.get("name") == APP_NAME:
            return app
    raise DeployError(f"serveConfigV2 has no application named {APP_NAME!r}")


# The worst status first: the status of several applications taken as one.
APP_STATUS_ORDER = ("DEPLOY_FAILED", "UNHEALTHY", "DELETING", "DEPLOYING", "NOT_STARTED", "MISSING", "RUNNING")


def _applications(service_status: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """Every application of the serve config (the gateway ``llmops`` and one per engine, see
    services/common/engine_apps.py) as one: the worst status, the first message that explains it,
    and every deployment (an engine application's named ``<application>/<deployment>``)."""
    statuses = service_status.get("applicationStatuses") or {}
    found = {name: statuses.get(name) or {"status": "MISSING"} for name in names}
    worst = min((a.get("status", "MISSING") for a in found.values()), key=_status_rank, default="MISSING")
    message = next((a.get("message", "") for a in found.values() if a.get("status") == worst and a.get("message")), "")
    deployments = [
        DeploymentHealth(
            d_name if name == APP_NAME else f"{name}/{d_name}", d.get("status", "UNKNOWN"), d.get("message", "")
        )
        for name, app in found.items()
        for d_name, d in sorted((app.get("serveDeploymentStatuses") or {}).items())
    ]
    return {"status": worst, "message": message, "deployments": deployments}


def _status_rank(status: str) -> int:
    return APP_STATUS_ORDER.index(status) if status in APP_STATUS_ORDER else APP_STATUS_ORDER.index("DEPLOYING")


def summarize(obj: dict[str, Any]) -> ServiceSummary:
    """The parts of a RayService an operator looks at, from the API object."""
    meta, spec, status = obj.get("metadata", {}), obj.get("spec", {}), obj.get("status") or {}
    serve_config = yaml.safe_load(spec.get("serveConfigV2") or "") or {}
    names = [a.get("name") for a in serve_config.get("applications") or [] if a.get("name")] or [APP_NAME]
    active = status.get("activeServiceStatus") or {}
    app = _applications(active, names)
    deployments = app["deployments"]
    pending = status.get("pendingServiceStatus") or {}
    pending_app = _applications(pending, names)
    annotations = meta.get("annotations") or {}
    engines = []
    own = engine_specs(serve_config)
    try:
        for m in serve_app(serve_config).get("args", {}).get("models") or []:
            m = own.get(m.get("name"), m)  # the engine application's spec when it has its own
            engines.append(
                {
                    "model": m.get("name"),
                    "source": m.get("source") or m.get("base_url"),
                    "version": annotations.get(annotation_key(m.get("name", ""))),
                    "replicas": m.get("replicas", 1),
                    "max_replicas": m.get("max_replicas"),
                }
            )
    except DeployError:
        pass
    cluster = active.get("rayClusterStatus") or {}
    return ServiceSummary(
        name=meta.get("name", ""),
        generation=int(meta.get("generation", 0)),
        observed_generation=int(status.get("observedGeneration", 0)),
        service_status=status.get("serviceStatus", ""),
        conditions=[
            {k: c.get(k, "") for k in ("type", "status", "reason", "message")} for c in status.get("conditions") or []
        ],
        app_status=app["status"],
        app_message=app["message"],
        deployments=deployments,
        pending=bool(pending.get("rayClusterName")),
        pending_cluster=pending.get("rayClusterName", ""),
        pending_app_status=pending_app["status"] if pending.get("rayClusterName") else "",
        pending_app_message=pending_app["message"],
        pending_deployments=pending_app["deployments"],
        engines=engines,
        workers={
            k: cluster.get(k)
            for k in ("desiredWorkerReplicas", "availableWorkerReplicas", "readyWorkerReplicas")
            if k in cluster
        },
    )


class RayServices:
    """RayService objects in one namespace, through the Kubernetes API."""

    def __init__(self, api: client.ApiClient, namespace: str):
        self.api = client.CustomObjectsApi(api)
        self.namespace = namespace

    def get(self, name: str) -> dict[str, Any]:
        try:
            return self.api.get_namespaced_custom_object(GROUP, VERSION, self.namespace, PLURAL, name)
        except client.ApiException as exc:
            if exc.status == 404:
                raise DeployError(f"RayService {self.namespace}/{name} not found") from None
            raise

    def patch(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        # a dict body goes as application/merge-patch+json; a metadata.resourceVersion in it makes
        # the API server refuse (409) a patch to an object that changed since it was read
        return self.api.patch_namespaced_custom_object(
            GROUP, VERSION, self.namespace, PLURAL, name, body, field_manager=FIELD_MANAGER
        )


@dataclass
class RolloutResult:
    model: str
    version: str
    source: str
    previous_source: str | None
    healthy: bool
    rolled_back: bool
    seconds: float
    last: ServiceSummary | None
    failure: ServiceSummary | None = None  # the state that made it roll back


def engine_specs(serve_config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Model name -> the spec of its own engine application (``args.engine_app``), in place."""
    found = {}
    for app in serve_config.get("applications") or []:
        engine = (app.get("args") or {}).get("engine_app")
        if isinstance(engine, dict) and engine.get("name"):
            found[engine["name"]] = engine
    return found


def with_model_source(serve_config_text: str, model: str, source: str) -> tuple[str, str | None]:
    """serveConfigV2 with ``model``'s source replaced in its engine application, and the previous
    source. The gateway application is left as it is, unless an older chart rendered the source
    into its ``args.models`` too (then it changes there as well, and the gateway redeploys)."""
    serve_config = yaml.safe_load(serve_config_text) or {}
    models = serve_app(serve_config).get("args", {}).get("models")
    if not models:
        raise DeployError("serveConfigV2 lists no inline models (args.models); was it rendered by the llmops chart?")
    entry = next((m for m in models if m.get("name") == model), None)
    if entry is None:
        raise DeployError(f"model {model!r} is not served; served: {', '.join(str(m.get('name')) for m in models)}")
    if entry.get("backend", "vllm") != "vllm":
        raise DeployError(
            f"model {model!r} is a remote ({entry.get('backend')}) model; only vLLM engines are rolled out"
        )
    engine = engine_specs(serve_config).get(model)
    if engine is None and not entry.get("source"):
        raise DeployError(f"serveConfigV2 has no engine application for model {model!r}")
    previous = (engine or entry).get("source")
    if engine is not None:
        engine["source"] = source
    if entry.get("source"):
        entry["source"] = source
    return yaml.safe_dump(serve_config, sort_keys=False), previous


def wait_healthy(
    services: RayServices,
    name: str,
    *,
    generation: int,
    timeout_s: float,
    poll_s: float,
    on_poll: Callable[[ServiceSummary], None],
    settle_s: float = 15.0,
    before: ServiceSummary | None = None,
) -> ServiceSummary | None:
    """Poll until KubeRay has applied ``generation`` and the application is healthy, has failed
    to deploy, or the timeout passes; the last summary (None if the API never answered). API
    errors while polling (a restarting API server, a dropped connection) are retried.

    KubeRay's first reconcile after a change writes the new ``observedGeneration`` with the OLD
    application statuses: it reads them from the dashboard before it submits the new config, and
    the next reconcile is one requeue period (2 s) later. So a final state (healthy, or failed to
    deploy) at the new generation counts only once the statuses were seen differing from
    ``before`` (the summary read before the patch: the new config being deployed), or when it
    stayed the same for ``settle_s`` (a redeploy faster than the polls)."""
    deadline = time.monotonic() + timeout_s
    summary = None
    stale = _statuses(before) if before is not None else None
    transition_seen = stale is None
    final_since: float | None = None
    while True:
        try:
            summary = summarize(services.get(name))
        except (client.ApiException, OSError, urllib3.exceptions.HTTPError) as exc:
            if (
                isinstance(exc, client.ApiException)
                and exc.status is not None
                and exc.status < 500
                and exc.status != 429
            ):
                raise
        else:
            summary.generation = max(summary.generation, generation)
            on_poll(summary)
            if summary.observed_generation >= summary.generation and _statuses(summary) != stale:
                transition_seen = True
            if summary.healthy or summary.failed:
                now = time.monotonic()
                final_since = now if final_since is None else final_since
                if transition_seen or now - final_since >= settle_s:
                    return summary
            else:
                final_since = None
        if time.monotonic() >= deadline:
            return summary
        time.sleep(poll_s)


def wait_patched(
    services: RayServices,
    name: str,
    patched: dict[str, Any],
    before: ServiceSummary | None,
    *,
    timeout_s: float,
    poll_s: float,
    on_poll: Callable[[ServiceSummary], None],
    settle_s: float,
) -> ServiceSummary | None:
    """``wait_healthy`` for the generation a patch made (``patched``: the API's answer to the patch)."""
    generation = int(patched["metadata"].get("generation", 0))
    return wait_healthy(
        services,
        name,
        generation=generation,
        timeout_s=timeout_s,
        poll_s=poll_s,
        on_poll=on_poll,
        settle_s=settle_s,
        before=before,
    )


def _statuses(summary: ServiceSummary) -> tuple:
    return (summary.app_status, tuple((d.name, d.status) for d in summary.deployments), summary.pending)


def rollout(
    services: RayServices,
    name: str,
    model: str,
    version: str,
    source: str,
    *,
    timeout_s: float = 900,
    poll_s: float = 5,
    settle_s: float = 15.0,
    on_poll: Callable[[ServiceSummary], None] = lambda s: None,
) -> RolloutResult:
    """Serve ``source`` as ``model`` (recording ``version``), wait until healthy; roll back to
    the previous serveConfigV2 on failure or timeout."""
    started = time.monotonic()
    key = annotation_key(model)
    for attempt in range(CONFLICT_RETRIES):
        current = services.get(name)
        before = summarize(current)
        if not before.healthy:
            raise DeployError(
                f"RayService {name} is not healthy now (application {before.app_status}); "
                "not rolling out on top of that"
            )
        previous_config = current["spec"]["serveConfigV2"]
        new_config, previous_source = with_model_source(previous_config, model, source)
        previous_version = (current["metadata"].get("annotations") or {}).get(key)
        body = {
            "metadata": {"resourceVersion": current["metadata"]["resourceVersion"], "annotations": {key: version}},
            "spec": {"serveConfigV2": new_config},
        }
        try:
            patched = services.patch(name, body)
            break
        except client.ApiException as exc:
            if exc.status != 409:
                raise
            if attempt == CONFLICT_RETRIES - 1:
                raise DeployError(f"RayService {name} kept changing while patching it (409 Conflict); retry") from exc
    settled = partial(
        wait_patched, services, name, timeout_s=timeout_s, poll_s=poll_s, on_poll=on_poll, settle_s=settle_s
    )
    last = settled(patched, before)
    if last is not None and last.healthy:
        return RolloutResult(model, version, source, previous_source, True, False, time.monotonic() - started, last)
    failure = last
    restored = _patch_with_retries(
        services,
        name,
        {"metadata": {"annotations": {key: previous_version}}, "spec": {"serveConfigV2": previous_config}},
        poll_s,
        expected_config=new_config,
    )
    last = settled(restored, failure)
    return RolloutResult(
        model, version, source, previous_source, False, True, time.monotonic() - started, last, failure
    )


def _patch_with_retries(
    services: RayServices,
    name: str,
    body: dict[str, Any],
    pause_s: float,
    *,
    expected_config: str,
    attempts: int = CONFLICT_RETRIES,
) -> dict[str, Any]:
    """A rollback must not be lost to one failed API call, nor overwrite someone else's change:
    it applies only while spec.serveConfigV2 is still the one the rollout wrote (checked with the
    resourceVersion it read). After the last attempt, or when the config was changed by someone
    else, the error keeps the previous serveConfigV2 in a file so that an operator can restore it."""

    def give_up(reason: str, exc: Exception | None = None):
        import tempfile

        with tempfile.NamedTemporaryFile("w", prefix=f"{name}-serveConfigV2-", suffix=".yaml", delete=False) as saved:
            saved.write(body["spec"]["serveConfigV2"])
        raise DeployError(f"{reason}; the previous serveConfigV2 is in {saved.name}") from exc

    for attempt in range(attempts):
        try:
            current = services.get(name)
            if current["spec"].get("serveConfigV2") != expected_config:
                give_up("rollback not applied: serveConfigV2 was changed by someone else during the rollout")
            conditional = {
                **body,
                "metadata": {**body["metadata"], "resourceVersion": current["metadata"]["resourceVersion"]},
            }
            return services.patch(name, conditional)
        except DeployError:
            raise
        except (client.ApiException, OSError, urllib3.exceptions.HTTPError) as exc:
            if attempt == attempts - 1:
                give_up(f"rollback patch failed ({exc})", exc)
            if not (isinstance(exc, client.ApiException) and exc.status == 409):
                time.sleep(pause_s)
    raise AssertionError("unreachable")
