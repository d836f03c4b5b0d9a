"""Reciprocal rank fusion (Cormack, Clarke and Buettcher, SIGIR 2009).

Each ranked list votes 1 / (k + rank) for each item it holds (rank from 1); an item's fused
score is the sum of its votes. Ties keep the order in which items were first seen.
"""

from __future__ import annotations

from collections.abc import Sequence


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = 60) -> list[tuple[str, float]]:
    if k < 1:
        raise ValueError("k must be at least 1")
    scores: dict[str, float] = {}
    for ranking in rankings:
        seen: set[str] = set()
        for rank, item in enumerate(ranking, 1):
            if item in seen:  # a list votes once per item, at its best rank
                continue
            seen.add(item)
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))
