"""A Ray Serve deployment handle for unit tests of the gateway's engine clients (``ServeEngine``,
``HandleEngine``): every method's ``.remote(...)`` returns the same streaming response."""

from __future__ import annotations

from typing import Any


class StreamResponses:
    """A streaming handle call: its items (an exception among them is raised when reached); counts
    its cancellations."""

    def __init__(self, items: list[Any]):
        self.items = items
        self.cancelled = 0

    def __aiter__(self):
        return self._iter()

    async def _iter(self):
        for item in self.items:
            if isinstance(item, Exception):
                raise item
            yield item

    def cancel(self) -> None:
        self.cancelled += 1


class FakeHandle:
    """A deployment handle whose every method returns the same ``StreamResponses``."""

    def __init__(self, responses: StreamResponses):
        self.responses = responses

    def options(self, **_: Any) -> FakeHandle:
        return self

    def __getattr__(self, method: str) -> FakeHandle:
        return self

    def remote(self, *args: Any) -> StreamResponses:
        return self.responses
