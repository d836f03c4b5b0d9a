"""Quota actor round trip: what one call to the cluster-wide ``QuotaActor`` costs a gateway replica.

Starts Ray on 127.0.0.1, creates the quota actor as the gateway does (``RayQuota``), and times
from an asyncio caller (as a gateway replica calls it):

- ``actor``: one ``admit`` call to the actor per admission (no lease: the cost the leases avoid),
  with 1 client (calls one after another) and with ``--concurrency`` clients;
- ``leased``: ``RayQuota.admit`` as the gateway uses it (permits and tokens leased in batches of
  2% of the key's limits), with the same clients, for a key with 60,000 requests and 6,000,000
  tokens a minute (no refusal in the run).

Per phase: latency p50/p99/mean of one admission, admissions per second, and (leased) how many
calls reached the actor.

    python -m loadtests.bench_quota_actor
    python -m loadtests.bench_quota_actor --calls 2000 --concurrency 16 --out loadtests/records/bench_quota_actor.jsonl

The last line of stdout is one JSON object; it is also appended to ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from loadtests._common import REPO, emit, log, machine, ms

RPM, TPM, RESERVE = 60_000, 6_000_000, 100


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def timed_phase(call: Any, calls: int, clients: int) -> dict[str, Any]:
    """Run ``calls`` awaited calls split over ``clients`` concurrent loops; per-call latencies."""
    latencies: list[float] = []

    async def client(n: int) -> None:
        for _ in range(n):
            started = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - started)

    share = [calls // clients + (1 if i < calls % clients else 0) for i in range(clients)]
    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in share))
    seconds = time.perf_counter() - started
    return {
        "clients": clients,
        "calls": len(latencies),
        "p50_ms": ms(percentile(latencies, 0.5)),
        "p99_ms": ms(percentile(latencies, 0.99)),
        "mean_ms": ms(statistics.fmean(latencies)),
        "seconds": round(seconds, 3),
        "per_s": round(len(latencies) / seconds, 1),
    }


class CountingActor:
    """The actor handle's ``admit`` with a count of the calls that reached it."""

    def __init__(self, actor: Any):
        self.actor, self.calls = actor, 0
        self.admit = self  # RayQuota calls self._actor.admit.remote(...)

    def remote(self, *args: Any) -> Any:
        self.calls += 1
        return self.actor.admit.remote(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.actor, name)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from services.gateway.quota import RayQuota

    quota = RayQuota(namespace="llmops-bench-quota")
    await quota.ready()
    actor = quota._actor  # the handle the gateway's calls go through
    results: dict[str, Any] = {}
    for i in range(args.warmup):
        await actor.admit.remote(f"warm-{i % 4}", RPM, TPM, 1, 0.0, RESERVE, 0, 0.0)
    for clients in (1, args.concurrency):
        key = f"actor-{clients}"
        results[f"actor_c{clients}"] = await timed_phase(
            lambda key=key: actor.admit.remote(key, RPM, TPM, 1, 0.0, RESERVE, 0, 0.0), args.calls, clients
        )
        log(f"actor, {clients} clients: {results[f'actor_c{clients}']}")
    for clients in (1, args.concurrency):
        leased = RayQuota(namespace="llmops-bench-quota")
        counting = CountingActor(leased._actor)
        leased._actor = counting
        key = f"leased-{clients}"
        phase = await timed_phase(
            lambda leased=leased, key=key: leased.admit(key, RPM, TPM, RESERVE), args.calls, clients
        )
        phase["actor_calls"] = counting.calls
        results[f"leased_c{clients}"] = phase
        log(f"leased, {clients} clients: {phase}")
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    p.add_argument("--calls", type=int, default=2000, help="admissions per phase")
    p.add_argument("--concurrency", type=int, default=16, help="concurrent clients of the second phase of each kind")
    p.add_argument("--warmup", type=int, default=100, help="actor calls before the measurements")
    p.add_argument(
        "--out", type=Path, default=REPO / "loadtests" / "results" / "quota_actor.jsonl", help="JSON lines file"
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.calls < 1 or args.concurrency < 1 or args.warmup < 0:
        sys.exit("--calls and --concurrency must be at least 1, --warmup at least 0")
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    import ray

    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    load_before = round(os.getloadavg()[0], 2)
    ray.init(_node_ip_address="127.0.0.1", include_dashboard=False, log_to_driver=False, namespace="llmops-bench-quota")
    try:
        results = asyncio.run(run(args))
    finally:
        ray.shutdown()
    emit(
        {
            "bench": "quota_actor",
            "date": started_at,
            "machine": machine() | {"loadavg_1m_before": load_before},
            "command": " ".join(["python -m loadtests.bench_quota_actor", *sys.argv[1:]]),
            "params": {"calls": args.calls, "concurrency": args.concurrency, "warmup": args.warmup},
            "results": results,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
