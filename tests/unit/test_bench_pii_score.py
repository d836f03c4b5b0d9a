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


def test_an_email_at_a_reserved_example_domain_is_scored_on_neither_side():
    text = "Write to ops@example.org or to mira.kovac@posteo.de; the fixture uses qa+1@ci.example.com."
    at = {
        w: (text.index(w), text.index(w) + len(w))
        for w in ("ops@example.org", "mira.kovac@posteo.de", "qa+1@ci.example.com")
    }
    real = {"type": "EMAIL_ADDRESS", "start": at["mira.kovac@posteo.de"][0], "end": at["mira.kovac@posteo.de"][1]}
    labelled = {"type": "EMAIL_ADDRESS", "start": at["ops@example.org"][0], "end": at["ops@example.org"][1]}
    found = [{"type": "EMAIL_ADDRESS", "start": s, "end": e} for s, e in at.values()]
    # a set that labels the placeholder and one that does not read the same; the real address still counts
    for spans in ([real, labelled], [real]):
        rows = [{"id": "a", "kind": "email", "text": text, "spans": spans}]
        out = score(rows, [found], 0.8)["per_type"]["EMAIL_ADDRESS"]
        assert (out["n"], out["predicted"], out["precision"], out["recall"]) == (1, 1, 1.0, 1.0)
        assert score(rows, [[]], 0.8)["per_type"]["EMAIL_ADDRESS"]["recall"] == 0.0
    # a decoy whose only finding is a placeholder is not flagged; a look-alike domain is no placeholder
    decoy = {"id": "d", "kind": "decoy", "text": "admin@example.com, help@example-telecom.com", "spans": []}
    assert score([decoy], [[{"type": "EMAIL_ADDRESS", "start": 0, "end": 17}]], 0.8)["decoy_texts_flagged"] == 0
    assert score([decoy], [[{"type": "EMAIL_ADDRESS", "start": 19, "end": 43}]], 0.8)["decoy_texts_flagged"] == 1
