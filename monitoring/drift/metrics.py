"""Drift gauges. The drift monitor runs as a job (CLI, Kubernetes CronJob), not a server, so its
gauges live in their own registry and leave as a Prometheus text file (or a Pushgateway push).
Labels: ``feature`` from ``FEATURES`` and ``window`` from two values; nothing else."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from services.common.metrics import gauge

# The features the monitor compares (fixed; the label ``feature`` takes only these values).
FEATURES = (
    "prompt_chars",
    "output_chars",
    "injection_score",
    "toxicity_score",
    "pii_entities",
    "retrieval_score",
    "language",
)
WINDOWS = ("reference", "current")


class DriftMetrics:
    """One registry per run, so that a report's gauges never mix with another's."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.detected = gauge(
            "llmops_drift_detected", "1 when the last drift report found dataset drift, else 0.", registry=self.registry
        )
        self.drifted_ratio = gauge(
            "llmops_drift_drifted_features_ratio",
            "Share of compared features whose distribution drifted (0..1).",
            registry=self.registry,
        )
        self.feature_score = gauge(
            "llmops_drift_feature_score",
            "Drift test statistic per feature (p-value or distance, see the report).",
            ["feature"],
            registry=self.registry,
        )
        self.feature_drifted = gauge(
            "llmops_drift_feature_drifted",
            "1 when this feature drifted in the last report.",
            ["feature"],
            registry=self.registry,
        )
        self.embedding_distance = gauge(
            "llmops_drift_embedding_distance",
            "Cosine distance between the mean prompt embeddings of the two windows.",
            registry=self.registry,
        )
        self.window_requests = gauge(
            "llmops_drift_window_requests",
            "Request log records in each compared window.",
            ["window"],
            registry=self.registry,
        )
        self.last_run = gauge(
            "llmops_drift_last_run_timestamp_seconds", "Unix time of the last drift report.", registry=self.registry
        )


# Declared once at import (in a registry of its own), so that the metrics catalogue lists them.
DriftMetrics()
