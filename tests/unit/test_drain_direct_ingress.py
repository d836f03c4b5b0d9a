"""``drain_gateway_async`` where ``llmops serve`` runs it by default: with direct ingress, Ray Serve starts with
``RAY_SERVE_THROUGHPUT_OPTIMIZED=1`` and a handle's router runs in the caller's event loop, so a
handle call made from plain synchronous code failed (``No event loop running``) and the stack stopped
without draining. The drain runs in a subprocess because Serve reads that setting when it is imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ray")
pytestmark = pytest.mark.ray

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import asyncio, os, sys, ray
from pathlib import Path
from ray import serve
from services.cli.local_stack import free_port
from services.cli.serve import drain_and_stop
from services.common.engine_apps import GATEWAY_APP

@serve.deployment(name="gateway")
class Gateway:
    def start_drain(self):
        Path(os.environ["DRAIN_MARK"]).write_text("drained")
        return serve.get_replica_context().replica_id.unique_id, 0

ray.init(_node_ip_address="127.0.0.1", num_cpus=2, include_dashboard=False, namespace="llmops-test-drain-direct")
serve.start(http_options={"host": "127.0.0.1", "port": free_port()})
serve.run(Gateway.bind(), name=GATEWAY_APP, route_prefix="/")
asyncio.run(drain_and_stop(30))
ray.shutdown()
print("STOPPED")
"""


def test_serve_drains_then_stops_with_serve_throughput_optimized(tmp_path: Path) -> None:
    """What ``llmops serve`` runs after Ctrl-C, in the mode it starts Serve in by default: the drain
    reaches the gateway replica, and Serve's shutdown then succeeds in the same event loop."""
    mark = tmp_path / "drained"
    env = {**os.environ, "RAY_SERVE_THROUGHPUT_OPTIMIZED": "1", "RAY_AUTH_MODE": "disabled", "DRAIN_MARK": str(mark)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0 and "STOPPED" in done.stdout, done.stderr[-3000:]
    assert "could not drain" not in done.stderr, done.stderr[-3000:]
    assert mark.read_text() == "drained"
