"""The gateway's request pipeline: named slots of stages around the engine call.

    auth -> models -> quota -> budget -> input_guard -> retrieval -> routing
         -> [engine] -> output_guard -> meter -> request_log -> audit

Every stage follows the ``Stage`` protocol: ``on_request`` runs in slot order before the engine
and may raise to refuse; ``on_response`` / ``on_stream`` see the engine's output in slot order
and may rewrite it; ``on_finish`` runs once the client has its answer (or the request failed),
in reverse order. The pipeline notes each stage's decision in ``ctx.decisions`` (``pass``, or
``refused:<code>`` when its ``on_request`` raised); a stage may write a finer word itself (the
guards: ``block:<category>``, ``rewrite``, ``flag``, ``fail_open``) for the audit log.
``PassThrough`` has the do-nothing defaults to inherit from. Which stage fills which slot is
decided in one place, the composition root (``services/gateway/wiring.py``): a RAG service
fills ``retrieval`` and an A/B router fills ``routing`` without a change here. The built-in
stages are in ``services/gateway/stages.py``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel

from services.common.engine import Engine
from services.gateway.keys import Principal
from services.gateway.timings import Timings

Chunks = AsyncIterator[dict[str, Any]]

SLOTS = (
    "auth",  # who is calling (401/403)
    "models",  # the public model name exists and serves this route (404/400)
    "quota",  # requests and tokens per minute per key (429)
    "budget",  # cost budgets (429)
    "input_guard",  # safety checks on the prompt (400 content_filter, redaction)
    "retrieval",  # RAG: passages into the prompt, citations out
    "routing",  # which engine (model version, experiment arm) serves the request
    "output_guard",  # safety checks on the answer
    "meter",  # tokens, time to first token, inter-token latency
    "request_log",  # one redacted record per request
    "audit",  # who did what, when, each guard's decision (services/gateway/audit.py)
)


@dataclass
class RequestContext:
    """One request as it moves through the stages."""

    request_id: str
    route: str  # "chat", "completions" or "embeddings"
    request: BaseModel
    payload: dict[str, Any]  # what the engine will receive; stages may rewrite it
    api_key: str | None = None
    principal: Principal | None = None
    engine: Engine | None = None  # set by the routing stage
    variant: str | None = None  # the model version or experiment arm that served it (routing)
    headers: dict[str, str] = field(default_factory=dict)  # request headers stages read (lower-case names)
    model_label: str = "other"  # the metrics label for the model: a configured name, else "other"
    started: float = field(default_factory=time.perf_counter)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # What monitors may learn about the request: numbers set by stages (guard scores, retrieval
    # scores, text lengths) and the prompt only as the input guard left it (PII redacted).
    features: dict[str, float] = field(default_factory=dict)
    redacted_prompt: str | None = None
    # Retrieval results (ids, scores, source metadata, text for the prompt) and the citations the
    # answer carries; user data like the prompt: never logged.
    passages: list[dict[str, Any]] = field(default_factory=list, repr=False)
    citations: list[dict[str, Any]] = field(default_factory=list, repr=False)
    # Pseudonymised PII for this request only (placeholder -> original value); never logged.
    vault: dict[str, str] = field(default_factory=dict, repr=False)
    # Slot -> what its stage decided (short words, never content): for the audit log.
    decisions: dict[str, str] = field(default_factory=dict)
    # Per-request timestamps when the timing log is on (``services/gateway/timings.py``), else None.
    timings: Timings | None = None

    @property
    def model(self) -> str:
        """The public model name the client asked for."""
        return self.request.model  # type: ignore[attr-defined]

    @property
    def stream(self) -> bool:
        return bool(getattr(self.request, "stream", False))


class Stage(Protocol):
    """What a pipeline stage offers; inherit ``PassThrough`` and override what you need."""

    async def on_request(self, ctx: RequestContext) -> None:
        """Before the engine, in slot order; raise an ``LLMOpsError`` to refuse the request."""

    async def on_response(self, ctx: RequestContext, response: dict[str, Any]) -> dict[str, Any]:
        """A whole (non-streamed) answer, in slot order; return it, rewritten or not."""

    def on_stream(self, ctx: RequestContext, chunks: Chunks) -> Chunks:
        """Wrap the stream of chunk dicts (typically an async generator over ``chunks``). Closing
        the returned iterator must close ``chunks`` (use ``contextlib.aclosing``)."""

    async def on_finish(self, ctx: RequestContext, status: int) -> None:
        """After the answer (or the failure) with its HTTP status, in reverse slot order."""


class PassThrough:
    """A stage that changes nothing: the defaults to inherit, and an empty slot."""

    async def on_request(self, ctx: RequestContext) -> None:
        return None

    async def on_response(self, ctx: RequestContext, response: dict[str, Any]) -> dict[str, Any]:
        return response

    def on_stream(self, ctx: RequestContext, chunks: Chunks) -> Chunks:
        return chunks

    async def on_finish(self, ctx: RequestContext, status: int) -> None:
        return None


class Pipeline:
    """The stages of the filled slots, in ``SLOTS`` order."""

    def __init__(self, slots: Mapping[str, Stage]):
        unknown = set(slots) - set(SLOTS)
        if unknown:
            raise ValueError(f"unknown pipeline slots {sorted(unknown)}; the slots are {SLOTS}")
        self.slots = dict(slots)
        self.names = [name for name in SLOTS if name in slots]
        self.stages: list[Stage] = [slots[name] for name in self.names]

    async def before_engine(self, ctx: RequestContext) -> Engine:
        for name, stage in zip(self.names, self.stages, strict=True):
            try:
                await stage.on_request(ctx)
            except Exception as exc:
                ctx.decisions.setdefault(name, f"refused:{getattr(exc, 'code', None) or type(exc).__name__}")
                raise
            if name not in ctx.decisions and type(stage).on_request is not PassThrough.on_request:
                ctx.decisions[name] = "pass"  # only stages that decide something before the engine
            if ctx.timings is not None:
                ctx.timings.mark(name)
        if ctx.engine is None:
            raise RuntimeError("no stage picked an engine (is the routing slot filled?)")
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
