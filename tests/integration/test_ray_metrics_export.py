"""Per-replica gateway metrics through Ray's metrics agent: a real Ray node with its metrics
port, two actors standing for two gateway replicas that record through services/common/metrics.py
after export_to_ray, and the agent's Prometheus text read back: one series per replica, under
names the chart's PodMonitor turns back into the declared ones (services/common/metrics.py
exported_name, the same rule as deploy/helm/llmops/templates/podmonitor.yaml)."""

from __future__ import annotations

import re
import time
import urllib.request

import pytest

from services.cli.local_stack import free_port
from services.common import metrics

pytestmark = [pytest.mark.integration, pytest.mark.ray]


def test_each_replica_is_its_own_series_on_rays_metrics_port(monkeypatch):
    import ray

    # as the chart sets it on every Ray container: counters exported once, as counters
    monkeypatch.setenv("RAY_EXPORT_COUNTER_AS_GAUGE", "0")

    port = free_port()
    ray.init(
        _node_ip_address="127.0.0.1",
        num_cpus=2,
        include_dashboard=False,
        namespace="llmops-test-metrics",
        _metrics_export_port=port,
    )
    try:

        @ray.remote(num_cpus=0)
        class Replica:
            def __init__(self, replica: str):
                from services.gateway import metrics as gateway_metrics

                metrics.export_to_ray({"replica": replica})
                self.m = gateway_metrics

            def serve(self) -> None:
                self.m.REQUESTS.labels("chat", "m", "2xx").inc()
                self.m.REQUEST_DURATION.labels("chat", "m", "2xx").observe(0.3)
                self.m.IN_FLIGHT.labels("chat").inc()

        replicas = [Replica.remote("r1"), Replica.remote("r2")]
        ray.get([r.serve.remote() for r in replicas])
        wanted = ("ray_llmops_requests_total{", "ray_llmops_request_duration_seconds_bucket{")
        deadline, text = time.monotonic() + 60, ""
        while time.monotonic() < deadline:
            text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
            if (
                all(sum(line.startswith(w) for line in text.splitlines()) >= 2 for w in wanted[:1])
                and wanted[1] in text
            ):
                break
            time.sleep(1)
        series = [line for line in text.splitlines() if line.startswith("ray_llmops_")]
        requests = [s for s in series if s.startswith("ray_llmops_requests_total{")]
        assert sorted(re.search(r'replica="(\w+)"', s).group(1) for s in requests) == ["r1", "r2"], series
        assert all('route="chat"' in s and 'status_class="2xx"' in s and s.endswith(" 1.0") for s in requests)
        names = {metrics.exported_name(s.split("{")[0]) for s in series}
        assert {"llmops_requests_total", "llmops_requests_in_flight", "llmops_request_duration_seconds_bucket"} <= names
        assert not [s for s in series if s.startswith("ray_llmops_requests{")], series  # no gauge twin
    finally:
        ray.shutdown()
