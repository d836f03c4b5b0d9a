"""The parts of a long text that the injection classifier scores beside the whole.

One injected sentence inside a long benign document (a pasted e-mail, a tool result, a CSV cell)
is a small share of the whole text's n-grams and tokens, so the whole text's score averages it
away. ``parts`` cuts a text into its lines and sentences, each joined with the next until it
holds at least ``min_chars`` characters (so no part is a lone word, which the classifier scores
as a short text), and the served score is the highest of the whole text's and its parts'
(``InjectionClassifier.scores`` with ``part_min_chars``; measured with
``loadtests.bench_injection_sources --part-min-chars``).
"""

from __future__ import annotations

import re

# a line break, or the space after a sentence's end; CJK full stops need no space after them
_BREAK = re.compile(r"\n+|(?<=[.!?;:])\s+|(?<=[。！？；])")


def parts(text: str, min_chars: int) -> list[str]:
    """The text's lines and sentences, consecutive short ones joined (a last short one joins the
    part before it); no parts for a text that is one part."""
    pieces = [p.strip() for p in _BREAK.split(text) if p and p.strip()]
    out: list[str] = []
    current = ""
    for piece in pieces:
        current = f"{current} {piece}" if current else piece
        if len(current) >= min_chars:
            out.append(current)
            current = ""
    if current:
        if out:
            out[-1] = f"{out[-1]} {current}"
        else:
            out.append(current)
    return out if len(out) > 1 else []
