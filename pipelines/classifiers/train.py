"""Train the safety classifiers, export them to ONNX, check the export, write the reports.

Each classifier is a scikit-learn pipeline (word 1-2-gram TF-IDF, then logistic regression with
balanced class weights) converted with skl2onnx into one ONNX graph that takes raw strings, so
the safety service needs only onnxruntime at serve time. The artefacts land in ``out_dir``:

    injection.onnx, injection_report.{json,md}
    toxicity.onnx,  toxicity_report.{json,md}
    manifest.json   (data file hashes; a rerun with unchanged data and code is skipped)
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

from pipelines.classifiers.data import Split, read_injection, read_toxicity, stratified_split
from pipelines.classifiers.report import binary_report, multiclass_report, write_report

# ASCII word tokens: the same expression scikit-learn fits with and onnxruntime's Tokenizer
# runs, so the exported graph reproduces the fitted features exactly.
TOKEN_PATTERN = r"[a-zA-Z0-9_]+"
FORMAT_VERSION = 3  # bump when the features or the model change, so old artefacts are rebuilt


@dataclass(frozen=True)
class Task:
    name: str  # artefact name: <name>.onnx
    data_file: str  # relative to the data folder
    reader: Callable[[Path], list[tuple[str, int, str]]]
    classes: tuple[str, ...]  # index = label
    test_fraction: float
    c: float  # inverse regularisation strength of the logistic regression


TASKS = {
    "injection": Task("injection", "prompt_injection/train.jsonl", read_injection, ("benign", "injection"), 0.3, 10.0),
    "toxicity": Task("toxicity", "toxicity/train.csv", read_toxicity, ("hate", "offensive", "neither"), 0.2, 4.0),
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fit(split: Split, c: float) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    model = Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    lowercase=True,
                    token_pattern=TOKEN_PATTERN,
                    ngram_range=(1, 2),
                    min_df=2,
                    sublinear_tf=True,
                    max_features=50_000,
                ),
            ),
            ("clf", LogisticRegression(C=c, class_weight="balanced", max_iter=2000)),
        ]
    )
    model.fit(split.train_texts, split.train_labels)
    return model


def export_onnx(model: Any, path: Path) -> None:
    from onnx import helper
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import StringTensorType

    onx = to_onnx(
        model,
        initial_types=[("text", StringTensorType([None, 1]))],
        options={id(model.steps[-1][1]): {"zipmap": False}},
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    # onnxruntime's StringNormalizer defaults to the en_US.UTF-8 locale, which slim images lack;
    # C.UTF-8 is always there and lower-cases the same way for this data.
    for node in onx.graph.node:
        if node.op_type == "StringNormalizer":
            node.attribute.append(helper.make_attribute("locale", "C.UTF-8"))
    path.write_bytes(onx.SerializeToString())


def onnx_probabilities(path: Path, texts: list[str]) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["probabilities"], {"text": np.array(texts, dtype=object).reshape(-1, 1)})[0]


def train_task(
    task: Task, data_dir: Path, out_dir: Path, progress: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    data_path = data_dir / task.data_file
    rows = task.reader(data_path)
    split = stratified_split(rows, task.test_fraction)
    progress(f"{task.name}: fitting on {len(split.train_texts)} rows")
    started = time.perf_counter()
    model = fit(split, task.c)
    fit_s = time.perf_counter() - started
    onnx_path = out_dir / f"{task.name}.onnx"
    progress(f"{task.name}: exporting to ONNX")
    export_onnx(model, onnx_path)
    sk_proba = model.predict_proba(split.test_texts)
    onnx_proba = onnx_probabilities(onnx_path, split.test_texts)
    parity = {
        "max_abs_probability_diff": float(np.max(np.abs(sk_proba - onnx_proba))),
        "label_agreement": float(np.mean(sk_proba.argmax(1) == onnx_proba.argmax(1))),
    }
    if parity["label_agreement"] < 0.99:
        raise RuntimeError(
            f"{task.name}: the ONNX export disagrees with scikit-learn"
            f" on {1 - parity['label_agreement']:.1%} of held-out rows"
        )
    y = np.array(split.test_labels)
    if len(task.classes) == 2:
        metrics = binary_report(y, onnx_proba[:, 1], split.test_groups, threshold=0.5)
        # as served: the classifier combined with the heuristics (services/safety/heuristics.py)
        from services.safety import heuristics

        served = np.array(
            [
                heuristics.combine(p, heuristics.scan(t).score)
                for p, t in zip(onnx_proba[:, 1], split.test_texts, strict=True)
            ]
        )
        metrics["with_heuristics"] = binary_report(y, served, split.test_groups, threshold=0.5)["by_threshold"]
    else:
        metrics = multiclass_report(y, onnx_proba, task.classes)
    report = {
        "task": task.name,
        "data": {"file": task.data_file, "sha256": _sha256(data_path), "rows": len(rows)},
        "split": {
            "held_out_fraction": task.test_fraction,
            "seed": 0,
            "train_rows": len(split.train_texts),
            "held_out_rows": len(split.test_texts),
        },
        "model": "TF-IDF word 1-2 grams + logistic regression (balanced class weights), skl2onnx",
        "classes": list(task.classes),
        "fit_seconds": round(fit_s, 2),
        "onnx_bytes": onnx_path.stat().st_size,
        "onnx_parity": parity,
        "metrics": metrics,
    }
    write_report(report, out_dir / f"{task.name}_report")
    return report


def train_all(
    data_dir: Path, out_dir: Path, *, force: bool = False, progress: Callable[[str], None] = lambda _: None
) -> dict[str, dict[str, Any]]:
    """Train every task whose artefacts are missing or stale; returns the reports (fresh or kept)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    reports = {}
    for name, task in TASKS.items():
        data_path = data_dir / task.data_file
        if not data_path.exists():
            raise FileNotFoundError(f"training data not found: {data_path} (set --data-dir or LLMOPS_DATA_DIR)")
        stamp = {"sha256": _sha256(data_path), "format": FORMAT_VERSION}
        report_path = out_dir / f"{name}_report.json"
        if not force and manifest.get(name) == stamp and (out_dir / f"{name}.onnx").exists() and report_path.exists():
            progress(f"{name}: up to date")
            reports[name] = json.loads(report_path.read_text())
            continue
        reports[name] = train_task(task, data_dir, out_dir, progress)
        manifest[name] = stamp
        manifest_path.write_text(json.dumps(manifest, indent=2))
    return reports
