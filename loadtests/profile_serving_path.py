"""Where the serving path's CPU goes, llmops (guards off) against vLLM's own OpenAI server.

Both systems are started as ``bench_engine --interleave`` starts them (same model folder, dtype,
context length, KV cache). Then, one system at a time, ``bench_engine``'s level runs at each
``--concurrency`` while ``py-spy`` samples chosen processes of that system (``--nonblocking``, so
the sampled processes are never paused): by default vLLM's engine core (``VLLM::EngineCore``, in
both systems) and the process that feeds it (llmops's engine replica, vLLM's API server) and
llmops's gateway replica. Reported per system and level: tokens/s, CPU seconds per 1,000 output
tokens by process role (``/proc``, as ``bench_engine`` counts them), and per sampled process the
functions that held the most samples while on CPU (``py-spy --gil`` is not used: the engine core's
busy waits release the GIL), as "self" (the innermost frame) and "total" (anywhere on the stack)
shares of the samples taken.

    python -m loadtests.profile_serving_path [--concurrency 1,32] [--seconds 10]

Last stdout line: one JSON object (also appended to ``--out``). Needs ``py-spy`` in the venv and
permission to trace the stack's processes (root, or ``ptrace_scope`` 0). Talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from loadtests import bench_engine
from loadtests._common import REPO, cpu_by_role, cpu_spent, emit, log, machine, session_processes
from loadtests.bench_engine import Running

# which processes of a system to sample, by the role ``cpu_by_role`` gives them (a prefix)
SAMPLED = {
    "llmops-guards-off": ("VLLM::EngineCore", "llmops:EngineServer", "llmops:gateway"),
    "vllm": ("VLLM::EngineCore", "python -m"),
}


def role_pids(sessions: set[int], prefixes: tuple[str, ...]) -> dict[str, int]:
    """The first live process of ``sessions`` (lowest pid) whose role starts with each prefix."""
    found: dict[str, int] = {}
    for proc in session_processes(sessions):
        for prefix in prefixes:
            if proc.role.startswith(prefix):
                found.setdefault(prefix, proc.pid)
    return found


def top_functions(raw: Path, n: int) -> dict[str, Any]:
    """From py-spy's raw (collapsed) output: sample count, and the ``n`` functions with the largest
    self and total shares of the samples."""
    own: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    samples = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")]  # one entry per function
        k = int(count)
        samples += k
        own[frames[-1]] += k
        for frame in set(frames):
            anywhere[frame] += k
    share = lambda c: {f: round(v / samples, 3) for f, v in c.most_common(n)} if samples else {}  # noqa: E731
    return {"samples": samples, "self": share(own), "total": share(anywhere)}


async def profile_level(r: Running, c: int, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    pids = role_pids(r.sessions, SAMPLED[r.name])
    before = cpu_by_role(r.sessions)
    level = asyncio.create_task(bench_engine.run_level(r.sessions, r.base, r.headers, r.name, c, args))
    await asyncio.sleep(args.delay)
    spies = {}
    for role, pid in pids.items():
        out = workdir / f"{r.name}-c{c}-{pid}.txt"
        cmd = [args.py_spy, "record", "--pid", str(pid), "--duration", str(args.seconds), "--rate", str(args.rate)]
        cmd += ["--nonblocking", "--format", "raw", "--output", str(out)]
        spies[role] = (out, subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    turn = await level
    cpu = cpu_spent(before, cpu_by_role(r.sessions))
    profiles = {}
    for role, (out, proc) in spies.items():
        await asyncio.to_thread(proc.wait)
        profiles[role] = top_functions(out, args.top) if out.exists() else {"error": f"py-spy exit {proc.returncode}"}
    tokens = turn["tokens"] or 1
    return {
        "concurrency": c,
        "tok_s": turn["tok_s"],
        "ttft_p50_ms": turn["ttft_p50_ms"],
        "seconds": turn["seconds"],
        "cpu_s_per_1k_tokens": {role: round(1000 * s / tokens, 3) for role, s in cpu.items()},
        "profiles": profiles,
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="profile-serving-"))
    log(f"logs and profiles in {workdir}")
    running: dict[str, Running] = {}
    results: dict[str, Any] = {}
    started = dt.datetime.now(dt.UTC)
    try:
        for name in SAMPLED:
            running[name] = await bench_engine.start_system(name, args, workdir)
            await bench_engine.warm_up(name, running[name].base, running[name].headers, args)
        for c in args.concurrency:
            for name, r in running.items():
                results.setdefault(name, []).append(await profile_level(r, c, args, workdir))
                last = results[name][-1]
                log(f"[{name}] c={c}: {last['tok_s']} tok/s; CPU s per 1k tokens {last['cpu_s_per_1k_tokens']}")
    finally:
        for r in running.values():
            r.stop()
    return {
        "bench": "profile_serving_path",
        "date": started.isoformat(timespec="seconds"),
        "ended": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "command": " ".join(["python -m loadtests.profile_serving_path", *sys.argv[1:]]),
        "results": results,
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bench_engine.add_level_args(p, requests_per_client=1, min_requests=6)
    p.set_defaults(concurrency=[1, 32])
    p.add_argument("--seconds", type=int, default=10, help="py-spy's sampling time per process and level")
    p.add_argument("--delay", type=float, default=2.0, help="seconds into a level before sampling starts")
    p.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    p.add_argument("--top", type=int, default=12, help="functions listed per process")
    p.add_argument("--py-spy", default=shutil.which("py-spy") or str(REPO / ".venv" / "bin" / "py-spy"))
    p.add_argument("--out", type=Path, default=REPO / "loadtests" / "records" / "profile_serving_path.jsonl")
    args = p.parse_args(argv)
    for name, value in vars(bench_engine.parse_args([])).items():  # how the systems start: bench_engine's defaults
        if not hasattr(args, name):
            setattr(args, name, value)
    emit(asyncio.run(main_async(args)), args.out)


if __name__ == "__main__":
    main()
