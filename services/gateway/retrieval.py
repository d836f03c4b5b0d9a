"""The RAG stage of the ``retrieval`` slot, and its factory for the wiring.

``rag_stage(parts)`` is chosen by ``wiring.retrieval_stage`` when the app has a retrieval
service. It publishes the RAG model aliases (public name -> base model + collection, from the
``rag`` settings) into the model catalog and the engine map, so that model resolution and
routing know them, and scans the retrieved passages with the safety service (when present)
under the safety policy of the request's model and key.
"""

from __future__ import annotations

from typing import Any

from services.gateway.pipeline import Chunks, PassThrough, RequestContext
from services.rag import metrics
from services.rag.stage import GroundingLogic, RagBinding


class RagStage(PassThrough):
    def __init__(self, logic: GroundingLogic):
        self.logic = logic

    async def on_request(self, ctx: RequestContext) -> None:
        if ctx.route == "chat" and ctx.payload.get("rag") is None:
            rag = getattr(ctx.request, "rag", None)
            if rag is not None:
                ctx.payload["rag"] = rag
        await self.logic.on_request(ctx)

    async def on_response(self, ctx: RequestContext, response: dict[str, Any]) -> dict[str, Any]:
        return self.logic.on_response(ctx, response)

    def on_stream(self, ctx: RequestContext, chunks: Chunks) -> Chunks:
        if not ctx.citations:
            return chunks
        return self.logic.on_stream(ctx, chunks)


def _policy_lookup(safety: dict[str, Any] | None):
    if not safety:
        return lambda ctx: {}
    from services.safety.config import SafetySettings
    from services.safety.policy import PolicySet

    policies = PolicySet.from_file(SafetySettings.model_validate(safety).policy_file)

    def policy_for(ctx: RequestContext) -> dict[str, Any]:
        key = ctx.principal.name if ctx.principal else None
        return policies.resolve(ctx.model, key).model_dump(mode="json")

    return policy_for


def rag_stage(parts: Any) -> RagStage:
    """The factory ``wiring.retrieval_stage`` returns when ``parts.clients.retrieval`` is set."""
    from services.rag.config import RagSettings

    settings = RagSettings.model_validate(parts.rag or {})
    aliases: dict[str, tuple[str, RagBinding]] = {}
    for name, alias in settings.aliases.items():
        if alias.model not in parts.catalog:
            raise ValueError(f"RAG alias {name!r}: base model {alias.model!r} is not served")
        aliases[name] = (alias.model, RagBinding(alias.collection, alias.top_k))
        parts.catalog[name] = parts.catalog[alias.model]
        if alias.model in parts.contexts:
            parts.contexts[name] = parts.contexts[alias.model]  # the base's context checks and caps the alias
        if alias.model in parts.engines:
            parts.engines[name] = parts.engines[alias.model]  # routing serves the alias with the base engine
    scanner = parts.clients.safety if parts.safety else None
    logic = GroundingLogic(
        parts.clients.retrieval,
        scanner=scanner,
        policy_for=_policy_lookup(parts.safety),
        aliases=aliases,
        record=metrics.record,
        timeout_s=settings.timeout_s,
    )
    return RagStage(logic)
