"""Gateway settings that cannot work together are refused when the settings load (README
Configuration: `LLMOPS_GATEWAY_QUOTA_BACKEND` `local` is for one replica only; the proxy port lies
outside the direct-ingress ports, replica i answering on port + i)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.gateway.config import GatewaySettings


def test_local_quota_is_for_one_replica_only(monkeypatch):
    assert GatewaySettings(quota_backend="local", replicas=1).quota_backend == "local"
    with pytest.raises(ValidationError, match="quota_backend=local cannot enforce limits across several replicas"):
        GatewaySettings(quota_backend="local", replicas=2)
    monkeypatch.setenv("LLMOPS_GATEWAY_QUOTA_BACKEND", "redis")
    with pytest.raises(ValidationError, match="quota_backend"):
        GatewaySettings()


def test_proxy_port_outside_the_direct_ingress_ports():
    assert GatewaySettings(port=8000, replicas=3, proxy_port=8003).ray_serve_env() == {
        "RAY_SERVE_THROUGHPUT_OPTIMIZED": "1",
        "RAY_SERVE_DIRECT_INGRESS_MIN_HTTP_PORT": "8000",
        "RAY_SERVE_DIRECT_INGRESS_MAX_HTTP_PORT": "8003",
    }
    with pytest.raises(ValidationError, match="proxy_port must lie outside"):
        GatewaySettings(port=8000, replicas=3, proxy_port=8002)
    via_proxy = GatewaySettings(direct_ingress=False, port=8000, proxy_port=8000)
    assert via_proxy.ray_serve_env() == {} and via_proxy.serve_proxy_port == 8000
