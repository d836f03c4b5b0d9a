"""The gateway's built-in stages (the slots are described in ``services/gateway/pipeline.py``).

The safety guards are in ``guard.py``, the budget in ``budget.py``, the request log in
``request_log.py``; the composition root (``wiring.py``) puts each in its slot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from contextlib import aclosing
from typing import Any

from services.common.engine import Engine
from services.common.errors import (
    AuthenticationError,
    EngineUnavailableError,
    InvalidRequestError,
    ModelNotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from services.common.protocol import COMPLETIONS_DEFAULT_MAX_TOKENS
from services.gateway import metrics
from services.gateway.keys import KeyStore, Principal
from services.gateway.limits import RequestLimits
from services.gateway.pipeline import Chunks, PassThrough, RequestContext
from services.gateway.quota import Quota
from services.gateway.request_log import request_prompts

log = logging.getLogger("llmops.gateway")
DEV_PRINCIPAL = Principal(key_id="dev", name="dev (auth disabled)", models=None, rpm=None, tpm=None)
ROUTE_TASKS = {"chat": "generate", "completions": "generate", "embeddings": "embed"}


class AuthStage(PassThrough):
    """Bearer API keys from the key store; a dev principal when auth is explicitly disabled."""

    def __init__(self, keys: KeyStore | None):
        self.keys = keys  # None means auth is disabled (dev mode)

    def authenticate(self, api_key: str | None) -> Principal:
        if self.keys is None:
            return DEV_PRINCIPAL
        if not api_key:
            raise AuthenticationError(
                "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.", code="missing_api_key"
            )
        principal = self.keys.lookup(api_key)
        if principal is None:
            raise AuthenticationError("Incorrect API key provided.")
        return principal

    @staticmethod
    def authorize(principal: Principal, model: str) -> None:
        if not principal.may_use(model):
            raise PermissionDeniedError(f"This API key may not use the model '{model}'.", param="model")

    async def on_request(self, ctx: RequestContext) -> None:
        ctx.principal = self.authenticate(ctx.api_key)
        self.authorize(ctx.principal, ctx.model)


class ModelResolution(PassThrough):
    """The public model name exists and serves the route: 404 / 400 before any quota, budget or
    safety work is spent. ``catalog`` maps public names (models, aliases, experiments) to
    their task, ``generate`` or ``embed``."""

    def __init__(self, catalog: Mapping[str, str], limits: RequestLimits | None = None):
        self.catalog = catalog
        self.limits = limits or RequestLimits()

    def resolve(self, model: str, task: str) -> None:
        served = self.catalog.get(model)
        if served is None:
            raise ModelNotFoundError(model)
        if served != task:
            what = "embeddings" if task == "embed" else "chat and text completions"
            raise InvalidRequestError(
                f"The model '{model}' does not support {what}.", param="model", code="model_not_supported"
            )

    async def on_request(self, ctx: RequestContext) -> None:
        self.resolve(ctx.model, ROUTE_TASKS[ctx.route])
        ctx.model_label = ctx.model
        self.limits.check(ctx.route, ctx.request, request_prompts(ctx))  # sizes, before quota, safety or engine


class QuotaStage(PassThrough):
    """Requests/minute and tokens/minute per key, from the key's limits. A key with a token limit
    reserves what the request may use at admission and settles it when the request ends, so
    concurrent long requests cannot overrun the limit: per prompt (a completions batch has
    several), its estimate plus ``n`` times the most tokens an answer may have: ``max_tokens``,
    else the engine's default: 16 for completions, and for chat the rest of the context (vLLM
    lets a chat answer without a maximum run to the end of it), never more than the model's
    context (``contexts``, public name -> tokens) leaves after the prompt. Chat to a model whose
    context is unknown reserves ``default_completion_tokens`` (an estimate, not a bound)."""

    def __init__(
        self,
        quota: Quota,
        *,
        default_completion_tokens: int = 256,
        contexts: Mapping[str, int] | None = None,
        timeout_s: float = 10.0,
    ):
        self.quota = quota
        self.default_completion_tokens = default_completion_tokens
        self.contexts = contexts or {}
        # a slow or dead quota is a 503, never a hang or a 500; RayQuota bounds each actor call
        # itself (2 s), so this outer bound only catches a quota that hangs in some other way
        self.timeout_s = timeout_s
        self._reserved: dict[int, int] = {}  # id(ctx) -> tokens reserved at admission

    def reservation(self, ctx: RequestContext) -> int:
        payload = ctx.payload
        estimates = [p.token_estimate() for p in request_prompts(ctx)] or [0]
        if ctx.route not in ("chat", "completions"):
            return max(1, sum(estimates))
        n, context = int(payload.get("n") or 1), self.contexts.get(ctx.model) or 0
        if ctx.route == "completions":
            default = COMPLETIONS_DEFAULT_MAX_TOKENS
        else:  # vLLM's default for chat is the rest of the context: all of it bounds that
            default = context or self.default_completion_tokens
        most = int(payload.get("max_completion_tokens") or payload.get("max_tokens") or default)

        def longest_answer(prompt: int) -> int:
            return min(most, max(1, context - prompt)) if context else most

        return max(1, sum(prompt + n * longest_answer(prompt) for prompt in estimates))

    async def on_request(self, ctx: RequestContext) -> None:
        p = ctx.principal
        if p is None or (p.rpm is None and p.tpm is None):
            return
        reserve = self.reservation(ctx) if p.tpm is not None else 0
        try:
            async with asyncio.timeout(self.timeout_s):
                verdict = await self.quota.admit(p.key_id, p.rpm, p.tpm, reserve)
        except Exception:  # noqa: BLE001 - the actor is down, restarting or slow
            log.warning("quota service unavailable; request %s refused", ctx.request_id)
            raise EngineUnavailableError(
                "The quota service is unavailable; retry shortly.", code="quota_unavailable"
            ) from None
        if not verdict.allowed:
            metrics.QUOTA_REJECTIONS.labels(verdict.limit).inc()
            per_minute = p.rpm if verdict.limit == "requests" else p.tpm
            raise RateLimitError(
                f"Rate limit reached: {per_minute} {verdict.limit} per minute for this key. "
                f"Retry after {verdict.retry_after:.1f}s.",
                retry_after=verdict.retry_after,
                code=f"{verdict.limit}_per_minute_exceeded",
            )
        if reserve:
            self._reserved[id(ctx)] = min(reserve, p.tpm)  # type: ignore[type-var]

    async def on_finish(self, ctx: RequestContext, status: int) -> None:
        p = ctx.principal
        reserved = self._reserved.pop(id(ctx), 0)
        if p is not None and p.tpm is not None:
            try:
                async with asyncio.timeout(self.timeout_s):
                    await self.quota.charge_tokens(
                        p.key_id, p.tpm, ctx.prompt_tokens + ctx.completion_tokens - reserved
                    )
            except Exception:  # noqa: BLE001 - the answer is sent; losing one charge beats failing it
                log.warning("quota service unavailable; usage of request %s not charged", ctx.request_id)


class NoSafetyInput(PassThrough):
    """The input guard slot when the stack runs without the safety service."""

    async def on_request(self, ctx: RequestContext) -> None:
        if ctx.payload.pop("watermark", None):
            raise InvalidRequestError(
                "Watermarking needs the safety service, which is disabled on this server.", param="watermark"
            )


class StaticRouting(PassThrough):
    """One engine per public model name; the variant is the model itself."""

    def __init__(self, engines: Mapping[str, Engine]):
        self.engines = engines

    async def on_request(self, ctx: RequestContext) -> None:
        engine = self.engines.get(ctx.model)
        if engine is None:  # in the catalog but served by no engine: a wiring mistake, not the client's
            raise ModelNotFoundError(ctx.model)
        ctx.engine = engine
        ctx.variant = ctx.model


class MeterStage(PassThrough):
    """Counts tokens and records time to first token and inter-token latency."""

    async def on_response(self, ctx: RequestContext, response: dict[str, Any]) -> dict[str, Any]:
        self._usage(ctx, response.get("usage"))
        return response

    async def on_stream(self, ctx: RequestContext, chunks: Chunks) -> Chunks:
        last = None
        async with aclosing(chunks):  # closing this stream must close the engine's at once
            async for chunk in chunks:
                if chunk.get("choices"):
                    now = time.perf_counter()
                    if last is None:
                        metrics.TIME_TO_FIRST_TOKEN.labels(ctx.model_label).observe(now - ctx.started)
                    else:
                        metrics.INTER_TOKEN_LATENCY.labels(ctx.model_label).observe(now - last)
                    last = now
                if chunk.get("usage"):
                    self._usage(ctx, chunk["usage"])
                yield chunk

    @staticmethod
    def _usage(ctx: RequestContext, usage: dict[str, Any] | None) -> None:
        if usage:
            ctx.prompt_tokens = int(usage.get("prompt_tokens") or 0)
            ctx.completion_tokens = int(usage.get("completion_tokens") or 0)

    async def on_finish(self, ctx: RequestContext, status: int) -> None:
        if ctx.prompt_tokens:
            metrics.PROMPT_TOKENS.labels(ctx.model_label).inc(ctx.prompt_tokens)
        if ctx.completion_tokens:
            metrics.COMPLETION_TOKENS.labels(ctx.model_label).inc(ctx.completion_tokens)
