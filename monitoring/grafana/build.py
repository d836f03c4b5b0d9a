"""Grafana dashboards as code: ``llmops monitor dashboards`` writes them as JSON (file
provisioning, ``provisioning/``) and as ConfigMaps (``configmaps.yaml``, labelled for the
Grafana sidecar of kube-prometheus-stack).

Every query selects ``namespace=~"$namespace"`` (All matches series without the label, as on
a laptop) and, where it makes sense, ``model=~"$model"`` (engine metrics: ``model_name``).
The dashboards reference only metrics in the catalogue; the safety dashboard uses the safety
service's metric names and is checked against a live stack only where that service exists.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
NS = 'namespace=~"$namespace"'
M = f'model=~"$model",{NS}'
EM = f'model_name=~"$model",{NS}'
RATE = "$__rate_interval"


def _q(expr: str, legend: str = "") -> dict[str, Any]:
    return {"expr": expr, "legendFormat": legend}


def _quantiles(metric: str, selector: str, by: str = "") -> list[dict[str, Any]]:
    group = f"le{', ' + by if by else ''}"
    return [
        _q(
            f"histogram_quantile({q}, sum by ({group}) (rate({metric}_bucket{{{selector}}}[{RATE}])))",
            f"p{int(q * 100)}{' {{' + by + '}}' if by else ''}",
        )
        for q in (0.5, 0.95, 0.99)
    ]


class Dashboard:
    def __init__(self, uid: str, title: str, description: str, *, model_label: str = "model"):
        self.uid, self.title, self.description, self.model_label = uid, title, description, model_label
        self.panels: list[dict[str, Any]] = []
        self._x = self._y = 0

    def row(self, title: str) -> Dashboard:
        if self._x:
            self._x, self._y = 0, self._y + 8
        self.panels.append(
            {
                "type": "row",
                "title": title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": self._y},
                "panels": [],
            }
        )
        self._y += 1
        return self

    def panel(
        self,
        title: str,
        targets: list[dict[str, Any]],
        *,
        unit: str = "short",
        kind: str = "timeseries",
        width: int = 12,
        description: str = "",
    ) -> Dashboard:
        if self._x + width > 24:
            self._x, self._y = 0, self._y + 8
        panel = {
            "type": kind,
            "title": title,
            "description": description,
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "gridPos": {"h": 8, "w": width, "x": self._x, "y": self._y},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom"}}
            if kind == "timeseries"
            else {"reduceOptions": {"calcs": ["lastNotNull"]}},
            "targets": [
                {**t, "refId": chr(ord("A") + i), "datasource": {"type": "prometheus", "uid": "${datasource}"}}
                for i, t in enumerate(targets)
            ],
        }
        self.panels.append(panel)
        self._x += width
        return self

    def to_json(self) -> dict[str, Any]:
        for i, p in enumerate(self.panels, start=1):
            p["id"] = i
        variables = [
            {
                "name": "datasource",
                "type": "datasource",
                "query": "prometheus",
                "label": "Data source",
                "current": {},
                "hide": 0,
            },
            _label_variable(
                "namespace",
                "Namespace",
                "llmops_requests_total" if self.model_label == "model" else "ray_vllm_num_requests_running",
                "namespace",
            ),
            _label_variable(
                "model",
                "Model",
                "llmops_requests_total" if self.model_label == "model" else "ray_vllm_num_requests_running",
                self.model_label,
            ),
        ]
        return {
            "uid": self.uid,
            "title": self.title,
            "description": self.description,
            "tags": ["llmops"],
            "timezone": "utc",
            "schemaVersion": 39,
            "version": 1,
            "editable": True,
            "refresh": "30s",
            "time": {"from": "now-1h", "to": "now"},
            "templating": {"list": variables},
            "annotations": {"list": []},
            "panels": self.panels,
        }


def _label_variable(name: str, label: str, metric: str, metric_label: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "query": {"query": f"label_values({metric}, {metric_label})", "refId": f"{name}-values"},
        "definition": f"label_values({metric}, {metric_label})",
        "includeAll": True,
        "allValue": ".*",
        "multi": True,
        "current": {"text": "All", "value": "$__all"},
        "refresh": 2,
        "hide": 0,
    }


def overview() -> Dashboard:
    d = Dashboard("llmops-overview", "llmops / Service overview", "Traffic, errors, latency and tokens at the gateway.")
    d.row("Traffic and errors")
    d.panel(
        "Requests per second by route",
        [_q(f"sum by (route) (rate(llmops_requests_total{{{M}}}[{RATE}]))", "{{route}}")],
        unit="reqps",
    )
    d.panel(
        "Responses by status class",
        [_q(f"sum by (status_class) (rate(llmops_requests_total{{{M}}}[{RATE}]))", "{{status_class}}")],
        unit="reqps",
    )
    d.panel(
        "Error ratio (5xx)",
        [
            _q(
                f'(sum(rate(llmops_requests_total{{status_class="5xx",{M}}}[{RATE}])) or vector(0))'
                f" / sum(rate(llmops_requests_total{{{M}}}[{RATE}]))",
                "5xx ratio",
            )
        ],
        unit="percentunit",
        width=8,
    )
    d.panel("Requests in flight", [_q(f"sum by (route) (llmops_requests_in_flight{{{NS}}})", "{{route}}")], width=8)
    d.panel(
        "Quota rejections",
        [_q(f"sum by (limit) (rate(llmops_quota_rejections_total{{{NS}}}[{RATE}]))", "{{limit}}")],
        unit="reqps",
        width=8,
    )
    d.row("Latency")
    d.panel("Time to first token", _quantiles("llmops_time_to_first_token_seconds", M), unit="s", width=8)
    d.panel("Inter-token latency", _quantiles("llmops_inter_token_latency_seconds", M), unit="s", width=8)
    d.panel(
        "End-to-end request time (2xx)",
        _quantiles("llmops_request_duration_seconds", f'status_class="2xx",{M}'),
        unit="s",
        width=8,
    )
    d.row("Tokens")
    d.panel(
        "Tokens per second",
        [
            _q(f"sum by (model) (rate(llmops_prompt_tokens_total{{{M}}}[{RATE}]))", "prompt {{model}}"),
            _q(f"sum by (model) (rate(llmops_completion_tokens_total{{{M}}}[{RATE}]))", "completion {{model}}"),
        ],
    )
    d.panel(
        "Completion tokens per request",
        [
            _q(
                f"sum by (model) (rate(llmops_completion_tokens_total{{{M}}}[{RATE}]))"
                f' / sum by (model) (rate(llmops_requests_total{{status_class="2xx",{M}}}[{RATE}]))',
                "{{model}}",
            )
        ],
    )
    return d


def engines() -> Dashboard:
    d = Dashboard(
        "llmops-engines",
        "llmops / Engines",
        "vLLM engines (through Ray's metrics export) and Ray Serve deployments.",
        model_label="model_name",
    )
    d.row("Load")
    d.panel(
        "Requests running (batch size)",
        [_q(f"sum by (model_name) (ray_vllm_num_requests_running{{{EM}}})", "{{model_name}}")],
        width=8,
    )
    d.panel(
        "Requests waiting (queue)",
        [_q(f"sum by (model_name) (ray_vllm_num_requests_waiting{{{EM}}})", "{{model_name}}")],
        width=8,
    )
    d.panel(
        "KV cache usage",
        [_q(f"max by (model_name) (ray_vllm_kv_cache_usage_perc{{{EM}}})", "{{model_name}}")],
        unit="percentunit",
        width=8,
    )
    d.row("Throughput and latency inside the engine")
    d.panel(
        "Engine tokens per second",
        [
            _q(f"sum by (model_name) (rate(ray_vllm_prompt_tokens_total{{{EM}}}[{RATE}]))", "prompt {{model_name}}"),
            _q(
                f"sum by (model_name) (rate(ray_vllm_generation_tokens_total{{{EM}}}[{RATE}]))",
                "generation {{model_name}}",
            ),
        ],
    )
    d.panel("Engine time to first token", _quantiles("ray_vllm_time_to_first_token_seconds", EM), unit="s")
    d.panel("Tokens per engine step (batch tokens)", _quantiles("ray_vllm_iteration_tokens_total", EM), width=12)
    d.panel("Engine request queue time", _quantiles("ray_vllm_request_queue_time_seconds", EM), unit="s", width=12)
    d.row("Ray Serve")
    d.panel(
        "Deployment status (6 healthy, 3 updating, 2 unhealthy, 1 failed)",
        [_q(f"max by (deployment) (ray_serve_deployment_status{{{NS}}})", "{{deployment}}")],
        kind="stat",
    )
    d.panel(
        "Queries queued in Serve handles",
        [_q(f"sum by (deployment) (ray_serve_deployment_queued_queries{{{NS}}})", "{{deployment}}")],
    )
    return d


def drift() -> Dashboard:
    d = Dashboard(
        "llmops-drift",
        "llmops / Drift",
        "Results of the last drift report (llmops monitor drift), pushed by the CronJob.",
    )
    d.panel("Drift detected", [_q(f"max(llmops_drift_detected{{{NS}}})", "drift")], kind="stat", width=6)
    d.panel(
        "Share of drifted features",
        [_q(f"max(llmops_drift_drifted_features_ratio{{{NS}}})", "drifted")],
        unit="percentunit",
        kind="stat",
        width=6,
    )
    d.panel(
        "Embedding distance (cosine)",
        [_q(f"max(llmops_drift_embedding_distance{{{NS}}})", "distance")],
        kind="stat",
        width=6,
    )
    d.panel(
        "Hours since last report",
        [_q(f"(time() - max(llmops_drift_last_run_timestamp_seconds{{{NS}}})) / 3600", "hours")],
        kind="stat",
        width=6,
    )
    d.panel(
        "Drifted features", [_q(f"max by (feature) (llmops_drift_feature_drifted{{{NS}}})", "{{feature}}")], width=12
    )
    d.panel(
        "Drift score by feature",
        [_q(f"max by (feature) (llmops_drift_feature_score{{{NS}}})", "{{feature}}")],
        width=12,
    )
    d.panel(
        "Requests compared", [_q(f"max by (window) (llmops_drift_window_requests{{{NS}}})", "{{window}}")], width=12
    )
    return d


def cost() -> Dashboard:
    d = Dashboard(
        "llmops-cost",
        "llmops / Cost",
        "Spending from the price table (config/prices.yaml) and budgets (llmops cost budget).",
    )
    d.panel(
        "Spend rate by model ($/hour)",
        [_q(f"sum by (model) (rate(llmops_cost_usd_total{{{M}}}[{RATE}])) * 3600", "{{model}}")],
        unit="currencyUSD",
    )
    d.panel(
        "Spend in the selected range",
        [_q(f"sum by (model) (increase(llmops_cost_usd_total{{{M}}}[$__range]))", "{{model}}")],
        unit="currencyUSD",
        kind="stat",
    )
    d.panel(
        "Cost per 1M tokens",
        [
            _q(
                f"sum by (model) (rate(llmops_cost_usd_total{{{M}}}[{RATE}])) * 1e6"
                f" / (sum by (model) (rate(llmops_prompt_tokens_total{{{M}}}[{RATE}]))"
                f" + sum by (model) (rate(llmops_completion_tokens_total{{{M}}}[{RATE}])))",
                "{{model}}",
            )
        ],
        unit="currencyUSD",
    )
    d.panel(
        "Highest budget use",
        [_q(f"max by (scope) (llmops_budget_max_spent_ratio{{{NS}}})", "{{scope}}")],
        unit="percentunit",
    )
    d.panel(
        "Budgets past soft / hard limit",
        [
            _q(f"sum by (scope) (llmops_budgets_over_soft_limit{{{NS}}})", "soft {{scope}}"),
            _q(f"sum by (scope) (llmops_budgets_over_hard_limit{{{NS}}})", "hard {{scope}}"),
        ],
    )
    d.panel(
        "Requests refused by budgets",
        [_q(f"sum by (scope) (rate(llmops_budget_rejections_total{{{NS}}}[{RATE}]))", "{{scope}}")],
        unit="reqps",
    )
    return d


def safety() -> Dashboard:
    d = Dashboard("llmops-safety", "llmops / Safety", "Input and output guards (safety service).")
    d.panel(
        "Actions by detector",
        [
            _q(
                f"sum by (detector, direction, action) (rate(llmops_safety_actions_total{{{NS}}}[{RATE}]))",
                "{{direction}} {{detector}} {{action}}",
            )
        ],
        unit="reqps",
    )
    d.panel(
        # a healthy guard never fails, so the counter may have no series yet: show 0 then
        "Guard failures",
        [
            _q(
                f"sum by (direction, outcome) (rate(llmops_safety_failures_total{{{NS}}}[{RATE}])) or vector(0)",
                "{{direction}} {{outcome}}",
            )
        ],
        unit="reqps",
    )
    d.panel(
        "Guard latency p95 by detector",
        [
            _q(
                "histogram_quantile(0.95, sum by (le, detector, direction)"
                f" (rate(llmops_safety_check_duration_seconds_bucket{{{NS}}}[{RATE}])))",
                "{{direction}} {{detector}}",
            )
        ],
        unit="s",
    )
    d.panel("Guard latency", _quantiles("llmops_safety_check_duration_seconds", NS), unit="s")
    return d


def ab() -> Dashboard:
    d = Dashboard(
        "llmops-ab",
        "llmops / A/B experiments",
        "Traffic, errors, latency and feedback per experiment variant (gateway router), canary state, and the"
        " verdict of the last `llmops ab report --prom` run.",
    )
    by = "experiment, variant"
    requests = f"sum by ({by}) (rate(llmops_ab_requests_total{{{NS}}}[{RATE}]))"
    d.panel(
        "Traffic share by variant",
        [
            _q(
                f"{requests} / ignoring (variant) group_left sum by (experiment) ({requests})",
                "{{experiment}} {{variant}}",
            )
        ],
        unit="percentunit",
    )
    errors = f'sum by ({by}) (rate(llmops_ab_requests_total{{status_class="5xx",{NS}}}[{RATE}]))'
    d.panel(
        # a variant without errors has no 5xx series: count it as 0, not as missing
        "Error ratio (5xx) by variant",
        [_q(f"({errors} or {requests} * 0) / {requests}", "{{experiment}} {{variant}}")],
        unit="percentunit",
    )
    for title, metric in (
        ("Time to first token p95 by variant", "llmops_ab_time_to_first_token_seconds"),
        ("Request duration p95 by variant", "llmops_ab_request_duration_seconds"),
    ):
        d.panel(
            title,
            [
                _q(
                    f"histogram_quantile(0.95, sum by (le, {by}) (rate({metric}_bucket{{{NS}}}[{RATE}])))",
                    "{{experiment}} {{variant}}",
                )
            ],
            unit="s",
        )
    rated = f'sum by ({by}) (increase(llmops_ab_feedback_total{{outcome=~"up|down",{NS}}}[$__range]))'
    up = f'sum by ({by}) (increase(llmops_ab_feedback_total{{outcome="up",{NS}}}[$__range]))'
    d.panel(
        "Thumbs-up rate by variant (selected range)",
        [_q(f"({up} or {rated} * 0) / {rated}", "{{experiment}} {{variant}}")],
        unit="percentunit",
    )
    d.panel(
        "Verdict of the last report",
        [_q(f"max by (experiment, verdict) (llmops_ab_verdict{{{NS}}}) == 1", "{{experiment}}: {{verdict}}")],
        kind="stat",
        width=8,
    )
    d.panel(
        "Sample-ratio mismatch (1: the split is broken)",
        [_q(f"max by (experiment) (llmops_ab_sample_ratio_mismatch{{{NS}}})", "{{experiment}}")],
        kind="stat",
        width=8,
    )
    d.panel(
        "Canary share and halts",
        [
            _q(f"max by (experiment) (llmops_ab_canary_share_ratio{{{NS}}})", "share {{experiment}}"),
            _q(f"max by (experiment) (llmops_ab_canary_halted{{{NS}}})", "halted {{experiment}}"),
        ],
        width=8,
    )
    d.panel(
        # no shadow configured: no series; show 0 then
        "Shadow requests by outcome",
        [
            _q(
                f"sum by (experiment, outcome) (rate(llmops_ab_shadow_requests_total{{{NS}}}[{RATE}])) or vector(0)",
                "{{experiment}} {{outcome}}",
            )
        ],
        unit="reqps",
        width=24,
    )
    return d


def rag() -> Dashboard:
    d = Dashboard(
        "llmops-rag",
        "llmops / RAG",
        "Retrieval (services/rag): latency by stage, passages returned and dropped as injection, empty results.",
    )
    retrievals = f'sum(rate(llmops_rag_retrieval_duration_seconds_count{{stage="gateway",{NS}}}[{RATE}]))'
    d.row("Traffic")
    d.panel(
        "Retrievals per second",
        [_q(retrievals, "retrievals")],
        unit="reqps",
        width=8,
        description="Every retrieval the gateway made: POST /v1/retrieve and grounded chat.",
    )
    d.panel(
        "POST /v1/retrieve by status class",
        [
            _q(
                f'sum by (status_class) (rate(llmops_requests_total{{route="retrieve",{NS}}}[{RATE}]))',
                "{{status_class}}",
            )
        ],
        unit="reqps",
        width=8,
    )
    d.panel(
        "Empty results (share of retrievals)",
        [_q(f"sum(rate(llmops_rag_empty_results_total{{{NS}}}[{RATE}])) / {retrievals}", "empty")],
        unit="percentunit",
        width=8,
        description="Retrievals that found no passage: an empty or missing collection, or filters matching nothing.",
    )
    d.row("Latency")
    d.panel(
        "Retrieval time as the gateway sees it",
        _quantiles("llmops_rag_retrieval_duration_seconds", f'stage="gateway",{NS}'),
        unit="s",
    )
    d.panel(
        "p95 by stage (embed, dense, bm25, fuse, total, scan)",
        [
            _q(
                "histogram_quantile(0.95, sum by (le, stage)"
                f" (rate(llmops_rag_retrieval_duration_seconds_bucket{{{NS}}}[{RATE}])))",
                "{{stage}}",
            )
        ],
        unit="s",
    )
    d.row("Passages")
    d.panel(
        "Passages returned per second by route",
        [
            _q(
                f'sum by (route) (rate(llmops_rag_passages_total{{outcome="returned",{NS}}}[{RATE}]))',
                "{{route}}",
            )
        ],
        width=8,
    )
    d.panel(
        "Passages dropped as indirect injection",
        [
            _q(
                f'sum by (route) (rate(llmops_rag_passages_total{{outcome="dropped_injection",{NS}}}[{RATE}]))',
                "{{route}}",
            )
        ],
        width=8,
        description="Grounded chat drops the passages the safety service flags; any at all means a poisoned document.",
    )
    d.panel(
        "Share of grounded-chat passages dropped",
        [
            _q(
                f'sum(rate(llmops_rag_passages_total{{route="chat",outcome="dropped_injection",{NS}}}[{RATE}]))'
                f' / sum(rate(llmops_rag_passages_total{{route="chat",outcome="returned",{NS}}}[{RATE}]))',
                "dropped",
            )
        ],
        unit="percentunit",
        width=8,
    )
    return d


DASHBOARDS = {
    "overview": overview,
    "engines": engines,
    "drift": drift,
    "cost": cost,
    "safety": safety,
    "rag": rag,
    "ab": ab,
}
# Dashboards whose metrics come from a service that may not be deployed (checked only when it is).
OPTIONAL = {"safety": "services.safety", "rag": "services.rag"}


def rendered() -> dict[Path, str]:
    files: dict[Path, str] = {}
    configmaps = []
    for name, make in DASHBOARDS.items():
        text = json.dumps(make().to_json(), indent=1) + "\n"
        files[HERE / f"llmops-{name}.json"] = text
        configmaps.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": f"llmops-dashboard-{name}",
                    "labels": {"grafana_dashboard": "1", "app.kubernetes.io/part-of": "llmops"},
                },
                "data": {f"llmops-{name}.json": text},
            }
        )
    header = (
        "# Generated by `llmops monitor dashboards`; do not edit."
        " Grafana's dashboard sidecar loads ConfigMaps labelled grafana_dashboard=1.\n"
    )
    files[HERE / "configmaps.yaml"] = header + yaml.safe_dump_all(configmaps, sort_keys=False, width=1000)
    files[PROMETHEUS_RULE] = prometheus_rule()
    return files


ALERTS = HERE.parent / "alerts"
PROMETHEUS_RULE = ALERTS / "kubernetes" / "prometheusrule.yaml"


def prometheus_rule() -> str:
    """The alert rules as a Prometheus Operator ``PrometheusRule`` (kube-prometheus-stack)."""
    groups = []
    for file in sorted(ALERTS.glob("*.yaml")):
        groups += yaml.safe_load(file.read_text())["groups"]
    rule = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": "llmops",
            "labels": {"app.kubernetes.io/part-of": "llmops", "release": "kube-prometheus-stack"},
        },
        "spec": {"groups": groups},
    }
    header = "# Generated by `llmops monitor dashboards` from monitoring/alerts/*.yaml; do not edit.\n"
    return header + yaml.safe_dump(rule, sort_keys=False, width=1000)


def write_all() -> list[Path]:
    files = rendered()
    for path, text in files.items():
        path.write_text(text)
    return list(files)


def stale_files() -> list[str]:
    return [p.name for p, text in rendered().items() if not p.exists() or p.read_text() != text]


def queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, expression) for every target of a dashboard."""
    return [
        (p["title"], t["expr"]) for p in dashboard["panels"] if p.get("type") != "row" for t in p.get("targets", [])
    ]


def substitute(expr: str, *, range_s: int = 300) -> str:
    """A panel query as Grafana would send it with every variable at All."""
    for var, value in (
        ("$__rate_interval", "1m"),
        ("$__range", f"{range_s}s"),
        ("$__interval", "15s"),
        ("$namespace", ".*"),
        ("$model", ".*"),
    ):
        expr = expr.replace(var, value)
    return expr
