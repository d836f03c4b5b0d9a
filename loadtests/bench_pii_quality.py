"""``bench_pii``'s scoring of the detector as shipped (the rules and ``var/classifiers``' PII tagger, the
default policy's thresholds) on several labelled sets in one run: quality only, no timing and no peer,
so it needs no quiet machine. The code scored is the working directory's (run it from two checkouts
to compare code); the tagger is trained on ``TRAIN_SETS`` (``dev`` to ``heldout44``), so its types
(PERSON, ADDRESS, DATE_OF_BIRTH) read optimistic on those sets (``bench_pii_tagger_loso.py`` is their
fair figure); the pattern types are the rules' alone.

    PYTHONPATH=$PWD .venv/bin/python loadtests/bench_pii_quality.py [--sets heldout5,...,heldout11] [--no-tagger]

The last stdout line is one JSON object (also appended to ``--out``): per set, per type, the counts,
precision and recall, and the decoy texts flagged.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, os.getcwd())

from loadtests._common import REPO, RunStamp, emit, machine  # noqa: E402
from loadtests.bench_pii import DETECTORS, load, predict, score  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="heldout5,heldout6,heldout7,heldout8,heldout9", help="Comma-separated sets.")
    parser.add_argument("--cover", type=float, default=0.8, help="Share of a span's characters that must be found.")
    parser.add_argument("--no-tagger", action="store_true", help="The rules alone (no trained PII tagger).")
    parser.add_argument("--out", type=Path, default=REPO / "loadtests" / "results" / "bench_pii_quality.jsonl")
    args = parser.parse_args()
    stamp = RunStamp()

    from services.safety.pii import PiiDetector
    from services.safety.policy import PolicySet
    from services.safety.tagger import MODEL_FILE

    policy = PolicySet.from_file(REPO / "config" / "safety.yaml").resolve(None, None)
    detector = PiiDetector(tagger_path=None if args.no_tagger else REPO / "var" / "classifiers" / MODEL_FILE)
    entities, mapping = DETECTORS["llmops"]
    sets = {}
    for name in args.sets.split(","):
        rows = load(name)
        result = score(rows, predict(detector, rows, entities, mapping, policy.pii.entity_thresholds), args.cover)
        result.pop("errors")
        sets[name] = result
    result = {"bench": "pii_quality", "machine": machine(), "cover": args.cover, "tagger": not args.no_tagger}
    emit({**result, "sets": sets, **stamp.fields()}, args.out)


if __name__ == "__main__":
    main()
