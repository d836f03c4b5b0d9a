"""A real Prometheus server (Debian's ``prometheus``) on 127.0.0.1 for tests: own config, own
data folder, a free port; stopped by PID."""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from monitoring.grafana import build as dashboards
from services.cli.local_stack import free_port


class PrometheusServer:
    def __init__(self, workdir: Path, targets: dict[str, str], rule_files: list[Path], scrape_interval: str = "1s"):
        binary = shutil.which("prometheus")
        if binary is None:
            raise RuntimeError(
                "prometheus is not installed: `make monitoring-tools` installs Debian's prometheus package"
            )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = {
            "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
            "rule_files": [str(p) for p in rule_files],
            "scrape_configs": [
                {"job_name": job, "static_configs": [{"targets": [target]}]} for job, target in targets.items()
            ],
        }
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.log = workdir / "prometheus.log"
        self.cmd = [
            binary,
            f"--config.file={workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
        ]
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> PrometheusServer:
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(self.cmd, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/-/ready", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.time() > deadline:
                raise RuntimeError("prometheus not ready after 60 s")
            time.sleep(0.3)

    def __exit__(self, *exc: Any) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def api(self, path: str, **params: Any) -> dict[str, Any]:
        reply = httpx.get(self.url + "/api/v1/" + path, params=params, timeout=30)
        return reply.json()

    def query(self, expr: str) -> dict[str, Any]:
        return self.api("query", query=expr)

    def wait_for(self, expr: str, timeout_s: float = 60) -> None:
        """Until the query returns at least one series."""
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            reply = self.query(expr)
            if reply.get("status") == "success" and reply["data"]["result"]:
                return
            time.sleep(0.5)
        raise AssertionError(f"no series for {expr} after {timeout_s}s")


def dashboard_problems(prom: PrometheusServer, name: str) -> list[str]:
    """Every panel query of dashboard ``name`` as Grafana would send it (variables at All) that
    fails or returns no series, and every template variable whose metric has no series."""
    board = json.loads((dashboards.HERE / f"llmops-{name}.json").read_text())
    problems = []
    for title, expr in dashboards.queries(board):
        reply = prom.query(dashboards.substitute(expr))
        if reply.get("status") != "success":
            problems.append(f"{title}: {reply.get('error')}")
        elif not reply["data"]["result"]:
            problems.append(f"{title}: no series for {expr}")
    for variable in board["templating"]["list"]:
        if variable["type"] == "query":
            metric = variable["definition"].split("(")[1].split(",")[0]
            if not prom.query(metric)["data"]["result"]:
                problems.append(f"template variable {variable['name']} reads {metric}, which has no series")
    return problems


class TextfileExporter:
    """Serves a job's Prometheus text file (drift report, A/B report) at /metrics on 127.0.0.1,
    as a Pushgateway or node-exporter's textfile collector would."""

    def __init__(self, path: Path):
        text = path.read_bytes()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.target = f"127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> TextfileExporter:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
