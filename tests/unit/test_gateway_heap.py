"""The gateway replica leaves its start-up heap out of garbage collection (services/gateway/deployment.py)."""

from __future__ import annotations

import gc
from types import SimpleNamespace


def test_the_gateway_replica_freezes_its_start_up_heap(monkeypatch):
    from services.gateway import deployment

    calls: list[str] = []
    monkeypatch.setattr(gc, "collect", lambda *a: calls.append("collect") or 0)
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(deployment, "build_gateway", lambda *a, **k: calls.append("built"))
    monkeypatch.setattr("services.common.metrics.export_to_ray", lambda labels: None)
    replica = SimpleNamespace(replica_id=SimpleNamespace(unique_id="r1"))
    monkeypatch.setattr(deployment.serve, "get_replica_context", lambda: replica)
    user_class = deployment.GatewayDeployment.func_or_class.__mro__[1]  # the class under Serve's ASGI wrapper
    user_class.__init__(object.__new__(user_class), settings={}, models=[], handles={})
    assert calls == ["built", "collect", "freeze"], "the heap is frozen once the gateway is built"
