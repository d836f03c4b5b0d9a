"""The metrics catalogue: every metric the stack exports, generated from the code.

Our metrics are read from the ``prometheus_client`` metric objects of the modules that define
them (``OUR_METRIC_MODULES``; a module that is not importable, such as a service not built on
this branch, is left out). Engine metrics (vLLM through Ray, Ray Serve) cannot be read from
code without starting an engine, so they are recorded once from a running stack's Ray metrics
export into ``engine_metrics.json`` (``llmops monitor catalogue --record-engine-from URL``) and
merged from there. ``llmops monitor catalogue`` writes ``catalogue.json`` and ``CATALOGUE.md``;
``--check`` compares them with the committed files and checks our metrics against the
conventions (DESIGN §3) with ``convention_problems``.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.parser import text_string_to_metric_families

HERE = Path(__file__).resolve().parent
CATALOGUE_JSON = HERE / "catalogue.json"
CATALOGUE_MD = HERE / "CATALOGUE.md"
ENGINE_METRICS_JSON = HERE / "engine_metrics.json"

OUR_METRIC_MODULES = ("services.gateway.metrics", "services.safety.metrics", "monitoring.drift.metrics")
ENGINE_PREFIXES = ("ray_vllm_", "ray_serve_")

# Label names our metrics may use: each takes values from a small fixed set (DESIGN §3).
ALLOWED_LABELS = frozenset(
    {
        "route",
        "model",
        "status_class",
        "limit",
        "scope",
        "outcome",
        "detector",
        "direction",
        "action",
        "variant",
        "feature",
        "window",
    }
)
BASE_UNITS = ("seconds", "bytes", "usd", "ratio", "tokens", "requests", "chars")
NON_BASE_UNITS = re.compile(
    r"_(milli|micro|nano)?(ms|us|ns|millis|milliseconds|microseconds|minutes|hours|kb|mb|gb|kib|mib|gib|percent)(_|$)"
)
TIME_WORDS = re.compile(r"(duration|latency|time|timestamp)")


@dataclass(frozen=True)
class MetricEntry:
    name: str  # as exposed (counters with _total)
    type: str  # counter, gauge, histogram, summary, info, ...
    unit: str  # from the name's suffix; "" when the value is a count or a flag
    labels: tuple[str, ...]
    help: str
    source: str  # the module, or "engine (recorded)"


def unit_of(name: str) -> str:
    stem = name[: -len("_total")] if name.endswith("_total") else name
    for unit in BASE_UNITS:
        if stem.endswith("_" + unit):
            return unit
    return ""


def our_metrics(modules: tuple[str, ...] = OUR_METRIC_MODULES) -> list[MetricEntry]:
    entries: list[MetricEntry] = []
    for module_name in modules:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for metric in _metric_objects(module):
            name = metric._name + ("_total" if metric._type == "counter" else "")
            entries.append(
                MetricEntry(
                    name, metric._type, unit_of(name), tuple(metric._labelnames), metric._documentation, module_name
                )
            )
    return sorted(entries, key=lambda e: e.name)


def _metric_objects(module: Any) -> list[MetricWrapperBase]:
    found = [v for v in vars(module).values() if isinstance(v, MetricWrapperBase)]
    # modules whose metrics live in a per-run holder class (drift): instantiate it once
    holder = getattr(module, "DriftMetrics", None)
    if holder is not None:
        found += [v for v in vars(holder()).values() if isinstance(v, MetricWrapperBase)]
    return found


def record_engine_metrics(exposition: str) -> list[dict[str, Any]]:
    """Engine metric families (vLLM via Ray, Ray Serve) from a Ray metrics export page."""
    families: dict[str, dict[str, Any]] = {}
    for family in text_string_to_metric_families(exposition):
        if not family.name.startswith(ENGINE_PREFIXES):
            continue
        exposed = family.name + ("_total" if family.type == "counter" else "")
        entry = families.setdefault(
            exposed, {"name": exposed, "type": family.type, "help": family.documentation, "labels": set()}
        )
        for sample in family.samples:
            entry["labels"].update(k for k in sample.labels if k not in ("le", "quantile"))
    return [{**e, "labels": sorted(e["labels"])} for _, e in sorted(families.items())]


def engine_metrics(path: Path = ENGINE_METRICS_JSON) -> list[MetricEntry]:
    if not path.exists():
        return []
    recorded = json.loads(path.read_text())
    return [
        MetricEntry(m["name"], m["type"], unit_of(m["name"]), tuple(m["labels"]), m["help"], "engine (recorded)")
        for m in recorded["metrics"]
    ]


def build_catalogue() -> list[MetricEntry]:
    return our_metrics() + engine_metrics()


def convention_problems(entries: list[MetricEntry]) -> list[str]:
    """What breaks DESIGN §3 in our metrics (engine metrics are vLLM's and Ray's names)."""
    problems = []
    for e in entries:
        if e.source.startswith("engine"):
            continue
        if not e.name.startswith("llmops_"):
            problems.append(f"{e.name}: does not start with llmops_")
        if (e.type == "counter") != e.name.endswith("_total"):
            problems.append(f"{e.name}: _total is for counters only, and every counter ends with it")
        if NON_BASE_UNITS.search(e.name):
            problems.append(f"{e.name}: use base units (_seconds, _bytes)")
        if TIME_WORDS.search(e.name) and unit_of(e.name) != "seconds":
            problems.append(f"{e.name}: a time must be in _seconds")
        if e.type in ("histogram", "summary") and not unit_of(e.name):
            problems.append(f"{e.name}: a distribution needs a unit suffix")
        for label in e.labels:
            if label not in ALLOWED_LABELS:
                problems.append(f"{e.name}: label {label!r} is not one of the bounded label names")
        if not e.help.strip():
            problems.append(f"{e.name}: no help text")
    return problems


def render_json(entries: list[MetricEntry]) -> str:
    return json.dumps({"metrics": [asdict(e) for e in entries]}, indent=1) + "\n"


def render_markdown(entries: list[MetricEntry]) -> str:
    recorded = json.loads(ENGINE_METRICS_JSON.read_text()).get("recorded", "") if ENGINE_METRICS_JSON.exists() else ""
    lines = [
        "# Metrics catalogue",
        "",
        "Generated by `llmops monitor catalogue` from the code; do not edit by hand. `unit` comes from",
        "the name's suffix (empty: a count or a flag). Engine metrics are recorded from a running",
        f"stack's Ray metrics export ({recorded or 'not recorded yet'}).",
        "",
        "| name | type | unit | labels | source | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for e in entries:
        help_text = e.help.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{e.name}` | {e.type} | {e.unit} | {', '.join(e.labels)} | {e.source} | {help_text} |")
    return "\n".join(lines) + "\n"


def write_catalogue(entries: list[MetricEntry] | None = None) -> None:
    entries = entries if entries is not None else build_catalogue()
    CATALOGUE_JSON.write_text(render_json(entries))
    CATALOGUE_MD.write_text(render_markdown(entries))


def stale_files(entries: list[MetricEntry] | None = None) -> list[str]:
    """Committed catalogue files that differ from what the code generates now."""
    entries = entries if entries is not None else build_catalogue()
    wanted = {CATALOGUE_JSON: render_json(entries), CATALOGUE_MD: render_markdown(entries)}
    return [p.name for p, text in wanted.items() if not p.exists() or p.read_text() != text]


def exported_names(entries: list[MetricEntry]) -> set[str]:
    """Every series name a PromQL query may use (histograms add _bucket, _sum, _count)."""
    names = set()
    for e in entries:
        names.add(e.name)
        if e.type == "histogram":
            names.update({e.name + "_bucket", e.name + "_sum", e.name + "_count"})
        if e.type == "summary":
            names.update({e.name + "_sum", e.name + "_count"})
    return names
