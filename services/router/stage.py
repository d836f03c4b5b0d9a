"""The A/B routing stage: the gateway pipeline's ``routing`` slot when the router is configured.

Per request: the router assigns an arm (``services/router/router.py``); the stage applies the
arm's prompt variant to the payload, picks the engine of the arm's model version, sets
``ctx.variant`` (the variant name inside an experiment, ``v<N>`` for a registry version outside
one, the model name for a static engine) and, for a mirrored request, prepares the shadow call.
When the client has its answer (``on_finish``, after a stream's end) the outcome (status,
latency, time to first token, tokens) goes to the experiment store, off the event loop, for
feedback, reports and the canary guardrails, and the shadow call starts as a separate task
bounded by ``max_in_flight`` (extra ones are dropped and counted): never before the client's
request is done, so it neither delays nor alters the answer, nor competes with the request it
mirrors for the gateway's event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import aclosing
from typing import Any

from services.common.engine import Engine
from services.common.errors import (
    EngineUnavailableError,
    InvalidRequestError,
    ModelNotFoundError,
    PermissionDeniedError,
)
from services.common.metrics import status_class
from services.gateway.pipeline import Chunks, PassThrough, RequestContext
from services.router import metrics
from services.router.router import Arm, Assignment, VariantOverrideError, apply_variant
from services.router.service import RouterService
from services.router.store import Outcome

log = logging.getLogger(__name__)

VARIANT_HEADER = "x-llmops-variant"
# (public model name, registry version or None) -> the engine serving it
EngineLookup = Callable[[str, int | None], Engine | None]


def variant_label(arm: Arm) -> str:
    if arm.experiment is not None:
        return arm.variant
    return f"v{arm.version}" if arm.version is not None else arm.model


def _answer_blocked(ctx: RequestContext) -> bool:
    """The output guard withheld the answer (plain or streamed): it notes ``block:<detector>``. A
    blocked prompt never reaches routing (the input guard runs first); an unavailable safety
    service is an error of the request (503), not a block by the variant's answer."""
    decision = ctx.decisions.get("output_guard") or ""
    return decision.startswith("block:") and decision != "block:safety_unavailable"


class ABRouting(PassThrough):
    def __init__(self, service: RouterService, engines: EngineLookup):
        self.service = service
        self.engines = engines
        self.feedback: Any = None  # FeedbackService over the same store (services/router/wiring.py)
        self._shadow_running: dict[str, int] = {}
        self._tasks: set[asyncio.Task] = set()
        self._loops: list[asyncio.Task] = []
        self._state: dict[str, dict[str, Any]] = {}  # request id -> what on_finish records
        self._adapter_engines: dict[tuple[str, int | None, str], Engine] = {}

    def engine(self, arm: Arm) -> Engine | None:
        """The engine of the arm's version; for a LoRA version, its base version's engine serving
        the adapter (multi-LoRA, ``services/common/adapters.py``)."""
        if arm.adapter is None:
            return self.engines(arm.model, arm.version)
        key = (arm.model, arm.engine_version, arm.adapter)
        if key not in self._adapter_engines:
            base = self.engines(arm.model, arm.engine_version)
            if base is None or not hasattr(base, "with_adapter"):
                return None
            self._adapter_engines[key] = base.with_adapter(arm.adapter)
        return self._adapter_engines[key]

    # ------------------------------------------------------------ request

    async def on_request(self, ctx: RequestContext) -> None:
        self._start_background()
        if ctx.model not in self.service.router.routes:
            raise ModelNotFoundError(ctx.model)
        key_id = ctx.principal.key_id if ctx.principal is not None else None
        override = (ctx.headers or {}).get(VARIANT_HEADER)
        try:
            assignment = self.service.router.assign(
                ctx.model,
                request_id=ctx.request_id,
                user=getattr(ctx.request, "user", None),
                key_id=key_id,
                override=override or None,
            )
        except VariantOverrideError as exc:
            if not exc.allowed:
                raise PermissionDeniedError(
                    f"This API key may not choose a variant ({VARIANT_HEADER}).", code="variant_override_not_allowed"
                ) from None
            raise InvalidRequestError(str(exc), param=VARIANT_HEADER, code="unknown_variant") from None
        arm = assignment.arm
        engine = self.engine(arm)
        if engine is None:
            raise EngineUnavailableError(f"The engine of '{ctx.model}' version {arm.version} is not deployed.")
        fields_set = set(getattr(ctx.request, "model_fields_set", ()))
        ctx.payload = apply_variant(arm, ctx.route, ctx.payload, fields_set)
        ctx.engine = engine
        ctx.variant = variant_label(arm)
        if arm.experiment is None and arm.version is not None:
            self._state[ctx.request_id] = {"arm": arm}
        elif arm.experiment is not None:
            metrics.ASSIGNMENTS.labels(arm.experiment, arm.variant).inc()
            self._state[ctx.request_id] = {
                "arm": arm,
                "override": assignment.reason == "override",
                "response_id": None,
                "ttft": None,
            }
        if assignment.shadow is not None and ctx.request_id in self._state:
            self._state[ctx.request_id]["shadow"] = self._prepare_shadow(ctx, assignment)

    async def on_response(self, ctx: RequestContext, response: dict[str, Any]) -> dict[str, Any]:
        state = self._state.get(ctx.request_id)
        if state is not None:
            state["response_id"] = response.get("id")
        return response

    async def on_stream(self, ctx: RequestContext, chunks: Chunks) -> Chunks:  # type: ignore[override]
        state = self._state.get(ctx.request_id)
        async with aclosing(chunks):
            async for chunk in chunks:
                if state is not None and state["response_id"] is None and chunk.get("id"):
                    state["response_id"] = chunk["id"]
                if state is not None and state["ttft"] is None and chunk.get("choices"):
                    state["ttft"] = time.perf_counter() - ctx.started
                yield chunk

    async def on_finish(self, ctx: RequestContext, status: int) -> None:
        state = self._state.pop(ctx.request_id, None)
        if state is None:
            return
        if state.get("shadow") is not None:
            self._start_shadow(*state["shadow"], ctx.request_id)
        arm: Arm = state["arm"]
        if arm.experiment is None:  # a registry version outside experiments: metrics only
            metrics.REQUESTS.labels("none", ctx.variant, status_class(status)).inc()
            metrics.REQUEST_DURATION.labels("none", ctx.variant).observe(time.perf_counter() - ctx.started)
            return
        metrics.REQUESTS.labels(arm.experiment, arm.variant, status_class(status)).inc()
        metrics.REQUEST_DURATION.labels(arm.experiment, arm.variant).observe(time.perf_counter() - ctx.started)
        if state["ttft"] is not None:
            metrics.TIME_TO_FIRST_TOKEN.labels(arm.experiment, arm.variant).observe(state["ttft"])
        outcome = Outcome(
            response_id=state["response_id"] or ctx.request_id,
            model=arm.model,
            variant=arm.variant,
            status=status,
            experiment=arm.experiment,
            version=arm.version,
            override=state["override"],
            latency_s=time.perf_counter() - ctx.started,
            ttft_s=state["ttft"],
            prompt_tokens=ctx.prompt_tokens,
            completion_tokens=ctx.completion_tokens,
            blocked=_answer_blocked(ctx),
        )
        self._spawn(asyncio.to_thread(self._record, outcome))

    # ------------------------------------------------------------ shadow

    def _prepare_shadow(self, ctx: RequestContext, assignment: Assignment) -> tuple | None:
        """The mirrored call (experiment, arm, engine, route, payload), started by on_finish."""
        shadow = assignment.shadow
        assert shadow is not None and shadow.experiment is not None
        exp = self.service.router.experiments[shadow.experiment]
        assert exp.shadow is not None
        engine = self.engine(shadow)
        if engine is None:
            metrics.SHADOW.labels(exp.name, "error").inc()
            return None
        payload = apply_variant(shadow, ctx.route, dict(ctx.payload), set(getattr(ctx.request, "model_fields_set", ())))
        payload.pop("stream", None)
        payload.pop("stream_options", None)
        return exp, shadow, engine, ctx.route, payload

    def _start_shadow(self, exp: Any, arm: Arm, engine: Engine, route: str, payload: dict, request_id: str) -> None:
        running = self._shadow_running.get(exp.name, 0)
        if running >= exp.shadow.max_in_flight:
            metrics.SHADOW.labels(exp.name, "dropped").inc()
            return
        self._shadow_running[exp.name] = running + 1
        self._spawn(self._shadow_call(exp.name, exp.shadow.timeout_s, arm, engine, route, payload, request_id))

    async def _shadow_call(
        self, experiment: str, timeout_s: float, arm: Arm, engine: Engine, route: str, payload: dict, request_id: str
    ) -> None:
        started = time.perf_counter()
        status, usage = 200, {}
        try:
            async with asyncio.timeout(timeout_s):
                if route == "embeddings":
                    response = await engine.embed(payload)
                else:
                    response = await engine.generate(route, payload)
            usage = response.get("usage") or {}
            metrics.SHADOW.labels(experiment, "ok").inc()
        except TimeoutError:
            status = 504
            metrics.SHADOW.labels(experiment, "timeout").inc()
        except Exception as exc:  # the shadow's failure is recorded, never raised to anyone
            status = getattr(exc, "status_code", 500)
            metrics.SHADOW.labels(experiment, "error").inc()
        finally:
            self._shadow_running[experiment] -= 1
        elapsed = time.perf_counter() - started
        metrics.SHADOW_DURATION.labels(experiment).observe(elapsed)
        outcome = Outcome(
            response_id=f"shadow-{request_id}",
            model=arm.model,
            variant=arm.variant,
            status=status,
            experiment=experiment,
            version=arm.version,
            shadow=True,
            latency_s=elapsed,
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
        )
        await asyncio.to_thread(self._record, outcome)

    # ------------------------------------------------------------ background

    def _record(self, outcome: Outcome) -> None:
        try:
            self.service.record(outcome)
        except Exception:  # the client has its answer; losing one outcome row must not fail anything
            log.exception("could not record the outcome of a routed request")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _start_background(self) -> None:
        if self._loops:
            return
        self._loops.append(asyncio.ensure_future(self._reload_loop()))
        if self.service.canary is not None and any(e.canary for e in self.service.router.experiments.values()):
            self._loops.append(asyncio.ensure_future(self._canary_loop()))

    async def _reload_loop(self) -> None:
        while True:
            await asyncio.sleep(self.service.settings.reload_interval_s)
            try:
                await asyncio.to_thread(self.service.reload)
            except Exception:
                log.exception("routing table reload failed")

    async def _canary_loop(self) -> None:
        while True:
            await asyncio.sleep(self.service.settings.canary_interval_s)
            try:
                for decision in await asyncio.to_thread(self.service.tick_canaries):
                    if decision is not None:
                        metrics.CANARY_SHARE.labels(decision.experiment).set(decision.share)
                        metrics.CANARY_HALTED.labels(decision.experiment).set(1 if decision.state == "halted" else 0)
            except Exception:
                log.exception("canary evaluation failed")

    async def drain(self) -> None:
        """Wait for outcome writes and shadow calls in flight (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in self._loops:
            task.cancel()
        await self.drain()
