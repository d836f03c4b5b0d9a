"""Ray Serve wrapper: the gateway as the application's HTTP ingress. The wiring is in
``wiring.py``; this class only turns Ray's arguments into settings and handles."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any

from ray import serve

from services.common import ray_adapter
from services.common.models import ModelSpec
from services.gateway.config import GatewaySettings
from services.gateway.draining import Drain
from services.gateway.routes import build_fastapi
from services.gateway.wiring import ServiceHandles, build_gateway


def freeze_start_up_heap() -> None:
    """Collect once, then leave every object alive now out of later collections (``gc.freeze``).

    The replica starts with ~660,000 objects (Ray, FastAPI, Presidio's recognisers, the name
    lists, the classifiers' sessions) that live as long as it does. A full collection walks all of
    them: 390 ms once at start and 108 ms on average three more times during a ten-minute
    ``bench_guard_cost`` run in the gateway replica on this machine (``gc.callbacks``,
    2026-11-30), each a pause for every request in flight. Python runs one whenever enough objects
    have survived since the last. Frozen, they are no longer walked: a full collection then covers
    only what requests created since the start."""
    gc.collect()
    gc.freeze()


# Ray Serve's access log line per request is off: the request log and the audit log record every
# request already, and the line cost ~3 % of the replica's CPU per request (py-spy, 2026-11-30)
@serve.deployment(name="gateway", max_ongoing_requests=1000, logging_config={"enable_access_log": False})
@serve.ingress()
class GatewayDeployment:
    def __init__(
        self,
        *,
        settings: dict[str, Any],
        models: list[dict[str, Any]],
        handles: ServiceHandles,
        safety: dict[str, Any] | None = None,
        engine_apps: list[str] | None = None,
        router: dict[str, Any] | None = None,
        rag: dict[str, Any] | None = None,
    ):
        from services.common import metrics
        from services.common.engine_apps import ServeEngineApps

        # every replica's metrics through Ray's metrics agent (scraped per pod), not only whichever
        # replica answers /metrics through the Serve proxy (services/common/metrics.py)
        metrics.export_to_ray({"replica": serve.get_replica_context().replica_id.unique_id})
        self.settings = GatewaySettings.model_validate(settings)
        self.apps = ServeEngineApps()
        handles = ServiceHandles(**handles)
        if engine_apps is not None:  # one application per engine (services/common/engine_apps.py)
            handles["engines"] = {**handles.get("engines", {}), **{m: self.apps.handle(m) for m in engine_apps}}
        handles["engine_versions"] = self.apps
        self.engine_handles = dict(handles.get("engines", {}))
        specs = [ModelSpec.model_validate(m) for m in models]
        self.service = build_gateway(self.settings, specs, handles, safety=safety, rag=rag, router=router)
        self.drain = Drain()
        freeze_start_up_heap()

    def _routed_handles(self) -> list[Any]:
        """Handles of the registry versions the A/B routing table sends traffic to."""
        routing = self.service.pipeline.slots.get("routing")
        router = getattr(getattr(routing, "service", None), "router", None)
        keys = router.engine_keys() if router is not None else set()
        return [self.apps.handle(model, version) for model, version in keys if version is not None]

    async def ready(self) -> bool:
        """True when every Ray Serve engine answers its health check and the quota can answer."""
        try:
            async with asyncio.timeout(self.settings.ready_timeout_s):
                handles = [*self.engine_handles.values(), *self._routed_handles()]
                await asyncio.gather(*(h.check_health.remote() for h in handles), self.service.quota_ready())
            return True
        except Exception:
            return False

    def start_drain(self) -> tuple[str, int]:
        """Refuse new requests from now on (``draining.py``); returns this replica's id and how many
        requests it still serves. Called by ``llmops serve`` before it deletes the applications."""
        return serve.get_replica_context().replica_id.unique_id, self.drain.start()

    def __serve_build_asgi_app__(self) -> Any:
        return build_fastapi(
            lambda: self.service,
            is_ready=self.ready,
            serve_request_id=ray_adapter.serve_request_id,
            cors_allow_origins=self.settings.cors_allow_origins,
            drain=self.drain,
        )


async def drain_gateway_async(app_name: str, timeout_s: float, poll_s: float = 0.5) -> dict[str, int]:
    """Start the drain on every running replica of the gateway deployment of ``app_name`` and
    wait until none has a request in flight, or ``timeout_s`` passed. Returns each replica's last
    in-flight count (all 0 unless the timeout ran out).

    A handle call reaches one replica of Ray Serve's choosing, so each round sends a few calls per
    replica and goes on until every running replica has answered; a replica once draining takes
    no new request, so its count only falls. Async because with direct ingress Serve runs with
    ``RAY_SERVE_THROUGHPUT_OPTIMIZED=1``, where a handle's router lives in the caller's event loop
    and a call from plain synchronous code fails (``No event loop running``)."""
    status = serve.status().applications.get(app_name)
    deployment = status.deployments.get("gateway") if status else None
    if deployment is None:
        return {}
    replicas = deployment.replica_states.get("RUNNING", 0)
    handle = serve.get_deployment_handle("gateway", app_name)
    last: dict[str, int] = {}
    deadline = time.monotonic() + timeout_s
    while True:
        calls = [handle.start_drain.remote() for _ in range(max(1, 3 * replicas))]
        async with asyncio.timeout(max(1.0, deadline - time.monotonic())):
            last.update(await asyncio.gather(*calls))
        if (len(last) >= replicas and not any(last.values())) or time.monotonic() >= deadline:
            return last
        await asyncio.sleep(poll_s)
