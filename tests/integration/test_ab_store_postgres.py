"""The experiment store on a real PostgreSQL (started here), and acknowledged feedback surviving
``kill -9`` of the process that acknowledged it (PostgreSQL and SQLite)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from services.cli.local_stack import free_port
from services.router.store import ExperimentStore, Outcome, StoreError, sqlite_url
from tests.postgres_server import PostgresServer, postgres_bin

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(postgres_bin() is None, reason="PostgreSQL binaries absent (make postgres-tools)"),
]
ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    with PostgresServer() as server:
        yield server


def test_store_on_postgres(postgres: PostgresServer) -> None:
    store = ExperimentStore(postgres.url)
    ExperimentStore(postgres.url).close()  # the Alembic upgrade is idempotent
    store.record(
        [Outcome("p1", "m", "control", 200, experiment="e"), Outcome("p2", "m", "treatment", 200, experiment="e")]
    )
    store.add_feedback("p1", rating_kind="scale", rating=5)
    with pytest.raises(StoreError, match="already given"):
        store.add_feedback("p1", rating_kind="scale", rating=4)
    with pytest.raises(StoreError, match="no response"):
        store.add_feedback("p9", rating_kind="scale", rating=4)
    store.add_feedback("p2", rating_kind=None, rating=None, other_response_id="p1", preferred="tie")
    assert [r["other_variant"] for r in store.feedback_rows("e")] == [None, "control"]
    store.set_canary("e", step=1, state="running")
    assert store.canary("e")["step"] == 1
    store.close()


def _serve(url: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.feedback_server", url, str(port)], cwd=ROOT, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode()[-2000:])
        try:
            httpx.get(base + "/health", timeout=1)
            return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("feedback server did not start")


def test_store_of_revision_0001_upgrades_on_postgres(postgres: PostgresServer) -> None:
    """0002 drops the unkeyed ``unit_hash`` column, 0003 adds ``override`` (false for old rows)."""
    import sqlalchemy as sa

    from services.router.store import upgrade

    admin = sa.create_engine(postgres.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("CREATE DATABASE upgrade_from_0001"))
    admin.dispose()
    url = postgres.url.rsplit("/", 1)[0] + "/upgrade_from_0001"
    upgrade(url, "0001")
    old = sa.create_engine(url)
    with old.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO ab_assignments (response_id, created_at, experiment, variant, model, unit_hash, shadow,"
                " status, prompt_tokens, completion_tokens, blocked)"
                " VALUES ('o1', 1.0, 'e', 'control', 'm', 'a1b2c3d4e5f60718', false, 200, 1, 1, false)"
            )
        )
    old.dispose()
    store = ExperimentStore(url)
    try:
        columns = {c["name"] for c in sa.inspect(store.engine).get_columns("ab_assignments")}
        assert "unit_hash" not in columns and "override" in columns
        assert [(r["response_id"], r["override"]) for r in store.outcomes("e")] == [("o1", False)]
        store.record([Outcome("o2", "m", "treatment", 200, experiment="e", override=True)])
        assert [r["response_id"] for r in store.outcomes("e", override=True)] == ["o2"]
    finally:
        store.close()


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_acknowledged_feedback_survives_kill_9(backend: str, postgres: PostgresServer, tmp_path: Path) -> None:
    url = postgres.url if backend == "postgresql" else sqlite_url(tmp_path / "ab.db")
    store = ExperimentStore(url)
    ids = [f"{backend}-k{i}" for i in range(20)]
    store.record([Outcome(i, "m", "control", 200, experiment="crash") for i in ids])
    store.close()
    proc, base = _serve(url)
    try:
        for rid in ids:
            reply = httpx.post(base + "/v1/feedback", json={"response_id": rid, "rating": "up"}, timeout=10)
            assert reply.status_code == 200, reply.text
        os.kill(proc.pid, signal.SIGKILL)  # right after the last 200
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    if backend == "postgresql":
        postgres.stop("immediate")  # the database crashes too: only what was flushed survives
        postgres.start()
    reopened = ExperimentStore(url)
    assert all(reopened.feedback_for(rid)["rating"] == 1 for rid in ids)
    reopened.close()
