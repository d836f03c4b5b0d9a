import threading

import pytest

from services.gateway.quota import QuotaLimiter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_requests_per_minute_bucket_refills_continuously():
    clock = Clock()
    limiter = QuotaLimiter(clock)
    assert all(limiter.admit("k", rpm=3, tpm=None).allowed for _ in range(3))
    refused = limiter.admit("k", rpm=3, tpm=None)
    assert not refused.allowed and refused.limit == "requests"
    assert refused.retry_after == pytest.approx(20.0)  # one request refills in 60/3 s
    clock.now += 20.0
    assert limiter.admit("k", rpm=3, tpm=None).allowed
    assert not limiter.admit("k", rpm=3, tpm=None).allowed


def test_tokens_per_minute_go_into_debt_and_recover():
    clock = Clock()
    limiter = QuotaLimiter(clock)
    assert limiter.admit("k", rpm=None, tpm=600).allowed
    limiter.charge_tokens("k", 600, 900)  # 300 tokens of debt
    refused = limiter.admit("k", rpm=None, tpm=600)
    assert not refused.allowed and refused.limit == "tokens"
    assert refused.retry_after == pytest.approx(30.1)  # (300 + 1) tokens at 10 tokens/s
    clock.now += 30.2
    assert limiter.admit("k", rpm=None, tpm=600).allowed


def test_keys_do_not_share_buckets():
    limiter = QuotaLimiter(Clock())
    assert limiter.admit("a", rpm=1, tpm=None).allowed
    assert not limiter.admit("a", rpm=1, tpm=None).allowed
    assert limiter.admit("b", rpm=1, tpm=None).allowed


def test_refused_token_check_does_not_spend_a_request():
    clock = Clock()
    limiter = QuotaLimiter(clock)
    limiter.charge_tokens("k", 60, 120)
    assert not limiter.admit("k", rpm=1, tpm=60).allowed
    clock.now += 200
    assert limiter.admit("k", rpm=1, tpm=60).allowed


def test_concurrent_admissions_never_exceed_the_limit():
    limiter = QuotaLimiter(Clock())  # frozen clock: no refill during the test
    admitted = []
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        admitted.extend(v for v in (limiter.admit("k", rpm=50, tpm=None) for _ in range(40)) if v.allowed)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(admitted) == 50


def test_leases_take_several_permits_and_credit_unused_ones_back():
    limiter = QuotaLimiter(Clock())
    verdict = limiter.admit("k", rpm=10, tpm=None, want=4)
    assert verdict.allowed and verdict.granted == 4
    assert limiter.admit("k", rpm=10, tpm=None, want=10).granted == 6, "never more than the bucket holds"
    assert not limiter.admit("k", rpm=10, tpm=None).allowed
    assert limiter.admit("k", rpm=10, tpm=None, want=1, returned=3).allowed, "returned permits are usable again"


async def test_concurrent_admissions_in_one_replica_lose_no_leased_permit(monkeypatch):
    """RayQuota's leases under M concurrent clients of one replica (the actor's body in process,
    behind an awaited round trip): admissions that lease at the same time pool their
    permits, so the replica admits the whole limit, and never more."""
    import asyncio
    import sys
    from types import SimpleNamespace

    from services.gateway.quota import QuotaActor, RayQuota

    body = QuotaActor()
    body.limiter = QuotaLimiter(lambda: 1000.0)  # time stands still: no refill, leases never expire

    def method(fn):
        async def remote(*args):
            await asyncio.sleep(0.001)  # the round trip: other admissions run meanwhile
            return fn(*args)

        return SimpleNamespace(remote=remote)

    actor = SimpleNamespace(admit=method(body.admit), charge_tokens=method(body.charge_tokens))
    handle = SimpleNamespace(options=lambda **_: SimpleNamespace(remote=lambda: actor))
    fake_ray = SimpleNamespace(remote=lambda **_: lambda cls: handle, is_initialized=lambda: False)
    monkeypatch.setitem(sys.modules, "ray", fake_ray)
    quota = RayQuota(clock=lambda: 1000.0)

    async def client() -> int:
        admitted = 0
        for _ in range(100):
            admitted += (await quota.admit("key", 600, None)).allowed  # leases of 12 permits
            await asyncio.sleep(0)  # serving the request: the other clients run meanwhile
        return admitted

    admitted = sum(await asyncio.gather(*(client() for _ in range(8))))
    assert 600 - 11 <= admitted <= 600, admitted


async def test_a_cold_burst_of_one_key_costs_one_lease_call(monkeypatch):
    """256 admissions of one key arriving together on a replica with no lease (the first burst
    after start) wait for one lease call instead of sending 256 round trips to the actor, which
    behind its 2 s timeout turned into 503 quota_unavailable; a refusal is shared the same way."""
    import asyncio
    import sys
    from types import SimpleNamespace

    from services.gateway.quota import QuotaActor, RayQuota

    body = QuotaActor()
    body.limiter = QuotaLimiter(lambda: 1000.0)
    calls = []

    async def admit(*args):
        calls.append(args[0])
        await asyncio.sleep(0.05)  # a slow round trip: every admission arrives meanwhile
        return body.admit(*args)

    actor = SimpleNamespace(admit=SimpleNamespace(remote=admit))
    handle = SimpleNamespace(options=lambda **_: SimpleNamespace(remote=lambda: actor))
    fake_ray = SimpleNamespace(remote=lambda **_: lambda cls: handle, is_initialized=lambda: False)
    monkeypatch.setitem(sys.modules, "ray", fake_ray)
    quota = RayQuota(clock=lambda: 1000.0)

    verdicts = await asyncio.gather(*(quota.admit("busy", 100_000, None) for _ in range(256)))
    assert all(v.allowed for v in verdicts)
    assert calls.count("busy") == 1  # one lease of 2,000 permits served the whole burst

    body.limiter.admit("spent", 1, None)  # the key's one request this minute is used up
    verdicts = await asyncio.gather(*(quota.admit("spent", 1, None) for _ in range(64)))
    assert not any(v.allowed for v in verdicts) and {v.limit for v in verdicts} == {"requests"}
    assert calls.count("spent") == 1


async def test_ready_waits_for_the_quota_actor(monkeypatch):
    """``/ready`` includes the quota: a gateway reports ready only once the shared actor's process
    runs (a burst sent at once after start met a cold actor: 110 of 1,024 requests got 503
    quota_unavailable in loadtests/bench_burst.py before this)."""
    import asyncio
    import sys
    from types import SimpleNamespace

    from services.gateway.quota import LocalQuota, RayQuota

    started = asyncio.Event()

    async def actor_ready():
        await started.wait()

    actor = SimpleNamespace(__ray_ready__=SimpleNamespace(remote=actor_ready))
    handle = SimpleNamespace(options=lambda **_: SimpleNamespace(remote=lambda: actor))
    fake_ray = SimpleNamespace(remote=lambda **_: lambda cls: handle, is_initialized=lambda: False)
    monkeypatch.setitem(sys.modules, "ray", fake_ray)
    ready = asyncio.create_task(RayQuota().ready())
    await asyncio.sleep(0.05)
    assert not ready.done()  # the actor is still starting
    started.set()
    await asyncio.wait_for(ready, 1)
    await asyncio.wait_for(LocalQuota().ready(), 1)
