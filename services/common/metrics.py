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

**Per-replica export through Ray.** A metric of the process-wide registry is a ``Metric``: the
prometheus_client metric (served by the process's own ``/metrics``) that, once ``export_to_ray``
ran in the process (a Ray Serve replica), records every change into Ray's metrics agent as well
(``ray.util.metrics``, tagged with the replica). Each node's agent serves them on Ray's metrics
port, which Prometheus scrapes per pod, so every replica is its own series instead of whichever
replica answered a scrape through the Serve proxy. Ray names them ``ray_`` + name (a counter:
``ray_`` + name without ``_total``, to which Ray adds ``_total`` again); the chart's PodMonitor
takes the ``ray_`` off (``ray_name``, ``exported_name``), so dashboards and alerts see the names
declared here.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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


RAY_PREFIX = "ray_"  # what Ray's metrics agent puts before an application metric's name


def ray_name(spec: MetricSpec) -> str:
    """The name given to ``ray.util.metrics``: Ray appends ``_total`` to a counter itself."""
    return spec.name.removesuffix("_total") if spec.type == "counter" else spec.name


def exported_name(ray_series: str) -> str:
    """A series name on Ray's metrics port as the chart's PodMonitor relabels it (``ray_llmops_x``
    -> ``llmops_x``); other names unchanged."""
    rest = ray_series.removeprefix(RAY_PREFIX)
    return rest if ray_series.startswith(RAY_PREFIX + PREFIX) else ray_series


_ray_tags: dict[str, str] | None = None  # set by export_to_ray: this process records into Ray too


def export_to_ray(tags: Mapping[str, str]) -> None:
    """From now on record every ``Metric`` of this process into Ray's metrics agent as well, with
    ``tags`` added (e.g. ``{"replica": <Serve replica id>}``: one series per replica). Call it in a
    Ray worker (a Serve replica's constructor)."""
    global _ray_tags
    _ray_tags = {str(k): str(v) for k, v in tags.items()}


class Metric:
    """A prometheus_client metric (same calls: ``labels(...)``, ``inc``, ``dec``, ``set``,
    ``observe``) mirrored into ``ray.util.metrics`` after ``export_to_ray``. A gauge is mirrored by
    its value after each change; a counter by its increments; a histogram by its observations."""

    def __init__(self, spec: MetricSpec, prom: Any, buckets: Sequence[float] = ()):
        self.spec, self._prom, self._buckets = spec, prom, tuple(buckets)
        self._ray: Any = None
        self._children: dict[Any, _Child] = {}  # by label values: hot paths record per chunk or scan

    def _ray_metric(self) -> Any:
        if _ray_tags is None:
            return None
        if self._ray is None:
            from ray.util import metrics as ray_metrics

            keys = (*self.spec.labels, *sorted(set(_ray_tags) - set(self.spec.labels)))
            name, help = ray_name(self.spec), self.spec.help
            if self.spec.type == "counter":
                self._ray = ray_metrics.Counter(name, help, keys)
            elif self.spec.type == "histogram":
                self._ray = ray_metrics.Histogram(name, help, list(self._buckets), keys)
            else:
                self._ray = ray_metrics.Gauge(name, help, keys)
            self._ray.set_default_tags(_ray_tags)
        return self._ray

    def _record(self, child: Any, labels: dict[str, str], op: str, amount: float) -> None:
        getattr(child, op)(amount)
        ray = self._ray_metric()
        if ray is None:
            return
        if self.spec.type == "counter":
            if amount:
                ray.inc(amount, labels)
        elif self.spec.type == "histogram":
            ray.observe(amount, labels)
        else:  # the gauge's value after the change (inc/dec have no Ray counterpart)
            ray.set(child._value.get(), labels)

    def labels(self, *values: Any, **named: Any) -> _Child:
        key = (values, tuple(named.items()))
        child = self._children.get(key)
        if child is None:
            labels = {k: str(v) for k, v in (named or dict(zip(self.spec.labels, values, strict=True))).items()}
            child = self._children[key] = _Child(self, self._prom.labels(**labels), labels)
        return child

    def remove(self, *values: Any) -> None:
        self._children.clear()
        self._prom.remove(*values)

    def clear(self) -> None:
        self._children.clear()
        self._prom.clear()

    def inc(self, amount: float = 1) -> None:
        self._record(self._prom, {}, "inc", amount)

    def dec(self, amount: float = 1) -> None:
        self._record(self._prom, {}, "dec", amount)

    def set(self, value: float) -> None:
        self._record(self._prom, {}, "set", value)

    def observe(self, value: float) -> None:
        self._record(self._prom, {}, "observe", value)

    def __getattr__(self, name: str) -> Any:  # the rest of prometheus_client's API (clear, collect, ...)
        return getattr(self._prom, name)


class _Child:
    """One labelled series of a ``Metric``."""

    def __init__(self, metric: Metric, prom: Any, labels: dict[str, str]):
        self._metric, self._prom, self._labels = metric, prom, labels

    def inc(self, amount: float = 1) -> None:
        self._metric._record(self._prom, self._labels, "inc", amount)

    def dec(self, amount: float = 1) -> None:
        self._metric._record(self._prom, self._labels, "dec", amount)

    def set(self, value: float) -> None:
        self._metric._record(self._prom, self._labels, "set", value)

    def observe(self, value: float) -> None:
        self._metric._record(self._prom, self._labels, "observe", value)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._prom, name)


def _wrapped(spec: MetricSpec, prom: Any, registry: CollectorRegistry | None, buckets: Sequence[float] = ()) -> Any:
    """The process-wide registry's metrics are ``Metric``s; a job's own registry keeps plain ones."""
    return Metric(spec, prom, buckets) if registry is REGISTRY else prom


def counter(
    name: str, help: str, labels: Sequence[str] = (), *, registry: CollectorRegistry | None = REGISTRY
) -> Counter | Metric:
    """A counter; ``name`` ends with ``_total`` (as exposed)."""
    spec = _declare("counter", name, help, labels)
    return _wrapped(spec, Counter(name, help, list(labels), registry=registry), registry)


def gauge(
    name: str, help: str, labels: Sequence[str] = (), *, registry: CollectorRegistry | None = REGISTRY
) -> Gauge | Metric:
    spec = _declare("gauge", name, help, labels)
    return _wrapped(spec, Gauge(name, help, list(labels), registry=registry), registry)


def histogram(
    name: str,
    help: str,
    labels: Sequence[str] = (),
    *,
    buckets: Sequence[float],
    registry: CollectorRegistry | None = REGISTRY,
) -> Histogram | Metric:
    spec = _declare("histogram", name, help, labels)
    prom = Histogram(name, help, list(labels), buckets=tuple(buckets), registry=registry)
    return _wrapped(spec, prom, registry, buckets)


def declared() -> list[MetricSpec]:
    """Every metric declared through this module so far, by name."""
    return sorted(_declared.values(), key=lambda s: s.name)


def status_class(status: int) -> str:
    return f"{status // 100}xx"
