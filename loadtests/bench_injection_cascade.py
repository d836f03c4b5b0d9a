"""A contextual second opinion for the texts the shipped injection model is unsure of (measured, not served).

The shipped injection score (TF-IDF + static MiniLM token vectors, with the heuristics) decides a text
alone outside a band ``[lo, hi)`` of its score; inside the band the score is replaced by a
logistic-regression head over the MiniLM encoder's contextual sentence embedding (the RAG embedder's
ONNX file, mean-pooled, truncated to ``--max-tokens``), mapped into the band (``cascade_scores``), so
one threshold still decides. Band, blend and threshold are chosen on the training rows' out-of-source
scores only (``pipelines/classifiers/evaluate.py``: every row scored by fits on the other sources, the
threshold rule of ``llmops classifiers train``); the development held-outs 1-4 are only reported, at
those choices: the shipped artefact in ``--models-dir`` as served, the encoder head alone, the cascade
(its head fitted on the same 70 % split as the artefact). Held-out 5 is never read.

Also reported: the share of texts that fall in the band (training rows out of source, each held-out,
PubMedQA questions no training row holds) and the encoder's cost per text on one core, one text at a
time, at 200 and 1,000 characters. Embeddings are cached in ``--cache`` (keyed by the texts and the
token limit). Run it under ``flock /tmp/llmops-heavy.lock nice -n 5``; the last stdout line is one
JSON object (also appended to --out).

    .venv/bin/python -m loadtests.bench_injection_cascade [--max-tokens 128] [--skip-cost]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.classifiers.data import read_heldout, stratified_split
from pipelines.classifiers.evaluate import binary_figures, out_of_source_scores, pick_threshold_out_of_source
from pipelines.classifiers.extra_data import PUBMEDQA_ABSTRACTS, PUBMEDQA_FILE, PUBMEDQA_QUESTIONS
from pipelines.classifiers.train import (
    HELDOUT_DIR,
    TASKS,
    load_extra,
    served_injection_scores,
    served_probabilities,
    source_balanced_weights,
)

ROOT = Path(__file__).resolve().parents[1]
DEV_HELDOUTS = (
    "injection_heldout.jsonl",
    "injection_heldout2.jsonl",
    "injection_heldout3.jsonl",
    "injection_heldout4.jsonl",
)  # development sets now; injection_heldout5.jsonl stays unopened
LOWS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
HIGHS = (0.9, 0.95, 0.98, 0.99, 0.995, 0.999)
WEIGHTS = (1.0, 0.75, 0.5, 0.25)  # the head's share of the in-band score (the rest: the shipped score)
HEAD_CS = (0.3, 1.0, 3.0, 10.0)
# a wider band costs the encoder on more texts: within this much F1 of the best, the narrowest band is chosen
# (session 24: without it, [0.8, 0.999) beat [0.8, 0.9) by 0.0005 out-of-source F1 with 3.6 times the rows)
F1_TOLERANCE = 0.001
EVERY_TEXT = 1.0 + 1e-9  # a band's top above every score: the second model reads every text
BLEND_WEIGHTS = (0.1, 0.25, 0.5)  # without a band: the encoder head's share of every text's score


def cascade_scores(shipped: np.ndarray, second: np.ndarray, lo: float, hi: float, weight: float = 1.0) -> np.ndarray:
    """``shipped`` outside ``[lo, hi)``; inside, ``weight`` of ``second`` (a score in [0, 1]) and the rest
    of the shipped score's place in the band, mapped into the band: the order outside the band stays the
    shipped model's, inside it the second model's (weight 1), and one threshold in the band is one cut of
    the second score."""
    shipped = np.asarray(shipped, dtype=float)
    second = np.asarray(second, dtype=float)
    inside = (shipped >= lo) & (shipped < hi)
    place = (shipped - lo) / (hi - lo)
    mixed = lo + (hi - lo) * np.clip(weight * second + (1 - weight) * place, 0.0, 1.0)
    return np.where(inside, mixed, shipped)


def in_band(shipped: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Which texts the second model reads."""
    shipped = np.asarray(shipped, dtype=float)
    return (shipped >= lo) & (shipped < hi)


def rule_f1(y: np.ndarray, score: np.ndarray, threshold: float) -> float:
    """F1 at ``threshold`` over every row (what the out-of-source threshold rule maximises)."""
    y = np.asarray(y).astype(bool)
    pred = np.asarray(score) >= threshold
    tp = int((pred & y).sum())
    return 2 * tp / max(2 * tp + int((pred & ~y).sum()) + int((~pred & y).sum()), 1)


def choose_cascade(
    y: np.ndarray,
    shipped: np.ndarray,
    second: np.ndarray,
    groups: np.ndarray,
    lows: tuple[float, ...] = LOWS,
    highs: tuple[float, ...] = HIGHS,
    weights: tuple[float, ...] = WEIGHTS,
    f1_tolerance: float = F1_TOLERANCE,
) -> tuple[dict, list[dict]]:
    """Of the bands and blends whose cascade scores an F1 (at the out-of-source threshold rule's pick)
    within ``f1_tolerance`` of the highest, the one with the fewest rows in the band (the cheapest; then
    the higher F1), and every candidate's figures."""
    grid = []
    for lo in lows:
        for hi in highs:
            if hi <= lo:
                continue
            band = float(in_band(shipped, lo, hi).mean())
            for weight in weights:
                score = cascade_scores(shipped, second, lo, hi, weight)
                t = pick_threshold_out_of_source(y, score, groups)
                grid.append(
                    {"lo": lo, "hi": hi, "weight": weight, "threshold": t, "f1": rule_f1(y, score, t), "band": band}
                )
    top = max(g["f1"] for g in grid)
    best = min((g for g in grid if g["f1"] >= top - f1_tolerance), key=lambda g: (g["band"], -g["f1"]))
    return best, grid


def text_key(texts: list[str], max_tokens: int) -> str:
    digest = hashlib.sha256(f"{max_tokens}\0".encode())
    for t in texts:
        digest.update(t.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()[:16]


def make_embedder(max_tokens: int, threads: int, batch_size: int):
    from pipelines.classifiers.static_embeddings import default_model_dir, embedder_onnx
    from services.rag.embeddings import OnnxEmbedder

    embedder = OnnxEmbedder(default_model_dir(), embedder_onnx(), threads=threads, batch_size=batch_size)
    embedder.tokenizer.enable_truncation(max_tokens)
    return embedder


def embed_cached(texts: list[str], max_tokens: int, cache: Path, threads: int) -> np.ndarray:
    """The texts' sentence embeddings, read from ``cache`` when this exact list was embedded before."""
    path = cache / f"minilm-{text_key(texts, max_tokens)}.npy"
    if path.is_file():
        return np.load(path)
    vectors = make_embedder(max_tokens, threads, 32).embed(texts)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def fit_head(x: np.ndarray, labels: list[int], groups: list[str], c: float):
    """Logistic regression over standardised embeddings, rows weighted as train.py weighs them."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=3000))
    model.fit(x, labels, logisticregression__sample_weight=source_balanced_weights(labels, groups))
    return model


def shipped_fit(rows_for_block: list[str]):
    """train.py's injection fit (TF-IDF + static token vectors at the task's weight), as a function of rows."""
    from pipelines.classifiers.recipes import DenseBlock, fit_stacked, memoised
    from pipelines.classifiers.static_embeddings import embedder_onnx
    from pipelines.classifiers.train import load_static

    task = TASKS["injection"]
    static = load_static(embedder_onnx(), ROOT / "var/cache/static-embeddings", lambda _: None, task.static_min_tokens)
    block = memoised(DenseBlock("static", static.vectors.transform, task.static_weight), rows_for_block)

    def fit(rows: list[tuple[str, int, str]]):
        tx, lb, gr = [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
        return fit_stacked(tx, lb, gr, task.c, (block,), task.max_features)

    return fit


def unseen_pubmedqa_questions(data_dir: Path) -> list[str]:
    """PubMedQA questions that no training row holds (extra_data.pubmedqa_rows takes the first ones of the
    same shuffle): a benign stream of everyday medical questions."""
    items = json.loads((data_dir / PUBMEDQA_FILE).read_text(encoding="utf-8"))
    keys = sorted(items)
    random.Random(0).shuffle(keys)
    return [items[k]["QUESTION"] for k in keys[PUBMEDQA_QUESTIONS + PUBMEDQA_ABSTRACTS :]]


def percentile_ms(samples: list[float], q: float) -> float:
    return round(float(np.percentile(np.array(samples) * 1000, q)), 2)


def encoder_cost(texts_by_length: dict[int, list[str]], max_tokens: int, runs: int) -> dict:
    """Milliseconds per text on one core, one text at a time (tokenise, encode, pool), p50 / p99."""
    embedder = make_embedder(max_tokens, 1, 1)
    embedder.embed(["warm up"])
    out = {}
    for length, texts in texts_by_length.items():
        times = []
        for i in range(runs):
            text = texts[i % len(texts)]
            started = time.perf_counter()
            embedder.embed([text])
            times.append(time.perf_counter() - started)
        out[str(length)] = {"p50_ms": percentile_ms(times, 50), "p99_ms": percentile_ms(times, 99), "runs": runs}
    return out


def injection_rows(data_dir: Path, cache_dir: Path) -> tuple[list, list, list, Any]:
    """``llmops classifiers train``'s injection rows: every row, the train-only ones, the scored ones, and the
    artefact's split of the scored ones (70 % fitted, seed 0)."""
    from loadtests._common import log

    task = TASKS["injection"]
    extra, _ = load_extra(task, data_dir, cache_dir, "require", log)
    every = task.reader(data_dir / task.data_file) + extra
    train_only = [r for r in every if r[2] in task.train_only_sources]
    rows = [r for r in every if r[2] not in task.train_only_sources]
    return every, train_only, rows, stratified_split(rows, task.test_fraction)


def figures(y: np.ndarray, score: np.ndarray, groups: list[str], threshold: float) -> dict:
    f = binary_figures(y, score, groups, threshold)
    keys = ("rows", "positives", "precision", "recall", "f1", "false_positive_rate_benign", "roc_auc")
    return {k: round(f[k], 4) if isinstance(f[k], float) else f[k] for k in keys}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-tokens", type=int, default=128, help="the encoder's truncation (WordPiece tokens)")
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime threads for the bulk embedding")
    parser.add_argument("--cost-runs", type=int, default=300, help="texts timed per length")
    parser.add_argument("--skip-cost", action="store_true", help="no timing of the encoder")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/llmops-injection-cascade"))
    parser.add_argument("--models-dir", type=Path, default=ROOT / "var" / "classifiers")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("LLMOPS_DATA_DIR", "../shared/data")))
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "var" / "cache" / "classifier-data")
    parser.add_argument("--out", type=Path, default=ROOT / "loadtests" / "records" / "bench_injection_cascade.jsonl")
    args = parser.parse_args(argv)
    from loadtests._common import emit, log

    started = time.time()
    task = TASKS["injection"]
    every, train_only, rows, split = injection_rows(args.data_dir, args.cache_dir)
    heldouts = {name: read_heldout(HELDOUT_DIR / name) for name in DEV_HELDOUTS}
    stream = unseen_pubmedqa_questions(args.data_dir)
    trained = {r[0] for r in every}
    stream = [t for t in stream if t not in trained]

    texts = list(dict.fromkeys([r[0] for r in every] + [r[0] for d in heldouts.values() for r in d] + stream))
    log(f"embedding {len(texts)} texts at {args.max_tokens} tokens")
    t0 = time.time()
    vectors = embed_cached(texts, args.max_tokens, args.cache, args.threads)
    embed_s = time.time() - t0
    index = {t: i for i, t in enumerate(texts)}

    def emb(ts: list[str]) -> np.ndarray:
        return vectors[[index[t] for t in ts]]

    # out of source: the shipped recipe (cached: ~minutes) and the head at each C
    key = text_key([f"{t}\0{y}\0{g}" for t, y, g in every], 0)
    shipped_path = args.cache / f"shipped-oos-{key}.npz"
    fit_shipped = shipped_fit(list(dict.fromkeys(texts + split.train_texts)))
    if shipped_path.is_file():
        saved = np.load(shipped_path)
        y, shipped, groups = saved["y"], saved["score"], saved["groups"]
    else:
        log("shipped recipe, out of source")

        def shipped_fp(train, ts):
            return served_injection_scores(fit_shipped(train + train_only).predict_proba(ts)[:, 1], ts)

        y, shipped, groups = out_of_source_scores(rows, shipped_fp)
        np.savez(shipped_path, y=y, score=shipped, groups=groups)
    shipped_threshold = pick_threshold_out_of_source(y, shipped, groups)

    heads = {}
    for c in HEAD_CS:
        log(f"encoder head C={c}, out of source")

        def head_fp(train, ts, c=c):
            train = train + train_only
            model = fit_head(emb([r[0] for r in train]), [r[1] for r in train], [r[2] for r in train], c)
            return served_injection_scores(model.predict_proba(emb(ts))[:, 1], ts)

        ye, enc, ge = out_of_source_scores(rows, head_fp)
        assert (ye == y).all() and (ge == groups).all()
        t = pick_threshold_out_of_source(y, enc, groups)
        heads[c] = {"score": enc, "threshold": t, "f1": rule_f1(y, enc, t)}
    from sklearn.metrics import roc_auc_score

    head_c = max(heads, key=lambda c: heads[c]["f1"])
    encoder_oos = heads[head_c]["score"]
    best, grid = choose_cascade(y, shipped, encoder_oos, groups)
    cascade_oos = cascade_scores(shipped, encoder_oos, best["lo"], best["hi"], best["weight"])
    band_oos = in_band(shipped, best["lo"], best["hi"])
    # no band (what the encoder adds when it reads every text, cost aside): the same choice over the blend alone
    blend, _ = choose_cascade(y, shipped, encoder_oos, groups, lows=(0.0,), highs=(EVERY_TEXT,), weights=BLEND_WEIGHTS)

    # the held-outs: the artefact as served, the head fitted on the artefact's split
    train_rows = list(zip(split.train_texts, split.train_labels, split.train_groups, strict=True)) + train_only
    head = fit_head(emb([r[0] for r in train_rows]), [r[1] for r in train_rows], [r[2] for r in train_rows], head_c)
    report = {}
    for name, d in {**heldouts, "pubmedqa_unseen_questions": [(t, 0, "pubmedqa") for t in stream]}.items():
        ts, yh, gh = [r[0] for r in d], np.array([r[1] for r in d]), [r[2] for r in d]
        s = served_injection_scores(served_probabilities(args.models_dir, task, ts)[:, 1], ts)
        e = served_injection_scores(head.predict_proba(emb(ts))[:, 1], ts)
        cas = cascade_scores(s, e, best["lo"], best["hi"], best["weight"])
        mixed = cascade_scores(s, e, 0.0, EVERY_TEXT, blend["weight"])
        report[name] = {
            "band_share": round(float(in_band(s, best["lo"], best["hi"]).mean()), 4),
            "shipped": figures(yh, s, gh, shipped_threshold),
            "encoder": figures(yh, e, gh, heads[head_c]["threshold"]),
            "cascade": figures(yh, cas, gh, best["threshold"]),
            "blend_every_text": figures(yh, mixed, gh, blend["threshold"]),
        }

    lengths = {}
    if not args.skip_cost:  # benign abstracts (PubMedQA, public) cut to each length
        items = json.loads((args.data_dir / PUBMEDQA_FILE).read_text(encoding="utf-8"))
        abstracts = [" ".join(v["CONTEXTS"]) for v in items.values()]
        lengths = {n: [a[:n] for a in abstracts if len(a) >= n][:100] for n in (200, 1000)}
    result = {
        "bench": "injection_cascade",
        "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "max_tokens": args.max_tokens,
        "rows_scored": len(rows),
        "rows_train_only": len(train_only),
        "texts_embedded": len(texts),
        "embed_seconds": round(embed_s, 1),
        "out_of_source": {
            "shipped": {
                "threshold": shipped_threshold,
                "f1": round(rule_f1(y, shipped, shipped_threshold), 4),
                "roc_auc": round(float(roc_auc_score(y, shipped)), 4),
            },
            "encoder_heads": {
                str(c): {
                    "threshold": h["threshold"],
                    "f1": round(h["f1"], 4),
                    "roc_auc": round(float(roc_auc_score(y, h["score"])), 4),
                }
                for c, h in heads.items()
            },
            "encoder_c": head_c,
            "cascade": {
                **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in best.items()},
                "roc_auc": round(float(roc_auc_score(y, cascade_oos)), 4),
            },
            # the chosen band's rows: how well each model orders them
            "in_band_roc_auc": {
                "shipped": round(float(roc_auc_score(y[band_oos], shipped[band_oos])), 4),
                "encoder": round(float(roc_auc_score(y[band_oos], encoder_oos[band_oos])), 4),
                "rows": int(band_oos.sum()),
                "positives": int(y[band_oos].sum()),
            },
            "blend_every_text": {
                **{k: round(v, 4) for k, v in blend.items() if k not in ("lo", "hi", "band")},
                "roc_auc": round(
                    float(roc_auc_score(y, cascade_scores(shipped, encoder_oos, 0.0, EVERY_TEXT, blend["weight"]))), 4
                ),
            },
            "grid": [{k: round(v, 4) for k, v in g.items()} for g in grid],
        },
        "heldouts": report,
        **(
            {
                "encoder_cost_one_core": {
                    f"max_tokens_{m}": encoder_cost(lengths, m, args.cost_runs) for m in (args.max_tokens, 256)
                }
            }
            if lengths
            else {}
        ),
    }
    result["seconds"] = round(time.time() - started, 1)
    emit(result, args.out)


if __name__ == "__main__":
    main()
