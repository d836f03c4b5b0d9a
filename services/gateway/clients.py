"""How the gateway calls the other services: one client protocol per service.

Each protocol has two implementations: through the service's Ray Serve deployment handle (the
stack), and in this process (unit tests, benchmarks; blocking work runs off the event loop).
The composition root (``wiring.py``) picks them; stages only see the protocol.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from services.common.errors import InvalidRequestError, LLMOpsError, NotFoundError


class SafetyClient(Protocol):
    """The safety service (``services/safety/service.py``)."""

    async def check(
        self, texts: list[str], direction: str, policy: Any, timeout_s: float | None = None
    ) -> dict[str, Any]:
        """The verdict under ``policy`` (a ``services.safety.policy.Policy`` or its plain-data form);
        ``timeout_s``: how long the caller waits (the service abandons a scan
        still running then)."""
        ...

    async def scan_passages(self, passages: list[str], policy: dict[str, Any]) -> list[dict[str, Any]]: ...

    async def detect_watermark(
        self, model: str, text: str, gamma: float, key: int, threshold: float
    ) -> dict[str, Any]: ...


def _as_dict(policy: Any) -> dict[str, Any]:
    """A policy as plain data for a hop to another process (the guard hands over ``Policy`` objects)."""
    return policy if isinstance(policy, dict) else policy.model_dump(mode="json")


class HandleSafetyClient:
    """The safety deployment through its Ray Serve handle."""

    def __init__(self, handle: Any):
        self.handle = handle

    async def check(
        self, texts: list[str], direction: str, policy: dict[str, Any], timeout_s: float | None = None
    ) -> dict[str, Any]:
        return await self.handle.check.remote(texts, direction, _as_dict(policy), timeout_s)

    async def scan_passages(self, passages: list[str], policy: dict[str, Any]) -> list[dict[str, Any]]:
        return await self.handle.scan_passages.remote(passages, _as_dict(policy))

    async def detect_watermark(self, model: str, text: str, gamma: float, key: int, threshold: float) -> dict[str, Any]:
        return await self.handle.detect_watermark.remote(model, text, gamma, key, threshold)


class LocalSafetyClient:
    """A ``SafetyService`` in this process."""

    def __init__(self, service: Any):
        self.service = service

    async def check(
        self, texts: list[str], direction: str, policy: dict[str, Any], timeout_s: float | None = None
    ) -> dict[str, Any]:
        return await asyncio.to_thread(self.service.check, texts, direction, policy, timeout_s)

    async def scan_passages(self, passages: list[str], policy: dict[str, Any]) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self.service.scan_passages, passages, policy)

    async def detect_watermark(self, model: str, text: str, gamma: float, key: int, threshold: float) -> dict[str, Any]:
        return await asyncio.to_thread(self.service.detect_watermark, model, text, gamma, key, threshold)


class RetrievalClient(Protocol):
    """The retrieval service (``services/rag/service.py``): passages for a query."""

    async def retrieve(self, body: dict[str, Any]) -> dict[str, Any]: ...


def _unwrap(answer: dict[str, Any]) -> Any:
    """The deployment's ``{"result"}`` / ``{"error", "status"}`` answer back into a result or the error."""
    if "error" not in answer:
        return answer["result"]
    error, status = answer["error"]["error"], answer.get("status", 500)
    kinds: dict[int, type[LLMOpsError]] = {400: InvalidRequestError, 404: NotFoundError}
    raise kinds.get(status, LLMOpsError)(error["message"], param=error.get("param"), code=error.get("code"))


class HandleRetrievalClient:
    """The retrieval deployment through its Ray Serve handle."""

    def __init__(self, handle: Any):
        self.handle = handle

    async def retrieve(self, body: dict[str, Any]) -> dict[str, Any]:
        return _unwrap(await self.handle.retrieve.remote(body))


class LocalRetrievalClient:
    """A ``RetrievalService`` in this process."""

    def __init__(self, service: Any):
        self.service = service

    async def retrieve(self, body: dict[str, Any]) -> dict[str, Any]:
        return await asyncio.to_thread(self.service.retrieve, body)
