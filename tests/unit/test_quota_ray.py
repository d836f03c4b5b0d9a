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
            await self.quota.ready()  # the shared actor runs (what /ready waits for)
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


def test_gateway_replicas_with_concurrent_clients_keep_the_limits(ray_local, tmp_path):
    """Issue 13: N gateway replicas (the real pipeline, each in its own process) x M concurrent
    clients never admit more than a key's request limit, nor use more than its token limit plus
    one request's worth; leases taken concurrently inside one replica are not lost either."""
    from services.gateway.keys import KeyStore

    store = KeyStore(tmp_path / "keys.db")
    rpm_key, _ = store.create("rpm", rpm=600)  # leases of 12 permits
    tpm_key, _ = store.create("tpm", tpm=2000)

    @ray.remote(num_cpus=0)
    class GatewayReplica:
        def __init__(self, keys_db):
            from loadtests.fake_openai_backend import FakeEngine
            from services.common.models import ModelSpec
            from services.gateway.config import GatewaySettings
            from services.gateway.wiring import build_gateway

            settings = GatewaySettings(
                keys_db=keys_db, budgets_enabled=False, request_log_enabled=False, audit_enabled=False
            )
            engine = FakeEngine("fake-chat", reply_tokens=30, record=False)
            self.service = build_gateway(
                settings, [ModelSpec(name="fake-chat", source="x")], engines={"fake-chat": engine}
            )

        async def run(self, key, clients, per_client):
            import asyncio

            import orjson

            from services.common.errors import RateLimitError

            body = orjson.dumps(
                {"model": "fake-chat", "messages": [{"role": "user", "content": "hello there"}], "max_tokens": 30}
            )

            async def client(c):
                ok = used = 0
                for i in range(per_client):
                    try:
                        answer = await self.service.handle("chat", body, api_key=key, request_id=f"{c}-{i}")
                    except RateLimitError:
                        continue
                    ok += 1
                    used += answer["usage"]["total_tokens"]
                return ok, used

            results = await asyncio.gather(*(client(c) for c in range(clients)))
            await self.service.pipeline.slots["quota"].quota.flush()
            return [sum(r[0] for r in results), sum(r[1] for r in results)]

    replicas = [GatewayReplica.remote(str(tmp_path / "keys.db")) for _ in range(3)]
    ray.get([r.run.remote(rpm_key, 1, 0) for r in replicas])  # replicas up before the clock starts

    started = time.monotonic()
    counts = ray.get([r.run.remote(rpm_key, 8, 40) for r in replicas])  # 960 requests against 600
    admitted, elapsed = sum(c[0] for c in counts), time.monotonic() - started
    refill = int(elapsed * 600 / 60.0)
    assert admitted <= 600 + refill, (admitted, elapsed)
    assert admitted >= 600 - len(replicas) * 11, f"leased permits were lost: {admitted} of 600 admitted"

    started = time.monotonic()
    counts = ray.get([r.run.remote(tpm_key, 8, 10) for r in replicas])  # 240 requests of ~32 tokens against 2000
    used, elapsed = sum(c[1] for c in counts), time.monotonic() - started
    one_request = 3 + 30  # a request's reservation: prompt estimate (11 characters / 4, rounded up) + max_tokens
    assert used <= 2000 + int(elapsed * 2000 / 60.0) + one_request, (used, elapsed)
    assert used >= 2000 - 8 * len(replicas) * one_request, used
