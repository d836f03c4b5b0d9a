"""API keys, stored hashed in SQLite.

A key is ``sk-llmops-`` plus 32 random URL-safe characters (about 190 bits); only its SHA-256
is stored, which is enough for secrets of that entropy (a slow hash protects guessable
passwords, not random keys). Its display id (``key_`` + 16 hex) is drawn separately and
reveals no character of the key. Writes are
committed before the CLI reports them (SQLite WAL, synchronous=FULL), so an acknowledged key
or revocation survives a crash. Readers notice other processes' writes through SQLite's
``data_version`` and reload, so a revocation takes effect on the next request.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from services.common.files import private_file

PREFIX = "sk-llmops-"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_id      TEXT PRIMARY KEY,
    key_hash    TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    models      TEXT,               -- JSON list of allowed models; NULL = all
    rpm         INTEGER,            -- requests per minute; NULL = unlimited
    tpm         INTEGER,            -- tokens per minute; NULL = unlimited
    created_at  REAL NOT NULL,
    revoked_at  REAL
)
"""
# Added after the first release: older databases get the column on open (NULL = no team).
_MIGRATIONS = {"team": "ALTER TABLE api_keys ADD COLUMN team TEXT"}
_COLUMNS = "key_id, name, models, rpm, tpm, created_at, revoked_at, key_hash, team"


@dataclass(frozen=True)
class Principal:
    """Who a request is from, as the key store knows it."""

    key_id: str
    name: str
    models: tuple[str, ...] | None
    rpm: int | None
    tpm: int | None
    created_at: float = 0.0
    revoked_at: float | None = None
    team: str | None = None  # cost attribution and team budgets

    def may_use(self, model: str) -> bool:
        return self.models is None or model in self.models


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class KeyStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        private_file(self.path)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)
        present = {row[1] for row in self._db.execute("PRAGMA table_info(api_keys)")}
        for column, statement in _MIGRATIONS.items():
            if column not in present:
                self._db.execute(statement)
        self._version = -1
        self._by_hash: dict[str, Principal] = {}

    def create(
        self,
        name: str,
        *,
        models: list[str] | None = None,
        rpm: int | None = None,
        tpm: int | None = None,
        team: str | None = None,
    ) -> tuple[str, Principal]:
        """Create a key; the plain key is returned once and never stored."""
        if not name.strip():
            raise ValueError("a key needs a non-empty name")
        for label, limit in (("rpm", rpm), ("tpm", tpm)):
            if limit is not None and limit < 1:
                raise ValueError(f"{label} must be at least 1")
        if team is not None and not team.strip():
            raise ValueError("a team name must not be empty")
        key = PREFIX + secrets.token_urlsafe(24)
        # the id is drawn apart from the key, so showing it (logs, CLI, metrics) reveals nothing of the key
        principal = Principal(
            "key_" + secrets.token_hex(8), name, tuple(models) if models else None, rpm, tpm, time.time(), team=team
        )
        with self._lock:
            self._db.execute(
                "INSERT INTO api_keys (key_id, key_hash, name, models, rpm, tpm, created_at, team) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    principal.key_id,
                    hash_key(key),
                    name,
                    json.dumps(list(models)) if models else None,
                    rpm,
                    tpm,
                    principal.created_at,
                    team,
                ),
            )
            self._version = -1  # data_version only moves for other connections' writes
        return key, principal

    def revoke(self, key_id: str) -> bool:
        with self._lock:
            cursor = self._db.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", (time.time(), key_id)
            )
            self._version = -1
        return cursor.rowcount == 1

    def list(self) -> list[Principal]:
        with self._lock:
            rows = self._db.execute(f"SELECT {_COLUMNS} FROM api_keys ORDER BY created_at").fetchall()
        return [_principal(row) for row in rows]

    def lookup(self, key: str) -> Principal | None:
        """The active principal for a plain key, or None (unknown or revoked)."""
        with self._lock:
            version = self._db.execute("PRAGMA data_version").fetchone()[0]
            if version != self._version:
                rows = self._db.execute(f"SELECT {_COLUMNS} FROM api_keys WHERE revoked_at IS NULL").fetchall()
                self._by_hash = {row[7]: _principal(row) for row in rows}
                self._version = version
        return self._by_hash.get(hash_key(key))

    def active_hashed(self) -> list[tuple[str, Principal]]:
        """(SHA-256 hash, principal) of every active key, for export to a read-only key file."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at"
            ).fetchall()
        return [(row[7], _principal(row)) for row in rows]

    def close(self) -> None:
        self._db.close()


def _principal(row: tuple) -> Principal:
    key_id, name, models, rpm, tpm, created_at, revoked_at, _, team = row
    return Principal(
        key_id, name, tuple(json.loads(models)) if models else None, rpm, tpm, created_at, revoked_at, team
    )
