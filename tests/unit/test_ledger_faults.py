"""The cost ledger under faults: failed commits are logged, counted and retried; queued charges
are committed on close; key and ledger databases are private; the budget check stays off the
event loop (issue 13)."""

from __future__ import annotations

import logging
import sqlite3
import threading

import httpx
import pytest
from prometheus_client import REGISTRY

from loadtests.fake_openai_backend import FakeEngine
from services.gateway.budget import BudgetStage
from services.gateway.keys import KeyStore
from services.gateway.ledger import Budget, Charge, ChargeWriter, Ledger
from services.gateway.prices import ModelPrice, PriceTable
from tests.conftest import make_gateway_app

FAILURES = "llmops_ledger_commit_failures_total"


def test_failed_commits_are_logged_counted_and_retried(tmp_path, caplog, monkeypatch):
    ledger = Ledger(tmp_path / "ledger.db")
    writer = ChargeWriter(ledger, flush_interval_s=3600)  # flushed by hand below
    real_record = ledger.record
    calls = []

    def broken(charges):
        calls.append(len(charges))
        if len(calls) == 1:
            raise sqlite3.OperationalError("disk I/O error")
        real_record(charges)

    monkeypatch.setattr(ledger, "record", broken)
    before = REGISTRY.get_sample_value(FAILURES) or 0.0
    writer.submit(Charge("k", "t", "m", 1, 2, 0.5))
    with caplog.at_level(logging.WARNING, logger="llmops.gateway.ledger"):
        assert writer._flush_logged() is False
    assert REGISTRY.get_sample_value(FAILURES) == before + 1
    assert "commit failed" in caplog.text and "1 charges kept" in caplog.text
    assert writer._flush_logged() is True and ledger.spent("team", "t") == pytest.approx(0.5)


def test_close_commits_what_is_queued(tmp_path):
    ledger = Ledger(tmp_path / "ledger.db")
    writer = ChargeWriter(ledger, flush_interval_s=3600)
    writer.submit(Charge("k", "t", "m", 1, 2, 0.25))
    assert ledger.spent("team", "t") == 0.0
    writer.close()
    assert Ledger(tmp_path / "ledger.db").spent("team", "t") == pytest.approx(0.25)


def test_queued_charges_are_committed_at_interpreter_exit(tmp_path):
    """README: queued charges are committed when the writer is closed "(at interpreter exit)": a
    process that ends normally without closing its writer (a gateway replica shut down, a CLI job)
    loses no charge that was still waiting for the next batch."""
    import subprocess
    import sys

    from services.cli.local_stack import REPO

    db = tmp_path / "ledger.db"
    script = (
        "from services.gateway.ledger import Charge, ChargeWriter, Ledger\n"
        f"writer = ChargeWriter(Ledger({str(db)!r}), flush_interval_s=3600)\n"
        "writer.submit(Charge('k', 't', 'm', 1, 2, 0.25))\n"  # queued; no batch is due for an hour
    )
    subprocess.run([sys.executable, "-c", script], cwd=REPO, check=True, timeout=60)
    assert Ledger(db).spent("team", "t") == pytest.approx(0.25)


def test_databases_are_private(tmp_path, monkeypatch):
    import os

    old = os.umask(0o022)
    try:
        keys, ledger = KeyStore(tmp_path / "keys.db"), Ledger(tmp_path / "ledger.db")
        keys.create("x")
        ledger.record([Charge("k", "t", "m", 1, 1, 0.1)])
    finally:
        os.umask(old)
    for name in ("keys.db", "ledger.db"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600, name
    for wal in tmp_path.glob("*.db-wal"):
        assert wal.stat().st_mode & 0o077 == 0, wal.name


async def test_budget_check_runs_off_the_event_loop(tmp_path, keys):
    ledger = Ledger(tmp_path / "ledger.db")
    ledger.set_budget(Budget("daily", "team", "research", "day", 100.0))
    stage = BudgetStage(ledger, PriceTable(models={"fake-chat": ModelPrice(input_per_1m_usd=1.0)}))
    threads = []
    real_status = ledger.status

    def status(*args, **kwargs):
        threads.append(threading.get_ident())
        return real_status(*args, **kwargs)

    ledger.status = status  # type: ignore[method-assign]
    app = make_gateway_app({"fake-chat": FakeEngine()}, {"fake-chat": "generate"}, keys=keys, stages={"budget": stage})
    key, _ = keys.create("alice", team="research")
    body = {"model": "fake-chat", "messages": [{"role": "user", "content": "hi"}]}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        r = await client.post("/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200 and threads and threading.get_ident() not in threads
