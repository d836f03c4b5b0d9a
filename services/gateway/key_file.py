"""API keys from a read-only JSON file of hashes: how gateways in Kubernetes get their keys.

``llmops keys ...`` manages keys in the SQLite store (services/gateway/keys.py);
``llmops deploy keys sync`` exports the active ones with :func:`export_keys` into a Secret
(``keys.json``) that the chart mounts into every Ray pod; the gateway then uses :class:`KeyFile`
instead of :class:`KeyStore` (setting ``keys_file``). The file holds only SHA-256 hashes and
limits, never a plaintext key::

    {"version": 1, "keys": [{"key_id": "key_0f3a9c2b7d1e4a56", "key_hash": "<64 hex>", "name": "team-a",
                             "models": ["smollm2-135m-instruct"], "rpm": 60, "tpm": null, "created_at": 1.7e9}]}

Kubelet replaces a mounted Secret's files atomically when the Secret changes (within about a
minute); :meth:`KeyFile.lookup` notices the new file by its inode, size and mtime and reloads it,
so a revocation synced to the Secret takes effect without a restart. A file that cannot be read
or parsed keeps the keys last loaded (an unreadable file at start means no keys: every request
gets a 401) and is logged.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any

from services.gateway.keys import KeyStore, Principal, hash_key

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
_HASH = re.compile(r"^[0-9a-f]{64}$")


class KeyFileError(ValueError):
    """The key file is not in the expected shape; the message says where."""


def export_keys(store: KeyStore) -> dict[str, Any]:
    """The active keys of a store as the key file's JSON document (hashes and limits only)."""
    keys = [
        {
            "key_id": p.key_id,
            "key_hash": key_hash,
            "name": p.name,
            "models": list(p.models) if p.models else None,
            "rpm": p.rpm,
            "tpm": p.tpm,
            "team": p.team,
            "created_at": p.created_at,
        }
        for key_hash, p in store.active_hashed()
    ]
    return {"version": FORMAT_VERSION, "keys": keys}


def parse_keys(document: Any) -> dict[str, Principal]:
    """Principals by key hash from a key file document; raises KeyFileError on a bad shape."""
    if (
        not isinstance(document, dict)
        or document.get("version") != FORMAT_VERSION
        or not isinstance(document.get("keys"), list)
    ):
        raise KeyFileError(f'expected {{"version": {FORMAT_VERSION}, "keys": [...]}}')
    by_hash: dict[str, Principal] = {}
    for i, entry in enumerate(document["keys"]):
        try:
            key_hash = entry["key_hash"]
            if not isinstance(key_hash, str) or not _HASH.match(key_hash):
                raise KeyFileError(f"keys[{i}].key_hash is not a SHA-256 hex digest")
            models = entry.get("models")
            by_hash[key_hash] = Principal(
                key_id=str(entry["key_id"]),
                name=str(entry["name"]),
                models=tuple(str(m) for m in models) if models else None,
                rpm=_limit(entry.get("rpm"), f"keys[{i}].rpm"),
                tpm=_limit(entry.get("tpm"), f"keys[{i}].tpm"),
                created_at=float(entry.get("created_at") or 0.0),
                team=str(entry["team"]) if entry.get("team") else None,
            )
        except (KeyError, TypeError) as exc:
            raise KeyFileError(f"keys[{i}]: missing or invalid field {exc}") from None
    return by_hash


def _limit(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise KeyFileError(f"{where} must be a positive integer or null")
    return value


class KeyFile:
    """Read-only key lookup from a key file; same ``lookup`` as KeyStore."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._by_hash: dict[str, Principal] = {}
        self._reload_if_changed()

    def _reload_if_changed(self) -> None:
        try:
            st = os.stat(self.path)
        except OSError as exc:
            if self._stamp != (0, 0, 0):
                log.error(
                    "API key file %s cannot be read (%s); keeping %d keys last loaded",
                    self.path,
                    exc.strerror,
                    len(self._by_hash),
                )
                self._stamp = (0, 0, 0)
            return
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            self._by_hash = parse_keys(json.loads(self.path.read_text()))
        except (OSError, ValueError) as exc:  # KeyFileError and JSONDecodeError are ValueErrors
            log.error(
                "API key file %s is invalid (%s); keeping %d keys last loaded", self.path, exc, len(self._by_hash)
            )

    def lookup(self, key: str) -> Principal | None:
        with self._lock:
            self._reload_if_changed()
            return self._by_hash.get(hash_key(key))

    def list(self) -> list[Principal]:
        with self._lock:
            self._reload_if_changed()
            return sorted(self._by_hash.values(), key=lambda p: p.created_at)
