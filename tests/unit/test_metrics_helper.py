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


class FakeRayMetric:
    """Records what a ``ray.util.metrics`` metric is given (Ray itself needs a running node)."""

    made: list["FakeRayMetric"] = []

    def __init__(self, name, description="", *args):
        self.name, self.description = name, description
        self.boundaries = args[0] if len(args) == 2 else None
        self.tag_keys = args[-1]
        self.defaults: dict = {}
        self.calls: list = []
        FakeRayMetric.made.append(self)

    def set_default_tags(self, tags):
        self.defaults = dict(tags)

    def _call(self, op, value, tags):
        tags = {**self.defaults, **(tags or {})}
        assert set(tags) == set(self.tag_keys), (tags, self.tag_keys)  # Ray refuses missing tags
        self.calls.append((op, value, tags))

    def inc(self, value=1.0, tags=None):
        self._call("inc", value, tags)

    def set(self, value, tags=None):
        self._call("set", value, tags)

    def observe(self, value, tags=None):
        self._call("observe", value, tags)


def test_metrics_are_mirrored_into_ray_per_replica_after_export_to_ray(monkeypatch):
    from prometheus_client import Counter, Gauge, Histogram
    from ray.util import metrics as ray_metrics

    for kind in ("Counter", "Gauge", "Histogram"):
        monkeypatch.setattr(ray_metrics, kind, FakeRayMetric)
    monkeypatch.setattr(metrics, "_ray_tags", None)
    FakeRayMetric.made = []
    registry = CollectorRegistry()
    spec = lambda kind, name, labels: metrics.MetricSpec(name, kind, labels, "help text", __name__)  # noqa: E731
    requests = metrics.Metric(
        spec("counter", "llmops_requests_total", ("route", "model")),
        Counter("llmops_requests_total", "h", ["route", "model"], registry=registry),
    )
    in_flight = metrics.Metric(
        spec("gauge", "llmops_requests_in_flight", ("route",)),
        Gauge("llmops_requests_in_flight", "h", ["route"], registry=registry),
    )
    latency = metrics.Metric(
        spec("histogram", "llmops_request_duration_seconds", ()),
        Histogram("llmops_request_duration_seconds", "h", buckets=(0.1, 1.0), registry=registry),
        buckets=(0.1, 1.0),
    )
    requests.labels("chat", "m").inc()  # before export: prometheus only
    assert FakeRayMetric.made == []
    metrics.export_to_ray({"replica": "r1"})
    requests.labels(route="chat", model="m").inc(2)
    in_flight.labels("chat").inc()
    in_flight.labels("chat").inc()
    in_flight.labels("chat").dec()
    latency.observe(0.5)
    made = {m.name: m for m in FakeRayMetric.made}
    # a counter goes to Ray without _total (Ray adds it); every series carries the replica
    assert sorted(made) == ["llmops_request_duration_seconds", "llmops_requests", "llmops_requests_in_flight"]
    assert made["llmops_requests"].tag_keys == ("route", "model", "replica")
    assert made["llmops_requests"].calls == [("inc", 2, {"route": "chat", "model": "m", "replica": "r1"})]
    assert [c[1] for c in made["llmops_requests_in_flight"].calls] == [1.0, 2.0, 1.0]  # the gauge's value
    assert made["llmops_request_duration_seconds"].boundaries == [0.1, 1.0]
    assert made["llmops_request_duration_seconds"].calls == [("observe", 0.5, {"replica": "r1"})]
    text = generate_latest(registry).decode()  # the process's own /metrics is unchanged
    assert 'llmops_requests_total{model="m",route="chat"} 3.0' in text
    assert 'llmops_requests_in_flight{route="chat"} 1.0' in text


def test_ray_series_names_map_back_to_the_declared_names():
    import services.gateway.metrics  # noqa: F401  (declares the gateway's metrics)

    for spec in metrics.declared():
        ray = metrics.RAY_PREFIX + metrics.ray_name(spec)
        if spec.type == "counter":
            assert metrics.exported_name(ray + "_total") == spec.name
        elif spec.type == "histogram":
            assert {metrics.exported_name(ray + x) for x in ("_bucket", "_sum")} == {
                spec.name + "_bucket",
                spec.name + "_sum",
            }
        else:
            assert metrics.exported_name(ray) == spec.name
    assert metrics.exported_name("ray_vllm_num_requests_running") == "ray_vllm_num_requests_running"
