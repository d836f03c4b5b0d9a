"""Where the guards' time goes on one non-streamed request, in process (no Ray, no HTTP socket).

The gateway built as ``llmops serve`` builds it (``wiring.build_gateway``, the shipped policy, the
checks on the replica's own ``SafetyService`` as ``local_scan.SplitSafetyClient`` runs them) in
front of the fake engine, called through its ASGI app; ``bench_gateway``'s request ("Say ok.",
max_tokens 1, so the answer is "echo:"). Auth, quota budgets, the request and audit logs are off
in both builds: the difference between them is the guards. Figures (microseconds, medians unless
named):

- ``request``: the whole request, in alternating blocks (p50, p99), in four builds: guards on;
  guards on with each verdict remembered after its first scan (the guard stages and the safety
  metrics without the scan); guards on with every text passed unscanned (the guard stages and one
  metric); guards off. ``added_p50_us``: each over guards off;
- ``check``: ``SafetyService.check`` per direction on the request's texts, and each detector's
  share as the verdict's ``timings`` report it;
- ``metrics_record``: the guard's safety metrics per check (``services/safety/metrics.py``);
- ``thread_hop``: ``asyncio.to_thread`` of a no-op, what a check would pay to leave the event loop.

    python -m loadtests.profile_guard_path [--requests 3000]

Last stdout line: one JSON object, appended to ``loadtests/records/profile_guard_path.jsonl``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from loadtests._common import REPO, emit, machine

PROMPT, ANSWER = "Say ok.", "echo:"
BODY = {"model": "fake", "messages": [{"role": "user", "content": PROMPT}], "max_tokens": 1, "temperature": 0}


def _us(values: list[float], q: float = 0.5) -> float:
    ordered = sorted(values)
    return round(ordered[min(int(len(ordered) * q), len(ordered) - 1)] * 1e6, 1)


def _timed(call: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        out.append(time.perf_counter() - started)
    return out


class RememberedVerdicts:
    """A safety client that scans each (texts, direction) once and then answers from memory: a
    build with it pays the guard stages and the safety metrics, not the scan."""

    def __init__(self, client: Any):
        self.client = client
        self.verdicts: dict[tuple[tuple[str, ...], str], dict[str, Any]] = {}

    async def check(self, texts: list[str], direction: str, policy: Any, timeout_s: float | None = None) -> Any:
        key = (tuple(texts), direction)
        if key not in self.verdicts:
            self.verdicts[key] = await self.client.check(texts, direction, policy, timeout_s)
        return dict(self.verdicts[key])


class PassingVerdicts:
    """A safety client that passes every text unscanned and reports no detector: a build with it
    pays the guard stages and the one whole-check metric only."""

    async def check(self, texts: list[str], direction: str, policy: Any, timeout_s: float | None = None) -> Any:
        from services.safety.service import passing_verdict

        return passing_verdict(texts)


def gateway(safety_service: Any | None, wrap: Callable[[Any], Any] | None = None) -> Any:
    """The gateway's ASGI app, guards on when a ``SafetyService`` is given (its checks through
    ``wrap(client)`` when given)."""
    from loadtests.fake_openai_backend import FakeEngine
    from services.common.models import ModelSpec
    from services.gateway.config import GatewaySettings
    from services.gateway.local_scan import SplitSafetyClient
    from services.gateway.routes import build_fastapi
    from services.gateway.wiring import Clients, build_gateway
    from services.safety.config import SafetySettings

    settings = GatewaySettings(
        auth_disabled=True,
        quota_backend="local",
        budgets_enabled=False,
        request_log_enabled=False,
        audit_enabled=False,
    )
    safety = SafetySettings().model_dump(mode="json") if safety_service is not None else None
    clients = Clients()
    if safety_service is not None:
        client = SplitSafetyClient(safety_service, None, "auto")  # type: ignore[arg-type]
        clients = Clients(safety=wrap(client) if wrap else client)
    service = build_gateway(
        settings,
        [ModelSpec(name="fake", task="generate", source="fake")],
        engines={"fake": FakeEngine("fake")},
        clients=clients,
        safety=safety,
    )

    async def ready() -> bool:
        return True

    return build_fastapi(lambda: service, is_ready=ready)


async def requests(apps: dict[str, Any], n: int, block: int = 100, warmup: int = 200) -> dict[str, list[float]]:
    """Sequential requests to each app, in alternating blocks of ``block``, after ``warmup`` each."""
    import httpx

    times: dict[str, list[float]] = {name: [] for name in apps}
    clients = {
        name: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway")
        for name, app in apps.items()
    }
    try:
        for name, client in clients.items():  # warm-up
            for _ in range(warmup):
                assert (await client.post("/v1/chat/completions", json=BODY)).status_code == 200, name
        for _ in range(max(n // block, 1)):
            for name, client in clients.items():
                for _ in range(block):
                    started = time.perf_counter()
                    await client.post("/v1/chat/completions", json=BODY)
                    times[name].append(time.perf_counter() - started)
    finally:
        for client in clients.values():
            await client.aclose()
    return times


def checks(service: Any, n: int) -> dict[str, Any]:
    from services.safety import metrics
    from services.safety.config import SafetySettings
    from services.safety.policy import PolicySet

    policy = PolicySet.from_file(SafetySettings().policy_file).resolve("fake", None)
    out: dict[str, Any] = {}
    for direction, text in (("input", PROMPT), ("output", ANSWER)):
        verdicts: list[dict[str, Any]] = []
        wall = _timed(lambda d=direction, t=text, into=verdicts: into.append(service.check([t], d, policy, 2.0)), n)
        detectors = {name: _us([v["timings"][name] for v in verdicts]) for name in verdicts[0]["timings"]}
        out[direction] = {"check_us": _us(wall), "detectors_us": detectors, "actions": verdicts[0]["actions"]}
        out[direction]["metrics_record_us"] = _us(
            _timed(lambda d=direction, v=verdicts[0]: metrics.record(d, v, 0.001), n)
        )
    return out


async def thread_hop(n: int) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        await asyncio.to_thread(lambda: None)
        times.append(time.perf_counter() - started)
    return _us(times)


def code_version() -> dict[str, Any]:
    """The commit measured, and the files changed from it (a measurement of uncommitted code says so)."""
    import subprocess

    def git(*words: str) -> str:
        return subprocess.run(["git", *words], cwd=REPO, capture_output=True, text=True, check=False).stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "changed": git("status", "--porcelain", "--untracked-files=no").splitlines(),
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=3000, help="sequential requests per build")
    p.add_argument("--checks", type=int, default=3000, help="direct checks per direction")
    p.add_argument("--out", type=Path, default=REPO / "loadtests" / "records" / "profile_guard_path.jsonl")
    args = p.parse_args(argv)
    if args.requests < 1 or args.checks < 1:
        p.error("--requests and --checks must be positive")
    from services.safety.config import SafetySettings
    from services.safety.service import SafetyService

    safety_service = SafetyService.from_settings(SafetySettings())
    started = dt.datetime.now(dt.UTC)
    load_before = machine()["loadavg_1m"]
    builds = {
        "guards_on": gateway(safety_service),
        "guards_on_remembered_verdicts": gateway(safety_service, RememberedVerdicts),
        "guards_on_passing_verdicts": gateway(safety_service, lambda _client: PassingVerdicts()),
        "guards_off": gateway(None),
    }
    times = asyncio.run(requests(builds, args.requests))
    request = {name: {"p50_us": _us(t), "p99_us": _us(t, 0.99), "n": len(t)} for name, t in times.items()}
    off = request["guards_off"]["p50_us"]
    request["added_p50_us"] = {name: round(r["p50_us"] - off, 1) for name, r in request.items() if name != "guards_off"}
    emit(
        {
            "bench": "profile_guard_path",
            "date": started.isoformat(timespec="seconds"),
            "machine": {**machine(), "loadavg_1m_before": load_before},
            "command": " ".join(["python -m loadtests.profile_guard_path", *sys.argv[1:]]),
            "code": code_version(),
            "texts": {"prompt": PROMPT, "answer": ANSWER},
            "request": request,
            "check": checks(safety_service, args.checks),
            "thread_hop_us": asyncio.run(thread_hop(args.checks)),
        },
        args.out,
    )


if __name__ == "__main__":
    main()
