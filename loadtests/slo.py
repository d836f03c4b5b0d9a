"""SLO verdict of a Locust run, from its stats CSV (``<prefix>_stats.csv``).

The locustfile reports streamed chat requests as ordinary Locust requests, plus two metrics of
its own: rows of type ``TTFT`` and ``ITL`` (milliseconds; name ``all`` over every scenario, which
is what is judged, and TTFT again per scenario, which is only reported). The verdict compares their 95th
percentiles and the error ratio of the real requests with the thresholds of an SLO file
(``loadtests/slo.yaml``). Plain Python: no Locust import (Locust runs in its own process).
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

METRIC_TYPES = ("TTFT", "ITL")


class SLO(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ttft_p95_s: float = Field(gt=0, description="Highest acceptable p95 time to first token (s).")
    itl_p95_s: float = Field(gt=0, description="Highest acceptable p95 inter-token latency (s).")
    error_ratio: float = Field(ge=0, le=1, description="Highest acceptable share of failed requests.")
    min_requests: int = Field(1, ge=1, description="Fewest requests for a meaningful verdict.")

    @classmethod
    def load(cls, path: Path) -> SLO:
        return cls.model_validate(yaml.safe_load(Path(path).read_text()))


@dataclass
class RunStats:
    requests: int
    failures: int
    requests_per_s: float
    ttft_p50_s: float | None
    ttft_p95_s: float | None
    itl_p50_s: float | None
    itl_p95_s: float | None
    ttft_samples: int
    itl_samples: int
    exceptions: int  # errors inside the locustfile's tasks (not requests): any is a breach
    by_name: dict[str, dict[str, float]]

    @property
    def error_ratio(self) -> float:
        return self.failures / self.requests if self.requests else 1.0


@dataclass
class Check:
    name: str
    measured: float | None
    threshold: float
    passed: bool


@dataclass
class Verdict:
    passed: bool
    checks: list[Check]
    stats: RunStats

    def as_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "checks": [asdict(c) for c in self.checks],
            "stats": asdict(self.stats) | {"error_ratio": self.stats.error_ratio},
        }


def _ms(value: str) -> float | None:
    return float(value) / 1000 if value not in ("", "N/A") else None


def read_stats(stats_csv: Path) -> RunStats:
    """Totals and percentiles from Locust's ``_stats.csv`` (and task errors from the
    ``_exceptions.csv`` beside it)."""
    rows = list(csv.DictReader(io.StringIO(Path(stats_csv).read_text())))
    exceptions_csv = Path(str(stats_csv).removesuffix("_stats.csv") + "_exceptions.csv")
    exceptions = (
        sum(int(r["Count"]) for r in csv.DictReader(io.StringIO(exceptions_csv.read_text())))
        if exceptions_csv.exists()
        else 0
    )
    metric = {r["Type"]: r for r in rows if r["Type"] in METRIC_TYPES and r["Name"] == "all"}
    real = [r for r in rows if r["Name"] != "Aggregated" and r["Type"] not in METRIC_TYPES]
    per_scenario = [r for r in rows if r["Type"] in METRIC_TYPES and r["Name"] != "all"]
    get = lambda kind, col: _ms(metric[kind][col]) if kind in metric and int(metric[kind]["Request Count"]) else None  # noqa: E731
    return RunStats(
        requests=sum(int(r["Request Count"]) for r in real),
        failures=sum(int(r["Failure Count"]) for r in real),
        requests_per_s=sum(float(r["Requests/s"]) for r in real),
        ttft_p50_s=get("TTFT", "50%"),
        ttft_p95_s=get("TTFT", "95%"),
        itl_p50_s=get("ITL", "50%"),
        itl_p95_s=get("ITL", "95%"),
        ttft_samples=int(metric["TTFT"]["Request Count"]) if "TTFT" in metric else 0,
        itl_samples=int(metric["ITL"]["Request Count"]) if "ITL" in metric else 0,
        exceptions=exceptions,
        by_name={
            f"{r['Type']} {r['Name']}": {
                "requests": int(r["Request Count"]),
                "failures": int(r["Failure Count"]),
                "p95_s": _ms(r["95%"]) or 0.0,
            }
            for r in real + per_scenario
        },
    )


def judge(stats: RunStats, slo: SLO) -> Verdict:
    """Requests must reach min_requests, task exceptions must be 0, every other check passes when
    measured <= threshold; a missing latency (no streamed chat in the run) is not judged."""
    checks = [Check("requests", stats.requests, slo.min_requests, stats.requests >= slo.min_requests)]
    checks.append(Check("task_exceptions", stats.exceptions, 0, stats.exceptions == 0))
    checks.append(
        Check("error_ratio", round(stats.error_ratio, 4), slo.error_ratio, stats.error_ratio <= slo.error_ratio)
    )
    for name, measured, threshold in (
        ("ttft_p95_s", stats.ttft_p95_s, slo.ttft_p95_s),
        ("itl_p95_s", stats.itl_p95_s, slo.itl_p95_s),
    ):
        if measured is not None:
            checks.append(Check(name, measured, threshold, measured <= threshold))
    return Verdict(all(c.passed for c in checks), checks, stats)
