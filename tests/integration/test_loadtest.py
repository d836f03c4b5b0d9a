"""A short Locust run (`llmops loadtest`, its own processes) against the session's real stack."""

import json
import subprocess
import sys

import pytest

from loadtests.slo import SLO, judge, read_stats
from tests.integration.conftest import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.ray]


def test_locust_run_against_the_stack(stack, tmp_path):
    # the long-prompt and context scenarios read PubMedQA from shared/data above the repository
    has_pubmedqa = any((parent / "shared" / "data" / "pubmedqa" / "ori_pqal.json").exists() for parent in ROOT.parents)
    slo = tmp_path / "slo.yaml"
    # latency bounds for a CPU engine on 2 shared cores (a long prompt's prefill stalls every stream);
    # this test checks the tool and the stack's answers, not their speed: no error is allowed
    slo.write_text("ttft_p95_s: 60\nitl_p95_s: 15\nerror_ratio: 0.0\nmin_requests: 5\n")
    cmd = [sys.executable, "-m", "services.cli", "loadtest", "--host", stack.url, "--api-key", stack.new_key()]
    cmd += ["--scenario", "mixed" if has_pubmedqa else "short", "--users", "3", "--spawn-rate", "3"]
    cmd += ["--run-time", "40", "--warmup", "5", "--think-min", "0.2", "--think-max", "0.5", "--max-tokens", "16"]
    cmd += ["--slo", str(slo), "--out", str(tmp_path / "results")]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240, check=False)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if proc.returncode != 0 or not result["passed"]:
        checks = result["checks"]
        breached = [f"{c['name']}={c['measured']} (limit {c['threshold']})" for c in checks if not c["passed"]]
        failures = [p.read_text()[-1500:] for p in (tmp_path / "results").glob("*_failures.csv")]
        pytest.fail(f"SLO breached: {'; '.join(breached)}; locust failures: {failures}; stderr: {proc.stderr[-2000:]}")
    stats = result["stats"]
    assert stats["failures"] == 0 and stats["exceptions"] == 0 and stats["requests"] >= 5
    assert 0 < stats["ttft_p50_s"] <= stats["ttft_p95_s"] < 60 and stats["itl_samples"] > stats["ttft_samples"] > 0
    assert any(name.startswith("POST chat:") for name in stats["by_name"])
    html = tmp_path / "results" / result["html"].rsplit("/", 1)[-1]
    assert html.exists() and "chat:" in html.read_text()
    # the same measured run against an SLO it cannot meet: the verdict names the breach
    unmeetable = SLO(ttft_p95_s=stats["ttft_p95_s"] / 2, itl_p95_s=stats["itl_p95_s"], error_ratio=0)
    strict = judge(read_stats(result["csv"]), unmeetable)
    assert not strict.passed and [c.name for c in strict.checks if not c.passed] == ["ttft_p95_s"]
