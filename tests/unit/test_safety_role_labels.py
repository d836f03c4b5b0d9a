"""A person named by a role in a document's field ("Patient: ...", "主治医师：...", "Κατηγορούμενος: ..."):
the role keys of ``services/safety/tables.py`` (``ROLE_NAME_KEYS``) and how ``NameRecognizer`` reads the
name in such a field's value (a title before it left out, what follows a comma or a bracket after it not
taken in). Every text here was written for these tests."""

from __future__ import annotations

import pytest

from services.safety.recognizers import NameRecognizer
from services.safety.tables import key_kind


def names(text: str) -> list[str]:
    recognizer = NameRecognizer()
    recognizer.load()
    return [text[r.start : r.end] for r in recognizer.analyze(text, ["PERSON"])]


@pytest.mark.parametrize(
    "key", ["Patient", "Complainant", "Attending physician", "المريض", "רופאה", "主治医师", "보호자", "Bác sĩ điều trị"]
)
def test_a_role_that_only_a_person_fills_is_a_name_key(key):
    assert key_kind(key) == "name"


@pytest.mark.parametrize("key", ["Landlord", "Employer", "Supplier", "Hospital"])
def test_a_role_a_firm_or_place_fills_is_no_name_key(key):
    assert key_kind(key) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Patient: Morag Finlayson          Ward: 7B", ["Morag Finlayson"]),  # names no list knows
        ("Defendant: Tadhg Ó Briain\nHearing: 14:00", ["Tadhg Ó Briain"]),
        ("主治医师：郑子涵", ["郑子涵"]),  # one line, a full-width colon
        ("Ασθενής: Ευάγγελος Ραπτόπουλος\nΘάλαμος: 3", ["Ευάγγελος Ραπτόπουλος"]),
        ("الطبيب المعالج: د. سلمى العتيبي\nالقسم: الباطنية", ["سلمى العتيبي"]),  # the title left out
        ('רופא: ד"ר איתי ברקוביץ\nמחלקה: פנימית', ["איתי ברקוביץ"]),
        ("Bác sĩ điều trị: BS. Phạm Quang Huy\nPhòng: 204", ["Phạm Quang Huy"]),
    ],
)
def test_a_name_after_a_role_label_is_found(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # what follows the name after a comma or a bracket is no part of it
        ("Κατηγορούμενος: Σπυρίδων Μπαλτάς, γεν. 02-05-1988, κάτοικος Πάτρας", ["Σπυρίδων Μπαλτάς"]),
        ("보호자: 윤서진 (010-2291-4408)", ["윤서진"]),
        ("Complainant: Nyokabi Wanjiru Mwangi, ID No. 31022874, DOB 11/04/1987", ["Nyokabi Wanjiru Mwangi"]),
        # a name written surname first keeps its comma
        ("Patientin: Pichler, Hermine, geb. 3. Juni 1941", ["Pichler, Hermine"]),
        # and another name later in the value is still found on its own
        ("Patient: Siphesihle Dlamini, DOB 02/09/1980, referred by Dr Hendrik Coetzee for review", None),
    ],
)
def test_the_name_in_a_role_value_stops_at_a_comma_or_bracket(text, expected):
    found = names(text)
    if expected is None:
        assert "Siphesihle Dlamini" in found and "Hendrik Coetzee" in found
    else:
        assert found == expected


@pytest.mark.parametrize(
    "text",
    [
        "Patient: stable overnight, obs within range",
        "Patient: No. Should I keep taking the tablets?",
        "Patient: Male, 54",
        'Patient: "Pretzel", dachshund, 6 years',  # a vet's patient: one word no list knows
        "Witness: none present",
        "Reviewer: TBD",
    ],
)
def test_a_role_label_before_no_name_finds_nothing(text):
    assert names(text) == []
