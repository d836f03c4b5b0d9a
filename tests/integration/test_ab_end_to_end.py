"""A/B end to end on the real stack: two registered versions of the embedded model, each its own
engine application, split 50/50; feedback, the report, promotion flipping the traffic, and a
client loop that sees no failure while the experiment ends and the champion changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
import yaml

from services.cli.local_stack import LocalStack
from services.common.engine_apps import engine_app_name
from services.registry.config import RegistrySettings
from services.registry.defaults import ensure_default_model
from services.registry.service import ModelRegistry
from tests.ab_fixtures import ab_experiment, routing_stack_env, write_experiments
from tests.integration.prometheus_server import PrometheusServer, TextfileExporter, dashboard_problems

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
MODEL = "smollm2-135m-instruct"
ALERTS = ROOT / "monitoring" / "alerts"
STARTUP_TIMEOUT_S = float(os.environ.get("LLMOPS_TEST_STARTUP_TIMEOUT_S", "900"))


def chat(client: httpx.Client, user: str) -> httpx.Response:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "Say hi."}], "max_tokens": 3, "user": user}
    return client.post("/v1/chat/completions", json=body, timeout=120)


def check_dashboard(tmp_path: Path, stack: LocalStack, report_file: Path, verdict: str) -> None:
    """A real Prometheus scrapes the gateway and the report's gauges: every A/B panel has series,
    every rule evaluates, and the report's verdict and sample-ratio check are what it printed."""
    with TextfileExporter(report_file) as report:
        targets = {"llmops-gateway": stack.url.removeprefix("http://"), "llmops-ab": report.target}
        with PrometheusServer(tmp_path / "prometheus", targets, sorted(ALERTS.glob("*.yaml"))) as prom:
            prom.wait_for("llmops_ab_verdict")
            prom.wait_for("llmops_ab_canary_share_ratio")
            time.sleep(3)  # a few more scrapes, so that rate() over 1m has two samples
            problems = dashboard_problems(prom, "ab")
            assert not problems, "\n".join(problems)
            shown = prom.query('llmops_ab_verdict{experiment="two-versions"} == 1')["data"]["result"]
            assert [s["metric"]["verdict"] for s in shown] == [verdict]
            assert prom.query("llmops_ab_sample_ratio_mismatch")["data"]["result"][0]["value"][1] == "0"
            rules = [r for g in prom.api("rules")["data"]["groups"] for r in g["rules"]]
            assert {"LLMOpsCanaryHalted", "LLMOpsSampleRatioMismatch"} <= {r["name"] for r in rules}
            assert all(r["health"] != "err" for r in rules), [r.get("lastError") for r in rules]


def test_two_versions_split_feedback_report_promote(tmp_path: Path) -> None:
    registry_env = {
        "LLMOPS_REGISTRY_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "LLMOPS_REGISTRY_ARTIFACT_ROOT": str(tmp_path / "artifacts"),
    }
    registry = ModelRegistry(RegistrySettings(tracking_uri=registry_env["LLMOPS_REGISTRY_TRACKING_URI"]))
    v1, _ = ensure_default_model(registry, ROOT / "var" / "models", MODEL)
    v2 = registry.register(
        MODEL, ROOT / "var" / "models" / MODEL, tags={"parent_version": v1.version}, alias="challenger"
    )
    experiments = tmp_path / "experiments.yaml"
    experiment = ab_experiment(
        MODEL,
        name="two-versions",
        # a canary held at its first step (50%: the same split) so that its gauges exist for the dashboard
        # (guardrails loose: a slow shared machine must not halt it and skew the split)
        canary={"variant": "treatment", "steps": [0.5], "min_requests": 10000, "max_p95_latency_s": 300},
    )
    write_experiments(experiments, experiment)
    models = tmp_path / "models.yaml"
    shipped = yaml.safe_load((ROOT / "config" / "models.yaml").read_text())["models"]
    # The shipped engine config, run eagerly: the two versions' engines skip torch.compile (on 2
    # cores two concurrent first compiles took most of this test's ~12 min). Routing, feedback and
    # retirement do not depend on it; the compiled engine is what the session stack's tests drive.
    spec = next(m for m in shipped if m["name"] == MODEL)
    eager = {**spec, "engine_kwargs": {**spec.get("engine_kwargs", {}), "enforce_eager": True}}
    models.write_text(yaml.safe_dump({"models": [eager]}))
    env = {
        **registry_env,
        **routing_stack_env(tmp_path, experiments, ROOT / "var" / "models"),
        # engines are retired two reloads after they leave the table (10 s): every gateway has switched
        "LLMOPS_ROUTER_RELOAD_INTERVAL_S": "5",
    }
    with LocalStack(
        tmp_path, env=env, args=["--models", str(models), "--no-auth"], startup_timeout_s=STARTUP_TIMEOUT_S
    ) as stack:
        url = stack.url
        client = httpx.Client(base_url=url)
        seen: Counter[str] = Counter()
        ids: dict[str, list[str]] = {"control": [], "treatment": []}
        for i in range(16):
            reply = chat(client, f"user-{i}")
            assert reply.status_code == 200, reply.text
            variant = reply.headers["x-llmops-variant"]
            seen[variant] += 1
            ids[variant].append(reply.json()["id"])
        assert seen["control"] >= 3 and seen["treatment"] >= 3, seen
        for i in range(16):  # the same users streamed (time to first token is measured on streams)
            body = {"model": MODEL, "messages": [{"role": "user", "content": "Hi."}], "max_tokens": 3, "stream": True}
            with client.stream("POST", "/v1/chat/completions", json={**body, "user": f"user-{i}"}) as streamed:
                assert streamed.status_code == 200 and "data: [DONE]" in streamed.read().decode()
        time.sleep(1)  # outcomes are written right after each answer
        for variant, rating in (("control", "down"), ("treatment", "up")):
            for rid in ids[variant]:
                assert client.post("/v1/feedback", json={"response_id": rid, "rating": rating}).status_code == 200
        assert client.post("/v1/feedback", json={"response_id": ids["control"][0], "rating": 3}).status_code == 409

        cli = [sys.executable, "-m", "services.cli", "ab"]
        store_args = ["--experiments", str(experiments), "--store-url", env["LLMOPS_ROUTER_STORE_URL"]]
        report = subprocess.run(
            [*cli, "report", "two-versions", "--json", "--prom", str(tmp_path / "ab.prom"), *store_args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
        assert report.returncode == 0, report.stderr
        result = json.loads(report.stdout)
        assert result["variants"]["control"]["requests"] == 2 * seen["control"]  # sticky: the streamed ones too
        assert result["variants"]["treatment"]["thumbs_up_rate"] == 1.0
        assert result["verdict"] in ("continue", "promote")  # 16 requests: the anytime-valid test may still wait
        check_dashboard(tmp_path, stack, tmp_path / "ab.prom", result["verdict"])

        failures: list[str] = []
        done = threading.Event()

        def client_loop() -> None:
            with httpx.Client(base_url=url) as loop_client:
                n = 0
                while not done.is_set():
                    reply = chat(loop_client, f"loop-{n}")
                    n += 1
                    if reply.status_code != 200:
                        failures.append(reply.text)

        loop = threading.Thread(target=client_loop)
        loop.start()
        try:
            promoted = subprocess.run(
                [*cli, "promote", "two-versions", "--variant", "treatment", *store_args,
                 "--tracking-uri", env["LLMOPS_REGISTRY_TRACKING_URI"]],
                capture_output=True, text=True, cwd=ROOT, timeout=300,
            )  # fmt: skip
            assert promoted.returncode == 0, promoted.stderr
            experiments.write_text(json.dumps({"experiments": []}))  # the experiment ends
            deadline = time.time() + 60
            while time.time() < deadline:
                if chat(client, "after").headers.get("x-llmops-variant") == f"v{v2.version}":
                    break
                time.sleep(1)
            else:
                pytest.fail("traffic did not move to the promoted version")
            assert {chat(client, f"after-{i}").headers["x-llmops-variant"] for i in range(4)} == {f"v{v2.version}"}
            # the retired version's application goes 10 s after it left the routing table, while
            # the client loop keeps running against the promoted one
            retired = f"engine application {engine_app_name(MODEL, v1.version)} deleted"
            deadline = time.time() + 120
            while retired not in stack.log_path.read_text(errors="replace") and time.time() < deadline:
                time.sleep(2)
            assert retired in stack.log_path.read_text(errors="replace"), stack.process.tail(40)
            time.sleep(3)
        finally:
            done.set()
            loop.join(timeout=180)
        assert not failures, failures[:3]
        assert registry.aliases(MODEL)["champion"] == v2.version
