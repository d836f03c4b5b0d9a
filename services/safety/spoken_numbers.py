"""Phone numbers read aloud, as a call transcript or a caption writes them: "oh seven seven double oh,
nine hundred, nine eight two", "zéro six, quarante-deux, dix-huit", "sześćset jeden, dwieście
dwadzieścia cztery". A run of number words (digits "zero" or "oh" to "nine" and, in English, Spanish,
French, German, Italian, Portuguese and Polish, the teens, tens and hundreds a number read in pairs or
threes uses; "double" and "triple" before a digit, "hundred" after one; a filler such as "uh" or a
joining "y"/"et"/"und" between words) is read as the digits it names, each pair or three as it is
written ("quarante-deux" is "42", "sześćset jeden" "601", "quatre-vingt-dix" "90"). The phone
recogniser (``services/safety/lookalikes.py``) counts a run of ten digits or more (nine when it holds
a word of a language whose mobile numbers have nine digits: any word not English) that follows a phone
cue or answers a question about a number on the line before. A run with no digit word of its own
shape ("twenty-third", "nineteen eighty-seven") names too few digits to count: dates and amounts read
aloud stay words.
"""

from __future__ import annotations

import re

DIGITS = {
    "zero": "0", "oh": "0", "nought": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
# The digits of the other languages (Spanish, French, German, Italian, Portuguese, Polish).
_FOREIGN_DIGITS = {
    "cero": 0, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
    "ocho": 8, "nueve": 9,
    "zéro": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8,
    "neuf": 9,
    "null": 0, "eins": 1, "zwei": 2, "zwo": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7,
    "acht": 8, "neun": 9, "due": 2, "quattro": 4, "cinque": 5, "sei": 6, "sette": 7, "otto": 8, "nove": 9,
    "zero": 0, "dois": 2, "duas": 2, "três": 3, "quatro": 4, "sete": 7, "oito": 8,
    "jeden": 1, "jedna": 1, "dwa": 2, "dwie": 2, "trzy": 3, "cztery": 4, "pięć": 5, "sześć": 6,
    "siedem": 7, "osiem": 8, "dziewięć": 9,
}  # fmt: skip
_ENGLISH_PAIRS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_ENGLISH = {*DIGITS, *_ENGLISH_PAIRS, "double", "triple", "hundred"}
# Teens and tens (a pair read as one number) and hundreds (three digits read as one number).
_TEENS_AND_TENS = {
    "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14, "quince": 15, "dieciséis": 16,
    "diecisiete": 17, "dieciocho": 18, "diecinueve": 19, "veinte": 20, "veintiuno": 21, "veintiún": 21,
    "veintidós": 22, "veintitrés": 23, "veinticuatro": 24, "veinticinco": 25, "veintiséis": 26,
    "veintisiete": 27, "veintiocho": 28, "veintinueve": 29, "treinta": 30, "cuarenta": 40,
    "cincuenta": 50, "sesenta": 60, "setenta": 70, "ochenta": 80, "noventa": 90,
    "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
    "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
    "septante": 70, "huitante": 80, "octante": 80, "nonante": 90,
    "zehn": 10, "elf": 11, "zwölf": 12, "dreizehn": 13, "vierzehn": 14, "fünfzehn": 15, "sechzehn": 16,
    "siebzehn": 17, "achtzehn": 18, "neunzehn": 19, "zwanzig": 20, "dreißig": 30, "vierzig": 40,
    "fünfzig": 50, "sechzig": 60, "siebzig": 70, "achtzig": 80, "neunzig": 90,
    "dieci": 10, "undici": 11, "dodici": 12, "tredici": 13, "quattordici": 14, "quindici": 15,
    "sedici": 16, "diciassette": 17, "diciotto": 18, "diciannove": 19, "venti": 20, "trenta": 30,
    "quaranta": 40, "cinquanta": 50, "sessanta": 60, "settanta": 70, "ottanta": 80, "novanta": 90,
    "dez": 10, "doze": 12, "treze": 13, "catorze": 14, "dezesseis": 16,
    "dezassete": 17, "dezessete": 17, "dezoito": 18, "dezanove": 19, "dezenove": 19, "vinte": 20,
    "trinta": 30, "quarenta": 40, "cinquenta": 50, "sessenta": 60, "oitenta": 80,
    "dziesięć": 10, "jedenaście": 11, "dwanaście": 12, "trzynaście": 13, "czternaście": 14,
    "piętnaście": 15, "szesnaście": 16, "siedemnaście": 17, "osiemnaście": 18, "dziewiętnaście": 19,
    "dwadzieścia": 20, "trzydzieści": 30, "czterdzieści": 40, "pięćdziesiąt": 50,
    "sześćdziesiąt": 60, "siedemdziesiąt": 70, "osiemdziesiąt": 80, "dziewięćdziesiąt": 90,
}  # fmt: skip
_HUNDREDS = {
    "cien": 100, "ciento": 100, "doscientos": 200, "trescientos": 300, "cuatrocientos": 400,
    "quinientos": 500, "seiscientos": 600, "setecientos": 700, "ochocientos": 800, "novecientos": 900,
    "cent": 100, "cento": 100, "cem": 100, "duzentos": 200, "trezentos": 300, "quinhentos": 500,
    "sto": 100, "dwieście": 200, "trzysta": 300, "czterysta": 400, "pięćset": 500, "sześćset": 600,
    "siedemset": 700, "osiemset": 800, "dziewięćset": 900,
}  # fmt: skip
# German reads a pair units first, in one word: "zweiundvierzig" (42), "einundzwanzig" (21).
_GERMAN_UNITS = {"ein": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9}
_GERMAN_TENS = {k: v for k, v in _TEENS_AND_TENS.items() if k.endswith(("zig", "ßig")) and v >= 20}
_GERMAN_PAIR = re.compile(rf"({'|'.join(_GERMAN_UNITS)})und({'|'.join(_GERMAN_TENS)})")
_VALUES = {
    **{w: int(d) for w, d in DIGITS.items()},
    **_ENGLISH_PAIRS,
    **_FOREIGN_DIGITS,
    **_TEENS_AND_TENS,
    **_HUNDREDS,
}
# What a spoken number's shortest phone reading needs (a national number of ten digits; nine for a
# run in another language: Spain's, Poland's, Portugal's and Italy's mobiles).
MIN_SPOKEN_DIGITS = 10
MIN_FOREIGN_SPOKEN_DIGITS = 9
# Between two number words: a pause (comma, space, hyphen), a joining word or a filler.
_JOINERS = ("y", "e", "et", "und")
_FILLERS = ("uh", "um", "umm", "uhm", "er", "erm", "eh", "ehm", "ah", "euh", "äh", "ähm", "eee", "yyy")


def _trie(words: set[str]) -> str:
    """A regular expression matching any of ``words``, written as a tree of their shared prefixes
    ("d(?:os|eux|ue)"): one branch tried per letter instead of every word (~250 of them)."""
    branches = []
    for first in sorted({w[0] for w in words if w}):
        branches.append(re.escape(first) + _trie({w[1:] for w in words if w and w[0] == first}))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 and len(branches[0]) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in words else body


_GERMAN_PAIR_PREFIXES = {f"{unit}und" for unit in _GERMAN_UNITS}
_NUMBER = rf"(?:(?:double|triple)[ \t-]+)?(?:{_GERMAN_PAIR.pattern}|{_trie(set(_VALUES))})(?:[ \t]+hundred)?"
_BETWEEN = rf"(?:[ \t]*,[ \t]*|[ \t-]+)(?:(?:{'|'.join(_JOINERS + _FILLERS)})(?:[ \t]*,[ \t]*|[ \t]+))?"
# Number words joined by pauses, joiners or fillers; nothing else between them (one word or more:
# NUMBER_RUN, an e-mail address's number read aloud in services/safety/spoken_emails.py)
NUMBER_RUN = rf"\b{_NUMBER}(?:{_BETWEEN}{_NUMBER})*\b"
_RUN = re.compile(rf"(?i)\b{_NUMBER}(?:{_BETWEEN}{_NUMBER})+\b")
_WORD = re.compile(r"[^\W\d_]+")
# Where a run can start, in the lower-cased text (tried up to a window's end; the run is then read whole
# from the text itself): a number word, or the units and "und" a German pair opens with. Its first
# character is a set, which Python's re scans for before it tries the rest (a third of the cost of the
# same words ignoring case); the rest is a tree of the words' letters after it.
_STARTS = {"double", "triple", *_VALUES, *_GERMAN_PAIR_PREFIXES}
_FIRST = re.compile(
    "["
    + "".join(sorted({w[0] for w in _STARTS}))
    + r"](?<=\b.)(?:"
    + "|".join(
        f"(?<={re.escape(c)}){_trie({w[1:] for w in _STARTS if w[0] == c})}" for c in sorted({w[0] for w in _STARTS})
    )
    + r")(?:\b|(?<=und))"
)
_FIRST_ANY_CASE = re.compile(rf"(?i)\b{_trie(_STARTS)}(?:\b|(?<=und))")


def _words(run: str) -> list[str]:
    """The words of ``run``, a German pair ("zweiundvierzig") split into its tens and units read in
    order ("vierzig", "zwei"), joiners and fillers left out."""
    out = []
    for word in _WORD.findall(run.lower()):
        if pair := _GERMAN_PAIR.fullmatch(word):
            out += [pair.group(2), str(_GERMAN_UNITS[pair.group(1)])]
        elif word in _VALUES or word in ("double", "triple", "hundred"):
            out.append(word)
    return out


def digits_of(run: str) -> str:
    """The digits a run of number words names ("double oh" is "00", "nine hundred" "900",
    "quarante-deux" "42", "sześćset jeden" "601", "quatre-dix-huit" "418"); a comma ends a number."""
    return "".join(_digits_of_piece(piece) for piece in run.split(","))


def _digits_of_piece(piece: str) -> str:
    """The digits of a run's piece between two pauses: each word a number of its own, but a smaller
    number that fills the room a larger one leaves ("dwieście" + "dwadzieścia" + "cztery",
    "soixante" + "quinze", "quatre" + "vingt") is one number with it."""
    out: list[str] = []
    times, value, room = 1, -1, 0  # the number being read, and the largest it can still take + 1
    for word in _words(piece):
        if word in ("double", "triple"):
            times = 2 if word == "double" else 3
            continue
        if word == "hundred":
            out.append("00")
            value, room = -1, 0
            continue
        add = int(word) if word.isdigit() else _VALUES[word]
        if value == 4 and room == 0 and word in ("vingt", "vingts"):
            value, room = 80, 20  # "quatre-vingt(s)"
            out[-1] = "80"
        elif 0 < add < room:
            value += add
            out[-1] = str(value)
            room = 10 if add % 10 == 0 else 0  # "dwieście dwadzieścia" takes a unit, "soixante-dix" too
        else:
            value = add
            out.append(str(add) * times)
            room = 100 if add >= 100 else 20 if add in (60, 80) else 10 if add >= 10 and add % 10 == 0 else 0
        times = 1
    return "".join(out)


def _least_digits(run: str) -> int:
    """The fewest digits ``run`` must name to count: ten in English, nine with a word of another language."""
    return MIN_SPOKEN_DIGITS if set(_words(run)) <= _ENGLISH else MIN_FOREIGN_SPOKEN_DIGITS


def spoken_numbers(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
    """(start, end, digits) of each run of number words that begins in ``text[start:end]`` and names
    enough digits for a phone number (``_least_digits``; the run may go on past ``end``)."""
    out = []
    pos, stop = start, len(text) if end is None else end
    lower = text.lower()
    first_word, searched = (_FIRST, lower) if len(lower) == len(text) else (_FIRST_ANY_CASE, text)
    while pos < stop and (first := first_word.search(searched, pos, stop)):
        m = _RUN.match(text, first.start())  # the run may go on past ``stop``
        if m is None:
            pos = first.end()
            continue
        digits = digits_of(m.group())
        if len(digits) >= _least_digits(m.group()):
            out.append((m.start(), m.end(), digits))
        pos = m.end()
    return out


def has_spoken_number(text: str) -> bool:
    """Whether ``text`` holds a run of number words naming enough digits for a phone number (the
    prefilter's phone condition for a text with too few digits written as digits)."""
    return bool(spoken_numbers(text))
