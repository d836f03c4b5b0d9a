"""Quota shared by several gateway replicas through the real Ray actor."""

import time

import pytest

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.ray


@pytest.fixture(scope="module")
def ray_local():
    ray.init(_node_ip_address="127.0.0.1", num_cpus=4, include_dashboard=False, namespace="llmops-test-quota")
    yield
    ray.shutdown()


def test_replicas_share_one_limit(ray_local):
    from services.gateway.quota import RayQuota

    @ray.remote(num_cpus=0)
    class Replica:
        """Stands in for one gateway replica: its own process, its own RayQuota client."""

        def __init__(self):
            self.quota = RayQuota(namespace="llmops-test-quota")

        async def hammer(self, n, key="key-1", rpm=30):
            allowed = 0
            for _ in range(n):
                allowed += (await self.quota.admit(key, rpm, None)).allowed
            return allowed

        async def charge(self, tokens):
            await self.quota.charge_tokens("key-2", 100, tokens)
            await self.quota.flush()  # usage is batched; flush as the background timer would

        async def reserve(self, n, tokens):
            return sum([(await self.quota.admit("key-4", None, 100, tokens)).allowed for _ in range(n)])

        async def tokens_allowed(self):
            return (await self.quota.admit("key-2", None, 100)).allowed

    def refilled(rpm: float, started: float) -> int:
        """Permits the bucket regains while a burst runs (rpm per minute): on a slow machine a
        burst can take seconds, and a token bucket rightly admits what refilled meanwhile."""
        return int((time.monotonic() - started) * rpm / 60.0)

    replicas = [Replica.remote() for _ in range(3)]
    ray.get([r.hammer.remote(0) for r in replicas])  # replicas up before the clock starts
    started = time.monotonic()
    admitted = sum(ray.get([r.hammer.remote(20) for r in replicas]))
    assert 30 <= admitted <= 30 + refilled(30, started), "three replicas x 20 requests against rpm=30 admit 30"

    # a high limit is served from leases of 2% (here 2 permits): still never above the limit,
    # and at most one unused leased permit per replica is left over
    started = time.monotonic()
    admitted = sum(ray.get([r.hammer.remote(50, "key-3", 100) for r in replicas]))
    assert 100 - len(replicas) <= admitted <= 100 + refilled(100, started)

    ray.get(replicas[0].charge.remote(150))  # one replica charges usage ...
    assert ray.get(replicas[1].tokens_allowed.remote()) is False  # ... another sees the debt

    # reservations come out of the one shared bucket: 100 tokens a minute hold two 40-token requests
    assert sum(ray.get([r.reserve.remote(2, 40) for r in replicas])) == 2
