"""Readers for the two training sets and a deterministic stratified held-out split.

The project's own held-out splits are not distributed, so quality is measured on a held-out
part of the training file (stratified, seed 0) that the model never sees while fitting.
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
    test_groups: list[str]  # e.g. the source of each test row (for the per-source figures)


def read_injection(path: Path) -> list[tuple[str, int, str]]:
    rows = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                obj = json.loads(line)
                rows.append((obj["text"], int(obj["label"]), obj.get("source", "")))
    return rows


def read_toxicity(path: Path) -> list[tuple[str, int, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [(row["text"], int(row["class"]), "") for row in csv.DictReader(f)]


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
        [r[0] for r in train], [r[1] for r in train], [r[0] for r in test], [r[1] for r in test], [r[2] for r in test]
    )
