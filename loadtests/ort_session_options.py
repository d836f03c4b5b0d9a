"""ONNX Runtime's threading knobs on the int4 build at one stream: session options compared in turns.

The ONNX engine's counterpart of ``llamacpp_mode.py``: each turn loads the build in
``OnnxGenAIEngine`` with one entry of ``SETTINGS`` laid over the decoder's session options
(``intra_op_num_threads``, ONNX Runtime's ``session.intra_op.allow_spinning``, its intra-op thread
affinities, the graph optimisation level), warms it up and measures it as ``bench_quantization``
does (``--requests`` chat requests of ``--tokens`` tokens at each of ``--concurrency``), in turns
whose order reverses every other round. Each turn records tok/s, decode tok/s and TTFT p50 per
level, this process's CPU seconds per generated token (spinning shows there), and the CPU seconds
of other processes (``disturbed`` at a tenth of a core or more); the summary gives medians over
the undisturbed turns.

    flock /tmp/llmops-heavy.lock .venv/bin/python -m loadtests.ort_session_options \\
        --onnx var/s12/shipped --settings ort_default,engine,pinned --rounds 4

Last stdout line: one JSON object, appended to ``loadtests/records/ort_session_options.jsonl``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loadtests._common import RunStamp, emit  # noqa: E402
from loadtests.one_stream import Turn  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# name -> session options laid over genai_config.json's (strings other than the named keys are ORT config entries)
SETTINGS: dict[str, dict[str, str | int]] = {
    # OnnxGenAIEngine's defaults: intra-op threads = the CPUs the process may use (the builder's genai_config.json
    # sets none, and onnxruntime-genai then runs one: record of 2026-12-01 05:15 UTC, its "default")
    "engine": {},
    "ort_default": {"intra_op_num_threads": 0},  # ORT's own default: one thread per core; spinning on
    "no_spin": {"intra_op_num_threads": 0, "session.intra_op.allow_spinning": "0"},
    "threads1": {"intra_op_num_threads": 1},
    "threads2": {"intra_op_num_threads": 2},
    # the intra-op pool's one thread pinned to the second core (ORT numbers logical processors from 1)
    "pinned": {"intra_op_num_threads": 2, "session.intra_op_thread_affinities": "2"},
    "threads2_no_spin": {"intra_op_num_threads": 2, "session.intra_op.allow_spinning": "0"},
    "pinned_no_spin": {
        "intra_op_num_threads": 2,
        "session.intra_op_thread_affinities": "2",
        "session.intra_op.allow_spinning": "0",
    },
    "opt_basic": {"intra_op_num_threads": 0, "graph_optimization_level": "ORT_ENABLE_BASIC"},
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    p.add_argument("--onnx", type=Path, required=True, help="an ONNX build (a folder with genai_config.json)")
    p.add_argument("--settings", default="ort_default,engine", help=f"comma-separated from {', '.join(SETTINGS)}")
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1])
    p.add_argument("--requests", type=int, default=6, help="requests per level (at least 2 per stream)")
    p.add_argument("--tokens", type=int, default=64)
    p.add_argument(
        "--quiet-wait", type=float, default=20.0, help="seconds to wait before a turn for other processes to go quiet"
    )
    p.add_argument("--out", type=Path, default=ROOT / "loadtests/records/ort_session_options.jsonl")
    args = p.parse_args(argv)
    args.settings = [s for s in args.settings.split(",") if s]
    if unknown := sorted(set(args.settings) - set(SETTINGS)):
        p.error(f"unknown settings {unknown}: choose from {', '.join(SETTINGS)}")
    if not (args.onnx / "genai_config.json").is_file():
        p.error(f"--onnx {args.onnx} has no genai_config.json")
    if min(args.rounds, args.requests, args.tokens, *args.concurrency) < 1:
        p.error("--rounds, --requests, --tokens and --concurrency must be at least 1")
    return args


async def one_turn(setting: str, args: argparse.Namespace) -> dict:
    from loadtests.bench_quantization import ENGINE_CONCURRENCY, decode_tok_s, engine_level
    from services.engine.onnx_engine import OnnxGenAIEngine

    engine = OnnxGenAIEngine("bench", args.onnx, max_concurrency=ENGINE_CONCURRENCY, session_options=SETTINGS[setting])
    for _ in range(2):  # warm-up, as bench_quantization's
        async for _chunk in engine.stream("chat", {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 8}):
            pass
    out = {}
    for c in args.concurrency:
        level_args = argparse.Namespace(requests_per_client=2, min_requests=args.requests, tokens=args.tokens)
        cpu_before = time.process_time()
        level = await engine_level(engine, c, level_args)
        out[f"c{c}"] = {
            "tok_s": level["tok_s"],
            "decode_tok_s": decode_tok_s(level),
            "ttft_p50_ms": level["ttft_p50_ms"],
            "cpu_ms_per_token": round((time.process_time() - cpu_before) * 1000 / level["tokens"], 2),
        }
    return out


def summary(turns: list[dict], concurrency: list[int]) -> dict:
    out: dict[str, dict] = {}
    for name in dict.fromkeys(t["setting"] for t in turns):
        own = [t for t in turns if t["setting"] == name]
        quiet = [t for t in own if not t["disturbed"]]
        entry: dict = {"turns": len(own), "undisturbed": len(quiet)}
        for c in concurrency:
            key = f"c{c}"
            entry[f"tok_s_{key}"] = [t[key]["tok_s"] for t in own]
            if quiet:
                for field in ("tok_s", "decode_tok_s", "cpu_ms_per_token"):
                    values = [t[key][field] for t in quiet if t[key][field] is not None]
                    entry[f"undisturbed_{field}_{key}_median"] = round(statistics.median(values), 2) if values else None
        out[name] = entry
    return out


async def main_async(args: argparse.Namespace) -> dict:
    turns = []
    for r in range(args.rounds):
        for name in args.settings if r % 2 == 0 else args.settings[::-1]:
            measured = Turn(args.quiet_wait)
            turn = {"round": r, "setting": name, **await one_turn(name, args)}
            turn.update(measured.fields())
            print(f"[{r}] {name}: {turn}", file=sys.stderr, flush=True)
            turns.append(turn)
    return {"summary": summary(turns, args.concurrency), "turns": turns}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    stamp = RunStamp()
    record = asyncio.run(main_async(args))
    record = {
        "bench": "ort_session_options",
        **record,
        "settings": {name: SETTINGS[name] for name in args.settings},
        "onnx": str(args.onnx),
        "cpus": os.cpu_count(),
        **stamp.fields(),
    }
    emit(record, args.out)


if __name__ == "__main__":
    main()
