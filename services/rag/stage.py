"""Grounded chat: the gateway pipeline's ``retrieval`` stage (plain logic; the gateway wiring
puts it in the slot when the app has a retrieval deployment).

    on_request   chat request with "rag": {"collection", "top_k", "filters"} (or a model alias
                 bound to a collection) -> retrieve with the last user message as query ->
                 drop passages the safety service flags as indirect injection -> numbered
                 sources in a system message -> ctx.passages / ctx.citations / ctx.features
    on_response  "citations": [...] added to the chat completion
    on_stream    one {"object": "chat.completion.citations", "citations": [...]} event before
                 the usage chunk (or at the end when the client asked for no usage)

The stage sees the prompt as the input guard left it (PII redacted), so the query sent to the
retrieval service is the redacted one. Features hold numbers only, never passage text.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from services.common.errors import EngineUnavailableError, InvalidRequestError
from services.rag import grounding

RecordFn = Callable[[str, dict[str, Any]], None]


class RetrievalClient(Protocol):
    async def retrieve(self, body: dict[str, Any]) -> dict[str, Any]: ...


class PassageScanner(Protocol):
    async def scan_passages(self, passages: list[str], policy: dict[str, Any]) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class RagBinding:
    """What a chat request retrieves from: a collection, how many passages, metadata filters."""

    collection: str
    top_k: int = 4
    filters: Mapping[str, Any] | None = None


def parse_rag_field(value: Any) -> RagBinding:
    if not isinstance(value, dict):
        raise InvalidRequestError('rag must be an object like {"collection": "pubmed", "top_k": 4}', param="rag")
    unknown = set(value) - {"collection", "top_k", "filters"}
    if unknown:
        raise InvalidRequestError(f"rag: unknown field(s) {', '.join(sorted(unknown))}", param="rag")
    collection = value.get("collection")
    if not isinstance(collection, str) or not collection:
        raise InvalidRequestError("rag.collection must be a non-empty string", param="rag.collection")
    top_k = value.get("top_k", 4)
    if not isinstance(top_k, int) or isinstance(top_k, bool):
        raise InvalidRequestError("rag.top_k must be an integer", param="rag.top_k")
    filters = value.get("filters") or {}
    if not isinstance(filters, dict):
        raise InvalidRequestError("rag.filters must be an object", param="rag.filters")
    return RagBinding(collection, top_k, filters)


def last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            return " ".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


class GroundingLogic:
    """The stage's work, independent of the pipeline's classes (so it is tested alone)."""

    def __init__(
        self,
        retrieval: RetrievalClient,
        *,
        scanner: PassageScanner | None = None,
        policy_for: Callable[[Any], dict[str, Any]] | None = None,
        aliases: Mapping[str, tuple[str, RagBinding]] | None = None,
        record: RecordFn | None = None,
        timeout_s: float = 5.0,
    ):
        self.retrieval = retrieval
        self.scanner = scanner
        self.policy_for = policy_for or (lambda ctx: {})
        self.aliases = dict(aliases or {})  # public model name -> (base model, binding)
        self.record = record or (lambda event, data: None)
        self.timeout_s = timeout_s

    def binding(self, ctx: Any) -> RagBinding | None:
        payload = ctx.payload
        binding = parse_rag_field(payload.pop("rag")) if payload.get("rag") is not None else None
        payload.pop("rag", None)
        alias = self.aliases.get(payload.get("model", ""))
        if alias is not None:
            base, alias_binding = alias
            payload["model"] = base
            binding = binding or alias_binding
        return binding

    async def on_request(self, ctx: Any) -> None:
        if ctx.route != "chat":
            if ctx.payload.get("rag") is not None:
                raise InvalidRequestError("rag is only supported on chat completions", param="rag")
            return
        binding = self.binding(ctx)
        if binding is None:
            return
        query = last_user_text(ctx.payload.get("messages", []))
        started = time.perf_counter()
        body = {"query": query, "collection": binding.collection, "top_k": binding.top_k}
        if binding.filters:
            body["filters"] = dict(binding.filters)
        try:
            async with asyncio.timeout(self.timeout_s):
                answer = await self.retrieval.retrieve(body)
        except TimeoutError:
            raise EngineUnavailableError(
                "The retrieval service did not answer in time.", code="retrieval_unavailable"
            ) from None
        retrieved = answer["data"]
        self.record("retrieved", {"timings": answer.get("timings", {}), "gateway_s": time.perf_counter() - started})
        kept, dropped = retrieved, 0
        if self.scanner is not None and retrieved:
            scan_started = time.perf_counter()
            verdicts = await self.scanner.scan_passages([p["text"] for p in retrieved], self.policy_for(ctx))
            kept = [p for p, v in zip(retrieved, verdicts, strict=True) if not v.get("blocked")]
            dropped = len(retrieved) - len(kept)
            self.record("scanned", {"seconds": time.perf_counter() - scan_started})
        self.record("passages", {"returned": len(retrieved), "dropped": dropped, "route": "chat"})
        ctx.passages = kept
        ctx.citations = grounding.citations(kept, binding.collection)
        ctx.features.update(grounding.features(kept, len(retrieved), dropped))
        ctx.payload["messages"] = grounding.grounded_messages(ctx.payload.get("messages", []), kept)

    @staticmethod
    def on_response(ctx: Any, response: dict[str, Any]) -> dict[str, Any]:
        if getattr(ctx, "citations", None):
            response["citations"] = ctx.citations
        return response

    @staticmethod
    async def on_stream(ctx: Any, chunks: AsyncIterator[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
        citations = getattr(ctx, "citations", None)
        sent = not citations
        event = {"object": "chat.completion.citations", "citations": citations}
        async for chunk in chunks:
            if not sent and chunk.get("usage") and not chunk.get("choices"):
                yield {**event, "id": chunk.get("id"), "model": chunk.get("model")}
                sent = True
            yield chunk
        if not sent:
            yield event
