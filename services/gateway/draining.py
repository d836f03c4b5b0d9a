"""Drain before stop: once ``Drain.start()`` is called, a replica refuses new API requests with
503 ``shutting_down`` and ``Retry-After`` (and ``/ready`` answers 503, so load balancers move
away) while the requests it is already serving, streams included, run to their end.

``llmops serve`` starts the drain on every gateway replica when it is told to stop, waits until
none has a request in flight (at most the request timeout), and only then deletes the
applications: without it, Ray Serve's proxy drops the route at once and a request sent during the
shutdown gets a 404."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from services.common.errors import ShuttingDownError

# Routes a draining replica still answers: probes and scrapes, which serve no user request.
OPERATIONAL_PATHS = frozenset({"/health", "/ready", "/metrics"})


class Drain:
    """A replica's drain state and the number of API requests it is serving."""

    def __init__(self, retry_after_s: int = 5):
        self.retry_after_s = retry_after_s
        self.draining = False
        self.in_flight = 0

    def start(self) -> int:
        """Refuse new requests from now on; returns how many are still in flight."""
        self.draining = True
        return self.in_flight

    def refusal(self) -> ShuttingDownError:
        return ShuttingDownError(
            "This server is shutting down and takes no new requests; retry shortly.", retry_after=self.retry_after_s
        )


class DrainMiddleware:
    """Counts API requests until their last byte is sent; refuses new ones while draining."""

    def __init__(self, app: Callable[..., Awaitable[None]], drain: Drain):
        self.app = app
        self.drain = drain

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "http" or scope["path"] in OPERATIONAL_PATHS:
            return await self.app(scope, receive, send)
        if self.drain.draining:
            refusal = self.drain.refusal()
            headers = [(b"content-type", b"application/json")]
            headers += [(k.lower().encode(), v.encode()) for k, v in refusal.headers.items()]
            await send({"type": "http.response.start", "status": refusal.status_code, "headers": headers})
            await send({"type": "http.response.body", "body": refusal.to_json()})
            return
        self.drain.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.drain.in_flight -= 1
