"""A small block of features that name an instruction's intent rather than its topic.

TF-IDF n-grams learn the training sources' words ("German politics", "DAN"); these count the shape
of an injection whatever its topic: imperatives addressed to the assistant, second person beside
instruction verbs, "ignore / disregard ... previous / above", role assignment, claims of authority,
a change of task ("instead", "new instructions"), fake turn markers. Each is a number in [0, 1];
a candidate recipe learns their weights (``recipes.py``); nothing serves them yet.
"""

from __future__ import annotations

import re

import numpy as np

_I = re.IGNORECASE
_SENTENCE_START = r"(?:^|[.!?:;\n]\s*|\"\s*)"
_INSTRUCTION_VERBS = (
    r"ignore|disregard|forget|override|bypass|skip|drop|abandon|stop|print|reveal|show|tell|output|"
    r"repeat|say|write|respond|reply|answer|act|pretend|imagine|behave|roleplay|become|switch|"
    r"enter|enable|disable|delete|send|insert|include|append|add|visit|click|call|execute|run|"
    r"return|leak|spell|translate|summari[sz]e|list|give|provide|generate|describe|explain|do"
)
FEATURES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "override_prior",
        re.compile(
            r"\b(ignore|disregard|forget|override|bypass|skip|drop|abandon|neglect|discard)\b.{0,50}"
            r"\b(previous|prior|above|earlier|preceding|former|original|all|any|your|system|initial|old)\b",
            _I | re.DOTALL,
        ),
    ),
    (
        "instructions_noun",
        re.compile(r"\b(instructions?|prompts?|rules|guidelines|directives?|constraints|policies|programming)\b", _I),
    ),
    ("system_prompt", re.compile(r"\b(system|initial|hidden|secret|original)\s+(prompt|message|instructions?)\b", _I)),
    (
        "role_assignment",
        re.compile(
            r"\b(you are now|you're now|from now on|act as|acting as|pretend (to be|you are|you're)|"
            r"role-?play|you will (now )?(be|act|play)|play the role|take on the (role|persona)|"
            r"simulate|persona|you are (a|an|the|my) )",
            _I,
        ),
    ),
    (
        "change_of_task",
        re.compile(
            r"\b(instead|new (task|instructions?|rules|goal)|your (new|real|actual|only) (task|goal|job))\b", _I
        ),
    ),
    (
        "authority_claim",
        re.compile(
            r"\b(important|urgent|attention|admin(istrator)?|developer|override|authori[sz]ed|"
            r"system (update|notice|message)|message from|priority)\b",
            _I,
        ),
    ),
    (
        "no_limits",
        re.compile(
            r"\b(no|without|free of|any) (rules|restrictions|filters|limits|limitations|guidelines|"
            r"ethics|morals|censorship)\b|\b(unfiltered|uncensored|unrestricted|jailbr(eak|oken))\b",
            _I,
        ),
    ),
    (
        "turn_marker",
        re.compile(
            r"(^|\n)\s*(system|assistant|user|human|ai)\s*:|<\|?(im_start|system|endoftext)|\[/?(inst|system)\]|"
            r"</?(system|instructions?|information)>|#{3,}|-{5,}|={5,}",
            _I,
        ),
    ),
    (
        "imperative_start",
        re.compile(_SENTENCE_START + r"(now |please |first,? |then,? |also,? )?(" + _INSTRUCTION_VERBS + r")\b", _I),
    ),
    (
        "addressed_to_model",
        re.compile(r"\b(you|your|yourself)\b.{0,30}\b(must|should|will|shall|have to|need to)\b", _I),
    ),
    (
        "to_the_assistant",
        re.compile(r"\b(assistant|chatbot|language model|llm|ai model|model|gpt|chatgpt|bot|ai)\b", _I),
    ),
    (
        "output_forcing",
        re.compile(
            r"\b(respond|reply|answer|say|output|print|write|return)\b.{0,20}"
            r"\b(only|exactly|verbatim|with|the (word|phrase|following))\b",
            _I,
        ),
    ),
    (
        "exfiltration",
        re.compile(r"!\[[^\]]*\]\(|https?://|\b(url|link|image|markdown|send|email|e-mail|forward)\b", _I),
    ),
)
NAMES = tuple(name for name, _ in FEATURES) + ("second_person_rate", "log_length")


def intent_vector(text: str) -> np.ndarray:
    """The block for one text: ``len(NAMES)`` floats in [0, 1]."""
    out = np.zeros(len(NAMES), dtype=np.float32)
    for i, (_, pattern) in enumerate(FEATURES):
        hits = sum(1 for _ in zip(range(3), pattern.finditer(text), strict=False))
        out[i] = hits / 3.0
    words = max(len(text.split()), 1)
    out[-2] = min(len(_SECOND_PERSON.findall(text)) / words * 5.0, 1.0)
    out[-1] = min(np.log1p(len(text)) / 10.0, 1.0)
    return out


_SECOND_PERSON = re.compile(r"\b(you|your|yours|yourself|u)\b", _I)


def intent_matrix(texts: list[str]) -> np.ndarray:
    return np.stack([intent_vector(t) for t in texts]) if texts else np.zeros((0, len(NAMES)), dtype=np.float32)
