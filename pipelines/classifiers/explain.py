"""Which n-grams drove a score, for the linear TF-IDF models.

The classifier is a logistic regression on TF-IDF features, so its logit is exactly
``intercept + sum(coef[j] * tfidf[j])``: each n-gram's term is its contribution, with no
sampling or surrogate model (what LIME or SHAP would estimate for a black box is exact here).
The reports list the n-grams that weigh most overall and, for the held-out rows the model gets
wrong at the chosen threshold, the n-grams that pushed each one.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def top_ngrams(model: Any, k: int = 15) -> dict[str, list[tuple[str, float]]]:
    """The ``k`` n-grams with the largest weight towards each class of a binary model."""
    names = model.named_steps["tfidf"].get_feature_names_out()
    coef = model.named_steps["clf"].coef_[0]
    order = np.argsort(coef)
    return {
        "towards_positive": [(str(names[j]), round(float(coef[j]), 3)) for j in order[::-1][:k]],
        "towards_negative": [(str(names[j]), round(float(coef[j]), 3)) for j in order[:k]],
    }


def contributions(model: Any, text: str, k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` n-grams of ``text`` with the largest absolute contribution to the logit."""
    x = model.named_steps["tfidf"].transform([text]).tocoo()
    names = model.named_steps["tfidf"].get_feature_names_out()
    coef = model.named_steps["clf"].coef_[0]
    terms = [(str(names[j]), float(coef[j] * v)) for j, v in zip(x.col, x.data, strict=True)]
    terms.sort(key=lambda t: -abs(t[1]))
    return [(name, round(c, 3)) for name, c in terms[:k]]


def explain_errors(
    model: Any, texts: list[str], y: np.ndarray, score: np.ndarray, threshold: float, k: int = 8
) -> dict[str, list[dict[str, Any]]]:
    """The ``k`` most confident false positives and false negatives, with their top n-grams and
    the heuristics that fired (the score as served combines both)."""
    from services.safety import heuristics

    pred = score >= threshold
    out: dict[str, list[dict[str, Any]]] = {}
    for name, mask, order in (
        ("false_positives", pred & (y == 0), -score),
        ("false_negatives", ~pred & (y == 1), score),
    ):
        idx = [i for i in np.argsort(order) if mask[i]][:k]
        out[name] = [
            {
                "text": texts[i],
                "score": round(float(score[i]), 3),
                "heuristics": list(heuristics.scan(texts[i]).reasons),
                "ngrams": contributions(model, texts[i]),
            }
            for i in idx
        ]
    return out
