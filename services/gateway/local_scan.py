"""Where a safety check runs: the cheap ones in the gateway replica, the rest in the safety deployment.

A round trip to the safety deployment costs ~1.3-3 ms per call on this machine (DESIGN §4) and, on
a streamed answer, one per scan; the pattern PII recognisers and the ONNX classifiers cost about a
millisecond for a short text. ``SplitSafetyClient`` runs a check on the gateway replica's own
``SafetyService`` (the same class, recognisers and policy code the deployment runs: one code path,
not a copy) when the check needs no NER pass, and sends it to the deployment otherwise: spaCy's
NER costs tens of milliseconds per 1,000 characters, which would stall the gateway's event loop.
Whichever recognisers the policy lists are used either way; only where they run differs.

A short check runs inline on the event loop (a thread hop and the GIL's switch interval cost more
than the scan); a long one runs in a worker thread so other requests keep moving.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from services.gateway.clients import SafetyClient
from services.safety.pii import NER_ENTITIES
from services.safety.policy import Policy

ScanPlace = Literal["auto", "gateway", "deployment"]
INLINE_CHARS = 2000  # longer checks go to a worker thread (about one PII segment)
WARM_UP_TEXT = "Hi Maria Lopez, write to a.b@example.org or 212-555-0198 from 10.0.0.1; card 4111 1111 1111 1111."


def needs_ner(policy: Policy, direction: str) -> bool:
    """Whether a check in ``direction`` under ``policy`` runs spaCy's NER pass."""
    rule = policy.pii
    return policy.active("pii", direction) and rule.action != "allow" and bool(NER_ENTITIES & set(rule.entities))


class SplitSafetyClient:
    """``check`` on ``local`` (a ``SafetyService`` in this replica) when ``place`` allows it, else on
    ``remote``; passage scans and watermark detection always go to ``remote``."""

    def __init__(self, local: Any, remote: SafetyClient, place: ScanPlace = "auto", *, warm_up: bool = True):
        self.local = local
        self.remote = remote
        self.place = place
        if warm_up and place != "deployment":
            # Presidio compiles its recognisers on first use (seconds on a busy machine): pay that
            # at start, not in the first request's safety timeout (a text every PII prefilter
            # condition passes, so every recogniser runs once)
            for direction in ("input", "output"):
                local.check([WARM_UP_TEXT], direction, Policy())

    def runs_here(self, policy: Any, direction: str) -> bool:
        if self.place != "auto":
            return self.place == "gateway"
        if not isinstance(policy, Policy):
            policy = Policy.model_validate(policy)
        return not needs_ner(policy, direction)

    async def check(
        self, texts: list[str], direction: str, policy: Any, timeout_s: float | None = None
    ) -> dict[str, Any]:
        if not self.runs_here(policy, direction):
            return await self.remote.check(texts, direction, policy, timeout_s)
        if sum(len(t) for t in texts) <= INLINE_CHARS:
            return self.local.check(texts, direction, policy, timeout_s)
        return await asyncio.to_thread(self.local.check, texts, direction, policy, timeout_s)

    async def scan_passages(self, passages: list[str], policy: Any) -> list[dict[str, Any]]:
        return await self.remote.scan_passages(passages, policy)

    async def detect_watermark(self, model: str, text: str, gamma: float, key: int, threshold: float) -> dict[str, Any]:
        return await self.remote.detect_watermark(model, text, gamma, key, threshold)
