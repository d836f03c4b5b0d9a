"""The held-out sets (``pipelines/classifiers/heldout``) scored under the shipped policy's injection and
toxicity rules, short-text rule included, after the rules were chosen on dev data
(``loadtests/short_text_dev.py``, ``loadtests/output_threshold_dev.py``). It measures; it chooses nothing.

    .venv/bin/python -m loadtests.short_text_heldout

Each held-out row is scored alone, as a lone prompt (input guard). Toxicity rows are also judged as
model answers (output guard, the rule's ``output_threshold``): whole, and streamed through the real
output guard with a scan after every word (``each_word`` of ``short_text_dev.py``), the latter also at
one threshold for both directions for comparison. Last stdout line: one JSON object, appended to
``loadtests/records/short_text_heldout.jsonl``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loadtests._common import RunStamp, emit  # noqa: E402


def figures(y: np.ndarray, blocked: np.ndarray) -> dict[str, Any]:
    tp, fp = int((blocked & y).sum()), int((blocked & ~y).sum())
    precision = tp / max(tp + fp, 1)
    recall = tp / max(int(y.sum()), 1)
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(2 * precision * recall / max(precision + recall, 1e-12), 3),
        "fpr": round(fp / max(int((~y).sum()), 1), 3),
        "blocked": int(blocked.sum()),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models-dir", type=Path, default=ROOT / "var" / "classifiers")
    p.add_argument("--out", type=Path, default=ROOT / "loadtests" / "records" / "short_text_heldout.jsonl")
    args = p.parse_args()
    from tokenizers import Tokenizer

    from loadtests.short_text_dev import TOKENIZER, paced_scans
    from pipelines.classifiers.data import read_heldout
    from pipelines.classifiers.train import HELDOUT_DIR, served_injection_scores
    from services.safety.classifiers import InjectionClassifier, ToxicityClassifier
    from services.safety.policy import PolicySet, ShortTextRule

    stamp = RunStamp()
    policy = PolicySet.from_file(ROOT / "config" / "safety.yaml").resolve(None, None)
    result: dict[str, Any] = {}
    for name in ("injection", "toxicity"):
        rows = read_heldout(HELDOUT_DIR / f"{name}_heldout.jsonl")
        texts = [r[0] for r in rows]
        if name == "injection":
            y = np.array([r[1] == 1 for r in rows])
            proba = InjectionClassifier(args.models_dir).probabilities(texts)
            scores = served_injection_scores(proba[:, 1], texts)
        else:
            y = np.array([r[1] != 2 for r in rows])
            proba = ToxicityClassifier(args.models_dir).probabilities(texts)
            scores = proba[:, 0] + proba[:, 1]
        rule = getattr(policy, name)
        bare = rule.model_copy(update={"short_text": ShortTextRule()})
        words = np.array([len(t.split()) for t in texts])
        result[name] = {
            "rows": len(rows),
            "positives": int(y.sum()),
            "rows_under_short_words": int((words < rule.short_text.words).sum()),
            "fewest_words": int(words.min()),
            "threshold": rule.threshold,
            "short_text": rule.short_text.model_dump(),
            "shipped": figures(y, scores >= np.array([rule.threshold_for(t, "input") for t in texts])),
            "without_short_text": figures(y, scores >= np.array([bare.threshold_for(t, "input") for t in texts])),
        }
        if name == "toxicity":
            classifier = ToxicityClassifier(args.models_dir)
            streams = paced_scans(texts, Tokenizer.from_file(str(TOKENIZER)), "each_word")
            scans = sorted({t for stream in streams for t in stream})
            proba = classifier.probabilities(scans)
            scan_scores = dict(zip(scans, (proba[:, 0] + proba[:, 1]).tolist(), strict=True))
            one = rule.model_copy(update={"output_threshold": None})

            def streamed(rule: Any, streams=streams, scan_scores=scan_scores) -> np.ndarray:
                return np.array([any(scan_scores[t] >= rule.threshold_for(t, "output") for t in s) for s in streams])

            result[name]["output_threshold"] = rule.output_threshold
            result[name]["output_whole"] = figures(
                y, scores >= np.array([rule.threshold_for(t, "output") for t in texts])
            )
            result[name]["output_streamed"] = figures(y, streamed(rule))
            result[name]["output_streamed_at_threshold"] = figures(y, streamed(one))
    result.update(
        {
            "note": "held-out sets scored once, after the rules were chosen on dev data",
            **stamp.fields(),
        }
    )
    emit(result, args.out)


if __name__ == "__main__":
    main()
