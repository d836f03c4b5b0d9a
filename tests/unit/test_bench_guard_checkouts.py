"""loadtests/bench_guard_checkouts.py: a worker imports the checkout it was started in and answers
verdicts (entities included) and timings over its own pipe."""

from __future__ import annotations

import pytest

from loadtests.bench_guard_checkouts import Worker, text_minima
from services.cli.local_stack import REPO


def test_a_worker_checks_texts_with_its_own_checkouts_code():
    if not (REPO / "var" / "classifiers" / "injection.onnx").exists():
        pytest.skip("no classifiers built (make classifiers)")
    worker = Worker(REPO, core=0)
    try:
        assert worker.ask("where") == str(REPO / "services" / "safety" / "__init__.py")
        mail, plain = worker.ask("verdicts", texts=["Mail ops@example.com today", "Say ok."])
        assert [e["type"] for e in mail["entities"][0]] == ["EMAIL_ADDRESS"]
        assert mail["texts"] == ["Mail <EMAIL_ADDRESS> today"] and "timings" not in mail
        assert mail["all_entities"][0][:3] == ["EMAIL_ADDRESS", 5, 20]
        assert plain["all_entities"] == [] and plain["blocked"] is None
        assert worker.ask("texts", texts=["Mail ops@example.com today"]) == 1
        samples = worker.ask("time", start=0, calls=3)
        assert len(samples) == 3 and all(0 < s < 5 for s in samples)
    finally:
        worker.close()


def test_each_texts_fastest_call_is_read_from_the_calls_in_order():
    # calls cycle through three texts: 0 1 2 0 1 2 0
    assert text_minima([5.0, 9.0, 7.0, 4.0, 12.0, 6.0, 8.0], 3) == [4.0, 9.0, 6.0]
    assert text_minima([3.0], 50) == [3.0]
