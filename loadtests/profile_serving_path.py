"""Where the serving path's CPU goes, llmops (guards off) against vLLM's own OpenAI server.

Both systems are started as ``bench_engine --interleave`` starts them (same model folder, dtype,
context length, KV cache). Then, one system at a time, ``bench_engine``'s level runs at each
``--concurrency`` while ``py-spy`` samples chosen processes of that system (``--nonblocking``, so
the sampled processes are never paused): by default vLLM's engine core (``VLLM::EngineCore``, in
both systems) and the process that feeds it (llmops's engine replica, vLLM's API server) and
llmops's gateway replica. Reported per system and level: tokens/s, CPU seconds per 1,000 output
tokens by process role (``/proc``, as ``bench_engine`` counts them); per sampled process its CPU
seconds per 1,000 tokens by thread name (``/proc/PID/task``: a Ray replica's asyncio loop, gRPC's
and Ray's core worker's C++ threads are told apart there, which Python-level sampling cannot see),
and the functions that held the most samples, as "self" (the innermost frame) and "total"
(anywhere on the stack) shares of the samples taken. The replicas are sampled with ``py-spy
--gil`` (only stacks holding the GIL: a Ray worker's main thread and its C++-driven event loop
otherwise read as always busy); the engine core without it (its busy waits release the GIL).
With ``--perf``, ``perf record`` also samples each chosen process (all its threads, native code)
and the shares by shared object and symbol are reported; with ``--native``, the replicas are
sampled with ``py-spy --native`` instead (Cython and C++ frames too; it pauses the process for
each sample, so their figures are slowed a little). With ``--idle-seconds N``, once every system
is up and warmed, all of them are first measured at rest together for N seconds: CPU ms per second
by process role and, per process, by thread name, and the cores each process (and each thread of
vLLM's processes) may run on (``at_rest`` in the result).

    python -m loadtests.profile_serving_path [--concurrency 1,32] [--seconds 10] [--perf] [--idle-seconds 30]

Last stdout line: one JSON object (also appended to ``--out``). Needs ``py-spy`` in the venv and
permission to trace the stack's processes (root, or ``ptrace_scope`` 0). Talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
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
    "llmops-guards-off": ("VLLM::EngineCore", "VLLM::Worker", "llmops:EngineServer", "llmops:gateway"),
    "vllm": ("VLLM::EngineCore", "VLLM::Worker", "python -m"),
}


def role_pids(sessions: set[int], prefixes: tuple[str, ...]) -> dict[str, int]:
    """The first live process of ``sessions`` (lowest pid) whose role starts with each prefix."""
    found: dict[str, int] = {}
    for proc in session_processes(sessions):
        for prefix in prefixes:
            if proc.role.startswith(prefix):
                found.setdefault(prefix, proc.pid)
    return found


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds so far of each thread of ``pid``, summed by thread name (``comm``)."""
    tick = os.sysconf("SC_CLK_TCK")
    names: dict[str, float] = {}
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return names
    for task in tasks:
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        names[name] = names.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return names


def per_1k(before: dict[str, float], after: dict[str, float], tokens: int, floor: float = 0.005) -> dict[str, float]:
    """CPU seconds per 1,000 tokens between two readings, by name, largest first (tiny ones left out)."""
    spent = {name: 1000 * (after[name] - before.get(name, 0.0)) / tokens for name in after}
    return {name: round(v, 3) for name, v in sorted(spent.items(), key=lambda item: -item[1]) if v >= floor}


def perf_shares(data: Path, n: int) -> dict[str, Any]:
    """From a ``perf record`` file: the ``n`` largest shares of samples by shared object, and by
    shared object and symbol."""
    out: dict[str, Any] = {}
    for key, sort in (("dso", "dso"), ("symbol", "dso,sym")):
        report = subprocess.run(
            ["perf", "report", "-i", str(data), "--stdio", "--no-children", "--sort", sort, "--percent-limit", "0.5"],
            check=False,
            capture_output=True,
            text=True,
        ).stdout
        rows = []
        for line in report.splitlines():
            parts = line.split(None, 1)
            if len(parts) == 2 and parts[0].endswith("%") and not line.startswith("#"):
                rows.append((" ".join(parts[1].split()), round(float(parts[0][:-1]) / 100, 3)))
        out[key] = dict(rows[:n])
    return out


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


def cpus_allowed(pid: int) -> str:
    """The cores process (or thread) ``pid`` may run on, as ``/proc`` lists them ("0-1", "0")."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "?"
    lines = [line for line in status.splitlines() if line.startswith("Cpus_allowed_list")]
    return lines[0].split(":", 1)[1].strip() if lines else "?"


def thread_cores(pid: int) -> dict[str, str]:
    """Per thread of ``pid`` (``name [tid]``): the cores it may run on."""
    try:
        tasks = sorted(Path(f"/proc/{pid}/task").iterdir(), key=lambda t: int(t.name))
    except OSError:
        return {}
    out = {}
    for task in tasks:
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        out[f"{stat[stat.index('(') + 1 : stat.rindex(')')]} [{task.name}]"] = cpus_allowed(int(task.name))
    return out


def ms_per_s(before: dict[str, float], after: dict[str, float], seconds: float, floor: float = 0.5) -> dict[str, float]:
    """CPU milliseconds per second of wall time between two readings, by name, largest first
    (those under ``floor`` left out)."""
    spent = {name: 1000 * (after[name] - before.get(name, 0.0)) / seconds for name in after}
    return {name: round(v, 1) for name, v in sorted(spent.items(), key=lambda item: -item[1]) if v >= floor}


async def idle_cpu(running: dict[str, Running], seconds: float) -> dict[str, Any]:
    """Every started system at rest, all at once: CPU ms per second by process role and, for each
    process, by thread name (what each system costs the machine while another one is measured)."""
    roles_before = {name: cpu_by_role(r.sessions) for name, r in running.items()}
    procs = {name: session_processes(r.sessions) for name, r in running.items()}
    threads_before = {name: {p.pid: thread_cpu(p.pid) for p in ps} for name, ps in procs.items()}
    await asyncio.sleep(seconds)
    out: dict[str, Any] = {}
    for name, r in running.items():
        by_role = ms_per_s(roles_before[name], cpu_by_role(r.sessions), seconds)
        threads = {}
        for proc in procs[name]:
            spent = ms_per_s(threads_before[name][proc.pid], thread_cpu(proc.pid), seconds)
            if spent:
                threads[f"{proc.role} [{proc.pid}]"] = spent
        out[name] = {
            "seconds": seconds,
            "cpu_ms_per_s": by_role,
            "cpu_ms_per_s_total": round(sum(by_role.values()), 1),
            "threads_cpu_ms_per_s": threads,
            "cores": {f"{p.role} [{p.pid}]": cpus_allowed(p.pid) for p in procs[name]},
            "engine_thread_cores": {
                f"{p.role} [{p.pid}]": thread_cores(p.pid) for p in procs[name] if p.role.startswith("VLLM::")
            },
        }
        log(f"[{name}] at rest: CPU ms per s {by_role}")
    return out


async def profile_level(r: Running, c: int, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    pids = role_pids(r.sessions, SAMPLED[r.name])
    before = cpu_by_role(r.sessions)
    level = asyncio.create_task(bench_engine.run_level(r.sessions, r.base, r.headers, r.name, c, args))
    await asyncio.sleep(args.delay)
    threads_before = {role: thread_cpu(pid) for role, pid in pids.items()}
    spies, perfs = {}, {}
    for role, pid in pids.items():
        out = workdir / f"{r.name}-c{c}-{pid}.txt"
        cmd = [args.py_spy, "record", "--pid", str(pid), "--duration", str(args.seconds), "--rate", str(args.rate)]
        cmd += ["--format", "raw", "--output", str(out)]
        if args.native and not role.startswith("VLLM::"):
            cmd.append("--native")  # pauses the process for each sample: native unwinding needs it
        else:
            cmd.append("--nonblocking")
            if not role.startswith("VLLM::"):
                cmd.append("--gil")
        spies[role] = (out, subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        if args.perf:
            data = workdir / f"{r.name}-c{c}-{pid}.perf"
            perf = ["perf", "record", "-F", str(args.rate), "-p", str(pid), "-o", str(data)]
            perf += ["--", "sleep", str(args.seconds)]
            perfs[role] = (data, subprocess.Popen(perf, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    turn = await level
    cpu = cpu_spent(before, cpu_by_role(r.sessions))
    tokens = turn["tokens"] or 1
    threads = {role: per_1k(threads_before[role], thread_cpu(pid), tokens) for role, pid in pids.items()}
    profiles = {}
    for role, (out, proc) in spies.items():
        await asyncio.to_thread(proc.wait)
        profiles[role] = top_functions(out, args.top) if out.exists() else {"error": f"py-spy exit {proc.returncode}"}
        profiles[role]["threads_cpu_s_per_1k_tokens"] = threads[role]
    for role, (data, proc) in perfs.items():
        await asyncio.to_thread(proc.wait)
        found = data.exists()
        profiles[role]["perf"] = perf_shares(data, args.top) if found else {"error": f"perf exit {proc.returncode}"}
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
    at_rest: dict[str, Any] = {}
    started = dt.datetime.now(dt.UTC)
    try:
        for name in args.systems:
            running[name] = await bench_engine.start_system(name, args, workdir)
            await bench_engine.warm_up(name, running[name].base, running[name].headers, args)
        if args.idle_seconds > 0:
            await asyncio.sleep(args.settle)  # the last start's and warm-up's after-work
            at_rest = await idle_cpu(running, args.idle_seconds)
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
        **({"at_rest": at_rest} if at_rest else {}),
        "env": {k: v for k, v in sorted(os.environ.items()) if k.startswith(("RAY_", "LLMOPS_", "VLLM_"))},
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bench_engine.add_level_args(p, requests_per_client=1, min_requests=6)
    p.set_defaults(concurrency=[1, 32])
    p.add_argument("--seconds", type=int, default=10, help="py-spy's sampling time per process and level")
    p.add_argument("--delay", type=float, default=2.0, help="seconds into a level before sampling starts")
    p.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    p.add_argument("--top", type=int, default=12, help="functions listed per process")
    p.add_argument(
        "--systems",
        type=lambda text: [name for name in text.split(",") if name],
        default=list(SAMPLED),
        help=f"comma-separated, from {list(SAMPLED)}",
    )
    p.add_argument(
        "--idle-seconds",
        type=float,
        default=0.0,
        help="before the levels: every system's CPU at rest by process and thread over this long (0: skip)",
    )
    p.add_argument("--settle", type=float, default=10.0, help="seconds after the warm-up before --idle-seconds")
    p.add_argument("--perf", action="store_true", help="also sample each chosen process with perf (native code)")
    p.add_argument(
        "--native",
        action="store_true",
        help="sample the replicas with py-spy --native (Cython and C++ frames: gRPC, Ray's core worker, uvloop),"
        " which pauses them for each sample",
    )
    p.add_argument("--py-spy", default=shutil.which("py-spy") or str(REPO / ".venv" / "bin" / "py-spy"))
    p.add_argument("--out", type=Path, default=REPO / "loadtests" / "records" / "profile_serving_path.jsonl")
    args = p.parse_args(argv)
    if unknown := set(args.systems) - set(SAMPLED):
        p.error(f"unknown systems {sorted(unknown)}; choose from {list(SAMPLED)}")
    for name, value in vars(bench_engine.parse_args([])).items():  # how the systems start: bench_engine's defaults
        if not hasattr(args, name):
            setattr(args, name, value)
    emit(asyncio.run(main_async(args)), args.out)


if __name__ == "__main__":
    main()
