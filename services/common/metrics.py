"""The one way to declare a Prometheus metric in llmops.

``counter``, ``gauge`` and ``histogram`` check the conventions (DESIGN §3) when the metric is
defined, so a wrong name or an unbounded label fails at import, in the first test that loads
the module, rather than in a dashboard:

- the name starts with ``llmops_``; counters, and only counters, end with ``_total``;
- units are base units in the name (``_seconds``, ``_bytes``, ...); anything that measures time
  ends with ``_seconds``; histograms name their unit;
- label names come from ``LABELS``, each of which takes values from a small fixed set
  (never user ids, keys or prompts);
- every metric has help text.

Each metric is recorded in ``declared()``, which is how the metrics catalogue
(``monitoring/catalogue.py``) finds them: a new service declares its metrics here and nothing
in ``monitoring/`` has to change. ``registry`` is injectable (a job with its own registry, a
test); by default the process-wide one.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

PREFIX = "llmops_"
# Label names our metrics may use; each takes values from a small fixed set.
LABELS = frozenset(
    {
        "route",  # chat, completions, embeddings, retrieve, ...
        "model",  # configured public model names; anything else is "other"
        "status_class",  # 2xx, 4xx, 5xx
        "variant",  # model version / experiment arm from the routing table
        "experiment",  # configured experiment names
        "collection",  # configured RAG collections
        "stage",  # fixed pipeline or retrieval stage names
        "limit",
        "scope",
        "outcome",
        "detector",
        "direction",
        "action",
        "feature",
        "window",
        "verdict",  # promote, rollback, continue (A/B reports)
    }
)
BASE_UNITS = ("seconds", "bytes", "usd", "ratio", "tokens", "requests", "chars")
_NON_BASE_UNITS = re.compile(
    r"_(milli|micro|nano)?(ms|us|ns|millis|milliseconds|microseconds|minutes|hours|kb|mb|gb|kib|mib|gib|percent)(_|$)"
)
_TIME_WORDS = re.compile(r"(duration|latency|time|timestamp)")


@dataclass(frozen=True)
class MetricSpec:
    name: str  # as exposed (counters with _total)
    type: str  # counter, gauge or histogram
    labels: tuple[str, ...]
    help: str
    module: str  # where it is declared

    @property
    def unit(self) -> str:
        return unit_of(self.name)


_declared: dict[str, MetricSpec] = {}


def unit_of(name: str) -> str:
    """The base unit in a metric's name ("" for a count or a flag)."""
    stem = name.removesuffix("_total")
    return next((unit for unit in BASE_UNITS if stem.endswith("_" + unit)), "")


def problems(spec: MetricSpec) -> list[str]:
    """What in ``spec`` breaks the conventions; empty when it follows them."""
    found = []
    if not spec.name.startswith(PREFIX):
        found.append(f"{spec.name}: does not start with {PREFIX}")
    if (spec.type == "counter") != spec.name.endswith("_total"):
        found.append(f"{spec.name}: _total is for counters only, and every counter ends with it")
    if _NON_BASE_UNITS.search(spec.name):
        found.append(f"{spec.name}: use base units (_seconds, _bytes)")
    if _TIME_WORDS.search(spec.name) and spec.unit != "seconds":
        found.append(f"{spec.name}: a time must be in _seconds")
    if spec.type in ("histogram", "summary") and not spec.unit:
        found.append(f"{spec.name}: a distribution needs a unit suffix")
    found += [
        f"{spec.name}: label {label!r} is not one of the bounded label names"
        for label in spec.labels
        if label not in LABELS
    ]
    if not spec.help.strip():
        found.append(f"{spec.name}: no help text")
    return found


def _declare(kind: str, name: str, help: str, labels: Sequence[str]) -> MetricSpec:
    caller = sys._getframe(2).f_globals.get("__name__", "?")  # the module that declares it
    spec = MetricSpec(name, kind, tuple(labels), help, caller)
    wrong = problems(spec)
    if wrong:
        raise ValueError("; ".join(wrong))
    known = _declared.setdefault(name, spec)
    if (known.type, known.labels, known.help) != (spec.type, spec.labels, spec.help):
        raise ValueError(f"{name}: declared twice, differently ({known.module} and {caller})")
    return spec


def counter(
    name: str, help: str, labels: Sequence[str] = (), *, registry: CollectorRegistry | None = REGISTRY
) -> Counter:
    """A counter; ``name`` ends with ``_total`` (as exposed)."""
    _declare("counter", name, help, labels)
    return Counter(name, help, list(labels), registry=registry)


def gauge(name: str, help: str, labels: Sequence[str] = (), *, registry: CollectorRegistry | None = REGISTRY) -> Gauge:
    _declare("gauge", name, help, labels)
    return Gauge(name, help, list(labels), registry=registry)


def histogram(
    name: str,
    help: str,
    labels: Sequence[str] = (),
    *,
    buckets: Sequence[float],
    registry: CollectorRegistry | None = REGISTRY,
) -> Histogram:
    _declare("histogram", name, help, labels)
    return Histogram(name, help, list(labels), buckets=tuple(buckets), registry=registry)


def declared() -> list[MetricSpec]:
    """Every metric declared through this module so far, by name."""
    return sorted(_declared.values(), key=lambda s: s.name)


def status_class(status: int) -> str:
    return f"{status // 100}xx"
