"""The RAG benchmarks' own arithmetic: the gateway histogram read back from /metrics text and its
quantile estimate (bench_rag_e2e), recall and the choice of a setting (bench_rag_scale)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from loadtests.bench_rag_e2e import gateway_view, histogram, quantile
from loadtests.bench_rag_scale import choose, recall

METRICS = """# HELP llmops_rag_retrieval_duration_seconds Time of one retrieval
# TYPE llmops_rag_retrieval_duration_seconds histogram
llmops_rag_retrieval_duration_seconds_bucket{le="0.01",stage="gateway"} 2.0
llmops_rag_retrieval_duration_seconds_bucket{le="0.02",stage="gateway"} 6.0
llmops_rag_retrieval_duration_seconds_bucket{le="+Inf",stage="gateway"} 10.0
llmops_rag_retrieval_duration_seconds_count{stage="gateway"} 10.0
llmops_rag_retrieval_duration_seconds_sum{stage="gateway"} 0.5
llmops_other_total 3.0
"""


def test_histogram_text_and_quantile_like_prometheus():
    h = histogram(METRICS)
    assert set(h) == {"gateway"}
    assert h["gateway"]["count"] == 10 and h["gateway"]["sum"] == 0.5
    assert h["gateway"]["buckets"] == {0.01: 2.0, 0.02: 6.0, math.inf: 10.0}
    # rank 5 of 10 lies in (0.01, 0.02]: 3 of that bucket's 4 -> 0.0175
    assert quantile(h["gateway"]["buckets"], 0.5) == pytest.approx(0.0175)
    # rank beyond the last finite bucket: its upper edge, as histogram_quantile answers
    assert quantile(h["gateway"]["buckets"], 0.99) == pytest.approx(0.02)
    assert math.isnan(quantile({0.01: 0.0, math.inf: 0.0}, 0.5))


def test_gateway_view_counts_only_the_difference():
    before = histogram(METRICS)
    after = histogram(
        METRICS.replace("} 10.0", "} 14.0").replace('sum{stage="gateway"} 0.5', 'sum{stage="gateway"} 0.7')
    )
    view = gateway_view(before, after)["gateway"]
    assert view["count"] == 4 and view["mean_ms"] == pytest.approx(50.0)
    assert view["p50_ms"] == pytest.approx(20.0)  # all 4 new ones are above 0.02 s
    assert gateway_view(before, before) == {}


def test_recall_and_choice_of_setting():
    truth = np.array([list(range(10)), list(range(10, 20))])
    assert recall([list(range(10)), list(range(10, 15)) + [99] * 5], truth) == pytest.approx(0.75)
    fast_bad = {"recall@10": 0.9, "p99_ms": 1.0}
    slow_good = {"recall@10": 0.97, "p99_ms": 4.0}
    faster_good = {"recall@10": 0.95, "p99_ms": 3.0}
    assert choose([fast_bad, slow_good, faster_good]) is faster_good
    assert choose([fast_bad, {"recall@10": 0.8, "p99_ms": 0.5}]) is fast_bad  # none reaches it: best recall
