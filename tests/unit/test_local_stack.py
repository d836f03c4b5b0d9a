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


def test_serve_announces_the_stack_only_once_ready_answers_200() -> None:
    """``llmops serve`` writes its ready file after ``/ready`` answers 200, not when Ray Serve
    reports the deployments healthy (the quota actor may still be starting then)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from services.cli.serve import _wait_ready

    answers = [503, 503, 200]

    class Ready(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            self.send_response(answers.pop(0) if len(answers) > 1 else answers[0])
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ready)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        assert _wait_ready(base, timeout_s=10) and answers == [200]
        answers[:] = [503]
        started = time.monotonic()
        assert not _wait_ready(base, timeout_s=1.5) and time.monotonic() - started < 5
    finally:
        server.shutdown()
