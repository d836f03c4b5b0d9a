"""API keys, stored as keyed hashes in SQLite.

A key is ``sk-llmops-`` plus 32 random URL-safe characters (about 190 bits). What is stored is
``HMAC-SHA256(pepper, SHA-256(key))``: the pepper is a server-side secret kept apart from the
database (``key_pepper`` beside the database, created with mode 0600 on first use, or the
``LLMOPS_GATEWAY_KEY_PEPPER`` / ``LLMOPS_GATEWAY_KEY_PEPPER_FILE`` settings), so a copy of the
database or of an exported key file alone cannot even confirm a guessed key. Lookups compare
digests with :func:`hmac.compare_digest`. Its display id (``key_`` + 16 hex) is drawn separately
and reveals no character of the key.

The database records which pepper wrote it (an HMAC of a fixed label). A database written before
peppering (plain SHA-256 hashes) is migrated in place on first open, keys kept valid, because the
stored hash is keyed over the SHA-256 of the key; a database opened with another pepper than the
one that wrote it is refused with :class:`KeyPepperMismatch` instead of silently refusing every
key.

Writes are committed before the CLI reports them (SQLite WAL, synchronous=FULL), so an
acknowledged key or revocation survives a crash. Readers notice other processes' writes through
SQLite's ``data_version`` and reload, so a revocation takes effect on the next request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from services.common.files import private_file

log = logging.getLogger(__name__)

PREFIX = "sk-llmops-"
PEPPER_FILE_NAME = "key_pepper"  # beside the key database or key file unless a setting names another
MIN_PEPPER_CHARS = 32
HASH_SCHEME = "hmac-sha256(pepper, sha256(key))"
_PEPPER_CHECK_LABEL = b"llmops api key pepper check v1"

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
_META = "CREATE TABLE IF NOT EXISTS key_store_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
# Added after the first release: older databases get the column on open (NULL = no team).
_MIGRATIONS = {"team": "ALTER TABLE api_keys ADD COLUMN team TEXT"}
_COLUMNS = "key_id, name, models, rpm, tpm, created_at, revoked_at, key_hash, team"


class KeyPepperMismatch(RuntimeError):
    """The key store (or key file) was written with another pepper than the one configured."""


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


class KeyHasher:
    """Keyed hashes of API keys: ``HMAC-SHA256(pepper, SHA-256(key))`` as hex."""

    def __init__(self, pepper: bytes):
        if len(pepper) < MIN_PEPPER_CHARS:
            raise ValueError(f"the API key pepper must be at least {MIN_PEPPER_CHARS} characters")
        self._pepper = pepper

    @property
    def pepper(self) -> bytes:
        return self._pepper

    def digest(self, key: str) -> str:
        return self.from_sha256(hashlib.sha256(key.encode()).hexdigest())

    def from_sha256(self, sha256_hex: str) -> str:
        """The keyed hash of a key known only by its plain SHA-256 (migrating old stores and files)."""
        return hmac.new(self._pepper, bytes.fromhex(sha256_hex), hashlib.sha256).hexdigest()

    def check(self) -> str:
        """Names the pepper without revealing it: stores and key files record it to detect a mix-up."""
        return hmac.new(self._pepper, _PEPPER_CHECK_LABEL, hashlib.sha256).hexdigest()[:16]


def load_pepper(path: Path, *, create: bool) -> bytes:
    """The secret (a pepper, a key) kept in ``path``; with ``create``, a fresh random one is
    written there (mode 0600) when the file is missing. Raises FileNotFoundError when missing and
    not ``create``."""
    path = Path(path)
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # written whole under a temporary name, then linked into place: a concurrent reader never
        # sees a half-written pepper, and of two creators the first link wins
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
            log.info("created API key pepper %s (mode 0600)", path)
        except FileExistsError:
            pass  # another process created it first: read theirs
        finally:
            tmp.unlink()
    return path.read_bytes().strip()


def pepper_path(store_path: Path, pepper_file: Path | None) -> Path:
    return Path(pepper_file) if pepper_file else Path(store_path).parent / PEPPER_FILE_NAME


class KeyIndex:
    """Principals by keyed hash, found by a short prefix and confirmed in constant time."""

    def __init__(self, entries: dict[str, Principal] | None = None):
        self._by_prefix: dict[str, list[tuple[str, Principal]]] = {}
        for digest, principal in (entries or {}).items():
            self._by_prefix.setdefault(digest[:8], []).append((digest, principal))

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_prefix.values())

    def get(self, digest: str) -> Principal | None:
        found = None
        for candidate, principal in self._by_prefix.get(digest[:8], ()):
            if hmac.compare_digest(candidate, digest):
                found = principal
        return found

    def principals(self) -> list[Principal]:
        return [p for entries in self._by_prefix.values() for _, p in entries]


class KeyStore:
    def __init__(self, path: Path, *, pepper: bytes | None = None, pepper_file: Path | None = None):
        """``pepper``: the configured pepper; unset: the one in ``pepper_file`` (default
        ``key_pepper`` beside the database), created when missing."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.hasher = KeyHasher(pepper or load_pepper(pepper_path(self.path, pepper_file), create=True))
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
        self._db.execute(_META)
        self._check_or_migrate_hashes()
        self._version = -1
        self._index = KeyIndex()

    def _check_or_migrate_hashes(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")  # one process migrates; the others then see its marker
        try:
            meta = dict(self._db.execute("SELECT name, value FROM key_store_meta").fetchall())
            if "pepper_check" not in meta:
                rows = self._db.execute("SELECT key_id, key_hash FROM api_keys").fetchall()
                for key_id, sha256_hex in rows:
                    self._db.execute(
                        "UPDATE api_keys SET key_hash = ? WHERE key_id = ?",
                        (self.hasher.from_sha256(sha256_hex), key_id),
                    )
                self._db.executemany(
                    "INSERT INTO key_store_meta (name, value) VALUES (?, ?)",
                    [("hash_scheme", HASH_SCHEME), ("pepper_check", self.hasher.check())],
                )
                if rows:
                    log.warning("key store %s: rehashed %d SHA-256 key hashes with the pepper", self.path, len(rows))
            elif meta["pepper_check"] != self.hasher.check():
                raise KeyPepperMismatch(
                    f"the key store {self.path} was written with another pepper than the one configured: set "
                    "LLMOPS_GATEWAY_KEY_PEPPER or LLMOPS_GATEWAY_KEY_PEPPER_FILE to the pepper it was created with "
                    "(its keys cannot be checked with any other)"
                )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

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
                    self.hasher.digest(key),
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
        digest = self.hasher.digest(key)
        with self._lock:
            version = self._db.execute("PRAGMA data_version").fetchone()[0]
            if version != self._version:
                rows = self._db.execute(f"SELECT {_COLUMNS} FROM api_keys WHERE revoked_at IS NULL").fetchall()
                self._index = KeyIndex({row[7]: _principal(row) for row in rows})
                self._version = version
            index = self._index
        return index.get(digest)

    def active_hashed(self) -> list[tuple[str, Principal]]:
        """(keyed hash, principal) of every active key, for export to a read-only key file."""
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
