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


def test_an_address_keeps_the_street_named_after_a_person(pii_detector):
    """The name rule reads "Rue Victor Hugo" as a name (0.85) and the tagger the whole address (0.8):
    the name inside the address goes, the address stays whole and the name beside it stays."""
    text = "Courrier pour Mme Bernard : 18 Rue Victor Hugo, Bât. B, 69002 Lyon. Merci."
    found = pii_detector.detect(text, DEFAULT_ENTITIES)
    assert [(e.type, text[e.start : e.end]) for e in found] == [
        ("PERSON", "Bernard"),
        ("ADDRESS", "18 Rue Victor Hugo, Bât. B, 69002 Lyon"),
    ]


def test_an_address_stops_at_the_end_of_its_sentence_and_line(pii_detector):
    """The town's pattern would run on into the next sentence or onto the next line."""
    text = "Please courier it to Unit 9, Harbour Centre, 25 Harbour Road, Wan Chai. Call me on +852 9876 5432."
    found = pii_detector.detect(text, DEFAULT_ENTITIES, entity_thresholds=PHONE)
    assert [(e.type, text[e.start : e.end]) for e in found] == [
        ("ADDRESS", "Unit 9, Harbour Centre, 25 Harbour Road, Wan Chai"),
        ("PHONE_NUMBER", "+852 9876 5432"),
    ]
    text = "Billing address:\nRua das Flores 27, 3.º Esq.\n4050-262 Porto\nTotal: €240.00"
    found = pii_detector.detect(text, DEFAULT_ENTITIES)
    assert [(e.type, text[e.start : e.end]) for e in found] == [
        ("ADDRESS", "Rua das Flores 27, 3.º Esq.\n4050-262 Porto")
    ]


def test_address_end_cuts_only_a_next_sentence_line_or_paragraph_begun():
    from services.safety.pii import address_end

    def cut(text: str, span: str) -> str:
        start = text.index(span)
        return text[start : address_end(text, start, start + len(span))]

    text = "at Unit 9, 25 Harbour Road, Wan Chai. Call me on +852 9876 5432"
    assert cut(text, "Unit 9, 25 Harbour Road, Wan Chai. Call") == "Unit 9, 25 Harbour Road, Wan Chai"
    assert cut("Rua X 1\n4050-262 Porto\nItem: oak", "Rua X 1\n4050-262 Porto\nItem") == "Rua X 1\n4050-262 Porto"
    text = "Re: 12 Harbour Row\n\nDear Sam,\n\nThanks for the keys"
    assert cut(text, "12 Harbour Row\n\nDear Sam,\n\nThanks") == "12 Harbour Row"  # a blank line ends it
    kept = [
        ("I live at 12 Main St. Louis, MO 63101 with her", "12 Main St. Louis, MO 63101"),  # an abbreviation
        ("Blk 7, Brgy. San Isidro, Cainta, Rizal 1900 and", "Blk 7, Brgy. San Isidro, Cainta, Rizal 1900"),  # commas
        ("The Old Forge\nLower Slaughter\nGL54 2HP\nKey safe", "The Old Forge\nLower Slaughter\nGL54 2HP"),  # lines
    ]
    for text, span in kept:
        assert cut(text, span) == span
