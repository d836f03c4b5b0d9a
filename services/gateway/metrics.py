"""Gateway metrics (Prometheus). Labels come from small fixed sets: route, configured model
names (anything else is ``other``), status class. Never keys, users or prompts."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
_TOKEN_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)

REQUESTS = Counter("llmops_requests_total", "Requests answered, by route, model and HTTP status class.", ["route", "model", "status_class"])
REQUEST_DURATION = Histogram(
    "llmops_request_duration_seconds", "End-to-end request time at the gateway, to the last byte.", ["route", "model", "status_class"], buckets=_LATENCY_BUCKETS
)
TIME_TO_FIRST_TOKEN = Histogram("llmops_time_to_first_token_seconds", "Time from request arrival to the first streamed token.", ["model"], buckets=_LATENCY_BUCKETS)
INTER_TOKEN_LATENCY = Histogram("llmops_inter_token_latency_seconds", "Time between streamed chunks after the first.", ["model"], buckets=_TOKEN_LATENCY_BUCKETS)
PROMPT_TOKENS = Counter("llmops_prompt_tokens_total", "Prompt tokens processed.", ["model"])
COMPLETION_TOKENS = Counter("llmops_completion_tokens_total", "Completion tokens generated.", ["model"])
IN_FLIGHT = Gauge("llmops_requests_in_flight", "Requests being served right now.", ["route"])
QUOTA_REJECTIONS = Counter("llmops_quota_rejections_total", "Requests refused by a per-key quota.", ["limit"])


def status_class(status: int) -> str:
    return f"{status // 100}xx"
