"""What the injection classifier costs per prompt, for two packaged models side by side.

``InjectionClassifier(models_dir).scores([text])`` as the safety service calls it (one text, one
thread), on prompts of ``--chars`` characters cut from a fixed business request, for each models
folder of ``--models`` (e.g. the TF-IDF-only format-10 folder and the TF-IDF + static vectors one),
in alternating blocks so both see the same machine. Pin it to one core (``taskset -c 0``).

    taskset -c 0 python -m loadtests.bench_injection_cost --models OLD_DIR NEW_DIR [--repeats 2000]

The last stdout line is one JSON object (also appended to ``--out``).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from loadtests._common import REPO, emit, machine, pct

REQUEST = (
    "Please summarise the attached quarterly report for the board and list the three main risks, "
    "with one sentence on each, then suggest two questions the finance team should answer next week. "
)


def prompt(chars: int) -> str:
    return (REQUEST * (chars // len(REQUEST) + 1))[:chars]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, nargs="+", required=True, help="models folders (injection.onnx)")
    parser.add_argument("--chars", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--repeats", type=int, default=2000, help="timed calls per folder and length")
    parser.add_argument("--blocks", type=int, default=10, help="alternating blocks the repeats are split into")
    parser.add_argument("--out", type=Path, default=REPO / "loadtests" / "records" / "bench_injection_cost.jsonl")
    args = parser.parse_args(argv)
    missing = [str(m) for m in args.models if not (m / "injection.onnx").exists()]
    if missing:
        parser.error(f"no injection.onnx in {', '.join(missing)} (llmops classifiers train --out DIR)")
    from services.safety.classifiers import InjectionClassifier

    started = time.time()
    load = os.getloadavg()[0]
    classifiers = {str(m): InjectionClassifier(m) for m in args.models}
    timings: dict[str, dict[int, list[float]]] = {k: {c: [] for c in args.chars} for k in classifiers}
    per_block = max(args.repeats // args.blocks, 1)
    for chars in args.chars:
        text = prompt(chars)
        for classifier in classifiers.values():
            classifier.scores([text])  # warm up
        for _ in range(args.blocks):
            for name, classifier in classifiers.items():
                for _ in range(per_block):
                    t0 = time.perf_counter()
                    classifier.scores([text])
                    timings[name][chars].append(time.perf_counter() - t0)
    result = {
        "bench": "injection_cost",
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "machine": machine(),
        "load_average_1min_before": round(load, 2),
        "cpu_affinity": sorted(os.sched_getaffinity(0)),
        "models": {
            name: {
                "static_vectors": classifiers[name].static is not None,
                **{
                    f"{chars}_chars": {
                        "p50_ms": round(pct(values, 50) * 1000, 4),
                        "p99_ms": round(pct(values, 99) * 1000, 4),
                        "runs": len(values),
                    }
                    for chars, values in timings[name].items()
                },
            }
            for name in classifiers
        },
        "seconds": round(time.time() - started, 1),
    }
    emit(result, args.out)


if __name__ == "__main__":
    main()
