"""Alert rules: promtool checks them and runs their unit tests (monitoring/alerts/tests/)."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from monitoring.catalogue import build_catalogue, exported_names
from monitoring.promql import metric_names

ALERTS = Path(__file__).resolve().parents[2] / "monitoring" / "alerts"
PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool missing: `make monitoring-tools` installs Debian's prometheus package"
)


def test_promtool_check_rules():
    files = sorted(str(p) for p in ALERTS.glob("*.yaml"))
    assert files
    done = subprocess.run([PROMTOOL, "check", "rules", *files], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_test_rules():
    tests = sorted(str(p) for p in (ALERTS / "tests").glob("*.yaml"))
    assert tests
    done = subprocess.run(
        [PROMTOOL, "test", "rules", *tests], capture_output=True, text=True, timeout=120, cwd=ALERTS / "tests"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


# Cluster metrics a rule may use besides the stack's own: kube-state-metrics (part of
# kube-prometheus-stack, which the chart's PrometheusRule is labelled for). A rule may only use
# them to tell whether something the chart creates exists, never as its only condition.
CLUSTER_METRICS = {"kube_cronjob_created"}


def test_rules_use_only_exported_metrics():
    exported = exported_names(build_catalogue()) | CLUSTER_METRICS
    recorded = set()
    for file in ALERTS.glob("*.yaml"):
        for group in yaml.safe_load(file.read_text())["groups"]:
            for rule in group["rules"]:
                unknown = {n for n in metric_names(rule["expr"]) if n not in exported and n not in recorded}
                assert not unknown, (
                    f"{rule.get('alert') or rule.get('record')} uses metrics the stack does not export: {unknown}"
                )
                if "record" in rule:
                    recorded.add(rule["record"])
    assert {
        "LLMOpsHighErrorRatio",
        "LLMOpsTTFTBudgetBurnFast",
        "LLMOpsEngineDown",
        "LLMOpsEngineQueueSaturated",
        "LLMOpsDriftDetected",
        "LLMOpsBudgetNearlySpent",
        "LLMOpsRAGRetrievalSlow",
        "LLMOpsRAGEmptyResults",
        "LLMOpsRAGInjectionPassages",
        "LLMOpsRAGRetrieveErrors",
    } <= {
        r.get("alert")
        for f in ALERTS.glob("*.yaml")
        for g in yaml.safe_load(f.read_text())["groups"]
        for r in g["rules"]
    }
