"""The PII prefilter (services/safety/prefilter.py) skips only what could not be found: the detector
finds the same entities with and without it, over the project's PII texts and at the edge of every
condition, and asks Presidio nothing for a text that cannot hold PII."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from services.safety.pii import NER_ENTITIES, PHONE_LOOKALIKES
from services.safety.policy import DEFAULT_ENTITIES
from services.safety.prefilter import PATTERNS_READ, TextFacts, min_phone_digits

ROOT = Path(__file__).resolve().parents[2]
# every type the shipped recognisers report without the NER pass, the phone look-alikes included
ALL_FAST = sorted({*DEFAULT_ENTITIES, *PHONE_LOOKALIKES})

# Each condition at its edge: the shortest text each recogniser reports (so the condition must
# pass), and near-misses one character short of it (so a wrong bound would show as a lost entity).
EDGES = [
    "x@y.io",  # e-mail: the '@'
    "mail me at first.last@example.co.uk, not at @handle",
    "Call +43 1112 now",  # the shortest phone number here: 6 digits (min_phone_digits)
    "Call +43 111 now",
    "dial 0800 1111",
    "call me on four one five, five five five, two six seven one",  # read aloud: no digit at all
    "call me on four one five, five five five, two six seven",  # nine digits: one short
    "Ring (415) 555-0132 or +44 20 7946 0000.",
    "card 4222222222222 on file",  # 13-digit Visa: the card pattern's fewest digits
    "card 4222 2222 2222 2 on file",
    "card 422222222222 on file",
    "SSN 536-22-1234, old 53622123",  # nine [0-9]; then eight
    "ITIN 912-70-1234",
    "IBAN GB82 WEST 1234 5698 7654 32 and DE89 3704 0044 0532 0130 00",
    "host 1.2.3.4 and 1.2.3 and ::1 and fe80::abcd and dead:beef::cafe",  # IPv6 with no digit at all
    "::ffff:10.0.0.1 mapped; ::",
    "a::b, then :: alone, then ab:: and ::cd",  # the IPv6 forms with the fewest ':' (two)
    "ratio 3:4 at 10:30; Note: a:b",  # one ':' per word: no IPv6 form fits
    "wallet 1BoatSLRHtKNngkdXEeobR76b53LETtpyT and bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    "NHS 943 476 5919; account 12345678; passport A12345678; licence A1",
    "Meet on 3-Jan or 03/04; next on 2025-01-03.",  # dd-MMM: one digit is a DATE_TIME
    "PO Box 7",  # ADDRESS: one digit
    "Flat 2, 10 Downing Street, London SW1A 2AA",
    "Seoladh: Teach na Coille, Bóthar an Chaisleáin, An Spidéal, Co. na Gaillimhe",  # no digit: three commas
    "born 1-Jan-90",  # DATE_OF_BIRTH: a birth cue, digits or none
    "born 1-Jan-9",
    "DOB: March 5, 1961",
    "Date of birth: the fourth of March, nineteen eighty-seven",  # no digit at all
    "the fourth of March, nineteen eighty-seven",  # no cue
    "Dr. Who called Sam and Ms. Jane Porter; Parkinson's disease",
    # digits other than ASCII ones: fullwidth, Arabic-Indic, Devanagari, Kawi (Unicode 15: the
    # regex module's \d knows it, Python 3.11's re does not)
    "card ４１１１ １１１１ １１１１ １１１１, phone ＋４４ ２０ ７９４６ ００００",
    "رقم ٠٧٧٠٠ ٩٠٠١٢٣ و ٤١١١١١١١١١١١١١١١",
    "फ़ोन +९१ ९८७६५ ४३२१० ; " + "".join(chr(0x11F50 + i % 10) for i in range(16)),
    "",
    "Say ok.",
    "ok",
]


def _strings_in(path: Path) -> list[str]:
    return [
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) >= 6
    ]


def corpus() -> list[str]:
    """The PII sets that are development data (dev and held-out 1 to 6), the bench prompts and every string
    of the safety and guard unit tests."""
    texts = [
        json.loads(line)["text"]
        for name in (
            "heldout.jsonl",
            "heldout2.jsonl",
            "heldout3.jsonl",
            "heldout4.jsonl",
            "heldout5.jsonl",
            "heldout6.jsonl",
            "dev.jsonl",
        )
        for line in (ROOT / "loadtests" / "data" / "pii" / name).read_text().splitlines()
        if line.strip()
    ]
    tests = ROOT / "tests" / "unit"
    paths = sorted(tests.glob("test_safety_*.py")) + [tests / "test_stream_guard.py", tests / "test_guard_fields.py"]
    for path in paths:
        if path.exists() and path.name != Path(__file__).name:
            texts += _strings_in(path)
    from loadtests.bench_safety import prompt

    texts += [prompt(n) for n in (32, 200, 1000, 2600)]
    return list(dict.fromkeys(texts + EDGES))


def _both(detector, text: str, entities: list[str], **kw):
    """(with the prefilter, without it) as comparable tuples."""
    found = [(e.type, e.start, e.end, round(e.score, 6)) for e in detector.detect(text, entities, **kw)]
    prefilter, detector.prefilter = detector.prefilter, None
    try:
        plain = [(e.type, e.start, e.end, round(e.score, 6)) for e in detector.detect(text, entities, **kw)]
    finally:
        detector.prefilter = prefilter
    return found, plain


def test_every_shipped_recogniser_keeps_its_condition(pii_detector):
    """A recogniser whose patterns changed loses its condition (it always runs, correct but slow):
    re-read its patterns, check its condition and update PATTERNS_READ."""
    prefilter = pii_detector.prefilter
    named = {r.name: r.id for r in pii_detector.analyzer.registry.recognizers}
    missing = [n for n in [*PATTERNS_READ, "PhoneRecognizer", "NameRecognizer"] if named[n] not in prefilter.conditions]
    assert missing == []


def test_the_phone_bound_comes_from_the_metadata_and_is_tight():
    assert min_phone_digits(("US", "GB")) == 6
    assert TextFacts("Call +43 1112 now").re_digits == 6  # reported as a phone number (EDGES)


def test_digits_are_counted_as_each_matcher_reads_them():
    kawi = "".join(chr(0x11F50 + i) for i in range(3))
    facts = TextFacts("a1 ２ ٣ " + kawi)
    assert (facts.ascii_digits, facts.re_digits) == (1, 3)
    assert facts.regex_digits in (3, 6)  # 6 where the regex module's Unicode data knows Kawi digits


@pytest.mark.parametrize("threshold", [0.5, 0.0])
def test_the_same_entities_with_and_without_the_prefilter(pii_detector, threshold):
    """Every text of the corpus, the shipped entity list (as served, then every score) and every
    fast type including the phone look-alikes."""
    texts = corpus()
    assert len(texts) > 150
    differ = []
    found_any = 0
    for entities in (DEFAULT_ENTITIES, ALL_FAST):
        thresholds = {"PHONE_NUMBER": 0.4} if threshold else {}
        for text in texts:
            found, plain = _both(pii_detector, text, entities, threshold=threshold, entity_thresholds=thresholds)
            found_any += bool(plain)
            if found != plain:
                differ.append((entities is DEFAULT_ENTITIES, text[:80], found, plain))
    assert differ == []
    assert found_any > 100  # the corpus does hold PII: the comparison is not of empty lists


def test_edges_are_found_at_each_conditions_bound(pii_detector):
    """The near-minimal texts are really reported, so the bounds above are not loose by accident."""

    def types(text: str) -> set[str]:
        return {e.type for e in pii_detector.detect(text, ALL_FAST, threshold=0.0)}

    assert "EMAIL_ADDRESS" in types("x@y.io")
    assert "PHONE_NUMBER" in types("Call +43 1112 now")
    assert "CREDIT_CARD" in types("card 4222222222222 on file")
    assert "IP_ADDRESS" in types("dead:beef::cafe")
    assert "IP_ADDRESS" in types("a::b") and "IP_ADDRESS" in types("ping ::1")
    assert "IP_ADDRESS" in types("host 1.2.3.4")
    assert "DATE_TIME" in types("Meet on 3-Jan")
    assert "ADDRESS" in types("PO Box 7")
    assert "DATE_OF_BIRTH" in types("born 1-Jan-90")
    assert "DATE_OF_BIRTH" in types("Date of birth: the fourth of March, nineteen eighty-seven")


def test_a_rural_address_of_four_parts_without_a_digit_passes_the_prefilter():
    """The rules alone (the tagger may read such an address on its own): the address condition lets a text with
    three commas and no digit through."""
    from services.safety.pii import PiiDetector

    text = "Address: Rose Cottage, Church Lane, Little Snoring, Norfolk"
    found = PiiDetector(tagger_path=None).detect(text, ["ADDRESS"], threshold=0.0)
    assert [text[e.start : e.end] for e in found] == ["Rose Cottage, Church Lane, Little Snoring, Norfolk"]


def test_with_the_ner_pass_spacy_types_are_still_asked_for(pii_detector):
    """With an NER entity the spaCy recogniser runs and may report DATE_TIME or a LOCATION from
    words alone: the prefilter must not drop those types for want of digits."""
    texts = [*EDGES[:8], "She flew to Madrid last Tuesday with Maria Gonzalez.", "Say ok."]
    entities = [*DEFAULT_ENTITIES, *sorted(NER_ENTITIES), "DATE_TIME"]
    differ = [t for t in texts if len(set(map(tuple, _both(pii_detector, t, entities, threshold=0.0)))) > 1]
    assert differ == []
    found = pii_detector.detect("She flew to Madrid last Tuesday.", entities, threshold=0.0)
    assert {"LOCATION", "DATE_TIME"} <= {e.type for e in found}


def test_a_text_that_cannot_hold_pii_never_reaches_presidio(pii_detector, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("Presidio was asked")

    monkeypatch.setattr(pii_detector.analyzer, "analyze", fail)  # (the tagger's condition reads tokens)
    for text in ("Say ok.", "What is the capital of France?", "ok ok ok", "Summarise the risks in two bullet points."):
        assert pii_detector.detect(text, DEFAULT_ENTITIES) == []
    with pytest.raises(AssertionError, match="Presidio was asked"):
        pii_detector.detect("Write to a@b.org", DEFAULT_ENTITIES)


def test_a_single_colon_does_not_send_a_text_to_presidio(pii_detector, monkeypatch):
    """Every IPv6 form holds two ':' at least, so an answer like "echo:" or "Note: yes" (the
    gateway benchmark's answer) is not a possible IP address; "::1" still is."""

    def fail(*args, **kwargs):
        raise AssertionError("Presidio was asked")

    monkeypatch.setattr(pii_detector.analyzer, "analyze", fail)  # (the tagger's condition reads tokens)
    for text in ("echo:", "Note: yes", "Answer: ok"):
        assert pii_detector.detect(text, DEFAULT_ENTITIES) == []
    with pytest.raises(AssertionError, match="Presidio was asked"):
        pii_detector.detect("ping ::1", DEFAULT_ENTITIES)


def test_a_recogniser_with_other_patterns_loses_its_condition():
    """Another Presidio version's patterns were not read: that recogniser always runs."""
    from presidio_analyzer import Pattern, PatternRecognizer
    from presidio_analyzer.predefined_recognizers import EmailRecognizer
    from presidio_analyzer.recognizer_registry import RecognizerRegistry

    from services.safety.prefilter import Prefilter

    changed = EmailRecognizer()
    changed.patterns = [Pattern("Email (at)", r"\b\w+ at \w+ dot \w+\b", 0.5)]
    custom = PatternRecognizer("TICKET_ID", patterns=[Pattern("ticket", r"\bT-\d{6}\b", 0.6)])
    registry = RecognizerRegistry(recognizers=[EmailRecognizer(), changed, custom])
    prefilter = Prefilter(registry)
    assert list(prefilter.conditions) == [registry.recognizers[0].id]  # only the one as read
    assert prefilter.wanted("write to jo at example dot org", {"EMAIL_ADDRESS", "TICKET_ID"}, False) == {
        "EMAIL_ADDRESS",
        "TICKET_ID",
    }


def test_the_gateway_warm_up_text_runs_every_recogniser(pii_detector):
    from services.gateway.local_scan import WARM_UP_TEXT

    ner = False
    tokens = pii_detector._tokens_only(WARM_UP_TEXT)  # the tagger's condition reads them
    asked = pii_detector.prefilter.wanted(WARM_UP_TEXT, set(DEFAULT_ENTITIES), ner, tokens)
    assert asked == set(DEFAULT_ENTITIES)


def test_a_recogniser_whose_condition_fails_is_left_out_of_presidios_call(pii_detector, monkeypatch):
    """Presidio runs every recogniser of a type asked for: an "@" asks for e-mail addresses, and the spoken
    e-mail recogniser (whose matches hold a spoken "dot" or another language's word for "@") is left out of
    that call; on a text that holds one it runs."""
    spoken = next(r for r in pii_detector.analyzer.registry.recognizers if r.name == "SpokenEmailRecognizer")
    ran: list[str] = []
    analyze = spoken.analyze
    monkeypatch.setattr(spoken, "analyze", lambda text, *a, **kw: ran.append(text) or analyze(text, *a, **kw))
    found = pii_detector.detect("Write to a@b.org", DEFAULT_ENTITIES)
    assert [e.type for e in found] == ["EMAIL_ADDRESS"]
    assert ran == []
    text = "Write to a@b.org or anna dot k at proton dot me"
    assert [e.type for e in pii_detector.detect(text, DEFAULT_ENTITIES)] == ["EMAIL_ADDRESS", "EMAIL_ADDRESS"]
    assert ran == [text]
    assert len(pii_detector.analyzer.registry.recognizers) > 15  # every recogniser back in the registry
