"""Acknowledged writes survive SIGKILL of a real separate process (issue 13): the process serves
the gateway over HTTP (request log on) and writes a key, a budget and a charge, acknowledging
each on stdout once its call returned; the test kills it with SIGKILL right after the
acknowledgements and the 200, then reopens every store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from services.cli.local_stack import free_port
from services.gateway.keys import KeyStore
from services.gateway.ledger import Ledger
from services.gateway.request_log import read_records

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHILD = """
import sys, threading, time
from pathlib import Path
import uvicorn
from loadtests.fake_openai_backend import FakeEngine
from services.common.models import ModelSpec
from services.gateway.config import GatewaySettings
from services.gateway.keys import KeyStore
from services.gateway.ledger import Budget, Charge, Ledger
from services.gateway.routes import build_fastapi
from services.gateway.wiring import build_gateway

folder, port = Path(sys.argv[1]), int(sys.argv[2])
key, _ = KeyStore(folder / "keys.db").create("durable")
print("ack key", key, flush=True)
ledger = Ledger(folder / "ledger.db")
ledger.set_budget(Budget("b", "team", "t", "month", 2.0))
ledger.record([Charge("k", "t", "m", 1, 2, 0.75)])
print("ack ledger", flush=True)
settings = GatewaySettings(keys_db=folder / "keys.db", quota_backend="local", budgets_enabled=False,
                           request_log_path=folder / "requests.jsonl")
service = build_gateway(settings, [ModelSpec(name="fake-chat", source="x")], engines={"fake-chat": FakeEngine()})
async def ready():
    return True
uvicorn.run(build_fastapi(lambda: service, is_ready=ready), host="127.0.0.1", port=port, log_level="warning")
"""


def test_acknowledged_writes_survive_sigkill(tmp_path):
    port = free_port()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path), str(port)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        key = child.stdout.readline().split()[2]
        assert child.stdout.readline().strip() == "ack ledger"
        url = f"http://127.0.0.1:{port}/v1/chat/completions"
        body = {"model": "fake-chat", "messages": [{"role": "user", "content": "remember me"}]}
        for _ in range(200):
            try:
                r = httpx.post(url, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("the gateway process did not start")
        assert r.status_code == 200
        os.kill(child.pid, signal.SIGKILL)  # right after the 200: no cleanup, no close, no checkpoint
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert KeyStore(tmp_path / "keys.db").lookup(key) is not None
    ledger = Ledger(tmp_path / "ledger.db")
    assert [b.name for b in ledger.budgets()] == ["b"] and ledger.spent("team", "t") == pytest.approx(0.75)
    (record,) = read_records(tmp_path / "requests.jsonl")
    assert record["status"] == 200 and record["completion_tokens"] == 3
