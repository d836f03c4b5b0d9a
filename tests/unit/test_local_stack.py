"""The local-stack launcher without a stack: a server that exits early is reported with its log,
and stopping a server takes everything in its session with it."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest

from services.cli.local_stack import LocalStack, ServerProcess

# Ignores SIGINT (so stop() has to escalate), starts a child that ignores SIGINT and SIGTERM,
# prints the child's pid.
STUBBORN = """
import signal, subprocess, sys, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)"])
print(child.pid, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def test_stop_escalates_and_takes_the_whole_session(tmp_path):
    log = tmp_path / "stubborn.log"
    server = ServerProcess("stubborn", [sys.executable, "-c", STUBBORN], log_path=log).start()
    deadline = time.monotonic() + 30
    while not log.read_text().strip():
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.1)
    child = int(log.read_text().split()[0])
    assert server.sessions == {server.proc.pid} and _alive(child)
    server.stop(grace_s=0.5)
    assert not server.alive()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child), "the server's child outlived it"


def test_a_serve_that_exits_is_reported_with_its_log(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        stack = LocalStack(tmp_path, proxy_port=taken.getsockname()[1], startup_timeout_s=120)
        with pytest.raises(RuntimeError, match="already in use"):
            stack.start()
    assert not stack.process.alive() and stack.url == ""
