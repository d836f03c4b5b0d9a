"""PII detection and redaction with the real Presidio + spaCy model (offline)."""

from __future__ import annotations

from services.safety.pii import Entity, Pseudonymizer, redact, resolve_overlaps
from services.safety.policy import DEFAULT_ENTITIES

PHONE = {"PHONE_NUMBER": 0.4}


def test_pattern_entities_are_found_and_redacted(pii_detector):
    text = "Hi, I'm moving house. Write to jane.doe@example.org or ring 212-555-0198; my card is 4111 1111 1111 1111."
    found = pii_detector.detect(text, DEFAULT_ENTITIES, entity_thresholds=PHONE)
    assert [e.type for e in found] == ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD"]
    redacted = redact(text, found)
    assert (
        redacted == "Hi, I'm moving house. Write to <EMAIL_ADDRESS> or ring <PHONE_NUMBER>; my card is <CREDIT_CARD>."
    )


def test_phone_number_is_not_reported_as_nhs_number(pii_detector):
    # 943 476 5919 passes the NHS check digit, and is also a valid US phone number format
    text = "Please call me back on 943 476 5919 after six."
    found = pii_detector.detect(text, [*DEFAULT_ENTITIES, "UK_NHS"], entity_thresholds=PHONE)
    assert [e.type for e in found] == ["PHONE_NUMBER"]
    assert "943 476 5919" not in redact(text, found)


def test_phone_look_alike_dates_lose_to_the_phone_reading():
    found = resolve_overlaps(
        [Entity("DATE_TIME", 10, 23, 0.85), Entity("PHONE_NUMBER", 10, 23, 0.4), Entity("EMAIL_ADDRESS", 30, 40, 1.0)]
    )
    assert [e.type for e in found] == ["PHONE_NUMBER", "EMAIL_ADDRESS"]


def test_entity_list_and_thresholds_are_honoured(pii_detector):
    text = "Mail ops@example.com from 10.20.30.40"
    assert [e.type for e in pii_detector.detect(text, ["IP_ADDRESS"])] == ["IP_ADDRESS"]
    assert pii_detector.detect(text, ["EMAIL_ADDRESS"], threshold=1.01) == []
    assert (
        pii_detector.detect(text, ["EMAIL_ADDRESS", "IP_ADDRESS"], allow_list=["ops@example.com"])[0].type
        == "IP_ADDRESS"
    )


def test_names_come_from_the_fast_recogniser_and_places_need_the_ner_entities(pii_detector):
    text = "My colleague Maria Gonzalez will join the call from Madrid."
    assert [(e.type, text[e.start : e.end]) for e in pii_detector.detect(text, DEFAULT_ENTITIES)] == [
        ("PERSON", "Maria Gonzalez")
    ]
    types = {e.type for e in pii_detector.detect(text, [*DEFAULT_ENTITIES, "PERSON", "LOCATION"])}
    assert {"PERSON", "LOCATION"} <= types


def test_pseudonymizer_numbers_values_and_keeps_a_vault():
    text = "a@x.org wrote to b@y.org, then a@x.org again"
    starts = [0, text.index("b@y"), text.rindex("a@x")]
    entities = [Entity("EMAIL_ADDRESS", s, s + 7, 1.0) for s in starts]
    pseudonyms = Pseudonymizer()
    assert (
        redact(text, entities, pseudonyms)
        == "<EMAIL_ADDRESS_1> wrote to <EMAIL_ADDRESS_2>, then <EMAIL_ADDRESS_1> again"
    )
    assert pseudonyms.vault == {"<EMAIL_ADDRESS_1>": "a@x.org", "<EMAIL_ADDRESS_2>": "b@y.org"}
