"""E-mail addresses read aloud, as a call transcript or a caption writes them: "anna dot k dot lindqvist at
proton dot me", spelt letter by letter ("s, i, o, b, h, a, n, underscore, m, c, ... at hotmail dot co dot uk"),
or in another language ("rodrigo punto villasenor ochenta y nueve arroba outlook punto com", "anderson ponto l
pereira arroba gmail ponto com", "jp point tremblay point o arobase videotron point ca").

- In English the user part must hold a spoken joiner (dot, underscore, dash) or be spelt out, so "me at google
  dot com" stays unlabelled.
- Another language's word for "@" (``AT_WORDS``: arroba, arobase, chiocciola, małpa, ...) is no everyday word:
  the user part may then be one word as written ("efra.toledo90 arroba hotmail punto com"), and the joiners and
  the domain's dots are that language's or English ("punto", "ponto", "point", "punkt").
- Either may end in number words before the "@" ("s dot raghavan eighty one at fastmail dot com", "setenta y
  seis": ``services/safety/spoken_numbers.py``'s words).
- The domain ends in a spoken dot and a top-level domain.

Presidio matches them case-insensitively; the prefilter runs them only on texts holding "dot" or one of the
``AT_WORDS``, in any case (``may_hold_one``).
"""

from __future__ import annotations

from services.safety.spoken_numbers import NUMBER_RUN

AT_WORDS = ("arroba", "arobase", "chiocciola", "klammeraffe", "małpa", "malpa", "snabel-a", "kukac", "zavináč")
_DOTS = r"(?:dot|punto|ponto|point|punkt|pont|tečka|piste)"
_JOIN = r"(?:dot|underscore|dash|hyphen)"
_JOIN_ANY = (
    rf"(?:{_DOTS}|underscore|dash|hyphen|gui[oó]n(?: bajo)?|tiret(?: bas)?|trattino(?: basso)?|sublinhado|tra[cç]o)"
)
_TLD = (
    r"(?:com|org|net|edu|gov|io|me|uk|de|fr|es|it|pl|nl|se|no|dk|fi|cz|ch|at|be|pt|ie|ca|au|nz|in|jp|br|mx"
    r"|ar|cl|co|pe)"
)
_NUMBERS = rf"(?: {NUMBER_RUN})?"
_AT_ABROAD = rf"(?:{'|'.join(AT_WORDS)})"

ENGLISH = (
    rf"(?<![\w,])(?:[A-Za-z0-9]+(?: {_JOIN} [A-Za-z0-9]+)+{_NUMBERS}"
    rf"|[A-Za-z0-9](?:, (?:[A-Za-z0-9]|{_JOIN})){{3,}})"
    rf",? at [a-z0-9]+(?: dot [a-z0-9]+)* dot {_TLD}\b"
)
# a single letter may stand before a joined word ("ponto l pereira": l.pereira or lpereira)
ABROAD = (
    rf"(?<![\w,.])[A-Za-z0-9][\w.+-]*(?: {_JOIN_ANY} (?:[a-z] )?[A-Za-z0-9][\w+-]*)*{_NUMBERS}"
    rf",? {_AT_ABROAD},? [^\W_]+(?: {_DOTS} [^\W_]+)* {_DOTS} {_TLD}\b"
)


def may_hold_one(text: str) -> bool:
    """Whether ``text`` holds, in any case, a spoken "dot" (``ENGLISH`` needs one) or another language's word for
    "@" (``ABROAD`` needs one)."""
    lower = text.lower()
    return "dot" in lower or any(word in lower for word in AT_WORDS)
