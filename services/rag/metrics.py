"""RAG metrics, recorded in the gateway process (where the retrieval stage and /v1/retrieve run)
and so shown on the gateway's /metrics. Per-stage times are measured inside the retrieval
service and returned with each answer; ``stage="gateway"`` is the whole call as the gateway saw
it (the Ray hop included) and ``stage="scan"`` the safety service's injection scan of the
passages. Labels come only from the fixed sets below; never collection names, queries or text."""

from __future__ import annotations

from typing import Any

from services.common.metrics import counter, histogram

STAGES = ("embed", "dense", "bm25", "fuse", "total", "gateway", "scan")
ROUTES = ("chat", "retrieve")
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)

RETRIEVAL_DURATION = histogram(
    "llmops_rag_retrieval_duration_seconds",
    "Time of one retrieval, per stage (embed, dense, bm25, fuse, total in the service; gateway: the whole call; "
    "scan: the injection scan of the passages).",
    ["stage"],
    buckets=_BUCKETS,
)
PASSAGES = counter(
    "llmops_rag_passages_total",
    "Passages retrieved, by route and outcome (returned by the index, dropped as indirect injection).",
    ["route", "outcome"],
)
EMPTY_RESULTS = counter(
    "llmops_rag_empty_results_total", "Retrievals that found no passage at all, by route.", ["route"]
)


def record(event: str, data: dict[str, Any]) -> None:
    """The grounded-chat logic's and the /v1/retrieve route's events, as metrics."""
    if event == "retrieved":
        for stage, seconds in data.get("timings", {}).items():
            if stage in STAGES:
                RETRIEVAL_DURATION.labels(stage).observe(seconds)
        RETRIEVAL_DURATION.labels("gateway").observe(data["gateway_s"])
    elif event == "scanned":
        RETRIEVAL_DURATION.labels("scan").observe(data["seconds"])
    elif event == "passages":
        route = data["route"] if data["route"] in ROUTES else "chat"
        PASSAGES.labels(route, "returned").inc(data["returned"])
        PASSAGES.labels(route, "dropped_injection").inc(data["dropped"])
        if data["returned"] == 0:
            EMPTY_RESULTS.labels(route).inc()
