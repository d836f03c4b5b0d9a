"""Gateway overhead: the llmops gateway and LiteLLM's proxy in front of a fake OpenAI backend.

Systems (each measured in this one run, one at a time, against the same fake backend):

- ``direct``       the fake backend itself (the baseline; measured first and again last);
- ``llmops``       ``llmops serve`` as shipped (direct ingress: the gateway replica serves HTTP
                   itself; llmops sets ``RAY_SERVE_THROUGHPUT_OPTIMIZED=1``), with a models file
                   whose only model is the fake backend, auth on (a key with rpm/tpm limits far
                   above the load), every pipeline stage on;
- ``llmops-proxy`` the same through Ray Serve's proxy (``--via-proxy``), Serve's defaults;
- ``llmops-proxy-tput``  through the proxy with ``RAY_SERVE_THROUGHPUT_OPTIMIZED=1``;
- ``llmops-guards-off``  as shipped with ``LLMOPS_SAFETY_ENABLED=false`` (the guards' cost);
- ``llmops-scan-remote`` every guard check in the safety deployment (one round trip each);
- ``llmops-no-prefilter`` as shipped with ``LLMOPS_SAFETY_PII_PREFILTER=false`` (Presidio asked
                   for every PII type on every text, as before the prefilter);
- ``litellm``      LiteLLM's proxy (its own venv, see install_peers.sh) with a master key,
                   routing the same model name to the fake backend.

Per system: added latency (p50/p99) of sequential 1-token non-streaming chat requests over
direct, requests/s with ``--concurrency`` clients, and added time per streamed chunk (median
total time of a ``--stream-chunks``-chunk stream over direct, divided by the chunks).

    python -m loadtests.bench_gateway                         # all systems, defaults
    python -m loadtests.bench_gateway --systems llmops,litellm --requests 200
    python -m loadtests.bench_gateway --systems llmops,llmops-proxy,llmops-proxy-tput

The last line of stdout is one JSON object with every figure and the ratios; it is also
appended to ``loadtests/results/gateway.jsonl``. Every server's API listens on 127.0.0.1 (Ray's
own daemons also listen elsewhere: llmops results list them under ``listeners``); all are
stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
import yaml

from loadtests._common import (
    LLMOPS_VARIANTS,
    REPO,
    bench_venv,
    chat,
    client_session,
    emit,
    foreign_stacks,
    listening,
    log,
    log_servers,
    machine,
    median,
    ms,
    off_loopback,
    pct,
    ratio,
    start_llmops,
    stream,
    wait_http,
    wait_quiet,
)
from services.cli.local_stack import LOOPBACK, ServerProcess

ALL_SYSTEMS = ("direct", *LLMOPS_VARIANTS, "litellm")
MODEL = "fake"
LITELLM_KEY = "sk-bench-litellm-master"


def chat_body(max_tokens: int, stream_: bool) -> bytes:
    body: dict[str, Any] = {
        "model": MODEL,
        "messages": [{"role": "user", "content": "Say ok."}],
        "max_tokens": max_tokens,
        "temperature": 0,
    }
    if stream_:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return orjson.dumps(body)


async def measure(base: str, headers: dict[str, str], args: argparse.Namespace, own: set[int]) -> dict[str, Any]:
    """Latency, throughput and streaming figures for one base URL (…/v1)."""
    url = f"{base}/chat/completions"
    headers = {**headers, "Content-Type": "application/json"}
    one = chat_body(1, False)
    streamed = chat_body(args.stream_chunks, True)
    result: dict[str, Any] = {}
    others = foreign_stacks(own)
    async with client_session(max(args.concurrency, 4)) as session:
        # warm-up: connections, JIT-ish caches, first-request paths in every server
        for _ in range(args.warmup):
            await chat(session, url, one, headers)
        for _ in range(3):
            await stream(session, url, streamed, headers)

        # 1. sequential latency
        lat: list[float] = []
        errors = 0
        deadline = time.monotonic() + args.phase_timeout
        for _ in range(args.requests):
            ok, seconds, _status = await chat(session, url, one, headers)
            if ok:
                lat.append(seconds)
            else:
                errors += 1
            if time.monotonic() > deadline:
                break
        result["latency"] = {
            "n": len(lat),
            "errors": errors,
            "p50_ms": ms(pct(lat, 50)),
            "p99_ms": ms(pct(lat, 99)),
            "mean_ms": ms(sum(lat) / len(lat)) if lat else None,
        }

        # 2. throughput at N concurrent clients (closed loop)
        remaining = args.throughput_requests
        done = 0
        failed = 0
        deadline = time.monotonic() + args.phase_timeout

        async def client() -> None:
            nonlocal remaining, done, failed
            while remaining > 0 and time.monotonic() < deadline:
                remaining -= 1
                ok, _seconds, _status = await chat(session, url, one, headers)
                done += ok
                failed += not ok

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(args.concurrency)))
        elapsed = time.perf_counter() - started
        result["throughput"] = {
            "concurrency": args.concurrency,
            "ok": done,
            "errors": failed,
            "seconds": round(elapsed, 3),
            "rps": round(done / elapsed, 1),
        }

        # 3. sequential streams of N chunks
        totals: list[float] = []
        ttfts: list[float] = []
        chunks: list[int] = []
        serrors: list[str] = []
        deadline = time.monotonic() + args.phase_timeout
        for _ in range(args.streams):
            r = await stream(session, url, streamed, headers)
            if r.ok:
                totals.append(r.total)
                ttfts.append(r.ttft)
                chunks.append(r.chunks)
            else:
                serrors.append(r.error or str(r.status))
            if time.monotonic() > deadline:
                break
        result["stream"] = {
            "n": len(totals),
            "errors": len(serrors),
            "first_error": serrors[0] if serrors else None,
            "chunks": int(median(chunks)) if chunks else 0,
            "total_p50_ms": ms(median(totals)),
            "ttft_p50_ms": ms(median(ttfts)),
            # time from the first content chunk to the end: the per-chunk cost without the request's fixed cost
            "after_first_p50_ms": ms(median([t - f for t, f in zip(totals, ttfts, strict=True)])),
        }
    # another serving stack (Ray, vLLM, llama.cpp) seen at the start or end: figures disturbed
    result["disturbed"] = sorted(set(others + foreign_stacks(own)))[:5]
    return result


async def run_llmops(variant: str, backend_url: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    models = {"models": [{"name": MODEL, "backend": "openai", "base_url": backend_url}]}
    stack, key = start_llmops(variant, models, args.llmops_port, workdir, args.start_timeout)
    try:
        out = await measure(f"{stack.url}/v1", {"Authorization": f"Bearer {key}"}, args, stack.sessions)
        out["variant"] = LLMOPS_VARIANTS[variant]
        listeners = listening(stack.sessions)
        out["listeners"] = {"count": len(listeners), "off_loopback": off_loopback(listeners)}
        return out
    finally:
        stack.stop()


async def run_litellm(backend_url: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    venv = bench_venv(args.bench_venv)
    exe = venv / "bin" / "litellm"
    if not exe.exists():
        raise RuntimeError(f"{exe} not found: install the peers (bash loadtests/install_peers.sh, BENCH_VENV={venv})")
    config = workdir / "litellm.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "model_list": [
                    {
                        "model_name": MODEL,
                        "litellm_params": {"model": f"openai/{MODEL}", "api_base": backend_url, "api_key": "unused"},
                    }
                ],
                "general_settings": {"master_key": LITELLM_KEY},
                "litellm_settings": {"drop_params": True, "set_verbose": False},
            }
        )
    )
    server = ServerProcess(
        "litellm",
        [exe, "--config", config, "--host", LOOPBACK, "--port", args.litellm_port, "--num_workers", "1"],
        args.litellm_port,
        # offline: the model cost map ships with the package; no telemetry
        env={
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LITELLM_LOG": "ERROR",
            "LITELLM_TELEMETRY": "False",
            "DISABLE_SCHEMA_UPDATE": "True",
        },
        log_path=workdir / "litellm.log",
    )
    try:
        server.start()
        started = time.perf_counter()
        await wait_http(f"http://{LOOPBACK}:{args.litellm_port}/health/liveliness", args.start_timeout, server)
        log(f"[litellm] up after {time.perf_counter() - started:.0f}s")
        return await measure(
            f"http://{LOOPBACK}:{args.litellm_port}/v1",
            {"Authorization": f"Bearer {LITELLM_KEY}"},
            args,
            server.sessions,
        )
    finally:
        server.stop(grace_s=15)


def added(system: dict[str, Any], direct: dict[str, Any], chunks: int) -> dict[str, Any]:
    lat, dlat = system["latency"], direct["latency"]
    return {
        "added_p50_ms": round(lat["p50_ms"] - dlat["p50_ms"], 2),
        "added_p99_ms": round(lat["p99_ms"] - dlat["p99_ms"], 2),
        "rps_vs_direct": ratio(system["throughput"]["rps"], direct["throughput"]["rps"]),
        # (stream total - direct stream total) / chunks: includes the request's fixed overhead
        "added_ms_per_chunk": round((system["stream"]["total_p50_ms"] - direct["stream"]["total_p50_ms"]) / chunks, 3),
        # the same after the first chunk: the marginal cost of one more streamed chunk
        "added_ms_per_chunk_after_first": round(
            (system["stream"]["after_first_p50_ms"] - direct["stream"]["after_first_p50_ms"]) / max(chunks - 1, 1), 3
        ),
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = set(systems) - set(ALL_SYSTEMS)
    if unknown:
        raise SystemExit(f"unknown systems {sorted(unknown)}; choose from {ALL_SYSTEMS}")
    if args.wait_quiet > 0:
        wait_quiet(args.wait_quiet)
    workdir = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    log(f"logs and configs in {workdir}")
    backend = ServerProcess(
        "fake-backend",
        [
            sys.executable,
            "-m",
            "loadtests.fake_openai_backend",
            "--port",
            args.backend_port,
            "--stream-chunks",
            args.stream_chunks,
        ],
        args.backend_port,
        log_path=workdir / "fake-backend.log",
    )
    backend_url = f"http://{LOOPBACK}:{args.backend_port}/v1"
    results: dict[str, Any] = {}
    failures: dict[str, str] = {}
    try:
        backend.start()
        await wait_http(f"{backend_url}/models", 30, backend)
        log("[direct] measuring")
        results["direct"] = await measure(backend_url, {}, args, set())
        for name in systems:
            if name == "direct":
                continue
            log(f"[{name}] measuring")
            try:
                if args.wait_quiet > 0:
                    wait_quiet(args.wait_quiet)
                if name in LLMOPS_VARIANTS:
                    results[name] = await run_llmops(name, backend_url, args, workdir)
                elif name == "litellm":
                    results[name] = await run_litellm(backend_url, args, workdir)
            except Exception as exc:  # noqa: BLE001 - report it and go on with the other systems
                failures[name] = f"{type(exc).__name__}: {str(exc)[-1500:]}"
                log(f"[{name}] FAILED: {failures[name]}")
        if len(results) > 1:
            log("[direct] measuring again (drift check)")
            results["direct_end"] = await measure(backend_url, {}, args, set())
    finally:
        backend.stop(grace_s=5)

    direct = results["direct"]
    summary = {
        name: added(r, direct, args.stream_chunks)
        for name, r in results.items()
        if name not in ("direct", "direct_end")
    }
    ratios: dict[str, Any] = {}
    for variant in LLMOPS_VARIANTS:
        if variant in results and "litellm" in results:
            ratios[f"{variant}/litellm rps"] = ratio(
                results[variant]["throughput"]["rps"], results["litellm"]["throughput"]["rps"]
            )
            ratios[f"{variant}/litellm added p50"] = ratio(
                summary[variant]["added_p50_ms"], summary["litellm"]["added_p50_ms"]
            )
    return {
        "bench": "gateway",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "command": " ".join(["python -m loadtests.bench_gateway", *sys.argv[1:]]),
        "params": {
            k: getattr(args, k)
            for k in ("requests", "concurrency", "throughput_requests", "streams", "stream_chunks", "warmup")
        },
        "summary": summary,
        "ratios": ratios,
        "results": results,
        "failures": failures,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    p.add_argument(
        "--systems", default=",".join(ALL_SYSTEMS), help=f"comma-separated, from {ALL_SYSTEMS} (direct always runs)"
    )
    p.add_argument("--requests", type=int, default=300, help="sequential 1-token requests for the latency figures")
    p.add_argument("--concurrency", type=int, default=16, help="clients for the throughput figure")
    p.add_argument("--throughput-requests", type=int, default=1500, help="requests in the throughput phase")
    p.add_argument("--streams", type=int, default=30, help="sequential streams for the per-chunk figure")
    p.add_argument("--stream-chunks", type=int, default=64, help="chunks per stream")
    p.add_argument("--warmup", type=int, default=30, help="warm-up requests before each system's measurements")
    p.add_argument(
        "--phase-timeout", type=float, default=60.0, help="seconds at most per phase (latency, throughput, stream)"
    )
    p.add_argument("--start-timeout", type=float, default=240.0, help="seconds a server may take to come up")
    p.add_argument("--backend-port", type=int, default=9101)
    p.add_argument("--llmops-port", type=int, default=9120, help="first port of the llmops variants (8 ports each)")
    p.add_argument("--litellm-port", type=int, default=9103)
    p.add_argument("--bench-venv", default=None, help="venv with the peers [default: $BENCH_VENV or .venv-bench]")
    p.add_argument(
        "--wait-quiet",
        type=float,
        default=1200.0,
        help="seconds to wait for other serving stacks (Ray, vLLM, llama.cpp) to end first (0: don't)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=REPO / "loadtests" / "results" / "gateway.jsonl",
        help="JSON lines file the result is appended to",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    log_servers()
    result = asyncio.run(main_async(args))
    emit(result, args.out)


if __name__ == "__main__":
    main()
