"""Quality figures and the bias report (JSON for machines, Markdown for people)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def binary_report(y: np.ndarray, score: np.ndarray, groups: list[str], threshold: float) -> dict[str, Any]:
    from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

    pred = (score >= threshold).astype(int)
    benign = y == 0
    out: dict[str, Any] = {
        "threshold": threshold,
        "precision": float(precision_score(y, pred, zero_division=0)),
        "recall": float(recall_score(y, pred, zero_division=0)),
        "f1": float(f1_score(y, pred, zero_division=0)),
        "false_positive_rate_benign": float(pred[benign].mean()) if benign.any() else 0.0,
        "roc_auc": float(roc_auc_score(y, score)),
        "confusion_matrix": _confusion(y, pred, 2),
        "per_source": {},
        # the serving policy blocks at a higher threshold (config/safety.yaml): figures there too
        "by_threshold": {
            str(t): {
                "precision": float(precision_score(y, score >= t, zero_division=0)),
                "recall": float(recall_score(y, score >= t, zero_division=0)),
                "f1": float(f1_score(y, score >= t, zero_division=0)),
                "false_positive_rate_benign": float((score[benign] >= t).mean()) if benign.any() else 0.0,
            }
            for t in (0.5, 0.6, 0.7, 0.8)
        },
    }
    g = np.array(groups)
    for source in sorted(set(groups)):
        m = g == source
        row = {"rows": int(m.sum()), "positives": int(y[m].sum())}
        if (y[m] == 0).any():
            row["false_positive_rate"] = float(pred[m & benign].mean())
        if (y[m] == 1).any():
            row["recall"] = float(pred[m & ~benign].mean())
        out["per_source"][source] = row
    return out


def multiclass_report(y: np.ndarray, proba: np.ndarray, classes: tuple[str, ...]) -> dict[str, Any]:
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    pred = proba.argmax(1)
    p, r, f, support = precision_recall_fscore_support(y, pred, labels=list(range(len(classes))), zero_division=0)
    return {
        "macro_f1": float(f1_score(y, pred, average="macro")),
        "accuracy": float((pred == y).mean()),
        "per_class": {
            c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(support[i])}
            for i, c in enumerate(classes)
        },
        "confusion_matrix": {"labels": list(classes), "rows_true_cols_predicted": _confusion(y, pred, len(classes))},
    }


def _confusion(y: np.ndarray, pred: np.ndarray, k: int) -> list[list[int]]:
    m = np.zeros((k, k), dtype=int)
    for t, p in zip(y, pred, strict=True):
        m[t, p] += 1
    return m.tolist()


def headline(report: dict[str, Any]) -> str:
    m = report["metrics"]
    if "macro_f1" in m:
        return (
            f"{report['task']}: macro-F1 {m['macro_f1']:.3f}, accuracy {m['accuracy']:.3f}"
            f" on {report['split']['held_out_rows']} held-out rows"
        )
    return (
        f"{report['task']}: precision {m['precision']:.3f}, recall {m['recall']:.3f}, F1 {m['f1']:.3f}, "
        f"false-positive rate on benign {m['false_positive_rate_benign']:.3f}, ROC AUC {m['roc_auc']:.3f} "
        f"on {report['split']['held_out_rows']} held-out rows (threshold {m['threshold']})"
        + "".join(
            f"; at {t}: precision {v['precision']:.3f}, recall {v['recall']:.3f}, F1 {v['f1']:.3f},"
            f" FPR {v['false_positive_rate_benign']:.3f}"
            for t, v in m.get("by_threshold", {}).items()
            if float(t) != m["threshold"]
        )
        + "".join(
            f"; with heuristics (as served) at {t}: precision {v['precision']:.3f}, recall {v['recall']:.3f},"
            f" F1 {v['f1']:.3f}, FPR {v['false_positive_rate_benign']:.3f}"
            for t, v in m.get("with_heuristics", {}).items()
        )
    )


def write_report(report: dict[str, Any], stem: Path) -> None:
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2))
    m = report["metrics"]
    lines = [f"# {report['task']} classifier report", "", f"Model: {report['model']}.", ""]
    lines += [
        (
            f"Data: `{report['data']['file']}` ({report['data']['rows']} rows,"
            f" sha256 {report['data']['sha256'][:12]}...). "
            f"Held out: {report['split']['held_out_rows']} rows (stratified, seed 0);"
            f" fitted on {report['split']['train_rows']}."
        ),
        "",
        f"**{headline(report)}**",
        "",
        (
            f"ONNX export: {report['onnx_bytes']} bytes;"
            f" max |p_sklearn - p_onnx| = {report['onnx_parity']['max_abs_probability_diff']:.2e}, "
            f"label agreement {report['onnx_parity']['label_agreement']:.4f}."
        ),
        "",
    ]
    if "per_class" in m:
        lines += ["| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        lines += [
            f"| {c} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['support']} |"
            for c, v in m["per_class"].items()
        ]
        labels = m["confusion_matrix"]["labels"]
        lines += [
            "",
            "Confusion matrix (rows: true class, columns: predicted):",
            "",
            "| true \\ predicted | " + " | ".join(labels) + " |",
            "|---" * (len(labels) + 1) + "|",
        ]
        lines += [
            f"| {labels[i]} | " + " | ".join(map(str, row)) + " |"
            for i, row in enumerate(m["confusion_matrix"]["rows_true_cols_predicted"])
        ]
        lines += [
            "",
            (
                "Bias caveat: the training data (Davidson et al. 2017) over-labels African-American English"
                " as offensive or hateful (Sap et al. 2019; Davidson et al. 2019). This data carries no dialect"
                " labels, so that bias is not measured here; the recall gap between `hate` and `offensive` above"
                " is the part that can be measured. Do not use this classifier as the only blocking signal."
            ),
        ]
    else:
        lines += ["| source | rows | positives | recall | false-positive rate |", "|---|---|---|---|---|"]
        for s, v in m["per_source"].items():
            lines.append(
                f"| {s} | {v['rows']} | {v['positives']} | {v.get('recall', float('nan')):.3f}"
                f" | {v.get('false_positive_rate', float('nan')):.3f} |"
            )
        lines += ["", f"Confusion matrix (rows: true benign/injection, columns: predicted): {m['confusion_matrix']}"]
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
