"""Which injection classifier generalises: the shipped TF-IDF + logistic regression, a logistic
regression head on all-MiniLM-L6-v2 sentence embeddings (the RAG embedder, ONNX Runtime), or
both feature sets concatenated.

Each recipe fits on the same training part of ``prompt_injection/train.jsonl`` as
``llmops classifiers train`` (stratified 70%, seed 0), its threshold is chosen on the dev split
(the other 30%; highest F1 with at most 2% of benign rows blocked, score as served: classifier
and heuristics by noisy-OR), and it is then measured on the hand-written held-out set
(``pipelines/classifiers/heldout/injection_heldout.jsonl``, sources the model never saw), and
for cost: p50 ms per prompt of 200 and 1,000 characters, one thread.

    .venv/bin/python loadtests/bench_classifiers.py [--repeats 30]

Progress on stderr; the last stdout line is one JSON object (also appended to --out).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtests._common import REPO, emit, log, machine, ms, pct

PROMPT = (
    "Please summarise the attached quarterly report for the board and list the three main risks, "
    "with one sentence on each, then suggest two questions the finance team should answer next week. "
)


def p50_ms(score, text: str, repeats: int) -> float:
    score([text])  # warm up
    latencies = []
    for _ in range(repeats):
        started = time.perf_counter()
        score([text])
        latencies.append(time.perf_counter() - started)
    return ms(pct(latencies, 50))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--model-dir", type=Path, default=REPO / "var" / "models" / "all-minilm-l6-v2")
    parser.add_argument("--cache-dir", type=Path, default=REPO / "var" / "rag" / "onnx")
    parser.add_argument("--out", type=Path, default=REPO / "loadtests" / "records" / "bench_classifiers.jsonl")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = "1"

    import numpy as np
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    from pipelines.classifiers.data import read_heldout, stratified_split
    from pipelines.classifiers.evaluate import binary_figures, pick_threshold
    from pipelines.classifiers.train import HELDOUT_DIR, TASKS, export_onnx, fit_texts, served_injection_scores
    from services.rag.embeddings import build_embedder
    from services.safety.classifiers import InjectionClassifier

    task = TASKS["injection"]
    split = stratified_split(task.reader(args.data_dir / task.data_file), task.test_fraction)
    heldout = read_heldout(HELDOUT_DIR / task.heldout_file)
    ho_texts, ho_y, ho_groups = [r[0] for r in heldout], np.array([r[1] for r in heldout]), [r[2] for r in heldout]
    dev_y = np.array(split.test_labels)

    embedder = build_embedder("onnx", args.model_dir, args.cache_dir, threads=1)
    started = time.perf_counter()
    e_train, e_dev, e_ho = (embedder.embed(t) for t in (split.train_texts, split.test_texts, ho_texts))
    embed_s = time.perf_counter() - started
    n_embedded = len(split.train_texts) + len(split.test_texts) + len(ho_texts)
    log(f"embedded {n_embedded} texts in {embed_s:.1f} s")

    tfidf = fit_texts(split.train_texts, split.train_labels, task.c)
    vec = tfidf.named_steps["tfidf"]
    head = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000).fit(e_train, split.train_labels)
    both = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000).fit(
        sp.hstack([vec.transform(split.train_texts), sp.csr_matrix(e_train)]).tocsr(), split.train_labels
    )
    recipes = {
        "tfidf_logreg": lambda texts, e: tfidf.predict_proba(texts)[:, 1],
        "minilm_logreg": lambda texts, e: head.predict_proba(e)[:, 1],
        "tfidf_plus_minilm_logreg": lambda texts, e: both.predict_proba(
            sp.hstack([vec.transform(texts), sp.csr_matrix(e)]).tocsr()
        )[:, 1],
    }
    results: dict[str, dict] = {}
    for name, predict in recipes.items():
        dev_score = served_injection_scores(predict(split.test_texts, e_dev), split.test_texts)
        threshold = pick_threshold(dev_y, dev_score)
        ho = binary_figures(ho_y, served_injection_scores(predict(ho_texts, e_ho), ho_texts), ho_groups, threshold)
        dev = binary_figures(dev_y, dev_score, split.test_groups, threshold)
        results[name] = {
            "threshold": threshold,
            "heldout": {k: ho[k] for k in ("precision", "recall", "f1", "false_positive_rate_benign", "roc_auc")},
            "heldout_per_source": ho["per_source"],
            "dev": {k: dev[k] for k in ("precision", "recall", "f1", "false_positive_rate_benign", "roc_auc")},
        }
        log(name, results[name]["heldout"])

    # cost per prompt, one thread: the served ONNX TF-IDF graph vs the embedder (+ a 384-wide head)
    with tempfile.TemporaryDirectory() as tmp:
        export_onnx(tfidf, Path(tmp) / "injection.onnx")
        served = InjectionClassifier(Path(tmp))
        for chars in (200, 1000):
            text = (PROMPT * 10)[:chars]
            results["tfidf_logreg"][f"p50_ms_{chars}_chars"] = p50_ms(served.scores, text, args.repeats)
            embed_ms = p50_ms(embedder.embed, text, args.repeats)
            results["minilm_logreg"][f"p50_ms_{chars}_chars"] = embed_ms
            results["tfidf_plus_minilm_logreg"][f"p50_ms_{chars}_chars"] = embed_ms  # + the TF-IDF part
    emit(
        {
            "bench": "bench_classifiers",
            "task": "injection",
            "dev_rows": len(dev_y),
            "heldout_rows": len(ho_y),
            "embed_texts_per_s_1_thread": round(n_embedded / embed_s, 1),
            "results": results,
            "machine": machine(),
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
        args.out,
    )


if __name__ == "__main__":
    main()
