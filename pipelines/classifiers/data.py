"""Readers for the two training sets, the in-repo held-out sets, and a deterministic split.

Two evaluations: the dev split (a stratified random part of the training file, seed 0, that the
model never fits on; the blocking threshold is chosen there), and the held-out sets in
``heldout/`` (hand-written, from no source of the training files; see heldout/README.md), which
only measure and never choose anything.
"""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Split:
    train_texts: list[str]
    train_labels: list[int]
    test_texts: list[str]
    test_labels: list[int]
    test_groups: list[str]  # the source of each dev row (for the per-source figures)
    train_groups: list[str] | None = None  # the source of each training row


def read_injection(path: Path) -> list[tuple[str, int, str]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                obj = json.loads(line)
                rows.append((obj["text"], int(obj["label"]), obj.get("source", "")))
    return rows


# the project's own injection training rows, written by hand (written/README.md): one source per
# attack family or kind of benign text, none of them the held-out set's
WRITTEN_INJECTION = Path(__file__).parent / "written" / "injection_train.jsonl"
# session 19: attacks inside data and in other languages, with benign twins; a benchmark source
# (loadtests.bench_injection_sources --with written-data-languages), not trained on (written/README.md)
WRITTEN_DATA_LANGUAGES = Path(__file__).parent / "written" / "injection_data_and_languages.jsonl"
# session 20: attacks on a medical RAG assistant and attacks in eight major languages, with benign twins
# (written/README.md)
WRITTEN_MEDICAL_LANGUAGES = Path(__file__).parent / "written" / "injection_medical_languages.jsonl"
# session 21: benign requests of the kinds round 5's model over-blocked (short requests with an address,
# e-mail chores, harmless personas, other languages, talk about attacks, pasted data); a benchmark source
# (loadtests.bench_injection_sources --with written-benign-requests), not trained on (written/README.md)
WRITTEN_BENIGN_REQUESTS = Path(__file__).parent / "written" / "injection_benign_requests.jsonl"
# session 22: attacks that send data to an e-mail address or URL, and benign requests with the same verbs and
# addresses (written/README.md); with session 21's benign rows that carry an address, a benchmark source
# (loadtests.bench_injection_sources --with written-address-twins)
WRITTEN_ADDRESS_TWINS = Path(__file__).parent / "written" / "injection_address_twins.jsonl"


def read_toxicity(path: Path) -> list[tuple[str, int, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [(row["text"], int(row["class"]), "") for row in csv.DictReader(f)]


def read_heldout(path: Path) -> list[tuple[str, int, str]]:
    """A held-out JSONL file: ``{"text", "label", "source"}`` per line (same shape as the
    injection training file; toxicity labels are class indices)."""
    return read_injection(path)


def stratified_split(rows: list[tuple[str, int, str]], test_fraction: float, seed: int = 0) -> Split:
    """Stratify by (group, label); one RNG for the whole run so the split is reproducible."""
    groups: dict[tuple[str, int], list[tuple[str, int, str]]] = defaultdict(list)
    for row in rows:
        groups[(row[2], row[1])].append(row)
    rng = random.Random(seed)
    train, test = [], []
    for key in sorted(groups):
        items = groups[key]
        rng.shuffle(items)
        n_test = round(test_fraction * len(items))
        test += items[:n_test]
        train += items[n_test:]
    return Split(
        [r[0] for r in train],
        [r[1] for r in train],
        [r[0] for r in test],
        [r[1] for r in test],
        [r[2] for r in test],
        [r[2] for r in train],
    )
