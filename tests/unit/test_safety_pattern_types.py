"""Pattern entities read in their context (issue 15, session 20): identifier labels before a
number, versions after key names and product tokens, phone numbers of regions the text points to,
dates of birth in a table's birth column."""

from __future__ import annotations

import pytest


def _found(detector, text: str, entity: str) -> list[str]:
    """What the detector finds of ``entity`` at the shipped policy's thresholds (phones at 0.4)."""
    found = detector.detect(text, [entity], entity_thresholds={"PHONE_NUMBER": 0.4})
    return [text[e.start : e.end] for e in found if e.type == entity]


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("Customer number 0049-3381-22.", "PHONE_NUMBER"),
        ("Re: Mrs Hume, NHS no. 943 476 5919", "PHONE_NUMBER"),
        ("Je suis client n° 0098 4412 77.", "PHONE_NUMBER"),
        ("1,250 units of part 0142-55-7730 @ 0.84 USD", "PHONE_NUMBER"),
        ("Lot no. 330-14-2207, batch 24C118", "US_SSN"),
    ],
)
def test_a_number_after_a_label_naming_another_identifier_is_no_phone_number_or_ssn(pii_detector, text, entity):
    assert _found(pii_detector, text, entity) == []


def test_a_number_after_a_phone_label_or_a_party_word_alone_is_still_a_phone_number(pii_detector):
    text = "Customer 07700 918 442 asked for a call; contact number 07700 918 443."
    assert _found(pii_detector, text, "PHONE_NUMBER") == ["07700 918 442", "07700 918 443"]
    assert _found(pii_detector, "SSN 412-67-8093 on the W-4.", "US_SSN") == ["412-67-8093"]


@pytest.mark.parametrize(
    "text",
    [
        "APP_NAME=portal\nAPP_VERSION=4.17.2.198\nDEBUG=false",
        '{"model": "EX-4400", "firmware": "22.4.1.10", "version":"29.0.9.2"}',
        '"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0.0.0 Mobile Safari/537.36"',
        "Release notes — Fleet Agent 10.4.22.190 (replaces 10.4.21.233). Upgrading from 10.4.21.240 keeps settings.",
        "- Fixes the regression introduced in 4.12.200.3.\n- Requires bootloader 2.4.110.32 or later.",
    ],
)
def test_quads_after_version_keys_product_tokens_and_release_words_are_no_ip_addresses(pii_detector, text):
    assert _found(pii_detector, text, "IP_ADDRESS") == []


def test_addresses_after_address_keys_and_beside_a_user_agent_are_still_ip_addresses(pii_detector):
    text = 'TRUSTED_PROXY=173.245.48.7\n"client_ip": "81.2.69.160", "ua": "Chrome/131.0.0.0"\nbind from 10.0.4.2'
    assert _found(pii_detector, text, "IP_ADDRESS") == ["173.245.48.7", "81.2.69.160", "10.0.4.2"]
