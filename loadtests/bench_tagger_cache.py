"""How many words the PII tagger's per-word caches should keep (``services/safety/tagger.py``,
``CACHED_WORDS``): for each size, in a process of its own, the guard's detector (rules and tagger,
``var/classifiers``) reads the texts of the development sets once (the stream that warms it), then
``--set``'s 1,000-character cuts ``--rounds`` times: the caches' hit rates on those cuts. Then as many
made-up words as the largest size (``bench_memory_zone``'s chunk shapes) go through the three caches
until they are full: the Python memory that took (traced allocations) and the process's resident
memory added. Hit rates and sizes are counts, not timings: the run needs no quiet machine.

    .venv/bin/python loadtests/bench_tagger_cache.py [--sizes 50000,16384,8192,4096]

The last stdout line is one JSON object (also appended to ``--out``)."""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtests._common import REPO, RunStamp, emit, log

STREAM = (
    "dev",
    "heldout",
    "heldout2",
    "heldout3",
    "heldout4",
    "heldout6",
    "heldout7",
    "heldout8",
    "heldout9",
    "heldout10",
)


def one_size(size: int, set_name: str, rounds: int, fill_words: int) -> dict[str, object]:
    """The caches at ``size`` words in this process: hit rates on the cuts, memory when full."""
    from loadtests.bench_memory_zone import guard_detector, made_up_chunks, resident_mib
    from loadtests.bench_pii import load, texts_of
    from services.safety import tagger
    from services.safety.policy import DEFAULT_ENTITIES

    tagger.word_features = functools.lru_cache(maxsize=size)(tagger.word_features.__wrapped__)
    tagger._lent_by = functools.lru_cache(maxsize=size)(tagger._lent_by.__wrapped__)
    detector = guard_detector()
    clusters = detector.tagger.clusters
    clusters.lent = functools.lru_cache(maxsize=size)(clusters._lent)
    caches = {"word_features": tagger.word_features, "lent_by": tagger._lent_by, "clusters_lent": clusters.lent}

    for name in STREAM:
        for row in load(name):
            detector.detect(row["text"], DEFAULT_ENTITIES)
    before = {k: c.cache_info() for k, c in caches.items()}
    cuts = texts_of(load(set_name), 1000, 50)
    for _ in range(rounds):
        for text in cuts:
            detector.detect(text, DEFAULT_ENTITIES)
    hit_rates = {}
    for k, c in caches.items():
        info = c.cache_info()
        hits, misses = info.hits - before[k].hits, info.misses - before[k].misses
        hit_rates[k] = round(hits / max(1, hits + misses), 4)
    log(f"{size}: hit rates {hit_rates}")

    tracemalloc.start()
    rss_before, traced_before = resident_mib(), tracemalloc.get_traced_memory()[0]
    for word in made_up_chunks(fill_words, seed=11):
        for cache in caches.values():
            cache(word)
    filled = {
        "traced_mib_added": round((tracemalloc.get_traced_memory()[0] - traced_before) / 2**20, 1),
        "resident_mib_added": round(resident_mib() - rss_before, 1),
        "entries": {k: c.cache_info().currsize for k, c in caches.items()},
    }
    tracemalloc.stop()
    return {"hit_rates_on_cuts": hit_rates, "filled": filled}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="50000,16384,8192,4096", help="comma-separated cache sizes")
    parser.add_argument("--set", default="heldout5", help="development set whose cuts are read after the stream")
    parser.add_argument("--rounds", type=int, default=4, help="reads of the 50 cuts")
    parser.add_argument("--size", type=int, help="one size in this process (used by the run)")
    parser.add_argument("--fill-words", type=int, help="made-up words sent to fill the caches (used by the run)")
    parser.add_argument("--out", type=Path, default=REPO / "loadtests" / "records" / "bench_tagger_cache.jsonl")
    args = parser.parse_args()
    if args.size:
        print(json.dumps(one_size(args.size, args.set, args.rounds, args.fill_words)))
        return
    from services.safety.tagger import CACHED_WORDS

    stamp = RunStamp()
    sizes = [int(s) for s in args.sizes.split(",")]
    by_size = {}
    for size in sizes:
        command = [sys.executable, __file__, "--size", str(size), "--set", args.set, "--rounds", str(args.rounds)]
        command += ["--fill-words", str(max(sizes))]
        run = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
        by_size[str(size)] = json.loads(run.stdout.strip().splitlines()[-1])
    result = {
        "bench": "tagger_cache",
        "shipped_cached_words": CACHED_WORDS,
        "stream": list(STREAM),
        "set": args.set,
        "by_size": by_size,
        **stamp.fields(),
    }
    emit(result, args.out)


if __name__ == "__main__":
    main()
