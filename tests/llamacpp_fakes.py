"""A fake start of llama.cpp's server for bench_engine: what command and environment it would run."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from loadtests import bench_engine


def started_llamacpp(monkeypatch: Any, tmp_path: Path, args: Any) -> list[tuple[list[str], dict[str, str]]]:
    """``bench_engine.start_llamacpp(args)`` with the server process and its HTTP wait faked: the
    (command, environment) of each server it would have started."""
    started: list[tuple[list[str], dict[str, str]]] = []

    class Fake:
        def __init__(self, name, command, port=None, env=None, log_path=None) -> None:
            started.append(([str(x) for x in command], dict(env or {})))

    async def up(server, name, base, args):
        return None

    monkeypatch.setattr(bench_engine, "ServerProcess", Fake)
    monkeypatch.setattr(bench_engine, "_start_http_server", up)
    monkeypatch.setattr(bench_engine, "bench_venv", lambda _: tmp_path)
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python").write_text("")
    asyncio.run(bench_engine.start_llamacpp(args, tmp_path))
    return started
