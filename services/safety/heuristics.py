"""Cheap prompt-injection heuristics, combined with the classifier into one score.

Three signals, each a score in [0, 1] with a short reason (never the matched text):

- hidden characters: zero-width, bidirectional overrides and Unicode tag characters hide text
  from a human reviewer while the model still reads it;
- encoded payloads: long base64 or hex runs that decode to readable text (an instruction
  smuggled past keyword filters);
- override phrasing: "ignore the previous instructions", "you are now DAN", "developer mode",
  "pretend you have no rules" and similar role-play or instruction overrides.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

# Zero-width and joiner characters, bidi embeddings/overrides/isolates, BOM, Unicode tags.
_HIDDEN = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]")
_BASE64_RUN = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{32,}={0,2}(?![A-Za-z0-9+/=])")
_HEX_RUN = re.compile(r"(?<![0-9a-fA-F])(?:[0-9a-fA-F]{2}){20,}(?![0-9a-fA-F])")

_OVERRIDES: list[tuple[re.Pattern[str], float]] = [
    (
        re.compile(
            r"\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(previous|prior|above|earlier|preceding|all|your|system)\b.{0,30}\b(instructions?|prompts?|rules|guidelines|directions|context|messages?)\b",
            re.IGNORECASE | re.DOTALL,
        ),
        0.9,
    ),
    (
        re.compile(
            r"\b(system prompt|initial instructions|hidden instructions)\b.{0,40}"
            r"\b(reveal|print|show|repeat|output|tell)\b"
            r"|\b(reveal|print|show|repeat|output|tell me)\b.{0,40}"
            r"\b(system prompt|initial instructions|hidden instructions)\b",
            re.IGNORECASE | re.DOTALL,
        ),
        0.8,
    ),
    (
        re.compile(
            r"\b(you are now|from now on,? you are|you will now act as)\b.{0,60}"
            r"\b((?-i:DAN)|jailbroken|unfiltered|uncensored|unrestricted|evil|no (rules|restrictions|limits))\b",
            re.IGNORECASE | re.DOTALL,
        ),
        0.9,
    ),
    (re.compile(r"\b((?-i:DAN)|do anything now|developer mode|jailbreak(?:ed)? mode|god mode)\b", re.IGNORECASE), 0.7),
    (
        re.compile(
            r"\b(pretend|imagine|act as if|roleplay as|role-play as)\b.{0,60}\b(no|without)\b.{0,20}"
            r"\b(rules|restrictions|filters|limits|guidelines|ethics)\b",
            re.IGNORECASE | re.DOTALL,
        ),
        0.8,
    ),
    (re.compile(r"\bnew instructions?\s*:", re.IGNORECASE), 0.6),
]


@dataclass(frozen=True)
class HeuristicResult:
    score: float
    reasons: tuple[str, ...]


def _decodes_to_text(raw: bytes) -> bool:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    printable = sum(ch.isprintable() or ch.isspace() for ch in text)
    return len(text) >= 16 and printable / len(text) > 0.95 and sum(ch.isalpha() for ch in text) / len(text) > 0.5


def encoded_payloads(text: str) -> list[str]:
    """The decoded texts of base64 / hex runs that decode to readable text."""
    found = []
    for match in _BASE64_RUN.finditer(text):
        run = match.group(0)
        try:
            raw = base64.b64decode(run + "=" * (-len(run) % 4), validate=True)
        except (binascii.Error, ValueError):
            continue
        if _decodes_to_text(raw):
            found.append(raw.decode("utf-8"))
    for match in _HEX_RUN.finditer(text):
        raw = bytes.fromhex(match.group(0))
        if _decodes_to_text(raw):
            found.append(raw.decode("utf-8"))
    return found


# The words every match of an ``_OVERRIDES`` pattern opens with (each pattern's first words, or their first
# part: "jailbreak" for "jailbreaked mode"): one scan for all of them, the six patterns only where one stands.
# (It first looks ahead at the letters those words open with: the engine then skips other positions at once.)
_OPENING_WORDS = re.compile(
    r"(?=[abdfghijnoprsty])\b(?:ignore|disregard|forget|override|bypass|system prompt|initial instructions"
    r"|hidden instructions|reveal"
    r"|print|show|repeat|output|tell me|you are now|from now on|you will now act as|(?-i:DAN)|do anything now"
    r"|developer mode|jailbreak|god mode|pretend|imagine|act as if|roleplay as|role-play as|new instruction)",
    re.IGNORECASE,
)


def override_score(text: str) -> float:
    if not _OPENING_WORDS.search(text):
        return 0.0
    return max((weight for pattern, weight in _OVERRIDES if pattern.search(text)), default=0.0)


def scan(text: str) -> HeuristicResult:
    score, reasons = 0.0, []
    if _HIDDEN.search(text):
        score, reasons = 0.8, ["hidden_characters"]
    payloads = encoded_payloads(text)
    if payloads:
        # a decoded payload that is itself an override is as bad as the plain one, and hiding it is worse
        payload_score = max(0.6, *(min(1.0, override_score(p) + 0.1) for p in payloads))
        score = max(score, payload_score)
        reasons.append("encoded_payload")
    phrase = override_score(_HIDDEN.sub("", text))
    if phrase:
        score = max(score, phrase)
        reasons.append("override_phrasing")
    return HeuristicResult(score, tuple(reasons))


def combine(classifier: float, heuristic: float) -> float:
    """Noisy-OR of the two signals: either one alone can carry the score to 1."""
    return 1.0 - (1.0 - classifier) * (1.0 - heuristic)
