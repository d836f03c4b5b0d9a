"""The cost ledger: charges per request (key, team, model, tokens, dollars) and budgets.

SQLite in WAL mode with ``synchronous=FULL``: a committed charge or budget survives a crash.
The gateway queues charges and a background thread commits them in batches every
``flush_interval_s`` (one fsync per batch rather than per request); a crash loses at most the
charges of that interval, which the budget check already counted from memory.

A budget belongs to a key (by key id) or a team, over a period (``day`` or ``month`` in UTC, or
``total``), with a hard limit in dollars (the gateway refuses with 429 once spending reaches it)
and a soft ratio (alerts from ``soft_ratio`` × limit on).
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from services.common.files import private_file
from services.gateway import metrics

_SCHEMA = """
CREATE TABLE IF NOT EXISTS charges (
    time              REAL NOT NULL,
    key_id            TEXT,
    team              TEXT,
    model             TEXT NOT NULL,
    prompt_tokens     INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    cost_usd          REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS charges_key ON charges (key_id, time);
CREATE INDEX IF NOT EXISTS charges_team ON charges (team, time);
CREATE TABLE IF NOT EXISTS budgets (
    name        TEXT PRIMARY KEY,
    scope       TEXT NOT NULL CHECK (scope IN ('key', 'team')),
    subject     TEXT NOT NULL,
    period      TEXT NOT NULL CHECK (period IN ('day', 'month', 'total')),
    limit_usd   REAL NOT NULL CHECK (limit_usd > 0),
    soft_ratio  REAL NOT NULL CHECK (soft_ratio > 0 AND soft_ratio <= 1),
    created_at  REAL NOT NULL
);
"""
SCOPES = ("key", "team")
PERIODS = ("day", "month", "total")


log = logging.getLogger("llmops.gateway.ledger")


@dataclass(frozen=True)
class Charge:
    key_id: str | None
    team: str | None
    model: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    time: float = 0.0


@dataclass(frozen=True)
class Budget:
    name: str
    scope: str
    subject: str
    period: str
    limit_usd: float
    soft_ratio: float = 0.8


@dataclass(frozen=True)
class BudgetStatus:
    budget: Budget
    spent_usd: float

    @property
    def ratio(self) -> float:
        return self.spent_usd / self.budget.limit_usd

    @property
    def soft_reached(self) -> bool:
        return self.ratio >= self.budget.soft_ratio

    @property
    def hard_reached(self) -> bool:
        return self.spent_usd >= self.budget.limit_usd


def period_start(period: str, now: float) -> float:
    """Start of the budget period holding ``now`` (UTC)."""
    if period == "total":
        return 0.0
    t = dt.datetime.fromtimestamp(now, dt.UTC)
    start = t.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "month":
        start = start.replace(day=1)
    return start.timestamp()


class Ledger:
    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        # Two connections: reads (the budget check on the request path) never wait behind a
        # commit's fsync; WAL lets them read the last committed state meanwhile.
        self._lock = threading.Lock()
        private_file(self.path)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._read_lock = threading.Lock()
        self._reader = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)

    # charges
    def record(self, charges: list[Charge]) -> None:
        """Commit charges in one transaction (durable when this returns)."""
        now = self._clock()
        rows = [
            (c.time or now, c.key_id, c.team, c.model, c.prompt_tokens, c.completion_tokens, c.cost_usd)
            for c in charges
        ]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("INSERT INTO charges VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def spent(self, scope: str, subject: str, since: float = 0.0) -> float:
        column = "key_id" if scope == "key" else "team"
        with self._read_lock:
            row = self._reader.execute(
                f"SELECT COALESCE(SUM(cost_usd), 0) FROM charges WHERE {column} = ? AND time >= ?", (subject, since)
            ).fetchone()
        return float(row[0])

    def report(self, *, by: str = "team", since: float = 0.0, until: float | None = None) -> list[dict]:
        """Spending grouped by ``by`` (team, key_id or model) and model."""
        if by not in ("team", "key_id", "model"):
            raise ValueError("by must be team, key_id or model")
        until = until if until is not None else self._clock() + 1
        with self._read_lock:
            rows = self._reader.execute(
                f"SELECT {by}, model, COUNT(*), SUM(prompt_tokens), SUM(completion_tokens), SUM(cost_usd) FROM charges "
                f"WHERE time >= ? AND time < ? GROUP BY {by}, model ORDER BY SUM(cost_usd) DESC",
                (since, until),
            ).fetchall()
        columns = (by, "model", "requests", "prompt_tokens", "completion_tokens", "cost_usd")
        return [dict(zip(columns, r, strict=True)) for r in rows]

    # budgets
    def set_budget(self, budget: Budget) -> None:
        if budget.scope not in SCOPES or budget.period not in PERIODS:
            raise ValueError(f"scope must be one of {SCOPES}, period one of {PERIODS}")
        if budget.limit_usd <= 0 or not 0 < budget.soft_ratio <= 1:
            raise ValueError("limit_usd must be > 0 and soft_ratio in (0, 1]")
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO budgets VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    budget.name,
                    budget.scope,
                    budget.subject,
                    budget.period,
                    budget.limit_usd,
                    budget.soft_ratio,
                    self._clock(),
                ),
            )

    def remove_budget(self, name: str) -> bool:
        with self._lock:
            return self._db.execute("DELETE FROM budgets WHERE name = ?", (name,)).rowcount == 1

    def budgets(self) -> list[Budget]:
        with self._read_lock:
            rows = self._reader.execute(
                "SELECT name, scope, subject, period, limit_usd, soft_ratio FROM budgets ORDER BY name"
            ).fetchall()
        return [Budget(*row) for row in rows]

    def status(
        self, budgets: list[Budget] | None = None, *, pending: dict[tuple[str, str], float] | None = None
    ) -> list[BudgetStatus]:
        """Spending against each budget in its current period; ``pending`` adds charges not yet
        committed, by (scope, subject)."""
        now = self._clock()
        out = []
        for b in budgets if budgets is not None else self.budgets():
            extra = (pending or {}).get((b.scope, b.subject), 0.0)
            out.append(BudgetStatus(b, self.spent(b.scope, b.subject, period_start(b.period, now)) + extra))
        return out

    def close(self) -> None:
        with self._lock, self._read_lock:
            self._db.close()
            self._reader.close()


class ChargeWriter:
    """Queues charges from the request path and commits them in batches on a daemon thread."""

    def __init__(self, ledger: Ledger, *, flush_interval_s: float = 0.1, on_flush: Callable[[], None] | None = None):
        self.ledger = ledger
        self.flush_interval_s = flush_interval_s
        self.on_flush = on_flush
        self._queue: queue.Queue[Charge] = queue.Queue()
        self._pending: dict[tuple[str, str], float] = {}
        self._pending_lock = threading.Lock()
        self._flush_lock = threading.Lock()  # one flush at a time: flush() returns once all taken is committed
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ledger-writer", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def submit(self, charge: Charge) -> None:
        with self._pending_lock:
            for key in (("key", charge.key_id), ("team", charge.team)):
                if key[1] is not None:
                    self._pending[key] = self._pending.get(key, 0.0) + charge.cost_usd  # type: ignore[index]
        self._queue.put(charge)

    def pending(self) -> dict[tuple[str, str], float]:
        with self._pending_lock:
            return dict(self._pending)

    def flush(self) -> None:
        with self._flush_lock:
            self._flush()
        if self.on_flush is not None:
            self.on_flush()

    def _flush(self) -> None:
        batch: list[Charge] = []
        while True:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        if batch:
            # committed first, then taken off the pending sums: a concurrent budget check may
            # count a charge twice for a moment (refusing early), never not at all
            try:
                self.ledger.record(batch)
            except BaseException:
                for c in batch:  # nothing is dropped: the next round retries
                    self._queue.put(c)
                raise
            with self._pending_lock:
                for c in batch:
                    for key in (("key", c.key_id), ("team", c.team)):
                        if key[1] is not None:
                            left = self._pending.get(key, 0.0) - c.cost_usd  # type: ignore[arg-type]
                            if left <= 1e-12:
                                self._pending.pop(key, None)  # type: ignore[arg-type]
                            else:
                                self._pending[key] = left  # type: ignore[index]

    def _run(self) -> None:
        while not self._closed.wait(self.flush_interval_s):
            self._flush_logged()

    def _flush_logged(self) -> bool:
        try:
            self.flush()
        except Exception as exc:  # noqa: BLE001 - keep the queue; the next round retries
            metrics.LEDGER_COMMIT_FAILURES.inc()
            log.warning(
                "cost ledger commit failed (%s: %s); %d charges kept for retry",
                type(exc).__name__,
                exc,
                self._queue.qsize(),
            )
            return False
        return True

    def close(self, *, attempts: int = 3) -> None:
        """Stop the writer thread and commit what is queued (on shutdown; also at interpreter exit)."""
        self._closed.set()
        for _ in range(attempts):
            if self._flush_logged():
                return
