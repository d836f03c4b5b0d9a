"""Names, postal addresses and dates of birth: found by the fast recognisers (no NER model),
redacted by the default policy; look-alikes (eponymous diseases, versions, ISBNs, part numbers,
OIDs, other dates) left as they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.safety.addresses import AddressRecognizer
from services.safety.birth_dates import DateOfBirthRecognizer
from services.safety.policy import DEFAULT_ENTITIES, PolicySet
from services.safety.recognizers import NameRecognizer, not_a_name

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


def _found(detector, text: str, entity: str) -> list[str]:
    """What the detector finds of ``entity`` at the shipped policy's thresholds (phones at 0.4)."""
    found = detector.detect(text, [entity], entity_thresholds={"PHONE_NUMBER": 0.4})
    return [text[e.start : e.end] for e in found if e.type == entity]


@pytest.mark.parametrize(
    "text",
    [
        "Firmware 1.0.3.12 is out; see section 2.4.1.3 and Table 11.2.1.4 of the guide.",
        "Artifact tool-3.15.2.1-win64.zip and libfoo 5.10.0.9-x86 were rebuilt; ifIndex 3.1.2.4 is down.",
        "Chapter 7.1.3.2 covers exercises 4.4.1.1 to 4.4.1.9.",
    ],
)
def test_version_section_and_build_numbers_are_no_ip_addresses(pii_detector, text):
    assert _found(pii_detector, text, "IP_ADDRESS") == []


def test_ip_addresses_with_ports_ranges_and_cues_are_still_found(pii_detector):
    v6 = "fe80::1ff:fe23:4567:890a"
    text = f"Blocked 203.0.113.9:4431 and ip 10.0.0.1; allowed 192.168.0.0/16; ping host 5.1.2.3 and {v6}."
    found = _found(pii_detector, text, "IP_ADDRESS")
    assert [f.split("/")[0] for f in found] == ["203.0.113.9", "10.0.0.1", "192.168.0.0", "5.1.2.3", v6]


@pytest.mark.parametrize(
    "text",
    [
        "Ticket 2025-117-448 was reopened yesterday.",  # grouped as no national format groups a number
        "Serial SN-516-308-2291 and part AB-212-555-0190 are under warranty.",  # glued to an identifier
    ],
)
def test_ticket_and_serial_numbers_are_no_phone_numbers(pii_detector, text):
    assert _found(pii_detector, text, "PHONE_NUMBER") == []


def test_phone_numbers_with_extensions_and_brackets_are_still_found(pii_detector):
    text = "Call (212) 555-0143 ext. 22, +1 415 555 0176 or 020 7946 0321."
    assert _found(pii_detector, text, "PHONE_NUMBER") == ["(212) 555-0143 ext. 22", "+1 415 555 0176", "020 7946 0321"]


@pytest.mark.parametrize(
    "text, names",
    [
        ("yes, my name is Laura Ortiz", ["Laura Ortiz"]),
        ("Sure! This is Miguel from billing.", ["Miguel"]),
        ("Ingrid: see you at six\nok", ["Ingrid"]),
        ("if it fails, ping Tomasz or ask Priya", ["Tomasz", "Priya"]),
    ],
)
def test_names_after_chat_cues_are_people(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text",
    [
        "We stock Marks & Spencer's range, Procter & Gamble soap and Ben & Jerry's ice cream.",
        "Flights to San Diego, Fort Collins, St. Louis or Santa Monica; the Jefferson Memorial closes at 10.",
        "Grab a Tim Hortons coffee before the Nobel Prize lecture.",
    ],
)
def test_firms_places_and_prizes_named_after_people_are_not_people(text):
    assert spans(NameRecognizer(), text) == []


def test_the_word_right_before_a_dotted_quad_wins_over_an_address_cue_further_back(pii_detector):
    text = "Trap from 10.44.0.9 ifIndex 2.1.4.7; router firmware 1.0.2.16 again; client 10.1.2.3 build=3.14.159.26"
    assert _found(pii_detector, text, "IP_ADDRESS") == ["10.44.0.9", "10.1.2.3"]


def test_a_surname_that_is_also_a_place_word_after_a_naming_cue():
    assert spans(NameRecognizer(), "hello, my name is Daniel Park.") == ["Daniel Park"]
    assert spans(NameRecognizer(), "We walked through Hyde Park.") == []


def test_a_date_of_birth_given_as_the_answer_on_the_next_chat_line():
    text = "agent: Can you confirm your date of birth?\ncustomer: it's March 9, 1987"
    assert spans(DateOfBirthRecognizer(), text) == ["March 9, 1987"]
    assert spans(DateOfBirthRecognizer(), "DOB checked.\nNext visit: March 9, 2026") == []


def test_a_possible_number_after_a_phone_cue_is_a_phone_number(pii_detector):
    # numbers in ranges phonenumbers does not (yet) know as valid, e.g. Ofcom's drama ranges
    # (a trunk-prefixed "07700 ..." counts without a cue since session 15: see the national-numbers test)
    text = "Ring me on 07700 900277 tonight; my mobile: +44 7700 900415. Quote 7700 900623 on the form."
    assert _found(pii_detector, text, "PHONE_NUMBER") == ["07700 900277", "+44 7700 900415"]
    assert _found(pii_detector, "Call 2-3 times a day; phone battery at 15 %.", "PHONE_NUMBER") == []


@pytest.mark.parametrize(
    "text",
    [
        "Paid with my Wells Fargo card for a Ralph Lauren coat and two Tommy Hilfiger scarves.",
        "Two cans of Dr Pepper and a Dr. Oetker pizza, please.",
        "Moving the ISA from Charles Schwab to Morgan Stanley took a week; our Lockheed Martin PO is 4500012.",
        "Add Uncle Ben's rice, Betty Crocker icing and a Harley-Davidson mug to the raffle.",
        "Our Cisco ASA logs go to the SIEM; the Hilton was fully booked.",
    ],
)
def test_brands_and_firms_named_after_people_are_not_people(text):
    assert spans(NameRecognizer(), text) == []


def test_a_person_sharing_a_word_with_a_brand_is_still_a_person():
    text = "Dr Patel saw her; Dr Pepper is no doctor. Conrad Hilton opened it and Mr Disney called."
    assert spans(NameRecognizer(), text) == ["Patel", "Conrad Hilton", "Disney"]
    assert spans(NameRecognizer(), "Name: JOHN SMITH, ward 4") == ["JOHN SMITH"]  # all capitals: a form


@pytest.mark.parametrize(
    "text",
    [
        "Methods: t-test, Pearson and Spearman correlation; Rinne and Weber tests.",  # joined eponyms
        "She has Sjögren's syndrome and Raynaud's. We shop at Sainsbury's.",  # a possessive with no noun
        "Flights to Austin, TX and Victoria, BC were cancelled.",  # a place, then its state or province
        "Barrett's oesophagus, Wilms tumour, Epstein-Barr virus; Fowler's position for the scan.",
        "Meet at the Lincoln Tunnel or the Hilton Garden Inn, then the John Lewis store.",
        "The app works with Alexa, Siri and Cortana.",  # voice assistants
    ],
)
def test_joined_eponyms_conditions_places_and_assistants_are_not_people(text):
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    "text, names",
    [
        ("Husband Karim updated by phone.", ["Karim"]),  # a relative's word opens the run
        ("Pt Leila Haddad admitted overnight.", ["Leila Haddad"]),
        ("GP: Dr. Fiona MacLeod, tel 0131 496 0218.", ["Fiona MacLeod"]),  # a surname with an inner capital
        ("Signed, Ana Ruiz, MD", ["Ana Ruiz"]),  # a degree after a name is no state
    ],
)
def test_names_after_relatives_words_and_with_inner_capitals_are_people(text, names):
    assert spans(NameRecognizer(), text) == names


def test_netmasks_and_wildcard_masks_are_no_ip_addresses(pii_detector):
    text = "inet 192.168.1.23  netmask 255.255.255.0  broadcast 192.168.1.255; subnet mask 255.255.240.0"
    assert _found(pii_detector, text, "IP_ADDRESS") == ["192.168.1.23", "192.168.1.255"]
    acl = "access-list 110 permit tcp 10.1.0.0 0.0.255.255 any eq 443"
    assert _found(pii_detector, acl, "IP_ADDRESS") == ["10.1.0.0"]


@pytest.mark.parametrize(
    "text",
    [
        "After we updated Citrix Workspace to 23.11.0.132 it froze; Cisco ASA 9.16.4.42 is next.",
        "installed agent-core 7.52.0.14 (was 7.51.2.9) on Tuesday",
        "NuGet Contoso.Client 3.2.101.7 and 2.0.0.1-beta, 3.1.15.200 are in the feed.",
        "The Intel driver 7.1.0.25 did not help.",
    ],
)
def test_product_and_package_versions_with_large_parts_are_no_ip_addresses(pii_detector, text):
    assert _found(pii_detector, text, "IP_ADDRESS") == []


def test_addresses_after_product_words_ports_in_brackets_and_was_keep_their_cues(pii_detector):
    text = (
        "[UDP: [10.12.0.5]:161->[10.12.0.1]:162] trap; the attacker's IP was 203.0.113.5, Chrome on 45.1.2.30 port 22"
    )
    assert _found(pii_detector, text, "IP_ADDRESS") == ["10.12.0.5", "10.12.0.1", "203.0.113.5", "45.1.2.30"]


def test_template_placeholders_are_no_people_and_names_beside_a_name_word_still_are():
    for text in ("Dear [Friend's Name], thanks for the gift.", "Write to [Customer Name] and cc [Manager's Name]."):
        assert spans(NameRecognizer(), text) == [], text
    assert spans(NameRecognizer(), "Customer Name John Smith, ward 4") == ["John Smith"]
    assert spans(NameRecognizer(), "Name: Maria Lopez. Dear Maria Lopez,") == ["Maria Lopez", "Maria Lopez"]


# Session 14: rules written on the first held-out set's errors (development data since the second
# held-out set was committed) and the dev set's; each of these failed on the code before.


def test_acronyms_countries_and_hyphenated_words_ending_in_a_name_are_not_people():
    text = "Antenatal booking, G2P1, EDD 2025-11-17. Chest X-ray ordered. Cork T12 X70A, Ireland."
    assert spans(NameRecognizer(), text) == []
    # a country that is also a given name is still a person after a title, a greeting or a naming cue
    assert spans(NameRecognizer(), "Thanks, Jordan. Mr India and my name is Chad.") == ["Jordan", "India", "Chad"]


def test_a_given_name_joined_to_a_full_name_and_a_surname_first_form_are_people():
    text = "It's about the mortgage application for Gareth and Nia Pritchard."
    assert spans(NameRecognizer(), text) == ["Gareth", "Nia Pritchard"]
    assert spans(NameRecognizer(), "Name: KOWALSKI, Anna Maria. Date of birth: 1986-11-23.") == ["KOWALSKI, Anna Maria"]
    # no full name after "and" (and no cue before: "ask for Gareth" names him since round 36)
    assert spans(NameRecognizer(), "Notes for Gareth and the NHS team.") == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # keys in snake_case, camelCase, quoted, in several languages; a value that no list holds
        ("row = {'first': 'Teodor', 'last': 'Vrabie', 'city': 'Iasi'}", ["Teodor", "Vrabie"]),
        ('{"patientLastName": "Oyinlola", "guardian_2_name": "Kemi Adeyemo"}', ["Oyinlola", "Kemi Adeyemo"]),
        ('{"name":[{"family":"Okonkwo","given":["Chidera","Amaka"]}]}', ["Okonkwo", "Chidera", "Amaka"]),
        ("Nachname: Yilmazer   Vorname(n): Deniz Can", ["Yilmazer", "Deniz Can"]),
        ("Nazwisko: Wrzesniak\nImię: Bożena", ["Wrzesniak", "Bożena"]),
        ('[{"name":"Femke van der Loo","city":"Zwolle"}]', ["Femke van der Loo"]),
        ("charge failed id=4471 name='Ní Bhriain, Orla' amount=12.00", ["Ní Bhriain, Orla"]),
        # "Surname, Given" after a person's label or a mail header, particles included
        ("Patientin: Hufnagl, Walburga, geb. 3.4.1941", ["Hufnagl, Walburga"]),
        ("Claimant: Okereke, Ngozi A.\nSSN: 512-33-9981", ["Okereke, Ngozi A"]),
        ("From: de la Fuente, Inés <ines@example.org>", ["de la Fuente, Inés"]),
        # keys that hold no person's name, and a "name" key in prose
        ('{"productName": "Harbor Lamp", "file_name": "Walsh.pdf", "hostname": "Rowan"}', []),
        ("Drug name: Wegovy. First: Restart the router.", []),
        ('{"name": "Premium Plan"}', []),
        # FHIR's XML: an element's value attribute
        (
            '<name><family value="Oyinlola"/><given value="Kemi"/></name><product value="Harbor Lamp"/>',
            ["Oyinlola", "Kemi"],
        ),
    ],
)
def test_name_fields_of_records_forms_and_code_hold_names_whatever_lists_hold(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Boarding pass: OYELARAN/ADEBISI MRS, seat 14C", ["OYELARAN/ADEBISI"]),
        ("PNR name NGUYEN-TRAN/MINH ANH MS", ["NGUYEN-TRAN/MINH ANH"]),
        ("Ticket says BRANKOVIC/MILENA. Please fix.", ["BRANKOVIC/MILENA"]),  # a known given name, no title
        ("PID|1||77120^^^MRN||HALVORSEN^INGRID^MARIE||19720304|F", ["HALVORSEN^INGRID^MARIE"]),
        ("Bed 4 — WEST^DAVID — obs stable", ["WEST^DAVID"]),
        ("MSH|^~\\&|LAB|ORU^R01|I10^Hypertension; TCP/IP, READ/WRITE, N/A, GBP/USD", []),
    ],
)
def test_names_in_airline_and_hl7_layouts_are_people(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text",
    [
        "> Van: Femke van der Loo\n> Aan: support",  # a particle alone: Dutch mail's "From:"
        "Phone: +358 40 771 2304\nIBAN: FI76 5798 0020 4177 36",  # an acronym as a line's label
    ],
)
def test_a_particle_or_an_acronym_labelling_a_line_is_no_speaker(text):
    found = spans(NameRecognizer(), text)
    assert "Van" not in found and "IBAN" not in found


def test_slack_speakers_and_mentions_dutch_t_hyphenated_capitals_and_three_character_surnames_are_people():
    text = (
        "Slack #ops\nkarin.v  9:41 AM\nvpn down again\nbpatel  9:43 AM\n@karin.v which office?\nkarin.v  9:44 AM\nleeds"
    )
    assert spans(NameRecognizer(), text) == ["karin.v", "bpatel", "karin.v", "karin.v"]
    assert spans(NameRecognizer(), "Signed — Joost van 't Kruys") == ["Joost van 't Kruys"]
    assert spans(NameRecognizer(), "SHIP TO:\nFATIMA AL-HASHIMI\nUNIT 4") == ["FATIMA AL-HASHIMI"]
    assert spans(NameRecognizer(), "Use TCP-IP and HTTP-2 here") == []
    # a handle with a hyphenated surname, the message on the speaker's line after a gap
    text = "#infra\nkarin.owusu-ansah  10:41  anyone?\nmbecker  10:44  rolling back\nkarin.owusu-ansah  10:45  ok"
    assert spans(NameRecognizer(), text) == ["karin.owusu-ansah", "mbecker", "karin.owusu-ansah"]
    # a three-character Japanese surname, with its repeat mark
    assert spans(NameRecognizer(), "担当: 佐々木 花子") == ["佐々木 花子"]
    assert spans(NameRecognizer(), "氏名：長谷川 健太") == ["長谷川 健太"]


def test_a_word_the_name_lists_hold_but_the_embedding_places_far_among_words_ends_a_thing():
    """ "Line" is a given name somewhere (Faker's lists) and a word first: a run ending in it names a thing;
    a surname the embedding places among names stays one."""
    from services.safety.recognizers import is_common_word, named_thing

    assert is_common_word("Line") and named_thing(["Sophia", "Line"], "delays on ")
    assert not is_common_word("Collins") and not named_thing(["Sophia", "Collins"], "call ")
    assert spans(NameRecognizer(), "Delays on the Sophia Line today; call Sophia Collins.") == ["Sophia Collins"]


def test_a_name_with_an_initial_stays_on_its_line():
    assert spans(NameRecognizer(), "Insured: Marisol K.\nSSN follows") == ["Marisol K"]


def test_a_given_name_then_a_surname_that_is_also_a_word_opens_a_note():
    assert spans(NameRecognizer(), "Harold Jenkins, 68, known Parkinson's disease.") == ["Harold Jenkins"]
    assert spans(NameRecognizer(), "Jenkins 2.426.1 needs Java 17.") == []


def test_a_private_address_after_on_or_at_is_an_ip_address_and_shipped_versions_are_not(pii_detector):
    text = "did anyone restart the agent on 10.0.8.15? the cache at 10.1.2.3 is fine"
    assert _found(pii_detector, text, "IP_ADDRESS") == ["10.0.8.15", "10.1.2.3"]
    text = "Release 2025.12 ships libfoo 1.2.3.44 and the agent 6.40.1.2; it requires openssl 3.0.15.2"
    assert _found(pii_detector, text, "IP_ADDRESS") == []
    assert _found(pii_detector, "We are on 4.2.1.3 now; see section 2.1.4.7.", "IP_ADDRESS") == []


# Session 15 (issue 15, recall per type): rules from the development sets' misses (held-out 2 and
# the first held-out set are development data now); each test fails on the code before.


@pytest.mark.parametrize(
    "text, date",
    [
        ("My date of birth for the security check is 17/09/1991.", "17/09/1991"),  # a longer cue
        ('{"name":"Ann Lee","dob":"1979-12-03"}', "1979-12-03"),  # a JSON field
        ("patient_dob=1980-01-02 ok", "1980-01-02"),  # a field key with a prefix
        ("Dental record, dob 1985/04/23. Crown prep.", "1985/04/23"),  # yyyy/mm/dd
        ("Carnet de vaccination: Chloé, née le 14/05/2019.", "14/05/2019"),  # French, German, ...
        ("Geburtsdatum: 03.02.1961", "03.02.1961"),
        ("agent: And the date of birth on the account?\n[09:15] customer: 23/10/1988", "23/10/1988"),
    ],
)
def test_dates_of_birth_behind_long_cues_field_keys_other_languages_and_chat_time_stamps(text, date):
    assert spans(DateOfBirthRecognizer(), text) == [date]


def test_a_date_after_a_birth_cue_with_no_is_between_is_not_a_date_of_birth():
    assert spans(DateOfBirthRecognizer(), "Date of birth and the appointment on 12/03/2024 were checked.") == []


@pytest.mark.parametrize(
    "address",
    [
        "Schönhauser Allee 112, 10439 Berlin",  # a German street word apart from the name
        "Rua Augusta 210, 2º Esq., 1100-053 Lisboa",  # the street word first, a floor, a Portuguese postcode
        "Via Roma 12, 00184 Roma",
        "Apartment 1204, 350 Bay Street, Toronto, ON M5H 2S6",  # a Canadian postal code
        "58 Kestrel Avenue, Randburg, Johannesburg 2194",  # two towns and a four-digit postcode
        "Old Forge, Church Lane, Little Wittenham, Abingdon OX14 4QS",  # a named house, no number
        "PO Box 1234, Springfield, IL 62701",  # the town of a PO box
    ],
)
def test_addresses_in_continental_canadian_south_african_and_unnumbered_forms(address):
    assert spans(AddressRecognizer(), f"Please send it to {address}. Thanks") == [address]


def test_a_street_word_with_no_number_or_postcode_is_no_address():
    assert spans(AddressRecognizer(), "We met on Church Lane, near the Old Forge, in Abingdon last May.") == []


@pytest.mark.parametrize(
    "text, phones",
    [
        ("change it from 087 214 6630 to the new one", ["087 214 6630"]),  # Irish, with its trunk 0
        ("Parent: Mathieu Lambert, 06 48 22 91 37.", ["06 48 22 91 37"]),  # French, no cue
        ("NOK: daughter Ruth, 07700 918 442.", ["07700 918 442"]),
        ("his number is +44 7911 628 450 if the pager is slow", ["+44 7911 628 450"]),  # grouped 4-3-3
        ("Registration from <sip:+441314960455@voip.example.net> failed", ["+441314960455"]),  # a SIP URI
        ("Tél. 01 42 68 53 00", ["01 42 68 53 00"]),
    ],
)
def test_national_numbers_with_a_trunk_prefix_international_ones_and_sip_users_are_phone_numbers(
    pii_detector, text, phones
):
    assert _found(pii_detector, text, "PHONE_NUMBER") == phones
    assert _found(pii_detector, text, "EMAIL_ADDRESS") == []


@pytest.mark.parametrize(
    "text",
    [
        "Tracking ref 1Z 999 AA1 01 2345 6784 arrives Monday.",  # the tail of a longer identifier
        "My customer number is 0048 1133 27.",
        "Order 0012345678 and lot 0423-1187 shipped.",
    ],
)
def test_identifiers_beginning_with_zero_are_no_phone_numbers(pii_detector, text):
    assert _found(pii_detector, text, "PHONE_NUMBER") == []


def test_a_private_address_in_brackets_after_a_host_name_is_an_ip_address(pii_detector):
    text = "backup job started on db-primary (10.0.14.5) -> s3; see section (1.2.3.4)"
    assert _found(pii_detector, text, "IP_ADDRESS") == ["10.0.14.5"]


@pytest.mark.parametrize(
    "text, names",
    [
        ("Prescriber Dr S. Banerjee. Progress note: Client J. Okafor attended.", ["S. Banerjee", "J. Okafor"]),
        ("J. Smith signed. The U.S. Army base; Vitamin D. Patients improved.", ["J. Smith"]),
        ('reject row 18823 surname="Farouk" reason=dup', ["Farouk"]),  # a name field's value
        ('{"patient_last_name": "Oyelaran"}', ["Oyelaran"]),
        ("Eleanor Whitcombe, 78F, admitted with CAP.", ["Eleanor Whitcombe"]),  # an age after the name
        ("can u check whats wrong. thx Keisha", ["Keisha"]),  # greeted
        ("Hi Tamsin,\nthe form is attached. Hi team, thanks again.", ["Tamsin"]),
        ("<Marta> did anyone see the alert?\n<Devon> yeah", ["Marta", "Devon"]),  # IRC nicks
        ("[28/11/2024, 18:06] Nadia: see you", ["Nadia"]),  # a speaker behind a time stamp
        ("Obs stable. Wife (Margaret) called at 05:50.", ["Margaret"]),  # in brackets after a cue
        ("To Maria Lopez: the refund went out.", ["Maria Lopez"]),  # "To" is no part of the name
        ("Telehealth consult. Lindiwe Dlamini joined from home.", ["Lindiwe Dlamini"]),  # a known surname last
        ("Fixed in KB5034441. Hamid Rezaei", ["Hamid Rezaei"]),  # a known given name first
    ],
)
def test_initials_name_fields_ages_greetings_chat_nicks_and_names_opening_a_sentence(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text",
    [
        "Pascal and Ada for teaching, Haskell and Julia for research.",  # programming languages
        "For the microcontroller we compared Ada and Rust.",
        "Storm Bert and Storm Conall brought flooding; Hurricane Milton followed.",  # named storms
        "We land at John F. Kennedy International at noon.",  # an airport
        "Can I confirm your full name? In Rust it is different.",  # function words opening a sentence
    ],
)
def test_programming_languages_storms_and_airports_named_like_people_are_not_people(text):
    assert spans(NameRecognizer(), text) == []


def test_function_words_opening_a_name_are_openers_for_the_stream_guard():
    from services.safety.recognizers import RUN_OPENERS

    assert {"to", "for", "ask", "ping"} <= RUN_OPENERS
    assert "via" not in RUN_OPENERS  # "Via Roma 12, 00184 Roma" is an address


@pytest.mark.parametrize(
    "text, names",
    [
        ("Priyanka: did anyone restart it?\nLars: yes\nPriyanka: thanks", ["Priyanka", "Lars", "Priyanka"]),
        ("<Zanele> hi\n<Zanele> anyone on call?", ["Zanele", "Zanele"]),  # a recurring IRC nick
        ("Customer: hi, my name is Sunil. Later: I'm Femi Adebayo.", ["Sunil", "Femi Adebayo"]),  # introductions
    ],
)
def test_recurring_chat_speakers_and_introductions_are_people_whatever_lists_hold(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text",
    [
        "Error: disk full\nError: disk full again",  # recurring log and form labels
        "Plan: rest\nObs: fine\nPlan: more rest",
        "I am Happy with it. I'm Fine.",  # one word after "I am" is no introduction
    ],
)
def test_recurring_labels_and_one_word_after_i_am_are_not_people(text):
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    "address",
    [
        "Flat 3B, 27 Marine Parade, Brighton BN2 1TL",  # more street words
        "Flat 302, Sai Residency, MG Road, Bengaluru 560001",  # an Indian PIN after the town
    ],
)
def test_addresses_with_more_street_words_and_six_digit_postcodes(address):
    assert spans(AddressRecognizer(), f"Ship it to {address} please.") == [address]


def test_dates_of_birth_after_a_dash_an_age_label_or_the():
    text = "He was born on the 3rd of May 1990. DOB - 12/03/1979. DOB/Age: 04/05/1966 (58)"
    assert spans(DateOfBirthRecognizer(), text) == ["3rd of May 1990", "12/03/1979", "04/05/1966"]


def test_international_numbers_dialled_with_00_are_phone_numbers(pii_detector):
    text = "Escalation: 0033 648 229 137; my customer number is 0048 1133 27"  # grouped 3-3-3, no cue
    assert _found(pii_detector, text, "PHONE_NUMBER") == ["0033 648 229 137"]


def test_an_international_number_in_a_range_newer_than_the_metadata_is_a_phone_number(pii_detector):
    text = "Escalation: +44 7911 628 450 (on call)."  # possible for +44, not valid in the metadata
    assert _found(pii_detector, text, "PHONE_NUMBER") == ["+44 7911 628 450"]


@pytest.mark.parametrize(
    "text, names",
    [
        ("Kind regards,\nZanele Mokoena", ["Zanele Mokoena"]),  # under a sign-off, alone on its line
        ("Agent (Priyanka): Hello!\nCustomer: hi", ["Priyanka"]),  # beside a role
        ("Tunde (Support): Hello!", ["Tunde"]),
    ],
)
def test_names_under_a_sign_off_and_chat_speakers_beside_a_role_are_people(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize("text", ["Best,\nSupport Desk", "Thanks,\nThe Billing Team", "Patient (Female): 45"])
def test_teams_under_a_sign_off_and_words_in_brackets_are_not_people(text):
    assert spans(NameRecognizer(), text) == []


def test_names_after_kin_and_care_words_are_people_whatever_lists_hold():
    text = "NOK: daughter Adaeze Mokoena. Wife (Zanele) called. Patient Oyelaran seen at ten."
    assert spans(NameRecognizer(), text) == ["Adaeze Mokoena", "Zanele", "Oyelaran"]


# Session 16: rules written on held-out 3's misses and false hits (development data since).
@pytest.mark.parametrize(
    "address",
    [
        "22 Kirkgate, Cupar, Fife KY15 5AZ",  # no street word: a full postcode holds it
        "9 Willow Bank, Kendal LA9 4HR",
        "Flat 4B, Tower 2, Urbana Residency, 783 Anandapur, Kolkata 700107",  # units, a building, a PIN
        "Queen's Park Health Centre, 31 Salusbury Road, London NW6 6RH",  # a venue before the street
        "8 Cowper Road, Rathmines, Dublin 6, D06 X2P7",  # a town with its district number
        "House 14, Road 5, Trans-Amadi Layout, Port Harcourt",  # house and road numbers
        "Plot 22, Admiralty Way, Lekki Phase 1, Lagos",
        "House 12, Street 5, F-7/2, Islamabad 44000",  # a sector
        "2-14-5 Nishi-Shinjuku, Shinjuku-ku, Tokyo 160-0023",  # Japanese block numbers and postcode
        "27 Olympic-ro 35-gil, Songpa-gu, Seoul 05510",  # Korean road names
        "Teheran-ro 152, Gangnam-gu, Seoul 06236",
        "12 Nguyễn Huệ, Phường Bến Nghé, Quận 1, TP Hồ Chí Minh",  # Vietnamese ward and district
        "Rua Augusta, 1508, apto 62, Consolação, São Paulo - SP, 01304-001",  # a Brazilian CEP closes it
        "Prinsengracht 263-2, 1016 GV Amsterdam",  # Dutch house number suffix and postcode
        "ul. Marszałkowska 84/92 m. 17, 00-514 Warszawa",  # a Polish flat number
        "RR 2 Box 45, Smithville, TN 37166",  # rural routes
        "RR 3, Site 12, Comp 8, Okotoks, AB T1S 1A2",
        "4410 NE 72nd St, Seattle, WA 98115",  # a numbered street after a direction
        "310 W 3rd Avenue, Anchorage, AK 99501",
    ],
)
def test_addresses_without_street_words_with_building_prefixes_and_in_asian_and_rural_forms(address):
    assert spans(AddressRecognizer(), f"Send it to {address}; thanks.") == [address]


def test_a_respiratory_rate_is_no_rural_route():
    assert spans(AddressRecognizer(), "Vitals: RR 18, BP 120/80, HR 88.") == []


# Session 24: a code word after a number was cut in two to make a street and a town before a postcode.
@pytest.mark.parametrize("text", ["Seat 114  PNR K7Q2LM confirmed.", "Card ending 4419   AUTH 08817 approved."])
def test_a_number_then_a_code_word_and_a_code_is_no_address(text):
    assert spans(AddressRecognizer(), text) == []


@pytest.mark.parametrize(
    "text, dates",
    [
        ("Kunde: Heike Brandstätter, geboren am 7. Mai 1971.", ["7. Mai 1971"]),  # foreign month names
        ("His name is Gabriel, born 16 de março de 2006.", ["16 de março de 2006"]),
        ("She gave her date of birth as 2 October 1985 for the check.", ["2 October 1985"]),  # "as"
        ("The letter lists my DOB as 14/06/1983 but it should be 14/08/1983.", ["14/06/1983", "14/08/1983"]),
        ("Ngày sinh: 12/05/1988", ["12/05/1988"]),  # more cues, CJK dates
        ("생년월일: 1990년 3월 5일", ["1990년 3월 5일"]),
        ("生年月日：1979年10月2日", ["1979年10月2日"]),
        ("Doğum tarihi: 01.02.1980", ["01.02.1980"]),
    ],
)
def test_dates_of_birth_in_other_languages_after_as_and_corrected(text, dates):
    assert spans(DateOfBirthRecognizer(), text) == dates


def test_a_later_date_that_should_be_something_else_is_no_date_of_birth():
    text = "DOB 01/02/1990; next visit should be 03/04/2025. The appointment is 7. Mai 2025."
    assert spans(DateOfBirthRecognizer(), text) == ["01/02/1990"]


@pytest.mark.parametrize(
    "text, names",
    [
        ("Hello team — Abimbola Fashola here, account manager.", ["Abimbola Fashola"]),  # "X here"
        ("Send it to the office. — Alasdair Dunbar", ["Alasdair Dunbar"]),  # a dash signature
        ("Name: Joost van der Linde. Born in Utrecht.", ["Joost van der Linde"]),  # two particles
        ("Ticket from Rodel dela Rosa about billing.", ["Rodel dela Rosa"]),  # (Juan dela Cruz: a placeholder)
        ("I'm off on Monday. Yusuf will cover your clients.", ["Yusuf"]),  # a given name, then a verb
        ("I'll kill it. Aditya can you ping them?", ["Aditya"]),
        ("CARD PAYMENT\nCardholder: Jacqueline Moreau\nCard number: 4111", ["Jacqueline Moreau"]),  # one line
        ("Name: Oyelaran, Adebisi\nDOB: 1990", ["Oyelaran, Adebisi"]),  # a "Name:" line, surname first
        ("#oncall\nmarta.k: replica lagging\nPriya: which one?\nmarta.k: yep", ["marta.k", "Priya", "marta.k"]),
        ("Contact Nguyễn Thị Mai on Monday.", ["Nguyễn Thị Mai"]),  # Vietnamese letters and middle names
        ("The call was with Hye-jin Park yesterday.", ["Hye-jin Park"]),  # a Korean given name
        ("Escalated to Park Ji-woo today.", ["Park Ji-woo"]),
        ("Aroha Te Rangi called about the bill.", ["Aroha Te Rangi"]),  # Māori "Te"
        ("Ticket from Seán Ó Móráin about billing.", ["Seán Ó Móráin"]),  # accents folded
    ],
)
def test_introductions_signatures_particles_handles_and_names_of_more_countries_are_people(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text, names",
    [
        ("sshd[811]: Accepted publickey for tnguyen from 10.0.0.5 port 22", ["tnguyen"]),
        ("sshd[811]: Invalid user asmith from 10.0.0.5", ["asmith"]),
        ("postfix/smtpd: sasl_username=m.kowalczyk", ["m.kowalczyk"]),
        ("login=priya result=ok", ["priya"]),
        ("user=root uid=0; user: deploy; for ubuntu from 1.2.3.4; owner=nginx; user=ci-runner", []),
    ],
)
def test_lower_case_user_names_in_logs_are_people_and_service_accounts_are_not(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text",
    [
        "Bitte holen Sie das Paket ab. Nennen Sie mir bitte Ihren Namen.",  # German pronouns
        "1-8-1 Marunouchi, Chiyoda-ku, Tokyo",  # Japanese wards
        "Record\nParent: none listed\nKunde: Guten Abend",  # form labels and roles as speakers
        "Thanks for calling Santos Seguros, how can I help?",  # a firm called
        "Deposit for Villa Les Oliviers, 12-19 July.",  # a place's first word
        "Eggs Benedict £9.50; Pavlova A$14.",  # a dish
        'Listing: "Ford Focus, Lincoln grey." Stock no. 21-TC-0873.',  # a colour
        "Replace O-ring 91302-KZ3-003 at every service interval.",  # no Korean given name
    ],
)
def test_german_pronouns_wards_form_labels_firms_villas_dishes_and_colours_are_not_people(text):
    assert spans(NameRecognizer(), text) == []


def test_hosts_file_lines_are_ip_addresses(pii_detector):
    text = "# /etc/hosts\n127.0.0.1 localhost\n10.0.3.15       db-primary.internal\n10.0.3.16 db-replica # read"
    assert _found(pii_detector, text, "IP_ADDRESS") == ["127.0.0.1", "10.0.3.15", "10.0.3.16"]


@pytest.mark.parametrize(
    "text",
    [
        "Firmware matrix: controller 10.4.12.201, APs 6.6.55.15189, switch 9.16.4.42, UPS card 2.8.0.143.",
        'The parser treats "1.10.0.0" as smaller than "1.9.255.255". Test cases: 2.0.0.1 > 1.99.99.99.',
        "Issuer CN=Example CA, Serial 4F:9A:21:0C:77:E3:5B:12, Policy OID 2.23.140.1.2.1",
    ],
)
def test_versions_listed_or_compared_and_hex_serials_are_no_ip_addresses(pii_detector, text):
    assert _found(pii_detector, text, "IP_ADDRESS") == []


def test_a_bracketed_area_code_is_a_phone_number_and_an_snmp_counter_is_not(pii_detector):
    text = "Emergency contact: father, (02) 6295 4410\nIF-MIB::ifHCInOctets.10101 = Counter64: 4418825190"
    assert _found(pii_detector, text, "PHONE_NUMBER") == ["(02) 6295 4410"]


@pytest.mark.parametrize(
    "text, names",
    [
        ("氏名：佐藤 花子\n生年月日：1979年10月2日", ["佐藤 花子"]),  # CJK script after a name field
        ("이름: 박서연, 생년월일: 1990년 3월 5일", ["박서연"]),
        ("Customer 김민준 called about the bill.", ["김민준"]),  # a known surname and given name
        ("The ticket from Wang Xiaoming is open.", ["Wang Xiaoming"]),  # pinyin beside a known surname
        ("Employee: Tamar Dvorakova\nStart: Monday", ["Tamar Dvorakova"]),  # a record's person line
        ("tnguyen: db is down\nbwilliams: on it", ["tnguyen", "bwilliams"]),  # one-word chat handles
    ],
)
def test_names_in_cjk_script_pinyin_person_lines_and_one_word_handles_are_people(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text",
    [
        "이메일 주소를 확인하세요",  # Hangul words that start with a surname's syllable
        "replicas: 3\ntimeout: 30\nlabels: x\nselector: y\nstrategy: z",  # YAML keys are no handles
        "Customer: Great, thanks\nAgent: Sure",  # one word after a person label
    ],
)
def test_hangul_words_yaml_keys_and_one_word_after_a_person_label_are_not_people(text):
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    "address",
    [
        "GPO Box 1234, Sydney NSW 2001",  # GPO boxes and private bags
        "Private Bag X12, Pretoria 0001",
        "Ballymore, Mullingar, Co. Westmeath, N91 X2Y3",  # Irish rural: no house number, a county, an Eircode
        "〒100-0005 東京都千代田区丸の内1-8-1",  # Japanese script
        "서울특별시 강남구 테헤란로 152",  # Korean script
    ],
)
def test_boxes_bags_irish_rural_and_japanese_and_korean_script_addresses(address):
    assert spans(AddressRecognizer(), f"Send it to {address} thanks") == [address]


def test_names_and_dates_of_birth_in_an_sql_insert_are_read_by_their_columns():
    text = (
        "INSERT INTO patients (id, first_name, last_name, dob, city) VALUES "
        "(17, 'Adaeze', 'Okonkwo-Barnes', '1984-02-29', 'Leeds'), (18, 'Tomás', 'Ó Briain', '1990-07-01', 'Cork');"
    )
    assert spans(NameRecognizer(), text) == ["Adaeze", "Okonkwo-Barnes", "Tomás", "Ó Briain"]
    assert spans(DateOfBirthRecognizer(), text) == ["1984-02-29", "1990-07-01"]


@pytest.mark.parametrize(
    "text, addresses",
    [
        ("[all]\nweb1 ansible_host=10.0.0.5 ansible_user=deploy", ["10.0.0.5"]),  # a key's last part
        ("[Peer]\nAllowedIPs = 10.8.0.2/32\nEndpoint = 203.0.113.5:51820", ["10.8.0.2/32", "203.0.113.5"]),
        ("iptables -A INPUT -s 10.0.0.0/8 -j ACCEPT", ["10.0.0.0/8"]),  # a firewall's source flag
    ],
)
def test_small_addresses_after_key_tails_camel_case_cues_and_firewall_flags_are_ip_addresses(
    pii_detector, text, addresses
):
    assert _found(pii_detector, text, "IP_ADDRESS") == addresses


@pytest.mark.parametrize(
    "text",
    [
        "We sailed on HMS Victoria and the RMS Queen Mary; the MV Ever Given blocked the canal.",  # ships
        "Take the Elizabeth line to Paddington; the Victoria line is closed.",  # tube lines
    ],
)
def test_ships_and_tube_lines_named_like_people_are_not_people(text):
    assert spans(NameRecognizer(), text) == []


def test_a_maiden_name_after_nee_is_a_person():
    assert spans(NameRecognizer(), "Jane Dawes (née Okafor) called.") == ["Jane Dawes", "Okafor"]


def test_more_titles_make_a_surname_a_person():
    text = "Seen by Dra. Quispe and Capt. Oduya; Revd Mthembu will visit."
    assert spans(NameRecognizer(), text) == ["Quispe", "Oduya", "Mthembu"]


def test_a_date_after_b_in_brackets_is_a_date_of_birth():
    assert spans(DateOfBirthRecognizer(), "Maria Lopez (b. 12/03/1980) attended.") == ["12/03/1980"]


def test_a_postcode_before_the_last_town_and_no_full_stop_in_an_address():
    text = "Unit 5B, 123 Rizal Street, Barangay San Antonio, Makati City, 1203 Metro Manila."
    assert spans(AddressRecognizer(), text) == [text[:-1]]
    assert spans(NameRecognizer(), text) == []  # "Barangay San Antonio", "Metro Manila" are places


# Session 16, second round: rules written on held-out 4's misses (development data since).
@pytest.mark.parametrize(
    "address",
    [
        "Résidence Les Acacias, Bât. B, 12 rue Victor Hugo, 31000 Toulouse",  # residence and building first
        "Appartement 4, 18 avenue Jean Jaurès, 69007 Lyon",
        "C/ de Mallorca 215, 3º 1ª, 08008 Barcelona",  # Spanish "C/" and floor and door
        "Via Garibaldi 8, scala A, int. 3, 10122 Torino TO",  # staircase, flat and a province's code
        "Vicolo del Cedro 5, 00153 Roma RM",
        "Calle Morelos 88 Int. 2, Col. Juárez, 06600 Ciudad de México, CDMX",  # a town of words, a state
        "c/o Livraria Lello, 144 Rua das Carmelitas, 4050-161 Porto, Portugal",  # c/o, the number first
        "Bergmannstraße 12, 2. OG rechts, 10961 Berlin",  # a floor between number and postcode
        "Am Lindenhof 9, 37075 Göttingen",  # "Am ..." streets
        "Herengracht 401-II, 1017 BP Amsterdam",  # a Dutch floor in Roman numerals
        "P.O. Box 30123-00100, Nairobi",  # a Kenyan box with its postal code
        "Greenfield Nursing Home, 42 Elm Street, Kingston, ON K7L 3N6",  # a care home before the street
        "C-1203, Prestige Shantiniketan, Whitefield, Bengaluru, Karnataka 560048",  # a flat code, a PIN
        "TC 14/882, Vazhuthacaud, Thiruvananthapuram, Kerala 695014",
        "House No. 17, Block F, Gulberg III, Lahore 54660",  # house and block numbers
        "Blk 4 Lot 21, Camella Homes, Brgy. Molino, Bacoor, Cavite 4102",
        "Số 25 ngõ 10 Láng Hạ, phường Thành Công, quận Ba Đình, Hà Nội",  # an alley, lower-case ward
        "Bryn Teg, Llanddewi Brefi, Tregaron SY25 6RS",  # a named house, village, post town, postcode
        "서울특별시 강남구 테헤란로 152, 101동 1203호 (06236)",  # Korean building, flat and postcode
        "〒100-0005 東京都千代田区丸の内1-9-1 グラントウキョウ3 12階",  # Japanese building and floor
    ],
)
def test_addresses_with_units_first_provinces_floors_flat_codes_alleys_and_named_houses(address):
    assert spans(AddressRecognizer(), f"Send it to {address}; thanks.") == [address]


@pytest.mark.parametrize(
    "text",
    [
        "Version 12, 40000 Users were migrated.",  # a capitalised word, a number, five digits, a word
        "Table 3, Rows 2, Leeds and York",  # no postcode
        "Item 42, Aisle 7, Store 1200",
        "Sprint 14, Lane 3, Release 2024",
    ],
)
def test_numbered_words_with_no_postcode_or_floor_are_no_address(text):
    assert spans(AddressRecognizer(), text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Parent: Tendai Chikwanha, +263 77 412 3456", ["Tendai Chikwanha"]),  # a parent's field
        ("Parent/carer 2: Kehinde Adewale, 07700 900 123", ["Kehinde Adewale"]),
        ("Pupil: Oluwaseun Adewale   D.O.B.: 02/03/2017   Class: 4B", ["Oluwaseun Adewale"]),  # fields apart
        ("Your engineer Callum fitted the router.", ["Callum"]),  # a role word before a given name
        ("Customer: hi it's Tomasz again", ["Tomasz"]),
        ("Nom : Lefebvre   Prénom : Théo", ["Lefebvre", "Théo"]),  # French name fields
        ("Please review. — K. Boudreaux, PA-C", ["K. Boudreaux"]),  # an initial and a credential
        (
            "[09:00] Agent Sipho: Hello!\n[09:01] Customer: hi\n[09:01] Agent Sipho: How can I help?",
            ["Sipho", "Sipho"],
        ),
    ],
)
def test_parents_pupils_roles_french_fields_signatures_with_credentials_and_agents_by_name(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Sorry, English is easier for me.", []),  # a language
        ("Agent: Good morning, you're through to billing.", []),
        ("Sehr geehrter Herr Kollege Dr. Brandt, danke.", ["Brandt"]),  # a title ends no name
        ("Flight IB 3170, 02/12/2026, Madrid–Lima.", []),  # a route's towns
        ("Arrivals from New York and New Delhi.", []),
        ("Serve with Charlotte potatoes and a Marie Rose dip.", []),  # dishes
        ("the Hilton's Marco Pierre White steakhouse opens at 18:00", []),  # a restaurant
    ],
)
def test_languages_greetings_titles_routes_new_towns_dishes_and_restaurants_are_not_people(text, names):
    assert spans(NameRecognizer(), text) == names


def test_upgrade_paths_and_codes_are_no_ip_addresses_and_flows_with_cues_still_are(pii_detector):
    text = "Upgrade path: 5.1.2.77 → 5.2.9.201 → 5.3.0.118. Claim rejected (code 31.2.4.19 missing)."
    assert _found(pii_detector, text, "IP_ADDRESS") == []
    flow = "NAT maps 192.168.1.10 → 203.0.113.7 for the VPN."
    assert _found(pii_detector, flow, "IP_ADDRESS") == ["192.168.1.10", "203.0.113.7"]


def test_a_date_of_birth_that_a_document_reads_or_shows():
    text = "Her DOB on the referral reads 4/9/61 and the card shows 04/09/1961."
    assert spans(DateOfBirthRecognizer(), text) == ["4/9/61"]


def test_a_number_after_an_abbreviated_cue_with_its_dot_is_a_phone_number(pii_detector):
    assert _found(pii_detector, "Domicilio conocido. Tel. 33 3615 2290, gracias.", "PHONE_NUMBER") == ["33 3615 2290"]


def test_a_lower_case_irc_nick_that_speaks_twice_is_a_person_and_html_tags_are_not():
    chat = "<lin> is the build red?\n<ravi_k> yes\n<lin> ok, looking"
    assert spans(NameRecognizer(), chat) == ["lin", "ravi_k", "lin"]
    html = "<div> one\n<li> two\n<div> three\n<li> four"
    assert spans(NameRecognizer(), html) == []


def test_a_quad_read_as_a_version_once_is_one_where_the_text_repeats_it(pii_detector):
    text = "Changelog — collector 5.3.0.118\nUpgrade path: 5.2.9.201 → 5.3.0.118. Hosts: server 10.1.2.3."
    assert _found(pii_detector, text, "IP_ADDRESS") == ["10.1.2.3"]


@pytest.mark.parametrize(
    "text",
    [
        'Please proofread: "The Davis Cup final, the Ryder Cup and the Stanley Cup all fall in one month."',
        "Astronomy club notes: Halley's Comet returns in 2061; see Megan's Law and the Orion Nebula.",
        "Chess lesson 12: the Ruy López and the Evans Gambit. Cocktails: Shirley Temple (alcohol-free).",
    ],
)
def test_cups_comets_and_other_things_named_after_people_are_not_people(text):
    # "the" right before a run, a possessive inside it, a common word ending it: a thing's name
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    "text, names",
    [
        ("From: Ana Lopez\nSent: 27 Nov 2026\nTo: Bo Li\n\nFrom: Bo Li\nSent: 28 Nov 2026\nTo: Ana Lopez", None),
        ("[09:02] Visitor: 1142\n[09:03] Bot: Hi\n[09:03] Visitor: Destiny Okoro-Blake", ["Destiny Okoro-Blake"]),
        ("AGENT: Name and date of birth?\nPATIENT: Yeah, it's Summer Rain Holloway.", ["Summer Rain Holloway"]),
        ("Ward 4   Age/Sex: 58/M   D.O.B.: 15-08-1968", []),
    ],
)
def test_labels_and_answers_that_are_common_words_are_not_people(text, names):
    # a recurring label ("Sent:", "Visitor:"), a patient's "Yeah", an abbreviation after a title-like "M"
    expected = ["Ana Lopez", "Bo Li", "Bo Li", "Ana Lopez"] if names is None else names
    assert spans(NameRecognizer(), text) == expected


def test_a_person_whose_surname_is_a_word_or_missing_from_the_lists_is_still_a_person():
    assert spans(NameRecognizer(), "Copy to Dr Helen Straw, Riverside Surgery.") == ["Helen Straw"]
    assert spans(NameRecognizer(), "Sehr geehrter Herr Krüger,\nIhre Abrechnung") == ["Krüger"]
    # "MacLeod" is in no list, but the embedding places it among names: no common word
    assert spans(NameRecognizer(), "Seen by Hamish MacLeod today.") == ["Hamish MacLeod"]


def test_common_words_are_the_embedders_words_that_no_name_list_holds():
    from services.safety.recognizers import is_common_word

    assert all(is_common_word(w) for w in ("Cup", "Comet", "Nebula", "Visitor", "Sent", "Yeah", "Cups"))
    # in a name list ("Smith", "Collins", "Hope"), or placed among names by the embedding ("Kowalski")
    assert not any(is_common_word(w) for w in ("Smith", "Collins", "Hope", "Kowalski", "MacLeod", "Dunbar"))


# Session 21 (held-out 10's address misses, checked on held-outs 5-10): continental forms with
# joined Nordic, Finnish and Dutch street words, house numbers with parts, floors and flats before
# the postcode, over lines; values under address keys; an HL7 address field.


@pytest.mark.parametrize(
    "address",
    [
        "Kongens gate 17C, 7011 Trondheim",  # a Norwegian street word apart, two-word names too
        "Sankt Eriksgatan 31, 3 tr, 113 43 Stockholm",  # a floor between, a 3 + 2 digit postcode
        "Drottninggatan 8 A lgh 1204, 252 21 Helsingborg",  # a staircase letter and a flat, no comma
        "Aleksanterinkatu 9 C 41, 00100 Helsinki",  # Finnish "-katu", staircase and flat
        "Vestergade 31, 4. tv., 8000 Aarhus C",  # Danish "-gade", a floor, a district letter after the town
        "Leopoldstraße 211/4/9, 1020 Wien",  # an Austrian house / staircase / door number
        "Herengracht 402-bis, 1017 BX Amsterdam",
        "Ταχυδρόμου 18, 546 22 Θεσσαλονίκη",  # no street word: a 3 + 2 digit postcode holds it
        "Korunní 2461/92, 120 00 Praha 2",
    ],
)
def test_continental_addresses_with_nordic_finnish_and_dutch_street_words_and_house_parts(address):
    assert spans(AddressRecognizer(), f"Die Post bitte an {address}. Danke") == [address]


def test_a_continental_address_over_lines_with_a_floor_line_and_a_town_of_three_words():
    text = "Neue Anschrift:\nHerr Jonas Keller\nAuf der Heide 9b\n2. OG rechts\n60431 Frankfurt am Main\nViele Grüße"
    assert spans(AddressRecognizer(), text) == ["Auf der Heide 9b\n2. OG rechts\n60431 Frankfurt am Main"]


@pytest.mark.parametrize(
    "address",
    [
        "Flat 3/2, 44 Dumbarton Road, Glasgow G11 6AA",  # a tenement flat's floor / door
        "Flat 9, 3rd floor, 20 Mill Lane, Leeds LS1 4AB",  # a floor before the house number
        "Unit 4, 12-14 Station Street, Parramatta NSW 2150",  # a range of house numbers
    ],
)
def test_flats_floors_and_house_number_ranges_before_the_street(address):
    assert spans(AddressRecognizer(), f"New address: {address}\nThanks") == [address]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            '{"id": 7, "addr": "Carrera 15 # 93-47, Apto 301, Bogotá", "ip": "10.1.2.3"}',
            "Carrera 15 # 93-47, Apto 301, Bogotá",
        ),
        (
            "{'street': 'Bulevardul Unirii nr. 9, bl. B2, ap. 7, 030823 București'}",
            "Bulevardul Unirii nr. 9, bl. B2, ap. 7, 030823 București",
        ),
        ('  billing_address: "Jalan Ampang 88, 50450 Kuala Lumpur"', "Jalan Ampang 88, 50450 Kuala Lumpur"),
        ('<address><text value="Odos Patision 71, Athens"/></address>', "Odos Patision 71, Athens"),
        (
            '"address": [{"text": "〒604-8005 京都府京都市中京区河原町通三条上る恵比須町427"}]',
            "〒604-8005 京都府京都市中京区河原町通三条上る恵比須町427",
        ),
    ],
)
def test_a_value_under_an_address_key_is_an_address_whatever_its_form(text, address):
    assert spans(AddressRecognizer(), text) == [address]


def test_network_and_mail_addresses_under_address_keys_are_no_postal_addresses():
    text = (
        '{"ip_address": "10.2.3.4", "remote_addr": "192.168.1.9:443", "email_address": "a@b.org", "address": "fe80::1"}'
    )
    assert spans(AddressRecognizer(), text) == []
    assert spans(AddressRecognizer(), '{"address": "see the attached form"}') == []
    wallet = '{"addr": "0x7ffd4a2c18e0", "address": "bc1q9h6tk2m0aelw3y8r5v4zjx7n2c0dp6s8ufq3ga"}'
    assert spans(AddressRecognizer(), wallet) == []  # a memory address, a wallet's: one token


def test_an_hl7_pid_segments_address_field_is_an_address_without_its_country():
    text = (
        "PID|1||77120^^^HOSP^MR||NWOSU^ADAKU^^^MRS||19790312|F|||12 Orchard Close^^Reading^^RG1 7QT^GBR||0118 496 0321"
    )
    assert spans(AddressRecognizer(), text) == ["12 Orchard Close^^Reading^^RG1 7QT"]


@pytest.mark.parametrize(
    "address",
    [
        "Av. Libertador 5120, piso 3° A, Núñez, CABA",  # a floor and a barrio, no postcode
        "Pasaje Las Acacias 118, Quilpué, Valparaíso",  # "Pasaje", two towns
        "Calle Hidalgo 87, Int. 2, Col. Centro, C.P. 76000, Querétaro",  # a colonia, "C.P." before the postcode
        "Jr. Junín 540, dpto. 7, Cercado de Lima 15001",  # a Peruvian "jirón", a postcode after the town
        "Rue Haute 212, bte 5, 1000 Bruxelles",  # a Belgian box number
    ],
)
def test_street_first_latin_addresses_with_units_colonias_and_towns_after_the_number(address):
    assert spans(AddressRecognizer(), f"Domicilio: {address}. Gracias") == [address]


def test_a_street_first_name_with_no_house_number_or_town_after_is_no_address():
    text = "We walked down Avenida Paulista, past the Calle Mayor museum, to Plaza 2 de Mayo on Sunday."
    assert spans(AddressRecognizer(), text) == []


# Round 7 (session 21): a date grammar of many languages and forms (issue 15).
@pytest.mark.parametrize(
    "text, date",
    [
        # day and year in words, in English, French, Spanish, German and Italian
        ("Date of birth: the seventh of November, nineteen sixty-one.", "seventh of November, nineteen sixty-one"),
        (
            "agent: and your date of birth?\ncaller: thirty-first of July, fifty-nine",
            "thirty-first of July, fifty-nine",
        ),
        ("née le premier mars mil neuf cent quatre-vingt, à Lyon", "premier mars mil neuf cent quatre-vingt"),
        (
            "nacido el cuatro de marzo de mil novecientos ochenta y seis",
            "cuatro de marzo de mil novecientos ochenta y seis",
        ),
        ("geboren am vierten März neunzehnhundertsechsundachtzig", "vierten März neunzehnhundertsechsundachtzig"),
        ("nata il quattro marzo millenovecentottantasei", "quattro marzo millenovecentottantasei"),
        ("SPEAKER 2: DOB?\nSPEAKER 1: four, nineteen, seventy-three", "four, nineteen, seventy-three"),
        ("He was born on the 12th day of March 1986 in Kumasi.", "12th day of March 1986"),
        # CLDR's month names (genitive forms too), and a day glued to its month
        ("Дата рождения: 9 ноября 1975 г.", "9 ноября 1975 г."),  # the year word is part of it
        ("Pacjentka (ur. 4 marca 1986) zgłasza ból.", "4 marca 1986"),
        ("Ημερομηνία γέννησης: 21 Σεπτεμβρίου 1990", "21 Σεπτεμβρίου 1990"),
        ("Datum narození: 4. března 1986", "4. března 1986"),
        ("Születési dátum: 1986. március 4.", "1986. március 4."),
        ("Data nașterii: 4 martie 1986", "4 martie 1986"),
        ("Tanggal lahir: 4 Maret 1986", "4 Maret 1986"),
        ("Ngày sinh: 4 tháng 3 năm 1986", "4 tháng 3 năm 1986"),
        ("Patient: Huber, Ida, geb. 3.Juni 1941, Station 4", "3.Juni 1941"),
        ("Geburtsdatum: 3. Maerz 1941", "3. Maerz 1941"),  # umlauts written out, a regional spelling
        ("nacida el 3 de setiembre de 1941", "3 de setiembre de 1941"),
        # compact forms, Japanese eras, a Korean particle after the cue
        ("Bot: please confirm the date of birth.\nPassenger: 04MAR86", "04MAR86"),
        ("生年月日：昭和61年3月4日", "昭和61年3月4日"),
        ("생년월일은 1986년 3월 4일입니다", "1986년 3월 4일"),
        # cues further away, in other languages' words, in field keys of any naming style
        ("а дата рождения у вас какая? 9 ноября 1975", "9 ноября 1975"),
        ("Ward note: Mr K. Osei, b. 4 March 1986, admitted", "4 March 1986"),
        ('payload = {"birthDate": "1986-03-04"}', "1986-03-04"),
        ("fecha_nac: 04/03/1986", "04/03/1986"),
        ("row = {'name': 'X', 'birth': '04.03.1986'}", "04.03.1986"),
        ('<patient><birthDate value="1986-03-04"/></patient>', "1986-03-04"),
        ("Date of birth of lead tenant: 04/03/1986", "04/03/1986"),  # a label before the colon
        ("Please re-check the date of birth (04/03/1986) on file.", "04/03/1986"),
        ("Anamnese: Frau Y, geb. am 04.03.1986, Station 2", "04.03.1986"),
        ("fecha de nacimiento 4-III-1986, ingresa por", "4-III-1986"),  # a Roman month, a spaced date
        ("datum narození 4. 3. 1986 (ověřeno)", "4. 3. 1986"),
        ("Tempat/Tgl. Lahir: Bandung, 04-03-1986", "04-03-1986"),
        ("تاريخ الميلاد: 1986/03/04", "1986/03/04"),
        ("जन्म तिथि: 4 मार्च 1986", "4 मार्च 1986"),
        ("SSR DOCS XX HK1 P/GBR/123456789/GBR/04MAR86/F/01JAN30/DOE/JANE", "04MAR86"),
    ],
)
def test_dates_of_birth_in_words_in_many_languages_and_compact_forms(text, date):
    assert spans(DateOfBirthRecognizer(), text) == [date]


@pytest.mark.parametrize(
    "text",
    [
        "the seventh of November, nineteen sixty-one",  # no birth cue
        "DOB: one of the fields is blank; born in the second year of the war",  # number words, no date
        "Our next review is on 04MAR26.",
        "Ward note: Mr K. Osei. B. 4 March 1986 was the admission date",  # "b." only after a comma or bracket
        "Date of birth and visit date: 12/03/2024",  # a label naming more than the birth date
    ],
)
def test_number_words_and_compact_dates_without_a_birth_cue_are_no_dates_of_birth(text):
    assert spans(DateOfBirthRecognizer(), text) == []


def test_a_japanese_era_date_of_birth_is_one_span_not_a_name(pii_detector):
    text = "患者氏名: 山本 花子、生年月日: 平成3年7月9日、受診科: 内科"
    found = pii_detector.detect(text, ["PERSON", "DATE_OF_BIRTH"])
    assert ("DATE_OF_BIRTH", "平成3年7月9日") in [(e.type, text[e.start : e.end]) for e in found]
    assert not any(e.type == "PERSON" and "平成" in text[e.start : e.end] for e in found)


def test_a_text_with_a_birth_cue_whose_length_lower_casing_changes_is_still_searched():
    text = "İSTANBUL şubesi — Doğum tarihi: 4 Mart 1986"  # "İ".lower() is two characters
    assert spans(DateOfBirthRecognizer(), text) == ["4 Mart 1986"]


# Session 22 (held-out 11's address misses, checked on held-outs 5-11): French, Turkish, Russian, Chinese,
# Singaporean, Indian and Irish-language forms; a building or room after a Japanese or Korean address.


@pytest.mark.parametrize(
    "address",
    [
        "31 rue des Carmes, appt 7, 76000 Rouen",  # a French flat between the street and the postcode
        "5 chemin des Vignes, bât. B, esc. 3, 38000 Grenoble",  # building and staircase
        "9, Rue Moulay Youssef, Quartier Gauthier, Rabat 10020",  # a comma after the number, the town first
        "1875, boulevard Saint-Laurent, app. 12, Montréal (Québec) H2X 2T3",  # a Quebec address
        "Halk Caddesi No: 42 D: 3, 34710 Üsküdar/İstanbul",  # Turkish "No:" and "D:", district / city
        "Atatürk Mah. Çiçek Sok. No:7 Kat:2 D:5, 06420 Çankaya/Ankara",  # a neighbourhood and a floor
        "ул. Пушкина, д. 10, кв. 4, Казань, 420111",  # Russian street, house, flat, town, index
        "北京市朝阳区建国路93号2栋801室",  # Chinese city, district, road, number, building, room
        "Vondelstraat 45-2hoog, 1054 GE Amsterdam",  # a Dutch floor on the house number
        "D.No. 12-3-45, Gandhi Nagar, Vijayawada 520003",  # an Indian door number in parts
        "Blk 88 Tampines Street 81, #05-220, Singapore 520088",  # a block, a street number, a unit
        "Suite 3, Rosebank Gardens, 18 Oxford Road, Parktown, Johannesburg 2193",  # a building named for gardens
        "Cnoc an Doire, Ros Muc, Co. Mhaigh Eo, H91 X4T2",  # Irish-language names and county
        "〒060-0001 北海道札幌市中央区北一条西2-1 サッポロハイム205号",  # a building and room after the block
        "서울특별시 마포구 월드컵로 212, 803호",  # a comma before the Korean flat
    ],
)
def test_french_turkish_russian_chinese_and_other_unit_and_building_forms(address):
    assert spans(AddressRecognizer(), f"Adres: {address}. Merci\n") == [address]


@pytest.mark.parametrize(
    "text",
    [
        "Paracetamol 500 mg 20 St. (Ch.-B. X1), Aspirin 100 mg 50 St.\nGesamt",  # German "Stück" after a count
        "Bitte 3 × Dr. Oetker Pizza",  # a multiplication sign is no capital letter
    ],
)
def test_a_count_before_a_bare_street_abbreviation_is_no_address(text):
    assert spans(AddressRecognizer(), text) == []


# Session 22: dates of birth answered after the name, with a year word, and "born" said of firms and animals.


def test_a_date_of_birth_answered_after_the_name_on_the_next_line_is_found():
    recognizer = DateOfBirthRecognizer()
    text = "AGENT: Could I take your full name and date of birth?\nCLIENT: Sure, Tomasz Wrona, um, 4 May 1961.\n"
    assert spans(recognizer, text) == ["4 May 1961"]
    text = "Operator: name and date of birth?\nCaller: Ines Vidal — 17.09.1958\nOperator: thanks"
    assert spans(recognizer, text) == ["17.09.1958"]
    text = "Operator: what is your date of birth?\nCaller: Thanks, I'll check the visit on 12/03/2026"
    assert spans(recognizer, text) == []  # a date that follows no separator after the name: not the answer


def test_a_year_word_after_the_year_is_part_of_the_date_of_birth():
    recognizer = DateOfBirthRecognizer()
    assert spans(recognizer, "Дата рождения: 2 апреля 1958 года, Тверь") == ["2 апреля 1958 года"]
    assert spans(recognizer, "Data urodzenia: 11 listopada 1974 r., Kraków") == ["11 listopada 1974 r."]


@pytest.mark.parametrize(
    "text",
    [
        "Our little print shop was born on 3 March 2009 above a bicycle repair stall.",
        "Fjordbryggeri AS was born on 21 June 2014 in a boathouse.",
        "Born on 8 August 2012 in a spare bedroom, our brand now sells in nine countries.",
        'Patient: "Pepper", cocker spaniel, born 02/05/2020, spayed female.',
        "Lindholm Data ApS was born on 3 May 2016 in Aarhus.",  # a Danish firm's legal form
        "Nordvik Rederi A/S was born on 2 April 2001 in Bergen.",  # the README's other legal forms
        "Huber Maschinenbau KG was born on 5 July 1999 in Ulm.",
        "Wattle Creek Pty Ltd was born on 11 May 2010 in Ballarat.",
        "Sakura Denki KK was born on 1 April 2005 in Osaka.",
        "Fernleaf Analytics was born on 14 March 2011 in a shared office.",  # a firm's word
    ],
)
def test_born_said_of_a_firm_or_an_animal_is_no_date_of_birth(pii_detector, text):
    assert spans(DateOfBirthRecognizer(), text) == []
    assert [e for e in pii_detector.detect(text, ["DATE_OF_BIRTH"]) if e.type == "DATE_OF_BIRTH"] == []


def test_born_said_of_a_person_beside_a_firm_stays_a_date_of_birth():
    text = "The founder of the brewery, Hanne Lund, was born on 9 October 1971 in Bergen."
    assert spans(DateOfBirthRecognizer(), text) == ["9 October 1971"]
    assert spans(DateOfBirthRecognizer(), "Tomas Berg, born 2 May 1980, joined the company in 2004.") == ["2 May 1980"]


@pytest.mark.parametrize(
    "text, names",
    [
        # a CSV, semicolon and markdown table: a header naming the column, the names under it whole
        (
            "id,given_name,family_name,dob\n7,Annika,Voskuijlen,1984-02-11\n8,Rafael,De Meulemeester,1979-06-30",
            ["Annika", "Voskuijlen", "Rafael", "De Meulemeester"],
        ),
        (
            'ref,client_name,amount\nQ-1,"Teodorescu, Ilinca M.",40\nQ-2,"Abara, Kelechi",12',
            ["Teodorescu, Ilinca M.", "Abara, Kelechi"],
        ),
        ("nr;achternaam;voornaam;geboortedatum\n1;Wijnaldum;Femke;03-04-2011", ["Wijnaldum", "Femke"]),
        ("| Resident | Room |\n|---|---|\n| Oonagh Breathnach | 12 |\n| Premium | 14 |", ["Oonagh Breathnach"]),
        # a key/value table's name row
        ("| Field | Value |\n|---|---|\n| Full name | Zsófia Bartók-Halmi |\n| Plan | Gold |", ["Zsófia Bartók-Halmi"]),
        # a column of things under a bare "name" or a role is no column of names
        ("name,ip\nBuild Server,10.0.0.2\n| Customer | Plan |\n|---|---|\n| Premium | Gold |", []),
    ],
)
def test_names_in_a_tables_name_columns_are_people(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text, names",
    [
        ("Olá, sou a Ana do Rosário Quintela e queria marcar.", ["Ana do Rosário Quintela"]),
        ("Requerente: Tomás Ignacio Ybarra y Olaechea, vecino de Bilbao.", ["Tomás Ignacio Ybarra y Olaechea"]),
        ('name: "Saravanan a/l Muniandy"', ["Saravanan a/l Muniandy"]),
        ("Die Rechnung ist an Hr. Brunnhuber adressiert.", ["Brunnhuber"]),
        ("Mass said by Fr. Tadhg Ó Conchubhair at nine.", ["Tadhg Ó Conchubhair"]),
        ("HR Manager approved it.", []),
        ("The courier has the code 4471 and the flat number. — Obiageli", ["Obiageli"]),
        ("Shopping list:\n- Apples\n- Kubernetes", []),
    ],
)
def test_particles_dotted_titles_and_one_word_dash_signatures(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text, names",
    [
        ("안녕하세요. 김지민입니다. 주문 확인 부탁드려요.", ["김지민"]),
        ("상담원: 확인 부탁드립니다.\n고객: 박민준이고요, 감사합니다.", ["박민준"]),
        ("주치의 소견 참고 바랍니다. 담당의 최은지 드림.", ["최은지"]),
        ("いつもお世話になっております。山田 太郎です。", ["山田 太郎"]),
        ("宛先は鈴木 花子です。", ["鈴木 花子"]),
        ("株式会社サンプル\n高橋様\n\nいつも", ["高橋"]),
        ("LINE\n伊藤 美咲: 了解です", ["伊藤 美咲"]),
        ("KakaoTalk\n이민준 오후 3:12 택배 왔어요", ["이민준"]),
        ("收件人 王建国，电话 138", ["王建国"]),
        ("联系电话：138 2274 9065\n承办人：黄丽萍", ["黄丽萍"]),  # the clerk who handled a record
        # a word before an ending or an honorific that holds no name
        ("박스는 보관 중입니다. 문의입니다. 고객님 감사합니다.", []),
        ("이름: 박서연", ["박서연"]),
    ],
)
def test_cjk_names_before_endings_and_honorifics_and_as_speakers_are_people(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text",
    [
        "Drinks tonight: a Shirley Temple and an Arnold Palmer.",
        "Diagnosen: Morbus Basedow, Z. n. Appendektomie.",
        "Reunión en la sala Santiago Ramón y Cajal del Hospital Universitario Severo Ochoa.",
        "Transféré à l'Hôpital Georges Pompidou hier soir.",
        "Order 4471: 2 × Dr. Scholl's insoles, 1 × shoe horn.",
    ],
)
def test_things_named_after_people_by_an_article_a_head_noun_or_a_count_are_not_people(text):
    assert spans(NameRecognizer(), text) == []


def test_a_code_ending_in_x_and_digits_on_the_line_before_is_no_count():
    # "XY45" then a line break: no "2 ×" before the names
    text = "Eircode D02 XY45\nNiamh and Colm Brennan will attend."
    assert spans(NameRecognizer(), text) == ["Niamh", "Colm Brennan"]


@pytest.mark.parametrize(
    "text, span, vetoed",
    [
        ("Drinks tonight: a Shirley Temple and an Arnold Palmer.", "Arnold Palmer", True),
        ("It works with a Ford Mustang and a Porsche Taycan.", "Porsche Taycan", True),
        ("Reunión en el Hospital Universitario Severo Ochoa mañana.", "Severo Ochoa", True),
        ("Reunión en la sala Santiago Ramón y Cajal.", "Santiago Ramón y Cajal", True),
        ("Transféré à l'Hôpital Georges Pompidou hier soir.", "Hôpital Georges Pompidou", True),
        ("Diagnosen: Morbus Basedow, Z. n. Appendektomie.", "Morbus Basedow", True),
        ("Livraison : Résidence Les Ormes, bât. A", "Résidence Les Ormes", True),
        ("Order 4471: 2 × Dr. Scholl's insoles.", "Dr. Scholl", True),
        ("Second opinions via Johns Hopkins Hospital only.", "Johns Hopkins", True),
        ("Olá, sou a Ana do Rosário Quintela.", "Ana do Rosário Quintela", False),
        ("Llamar a Íñigo Zubizarreta al móvil.", "Íñigo Zubizarreta", False),
        ("Seen today by Maria Sala on the ward.", "Maria Sala", False),
    ],
)
def test_the_veto_reads_articles_head_nouns_and_counts_around_another_recognisers_name(text, span, vetoed):
    # the tagger's PERSON spans pass through not_a_name: the thing's head noun may lie outside the span
    from services.safety.recognizers import not_a_name

    start = text.index(span)
    assert not_a_name(text, start, start + len(span)) is vetoed


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Which of these is the largest: Paris, Texas; Florence, Alabama; Victoria, British Columbia?", []),
        ("Patient: Smith, Georgia\nWard 4", ["Smith, Georgia"]),  # surname first: a person
        ("Heimilisfang: Hringbraut 121\nSími: +354 862 4410\nAdmitted 21.11.2026", []),
        ("commit 8f41c2d\nAuthor: Björn Þórsson <bjorn@example.is>\nDate: Mon", ["Björn Þórsson"]),
        ("Lucia: 15 minutes late, sorry\nLucia: traffic on the ring road", ["Lucia", "Lucia"]),  # a chat speaker
        ("e Employee's first name and initial LATISHA M   Last name FRANKLIN", ["LATISHA M"]),
        (" 1.1MBEKI/SIPHO MR\n SSR DOCS SA HK1/P/ZAF/A08813372/ZAF/27SEP77/M", []),
        ("Storm naming list 2026/27: Amy, Bert, Chloe, Darragh, Floris, Gerda, Hank.", []),
        ("Cocktail menu: Tom Collins 9.50 — Bloody Mary 10.00 — Arnold Palmer 4.50", []),
        ('Ship particulars: MV "Queen Mary 2", IMO 9241061. Sister ship "Queen Victoria".', []),
        ("PID|1||55102^^^CLINIC||PHAM^VAN^DUC||19720608|M||15 Le Loi^^Hue^^530000^VNM", []),
        ("District plan: Willy-Brandt-Allee, Marie-Curie-Platz and Heinrich-Hertz-Turm.", []),
        ("Attendees: Priya Raman, Tomasz Nowak and Chloe Dubois", ["Priya Raman", "Tomasz Nowak", "Chloe Dubois"]),
    ],
)
def test_no_person_stands_in_a_region_label_code_list_or_numbered_field(text, names):
    """Round 9's vetoes (``no_person_here``): a region after a town's comma, a field's label before a
    number (a chat speaker who recurs stays), a "Last name" label, an airline SSR code, a list of
    storms or cocktails, a ship named in quotes, a German compound named after a person, a street after
    the house number opening its field."""
    found = spans(NameRecognizer(), text)
    assert [n for n in found if n not in ("MBEKI/SIPHO", "PHAM^VAN^DUC", "VAN")] == names


@pytest.mark.parametrize(
    "text, names",
    [
        # senders in scripts the capitalised runs do not read, at every line, one of them once
        ("Ірина: привіт\nПетро Шевченко: добре\nІрина: дякую", ["Ірина", "Петро Шевченко", "Ірина"]),
        ("Ελένη: γεια\nΓιώργος: καλά\nΕλένη: ευχαριστώ", ["Ελένη", "Γιώργος", "Ελένη"]),
        # a sender called on another line, a Korean vocative ending glued to the name outside
        ("서연: 안녕\n도윤: 응 서연아 잘 지내?\n서연: 고마워", ["서연", "도윤", "서연", "서연"]),
        # a LINE export: a bare time, the sender, a space
        (
            "09:12 さくら 明日の件\n09:14 はるか 了解です\n09:15 さくら ありがとう\n09:16 はるか またね",
            ["さくら", "はるか"] * 2,
        ),
        # a Latin sender once, known to the name lists, and a sender's given name called in a message
        (
            "Karim: ya Yasmin send the address\nYasmin Fathy: ok\nYasmin Fathy: done",
            ["Karim", "Yasmin"] + ["Yasmin Fathy"] * 2,
        ),
    ],
)
def test_chat_senders_in_any_script_are_people_at_every_line_and_where_called(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text",
    [
        "Klient: dzień dobry\nAgent: słucham\nKlient: paczka nie doszła",  # roles in other languages
        "[1/2/26, 9:00 PM] Tía: ven temprano\n[1/2/26, 9:01 PM] Tía: y trae hielo\n[1/2/26, 9:02 PM] Mum: ok",  # kin
        "상담원: 안녕하세요\n고객: 네 안녕하세요\n상담원: 네 말씀하세요",  # Korean roles
        "オペレーター：お電話ありがとうございます\nお客様：はい\nオペレーター：かしこまりました",  # Japanese roles
        "A: eh where to eat\nB: anywhere lah\nA: ok\nB: can",  # speakers left unnamed
        "[09:02] Visitor: hi\n[09:02] Bot: hello\n[09:03] Visitor: my order is late",  # a word, not a name
        "Them: is this the plumber?\nMe: yes\nThem: leak under the sink",  # pronouns
    ],
)
def test_role_kin_and_pronoun_senders_are_not_people(text):
    assert spans(NameRecognizer(), text) == []


def test_a_role_sender_vetoes_the_taggers_name():
    text = "Doctor: take it after the test\nPatient: ok\nDoctor: fine"
    assert not_a_name(text, 0, 6)


@pytest.mark.parametrize(
    "text, names",
    [
        ("Agent: can you spell the surname?\nCaller: yeah N-O-W-A-K-O-W-S-K-A", ["N-O-W-A-K-O-W-S-K-A"]),
        ("customer wanjiru kamau thats k a m a u", ["wanjiru kamau", "k a m a u"]),
        ("Kundin: Z, I, E, G, L, E, R, mit Z.\n", []),  # no cue, no name said before: letters only
        ("Bitte buchstabieren Sie.\nKundin: Z, I, E, G, L, E, R, mit Z.", ["Z, I, E, G, L, E, R"]),
        ("B: spell it? sure. A for apple, D for dog, E, L, E", ["A for apple, D for dog, E, L, E"]),
        # right after the name it spells, and a second part after "hyphen"
        ("my name is Tomasz Wrona, T-O-M-A-S-Z, born in", ["Tomasz Wrona", "T-O-M-A-S-Z"]),
        (
            "Caller: Ama Mensah-Boateng, M-E-N-S-A-H hyphen Boateng.",
            ["Ama Mensah-Boateng", "M-E-N-S-A-H hyphen Boateng"],
        ),
        ("Options A, B, C, D are all wrong; press W-A-S-D to move.", []),
    ],
)
def test_names_spelled_letter_by_letter_after_a_cue_are_one_person(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        (
            "agent your date of birth first please\ncustomer yeah its the twenty third of march nineteen seventy one",
            ["twenty third of march nineteen seventy one"],
        ),
        (
            "dra tu fecha de nacimiento\npaciente treinta de mayo de dos mil uno\ndra gracias",
            ["treinta de mayo de dos mil uno"],
        ),
        (
            "nurse can i get your birthday\ncaller august the first two thousand and five",
            ["august the first two thousand and five"],
        ),
        (
            "Agent: Und Ihr Geburtsdatum bitte.\nKunde: Dreißigster Juni zweiundsiebzig.",
            ["Dreißigster Juni zweiundsiebzig"],
        ),
    ],
)
def test_a_date_of_birth_answered_in_words_on_the_line_after_a_request(text, dates):
    assert spans(DateOfBirthRecognizer(), text) == dates


def test_a_statement_about_a_date_of_birth_takes_no_date_from_the_next_line():
    assert spans(DateOfBirthRecognizer(), "DOB checked.\nnext visit March 9, 2026") == []
    assert spans(DateOfBirthRecognizer(), "DOB checked.\nNext visit: March 9, 2026") == []


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("ありがと！高橋くんの誕生日も3月14日だよね", ["3月14日"]),
        ("Congratulations on the birth of their daughter, born on the 4th of November, 7lb 2oz!", ["4th of November"]),
        ("her birthday is 17 May", ["17 May"]),
    ],
)
def test_a_birthday_without_its_year_after_a_birth_cue(text, dates):
    assert spans(DateOfBirthRecognizer(), text) == dates


@pytest.mark.parametrize(
    "text",
    ["リリース日は3月14日です", "Delivery on the 4th of November, warranty until 17 May", "Paket am 17. Mai geliefert"],
)
def test_a_day_and_month_without_a_birth_cue_is_no_date_of_birth(text):
    assert spans(DateOfBirthRecognizer(), text) == []


def test_a_german_date_right_before_geboren_or_geburtstag():
    text = "Jonas hat am 17. Mai Geburtstag! Er ist am 17.05.2014 geboren."
    assert spans(DateOfBirthRecognizer(), text) == ["17. Mai", "17.05.2014"]
    assert spans(DateOfBirthRecognizer(), "Das Paket kommt am 17. Mai. Geboren in Köln.") == []


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        # a birthday without its year, or a month and a short year, after a birth cue
        ("The baby was born on the 4th of November, 7 lb 2 oz.", ["4th of November"]),
        ("Her birthday is 17. Mai, we should plan a party.", ["17. Mai"]),
        ("DOB: march '38, no ID on him.", ["march '38"]),
        # Japanese "誕生日" right after a word, with the particle "も"
        ("高橋くんの誕生日も3月14日です。", ["3月14日"]),
        # a request ending its line, answered on the next in words, after fillers
        (
            "agent: date of birth first please\ncaller: yeah its the twenty third of march nineteen eighty seven",
            ["twenty third of march nineteen eighty seven"],
        ),
        ("Geburtsdatum bitte.\nKunde: ja, 17.05.1962", ["17.05.1962"]),
        # a lower-case speech-to-text speaker label with no colon
        ("agent: and date of birth sir\ncustomer yeah its 23/03/1987", ["23/03/1987"]),
        # German, the cue after the date
        ("Jonas ist am 17.05.2014 geboren.", ["17.05.2014"]),
        ("Jonas hat am 17. Mai Geburtstag.", ["17. Mai"]),
        # decoys: a day and month with no birth cue, or a birthday party's date
        ("Delivery on the 4th of November, appointment on 17. Mai, warranty until March '38.", []),
        ("The firm was founded on the 4th of November 1990; release date 3月14日.", []),
        ("birthday party planned for the 4th of November at the office", []),
        ("Wir sind am 17. Mai umgezogen, das Büro hat am 3. Juni geöffnet.", []),
    ],
)
def test_birthdays_without_a_year_dates_in_words_and_verb_last_cues(text, dates):
    """Round 10: a day and month (or month and 'yy) after a birth cue, "誕生日" / "生日", a request ending
    its line ("date of birth first please"), fillers and a colon-less speaker label before the answer, and
    a German date before "geboren" / "Geburtstag"."""
    assert spans(DateOfBirthRecognizer(), text) == dates


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("Salvatore Lo Bianco, nato a Palermo il 14/09/1979, residente in via Roma", ["14/09/1979"]),
        ("Je soussignée, née à Saint-Étienne le 2 février 1949, demande", ["2 février 1949"]),
        ("nacida en Quito el 3 de mayo de 1990", ["3 de mayo de 1990"]),
        ("Antônio Carlos, nasceu dia 3 de janeiro de 1958", ["3 de janeiro de 1958"]),
    ],
)
def test_a_birthplace_between_the_verb_and_the_date_keeps_the_cue(text, dates):
    assert spans(DateOfBirthRecognizer(), text) == dates


def test_the_month_as_an_ordinal_after_a_birth_cue():
    assert spans(DateOfBirthRecognizer(), "I was born the 9th of the 9th, 1990.") == ["9th of the 9th, 1990"]
    assert spans(DateOfBirthRecognizer(), "Date of birth: 13th of the 4th 89\nHome") == ["13th of the 4th 89"]
    assert spans(DateOfBirthRecognizer(), "Delivery on the 9th of the 9th, 1990.") == []


@pytest.mark.parametrize(
    "text, date",
    [
        ("გაცნობებთ, რომ თქვენ (დაბადების თარიღი: 11.09.1971) გადაგიხდით", "11.09.1971"),  # Georgian, inline
        ("وأنا من مواليد 1979/11/23 في عمّان", "1979/11/23"),  # Arabic "of those born (on)"
        ("- 생년월일: 1991. 07. 15.\n- 수험번호: 11-XA-2201", "1991. 07. 15"),  # Korean dots with spaces
    ],
)
def test_inline_georgian_and_arabic_birth_cues_and_a_korean_spaced_date(text, date):
    assert spans(DateOfBirthRecognizer(), text) == [date]


def test_an_ethiopian_date_of_birth_and_the_same_date_in_brackets():
    text = "born 1 Meskerem 1983 E.C. (11 September 1990), residing at Bole"
    assert spans(DateOfBirthRecognizer(), text) == ["1 Meskerem 1983", "11 September 1990"]
    text = "تاريخ الميلاد ١٤٠٥/٠٣/١٢ هـ (1984-12-05)، الجوال"
    assert spans(DateOfBirthRecognizer(), text) == ["١٤٠٥/٠٣/١٢", "1984-12-05"]
    assert spans(DateOfBirthRecognizer(), "DOB 12/03/1990 (next visit 14/03/2026)") == ["12/03/1990"]


@pytest.mark.parametrize(
    "text, names",
    [
        ("yeah my name is olumide adebayo and i'm calling about", ["olumide adebayo"]),
        ("hi this message is for gwen um it's marcus oyelaran from the agency", ["gwen", "marcus oyelaran"]),
        ("patient graham whitcombe date of birth one two", ["graham whitcombe"]),
        ("caller my grandma leilani kahale she fell", ["leilani kahale"]),
        ("i'm fine thanks, this is the best, customer care is closed", []),  # common words after the cue
        ("for sure, it is what it is", []),
        ("Il a appelé son mari hier.", []),  # French "son" (his / her) before "mari" (husband)
        ("caller my son marcus is unwell", ["marcus"]),
        ("Pushed the router config for branch kiosks last night.", []),  # "for": two words, the second a name
        ("the flowers are for sandy morales from the clinic", ["sandy morales"]),
    ],
)
def test_lower_case_names_after_a_spoken_cue_are_people(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text, names",
    [
        # a heading in capitals: a particle in capitals ("DE") is no surname
        ("INFORME DE ALTA — Hospital Universitario\n\nNombre: José Sánchez", ["José Sánchez"]),
        ("CONTRATO DE ARRENDAMIENTO DE VIVIENDA\n\nArrendador: Vicente Llopis Ferrer", ["Vicente Llopis Ferrer"]),
        ("PACIENTE: MARIA DE SOUSA\n", ["MARIA DE SOUSA"]),
        # a label ending in a number word before its value
        ("R v Kieran Thomas Doherty\nCase No: T20267719\n", ["Kieran Thomas Doherty"]),
        ("Bayview Property Management LLC, Defendant.\nCase No. 26CV114478\n", []),
        ("Please call Kim No on Monday.", ["Kim No"]),
    ],
)
def test_headings_in_capitals_and_number_labels_are_no_names(text, names):
    assert spans(NameRecognizer(), text) == names


def test_stock_placeholder_names_stand_for_no_one():
    text = 'SENDER_NAME="John Doe"\n"placeholder_name": "Max Mustermann",\nSigned, Johanna Doering'
    assert spans(NameRecognizer(), text) == ["Johanna Doering"]


def test_a_property_given_a_string_in_code_is_no_name():
    text = 'var c = new Customer {\n    Name = "Mohammed Al-Mansoori",\n    Iban = "AE16 5350 9464 0165 8423 543",\n};'
    assert spans(NameRecognizer(), text) == ["Mohammed Al-Mansoori"]


@pytest.mark.parametrize(
    "text, dates",
    [
        ("la sig.ra Yuliia Kovalenko, nata a Kharkiv (Ucraina) il 22/09/1993, residente a Bologna", ["22/09/1993"]),
        ("née à Lyon (Rhône) le 3 mars 1990", ["3 mars 1990"]),
        ("Potilas: Aino Kristiina Mäkelä, s. 4.6.1993\nOsoite: Hämeenkatu 14", ["4.6.1993"]),
        ("Objednávateľ: Ing. Martin Kováčik, nar. 17. 5. 1981, bytom Košice", ["17. 5. 1981"]),
        # "s." is a birth cue after a comma only
        ("Katso s. 12.3.2020 pöytäkirja.", []),
    ],
)
def test_birth_cues_abbreviated_or_with_a_region_in_brackets(text, dates):
    assert spans(DateOfBirthRecognizer(), text) == dates


@pytest.mark.parametrize(
    "text, names",
    [
        ('  File "/home/akowalczyk/crm/sync.py", line 88, in <module>', ["akowalczyk"]),
        ("Dec  1 00:03:44 bastion-2 sudo: mkaminski : TTY=pts/1 ; PWD=/srv ; USER=root", ["mkaminski"]),
        ("// TODO(vmoretti): drop the fallback once v2 ships", ["vmoretti"]),
        ('{"status": "manual review queued", "reviewer": "t.adewale"}', ["t.adewale"]),
        # service accounts in the same places are no one
        ("sudo: deploy : TTY=pts/0 ; PWD=/home/backup ; USER=root", []),
    ],
)
def test_user_names_in_home_paths_sudo_lines_todos_and_reviewer_keys(text, names):
    assert spans(NameRecognizer(), text) == names


def test_surnames_that_locales_keep_by_gender_are_known():
    # Faker's Polish and Russian providers keep surnames in lists by gender
    assert spans(NameRecognizer(), "Accepted publickey for mkowalczyk from 10.0.0.4") == ["mkowalczyk"]
    assert spans(NameRecognizer(), "Wiesława Kaczmarek called about the invoice.") == ["Wiesława Kaczmarek"]


@pytest.mark.parametrize(
    "text",
    [
        "Dear Sirs, the attached mandate is for the new account.",
        "Versicherung: AOK, Vers.-Nr. W482117390\nFragestellung: Kontrolle",
        "De: reservas@hostal.co\nPara: reservas@hostal-la-candelaria.co\nAsunto: Re: reserva",
    ],
)
def test_greetings_glued_number_labels_and_mail_headers_are_no_names(text):
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Wine list — Château Margaux 2015, Dom Pérignon 2013, Moët & Chandon Impérial.",
        "Desserts: Peach Melba, Pavlova, Crêpes Suzette. Kitchen closes at 22:30.",
        "# Kalman filter, Fourier transform and Huffman coding live in signal/",
        "Revise Courvoisier's law, Charcot's triad and Reynolds' pentad.",
    ],
)
def test_wines_dishes_and_eponyms_of_codes_and_pentads_are_no_names(text):
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    "text, names",
    [
        ("Пациентка: Лебедева Дарья Сергеевна, 1 палата", ["Лебедева Дарья Сергеевна"]),
        ("Меня зовут Ирина Павловна Кузнецова, звоню по заказу", ["Ирина Павловна Кузнецова"]),
        ("Уважаемый Виктор Андреевич, направляем договор", ["Виктор Андреевич"]),
        ("Відповідач: Шевчук Тарас Богданович\nЛікар: Мельник О. П.", ["Шевчук Тарас Богданович", "Мельник О. П."]),
        ("Исполнитель: А.С. Волков, тел. 1", ["А.С. Волков"]),
        # a patronymic in another case: an application's "from", a contract "with"
        ("в поликлинику № 3\nот Гусейновой Лейлы Рашидовны,\nдата", ["Гусейновой Лейлы Рашидовны"]),
        ("Договор с Петром Ивановичем Сидоровым подписан.", ["Петром Ивановичем Сидоровым"]),
        ("Головна сторінка магазину, Рис. 2", []),
    ],
)
def test_a_cyrillic_name_with_a_patronymic_or_initials_is_a_person(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text, names",
    [
        (
            "Dec  2 08:14:55 jump-1 sshd[2291]: pam_unix(sshd:session): "
            "session opened for user tkowalski(uid=1007) by (uid=0)",
            ["tkowalski"],
        ),
        (
            "host    crm     egonzalez    10.4.0.0/16    scram-sha-256\n"
            "host    all     replicator   10.4.2.9/32    md5",
            ["egonzalez"],
        ),
        ("AllowUsers deploy@10.0.0.0/8 akowalczyk@203.0.113.5 backup", ["akowalczyk"]),
        (
            "9c41d2e7 (Ingrid Halvorsen 2026-02-11 09:40:12 +0100 12)   total = sum(rows)\n"
            "00000000 (Not Committed Yet 2026-12-04 10:00:00 +0100 13)   # todo",
            ["Ingrid Halvorsen"],
        ),
    ],
)
def test_user_names_in_sshd_pg_hba_and_allowusers_lines_and_git_blame_authors_are_people(text, names):
    assert spans(NameRecognizer(), text) == names


def test_a_pnrs_numbered_names_and_its_ssr_docs_passengers_are_people():
    pnr = (
        "RP/MANW21AB/\n  1.ADEYEMI/FOLASADE MRS   2.1ADEYEMI/TUNDE MSTR\n"
        "  4 SSR DOCS BA HK1 P/GBR/533018862/GBR/14FEB88/F/02OCT31/ADEYEMI/FOLASADE/P1\n"
        "  5 SSR DOCS BA HK1 P/GBR/533019904/GBR/09AUG16/M/11MAR29/ADEYEMI/TUNDE-2.1\n"
    )
    assert spans(NameRecognizer(), pnr) == ["ADEYEMI/FOLASADE", "ADEYEMI/TUNDE", "ADEYEMI/FOLASADE", "ADEYEMI/TUNDE"]


@pytest.mark.parametrize(
    "text, names",
    [
        (
            "An account failed to log on.\nAccount For Which Logon Failed:\n\tAccount Name:\t\tp.lindgren\n",
            ["p.lindgren"],
        ),
        (
            "Dec 1 06:30:12 vpn openvpn[1422]: 81.2.69.160:40211 [marta.kovac] Peer Connection Initiated",
            ["marta.kovac"],
        ),
        ("Dec 1 06:30:14 vpn openvpn[1422]: akowalska/81.2.69.160:40211 MULTI: primary virtual IP", ["akowalska"]),
        ("Dec 1 06:31:02 db1 sshd[311]: Accepted publickey for tpetrova from 81.2.69.160 port 50122", ["tpetrova"]),
    ],
)
def test_windows_account_names_openvpn_clients_and_feminine_surnames_in_log_users_are_people(text, names):
    assert spans(NameRecognizer(), text) == names


def test_a_surname_or_given_name_in_a_urls_person_query_is_a_person():
    log = '81.2.69.160 - - [01/Dec/2026:09:12:44 +0100] "GET /orders?customer=lindqvist&page=2 HTTP/1.1" 200 512'
    assert spans(NameRecognizer(), log) == ["lindqvist"]
    assert spans(NameRecognizer(), "GET /search?user=mariagarcia HTTP/1.1") == ["mariagarcia"]
    assert spans(NameRecognizer(), "GET /search?q=bakery&near=leith&sort=price HTTP/1.1") == []


@pytest.mark.parametrize(
    "text",
    [
        "An account failed to log on.\nSubject:\n\tSecurity ID:\t\tNULL SID\n",
        "Verwijsbrief — Huisartsenpraktijk De Wilgen, Utrecht",
        "Procès-verbal — Commissariat de Grenoble, 14 novembre",
        "Inscrite au Collège Victor-Hugo depuis septembre",
        "Processo distribuído à 2ª Vara Cível de Santos",
        "Escala de Norton: 14 puntos",
        "Til: Odense Universitetshospital, Kardiologisk Afdeling",
    ],
)
def test_institutions_scales_and_header_words_of_more_languages_are_no_people(text):
    assert spans(NameRecognizer(), text) == []


def test_irc_nicks_are_people_when_built_from_names_and_pseudonyms_are_not():
    irc = "<henrik> is the mirror down?\n<nightowl> yes, since 02:00\n<henrik> ok\n<nightowl> np\n"
    assert spans(NameRecognizer(), irc) == ["henrik", "henrik"]
    slack = "[09:02] dani_r: printer dead again\n[09:03] kofi: which one?\n[09:05] kofi: pinged it, no reply\n"
    assert spans(NameRecognizer(), slack) == ["dani_r", "kofi", "kofi"]


@pytest.mark.parametrize(
    "text, dates",
    [
        ("Истец: Орлова Мария Петровна, 03.05.1984 г.р., проживающая по адресу", ["03.05.1984"]),
        ("Позивач: Коваль Ірина Степанівна, 21.09.1990 р.н.", ["21.09.1990"]),
        ("Jan de Wit, geboren op 4 maart 1979, wonende te Delft", ["4 maart 1979"]),
        ("Μάρτυρας: Ελένη Κώστα, γεν. 02-11-1985", ["02-11-1985"]),
        ("Jina: Amina Salim\nTarehe ya kuzaliwa: 17/06/2001\nSimu: 1", ["17/06/2001"]),
        ("Ofisi ilifunguliwa 12/01/2015, mkutano 03/02/2026", []),
    ],
)
def test_birth_cues_of_russian_ukrainian_dutch_greek_and_swahili(text, dates):
    assert spans(DateOfBirthRecognizer(), text) == dates


@pytest.mark.parametrize(
    "text, names",
    [
        ("Grüezi Frau Käser, Ihr Termin ist bestätigt.", ["Käser"]),
        ("Referred by GP Dr Ngozi Eze for review.", ["Ngozi Eze"]),
        ("Ho parlato con la sig.ra Oksana Hrytsenko ieri.", ["Oksana Hrytsenko"]),
        ("Gentile dott.ssa Ferraro, le scrivo per", ["Ferraro"]),
        ("the Logitech MX Keys and the Jabra headset", []),
        ("W-4 EMPLOYEE'S WITHHOLD ING CERTIFICATE", []),
    ],
)
def test_a_title_inside_a_run_or_an_italian_title_in_lower_case_opens_the_name(text, names):
    assert spans(NameRecognizer(), text) == names


def test_chat_senders_with_combining_marks_and_a_team_before_a_dash_are_people():
    yoruba = (
        "Adébáyọ̀ Ọlátúnjí: Ẹ kú ọ̀sán, mo ti sanwó\nSupport – Tèmítọ́pẹ́: Ẹ ṣé sir, order number yín?\n"
        "Adébáyọ̀ Ọlátúnjí: LG-5519\nSupport – Tèmítọ́pẹ́: Ó dáa\n"
    )
    assert spans(NameRecognizer(), yoruba) == ["Adébáyọ̀ Ọlátúnjí", "Tèmítọ́pẹ́", "Adébáyọ̀ Ọlátúnjí", "Tèmítọ́pẹ́"]
    khmer = "សុខ ចាន់ធី: សួស្តី\nភ្នាក់ងារ: ជំរាបសួរ\nសុខ ចាន់ធី: KH22077\nភ្នាក់ងារ: អរគុណ\n"
    assert spans(NameRecognizer(), khmer) == ["សុខ ចាន់ធី", "សុខ ចាន់ធី"]


@pytest.mark.parametrize(
    "text, names",
    [
        ("status=open order=AU-55190 assigned_to=rkowalski", ["rkowalski"]),
        ('"arn": "arn:aws:iam::482910337615:user/tkarlsson"', ["tkarlsson"]),
        ("Benutzer: hmueller angemeldet", ["hmueller"]),
        ("%ASA-4-722051: Group <Staff> User <jnowak> IP <81.2.69.160> IPv4 Address assigned", ["jnowak"]),
    ],
)
def test_user_names_after_an_assignee_key_in_an_arn_or_a_users_key_of_another_language(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text, dates",
    [
        ("a Panią Joanną Wrzos, urodzoną 3 marca 1988, zamieszkałą w Gdańsku", ["3 marca 1988"]),
        ("Maria Popescu, născută la 12.06.1979, domiciliată în Cluj", ["12.06.1979"]),
        ("Nama: Dewi Lestari\nTempat, tanggal lahir: Medan, 5 Juni 1992\n", ["5 Juni 1992"]),
    ],
)
def test_birth_cues_of_polish_cases_romanian_la_and_the_indonesian_comma_form(text, dates):
    assert spans(DateOfBirthRecognizer(), text) == dates


def test_a_marketplaces_buyer_and_seller_as_chat_senders_are_no_people():
    chat = "Comprador: hola, ¿llega el lunes?\nVendedor: sí, mañana sale\nComprador: gracias\nVendedor: a usted\n"
    assert spans(NameRecognizer(), chat) == []
    mercari = "出品者: ご購入ありがとうございます。\n購入者: よろしくお願いします。\n出品者: 発送しました。\n"
    assert spans(NameRecognizer(), mercari) == []


@pytest.mark.parametrize(
    "text",
    [
        "Empfänger: Bergwerke Oldenburg AG\nVerwendungszweck: Abschlag März",  # a name field's firm
        "recipient: Lindqvist Outfitters Inc.\nemail: orders@lindqvist.test",
        "Umowa zawarta pomiędzy Sad-Pol Sp. z o.o. a Zleceniobiorcą",
        "Pengalaman: Supervisor Payroll, PT Sinar Makmur Tekstil (2021-2024)",  # Indonesian "PT" before
        "Empfänger-IBAN: DE89 3704 0044 0532 0130 00\nBetrag: 12,00 EUR",  # a label before an IBAN
    ],
)
def test_a_firm_with_its_legal_form_and_a_label_before_an_iban_are_no_people(text):
    assert spans(NameRecognizer(), text) == []


def test_a_name_field_with_a_person_and_a_patient_abbreviation_are_still_people():
    assert spans(NameRecognizer(), "recipient: Anna Kowalska\nemail: a.kowalska@poczta.test") == ["Anna Kowalska"]
    assert spans(NameRecognizer(), "Pt Maria Lopez seen today, BP stable") == ["Maria Lopez"]


def test_a_quad_given_as_a_minimum_version_is_no_ip_address(pii_detector):
    text = "Compatible with controller 10.4.2.118 and later; hosts on 10.4.2.119 or newer need no patch."
    assert _found(pii_detector, text, "IP_ADDRESS") == []
    text = "Blocked 10.4.2.118 and, later today, 10.4.2.119 again."
    assert _found(pii_detector, text, "IP_ADDRESS") == ["10.4.2.118", "10.4.2.119"]


@pytest.mark.parametrize(
    "chat, names",
    [
        (
            "Vuthy Sok: ជំរាបសួរ\nភ្នាក់ងារ ស្រីពៅ: ជំរាបសួរ!\nVuthy Sok: KH2207718845\nភ្នាក់ងារ ស្រីពៅ: អរគុណ\n",
            ["Vuthy Sok", "ស្រីពៅ", "Vuthy Sok", "ស្រីពៅ"],
        ),
        (
            "[10:01] Þjónustufulltrúi (Sigrún): Góðan daginn\n[10:02] Kári: Hæ\n"
            "[10:03] Þjónustufulltrúi (Sigrún): Takk\n",
            ["Sigrún", "Kári", "Sigrún"],
        ),
    ],
)
def test_a_chat_sender_named_after_a_role_word_or_in_brackets_after_one(chat, names):
    assert spans(NameRecognizer(), chat) == names


def test_a_name_key_with_the_persons_role_after_it():
    form = "Ονοματεπώνυμο μαθήτριας: Δανάη Αλεξίου\nΤάξη: Β2\nΟνοματεπώνυμο πατέρα: Σπύρος Αλεξίου\n"
    assert spans(NameRecognizer(), form) == ["Δανάη Αλεξίου", "Σπύρος Αλεξίου"]


@pytest.mark.parametrize(
    "text, address",
    [
        ("Neue Anschrift: Rosa-Luxemburg-Straße 48, 04103 Leipzig\n", "Rosa-Luxemburg-Straße 48, 04103 Leipzig"),
        ("Treffpunkt: Hohenstaufen-Ring 7, 50674 Köln, 10 Uhr", "Hohenstaufen-Ring 7, 50674 Köln"),
        ("uus aadress on Tähe tn 12-3, 50103 Tartu.", "Tähe tn 12-3, 50103 Tartu"),
        ("pristatyta adresu Gedimino pr. 20-5, LT-01103 Vilnius", "Gedimino pr. 20-5, LT-01103 Vilnius"),
        ("Naslov: Slovenska cesta 9, 1000 Ljubljana", "Slovenska cesta 9, 1000 Ljubljana"),
        ("enderezo: Rúa Nova 14, 2º, 15705 Santiago de Compostela", "Rúa Nova 14, 2º, 15705 Santiago de Compostela"),
        ("helbidea: Kale Nagusia 3, 1. ezk., 20003 Donostia\nEskerrik asko", "Kale Nagusia 3, 1. ezk., 20003 Donostia"),
    ],
)
def test_continental_addresses_with_hyphened_streets_baltic_slovene_and_galician_street_words(text, address):
    assert spans(AddressRecognizer(), text) == [address]


@pytest.mark.parametrize(
    "text, names",
    [
        ("PICK LIST — Wave 14 · Picker: tkowalczyk · Zone C", ["tkowalczyk"]),
        ("Laptop służbowy, użytkownik mnowakowska. Dostęp do VPN: tak", ["mnowakowska"]),
        ("Section 2 verified by jgarcia; I-9 complete", ["jgarcia"]),
        ("%ASA-6-722051: Group <Staff> User <wltan> IP <116.86.12.198> assigned", ["wltan"]),
        ("Ticket closed by the night shift: no action", []),  # a word after "by", no user
    ],
)
def test_user_names_after_a_picker_key_a_polish_user_word_or_verified_by(text, names):
    assert spans(NameRecognizer(), text) == names


def test_a_chat_sender_named_before_a_role_in_brackets():
    chat = (
        "Jomar (Customer Care): Magandang hapon po!\nLiza Mae Santos: Hi po\n"
        "Jomar (Customer Care): Anong number po?\nLiza Mae Santos: 0917 482 3310 po\n"
    )
    assert spans(NameRecognizer(), chat) == ["Jomar", "Liza Mae Santos", "Jomar", "Liza Mae Santos"]


@pytest.mark.parametrize(
    "text, names",
    [
        ("Device check passed. Agent K. Oduya approved the reset.", ["K. Oduya"]),
        ("Unterschrift Gast: L. Brunnhuber", ["L. Brunnhuber"]),
        ("Temperatures: 0 °C = 32 °F. Navier–Stokes holds here.", []),  # a temperature's letter, an eponym
        ("6.º grado, sección B. Matemática: AD", []),  # a section's letter before a label
        ("See J. Biol. Chem. 12 (2019).", []),  # a journal's abbreviations
        ("Mastercard exp 09/27, holder I. Vasquez-Lindholm\nDeposit", ["I. Vasquez-Lindholm"]),  # no pronoun
        ("rekening NL47 ABNA 0417 2293 06 t.n.v. S. de Vries-Okafor.", ["S. de Vries-Okafor"]),
        ("Signed: J. de Vries\n", ["J. de Vries"]),
        ("So I. Think. Then Part I. Results were in.", []),
    ],
)
def test_an_initial_before_a_word_written_as_a_surname_is_a_person(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text, names",
    [
        ("11.03.      Dauerauftrag an Selin Yilmaz          -450,00", ["Selin Yilmaz"]),
        ("Die Überweisung an Selin Yilmaz ist raus.", ["Selin Yilmaz"]),
        ("I ordered an Arnold Palmer at the bar.", []),  # the English article: a drink
    ],
)
def test_german_an_after_a_payment_or_a_message_is_no_article(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text, names",
    [
        ("Lakeview Family Dental, Memphis TN\nPatient", []),
        ("Bundle SHA-256 9f2c\nCase UUID 3b8f1c2e-7a4d-4e91-b6c0-52d8e9f3a174\n", []),
        ("> On Tue, 12 Mar 2024 at 03:14, CI Bot <noreply@ci.example.com> wrote:", []),
        ("Číslo účtu: 123-4567890217/0800 (Česká spořitelna, SWIFT GIBACZPX)", []),
        ("Seen today by RN Aroha Ngata and Jonathan MD.", ["RN Aroha Ngata", "Jonathan MD"]),
        ("Contact: Jean DUPONT, then Wei LI", ["Jean DUPONT", "Wei LI"]),
    ],
)
def test_an_acronym_in_a_run_of_capitalised_words_names_no_person(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text, dates",
    [
        ("the summary shows my birthday as 1990-06-11, that's wrong, it's 1990-11-06.", ["1990-06-11", "1990-11-06"]),
        ("Дата на раждане: 01.03.1968, а правилната е 01.11.1968", ["01.03.1968", "01.11.1968"]),
    ],
)
def test_a_date_of_birth_corrected_as_wrong_in_the_same_sentence(text, dates):
    assert spans(DateOfBirthRecognizer(), text) == dates


@pytest.mark.parametrize(
    "text, dates",
    [
        ("2. Date of birth: O7/11/1986\n3. Policy: KE-118", ["O7/11/1986"]),
        ("Patient narne: Darnell Whitaker        DOB: O9-3O-1978", ["O9-3O-1978"]),
        ("DOB: l2.03.1991", ["l2.03.1991"]),
        ("Date of birth: SOLO/IO/OO", []),  # letters only: no date
    ],
)
def test_a_date_of_birth_with_letters_ocr_read_for_digits(text, dates):
    assert spans(DateOfBirthRecognizer(), text) == dates


@pytest.mark.parametrize(
    "text, phone",
    [
        ("Per a qualsevol dubte, telèfon de contacte: 612 48 93 27.", "612 48 93 27"),
        ("Calquera dúbida, chamádeme ao 981 58 22 14.", "981 58 22 14"),
        ("Ados, deitu 688 21 47 90 zenbakira iritsi aurretik.", "688 21 47 90"),
        ("Za vprašanja sem dosegljiv na 041 523 887.", "041 523 887"),
        ("Avārijas gadījumā zvaniet uz mūsu tālruni 67 444 444.", "67 444 444"),
        ("ঠিকানা: ঢাকা ১২০৫\nমোবাইল: ০১৭১২-৪৫৮৯৬৩", "০১৭১২-৪৫৮৯৬৩"),
        ("سوالات کے لیے ہماری ہیلپ لائن 111-331-331 پر رابطہ کریں۔", "111-331-331"),
        ("សុខ ចាន់ធី: សូមឱ្យអ្នកដឹកជញ្ជូនទូរសព្ទមក 012 845 317 ផង", "012 845 317"),
    ],
)
def test_a_phone_after_a_cue_of_less_common_languages(pii_detector, text, phone):
    assert _found(pii_detector, text, "PHONE_NUMBER") == [phone]


@pytest.mark.parametrize(
    "text",
    [
        "Číslo účtu: 123-4567890217/0800\nVariabilní symbol: 2402117390\nČástka: 1 250 Kč",
        "Booking ref: K7WQ2M   Seq: 118   ETKT 724 2198437702   Zone B",
        "Folio: 0193-7781-2245 — aclaración recibida",
        "Sneha Kulkarni: done ✅ PNR 8437216650, coach B2",  # a rail booking's number
        "Le relevé du compteur (n° 0619-447722) indique 4 812 kWh",  # a meter's
        "consent to the reporting of this account (no. 0045 8812 3301) to the tax office",
    ],
)
def test_a_czech_payment_symbol_an_e_ticket_and_a_folio_are_no_phone_numbers(pii_detector, text):
    assert _found(pii_detector, text, "PHONE_NUMBER") == []


def test_a_brazilian_zap_is_a_phone_cue(pii_detector):
    assert _found(pii_detector, "meu zap é (51) 99284-3310, me chama lá", "PHONE_NUMBER") == ["(51) 99284-3310"]


@pytest.mark.parametrize(
    "text, ip",
    [
        ("the Redis failover left a stale endpoint; the new primary was 10.31.7.41.", "10.31.7.41"),
        ("Klient WireGuard nie działa. Mój adres w tunelu to 10.8.0.17/32.", "10.8.0.17/32"),
    ],
)
def test_a_quad_of_small_numbers_after_a_primary_or_a_foreign_address_word_is_an_ip(pii_detector, text, ip):
    assert _found(pii_detector, text, "IP_ADDRESS") == [ip]


@pytest.mark.parametrize(
    "text, names",
    [
        ("Si no contesta, está el vecino, don Hernán, que tiene llave.", ["Hernán"]),
        ("Sila hubungi kurier kami, En. Hafiz, di talian biasa.", ["Hafiz"]),
        ("Terima kasih, Puan Aishah akan menghubungi anda.", ["Aishah"]),
    ],
)
def test_a_given_name_after_spanish_don_or_a_malay_title_is_a_person(text, names):
    assert spans(NameRecognizer(), text) == names


def test_mr_before_capitals_that_name_no_one_is_magnetic_resonance():
    assert spans(NameRecognizer(), "Modality: MR KNEE LT WO CONTRAST\nAccession: ACC-2024-0091177") == []
    assert spans(NameRecognizer(), "PASSENGER: MR JOHN SMITH\nSEAT 14C") == ["JOHN SMITH"]


def test_a_date_of_birth_said_to_be_wrong_then_given():
    text = "Card stolen. My date of birth also shows wrong, it's 26.06.1987, please fix."
    assert spans(DateOfBirthRecognizer(), text) == ["26.06.1987"]


@pytest.mark.parametrize(
    "text, address",
    [
        ("Посилку надіслати на вул. Шевченка, 15, кв. 8, Львів, 79005", "вул. Шевченка, 15, кв. 8, Львів, 79005"),
        ("Lieferung an ул. Навои, 30, кв. 12, Ташкент 100011", "ул. Навои, 30, кв. 12, Ташкент 100011"),
        ("Wij wonen nu in Kerkstraat 14 bus 2, 9000 Gent", "Kerkstraat 14 bus 2, 9000 Gent"),
        ("wonende te Keizersgracht 233-H, 1016 DV Amsterdam", "Keizersgracht 233-H, 1016 DV Amsterdam"),
    ],
)
def test_cyrillic_addresses_without_a_house_word_and_belgian_and_dutch_house_numbers(text, address):
    assert spans(AddressRecognizer(), text) == [address]


@pytest.mark.parametrize(
    "text, names",
    [
        ("LEVOTHYROXINE SOD 88 MCG TAB\nQTY 90", []),
        ("AWB 176-48213390 / flight AF 6724 / ULD AKE 21882 AF", []),
        ("DOB 19 SEP 1994 ARR SCL 12 JUN FLT LA601", []),
        ("BETWEEN\nACME LTD (Claimant)\nand\nDESMOND OKONJO (Defendant)\n", ["DESMOND OKONJO"]),
    ],
)
def test_two_short_words_in_capitals_are_a_code_not_a_name(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text, names",
    [
        ("sí, es en casa de mi tía Luz, la de la esquina", ["Luz"]),
        ("ok noted. sunduin niya ko sa bahay, si kuya Arnel ang kukuha", ["Arnel"]),
        ("Habari mama Neema, nimefika nje ya geti.", ["Neema"]),
        ("Llama su nieta Lucía todas las tardes.", ["Lucía"]),
    ],
)
def test_a_given_name_after_kin_in_spanish_tagalog_or_swahili_is_a_person(text, names):
    assert spans(NameRecognizer(), text) == names


def test_telegram_export_senders_before_the_bracketed_date_and_time():
    chat = (
        "Ирина Котова, [14.10.2026 21:47]\nскинь адрес\nПавел Орлов, [14.10.2026 21:49]\nсейчас\n"
        "Ирина Котова, [14.10.2026 21:50]\nспасибо\n"
    )
    assert spans(NameRecognizer(), chat) == ["Ирина Котова", "Павел Орлов", "Ирина Котова"]


def test_a_korean_senders_given_name_called_with_an_ending():
    chat = (
        "KakaoTalk\n지은 오후 3:12\n서준님 주소 좀 알려주세요\n박서준 오후 3:20\n서울시 강남구\n"
        "박서준 오후 3:21\n네\n지은 오후 3:22\n고마워요 서준씨!"
    )
    assert "서준" in spans(NameRecognizer(), chat)


@pytest.mark.parametrize(
    "text, names",
    [
        ('- candidate: Chidinma "Chichi" Okoro, interviewed Monday', ['Chidinma "Chichi" Okoro']),
        ("Me llamo Guadalupe “Lupita” Cervantes y pagué dos veces.", ["Guadalupe “Lupita” Cervantes"]),
        ('Operation "Desert" thinking is no name here.', []),
    ],
)
def test_a_name_with_a_nickname_in_quotes_is_one_person(text, names):
    assert spans(NameRecognizer(), text) == names


def test_a_user_name_under_a_tools_user_key():
    inventory = "[web]\nweb01 ansible_host=10.20.1.31\n[web:vars]\nansible_user=kpetrov\n"
    assert spans(NameRecognizer(), inventory) == ["kpetrov"]


@pytest.mark.parametrize(
    "text, addresses",
    [
        ("IVR: And the billing postcode.\nCaller: N16 7RT", ["N16 7RT"]),
        ("date of birth thirtieth of September, postcode M14 5RU thanks", ["M14 5RU"]),
        ("'postcode' => 'ZZ99 9ZZ',", []),  # the NHS's code for no fixed abode
    ],
)
def test_a_uk_postcode_given_alone_after_the_word_postcode(text, addresses):
    assert spans(AddressRecognizer(), text) == addresses


def test_a_spanish_gran_via_address():
    text = "mayor de edad, con domicilio en\nGran Vía Marqués del Turia, 49, 6ª, 46005 Valencia"
    assert spans(AddressRecognizer(), text) == ["Gran Vía Marqués del Turia, 49, 6ª, 46005 Valencia"]


@pytest.mark.parametrize(
    "text, names",
    [
        ("The claimant Maria gave evidence first.", ["Maria"]),
        ("Statement of the defendant Oliver, read aloud.", ["Oliver"]),
    ],
)
def test_a_given_name_after_a_legal_party_is_a_person(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text, addresses",
    [
        (
            "Riverside Medical Practice\n14 Castle Lane, Shrewsbury SY1 2BG\nTel 01743 352 019\n\nDear Dr Okonkwo,",
            ["14 Castle Lane, Shrewsbury SY1 2BG"],  # a phone's last group is no house number of "Dear Dr"
        ),
        ("Ferinject-Gabe durch Hausarzt Dr. Wendelin Kraus, Tel. 0821 569 8830.", []),  # "Tel." is no town
        ("14 Castle Lane, Shrewsbury, Shropshire SY1 2BG", ["14 Castle Lane, Shrewsbury, Shropshire SY1 2BG"]),
    ],
)
def test_an_address_takes_no_phone_for_its_house_number_or_its_postcode(text, addresses):
    assert spans(AddressRecognizer(), text) == addresses


@pytest.mark.parametrize(
    "text, dates",
    [
        ("فیلد خطا می‌دهد. تاریخ تولدم ۱۳۶۸/۰۴/۱۵ است", ["۱۳۶۸/۰۴/۱۵"]),  # Persian "my date of birth"
        ("Data tat-twelid: 22/07/1991", ["22/07/1991"]),  # Maltese
        ("ผู้แจ้ง: นางสาวสุภาพร แก้วมณี เกิดวันที่ 8 มีนาคม 2538 อายุ 29 ปี", ["8 มีนาคม 2538"]),  # Thai "born on"
        ("  2.PARK/SEOYEON MS\n 11 SSR CHLD KE HK1 12MAY15/P3", ["12MAY15"]),  # a child's SSR
        (
            "датата ми на раждане е записана като 03.01.1968, а правилната е 03.11.1968 г.",
            ["03.01.1968", "03.11.1968"],  # the wrong one too (the cue reaches it), the corrected one
        ),
    ],
)
def test_birth_cues_in_persian_maltese_bulgarian_thai_and_an_airlines_child_record(text, dates):
    assert spans(DateOfBirthRecognizer(), text) == dates


@pytest.mark.parametrize(
    "text, address",
    [
        (
            "Penghantaran semula esok ke No. 12, Jalan SS 2/24, 47300 Petaling Jaya, Selangor. Terima kasih",
            "No. 12, Jalan SS 2/24, 47300 Petaling Jaya, Selangor",
        ),
        (
            "The Landlord lets the premises at B-12-3, Residensi Vista, Jalan Bukit Serdang 3, 43300 Seri Kembangan.",
            "B-12-3, Residensi Vista, Jalan Bukit Serdang 3, 43300 Seri Kembangan",
        ),
        ("Vistula Sp. z o.o.\nul. Dobrego Pasterza 101, 31-416 Kraków", "ul. Dobrego Pasterza 101, 31-416 Kraków"),
    ],
)
def test_malaysian_addresses_and_a_polish_street_of_two_words(text, address):
    assert spans(AddressRecognizer(), text) == [address]


@pytest.mark.parametrize(
    "text",
    [
        "Demande de remboursement – Mutuelle Harmonie Santé",
        "Pratica n. MU-2024-018847 — Filiale di Bologna Mazzini",
        "Confirmación de reserva — Posada del Cerro",
        "Predaja prtljaga uz broj prijave. Muzej Nikole Tesle je blizu.",
    ],
)
def test_an_insurer_a_branch_an_inn_or_a_museum_named_before_its_name_is_no_person(text):
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    "text, addresses",
    [
        (
            "- stop 9: The Old Forge, Ballyboden Road, Rathfarnham, Dublin 16 - left with the neighbour",
            ["The Old Forge, Ballyboden Road, Rathfarnham, Dublin 16"],
        ),
        ("at 8 Cowper Road, Rathmines, Dublin 6, D06 X2P7.", ["8 Cowper Road, Rathmines, Dublin 6, D06 X2P7"]),
        ("We met in Dublin 4 times.", []),
    ],
)
def test_a_dublin_postal_district_holds_a_street_with_no_house_number(text, addresses):
    assert spans(AddressRecognizer(), text) == addresses


@pytest.mark.parametrize(
    "text, names",
    [
        ("2025-01-09T02:13:44+01:00 pacs-gw01 audit: user=ktorvik action=view", ["ktorvik"]),  # no list holds "torvik"
        ('FATAL:  password authentication failed for user "kbalogun"', ["kbalogun"]),
        ("Ban 2001:ee0:4c1a:7e30::b2 (3 failures for user 'nguyenvh')", ["nguyenvh"]),  # a surname and initials
        ("# User@Host: wojtek.nowak[wojtek.nowak] @ app01 [10.0.3.7]", ["wojtek.nowak"]),
        ("the rule had been added by IAM user tnakamura at 08:02", ["tnakamura"]),
        ("Credential dumping (lsass access) on host WS-ACC-0412, user CORP\\nhalvorsen", ["nhalvorsen"]),
        ("ocserv[2271]: main: 91.240.118.29:58104 failed authentication for 'pmendoza'", ["pmendoza"]),
        ("dovecot: auth: passwd-file(gfabbri,10.0.4.7): unknown user", ["gfabbri"]),
        (
            '2001:db8:4f1a::7c - svetlana.morozova [03/Oct/2024:10:01:02 +0000] "GET / HTTP/1.1" 200',
            ["svetlana.morozova"],
        ),
        # service accounts and words after the same keys stay unlabelled
        ("dovecot: auth: pam(root,10.0.0.1): failed; 10.0.0.5 - - [03/Oct/2024:10:01:02 +0000]", []),
        ("Access denied for user 'report'@'172.31.22.9' (using password: YES)", []),
        ("login ok user=webapp01 role=svc; user=dbadmin; user=etluser; user=replicator", []),
    ],
)
def test_a_user_key_takes_an_initial_and_a_surname_no_list_holds(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text, dates",
    [
        ("Javiera Andrea Muñoz Contreras, 27 años (f. nac. 4 de agosto de 1997)", ["4 de agosto de 1997"]),
        (
            "Auf dem Lohnzettel steht als Geburtsdatum 04.11.1990, richtig ist aber der 11.04.1990.",
            ["04.11.1990", "11.04.1990"],
        ),
        ("Họ tên: NGUYỄN THỊ BẢO NGỌC\nNgày, tháng, năm sinh: 27/05/2024   ghi bằng chữ", ["27/05/2024"]),
    ],
)
def test_a_spanish_abbreviated_cue_a_german_correction_and_a_vietnamese_key_of_three_words(text, dates):
    assert spans(DateOfBirthRecognizer(), text) == dates


@pytest.mark.parametrize(
    "text, names",
    [
        ("Author: Aoife Brennan <aoife@brennan.dev>\nDate:   Tue Mar 12 09:41:07 2024 +0000", ["Aoife Brennan"]),
        ("fail2ban: added 91.240.118.29 to ban list, will be reset at Wed Jun 19 09:41", []),
        (
            "<Cdtr>\n  <Nm>Jürgen Oberhauser</Nm>\n  <PstlAdr>\n    <AdrLine>Kaiserstraße 19</AdrLine>",
            ["Jürgen Oberhauser"],
        ),
        ("<Marta> anyone seen the deploy?\n<Devon> yes, rolled back", ["Marta", "Devon"]),  # IRC nicks, no XML
        (
            "KYC FORM\nBranch: Tampines Central\nMerchant: Palm Vista Hotel\nOccupation: Engineer\nNationality: SG\n",
            [],
        ),  # a form's labels, each once
        ("Mamá: mándame la dirección\nJavi: Hotel Sol, habitación 309\nLucía: gracias!!", ["Javi", "Lucía"]),  # a chat
    ],
)
def test_a_logs_date_an_xml_elements_name_and_a_forms_label_name_no_person(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text, names",
    [
        ("[09:12] Gustavo Pereyra: Buen día Flor", ["Gustavo Pereyra", "Flor"]),  # a greeting in Spanish
        ("Oi: bom dia Giulia!", ["Giulia"]),
        ("gracias por llamar a telcomex le atiende Brenda, en qué le puedo ayudar", ["Brenda"]),
        ("Angajat: Andreea-Ioana Mureșan\nFuncția: contabil", ["Andreea-Ioana Mureșan"]),  # an employee's field
        ('Rm 12 — Margaret "Peggy" O\'Donnell, 84', ['Margaret "Peggy" O\'Donnell']),
        ("Mitarbeiter: Geburtsdatum zur Verifizierung?\nKundin: Siebter Februar.\nMitarbeiter: Rückrufnummer?", []),
    ],
)
def test_greetings_in_other_languages_an_agents_cue_and_an_employees_field(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text",
    [
        'assert levenshtein("John Doe", "Jon Doe") == 1\nassert levenshtein("Jane Roe", "Jane Doe") == 1',
        "Phlebotomy Room 3, Florence Nightingale Wing, level 2",
        "SHIFT HANDOVER — Maple Grove Long-Term Care, Wing B (nights)",
        "CALLER: Apartment 22, Block C, the one near the gate",
        "From the hotel, walk down Avenida Presidente Masaryk to Parque Lincoln.",
        "Max Mustermann, Musterstraße 1, 12345 Musterstadt",
    ],
)
def test_stock_placeholders_wings_blocks_and_parks_name_no_person(text):
    assert spans(NameRecognizer(), text) == []


def test_a_swiss_street_first_address_with_a_four_digit_postcode():
    text = "la facture de gaz pour le logement situé Chemin de Bellerive 24, 1007 Lausanne, est arrivée"
    assert spans(AddressRecognizer(), text) == ["Chemin de Bellerive 24, 1007 Lausanne"]


@pytest.mark.parametrize(
    "text, name",
    [
        ("04.03.  Dauerauftrag Miete März an Herbert Kovačević     -950,00", "Herbert Kovačević"),
        ("Ονοματεπώνυμο: Κωνσταντίνος Μαυρίδης\nΠατρώνυμο: Δημήτριος", "Δημήτριος"),
        ("Àwọn olùyọ̀ǹda fún ìmọ́tótó àdúgbò: Adéwálé Ògúnlẹ́yẹ, Fúnmiláyọ̀ Àjàyí, Kúnlé Bámidélé", "Fúnmiláyọ̀ Àjàyí"),
    ],
)
def test_a_payment_to_a_name_a_greek_patronymic_and_yoruba_names_with_combining_marks(text, name):
    assert name in spans(NameRecognizer(), text)


@pytest.mark.parametrize(
    "text, address",
    [
        ("Venlig hilsen\nBirgitte Holm Lassen\nDæmningen 41, 2. th., 7100 Vejle", "Dæmningen 41, 2. th., 7100 Vejle"),
        ("Szállítási cím: 1137 Budapest, Pozsonyi út 56. III. em. 4.", "1137 Budapest, Pozsonyi út 56. III. em. 4."),
        ("return to Unit 4, Ballybane Ind. Est., Galway H91 X2E8", "Unit 4, Ballybane Ind. Est., Galway H91 X2E8"),
    ],
)
def test_a_danish_floor_and_side_a_hungarian_postcode_first_and_an_industrial_estate(text, address):
    assert spans(AddressRecognizer(), text) == [address]


def test_a_chat_senders_name_with_an_emoji_before_the_colon():
    chat = "[21:15] Lupita 🌸: nooo nada\n[21:15] Yesenia Cárdenas: creo\n[21:17] Lupita 🌸: ay"
    assert spans(NameRecognizer(), chat) == ["Lupita", "Yesenia Cárdenas", "Lupita"]


@pytest.mark.parametrize(
    "text, name",
    [
        ("ok hej Anna, paketet är skickat.", "Anna"),
        ("tamam merhaba Ayşe, siparişiniz yolda.", "Ayşe"),
        ("ya selamat pagi Siti, pesanan sudah dikirim.", "Siti"),
        ("ok habari Neema, mzigo umefika.", "Neema"),
        ("oo kumusta Liza, naipadala na.", "Liza"),
        ("oui bonjour Camille, votre colis arrive.", "Camille"),
        ("07:00, nurse Devinder Gill RPN to Claire Tremblay RN", "Devinder Gill RPN"),  # RPN beside a name
    ],
)
def test_the_readmes_greetings_and_roles_beside_a_name(text, name):
    assert name in spans(NameRecognizer(), text)


@pytest.mark.parametrize(
    "text, name",
    [
        ("Hej Anna, paketet är skickat.", "Anna"),
        ("Merhaba Ayşe, siparişiniz yolda.", "Ayşe"),
        ("Bonjour Camille, votre colis arrive.", "Camille"),
        ("Moin Hauke, alles klar.", "Hauke"),
        ("Kumusta Liza, naipadala na.", "Liza"),
        ("Ciao Giulia, tutto bene?", "Giulia"),
        ("Sayın Ahmet Yılmaz,\nfaturanız ektedir.", "Ahmet Yılmaz"),  # a Turkish form of address
    ],
)
def test_a_capitalised_greeting_opening_the_text_stays_outside_the_name(text, name):
    assert spans(NameRecognizer(), text) == [name]


def test_hello_world_in_other_languages_names_no_one():
    for text in ("Hola Mundo", "Ciao Mondo!", "Bonjour Monde", "Hallo Welt, this is my first program"):
        assert spans(NameRecognizer(), text) == [], text


@pytest.mark.parametrize(
    "text, name",
    [
        (
            "Jun 03 23:44:51 db-replica-3 sudo[118391]:   oadeyemi : 3 incorrect password attempts ; TTY=pts/1",
            "oadeyemi",
        ),
        ("pam_unix(sudo:session): session opened for user root(uid=0) by tnakamura(uid=1043)", "tnakamura"),
        ("2024 aurelie.dubois/176.12.88.140:50213 SENT CONTROL [aurelie.dubois]: 'PUSH_REPLY'", "aurelie.dubois"),
        (
            "(32) Login incorrect (mschap: MS-CHAP2-Response is incorrect): [farah.q] (from client wlc port 0)",
            "farah.q",
        ),
        ("13:02 deploy of pricing-svc 5.4.0 finished (by hsjoberg via the pipeline).", "hsjoberg"),
        (
            "Re: Pi-hole stopped resolving\n\nQuote from: mikkel.sorensen on Today at 09:12\n> my router",
            "mikkel.sorensen",
        ),
    ],
)
def test_log_users_in_journal_pam_openvpn_radius_timeline_and_forum_lines(text, name):
    assert name in spans(NameRecognizer(), text)


def test_a_sudo_line_keeps_pam_and_commands_out():
    text = "Jun 03 23:41:07 db-3 sudo[118204]: pam_unix(sudo:session): session closed for user root"
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    "text, found",
    [
        # a role before a sender's name, shops and firms as senders, buyer and seller as labels
        (
            "[14:02] Comprador Thiago Albuquerque: Oi, chegou errado\n[14:05] Vendedor Loja Passo Firme: Boa tarde"
            " Thiago!\n[14:07] Comprador Thiago Albuquerque: ok\n[14:09] Vendedor Loja Passo Firme: Perfeito.",
            ["Thiago Albuquerque", "Thiago", "Thiago Albuquerque"],
        ),
        (
            "Pembeli: kak barangnya beda\nPenjual (Hijab Nayla Official): Mohon maaf kak\nPembeli: atas nama Siti"
            " Rahmawati Putri\nPenjual (Hijab Nayla Official): siap",
            ["Siti Rahmawati Putri"],
        ),
        (
            "Alıcı: Merhaba, çalışmadı.\nSatıcı (Demirtaş Elektronik): Merhaba efendim.\nAlıcı: Zeynep Karaağaçlı,"
            " adresim aşağıda\nSatıcı (Demirtaş Elektronik): Tamam.",
            ["Zeynep Karaağaçlı"],
        ),
    ],
)
def test_chat_roles_shops_and_firms_as_senders_name_no_one(text, found):
    assert [s for s in spans(NameRecognizer(), text) if s != "Zeynep"] == found


@pytest.mark.parametrize(
    "text",
    [
        "RECETA MÉDICA ELECTRÓNICA — Servicio Andaluz de Salud",
        "Horario: lunes a viernes, Centro de Salud Ramón y Cajal",
        "Exemplo de preenchimento no nosso guia: Fulano de Tal, CPF 000.000.000-00",
        "Reply Y to confirm or call us. Not Tayla? Text STOP.",
        "my dad just got diagnosed with Parkinson's and the neurologist",
        "Közlemény: bérleti díj + kaució, Bartók Béla út 64. 3/2, 1114 Budapest",
    ],
)
def test_health_services_stock_names_a_not_a_diagnosis_and_a_hungarian_street_name_no_one(text):
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    "text, address",
    [
        (
            "> Pickup address is H.No. 2317, Sector 44-C, Chandigarh 160047. Thanks",
            "H.No. 2317, Sector 44-C, Chandigarh 160047",
        ),
        (
            "likha tha C-211, Green Valley Society, Sector 62, Noida 201309 phir bhi",
            "C-211, Green Valley Society, Sector 62, Noida 201309",
        ),
        (
            "atas nama Siti, alamat Jl. Kaliurang KM 7,5 Gg. Pandega Marta No. 12, Condongcatur, Depok, Sleman, DI"
            " Yogyakarta 55283",
            "Jl. Kaliurang KM 7,5 Gg. Pandega Marta No. 12, Condongcatur, Depok, Sleman, DI Yogyakarta 55283",
        ),
        ("Közlemény: kaució, Bartók Béla út 64. 3/2, 1114 Budapest\nÉrtéknap", "Bartók Béla út 64. 3/2, 1114 Budapest"),
        (
            "per l'appartamento di via Aurelio Saffi 22, int. 5, 40131 Bologna, come",
            "via Aurelio Saffi 22, int. 5, 40131 Bologna",
        ),
        (
            "Attorney 1: Fraser Dalgleish (son), Hillfoot Cottage, Bridge of Weir PA11 3SY, tel.",
            "Hillfoot Cottage, Bridge of Weir PA11 3SY",
        ),
    ],
)
def test_indian_sectors_indonesian_hungarian_street_first_italian_lower_case_and_named_houses(text, address):
    assert spans(AddressRecognizer(), text) == [address]


def test_a_lower_case_via_before_a_town_and_a_number_is_no_address():
    assert spans(AddressRecognizer(), "I went via Berlin 2, 10115 and back") == []


@pytest.mark.parametrize(
    "text, date",
    [
        ("the bureau lists my Social Security number and a date of birth of 09/22/1988, both wrong", "09/22/1988"),
        ("του Δημήτρη Αλεξίου (τάξη 1961), γεννημένου στις 3 Μαρτίου 1943 στη Λάρισα", "3 Μαρτίου 1943"),
        ("სახელი, გვარი: ნინო ბერიძე\nდაბადების თარიღი: 07.11.2000\nპირადი ნომერი: 01024085517", "07.11.2000"),
        ("Ծննդյան ամսաթիվ: 12.05.1990\n", "12.05.1990"),
        ("የትውልድ ቀን: 12/05/1990\n", "12/05/1990"),
    ],
)
def test_date_of_birth_of_a_greek_participle_and_a_georgian_key(text, date):
    assert spans(DateOfBirthRecognizer(), text) == [date]


@pytest.mark.parametrize(
    "text, address",
    [
        ("მისამართი: ვაჟა-ფშაველას გამზ. 71, ბინა 34, თბილისი 0186\n", "ვაჟა-ფშაველას გამზ. 71, ბინა 34, თბილისი 0186"),
        ("Բնակության հասցե: Երևան, Կոմիտասի պող. 54, բն. 19, 0051\n", "Երևան, Կոմիտասի պող. 54, բն. 19, 0051"),
    ],
)
def test_georgian_and_armenian_address_keys(text, address):
    assert spans(AddressRecognizer(), text) == [address]


@pytest.mark.parametrize(
    "text, name",
    [
        (
            "PLAINTIFF: Maricela Ontiveros\nPlaintiff's attorney: Jonathan Seo\nDEFENDANT: Acme Roofing LLC",
            "Jonathan Seo",
        ),
        ("Hartley & Crane Debt Recovery\nDebtor: Sanjay Mehra\nBalance: £1,204", "Sanjay Mehra"),
        ("POWER OF ATTORNEY\nGranter: Morag Elspeth Dalgleish, 4 Kilbarchan Road", "Morag Elspeth Dalgleish"),
        ("Kupní cena bude složena do notářské úschovy u JUDr. Pavly Novotné, notářky v Brně.", "Pavly Novotné"),
        ("Si hay vómito o decaimiento, llamar al MVZ Daniela Ortega Ríos.", "Daniela Ortega Ríos"),
        ("La proprietaria autorizza il figlio Matteo a ritirare il farmaco.", "Matteo"),
        ("Llegó su hija Lucía con el perro.", "Lucía"),
        ("Veio o filho Rafael buscar.", "Rafael"),
        ("Jednatel: Mgr. Jana Dvořáková, Brno", "Jana Dvořáková"),
        ("Magasin : Lyon Part-Dieu — vendeuse : Sandrine\nCarte n° 2900", "Sandrine"),
        ("Casablanca, le 12 mai 2025\n\nM. Youssef Benjelloun\nRésidence Al Manar, Imm. C", "M. Youssef Benjelloun"),
        ("June 14, 2025\n\nTamika R. Wellborne\n2208 N Peoria Ave Apt 4\nTulsa, OK 74106", "Tamika R. Wellborne"),
    ],
)
def test_legal_roles_czech_and_mexican_titles_romance_kin_and_an_initial_inside_a_name_at_a_line_start(text, name):
    assert name in spans(NameRecognizer(), text)


@pytest.mark.parametrize(
    "text, run",
    [
        ("Horario: lunes a viernes, Centro de Salud Ramón y Cajal", "Salud Ramón y Cajal"),  # the head noun over "de"
        ("Lucía Ferrer Roig\nTécnica de RR. HH., Vallès Metal S.L.", "Vallès Metal S.L"),
        ("Proveedor: Construtora Lima S.A.\nPrazo", "Construtora Lima S.A"),
        ("home building — defective waterproofing, Lot 17 DP 1184420", "Lot"),
        ("Гимназия № 1567 имени М. В. Ломоносова\nОбъявление", "М. В. Ломоносова"),
        ("Расписание лицея им. Н. И. Лобачевского на осень", "Н. И. Лобачевского"),  # "им.": "имени" abbreviated
        ("Connection: München Hbf 08:02 → Berlin Hbf 12:31", "Berlin Hbf"),  # a main station
        ("Бланк ответов: образец заполнения с ФИО «Иванов Иван Иванович» вывешен", "Иванов Иван Иванович"),
    ],
)
def test_a_thing_a_firm_a_namesake_and_a_stock_name_veto_a_person(text, run):
    start = text.index(run)
    assert not_a_name(text, start, start + len(run))
    assert run not in spans(NameRecognizer(), text)


@pytest.mark.parametrize(
    "text, name",
    [
        ("[2024-05-21 06:04:50] utente gbonfanti login da 172.20.7.114 (postazione PS-03)", "gbonfanti"),
        ("2024-09-04 09:12:55 INFO assigned to user mkaraca", "mkaraca"),
        ("Hi helpdesk, my account ppatel got locked this morning", "ppatel"),
        ("- Audit trail flagged user `lbrennan` running SELECT * on customers", "lbrennan"),
        ("- Le compte `abenali` a été réactivé.", "abenali"),
        ("username fmansoori privilege 15 secret 9 $9$kdT3", "fmansoori"),
        ("17:05Z case-mgr INFO case=FR-2024-118734 assigned=lmoreau status=open", "lmoreau"),
    ],
)
def test_log_users_after_worded_quoted_cisco_and_assigned_keys(text, name):
    assert spans(NameRecognizer(), text) == [name]


@pytest.mark.parametrize(
    "text",
    [
        "utente registrato ha effettuato il login",  # a word after the cue, on no log line
        "My account e-mail is on file",  # a word in a hyphenated "user name"
        "username netops privilege 15 secret 9 $9$ab7Q",  # a team's account
        "Sep 03 12:01:44 nas smbd[1881]: connect to service Family initially as user media (uid=1001)",
    ],
)
def test_words_and_team_accounts_after_user_cues_name_no_one(text):
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    "text, name",
    [
        ("wir berichten über Ihre Patientin Frau Renate Zwickl, die sich", "Renate Zwickl"),
        ("Sehr geehrter Herr Kollege Dr. Pohlmann, wir berichten", "Pohlmann"),
        ("Sehr geehrte Frau Kollegin Dr. Hannelore Kürschner,", "Hannelore Kürschner"),
    ],
)
def test_a_title_inside_a_capitalised_run_opens_the_name(text, name):
    assert spans(NameRecognizer(), text) == [name]


def test_a_forms_repeated_field_labels_and_a_word_as_a_chat_label_name_no_one():
    form = (
        "Antragsteller/in 1\nName, Vorname: Yıldırım, Elif\nGeburtsdatum: 03.11.1987\nAnschrift: Hasenbergsteige 41\n"
        "\nAntragsteller/in 2\nName, Vorname: Yıldırım, Kerem\nGeburtsdatum: 21.02.1985\nAnschrift: wie oben"
    )
    assert "Geburtsdatum" not in spans(NameRecognizer(), form) and "Anschrift" not in spans(NameRecognizer(), form)
    chat = "buyer: hi can nego\nseller: can lah\nbuyer: ok can\nseller: u come my place can?"
    assert spans(NameRecognizer(), chat) == []


@pytest.mark.parametrize(
    "text, address",
    [
        (
            "sede operativa Via San Vitale 58/B, 40125 Bologna (BO). Per l'installazione",
            "Via San Vitale 58/B, 40125 Bologna",
        ),
        (
            "住址：广州市天河区天河北路 233 号中信广场公寓 2 座 1708 房\n联系电话：",
            "广州市天河区天河北路 233 号中信广场公寓 2 座 1708 房",
        ),
    ],
)
def test_a_house_number_with_a_slash_part_and_a_chinese_residence_key(text, address):
    assert spans(AddressRecognizer(), text) == [address]


@pytest.mark.parametrize(
    "text, date",
    [
        ("[2024-05-21 06:04:40] paziente=Bianchi Giulia nata=19790612 reparto=MEDICINA 2", "19790612"),
        ("user=x dob=19790612 ward=2", "19790612"),
    ],
)
def test_a_date_written_yyyymmdd_under_a_birth_key_and_the_italian_born_key(text, date):
    assert spans(DateOfBirthRecognizer(), text) == [date]
    assert spans(DateOfBirthRecognizer(), "order=19790612 ward=2") == []


@pytest.mark.parametrize(
    "text, date",
    [
        ("Презиме: Ли\nИме: Венђинг\nДатум рођења: 04.09.1987.\nМесто", "04.09.1987"),  # Serbian Cyrillic
        ("Szabó Levente, născut la data de 2 februarie 1968 în mun. Târgu Mureș", "2 februarie 1968"),
        ("Kayıtlı kart: x\nDoğum T.  : 17.09.1986\nTemsilci", "17.09.1986"),  # Turkish, abbreviated
        ("მამა: გიორგი გელაშვილი, დაბ. 12.05.1991", "12.05.1991"),  # Georgian, abbreviated
        ("تاریخ تولد: ۱۵ فروردین ۱۳۴۹", "۱۵ فروردین ۱۳۴۹"),  # a Solar Hijri month
        ("تاریخِ پیدائش ۱۴ اگست ۱۹۷۸، شناختی", "۱۴ اگست ۱۹۷۸"),  # Urdu, the kasra after تاریخ
        ("জন্ম তারিখ: ০৩ জানুয়ারি ১৯৭৫", "০৩ জানুয়ারি ১৯৭৫"),  # a Bengali month
        ("დაბადების თარიღი: 12 მარტი 1985", "12 მარტი 1985"),  # Georgian, Hebrew, Arabic, Tamil, Marathi months
        ("תאריך לידה: 9 ינואר 1958", "9 ינואר 1958"),
        ("تاريخ الميلاد: 5 مارس 1980", "5 مارس 1980"),
        ("பிறந்த தேதி: 12 மார்ச் 1985", "12 மார்ச் 1985"),
        ("जन्म तिथि: 12 मार्च 1985", "12 मार्च 1985"),
        ('{ first: "Lakshmi",\n    dob: ISODate("1971-06-08"),\n    aadhaar: "4829" }', "1971-06-08"),  # a call
        ("Фамилия;Имя;Дата рождения;Телефон\nЛи;Виктор;19 июня 1964 г.;+7 701 882 1407", "19 июня 1964 г."),
        ("nr_crt;nume;prenume;cnp;data_nasterii\n1;Munteanu;Gheorghe-Vlad;1720814221187;14.08.1972", "14.08.1972"),
    ],
)
def test_dates_of_birth_after_more_cues_months_and_in_more_birth_fields(text, date):
    assert spans(DateOfBirthRecognizer(), text) == [date]


@pytest.mark.parametrize(
    "text, names",
    [
        ("Презиме: Ли\nИме: Венђинг\n", ["Ли", "Венђинг"]),  # Serbian keys
        ("nr_crt;nume;prenume;cnp\n1;Munteanu;Gheorghe-Vlad;1720814221187", ["Munteanu", "Gheorghe-Vlad"]),
    ],
)
def test_serbian_and_romanian_name_keys(text, names):
    assert spans(NameRecognizer(), text) == names


def test_a_user_columns_cells_are_read_as_log_users():
    text = (
        "ts,username,src_ip,result\n2024-06-11T10:02:11Z,mkowalczyk,185.220.101.47,FAIL\n"
        "2024-06-11T10:02:12Z,svc-etl,10.40.3.21,OK\n2024-06-11T10:02:13Z,priya.raman,185.220.101.47,FAIL\n"
        "2024-06-11T10:02:24Z,root,185.220.101.47,FAIL"
    )
    assert spans(NameRecognizer(), text) == ["mkowalczyk", "priya.raman"]


def test_a_long_quoted_user_name_after_username():
    text = "Password authentication succeeded for username 'mjgarciaortega'"
    assert spans(NameRecognizer(), text) == ["mjgarciaortega"]


def test_a_sender_named_in_full_width_brackets_after_a_role():
    text = (
        "オペレーター（佐藤）: お問い合わせありがとうございます。\nお客様: 中村 由香里です。\n"
        "オペレーター（佐藤）: 中村様。"
    )
    assert spans(NameRecognizer(), text)[:2] == ["佐藤", "中村 由香里"]


def test_a_forms_aligned_field_labels_on_two_records_name_no_one():
    text = (
        "Kayıt #   : 20418\nMüşteri   : Zeynep Karaca\nCep       : 0532 418 66 09\nTemsilci  : Emre Aydoğdu\n---\n"
        "Kayıt #   : 20419\nMüşteri   : Mehmet Ali Öztürk\nCep       : +90 555 731 20 48\nTemsilci  : Emre Aydoğdu"
    )
    assert not {"Cep", "Temsilci", "Müşteri"} & set(spans(NameRecognizer(), text))


@pytest.mark.parametrize(
    "text, address",
    [
        (
            "ご登録住所：150-0002 東京都渋谷区渋谷2丁目14-8 ヴィラ渋谷305号",
            "東京都渋谷区渋谷2丁目14-8 ヴィラ渋谷305号",
        ),  # 丁目
        (
            '"address_road": "서울특별시 강남구 테헤란로 427, 위워크타워 1204호",',
            "서울특별시 강남구 테헤란로 427, 위워크타워 1204호",
        ),
        ('"address_jibun": "서울특별시 강남구 삼성동 159-9",', "서울특별시 강남구 삼성동 159-9"),  # a lot number
        (
            "〒604-8006 京都府京都市中京区河原町通三条上る下丸屋町403番地 河原町ハイツ701",
            "〒604-8006 京都府京都市中京区河原町通三条上る下丸屋町403番地 河原町ハイツ701",
        ),  # 番地
        ("家庭住址 北京市朝阳区建国路88号院3号楼1单元602室", "北京市朝阳区建国路88号院3号楼1单元602室"),
        ("גב' מרים אלמוג\nרח' הנביאים 27 דירה 5, חיפה 3312502", "רח' הנביאים 27 דירה 5, חיפה 3312502"),  # Hebrew
        ("משפחת לוי – שד' ויצמן 7 דירה 12, כפר סבא – 09-7654321", "שד' ויצמן 7 דירה 12, כפר סבא"),
        (
            "domiciliat în mun. Cluj-Napoca, str. Moților nr. 58, bl. M2, sc. A, et. 4, ap. 17, jud. Cluj, identificat",
            "mun. Cluj-Napoca, str. Moților nr. 58, bl. M2, sc. A, et. 4, ap. 17, jud. Cluj",
        ),
        ("صندوق البريد: ص.ب 55127، دبي", "ص.ب 55127، دبي"),  # an Arabic post office box
        (
            "Blk 465 Ang Mo Kio Ave 10 #09-1234 Singapore 560465. Later",
            "Blk 465 Ang Mo Kio Ave 10 #09-1234 Singapore 560465",
        ),
        (
            "Bağdat Caddesi No: 312 D: 7, Caddebostan Mah., 34728 Kadıköy/İstanbul adresindeki",
            "Bağdat Caddesi No: 312 D: 7, Caddebostan Mah., 34728 Kadıköy/İstanbul",
        ),
    ],
)
def test_japanese_blocks_korean_buildings_and_lots_hebrew_romanian_arabic_box_singapore_and_turkish(text, address):
    assert spans(AddressRecognizer(), text) == [address]


def test_a_forms_records_in_a_script_without_case_are_no_chat():
    text = (
        "০১। নাম: মোছাঃ রুমানা আক্তার\nভোটার নং: ২৬৩৮১৭০০০১৪২\nপিতা: মোঃ আব্দুল কাদের\nমাতা: হাসিনা বেগম\n\n"
        "০২। নাম: সুব্রত কুমার দাস\nভোটার নং: ২৬৩৮১৭০০০১৪৩\nপিতা: নিরঞ্জন দাস\nমাতা: শেফালী রানী দাস"
    )
    found = spans(NameRecognizer(), text)
    assert not {"ভোটার নং", "পিতা", "মাতা"} & set(found) and "নিরঞ্জন দাস" in found
    # a chat's speakers take turns within a block: still senders
    chat = "Оксана: привет\nДмитро: привіт\nОксана: як справи?\n\nДмитро: добре\nОксана: супер\nДмитро: па"
    assert spans(NameRecognizer(), chat).count("Оксана") == 3


@pytest.mark.parametrize("cue", ["承办人：", "经办人：", "报告人：", "受付者："])
def test_the_labels_of_a_records_clerk_announce_the_name_after_them(cue):
    assert spans(NameRecognizer(), f"{cue}黄丽萍\n") == ["黄丽萍"]
    assert spans(NameRecognizer(), "黄丽萍\n") == []  # the same name with no label: not read


# Round 19 (session 35): held-out 19's remaining misses and false names that a rule can read.
_JAPANESE_REQUESTS = (
    "お願いします",
    "お願いいたします",
    "お願い致します",
    "教えてください",
    "教えて下さい",
    "お伺いします",
)


@pytest.mark.parametrize(
    "text, date",
    [
        (
            "ご本人確認のため、受付にて生年月日（昭和63年7月9日）をお伺いします。",
            "昭和63年7月9日",
        ),  # full-width brackets
        ("生年月日（代表者様）：昭和63年5月2日", "昭和63年5月2日"),  # a note in full-width brackets
        ("系统里陈先生的出生日期显示 1996年4月18日，对吗？", "1996年4月18日"),  # "shows"
        ("系統裡的出生日期顯示 1996年4月18日", "1996年4月18日"),
        ("Age / DOB: 29 yrs / 17th Feb. 1995", "17th Feb. 1995"),  # after the age
        ("DOB: 41 years, 03/04/1983", "03/04/1983"),
        ("dob 7 y.o. | 12.05.2017", "12.05.2017"),
    ]
    + [
        (f"オペレーター: ご本人確認のため生年月日を{request}。\nお客様: 昭和61年11月3日です。", "昭和61年11月3日")
        for request in _JAPANESE_REQUESTS
    ]
    + [(f"担当：生年月日を{request}\nお客様：平成2年4月1日", "平成2年4月1日") for request in _JAPANESE_REQUESTS],
)
def test_a_birth_date_in_full_width_brackets_shown_after_the_age_and_asked_for_in_japanese(text, date):
    assert spans(DateOfBirthRecognizer(), text) == [date]


def test_a_uk_postcode_a_few_words_after_the_word_postcode():
    text = "The form asks for the property postcode separately, so for the record it is CV32 5LP.\n"
    assert spans(AddressRecognizer(), text) == ["CV32 5LP"]


_HEAD_NOUNS_35 = (
    "metro estação Bahnhof Haltestelle Hausverwaltung Bakkerij Bäckerei Metzgerei Autohaus Kanzlei Apotheke "
    "Sportverein Turnverein Tennisclub Fußballclub Schachclub"
).split()


@pytest.mark.parametrize("noun", _HEAD_NOUNS_35)
def test_a_place_or_a_firm_named_after_a_person_by_its_head_noun(noun):
    assert "Alonso Martínez" in spans(NameRecognizer(), "Treffpunkt: Alonso Martínez, 10 Uhr.")  # the control
    for written in (noun, noun.lower(), noun.capitalize()):
        assert spans(NameRecognizer(), f"Treffpunkt: {written} Alonso Martínez, 10 Uhr.") == []


@pytest.mark.parametrize(
    "text, run",
    [
        ("respite at Hazelwood House, told him", "Hazelwood House"),  # a care home
        ("la autoridad fiscal de los Estados Unidos de América, se detectó", "Estados Unidos de América"),
        ("Your trip: Tel Aviv (TLV, Ben Gurion) → Paris", "Ben Gurion"),  # an airport after its code
        ("20011;Bakkerij Van der Meulen B.V.;Wietske", "Van der Meulen B.V"),  # Dutch legal forms
        ("Leverancier: Jansen de Vries N.V.\nDatum", "Jansen de Vries N.V"),
    ],
)
def test_a_home_a_country_an_airport_and_a_dutch_firm_are_no_person(text, run):
    found = spans(NameRecognizer(), text)
    assert not any(run in f or f in run for f in found), found


@pytest.mark.parametrize(
    "text, name",
    [
        (
            "Dear Sir or Madam,\n\nMrs Nomvula Patience Mthembu\nHouse 2217, Section K, KwaMashu",
            "Nomvula Patience Mthembu",
        ),
        ("Cordialement,\nValérie Masson\nService RH", "Valérie Masson"),
        ("Bill to: Inês Albuquerque Matos\nTravessa do Carmo 9, 2.º Dto.", "Inês Albuquerque Matos"),
        ("CRESTLINE COLLECTIONS PTY LTD\n\nMinh Tuan Nguyen\nUnit 4, 27 Macquarie Street", "Minh Tuan Nguyen"),
    ],
)
def test_a_place_word_on_the_next_line_leaves_the_name_before_it(text, name):
    assert name in spans(NameRecognizer(), text)


@pytest.mark.parametrize(
    "text, address",
    [
        (  # five words of a street's name, an interior, a colonia and a C.P.
            "Domicilio fiscal: Av. Enrique Díaz de León Norte 1135, Int. 4, Col. Santa Tere, C.P. 44600, Guadalajara",
            "Av. Enrique Díaz de León Norte 1135, Int. 4, Col. Santa Tere, C.P. 44600, Guadalajara",
        ),
        (
            "Valentina: Av. Corrientes 4152, piso 7 depto C, C1194AAR CABA",
            "Av. Corrientes 4152, piso 7 depto C, C1194AAR CABA",
        ),
        (  # Colombian: the cross street's and the house's numbers after "#" or "No."
            "CIUDADANO: Calle 63 Sur # 77K-45, interior 3, apartamento 502, Bosa, Bogotá.",
            "Calle 63 Sur # 77K-45, interior 3, apartamento 502, Bosa, Bogotá",
        ),
        ("Entrega: Carrera 7 No. 71-21, torre B, Bogotá", "Carrera 7 No. 71-21, torre B, Bogotá"),
        ("Dirección: Cra. 43A # 1 Sur-100, oficina 1201, Medellín", "Cra. 43A # 1 Sur-100, oficina 1201, Medellín"),
        ("Dirección: Diagonal 40A Bis # 14-27, Bogotá", "Diagonal 40A Bis # 14-27, Bogotá"),
        ("Dirección: Transversal 93 # 51-98, local 2, Bogotá", "Transversal 93 # 51-98, local 2, Bogotá"),
        (  # a table's phone column before the address column: its last group is no house number
            "1  Iñaki  Etxeberria  22/11/1975  +34 943 21 87 60  Kale Nagusia 9, 20003 Donostia",
            "Kale Nagusia 9, 20003 Donostia",
        ),
    ],
)
def test_mexican_argentine_and_colombian_street_first_addresses(text, address):
    assert spans(AddressRecognizer(), text) == [address]


@pytest.mark.parametrize(
    "text",
    [
        "This is to certify that JUAN DELA CRUZ, of legal age, Filipino, single",
        "Sample: Juan de la Cruz, 123 Rizal St.",
        "[작성 예시]\n성명: 홍길동 (예시)\n휴대폰: 010-0000-0000",
        "姓名：张三\n身份证号：略",
        "示例：李四、王五",
    ],
)
def test_the_philippine_korean_and_chinese_form_examples_name_no_one(text):
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize("kin", ["Nan", "Nana", "Nanna", "Gran", "Grandad"])
def test_a_grandparent_labelling_a_chat_line_is_no_name(kin):
    text = f"Dev: power's out on our street\n{kin} (via tablet): Does anyone have the number for the apple man\n"
    assert kin not in spans(NameRecognizer(), text)


def test_a_romanian_note_label_is_no_name():
    text = "2;Pop;Ioana;7950412221014;12.04.1995\n\nNotă: alegătoarea de la poziția 2 s-a mutat"
    assert "Notă" not in spans(NameRecognizer(), text)


@pytest.mark.parametrize(
    "text",
    [
        "学歴・職歴\n平成27年3月　東京都立青山高等学校　卒業\n平成31年3月　同　卒業",
        "生年月日が「平成2年7月15日」の社員",
        '{ "name": "Jane Roe", "email": "jane.roe@kyc.test" }',  # the US courts' second placeholder
        "Plaintiff: Richard Roe\nDefendant: the agency",
        "Imię i nazwisko: Jan Kowalski\nPESEL: XXXXXXXXXXX",  # the Polish form example
        "Impfangebote gemäß Empfehlungen der STIKO am Robert Koch-Institut: 311 Influenza",
        "Dier: Bommel (hond, Berner Sennen, reu, gecastreerd, 34,2 kg)",
        "Razze a rischio: Cavalier King Charles Spaniel, Barboncino, Chihuahua",
        "GIUDIZIO DI IDONEITÀ ALLA MANSIONE SPECIFICA\n(art. 41, D.Lgs. 81/2008)",
        "Giudizio: IDONEO CON PRESCRIZIONI\n- evitare il sollevamento",
        "APLIKASYON PARA SA ISKOLARSIP – Pundasyong Bayanihan",
    ],
)
def test_a_japanese_era_placeholders_an_institute_dog_breeds_and_headings_in_capitals_name_no_one(text):
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    "text, name",
    [
        ("wir berichten über Ihren Patienten Herrn Jürgen Wöllner, geb. 22.04.1949", "Jürgen Wöllner"),
        ("nuovo conto cointestato con mia moglie, Rossella Mastrangelo:\n\nIBAN IT28", "Rossella Mastrangelo"),
        (
            "Chat\n[09:15] Agent Tolu (QuickNaira): Good morning\n[09:16] Customer: ok\n"
            "[09:18] Agent Tolu (QuickNaira): ok",
            "Tolu",
        ),
    ],
)
def test_herrn_as_a_title_kin_before_a_comma_and_an_agent_beside_a_firm_in_brackets(text, name):
    found = spans(NameRecognizer(), text)
    assert name in found and "QuickNaira" not in found


@pytest.mark.parametrize(
    "text, word",
    [
        ("APPLICANT 1\nTitle: Mr\nForename(s): Oluwaseun Daniel\nSurname: Adeyemi", "Forename"),
        ("Name (Last, First MI): Castellanos-Whitfield, Dolores M.\nDate of Birth: 09/27/1971", "Date"),
        ("Név: dr. Kovácsné Balogh Ilona\nSzületési hely: Pécs\n\nmásrészről\nNév: Szabó-Nagy Eszter\n", "Név"),
    ],
)
def test_a_title_ending_a_line_opens_no_name_on_the_next_and_hungarian_name_labels_are_no_name(text, word):
    assert word not in spans(NameRecognizer(), text)


def test_a_shell_prompts_user_is_a_person_and_roots_is_not():
    text = "kbaptiste@bastion-01:~$ last -n 4\nreboot   system boot\nroot@db2:/var/log# ls\n"
    assert spans(NameRecognizer(), text) == ["kbaptiste"]


def test_a_postcode_is_no_part_of_a_longer_code():
    text = (
        "payee_first,payee_last,country,iban,amount_eur,contact\n"
        "Inés,Castaño Ibarra,ES,ES7700491500052718093346,1875.50,+34 612 48 93 07\n"
        "João,Mendes Carvalho,PT,PT59003506510000438290713,960.00,jmcarvalho@sapo.pt\n"
    )
    assert spans(AddressRecognizer(), text) == []


@pytest.mark.parametrize(
    "text, date",
    [
        ("mama wa Baraka Otieno (alizaliwa tarehe 12 Machi 2019). Jana usiku", "12 Machi 2019"),
        ("Név: dr. Kovácsné Balogh Ilona\nSzületési hely, idő: Szeged, 1958. 03. 21.\nAnyja neve:", "1958. 03. 21"),
        ("Születési hely, idő: Debrecen, 1994. november 8.\n", "1994. november 8."),
        ("أحمد محمود الزعبي، المولود بتاريخ ١٤/٠٣/١٩٨٧، ويحمل جواز سفر", "١٤/٠٣/١٩٨٧"),
        ("رقم جوالي 050 318 4472 وتاريخ ميلادي ١٧/٠٤/١٩٨٨", "١٧/٠٤/١٩٨٨"),
        ("調べたところ、生年月日が「平成2年7月15日」の社員（和暦で登録）", "平成2年7月15日"),
        ("Valentina, que llegó al mundo el 14 de febrero de 2024 a las 6:42 en el Hospital", "14 de febrero de 2024"),
        ("ei mab bach, Gethin, a anwyd ar 2 Chwefror 2024. Mam a'r babi yn iach!", "2 Chwefror 2024"),
    ],
)
def test_birth_cues_in_swahili_hungarian_arabic_welsh_spanish_and_a_japanese_quote(text, date):
    assert spans(DateOfBirthRecognizer(), text) == [date]


@pytest.mark.parametrize(
    "text",
    [
        "Telefonkonferenz für Analysten morgen um 10:00 MEZ, Zugangs-PIN 418 227 903#.",  # a dial-in code
        'Yesterday he wrote "nice flat on Chalmers Street" and left',
    ],
)
def test_a_pin_of_a_longer_number_is_no_postcode(text):
    assert spans(AddressRecognizer(), text) == []


@pytest.mark.parametrize(
    "text, address",
    [
        (
            "- Current residence: No. 18/2, 2nd Main Road, Gandhi Nagar, Adyar, Chennai 600020 (we move in June)",
            "No. 18/2, 2nd Main Road, Gandhi Nagar, Adyar, Chennai 600020",
        ),
        (
            "the property at Flat No. 304, Sai Krupa Residency, 5th Cross, HSR Layout Sector 2, Bengaluru, "
            "Karnataka 560102.",
            "Flat No. 304, Sai Krupa Residency, 5th Cross, HSR Layout Sector 2, Bengaluru, Karnataka 560102",
        ),
        (
            "The family lives at No. 12, 2nd Cross, Gandhi Bazaar, Basavanagudi, Bengaluru - 560004.",
            "No. 12, 2nd Cross, Gandhi Bazaar, Basavanagudi, Bengaluru - 560004",
        ),
        ('he wrote "nice flat on Chalmers Street, EH3 9ES" which is', "Chalmers Street, EH3 9ES"),
        (
            'office_address: "3rd Floor, Prestige Meridian II, 30 MG Road, Bengaluru 560001"',
            "3rd Floor, Prestige Meridian II, 30 MG Road, Bengaluru 560001",
        ),
        (
            '"buyer_address": "ul. Piotrkowska 148/150 lok. 7, 90-063 Łódź"',
            "ul. Piotrkowska 148/150 lok. 7, 90-063 Łódź",
        ),
        ('"logradouro": "Rua Barata Ribeiro, 370, apto 1102",', "Rua Barata Ribeiro, 370, apto 1102"),
    ],
)
def test_indian_door_numbers_before_ordinal_streets_a_street_and_postcode_and_more_address_keys(text, address):
    assert spans(AddressRecognizer(), text) == [address]


@pytest.mark.parametrize(
    "text, name",
    [
        ("Aanwezig: dhr. Ruud van der Meulen (teamleider magazijn), mevr. Fenna Bos", "Ruud van der Meulen"),
        ("Witness 1: Marie Hebden, 2 Mill Lane, Hawes DL8 3QT\nWitness 2: Hope Armitage", "Hope Armitage"),
    ],
)
def test_a_dutch_title_in_lower_case_and_a_numbered_witness_name_a_person(text, name):
    assert name in spans(NameRecognizer(), text)


@pytest.mark.parametrize(
    "text, name",
    [
        ("Ring meg gjerne på 924 18 365 hvis noe er uklart.\n\nMvh\nÅsmund Krogh-Eriksen", "Åsmund Krogh-Eriksen"),
        ("Vielen Dank.\n\nMit freundlichen Grüßen\nHeike Brandstätter", "Heike Brandstätter"),
        (
            "Medical card exp: 03/2025\nEmergency contact: Folasade Oyelaran (spouse)   602-418-7790",
            "Folasade Oyelaran",
        ),
    ],
)
def test_sign_offs_in_other_languages_and_an_emergency_contact_name_a_person(text, name):
    assert name in spans(NameRecognizer(), text)


@pytest.mark.parametrize(
    "text",
    [
        "Mẹ: Khoa ơi, con điền form visa\nKhoa: dạ\nMẹ: con sinh ngày",  # "mother", a Vietnamese speaker's label
        "mit Mercedes-Benz Sprinter durch unseren Partner Otto Logistik. Bitte beachten Sie",
        "  Business / Entreprise: Atelier Céramique du Vieux Lyon",
        "Atentamente,\nDepartamento de Cobranza",
    ],
)
def test_a_vietnamese_kin_label_a_logistics_firm_an_atelier_and_a_department_are_no_person(text):
    assert not [s for s in spans(NameRecognizer(), text) if s != "Khoa"]


@pytest.mark.parametrize(
    "text, address",
    [
        (
            "CÍTRICOS HERMANOS BALAGUER S.L.\n    Camí Vell de Russafa 14, 46013 València",
            "Camí Vell de Russafa 14, 46013 València",
        ),
        (
            "Apartman je na adresi Ulica kneza Branimira 27, stan 5, 10000 Zagreb, the code for the door is 441",
            "Ulica kneza Branimira 27, stan 5, 10000 Zagreb",
        ),
    ],
)
def test_catalan_cami_and_croatian_ulica_open_a_street(text, address):
    assert spans(AddressRecognizer(), text) == [address]


def test_a_bulgarian_born_on():
    text = "от Цветелина Николаева Петкова, ЕГН 8509126543, родена на 12.09.1985 г. в гр. Пловдив,"
    assert spans(DateOfBirthRecognizer(), text) == ["12.09.1985 г."]


@pytest.mark.parametrize(
    "sign_off",
    [
        "Z poważaniem",  # Polish
        "Med vennlig hilsen",  # Norwegian
        "Med venlig hilsen",  # Danish
        "Med vänliga hälsningar",  # Swedish
        "Viele Grüße",  # German
        "Cordialement",  # French
        "Atentamente",  # Spanish
        "Cordiali saluti",  # Italian
        "Met vriendelijke groet",  # Dutch
        "S pozdravem",  # Czech
        "Üdvözlettel",  # Hungarian
        "Atenciosamente",  # Portuguese
    ],
)
def test_a_sign_off_in_each_language_the_readme_lists_names_the_signer(sign_off):
    assert spans(NameRecognizer(), f"Thank you for the update.\n\n{sign_off},\nOrvelle Quintardi-Maske") == [
        "Orvelle Quintardi-Maske"
    ]


def test_the_arabic_bot_labelling_a_chat_line_is_no_name():
    text = "العميل: مرحبا، عندي مشكلة\nالبوت: أهلاً بك!\nالعميل: شكراً\nالبوت: تم إغلاق المحادثة."
    assert "البوت" not in spans(NameRecognizer(), text)


def test_french_kin_before_a_comma_names_the_person():
    text = "le compte joint avec mon mari, Orvelle Quintardi, est bloqué"
    assert "Orvelle Quintardi" in spans(NameRecognizer(), text)


@pytest.mark.parametrize(
    ("text", "user"),
    [
        ("2024-05-06 07:12:01 INFO route R-7 assigned by dispatcher=k.oyelowo (14 stops)", "k.oyelowo"),
        ("2024-05-06 11:40:13 INFO stop 9/14 reassigned driver=mquintardi", "mquintardi"),
        ("2024-05-06 11:40:13 INFO job 118 closed technician=asokolova", "asokolova"),
    ],
)
def test_a_log_lines_dispatcher_driver_or_technician_is_a_user(text, user):
    assert spans(NameRecognizer(), text) == [user]


def test_a_couriers_role_and_firm_labelling_a_chat_line_name_no_one():
    text = "Repartidor Estafeta: Buenas tardes, traigo un paquete\nCliente: no estoy\nRepartidor Estafeta: Ok"
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("快递员 王师傅：您好，您的快递到了", ["王"]),
        ("请寄到我公司，陈建国收，电话010-8579 3316", ["陈建国"]),
        ("那先生说明天再来", []),  # "that gentleman": no surname
        ("签收后请回复", []),
    ],
)
def test_a_chinese_form_of_address_after_one_surname_and_the_recipients_mark(text, names):
    assert spans(NameRecognizer(), text) == names


def test_a_second_surname_after_a_hyphen_keeps_its_polish_letters():
    text = "Z poważaniem\nZdzisław Wróblewski-Pająk\nz.wroblewski@example.pl"
    assert spans(NameRecognizer(), text) == ["Zdzisław Wróblewski-Pająk"]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("地址是上海市浦东新区张杨路1288弄6号楼1203室对吧？", "上海市浦东新区张杨路1288弄6号楼1203室"),
        ("下次寄到：北京市朝阳区建国路88号SOHO现代城B座2106，谢谢", "北京市朝阳区建国路88号SOHO现代城B座2106"),
        ("我住在杭州市西湖区文三路478号", "杭州市西湖区文三路478号"),
    ],
)
def test_a_chinese_lane_number_a_named_building_and_a_leading_word(text, address):
    assert spans(AddressRecognizer(), text) == [address]


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("Mẹ: con sinh ngày mùng 5 tháng 7 năm 1992, bên Úc ghi ngày trước", ["mùng 5 tháng 7 năm 1992"]),
        ("नाम: सुजना\nजन्म मिति (वि.सं.): २०५२/०४/१५", ["२०५२/०४/१५"]),
        ("Date of birth (required for customs release of delivered bag): 1986年4月19日", ["1986年4月19日"]),
    ],
)
def test_a_vietnamese_born_on_a_nepali_cue_and_a_long_note_before_the_date(text, dates):
    assert spans(DateOfBirthRecognizer(), text) == dates


def test_a_chatbots_product_name_labelling_its_lines_is_no_one():
    text = "[10:02:11] Asistente Nubo: Hola, soy el asistente virtual\n[10:02:20] Cliente: me robaron la tarjeta\n"
    text += "[10:02:34] Asistente Nubo: Lo siento mucho."
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize("letters", ["FCCA", "MRCP", "RN", "MBBS"])
def test_letters_after_a_name_are_no_part_of_it(letters):
    text = f"Any questions, give me a call.\n\nBest regards,\nDaniel Okafor {letters}\nOkafor & Co Accountants"
    assert spans(NameRecognizer(), text) == ["Daniel Okafor"]


def test_a_law_firms_heading_in_capitals_is_no_one():
    assert spans(NameRecognizer(), "BRAR KAUR IMMIGRATION LAW\n330 Bay Street, Suite 1410, Toronto") == []


@pytest.mark.parametrize(
    ("text", "user"),
    [
        ("    Merge pull request #412 from kmensah/feature/offline-maps", "kmensah"),
        ("  triggered by: wgithinji (push to main, 3f0a9c2)", "wgithinji"),
    ],
)
def test_a_merge_commits_branch_owner_and_a_pipelines_trigger_are_users(text, user):
    assert spans(NameRecognizer(), text) == [user]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Спасибо! Дмитрий Соколов, дежурный админ", ["Дмитрий Соколов"]),
        ("от Цветелина Николаева Петкова, ЕГН 8509126543", ["Цветелина Николаева Петкова"]),
        ("Прошу передати справу Андрія Петренка до суду.", ["Андрія Петренка"]),  # declined: Андрій Петренко
        ("Η ασθενής Ελένη Παπαδοπούλου προσήλθε σήμερα.", ["Ελένη Παπαδοπούλου"]),
        ("ЗАЯВЛЕНИЕ\n\nПрошу рассмотреть.", []),
        ("Адреса: Жарка Зрењанина 14/II, 21000 Нови Сад", []),  # a street named after a person
        ("у сали Месне заједнице „Јован Јовановић Змај”", []),  # a hall's name
        ("Мы живём на улице Ивана Франко.", []),
    ],
)
def test_listed_cyrillic_and_greek_names_and_things_named_after_people(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Հիվանդ՝ Լիլիթ Սարգսյան, ծնված 1988 թ.", ["Լիլիթ Սարգսյան"]),  # Armenian
        ("კონტაქტი: დავით ხუციშვილი, ტელ. 599 41 27 83", ["დავით ხუციშვილი"]),  # Georgian
        ("ივანე ჯავახიშვილის სახელობის თბილისის სახელმწიფო უნივერსიტეტი", []),  # "named after"
        ("הפגישה עם אמיר שקד נקבעה ליום שני.", ["אמיר שקד"]),  # Hebrew
        ("שלום אמיר שקד,\nמצורף הסיכום", ["אמיר שקד"]),  # "hello" is no part of the name
        ("المريض أحمد سليم يراجع العيادة غدا", ["أحمد سليم"]),  # Arabic
        ("انزل في محطة محمد نجيب ثم شارع طلعت حرب", []),  # a station and a street
        ("परिजन: पुत्र विकास अग्रवाल", ["विकास अग्रवाल"]),  # Hindi
    ],
)
def test_listed_armenian_georgian_hebrew_arabic_and_hindi_names(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("山口 美咲 様\n\n受診予約のお知らせ", ["山口 美咲"]),
        ("氏名\u3000佐々木 美咲（ささき みさき）", ["佐々木 美咲", "ささき みさき"]),  # (its reading spells it too)
        ("37,高橋 健太,k.takahashi@example.jp", ["高橋 健太"]),
        ("担当は佐藤 部長です", ["佐藤"]),  # a job's title is no given name
    ],
)
def test_a_japanese_given_name_apart_after_a_listed_surname(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("የትውልድ ቀን፦ መጋቢት 12 ቀን 1976 ዓ.ም.", ["መጋቢት 12 ቀን 1976 ዓ.ም."]),  # Amharic, the Ethiopian calendar
        ("  3.NOWAK/FILIP MSTR(CHD/04JUN17)", ["04JUN17"]),  # a child's age code in a passenger list
        ("Petsa ng Kapanganakan: ika-5 ng Hunyo, 2006", ["ika-5 ng Hunyo, 2006"]),  # Tagalog
        ("על פי תאריך הלידה: 9 בינואר 1958", ["9 בינואר 1958"]),  # Hebrew, "in January"
        ("เด็กชายภูริ เกิด 14 ส.ค. 2564", ["14 ส.ค. 2564"]),  # Thai "born"
        ("เกิดอุบัติเหตุ 14 ครั้งในปี 2564", []),  # "an accident happened": no date after the word
    ],
)
def test_amharic_tagalog_hebrew_and_thai_birth_dates_and_a_childs_passenger_code(text, dates):
    assert spans(DateOfBirthRecognizer(), text) == dates


def test_a_thai_word_for_born_closes_the_name_before_it():
    assert spans(NameRecognizer(), "พร้อมด้วยบุตร คือ เด็กชายภูริ เกิด 14 ส.ค. 2564") == ["ภูริ"]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "Sehr geehrte Frau Kollegin Dr. Brunhilde Ostermeier,\nHauptstraße 14, 86438 Kissing\n\nwir berichten",
            "Hauptstraße 14, 86438 Kissing",  # "Dr." after a title is no street
        ),
        (
            "Teslimat: Bağdat Caddesi No: 341 D: 7, Suadiye, 34740 Kadıköy/İstanbul adresine",
            "Bağdat Caddesi No: 341 D: 7, Suadiye, 34740 Kadıköy/İstanbul",
        ),
        (
            "New home (from 1 Aug): Unit 6, The Palms, 22 Main Road, Claremont, Cape Town, 7708",
            "Unit 6, The Palms, 22 Main Road, Claremont, Cape Town, 7708",
        ),
        (
            "CALLER: Apartment 22, Block C, Gasworks, Barrow Street, Dublin 4, D04 K7W3.",
            "Apartment 22, Block C, Gasworks, Barrow Street, Dublin 4, D04 K7W3",
        ),
    ],
)
def test_a_title_is_no_street_a_turkish_neighbourhood_and_units_before_a_building(text, address):
    assert spans(AddressRecognizer(), text) == [address]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("宅配地址：臺北市大安區復興南路一段390號7樓之2", "臺北市大安區復興南路一段390號7樓之2"),
        (
            "收货信息：广西壮族自治区南宁市青秀区民族大道136-5号华润大厦C座2108室。",
            "广西壮族自治区南宁市青秀区民族大道136-5号华润大厦C座2108室",
        ),
        ("地址是南宁市良庆区五象大道401号五象航洋城3号楼1506，但", "南宁市良庆区五象大道401号五象航洋城3号楼1506"),
    ],
)
def test_a_chinese_road_section_a_floor_an_autonomous_region_and_a_numbered_building(text, address):
    assert spans(AddressRecognizer(), text) == [address]


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("我的生日是民國82年7月22日，系統上顯示", ["民國82年7月22日"]),  # Taiwan's Minguo year
        ('{"soyad": "Kaya", "dogum_tarihi": "1959-08-27"}', ["1959-08-27"]),  # a Turkish field's key
        ("τον κ. Παπαδόγιαννη, γεννηθέντα στις 14 Μαΐου 1987, ΑΜΚΑ", ["14 Μαΐου 1987"]),  # Greek participle
        ("Data de nasc.: 07/11/1994    Idade: 30 anos", ["07/11/1994"]),  # Portuguese abbreviation
        ("מבקשת להקדים את התור, ילידת 2.11.1988, שבוע 16", ["2.11.1988"]),  # Hebrew "born"
    ],
)
def test_a_minguo_year_a_turkish_key_a_greek_participle_and_more_birth_cues(text, dates):
    assert spans(DateOfBirthRecognizer(), text) == dates


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("ग्राहक: जी, मेरा मिक्सर टूटा हुआ आया है।\nएजेंट: आपका पूरा नाम बताइए।\nग्राहक: ठीक है\nएजेंट: धन्यवाद", []),
        ("Hasta Adı Soyadı: Ayşe Nur Karakaya", ["Ayşe Nur Karakaya"]),
        ("Mẫu thông tin người nhận: Nguyễn Văn A, SĐT 09xx xxx xxx", []),  # the Vietnamese form example
        ('{"ad": "Mehmet Emin", "soyad": "Yıldırım"}', ["Mehmet Emin", "Yıldırım"]),
        ("  action: EDIT_REQUESTED  mod=k.achterberg", ["k.achterberg"]),
        ("买家 覃秋菊（旺旺：qiuju_qin）5月9日下单", ["覃秋菊"]),
    ],
)
def test_hindi_chat_roles_turkish_name_labels_a_form_example_a_moderator_and_a_buyer(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('Claimant Rosalind Eckhart-Nuñez (goes by "Roz") came in', ["Rosalind Eckhart-Nuñez", "Roz"]),
        ('Mercher/Wed — Tadeusz Kowalczyk ("Tad") | +44 7519 338 420', ["Tadeusz Kowalczyk", "Tad"]),
        ("Name on card: SIOSAIA T FIFITA\nContact ph: 0433 918 270", ["SIOSAIA T FIFITA"]),
        ("Síniú / Signed: C. Ó Flatharta      Dáta / Date: 04/02/2025", ["C. Ó Flatharta"]),
        ("Trysorydd / Treasurer: Gwenllian Prydderch, 01559 362 471", ["Gwenllian Prydderch"]),
        (
            "3. Ato Dawit Alemu Haile — 0911 208 663\n4. W/ro Meseret Tadesse — lives in Virginia",
            ["Dawit Alemu Haile", "Meseret Tadesse"],
        ),
        ("Ja, niżej podpisana Halina Wróblewska z domu Nowakowska, urodzona", ["Halina Wróblewska", "Nowakowska"]),
        ("Subsemnatul Ciprian-Ionuț Dumitrescu, CNP 1840612125784", ["Ciprian-Ionuț Dumitrescu"]),
        ("您好，我叫陈美玲，出生日期1986年5月17日", ["陈美玲"]),
        ("Bel oom Frikkie op 082 774 2051 oor die koek.", ["Frikkie"]),
        ("[14:07] Otieno Ouma: Sawa, asante sana.", ["Otieno Ouma"]),  # "Ouma" a surname, no Afrikaans grandmother
        ("To: Aintín Peig; Col ceathracha (cousins)", ["Peig"]),
        (
            "الاسم رباعي: محمود عبد الرحمن السيد حجازي\nاسم الأم: فاطمة إبراهيم منصور",
            ["محمود عبد الرحمن السيد حجازي", "فاطمة إبراهيم منصور"],
        ),
        ("نام: مریم\nنام خانوادگی: رضایی\u200cنژاد\nنام پدر: غلامحسین", ["مریم", "رضایی\u200cنژاد", "غلامحسین"]),
    ],
)
def test_bracketed_nicknames_card_and_signature_keys_ethiopian_titles_maiden_names_and_parents(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text",
    [
        "[02/03/2025 21:14] Mam: Aisling the Radisson want the deposit\n[02/03/2025 21:22] Mam: Grand.",
        "[Call recording — Kirklees Council, Environmental Health noise line]",
        "Ward members for St Michael's and Darwin wards were notified.",
        "Jean-François Bélanger\nGestion Bélanger inc.",
        "a l'ermita de Sant Jaume de Queralt, i després farem el sopar a la Masia Can Pujades.",
        "23 d'abril, Diada de Sant Jordi. Festa Major de Sant Fèlix. La Colla Joves Xiquets de Valls.",
        "Scoil Cholmcille and Scoil Naomh Pádraig will hold their joint Confirmation",
        "want Capel Bethel to treat this. Neuadd Victoria. Gwobr Goffa Dewi Emrys; Tlws Coffa Ysgol Dewi Sant",
        "Coach background checks – Ramadan night league. Mahadsanid, and Ramadan Kariim to you.",
        "Parroċċa ta' Ħal Qormi, April 2025. mill-Każin sa Triq Dun Kalċidon Pace. Baile Átha Luain.",
    ],
)
def test_kin_speakers_councils_firms_saints_welsh_and_catalan_halls_and_ramadan_are_no_names(text):
    names = spans(NameRecognizer(), text)
    assert [n for n in names if n not in ("Jean-François Bélanger", "Aisling")] == []


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("va néixer el 13 de setembre de 1935 — així que", ["13 de setembre de 1935"]),  # Catalan
        ("ta' 83 sena, imwielda Ħaż-Żebbuġ fit-12 ta' Marzu 1941.", ["12 ta' Marzu 1941"]),  # Maltese
        ("Wiilkeyga waa Mustafe Xasan, wuxuu dhashay 9 Sebtembar 2012.", ["9 Sebtembar 2012"]),  # Somali
        ("sy is 14 Julie 1938 gebore, nie 1937 nie", ["14 Julie 1938"]),  # Afrikaans, the cue after
        ("Jaiotze data / Fecha de nacimiento: 2013ko martxoaren 9a", ["2013ko martxoaren 9a"]),  # Basque
        ("Ander Larrañaga Aizpurua, jaio zen 2015/11/28", ["2015/11/28"]),
        ("id,isem,kunjom,data_twelid\n104,Antoine,Camilleri,1967-05-30", ["1967-05-30"]),  # a Maltese column
    ],
)
def test_catalan_maltese_somali_afrikaans_and_basque_dates_of_birth(text, dates):
    assert spans(DateOfBirthRecognizer(), text) == dates


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "domiciliat în str. Observatorului nr. 104, bl. OS2, sc. B, ap. 27, 400363 Cluj-Napoca, telefon",
            "str. Observatorului nr. 104, bl. OS2, sc. B, ap. 27, 400363 Cluj-Napoca",
        ),
        (
            "imobilului situat în sat Gheorghieni nr. 212A, comuna Feleacu, jud. Cluj, înscris",
            "sat Gheorghieni nr. 212A, comuna Feleacu, jud. Cluj",
        ),
        (
            "Gestion Bélanger inc.\n1820, boul. Rosemont, bureau 200, Montréal (Québec) H2G 1S9",
            "1820, boul. Rosemont, bureau 200, Montréal (Québec) H2G 1S9",
        ),
    ],
)
def test_a_romanian_postcode_and_village_and_a_quebec_boulevard(text, address):
    assert spans(AddressRecognizer(), text) == [address]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("AGENT: environmental health, you're speaking to Callum. How can I help?", ["Callum"]),
        ("CALLER: It's Bernadette Okonkwo-Reilly.", ["Bernadette Okonkwo-Reilly"]),
        ("2024-05-14T08:21:02 web-01 INFO auth: login ok user=jtorres-vance src=10.1.1.1", ["jtorres-vance"]),
        ("-- imported by tnguyen on host 192.168.10.4", ["tnguyen"]),
        ("Sharma-ji at the pension office said; can u ask Vikas bhaiya to take papa", ["Sharma", "Vikas"]),
        ("[19:05] Hodan: Magaciisu waa Cabdiraxmaan Warsame Jaamac, dhalashada", ["Cabdiraxmaan Warsame Jaamac"]),
        ("Salaan Abdiwali,\n\nPlease send these two to the office", ["Abdiwali"]),
        ("2) Fartuun Abdulle — born March 2, 1989 — SSN 452-81-9934", ["Fartuun Abdulle"]),
        ("Sadwrn/Sat — Parch. Eurig Wyn + Cylch Meithrin helpers", ["Eurig Wyn"]),
        ("The Rolling Stones, born in London in 1962, played.", []),
    ],
)
def test_speaking_to_its_a_hyphenated_log_user_hindi_honorifics_somali_cues_and_a_name_before_born(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text",
    [
        "به اطلاع شهروندان محترم می\u200cرساند مهلت پرداخت عوارض نوسازی سال ۱۴۰۳",  # a Persian verb after a title
        "Character home in the Sir Wilfrid Laurier heritage area. The Earl Grey and Victoria sponge at the AGM.",
        "des del carrer de Pau Claris fins a la plaça de Francesc Macià; ofrena al monument a Rafael Casanova.",
        "id,isem,kunjom,indirizz,lokalita\n105,Marija Dolores,Xuereb,\"'Santa Marija', Triq Dun Karm\",In-Naxxar",
    ],
)
def test_a_persian_verb_a_heritage_area_a_cake_catalan_streets_and_a_saint_are_no_names(text):
    assert [n for n in spans(NameRecognizer(), text) if n not in ("Marija Dolores", "Xuereb")] == []


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "household at Lot 14, Kampung Sungai Tiang, 06300 Kuala Nerang, Kedah — head of household",
            "Lot 14, Kampung Sungai Tiang, 06300 Kuala Nerang, Kedah",
        ),
        ("kontak neef Deon, Posbus 218, Robertson, 6705, 082 447 3190", "Posbus 218, Robertson, 6705"),
        (
            "new one is B-204, Shanti Kunj Apartments, Plot 9, Sector 11, Dwarka, New Delhi 110075 right?",
            "B-204, Shanti Kunj Apartments, Plot 9, Sector 11, Dwarka, New Delhi 110075",
        ),
        (
            "Reposing at home — Teach Phádraig, Cill Chiaráin, Co. na Gaillimhe, H91 X6T3 — from 4pm",
            "Teach Phádraig, Cill Chiaráin, Co. na Gaillimhe, H91 X6T3",
        ),
        (
            "address still 14 Sráid an Droichid, Baile Átha Luain, Co. na hIarmhí N37 F6P2?",
            "14 Sráid an Droichid, Baile Átha Luain, Co. na hIarmhí N37 F6P2",
        ),
    ],
)
def test_a_malaysian_lot_an_afrikaans_po_box_an_indian_plot_and_irish_counties_with_their_article(text, address):
    assert spans(AddressRecognizer(), text) == [address]


@pytest.mark.parametrize(
    "text",
    [
        '{"address":{"postcode":"47300","city":"Petaling Jaya","state":"Selangor"},"tier":"gold"}',
        "Ihre Buchung für 2 Erwachsene und 2 Kinder ist verbindlich.\n> Die Kinder: sind 9 und 12.",
        "llegada a Madrid Puerta de Atocha. Hasta la Puerta de Alcalá y el Parque del Retiro (Palacio de Cristal).",
        "Vuelo de vuelta desde el Aeropuerto Adolfo Suárez Madrid-Barajas, T4, 21:05.",
        'İsteyen Hekim: (Kadın Hastalıkları ve Doğum). 7 gecelik "Deniz Manzaralı Aile Odası" ayırtmıştık.',
        "Centri: Fondazione Policlinico Universitario Agostino Gemelli IRCCS",
    ],
)
def test_a_city_field_german_nouns_spanish_gates_palaces_and_airports_turkish_wards_and_rooms_are_no_names(text):
    assert spans(NameRecognizer(), text) == []


def test_a_person_called_palacio_and_a_place_column_beside_a_name_column():
    assert spans(NameRecognizer(), "name,city,state\nAna Palacio,Austin,Texas") == ["Ana Palacio"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("  action: REJECT + SELLER_WARNING  mod=r.osei-bonsu", ["r.osei-bonsu"]),
        ("review rating=1 author=lindqvist.e ip=81.234.17.92", ["lindqvist.e"]),
        ("Entered in CTMS by: lpham on 10/14/2025", ["lpham"]),
        (
            '{"familyNameKana": "タカハシ", "firstNameKana": "ミサキ", "surname_at_birth": "Eze"}',
            ["タカハシ", "ミサキ", "Eze"],
        ),
        ("שם המטופלת: יעל בן־דוד\nאיש קשר: אבי בן־דוד (אח), 050-912-6630", ["יעל בן־דוד", "אבי בן־דוד"]),
        ("2024-10-01 09:00:01 INFO job running as deploy by=root", []),
    ],
)
def test_users_with_two_separators_a_surname_and_an_initial_by_keys_kana_keys_and_hebrew_maqaf(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "[14:02] Kund: Hej! Jag har flyttat.\n[14:03] Kund: Mikael Lindqvist-Haddad, 870412",
            ["Mikael Lindqvist-Haddad"],
        ),
        (
            "direba: Malam Audu Garba Rimi, waya 0806 441 2290. mahaifi: Alhaji Sani Danladi",
            ["Audu Garba Rimi", "Sani Danladi"],
        ),
        ("Dobrý den, paní Horáková,\noznamuji", ["Horáková"]),
        ("verscheen voor mij, mr. Pieter-Jan de Wit, notaris gevestigd te Zwolle", ["Pieter-Jan de Wit"]),
        ("Rajesh Kumar s/o Muthusamy <rajesh.kumar@ardentcap.com.sg>", ["Rajesh Kumar s/o Muthusamy"]),
        ("Lugupeetud Kaarel Tamm-Rebane\n\nLugupidamisega\nLiis Kukk\n", ["Kaarel Tamm-Rebane", "Liis Kukk"]),
        ("sshd[2894]: Connection closed by authenticating user t.nakamura 2001:db8::7 port 61188", ["t.nakamura"]),
        ("Fri Feb  9 01:14:22 2024 95.165.12.88:51944 VERIFY OK: depth=0, CN=a.petrov", ["a.petrov"]),
        ("Оператор: Оновлено. Ваш логін o.hnatiuk, тимчасовий пароль", ["o.hnatiuk"]),
        (
            "weekend handover: primary is @dmitri.sokolov, secondary @chiamaka. @here please ack",
            ["dmitri.sokolov", "chiamaka"],
        ),
        ("aishwarya.iyer.hr@gmail.com · linkedin.com/in/aishwarya-raman-iyer", ["aishwarya-raman-iyer"]),
        (
            "暫定対応：林さんが再起動。派遣社員 グエン・ヴァン・ドゥックさん。皆さん、お客様",
            ["林", "グエン・ヴァン・ドゥック"],
        ),
        ("お名前：佐々木 美穂 様\nフリガナ：ササキ ミホ", ["佐々木 美穂", "ササキ ミホ"]),
        ("Full name: Destiny Marisol Okonkwo-Reyes\nPreferred name: Des", ["Destiny Marisol Okonkwo-Reyes", "Des"]),
        ("1. Тегі: Жұмабаева\n   Аты: Ақерке\n   Әкесінің аты: Серікқызы", ["Жұмабаева", "Ақерке", "Серікқызы"]),
        ("Ngày sinh: 09/02/1995          Nơi sinh: Nam Định", []),  # a place of birth
        ("بيانات الطالبة\nالاسم الكامل: ريم خالد سعيد المنصوري", ["ريم خالد سعيد المنصوري"]),
        ("អ្នកដឹក: សួស្តីបង! ខ្ញុំឈ្មោះ ហេង វិចិត្រ អ្នកដឹកជញ្ជូនពី Chab Express។", ["ហេង វិចិត្រ"]),
        ("pupil_first,pupil_last,class,stop\nSaoirse,Ní Bhriain,3rd,Ballyvolane Cross", ["Saoirse", "Ní Bhriain"]),
    ],
)
def test_nordic_roles_hausa_titles_czech_and_dutch_titles_log_users_mentions_kana_and_form_keys(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("DNI/NIE: 47291836K\nFecha de nacimiento: 09-ene-1985\nEstado civil: casada", ["09-ene-1985"]),
        ("TTL: Surabaya, 17 Agustus 1993\nAlamat KTP: Jl. Raya Darmo", ["17 Agustus 1993"]),
        ("van der Meulen, geboren te Kampen op 12 maart 1958, wonende te Zwolle", ["12 maart 1958"]),
        ("personas kods 080779-10652, dzimusi 1979. gada 8. jūlijā, deklarētā", ["1979. gada 8. jūlijā"]),
        ("ATSAKOVAS: Aliaksandr Hrytsenka, gim. 1977-11-02 (asmens kodas nežinomas)", ["1977-11-02"]),
        ("21000 Нови Сад, рођеног 14. маја 1966. године, кога заступа", ["14. маја 1966. године"]),
        ("Júlio Armando Macuácua, nascido aos 9 de Abril de 2003, Escola", ["9 de Abril de 2003"]),
        ("   Туған күні: 1986 жылғы 12 наурыз\n", ["1986 жылғы 12 наурыз"]),
    ],
)
def test_spanish_compact_months_indonesian_ttl_dutch_latvian_lithuanian_serbian_portuguese_and_kazakh_births(
    text, dates
):
    assert spans(DateOfBirthRecognizer(), text) == dates


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Seljandi: Guðrún, kt. 040271-5389, Vallargötu 7, 230 Reykjanesbæ.", "Vallargötu 7, 230 Reykjanesbæ"),
        ("til heimilis að Hraunbæ 102, íbúð 0304, 110 Reykjavík.", "Hraunbæ 102, íbúð 0304, 110 Reykjavík"),
        ("deklarētā dzīvesvieta: Brīvības iela 118-24, Rīga, LV-1001, ar šo", "Brīvības iela 118-24, Rīga, LV-1001"),
        ("gyv. Žirmūnų g. 68-112, LT-09124 Vilnius\n", "Žirmūnų g. 68-112, LT-09124 Vilnius"),
        (
            "из Новог Сада, Булевар ослобођења 46/12, 21000 Нови Сад, рођеног",
            "Булевар ослобођења 46/12, 21000 Нови Сад",
        ),
        ("OIB: 71045592308, prebivalište Put Firula 12, 21000 Split (u daljnjem", "Put Firula 12, 21000 Split"),
        ("wohnhaft Hohenzollernring 48, 50672 Köln, ausgewiesen", "Hohenzollernring 48, 50672 Köln"),
        (
            "con domicilio en calle de Alcalá, número 214, piso 3.º, letra B, 28028 Madrid, con D.N.I.",
            "calle de Alcalá, número 214, piso 3.º, letra B, 28028 Madrid",
        ),
        (
            "Residência: Rua Comandante Gika, nº 45, Bairro Alvalade, Luanda\n\nObs",
            "Rua Comandante Gika, nº 45, Bairro Alvalade, Luanda",
        ),
        (
            "Mail it to C-12, Ashiana Co-op Hsg Soc, Sector 17, Vashi, Navi Mumbai 400703",
            "C-12, Ashiana Co-op Hsg Soc, Sector 17, Vashi, Navi Mumbai 400703",
        ),
        ("Ẹ jọ̀wọ́: No. 14B, Adeniyi Jones Avenue, Ikeja, Lagos. Nọ́mbà", "No. 14B, Adeniyi Jones Avenue, Ikeja, Lagos"),
        ("Hringbraut 121, 107 Reykjavík\nSími: +354 862 4410\nAdmitted 21", "Hringbraut 121, 107 Reykjavík"),
    ],
)
def test_icelandic_baltic_serbian_croatian_german_spanish_angolan_indian_and_nigerian_addresses(text, address):
    assert spans(AddressRecognizer(), text) == [address]


def test_a_firm_in_brackets_after_an_agents_name_is_no_name():
    assert "QuickNaira" not in spans(NameRecognizer(), "[09:15] Agent Tolu (QuickNaira): Good morning sir")


def test_a_projects_code_before_a_number_holds_no_street():
    assert spans(AddressRecognizer(), "2025-06-01,EMP-00511,Graduate,PRJ-2307 Collins St fit-out,Site survey") == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "DATOS DEL PRIMER TITULAR\nNombre: María del Carmen\n\nDATOS DEL SEGUNDO TITULAR\nNombre: Iñaki",
            ["María del Carmen", "Iñaki"],
        ),
        ("BOL #: 0074418822\nCarrier: Ridgeline Freight Lines (SCAC RDGL)\nTrailer: 53'\nCarrier: see above", []),
        ("RH : Raison du départ?\nEmployé : Honnêtement, la charge depuis la réorganisation.\nRH : Je comprends.", []),
        ("성명: 홍길동 (HONG GIL-DONG)\n생년월일: YYYY.MM.DD", []),  # the Korean form example, in Latin letters too
        ("អ្នកដឹក: សួស្តីបង!\nអតិថិជន: បាទ\nអ្នកដឹក: អរគុណ", []),  # a courier's role in Khmer
        ("Employee: Jürgen", ["Jürgen"]),
    ],
)
def test_name_labels_a_carrier_a_french_adverb_a_korean_placeholder_and_a_khmer_courier_are_no_speakers(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("24.03.2024                        О. Гнатюк", ["О. Гнатюк"]),  # one initial, a surname's ending
        ("Кеден инспекторы: Д. Ахметов, жеке нөмірі 0418", ["Д. Ахметов"]),
        ("Гимназия № 1567 имени М. Ломоносова", []),
        ("Tarikh: 19 Mei 2025\n\nEncik Muhammad Hafiz bin Abdul Rahman\n", ["Muhammad Hafiz bin Abdul Rahman"]),
        (
            "Ασφαλισμένος: Παπαδόπουλος Γεώργιος του Νικολάου\nΗμ. γέννησης: 17/02/1975",
            ["Παπαδόπουλος Γεώργιος του Νικολάου"],
        ),
    ],
)
def test_a_cyrillic_initial_and_surname_malay_titles_and_an_insured_key(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "Alamat? No. 27, Jalan Seri Kembangan 4/2, Taman Seri Kembangan Jaya, 43300 Seri Kembangan, Selangor",
            "No. 27, Jalan Seri Kembangan 4/2, Taman Seri Kembangan Jaya, 43300 Seri Kembangan, Selangor",
        ),
        (
            "  LOT 2417, JALAN PERUSAHAAN 3, KAWASAN PERINDUSTRIAN BERANANG, 43700 BERANANG, SELANGOR\n  MALAYSIA",
            "LOT 2417, JALAN PERUSAHAAN 3, KAWASAN PERINDUSTRIAN BERANANG, 43700 BERANANG, SELANGOR",
        ),
        ("  AL NOOR SPICES TRADING LLC, P.O. BOX 41873, DEIRA, DUBAI, U.A.E.", "P.O. BOX 41873, DEIRA, DUBAI"),
        ("訖點：106臺北市大安區復興南路二段151巷7號3樓\n里程：9.8 公里", "106臺北市大安區復興南路二段151巷7號3樓"),
    ],
)
def test_malaysian_jalan_addresses_a_po_box_in_capitals_and_a_taiwanese_lane_after_its_postcode(text, address):
    assert spans(AddressRecognizer(), text) == [address]


def test_time_at_an_address_is_no_address():
    text = "Postcode: G12 0QW\nTime at address: 2 yrs 9 mths\nPrevious address: 22 Thornbury Road, Glasgow G11 7PJ"
    assert spans(AddressRecognizer(), text) == ["G12 0QW", "22 Thornbury Road, Glasgow G11 7PJ"]


def test_a_date_of_birth_asked_for_in_a_statement_is_answered_on_the_next_line():
    text = "Agent: I need a date of birth for the ID check.\nCaller: Fourteenth of February, nineteen ninety-one.\n"
    assert spans(DateOfBirthRecognizer(), text) == ["Fourteenth of February, nineteen ninety-one"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Mobiles: 0412 739 058 (Priya), home (02) 9365 4127", ["Priya"]),  # a known given name after a phone
        ("Die Ware kam beschädigt an.", []),
        ("[10:42] Courier (Azlan): on my way\n[10:43] Customer: ok", ["Azlan"]),
    ],
)
def test_a_given_name_after_a_phone_german_ware_and_a_couriers_name_in_brackets(text, names):
    assert spans(NameRecognizer(), text) == names


def test_a_ukrainian_users_role_labels_a_speaker():
    text = "[09:42] Користувач: Гнатюк Олександра Василівна\n[09:43] Оператор: Дякую.\n[09:44] Користувач: +380 67 214"
    assert "Користувач" not in spans(NameRecognizer(), text)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # accented capitals, Spanish "DON"/"DOÑA" as titles, particles in capitals
        (
            "a favor de DON ÁLVARO SANZ DE LA FUENTE y DOÑA NEREA ETXEBERRIA ARANA, y de la Letrada DOÑA LUCÍA "
            "MONTAÑÉS GIL, colegiada",
            ["ÁLVARO SANZ DE LA FUENTE", "NEREA ETXEBERRIA ARANA", "LUCÍA MONTAÑÉS GIL"],
        ),
        ("COMPARECE\nDOÑA MARÍA DEL CARMEN ORTEGA VILLALOBOS, mayor de edad", ["MARÍA DEL CARMEN ORTEGA VILLALOBOS"]),
        ("Contact: MR JOHAN VAN DER WESTHUIZEN", ["JOHAN VAN DER WESTHUIZEN"]),
        # a title in capitals ends a run in capitals; a cue before it makes unknown words a name
        ("NOTIFY CONSIGNEE ON ARRIVAL. ALSO NOTIFY MRS FUNMILAYO ADEYEMI BY E-MAIL", ["FUNMILAYO ADEYEMI"]),
        ("TEL +852 2481 6730  ATTN MR LEUNG KA-WAI", ["LEUNG KA-WAI"]),
        ("Exam: MR KNEE LT WO CONTRAST", []),
        ("TRIBUNAL DE JUSTIÇA DO ESTADO DE SÃO PAULO", []),
        ("Examinee: DELA CRUZ-SANTOS, Ma. Cristina", ["DELA CRUZ-SANTOS, Ma"]),
        ("Passenger name: HASEGAWA/YUKIKO MRS          Flight: NH204", ["HASEGAWA/YUKIKO"]),
        # a function word in capitals parts the name from the words beside it
        ("0600 HRS\nRELIEVED BY JOEL ANTONIO", ["JOEL ANTONIO"]),
        ("NOTIFY PARTY: SAME AS CONSIGNEE - CONTACT NORHAYATI BINTI ABDUL RAHIM", ["NORHAYATI BINTI ABDUL RAHIM"]),
    ],
)
def test_names_in_capitals_with_accents_particles_and_titles(text, names):
    assert spans(NameRecognizer(), text) == names


COURT_LIST = """\
Bench: District Judge (Magistrates' Courts)   Legal adviser: Ms R. Bhattacharya

No  Defendant / Address                                   DOB          Offence
1   BRZOZOWSKI, Tomasz                                  03/11/1987   Drive whilst disqualified
    14 Abbey Road, Barking IG11 7AS
2   OKONKWO-HALL, Chinedu Marcus                        22/06/2001   Possess bladed article
3   McALLISTER, Siobhan                                 09/02/1979   Theft from shop
4   DA SILVA PEREIRA, João Vítor                        17/08/1995   Assault by beating
"""


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # a list's rows: number, surname in capitals, comma, given names; a column of names and addresses in one
        (
            COURT_LIST,
            [
                "R. Bhattacharya",
                "BRZOZOWSKI, Tomasz",
                "OKONKWO-HALL, Chinedu Marcus",
                "McALLISTER, Siobhan",
                "DA SILVA PEREIRA, João Vítor",
            ],
        ),
        ("CORAM: Her Ladyship Justice Efua Mensah-Arthur", ["Efua Mensah-Arthur"]),
        ("The Justice League met.", []),
        ("hearing 6/18/25 before IJ Okafor-Reyes. Draft declaration", ["IJ Okafor-Reyes"]),
        ("Ante mí, GONZALO ITURRIAGA BELMONTE, Notario del Ilustre Colegio de Madrid,", ["GONZALO ITURRIAGA BELMONTE"]),
        # a role, then the firm in one word with a capital inside, the name in brackets
        (
            "[10:42] Rider PantasXpress (Azlan): saya rider PantasXpress.\n[10:44] Customer: ok\n"
            "[10:45] Rider PantasXpress (Azlan): Betul cik.",
            ["Azlan", "Azlan"],
        ),
    ],
)
def test_court_lists_judges_notaries_and_a_riders_firm(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text",
    [
        "Kaimahi: Kia ora.\nKiritaki: Kia ora.\nKaimahi: Ka pai.\nKiritaki: Āe.",  # Māori: worker, customer
        "Khách: chào shop\nShop: dạ chào chị\nKhách: giao giờ hành chính giúp c\nKhách: cảm ơn",
        "ลูกค้า: สวัสดีค่ะ\nแอดมิน: ขออภัยค่ะ\nลูกค้า: ค่ะ\nแอดมิน: รับทราบค่ะ",
    ],
)
def test_maori_vietnamese_and_thai_roles_are_no_speakers_names(text):
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "PART B – TRAVEL COMPANIONS\n1. Whitfield, Thomas J.   DOB 11/03/1965\n"
            "2. Okafor, Chidinma   DOB 07/19/1990",
            ["Whitfield, Thomas J", "Okafor, Chidinma"],
        ),
        (
            "No. | Din (Name) | Awoda (DOB)\n14 | Owusu-Ansah, Kwame Asiedu | 04/06/1969\n"
            "15 | Boateng, Akosua Gifty | 23-11-1975",
            ["Owusu-Ansah, Kwame Asiedu", "Boateng, Akosua Gifty"],
        ),
        ("Contents\n1. Introduction, Overview   page 2\n2. Methods, Results   page 9", []),
        # a key's note in brackets before its colon
        ("Legal name (Last, First Middle): Delgado-Whitfield, Marcus Anthony", ["Delgado-Whitfield, Marcus Anthony"]),
    ],
)
def test_list_rows_surname_first_and_a_keys_note_in_brackets(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Dáta breithe: 3 Bealtaine 1960\nSeoladh: Teach na Coille", "3 Bealtaine 1960"),  # Irish
        ("Céile: Máire Uí Shúilleabháin, dáta breithe 22/11/1962", "22/11/1962"),
        ("ਨਾਂ ਸਿਮਰਨਜੀਤ ਕੌਰ ਗਿੱਲ, ਜਨਮ ਮਿਤੀ 23-08-1999। ਪੱਕਾ ਪਤਾ", "23-08-1999"),  # Punjabi
        ("Usuku lwami lokuzalwa ngu-19/06/1974. Ikheli lami elisha", "19/06/1974"),  # Zulu
        ("3. Saturnino Apaza — paqarisqan: 23/11/1965 — DNI 24417703", "23/11/1965"),  # Quechua
        ("Ծննդյան ամսաթիվ՝ 12.04.2015", "12.04.2015"),  # Armenian, its own colon
        ("また、2024年6月にチャン・ティ・ラン（1997年11月2日生）と婚姻し", "1997年11月2日"),  # Japanese, "born" after
        ("・中村 恵さん 掲載希望（昭和45年5月9日生）", "昭和45年5月9日"),
        ("No. | Din (Name) | Awoda (DOB)\n14 | Owusu-Ansah, Kwame | 04/06/1969", "04/06/1969"),  # a key in brackets
    ],
)
def test_irish_punjabi_zulu_quechua_armenian_and_japanese_births_and_a_birth_key_in_brackets(text, date):
    assert spans(DateOfBirthRecognizer(), text) == [date]


def test_a_japanese_date_in_brackets_without_born_is_no_birth():
    assert spans(DateOfBirthRecognizer(), "先生（2024年4月1日着任）の紹介") == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # spelled after "that's" (its "s" no letter of the spelling); "hyphen", "space" said between the letters
        ("CALLER: Siddharth — that's S-I-D-D-H-A-R-T-H — thanks", ["Siddharth", "S-I-D-D-H-A-R-T-H"]),
        (
            "AGENT: Could you spell the surname?\nCALLER: P-R-Y-C-E, hyphen, D-A-V-I-E-S.",
            ["P-R-Y-C-E, hyphen, D-A-V-I-E-S"],
        ),
        (
            "Ko Hinemoa Te Rangi-Walker ahau.\nKiritaki: T, E, space, R, A, N, G, I, hyphen, W, A, L, K, E, R.",
            ["T, E, space, R, A, N, G, I, hyphen, W, A, L, K, E, R"],  # (said before in two words)
        ),
        ("AGENT: The booking reference?\nCALLER: It's Q-K-seven-R-four-M.", []),  # a code, letters and words
        # Thai "คุณ" (Khun) glued to the name; not before a kin word
        ("10:15 คุณพิมพ์ชนก: ชื่อ\n10:21 แอดมิน: ได้รับแล้วค่ะ คุณพิมพ์ชนก 🙏 เที่ยวบิน", ["พิมพ์ชนก", "พิมพ์ชนก"]),
        ("ขอบคุณค่ะ คุณแม่ของน้องมาแล้ว", []),
        # a Japanese list's bullet; the first ending in a word ends the name
        ("・田中 美穂さん（旧姓 小林）ご住所変更\n・中村 恵さん 会報", ["田中 美穂", "中村 恵"]),
        ("恩師の山口先生も今年はご出席の予定です。", ["山口"]),
        # log users: a queue's owner, accel-ppp's session, German "Erfasst", "verified_by", a second account
        ("Escalation: L2 queue, owner jkaur.", ["jkaur"]),
        ("accel-ppp[998]: ppp412: mkowalczyk: session started, ip 100.64.12.4", ["mkowalczyk"]),
        ("Erfasst: lbrunner / 18.02.2025 11:42", ["lbrunner"]),
        ('qty=30 sig="1 TAB PO QD" verified_by=jpellegrino ws=host', ["jpellegrino"]),
        ("ts,user,event\n2025-01-30T09:30:10,kpatel4,CALL_NOTE", ["kpatel4"]),
    ],
)
def test_spelled_names_thai_khun_japanese_bullets_and_more_log_users(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text",
    [
        "Senior Service Engineer at Lakshmi Precision Tools Pvt. Ltd., to visit our plant",
        "IMEI kayıt durumu (Şube: Bağdat Caddesi / Suadiye)",
        "CALLER: Tŷ Gwyn, three Heol-y-Felin, Trallwn, Pontypridd",
        "Bitte als JSON, leere Felder als null. Keine Felder weglassen.",
        "[Call log — Masjid Al-Noor, Sparkbrook — nikah bookings]",
        "Pasiënt: Bliksem, Jack Russell-terriër, reun, gebore 2017",
        "NOTIFICADOR\nFarmacia San Rafael, Av. Reforma 1903",
        "PARROCCHIA DI SANTA MARIA DELLA SANITÀ — NAPOLI",
        "OFFICE: Do you know his date of birth?\nCALLER: Erm, I think it's the twenty-first",
        "العميل: السلام عليكم، طلبي رقم NX-5520193 للحين ما وصل\nالعميل: لا والله، نقلت من شهرين.",
    ],
)
def test_firms_streets_houses_mosques_parishes_a_dog_breed_fillers_and_arabic_sentences_are_no_names(text):
    assert spans(NameRecognizer(), text) == []


def test_an_arabic_speakers_name_after_the_label_stays_a_name():
    text = "المسعف: ماجد العتيبي — للتواصل مع ابن المريض: +966 50 771 2093"
    assert spans(NameRecognizer(), text) == ["ماجد العتيبي"]


# Round 25 (session 40): held-out 26's chat exports and forms.
@pytest.mark.parametrize(
    ("text", "sender"),
    [
        # a bare time before the label, with the day's half in Korean; the date and time in brackets after it
        ("오후 2:16 윤서아: 네 안녕하세요\n오후 2:17 한지우: 감사합니다\n오후 2:21 윤서아: 보내드릴게요", "윤서아"),
        ("09:12 Mussa: Shikamoo.\n09:40 Rehema: Marahaba.\n09:52 Mussa: Samahani.", "Mussa"),
        (
            "Немања Стојковић (09.01.2025. 20:14): Добро вече\nВи (09.01.2025. 20:20): Доступан је.\n"
            "Немања Стојковић (09.01.2025. 20:22): Може.",
            "Немања Стојковић",
        ),
        # a role of two words and a dash before the name
        (
            "[06/05/25, 21:14] Supervisor Syif - Faizal: Jadual\n[06/05/25, 21:16] Kumaresan: Boss\n"
            "[06/05/25, 21:18] Supervisor Syif - Faizal: Ok",
            "Faizal",
        ),
    ],
)
def test_chat_senders_after_a_bare_time_before_a_bracketed_time_or_after_a_two_word_role(text, sender):
    found = spans(NameRecognizer(), text)
    assert found.count(sender) == 2
    assert "Ви" not in found  # the export's "you"


def test_a_thai_title_glued_to_a_sender_and_a_firm_behind_a_role_word():
    text = (
        "10:02 แอดมิน Sakura Tour: สวัสดีค่ะ\n10:15 คุณพิมพ์ชนก: ค่ะ\n10:17 คุณพิมพ์ชนก: ของคุณแม่ด้วยนะคะ\n"
        "10:21 แอดมิน Sakura Tour: ได้รับแล้วค่ะ"
    )
    assert spans(NameRecognizer(), text) == ["พิมพ์ชนก", "พิมพ์ชนก"]


def test_a_forms_labels_on_two_records_are_no_speakers():
    text = (
        "SÕIDUK A\nJuht: Kristjan Tamm\nIsikukood: 38605120237\nTelefon: +372 5341 8802\nSõiduk: Škoda Octavia\n\n"
        "SÕIDUK B\nJuht: Olga Vassiljeva\nIsikukood: 48911230318\nTelefon: 5628 1944\nSõiduk: Toyota RAV4\n"
    )
    found = spans(NameRecognizer(), text)
    assert not {"Juht", "Isikukood", "Telefon", "Sõiduk"} & set(found) and "Kristjan Tamm" in found


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "#7 from Flat 3, 29 Kenley Road, Kingston upon Thames KT1 3RP — chaperone",
            "Flat 3, 29 Kenley Road, Kingston upon Thames KT1 3RP",
        ),
        (
            "Bydliště: Zborovská 664/5, 751 31 Lipník nad Bečvou\nTelefon: 1",
            "Zborovská 664/5, 751 31 Lipník nad Bečvou",
        ),
    ],
)
def test_a_town_with_a_lower_case_word_inside_its_name(text, address):
    assert spans(AddressRecognizer(), text) == [address]


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("Ranar haihuwa: 3 ga Nuwamba, 1981\nLambar NIN: 48120937716", "3 ga Nuwamba, 1981"),
        ("Ako po si Rodel, ipinanganak noong Marso 3, 1985, taga-Iloilo.", "Marso 3, 1985"),
        ("Samahani. Nimezaliwa 12/05/1988. Anwani ni S.L.P. 1214, Mwanza.", "12/05/1988"),
        ('"Zdravo, zovem se Milica, rođena sam 17. aprila 1993. u Kragujevcu."', "17. aprila 1993"),
        ("Lastnica: Marjeta Kovačič Zupan, roj. 11. 6. 1962, tel. 041 287 556", "11. 6. 1962"),
        ("بەرواری لەدایکبوون: ١٤/٠٧/١٩٩٥\nژمارە", "١٤/٠٧/١٩٩٥"),
        ("Төрсөн он, сар, өдөр: 1993 оны 11 сарын 02\nРегистр", "1993 оны 11 сарын 02"),
        ("Karimova Dilnoza (tug'ilgan sanasi: 1991-yil 5-mart) berildi", "1991-yil 5-mart"),
    ],
)
def test_birth_cues_and_date_forms_in_hausa_tagalog_swahili_serbian_slovene_kurdish_mongolian_uzbek(text, date):
    assert spans(DateOfBirthRecognizer(), text) == [date]


@pytest.mark.parametrize(
    "text",
    [
        "LA-25-01894 | 07.05 Lennart Meri lennujaam | Kohver, sinine",
        "04:01:30 A2 Haaglanden 15165 Rit 103344 Van Stolkweg 's-Gravenhage",
        "Afspraak op de Rembrandtstraat om tien uur.",
    ],
)
def test_an_airport_named_after_a_person_in_estonian_and_a_dutch_street_are_no_names(text):
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("my flatmate shares wifi. my real name is Nadiia Petrenko, check my insta", ["Nadiia Petrenko"]),
        ("stariji gospodin rekao mi je da se zove Zdravko i da je sve snimio.", ["Zdravko"]),
        ("Супер. Брат се зове Лука, број му је 1", ["Лука"]),
        ("Mijn buurman, Kees Oosterhuis, woonachtig op de hoek", ["Kees Oosterhuis"]),
        ("中文姓名：林怡君\u3000\u3000英文姓名：LIN, YI-CHUN\n身分證字號：R224718093", ["林怡君", "LIN, YI-CHUN"]),
        ("Ushbu ma'lumotnoma Karimova Dilnoza Rustamovnaga berildi", ["Karimova Dilnoza Rustamovna"]),
        ("Caller: BEAUREGARD, DENISE   Callback: (970) 682-4415", ["BEAUREGARD, DENISE"]),
        ("VEH 2 DRIVER OYELARAN-BROOKS, DEVONTE DOB 03/09/2004 SIGNED REFUSAL", ["OYELARAN-BROOKS, DEVONTE"]),
        ("Customer: ACME, INC\nCUSTOMER SERVICE, LONDON office", []),
    ],
)
def test_more_introductions_a_neighbour_chinese_name_keys_a_latin_patronymic_and_a_dispatch_logs_names(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "Ako po si Rodel Villanueva Dumaguing. Kasama ko ang pamangkin kong si Jomar, at asawa ko na si Marites.",
            ["Rodel Villanueva Dumaguing", "Jomar", "Marites"],
        ),
        ("Pregunta si Madrid tiene vuelos, si Dios quiere.", []),  # Spanish "si" is "if"
        ("Dane pracownika:\nTkachuk Oleksandr, ur. 3 marca 1994, obywatelstwo ukraińskie", ["Tkachuk Oleksandr"]),
        ("Please pay the account holder Nkemdirim Obiajulu-Fenske today.", ["Nkemdirim Obiajulu-Fenske"]),
        ("Rolls-Royce umbrella holder\nPicker to scan each bay", []),  # a holder on the line before
    ],
)
def test_tagalogs_person_particle_and_a_name_before_an_abbreviated_born(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Anwani ni S.L.P. 1214, Mwanza (nyumbani ni Kayenze Ndogo)", "S.L.P. 1214, Mwanza"),  # Swahili's P.O. Box
        (
            "Živim na adresi Bulevar kralja Aleksandra 211, stan 14, 11000 Beograd. Šaljem",
            "Bulevar kralja Aleksandra 211, stan 14, 11000 Beograd",
        ),
        (
            "Productor: Calle Morelos número 27, ejido La Soledad, Huandacareo, Michoacán, es la casa",
            "Calle Morelos número 27, ejido La Soledad, Huandacareo, Michoacán",
        ),
        (
            "recolhida em Av. Julius Nyerere, n.º 1420, r/c, Bairro da Polana Cimento, Maputo, de segunda",
            "Av. Julius Nyerere, n.º 1420, r/c, Bairro da Polana Cimento, Maputo",
        ),
    ],
)
def test_a_swahili_po_box_a_serbian_boulevard_a_spanish_number_word_and_ejido_and_a_portuguese_ground_floor(
    text, address
):
    assert spans(AddressRecognizer(), text) == [address]


@pytest.mark.parametrize(
    "text",
    [
        # a form's key on two lines ("氏名（漢字）", "氏名（カナ）") makes no chat of its other keys
        "申込書\n記入日：2025年1月9日\n氏名（漢字）：\n氏名（カナ）：\n性別：女\n携帯電話：\n車名：フィット\n型式：X",
        # an Arabic interview's role labels, two words each
        "رقم الملف: 55-210\nالموظفة: ما اسمك؟\nمقدم الطلب: نعم\nالموظفة: شكراً\nمقدم الطلب: العفو\n"
        "المترجم: للتوضيح، يقصد أنها مريضة",
        # a Spanish call's "Llamante" (the caller)
        "Agente: Buenos días.\nLlamante: Hola, buenos días.\nAgente: ¿Dígame?\nLlamante: Es sobre mi embarque.",
        # a YAML list's keys under its items: a key twice is no speaker
        "piket:\n  - naam: onbekend\n    talen: [ar, fr]\n  - naam: onbekend\n    talen: [ti, am]\n",
    ],
)
def test_form_keys_arabic_and_spanish_role_labels_and_yaml_keys_are_no_chat_senders(text):
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("①森 奈々です\n②平成11年3月8日生まれです\n③母の番号", "平成11年3月8日"),  # Japanese "born" after the date
        ("【子】森 一郎　昭和45年6月1日生\n　住所", "昭和45年6月1日"),
        ("氏名　森 一郎\n【生年月日】昭和20年1月7日\n【死亡】", "昭和20年1月7日"),  # a bracketed key, no colon
        ("동생 이서준 (2019.04.02생) – 재원 중", "2019.04.02"),  # Korean "born" in brackets after the date
        ("Орлов Павел Ильич, д.р. 14.03.2007. Полис", "14.03.2007"),  # Russian "д.р."
        ("Справка выдана Орлову П. И., родившемуся 3 марта 1981 года, в том", "3 марта 1981 года"),
        ("Дата рождения Ксении — 01.06.2018.", "01.06.2018"),  # a name between the cue and a dash
        ("Yabancı: X — d.t. 05.05.1990 (Şam), baba adı", "05.05.1990"),  # Turkish "d.t."
        ("Doğum Tarihi / Yeri: 02.02.1975 / Konya", "02.02.1975"),  # "date / place of birth"
        ("Yung birthday ko po ay ika-9 ng Mayo 1988, salamat", "ika-9 ng Mayo 1988"),  # Tagalog "ay"
        ("مقدم الطلب: مواليد ٢ شباط ١٩٩١، دمشق", "٢ شباط ١٩٩١"),  # the Levant's month names
        ("मेरे पुत्र (जन्म 11-02-1980) को", "11-02-1980"),  # Hindi "birth" before a date
        ("Data urodzenia: 4 XI 2012\nPESEL", "4 XI 2012"),  # a Roman month between spaces
        ('update id=77 field=birthdate old=null new="1979-09-30"', "1979-09-30"),  # a log's change of the field
    ],
)
def test_birth_marks_after_the_date_russian_turkish_hindi_cues_levantine_months_and_a_logs_new_value(text, date):
    assert spans(DateOfBirthRecognizer(), text) == [date]


@pytest.mark.parametrize(
    "text",
    [
        "2024年4月1日生効の規約",  # "生" opening another word: no birth
        "第3学年 2023年9月1日生活記録",
        "Hotel d.t. Lisboa, 2 rooms",  # "d.t." with no date after it
        "Ticket 12 IX 2013-B",  # not after a cue
    ],
)
def test_no_birth_date_without_its_mark(text):
    assert spans(DateOfBirthRecognizer(), text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("اسم الرياضي: ليلى عمر الزعابي\nالرياضة: السباحة", ["ليلى عمر الزعابي"]),  # the athlete's name
        ("المدرب: سامي نجار – +971 50 111 2233", ["سامي نجار"]),  # a coach's name, a dash and a phone after it
        ("١- الزوجة: هدى علي حسن\n٢- الابن: كريم سعيد منصور", ["هدى علي حسن", "كريم سعيد منصور"]),  # heirs
        ("खिलाड़ी: कबीर सिंह चौहान\nटीम: अंडर-17", ["कबीर सिंह चौहान"]),  # a player
        ("निष्पादक: एडवोकेट राजीव मेहता, मो. 98290", ["राजीव मेहता"]),  # an executor, the advocate's title out
        ('  - tolk: "Selam Tesfaye"\n    iban: "NL00"', ["Selam Tesfaye"]),  # a Dutch interpreter
        ("Yabancı: AL-SAYED, Karim — YKN 99 — d.t. 1990", ["AL-SAYED, Karim"]),  # a foreigner, surname first
        ("PL00 0000, właściciel: Ihor Bondar.", ["Ihor Bondar"]),  # an account's owner
        ("שם הנפטר: משה בן-חיים\nתאריך", ["משה בן-חיים"]),  # the deceased's name
        ("Kontoinhaberin: Halyna Marchuk   IBAN: DE00", ["Halyna Marchuk"]),  # a holder's key with its colon
        ("Kontoinhaberin: Yilmaz & Roth Architekten PartG mbB\nIBAN", []),  # a firm of architects
        ("Szanowna Pani Bożeno,\nprzesyłam", ["Bożeno"]),  # Polish "Mrs" before a vocative
        ("opieka nad Panem Helmutem Krügerem, zamieszkałym", ["Helmutem Krügerem"]),
        ("Αξιότιμε κύριε Γεωργίου,\nΣας", ["Γεωργίου"]),  # Greek "Mr" before a name
        ("néhai Tóth Istvánné ügyében", ["Tóth Istvánné"]),  # a Hungarian wife named by her husband's name
        ("Ojciec Józef, matka Zofia z d. Kowal.", ["Józef", "Zofia", "Kowal"]),  # kin and "z domu" abbreviated
        ("Madame Jeanne LEFORT, née MARCHAND", ["Jeanne LEFORT", "MARCHAND"]),
        ("Monsieur le Directeur de l'Office,", []),  # an office, no name
        ("« Monsieur Pélican ne dort jamais » — album", []),  # a book's title
    ],
)
def test_role_keys_in_arabic_hindi_dutch_turkish_polish_hebrew_and_forms_of_address(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # a Japanese title written on to a sender's surname
        (
            "09:01 中村トレーナー: おはようございます\n09:03 小林 彩花: はい\n09:05 中村トレーナー: では明日",
            ["中村", "小林 彩花", "中村"],
        ),
        # a kin word after a Korean sender's name
        ("[오후 1:02] 서연: 오빠 왔어?\n[오후 1:03] 도윤 오빠: 응\n[오후 1:04] 서연: ㅇㅋ", ["서연", "도윤", "서연"]),
        # an initial after a sender's name
        (
            "[10:01] Ольга П.: Привет\n[10:02] Игорь Ким: ок\n[10:03] Ольга П.: да",
            ["Ольга П.", "Игорь Ким", "Ольга П."],
        ),
        # a customer's label ("お客様") is no surname
        ("お客様: 予約したい\n店員: はい\nお客様: 明日で", []),
    ],
)
def test_chat_senders_with_a_title_a_kin_word_or_an_initial_after_the_name(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Bostedsadresse: Storgaten 12, 0155 Oslo\nMobil", "Storgaten 12, 0155 Oslo"),  # a compound key, "-gaten"
        ("Lieferadresse: Hauptweg 3, 3000 Bern", "Hauptweg 3, 3000 Bern"),
        ("العنوان السكني (مكان الإقامة): فيلا 4، شارع 12، ص.ب. 1100، العين", "فيلا 4، شارع 12، ص.ب. 1100، العين"),
        ("العنوان البريدي: ص.ب ٤٤٠، الرمز البريدي ١١١، مسقط", "ص.ب ٤٤٠، الرمز البريدي ١١١، مسقط"),  # postal
        ("آخر محل إقامة: ٩ شارع النيل، الجيزة ١٢٥١١", "٩ شارع النيل، الجيزة ١٢٥١١"),  # last residence
        ("Προς:\nκ. Νίκο Ιωάννου\nΛεωφ. Συγγρού 140\n176 71 Καλλιθέα\n", "Λεωφ. Συγγρού 140\n176 71 Καλλιθέα"),
        ("Οδός Ερμού 25, Διαμ. 3\n105 63 Αθήνα", "Οδός Ερμού 25, Διαμ. 3\n105 63 Αθήνα"),  # a flat, a line break
        ("adresem Am Weiher 2, 91541 Rothenburg ob der Tauber, z", "Am Weiher 2, 91541 Rothenburg ob der Tauber"),
    ],
)
def test_address_keys_compounds_arabic_postal_and_residence_greek_over_lines_and_a_town_ob_der(text, address):
    assert spans(AddressRecognizer(), text) == [address]


@pytest.mark.parametrize(
    "text",
    [
        "Time at address / Tiempo en domicilio: 6 años 2 meses",  # a duration under a bilingual key
        "E-Mail-Adresse: 12 Briefe, 3 Antworten",  # an e-mail's address key
        "البريد الإلكتروني: 12 رسالة، 3 ردود، 4 أيام",
    ],
)
def test_durations_and_e_mail_keys_hold_no_address(text):
    assert spans(AddressRecognizer(), text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Fartøy: M/T «Ingrid Solberg»    IMO-nr.: 9000000", []),  # a ship in guillemets
        ("Navire « Paul Ricard »  Type 60", []),
        ("Ankunft über den Flughafen „Willy Brandt“ oder", []),  # an airport in German quotes
        ("IBAN DE00 → neu, Kontoinhaber „K. Brandes“\n10:53", ["K. Brandes"]),  # a holder's name quoted
    ],
)
def test_a_run_in_guillemets_or_german_quotes_names_a_thing_unless_a_holder_is_cued(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('INFO door=GATE-4 badge=0041 holder="ABIODUN, Kemi" role=RAMP', ["ABIODUN, Kemi"]),  # a badge's holder
        ('match source=CENSUS person="Hale, Edna M" age=9 head="Hale, Rufus"', ["Hale, Edna M", "Hale, Rufus"]),
        ("Head: 5 cm laceration, sutured.\nPerson: unknown at this time", []),  # a form's words, no keys of names
        ("チャン・ティ・ホア 様\n\nいつもお世話になっております。", ["チャン・ティ・ホア"]),  # a space before 様
    ],
)
def test_log_keys_of_a_holder_a_person_and_a_household_head_and_a_katakana_name_before_a_spaced_honorific(text, names):
    assert spans(NameRecognizer(), text) == names


def test_a_genealogy_logs_new_birth_date():
    text = 'update id=I0042 field=BIRT.DATE old="3 JUN 1902" new="3 JUN 1901" by=77'
    assert spans(DateOfBirthRecognizer(), text) == ["3 JUN 1901"]


@pytest.mark.parametrize(
    "text",
    [
        # a Swahili call's agent and caller
        "Wakala: Habari za mchana.\nMpigaji: Habari.\nWakala: Nikusaidie nini?\nMpigaji: Nataka kuchangia.",
        # a Vietnamese mail's header keys and a ticket's issue key
        "Từ: <datcho@hoasenwedding.vn>\nNgày: 05/03/2025\nTiêu đề: Xác nhận báo giá\nVấn đề: nạp gói",
        # a Korean greeting after a customer's label
        "고객: 안녕하세요, 견적 문의드려요\n상담원: 안녕하세요 고객님",
    ],
)
def test_swahili_role_labels_vietnamese_header_keys_and_a_korean_greeting_name_no_one(text):
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # Minecraft's server log: players whose names read as people's, not a nickname
        (
            "[18:03:40] [User Authenticator #1/INFO]: UUID of player Kasimir_Nowak is 6b1e2f0a-93c4-4d7e-8a51\n"
            "[18:05:03] [Server thread/INFO]: LotteVanDam[/84.26.139.251:49870] logged in with entity id 301\n"
            "[18:06:15] [Server thread/INFO]: <LotteVanDam> see you at the build\n"
            "[18:09:27] [Server thread/INFO]: CreeperHugger99[/10.0.0.7:60214] logged in with entity id 355\n"
            "[18:10:02] [Server thread/INFO]: Disconnecting tomasz_wr (/83.24.151.203:51822): not white-listed",
            ["Kasimir_Nowak", "LotteVanDam", "LotteVanDam", "tomasz_wr"],
        ),
        # a counsellor's nickname in brackets after the role, behind a bare time
        (
            "22:41 相談員(ハル):こんばんは。\n22:42 利用者:はい\n22:43 相談員(ハル):どうぞ\n22:44 利用者:うん",
            ["ハル"] * 2,
        ),
        # a surname and a given name the lists lack, apart, before an honorific; not a kin word in the surname's place
        (
            "5. 新郎親族　佐伯 茂 様　〒920-0961\n2. 新婦恩師　金城 さくら 先生\n長男 正樹 様",
            ["佐伯 茂", "金城 さくら"],
        ),
        ("Mpigaji: Naitwa Wanjiru Kamau. Nataka kuchangia.", ["Wanjiru Kamau"]),  # "I am called"
    ],
)
def test_game_players_a_role_and_a_bracketed_nickname_japanese_names_before_honorifics_and_naitwa(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        ("3. 김민준 – 3학년, 2003.04.17생, 010-4827-1930\n4. 최하늘 – 06.01.23생, 연락처", ["2003.04.17", "06.01.23"]),
        ("kızım Elif Nur Aksoy'un (9 Nisan 2008 doğumlu, T.C. Kimlik No: 31840)", ["9 Nisan 2008"]),  # "born" after
        ("Σταυρούλα του Δημητρίου, γεννήθηκα στις 22/7/1956 και κατοικώ", ["22/7/1956"]),  # "I was born"
        ('INFO nome="Ana" email=ana@uol.com.br nasc=21/03/1988 titulo=0412\nINFO nasc=1961-10-04 ip=1.2.3.4',
         ["21/03/1988", "1961-10-04"]),  # a Portuguese log's key
    ],
)  # fmt: skip
def test_korean_and_turkish_born_after_the_date_greek_i_was_born_and_a_logs_nasc_key(text, dates):
    assert spans(DateOfBirthRecognizer(), text) == dates


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Klant: DE VRIES, Sanne\nAdres: Vughterweg 118 B", ["DE VRIES, Sanne"]),  # a particle in capitals
        ("id;naam;geboortedatum\n10231;de Vries, Sanne;1988-02-11\n10232;Bakker, Tom;1990-01-01",
         ["de Vries, Sanne", "Bakker, Tom"]),  # a particle before a table's name cell
    ],
)  # fmt: skip
def test_a_surname_first_with_its_particle_in_a_field_and_in_a_tables_name_column(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "thing"),
    [
        ("[21:15] Schlüsseldienst Kreuzberg 24h: Guten Abend!", "Schlüsseldienst Kreuzberg"),  # a trade opening it
        ("Thanks for calling Lone Star Movers, how can I help?", "Lone Star Movers"),  # a trade closing it
        ("PHIẾU KHÁM RĂNG — Nha khoa Hoàng Gia (Chi nhánh Đống Đa)", "Hoàng Gia"),  # Vietnamese "dental clinic"
        ("- Thời gian: 18 giờ, sảnh Sen Vàng", "Sen Vàng"),  # "hall"
        ("Kho lạnh số 3 (gần cầu Nguyễn Văn Cừ)", "Nguyễn Văn Cừ"),  # "bridge"
    ],
)
def test_trades_and_vietnamese_places_named_after_people_are_no_names(text, thing):
    assert spans(NameRecognizer(), text) == []
    if not thing.endswith("Movers"):  # a head noun before the name: the tagger's span is vetoed too
        start = text.index(thing)
        assert not_a_name(text, start, start + len(thing))


def test_a_german_firms_own_fitter_before_a_name_is_no_part_of_it():
    assert spans(NameRecognizer(), "Unser Monteur Dariusz kommt gegen 21:45 Uhr.") == ["Dariusz"]


@pytest.mark.parametrize(
    "text",
    [
        "Администратор: Клиника «Лаура», здравствуйте.\nКлиент: Здравствуйте.\nАдминистратор: Слушаю.\n"
        "Клиент: Хочу записаться.",  # Russian roles
        "상담실장: 안녕하세요 고객님\n고객: 네 예약 문의요\n상담실장: 10시 30분 가능합니다.",  # Korean counsellor
        "उपयोगकर्ता: मेरी राइड रद्द हुई\nसपोर्ट: मैं देखती हूँ\nउपयोगकर्ता: धन्यवाद\nसपोर्ट: स्वागत है",  # user, support
        "المتصل: مرحبا\nالموظفة: أهلاً، كيف أساعدك؟\nالمتصل: بدي أسأل عن التسجيل",  # the caller
    ],
)
def test_role_words_of_russian_korean_hindi_and_arabic_transcripts_label_no_one(text):
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Chị xin nghỉ thứ Hai để đưa con đi học.", []),  # "để" opens with a small letter: no name's word
        ("Cháu đang làm hồ sơ trợ cấp cho bố.", []),
        ("Mở hồ sơ cho bà Đặng Thị Hoa hôm nay.", ["Đặng Thị Hoa"]),  # a capital "Đ" opens one
        ("Alhaji Usman Bello Ƙaura ya zo.", ["Usman Bello Ƙaura"]),  # a Hausa hooked capital
        ("Ɔpanyin Kofi Ampofo na ɔhwɛ sika no so.", ["Kofi Ampofo"]),  # an Akan title: no part of the name
    ],
)  # fmt: skip
def test_a_names_word_opens_with_a_capital_of_any_latin_block_never_a_small_letter(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('Between Galerie Aurora ("Gallery")\nand Delphine Marguerite Boudreaux ("Artist")',
         ["Delphine Marguerite Boudreaux"]),  # a contract's defined terms, a gallery
        ('Anna Catharina ("Kitty") Vos', ["Anna Catharina", "Kitty"]),  # a nickname still is a name
        ("Die Führung durch die Ausstellung „Max Klinger und die Grafik um 1900“ am 18.", []),  # an exhibition
        ('De voorstelling "Max Havelaar" op 8 december valt buiten de korting.', []),  # a performance, quoted
        ("Foi finalista do Prêmio Marcantonio Vilaça em 2023.", []),  # a prize
        ("Ersatzhaltestelle: Höhe Konrad-Adenauer-Denkmal.", []),  # a memorial
        ("Instandsetzungszug, General-Steinhoff-Kaserne, Stand 30.09.2024", []),  # barracks
        ("Serienummer RFID-läsare i Selma Lagerlöf-salen: FE-8821-0047-33.", []),  # a Swedish hall
    ],
)  # fmt: skip
def test_defined_terms_galleries_exhibitions_prizes_and_compounds_named_after_people_are_no_names(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('[kds] items: "Caesar Salad", "Eggs Benedict", "Nachos", "Reuben", "Beef Wellington", "Bananas Foster"',
         []),  # dishes
        ('  streets: ["Náměstí Míru", "Máchova", "Americká", "Jana Masaryka"]', []),  # streets
        ('  attendees: ["Anna Smith", "Maria Lopez", "Peter Novak"]', ["Anna Smith", "Maria Lopez", "Peter Novak"]),
        ('row 2 "Gennaro","De Luca","1 gennaio 1950"', ["De Luca"]),  # a record's values
        ('\t{"Nguyễn Thị Lan", "Lan", "Nguyễn"},', ["Nguyễn Thị Lan", "Lan", "Nguyễn"]),  # a name and its parts
    ],
)  # fmt: skip
def test_a_quoted_list_mostly_of_things_holds_no_name(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('  nimi: "Matti Meikäläinen"', []),  # the Finnish placeholder
        ("[18:03] Mama: Jezus Maria. A co z jego pracą?", []),  # an exclamation
        ("позика з Національного музею Тараса Шевченка до Музею Ханенків", []),  # a museum named after a person
        ("SALÃO BELLA FLOR – Cabelo • Unhas • Estética", []),  # a salon
        ("À DEFENSORIA PÚBLICA DO ESTADO DE SÃO PAULO", []),  # a state
        ("AJUNTAMENT DE VALÈNCIA – POLICIA LOCAL", []),  # a town hall
        ('dock="Niels Bohr Allee #3"', []),  # an avenue
        ('Nhóm Zalo "Hội CCB phường Điện Biên" – 10/03/2024', []),  # a Vietnamese ward
        ("Họ tên cha: Nguyễn Văn Khải\nNơi cư trú: Số 58/12 đường Lê Văn Sỹ, Phường 11",
         ["Nguyễn Văn Khải"]),  # a street; its "Văn" is no repeat of the father's name
    ],
)  # fmt: skip
def test_firms_placeholders_exclamations_and_places_named_after_people_are_no_names(text, names):
    assert spans(NameRecognizer(), text) == names


def test_a_dotted_legal_form_after_a_surname_makes_it_a_firm():
    text = "Kontrolovaná osoba: Horák s.r.o., IČO 07412583"  # (the owner, "Radek Horák", named later)
    assert not_a_name(text, text.index("Horák"), text.index("Horák") + len("Horák"))


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Mevrouw S. de Vries-Bakker\nPrinsengracht 263-2", ["S. de Vries-Bakker"]),  # a Dutch title in full
        ("Msimamizi wa maagizo: Bi. Zawadi Mwakalinga\nMpishi mkuu, Bw. Otieno, anaomba",
         ["Zawadi Mwakalinga", "Otieno"]),  # Swahili titles abbreviated
        ("Veuillez agréer l'expression de mes salutations distinguées.\n\nChidi Nkemelu", ["Chidi Nkemelu"]),
        ("Ansprechpartner vor Ort: Herr Jonas Pfeiffer (Office-Management)", ["Jonas Pfeiffer"]),  # "on site"
    ],
)  # fmt: skip
def test_dutch_and_swahili_titles_a_french_sign_off_and_a_german_on_site_label_lead_to_names(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("[10:04] Klijent: Bonġu.\n[10:05] Kurt: Bonġu!\n[10:06] Klijent: Grazzi.", ["Kurt"]),  # Maltese client
        ("상담사: 네, 헬프라인입니다.\n내담자: 네… 처음 전화해요.\n상담사: 괜찮아요.\n내담자: 고맙습니다.", []),
        ("PRIMERA. Objeto. El Profesional realizará el rediseño. SEXTA. El Cliente podrá resolverlo.", []),
        ("Wir haben beim Finanzamt Köln-West die Adressänderung nachgereicht.", []),  # a tax office
        ("Un saludo,\nMari Carmen Aranda\nGestoría Aranda · tel. +34 915 48 27 63", ["Mari Carmen Aranda"]),
        ("Entidade patronal: Padaria Flor do Minho, Lda.", []),  # a bakery
        ("À l'attention de la Direction\nEHPAD Les Jardins de Saint-Exupéry\nLimoges", []),  # a care home
        ("Schulungstermin im Alois-Alzheimer-Saal der Charité: 21.11.2024", []),  # a hall, more words after it
        ("t.d. íslensks fjárhunds, Gordon setter, Jack Russell terrier og norsks skógarkatta", []),  # dog breeds
        ('"notes": "hoist transfer x2, Zimmer frame indoors"', []),  # a walking frame
    ],
)  # fmt: skip
def test_maltese_and_korean_roles_spanish_contract_parties_offices_breeds_and_frames_are_no_names(text, names):
    assert spans(NameRecognizer(), text) == names


def test_a_lettings_agency_after_a_landlords_surname_makes_it_a_firm():
    text = "written permission from landlord Mr Anil Varma (Varma Lettings), tel. 01423 566210"
    start = text.index("Varma Lettings")
    assert not_a_name(text, start, start + len("Varma"))


def test_a_polish_kin_word_alone_is_no_name():
    assert not_a_name("Siostra", 0, len("Siostra"))  # (the PII tagger retrained with held-out 30 tagged it)
    assert not not_a_name("Siostra Anna Nowak", len("Siostra "), len("Siostra Anna Nowak"))


def test_a_chat_sender_before_a_comma_and_the_time_is_a_name():
    text = "Артём, 14:02: Алёна, привет!\nАлёна, 14:05: Привет! Отлично.\nАртём, 14:06: Ок.\nАлёна, 14:11: Лови."
    assert spans(NameRecognizer(), text) == ["Артём", "Алёна", "Алёна", "Артём", "Алёна"]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        # Turkish numbered streets as ordinals and a door's letter
        ("Adres: Bahçelievler Mah. 1327. Sok. No: 8 Daire: 5, 06490 Çankaya/Ankara\n",
         "Bahçelievler Mah. 1327. Sok. No: 8 Daire: 5, 06490 Çankaya/Ankara"),
        ("adres de değişti: Bahçelievler Mah. 7. Cadde No: 27 Daire: 8, 06490 Çankaya/Ankara\n",
         "Bahçelievler Mah. 7. Cadde No: 27 Daire: 8, 06490 Çankaya/Ankara"),
        ("PATİ KUAFÖR\nBağdat Cad. No: 214/B, Caddebostan, 34728 Kadıköy/İstanbul\nTel",
         "Bağdat Cad. No: 214/B, Caddebostan, 34728 Kadıköy/İstanbul"),
        # a Dutch "bis", a Greek floor and a town's city, Brazilian parts after dashes, a Maltese postcode
        ("Kennismaken kan bij ons thuis: Damstraat 23bis, 3531 BS Utrecht.", "Damstraat 23bis, 3531 BS Utrecht"),
        ("να σταλεί ταχυδρομικά: Εγνατίας 112, 4ος όροφος, 546 30 Θεσσαλονίκη.",
         "Εγνατίας 112, 4ος όροφος, 546 30 Θεσσαλονίκη"),
        ("Προς: κ. Παπαδόπουλο\nΚομνηνών 41, 551 31 Καλαμαριά, Θεσσαλονίκη\n",
         "Κομνηνών 41, 551 31 Καλαμαριά, Θεσσαλονίκη"),
        ("(MEI)\nRua das Palmeiras, 215 – Centro, Petrolina – PE, 56304-000\nTel.",
         "Rua das Palmeiras, 215 – Centro, Petrolina – PE, 56304-000"),
        ("Klijent: 12, Triq il-Kbira, Ħaż-Żebbuġ ZBG 1402\n", "12, Triq il-Kbira, Ħaż-Żebbuġ ZBG 1402"),
    ],
)  # fmt: skip
def test_turkish_ordinal_streets_dutch_bis_greek_floors_brazilian_dashes_and_maltese_postcodes(text, address):
    assert spans(AddressRecognizer(), text) == [address]


def test_a_greek_towns_city_after_it_is_no_phone_cue():
    text = "Ερμού 54, 105 63 Αθήνα, Τηλ. 210 555 1234"
    assert spans(AddressRecognizer(), text) == ["Ερμού 54, 105 63 Αθήνα"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("CALLER: Asante sana Faith.\nAGENT: Karibu, siku njema.", []),  # Swahili "thank you", "welcome"
        ("14.05.2025 09:20 - Elif Şahin: Günaydın, otomatik talimat iptal olmuş", ["Elif Şahin"]),  # "good morning"
        ("CALLER: Ah, hiyo line niliipoteza.", []),  # an interjection
        ("Kwame Asante called.", ["Kwame Asante"]),  # the surname in a full name
        ("[10/04/25 19.22] Ustadz Fikri: Siap, manasik 26 April.", ["Fikri"]),  # a religious teacher's title
        ("Szanowna Pani Redaktor\ndr hab. Joanna Pszczółkowska,", ["Joanna Pszczółkowska"]),  # Polish address by office
        ("Clergy housing allowance approved by deacon board 12/08/2024.", []),  # a church office, no user name
    ],
)  # fmt: skip
def test_thanks_greetings_interjections_and_titles_by_office_are_no_names(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Von: Frank Winter <frank.winter71@gmx.de>\nAn: Tierpension", ["Frank Winter"]),  # two words, both spelt
        ("From: Maria <maria@web.de>", ["Maria"]),  # one word, no common word
        ("From: Support Team <support@acme.com>", []),  # one common word spelt
        ("Von: Uwe Brandstätter <u.b@sv.de>\nAn: Kasse <kasse@sv-rheinau-koeln.de>", ["Uwe Brandstätter"]),  # "Kasse"
        ("À : Secrétariat CMP adultes Strasbourg-Nord <cmp.nord@ch-epsan.fr>", []),  # not the whole display name
    ],
)  # fmt: skip
def test_an_emails_display_name_its_mailbox_spells_is_a_name(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "run"),
    [
        ("GHI CHÚ BÀN GIAO – trông chó mèo dịp Tết (28/01 – 02/02/2025)", "GHI CHÚ BÀN GIAO"),  # "handover notes"
        ("PHIẾU CẬP NHẬT THÔNG TIN THUÊ BAO DI ĐỘNG\nSố thuê bao: 0912 683", "THÔNG TIN THUÊ BAO"),  # "subscriber data"
        ("Cục Thuế Thành phố Hồ Chí Minh thông báo", "Cục Thuế Thành"),  # a tax department
    ],
)
def test_vietnamese_headings_and_offices_are_no_names(text, run):
    assert spans(NameRecognizer(), text) == []
    start = text.index(run)
    assert not_a_name(text, start, start + len(run))  # the tagger's span too


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Chủ nhà: NGUYỄN THỊ HOA – ĐT: 0903 418 627", ["NGUYỄN THỊ HOA"]),  # Vietnamese capitals in a name's run
        ("Họ và tên trẻ: NGUYỄN MINH KHANG     Giới tính: Nam", ["NGUYỄN MINH KHANG"]),
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", []),  # a heading's words
        ("BẢNG GIÁ DỊCH VỤ TANG LỄ TRỌN GÓI", []),
    ],
)  # fmt: skip
def test_vietnamese_capitals_make_a_run_and_headings_in_them_are_no_names(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Jeanne DUBOIS\n12, rue des Tanneurs\n87000 Limoges", ["Jeanne DUBOIS"]),  # a French surname in capitals
        ("Grace PERIOD ends today.", []),  # a word in capitals
        ("Maria NOTE: call back", []),
    ],
)
def test_a_given_name_opening_a_line_takes_a_surname_in_capitals_after_it(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Detective Sergeant Amara Nwosu took the statement.", ["Amara Nwosu"]),  # police ranks spelt out
        ("We watched Inspector Gadget and Detective Pikachu.", []),  # a rank before one unknown word
        ("被災者氏名：佐々木 健太（ササキ ケンタ）", ["佐々木 健太", "ササキ ケンタ"]),  # a name's reading in kana
        ("売主：佐々木 康弘（ささき やすひろ）", ["佐々木 康弘", "ささき やすひろ"]),
        ("氏名：佐藤 美咲（フロント）", ["佐藤 美咲"]),  # one word in brackets: a role
        ("救急隊長：田中　記録者：森", ["田中", "森"]),  # a surname alone after a role's label
        ("山本（人事） 09:12\nおはようございます。\n\n中村（課長） 09:14\n了解です。", ["山本", "中村"]),
        ("処理者：自動", []),
    ],
)
def test_police_ranks_kana_readings_and_surnames_after_a_role_are_names(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Προς: ΠΑΠΑΔΟΠΟΥΛΟΣ ΓΕΩΡΓΙΟΣ\nΔιεύθυνση: ...", ["ΠΑΠΑΔΟΠΟΥΛΟΣ ΓΕΩΡΓΙΟΣ"]),  # Greek capitals drop accents
        ("Κύριος του έργου: ΠΑΠΑΓΕΩΡΓΙΟΥ ΕΛΕΝΗ", ["ΠΑΠΑΓΕΩΡΓΙΟΥ ΕΛΕΝΗ"]),
        ("ΑΙΤΗΣΗ ΔΙΑΚΟΠΗΣ ΗΛΕΚΤΡΟΔΟΤΗΣΗΣ ΛΟΓΩ ΟΦΕΙΛΗΣ", []),  # a heading
        ("أمين الصندوق: خالد سعيد المنصوري – هاتف اللجنة", ["خالد سعيد المنصوري"]),  # a father's name, "al-...i"
        ("المندوب: عبد الرحمن الشهري", ["عبد الرحمن الشهري"]),  # a compound given name
        ("تم التحويل إلى مستشفى الملك فهد التخصصي", []),  # a hospital named after a king, an adjective
        ("الإجمالي شامل الضريبة", []),
    ],
)
def test_greek_names_in_capitals_and_arabic_family_names_after_a_given_name(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Mradi wa Barabara ya Julius Nyerere – kuelekea Uwanja wa Ndege wa Kimataifa wa Julius Nyerere", []),
        ("punto di raccolta presso lo stadio Luigi Ferraris e la scuola Giovanni Pascoli.", []),
        ("consegna a mano a Milano, zona Piazzale Loreto.", []),
        ("14:03 Asiakas: Hei\n14:06 Asiakas: Lumi Karhu, s. 5.11.1990", ["Lumi Karhu"]),  # a customer's label
        ("[00:03] Usuária: Oi, Rafael\n[00:15] Usuária: Vinte e dois\n[00:16] Atendente: ok", ["Rafael"]),
        ("प्रश्न: रिटर्न का पैसा कब मिलेगा?\nउत्तर: सात दिन में।\nप्रश्न: पिकअप?\nउत्तर: घर से।", []),  # Q and A
        (  # a court's roles before a speaker's name; roles alone
            "재판장 판사 윤서진: 증인은 이름과 생년월일\n증인 박민호: 네\n재판장 판사 윤서진: 네\n증인: 네",
            ["윤서진", "박민호", "윤서진"],
        ),
    ],
)
def test_things_named_after_people_with_their_head_noun_before_and_speakers_roles(text, names):
    assert spans(NameRecognizer(), text) == names


def test_a_czech_house_number_with_a_letter_after_its_second_part_before_a_three_and_two_digit_postcode():
    text = "Úřad městské části Praha 4\nodbor výstavby\nAntala Staška 2059/80b\n140 46 Praha 4\n\nV Praze dne 6. 3."
    assert spans(AddressRecognizer(), text) == ["Antala Staška 2059/80b\n140 46 Praha 4"]


def test_french_birth_and_used_surnames_are_name_fields():
    text = "1. VOTRE IDENTITÉ\nNom de naissance : DIALLO\nNom d'usage : MERCIER\nPrénom(s) : Aminata Fatou"
    assert spans(NameRecognizer(), text) == ["DIALLO", "MERCIER", "Aminata Fatou"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Ersatzbevollmächtigte: Sunny Okonkwo-Brandl (Schwiegertochter), gleiche Adresse", ["Sunny Okonkwo-Brandl"]),
        ("Deniz (kızı): 0532 417 28 93", ["Deniz"]),  # a kin word in brackets after the name
        ("CARNÉ DE VACUNACIÓ — Programa Ampliado de Inmunizaciones (PAI)", []),  # an acronym, no "pai" (father)
        ("Malullük Derecesi   : 4. derece\nYakını (eşi)        : Selin Yıldırım", ["Selin Yıldırım"]),  # a label
    ],
)
def test_a_kin_word_in_brackets_after_a_name_makes_it_a_person(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("kỹ thuật là anh Hùng 0983 617 402.", ["Hùng"]),  # Vietnamese kin words as forms of address
        ("Dạ em cảm ơn chị Hoa ạ.", ["Hoa"]),
        ("Chị Lan gửi lịch cho Nhung trước thứ Sáu.", ["Lan"]),  # opening a sentence: no part of the name
        ("Ông Nguyễn Văn Nam, sinh năm 1970", ["Nguyễn Văn Nam"]),
    ],
)
def test_vietnamese_kin_words_before_a_name(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Με τιμή,\nΣ. Παπαδημητρίου", ["Σ. Παπαδημητρίου"]),  # a Greek initial before a Greek surname's shape
        ("Ο Γραμματέας\nΑ. Τσολάκης", ["Α. Τσολάκης"]),
        ("Α. Γενικές διατάξεις", []),  # a section's letter
        ("Β. Θεσσαλονίκης", []),
    ],
)
def test_a_greek_initial_before_a_surname(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (  # a chat's speaker label in Arabic: the words after it are said, not a name
            "[10:42] العميل: الجوال +966 55 814 2730\n[10:43] الموظف: تمام\n[10:44] العميل: جرّبت مرتين، نفس المشكلة",
            [],
        ),
        (  # unless they open with a given name: the answer to "your full name?"
            "الموظفة: ممكن الاسم الكامل؟\nالعميل: فيصل بن عبدالله القحطاني، الجوال 0551 873 264\nالعميل: نعم",
            ["فيصل بن عبدالله القحطاني"],
        ),
        (  # Hindi "caller" as a speaker; "madam" after a greeting calls no one by name; "am speaking" closes a name
            "कॉलर: नमस्ते मैडम, मैं राजेश कुमार यादव बोल रहा हूँ।\nएजेंट: जी\nकॉलर: धन्यवाद मैडम।",
            ["राजेश कुमार यादव"],
        ),
        ("एजेंट: नमस्कार, बोर्ड हेल्पलाइन में आपका स्वागत है, मैं प्रिया बोल रही हूँ।", ["प्रिया"]),
        ("[14:03] Gestur: Góðan dag, ég bókaði íshellaferð", []),  # Icelandic "guest"
    ],
)
def test_speakers_turns_and_forms_of_address_in_arabic_hindi_and_icelandic_chats(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Autre personne à prévenir : Karim (oncle) – +33 7 81 22 05 46", ["Karim"]),  # kin words in brackets
        ("- Personne à prévenir : Claire (compagne), 07 62 15 90 44", ["Claire"]),
        ("Contatto: Marco (zio), 333 1234567", ["Marco"]),
        ("Tarehe ya kuchukua: 18/11/2024\nFundi: Baraka\nDhamana: siku 30", ["Baraka"]),  # a role's field
        ("Ngày hẹn trả: 25/10/2024\nKỹ thuật viên: Tuấn", ["Tuấn"]),
        ("Teslim alan: Selin (depo görevlisi)", ["Selin"]),
        ("ผู้รับเรื่อง: ณัฐวุฒิ (ทีมซัพพอร์ต)", ["ณัฐวุฒิ"]),
        ('2024-07-03 INFO tegenrekening=NL81RABO0312845907 tenaamstelling="F. de Wit"', ["F. de Wit"]),
        ("ATENDENTE: Olá, meu nome é Thaís, boa tarde.", ["Thaís"]),  # "my name is" in Romance languages
        ("Hola, me llamo Lupita y llamo por el préstamo", ["Lupita"]),
        ("[09:15] Transportes Ipê: Olá! Fazemos sim", []),  # a firm's words
        ("[09:04] Şifa Eczanesi: Günaydın Ayşe Hanım, geçmiş olsun", ["Ayşe Hanım"]),  # a Turkish greeting
    ],
)
def test_kin_in_brackets_role_fields_introductions_and_firms(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "addresses"),
    [
        (  # Hindi: a house's or a flat's number, parts after commas, a PIN
            "कॉलर: मकान नंबर 112, गली नंबर 4, शिव नगर, रोहतक, हरियाणा – 124001।",
            ["मकान नंबर 112, गली नंबर 4, शिव नगर, रोहतक, हरियाणा – 124001"],
        ),
        (
            "ग्राहक: फ्लैट नं. 402, साई कृपा अपार्टमेंट, सेक्टर 21, नेरुल, नवी मुंबई 400706।",
            ["फ्लैट नं. 402, साई कृपा अपार्टमेंट, सेक्टर 21, नेरुल, नवी मुंबई 400706"],
        ),
        (  # Arabic: a building's number, a street, parts after commas; a dash and a phone after it are no part
            "نأكد العنوان الوطني:\n8228 شارع الأمير سلطان، حي الملز، الرياض 12641، الرقم الإضافي 3317\nالعميل: صح",
            ["8228 شارع الأمير سلطان، حي الملز، الرياض 12641، الرقم الإضافي 3317"],
        ),
        (
            "٤٥ شارع جامعة الدول العربية، المهندسين، الجيزة — ت: ٠٢ ٣٣٠٤ ٧٨١٢",
            ["٤٥ شارع جامعة الدول العربية، المهندسين، الجيزة"],
        ),
        ("الطلب رقم 15 شارع للتوصيل", []),  # a street's word alone after a number: no parts after it
        (  # a Czech square's word in lower case; a Hungarian floor spelt out
            "LÉKÁRNA U ZLATÉHO HADA\nKarlovo náměstí 32/17, 120 00 Praha 2\nIČO: 27481230",
            ["Karlovo náměstí 32/17, 120 00 Praha 2"],
        ),
        (
            "Mijn nieuwe adres is:\n1061 Budapest, Király utca 26. II. emelet 5.",
            ["1061 Budapest, Király utca 26. II. emelet 5."],
        ),
    ],
)
def test_hindi_arabic_czech_and_hungarian_addresses(text, addresses):
    assert spans(AddressRecognizer(), text) == addresses


def test_a_greek_date_of_birth_after_is():
    text = "Η δική μου ημερομηνία γέννησης είναι 05/04/1980."
    assert spans(DateOfBirthRecognizer(), text) == ["05/04/1980"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (  # speakers' role words of Turkish and Swahili chats, the names their turns give kept
            "[09:14] Vatandaş: Merhaba, kömür kartı için yazıyorum.\n[09:16] Görevli: Ad soyad lütfen?\n"
            "[09:17] Vatandaş: Deniz Aydın, 23.04.1975",
            ["Deniz Aydın"],
        ),
        (
            "Mtangazaji: Tuko na msikilizaji hewani.\nMsikilizaji: Jina langu ni Wanjiru Kamau.\n"
            "Mtangazaji: Asante sana.\nMsikilizaji: Sawa.",
            ["Wanjiru Kamau"],
        ),
        (  # places after a Mexican neighbourhood's or borough's word, a Brazilian birthplace
            "CLIENTE: calle Hidalgo cuarenta y ocho, colonia Letrán Valle, alcaldía Gustavo A. Madero, CDMX.",
            [],
        ),
        ("Ana Beatriz Lopes, nascida em 30 de janeiro de 1996, natural de Belo Horizonte", ["Ana Beatriz Lopes"]),
        (  # a foundation, a firm and an airport in a name's shape, a law, a hall
            "tenaamstelling: Stichting Voedselbank Utrecht-Oost\nDoorgezet naar Installatiebedrijf Dekker.",
            [],
        ),
        ("tiba di Bandara I Gusti Ngurah Rai pukul 10.20", []),
        ("según el texto refundido de la Ley General para la Defensa de los Consumidores", []),
        ("Die Verlustmeldung wurde am Schalter in Halle B aufgenommen.", []),
        ("Nový číselník sálů: Sál Martinů, Janáčkovo divadlo.", []),
    ],
)
def test_speaker_role_words_mexican_boroughs_foundations_airports_and_laws_are_no_names(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (  # a Polish chat's "user" is a speaker's role, the name the user gives kept
            "Konsultant (Kasia): Dzień dobry, w czym mogę pomóc?\nUżytkownik: Chcę anulować subskrypcję.\n"
            "Konsultant (Kasia): Imię i nazwisko?\nUżytkownik: Grzegorz Wiśniewski",
            ["Kasia", "Kasia", "Grzegorz Wiśniewski"],
        ),
        (  # a court transcript's speakers in capitals, each opening two lines or more
            "JUDGE: Go on.\nMS ADEBAYO (for the local authority): Yes, Your Honour.\n"
            "MS ADEBAYO: And the girls would share a room?\nMR PRICE (for the mother): No questions.\n"
            "MR PRICE: Nothing further.",
            ["ADEBAYO", "ADEBAYO", "PRICE", "PRICE"],
        ),
        ("MR LUMBAR SPINE: no disc prolapse.\nCT HEAD: normal.", []),  # a scan's label, once
        ("Bluebell, offers welcome. Posted by kmorales in Boats for sale > Sail", ["kmorales"]),
    ],
)
def test_a_polish_user_label_transcript_speakers_in_capitals_and_who_posted(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        (  # a crew list's rows under a skipper "born" on the line before: each row's date after the name
            "CREW LIST\nSkipper: Ivan Marković, born 08.09.1985\n1. KOWALCZYK, Agnieszka - 12.01.1990 - PL - passport "
            "EK4418273\n2. Summer Lindqvist - 1993-04-19 - SE\n3. Mei-Ling Tsao - 2 Dec 1979 - TW",
            ["08.09.1985", "12.01.1990", "1993-04-19", "2 Dec 1979"],
        ),
        (  # the same rows with no birth cue in the text: a list of dates, no one's birth
            "CREW LIST\n1. KOWALCZYK, Agnieszka - 12.01.1990 - PL\n2. Summer Lindqvist - 1993-04-19 - SE",
            [],
        ),
        (  # one row alone after a day's plan: no list of people
            "Guest born 05/03/1971.\n1. Arrival - 02/08/2025\nLunch at noon\n2. Ana Lopes - 09/08/1990",
            ["05/03/1971"],
        ),
    ],
)
def test_dates_in_a_lists_rows_after_names_are_births_where_the_text_speaks_of_birth(text, dates):
    assert spans(DateOfBirthRecognizer(), text) == dates


def test_a_chat_speaker_before_whom_he_stands_for_in_brackets():
    """The speaker is found; the firm in the brackets is still read as a name ("Costa Azahar": left for later)."""
    text = (
        "[10/03/25, 18:02] Lucía (Inmob. Costa Azahar): Hola Ingrid, te confirmo la visita.\n"
        "[09/05/24, 8:21:40 PM] Ravi (Blk 3 #12-04): Can someone check the lift?"
    )
    assert {"Lucía", "Ingrid", "Ravi"} <= set(spans(NameRecognizer(), text))
    text = "SEGUNDO OUTORGANTE (Arrendatário): Rúben Costa, NIF 245 118 903"  # a deed's party, no speaker
    assert spans(NameRecognizer(), text) == ["Rúben Costa"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("opened by @daniela-ferreira · labels: bug", ["daniela-ferreira"]),  # a hyphen in the handle
        ("Posted in r/NHS by u/gemma_wrightson\n\nHonestly", ["gemma_wrightson"]),  # a forum's poster
        ("r/HOA · Posted by u/summer_reyes88 · 6h", ["summer_reyes"]),  # a given name that is a word, digits after
        ("- Hope Adeyemi-Lund — @hope-adeyemi — joined", ["Hope Adeyemi-Lund", "hope-adeyemi"]),
        ("Travel grant for @ayaka-yamamoto and @tj.bello", ["ayaka-yamamoto", "tj.bello"]),
        ("@zhangwei-dev（作者）：修复了。\n@liuyang_hz：好的", ["zhangwei-dev", "liuyang_hz"]),  # surname first
        ("@pytest.mark.parametrize and @app.route('/'); @media print; see u/AutoModerator", []),  # code, a bot
    ],
)
def test_mentions_and_forum_posters_hyphened_handles_given_names_that_are_words_unknown_surnames(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("I'm locked out. My username is bmorel. I maintain fastcsv", ["bmorel"]),
        ("--- internal note · agent nkaur · 2025-03-11 ---", ["nkaur"]),
        ("yeah agent sir aapka naam confirm karo", []),  # a title after "agent", no user
        ("E-mail: kobby.asante@outlook.com\nGitHub: kasante-darko\nProjects", ["kasante-darko"]),
        ("INFO  [booker/3.12.0.4] admin: rpatel cancelled id=BK-77790", ["rpatel"]),
        ("# last edited by hannah.ashdown 2024-08-30\nsite:", ["hannah.ashdown"]),
        ("[14:03] <ottol> on it\n[14:05] <mcarvalho> thanks\n[14:07] <ottol> v4 fine", ["ottol", "mcarvalho", "ottol"]),
        ("getting hammered by logins from 185.220.101.47; cc @ingest-maintainers", []),  # words, a team
    ],
)
def test_user_names_after_username_is_an_agent_a_github_or_admin_key_and_edited_by(text, names):
    assert spans(NameRecognizer(), text) == names


def test_a_patient_key_in_a_log_line_and_a_chat_sender_with_a_flats_number():
    log = 'INFO  BED_REQUEST ed_ref=ED240514-0091 pt="HOLLOWAY, Frank" spec=GENMED priority=2'
    assert spans(NameRecognizer(), log) == ["HOLLOWAY, Frank"]
    chat = (
        "[21:47] Will Ashdown: is anyone else hearing that??\n[21:49] Summer 5C: it's 5D again. third night\n"
        "[21:50] Will Ashdown: can you do something\n[21:53] Summer 5C: btw it's a karaoke machine"
    )
    assert spans(NameRecognizer(), chat) == ["Will Ashdown", "Summer", "Will Ashdown", "Summer"]


def test_a_reception_desk_as_a_chats_speaker_is_a_role_not_a_name():
    chat = (
        "[10:02] 受付: お問い合わせありがとうございます。\n[10:04] 高橋 美咲: 11月9日に予約したいです。\n"
        "[10:05] 受付: 空いております。\n[10:09] 高橋 美咲: 090-4821-7736です。"
    )
    assert spans(NameRecognizer(), chat) == ["高橋 美咲", "高橋 美咲"]


def test_initials_before_a_cyrillic_surname_are_its_not_the_role_words_before_them():
    text = "Предлагаю передать оба дела юристу.\n\nБухгалтер Л. Н. Самойлова"
    assert spans(NameRecognizer(), text) == ["Л. Н. Самойлова"]
    assert spans(NameRecognizer(), "Подписал Иванов И. И. вчера") == ["Иванов И. И."]  # a surname before its initials


def test_a_csv_column_of_who_signed_each_row_holds_user_names():
    csv = (
        "time_in,time_out,relation,patient_bed,signed_by\n13:02,14:10,daughter,7-B2,a.morris\n"
        "14:05,14:20,-,7-B1,svc-kiosk\n14:30,16:55,partner,7-B4,tj.bello"
    )
    assert spans(NameRecognizer(), csv) == ["a.morris", "tj.bello"]  # not the kiosk's service account


def test_a_timed_chat_lines_customer_or_visitor_and_a_mentor_field_hold_a_name():
    chat = "[14:03] Agent (Priya): And the name on the parcel?\n[14:04] Customer: Dawn Featherstone\n[14:05] Agent: ok"
    assert "Dawn Featherstone" in spans(NameRecognizer(), chat)  # a given name that is a word, after a timed label
    assert spans(NameRecognizer(), "Project: tessera-db\nMentor: Grace Whitfield-Onu (tessera-db)") == [
        "Grace Whitfield-Onu"
    ]


def test_a_csv_rows_time_and_a_code_are_no_indian_address_and_a_flats_letter_is_its_number():
    csv = (
        "timestamp,desk,guest_name,ff_number,tier\n2024-10-03T06:12:44,R1,Summer Lindqvist,NW771204558,GOLD\n"
        "2025-03-04 02:00:11,OK\nCAM07,DS-2CD2143G2-IU,J41587224,44:19"
    )
    assert spans(AddressRecognizer(), csv) == []  # seconds, cells, a code of digits: no door, parts, town, PIN
    text = "courier tomorrow AM to Flat 9B, Sunflower Heights, Sector 45, Gurugram 122003. Called 3x"
    assert spans(AddressRecognizer(), text) == ["Flat 9B, Sunflower Heights, Sector 45, Gurugram 122003"]


@pytest.mark.parametrize(
    "text, user",
    [
        ("05:41:07Z DCS CKIN LGW DESK23 AGT=mkowalczyk WS=10.48.17.203", "mkowalczyk"),
        ("flow.assign claim_id=HC-7730195 handler=dnwachukwu queue=HOME_EOW_TIER1", "dnwachukwu"),
        ('{"amount": 61.40, "underwriter": "mchen", "created_at": "2019-03-11"}', "mchen"),
        ('till refund amount=45.00 override_by=rsantos reason="gift, size exchange"', "rsantos"),
        ("INFO tour.start site=HBR-DOCKS route=R3 officer=mkaminski device=TBL-0442", "mkaminski"),
    ],
)
def test_a_check_in_agent_a_claims_handler_an_underwriter_an_override_and_an_officer_key_a_user(text, user):
    assert spans(NameRecognizer(), text) == [user]


def test_french_call_roles_a_chatbot_and_a_forms_keys_are_no_speakers_names():
    call = (
        "Opérateur : Bonsoir, ici le centre.\nInterlocutrice : C'est sa femme, Océane Chevalier.\n"
        "Opérateur : Très bien.\nInterlocutrice : Oui."
    )
    assert spans(NameRecognizer(), call) == ["Océane Chevalier"]
    chat = "[09:14] CouncilBot: Hi! How can I help?\n[09:14] Resident: pothole\n[09:15] CouncilBot: Where is it?"
    assert spans(NameRecognizer(), chat) == []
    assert spans(NameRecognizer(), "Title: Ms    Surname: MULCAHY    Forenames: SIOBHAN AOIFE") == [
        "MULCAHY",
        "SIOBHAN AOIFE",
    ]
    assert spans(NameRecognizer(), "Receipt 0048-221937\nPayer: HARRIET-ANNE QUAYE") == ["HARRIET-ANNE QUAYE"]


@pytest.mark.parametrize(
    "text, names",
    [
        ("« Madame, Monsieur,\nLe 7 juillet 2024, ma fille et moi", []),
        ("Hola,\n\nEl 8 de febrero devolví en la tienda", []),
        ("Madame,\n\nPar ordonnance du juge", []),
        ("Thanks for that.\n\nBest,\nAnna", ["Anna"]),
        ("the airway bill.\n\nRegards,\nNikhil (Customer Care)", ["Nikhil"]),
    ],
)
def test_a_greetings_comma_cues_a_sign_off_alone_on_its_line_not_a_paragraphs_first_word(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text, name",
    [
        ("Text 773-555-0182 (ask for Marisol). No scammers", "Marisol"),
        ("sigue en casa de mi tía, 91 527 66 14, pregunten por Amparo.\nAgente (Lucía): Perfecto.", "Amparo"),
        ("Autor: marek_sadowski · 12 maja 2025, 21:47\n\nZnowu ktoś wyrzucił", "marek_sadowski"),
        ("kezia_mbatha · 2h\n@ThreadAndBobbin honestly same", "kezia_mbatha"),
        ('old e-mail kdunleavy88@gmail.com; handle "kdunleavy" on a resale site', "kdunleavy"),
        (
            "site,shift,guard_name,mobile\nMAN-07,Night,Kwame Asante,07700 900418\n"
            "LDS-02,Late,Summer Blackwood,07700 900 559",
            "Summer Blackwood",
        ),
    ],
)
def test_ask_for_a_name_a_forum_posts_author_a_quoted_handle_and_a_guards_name_column(text, name):
    assert name in spans(NameRecognizer(), text)


def test_a_birth_column_filled_on_a_condition_holds_dates_of_birth():
    csv = (
        "position,applicant,joined,concession,dob_if_concession\n1,Grace Adeyemi,2021-06-14,N,\n"
        "3,Frank O'Rourke,2022-01-20,Y,1951-04-30"
    )
    assert spans(DateOfBirthRecognizer(), csv) == ["1951-04-30"]  # not the date joined


@pytest.mark.parametrize(
    "text, names",
    [
        ("お電話ありがとうございます。事故受付センターの佐々木でございます。", ["佐々木"]),
        ("担当は山本となります。直通は03-5219-4470です。", ["山本"]),
        ("ハウススタジオ「白光」予約担当の森です。", ["森"]),
        ("東京の会社です。今日の天気です。", []),  # words, no surname, before the same endings
    ],
)
def test_a_japanese_surname_alone_in_charge_or_introducing_its_bearer(text, names):
    assert spans(NameRecognizer(), text) == names


def test_a_pnr_name_with_its_title_glued_on_leaves_the_title_and_the_next_field_out():
    pnr = "  PNR 6HJ4WQ  1.OYELARAN/ADEBOLAMS  2.OYELARAN/TOBIMSTR  LGW-LOS  XX0781 Y\n 1.1NGUYEN/THI MAIMRS  LGW-CDG"
    assert spans(NameRecognizer(), pnr) == ["OYELARAN/ADEBOLA", "OYELARAN/TOBI", "NGUYEN/THI MAI"]
    assert spans(NameRecognizer(), "1.1MBEKI/SIPHO LUTHANDO MR") == ["MBEKI/SIPHO LUTHANDO"]


@pytest.mark.parametrize(
    "text, names",
    [
        ("Wegen des Streiks mussten wir eine Nacht in Kiel übernachten. Ute Hoffmeister", ["Ute Hoffmeister"]),
        ("Day 1  09:30 dep. Victoria Coach Station, London; comfort stop Leicester Forest East", []),
        ("Embarquement : quai Claude-Bernard, Lyon, à partir de 16 h.", []),
        ("Demander à l'agence de Lyon la photo horodatée.", []),
        ("Hotel: Palm Vista Hotel & Residences, Dubai Marina\nAmount: AED 2,145.00", []),
        (
            "Congreso Iberoamericano de Ciberseguridad, Madrid\nNombre y apellidos: María José Echeverría Olmos",
            ["María José Echeverría Olmos"],
        ),
        # people whose names are cities' stay people: listed, greeted, or named in full after a comma
        ("Attendees: Tom Hale, Florence Okafor", ["Tom Hale", "Florence Okafor"]),
        ('"I, Guadalupe Ramírez Olvera, residing at Calle 5"', ["Guadalupe Ramírez Olvera"]),
        ("Flights are being handled by Kira on our travel desk.", ["Kira"]),
    ],
)
def test_a_city_the_name_lists_hold_is_no_person_where_the_words_before_it_say_a_place(text, names):
    assert spans(NameRecognizer(), text) == names


def test_the_learned_taggers_city_after_a_place_preposition_is_vetoed():
    text = "Wir mussten eine Nacht in Kiel übernachten."
    start = text.index("Kiel")
    assert not_a_name(text, start, start + len("Kiel"))
    assert not not_a_name("Bitte rufen Sie Kiel Hansen an.", 16, 20)


@pytest.mark.parametrize(
    "text, names",
    [
        ("Proctor: Good morning, my name is Deepa.\nCandidate: Hi.\nProctor: Please hold your licence up.", ["Deepa"]),
        (
            "受験者：合格証明書の郵送先を変えたいです。\nサポート（佐々木）：承知しました。\n受験者：お願いします。",
            ["佐々木"],
        ),
        ("CUSTOMER: That's my old one. It's 086 555 1174.\nAGENT: Grand. And the confirmation goes to you.", []),
    ],
)
def test_an_exams_proctor_and_candidate_speak_and_a_grand_is_no_name(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text, name",
    [
        ('{"event":"appointment.rescheduled","by":"staff:jholloway","appt_id":"AP-556102"}', "jholloway"),
        ("2024-05-28 08:01:02.019 INFO fraud-mgmt: case FC-2024-0528-0113 assigned to l.osei", "l.osei"),
        ("Decision: refer to underwriting\nAnalyst: rnakamura", "rnakamura"),
        ("End of night shift, signed electronically by lokafor", "lokafor"),
        ('  backup_contact: "aosei"   # on-call rota, see wiki', "aosei"),
        (
            "2024-05-14T08:59:12Z proctor-svc[2211] INFO  exam=STAT2041-FINAL candidate=mhernandez status=CREATED",
            "mhernandez",
        ),
    ],
)
def test_a_candidate_an_analyst_a_backup_and_a_signer_by_their_user_names(text, name):
    assert name in spans(NameRecognizer(), text)


def test_a_backup_jobs_snapshot_and_a_user_word_after_assigned_to_are_no_user_names():
    assert spans(NameRecognizer(), "2025-10-10 04:00:00 backup: snapshot vol-0a1b2c3d created") == []
    assert spans(NameRecognizer(), "2024-03-02 09:12:55 INFO assigned to user mkaraca") == ["mkaraca"]


@pytest.mark.parametrize(
    "text, names",
    [
        ("Agreement: DUB-2210-6617   Vehicle: Skoda Octavia 201-D-18822\nInspector: Tomasz (night shift)", ["Tomasz"]),
        ("Pojazd: Toyota Corolla Cross 2.0 Hybrid, wartość 142 900 zł", []),
        ("Email: eleni.papad@otenet.gr\nΤαμίας: Γ. Νικολάου\nΕυχαριστούμε", ["Γ. Νικολάου"]),
        ("Coach 2 departs 08:15.\nGuide on duty: Milica (radio ch. 4)", ["Milica"]),
        ("Res #: SC-88K2Q\n\nRenter:  WILL SUMMERS\nAddress: 88 Birchwood Dr", ["WILL SUMMERS"]),
    ],
)
def test_an_inspector_a_cashier_a_guide_on_duty_and_a_renter_by_their_keys_and_a_vehicle_is_no_person(text, names):
    assert spans(NameRecognizer(), text) == names


def test_a_vehicles_owner_is_named_under_a_key_that_ends_with_vehicle():
    text = "Expediente 118734\n\nTitular del vehículo: María del Carmen Ruiz Ochoa\nDNI/NIE: 48293716K"
    assert spans(NameRecognizer(), text) == ["María del Carmen Ruiz Ochoa"]


@pytest.mark.parametrize(
    "text",
    [
        "Case 419: forced opening of safe deposit box\nBranch: Glasgow Sauchiehall Street",
        "Dealer: Lakeshore Auto Leasing, Branch 07 (Evanston, IL)",
        "Laborauftrag Nr. 2406-88172 — MVZ Labor Rheinaue",
        "Panels: Bence Jones protein, Cushing's screen, Epstein-Barr serology.",
        "Für Rückfragen: Amt für Statistik und Wahlen, Zimmer 2.14",
        "Medio: Radio Litoral Valencia\nCargo: redactora de tecnología",
    ],
)
def test_a_branch_a_lab_a_room_a_radio_station_and_eponymous_tests_are_no_names(text):
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    "text, name",
    [
        ("Wir bitten um Erstattung.\n\nMit freundlichen Grüßen\nK.-D. Hoffmeister", "K.-D. Hoffmeister"),
        ("Merci pour votre retour.\n\nBien cordialement,\nJ.-B. Ngoma", "J.-B. Ngoma"),
        ("Fait à Lyon, le 2 mai 2025 – Signature : M.-C. Dubois", "M.-C. Dubois"),
    ],
)
def test_a_double_initial_of_a_hyphenated_given_name_opens_the_name(text, name):
    assert spans(NameRecognizer(), text) == [name]


@pytest.mark.parametrize(
    "text, names",
    [
        ("Lot 1  George III silver tea caddy, London 1772, maker's mark rubbed.", []),
        ("Provenance:\nPrivate collection, Paris, by 1925.\nSotheby's, London, 4 December 1968, lot 143.", []),
        ("PLACE AND DATE OF ISSUE: HONG KONG, 18 NOV 2024", []),
        ("10022,Wouter,Van den Broeck,1985-12-02,0485 77 12 34", ["Wouter", "Van den Broeck"]),
    ],
)
def test_a_city_before_a_year_or_a_date_is_a_place(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text",
    [
        "Hull ID (HIN): BWCE4127F425     Make/Model: Boston Whaler 230 Vantage     Model year: 2019",
        'Berth C9 (10.5 m) via marina office\nVessel: "Sea Wren", Westerly Fulmar 32',
        "Crew Wi-Fi / captive portal | Ship: MS Nordlys Aurora\nStatus: open",
        "Horse: Valentino Z   Reg. #: 5712088\nSire: Ramiro B    Dam: Miss Clover",
    ],
)
def test_a_boats_a_ships_and_a_horses_name_under_its_key_is_no_person(text):
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Surveyed 22 May 2025, ashore on hardstanding, Barry Waterfront Boatyard",
        "Underwriter:     Seaward Marine Underwriting, policy SMU-PL-7720193",
        "Dredging: Albert Dock approach channel and Queen Elizabeth II Pier berths 3–5",
        "Employer: Blue Ridge Ceramics Co-op (client states no invention assignment)",
        'Exhibited:\nVictoria and Albert Museum, "French Decorative Arts 1715-1774", 1972',
    ],
)
def test_a_boatyard_a_pier_an_underwriter_and_a_co_op_are_no_names(text):
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    "text, names",
    [
        ("2025-03-04 10:12:01 DIAL-SRV2 INFO  study=POL25-VI wave=3 agent=ibarker station=WS-031", ["ibarker"]),
        ('{"event":"therapist_comment","therapist":"mbrennan","minutes":12}', ["mbrennan"]),
        ("Conflict check: cleared by mfitzgerald on 2025-01-08", ["mfitzgerald"]),
        ("CALLER: It's 0 4 1 2.\nAgent: the address where the card goes, please.", []),
    ],
)
def test_a_dialler_agent_a_therapist_and_a_clearer_by_their_user_names(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text, name",
    [
        ("Owner phone: (352) 555-0148\nTrainer: DeShawn Whitaker   cell 352-555-0193", "DeShawn Whitaker"),
        ("HARBOUR MASTER'S DAILY LOG\nSat 14 Jun 2025        Duty HM: A. MacPhail\n\n0612  Wind SW 4", "A. MacPhail"),
        ("Madrid, 20/05/2025, sala 2\nModeradora: Lucía. Participantes: ocho", "Lucía"),
        ("受让方（乙方）：杭州云栖智控科技有限公司\n法定代表人：陈志刚\n地址：浙江省杭州市", "陈志刚"),
        ("診断名：右肩腱板断裂（術後6週）\n担当理学療法士：佐々木\n実施日：2025年1月15日", "佐々木"),
    ],
)
def test_a_trainer_a_moderator_a_duty_harbour_master_and_a_legal_representative_by_their_keys(text, name):
    assert name in spans(NameRecognizer(), text)


@pytest.mark.parametrize(
    "text, names",
    [
        (
            "[09:12] Klant: Goedemorgen, ik wil grofvuil laten ophalen.\n[09:13] Afvalservice: Dat kan.\n"
            "[09:14] Klant: Pieter-Jan de Vries",
            ["Pieter-Jan de Vries"],
        ),
        ("[10:02] Piscina Municipal Sant Jordi: Hola, buenos días.\n[10:03] Usuario: Hola.", []),
        ("[09-10-24 08:41] Stomerij Van Dijk: Goedemorgen.\n[09-10-24 08:45] Klant: Dag!", []),
        ("Herzliche Grüße\nKatharina Brandt\nBrandt Fotografie · Oranienstraße 12", ["Katharina Brandt"]),
    ],
)
def test_a_customer_in_dutch_a_pool_and_a_dry_cleaner_as_chat_senders_are_no_names(text, names):
    assert spans(NameRecognizer(), text) == names


@pytest.mark.parametrize(
    "text, name",
    [
        ("Instructor: Chai (Somchai Rattanakorn)\nThank you & see you underwater!", "Chai"),
        ("Shoot date: 09/28/2024        Photographer: Will Brannigan\nCompensation: $750 flat", "Will Brannigan"),
        ("Uwaga: bez zdjęć plenerowych, zaznaczyć w umowie!\nZapisała: Ola", "Ola"),
        ("Recogida: 14/11 a partir de las 17:00\nLe atendió: Yolanda\nConserve este ticket.", "Yolanda"),
    ],
)
def test_an_instructor_a_photographer_and_who_served_or_wrote_it_down_by_their_keys(text, name):
    assert name in spans(NameRecognizer(), text)


def test_an_operators_speaker_label_keys_no_name():
    text = "CALLER: I think it's colic.\nOPERATOR: OK Bethan, is the horse registered with us?"
    assert "OK Bethan" not in spans(NameRecognizer(), text)


@pytest.mark.parametrize(
    "text, false",
    [
        ("J'ai appelé, il conduisait une Skoda Octavia grise.", "Skoda Octavia"),
        ("Loan vehicle: Kia Picanto SV21 XMB   Fuel out: 1/2", "Kia Picanto"),
        ("Le escribimos por el Seat León 1234 KLM.", "Seat León"),
        ("[09/04/25 10:02] Talleres Hermanos Ferrán: Buenos días, ¿hablamos con usted?", "Talleres Hermanos Ferrán"),
        ("Oggetto: Condominio Solari – nuove coordinate bancarie", "Condominio Solari"),
        ("Not applicable to vehicles converted by Lincoln Coachworks or to vans.", "Lincoln Coachworks"),
        ("Lambda 1,002\nFestgestellte Mängel:\n - 0.1.2 Kennzeichenbeleuchtung defekt", "Festgestellte Mängel"),
        ("[10:12] العميلة: مرحبا\n[10:13] الوكيل: أهلاً سلمى\n[10:14] العميلة: شكراً\n[10:15] الوكيل: تم", "العميلة"),
        ("[10:12] العميلة: مرحبا\n[10:13] الوكيل: أهلاً سلمى\n[10:14] العميلة: شكراً\n[10:15] الوكيل: تم", "الوكيل"),
    ],
)
def test_a_car_before_its_model_a_workshop_a_condominium_and_arabic_speaker_roles_are_no_names(text, false):
    assert false not in spans(NameRecognizer(), text)


@pytest.mark.parametrize(
    "text, name",
    [
        ("auto-renew ticked, processed under staff login jtran. Member says", "jtran"),
        ("backend 198.51.100.42:443 TLS ok, token issued to p.lindqvist\n", "p.lindqvist"),
        ('{"dealer":"Bayside Motors","submitted_by":"nthembu","status":"pending_parts"}', "nthembu"),
        ("2024-01-08 06:02:10 INFO   dagdienst ingelogd: mjansen vanaf 192.168.40.101", "mjansen"),
        ("2024-01-08 02:21:40 ACK    door gebruiker jbakker vanaf 10.8.0.66 (VPN)", "jbakker"),
        ("Gentile Arch. Ferraris,\nLe comunico che dal 1° maggio", "Ferraris"),
        ("[10:41] الوكيل نورة: أهلاً بك\n[10:42] العميل: شكراً\n[10:43] الوكيل نورة: تم التحقق", "نورة"),
    ],
)
def test_log_users_by_submitted_by_issued_to_staff_login_dutch_keys_and_an_italian_architect(text, name):
    assert name in spans(NameRecognizer(), text)


def test_a_generic_dutch_account_after_gebruiker_is_no_name():
    text = '2024-03-02 ERROR [auth] mislukte login gebruiker="receptie2" vanaf 2001:db8:4a7f:12::5'
    assert spans(NameRecognizer(), text) == []


@pytest.mark.parametrize(
    "text, name",
    [
        ("Home team contact: Charmaine Adonis   cell 082 531 7740", "Charmaine Adonis"),
        ("Un cordial saludo,\nNuria Castells i Vidal\nJefa de Registro", "Nuria Castells i Vidal"),
        ("la Núria Vilaseca i Ferrer i en Pau Sabaté Roig ens casem", "Núria Vilaseca i Ferrer"),
    ],
)
def test_a_name_before_a_cell_number_and_a_catalan_second_surname_after_i(text, name):
    assert name in spans(NameRecognizer(), text)


@pytest.mark.parametrize(
    "text, names",
    [
        ("Szanowni Państwo Agnieszka i Tomasz Wróblewscy,", ["Agnieszka", "Tomasz Wróblewscy"]),
        ("Next review: 11 April 2025, 10:30, Training Room B.", []),
        ("06:30 BodyPump (Studio 1) - 45 min\n09:30 Pilates Mat, Beginners (Studio 2)", []),
        ("1 | Schulte-Brinkmann, Dirk | Aufzugstechnik Nord GmbH | Wartung |", ["Schulte-Brinkmann, Dirk"]),
    ],
)
def test_polish_given_names_joined_by_i_a_room_a_class_and_a_firm_before_gmbh(text, names):
    assert spans(NameRecognizer(), text) == names


def test_a_timed_chats_dotted_senders_are_names_and_a_loggers_name_is_not():
    chat = (
        "[09:02] wei.ling.tan: heads up, chargeback from Stripe\n[09:07] d.krishnan: same billing bug\n"
        "[09:09] wei.ling.tan: ok. calling him first\n[09:18] d.krishnan: pls also tag him"
    )
    assert spans(NameRecognizer(), chat) == ["wei.ling.tan", "d.krishnan", "wei.ling.tan", "d.krishnan"]
    log = "[10:02] app.server: started\n[10:03] uvicorn.error: bind failed\n[10:04] app.server: stopped"
    assert spans(NameRecognizer(), log) == []


def test_an_italian_greeting_before_a_dotted_title_is_no_name():
    text = "Oggetto: nuove coordinate\nGentile Arch. Ferraris,\nLe comunico che dal 1° maggio"
    assert spans(NameRecognizer(), text) == ["Ferraris"]


@pytest.mark.parametrize(
    "text",
    [
        "Support line – Sunshine Coast Triathlon, call 14/10, 10:22 AEST",
        "Asunto: Devolución de la cuota – plaza solidaria Maratón Valencia\n\nHola:",
        "3     GJ-DAISY-0112  Georg Jensen Daisy brooch, sterling and enamel",
        "4     PP5227G-010    Patek Philippe Calatrava, white gold",
        "Cask ales: Sam's Old Bitter, Guinness, Thatchers Gold.",
        "Best regards,\nClient Services, Larkin Brothers Jewelers",
        "Bezeichnung: Brauereiausschank „Zum Schwarzen Hahn“\nBetriebsanschrift: Kleberstraße 4",
        "Cliente: Vale Verde Pagamentos Ltda. - gaiola G-08",
        "RECEIVING LOG - WEEK 32 - DOCK B\nDate       | Carrier",
        "[08:14] netops: core switches upgraded\n[08:15] netops: alerts go to the NOC",
        "Objet : Réservation sortie scolaire – Aquarium de la Côte d'Opale",
    ],
)
def test_races_jewellers_brands_an_inn_a_brazilian_firm_a_dock_a_teams_account_and_an_aquarium_are_no_names(text):
    assert spans(NameRecognizer(), text) == []


def test_a_spanish_dna_title_is_no_name():
    assert spans(NameRecognizer(), "Sra. Dña. María Teresa Echeverría Llorente\nC/ Mayor 4") == [
        "María Teresa Echeverría Llorente"
    ]


@pytest.mark.parametrize(
    "text, word, vetoed",
    [
        ("[08:05] admin: Will the generator test still run?", "Will", True),
        ("[08:06] facilities-oncall: Hope so. Fuel polished yesterday", "Hope", True),
        ("[08:09] admin: Grant read-only on the BMS to the contractor", "Grant", True),
        ("Rooms: I've reassigned you and Hope to 9114 (balcony)", "Hope", False),
        ("S: Will reports low back pain since Tuesday", "Will", False),
    ],
)
def test_a_given_name_that_opens_a_clause_as_a_verb_is_vetoed_for_the_tagger(text, word, vetoed):
    start = text.index(word)
    assert not_a_name(text, start, start + len(word)) is vetoed


# Session 54, round 42 (held-out 43's errors): golf cards, a bowling lane's log, tennis draws, playout logs,
# timetables and menus, a focus group's Korean speakers, a copied Slack thread's senders, an Arabic "bin" name.
@pytest.mark.parametrize(
    "text",
    [
        "Hole 1: 402 yds, Par 4, SI 9 | Hole 2: 165 yds, Par 3, SI 17",
        "Bahn 3: Ölbild neu, Länge 38 ft.\nNetzwerk Lane-Server: Subnetzmaske 255.255.255.0",
        "Cuadro final - Trofeo Conde de Godó Júnior, pista central; después, Copa Davis juvenil.",
        "Shop order: adidas Stan Smith trainers, white, UK 9 - 2 pairs",
        "07:12:40  MUSIC   Franz Ferdinand - Do You Want To     00:03:35\n07:16:15  MUSIC   Jethro Tull - Aqualung",
        "07:20:02  MUSIC   The Beatles - Eleanor Rigby                 00:02:08",
        "Ligne C3 – départs\nGrange Blanche ............ 06:10  06:25\nJean Macé ................. 06:14  06:29",
        "Desserts\nPêche Melba (coupe) ................ 8,50 €",
        'Show:   "Late Soul Kitchen", Sun 22:00-00:00 (slot #31)',
        'L2 20:14 caller="Big Dave" city=Cicero cb=withheld topic="roadworks"',
        "Bericht: Zona: Far West, neben der Wildwasserbahn",
        "Tonight: living with Parkinson's after fifty, and a listener with Crohn's and asks about diet.",
        "Weights: Horvitz–Thompson and Hájek estimators compared in the appendix.",
        "[2025-08-02 11:04] Aquapark Fala: Dzień dobry.\n[2025-08-02 11:09] Aquapark Fala: Faktura wysłana.",
        '"trader": "Molly Aldridge", "business": "Aldridge Orchard", "pitch": "C4"',
        "SHOPPER VISIT REPORT – Client: Southern Cross Telco – Store #118 Parramatta",
    ],
)
def test_golf_bowling_and_tennis_words_playout_logs_timetables_menus_places_and_conditions_are_no_names(text):
    found = spans(NameRecognizer(), text)
    assert all(
        n not in found
        for n in (
            "Par", "Länge", "Netzwerk Lane-Server", "Trofeo Conde de Godó Júnior", "Copa Davis", "Stan Smith",
            "Franz Ferdinand", "Jethro Tull", "Eleanor Rigby", "Jean Macé", "Grange Blanche", "Pêche Melba",
            "Sun", "Cicero", "Far West", "Parkinson", "Crohn", "Hájek", "Aquapark Fala", "Aldridge Orchard",
            "Southern Cross Telco",
        )
    ), found  # fmt: skip


def test_a_timetable_name_without_a_time_after_its_dot_leader_and_a_titled_possessive_stay_names():
    assert spans(NameRecognizer(), "Directory\nDr Anna Weiss .......... ext. 2214") == ["Anna Weiss"]
    assert spans(NameRecognizer(), "Mr Parkinson's car was blocking the gate.") == ["Parkinson"]


def test_korean_focus_group_roles_are_no_speakers_names():
    text = "진행자: 박지훈\n참가자: 김서연 님, 이도윤 님\n진행자: 시작할게요.\n김서연: 네.\n진행자: 감사합니다."
    found = spans(NameRecognizer(), text)
    assert "진행자" not in found and "참가자" not in found and "김서연" in found


def test_a_copied_slack_threads_sender_before_the_time_is_a_name():
    text = (
        "#ops-gates (control)\nHope Ramirez 06:01: gate 3 readers offline\nGrant 06:03: pinging them now\n"
        "Hope Ramirez 06:04: customer charged twice\nGrant 06:07: done, job 4410"
    )
    assert spans(NameRecognizer(), text).count("Grant") >= 2


def test_a_phone_in_screeners_log_user_is_a_name():
    text = 'WXYZ 880 AM | screener log 2025-01-09 | screener=tkowalczyk\nL1 18:03 topic="snow days"'
    assert spans(NameRecognizer(), text) == ["tkowalczyk"]


def test_an_arabic_name_with_bin_is_one_name():
    text = "نتائج الانتخاب:\n- سعيد بن راشد المهيري: 214 صوتاً\nمن: عمر ابن ماجد الزعابي"
    found = spans(NameRecognizer(), text)
    assert "سعيد بن راشد المهيري" in found and "عمر ابن ماجد الزعابي" in found


@pytest.mark.parametrize(
    "text, word",
    [
        ("店員（森田）：お電話ありがとうございます、さくらボウルでございます。", "お電話ありがとうございます"),
        (
            "乗務員:佐々木 健太\n概要:停留所付近で自転車の飛び出しにより急ブレーキ",
            "停留所付近で自転車の飛び出しにより急ブレーキ",
        ),
    ],
)
def test_nine_cjk_letters_unbroken_are_a_clause_vetoed_for_the_tagger(text, word):
    start = text.index(word)
    assert not_a_name(text, start, start + len(word))
    name = "佐々木 健太"
    if name in text:
        assert not not_a_name(text, text.index(name), text.index(name) + len(name))


def test_a_signatures_name_is_no_address_before_a_phone_number_on_the_next_line():
    text = "Kind regards,\nHope Adeyemi-Clarke\nMembership Secretary, Ashcombe Park GC\n01242 496 310 ext. 2"
    assert spans(AddressRecognizer(), text) == []
    assert spans(NameRecognizer(), text) == ["Hope Adeyemi-Clarke"]
    filipino = "pick up sa bahay ni Lola, 22 Mabini St., Brgy. San Isidro, Cainta, Rizal 1900 6am sharp"
    assert spans(AddressRecognizer(), filipino) == ["22 Mabini St., Brgy. San Isidro, Cainta, Rizal 1900"]


def test_a_clocks_minutes_before_a_doctors_title_are_no_house_number():
    text = "Show notes, ep. 61\n03:05 listener call-outs\n04:12 Dr. Iyer on the lunchbox problem"
    assert spans(AddressRecognizer(), text) == []
    assert spans(AddressRecognizer(), "Send it to 12 Dr. Iyer Road, Chennai 600041") != []


# Session 55, round 43 (held-out 44's errors): boatyards and canals, barbers' and opticians' chats, service
# accounts, brands, a prescription's "Add", a German "Handy", prophets and saints, a Punjabi form's labels.
@pytest.mark.parametrize(
    "text",
    [
        "[22-07-2024 10:12] Bootverhuur De Zwaan: Goedemorgen Femke!\n[22-07-2024 10:13] Femke: Hoi\n"
        "[22-07-2024 10:16] Bootverhuur De Zwaan: Prima.",
        "Waterway: Grand Canal (main line)\nLocation: Jachthaven De Kromme Rijn, Utrecht",
        '"created_by": "frontdesk",\n"door": "MANUAL_OPEN by=recepcja"',
        "Frame: Tom Ford FT5634-B 001; lens Varilux Comfort; BL-ULT-86,Bausch + Lomb,ULTRA",
        "Certifications: CPR/AED (American Red Cross, exp. 02/2027)",
        "Engine: Lister Petter LPW3; manikin (Resusci Anne) in the staff room",
        "Tobias Engel: Lindenstraße 14a, 04109 Leipzig, Handy 0170 3482915",
        "R +0.75/-0.50 x 90, L +1.00 DS, Add +2.25",
        'Lock 46 up – hire boat "Lady Margaret"\nboat="Lady Margaret" start=2024-08-17',
        "The khutbah on Friday was about Prophet Yusuf (AS) and patience.",
        "wtorek 23.09 – św. Ojca Pio z Pietrelciny",
        "Feasts: St James (Fri 25 July), Ss Joachim and Anne (Sat 26 July).",
        "Music: Vaughan Williams – Five Mystical Songs; mouthpiece: Selmer Paris S80",
    ],
)
def test_boatyards_canals_accounts_brands_lens_words_prophets_and_saints_are_no_names(text):
    found = spans(NameRecognizer(), text)
    assert all(
        n not in found
        for n in (
            "Bootverhuur De Zwaan", "Goedemorgen Femke", "Grand Canal", "Jachthaven De Kromme Rijn", "frontdesk",
            "recepcja", "Tom Ford", "Bausch", "Varilux Comfort", "American Red Cross", "Lister Petter",
            "Resusci Anne", "Handy", "Add", "Lady Margaret", "Prophet Yusuf", "Ojca Pio", "Ss Joachim",
            "Vaughan Williams", "Selmer Paris",
        )
    ), found  # fmt: skip


@pytest.mark.parametrize(
    "text, name",
    [
        ('booking.create hirer="Okafor, Chiamaka" email=c.okafor88@outlook.com', "Okafor, Chiamaka"),
        ('2024-W32,Lock 46 (top),08:30-13:00,"Hope, Margaret",01926 496 118', "Hope, Margaret"),
        ("2025-04-01;09:15;Bakker, Joost;06-41827735;joost.bakker@ziggo.nl", "Bakker, Joost"),
        ("2025-04-02;11:05;van der Meer, Femke;020 346 8812", "van der Meer, Femke"),
        ('"owner": "Nguyen, Thi Lan",', "Nguyen, Thi Lan"),
        ("Naam (achternaam, voornaam): Jansen-Kartosen, Soraya", "Jansen-Kartosen, Soraya"),
    ],
)
def test_a_cells_surname_first_name_is_one_name(text, name):
    assert name in spans(NameRecognizer(), text)


def test_a_sign_off_before_a_comma_is_no_surname_and_a_form_in_gurmukhi_has_no_speakers():
    assert spans(NameRecognizer(), "Dziękuję.\nPozdrawiam, Bartek Wiśniewski") == ["Bartek Wiśniewski"]
    form = (
        "ਲਾੜੇ ਦਾ ਨਾਮ: ਹਰਮਨਦੀਪ ਸਿੰਘ ਢਿੱਲੋਂ\nਜਨਮ ਮਿਤੀ: 1993-08-22\nਪਿਤਾ ਦਾ ਨਾਮ: ਸ. ਬਲਵਿੰਦਰ ਸਿੰਘ ਢਿੱਲੋਂ\n"
        "ਲਾੜੀ ਦਾ ਨਾਮ: ਸਿਮਰਨਜੀਤ ਕੌਰ ਗਰੇਵਾਲ\nਜਨਮ ਮਿਤੀ: 14 ਮਾਰਚ 1995\nਪਤਾ: 12871 88 Ave, Surrey\nਫ਼ੋਨ: (604) 555-0187"
    )
    found = spans(NameRecognizer(), form)
    assert "ਹਰਮਨਦੀਪ ਸਿੰਘ ਢਿੱਲੋਂ" in found and not {"ਲਾੜੇ ਦਾ ਨਾਮ", "ਜਨਮ ਮਿਤੀ", "ਪਤਾ", "ਫ਼ੋਨ"} & set(found), found
