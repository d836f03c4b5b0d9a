"""HTTP routes: thin FastAPI adapters over ``GatewayService``; every error in OpenAI's shape."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response, StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic.json_schema import models_json_schema
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.common.errors import InvalidRequestError, LLMOpsError, NotFoundError
from services.common.protocol import (
    ChatCompletionRequest,
    CompletionRequest,
    EmbeddingRequest,
    WatermarkDetectRequest,
)
from services.gateway.draining import Drain, DrainMiddleware
from services.gateway.limits import PayloadTooLargeError
from services.gateway.service import GatewayService

log = logging.getLogger("llmops.gateway")
STAGE_HEADERS = frozenset({"x-llmops-variant"})  # request headers passed to the pipeline stages


def _json(obj: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(obj), status_code=status, media_type="application/json", headers=headers)


def error_response(exc: LLMOpsError) -> Response:
    return Response(exc.to_json(), status_code=exc.status_code, media_type="application/json", headers=exc.headers)


def bearer_key(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed ``limit`` bytes (from its
    Content-Length, or while it is read), so an oversized body is never held in memory."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(
            f"The request body is {declared} bytes; this server accepts at most {limit}.", code="request_too_large"
        )
    parts, size = [], 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise PayloadTooLargeError(f"The request body exceeds {limit} bytes.", code="request_too_large")
        parts.append(part)
    return b"".join(parts)


class RequestIdMiddleware:
    """Echo the client's X-Request-Id or make one; expose it as ``request.state.request_id``.

    Behind Ray Serve's proxy, which already echoes or assigns the header, pass ``serve_request_id``
    (returns the proxy's id) so that both agree and the header is not sent twice.
    """

    def __init__(self, app: Callable[..., Awaitable[None]], serve_request_id: Callable[[], str] | None = None):
        self.app = app
        self.serve_request_id = serve_request_id

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self.serve_request_id is not None:
            scope.setdefault("state", {})["request_id"] = self.serve_request_id()
            return await self.app(scope, receive, send)
        request_id = (
            next((v.decode("latin-1")[:128] for k, v in scope["headers"] if k == b"x-request-id"), None)
            or uuid.uuid4().hex
        )
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode("latin-1"))]
            await send(message)

        await self.app(scope, receive, send_with_id)


REQUEST_MODELS = {
    "chat": ChatCompletionRequest,
    "completions": CompletionRequest,
    "embeddings": EmbeddingRequest,
    "watermark": WatermarkDetectRequest,
}


def _request_schemas() -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Each route's JSON body schema (a $ref) and the component schemas they refer to, so that
    /openapi.json documents the bodies the routes validate (the routes read raw bytes)."""
    refs, top = models_json_schema(
        [(m, "validation") for m in REQUEST_MODELS.values()], ref_template="#/components/schemas/{model}"
    )
    bodies = {
        name: {"required": True, "content": {"application/json": {"schema": refs[(model, "validation")]}}}
        for name, model in REQUEST_MODELS.items()
    }
    return bodies, top.get("$defs", {})


def build_fastapi(
    get_service: Callable[[], GatewayService],
    *,
    is_ready: Callable[[], Awaitable[bool]],
    serve_request_id: Callable[[], str] | None = None,
    cors_allow_origins: Sequence[str] = (),
    drain: Drain | None = None,
) -> FastAPI:
    """The gateway's HTTP app. ``cors_allow_origins``: browser origins allowed cross-origin; empty:
    no CORS headers at all (browsers then refuse cross-origin calls). ``drain``: the replica's drain
    state (``draining.py``): counts requests in flight, refuses new ones once started."""
    drain = drain or Drain()
    app = FastAPI(title="llmops gateway", version="0.1.0", docs_url=None, redoc_url=None)
    bodies, components = _request_schemas()
    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = plain_openapi()
            schema.setdefault("components", {}).setdefault("schemas", {}).update(components)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(DrainMiddleware, drain=drain)  # inside the request id: refusals carry one too
    app.add_middleware(RequestIdMiddleware, serve_request_id=serve_request_id)
    if cors_allow_origins:
        # added last, so outermost: preflight requests are answered before anything else runs
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_allow_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-Id"],
            expose_headers=["X-Request-Id", "Retry-After"],
            allow_credentials=False,  # keys travel in the Authorization header, never in cookies
        )

    @app.exception_handler(LLMOpsError)
    async def _llmops_error(request: Request, exc: LLMOpsError) -> Response:
        if exc.status_code >= 500:
            log.warning("request %s failed: %s: %s", request.state.request_id, type(exc).__name__, exc.message)
        return error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return error_response(
                NotFoundError(f"Unknown route {request.method} {request.url.path}.", code="unknown_route")
            )
        err = InvalidRequestError(str(exc.detail), code="method_not_allowed" if exc.status_code == 405 else None)
        err.status_code = exc.status_code
        return error_response(err)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        return error_response(InvalidRequestError("Invalid request."))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("request %s failed unexpectedly", getattr(request.state, "request_id", "?"))
        return error_response(LLMOpsError(str(exc)))

    async def _openai(route: str, request: Request) -> Response:
        service = get_service()
        answer_headers: dict[str, str] = {}
        result = await service.handle(
            route,
            await read_body(request, service.limits.max_body_bytes),
            api_key=bearer_key(request),
            request_id=request.state.request_id,
            headers={k: v for k, v in request.headers.items() if k in STAGE_HEADERS},
            response_headers=answer_headers,
        )
        if isinstance(result, dict):
            return _json(result, headers=answer_headers)
        return StreamingResponse(
            result,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no", **answer_headers},
        )

    @app.post("/v1/chat/completions", openapi_extra={"requestBody": bodies["chat"]})
    async def chat_completions(request: Request) -> Response:
        return await _openai("chat", request)

    @app.post("/v1/completions", openapi_extra={"requestBody": bodies["completions"]})
    async def completions(request: Request) -> Response:
        return await _openai("completions", request)

    @app.post("/v1/embeddings", openapi_extra={"requestBody": bodies["embeddings"]})
    async def embeddings(request: Request) -> Response:
        return await _openai("embeddings", request)

    @app.post("/v1/retrieve")
    async def retrieve(request: Request) -> Response:
        service = get_service()
        body, key = await read_body(request, service.limits.max_body_bytes), bearer_key(request)
        return _json(await service.retrieve(body, api_key=key, request_id=request.state.request_id))

    @app.post("/v1/feedback")
    async def feedback(request: Request) -> Response:
        service = get_service()
        if service.feedback is None:
            raise NotFoundError("Feedback needs the A/B router, which is not configured.", code="feedback_unavailable")
        body, key_id = await read_body(request, service.limits.max_body_bytes), service.key_id(bearer_key(request))
        return _json(await service.feedback.submit(body, key_id=key_id))

    @app.post("/v1/watermark/detect", openapi_extra={"requestBody": bodies["watermark"]})
    async def watermark_detect(request: Request) -> Response:
        service = get_service()
        body = await read_body(request, service.limits.max_body_bytes)
        return _json(await service.detect_watermark(body, api_key=bearer_key(request)))

    @app.get("/v1/models")
    async def models(request: Request) -> Response:
        return _json(get_service().list_models(bearer_key(request)))

    @app.get("/health")
    async def health() -> Response:
        return _json({"status": "ok"})

    @app.get("/ready")
    async def ready() -> Response:
        if drain.draining:
            return _json({"status": "draining"}, status=503)
        if await is_ready():
            return _json({"status": "ready"})
        return _json({"status": "loading"}, status=503)

    @app.get("/metrics")
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
