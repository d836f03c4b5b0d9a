"""The input and output guards: gateway stages that call the safety service.

``SafetyGuard`` resolves the request's policy (model, key name), calls the safety service
(through a ``SafetyClient``, services/gateway/clients.py), records the safety metrics and applies
the policy's ``on_failure`` when the service fails. ``InputGuard`` scans the prompt before the
engine (refusing with a 400 ``content_filter`` or rewriting it); ``OutputGuard`` scans answers,
and streamed answers word by word, holding back only what a detector could still change
(``stream_guard.py``), so no blocked or redacted span reaches the client. Neither ever logs prompt or answer text.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from services.common.errors import ContentFilterError, InvalidRequestError, SafetyUnavailableError
from services.gateway.clients import SafetyClient
from services.gateway.guard_fields import answer_extras, prompt_texts, token_id_param
from services.gateway.pipeline import Chunks, PassThrough, RequestContext
from services.safety import metrics
from services.safety.policy import DETECTORS, Policy, PolicySet
from services.safety.watermark import DEFAULT_KEY, Z_THRESHOLD

_RANK = {"not_scanned": 0, "pass": 1, "flag": 2, "fail_open": 3, "rewrite": 4, "block": 5}


def note_decision(ctx: RequestContext, slot: str, word: str) -> None:
    """Record a guard's decision for the audit log, keeping the strongest one seen for the request
    (a streamed answer is scanned window by window)."""
    current = ctx.decisions.get(slot)
    if current is None or _RANK.get(word.split(":")[0], 0) > _RANK.get(current.split(":")[0], 0):
        ctx.decisions[slot] = word


def _verdict_word(verdict: dict[str, Any], changed: bool) -> str:
    if verdict["blocked"]:
        return f"block:{verdict['blocked']}"
    if changed:
        return "rewrite"
    return "flag" if "flag" in (verdict.get("actions") or {}).values() else "pass"


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

    def scans(self, ctx: RequestContext, direction: str) -> bool:
        """Whether the request's policy has any detector on in this direction (else no scan at
        all, and a stream passes chunk for chunk)."""
        policy = self.policy(ctx)
        return any(policy.active(d, direction) for d in DETECTORS)

    async def check(self, ctx: RequestContext, texts: list[str], direction: str) -> dict[str, Any] | None:
        """The verdict, or None when the service failed and the policy says fail open."""
        policy = self.policy(ctx)
        started = time.perf_counter()
        cpu_started = time.thread_time() if ctx.timings is not None else 0.0  # only the timing log reads it
        try:
            async with asyncio.timeout(self.timeout_s):
                # the Policy itself: a client that crosses a process boundary turns it into plain data
                verdict = await self.client.check(texts, direction, policy, self.timeout_s)
        except Exception:  # noqa: BLE001 - down, slow or broken, the policy decides what follows
            outcome = "fail_open" if policy.on_failure == "open" else "fail_closed"
            metrics.FAILURES.labels(direction, outcome).inc()
            note_decision(
                ctx, f"{direction}_guard", "fail_open" if outcome == "fail_open" else "block:safety_unavailable"
            )
            if outcome == "fail_closed":
                raise SafetyUnavailableError("The safety service is unavailable; the request was not served.") from None
            return None
        metrics.record(direction, verdict, time.perf_counter() - started)
        if ctx.timings is not None:
            ctx.timings.scanned(direction, time.perf_counter() - started, time.thread_time() - cpu_started)
        return verdict

    async def detect_watermark(
        self, model: str, key_name: str | None, text: str, gamma: float | None, threshold: float | None
    ) -> dict[str, Any]:
        """Watermark detection with the gamma of the policy that marked ``model``'s answers for this key."""
        rule = self.policies.resolve(model, key_name).watermark
        return await self.client.detect_watermark(
            model, text, gamma or rule.gamma, self.watermark_key, threshold or Z_THRESHOLD
        )


class InputGuard(PassThrough):
    """Scans the prompt; blocks (400 content_filter), redacts or pseudonymises it in the payload,
    and leaves the scores and the redacted prompt on the context for the request log."""

    def __init__(self, guard: SafetyGuard):
        self.guard = guard

    async def on_request(self, ctx: RequestContext) -> None:
        if ctx.route != "embeddings":
            self._watermark(ctx)
        param = {"chat": "messages", "completions": "prompt", "embeddings": "input"}[ctx.route]
        if not self.guard.scans(ctx, "input"):
            note_decision(ctx, "input_guard", "not_scanned")
            return
        if token_id_param(ctx):
            if self.guard.policy(ctx).token_prompts == "refuse":
                note_decision(ctx, "input_guard", "block:token_ids")
                raise InvalidRequestError(
                    f"'{param}' given as token ids cannot be checked by this server's safety policy; send text.",
                    param=param,
                    code="token_ids_not_allowed",
                )
            note_decision(ctx, "input_guard", "not_scanned")
            return
        slots = prompt_texts(ctx)
        if not slots:
            note_decision(ctx, "input_guard", "not_scanned")
            return
        verdict = await self.guard.check(ctx, [text for _, _, text in slots], "input")
        if verdict is None:  # failed open: nothing known, and no redacted prompt to log
            return
        changed = not verdict["blocked"] and any(
            new != old for (_, _, old), new in zip(slots, verdict["texts"], strict=True)
        )
        note_decision(ctx, "input_guard", _verdict_word(verdict, changed))
        if verdict["blocked"]:
            raise ContentFilterError(
                f"The prompt was blocked by the content filter ({verdict['blocked']}).",
                param=param,
                explanation=verdict.get("explanations"),
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
        self, guard: SafetyGuard, *, window_chars: int = 48, holdback_chars: int = 48, max_delay_s: float = 0.5
    ):
        self.guard = guard
        self.window_chars = window_chars
        self.holdback_chars = holdback_chars
        self.max_delay_s = max_delay_s

    async def on_response(self, ctx: RequestContext, response: dict[str, Any]) -> dict[str, Any]:
        if ctx.route == "embeddings" or not self._needed(ctx):
            return response
        choices = response.get("choices") or []
        texts = [_choice_text(ctx.route, c) for c in choices]
        for i, (choice, text) in enumerate(zip(choices, texts, strict=True)):
            if text:
                verdict = await self.guard.check(ctx, [text], "output")
                if verdict is not None:
                    changed = not verdict["blocked"] and verdict["texts"][0] != text
                    note_decision(ctx, "output_guard", _verdict_word(verdict, changed))
                if verdict is not None and verdict["blocked"]:
                    choices[i] = _blocked_choice(ctx.route, choice, "message")
                    continue
                if verdict is not None and verdict["texts"][0] != text:
                    text = verdict["texts"][0]
                    choice = {**choice, "logprobs": None}  # the token strings would spell out what was redacted
                choices[i] = choice = _with_text(ctx.route, choice, restore(text, ctx.vault), key="message")
            if ctx.route == "chat" and not await self._extras(ctx, choice.get("message") or {}):
                choices[i] = _blocked_choice(ctx.route, choice, "message")
        return response

    async def _extras(self, ctx: RequestContext, message: dict[str, Any]) -> bool:
        """Scan the message's tool calls, refusal and reasoning text, rewriting them in place;
        False when the guard blocks them."""
        found = answer_extras(message)
        if not found:
            return True
        verdict = await self.guard.check(ctx, [text for _, _, text in found], "output")
        if verdict is None:
            return True
        changed = not verdict["blocked"] and any(
            new != old for (_, _, old), new in zip(found, verdict["texts"], strict=True)
        )
        note_decision(ctx, "output_guard", _verdict_word(verdict, changed))
        if verdict["blocked"]:
            return False
        for (container, key, _), new in zip(found, verdict["texts"], strict=True):
            container[key] = restore(new, ctx.vault)
        return True

    def on_stream(self, ctx: RequestContext, chunks: Chunks) -> Chunks:
        """Streamed answers: clean text leaves word by word, only text a detector could still
        change is held back (``services/gateway/stream_guard.py``)."""
        from services.gateway.stream_guard import guard_stream

        return guard_stream(self, ctx, chunks) if self._needed(ctx) else chunks

    def _needed(self, ctx: RequestContext) -> bool:
        """Answers pass untouched when no detector scans output and no pseudonym needs restoring."""
        return bool(ctx.vault) or self.guard.scans(ctx, "output")


def _blocked_choice(route: str, choice: dict[str, Any], key: str) -> dict[str, Any]:
    """The choice with none of its text (content, tool calls, refusal, reasoning) and finish_reason
    ``content_filter``."""
    blocked = _with_text(route, choice, "", key=key)
    if route == "chat":
        blocked[key] = {k: v for k, v in blocked[key].items() if k not in _ANSWER_EXTRAS}
    return {**blocked, "finish_reason": "content_filter", "logprobs": None}


_ANSWER_EXTRAS = frozenset({"tool_calls", "function_call", "refusal", "reasoning_content"})
