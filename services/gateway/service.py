"""The gateway as plain Python: validated request in, response dict or SSE bytes out.

Knows nothing of Ray or FastAPI; ``routes.py`` adapts it to HTTP and ``deployment.py`` to Ray
Serve. Metrics for every answered request (status class, duration, in-flight) are recorded
here, once, whatever the outcome.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, cast

import orjson

from services.common.errors import EngineTimeoutError, EngineUnavailableError, LLMOpsError, NotFoundError
from services.common.metrics import status_class
from services.common.protocol import (
    ChatCompletionRequest,
    CompletionRequest,
    EmbeddingRequest,
    RetrieveRequest,
    WatermarkDetectRequest,
    parse_request,
)
from services.gateway import metrics
from services.gateway.limits import RequestLimits
from services.gateway.pipeline import Pipeline, RequestContext
from services.gateway.request_log import request_prompts
from services.gateway.stages import AuthStage, ModelResolution, QuotaStage

if TYPE_CHECKING:
    from services.gateway.clients import RetrievalClient
    from services.gateway.guard import SafetyGuard
    from services.gateway.timings import TimingLog

REQUEST_TYPES = {"chat": ChatCompletionRequest, "completions": CompletionRequest, "embeddings": EmbeddingRequest}
DONE = b"data: [DONE]\n\n"
VARIANT_HEADER = "X-Llmops-Variant"  # which model version / experiment arm answered
CLIENT_CLOSED = 499  # recorded (as 4xx) for requests whose client disconnected


def sse_event(obj: Mapping[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(obj) + b"\n\n"


def sse_error(error: LLMOpsError) -> bytes:
    return sse_event(error.to_dict())


def _generated_tokens(choice: dict[str, Any]) -> int:
    """Tokens one streamed choice carries: its logprobs entries when present, else one per piece
    of text or tool call (vLLM sends a chunk per decoding step)."""
    content = (choice.get("logprobs") or {}).get("content") if isinstance(choice.get("logprobs"), dict) else None
    if isinstance(content, list) and content:
        return len(content)
    delta = choice.get("delta") or {}
    return int(bool(choice.get("text") or delta.get("content") or delta.get("tool_calls")))


async def counted(ctx: RequestContext, chunks: AsyncIterator[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    """The engine's stream as it comes, counting what was generated before any stage can hold it
    back: the engine's usage when it arrives, else (a client gone before the usage chunk, a
    timeout, an engine error, an answer the output guard stopped) the gateway's own count of
    generated tokens and an estimate of the prompt's (4 characters a token), so that quotas,
    budgets and the request log always charge what the engine did."""
    generated, usage = 0, None
    try:
        async with aclosing(chunks):  # type: ignore[type-var]
            async for chunk in chunks:
                usage = chunk.get("usage") or usage
                generated += sum(_generated_tokens(c) for c in chunk.get("choices") or ())
                if ctx.timings is not None:
                    ctx.timings.mark("first_engine_chunk")
                    if generated:
                        ctx.timings.mark("first_engine_token")
                yield chunk
    finally:
        if usage:
            ctx.prompt_tokens = int(usage.get("prompt_tokens") or 0)
            ctx.completion_tokens = int(usage.get("completion_tokens") or 0)
        else:
            ctx.prompt_tokens = ctx.prompt_tokens or sum(p.token_estimate() for p in request_prompts(ctx))
            ctx.completion_tokens = max(ctx.completion_tokens, generated)


class GatewayService:
    """``catalog``: the public model names (models, aliases, experiments) and their task;
    ``watermark``: the safety guard that detects watermarks, None without the safety service;
    ``retrieval``: the RAG service's client for ``/v1/retrieve``, None without it;
    ``retrieve_checks``: the retrieval service's checks of a request that need no index
    (``services/rag/request_checks.py``), run before the quota is charged."""

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        catalog: Mapping[str, str],
        request_timeout_s: float = 600.0,
        watermark: SafetyGuard | None = None,
        feedback: Any = None,
        retrieval: RetrievalClient | None = None,
        retrieve_checks: Callable[[RetrieveRequest], RetrieveRequest] | None = None,
        limits: RequestLimits | None = None,
        timings: TimingLog | None = None,
    ):
        self.pipeline = pipeline
        self.timings = timings  # per-request timestamps (services/gateway/timings.py); None: off
        self.feedback = feedback  # services.router.feedback.FeedbackService when the A/B router runs
        self.catalog = catalog
        self.request_timeout_s = request_timeout_s
        self.watermark = watermark
        self.retrieval = retrieval
        self.retrieve_checks = retrieve_checks
        self.limits = limits or RequestLimits()
        self._auth = cast(AuthStage, pipeline.slots["auth"])
        self._models = cast(ModelResolution, pipeline.slots["models"])

    async def quota_ready(self) -> None:
        """Returns once the quota stage can answer admissions (part of ``/ready``)."""
        await cast(QuotaStage, self.pipeline.slots["quota"]).quota.ready()

    def key_id(self, api_key: str | None) -> str:
        """The caller's key id (raises AuthenticationError for a missing or unknown key)."""
        return self._auth.authenticate(api_key).key_id

    def list_models(self, api_key: str | None) -> dict[str, Any]:
        principal = self._auth.authenticate(api_key)
        data = [
            {"id": name, "object": "model", "created": 0, "owned_by": "llmops"}
            for name in self.catalog
            if principal.may_use(name)
        ]
        return {"object": "list", "data": data}

    async def detect_watermark(self, body: bytes, *, api_key: str | None) -> dict[str, Any]:
        principal = self._auth.authenticate(api_key)
        request = parse_request(WatermarkDetectRequest, body)
        self._auth.authorize(principal, request.model)
        self._models.resolve(request.model, "generate")
        if self.watermark is None:
            raise NotFoundError(
                "Watermark detection needs the safety service, which is disabled on this server.",
                code="watermark_unavailable",
            )
        return await self.watermark.detect_watermark(
            request.model, principal.name, request.text, request.gamma, request.threshold
        )

    async def retrieve(self, body: bytes, *, api_key: str | None, request_id: str) -> dict[str, Any]:
        """``POST /v1/retrieve``: the same authentication, quota, metrics and errors as the
        OpenAI routes. The body is checked before the quota is charged (a bad one costs none);
        what only the index knows (an unknown collection: 404, filter field: 400) the retrieval
        service finds after admission."""
        from services.rag import metrics as rag_metrics

        started = time.perf_counter()
        metrics.IN_FLIGHT.labels("retrieve").inc()
        ctx: RequestContext | None = None
        status = 500
        try:
            request = parse_request(RetrieveRequest, body)
            if self.retrieve_checks is not None:
                self.retrieve_checks(request)
            ctx = RequestContext(
                request_id=request_id,
                route="retrieve",
                request=request,
                payload=request.model_dump(exclude_unset=True),
                api_key=api_key,
                started=started,
            )
            ctx.principal = self._auth.authenticate(api_key)
            if self.retrieval is None:
                raise NotFoundError(
                    "Retrieval needs the RAG service, which is disabled on this server.", code="retrieval_unavailable"
                )
            await self.pipeline.slots["quota"].on_request(ctx)
            async with asyncio.timeout(self.request_timeout_s):
                answer = await self.retrieval.retrieve(ctx.payload)
            rag_metrics.record(
                "retrieved", {"timings": answer.get("timings", {}), "gateway_s": time.perf_counter() - started}
            )
            rag_metrics.record("passages", {"returned": len(answer["data"]), "dropped": 0, "route": "retrieve"})
            status = 200
            return answer
        except TimeoutError:
            status = 504
            raise EngineTimeoutError("The retrieval service did not answer in time.") from None
        except LLMOpsError as exc:
            status = exc.status_code
            raise
        finally:
            metrics.IN_FLIGHT.labels("retrieve").dec()
            self._count("retrieve", "other", status, started)
            if ctx is not None and ctx.principal is not None:
                await self.pipeline.slots["quota"].on_finish(ctx, status)
            if ctx is not None and "audit" in self.pipeline.slots:
                await self.pipeline.slots["audit"].on_finish(ctx, status)

    async def handle(
        self,
        route: str,
        body: bytes,
        *,
        api_key: str | None,
        request_id: str,
        headers: Mapping[str, str] | None = None,
        response_headers: dict[str, str] | None = None,
    ) -> dict[str, Any] | AsyncIterator[bytes]:
        """Run one OpenAI request. Returns the response dict, or SSE bytes when streaming.

        ``headers``: request headers the stages may read; ``response_headers`` is filled with the
        headers the answer must carry (``X-Llmops-Variant``)."""
        started = time.perf_counter()
        try:
            self.limits.check_body(body)
            request = parse_request(REQUEST_TYPES[route], body)
        except LLMOpsError as exc:
            self._count(route, "other", exc.status_code, started)
            raise
        ctx = RequestContext(
            request_id=request_id,
            route=route,
            request=request,
            payload=request.engine_payload(),
            api_key=api_key,
            started=started,
            headers=dict(headers or {}),
            timings=self.timings.start(started) if self.timings is not None else None,
        )
        metrics.IN_FLIGHT.labels(route).inc()
        try:
            # one deadline from arrival covers every stage before the engine too (a slow safety scan,
            # retrieval or quota call), and the stream's own timeout (``_sse``) counts from the same start
            async with asyncio.timeout(max(0.0, started + self.request_timeout_s - time.perf_counter())):
                engine = await self.pipeline.before_engine(ctx)
                if ctx.timings is not None:
                    ctx.timings.mark("engine_call")
                if response_headers is not None and ctx.variant:
                    response_headers[VARIANT_HEADER] = ctx.variant
                if route == "embeddings":
                    response = await self.pipeline.response(ctx, await engine.embed(ctx.payload))
                elif not ctx.stream:
                    response = await self.pipeline.response(ctx, await engine.generate(route, ctx.payload))
                else:
                    include_usage = bool(request.stream_options and request.stream_options.include_usage)  # type: ignore[attr-defined]
                    ctx.payload["stream_options"] = {"include_usage": True}  # metering needs usage
                    chunks = self.pipeline.stream(ctx, counted(ctx, engine.stream(route, ctx.payload)))
                    first = await anext(chunks, None)  # engine errors before the first token are plain HTTP errors
                    if first is None:
                        raise EngineUnavailableError("The engine ended the stream without output.")
                    if ctx.timings is not None:
                        ctx.timings.mark("first_chunk_out")
                    return self._sse(ctx, first, chunks, include_usage)
        except TimeoutError:
            timeout = EngineTimeoutError("The request did not finish in time.")
            await self._done(ctx, timeout.status_code)
            raise timeout from None
        except LLMOpsError as exc:
            await self._done(ctx, exc.status_code)
            raise
        except asyncio.CancelledError:  # the client went away
            await self._done(ctx, CLIENT_CLOSED)
            raise
        except BaseException:
            await self._done(ctx, 500)
            raise
        await self._done(ctx, 200)
        return response

    async def _sse(
        self, ctx: RequestContext, first: dict[str, Any], chunks: AsyncIterator[dict[str, Any]], include_usage: bool
    ) -> AsyncIterator[bytes]:
        status = 200
        deadline = ctx.started + self.request_timeout_s
        try:
            async with asyncio.timeout(max(0.0, deadline - time.perf_counter())):
                chunk: dict[str, Any] | None = first
                while chunk is not None:
                    if not include_usage:
                        if not chunk.get("choices") and chunk.get("object") != "chat.completion.citations":
                            chunk = await anext(chunks, None)
                            continue
                        chunk.pop("usage", None)
                    if ctx.timings is not None and any(map(_generated_tokens, chunk.get("choices") or ())):
                        ctx.timings.mark("first_token_out")
                    yield sse_event(chunk)
                    chunk = await anext(chunks, None)
        except TimeoutError:
            status = 504
            yield sse_error(EngineTimeoutError("The engine did not finish in time."))
        except LLMOpsError as exc:
            status = exc.status_code
            yield sse_error(exc)
        except Exception:
            status = 500
            yield sse_error(LLMOpsError("stream failed"))
        except BaseException:  # client gone (cancelled): close the engine stream, send nothing
            status = CLIENT_CLOSED
            raise
        finally:
            await chunks.aclose()  # type: ignore[attr-defined]
            await self._done(ctx, status)
        yield DONE

    async def _done(self, ctx: RequestContext, status: int) -> None:
        metrics.IN_FLIGHT.labels(ctx.route).dec()
        self._count(ctx.route, ctx.model_label, status, ctx.started)
        await self.pipeline.finish(ctx, status)
        if self.timings is not None and ctx.timings is not None:
            self.timings.write(ctx.timings, ctx.request_id, ctx.route, status, ctx.decisions)

    @staticmethod
    def _count(route: str, model_label: str, status: int, started: float) -> None:
        label = status_class(status)
        metrics.REQUESTS.labels(route, model_label, label).inc()
        metrics.REQUEST_DURATION.labels(route, model_label, label).observe(time.perf_counter() - started)
