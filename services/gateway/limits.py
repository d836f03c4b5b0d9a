"""Request size limits, checked at the gateway before quota, safety or engine work (issue 13).

Body size is checked on the raw bytes (413); the rest on the validated request (400 naming the
parameter): message count, ``stop`` entries, ``logit_bias`` entries, and a prompt far longer
than the model's context (400 ``context_length_exceeded``). The gateway has no tokenizer, so the
context check is a lower bound: a prompt of more than ``context_chars_per_token`` characters per
token of context cannot fit; closer calls are left to the engine, which counts exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.common.errors import InvalidRequestError


class PayloadTooLargeError(InvalidRequestError):
    status_code = 413


@dataclass(frozen=True)
class RequestLimits:
    max_body_bytes: int = 1_048_576
    max_messages: int = 256
    max_stop: int = 4
    max_logit_bias: int = 300
    context_chars_per_token: float = 8.0
    contexts: Mapping[str, int] = field(default_factory=dict)  # public model name -> context length in tokens

    def check_body(self, body: bytes) -> None:
        if len(body) > self.max_body_bytes:
            raise PayloadTooLargeError(
                f"The request body is {len(body)} bytes; this server accepts at most {self.max_body_bytes}.",
                code="request_too_large",
            )

    def check(self, route: str, request: Any, prompt_chars: int) -> None:
        messages = getattr(request, "messages", None)
        if messages is not None and len(messages) > self.max_messages:
            raise InvalidRequestError(
                f"{len(messages)} messages; at most {self.max_messages} are allowed.", param="messages"
            )
        stop = getattr(request, "stop", None)
        if isinstance(stop, list) and len(stop) > self.max_stop:
            raise InvalidRequestError(f"At most {self.max_stop} stop sequences are allowed.", param="stop")
        bias = getattr(request, "logit_bias", None)
        if bias and len(bias) > self.max_logit_bias:
            raise InvalidRequestError(
                f"At most {self.max_logit_bias} logit_bias entries are allowed.", param="logit_bias"
            )
        context = self.contexts.get(request.model)
        self._check_min_tokens(request, context)
        best_of = getattr(request, "best_of", None)
        if best_of is not None and best_of < request.n:
            raise InvalidRequestError(f"best_of ({best_of}) must be at least n ({request.n}).", param="best_of")
        if context and route != "embeddings" and prompt_chars > context * self.context_chars_per_token:
            raise InvalidRequestError(
                f"This model's maximum context length is {context} tokens; the prompt is far longer "
                f"({prompt_chars} characters).",
                param="messages" if route == "chat" else "prompt",
                code="context_length_exceeded",
            )

    @staticmethod
    def _check_min_tokens(request: Any, context: int | None) -> None:
        """vLLM's range for its ``min_tokens``: at most the request's maximum, and below the context
        (the engine refuses the rest too, but only after quota and safety have run)."""
        min_tokens = getattr(request, "min_tokens", None)
        if not min_tokens:
            return
        most = getattr(request, "max_completion_tokens", None) or getattr(request, "max_tokens", None)
        if most is not None and min_tokens > most:
            raise InvalidRequestError(
                f"min_tokens ({min_tokens}) must not exceed max_tokens ({most}).", param="min_tokens"
            )
        if context and min_tokens >= context:
            raise InvalidRequestError(
                f"min_tokens ({min_tokens}) must be below the model's context length ({context}).", param="min_tokens"
            )
