"""Request size limits, checked at the gateway before quota, safety or engine work (issue 13).

Body size is checked on the raw bytes (413); the rest on the validated request (400 naming the
parameter): message count, ``stop`` entries, ``logit_bias`` entries, ``best_of``, and a prompt
longer than the model's context (400 ``context_length_exceeded``), on every route: chat,
completions and embeddings (an embedding model's context is its ``max_model_len`` too; vLLM
refuses a longer input rather than truncating it). The gateway has no tokenizer, so for text
the context check is a lower bound: a prompt of more than ``context_chars_per_token``
characters per token of context cannot fit; closer calls are left to the engine, which counts
exactly (its refusal gets the same code, ``engines.engine_error``). A prompt given as token ids
is counted exactly: more ids than the context is refused, as vLLM refuses it. Each prompt of a
batch (``prompt`` or ``input`` as a list) is checked on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.common.errors import InvalidRequestError

CHARS_PER_TOKEN_ESTIMATE = 4  # a text prompt's token estimate where the gateway has to guess (quota)


@dataclass(frozen=True)
class Prompt:
    """One prompt the engine runs: its characters, or its exact token count when sent as token ids."""

    chars: int = 0
    tokens: int | None = None

    def token_estimate(self) -> int:
        return self.tokens if self.tokens is not None else -(-self.chars // CHARS_PER_TOKEN_ESTIMATE)


def prompts(route: str, payload: Mapping[str, Any], chat_chars: int = 0) -> list[Prompt]:
    """The prompts of a request: one for chat (``chat_chars``: its messages' text), one per entry
    of a completions ``prompt`` or embeddings ``input`` list (a list of ints is one prompt of ids)."""
    if route == "chat":
        return [Prompt(chars=chat_chars)]
    given = payload.get("prompt") if route == "completions" else payload.get("input")
    if isinstance(given, str):
        return [Prompt(chars=len(given))]
    if not isinstance(given, list):
        return []
    if given and all(isinstance(token, int) for token in given):
        return [Prompt(tokens=len(given))]
    return [Prompt(chars=len(p)) if isinstance(p, str) else Prompt(tokens=len(p)) for p in given]


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

    def check(self, route: str, request: Any, prompts: Sequence[Prompt]) -> None:
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
        self._check_best_of(request)
        if context:
            self._check_context(route, prompts, context)

    def _check_context(self, route: str, prompts: Sequence[Prompt], context: int) -> None:
        param = {"chat": "messages", "completions": "prompt", "embeddings": "input"}[route]
        for prompt in prompts:
            if prompt.tokens is not None and prompt.tokens > context:
                raise InvalidRequestError(
                    f"This model's maximum context length is {context} tokens; the prompt has {prompt.tokens}.",
                    param=param,
                    code="context_length_exceeded",
                )
            if prompt.chars > context * self.context_chars_per_token:
                raise InvalidRequestError(
                    f"This model's maximum context length is {context} tokens; the prompt is far longer "
                    f"({prompt.chars} characters).",
                    param=param,
                    code="context_length_exceeded",
                )

    @staticmethod
    def _check_best_of(request: Any) -> None:
        """OpenAI's range (at least ``n``), and no more than ``n``: vLLM 0.32 has no ``best_of`` (its
        completions request ignores the field), so more candidates than answers would be a promise
        the engine silently breaks."""
        best_of = getattr(request, "best_of", None)
        if best_of is None:
            return
        if best_of < request.n:
            raise InvalidRequestError(f"best_of ({best_of}) must be at least n ({request.n}).", param="best_of")
        if best_of > request.n:
            raise InvalidRequestError(
                f"best_of ({best_of}) above n ({request.n}) is not supported: the engine generates n answers "
                "and ranks no extra candidates.",
                param="best_of",
                code="unsupported_parameter",
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
