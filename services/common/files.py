"""Files that hold secrets or user data (key hashes, the cost ledger): private to their owner; and
configuration files in YAML, read with an error that names the file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml


def private_file(path: Path) -> None:
    """Create ``path`` (e.g. a SQLite database, before SQLite opens it) readable and writable by its
    owner only, whatever the umask; SQLite gives the -wal and -shm files the database's mode. An
    existing file keeps its mode."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))


def read_yaml_file(path: Path | str, what: str, error: Callable[[str], Exception]) -> Any:
    """The YAML document in ``path``, or ``error`` raised saying "``what`` PATH not found" or
    "... is not valid YAML: <the parser's reason>" (``what``: e.g. "models file")."""
    try:
        return yaml.safe_load(Path(path).read_text())
    except FileNotFoundError:
        raise error(f"{what} {path} not found") from None
    except yaml.YAMLError as exc:
        raise error(f"{what} {path} is not valid YAML: {exc}") from None
