"""What reading each text in a spaCy memory zone saves and costs the PII detector
(``services/safety/pii.py``).

Memory: spaCy's vocabulary keeps every word it meets for good unless the Doc is
made in a memory zone; the detector's caches (spaCy's tokenizer cache, its chunks seen, its keyword
reading per lemma) hold at most ``KEPT_AT_MOST`` entries each. Texts of distinct, made-up chunks
(words with trailing punctuation, capitalised words, numbers, e-mail-like and path-like chunks) go
through ``PiiDetector.detect`` in batches of ``KEPT_AT_MOST`` chunks: the first fills the caches,
the next ones hold only words the process has never seen. The process's resident memory and Python's
traced allocations (spaCy's pools allocate through ``PyMem``) are read after each. Two variants, each in
a process of its own: ``shipped``, and ``no-zone`` (``memory_zone`` made a no-op: the code before
session 20). The detector is the guard's: rules and the trained tagger (``var/classifiers``).

Time: in a third process pinned to ``--core``, each of the 50 cuts of 1,000 characters that
``bench_pii`` times (``--set``, a development set) is checked with and without the zone back to back
(the order alternating by round), ``--rounds`` rounds: the median of the paired differences, and
each side's p50.

    .venv/bin/python loadtests/bench_memory_zone.py [--batches 3] [--rounds 16]

The last stdout line is one JSON object (also appended to ``--out``)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import string
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtests._common import REPO, RunStamp, emit, log

VARIANTS = ("shipped", "no-zone")


def guard_detector() -> Any:  # a PiiDetector, imported here: the parent process never loads it
    from services.safety.pii import PiiDetector
    from services.safety.tagger import MODEL_FILE

    return PiiDetector(tagger_path=REPO / "var" / "classifiers" / MODEL_FILE)


def resident_mib() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 2**20


def made_up_chunks(count: int, seed: int) -> list[str]:
    """``count`` distinct chunks of the shapes user text holds."""
    rng = random.Random(seed)
    shapes = (
        lambda w: w,
        lambda w: w.capitalize(),
        lambda w: w + rng.choice(",.:;)!?"),
        lambda w: f"{w}@{rng.choice(string.ascii_lowercase)}{w[:3]}.org",
        lambda w: f"/{w}/{w[::-1]}.log",
        lambda w: f"{rng.randrange(10**3, 10**7)}-{w[:2]}",
    )
    chunks: dict[str, None] = {}
    while len(chunks) < count:
        word = "".join(rng.choices(string.ascii_lowercase, k=rng.randrange(3, 12)))
        chunks[rng.choice(shapes)(word)] = None
    return list(chunks)


def fill(variant: str, chunks_per_text: int, batches: int) -> dict[str, object]:
    """Batches through one detector in this process: what it held and the memory each took."""
    from services.safety import pii
    from services.safety.policy import DEFAULT_ENTITIES

    detector = guard_detector()
    if variant == "no-zone":
        detector.nlp.memory_zone = contextlib.nullcontext  # type: ignore[method-assign]
    detector.detect("Warm up: Dr. Jane Roe, jane@example.org, +1 415 555 0100.", DEFAULT_ENTITIES)
    size = pii.KEPT_AT_MOST
    chunks = made_up_chunks(batches * size, seed=7)
    out: dict[str, object] = {}
    tracemalloc.start()
    for batch in range(1, batches + 1):
        part = chunks[(batch - 1) * size : batch * size]
        texts = [" ".join(part[i : i + chunks_per_text]) for i in range(0, len(part), chunks_per_text)]
        rss_before, traced_before = resident_mib(), tracemalloc.get_traced_memory()[0]
        for i, text in enumerate(texts):
            detector.detect(text, DEFAULT_ENTITIES)
            if i % 100 == 0:
                log(f"{variant}, batch {batch}: {i}/{len(texts)} texts")
        out[f"batch_{batch}"] = {
            "texts": len(texts),
            "resident_mib_added": round(resident_mib() - rss_before, 1),
            "traced_mib_added": round((tracemalloc.get_traced_memory()[0] - traced_before) / 2**20, 1),
            "chunks_seen": len(detector._chunks_seen),
            "keyword_lemmas": len(detector._keyword_parts),
            "vocabulary_strings": len(detector.nlp.vocab.strings),
        }
    tracemalloc.stop()
    return out


def paired_cost(set_name: str, rounds: int, core: int) -> dict[str, object]:
    """Each cut checked with and without the zone back to back; in this process, on one core."""
    from loadtests.bench_pii import load, texts_of
    from services.safety.policy import DEFAULT_ENTITIES

    os.sched_setaffinity(0, {core})
    detector = guard_detector()
    texts = texts_of(load(set_name), 1000, 50)
    zone = detector.nlp.memory_zone
    for text in texts:
        detector.detect(text, DEFAULT_ENTITIES)

    def seconds(text: str, zoned: bool) -> float:
        detector.nlp.memory_zone = zone if zoned else contextlib.nullcontext
        start = time.perf_counter()
        detector.detect(text, DEFAULT_ENTITIES)
        return time.perf_counter() - start

    zoned, bare = [], []
    for k in range(rounds):
        for text in texts:
            if k % 2:
                zoned.append(seconds(text, True))
                bare.append(seconds(text, False))
            else:
                bare.append(seconds(text, False))
                zoned.append(seconds(text, True))
    return {
        "set": set_name,
        "checks_per_side": len(zoned),
        "median_paired_difference_ms": round(
            1e3 * statistics.median(a - b for a, b in zip(zoned, bare, strict=True)), 3
        ),
        "p50_ms_zone": round(1e3 * statistics.median(zoned), 2),
        "p50_ms_no_zone": round(1e3 * statistics.median(bare), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks-per-text", type=int, default=150)
    parser.add_argument("--batches", type=int, default=3, help="batches of KEPT_AT_MOST new chunks each")
    parser.add_argument("--set", default="heldout5", help="development set whose cuts are timed")
    parser.add_argument("--rounds", type=int, default=16, help="paired rounds over the 50 cuts")
    parser.add_argument("--core", type=int, default=0, help="the core the timing process is pinned to")
    parser.add_argument("--variant", choices=(*VARIANTS, "timing"), help="one part in this process (used by the run)")
    parser.add_argument("--out", type=Path, default=REPO / "loadtests" / "records" / "bench_memory_zone.jsonl")
    args = parser.parse_args()
    if args.variant == "timing":
        print(json.dumps(paired_cost(args.set, args.rounds, args.core)))
        return
    if args.variant:
        print(json.dumps(fill(args.variant, args.chunks_per_text, args.batches)))
        return
    from services.safety.pii import KEPT_AT_MOST

    stamp = RunStamp()
    variants = {}
    for variant in (*VARIANTS, "timing"):
        command = [sys.executable, __file__, "--variant", variant, "--chunks-per-text", str(args.chunks_per_text)]
        command += ["--batches", str(args.batches), "--set", args.set, "--rounds", str(args.rounds)]
        command += ["--core", str(args.core)]
        run = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
        variants[variant] = json.loads(run.stdout.strip().splitlines()[-1])
    timing = variants.pop("timing")
    result = {
        "bench": "memory_zone",
        "kept_at_most": KEPT_AT_MOST,
        "memory": variants,
        "time": timing,
        **stamp.fields(),
    }
    emit(result, args.out)


if __name__ == "__main__":
    main()
