"""The peer benchmark's own logic (loadtests/bench_classifier_peers.py), without the peers: timing
one text per call, the figures at the system's own and the oracle thresholds, the worker's errors."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from loadtests.bench_classifier_peers import (
    ORACLE_LABEL,
    PEER_LOADERS,
    PEER_MODULES,
    missing_peers,
    peer_figures,
    run_peer,
    score_each,
    system_figures,
    time_each,
)


def test_score_each_warms_up_then_scores_every_text_once_in_order():
    calls = []

    def scorer(text: str) -> tuple[float, bool]:
        calls.append(text)
        return len(text) / 10, len(text) > 3

    out = score_each(scorer, ["ab", "abcd", "abcdefg"])
    assert calls == ["ab", "ab", "abcd", "abcdefg"]  # one warm-up call first
    assert out["scores"] == [0.2, 0.4, 0.7]
    assert out["flags"] == [False, True, True]
    assert len(out["seconds"]) == 3 and all(s >= 0 for s in out["seconds"])


def test_time_each_scores_one_text_per_call():
    batches = []

    def score(batch: list[str]) -> list[float]:
        batches.append(list(batch))
        return [0.5] * len(batch)

    scores, seconds = time_each(score, ["a", "b"])
    assert batches == [["a"], ["a"], ["b"]]
    assert scores == [0.5, 0.5] and len(seconds) == 2


def test_system_figures_own_threshold_and_oracle_within_two_percent_fpr():
    # 100 benign rows scored 0..0.99, 10 positives at 0.95..0.995 and 10 at 0.3: the oracle must
    # flag at most 2 benign rows (0.98, 0.99), so it sits at 0.975 and catches 5 positives
    benign = np.arange(100) / 100
    positives = np.concatenate([0.95 + np.arange(10) * 0.005, np.full(10, 0.3)])
    score = np.concatenate([benign, positives])
    y = np.array([0] * 100 + [1] * 20)
    groups = ["benign"] * 100 + ["attack"] * 20
    out = system_figures(y, score, groups, {"default": 0.5}, [0.001, 0.002, 0.003])

    default = out["at"]["default"]
    assert default["threshold"] == 0.5
    assert default["false_positive_rate_benign"] == 0.5  # benign 0.50..0.99
    assert default["recall"] == 0.5  # the 10 high positives, not the 10 at 0.3
    assert default["per_source"]["attack"]["recall"] == 0.5

    oracle = out["at"][ORACLE_LABEL]
    assert oracle["false_positive_rate_benign"] <= 0.02
    assert oracle["threshold"] == 0.975
    assert oracle["recall"] == 0.25  # 0.975, 0.98, 0.985, 0.99, 0.995
    assert "upper bound" in ORACLE_LABEL and "held-out" in ORACLE_LABEL
    assert 0.5 < out["roc_auc"] < 1.0
    assert out["p50_ms_per_prompt"] == 2.0


def test_peer_figures_counts_decisions_that_are_not_score_at_least_half():
    y = np.array([0, 0, 1, 1])
    peer = {"scores": [0.1, 0.6, 0.4, 0.9], "flags": [False, False, False, True], "seconds": [0.01] * 4}
    out = peer_figures(y, peer, ["a"] * 4, "peer default")
    assert out["default_decisions_not_score_ge_threshold"] == 1  # 0.6 scored, not flagged
    assert out["at"]["peer default"]["threshold"] == 0.5
    assert out["at"]["peer default"]["recall"] == 0.5
    out = peer_figures(y, peer, ["a"] * 4, "peer default", default_threshold=0.95)
    assert out["default_decisions_not_score_ge_threshold"] == 1  # 0.9 flagged, under 0.95
    assert out["at"]["peer default"]["recall"] == 0.0


def test_run_peer_needs_the_bench_venv(tmp_path):
    with pytest.raises(FileNotFoundError, match="install_peers.sh"):
        run_peer(tmp_path / "missing" / "python", "jailguard", ["hello"])


def test_run_peer_reports_a_failing_worker():
    # this interpreter (the stack's venv) has no such peer: the worker exits non-zero with a KeyError
    with pytest.raises(RuntimeError, match="worker failed"):
        run_peer(sys.executable, "no-such-peer", ["hello"])


def test_missing_peers_names_those_the_venv_cannot_import():
    # the stack's venv holds none of the peers (they live in the benchmark venv only)
    assert missing_peers(sys.executable) == list(PEER_MODULES)
    assert set(PEER_MODULES) == set(PEER_LOADERS)
