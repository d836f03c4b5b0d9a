"""The streamed output guard alone, in process: first-token delay, chunks and CPU per stream.

A paced fake engine (``--pace-ms`` per token, 55 ms ~ the embedded model's 18 tok/s at one stream)
streams a ``--tokens``-word clean answer; the guard (``OutputGuard`` as shipped, policy
``config/safety.yaml``, the real ``SafetyService`` run inline as the gateway replica runs it) is
measured against no guard. Figures: first content chunk (median over ``--streams``), content
chunks the client receives, the 95th percentile gap between them (what Locust's ITL measures),
scans and CPU milliseconds per stream. No Ray, no engine: the guard's own
cost, without the noise of a loaded machine's engine.

``--concurrent`` runs the streams at once on one clock (each tick gives every stream its next
token, as an engine's decode step does for the streams in its batch); each system then runs
``--rounds`` such waves. Per scan (p50): wall and CPU milliseconds, the toxicity classifier's and
the PII scan's share (the safety service's own timings), and how many scans ran in one tick of the
clock (they run one after another on the event loop). ``--dense-too`` also measures the guard with
the classifiers on onnxruntime alone (``services/safety/sparse_tfidf.py`` off) in the same run.

    python -m loadtests.bench_stream_guard
    python -m loadtests.bench_stream_guard --pace-ms 10 --streams 20
    python -m loadtests.bench_stream_guard --concurrent --streams 8 --pace-ms 72 --rounds 3 --dense-too

The last line of stdout is one JSON object; it is also appended to ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from loadtests._common import REPO, emit, machine

WORDS = (
    "The capital of France is Paris . It is known for the Eiffel Tower , the Louvre museum and its cafes . You can "
    "reach the city by train from London in about two hours and the metro covers every district of the city ."
).split()


async def engine(tokens: int, pace_s: float, start: float | None = None, offset: int = 0):
    """``tokens`` words, one every ``pace_s``; with ``start`` (the loop's clock) the i-th token is
    due at ``start + (i + 1) * pace_s``, so streams given the same start get theirs in the same tick."""
    loop = asyncio.get_running_loop()
    for i in range(tokens):
        await asyncio.sleep(pace_s if start is None else max(0.0, start + (i + 1) * pace_s - loop.time()))
        word = WORDS[(i + offset) % len(WORDS)]
        yield {
            "id": "b",
            "choices": [{"index": 0, "delta": {"content": (" " if i else "") + word}, "finish_reason": None}],
        }
    yield {"id": "b", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}


async def one(
    guard: Any, tokens: int, pace_s: float, start: float | None = None, offset: int = 0
) -> tuple[float, list[float]]:
    from services.gateway.pipeline import RequestContext

    ctx = RequestContext(request_id="b", route="chat", request=SimpleNamespace(model="m"), payload={"model": "m"})  # type: ignore[arg-type]
    started, first, last, gaps = time.perf_counter(), None, 0.0, []
    source = engine(tokens, pace_s, start, offset)
    async for chunk in guard.on_stream(ctx, source) if guard else source:
        if chunk["choices"][0]["delta"].get("content"):
            now = time.perf_counter()
            if first is None:
                first = now - started
            else:
                gaps.append(now - last)
            last = now
    return first or 0.0, gaps


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from services.gateway.guard import OutputGuard, SafetyGuard
    from services.gateway.local_scan import SplitSafetyClient
    from services.safety.config import SafetySettings
    from services.safety.policy import PolicySet
    from services.safety.service import SafetyService

    settings = SafetySettings()
    service = SafetyService.from_settings(settings)
    scans = [0]
    check = service.check
    loop = asyncio.get_running_loop()
    per_scan: list[tuple[float, ...]] = []  # wall, CPU, toxicity, PII seconds; the tick it ran in

    def counted(*a: Any, **k: Any) -> dict[str, Any]:
        scans[0] += 1
        wall, cpu = time.perf_counter(), time.thread_time()
        verdict = check(*a, **k)
        spent = verdict["timings"]
        per_scan.append(
            (
                time.perf_counter() - wall,
                time.thread_time() - cpu,
                spent.get("toxicity", 0.0),
                spent.get("pii", 0.0),
                (tick_zero[0], round((loop.time() - tick_zero[0]) / (args.pace_ms / 1000))),
            )
        )
        return verdict

    tick_zero = [0.0]

    service.check = counted  # type: ignore[method-assign]
    client = SplitSafetyClient(service, None, "gateway")  # type: ignore[arg-type]
    guard = OutputGuard(
        SafetyGuard(client, PolicySet.from_file(settings.policy_file), timeout_s=settings.timeout_s),
        window_chars=settings.stream_window_chars,
        holdback_chars=settings.stream_holdback_chars,
        max_delay_s=settings.stream_max_delay_s if args.max_delay_s is None else args.max_delay_s,
    )
    classifiers = (service.toxicity, service.injection)
    sparse = [c.sparse for c in classifiers]
    systems = [("off", None, True), ("on", guard, True)]
    if args.dense_too:
        systems.insert(1, ("on_onnxruntime", guard, False))
    out: dict[str, Any] = {}
    pace_s = args.pace_ms / 1000
    for name, g, use_sparse in systems:
        for classifier, scorer in zip(classifiers, sparse, strict=True):
            classifier.sparse = scorer if use_sparse else None
        await one(g, args.tokens, 0.0)  # warm-up
        scans[0], firsts, chunks, gaps, cpu = 0, [], [], [], time.process_time()
        per_scan.clear()
        for _ in range(args.rounds if args.concurrent else args.streams):
            if args.concurrent:
                tick_zero[0] = start = loop.time()
                waves = [one(g, args.tokens, pace_s, start, k) for k in range(args.streams)]
                results = await asyncio.gather(*waves)
            else:
                results = [await one(g, args.tokens, pace_s)]
            for first, stream_gaps in results:
                firsts.append(first)
                chunks.append(len(stream_gaps) + 1)
                gaps.extend(stream_gaps)
        firsts.sort()
        gaps.sort()
        streams = len(firsts)
        out[name] = {
            "first_chunk_p50_ms": round(firsts[len(firsts) // 2] * 1000, 1),
            "chunks": chunks[0],
            "gap_p95_ms": round(gaps[int(0.95 * (len(gaps) - 1))] * 1000, 1) if gaps else None,
            "scans_per_stream": round(scans[0] / streams, 1),
            "cpu_ms_per_stream": round((time.process_time() - cpu) / streams * 1000, 1),
        }
        if per_scan:
            out[name]["scan_ms_p50"] = {
                part: round(statistics.median(s[i] for s in per_scan) * 1000, 3)
                for i, part in enumerate(("wall", "cpu", "toxicity", "pii"))
            }
            if args.concurrent:
                per_tick = sorted(collections.Counter(s[4] for s in per_scan).values())
                out[name]["scans_per_busy_tick_p50_max"] = [per_tick[len(per_tick) // 2], per_tick[-1]]
    for classifier, scorer in zip(classifiers, sparse, strict=True):
        classifier.sparse = scorer
    return {
        "bench": "stream_guard",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "command": " ".join(["python -m loadtests.bench_stream_guard", *sys.argv[1:]]),
        "params": {
            "tokens": args.tokens,
            "pace_ms": args.pace_ms,
            "streams": args.streams,
            "max_delay_s": guard.max_delay_s,
            "concurrent": args.concurrent,
            "rounds": args.rounds if args.concurrent else 1,
        },
        "results": out,
        "added_first_chunk_ms": round(out["on"]["first_chunk_p50_ms"] - out["off"]["first_chunk_p50_ms"], 1),
    } | (
        {
            "cpu_ratio_on_over_onnxruntime": round(
                out["on"]["cpu_ms_per_stream"] / out["on_onnxruntime"]["cpu_ms_per_stream"], 3
            )
        }
        if args.dense_too
        else {}
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tokens", type=int, default=64, help="tokens (words) per answer")
    p.add_argument("--pace-ms", type=float, default=55.0, help="milliseconds between the engine's tokens")
    p.add_argument("--streams", type=int, default=5, help="streams measured per system")
    p.add_argument(
        "--max-delay-s", type=float, default=None, help="the guard's stream_max_delay_s [default: the shipped setting]"
    )
    p.add_argument("--concurrent", action="store_true", help="run the streams at once, on one clock")
    p.add_argument("--rounds", type=int, default=3, help="with --concurrent: waves of --streams streams per system")
    p.add_argument(
        "--dense-too", action="store_true", help="also measure the guard with the classifiers on onnxruntime alone"
    )
    p.add_argument("--out", type=Path, default=REPO / "loadtests" / "results" / "stream_guard.jsonl")
    args = p.parse_args(argv)
    emit(asyncio.run(run(args)), args.out)


if __name__ == "__main__":
    main()
