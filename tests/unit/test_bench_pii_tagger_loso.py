"""bench_pii_tagger_loso's pooled figures: counts summed over the folds, exact-span recall too."""

from __future__ import annotations

from loadtests.bench_pii_tagger_loso import pooled


def _fold(n: int, predicted: int, precision: float, recall: float, exact: float, flagged: int) -> dict:
    kinds = ("PERSON", "ADDRESS", "DATE_OF_BIRTH")
    per_type = {
        k: {"n": n, "predicted": predicted, "precision": precision, "recall": recall, "recall_exact": exact}
        for k in kinds
    }
    return {"per_type": per_type, "decoy_texts": 10, "decoy_texts_flagged": flagged}


def test_pooled_sums_the_folds_counts():
    # 8 of 10 found, 5 exact, 9 of 10 predictions right; then 20 of 30, 15 exact, 10 of 20 right
    out = pooled([_fold(10, 10, 0.9, 0.8, 0.5, 2), _fold(30, 20, 0.5, 0.667, 0.5, 3)])
    assert out["ADDRESS"] == {"n": 40, "predicted": 30, "precision": 0.633, "recall": 0.7, "recall_exact": 0.5}
    assert out["decoy_fpr"] == 0.25
