"""Grafana dashboards: generated files are committed, reference only exported metrics, carry
the model and namespace variables, and every query selects the namespace."""

import json

import pytest
import yaml

from monitoring.catalogue import build_catalogue, exported_names
from monitoring.grafana import build
from monitoring.promql import metric_names

# The safety service's metrics (built on another branch); the safety dashboard may use only these.
SAFETY_METRICS = {
    "llmops_safety_check_duration_seconds_bucket",
    "llmops_safety_check_duration_seconds_sum",
    "llmops_safety_check_duration_seconds_count",
    "llmops_safety_actions_total",
    "llmops_safety_failures_total",
}


def test_committed_dashboards_are_up_to_date():
    assert build.stale_files() == [], "run `llmops monitor dashboards` and commit the result"


@pytest.mark.parametrize("name", list(build.DASHBOARDS))
def test_dashboard_uses_only_exported_metrics(name):
    board = json.loads((build.HERE / f"llmops-{name}.json").read_text())
    allowed = exported_names(build_catalogue()) | (SAFETY_METRICS if name == "safety" else set())
    for title, expr in build.queries(board):
        unknown = metric_names(expr) - allowed
        assert not unknown, f"{name} / {title}: {unknown} not exported by the stack"
        assert 'namespace=~"$namespace"' in expr, f"{name} / {title}: no namespace selector"
    variables = {v["name"] for v in board["templating"]["list"]}
    assert {"datasource", "namespace", "model"} <= variables


def test_overview_covers_the_issue():
    titles = " | ".join(t for t, _ in build.queries(build.overview().to_json()))
    for needed in (
        "Requests per second",
        "status class",
        "Time to first token",
        "Inter-token",
        "End-to-end",
        "Tokens per second",
        "in flight",
    ):
        assert needed in titles
    exprs = " ".join(e for _, e in build.queries(build.overview().to_json()))
    assert all(f"histogram_quantile({q}," in exprs for q in ("0.5", "0.95", "0.99"))


def test_rag_dashboard_covers_the_issue():
    board = build.rag().to_json()
    exprs = " ".join(e for _, e in build.queries(board))
    for metric in (
        "llmops_rag_retrieval_duration_seconds_bucket",  # latency by stage
        'outcome="returned"',  # passages returned
        'outcome="dropped_injection"',  # passages dropped as injection
        "llmops_rag_empty_results_total",  # empty results
        'route="retrieve"',  # the /v1/retrieve route
    ):
        assert metric in exprs, metric
    assert "sum by (le, stage)" in exprs


def test_configmaps_hold_every_dashboard():
    docs = list(yaml.safe_load_all((build.HERE / "configmaps.yaml").read_text()))
    assert {d["metadata"]["name"] for d in docs} == {f"llmops-dashboard-{n}" for n in build.DASHBOARDS}
    for d in docs:
        assert d["kind"] == "ConfigMap" and d["metadata"]["labels"]["grafana_dashboard"] == "1"
        (text,) = d["data"].values()
        assert json.loads(text)["uid"].startswith("llmops-")


def test_prometheus_rule_carries_the_rule_files():
    rule = yaml.safe_load(build.PROMETHEUS_RULE.read_text())
    assert rule["kind"] == "PrometheusRule" and rule["apiVersion"] == "monitoring.coreos.com/v1"
    groups = [g for f in sorted(build.ALERTS.glob("*.yaml")) for g in yaml.safe_load(f.read_text())["groups"]]
    assert rule["spec"]["groups"] == groups


def test_serve_panels_keep_engine_applications_apart():
    """An engine in an application of its own (Helm chart, A/B router, --via-proxy) is deployment
    "engine" in application engine-MODEL: a panel grouped by deployment alone folds every engine
    into one series, where the healthiest status hides a failed engine."""
    serve = [(t, e) for t, e in build.queries(build.engines().to_json()) if "ray_serve_deployment" in e]
    assert len(serve) == 2
    for title, expr in serve:
        assert "by (application, deployment)" in expr, f"{title}: {expr}"
