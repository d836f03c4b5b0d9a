"""API keys from a read-only JSON file of keyed hashes: how gateways in Kubernetes get their keys.

``llmops keys ...`` manages keys in the SQLite store (services/gateway/keys.py);
``llmops deploy keys sync`` exports the active ones with :func:`export_keys` into a Secret
(``keys.json``, and the pepper as ``key_pepper``) that the chart mounts into every Ray pod; the
gateway then uses :class:`KeyFile` instead of :class:`KeyStore` (setting ``keys_file``). The
file holds only keyed hashes (HMAC-SHA256 with the pepper) and limits, never a plaintext key::

    {"version": 2, "hash_scheme": "hmac-sha256(pepper, sha256(key))", "pepper_check": "<16 hex>",
     "keys": [{"key_id": "key_0f3a9c2b7d1e4a56", "key_hash": "<64 hex>", "name": "team-a",
               "models": ["smollm2-135m-instruct"], "rpm": 60, "tpm": null, "created_at": 1.7e9}]}

``pepper_check`` names the pepper the hashes were made with: a file read with another pepper
loads no keys (and says so in the log) rather than refusing keys one by one. A version 1 file
(plain SHA-256 hashes, written before peppering) is still read: its hashes are keyed in memory
and a warning asks for a re-sync.

Kubelet replaces a mounted Secret's files atomically when the Secret changes (within about a
minute); :meth:`KeyFile.lookup` notices a new file by its inode, size and mtime and reloads it,
so a revocation synced to the Secret takes effect without a restart. A file that cannot be
parsed keeps the keys last loaded (logged); a file (or pepper) that is gone means no keys: a
deleted Secret revokes every key.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from pathlib import Path
from typing import Any

from services.gateway.keys import (
    HASH_SCHEME,
    KeyHasher,
    KeyIndex,
    KeyPepperMismatch,
    KeyStore,
    Principal,
    load_pepper,
    pepper_path,
)

log = logging.getLogger(__name__)

FORMAT_VERSION = 2
LEGACY_VERSION = 1  # plain SHA-256 hashes, before peppering
_HASH = re.compile(r"^[0-9a-f]{64}$")


class KeyFileError(ValueError):
    """The key file is not in the expected shape; the message says where."""


def export_keys(store: KeyStore) -> dict[str, Any]:
    """The active keys of a store as the key file's JSON document (keyed hashes and limits only)."""
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
    return {
        "version": FORMAT_VERSION,
        "hash_scheme": HASH_SCHEME,
        "pepper_check": store.hasher.check(),
        "keys": keys,
    }


def parse_keys(document: Any, hasher: KeyHasher | None = None) -> dict[str, Principal]:
    """Principals by keyed hash from a key file document; raises KeyFileError on a bad shape and
    KeyPepperMismatch when ``hasher`` is not the pepper the file was written with. A version 1
    file's SHA-256 hashes are keyed with ``hasher`` (required for such a file)."""
    if (
        not isinstance(document, dict)
        or document.get("version") not in (FORMAT_VERSION, LEGACY_VERSION)
        or not isinstance(document.get("keys"), list)
    ):
        raise KeyFileError(f'expected {{"version": {FORMAT_VERSION}, "keys": [...]}}')
    legacy = document["version"] == LEGACY_VERSION
    if legacy and hasher is None:
        raise KeyFileError("a version 1 key file holds unkeyed SHA-256 hashes; reading it needs the pepper")
    if not legacy and hasher is not None and document.get("pepper_check") != hasher.check():
        raise KeyPepperMismatch(
            "the key file was written with another pepper than the one configured (pepper_check differs); "
            "re-run `llmops deploy keys sync` so that keys.json and key_pepper come from the same key store"
        )
    by_hash: dict[str, Principal] = {}
    for i, entry in enumerate(document["keys"]):
        try:
            key_hash = entry["key_hash"]
            if not isinstance(key_hash, str) or not _HASH.match(key_hash):
                raise KeyFileError(f"keys[{i}].key_hash is not a 64 hex digit digest")
            if legacy:
                key_hash = hasher.from_sha256(key_hash)
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
    if legacy:
        log.warning("a version 1 key file (unkeyed SHA-256 hashes) was read; re-run `llmops deploy keys sync`")
    return by_hash


def _limit(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise KeyFileError(f"{where} must be a positive integer or null")
    return value


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class KeyFile:
    """Read-only key lookup from a key file; same ``lookup`` as KeyStore.

    ``pepper``: the configured pepper; unset: read from ``pepper_file`` (default ``key_pepper``
    beside the key file), which is followed like the key file itself."""

    def __init__(self, path: Path, *, pepper: bytes | None = None, pepper_file: Path | None = None):
        self.path = Path(path)
        self._pepper = pepper
        self._pepper_file = pepper_path(self.path, pepper_file)
        self._lock = threading.Lock()
        self._stamps: tuple | None = None
        self._index = KeyIndex()
        self._hasher: KeyHasher | None = None
        self._reload_if_changed()

    def _reload_if_changed(self) -> None:
        key_stamp = _stamp(self.path)
        pepper_stamp = None if self._pepper else _stamp(self._pepper_file)
        stamps = (key_stamp, pepper_stamp)
        if stamps == self._stamps:
            return
        self._stamps = stamps
        if key_stamp is None or (self._pepper is None and pepper_stamp is None):
            missing = self.path if key_stamp is None else self._pepper_file
            if len(self._index) or self._hasher is not None:
                log.error("API key file %s is gone: %d keys revoked until it is back", missing, len(self._index))
            else:
                log.warning("API key file %s is missing: every request gets a 401", missing)
            self._index, self._hasher = KeyIndex(), None
            return
        try:
            hasher = KeyHasher(self._pepper or load_pepper(self._pepper_file, create=False))
            index = KeyIndex(parse_keys(json.loads(self.path.read_text()), hasher))
        except KeyPepperMismatch as exc:
            log.error("API key file %s: %s; no key is accepted", self.path, exc)
            self._index, self._hasher = KeyIndex(), None
        except (OSError, ValueError) as exc:  # KeyFileError and JSONDecodeError are ValueErrors
            log.error("API key file %s is invalid (%s); keeping %d keys last loaded", self.path, exc, len(self._index))
        else:
            self._index, self._hasher = index, hasher

    def lookup(self, key: str) -> Principal | None:
        with self._lock:
            self._reload_if_changed()
            index, hasher = self._index, self._hasher
        return index.get(hasher.digest(key)) if hasher is not None else None

    def list(self) -> list[Principal]:
        with self._lock:
            self._reload_if_changed()
            return sorted(self._index.principals(), key=lambda p: p.created_at)
