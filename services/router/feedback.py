"""``POST /v1/feedback``: a rating (thumbs or 1–5), an optional comment and an optional pairwise
preference, about a response the gateway returned (its ``id``).

Body::

    {"response_id": "chatcmpl-...", "rating": "up" | "down" | 1..5,
     "comment": "optional text",
     "preference": {"other_response_id": "chatcmpl-...", "preferred": "this" | "other" | "tie"}}

At least one of ``rating`` and ``preference`` is required. Answers 200 with the stored feedback
id once the write committed; 400 for a malformed body or rating out of range, 404 for an unknown
response id, 409 for a second feedback on the same response. Errors in the OpenAI shape.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.common.errors import InvalidRequestError, LLMOpsError, NotFoundError
from services.common.protocol import parse_request
from services.router import metrics
from services.router.store import ExperimentStore, StoreError


class ConflictError(LLMOpsError):
    status_code = 409
    error_type = "invalid_request_error"
    default_code = "conflict"
    expose_message = True


class Preference(BaseModel):
    model_config = ConfigDict(extra="forbid")

    other_response_id: str = Field(min_length=1, max_length=128)
    preferred: Literal["this", "other", "tie"]


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    response_id: str = Field(min_length=1, max_length=128)
    rating: str | int | None = Field(None, description="'up', 'down', or an integer 1 to 5.")
    comment: str | None = Field(None, max_length=4000)
    preference: Preference | None = None

    @field_validator("rating", mode="before")
    @classmethod
    def _rating(cls, value: Any) -> Any:
        if value is None or value in ("up", "down"):
            return value
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
            return value
        raise ValueError("rating must be 'up', 'down' or an integer from 1 to 5")

    @model_validator(mode="after")
    def _something(self) -> FeedbackRequest:
        if self.rating is None and self.preference is None:
            raise ValueError("give a rating, a preference, or both")
        if self.preference is not None and self.preference.other_response_id == self.response_id:
            raise ValueError("a preference compares two different responses")
        return self


class FeedbackService:
    def __init__(self, store: ExperimentStore):
        self.store = store

    async def submit(self, body: bytes, *, key_id: str | None) -> dict[str, Any]:
        request: FeedbackRequest = parse_request(FeedbackRequest, body)
        if request.rating in ("up", "down"):
            kind, rating = "thumbs", int(request.rating == "up")
        elif request.rating is not None:
            kind, rating = "scale", int(request.rating)
        else:
            kind, rating = None, None
        pref = request.preference
        try:
            receipt = await asyncio.to_thread(
                self.store.add_feedback,
                request.response_id,
                rating_kind=kind,
                rating=rating,
                comment=request.comment,
                other_response_id=pref.other_response_id if pref else None,
                preferred=pref.preferred if pref else None,
                key_id=key_id,
            )
        except StoreError as exc:
            if exc.code == "unknown_response_id":
                raise NotFoundError(str(exc), param="response_id", code=exc.code) from None
            if exc.code == "duplicate_feedback":
                raise ConflictError(str(exc), param="response_id", code=exc.code) from None
            raise InvalidRequestError(str(exc), param="preference", code=exc.code) from None
        experiment = receipt.experiment or "none"
        if rating is not None:
            up = rating == 1 if kind == "thumbs" else rating >= 4
            metrics.FEEDBACK.labels(experiment, receipt.variant, "up" if up else "down").inc()
        if pref is not None:
            metrics.FEEDBACK.labels(experiment, receipt.variant, "preference").inc()
        return {"id": f"fb-{receipt.id}", "object": "feedback", "response_id": request.response_id}
