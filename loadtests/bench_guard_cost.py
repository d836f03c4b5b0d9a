"""What the safety guards cost the engine path, guards on and off on the same stack in one run.

One ``llmops serve`` as shipped (vLLM engine, safety on, the shipped policy) and two API keys:
``bench`` under the shipped policy, and ``bench-unguarded`` whose key policy turns every detector
off in both directions (a direction with no detector on is not scanned at all, so that key's
requests take the serving path without the guards); both keys have the same limits, which no run
reaches (so both pay the quota stage). With ``--timings`` the gateway's per-request timing log
(``LLMOPS_GATEWAY_TIMINGS_PATH``, ``services/gateway/timings.py``) is on and each turn carries
its summary: where the requests' time went between arrival, engine call, first engine token,
first token sent and the end, and the safety checks per request. At each concurrency level the two keys take
turns, guarded / unguarded / unguarded / guarded (``--rounds 2``), so that a change of load on this
shared machine during the run falls on both alike, after ``--warmup-turns`` uncounted turns (the
engine's first batches at a new size are slower, which would fall on the first key); each turn is
``bench_engine``'s level (streamed chat, ``--max-tokens`` per answer, EOS ignored). Per level and
key: output tokens/s (``bench_engine.combine``: all turns' tokens over their seconds, the mean of
the turns' TTFT p50s), the stack's CPU seconds per 1,000 output tokens by process (gateway replica,
safety replica, engine, ...), and the ratios the safety targets are stated in (guarded tokens/s over
unguarded, TTFT added at p50).

    python -m loadtests.bench_guard_cost [--concurrency 1,8,32] [--rounds 2] [--timings]

Last stdout line: one JSON object, appended to ``loadtests/records/bench_guard_cost.jsonl``.
Talks to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
import yaml

from loadtests import bench_engine
from loadtests._common import (
    BENCH_KEY_LIMITS,
    client_session,
    cpu_by_role,
    cpu_spent,
    emit,
    log,
    log_servers,
    machine,
    pct,
    ratio,
    start_llmops,
    stream,
)
from services.cli.local_stack import REPO
from services.gateway.keys import KeyStore

ARMS = ("guarded", "unguarded")
UNGUARDED = "bench-unguarded"  # the key whose policy turns every detector off
OFF = {"directions": []}


def policy_file(workdir: Path) -> Path:
    """The shipped policy, plus a key override that turns every detector off."""
    policy = yaml.safe_load((REPO / "config" / "safety.yaml").read_text())
    policy["keys"] = {UNGUARDED: {"pii": OFF, "injection": OFF, "toxicity": OFF}}
    path = workdir / "safety.yaml"
    path.write_text(yaml.safe_dump(policy))
    return path


def llmops_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The ``LLMOPS_*`` settings of this process, which the stack inherits, for the record (names
    that may hold a secret left out)."""
    secret = ("KEY", "PEPPER", "SECRET", "TOKEN", "PASSWORD")
    return {k: v for k, v in sorted(environ.items()) if k.startswith("LLMOPS_") and not any(w in k for w in secret)}


def unguarded_key(db: Path) -> str:
    """The second key, with the same limits as the guarded one (``BENCH_KEY_LIMITS``): a key
    without limits skips the quota stage's admission and charge, a cost the guarded key alone
    would pay (runs before 2026-11-30 19:30 UTC had that bias)."""
    return KeyStore(db).create(UNGUARDED, **BENCH_KEY_LIMITS)[0]


def timing_summary(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """A turn's gateway timing lines (``services/gateway/timings.py``) in a few numbers: how the
    requests' arrivals and engine calls spread (ms after the turn's first arrival: p50 / max),
    each mark's p50 (ms after the request's arrival), and the safety checks per request."""
    if not lines:
        return {}
    first = min(line["at"] for line in lines)

    def after_first(mark: str) -> list[float]:
        return [1000 * (line["at"] - first) + line["ms"][mark] for line in lines if mark in line["ms"]]

    def p50_max(values: list[float]) -> list[float] | None:
        return [round(pct(values, 50), 1), round(max(values), 1)] if values else None

    marks = sorted(
        {m for line in lines for m in line["ms"]}, key=lambda m: pct([li["ms"].get(m, 0) for li in lines], 50)
    )
    scans = {
        d: [round(sum(line["scans"].get(d, [0, 0, 0])[i] for line in lines) / len(lines), 2) for i in range(3)]
        for d in sorted({d for line in lines for d in line["scans"]})
    }
    return {
        "requests": len(lines),
        "arrival_ms_p50_max": p50_max([1000 * (line["at"] - first) for line in lines]),
        "engine_call_ms_p50_max": p50_max(after_first("engine_call")),
        "first_engine_token_ms_p50_max": p50_max(after_first("first_engine_token")),
        "first_token_out_ms_p50_max": p50_max(after_first("first_token_out")),
        "done_ms_p50_max": p50_max(after_first("done")),
        "mark_ms_p50": {m: round(pct([li["ms"][m] for li in lines if m in li["ms"]], 50), 2) for m in marks},
        # per request: [checks, wall ms, CPU ms of the waiting thread] per direction
        "scans_per_request": scans,
    }


def read_new(path: Path, offset: int) -> tuple[list[dict[str, Any]], int]:
    """The JSON lines appended to ``path`` since ``offset``, and the new offset."""
    if not path.exists():
        return [], offset
    with path.open("rb") as f:
        f.seek(offset)
        data = f.read()
    return [orjson.loads(line) for line in data.splitlines() if line.strip()], offset + len(data)


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    log_servers()
    workdir = Path(tempfile.mkdtemp(prefix="bench-guard-cost-"))
    spec = {
        "name": bench_engine.MODEL,
        "source": str(args.model_dir),
        "task": "generate",
        "max_model_len": 2048,
        "dtype": "float32",
    }
    env = {"LLMOPS_SAFETY_POLICY_FILE": str(policy_file(workdir)), "LLMOPS_CPU_KV_CACHE_GIB": "1"}
    timings, offset = workdir / "gateway-timings.jsonl", 0
    if args.timings:
        env["LLMOPS_GATEWAY_TIMINGS_PATH"] = str(timings)
    stack, key = start_llmops("llmops", {"models": [spec]}, args.llmops_port, workdir, args.start_timeout, env)
    try:
        unguarded = unguarded_key(workdir / "llmops-keys.db")
        headers = {"guarded": {"Authorization": f"Bearer {key}"}, "unguarded": {"Authorization": f"Bearer {unguarded}"}}
        base = f"{stack.url}/v1"
        async with client_session(2) as session:  # warm-up: both keys' first-request paths
            for arm in ARMS:
                for i in range(args.warmup):
                    body = bench_engine.request_body(i, arm, 16)
                    r = await stream(
                        session, base + "/chat/completions", body, {**headers[arm], "Content-Type": "application/json"}
                    )
                    if not r.ok:
                        raise RuntimeError(f"warm-up request failed ({arm}): {r.status} {r.error}")
        levels = []
        for c in args.concurrency:
            turns: dict[str, list[dict[str, Any]]] = {arm: [] for arm in ARMS}
            offset = read_new(timings, offset)[1] if args.timings else offset  # the warm-up requests' lines
            for _ in range(args.warmup_turns):  # the engine's first batches at a new size are slower
                turn = await bench_engine.run_level(stack.sessions, base, headers["unguarded"], "warm-up", c, args)
                log(f"[warm-up] c={c}: {turn['tok_s']} tok/s (not counted)")
                offset = read_new(timings, offset)[1] if args.timings else offset
            for arm in bench_engine.turn_order(list(ARMS), args.rounds):
                before = cpu_by_role(stack.sessions)
                turn = await bench_engine.run_level(stack.sessions, base, headers[arm], arm, c, args)
                turn["cpu_s"] = cpu_spent(before, cpu_by_role(stack.sessions))
                if args.timings:
                    lines, offset = read_new(timings, offset)
                    turn["gateway_timings"] = timing_summary(lines)
                    log(f"[{arm}] c={c}: gateway timings {turn['gateway_timings']}")
                log(f"[{arm}] c={c}: {turn['tok_s']} tok/s, TTFT p50 {turn['ttft_p50_ms']} ms, {turn['errors']} errors")
                log(f"[{arm}] c={c}: CPU s by process {turn['cpu_s']}")
                turns[arm].append(turn)
            on, off = (bench_engine.combine(turns[arm]) for arm in ARMS)
            levels.append(
                {
                    "concurrency": c,
                    "guarded": on,
                    "unguarded": off,
                    "tok_s_ratio": ratio(on["tok_s"], off["tok_s"]),
                    "ttft_p50_added_ms": round(on["ttft_p50_ms"] - off["ttft_p50_ms"], 1),  # nan: a key got no answer
                }
            )
    finally:
        stack.stop()
    return {
        "bench": "guard_cost",
        "machine": machine(),
        "command": " ".join(["python -m loadtests.bench_guard_cost", *sys.argv[1:]]),
        "env": llmops_env(os.environ),  # settings the stack inherits (LLMOPS_SAFETY_STREAM_MAX_DELAY_S, ...)
        "params": {k: v for k, v in vars(args).items() if k != "out"} | {"model_dir": str(args.model_dir)},
        "summary": {
            f"c{lv['concurrency']}": {key: lv[key] for key in ("tok_s_ratio", "ttft_p50_added_ms")} for lv in levels
        },
        "targets": {
            "tok_s_ratio_at_least_0.95": all((lv["tok_s_ratio"] or 0) >= 0.95 for lv in levels),
            "ttft_added_c1_at_most_50ms": next(
                (lv["ttft_p50_added_ms"] <= 50 for lv in levels if lv["concurrency"] == 1), None
            ),
        },
        "levels": levels,
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    bench_engine.add_level_args(p, requests_per_client=1, min_requests=6)
    p.add_argument("--rounds", type=int, default=2, help="turns per key and level (ABBA order)")
    p.add_argument("--warmup-turns", type=int, default=1, help="uncounted turns per level before the keys' turns")
    p.add_argument("--model-dir", type=Path, default=REPO / "var" / "models" / bench_engine.MODEL)
    p.add_argument("--llmops-port", type=int, default=9244)
    p.add_argument("--start-timeout", type=float, default=900.0)
    p.add_argument(
        "--timings",
        action="store_true",
        help="turn on the gateway's per-request timing log (LLMOPS_GATEWAY_TIMINGS_PATH) and summarise it per turn",
    )
    p.add_argument("--out", type=Path, default=REPO / "loadtests" / "records" / "bench_guard_cost.jsonl")
    args = p.parse_args(argv)
    args.model_dir = args.model_dir.resolve()
    emit(asyncio.run(main_async(args)), args.out)


if __name__ == "__main__":
    main()
