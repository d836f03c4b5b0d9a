"""Engines as the gateway sees them: OpenAI-shaped dicts in, OpenAI-shaped dicts out.

An ``Engine`` serves one model (or one model version) and offers three calls:

- ``generate(route, payload)`` -> one response dict (route is ``"chat"`` or ``"completions"``);
- ``stream(route, payload)`` -> async iterator of chunk dicts; the gateway always asks for
  ``stream_options.include_usage`` so the last chunk carries usage. Closing the iterator early
  (client gone) aborts the engine request;
- ``embed(payload)`` -> one embeddings response dict.

Failures raise ``services.common.errors`` types: a request the engine refuses is a 400, an
engine that cannot be reached is a 503. Implementations: ``ServeEngine`` (a Ray Serve LLM
deployment handle) and ``OpenAIHTTPEngine`` (any OpenAI-compatible server) in
``services/gateway/engines.py``; ``loadtests/fake_openai_backend.py`` has the fake (in process
for unit tests, over HTTP for benchmarks).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol


class Engine(Protocol):
    model: str

    async def generate(self, route: str, payload: dict[str, Any]) -> dict[str, Any]: ...

    def stream(self, route: str, payload: dict[str, Any]) -> AsyncIterator[dict[str, Any]]: ...

    async def embed(self, payload: dict[str, Any]) -> dict[str, Any]: ...
