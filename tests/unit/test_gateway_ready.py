"""``GET /ready`` on the Ray Serve gateway: every engine's health check, and the quota, within
``LLMOPS_GATEWAY_READY_TIMEOUT_S`` (README Configuration and API), on the deployment's own ``ready``
with stand-in handles (no Ray)."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

from services.gateway.config import GatewaySettings
from services.gateway.deployment import GatewayDeployment


class Health:
    """A stand-in engine handle whose ``check_health.remote()`` answers, fails or hangs."""

    def __init__(self, outcome: str):
        self.check_health = SimpleNamespace(remote=lambda: self._check(outcome))

    @staticmethod
    async def _check(outcome: str) -> None:
        if outcome == "hang":
            await asyncio.sleep(60)
        if outcome == "fail":
            raise RuntimeError("engine still loading")


async def ready(*outcomes: str, timeout_s: float = 0.2) -> bool:
    """The deployment class's own ``ready`` on a stand-in instance (an instance of the class itself
    would be Ray Serve's ASGI ingress wrapper)."""

    async def quota_ready() -> None:
        return None

    cls = GatewayDeployment.func_or_class
    deployment = SimpleNamespace(
        settings=GatewaySettings(ready_timeout_s=timeout_s),
        engine_handles={f"m{i}": Health(outcome) for i, outcome in enumerate(outcomes)},
        service=SimpleNamespace(pipeline=SimpleNamespace(slots={}), quota_ready=quota_ready),
    )
    deployment._routed_handles = lambda: cls._routed_handles(deployment)
    return await cls.ready(deployment)


async def test_ready_only_when_every_engine_passes_its_health_check():
    assert await ready("ok", "ok") is True
    assert await ready("ok", "fail") is False


async def test_a_hanging_health_check_is_not_ready_after_the_ready_timeout():
    began = time.monotonic()
    assert await ready("ok", "hang", timeout_s=0.2) is False
    assert time.monotonic() - began < 5, "bounded by ready_timeout_s, not by the engine"
