"""Addresses said in a call or typed as speech (services/safety/addresses.py, _SPOKEN_ADDRESS): a cue, a house
number in digits or words, a street word, the town and a postcode in lower case; times, counts and places
with no house number stay clear, and the prefilter lets a text with no digit reach the recogniser."""

import pytest

from services.safety.addresses import AddressRecognizer, has_spoken_address
from services.safety.pii import PiiDetector


def spans(text: str) -> list[str]:
    recognizer = AddressRecognizer()
    return [text[r.start : r.end] for r in recognizer.analyze(text, ["ADDRESS"])]


@pytest.mark.parametrize(
    ("text", "address"),
    [
        (
            "and send a new one to the address we have nine chancellor court dunstable lu6 1qx is that still right",
            "nine chancellor court dunstable lu6 1qx",
        ),
        (
            "about the viewing on friday at eleven holly mews camberwell could you call me",
            "eleven holly mews camberwell",
        ),
        (
            "whats the address were at\ncaller ninety one dash two two four kaiau avenue kapolei",
            "ninety one dash two two four kaiau avenue kapolei",
        ),
        (
            "aapka current address abhi bhi house number 27 gali number 4 shastri nagar meerut hai",
            "house number 27 gali number 4 shastri nagar meerut",
        ),
        ("j'reste au 1420 rue des Érables à Chicoutimi, rappelez-moi", "1420 rue des Érables à Chicoutimi"),
        ("ok deliver it to 221 baker street london nw1 6xe please", "221 baker street london nw1 6xe"),
    ],
)
def test_an_address_said_after_a_cue_is_found_whole(text, address):
    assert spans(text) == [address]


@pytest.mark.parametrize(
    "text",
    [
        "meet at eleven in the park",
        "we got there at seven and the road was closed",
        "I went to 3 different parks this week",
        "see you at 5 at the park",
        "back to two main roads after the junction",
        "it costs twenty pounds to park",
    ],
)
def test_times_counts_and_places_without_a_house_number_are_no_address(text):
    assert spans(text) == []
    assert not has_spoken_address(text) or any(c.isdigit() for c in text)


def test_a_spoken_address_with_no_digit_passes_the_prefilter():
    detector = PiiDetector(phone_regions=("US", "GB"))
    text = "about the viewing on friday at eleven holly mews camberwell could you call me"
    found = [text[e.start : e.end] for e in detector.detect(text, ["ADDRESS"]) if e.type == "ADDRESS"]
    assert found == ["eleven holly mews camberwell"]
