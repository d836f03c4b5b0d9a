"""The metrics catalogue is generated from the code, committed, and follows DESIGN §3."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from monitoring import catalogue
from monitoring.catalogue import (
    MetricEntry,
    build_catalogue,
    convention_problems,
    stale_files,
)

ROOT = Path(__file__).resolve().parents[2]


def test_committed_catalogue_is_up_to_date():
    stale = stale_files()
    assert not stale, f"{stale} differ from the code: run `llmops monitor catalogue` and commit the result"


def test_our_metrics_follow_the_conventions():
    entries = build_catalogue()
    assert any(e.source.startswith("services.gateway") for e in entries)
    assert convention_problems(entries) == []


def test_catalogue_includes_recorded_engine_metrics():
    engine = [e for e in build_catalogue() if e.source.startswith("engine")]
    names = {e.name for e in engine}
    assert {"ray_vllm_num_requests_running", "ray_vllm_num_requests_waiting", "ray_vllm_kv_cache_usage_perc"} <= names
    assert all(e.help and e.type for e in engine)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (MetricEntry("requests_total", "counter", "", (), "h", "x"), "does not start with llmops_"),
        (MetricEntry("llmops_requests", "counter", "", (), "h", "x"), "_total is for counters only"),
        (MetricEntry("llmops_in_flight_total", "gauge", "", (), "h", "x"), "_total is for counters only"),
        (MetricEntry("llmops_latency_milliseconds", "histogram", "", (), "h", "x"), "base units"),
        (MetricEntry("llmops_queue_time", "gauge", "", (), "h", "x"), "_seconds"),
        (MetricEntry("llmops_requests_total", "counter", "", ("user",), "h", "x"), "label 'user'"),
        (MetricEntry("llmops_requests_total", "counter", "", ("key_id",), "h", "x"), "label 'key_id'"),
        (MetricEntry("llmops_sizes", "histogram", "", (), "h", "x"), "unit suffix"),
        (MetricEntry("llmops_up", "gauge", "", (), " ", "x"), "no help"),
    ],
)
def test_convention_checker_catches(entry, problem):
    assert any(problem in p for p in convention_problems([entry]))


def test_record_engine_metrics_from_exposition():
    text = (
        "# HELP ray_vllm_num_requests_waiting Number of requests waiting.\n# TYPE ray_vllm_num_requests_waiting gauge\n"
        'ray_vllm_num_requests_waiting{model_name="m",WorkerId="w"} 0.0\n'
        "# HELP ray_vllm_generation_tokens Generated tokens.\n# TYPE ray_vllm_generation_tokens counter\n"
        'ray_vllm_generation_tokens_total{model_name="m"} 3.0\n'
        "# HELP ray_other x\n# TYPE ray_other gauge\nray_other 1\n"
    )
    recorded = catalogue.record_engine_metrics(text)
    assert [(m["name"], m["type"], m["labels"]) for m in recorded] == [
        ("ray_vllm_generation_tokens_total", "counter", ["model_name"]),
        ("ray_vllm_num_requests_waiting", "gauge", ["WorkerId", "model_name"]),
    ]


def test_catalogue_json_lists_every_metric():
    data = json.loads(catalogue.CATALOGUE_JSON.read_text())
    assert {m["name"] for m in data["metrics"]} == {e.name for e in build_catalogue()}


def test_cli_check_passes():
    llmops = shutil.which("llmops", path=str(ROOT / ".venv" / "bin")) or "llmops"
    done = subprocess.run(
        [llmops, "monitor", "catalogue", "--check"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_check_commands_fail_on_stale_files_and_broken_conventions(monkeypatch):
    """README Monitoring: `monitor catalogue --check` fails when the committed files are stale or a
    metric breaks the conventions; `monitor dashboards --check` when a generated file is stale."""
    from typer.testing import CliRunner

    from monitoring import catalogue as cat
    from monitoring.grafana import build
    from services.cli import app

    runner = CliRunner()
    stale, problems = [], []
    monkeypatch.setattr(cat, "build_catalogue", lambda: [])  # the real one is checked above
    monkeypatch.setattr(cat, "stale_files", lambda entries: stale)
    monkeypatch.setattr(cat, "convention_problems", lambda entries: problems)
    monkeypatch.setattr(build, "stale_files", lambda: stale)
    for command in ("catalogue", "dashboards"):
        assert runner.invoke(app, ["monitor", command, "--check"]).exit_code == 0
    stale.append("catalogue.json")
    for command in ("catalogue", "dashboards"):
        out = runner.invoke(app, ["monitor", command, "--check"])
        assert out.exit_code == 1 and "stale" in out.output, (command, out.output)
    stale.clear()
    problems.append("llmops_x_total: _total on a gauge")
    out = runner.invoke(app, ["monitor", "catalogue", "--check"])
    assert out.exit_code == 1 and "_total on a gauge" in out.output
