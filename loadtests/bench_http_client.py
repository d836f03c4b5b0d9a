"""The engine HTTP client alone: httpx (what ``OpenAIHTTPEngine`` used) vs aiohttp (what it
uses) against the fake OpenAI backend, in process, no gateway: sequential p50 of a 1-token chat
request and requests/s with ``--concurrency`` clients on one event loop, each client measured
``--rounds`` times, alternating.

    flock /tmp/llmops-heavy.lock .venv/bin/python -m loadtests.bench_http_client \\
        --out loadtests/records/bench_http_client.jsonl

The last line of stdout is one JSON object (appended to ``--out``)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import orjson

from loadtests._common import REPO, emit, log, machine, ms, pct, ratio
from services.cli.local_stack import LOOPBACK, ServerProcess

BODY = orjson.dumps({"model": "fake", "messages": [{"role": "user", "content": "Say ok."}], "max_tokens": 1})
HEADERS = {"Content-Type": "application/json"}


async def drive(one: Any, args: argparse.Namespace) -> dict[str, Any]:
    for _ in range(args.warmup):
        await one()
    lat = []
    for _ in range(args.requests):
        started = time.perf_counter()
        await one()
        lat.append(time.perf_counter() - started)
    left = args.throughput_requests

    async def client() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            await one()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(args.concurrency)))
    elapsed = time.perf_counter() - started
    return {"p50_ms": ms(pct(lat, 50)), "rps": round(args.throughput_requests / elapsed, 1)}


async def with_httpx(url: str, args: argparse.Namespace) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=512, max_keepalive_connections=512)  # as OpenAIHTTPEngine had
    async with httpx.AsyncClient(base_url=url, limits=limits) as client:

        async def one() -> None:
            orjson.loads((await client.post("/chat/completions", content=BODY, headers=HEADERS)).content)

        return await drive(one, args)


async def with_aiohttp(url: str, args: argparse.Namespace) -> dict[str, Any]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=512)) as session:

        async def one() -> None:
            async with session.post(url + "/chat/completions", data=BODY, headers=HEADERS) as response:
                orjson.loads(await response.read())

        return await drive(one, args)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=500, help="sequential requests for the p50")
    p.add_argument("--concurrency", type=int, default=16, help="clients for the requests/s figure")
    p.add_argument("--throughput-requests", type=int, default=1500)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--rounds", type=int, default=2, help="measurements of each client, alternating")
    p.add_argument("--port", type=int, default=9109)
    p.add_argument("--out", type=Path, default=REPO / "loadtests" / "results" / "http_client.jsonl")
    args = p.parse_args(argv)
    backend = ServerProcess(
        "fake-backend",
        [sys.executable, "-m", "loadtests.fake_openai_backend", "--port", args.port],
        args.port,
        log_path=Path(tempfile.mkdtemp(prefix="bench-http-client-")) / "fake-backend.log",
    )
    url = f"http://{LOOPBACK}:{args.port}/v1"
    results: dict[str, list[dict[str, Any]]] = {"httpx": [], "aiohttp": []}
    backend.start()
    try:
        time.sleep(2)
        for _ in range(args.rounds):
            for name, fn in (("httpx", with_httpx), ("aiohttp", with_aiohttp)):
                results[name].append(asyncio.run(fn(url, args)))
                log(f"[{name}] {results[name][-1]}")
    finally:
        backend.stop(grace_s=3)
    best = {name: max(r["rps"] for r in runs) for name, runs in results.items()}
    emit(
        {
            "bench": "http_client",
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "command": " ".join(["python -m loadtests.bench_http_client", *sys.argv[1:]]),
            "params": {k: getattr(args, k) for k in ("requests", "concurrency", "throughput_requests", "rounds")},
            "results": results,
            "ratios": {"aiohttp/httpx rps (best rounds)": ratio(best["aiohttp"], best["httpx"])},
        },
        args.out,
    )


if __name__ == "__main__":
    main()
