"""Verdict gauges of ``llmops ab report``. The report runs as a job (CLI, CronJob), not a server,
so, like the drift monitor's, its gauges live in a registry of their own and leave as a
Prometheus text file or a Pushgateway push. Labels: the configured experiment names and the
three verdicts; nothing else."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry

from services.common.metrics import gauge

VERDICTS = ("promote", "rollback", "continue")


class ReportMetrics:
    """One registry per run, so that one report's gauges never mix with another's."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.verdict = gauge(
            "llmops_ab_verdict",
            "1 for the verdict of the last report of an experiment (promote, rollback, continue), 0 for the others.",
            ["experiment", "verdict"],
            registry=self.registry,
        )
        self.mismatch = gauge(
            "llmops_ab_sample_ratio_mismatch",
            "1 when the last report found a sample-ratio mismatch (chi-square p < 0.001): the split is broken.",
            ["experiment"],
            registry=self.registry,
        )
        self.requests = gauge(
            "llmops_ab_report_requests",
            "Requests per variant counted by the last report.",
            ["experiment", "variant"],
            registry=self.registry,
        )
        self.last_run = gauge(
            "llmops_ab_report_timestamp_seconds",
            "Unix time of the last report.",
            ["experiment"],
            registry=self.registry,
        )

    def export(self, report: dict[str, Any], *, now: float | None = None) -> CollectorRegistry:
        name = report["experiment"]
        for verdict in VERDICTS:
            self.verdict.labels(name, verdict).set(1 if report["verdict"] == verdict else 0)
        self.mismatch.labels(name).set(1 if report["sample_ratio"]["mismatch"] else 0)
        for variant, figures in report["variants"].items():
            self.requests.labels(name, variant).set(figures["requests"])
        self.last_run.labels(name).set(time.time() if now is None else now)
        return self.registry


# Declared once at import (in a registry of its own), so that the metrics catalogue lists them.
ReportMetrics()
