"""Files that hold secrets or user data (key hashes, the cost ledger): private to their owner."""

from __future__ import annotations

import os
from pathlib import Path


def private_file(path: Path) -> None:
    """Create ``path`` (e.g. a SQLite database, before SQLite opens it) readable and writable by its
    owner only, whatever the umask; SQLite gives the -wal and -shm files the database's mode. An
    existing file keeps its mode."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
