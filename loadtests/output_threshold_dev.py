"""The toxicity rule's output threshold (``output_threshold`` in the policy), chosen on dev data only:
per candidate, how many benign answers the real output guard would block and how much of the dev
split's toxic text it would still catch, both streamed as answers.

    flock /tmp/llmops-heavy.lock .venv/bin/python -m loadtests.output_threshold_dev \\
        [--cache-dir /work/main/var/cache/classifier-data]

Benign side: the embedded model's answers (``loadtests/data/model_answers_dev.jsonl``) and PubMedQA
long answers, each streamed through the real ``OutputGuard`` (shipped policy and hold-back) in the three
pacings of ``loadtests/short_text_dev.py``; also every run of 3-5 words of them scored alone (what a
scan sees when the engine's chunks fall elsewhere). Recall side: the toxicity dev split (the rows the
shipped model never fit on) streamed the same way. Every scan is judged by the policy's own
``threshold_for(text, "output")`` with the candidate as ``output_threshold``, so the short-text rule
applies as shipped. The pick follows ``RULE``, written before this script first ran.

Never reads the held-out sets. Last stdout line: one JSON object, appended to
``loadtests/records/output_threshold_dev.jsonl``.
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
from loadtests.short_text_dev import (  # noqa: E402
    PACINGS,
    TOKENIZER,
    benign_answers,
    dev_split,
    paced_scans,
    word_windows,
)

CANDIDATES = (0.9, 0.95, 0.97, 0.98, 0.99)  # and the rule's input threshold, first
RECALL_FLOOR = 0.80
RULE = (
    "the lowest candidate at which (a) no benign answer is blocked in any pacing, (b) no 3-5-word run of"
    " the benign answers scored alone reaches it, and (c) the toxic dev rows streamed a scan per word keep"
    f" recall >= {RECALL_FLOOR}; if none meets all three, the lowest meeting (a) and (c); then (a) alone"
)


def first_block(stream: list[str], scores: dict[str, float], rule: Any) -> str | None:
    """The first scan of ``stream`` that ``rule`` blocks on output, or None."""
    for text in stream:
        if scores[text] >= rule.threshold_for(text, "output"):
            return text
    return None


def pick(rows: dict[str, dict[str, Any]]) -> str:
    """The candidate ``RULE`` chooses from the per-candidate figures."""
    a = [c for c, r in rows.items() if r["benign_answers_blocked"] == 0]
    ac = [c for c in a if rows[c]["dev_recall_each_word"] >= RECALL_FLOOR]
    abc = [c for c in ac if rows[c]["benign_runs_3_5_words_reaching"] == 0]
    for choice in (abc, ac, a):
        if choice:
            return min(choice, key=float)
    raise SystemExit("no candidate passes every benign answer: widen CANDIDATES")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    p.add_argument("--cache-dir", type=Path, default=ROOT / "var" / "cache" / "classifier-data")
    p.add_argument("--models-dir", type=Path, default=ROOT / "var" / "classifiers")
    p.add_argument("--pubmedqa", type=int, default=200, help="PubMedQA long answers streamed (the first ones)")
    p.add_argument("--out", type=Path, default=ROOT / "loadtests" / "records" / "output_threshold_dev.jsonl")
    args = p.parse_args()
    from tokenizers import Tokenizer

    from services.safety.classifiers import ToxicityClassifier
    from services.safety.policy import PolicySet

    stamp = RunStamp()
    tokenizer = Tokenizer.from_file(str(TOKENIZER))
    toxicity = ToxicityClassifier(args.models_dir)
    shipped = PolicySet.from_file(ROOT / "config" / "safety.yaml").resolve(None, None).toxicity

    def tox_scores(texts: list[str]) -> np.ndarray:
        proba = np.concatenate([toxicity.probabilities(texts[i : i + 512]) for i in range(0, len(texts), 512)])
        return proba[:, 0] + proba[:, 1]

    answers = benign_answers(args.data_dir, args.pubmedqa)
    tox_dev, tox_y = dev_split("toxicity", args.data_dir, args.cache_dir)
    toxic = tox_y != 2
    benign_streams = {p_: {n: paced_scans(ts, tokenizer, p_) for n, ts in answers.items()} for p_ in PACINGS}
    dev_streams = {p_: paced_scans(tox_dev, tokenizer, p_) for p_ in PACINGS}
    runs = sorted({w for ts in answers.values() for t in ts for w in word_windows(t, 5) if len(w.split()) >= 3})
    every = sorted(
        {t for ss in benign_streams.values() for s in ss.values() for stream in s for t in stream}
        | {t for s in dev_streams.values() for stream in s for t in stream}
        | set(runs)
    )
    scores = dict(zip(every, tox_scores(every).tolist(), strict=True))
    run_scores = np.array([scores[t] for t in runs])

    rows: dict[str, dict[str, Any]] = {}
    for candidate in (shipped.threshold, *CANDIDATES):
        rule = shipped.model_copy(update={"output_threshold": candidate})
        row: dict[str, Any] = {"benign_answers_blocked": 0, "blocked": {}}
        for pacing in PACINGS:
            for name, streams in benign_streams[pacing].items():
                hits = [(i, first_block(s, scores, rule)) for i, s in enumerate(streams)]
                hits = [(i, t) for i, t in hits if t is not None]
                row["blocked"][f"{pacing}/{name}"] = len(hits)
                row["benign_answers_blocked"] += len(hits)
                # which answer and the scan that blocks it (dev data, for the regression test)
                row.setdefault("blocking_scans", []).extend(
                    [pacing, name, i, t[-60:], round(scores[t], 4)] for i, t in hits
                )
            hit = np.array([first_block(s, scores, rule) is not None for s in dev_streams[pacing]])
            row[f"dev_recall_{pacing}"] = round(float(hit[toxic].mean()), 4)
            row[f"dev_neither_blocked_{pacing}"] = round(float(hit[~toxic].mean()), 4)
        row["benign_runs_3_5_words_reaching"] = int((run_scores >= candidate).sum())
        rows[str(round(candidate, 4))] = row

    result: dict[str, Any] = {
        "input_threshold": shipped.threshold,
        "short_text": shipped.short_text.model_dump(),
        "sources": {
            **{k: len(v) for k, v in answers.items()},
            "toxicity_dev_rows": len(tox_dev),
            "toxicity_dev_toxic": int(toxic.sum()),
            "benign_runs_3_5_words": len(runs),
        },
        "benign_runs_highest": [[runs[i][-50:], round(float(run_scores[i]), 4)] for i in np.argsort(-run_scores)[:8]],
        "candidates": rows,
        "rule": RULE,
        "pick": float(pick(rows)),
        **stamp.fields(),
    }
    emit(result, args.out)


if __name__ == "__main__":
    main()
