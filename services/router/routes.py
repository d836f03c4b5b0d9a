"""HTTP route of the router: ``POST /v1/feedback`` (thin adapter over FeedbackService)."""

from __future__ import annotations

from collections.abc import Callable

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response

from services.common.errors import LLMOpsError
from services.router.feedback import FeedbackService

# api key (or None) -> key id; raises AuthenticationError for a bad key
Authenticate = Callable[[str | None], str | None]


def add_feedback_route(app: FastAPI, feedback: Callable[[], FeedbackService], authenticate: Authenticate) -> None:
    @app.post("/v1/feedback")
    async def post_feedback(request: Request) -> Response:
        header = request.headers.get("authorization") or ""
        scheme, _, token = header.partition(" ")
        try:
            key_id = authenticate(token.strip() or None if scheme.lower() == "bearer" else None)
            body = await feedback().submit(await request.body(), key_id=key_id)
        except LLMOpsError as exc:
            return Response(exc.to_json(), status_code=exc.status_code, media_type="application/json")
        return Response(orjson.dumps(body), media_type="application/json")
