"""Server processes on this machine, for ``llmops loadtest``, the benchmarks and the integration
tests: ``ServerProcess`` runs any server in its own session and stops it with everything it
started; ``LocalStack`` is ``llmops serve`` on 127.0.0.1, awaited through its ready file.

This is the one launcher of a local stack: ``loadtests/`` builds on it (loadtests may import
services; services never import loadtests)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

REPO = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"

log = logging.getLogger(__name__)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def port_free(port: int) -> bool:
    """Whether a server could bind ``port`` on 127.0.0.1 now."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind: TIME_WAIT leftovers don't count
        try:
            s.bind((LOOPBACK, port))
        except OSError:
            return False
        return True


@dataclass
class ServerProcess:
    """A server process started in its own session (so that its children, Ray's and vLLM's
    processes included, stay in it and go with it), its output in ``log_path``."""

    name: str
    argv: Sequence[str | Path | int]
    port: int | None = None  # checked to be free before the start
    env: Mapping[str, str] = field(default_factory=dict)  # added to this process's environment
    log_path: Path | None = None
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        if self.port is not None and not port_free(self.port):
            raise RuntimeError(f"{self.name}: port {self.port} on {LOOPBACK} is taken; choose another port")
        log.info("[%s] starting: %s", self.name, " ".join(map(str, self.argv)))
        with open(self.log_path or os.devnull, "wb") as out:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                list(map(str, self.argv)),
                env={**os.environ, **self.env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=REPO,
            )
        return self

    @property
    def sessions(self) -> set[int]:
        """The session of our server (it leads it: the session id is its pid)."""
        return {self.proc.pid} if self.proc is not None else set()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace_s: float = 60.0) -> None:
        """SIGINT (a clean shutdown), then SIGTERM, then SIGKILL to the process group we created;
        then whatever is left of that group (a stuck worker) is killed."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        log.info("[%s] stopping pid %d", self.name, proc.pid)
        for sig, wait in ((signal.SIGINT, grace_s), (signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(proc.pid, sig) if sig == signal.SIGKILL else proc.send_signal(sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def tail(self, n: int = 30) -> str:
        """The last ``n`` lines of its log."""
        if self.log_path and self.log_path.exists():
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        return ""

    def exit_message(self) -> str:
        code = self.proc.returncode if self.proc is not None else "?"
        return f"{self.name} exited with {code}:\n{self.tail(60)}"


class LocalStack:
    """``llmops serve`` as a child process on 127.0.0.1: ``env`` is added to this environment,
    ``args`` appended to the command; API and Ray Serve proxy ports are free ones unless given.
    Its log is ``workdir/NAME.log``. Use it as a context manager (started and awaited on entry,
    stopped on exit), or call ``start`` and ``stop``."""

    def __init__(
        self,
        workdir: Path,
        *,
        env: Mapping[str, str] | None = None,
        args: Sequence[str | Path] = (),
        port: int | None = None,
        proxy_port: int | None = None,
        name: str = "serve",
        startup_timeout_s: float = 900,
    ):
        self.ready_file, self.log_path = workdir / f"{name}.ready", workdir / f"{name}.log"
        self.startup_timeout_s = startup_timeout_s
        port = port or free_port()
        cmd = [sys.executable, "-m", "services.cli", "serve", "--port", port]
        cmd += ["--proxy-port", proxy_port or free_port(), "--ready-file", self.ready_file, *args]
        self.process = ServerProcess(name, cmd, port, dict(env or {}), self.log_path)
        self.url = ""

    @property
    def sessions(self) -> set[int]:
        return self.process.sessions

    def start(self) -> str:
        """Start it and wait until it answers; returns the API's base URL."""
        self.ready_file.unlink(missing_ok=True)
        self.process.start()
        try:
            deadline = time.monotonic() + self.startup_timeout_s
            while not (self.ready_file.exists() and (url := self.ready_file.read_text().strip())):
                if not self.process.alive():
                    raise RuntimeError(self.process.exit_message())
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"llmops serve not ready after {self.startup_timeout_s:.0f}s:\n{self.process.tail(60)}"
                    )
                time.sleep(0.5)
        except BaseException:
            self.stop()
            raise
        self.url = url
        return url

    def stop(self) -> None:
        self.process.stop()

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
