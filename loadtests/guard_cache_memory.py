"""How much memory the PII detector holds after reading text full of new words
(``services/safety/pii.py``): spaCy's vocabulary keeps every word it meets for good unless the Doc is
made in a memory zone; the detector's caches (spaCy's tokenizer cache, its chunks seen, its keyword
reading per lemma) hold at most ``KEPT_AT_MOST`` entries each. Texts of distinct, made-up chunks
(words with trailing punctuation, capitalised words, numbers, e-mail-like and path-like chunks) go
through ``PiiDetector.detect`` in batches of ``KEPT_AT_MOST`` chunks: the first fills the caches,
the next ones hold only words the process has never seen. The process's resident memory and Python's
traced allocations (spaCy's pools allocate through ``PyMem``) are read after each. Two variants, each in
a process of its own: ``shipped``, and ``no-zone`` (``memory_zone`` made a no-op: the code before
session 20).

    .venv/bin/python loadtests/guard_cache_memory.py

The last stdout line is one JSON object (also appended to ``--out``)."""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import string
import subprocess
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtests._common import REPO, RunStamp, emit, log

VARIANTS = ("shipped", "no-zone")


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

    detector = pii.PiiDetector()
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks-per-text", type=int, default=150)
    parser.add_argument("--batches", type=int, default=3, help="batches of KEPT_AT_MOST new chunks each")
    parser.add_argument("--variant", choices=VARIANTS, help="fill one variant in this process (used by the run)")
    parser.add_argument("--out", type=Path, default=REPO / "loadtests" / "records" / "guard_cache_memory.jsonl")
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(fill(args.variant, args.chunks_per_text, args.batches)))
        return
    from services.safety.pii import KEPT_AT_MOST

    stamp = RunStamp()
    variants = {}
    for variant in VARIANTS:
        command = [sys.executable, __file__, "--variant", variant, "--chunks-per-text", str(args.chunks_per_text)]
        command += ["--batches", str(args.batches)]
        run = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
        variants[variant] = json.loads(run.stdout.strip().splitlines()[-1])
    result = {"bench": "guard_cache_memory", "kept_at_most": KEPT_AT_MOST, "variants": variants, **stamp.fields()}
    emit(result, args.out)


if __name__ == "__main__":
    main()
