"""Where text hides in a request and in an answer: every place the guards must scan.

A request carries text beyond the chat ``content``: other message fields (``name``,
``refusal``, ``reasoning_content``, the arguments of earlier ``tool_calls`` and
``function_call``, ``annotations``), text and refusal content parts, ``tools`` definitions
(descriptions, parameter schemas, enum values), the completion ``suffix`` and the embeddings
``input``. :func:`prompt_texts` finds each of them as ``(container, key, text)`` so the input
guard can rewrite it in place. Identifiers (``id``, ``type``, ``tool_call_id``, ``role``) and
binary parts (images, audio, files) are not text to scan.

Prompts given as token ids cannot be scanned (the gateway has no tokenizer): see
:func:`token_id_param`; the policy's ``token_prompts`` decides whether they are refused.

Answers carry text in ``tool_calls`` too (and ``refusal`` / ``reasoning_content``):
:func:`answer_extras` finds those of a whole message, and :class:`StreamExtras` gathers them
from streamed deltas so the output guard scans them whole before anything of them is sent.
"""

from __future__ import annotations

from typing import Any

from services.gateway.pipeline import RequestContext

Found = list[tuple[Any, Any, str]]

_IDENTIFIERS = frozenset({"id", "type", "role", "tool_call_id", "index"})
_TEXT_PARTS = {"text": "text", "refusal": "refusal"}  # content part type -> its text field
_EXTRA_TEXT = ("refusal", "reasoning_content")  # answer fields besides content that hold text


def _leaves(obj: Any, found: Found) -> None:
    """Every non-empty string inside ``obj`` (dicts and lists), skipping identifier fields."""
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for key, value in items:
        if isinstance(value, str):
            if value and key not in _IDENTIFIERS:
                found.append((obj, key, value))
        elif isinstance(value, dict | list):
            _leaves(value, found)


def prompt_texts(ctx: RequestContext) -> Found:
    """(container, key, text) for every text of the request the engine will read: chat message
    contents first (what the request log's redacted prompt is made of), then everything else."""
    found: Found = []
    payload = ctx.payload
    if ctx.route == "chat":
        rest: Found = []
        for message in payload.get("messages", []):
            for key, value in message.items():
                if key == "content" and isinstance(value, str):
                    found.append((message, key, value))
                elif key == "content" and isinstance(value, list):
                    for part in value:
                        field = _TEXT_PARTS.get(part.get("type")) if isinstance(part, dict) else None
                        if field and isinstance(part.get(field), str) and part[field]:
                            found.append((part, field, part[field]))
                elif key not in _IDENTIFIERS and key != "content":
                    if isinstance(value, str) and value:
                        rest.append((message, key, value))
                    elif isinstance(value, dict | list):
                        _leaves(value, rest)
        _leaves(payload.get("tools"), rest)
        found += rest
    elif ctx.route == "completions":
        _strings(payload, "prompt", found)
        if isinstance(payload.get("suffix"), str) and payload["suffix"]:
            found.append((payload, "suffix", payload["suffix"]))
    elif ctx.route == "embeddings":
        _strings(payload, "input", found)
    return found


def _strings(payload: dict[str, Any], key: str, found: Found) -> None:
    """A field that is a string or a list of strings (``prompt``, ``input``); token ids are not text."""
    value = payload.get(key)
    if isinstance(value, str):
        found.append((payload, key, value))
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        found += [(value, i, v) for i, v in enumerate(value)]


def token_id_param(ctx: RequestContext) -> str | None:
    """The parameter (``prompt`` / ``input``) when the request gives it as token ids, else None."""
    param = {"completions": "prompt", "embeddings": "input"}.get(ctx.route)
    value = ctx.payload.get(param) if param else None
    if isinstance(value, list) and value and all(isinstance(v, int | list) for v in value):
        return param
    return None


def answer_extras(message: dict[str, Any]) -> Found:
    """Text in a whole answer message besides its content: tool call arguments and names,
    ``function_call``, ``refusal``, ``reasoning_content``."""
    found: Found = []
    for key in _EXTRA_TEXT:
        if isinstance(message.get(key), str) and message[key]:
            found.append((message, key, message[key]))
    _leaves(message.get("tool_calls"), found)
    _leaves(message.get("function_call"), found)
    return found


class StreamExtras:
    """Streamed ``tool_calls`` / ``refusal`` / ``reasoning_content`` deltas of one choice,
    gathered (tool call fragments merged by their index) until the choice finishes, so the
    output guard scans them whole and sends them as one delta."""

    def __init__(self) -> None:
        self.tool_calls: dict[int, dict[str, Any]] = {}
        self.function_call: dict[str, str] = {}  # the legacy single function call
        self.texts: dict[str, str] = {}

    def take(self, delta: dict[str, Any]) -> dict[str, Any]:
        """Absorb the delta's extras; returns the delta without them."""
        for key in _EXTRA_TEXT:
            if isinstance(delta.get(key), str):
                self.texts[key] = self.texts.get(key, "") + delta[key]
        for call in delta.get("tool_calls") or ():
            merged = self.tool_calls.setdefault(int(call.get("index", 0)), {"index": int(call.get("index", 0))})
            for key in ("id", "type"):
                if call.get(key):
                    merged[key] = call[key]
            function = call.get("function") or {}
            target = merged.setdefault("function", {})
            for key in ("name", "arguments"):
                if isinstance(function.get(key), str):
                    target[key] = target.get(key, "") + function[key]
        for key, value in (delta.get("function_call") or {}).items():
            if isinstance(value, str):
                self.function_call[key] = self.function_call.get(key, "") + value
        return {k: v for k, v in delta.items() if k not in ("tool_calls", "function_call") and k not in _EXTRA_TEXT}

    def __bool__(self) -> bool:
        return bool(self.tool_calls or self.texts or self.function_call)

    def message(self) -> dict[str, Any]:
        """The gathered extras as one delta's fields."""
        out: dict[str, Any] = dict(self.texts)
        if self.tool_calls:
            out["tool_calls"] = [self.tool_calls[i] for i in sorted(self.tool_calls)]
        if self.function_call:
            out["function_call"] = dict(self.function_call)
        return out
