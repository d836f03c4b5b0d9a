"""The audit log: who did what, when, and what each guard decided — without the content.

Its own sink, not the request log: the request log feeds the monitors (sizes, scores, opt-in
redacted prompt text), rotates by size and has no owner for erasure; the audit log answers
"what did key X / user U do" for a retention period and must be erasable per user. One row per
request that reached the pipeline (refusals included: a 401 is recorded with no key id):

    time, request_id, route, model (configured name, else "other"), variant, key_id, team,
    user_hash, status, decisions ({slot: decision} for every stage that ran, see below)

``decisions`` holds one short word per slot: ``pass`` when the stage let the request through,
``refused:<code>`` when it refused it (``invalid_api_key``, ``rate_limit_exceeded``, ...), and the
guards' own words (``block:<category>``, ``rewrite``, ``flag``, ``fail_open``). Never a prompt or
answer text, never a key: the key appears as its display id. The OpenAI ``user`` field is stored
only as ``HMAC-SHA256(user key, user)`` (``user_hash``), so one user's records can be found and
erased by the gateway operator who holds the key, and by no one else.

Storage: SQLite (WAL). A record is committed before the gateway answers (``on_finish`` runs
before the response is returned or the stream's last event is sent), so an acknowledged
request's record survives the gateway process being killed (SIGKILL): the commit is in the
operating system's hands (``synchronous=NORMAL``: no fsync per request; a power loss may lose the
last records). Rows are never updated (a trigger refuses UPDATE); they leave only
through retention (``retention_days``, applied at open and hourly) and erasure
(``llmops audit erase --user U``), and each of these leaves an event row of its own (how many
records, never whose).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from services.common.files import private_file
from services.gateway import metrics
from services.gateway.pipeline import PassThrough, RequestContext

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    time        REAL NOT NULL,
    event       TEXT NOT NULL,      -- request | erasure | retention
    request_id  TEXT,
    route       TEXT,
    model       TEXT,
    variant     TEXT,
    key_id      TEXT,
    team        TEXT,
    user_hash   TEXT,
    status      INTEGER,
    decisions   TEXT,               -- JSON {slot: decision}
    records     INTEGER             -- erasure / retention: rows removed
);
CREATE INDEX IF NOT EXISTS audit_events_time ON audit_events (time);
CREATE INDEX IF NOT EXISTS audit_events_user ON audit_events (user_hash);
CREATE TRIGGER IF NOT EXISTS audit_events_append_only BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
"""
_COLUMNS = ("id", "time", "event", "request_id", "route", "model", "variant", "key_id", "team", "user_hash")
_COLUMNS += ("status", "decisions", "records")
RETENTION_EVERY_S = 3600.0
# records between WAL checkpoints; each runs on a thread and a connection of its own, never inside
# a request's insert (SQLite's automatic checkpoint, every 1,000 WAL pages, ~240 records here, ran
# inside the insert that crossed the mark and took 3-11 ms on this machine: a gateway tail latency)
CHECKPOINT_EVERY = 200


class AuditLog:
    """The audit store. ``user_key``: the secret of the user hashes (at least 32 bytes)."""

    def __init__(self, path: Path, *, user_key: bytes, retention_days: float | None = 90.0):
        if len(user_key) < 32:
            raise ValueError("the audit user key must be at least 32 characters")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.retention_days = retention_days
        self._user_key = user_key
        self._lock = threading.Lock()
        private_file(self.path)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL: a commit is in the operating system's hands (survives the process being killed)
        # without an fsync on the event loop per request; a power loss may lose the last records
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA wal_autocheckpoint=0")  # see CHECKPOINT_EVERY
        self._unchecked = 0  # records since the last checkpoint began
        self._checkpointing = False
        self._db.executescript(_SCHEMA)
        self._purged_at = 0.0
        self._closed = threading.Event()
        self._retention_thread: threading.Thread | None = None
        self.apply_retention()

    def start_hourly_retention(self) -> None:
        """Apply the retention every RETENTION_EVERY_S on a thread of its own, so that records
        expire on a gateway without traffic too (a record written also applies it when due)."""
        if self._retention_thread is None and self.retention_days is not None:
            self._retention_thread = threading.Thread(target=self._retention_loop, name="audit-retention", daemon=True)
            self._retention_thread.start()

    def _retention_loop(self) -> None:
        while not self._closed.wait(RETENTION_EVERY_S):
            if time.time() - self._purged_at >= RETENTION_EVERY_S:
                try:
                    self.apply_retention()
                except sqlite3.Error as exc:
                    log.warning("audit log retention failed: %s", exc)

    def user_hash(self, user: str | None) -> str | None:
        if not user:
            return None
        return hmac.new(self._user_key, user.encode(), hashlib.sha256).hexdigest()

    def record(self, ctx: RequestContext, status: int) -> None:
        p = ctx.principal
        row = (
            time.time(),
            "request",
            ctx.request_id,
            ctx.route,
            ctx.model_label,
            ctx.variant,
            p.key_id if p else None,
            p.team if p else None,
            self.user_hash(getattr(ctx.request, "user", None)),
            status,
            orjson.dumps(ctx.decisions).decode(),
        )
        with self._lock:
            self._db.execute(
                "INSERT INTO audit_events (time, event, request_id, route, model, variant, key_id, team, user_hash,"
                " status, decisions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            self._unchecked += 1
            due = self._unchecked >= CHECKPOINT_EVERY and not self._checkpointing
            if due:
                self._unchecked, self._checkpointing = 0, True
        if due:
            threading.Thread(target=self._checkpoint, name="audit-checkpoint", daemon=True).start()
        if row[0] - self._purged_at >= RETENTION_EVERY_S:
            self.apply_retention()

    def _checkpoint(self) -> None:
        """Copy the WAL into the database file (PASSIVE: it neither waits for nor blocks the
        request path's writes; what it cannot copy now, the next one does)."""
        try:
            db = sqlite3.connect(self.path, timeout=10.0)
            try:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                db.close()
        except sqlite3.Error as exc:
            log.warning("audit log WAL checkpoint failed: %s", exc)
        finally:
            self._checkpointing = False

    def apply_retention(self, now: float | None = None) -> int:
        """Remove records older than the retention period; returns how many."""
        now = time.time() if now is None else now
        self._purged_at = now
        if self.retention_days is None:
            return 0
        cutoff = now - self.retention_days * 86400
        return self._remove("retention", "time < ? AND event = 'request'", (cutoff,), now)

    def erase_user(self, user: str) -> int:
        """Remove every record of the OpenAI ``user`` value ``user``; returns how many."""
        return self._remove("erasure", "user_hash = ?", (self.user_hash(user),), time.time())

    def _remove(self, event: str, where: str, args: tuple, now: float) -> int:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                removed = self._db.execute(f"DELETE FROM audit_events WHERE {where}", args).rowcount
                if removed:
                    self._db.execute(
                        "INSERT INTO audit_events (time, event, records) VALUES (?, ?, ?)", (now, event, removed)
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return removed

    def export(
        self, *, since: float | None = None, until: float | None = None, user: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Records in time order, oldest first (optionally in [since, until) and of one user). By
        ``time``, not by row id: rows are numbered in commit order, and a record's time is taken
        before it waits for the write (other threads, other replicas on the same file)."""
        clauses, args = [], []
        if since is not None:
            clauses.append("time >= ?")
            args.append(since)
        if until is not None:
            clauses.append("time < ?")
            args.append(until)
        if user is not None:
            clauses.append("user_hash = ?")
            args.append(self.user_hash(user))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._lock:
            rows = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM audit_events {where} ORDER BY time, id", args)
            rows = rows.fetchall()
        for row in rows:
            record = {k: v for k, v in zip(_COLUMNS, row, strict=True) if v is not None}
            if "decisions" in record:
                record["decisions"] = orjson.loads(record["decisions"])
            yield record

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            self._db.close()


class AuditStage(PassThrough):
    """The ``audit`` slot: one record per request when it finishes; a failed write is counted
    (``llmops_audit_records_total{outcome="dropped"}``) and logged, and never fails the request."""

    def __init__(self, audit: AuditLog):
        self.audit = audit
        audit.start_hourly_retention()

    async def on_finish(self, ctx: RequestContext, status: int) -> None:
        try:
            self.audit.record(ctx, status)
            metrics.AUDIT_RECORDS.labels("written").inc()
        except sqlite3.Error as exc:
            metrics.AUDIT_RECORDS.labels("dropped").inc()
            log.error("audit record of request %s not written: %s", ctx.request_id, exc)
