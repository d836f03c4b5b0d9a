"""A small local HTTP server in the shape of the Kubernetes API, for the deploy CLI's tests.

No real API server can run here (no kube-apiserver in Debian or on PyPI), so the tests drive the
real ``kubernetes`` Python client against this server instead. Its objects are CONSTRUCTED, not
recorded from a cluster: the RayService is the chart's own rendering, with a status in the shape
of KubeRay's CRD (every state it holds is validated against the vendored CRD schema), and a
tiny stand-in for the KubeRay operator moves the status along after each patch:

- for ``stale_polls`` reads after a patch, the status KubeRay's first reconcile writes: the NEW
  ``observedGeneration`` with the OLD application statuses (RUNNING / HEALTHY). The controller
  reads the Serve statuses from the dashboard before it submits the changed config
  (rayservice_controller.go: getAndCheckServeStatus, then updateServeDeployment), and the next
  reconcile comes one requeue period (2 s) later;
- then ``deploying_polls`` reads of ``DEPLOYING`` / ``UPDATING`` for the applications Ray Serve
  redeploys: those whose code version changed, computed by Ray Serve's own
  ``get_app_code_version`` (a hash of import path, runtime env and ``args``); every other
  application stays ``RUNNING`` / ``HEALTHY``, as its replicas do (``redeployed`` records them);
- then ``RUNNING`` / ``HEALTHY``, or ``DEPLOY_FAILED`` / ``UNHEALTHY`` when an engine's source is
  in ``broken_sources``, or ``DEPLOYING`` forever when it is in ``hanging_sources``.

Every request is recorded (method, path, content type, JSON body) for assertions.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import yaml

RS_PATH = re.compile(r"^/apis/ray\.io/v1/namespaces/([^/]+)/rayservices/([^/?]+)$")
SECRETS_PATH = re.compile(r"^/api/v1/namespaces/([^/]+)/secrets(?:/([^/?]+))?$")
CONFIGMAPS_PATH = re.compile(r"^/api/v1/namespaces/([^/]+)/configmaps/([^/?]+)$")
TIME = "2026-11-28T12:00:00Z"


@dataclass
class Recorded:
    method: str
    path: str
    content_type: str
    body: Any
    authorization: str
    query: str = ""


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def engine_deployments(rayservice: dict) -> dict[str, str]:
    """Engine application name -> model source, in the chart's layout (one application per engine,
    services/common/engine_apps.py)."""
    config = yaml.safe_load(rayservice["spec"]["serveConfigV2"])
    return {
        app["name"]: app["args"]["engine_app"].get("source", "")
        for app in config["applications"]
        if "engine_app" in (app.get("args") or {})
    }


APP_OF_DEPLOYMENT = {"HEALTHY": "RUNNING", "UPDATING": "DEPLOYING", "UNHEALTHY": "DEPLOY_FAILED"}


def code_versions(serve_config_text: str) -> dict[str, str]:
    """Application name -> the code version Ray Serve gives it (a changed one is redeployed)."""
    from ray.serve._private.deploy_utils import get_app_code_version
    from ray.serve.schema import ServeApplicationSchema

    config = yaml.safe_load(serve_config_text)
    return {a["name"]: get_app_code_version(ServeApplicationSchema(**a)) for a in config["applications"]}


def status_for(
    rayservice: dict, generation: int, engine_status: dict[str, tuple[str, str]], gateway: str = "HEALTHY"
) -> dict:
    """KubeRay's status: the gateway application ``llmops`` with its ``gateway`` deployment in
    ``gateway`` (HEALTHY or UPDATING), each engine application with its ``engine`` deployment in
    ``engine_status``."""
    applications = {
        "llmops": {
            "status": APP_OF_DEPLOYMENT[gateway],
            "message": "" if gateway == "HEALTHY" else "Deploying app 'llmops'",
            "serveDeploymentStatuses": {"gateway": {"status": gateway, "message": ""}},
        }
    }
    for name, (status, message) in engine_status.items():
        applications[name] = {
            "status": APP_OF_DEPLOYMENT[status],
            "message": message and f"Deploying app '{name}' failed: {message}",
            "serveDeploymentStatuses": {"engine": {"status": status, "message": message}},
        }
    ready = all(a["status"] == "RUNNING" for a in applications.values())
    return {
        "serviceStatus": "Running" if ready else "",
        "observedGeneration": generation,
        "numServeEndpoints": 2 if ready else 0,
        "conditions": [
            {"type": "Ready", "status": "True" if ready else "False",
             "reason": "NonZeroServeEndpoints" if ready else "ZeroServeEndpoints",
             "message": "", "lastTransitionTime": TIME, "observedGeneration": generation},
            {"type": "UpgradeInProgress", "status": "False", "reason": "NoPendingCluster", "message": "",
             "lastTransitionTime": TIME},
        ],
        "activeServiceStatus": {
            "rayClusterName": f"{rayservice['metadata']['name']}-raycluster-abcde",
            "applicationStatuses": applications,
            "rayClusterStatus": {"desiredWorkerReplicas": 1, "availableWorkerReplicas": 1, "readyWorkerReplicas": 1,
                                 "state": "ready"},
        },
        "pendingServiceStatus": {},
    }  # fmt: skip


@dataclass
class FakeKubernetes:
    rayservice: dict
    namespace: str = "llm"
    stale_polls: int = 1
    deploying_polls: int = 2
    broken_sources: set[str] = field(default_factory=set)
    hanging_sources: set[str] = field(default_factory=set)
    secrets: dict[str, dict] = field(default_factory=dict)
    configmaps: dict[str, dict] = field(default_factory=dict)  # read only (GET)
    requests: list[Recorded] = field(default_factory=list)
    validate: Any = None  # callable(rayservice) raising on a shape the CRD rejects
    fail_gets_after_patch: int = 0  # answer this many RayService reads after a patch with a 500
    # writes by others (KubeRay's status updates, a helm upgrade): called with the RayService
    # before each GET is answered; they change resourceVersion like real writes do
    other_writers: list = field(default_factory=list)
    field_managers: dict[str, str] = field(default_factory=dict)  # spec field -> manager of its last write
    redeployed: list[set[str]] = field(default_factory=list)  # per patch: applications Ray Serve redeploys

    def __post_init__(self):
        self.lock = threading.Lock()
        meta = self.rayservice["metadata"]
        meta.update(
            {
                "namespace": self.namespace,
                "generation": 1,
                "resourceVersion": "1",
                "uid": "00000000-0000-0000-0000-000000000001",
            }
        )
        self.rayservice["status"] = status_for(
            self.rayservice, 1, {n: ("HEALTHY", "") for n in engine_deployments(self.rayservice)}
        )
        self._polls_since_patch = None
        self._updating: set[str] = set()
        self._check()

    def _check(self):
        if self.validate:
            self.validate(self.rayservice)

    # --- the operator stand-in ---
    def _advance(self):
        if self._polls_since_patch is None:
            return
        self._polls_since_patch += 1
        n, gen = self._polls_since_patch, self.rayservice["metadata"]["generation"]
        if n <= self.stale_polls:
            self.rayservice["status"]["observedGeneration"] = gen
            for condition in self.rayservice["status"]["conditions"]:
                condition["observedGeneration"] = gen
            return
        sources = engine_deployments(self.rayservice)
        updating = self._updating
        if n <= self.stale_polls + self.deploying_polls or any(s in self.hanging_sources for s in sources.values()):
            self.rayservice["status"] = status_for(
                self.rayservice,
                gen,
                {d: ("UPDATING" if d in updating else "HEALTHY", "") for d in sources},
                gateway="UPDATING" if "llmops" in updating else "HEALTHY",
            )
        elif any(s in self.broken_sources for s in sources.values()):
            engines = {
                d: ("UNHEALTHY", f"replica failed to start: cannot load model from {s}")
                if s in self.broken_sources
                else ("HEALTHY", "")
                for d, s in sources.items()
            }
            self.rayservice["status"] = status_for(self.rayservice, gen, engines)
        else:
            self.rayservice["status"] = status_for(self.rayservice, gen, {d: ("HEALTHY", "") for d in sources})
        self._check()

    # --- HTTP ---
    def _bump_resource_version(self):
        meta = self.rayservice["metadata"]
        meta["resourceVersion"] = str(int(meta["resourceVersion"]) + 1)

    def handle(
        self, method: str, path: str, content_type: str, body: Any, query: dict | None = None
    ) -> tuple[int, Any]:
        query = query or {}
        with self.lock:
            if m := RS_PATH.match(path):
                ns, name = m.groups()
                if ns != self.namespace or name != self.rayservice["metadata"]["name"]:
                    return 404, status_error(404, "NotFound", f'rayservices.ray.io "{name}" not found')
                if method == "GET":
                    for writer in self.other_writers:
                        if writer(self.rayservice):
                            self._bump_resource_version()
                    if self._polls_since_patch is not None and self.fail_gets_after_patch > 0:
                        self.fail_gets_after_patch -= 1
                        return 500, status_error(500, "InternalError", "etcdserver: request timed out")
                    self._advance()
                    return 200, self.rayservice
                if method == "PATCH":
                    if content_type != "application/merge-patch+json":
                        return 415, status_error(415, "UnsupportedMediaType", content_type)
                    expected = (body.get("metadata") or {}).get("resourceVersion")
                    if expected is not None and expected != self.rayservice["metadata"]["resourceVersion"]:
                        return 409, status_error(
                            409,
                            "Conflict",
                            "the object has been modified; please apply your changes to the latest version",
                        )
                    for key in body.get("spec") or {}:
                        self.field_managers[key] = query.get("fieldManager", "")
                    status = self.rayservice.pop("status")
                    patched = merge_patch(self.rayservice, {k: v for k, v in body.items() if k != "status"})
                    patched["status"] = status
                    if patched["spec"] != self.rayservice["spec"]:
                        patched["metadata"]["generation"] += 1
                    patched["metadata"]["resourceVersion"] = str(int(patched["metadata"]["resourceVersion"]) + 1)
                    before, after = (code_versions(r["spec"]["serveConfigV2"]) for r in (self.rayservice, patched))
                    self._updating = {a for a in after if before.get(a) != after[a]}
                    self.redeployed.append(self._updating)
                    self.rayservice = patched
                    self._polls_since_patch = 0
                    self._check()
                    return 200, self.rayservice
            if (m := CONFIGMAPS_PATH.match(path)) and method == "GET":
                ns, name = m.groups()
                if ns != self.namespace or name not in self.configmaps:
                    return 404, status_error(404, "NotFound", f'configmaps "{name}" not found')
                return 200, self.configmaps[name]
            if m := SECRETS_PATH.match(path):
                ns, name = m.groups()
                if ns != self.namespace:
                    return 404, status_error(404, "NotFound", "namespace")
                if method == "POST" and name is None:
                    name = body["metadata"]["name"]
                    if name in self.secrets:
                        return 409, status_error(409, "AlreadyExists", name)
                    self.secrets[name] = {
                        **body,
                        "metadata": {**body["metadata"], "namespace": ns, "resourceVersion": "1"},
                    }
                    return 201, self.secrets[name]
                if name not in self.secrets:
                    return 404, status_error(404, "NotFound", f'secrets "{name}" not found')
                if method == "GET":
                    return 200, self.secrets[name]
                if method == "PATCH":
                    self.secrets[name] = merge_patch(self.secrets[name], body)
                    return 200, self.secrets[name]
            return 404, status_error(404, "NotFound", path)


def status_error(code: int, reason: str, message: str) -> dict:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


class FakeKubernetesServer:
    """Serves a FakeKubernetes on 127.0.0.1 (free port) in a thread; ``kubeconfig(path)`` writes a
    kubeconfig pointing at it."""

    def __init__(self, fake: FakeKubernetes):
        self.fake = fake
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                path, _, query = self.path.partition("?")
                content_type = (self.headers.get("Content-Type") or "").split(";")[0]
                outer.fake.requests.append(
                    Recorded(self.command, path, content_type, body, self.headers.get("Authorization", ""), query)
                )
                params = dict(urllib.parse.parse_qsl(query))
                code, payload = outer.fake.handle(self.command, path, content_type, body, params)
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def kubeconfig(self, path) -> str:
        path.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "test",
            "clusters": [{"name": "test", "cluster": {"server": self.url}}],
            "users": [{"name": "test", "user": {"token": "test-token"}}],
            "contexts": [{"name": "test",
                          "context": {"cluster": "test", "user": "test", "namespace": self.fake.namespace}}],
        }))  # fmt: skip
        return str(path)
