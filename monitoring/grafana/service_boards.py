"""Dashboards of the services that may not be deployed: safety, A/B experiments, RAG."""

from __future__ import annotations

from monitoring.grafana.panels import NS, RATE, Dashboard, q, quantiles


def safety() -> Dashboard:
    d = Dashboard("llmops-safety", "llmops / Safety", "Input and output guards (safety service).")
    d.panel(
        "Actions by detector",
        [
            q(
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
            q(
                f"sum by (direction, outcome) (rate(llmops_safety_failures_total{{{NS}}}[{RATE}])) or vector(0)",
                "{{direction}} {{outcome}}",
            )
        ],
        unit="reqps",
    )
    d.panel(
        "Guard latency p95 by detector",
        [
            q(
                "histogram_quantile(0.95, sum by (le, detector, direction)"
                f" (rate(llmops_safety_check_duration_seconds_bucket{{{NS}}}[{RATE}])))",
                "{{direction}} {{detector}}",
            )
        ],
        unit="s",
    )
    d.panel("Guard latency", quantiles("llmops_safety_check_duration_seconds", NS), unit="s")
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
            q(
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
        [q(f"({errors} or {requests} * 0) / {requests}", "{{experiment}} {{variant}}")],
        unit="percentunit",
    )
    for title, metric in (
        ("Time to first token p95 by variant", "llmops_ab_time_to_first_token_seconds"),
        ("Request duration p95 by variant", "llmops_ab_request_duration_seconds"),
    ):
        d.panel(
            title,
            [
                q(
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
        [q(f"({up} or {rated} * 0) / {rated}", "{{experiment}} {{variant}}")],
        unit="percentunit",
    )
    d.panel(
        "Verdict of the last report",
        [q(f"max by (experiment, verdict) (llmops_ab_verdict{{{NS}}}) == 1", "{{experiment}}: {{verdict}}")],
        kind="stat",
        width=8,
    )
    d.panel(
        "Sample-ratio mismatch (1: the split is broken)",
        [q(f"max by (experiment) (llmops_ab_sample_ratio_mismatch{{{NS}}})", "{{experiment}}")],
        kind="stat",
        width=8,
    )
    d.panel(
        "Canary share and halts",
        [
            q(f"max by (experiment) (llmops_ab_canary_share_ratio{{{NS}}})", "share {{experiment}}"),
            q(f"max by (experiment) (llmops_ab_canary_halted{{{NS}}})", "halted {{experiment}}"),
        ],
        width=8,
    )
    d.panel(
        # no shadow configured: no series; show 0 then
        "Shadow requests by outcome",
        [
            q(
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
        [q(retrievals, "retrievals")],
        unit="reqps",
        width=8,
        description="Every retrieval the gateway made: POST /v1/retrieve and grounded chat.",
    )
    d.panel(
        "POST /v1/retrieve by status class",
        [
            q(
                f'sum by (status_class) (rate(llmops_requests_total{{route="retrieve",{NS}}}[{RATE}]))',
                "{{status_class}}",
            )
        ],
        unit="reqps",
        width=8,
    )
    d.panel(
        "Empty results (share of retrievals)",
        [q(f"sum(rate(llmops_rag_empty_results_total{{{NS}}}[{RATE}])) / {retrievals}", "empty")],
        unit="percentunit",
        width=8,
        description="Retrievals that found no passage: an empty or missing collection, or filters matching nothing.",
    )
    d.row("Latency")
    d.panel(
        "Retrieval time as the gateway sees it",
        quantiles("llmops_rag_retrieval_duration_seconds", f'stage="gateway",{NS}'),
        unit="s",
    )
    d.panel(
        "p95 by stage (embed, dense, bm25, fuse, total, scan)",
        [
            q(
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
            q(
                f'sum by (route) (rate(llmops_rag_passages_total{{outcome="returned",{NS}}}[{RATE}]))',
                "{{route}}",
            )
        ],
        width=8,
    )
    d.panel(
        "Passages dropped as indirect injection",
        [
            q(
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
            q(
                f'sum(rate(llmops_rag_passages_total{{route="chat",outcome="dropped_injection",{NS}}}[{RATE}]))'
                f' / sum(rate(llmops_rag_passages_total{{route="chat",outcome="returned",{NS}}}[{RATE}]))',
                "dropped",
            )
        ],
        unit="percentunit",
        width=8,
    )
    return d
