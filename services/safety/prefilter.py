"""Which PII entity types could possibly be found in a text, decided before Presidio runs.

Presidio's ``analyze`` costs about a millisecond even on a short clean text: ~40 regular
expressions (each also paying the ``regex`` module's timeout set-up), the phone matcher, the
spaCy tokenizer, registry look-ups and context enhancement. Most texts cannot hold most entity
types: no ``@``, no e-mail address; fewer than 13 digits, no card number. ``Prefilter`` holds one
**necessary condition per recogniser**, read off its patterns (every match of the recogniser
satisfies it), and asks Presidio only for the entity types at least one of whose recognisers
passes; with none left, ``analyze`` and the tokenizer are skipped. Presidio then runs every recogniser
of a type asked for: those whose own condition fails (the spoken e-mails where a text holds an "@" and no
"dot") are left out of that call too (``Prefilter.plan``'s idle recognisers).

This changes no result: Presidio runs each recogniser on its own, and every later step
(context enhancement, the score threshold, de-duplication, the allow list) works per result or per
entity type, so leaving out a type whose recognisers cannot match removes nothing else.
``tests/unit/test_safety_prefilter.py`` runs the detector with and without the prefilter over the
project's PII texts and edge cases of every condition and requires identical entities.

The conditions count characters over the whole text (cheap, and still necessary: a match's
characters are in the text), or, for dates of birth, search it once for a birth cue. Digits are
counted the way each matcher reads them: ``[0-9]`` in a pattern is ASCII only; ``\\d`` in Presidio's
patterns is the ``regex`` module's Unicode ``Nd``; ``\\d`` in phonenumbers and in
the fast recognisers (``recognizers.py``, ``addresses.py``, ``birth_dates.py``) is Python's ``re``. A recogniser
this module does not know (a custom one, spaCy's NER when the NER pass runs) always passes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

import regex

from services.safety.addresses import has_spoken_address
from services.safety.birth_dates import has_birth_cue
from services.safety.spoken_emails import may_hold_one
from services.safety.spoken_numbers import has_spoken_number

_RE_DIGIT = re.compile(r"\d")
_REGEX_DIGIT = regex.compile(r"\d")
_ASCII_DIGITS = "0123456789"


class TextFacts:
    """What the conditions read from one text."""

    __slots__ = ("text", "nlp_artifacts", "ascii_digits", "re_digits", "regex_digits", "held")

    def __init__(self, text: str, nlp_artifacts: Any = None):
        self.text = text
        self.held: dict[str, bool] = {}  # recogniser id -> its condition's verdict, once asked
        self.nlp_artifacts = nlp_artifacts  # the text's tokens, for an ``exact`` recogniser that reads them
        self.ascii_digits = sum(map(text.count, _ASCII_DIGITS))
        if text.isascii():
            self.re_digits = self.regex_digits = self.ascii_digits
        else:
            # \d as Python's re reads it (phonenumbers, our recognisers) and as the regex module
            # reads it (Presidio's pattern recognisers): their Unicode tables may differ
            self.re_digits = len(_RE_DIGIT.findall(text))
            self.regex_digits = len(_REGEX_DIGIT.findall(text))


def min_phone_digits(default_regions: tuple[str, ...] | list[str]) -> int:
    """The fewest digits a phone number ``PhoneRecognizer`` reports can have, from phonenumbers'
    metadata. It matches digits only (no vanity letters) and reports only numbers valid for
    their region (``Leniency.VALID``), whose national number length is one of the region's
    possible lengths: written with ``+``, the country code and a national number of any region;
    without, a national number of a region sharing a default region's country code."""
    import phonenumbers
    from phonenumbers.phonenumberutil import PhoneMetadata

    def shortest(metadata: Any) -> int:
        return min(metadata.general_desc.possible_length)

    international = min(
        [
            len(str(m.country_code)) + shortest(m)
            for m in map(PhoneMetadata.metadata_for_region, phonenumbers.SUPPORTED_REGIONS)
        ]
        + [
            len(str(code)) + shortest(PhoneMetadata.metadata_for_nongeo_region(code))
            for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS
        ]
    )
    national = min(
        shortest(PhoneMetadata.metadata_for_region(region))
        for default in default_regions
        for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[phonenumbers.country_code_for_region(default)]
    )
    return min(international, national)


Condition = Callable[[TextFacts], bool]


CONDITIONS: dict[str, Condition] = {
    # [@]\w+... : the '@' itself
    "EmailRecognizer": lambda f: "@" in f.text,
    # pii.py's _CARD, (4\d{3}|5[0-5]\d{2}|...|2720)[- ]?\d{3,4}[- ]?\d{3,4}[- ]?\d{3,5}: >= 13 \d
    "CreditCardRecognizer": lambda f: f.regex_digits >= 13,
    # five patterns, each of nine [0-9]
    "UsSsnRecognizer": lambda f: f.ascii_digits >= 9,
    # [A-Z]{2}[0-9]{2}(?:[ -]?[A-Z0-9]{4}){2,6}: the two check digits
    "IbanRecognizer": lambda f: f.ascii_digits >= 2,
    "MoreIbanRecognizer": lambda f: f.ascii_digits >= 2,  # pii.py's IBANs of more countries: the check digits
    # every IPv6 form holds two ':' at least (a '::', or groups joined by ':'; the fewest: '::',
    # 'a::', '::1', 'a::b'); IPv4 is four [0-9] groups joined by three '.'
    "IpRecognizer": lambda f: f.text.count(":") >= 2 or (f.ascii_digits >= 4 and f.text.count(".") >= 3),
    # pii.py's IPv6 before a glued-on port: two ':' in the address at least, and the port's
    "Ipv6PortRecognizer": lambda f: f.text.count(":") >= 3,
    # spoken_emails.py: an e-mail read aloud in English, its domain's " dot "; in another language, its "@" (Presidio
    # matches both case-blind: "AT" and "DOT" in capitals count)
    "SpokenEmailRecognizer": lambda f: may_hold_one(f.text),
    # pii.py's percent-encoded e-mail: its "%40"
    "EncodedEmailRecognizer": lambda f: "%40" in f.text,
    # pii.py's e-mail glued to another script: its "@" and a character past ASCII
    "GluedEmailRecognizer": lambda f: "@" in f.text and not f.text.isascii(),
    # pii.py's IPv4 glued to another script: a character past ASCII, four [0-9] groups joined by three '.'
    "GluedIpRecognizer": lambda f: not f.text.isascii() and f.ascii_digits >= 4 and f.text.count(".") >= 3,
    # (bc1|[13])[a-zA-HJ-NP-Z0-9]{25,59}: a '1' or a '3'
    "CryptoRecognizer": lambda f: "1" in f.text or "3" in f.text,
    # the phone look-alikes (where a policy asks for them: a phone wins their overlaps)
    "NhsRecognizer": lambda f: f.ascii_digits >= 10,  # [0-9]{3}[- ]?[0-9]{3}[- ]?[0-9]{4}
    "DateRecognizer": lambda f: f.regex_digits >= 1,  # shortest: dd-MMM, one [1-9]
    "UsLicenseRecognizer": lambda f: f.ascii_digits >= 1,  # shortest: [A-Z][0-9]{1,12}
    "UsBankRecognizer": lambda f: f.ascii_digits >= 8,  # [0-9]{8,17}
    "UsItinRecognizer": lambda f: f.regex_digits >= 9,  # 9\d{2}[- ]?(5\d|...)[- ]?\d{4}
    "UsPassportRecognizer": lambda f: f.ascii_digits >= 8,  # [0-9]{9} or [A-Z][0-9]{8}
    # addresses.py: every address form holds a \d (house number, PO box number, postcode), and so does
    # every value it takes under an address key or from an HL7 address field, but for an address said in
    # words ("at eleven holly mews camberwell") and a rural one of four parts under a key ("Seoladh: Teach na
    # Coille, Bóthar an Chaisleáin, An Spidéal, Co. na Gaillimhe": three commas)
    "AddressRecognizer": lambda f: f.re_digits >= 1 or f.text.count(",") >= 3 or has_spoken_address(f.text),
    # birth_dates.py: every date of birth it reports follows a birth cue or sits under one (a table's
    # header, an INSERT's column); a date written out holds no digit ("the fourth of March, nineteen
    # eighty-seven")
    "DateOfBirthRecognizer": lambda f: has_birth_cue(f.text),
}


# The patterns each condition was read from (sha256 of the recogniser's regexes, newline-joined,
# first 16 hex digits). A recogniser whose patterns differ (another Presidio version, an edited
# recognizers.py) loses its condition and always runs: an upgrade can cost speed, never recall.
PATTERNS_READ = {
    "CreditCardRecognizer": "9517c8de05449570",
    "UsBankRecognizer": "77ff5492baf67207",
    "UsLicenseRecognizer": "a5ad4472a28cc70f",
    "UsItinRecognizer": "1dc3ba3379d4812d",
    "UsPassportRecognizer": "4d39378952a1fd07",
    "UsSsnRecognizer": "99e2c61f6a973b04",
    "NhsRecognizer": "d813b701023b5188",
    "CryptoRecognizer": "9d9a993fd6aee894",
    "DateRecognizer": "95ce0df7492c064a",
    "EmailRecognizer": "004723abbb67ff6c",
    "IbanRecognizer": "1f98697e78e08d67",
    "MoreIbanRecognizer": "67c9ca4a81498275",
    "IpRecognizer": "2e5b4e8ccce1e531",
    "Ipv6PortRecognizer": "b403e9bfd379441c",
    "SpokenEmailRecognizer": "61c89cb8d884fd29",
    "EncodedEmailRecognizer": "7b658a18fb065b1e",
    "GluedEmailRecognizer": "470c6a471bc27c67",
    "GluedIpRecognizer": "52dd3038cac9b16d",
    "AddressRecognizer": "9ffd90278ac3263d",
    "DateOfBirthRecognizer": "a6493865d17513d8",
}


def fingerprint(recognizer: Any) -> str | None:
    """The recogniser's patterns as ``PATTERNS_READ`` records them (None: it has none)."""
    patterns = [p.regex for p in getattr(recognizer, "patterns", None) or []]
    patterns += [p.pattern for p in getattr(recognizer, "regexes", ())]
    if not patterns:
        return None
    return hashlib.sha256("\n".join(patterns).encode()).hexdigest()[:16]


def _phone_condition_holds(recognizer: Any) -> bool:
    import phonenumbers

    return recognizer.leniency >= phonenumbers.Leniency.VALID  # stricter: a subset of VALID's matches


class Prefilter:
    """Built from the analyzer's registry: for each entity type, the recognisers that report it,
    and for each recogniser its condition (none known: it always runs)."""

    def __init__(self, registry: Any, *, exact: tuple[Any, ...] = ()):
        """``exact``: recognisers that need no NLP artefacts (or make their own) and are cheap; their
        condition is their own result (the name gazetteer, whose only cheap necessary condition, a
        capital letter, is true of nearly every text; the learned tagger, which could tag any token)."""
        self.by_entity: dict[str, list[Any]] = {}
        self.conditions: dict[str, Condition] = {}  # recogniser id -> condition
        exact_ids = {r.id for r in exact}
        for recognizer in registry.recognizers:
            for entity in recognizer.supported_entities:
                self.by_entity.setdefault(entity, []).append(recognizer)
            if recognizer.id in exact_ids:
                self.conditions[recognizer.id] = _own_result(recognizer)
            elif recognizer.name == "PhoneRecognizer" and _phone_condition_holds(recognizer):
                least = min_phone_digits(list(recognizer.supported_regions))
                # or a number read aloud (lookalikes.py counts one after a cue: spoken_numbers.py)
                self.conditions[recognizer.id] = lambda f, least=least: (
                    f.re_digits >= least or has_spoken_number(f.text)
                )
            elif recognizer.name in PATTERNS_READ and fingerprint(recognizer) == PATTERNS_READ[recognizer.name]:
                self.conditions[recognizer.id] = CONDITIONS[recognizer.name]

        # entity -> (spaCy's NER recogniser reports it, the ids of its other recognisers, each with a condition;
        # None: a recogniser with no condition, so the entity is always possible)
        self._plan: dict[str, tuple[bool, list[str] | None]] = {}
        for entity, recognizers in self.by_entity.items():
            spacy = any(r.name == "SpacyRecognizer" for r in recognizers)
            others = [r.id for r in recognizers if r.name != "SpacyRecognizer"]
            self._plan[entity] = (spacy, others if all(r in self.conditions for r in others) else None)

    def possible(self, entity: str, facts: TextFacts, ner: bool) -> bool:
        """Whether any recogniser of ``entity`` could report it in ``facts.text`` (``ner``: the
        NER pass runs, so spaCy's recogniser could report its entity types; without it, it reports
        nothing: it reads only the NER pass's entities)."""
        plan = self._plan.get(entity)
        if plan is None:
            return True  # no recogniser known for it: let Presidio decide
        spacy, recognizers = plan
        if recognizers is None or (spacy and ner):
            return True
        return any(self._holds(r, facts) for r in recognizers)

    def _holds(self, recognizer_id: str, facts: TextFacts) -> bool:
        """The recogniser's condition on the text, asked once per text."""
        held = facts.held.get(recognizer_id)
        if held is None:
            held = facts.held[recognizer_id] = self.conditions[recognizer_id](facts)
        return held

    def plan(
        self, text: str, entities: set[str], ner: bool, nlp_artifacts: Any = None
    ) -> tuple[set[str], frozenset[str]]:
        """The entity types worth asking Presidio for (those of ``entities`` that could be found), and
        the ids of the recognisers of those types that could not find anything (idle: to be left out
        of the call). ``nlp_artifacts``: the text's tokens, made once for the conditions that read
        them (the learned tagger's) and for Presidio's ``analyze`` after."""
        facts = TextFacts(text, nlp_artifacts)
        wanted = {e for e in entities if self.possible(e, facts, ner)}
        idle = frozenset(
            r.id
            for e in wanted
            for r in self.by_entity.get(e, ())
            if r.id in self.conditions and not self._holds(r.id, facts)
        )
        return wanted, idle

    def wanted(self, text: str, entities: set[str], ner: bool, nlp_artifacts: Any = None) -> set[str]:
        """``plan``'s entity types."""
        return self.plan(text, entities, ner, nlp_artifacts)[0]


def _own_result(recognizer: Any) -> Condition:
    """An ``exact`` recogniser's condition: its own result on the text (given the text's NLP
    artefacts where the detector made them first: the tagger reads tokens). That result is kept for
    the text, so the condition asked again (it stands for each entity type the recogniser reports)
    reuses it, and it is handed to the recogniser's next ``analyze`` of the same text (Presidio's,
    once the text passes): the recogniser runs once per text. What it reports for a request naming
    some of its entity types is what it reports for its own, of those types."""
    analyze = recognizer.analyze
    own = list(recognizer.supported_entities)
    held: list[tuple[str, list[Any]] | None] = [None]  # (text, results) of the last condition run

    def condition(facts: TextFacts) -> bool:
        kept = held[0]
        if kept is None or kept[0] != facts.text:
            if not recognizer.is_loaded:
                recognizer.load()
                recognizer.is_loaded = True
            kept = held[0] = (facts.text, analyze(facts.text, own, facts.nlp_artifacts))
        return bool(kept[1])

    def analyze_once(text: str, entities: list[str], nlp_artifacts: Any = None) -> list[Any]:
        kept, held[0] = held[0], None  # taken once (scans in other threads may replace it: recomputed)
        if kept is not None and kept[0] == text:
            return [r for r in kept[1] if r.entity_type in entities]
        return analyze(text, entities, nlp_artifacts)

    recognizer.analyze = analyze_once
    return condition


__all__ = ["CONDITIONS", "PATTERNS_READ", "Prefilter", "TextFacts", "fingerprint", "min_phone_digits"]
