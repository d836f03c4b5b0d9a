"""What the PII tagger costs per text: ``tokens_of`` (spaCy's tokens to the tagger's), ``features()``
(with the model's word clusters, if any) and a whole ``PiiTagger.tag`` (features, CRFsuite's Viterbi
and the marginals) on 1,000-character texts cut from ``heldout5`` (``bench_pii``'s ``texts_of``),
tokenized by spaCy once beforehand, ten passes over 50 texts, one process.

    flock /tmp/llmops-heavy.lock taskset -c 0 env PYTHONPATH=$PWD .venv/bin/python \\
        loadtests/bench_pii_tagger_cost.py var/classifiers/pii_tagger.crfsuite

Run it from two checkouts (each with its own model) one after the other, interleaved, to compare
code: the code is the working directory's. The last stdout line is one JSON object (also appended to
``--out``), percentiles as the other benchmarks take them (``loadtests/_common``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, os.getcwd())

from loadtests._common import REPO, RunStamp, emit, machine, ms, pct  # noqa: E402
from loadtests.bench_pii import load, texts_of  # noqa: E402
from pipelines.classifiers.pii_tagger import tokenizer  # noqa: E402
from services.safety.tagger import PiiTagger, features, tokens_of  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path, help="The tagger's model file (pii_tagger.crfsuite).")
    parser.add_argument("--out", type=Path, default=REPO / "loadtests" / "results" / "bench_pii_tagger_cost.jsonl")
    args = parser.parse_args()
    stamp = RunStamp()
    tagger = PiiTagger(args.model)
    tokenize = tokenizer()
    texts = texts_of(load("heldout5"), 1000, 50)
    docs = [tokenize(t) for t in texts]
    tokens = [tokens_of(d) for d in docs]
    clusters = getattr(tagger, "clusters", None)  # None: a model without them (or code before them)
    for t in tokens:
        tagger.tag(t)  # warm the word caches
    split: list[float] = []
    feat: list[float] = []
    total: list[float] = []
    for _ in range(10):
        for d, t in zip(docs, tokens, strict=True):
            a = time.perf_counter()
            tokens_of(d)
            b = time.perf_counter()
            features(t) if clusters is None else features(t, None, clusters)
            c = time.perf_counter()
            tagger.tag(t)
            split.append(b - a)
            feat.append(c - b)
            total.append(time.perf_counter() - c)
    emit(
        {
            "bench": "pii_tagger_cost",
            **stamp.fields(),
            "machine": machine(),
            "code": os.getcwd(),
            "model": str(args.model),
            "texts": len(texts),
            "calls": len(total),
            "tokens_of_p50_ms": ms(pct(split, 50)),
            "features_p50_ms": ms(pct(feat, 50)),
            "tag_p50_ms": ms(pct(total, 50)),
            "tag_p99_ms": ms(pct(total, 99)),
        },
        args.out,
    )


if __name__ == "__main__":
    main()
