"""Phone numbers read aloud, as a call transcript or a caption writes them: "oh seven seven double oh,
nine hundred, nine eight two". A run of digit words ("zero" or "oh" to "nine", "double" and "triple"
before one, "hundred" after one) is read as the digits it names; the phone recogniser
(``services/safety/lookalikes.py``) counts a run of ten digits or more that follows a phone cue or
answers a question about a number on the line before. A run of number words that are not single
digits ("twenty-third", "nineteen eighty-seven") is no such run: dates and amounts read aloud stay
words.
"""

from __future__ import annotations

import re

DIGITS = {
    "zero": "0", "oh": "0", "nought": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
# What a spoken number's shortest phone reading needs (a national number of ten digits).
MIN_SPOKEN_DIGITS = 10
_DIGIT = "(?:" + "|".join(DIGITS) + ")"
_GROUP = rf"(?:(?:double|triple)[ \t-]+)?{_DIGIT}(?:[ \t]+hundred)?"
# Digit words joined by spaces, hyphens or commas (the caption's pauses); nothing else between them.
_RUN = re.compile(rf"(?i)\b{_GROUP}(?:(?:[ \t]*,[ \t]*|[ \t-]+){_GROUP})+\b")
_WORD = re.compile(r"(?i)[a-z]+")
# Where a run can start, in the lower-cased text (tried up to a window's end; the run is then read whole
# from the text itself). Its first character is a set, which Python's re scans for before it tries the
# rest: a third of the cost of the same words ignoring case.
_STARTS = ("double", "triple", *DIGITS)
_FIRST = re.compile(
    "["
    + "".join(sorted({w[0] for w in _STARTS}))
    + r"](?<=\b.)(?:"
    + "|".join(f"(?<={w[0]}){w[1:]}" for w in _STARTS)
    + r")\b"
)
_FIRST_ANY_CASE = re.compile(rf"(?i)\b(?:{'|'.join(_STARTS)})\b")


def digits_of(run: str) -> str:
    """The digits a run of digit words names ("double oh" is "00", "nine hundred" "900")."""
    out, times = [], 1
    for word in _WORD.findall(run.lower()):
        if word in ("double", "triple"):
            times = 2 if word == "double" else 3
        elif word == "hundred":
            out.append("00")
        else:
            out.append(DIGITS[word] * times)
            times = 1
    return "".join(out)


def spoken_numbers(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
    """(start, end, digits) of each run of digit words that begins in ``text[start:end]`` and names
    ``MIN_SPOKEN_DIGITS`` digits or more (the run may go on past ``end``)."""
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
        if len(digits) >= MIN_SPOKEN_DIGITS:
            out.append((m.start(), m.end(), digits))
        pos = m.end()
    return out


def has_spoken_number(text: str) -> bool:
    """Whether ``text`` holds a run of digit words naming ``MIN_SPOKEN_DIGITS`` digits or more (the
    prefilter's phone condition for a text with too few digits written as digits)."""
    return bool(spoken_numbers(text))
