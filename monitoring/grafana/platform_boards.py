"""Dashboards of the serving platform: overview (gateway), engines (vLLM), drift, cost."""

from __future__ import annotations

from monitoring.grafana.panels import EM, NS, RATE, Dashboard, M, q, quantiles


def overview() -> Dashboard:
    d = Dashboard("llmops-overview", "llmops / Service overview", "Traffic, errors, latency and tokens at the gateway.")
    d.row("Traffic and errors")
    d.panel(
        "Requests per second by route",
        [q(f"sum by (route) (rate(llmops_requests_total{{{M}}}[{RATE}]))", "{{route}}")],
        unit="reqps",
    )
    d.panel(
        "Responses by status class",
        [q(f"sum by (status_class) (rate(llmops_requests_total{{{M}}}[{RATE}]))", "{{status_class}}")],
        unit="reqps",
    )
    d.panel(
        "Error ratio (5xx)",
        [
            q(
                f'(sum(rate(llmops_requests_total{{status_class="5xx",{M}}}[{RATE}])) or vector(0))'
                f" / sum(rate(llmops_requests_total{{{M}}}[{RATE}]))",
                "5xx ratio",
            )
        ],
        unit="percentunit",
        width=8,
    )
    d.panel("Requests in flight", [q(f"sum by (route) (llmops_requests_in_flight{{{NS}}})", "{{route}}")], width=8)
    d.panel(
        "Quota rejections",
        [q(f"sum by (limit) (rate(llmops_quota_rejections_total{{{NS}}}[{RATE}]))", "{{limit}}")],
        unit="reqps",
        width=8,
    )
    d.row("Latency")
    d.panel("Time to first token", quantiles("llmops_time_to_first_token_seconds", M), unit="s", width=8)
    d.panel("Inter-token latency", quantiles("llmops_inter_token_latency_seconds", M), unit="s", width=8)
    d.panel(
        "End-to-end request time (2xx)",
        quantiles("llmops_request_duration_seconds", f'status_class="2xx",{M}'),
        unit="s",
        width=8,
    )
    d.row("Tokens")
    d.panel(
        "Tokens per second",
        [
            q(f"sum by (model) (rate(llmops_prompt_tokens_total{{{M}}}[{RATE}]))", "prompt {{model}}"),
            q(f"sum by (model) (rate(llmops_completion_tokens_total{{{M}}}[{RATE}]))", "completion {{model}}"),
        ],
    )
    d.panel(
        "Completion tokens per request",
        [
            q(
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
        [q(f"sum by (model_name) (ray_vllm_num_requests_running{{{EM}}})", "{{model_name}}")],
        width=8,
    )
    d.panel(
        "Requests waiting (queue)",
        [q(f"sum by (model_name) (ray_vllm_num_requests_waiting{{{EM}}})", "{{model_name}}")],
        width=8,
    )
    d.panel(
        "KV cache usage",
        [q(f"max by (model_name) (ray_vllm_kv_cache_usage_perc{{{EM}}})", "{{model_name}}")],
        unit="percentunit",
        width=8,
    )
    d.row("Throughput and latency inside the engine")
    d.panel(
        "Engine tokens per second",
        [
            q(f"sum by (model_name) (rate(ray_vllm_prompt_tokens_total{{{EM}}}[{RATE}]))", "prompt {{model_name}}"),
            q(
                f"sum by (model_name) (rate(ray_vllm_generation_tokens_total{{{EM}}}[{RATE}]))",
                "generation {{model_name}}",
            ),
        ],
    )
    d.panel("Engine time to first token", quantiles("ray_vllm_time_to_first_token_seconds", EM), unit="s")
    d.panel("Tokens per engine step (batch tokens)", quantiles("ray_vllm_iteration_tokens_total", EM), width=12)
    d.panel("Engine request queue time", quantiles("ray_vllm_request_queue_time_seconds", EM), unit="s", width=12)
    d.row("Ray Serve")
    d.panel(
        "Deployment status (6 healthy, 3 updating, 2 unhealthy, 1 failed)",
        [
            q(
                f"max by (application, deployment) (ray_serve_deployment_status{{{NS}}})",
                "{{application}}/{{deployment}}",
            )
        ],
        kind="stat",
    )
    d.panel(
        "Queries queued in Serve handles",
        [
            q(
                f"sum by (application, deployment) (ray_serve_deployment_queued_queries{{{NS}}})",
                "{{application}}/{{deployment}}",
            )
        ],
    )
    return d


def drift() -> Dashboard:
    d = Dashboard(
        "llmops-drift",
        "llmops / Drift",
        "Results of the last drift report (llmops monitor drift), pushed by the CronJob.",
    )
    d.panel("Drift detected", [q(f"max(llmops_drift_detected{{{NS}}})", "drift")], kind="stat", width=6)
    d.panel(
        "Share of drifted features",
        [q(f"max(llmops_drift_drifted_features_ratio{{{NS}}})", "drifted")],
        unit="percentunit",
        kind="stat",
        width=6,
    )
    d.panel(
        "Embedding distance (cosine)",
        [q(f"max(llmops_drift_embedding_distance{{{NS}}})", "distance")],
        kind="stat",
        width=6,
    )
    d.panel(
        "Hours since last report",
        [q(f"(time() - max(llmops_drift_last_run_timestamp_seconds{{{NS}}})) / 3600", "hours")],
        kind="stat",
        width=6,
    )
    d.panel(
        "Drifted features", [q(f"max by (feature) (llmops_drift_feature_drifted{{{NS}}})", "{{feature}}")], width=12
    )
    d.panel(
        "Drift score by feature",
        [q(f"max by (feature) (llmops_drift_feature_score{{{NS}}})", "{{feature}}")],
        width=12,
    )
    d.panel("Requests compared", [q(f"max by (window) (llmops_drift_window_requests{{{NS}}})", "{{window}}")], width=12)
    return d


def cost() -> Dashboard:
    d = Dashboard(
        "llmops-cost",
        "llmops / Cost",
        "Spending from the price table (config/prices.yaml) and budgets (llmops cost budget).",
    )
    d.panel(
        "Spend rate by model ($/hour)",
        [q(f"sum by (model) (rate(llmops_cost_usd_total{{{M}}}[{RATE}])) * 3600", "{{model}}")],
        unit="currencyUSD",
    )
    d.panel(
        "Spend in the selected range",
        [q(f"sum by (model) (increase(llmops_cost_usd_total{{{M}}}[$__range]))", "{{model}}")],
        unit="currencyUSD",
        kind="stat",
    )
    d.panel(
        "Cost per 1M tokens",
        [
            q(
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
        [q(f"max by (scope) (llmops_budget_max_spent_ratio{{{NS}}})", "{{scope}}")],
        unit="percentunit",
    )
    d.panel(
        "Budgets past soft / hard limit",
        [
            q(f"sum by (scope) (llmops_budgets_over_soft_limit{{{NS}}})", "soft {{scope}}"),
            q(f"sum by (scope) (llmops_budgets_over_hard_limit{{{NS}}})", "hard {{scope}}"),
        ],
    )
    d.panel(
        "Requests refused by budgets",
        [q(f"sum by (scope) (rate(llmops_budget_rejections_total{{{NS}}}[{RATE}]))", "{{scope}}")],
        unit="reqps",
    )
    return d
