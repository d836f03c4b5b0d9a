"""One error hierarchy for every OpenAI route; handlers raise, one handler renders.

    LLMOpsError                    500 internal_error      (message hidden from clients)
    ├── InvalidRequestError        400 invalid_request_error
    │   └── ContentFilterError     400 invalid_request_error, code content_filter
    ├── AuthenticationError        401 authentication_error
    ├── PermissionDeniedError      403 permission_error
    ├── NotFoundError              404 not_found_error
    │   └── ModelNotFoundError     404 code model_not_found
    ├── RateLimitError             429 rate_limit_error (carries Retry-After)
    ├── EngineUnavailableError     503 service_unavailable
    │   ├── EngineOverloadedError  503 code engine_overloaded (queue full; carries Retry-After)
    │   ├── ShuttingDownError      503 code shutting_down (replica draining; carries Retry-After)
    │   └── SafetyUnavailableError 503 code safety_unavailable (fail-closed safety policy)
    └── EngineTimeoutError         504 timeout

Every error renders as ``{"error": {"message", "type", "param", "code"}}`` with its HTTP status.
"""

from __future__ import annotations

from typing import Any

import orjson


class LLMOpsError(Exception):
    """Base class: an unexpected failure. Its message never reaches the client."""

    status_code = 500
    error_type = "internal_error"
    default_code: str | None = "internal_error"
    expose_message = False

    def __init__(self, message: str = "", *, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code if code is not None else self.default_code

    @property
    def headers(self) -> dict[str, str]:
        return {}

    def to_dict(self) -> dict[str, Any]:
        message = self.message if self.expose_message else "The server had an error processing the request."
        return {"error": {"message": message, "type": self.error_type, "param": self.param, "code": self.code}}

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())


class InvalidRequestError(LLMOpsError):
    status_code = 400
    error_type = "invalid_request_error"
    default_code = None
    expose_message = True


class ContentFilterError(InvalidRequestError):
    default_code = "content_filter"

    def __init__(self, message: str, *, param: str | None = None, explanation: dict[str, Any] | None = None):
        super().__init__(message, param=param)
        self.explanation = explanation  # the n-grams behind the block, when the policy asks to explain

    def to_dict(self) -> dict[str, Any]:
        body = super().to_dict()
        if self.explanation:
            body["error"]["explanation"] = self.explanation
        return body


class AuthenticationError(LLMOpsError):
    status_code = 401
    error_type = "authentication_error"
    default_code = "invalid_api_key"
    expose_message = True


class PermissionDeniedError(LLMOpsError):
    status_code = 403
    error_type = "permission_error"
    default_code = "model_not_allowed"
    expose_message = True


class NotFoundError(LLMOpsError):
    status_code = 404
    error_type = "not_found_error"
    default_code = "not_found"
    expose_message = True


class ModelNotFoundError(NotFoundError):
    default_code = "model_not_found"

    def __init__(self, model: str):
        super().__init__(f"The model '{model}' does not exist.", param="model")


class RateLimitError(LLMOpsError):
    status_code = 429
    error_type = "rate_limit_error"
    default_code = "rate_limit_exceeded"
    expose_message = True

    def __init__(self, message: str, *, retry_after: float, code: str | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(max(1, int(self.retry_after + 0.999)))}


class EngineUnavailableError(LLMOpsError):
    status_code = 503
    error_type = "service_unavailable"
    default_code = "engine_unavailable"
    expose_message = True


class EngineOverloadedError(EngineUnavailableError):
    """The engine's queue is full: refused at once, with a hint when to come back."""

    default_code = "engine_overloaded"

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}


class ShuttingDownError(EngineUnavailableError):
    """This replica is draining before it stops: another replica, or this stack once restarted, will answer."""

    default_code = "shutting_down"

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class SafetyUnavailableError(EngineUnavailableError):
    default_code = "safety_unavailable"


class EngineTimeoutError(LLMOpsError):
    status_code = 504
    error_type = "timeout"
    default_code = "engine_timeout"
    expose_message = True
