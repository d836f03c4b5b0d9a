"""Per-key quotas: requests per minute and tokens per minute, shared by all gateway replicas.

Each limit is a token bucket that refills continuously at ``limit / 60`` per second up to
``limit``. A request takes one unit of its key's request bucket when admitted. Tokens are only
known after generation, so admission reserves what the request may use (its prompt estimate
plus ``max_tokens``, at most the whole per-minute limit) and is refused unless the bucket holds
that much; when the request ends the reservation is settled against its real usage (the
difference charged or credited back). Concurrent long requests are therefore bounded by the
limit; the bucket may still go into debt (an estimate that was low), and the key waits until it
has refilled. ``retry_after`` says how long.

Shared state lives in one Ray actor (``QuotaActor``, named, one per cluster) rather than Redis:
the stack already runs inside a Ray cluster, so it needs no extra service. Replicas lease
request permits and reserved tokens from it in small batches (``RayQuota``) so that most
requests need no round trip. Its state is in memory: a restart of the actor forgets
at most the current minute of usage, which for rate limits is acceptable. ``LocalQuota`` keeps
the same state in-process for a single replica and for tests.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

ACTOR_NAME = "llmops-quota"
TOKEN_ONLY_LEASE = 50  # admissions per lease for keys without a requests-per-minute limit


@dataclass
class _Bucket:
    level: float
    updated: float


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: str | None = None  # "requests" or "tokens" when refused
    retry_after: float = 0.0
    granted: int = 1  # request permits taken (a lease, when more than one was asked for)
    tokens: int = 0  # tokens taken from the token bucket (the reservation, or a lease of them)


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

    def admit(
        self,
        key_id: str,
        rpm: int | None,
        tpm: int | None,
        *,
        want: int = 1,
        returned: float = 0.0,
        reserve: int = 0,
        token_want: int = 0,
        tokens_returned: float = 0.0,
    ) -> Verdict:
        """Take one request permit (up to ``want`` when available, see ``Verdict.granted``);
        ``returned`` credits back permits a replica leased and did not use; ``reserve`` tokens
        (capped at ``tpm``) must be in the token bucket and are taken from it, up to
        ``token_want`` when the bucket holds more (a lease, see ``Verdict.tokens``);
        ``tokens_returned`` credits back leased tokens a replica did not reserve."""
        with self._lock:
            now = self._clock()
            requests = self._refilled((key_id, "requests"), rpm, now) if rpm is not None else None
            if requests is not None and returned > 0:
                requests.level = min(float(rpm), requests.level + returned)  # type: ignore[arg-type]
            taken = 0
            if tpm is not None:
                tokens = self._refilled((key_id, "tokens"), tpm, now)
                if tokens_returned > 0:
                    tokens.level = min(float(tpm), tokens.level + tokens_returned)
                need = max(1.0, float(min(reserve, tpm)))
                if tokens.level < need:
                    return Verdict(False, "tokens", (need - tokens.level) * 60.0 / tpm)
                taken = max(min(reserve, tpm), min(token_want, tpm, int(tokens.level)))
            if requests is not None and requests.level < 1.0:
                return Verdict(False, "requests", (1.0 - requests.level) * 60.0 / rpm)  # type: ignore[operator]
            if tpm is not None:
                tokens.level -= taken
            if requests is None:
                return Verdict(True, granted=want, tokens=taken)
            granted = min(want, int(requests.level))
            requests.level -= granted
            return Verdict(True, granted=granted, tokens=taken)

    def charge_tokens(self, key_id: str, tpm: int | None, tokens: int) -> None:
        """Charge usage; a negative amount credits back a reservation that was not used."""
        if tpm is None or tokens == 0:
            return
        with self._lock:
            bucket = self._refilled((key_id, "tokens"), tpm, self._clock())
            bucket.level = min(float(tpm), bucket.level - tokens)


class Quota(Protocol):
    """Admission and usage charging; ``charge_tokens`` must be cheap (it runs per request)."""

    async def admit(self, key_id: str, rpm: int | None, tpm: int | None, reserve: int = 0) -> Verdict: ...

    async def charge_tokens(self, key_id: str, tpm: int | None, tokens: int) -> None: ...

    async def ready(self) -> None:
        """Returns once admissions can be answered (part of the gateway's ``/ready``)."""


class LocalQuota:
    """Quota state in this process: one gateway replica, or tests."""

    def __init__(self, limiter: QuotaLimiter | None = None):
        self.limiter = limiter or QuotaLimiter()

    async def admit(self, key_id: str, rpm: int | None, tpm: int | None, reserve: int = 0) -> Verdict:
        return self.limiter.admit(key_id, rpm, tpm, reserve=reserve)

    async def charge_tokens(self, key_id: str, tpm: int | None, tokens: int) -> None:
        self.limiter.charge_tokens(key_id, tpm, tokens)

    async def ready(self) -> None:
        return None


class QuotaActor:
    """Ray actor body: one ``QuotaLimiter`` for the whole cluster."""

    def __init__(self) -> None:
        self.limiter = QuotaLimiter()

    def admit(
        self,
        key_id: str,
        rpm: int | None,
        tpm: int | None,
        want: int = 1,
        returned: float = 0.0,
        reserve: int = 0,
        token_want: int = 0,
        tokens_returned: float = 0.0,
    ) -> Verdict:
        return self.limiter.admit(
            key_id,
            rpm,
            tpm,
            want=want,
            returned=returned,
            reserve=reserve,
            token_want=token_want,
            tokens_returned=tokens_returned,
        )

    def charge_tokens(self, key_id: str, tpm: int | None, tokens: int) -> None:
        self.limiter.charge_tokens(key_id, tpm, tokens)


@dataclass
class _Lease:
    permits: float
    expires: float
    tokens: float = 0.0  # leased tokens not yet reserved by a request


class RayQuota:
    """Quota state in the cluster-wide ``QuotaActor``, created on first use by any replica.

    A call to the actor costs a round trip per request (milliseconds on a busy machine), so a
    replica leases request permits in small batches: ``lease_fraction`` of the key's per-minute
    limit (1 for low limits, which keeps them exact), valid for ``lease_ttl_s``. Permits come out
    of the shared bucket, so the replicas together never admit more than the limit; unused ones
    are handed back with the next lease. Concurrent admissions of one replica that lease at the
    same time wait for one lease (one round trip in flight per key and replica) when it can serve
    more than one of them; leases taken concurrently pool their permits and tokens.
    Token reservations are leased the same way: a lease takes ``lease_fraction`` of the key's
    per-minute token limit out of the shared bucket (exactly the request's reservation when that
    is larger, which keeps low limits exact) and later reservations of this replica are served
    from it, so all replicas together never reserve more than the bucket held. The token check
    happens when a lease is taken, so a key over its token budget (usage settled after its
    requests ended) is refused from its next lease on (within ``lease_ttl_s``). Token usage is
    summed per key and sent every ``flush_interval_s``.
    """

    def __init__(
        self,
        namespace: str = "llmops",
        *,
        lease_fraction: float = 0.02,
        lease_ttl_s: float = 1.0,
        flush_interval_s: float = 0.1,
        call_timeout_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        import ray

        remote_cls = ray.remote(num_cpus=0, max_restarts=-1)(QuotaActor)
        self._actor: Any = remote_cls.options(
            name=ACTOR_NAME, namespace=namespace, get_if_exists=True, lifetime="detached"
        ).remote()
        self._lease_fraction = lease_fraction
        self._lease_ttl_s = lease_ttl_s
        self._clock = clock
        self._leases: dict[str, _Lease] = {}
        self._pending: dict[str, asyncio.Future[Verdict]] = {}  # key id -> its lease being taken
        self._call_timeout_s = call_timeout_s  # a slow or dead actor: the admission fails (a 503)
        self._flush_interval_s = flush_interval_s
        self._unsent: dict[str, tuple[int, int]] = {}  # key id -> (tpm, tokens not yet sent)
        self._flusher: asyncio.Task[None] | None = None

    async def admit(self, key_id: str, rpm: int | None, tpm: int | None, reserve: int = 0) -> Verdict:
        need = min(reserve, tpm) if tpm is not None else 0
        # a key with only a token limit leases admissions too (the token check is made per lease)
        want = max(1, int(rpm * self._lease_fraction)) if rpm is not None else TOKEN_ONLY_LEASE
        token_want = max(need, int(tpm * self._lease_fraction)) if need > 0 else 0  # type: ignore[operator]
        # a lease that can serve other requests too: they wait for it rather than each asking the
        # actor; a lease of one request's worth (small limits) is asked for by each concurrently
        shared = want > 1 and (need == 0 or token_want >= 2 * need)
        while True:
            now = self._clock()
            lease = self._leases.get(key_id)
            if lease is not None and lease.expires > now and lease.permits >= 1 and lease.tokens >= need:
                lease.permits -= 1
                lease.tokens -= need
                return Verdict(True, tokens=need)
            pending = self._pending.get(key_id) if shared else None
            if pending is None:
                break
            # one shared lease in flight per key: wait for it (its call has the only timer), then
            # look again; its refusal or failure is every waiting admission's answer
            await asyncio.wait([pending])
            if pending.exception() is not None:
                raise pending.exception()  # type: ignore[misc]
            if not pending.result().allowed:
                return pending.result()
        if not shared:
            return await self._lease(key_id, rpm, tpm, reserve, need, want, token_want, lease, now)
        pending = self._pending[key_id] = asyncio.get_running_loop().create_future()
        try:
            verdict = await self._lease(key_id, rpm, tpm, reserve, need, want, token_want, lease, now)
        except BaseException as exc:
            pending.set_exception(exc if isinstance(exc, Exception) else TimeoutError("lease cancelled"))
            pending.exception()  # retrieved here: no warning when nobody waited
            raise
        finally:
            del self._pending[key_id]
        pending.set_result(verdict)
        return verdict

    async def _lease(
        self,
        key_id: str,
        rpm: int | None,
        tpm: int | None,
        reserve: int,
        need: int,
        want: int,
        token_want: int,
        lease: _Lease | None,
        now: float,
    ) -> Verdict:
        returned, tokens_returned = (lease.permits, lease.tokens) if lease is not None else (0.0, 0.0)
        self._leases.pop(key_id, None)
        async with asyncio.timeout(self._call_timeout_s):
            verdict: Verdict = await self._actor.admit.remote(
                key_id, rpm, tpm, want, returned, reserve, token_want, tokens_returned
            )
        if verdict.allowed and (verdict.granted > 1 or verdict.tokens > need):
            permits, tokens = verdict.granted - 1, verdict.tokens - need
            current = self._leases.get(key_id)
            if current is not None:  # a concurrent admission of this replica leased meanwhile: keep both
                current.permits += permits
                current.tokens += tokens
                current.expires = max(current.expires, now + self._lease_ttl_s)
            else:
                self._leases[key_id] = _Lease(permits, now + self._lease_ttl_s, tokens)
        return verdict

    async def ready(self) -> None:
        """Returns once the actor's process runs (part of ``/ready``): a stack reported ready
        before it would make its first requests wait for the actor's start."""
        await self._actor.__ray_ready__.remote()

    async def charge_tokens(self, key_id: str, tpm: int | None, tokens: int) -> None:
        if tpm is None or tokens == 0:
            return
        self._unsent[key_id] = (tpm, self._unsent.get(key_id, (tpm, 0))[1] + tokens)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(self._flush_interval_s)
        await self.flush()

    async def flush(self) -> None:
        """Send the token usage summed since the last flush."""
        unsent, self._unsent = self._unsent, {}
        await asyncio.gather(
            *(self._actor.charge_tokens.remote(key, tpm, tokens) for key, (tpm, tokens) in unsent.items())
        )
