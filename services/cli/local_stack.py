"""``llmops serve`` as a child process on free 127.0.0.1 ports, for the load test command and the
integration tests: started, awaited through its ready file, stopped (SIGINT, then SIGKILL to
its process group) when the context ends."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def local_stack(
    workdir: Path, *, env: Mapping[str, str] | None = None, args: Sequence[str] = (), startup_timeout_s: float = 900
) -> Iterator[str]:
    """Run ``llmops serve`` with ``env`` added to this environment and ``args`` appended; its log
    is ``workdir/serve.log``. Yields the API's base URL once the stack answers."""
    ready, log = workdir / "ready.url", workdir / "serve.log"
    cmd = [
        sys.executable,
        "-m",
        "services.cli",
        "serve",
        "--port",
        str(free_port()),
        "--proxy-port",
        str(free_port()),
        "--ready-file",
        str(ready),
        *args,
    ]
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.time() + startup_timeout_s
        while not ready.exists():
            if proc.poll() is not None:
                raise RuntimeError(f"llmops serve exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
            if time.time() > deadline:
                raise RuntimeError(f"llmops serve not ready after {startup_timeout_s:.0f}s:\n{log.read_text()[-4000:]}")
            time.sleep(1)
        yield ready.read_text().strip()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
