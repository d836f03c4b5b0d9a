"""The input and output guards: gateway stages that call the safety service.

``SafetyGuard`` resolves the request's policy (model, key name), calls the safety service
(through a ``SafetyClient``, services/gateway/clients.py), records the safety metrics and applies
the policy's ``on_failure`` when the service fails. ``InputGuard`` scans the prompt before the
engine (refusing with a 400 ``content_filter`` or rewriting it); ``OutputGuard`` scans answers,
and streamed answers in windows with a hold-back so no blocked or redacted span reaches the
client. Neither ever logs prompt or answer text.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import aclosing
from typing import Any

from services.common.errors import ContentFilterError, SafetyUnavailableError
from services.gateway.clients import SafetyClient
from services.gateway.pipeline import Chunks, PassThrough, RequestContext
from services.safety import metrics
from services.safety.pii import Entity, redact
from services.safety.policy import Policy, PolicySet
from services.safety.watermark import DEFAULT_KEY, Z_THRESHOLD


class SafetyGuard:
    def __init__(
        self, client: SafetyClient, policies: PolicySet, *, timeout_s: float = 2.0, watermark_key: int = DEFAULT_KEY
    ):
        self.client = client
        self.policies = policies
        self.timeout_s = timeout_s
        self.watermark_key = watermark_key

    def policy(self, ctx: RequestContext) -> Policy:
        return self.policies.resolve(ctx.model, ctx.principal.name if ctx.principal else None)

    async def check(self, ctx: RequestContext, texts: list[str], direction: str) -> dict[str, Any] | None:
        """The verdict, or None when the service failed and the policy says fail open."""
        policy = self.policy(ctx)
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout_s):
                verdict = await self.client.check(texts, direction, policy.model_dump(mode="json"))
        except Exception:  # noqa: BLE001 - down, slow or broken, the policy decides what follows
            outcome = "fail_open" if policy.on_failure == "open" else "fail_closed"
            metrics.FAILURES.labels(direction, outcome).inc()
            if outcome == "fail_closed":
                raise SafetyUnavailableError("The safety service is unavailable; the request was not served.") from None
            return None
        metrics.record(direction, verdict, time.perf_counter() - started)
        return verdict

    async def detect_watermark(
        self, model: str, key_name: str | None, text: str, gamma: float | None, threshold: float | None
    ) -> dict[str, Any]:
        """Watermark detection with the gamma of the policy that marked ``model``'s answers for this key."""
        rule = self.policies.resolve(model, key_name).watermark
        return await self.client.detect_watermark(
            model, text, gamma or rule.gamma, self.watermark_key, threshold or Z_THRESHOLD
        )


def prompt_texts(ctx: RequestContext) -> list[tuple[Any, Any, str]]:
    """(container, key, text) for every text the engine will read, so the text can be rewritten
    in place: chat message contents (and text parts), completion prompts."""
    found: list[tuple[Any, Any, str]] = []
    if ctx.route == "chat":
        for message in ctx.payload.get("messages", []):
            content = message.get("content")
            if isinstance(content, str):
                found.append((message, "content", content))
            elif isinstance(content, list):
                found += [
                    (part, "text", part["text"])
                    for part in content
                    if isinstance(part, dict) and isinstance(part.get("text"), str)
                ]
    elif ctx.route == "completions":
        prompt = ctx.payload.get("prompt")
        if isinstance(prompt, str):
            found.append((ctx.payload, "prompt", prompt))
        elif isinstance(prompt, list) and all(isinstance(p, str) for p in prompt):
            found += [(prompt, i, p) for i, p in enumerate(prompt)]
    return found


class InputGuard(PassThrough):
    """Scans the prompt; blocks (400 content_filter), redacts or pseudonymises it in the payload,
    and leaves the scores and the redacted prompt on the context for the request log."""

    def __init__(self, guard: SafetyGuard):
        self.guard = guard

    async def on_request(self, ctx: RequestContext) -> None:
        if ctx.route == "embeddings":
            return
        self._watermark(ctx)
        slots = prompt_texts(ctx)
        if not slots:
            return
        verdict = await self.guard.check(ctx, [text for _, _, text in slots], "input")
        if verdict is None:  # failed open: nothing known, and no redacted prompt to log
            return
        if verdict["blocked"]:
            raise ContentFilterError(
                f"The prompt was blocked by the content filter ({verdict['blocked']}).",
                param="messages" if ctx.route == "chat" else "prompt",
            )
        for (container, key, _), text in zip(slots, verdict["texts"], strict=True):
            container[key] = text
        ctx.vault.update(verdict["vault"])
        scores = verdict["scores"]
        for name in ("injection", "toxicity"):
            if name in scores:
                ctx.features[f"{name}_score"] = float(scores[name])
        ctx.features["pii_entities"] = float(scores.get("pii_entities", 0))
        # the only prompt text a log may keep (and only when the request log opts in): placeholders,
        # never the vault's values, and only from a scan that redacts names and addresses too
        ctx.redacted_prompt = "\n\n".join(verdict["texts"]) if _log_safe(verdict, self.guard.policy(ctx)) else None

    def _watermark(self, ctx: RequestContext) -> None:
        """Ask the engine's watermark logits processor to mark this answer (request or policy)."""
        requested = ctx.payload.pop("watermark", None)
        rule = self.guard.policy(ctx).watermark
        if rule.enabled or requested:  # a client's false never opts out of a policy that marks every answer
            ctx.payload["vllm_xargs"] = {
                "watermark": 1,
                "watermark_gamma": rule.gamma,
                "watermark_delta": rule.delta,
                "watermark_key": self.guard.watermark_key,
            }


LOGGABLE_AFTER = frozenset({"PERSON", "LOCATION"})  # names and addresses, besides the policy's pattern entities


def _log_safe(verdict: dict[str, Any], policy: Policy) -> bool:
    """The scanned prompt holds no PII the scan looked for: it redacted every entity found (or
    found none), and it looked for names and addresses. A ``flag`` or ``allow`` action leaves the
    text as it was, so it never qualifies."""
    action = verdict["actions"].get("pii")
    if action not in ("redact", "allow") or (action == "allow" and verdict["scores"].get("pii_entities")):
        return False
    return LOGGABLE_AFTER <= set(policy.pii.entities)


def restore(text: str, vault: dict[str, str]) -> str:
    for placeholder, value in vault.items():
        text = text.replace(placeholder, value)
    return text


def _choice_text(route: str, choice: dict[str, Any]) -> str | None:
    if route == "chat":
        return (choice.get("delta") or choice.get("message") or {}).get("content")
    return choice.get("text")


def _with_text(route: str, choice: dict[str, Any], text: str, *, key: str) -> dict[str, Any]:
    if route == "chat":
        return {**choice, key: {**(choice.get(key) or {}), "content": text}}
    return {**choice, "text": text}


class OutputGuard(PassThrough):
    """Scans generated text. A blocked answer ends with finish_reason ``content_filter`` and no
    blocked text; PII is replaced by ``<TYPE>``; pseudonymised values are restored last."""

    def __init__(
        self, guard: SafetyGuard, *, window_chars: int = 96, holdback_chars: int = 24, max_delay_s: float = 0.25
    ):
        self.guard = guard
        self.window_chars = window_chars
        self.holdback_chars = holdback_chars
        self.max_delay_s = max_delay_s

    async def on_response(self, ctx: RequestContext, response: dict[str, Any]) -> dict[str, Any]:
        if ctx.route == "embeddings":
            return response
        choices = response.get("choices") or []
        texts = [_choice_text(ctx.route, c) for c in choices]
        for i, (choice, text) in enumerate(zip(choices, texts, strict=True)):
            if not text:
                continue
            verdict = await self.guard.check(ctx, [text], "output")
            if verdict is not None and verdict["blocked"]:
                blocked = _with_text(ctx.route, choice, "", key="message")
                choices[i] = {**blocked, "finish_reason": "content_filter", "logprobs": None}
                continue
            if verdict is not None and verdict["texts"][0] != text:
                text = verdict["texts"][0]
                choice = {**choice, "logprobs": None}  # the token strings would spell out what was redacted
            choices[i] = _with_text(ctx.route, choice, restore(text, ctx.vault), key="message")
        return response

    def _cut(self, text: str, entities: list[Entity], final: bool) -> int:
        """Where to split scanned text into (released, held back)."""
        if final:
            return len(text)
        cut = len(text) - self.holdback_chars
        space = max(text.rfind(" ", 0, cut), text.rfind("\n", 0, cut))
        if space > 0:
            cut = space
        for e in entities:  # never split a detected span
            if e.start < cut < e.end:
                cut = e.start
        opening = text.rfind("<", 0, cut)  # never split a placeholder
        if opening > text.rfind(">", 0, cut):
            cut = opening
        return max(cut, 0)

    async def _release(self, ctx: RequestContext, pending: str, final: bool) -> tuple[str, int, bool, bool]:
        """(text to send, how much of ``pending`` it covers, blocked, rewritten)."""
        verdict = await self.guard.check(ctx, [pending], "output")
        if verdict is None:
            cut = self._cut(pending, [], final)
            return restore(pending[:cut], ctx.vault), cut, False, False
        if verdict["blocked"]:
            return "", len(pending), True, True
        entities = [Entity(**e) for e in verdict["entities"][0]] if verdict["actions"].get("pii") == "redact" else []
        cut = self._cut(pending, entities, final)
        released = redact(pending[:cut], [e for e in entities if e.end <= cut])
        return restore(released, ctx.vault), cut, False, released != pending[:cut]

    async def on_stream(self, ctx: RequestContext, chunks: Chunks) -> Chunks:
        pending: dict[int, str] = {}
        since: dict[int, float] = {}  # when the oldest unsent text of each choice arrived
        # logprobs of held text, with where their text ends in ``pending``: sent with that text when
        # it goes out unchanged, dropped when the guard rewrote it (they would spell out the original)
        held: dict[int, list[tuple[int, dict[str, Any]]]] = {}
        async with aclosing(chunks):  # returning early (blocked) closes the engine's stream at once
            async for chunk in chunks:
                choices = chunk.get("choices") or []
                if not choices:
                    yield chunk
                    continue
                for choice in choices:
                    index = choice.get("index", 0)
                    piece = _choice_text(ctx.route, choice) or ""
                    text = pending.get(index, "") + piece
                    if choice.get("logprobs"):
                        held.setdefault(index, []).append((len(text), choice["logprobs"]))
                    now = time.perf_counter()
                    if text and index not in since:
                        since[index] = now
                    final = choice.get("finish_reason") is not None
                    due = len(text) >= self.window_chars + self.holdback_chars or (
                        len(text) > self.holdback_chars and now - since.get(index, now) >= self.max_delay_s
                    )
                    release, logprobs = "", None
                    if text and (final or due):
                        release, cut, blocked, rewritten = await self._release(ctx, text, final)
                        since[index] = now  # what is still held waits for the next window or delay
                        if blocked:
                            out = {**_with_text(ctx.route, choice, "", key="delta"), "logprobs": None}
                            yield {**chunk, "choices": [{**out, "finish_reason": "content_filter"}]}
                            return
                        entries = held.pop(index, [])
                        sent = [lp for end, lp in entries if end <= cut]
                        held[index] = [(end - cut, lp) for end, lp in entries if end > cut]
                        logprobs = None if rewritten or not sent else _merge_logprobs(sent)
                        text = text[cut:]
                    pending[index] = text
                    others = set((choice.get("delta") or {}) if ctx.route == "chat" else {}) - {"content"}
                    if release or final or others or logprobs:
                        out = _with_text(ctx.route, choice, release, key="delta")
                        yield {**chunk, "choices": [{**out, "logprobs": logprobs} if "logprobs" in choice else out]}


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
