"""Evaluation beyond the training file's own random split.

- ``pick_threshold``: the blocking threshold, chosen on the dev split (a random part of the
  training file the model did not fit on), never on the held-out set.
- ``binary_figures``: precision / recall / F1 / false-positive rate / ROC AUC at given
  thresholds, with per-source rows.
- ``leave_one_source_out``: fit on all sources but one, score the one left out, for every source
  of the training file (how the recipe transfers to a source it never saw).
- ``pick_threshold_out_of_source``: the blocking threshold chosen on those out-of-source scores
  (the issue's target is about sources the model did not train on; a random dev split of the
  same sources is far easier and picks a threshold that blocks too much elsewhere).
- ``out_of_source_band``: that rule's picks with the false-positive budget one benign row looser
  and stricter (a retrain on another CPU can move a row across the budget's edge).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

MAX_DEV_FPR = 0.02  # the target: at most 2% of benign prompts blocked


def pick_threshold(y: np.ndarray, score: np.ndarray, max_fpr: float = MAX_DEV_FPR) -> float:
    """The threshold with the highest F1 among those whose false-positive rate is within
    ``max_fpr`` (ties: the lower threshold); 0.5 when no candidate qualifies."""
    y = np.asarray(y).astype(bool)
    candidates = np.unique(np.round(score, 4))
    # counts of rows scored >= each candidate (vectorised: one sort, no per-threshold pass)
    pos = np.sort(score[y])
    neg = np.sort(score[~y])
    tp = len(pos) - np.searchsorted(pos, candidates, side="left")
    fp = len(neg) - np.searchsorted(neg, candidates, side="left")
    fpr = fp / max(len(neg), 1)
    f1 = np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + (len(pos) - tp), 1), 0.0)
    ok = fpr <= max_fpr
    if not ok.any():
        return 0.5
    best = np.flatnonzero(ok)[np.argmax(f1[ok])]  # argmax: the first (lowest) of equal F1s
    return float(candidates[best])


def _at(y: np.ndarray, score: np.ndarray, t: float) -> dict[str, float]:
    from sklearn.metrics import f1_score, precision_score, recall_score

    pred = score >= t
    benign = y == 0
    return {
        "precision": float(precision_score(y, pred, zero_division=0)),
        "recall": float(recall_score(y, pred, zero_division=0)),
        "f1": float(f1_score(y, pred, zero_division=0)),
        "false_positive_rate_benign": float(pred[benign].mean()) if benign.any() else 0.0,
    }


def _auc(y: np.ndarray, score: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score)) if len(set(y.tolist())) == 2 else None


def binary_figures(
    y: np.ndarray, score: np.ndarray, groups: list[str], threshold: float, also: tuple[float, ...] = ()
) -> dict[str, Any]:
    """Figures at ``threshold`` (the chosen one) and at each of ``also``, per source at ``threshold``."""
    out: dict[str, Any] = {"threshold": threshold, "rows": int(len(y)), "positives": int(y.sum())}
    out.update(_at(y, score, threshold))
    out["roc_auc"] = _auc(y, score)
    out["by_threshold"] = {str(t): _at(y, score, t) for t in also if t != threshold}
    g = np.array(groups)
    pred = score >= threshold
    per_source = {}
    for source in sorted(set(groups)):
        m = g == source
        row: dict[str, Any] = {"rows": int(m.sum()), "positives": int(y[m].sum())}
        if (y[m] == 0).any():
            row["false_positive_rate"] = float(pred[m & (y == 0)].mean())
        if (y[m] == 1).any():
            row["recall"] = float(pred[m & (y == 1)].mean())
        per_source[source] = row
    out["per_source"] = per_source
    return out


FitPredict = Callable[[list[tuple[str, int, str]], list[str]], np.ndarray]  # (train rows, texts) -> scores


def out_of_source_scores(
    rows: list[tuple[str, int, str]], fit_predict: FitPredict
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every row scored by a model fitted on the other sources only: labels, scores, sources."""
    ys, scores, groups = [], [], []
    for source in sorted({r[2] for r in rows}):
        train = [r for r in rows if r[2] != source]
        test = [r for r in rows if r[2] == source]
        scores.append(np.asarray(fit_predict(train, [r[0] for r in test]), dtype=float))
        ys += [r[1] for r in test]
        groups += [source] * len(test)
    return np.array(ys), np.concatenate(scores), np.array(groups)


def pick_threshold_out_of_source(
    y: np.ndarray, score: np.ndarray, groups: np.ndarray, max_fpr: float = MAX_DEV_FPR
) -> float:
    """The threshold with the highest F1 over all out-of-source scores among those where the
    benign sources' false-positive rates average at most ``max_fpr`` (each benign source counts
    the same, so a large easy source cannot hide a small hard one); ties: the lower threshold;
    0.5 when none qualifies."""
    y = np.asarray(y).astype(bool)
    candidates = np.unique(np.round(score, 4))
    benign_sources = sorted({g for g, label in zip(groups, y, strict=True) if not label})
    fprs = []
    for source in benign_sources:
        neg = np.sort(score[(groups == source) & ~y])
        fprs.append((len(neg) - np.searchsorted(neg, candidates, side="left")) / len(neg))
    mean_fpr = np.mean(fprs, axis=0) if fprs else np.zeros(len(candidates))
    pos = np.sort(score[y])
    tp = len(pos) - np.searchsorted(pos, candidates, side="left")
    fp = (~y).sum() - np.searchsorted(np.sort(score[~y]), candidates, side="left")
    f1 = np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + (len(pos) - tp), 1), 0.0)
    ok = mean_fpr <= max_fpr
    if not ok.any():
        return 0.5
    return float(candidates[np.flatnonzero(ok)[np.argmax(f1[ok])]])


def out_of_source_band(
    y: np.ndarray, score: np.ndarray, groups: np.ndarray, max_fpr: float = MAX_DEV_FPR
) -> tuple[float, float]:
    """``pick_threshold_out_of_source`` with ``max_fpr`` moved by one row of the smallest benign
    source (the most one row weighs in the mean), both ways; (lower, higher). A retrain on another
    CPU gives scores that differ in their last digits; a benign row at the budget's edge can then
    cross it and the pick jump (0.8371 to 0.8461 on an AVX2-only AMD EPYC): the band is how far."""
    y, groups = np.asarray(y).astype(bool), np.asarray(groups)
    sizes = [int(((groups == g) & ~y).sum()) for g in set(groups[~y])]
    if not sizes:
        return (0.5, 0.5)
    row = 1 / min(sizes) / len(sizes)
    picks = [pick_threshold_out_of_source(y, score, groups, max(max_fpr + d, 0.0)) for d in (row, -row)]
    return (min(picks), max(picks))


def leave_one_source_out(
    rows: list[tuple[str, int, str]],
    fit_predict: FitPredict,
    threshold: float,
    scored: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> dict[str, dict[str, Any]]:
    """For each source: fit on the others, score it; recall / FPR at ``threshold``, mean score.
    ``scored``: the ``out_of_source_scores`` of these rows when already computed."""
    ys, scores, groups = scored if scored is not None else out_of_source_scores(rows, fit_predict)
    out = {}
    for source in sorted({r[2] for r in rows}):
        m = groups == source
        y, score = ys[m], scores[m]
        row: dict[str, Any] = {
            "rows": int(m.sum()),
            "positives": int(y.sum()),
            "trained_on_rows": int(len(rows) - m.sum()),
            "mean_score": float(score.mean()),
            "roc_auc": _auc(y, score),
        }
        if (y == 0).any():
            row["false_positive_rate"] = float((score[y == 0] >= threshold).mean())
        if (y == 1).any():
            row["recall"] = float((score[y == 1] >= threshold).mean())
        out[source] = row
    return out
