"""bench_pii's scoring: a span is found by spans of its type; masked by spans of any type."""

from __future__ import annotations

from loadtests.bench_pii import score


def test_a_span_found_under_another_type_is_masked_but_not_found():
    text = "Send it to 12 Mill Road, Ely CB7 4HT today."
    address = {"type": "ADDRESS", "start": 11, "end": 36}
    rows = [{"id": "a", "kind": "pii", "text": text, "spans": [address]}]
    as_person = [[{"type": "PERSON", "start": 11, "end": 36}]]
    out = score(rows, as_person, 0.8)["per_type"]["ADDRESS"]
    assert out["recall"] == 0.0 and out["recall_masked"] == 1.0
    half = [[{"type": "PERSON", "start": 11, "end": 23}]]  # half the address: neither
    assert score(rows, half, 0.8)["per_type"]["ADDRESS"]["recall_masked"] == 0.0
    assert score(rows, [[{"type": "ADDRESS", "start": 11, "end": 36}]], 0.8)["per_type"]["ADDRESS"]["recall"] == 1.0
