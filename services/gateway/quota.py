"""Per-key quotas: requests per minute and tokens per minute, shared by all gateway replicas.

Each limit is a token bucket that refills continuously at ``limit / 60`` per second up to
``limit``. A request takes one unit of its key's request bucket when admitted. Tokens are only
known after generation, so a request is admitted while the token bucket is positive and its
real usage is charged afterwards; the bucket may go into debt, and the key waits until it has
refilled past zero. ``retry_after`` says how long.

Shared state lives in one Ray actor (``QuotaActor``, named, one per cluster) rather than Redis:
the stack already runs inside a Ray cluster, so it needs no extra service, and a call to a
local actor costs about a millisecond. Its state is in memory: a restart of the actor forgets
at most the current minute of usage, which for rate limits is acceptable. ``LocalQuota`` keeps
the same state in-process for a single replica and for tests.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

ACTOR_NAME = "llmops-quota"


@dataclass
class _Bucket:
    level: float
    updated: float


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: str | None = None  # "requests" or "tokens" when refused
    retry_after: float = 0.0


class QuotaLimiter:
    """Token buckets keyed by (key id, limit kind); thread-safe, clock injectable for tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()

    def _refilled(self, key: tuple[str, str], per_minute: int, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(per_minute), now)
        else:
            bucket.level = min(float(per_minute), bucket.level + (now - bucket.updated) * per_minute / 60.0)
            bucket.updated = now
        return bucket

    def admit(self, key_id: str, rpm: int | None, tpm: int | None) -> Verdict:
        with self._lock:
            now = self._clock()
            if tpm is not None:
                tokens = self._refilled((key_id, "tokens"), tpm, now)
                if tokens.level <= 0:
                    return Verdict(False, "tokens", (1.0 - tokens.level) * 60.0 / tpm)
            if rpm is not None:
                requests = self._refilled((key_id, "requests"), rpm, now)
                if requests.level < 1.0:
                    return Verdict(False, "requests", (1.0 - requests.level) * 60.0 / rpm)
                requests.level -= 1.0
            return Verdict(True)

    def charge_tokens(self, key_id: str, tpm: int | None, tokens: int) -> None:
        if tpm is None or tokens <= 0:
            return
        with self._lock:
            self._refilled((key_id, "tokens"), tpm, self._clock()).level -= tokens


class Quota(Protocol):
    async def admit(self, key_id: str, rpm: int | None, tpm: int | None) -> Verdict: ...

    async def charge_tokens(self, key_id: str, tpm: int | None, tokens: int) -> None: ...


class LocalQuota:
    """Quota state in this process: one gateway replica, or tests."""

    def __init__(self, limiter: QuotaLimiter | None = None):
        self.limiter = limiter or QuotaLimiter()

    async def admit(self, key_id: str, rpm: int | None, tpm: int | None) -> Verdict:
        return self.limiter.admit(key_id, rpm, tpm)

    async def charge_tokens(self, key_id: str, tpm: int | None, tokens: int) -> None:
        self.limiter.charge_tokens(key_id, tpm, tokens)


class QuotaActor:
    """Ray actor body: one ``QuotaLimiter`` for the whole cluster."""

    def __init__(self) -> None:
        self.limiter = QuotaLimiter()

    def admit(self, key_id: str, rpm: int | None, tpm: int | None) -> Verdict:
        return self.limiter.admit(key_id, rpm, tpm)

    def charge_tokens(self, key_id: str, tpm: int | None, tokens: int) -> None:
        self.limiter.charge_tokens(key_id, tpm, tokens)


class RayQuota:
    """Quota state in the cluster-wide ``QuotaActor``, created on first use by any replica."""

    def __init__(self, namespace: str = "llmops"):
        import ray

        remote_cls = ray.remote(num_cpus=0, max_restarts=-1)(QuotaActor)
        self._actor: Any = remote_cls.options(name=ACTOR_NAME, namespace=namespace, get_if_exists=True, lifetime="detached").remote()

    async def admit(self, key_id: str, rpm: int | None, tpm: int | None) -> Verdict:
        return await self._actor.admit.remote(key_id, rpm, tpm)

    async def charge_tokens(self, key_id: str, tpm: int | None, tokens: int) -> None:
        await self._actor.charge_tokens.remote(key_id, tpm, tokens)
