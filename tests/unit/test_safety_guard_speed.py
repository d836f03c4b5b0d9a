"""Work the PII detector no longer does, and why no result changes: the name gazetteer runs once per
text (the prefilter hands its result on to Presidio), and the phone look-alikes a policy does not
want are not asked for (``services/safety/pii.py``, ``services/safety/prefilter.py``).
``loadtests/bench_guard_checkouts.py`` compares whole verdicts with the code before on the six
development sets."""

from __future__ import annotations

from typing import Any

import pytest

from services.safety.pii import PHONE_LOOKALIKES
from services.safety.policy import DEFAULT_ENTITIES
from services.safety.prefilter import TextFacts
from services.safety.recognizers import NameRecognizer
from tests.unit.test_safety_prefilter import corpus

PHONE = {"PHONE_NUMBER": 0.4}


def _spy_asks(detector, monkeypatch) -> list[tuple[list[str], list[str]]]:
    """Every Presidio call's (entity types asked, types reported) from now on."""
    calls = []
    analyze = detector.analyzer.analyze

    def spy(text, **kwargs):
        results = analyze(text, **kwargs)
        calls.append((kwargs["entities"], [r.entity_type for r in results]))
        return results

    monkeypatch.setattr(detector.analyzer, "analyze", spy)
    return calls


def test_the_default_policy_asks_presidio_for_no_phone_look_alike(pii_detector, monkeypatch):
    calls = _spy_asks(pii_detector, monkeypatch)
    text = "Call 943 476 5919 on 3-Jan about licence A1234567, DOB 5/14/1980."
    assert [e.type for e in pii_detector.detect(text, DEFAULT_ENTITIES, entity_thresholds=PHONE)] == [
        "PHONE_NUMBER",
        "DATE_OF_BIRTH",
    ]
    assert calls and not any(PHONE_LOOKALIKES & set(asked) for asked, _ in calls)


@pytest.mark.parametrize("threshold", [0.5, 0.0])
def test_asking_for_the_phone_look_alikes_too_changes_no_entity(pii_detector, monkeypatch, threshold):
    """As the detector asked before: the look-alikes that could be found, whenever a phone could be.
    They only ever lost to a phone on its digits or were dropped as unwanted."""
    texts = corpus()
    thresholds = PHONE if threshold else {}

    def found() -> list[list[tuple[str, int, int, float]]]:
        return [
            [
                (e.type, e.start, e.end, e.score)
                for e in pii_detector.detect(text, DEFAULT_ENTITIES, threshold=threshold, entity_thresholds=thresholds)
            ]
            for text in texts
        ]

    now = found()
    wanted = pii_detector.prefilter.wanted

    def as_before(text: str, entities: set[str], ner: bool, nlp_artifacts: Any = None) -> set[str]:
        asked = wanted(text, entities, ner, nlp_artifacts)
        if "PHONE_NUMBER" not in asked:
            return asked
        return asked | wanted(text, set(PHONE_LOOKALIKES) - entities, ner, nlp_artifacts)

    monkeypatch.setattr(pii_detector.prefilter, "wanted", as_before)
    calls = _spy_asks(pii_detector, monkeypatch)
    before = found()
    assert [t for t, a, b in zip(texts, now, before, strict=True) if a != b] == []
    reported = sum(bool(PHONE_LOOKALIKES & set(types)) for _, types in calls)
    assert reported > 50  # the look-alikes were really asked for and found, on many texts
    assert sum(map(bool, now)) > 100  # and the corpus holds PII: the lists compared are not empty


def test_the_name_gazetteer_runs_once_per_text(pii_detector, monkeypatch):
    judged = []
    judge = NameRecognizer._judge

    def counted(self, text, start, end, labels):
        judged.append((start, end))
        return judge(self, text, start, end, labels)

    monkeypatch.setattr(NameRecognizer, "_judge", counted)
    text = "Hi Maria Lopez, Dr. Okafor asked Sam Porter to ring 212-555-0198 from 10 Downing Street, London SW1A 2AA."
    found = pii_detector.detect(text, DEFAULT_ENTITIES, entity_thresholds=PHONE)
    assert "PERSON" in {e.type for e in found}
    assert judged and len(judged) == len(set(judged))  # each capitalised run judged once, not twice


def test_the_held_name_result_serves_only_its_own_text(pii_detector):
    """The prefilter keeps one text's result; another text (a scan in another thread in between)
    is recognised afresh, and the held result is used once."""
    name = next(r for r in pii_detector.analyzer.registry.recognizers if isinstance(r, NameRecognizer))
    condition = pii_detector.prefilter.conditions[name.id]
    first, second = "Thanks, Maria Lopez", "Regards, Peter Novak"
    fresh = NameRecognizer()
    fresh.load()

    def spans(results) -> list[tuple[int, int, float]]:
        return [(r.start, r.end, r.score) for r in results]

    assert condition(TextFacts(first)) and condition(TextFacts(second))
    assert spans(name.analyze(first, ["PERSON"])) == spans(fresh.analyze(first, ["PERSON"]))
    assert spans(name.analyze(second, ["PERSON"])) == spans(fresh.analyze(second, ["PERSON"]))
    assert condition(TextFacts(second))
    assert name.analyze(second, ["EMAIL_ADDRESS"]) == []  # not asked for its type: nothing
