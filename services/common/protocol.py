"""OpenAI wire-format request models, validated at the gateway before anything reaches an engine.

Unknown fields are rejected (OpenAI does the same) so that a typo in a parameter name is a 400
naming the field, not a silently ignored setting. A few vLLM sampling extensions are accepted.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from services.common.errors import InvalidRequestError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # "1" is not a number, 1 is not a bool

    def engine_payload(self) -> dict[str, Any]:
        """The body sent to the engine: only fields the client set."""
        return self.model_dump(exclude_unset=True, by_alias=True)


# OpenAI's and vLLM's (0.32) max_tokens of a /v1/completions request that sets none; chat has no
# such default (vLLM lets the answer run to the end of the context)
COMPLETIONS_DEFAULT_MAX_TOKENS = 16

# Content part types and the field each carries (OpenAI chat); anything else is a 400.
CONTENT_PARTS: dict[str, tuple[str, type]] = {
    "text": ("text", str),
    "image_url": ("image_url", dict),
    "input_audio": ("input_audio", dict),
    "file": ("file", dict),
    "refusal": ("refusal", str),
}


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = None
    refusal: str | None = None
    function_call: dict[str, Any] | None = None
    audio: dict[str, Any] | None = None  # what an assistant message echoed back from a response may carry
    annotations: list[dict[str, Any]] | None = None
    reasoning_content: str | None = None

    @field_validator("content")
    @classmethod
    def _known_parts(cls, content: Any) -> Any:
        for i, part in enumerate(content if isinstance(content, list) else ()):
            kind = part.get("type")
            if kind not in CONTENT_PARTS:
                raise ValueError(f"part {i} has type {kind!r}; supported: {', '.join(CONTENT_PARTS)}")
            field, expected = CONTENT_PARTS[kind]
            if not isinstance(part.get(field), expected) or set(part) - {"type", field}:
                raise ValueError(f"part {i} of type {kind!r} needs '{field}' ({expected.__name__}) and nothing else")
        return content

    @model_validator(mode="after")
    def _required_for_its_role(self) -> ChatMessage:
        # as OpenAI's API: content is required, except from an assistant that called a tool or
        # function instead; a tool's answer also names the call it answers
        if self.content is None and not (self.role == "assistant" and (self.tool_calls or self.function_call)):
            raise ValueError(f"a {self.role} message needs 'content'")
        if self.role == "tool" and not self.tool_call_id:
            raise ValueError("a tool message needs 'tool_call_id'")
        return self


class StreamOptions(_Strict):
    include_usage: bool = False


class JsonSchemaFormat(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str = Field(min_length=1, max_length=64)
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    strict: bool | None = None


class ResponseFormat(_Strict):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaFormat | None = None

    @model_validator(mode="after")
    def _schema_given(self) -> ResponseFormat:
        if self.type == "json_schema" and self.json_schema is None:
            raise ValueError("json_schema is required when type is 'json_schema'")
        return self


TokenId = Annotated[int, Field(ge=0, lt=2**31)]
Stop = Annotated[str | list[Annotated[str, Field(min_length=1)]] | None, Field(default=None)]


class _Sampling(_Strict):
    """Sampling parameters shared by chat and text completions."""

    model: str = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    n: int = Field(default=1, ge=1, le=16)
    stop: Stop = None
    seed: int | None = Field(default=None, ge=-(2**63), lt=2**63)
    presence_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    frequency_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    logit_bias: (
        dict[Annotated[str, Field(pattern=r"^[0-9]{1,9}$")], Annotated[float, Field(ge=-100, le=100)]] | None
    ) = None
    user: str | None = Field(default=None, max_length=256)
    # vLLM extensions
    top_k: int | None = Field(default=None, ge=-1, le=1_000_000)
    min_p: float | None = Field(default=None, ge=0.0, le=1.0)
    repetition_penalty: float | None = Field(default=None, gt=0.0, le=2.0)
    min_tokens: int | None = Field(default=None, ge=0, le=1_000_000)
    ignore_eos: bool | None = None
    # llmops extension: green-list watermark on this answer (needs the safety service)
    watermark: bool | None = None

    @field_validator("stop")
    @classmethod
    def _no_empty_stop(cls, value: Any) -> Any:
        if value == "":  # vLLM refuses it too, but only after quota and safety
            raise ValueError("stop must not be an empty string")
        return value

    @model_validator(mode="after")
    def _stream_options_need_stream(self) -> _Sampling:
        if self.stream_options is not None and not self.stream:
            raise ValueError("stream_options is only allowed when stream is true")
        return self


class ChatCompletionRequest(_Sampling):
    messages: list[ChatMessage] = Field(min_length=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    response_format: ResponseFormat | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    # llmops extension: ground the answer in a RAG collection ({"collection", "top_k", "filters"});
    # checked by the retrieval stage, never sent to the engine.
    rag: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _top_logprobs_need_logprobs(self) -> ChatCompletionRequest:
        if self.top_logprobs is not None and not self.logprobs:
            raise ValueError("top_logprobs requires logprobs to be true")
        return self


class CompletionRequest(_Sampling):
    prompt: str | list[str] | list[TokenId] | list[list[TokenId]]
    logprobs: int | None = Field(default=None, ge=0, le=5)
    echo: bool | None = None
    suffix: str | None = None
    best_of: int | None = Field(default=None, ge=1, le=16)

    @field_validator("prompt")
    @classmethod
    def _prompt_not_empty(cls, value: Any) -> Any:
        if value in ("", []):
            raise ValueError("prompt must not be empty")
        return value


class EmbeddingRequest(_Strict):
    model: str = Field(min_length=1)
    input: str | list[str] | list[TokenId] | list[list[TokenId]]
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = Field(default=None, ge=1, le=65536)
    user: str | None = Field(default=None, max_length=256)

    @field_validator("input")
    @classmethod
    def _input_not_empty(cls, value: Any) -> Any:
        if value in ("", []):
            raise ValueError("input must not be empty")
        if isinstance(value, list) and len(value) > 2048:
            raise ValueError("at most 2048 inputs are allowed per request")
        return value


class WatermarkDetectRequest(_Strict):
    """``POST /v1/watermark/detect``: is this text from a watermarked answer of ``model``?"""

    model: str = Field(min_length=1)
    text: str = Field(min_length=1, max_length=200_000)
    gamma: float | None = Field(default=None, gt=0.0, lt=1.0)
    threshold: float | None = Field(default=None, gt=0.0, le=100.0)


RagFilterValue = str | int | float | bool


class RetrieveRequest(_Strict):
    """``POST /v1/retrieve`` (llmops extension): passages of a RAG collection for a query."""

    query: str = Field(description="What to search for (natural language or keywords).")
    collection: str = Field(description="Collection to search.")
    top_k: int | None = Field(None, description="Passages to return (1 to the service's max_top_k).")
    filters: dict[str, RagFilterValue | list[RagFilterValue]] = Field(
        default_factory=dict, description="Metadata field -> value or list of accepted values (all must match)."
    )
    mode: Literal["hybrid", "dense", "bm25"] = Field("hybrid", description="Ranking: BM25 + dense fused, or one.")


def parse_request(model_cls: type[BaseModel], raw: bytes) -> Any:
    """Validate a JSON body into ``model_cls``; any failure is a 400 that names the field."""
    if not raw:
        raise InvalidRequestError("The request body is empty; send a JSON object.")
    try:
        return model_cls.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        if first["type"] == "json_invalid":
            raise InvalidRequestError("The request body is not valid JSON.") from None
        if first["type"] == "model_type":
            raise InvalidRequestError("The request body must be a JSON object.") from None
        param = ".".join(str(part) for part in first["loc"]) or None
        if first["type"] == "extra_forbidden":
            message = f"Unrecognized request argument supplied: {param}"
        elif first["type"] == "missing":
            message = f"Missing required parameter: '{param}'."
        else:
            message = f"Invalid value for '{param}': {first['msg']}." if param else first["msg"]
        raise InvalidRequestError(message, param=param) from None
