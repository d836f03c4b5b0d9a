"""Gateway metrics (Prometheus). Labels come from small fixed sets: route, configured model
names (anything else is ``other``), status class. Never keys, users or prompts."""

from __future__ import annotations

from services.common.metrics import counter, gauge, histogram

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
_TOKEN_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)

REQUESTS = counter(
    "llmops_requests_total",
    "Requests answered, by route, model and HTTP status class.",
    ["route", "model", "status_class"],
)
REQUEST_DURATION = histogram(
    "llmops_request_duration_seconds",
    "End-to-end request time at the gateway, to the last byte.",
    ["route", "model", "status_class"],
    buckets=_LATENCY_BUCKETS,
)
TIME_TO_FIRST_TOKEN = histogram(
    "llmops_time_to_first_token_seconds",
    "Time from request arrival to the first streamed token.",
    ["model"],
    buckets=_LATENCY_BUCKETS,
)
INTER_TOKEN_LATENCY = histogram(
    "llmops_inter_token_latency_seconds",
    "Time between streamed chunks after the first.",
    ["model"],
    buckets=_TOKEN_LATENCY_BUCKETS,
)
PROMPT_TOKENS = counter("llmops_prompt_tokens_total", "Prompt tokens processed.", ["model"])
COMPLETION_TOKENS = counter("llmops_completion_tokens_total", "Completion tokens generated.", ["model"])
IN_FLIGHT = gauge("llmops_requests_in_flight", "Requests being served right now.", ["route"])
QUOTA_REJECTIONS = counter("llmops_quota_rejections_total", "Requests refused by a per-key quota.", ["limit"])
# Cost and budgets (services/gateway/budget.py): dollars from the price table, never per key or team.
COST = counter(
    "llmops_cost_usd_total", "Estimated cost of answered requests in US dollars, from the price table.", ["model"]
)
BUDGET_REJECTIONS = counter(
    "llmops_budget_rejections_total", "Requests refused because a budget's hard limit was reached.", ["scope"]
)
BUDGETS_OVER_SOFT_LIMIT = gauge(
    "llmops_budgets_over_soft_limit", "Budgets whose spending has passed their soft (alert) limit.", ["scope"]
)
BUDGETS_OVER_HARD_LIMIT = gauge(
    "llmops_budgets_over_hard_limit",
    "Budgets whose spending has reached their hard limit (requests refused).",
    ["scope"],
)
BUDGET_MAX_SPENT_RATIO = gauge(
    "llmops_budget_max_spent_ratio",
    "Highest spent/limit ratio over all budgets of a scope (1 = hard limit reached).",
    ["scope"],
)
REQUEST_LOG_RECORDS = counter(
    "llmops_request_log_records_total",
    "Request log records, by outcome (written, dropped when the writer failed).",
    ["outcome"],
)
LEDGER_COMMIT_FAILURES = counter(
    "llmops_ledger_commit_failures_total",
    "Failed commits of queued charges to the cost ledger (the charges stay queued and are retried).",
)
