"""The gateway's request pipeline: explicit stages around the engine call.

    auth -> quota -> input guard -> retrieval -> routing -> [engine] -> output guard -> meter

Every stage has the same interface (``Stage``): ``on_request`` runs in order before the engine
and may raise to refuse; ``on_response`` / ``on_stream`` see the engine's output in order and
may rewrite it; ``on_finish`` runs once the client has its answer (or the request failed).
A stage with nothing to do inherits the pass-through defaults, so the safety, RAG and A/B
services plug in by replacing a stage, without reshaping the gateway.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from services.common.errors import (
    AuthenticationError,
    InvalidRequestError,
    ModelNotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from services.gateway import metrics
from services.gateway.engines import Engine
from services.gateway.keys import KeyStore, Principal
from services.gateway.quota import Quota

Chunks = AsyncIterator[dict[str, Any]]

DEV_PRINCIPAL = Principal(key_id="dev", name="dev (auth disabled)", models=None, rpm=None, tpm=None)


@dataclass
class RequestContext:
    """One request as it moves through the stages."""

    request_id: str
    route: str  # "chat", "completions" or "embeddings"
    request: BaseModel
    payload: dict[str, Any]  # what the engine will receive; stages may rewrite it
    api_key: str | None = None
    principal: Principal | None = None
    engine: Engine | None = None
    model_label: str = "other"
    started: float = field(default_factory=time.perf_counter)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # What monitors may learn about the request: numbers set by stages (guard scores, retrieval
    # scores, text lengths) and the prompt only as the input guard left it (PII redacted).
    features: dict[str, float] = field(default_factory=dict)
    redacted_prompt: str | None = None
    # Pseudonymised PII for this request only (placeholder -> original value); never logged.
    vault: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def model(self) -> str:
        return self.request.model  # type: ignore[attr-defined]

    @property
    def stream(self) -> bool:
        return bool(getattr(self.request, "stream", False))


class Stage:
    """Pass-through stage; subclasses override what they need."""

    name = "stage"

    async def on_request(self, ctx: RequestContext) -> None:
        return None

    async def on_response(self, ctx: RequestContext, response: dict[str, Any]) -> dict[str, Any]:
        return response

    def on_stream(self, ctx: RequestContext, chunks: Chunks) -> Chunks:
        return chunks

    async def on_finish(self, ctx: RequestContext, status: int) -> None:
        return None


class AuthStage(Stage):
    """Bearer API keys from the key store; a dev principal when auth is explicitly disabled."""

    name = "auth"

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

    async def on_request(self, ctx: RequestContext) -> None:
        ctx.principal = self.authenticate(ctx.api_key)
        if not ctx.principal.may_use(ctx.model):
            raise PermissionDeniedError(f"This API key may not use the model '{ctx.model}'.", param="model")


class QuotaStage(Stage):
    """Requests/minute and tokens/minute per key, from the key's limits."""

    name = "quota"

    def __init__(self, quota: Quota):
        self.quota = quota

    async def on_request(self, ctx: RequestContext) -> None:
        p = ctx.principal
        if p is None or (p.rpm is None and p.tpm is None):
            return
        verdict = await self.quota.admit(p.key_id, p.rpm, p.tpm)
        if not verdict.allowed:
            metrics.QUOTA_REJECTIONS.labels(verdict.limit).inc()
            per_minute = p.rpm if verdict.limit == "requests" else p.tpm
            raise RateLimitError(
                f"Rate limit reached: {per_minute} {verdict.limit} per minute for this key. Retry after {verdict.retry_after:.1f}s.",
                retry_after=verdict.retry_after,
                code=f"{verdict.limit}_per_minute_exceeded",
            )

    async def on_finish(self, ctx: RequestContext, status: int) -> None:
        p = ctx.principal
        if p is not None and p.tpm is not None:
            await self.quota.charge_tokens(p.key_id, p.tpm, ctx.prompt_tokens + ctx.completion_tokens)


class InputGuardStage(Stage):
    """Safety checks on the prompt; passes through when safety is off (see services/gateway/guard.py)."""

    name = "input_guard"

    async def on_request(self, ctx: RequestContext) -> None:
        if ctx.payload.pop("watermark", None):
            raise InvalidRequestError(
                "Watermarking needs the safety service, which is disabled on this server.", param="watermark"
            )


class RetrievalStage(Stage):
    """RAG augmentation of the prompt. No RAG service yet: passes through."""

    name = "retrieval"


class RoutingStage(Stage):
    """Picks the engine for the requested model (one engine per model; A/B routing goes here)."""

    name = "routing"

    def __init__(self, engines: Mapping[str, Engine], tasks: Mapping[str, str]):
        self.engines = engines
        self.tasks = tasks  # model name -> "generate" | "embed"

    async def on_request(self, ctx: RequestContext) -> None:
        engine = self.engines.get(ctx.model)
        if engine is None:
            raise ModelNotFoundError(ctx.model)
        wanted = "embed" if ctx.route == "embeddings" else "generate"
        if self.tasks[ctx.model] != wanted:
            what = "embeddings" if wanted == "embed" else "chat and text completions"
            raise InvalidRequestError(
                f"The model '{ctx.model}' does not support {what}.", param="model", code="model_not_supported"
            )
        ctx.engine = engine
        ctx.model_label = ctx.model


class OutputGuardStage(Stage):
    """Safety checks on generated text; passes through when safety is off (see services/gateway/guard.py)."""

    name = "output_guard"


class MeterStage(Stage):
    """Counts tokens and records time to first token and inter-token latency."""

    name = "meter"

    async def on_response(self, ctx: RequestContext, response: dict[str, Any]) -> dict[str, Any]:
        self._usage(ctx, response.get("usage"))
        return response

    async def on_stream(self, ctx: RequestContext, chunks: Chunks) -> Chunks:  # type: ignore[override]
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


class Pipeline:
    def __init__(self, stages: list[Stage]):
        self.stages = stages

    async def before_engine(self, ctx: RequestContext) -> Engine:
        for stage in self.stages:
            await stage.on_request(ctx)
        if ctx.engine is None:
            raise RuntimeError("no stage picked an engine")
        return ctx.engine

    async def response(self, ctx: RequestContext, response: dict[str, Any]) -> dict[str, Any]:
        for stage in self.stages:
            response = await stage.on_response(ctx, response)
        return response

    def stream(self, ctx: RequestContext, chunks: Chunks) -> Chunks:
        for stage in self.stages:
            chunks = stage.on_stream(ctx, chunks)
        return chunks

    async def finish(self, ctx: RequestContext, status: int) -> None:
        for stage in reversed(self.stages):
            await stage.on_finish(ctx, status)


def default_pipeline(
    *,
    keys: KeyStore | None,
    quota: Quota,
    engines: Mapping[str, Engine],
    tasks: Mapping[str, str],
    input_guard: InputGuardStage | None = None,
    output_guard: OutputGuardStage | None = None,
    budget: Stage | None = None,
    request_log: Stage | None = None,
) -> Pipeline:
    """The guards (services/gateway/guard.py) replace the pass-through stages when safety is on;
    ``budget`` (services/gateway/budget.py) runs after the quota, ``request_log``
    (services/gateway/request_log.py) last; both are optional."""
    return Pipeline(
        [
            AuthStage(keys),
            QuotaStage(quota),
            *([budget] if budget is not None else []),
            input_guard or InputGuardStage(),
            RetrievalStage(),
            RoutingStage(engines, tasks),
            output_guard or OutputGuardStage(),
            MeterStage(),
            *([request_log] if request_log is not None else []),
        ]
    )
