"""Names, postal addresses and dates of birth: found by the fast recognisers (no NER model),
redacted by the default policy; look-alikes (eponymous diseases, versions, ISBNs, part numbers,
OIDs, other dates) left as they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.safety.policy import DEFAULT_ENTITIES, PolicySet
from services.safety.recognizers import AddressRecognizer, DateOfBirthRecognizer, NameRecognizer

ROOT = Path(__file__).resolve().parents[2]
TICKET = (
    "Hello, my name is Margaret Okafor and my parcel never arrived. Please resend it to "
    "1187 Pinecrest Drive, Apt 3C, Boulder, CO 80302. For the ID check: date of birth 04/17/1979."
)
DECOYS = [
    "History of Parkinson's disease; Bell's palsy resolved. Carbidopa-levodopa 25/100 mg TID.",
    "Upgrade Kubernetes 1.28.4 to 1.29.2; ISBN 978-3-16-148410-0; part 90119-08B88; OID 1.3.6.1.4.1.311.21.8.1.",
    "The meeting moved to 14/03/2025 at 10:30 in room B-204; Jenkins 2.426.1 needs Java 17.",
    "Use the Wilcoxon signed-rank test and Fisher's exact test; Kaplan-Meier curves in week four.",
]


def spans(recognizer, text: str) -> list[str]:
    recognizer.load()
    return [text[r.start : r.end] for r in recognizer.analyze(text, recognizer.supported_entities)]


@pytest.fixture(scope="module")
def default_policy():
    return PolicySet.from_file(ROOT / "config" / "safety.yaml").resolve(None, None)


def test_the_default_policy_asks_for_names_addresses_and_dates_of_birth(default_policy):
    for entity in ("PERSON", "ADDRESS", "DATE_OF_BIRTH"):
        assert entity in DEFAULT_ENTITIES and entity in default_policy.pii.entities


def test_default_policy_redacts_a_name_an_address_and_a_date_of_birth(safety_service, default_policy):
    verdict = safety_service.check([TICKET], "input", default_policy)
    text = verdict["texts"][0]
    assert text == (
        "Hello, my name is <PERSON> and my parcel never arrived. Please resend it to <ADDRESS>. "
        "For the ID check: date of birth <DATE_OF_BIRTH>."
    )
    assert verdict["actions"]["pii"] == "redact" and verdict["scores"]["pii_entities"] == 3


@pytest.mark.parametrize("text", DECOYS)
def test_decoys_pass_the_default_policy_untouched(safety_service, default_policy, text):
    verdict = safety_service.check([text], "input", default_policy)
    assert verdict["texts"][0] == text and verdict["scores"]["pii_entities"] == 0


def test_names_need_a_known_name_or_a_title_and_eponyms_are_not_people():
    assert spans(NameRecognizer(), "Thanks, Dev Raman. Dr. Okonkwo will call.") == ["Dev Raman", "Okonkwo"]
    assert spans(NameRecognizer(), "Spoke with Marcus Thompson's wife about warfarin.") == ["Marcus Thompson"]
    assert spans(NameRecognizer(), "Known Crohn's disease; Hodgkin lymphoma excluded; Wells Fargo card.") == []


def test_addresses_are_found_whole_in_several_national_forms():
    text = "Ship to Flat 2, 38 Castle Road, Cork T12 X70A or Lindenstraße 12, 10969 Berlin, not room B-204."
    assert spans(AddressRecognizer(), text) == [
        "Flat 2, 38 Castle Road, Cork T12 X70A",
        "Lindenstraße 12, 10969 Berlin",
    ]
    assert spans(AddressRecognizer(), "Page 214, table 6-3; 12,000 km service interval.") == []


def test_only_dates_after_a_birth_cue_are_dates_of_birth():
    text = 'Seen 2025-06-12. DOB: 1948-05-30; dob="1995-01-28"; born 14 February 1961; next visit March 3, 2026.'
    assert spans(DateOfBirthRecognizer(), text) == ["1948-05-30", "1995-01-28", "14 February 1961"]
    assert spans(DateOfBirthRecognizer(), "Patients born after 2000 were excluded.") == []


def test_a_date_of_birth_is_not_lost_to_the_phone_look_alike_date_reading(pii_detector):
    # asking for phones also asks for DATE_TIME (to resolve look-alikes); it must not win the span
    text = "PS my date of birth is 5/14/1980 if you need to verify."
    found = pii_detector.detect(text, ["PHONE_NUMBER", "DATE_OF_BIRTH"])
    assert [(e.type, text[e.start : e.end]) for e in found] == [("DATE_OF_BIRTH", "5/14/1980")]


@pytest.mark.parametrize(
    "text",
    [
        "Take Martin Luther King Jr. Boulevard to the hospital.",  # a place word past the run's four words
        "Valentine's Day and Saint Patrick's Day sales beat last year.",  # holidays
        "The Newton-Raphson solver and the Runge-Kutta integrator both need a Jacobian.",  # eponym heads
        "Rose quartz and Amber jewellery ship separately; install Ruby 3.3 first.",  # given names that are words
    ],
)
def test_holidays_eponymous_methods_and_word_names_are_not_people(text):
    assert spans(NameRecognizer(), text) == []


def test_a_name_before_those_words_is_still_a_person():
    assert spans(NameRecognizer(), "Thanks, Amber Novak. The Newton office is closed.") == ["Amber Novak"]
