"""Router metrics (gateway process). Labels: configured experiment and variant names only."""

from __future__ import annotations

from services.common.metrics import counter, gauge, histogram

ASSIGNMENTS = counter(
    "llmops_ab_assignments_total", "Requests assigned to an experiment variant.", ["experiment", "variant"]
)
REQUESTS = counter(
    "llmops_ab_requests_total",
    "Requests answered per routed variant (experiment 'none': a registry version outside experiments).",
    ["experiment", "variant", "status_class"],
)
REQUEST_DURATION = histogram(
    "llmops_ab_request_duration_seconds",
    "End-to-end request time per routed variant.",
    ["experiment", "variant"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
TIME_TO_FIRST_TOKEN = histogram(
    "llmops_ab_time_to_first_token_seconds",
    "Time to the first streamed token per routed variant.",
    ["experiment", "variant"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
FEEDBACK = counter(
    "llmops_ab_feedback_total",
    "Feedback received per variant, by outcome: up (thumbs up or 4-5), down (thumbs down or 1-3), preference.",
    ["experiment", "variant", "outcome"],
)
SHADOW = counter(
    "llmops_ab_shadow_requests_total",
    "Mirrored (shadow) requests by outcome: ok, error, timeout, dropped (too many in flight).",
    ["experiment", "outcome"],
)
SHADOW_DURATION = histogram(
    "llmops_ab_shadow_duration_seconds",
    "End-to-end time of mirrored requests (never seen by clients).",
    ["experiment"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
CANARY_SHARE = gauge("llmops_ab_canary_share_ratio", "Current traffic share of the canary variant.", ["experiment"])
CANARY_HALTED = gauge(
    "llmops_ab_canary_halted", "1 when the canary was halted by a guardrail (its traffic is 0).", ["experiment"]
)
