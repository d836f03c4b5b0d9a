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

from services.cli.local_stack import LocalStack, free_port
from services.registry.config import RegistrySettings
from services.registry.defaults import ensure_default_model
from services.registry.service import ModelRegistry

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
MODEL = "smollm2-135m-instruct"
STARTUP_TIMEOUT_S = float(os.environ.get("LLMOPS_TEST_STARTUP_TIMEOUT_S", "900"))


def chat(client: httpx.Client, user: str) -> httpx.Response:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "Say hi."}], "max_tokens": 3, "user": user}
    return client.post("/v1/chat/completions", json=body, timeout=120)


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
    experiment = {
        "name": "two-versions",
        "model": MODEL,
        "variants": [
            {"name": "control", "version": "champion", "weight": 0.5},
            {"name": "treatment", "version": "challenger", "weight": 0.5},
        ],
    }
    experiments.write_text(json.dumps({"experiments": [experiment]}))
    models = tmp_path / "models.yaml"
    shipped = yaml.safe_load((ROOT / "config" / "models.yaml").read_text())["models"]
    # the shipped engine config: the engines reuse the compile cache of the other integration tests
    models.write_text(yaml.safe_dump({"models": [m for m in shipped if m["name"] == MODEL]}))
    env = {
        **registry_env,
        "LLMOPS_ROUTER_ENABLED": "true",
        "LLMOPS_ROUTER_EXPERIMENTS_FILE": str(experiments),
        "LLMOPS_ROUTER_STORE_URL": f"sqlite:///{tmp_path / 'ab.db'}",
        "LLMOPS_ROUTER_RELOAD_INTERVAL_S": "2",
        "LLMOPS_SAFETY_ENABLED": "false",
        "LLMOPS_RAG_ENABLED": "false",
        "LLMOPS_MODEL_STORE": str(ROOT / "var" / "models"),
        "LLMOPS_GATEWAY_KEYS_DB": str(tmp_path / "keys.db"),
        "LLMOPS_GATEWAY_LEDGER_DB": str(tmp_path / "ledger.db"),
        "LLMOPS_GATEWAY_REQUEST_LOG_PATH": str(tmp_path / "requests.jsonl"),
        "LLMOPS_RAY_METRICS_PORT": str(free_port()),
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
        time.sleep(1)  # outcomes are written right after each answer
        for variant, rating in (("control", "down"), ("treatment", "up")):
            for rid in ids[variant]:
                assert client.post("/v1/feedback", json={"response_id": rid, "rating": rating}).status_code == 200
        assert client.post("/v1/feedback", json={"response_id": ids["control"][0], "rating": 3}).status_code == 409

        cli = [sys.executable, "-m", "services.cli", "ab"]
        store_args = ["--experiments", str(experiments), "--store-url", env["LLMOPS_ROUTER_STORE_URL"]]
        report = subprocess.run(
            [*cli, "report", "two-versions", "--json", *store_args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
        assert report.returncode == 0, report.stderr
        result = json.loads(report.stdout)
        assert result["variants"]["control"]["requests"] == seen["control"]
        assert result["variants"]["treatment"]["thumbs_up_rate"] == 1.0
        assert result["verdict"] in ("continue", "promote")  # 16 requests: the anytime-valid test may still wait

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
        finally:
            done.set()
            loop.join(timeout=180)
        assert not failures, failures[:3]
        assert registry.aliases(MODEL)["champion"] == v2.version
