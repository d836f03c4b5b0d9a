"""What one classifier score costs: onnxruntime's dense run against the sparse scorer, one text at a
time and in batches (``services/safety/sparse_tfidf.py``).

Texts are the size of a streamed answer's scan (the last 64 characters sent plus the held text,
~80 characters of the stream-guard benchmark's answer). Per classifier and ``--batch`` size: thread
CPU milliseconds (median of ``--repeats`` after warm-up) of one onnxruntime run over the batch, of
one run per text, and of the sparse scorer over the batch (``OnnxTextClassifier.probabilities``);
the megabytes the sparse scorer holds; one text of each ``--chars`` length, both ways (the sparse
scorer's own loop, whatever its ``max_chars`` says); and onnxruntime's profile of a one-text run (median
microseconds per node type).

    python -m loadtests.bench_tfidf_scoring [--batch 1,8,32]

The last line of stdout is one JSON object; it is also appended to ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from loadtests._common import REPO, emit, machine
from loadtests.bench_stream_guard import WORDS


def cpu_ms(run: Any, repeats: int) -> float:
    for _ in range(20):
        run()
    spent = []
    for _ in range(repeats):
        started = time.thread_time()
        run()
        spent.append(time.thread_time() - started)
    return round(statistics.median(spent) * 1000, 4)


def scorer_mb(path: Path) -> float:
    """Megabytes the sparse scorer of ``path`` holds (Python allocations, ``tracemalloc``)."""
    import tracemalloc

    from services.safety.sparse_tfidf import SparseTfidfLinear

    SparseTfidfLinear._read(path)  # imports onnx first: its allocations are not the scorer's
    tracemalloc.start()
    scorer = SparseTfidfLinear._read(path)
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del scorer
    return round(held / 2**20, 1)


def node_profile(path: Path, text: str, runs: int = 300) -> dict[str, float]:
    """Median microseconds per node type of onnxruntime's run over one text (its profiler)."""
    import json

    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.enable_profiling = True
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    for _ in range(runs):
        session.run(["probabilities"], {"text": np.array([[text]], dtype=object)})
    trace = Path(session.end_profiling())
    spans: dict[str, list[int]] = {}
    for event in json.loads(trace.read_text()):
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            spans.setdefault(event["args"]["op_name"], []).append(event["dur"])
        elif event.get("cat") == "Session" and event["name"] == "model_run":
            spans.setdefault("whole run", []).append(event["dur"])
    trace.unlink()
    return {
        op: float(statistics.median(us)) for op, us in sorted(spans.items(), key=lambda kv: -statistics.median(kv[1]))
    }


def main(argv: list[str] | None = None) -> None:
    from services.safety.classifiers import InjectionClassifier, ToxicityClassifier
    from services.safety.config import SafetySettings

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", default="1,8,32", help="batch sizes, comma-separated")
    p.add_argument("--chars", default="100,500,1000,2000,3000", help="text lengths for the one-text cost")
    p.add_argument("--repeats", type=int, default=200)
    p.add_argument("--out", type=Path, default=REPO / "loadtests" / "results" / "tfidf_scoring.jsonl")
    args = p.parse_args(argv)
    sizes = [int(b) for b in args.batch.split(",")]
    lengths = [int(n) for n in args.chars.split(",")]
    texts = [" ".join(WORDS[k : k + 15]) for k in range(max(sizes))]
    models = SafetySettings().models_dir
    results: dict[str, Any] = {}
    for classifier in (ToxicityClassifier(models), InjectionClassifier(models)):
        if classifier.sparse is None:
            raise SystemExit(f"{classifier.path}: the sparse scorer does not serve this graph")
        session = classifier.session

        def dense(batch: list[str], session: Any = session) -> None:
            session.run(["probabilities"], {"text": np.array(batch, dtype=object).reshape(-1, 1)})

        per_size = {}
        for size in sizes:
            batch = texts[:size]
            per_size[str(size)] = {
                "onnxruntime_one_run_cpu_ms": cpu_ms(lambda b=batch: dense(b), args.repeats),
                "onnxruntime_run_per_text_cpu_ms": cpu_ms(lambda b=batch: [dense([t]) for t in b], args.repeats),
                "sparse_cpu_ms": cpu_ms(lambda b=batch, c=classifier: c.probabilities(b), args.repeats),
            }
        long = " ".join(WORDS * (max(lengths) // len(" ".join(WORDS)) + 1))
        by_length = {}
        limit, classifier.sparse.max_chars = classifier.sparse.max_chars, max(lengths)  # past the limit too
        for chars in lengths:
            text = [long[:chars]]
            scorer = classifier.sparse
            by_length[str(chars)] = {
                "onnxruntime_cpu_ms": cpu_ms(lambda t=text: dense(t), args.repeats),
                "sparse_cpu_ms": cpu_ms(lambda t=text[0], s=scorer: s.probabilities(t), args.repeats),
            }
        classifier.sparse.max_chars = limit
        results[classifier.path.stem] = {
            "sparse_scorer_mb": scorer_mb(classifier.path),
            "one_text_by_length": by_length,
            "batches": per_size,
            "onnxruntime_node_us_p50": node_profile(classifier.path, texts[0]),
        }
    emit(
        {
            "bench": "tfidf_scoring",
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "command": " ".join(["python -m loadtests.bench_tfidf_scoring", *sys.argv[1:]]),
            "text_chars_mean": round(sum(map(len, texts)) / len(texts), 1),
            "results": results,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
