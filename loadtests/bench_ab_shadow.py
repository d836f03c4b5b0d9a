"""Shadow traffic's cost to the client: the gateway with the A/B router, shadow off vs shadow on.

Two gateways run side by side, each in its own process (uvicorn serving the real gateway app:
``build_gateway`` with the router in the ``routing`` slot, a real MLflow registry on SQLite
with two versions, the experiment store on SQLite, request log on, auth off), in front of two
fake OpenAI backends (``loadtests/fake_openai_backend.py``), one per registry version:

- ``off``  experiment ``exp``: variant ``control`` (version 1) weight 1, ``candidate`` (version 2)
  weight 0, no shadow;
- ``on``   the same experiment with ``shadow: {variant: candidate, share: 1.0}``: every request
  is mirrored to version 2's backend in the background.

Measured in one run, alternating off/on in every round so that drift on this shared machine
hits both, non-streaming chat latency (p50/p99) in three phases: ``sequential`` (back to back:
the previous request's shadow call still runs, on the same cores, while the next is served),
``paced`` (a ``--pace-ms`` pause before each request, so the previous shadow call has ended: what
the mirroring itself adds to the request it mirrors) and ``concurrent`` (a closed loop of
``--concurrency`` clients: latency and requests/s when the machine is saturated). Every answer must come from version
1's backend with ``X-Llmops-Variant: control`` and no other ``x-llmops-*`` header (counted as
``leaks`` otherwise); the ``on`` gateway's ``llmops_ab_shadow_requests_total`` shows the
mirrored calls that ran (``ok``) or were dropped.

Not in the loop: Ray Serve (its hop is the same with shadow on or off; in a Serve deployment the
shadow call goes through a deployment handle instead of HTTP).

    python -m loadtests.bench_ab_shadow                       # defaults
    python -m loadtests.bench_ab_shadow --requests 300 --rounds 3 --concurrency 8

The last line of stdout is one JSON object with the figures and the on/off ratios; it is also
appended to ``loadtests/records/bench_ab_shadow.jsonl``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import yaml

from loadtests._common import REPO, client_session, emit, foreign_stacks, log, machine, ms, pct, ratio, wait_http
from services.cli.local_stack import ServerProcess

MODEL = "chat"
MODES = ("off", "on")


# ---------------------------------------------------------------- the gateway process


def experiments(shadow: bool, max_in_flight: int) -> dict[str, Any]:
    exp: dict[str, Any] = {
        "name": "exp",
        "model": MODEL,
        "variants": [
            {"name": "control", "version": 1, "weight": 1.0},
            {"name": "candidate", "version": 2, "weight": 0.0},
        ],
    }
    if shadow:
        exp["shadow"] = {"variant": "candidate", "share": 1.0, "max_in_flight": max_in_flight}
    return {"experiments": [exp]}


def serve(args: argparse.Namespace) -> None:
    """One gateway with the router (``serve`` subcommand; run by the benchmark)."""
    import uvicorn

    from services.common.models import ModelSpec
    from services.gateway.config import GatewaySettings
    from services.gateway.engines import OpenAIHTTPEngine
    from services.gateway.routes import build_fastapi
    from services.gateway.wiring import build_gateway
    from services.registry.config import RegistrySettings
    from services.router.config import RouterSettings
    from services.router.wiring import router_config

    work = Path(args.workdir)
    control = OpenAIHTTPEngine(MODEL, args.control, upstream_model="fake")
    candidate = OpenAIHTTPEngine(MODEL, args.candidate, upstream_model="fake")
    settings = GatewaySettings(
        auth_disabled=True,
        quota_backend="local",
        budgets_enabled=False,
        request_log_enabled=True,
        request_log_path=work / f"{args.mode}-requests.jsonl",
    )
    router = router_config(
        RouterSettings(
            enabled=True,
            experiments_file=work / f"{args.mode}-experiments.yaml",
            store_url=f"sqlite:///{work / f'{args.mode}-ab.db'}",
            reload_interval_s=3600,
        ),
        RegistrySettings(tracking_uri=f"sqlite:///{work / 'mlflow.db'}", artifact_root=work / "artifacts"),
    )
    service = build_gateway(
        settings,
        [ModelSpec(name=MODEL, backend="openai", base_url=args.control)],
        engines={MODEL: control},
        router=router,
        version_engines=lambda model, version, backend: {1: control, 2: candidate}.get(version),
    )

    async def ready() -> bool:
        return True

    uvicorn.run(
        build_fastapi(lambda: service, is_ready=ready),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
    )


# ---------------------------------------------------------------- the client


async def one(session: aiohttp.ClientSession, url: str, body: bytes) -> tuple[float, bool]:
    """One chat request: (seconds, answer as expected: 200, control's variant, no other llmops header)."""
    started = time.perf_counter()
    async with session.post(url, data=body, headers={"Content-Type": "application/json"}) as response:
        payload = await response.read()
        seconds = time.perf_counter() - started
        llmops = {k.lower(): v for k, v in response.headers.items() if k.lower().startswith("x-llmops")}
    clean = (
        response.status == 200
        and llmops == {"x-llmops-variant": "control"}
        and orjson.loads(payload)["choices"][0]["message"]["content"].startswith("ok")
    )
    return seconds, clean


async def phase(base: str, args: argparse.Namespace, into: dict[str, Any]) -> None:
    url = f"{base}/v1/chat/completions"
    body = orjson.dumps(
        {"model": MODEL, "messages": [{"role": "user", "content": "Say ok."}], "max_tokens": 4, "user": "bench"}
    )
    async with client_session(max(args.concurrency, 4)) as session:
        for _ in range(args.warmup):
            await one(session, url, body)
        for _ in range(args.requests):
            seconds, clean = await one(session, url, body)
            into["sequential"].append(seconds)
            into["leaks"] += not clean
        for _ in range(args.paced_requests):
            await asyncio.sleep(args.pace_ms / 1000)  # time for the previous request's shadow call to end
            seconds, clean = await one(session, url, body)
            into["paced"].append(seconds)
            into["leaks"] += not clean
        remaining = args.concurrent_requests

        async def client() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                seconds, clean = await one(session, url, body)
                into["concurrent"].append(seconds)
                into["leaks"] += not clean

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(args.concurrency)))
        into["concurrent_seconds"] += time.perf_counter() - started


async def shadow_counts(base: str) -> dict[str, float]:
    async with aiohttp.ClientSession() as session, session.get(f"{base}/metrics") as response:
        text = await response.text()
    counts: dict[str, float] = {}
    for outcome, value in re.findall(r'llmops_ab_shadow_requests_total\{[^}]*outcome="(\w+)"[^}]*\} ([0-9.e+]+)', text):
        counts[outcome] = counts.get(outcome, 0) + float(value)
    return counts


def summary(raw: dict[str, Any], concurrency: int) -> dict[str, Any]:
    seq, paced, conc = raw["sequential"], raw["paced"], raw["concurrent"]
    return {
        "sequential": {"n": len(seq), "p50_ms": ms(pct(seq, 50)), "p99_ms": ms(pct(seq, 99))},
        "paced": {"n": len(paced), "p50_ms": ms(pct(paced, 50)), "p99_ms": ms(pct(paced, 99))},
        "concurrent": {
            "clients": concurrency,
            "n": len(conc),
            "p50_ms": ms(pct(conc, 50)),
            "p99_ms": ms(pct(conc, 99)),
            "rps": round(len(conc) / raw["concurrent_seconds"], 1) if raw["concurrent_seconds"] else None,
        },
        "leaks": raw["leaks"],
    }


def prepare(work: Path) -> None:
    from services.registry.config import RegistrySettings
    from services.registry.service import ModelRegistry

    registry = ModelRegistry(
        RegistrySettings(tracking_uri=f"sqlite:///{work / 'mlflow.db'}", artifact_root=work / "artifacts")
    )
    for label in ("v1", "v2"):
        folder = work / label
        folder.mkdir()
        (folder / "config.json").write_text("{}")
        registry.register(MODEL, folder)
    registry.set_alias(MODEL, "champion", 1)


async def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    log("creating the MLflow registry (two versions)")
    prepare(work)
    for mode in MODES:
        (work / f"{mode}-experiments.yaml").write_text(yaml.safe_dump(experiments(mode == "on", args.max_in_flight)))
    py = sys.executable
    port = args.port
    servers = {
        "control": ServerProcess(
            "fake-v1", [py, "-m", "loadtests.fake_openai_backend", "--port", port], port, log_path=work / "v1.log"
        ),
        "candidate": ServerProcess(
            "fake-v2",
            [py, "-m", "loadtests.fake_openai_backend", "--port", port + 1],
            port + 1,
            log_path=work / "v2.log",
        ),
    }
    urls = {"control": f"http://127.0.0.1:{port}/v1", "candidate": f"http://127.0.0.1:{port + 1}/v1"}
    for i, mode in enumerate(MODES):
        argv = [
            py,
            "-m",
            "loadtests.bench_ab_shadow",
            "serve",
            "--mode",
            mode,
            "--workdir",
            work,
            "--port",
            port + 2 + i,
        ]
        argv += ["--control", urls["control"], "--candidate", urls["candidate"]]
        servers[mode] = ServerProcess(f"gateway-{mode}", argv, port + 2 + i, log_path=work / f"{mode}.log")
    bases = {mode: f"http://127.0.0.1:{port + 2 + i}" for i, mode in enumerate(MODES)}
    own: set[int] = set()
    try:
        for server in servers.values():
            server.start()
            own |= server.sessions
        for name, server in servers.items():
            base = bases.get(name) or urls[name].removesuffix("/v1")
            await wait_http(f"{base}/health", args.start_timeout, server)
        others = foreign_stacks(own)
        raw = {
            m: {"sequential": [], "paced": [], "concurrent": [], "concurrent_seconds": 0.0, "leaks": 0} for m in MODES
        }
        for r in range(args.rounds):
            for mode in MODES if r % 2 == 0 else MODES[::-1]:
                log(f"round {r + 1}/{args.rounds}: shadow {mode}")
                await phase(bases[mode], args, raw[mode])
        counts = await shadow_counts(bases["on"])
        disturbed = sorted(set(others + foreign_stacks(own)))[:5]
    finally:
        for server in servers.values():
            server.stop(grace_s=10)
    result = {m: summary(raw[m], args.concurrency) for m in MODES}
    on, off = result["on"], result["off"]
    return {
        **result,
        "shadow_calls": counts,
        "ratios_on_over_off": {
            "sequential_p50": ratio(on["sequential"]["p50_ms"], off["sequential"]["p50_ms"]),
            "sequential_p99": ratio(on["sequential"]["p99_ms"], off["sequential"]["p99_ms"]),
            "paced_p50": ratio(on["paced"]["p50_ms"], off["paced"]["p50_ms"]),
            "paced_p99": ratio(on["paced"]["p99_ms"], off["paced"]["p99_ms"]),
            "concurrent_p50": ratio(on["concurrent"]["p50_ms"], off["concurrent"]["p50_ms"]),
            "concurrent_p99": ratio(on["concurrent"]["p99_ms"], off["concurrent"]["p99_ms"]),
            "concurrent_rps": ratio(on["concurrent"]["rps"], off["concurrent"]["rps"]),
        },
        "disturbed": disturbed,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    srv = sub.add_parser("serve", help="one gateway with the router (started by the benchmark)")
    srv.add_argument("--mode", choices=MODES, required=True)
    srv.add_argument("--workdir", required=True)
    srv.add_argument("--port", type=int, required=True)
    srv.add_argument("--control", required=True, help="version 1's backend (…/v1)")
    srv.add_argument("--candidate", required=True, help="version 2's backend (…/v1)")
    parser.add_argument("--requests", type=int, default=300, help="sequential requests per mode and round")
    parser.add_argument("--paced-requests", type=int, default=200, help="sequential requests with a pause before each")
    parser.add_argument("--pace-ms", type=float, default=50.0, help="the pause before each paced request")
    parser.add_argument("--concurrent-requests", type=int, default=400, help="closed-loop requests per mode and round")
    parser.add_argument("--concurrency", type=int, default=8, help="closed-loop clients")
    parser.add_argument("--rounds", type=int, default=3, help="off/on alternations")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--max-in-flight", type=int, default=64, help="shadow.max_in_flight of the 'on' experiment")
    parser.add_argument("--port", type=int, default=9340, help="first of four loopback ports")
    parser.add_argument("--start-timeout", type=float, default=120.0)
    parser.add_argument("--out", type=Path, default=REPO / "loadtests" / "records" / "bench_ab_shadow.jsonl")
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args)
        return
    started = dt.datetime.now(dt.UTC)
    load_start = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="bench-ab-shadow-") as tmp:
        result = asyncio.run(run(args, Path(tmp)))
    emit(
        {
            "benchmark": "ab_shadow",
            "started": started.isoformat(timespec="seconds"),
            "machine": machine(),
            "loadavg_start": load_start,
            "loadavg_end": [round(x, 2) for x in os.getloadavg()],
            "params": {k: v for k, v in vars(args).items() if k not in ("command", "out")},
            **result,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
