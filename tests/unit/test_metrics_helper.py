"""The metrics helper refuses metrics that break the conventions when they are defined."""

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from services.common import metrics


@pytest.mark.parametrize(
    ("kind", "name", "labels", "problem"),
    [
        ("counter", "requests_total", (), "does not start with llmops_"),
        ("counter", "llmops_things", (), "_total is for counters only"),
        ("gauge", "llmops_in_flight_total", (), "_total is for counters only"),
        ("gauge", "llmops_latency_milliseconds", (), "base units"),
        ("gauge", "llmops_queue_time", (), "_seconds"),
        ("counter", "llmops_logins_total", ("user",), "label 'user'"),
        ("counter", "llmops_logins_total", ("key_id",), "label 'key_id'"),
    ],
)
def test_bad_definitions_fail_at_once(kind, name, labels, problem):
    registry = CollectorRegistry()
    with pytest.raises(ValueError, match=problem):
        getattr(metrics, kind)(name, "help", labels, registry=registry)
    assert name not in {s.name for s in metrics.declared()}


def test_histogram_needs_a_unit_and_help_text():
    with pytest.raises(ValueError, match="unit suffix"):
        metrics.histogram("llmops_sizes", "h", buckets=(1, 2), registry=CollectorRegistry())
    with pytest.raises(ValueError, match="no help"):
        metrics.gauge("llmops_up", " ", registry=CollectorRegistry())


def test_declared_metrics_are_listed_and_land_in_the_given_registry():
    registry = CollectorRegistry()
    c = metrics.counter(
        "llmops_helper_test_events_total", "Events in the helper test.", ("outcome",), registry=registry
    )
    c.labels("ok").inc()
    spec = next(s for s in metrics.declared() if s.name == "llmops_helper_test_events_total")
    assert (spec.type, spec.labels, spec.module) == ("counter", ("outcome",), __name__)
    assert b'llmops_helper_test_events_total{outcome="ok"} 1.0' in generate_latest(registry)
    with pytest.raises(ValueError, match="declared twice"):
        metrics.counter("llmops_helper_test_events_total", "Other help.", registry=CollectorRegistry())
