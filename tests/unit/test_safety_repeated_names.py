"""A name given in full, then a part of it alone ("Leila Rahimi ... Leila back from leave"): the detector
reports the later mention too (``recognizers.repeated_name_parts``), where it reads as a name. Every text
here was written for these tests."""

from __future__ import annotations

import pytest

from services.safety.pii import PiiDetector


def people(detector: PiiDetector, text: str) -> list[str]:
    return [
        text[e.start : e.end]
        for e in detector.detect(text, ["PERSON", "ADDRESS", "PHONE_NUMBER"])
        if e.type == "PERSON"
    ]


@pytest.fixture(scope="module", params=["rules", "rules and tagger"])
def detector(request, pii_tagger_path):
    return PiiDetector(tagger_path=None if request.param == "rules" else pii_tagger_path)


def test_a_given_name_said_again_alone_is_the_same_person(detector):
    text = (
        "Present: Ingrid Solberg, Tomasz Wrona\n\n"
        "- Ingrid to send the migration slides by Friday\n"
        "- Tomasz's laptop goes back to IT on Monday"
    )
    found = people(detector, text)
    assert "Ingrid Solberg" in found and "Tomasz Wrona" in found
    assert found.count("Ingrid") == 1 and found.count("Tomasz") == 1


def test_a_given_name_inside_a_sentence_is_found():
    text = (
        "From: Desmond Achterberg\nSubject: router\n\nhi team, as Desmond said on the phone the router keeps dropping."
    )
    assert people(PiiDetector(tagger_path=None), text) == ["Desmond Achterberg", "Desmond"]


@pytest.mark.parametrize(
    "text, not_a_person",
    [
        # an ambiguous word that is also a given name does not spread
        ("Will Okafor signed the form.\nWill you send the copy back by post?", "Will"),
        # nor a part of the name before a place or a firm's word
        ("Our tenant Olivia Hartley called.\nThe Hartley Foundation pays the rent this month.", "Hartley"),
        # nor a part inside another entity (a street named like the person)
        ("Contact: Fraser Lindqvist\nDeliver to 14 Lindqvist Road, Dunedin 9016", "Lindqvist"),
    ],
)
def test_a_part_does_not_spread_where_it_is_no_person(text, not_a_person):
    found = people(PiiDetector(tagger_path=None), text)
    assert not_a_person not in found, found


def test_a_user_name_found_once_is_found_wherever_the_text_repeats_it(detector):
    text = (
        "Wed Nov  6 19:44:02 2024 176.12.88.140:50213 [aurelie.dubois] Peer Connection Initiated\n"
        "Wed Nov  6 19:44:02 2024 aurelie.dubois/176.12.88.140:50213 MULTI_sva: pool returned IPv4=10.8.0.46\n"
        "Wed Nov  6 21:17:40 2024 aurelie.dubois/176.12.88.140:50213 Connection reset, restarting\n"
        "ping @aurelie.dubois about the reset; mail aurelie.dubois@corp.example.fr"
    )
    assert people(detector, text).count("aurelie.dubois") == 4  # not the e-mail address's local part


def test_a_service_account_found_nowhere_is_not_spread():
    detector = PiiDetector(tagger_path=None)
    text = "user=backup from 10.0.0.4\nbackup finished; backup/10.0.0.4:1194 closed"
    assert people(detector, text) == []


def test_a_transcripts_speaker_label_in_capitals_is_a_name_the_text_gave(detector):
    text = (
        "Interviewer: DC Kemi Oduya. Witness: Rhiannon Faith Pryce.\n"
        "PRYCE: I was locking up at the pharmacy.\n"
        "NOTE: the camera was off.\n"
        "PRYCE: Then he ran."
    )
    found = people(detector, text)
    assert found.count("PRYCE") == 2 and "NOTE" not in found


def test_a_speaker_label_in_capitals_from_a_one_word_name():
    text = "Bonjour Maëlle,\nMAËLLE : Super !\nYANIS : Merci."
    assert people(PiiDetector(tagger_path=None), text).count("MAËLLE") == 1
