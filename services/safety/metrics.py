"""Safety metrics, recorded in the gateway process (where the guard stages run) and so shown on
the gateway's /metrics. Per-detector times are measured inside the safety service and returned
with each verdict; ``detector="all"`` is the whole check as the gateway saw it, hop included.
Labels come only from the fixed sets below."""

from __future__ import annotations

from services.common.metrics import counter, histogram

DETECTORS = ("pii", "injection", "toxicity", "heuristics", "all")
DIRECTIONS = ("input", "output")
ACTIONS = ("allow", "redact", "block", "flag")
OUTCOMES = ("fail_open", "fail_closed")

_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.015, 0.025, 0.04, 0.05, 0.1, 0.25, 0.5, 1, 2.5)

CHECK_DURATION = histogram(
    "llmops_safety_check_duration_seconds",
    "Time of one safety check, per detector and direction.",
    ["detector", "direction"],
    buckets=_BUCKETS,
)
ACTIONS_TOTAL = counter(
    "llmops_safety_actions_total",
    "Safety decisions, by detector, direction and action taken.",
    ["detector", "direction", "action"],
)
FAILURES = counter(
    "llmops_safety_failures_total",
    "Safety checks that failed or timed out, by direction and the policy applied.",
    ["direction", "outcome"],
)


def record(direction: str, verdict: dict, total_s: float) -> None:
    CHECK_DURATION.labels("all", direction).observe(total_s)
    for detector, seconds in verdict.get("timings", {}).items():
        if detector in DETECTORS:
            CHECK_DURATION.labels(detector, direction).observe(seconds)
    for detector, action in verdict.get("actions", {}).items():
        if detector in DETECTORS and action in ACTIONS:
            ACTIONS_TOTAL.labels(detector, direction, action).inc()
