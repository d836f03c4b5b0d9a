"""The output guard on a streamed answer: clean text leaves word by word, and only text a detector
could still change is held back.

Per choice the guard keeps the text not yet sent (``Held``). It scans that text (with the last
``CONTEXT_CHARS`` characters already sent in front, from a word's start, so context words and the
classifiers see what came before) as soon as a first word is complete, then each time ``window_chars`` new characters
have arrived or the oldest unsent text is ``max_delay_s`` old, and at the end of the choice. After
each scan it sends everything up to the cut (``cut_point``) and holds back only:

- the unfinished last word (it may still grow into an e-mail address, a card number, ...);
- before it, a run of words that could be the start of a longer match (``grows``: words with
  digits or symbols such as ``@ + ( ) : /``; capitalised words too when the policy looks for
  names, addresses or other non-pattern entities), at most ``holdback_chars`` long and back to
  the last word ending a sentence with ``!`` or ``?`` ("Sure! Here" holds only "Here");
- any detected span or pseudonym placeholder the cut would split.

The first word of an answer is the one exception to holding the unfinished word: when nothing has
been sent yet and the held text is one word of letters from a closed list of answer openers
(``FIRST_WORDS``: "The", "A", "Once", "Sure", "Dear", ...), it is scanned and, clean, sent at once
instead of waiting for the next token to show it whole (at one stream that wait was most of what
the guard added to the first token's time). The price: such a word may still turn out to be the
start of a longer one ("The" + "odore Okafor"), and then at most the opener's letters have gone
out. What follows is judged with them: the sent part of an unfinished word counts as the start of
the held text's first word (``cut_point``'s ``prefix``: "odore" is held as "Theodore", a capitalised
word that may be a name), and an entity found across the boundary is redacted from where the held
text's first word starts, so the client reads "The<PERSON> is ..." (and "To <PERSON>" where the
recogniser's span takes in a sent "To" before a name). A block after it ends the choice with
``content_filter`` like any other.

An unfinished word longer than ``window_chars`` (text without spaces) is cut, keeping its last
``holdback_chars``. Sent text that the guard left unchanged keeps the engine's chunk boundaries and
each chunk's logprobs; text it rewrote goes out as one chunk without logprobs (the token strings
would spell out what was redacted). A block ends the choice with ``content_filter`` and none of
the blocked text, and closes the engine's stream.
"""

from __future__ import annotations

import re
import time
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from services.gateway.guard_fields import StreamExtras
from services.gateway.pipeline import Chunks, RequestContext
from services.safety.pii import Entity, redact
from services.safety.policy import Policy
from services.safety.recognizers import RUN_OPENERS

if TYPE_CHECKING:
    from services.gateway.guard import OutputGuard

CONTEXT_CHARS = 64
# characters that make a word a possible part of a longer pattern match (phone, card, IBAN, IP, e-mail, URL)
_GROWING = re.compile(r"[\d@+#%&/\\:=_|()\[\]<>$€£]")
_WORDS = re.compile(r"\S+")
_SPACE = re.compile(r"\s")
_SENTENCE_END = ("!", "?")  # not ".": "Dr." and initials ("J.") run on into a name
# Answer openers that may leave as the first word before the next token shows them whole: common first
# words of an answer, none a given name or surname in the name recogniser's lists ("Will", "Can",
# "Good" are left out), plus the run openers that the recogniser never puts in a name; each passes
# the shipped policy's scan alone (toxicity highest for "Her", 0.979, judged at 0.99 as a short
# text). Letters only: a word with digits or symbols may be the start of a number or an address.
FIRST_WORDS = RUN_OPENERS | frozenset(
    "a an the yes no sure certainly absolutely okay ok well great sorry unfortunately however of "
    "here there it in to on at for as if when what why how once one some many most all every let "
    "we you they so and but or because while after before during today first step title subject "
    "welcome imagine is are was do does could would should".split()
)
_LETTERS = re.compile(r"[A-Za-z]+")
_TAIL = re.compile(r"\S+$")
# entity types whose matches are made of such words; any other type (names, addresses, dates of
# birth, whatever recognisers the policy adds) may also run over capitalised words
PATTERN_ENTITIES = frozenset(
    "EMAIL_ADDRESS PHONE_NUMBER CREDIT_CARD US_SSN IBAN_CODE IP_ADDRESS CRYPTO URL US_BANK_NUMBER US_ITIN"
    " US_PASSPORT UK_NHS".split()
)


def holds_capitals(policy: Policy) -> bool:
    """Whether capitalised words may be part of a match under ``policy`` (names, addresses, ...)."""
    return not set(policy.pii.entities) <= PATTERN_ENTITIES


def grows(word: str, capitals: bool) -> bool:
    """Whether ``word`` could be part of a PII match that the next words complete."""
    return bool(_GROWING.search(word)) or (capitals and word[:1].isupper())


def opens_run(word: str) -> bool:
    """A capitalised word that, first in a run of capitalised words, is never part of a name found
    in the run: a determiner, a greeting, a title ("The", "Dear", "Dr.")."""
    return not _GROWING.search(word) and word.lower().rstrip(".:,") in RUN_OPENERS


def first_word_ready(text: str) -> bool:
    """Whether ``text``, the start of an answer with nothing sent yet, is one listed opener that may
    leave before the next token shows it whole (see the module docstring)."""
    word = text.lstrip()
    return _LETTERS.fullmatch(word) is not None and word.lower() in FIRST_WORDS


def unfinished_word(sent: str, text: str) -> str:
    """The part of a word already sent that ``text`` goes on ("The" when ``sent`` ends in "The" and
    ``text`` starts "odore"), or ""."""
    if not text or text[0].isspace() or not sent or sent[-1].isspace():
        return ""
    return _TAIL.search(sent).group()


def last_words(text: str, limit: int) -> str:
    """The end of ``text``, at most ``limit`` characters, from the start of a word (a word cut in
    two reads to the classifiers and recognisers as another word: "l of France"); the bare last
    ``limit`` characters when they hold no space."""
    if len(text) <= limit:
        return text
    tail = text[-limit:]
    space = None if text[-limit - 1].isspace() else _SPACE.search(tail)
    return tail[space.start() :] if space else tail


def cut_point(
    text: str,
    entities: list[Entity],
    final: bool,
    *,
    holdback: int,
    longest_word: int,
    capitals: bool,
    prefix: str = "",
    first: bool = False,
) -> int:
    """How much of ``text`` (scanned, not yet sent) can be sent now. ``prefix``: the part of an
    unfinished word already sent that ``text`` goes on (``unfinished_word``), judged with the
    word's rest; ``first``: nothing has been sent yet (``first_word_ready``)."""
    if final:
        return len(text)
    hold = len(text) if first and first_word_ready(text) else _hold(text, holdback, capitals, prefix)
    cut = len(text[:hold].rstrip())  # the whitespace before held text goes with it
    if len(text) - cut > longest_word + holdback:  # no spaces for a long stretch: keep the last holdback only
        cut = len(text) - holdback
    for e in sorted(entities, key=lambda e: -e.start):  # never split a detected span
        if e.start < cut < e.end:
            cut = e.start
    opening = text.rfind("<", 0, cut)  # never split a placeholder
    if opening > text.rfind(">", 0, cut):
        cut = opening
    return max(cut, 0)


def _hold(text: str, holdback: int, capitals: bool, prefix: str) -> int:
    """Where the held part of ``text`` starts: its unfinished last word and the run of growing
    words before it (see the module docstring)."""

    def word(start: int, end: int) -> str:
        return (prefix if start == 0 else "") + text[start:end]

    words = [(m.start(), m.end()) for m in _WORDS.finditer(text)]
    hold = len(text)
    open_run = True  # the text ends in whitespace or a word that may still grow: growing words before it are held
    if words and words[-1][1] == len(text):  # the unfinished last word
        hold = words[-1][0]
        open_run = grows(word(*words[-1]), capitals)
        words.pop()
    run: list[int] = []  # starts of the growing words held before the unfinished one
    while open_run and words and grows(held := word(*words[-1]), capitals):
        if len(text) - words[-1][0] > holdback or held.endswith(_SENTENCE_END):
            break  # a word that ends a sentence ends any match: what follows cannot change it
        run.insert(0, words.pop()[0])
    if capitals and not (words and grows(word(*words[-1]), capitals)):  # the run starts here
        while run and opens_run(word(run[0], _WORDS.match(text, run[0]).end())):  # "The", "Dear": never in a name
            run.pop(0)
    return run[0] if run else hold


@dataclass
class Held:
    """One choice's text not sent yet, with the engine chunks it came in."""

    text: str = ""
    pieces: list[list[Any]] = field(default_factory=list)  # [end offset in text, logprobs] per engine chunk
    context: str = ""  # the last characters sent (unredacted), scanned in front of ``text``
    since: float | None = None  # when the oldest unsent text arrived
    unscanned: int = 0  # characters arrived since the last scan
    sent_any: bool = False

    def add(self, piece: str, logprobs: Any, now: float) -> None:
        if not piece and logprobs and self.pieces:  # logprobs without text: they belong to the last piece
            self.pieces[-1][1] = _merge_logprobs([p for p in (self.pieces[-1][1], logprobs) if p])
            return
        if piece and self.since is None:
            self.since = now
        self.text += piece
        self.unscanned += len(piece)
        if piece or logprobs:
            self.pieces.append([len(self.text), logprobs])

    def take(self, cut: int) -> list[tuple[str, Any]]:
        """Remove ``text[:cut]``: its (text, logprobs) per engine chunk. A chunk the cut splits
        sends its first part now, without logprobs; they go with its last part."""
        out, start = [], 0
        rest = []
        for end, logprobs in self.pieces:
            if end <= cut:
                out.append((self.text[start:end], logprobs))
            else:
                if start < cut:
                    out.append((self.text[start:cut], None))
                rest.append([end - cut, logprobs])
            start = end
        self.context = last_words(self.context + self.text[:cut], CONTEXT_CHARS)
        self.text, self.pieces = self.text[cut:], rest
        return [(t, lp) for t, lp in out if t or lp]


async def guard_stream(guard: OutputGuard, ctx: RequestContext, chunks: Chunks) -> Chunks:
    """``OutputGuard.on_stream``: see the module docstring."""
    from services.gateway.guard import _blocked_choice, _choice_text, _with_text, restore

    held: dict[int, Held] = {}
    extras: dict[int, StreamExtras] = {}
    async with aclosing(chunks):  # returning early (blocked) closes the engine's stream at once
        async for chunk in chunks:
            choices = chunk.get("choices") or []
            if not choices:
                yield chunk
                continue
            for choice in choices:
                index = choice.get("index", 0)
                if ctx.route == "chat" and isinstance(choice.get("delta"), dict):
                    # tool calls, refusal, reasoning: gathered and scanned whole when the choice ends
                    choice = {**choice, "delta": extras.setdefault(index, StreamExtras()).take(choice["delta"])}
                state = held.setdefault(index, Held())
                now = time.perf_counter()
                state.add(_choice_text(ctx.route, choice) or "", choice.get("logprobs"), now)
                final = choice.get("finish_reason") is not None
                parts: list[tuple[str, Any]] = []
                if state.text and (final or _due(guard, state, now)):
                    parts = await _scan(guard, ctx, state, final)
                    if parts is None:  # blocked
                        out = {**_with_text(ctx.route, choice, "", key="delta"), "logprobs": None}
                        yield {**chunk, "choices": [{**out, "finish_reason": "content_filter"}]}
                        return
                gathered: dict[str, Any] = {}
                if final and extras.get(index):
                    gathered = extras.pop(index).message()
                    if not await guard._extras(ctx, gathered):
                        yield {**chunk, "choices": [_blocked_choice(ctx.route, choice, "delta")]}
                        return
                others = set((choice.get("delta") or {}) if ctx.route == "chat" else {}) - {"content"}
                if not (parts or final or others):
                    continue
                parts = parts or [("", None)]
                for i, (text, logprobs) in enumerate(parts):
                    out = _with_text(ctx.route, choice, restore(text, ctx.vault), key="delta")
                    if ctx.route == "chat" and i > 0:  # role and the like go with the first part only
                        out["delta"] = {"content": out["delta"]["content"]}
                    last = i == len(parts) - 1
                    if last and gathered:
                        out["delta"] = {**out["delta"], **gathered}
                    if not last:
                        out["finish_reason"] = None
                    if "logprobs" in choice or logprobs:
                        out["logprobs"] = logprobs
                    yield {**chunk, "choices": [out]}


def _due(guard: OutputGuard, state: Held, now: float) -> bool:
    """Whether to scan now: text is waiting that a scan could release, and this is the first word,
    or a window's worth has arrived, or the oldest unsent text has waited long enough. A scan can
    release more only once a word has ended since the last one (text that only lengthens the last
    word cannot move the cut: see ``cut_point``) or the unbroken text outgrows the window, or, first
    of all, when the answer so far is one listed opener (``first_word_ready``)."""
    text = state.text
    if not state.sent_any and first_word_ready(text):
        return True
    since = max(len(text) - state.unscanned, len(text) - len(text.lstrip()))  # new text, from the first word on
    if not any(ch.isspace() for ch in text[since:]) and len(text) <= guard.window_chars:
        return False  # no word ended since the last scan: nothing more could be sent
    return (
        not state.sent_any or state.unscanned >= guard.window_chars or now - (state.since or now) >= guard.max_delay_s
    )


async def _scan(guard: OutputGuard, ctx: RequestContext, state: Held, final: bool) -> list[tuple[str, Any]] | None:
    """Scan the held text and take what may be sent: (text, logprobs) parts, or None when blocked."""
    from services.gateway.guard import _verdict_word, note_decision

    capitals = holds_capitals(guard.guard.policy(ctx))
    verdict = await guard.guard.check(ctx, [state.context + state.text], "output")
    state.unscanned = 0
    state.since = time.perf_counter()  # what stays held waits for the next window or delay
    entities: list[Entity] = []
    if verdict is not None:
        if verdict["blocked"]:
            note_decision(ctx, "output_guard", _verdict_word(verdict, True))
            return None
        if verdict["actions"].get("pii") == "redact":
            shift = len(state.context)  # entities in the context were dealt with when it was sent
            # one that began in sent text (a sent first word it runs on from): redacted from where the
            # held text's first word starts, so "To" + " Maria Lopez" reads "To <PERSON>"
            lead = len(state.text) - len(state.text.lstrip())
            entities = [
                Entity(e["type"], e["start"] - shift if e["start"] >= shift else lead, e["end"] - shift, e["score"])
                for e in verdict["entities"][0]
                if e["end"] > shift
            ]
            entities = [e for e in entities if e.end > e.start]
    cut = cut_point(
        state.text,
        entities,
        final,
        holdback=guard.holdback_chars,
        longest_word=guard.window_chars,
        capitals=capitals,
        prefix=unfinished_word(state.context, state.text),
        first=not state.sent_any,
    )
    original = state.text[:cut]
    released = redact(original, [e for e in entities if e.end <= cut])
    if verdict is not None:
        note_decision(ctx, "output_guard", _verdict_word(verdict, released != original))
    parts = state.take(cut)
    if not parts:
        return []
    state.sent_any = True
    if released != original:  # rewritten: one part, no logprobs (they would spell out the original)
        return [(released, None)]
    if ctx.vault:  # a placeholder may span engine chunks: restore it whole
        logprobs = [lp for _, lp in parts if lp]
        return [(original, _merge_logprobs(logprobs) if logprobs else None)]
    return parts


def _merge_logprobs(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One logprobs object from several chunks' (chat ``content`` lists, completions' parallel lists)."""
    merged: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, list):
                merged[key] = [*(merged.get(key) or []), *value]
            elif value is not None or key not in merged:
                merged[key] = value
    return merged
