"""Ray Serve wrapper: the retrieval service as its own deployment (the gateway calls it by handle).

Every method answers ``{"result": ...}`` or, for a refused request, ``{"error": <OpenAI error
body>, "status": <HTTP status>}``: error classes are not rebuilt faithfully across a Ray hop,
so the gateway's client turns the dict back into the same error (services/gateway/clients.py).
"""

from __future__ import annotations

from typing import Any

from ray import serve

from services.common.errors import LLMOpsError
from services.rag.config import RagSettings
from services.rag.documents import Document
from services.rag.service import RetrievalService


def _answer(call, *args) -> dict[str, Any]:
    try:
        return {"result": call(*args)}
    except LLMOpsError as exc:
        return {"error": exc.to_dict(), "status": exc.status_code}


@serve.deployment(name="retrieval", max_ongoing_requests=32)
class RetrievalDeployment:
    def __init__(self, settings: dict[str, Any]):
        self.service = RetrievalService.from_settings(RagSettings.model_validate(settings))

    def retrieve(self, body: dict[str, Any]) -> dict[str, Any]:
        return _answer(self.service.retrieve, body)

    def ingest(self, collection: str, documents: list[dict[str, Any]]) -> dict[str, Any]:
        return _answer(self.service.ingest, collection, [Document(**d) for d in documents])

    def collections(self) -> dict[str, Any]:
        return _answer(self.service.collections)

    def stats(self, collection: str) -> dict[str, Any]:
        return _answer(self.service.stats, collection)

    def delete_document(self, collection: str, document_id: str) -> dict[str, Any]:
        return _answer(self.service.delete_document, collection, document_id)
