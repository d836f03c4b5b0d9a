"""The drift monitor: compares the request log's current window with a reference window.

Features per request come from the request log (services/gateway/request_log.py): prompt and
output length, the input guard's scores (``injection_score``, ``toxicity_score``,
``pii_entities``), retrieval scores when RAG sets them, and the prompt's language, detected
from the redacted prompt when the log has one. Evidently's ``DataDriftPreset`` tests each
feature present in both windows (its default tests by column type and size); the dataset has
drifted when the share of drifted features reaches ``drift_share``. Separately, the cosine
distance between the windows' mean prompt embeddings (of redacted prompts) is compared with
``embedding_threshold``. Either signal sets ``llmops_drift_detected``.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from monitoring.drift.embeddings import Embedder, mean_embedding_distance
from monitoring.drift.metrics import FEATURES, DriftMetrics

NUMERIC = [f for f in FEATURES if f != "language"]


@dataclass
class DriftResult:
    detected: bool
    dataset_drift: bool
    drifted_share: float
    features: dict[str, dict[str, Any]]  # feature -> {method, score, threshold, drifted}
    embedding_distance: float | None
    embedding_drift: bool
    reference_requests: int
    current_requests: int
    skipped: list[str] = field(default_factory=list)  # features absent from a window

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)


def detect_language(text: str) -> str:
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0  # deterministic
    try:
        return detect(text)
    except LangDetectException:
        return "unknown"


def frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    rows = []
    for r in records:
        features = r.get("features") or {}
        row = {"prompt_chars": r.get("prompt_chars"), "output_chars": r.get("output_chars")}
        for name in ("injection_score", "toxicity_score", "pii_entities", "retrieval_score"):
            row[name] = features.get(name)
        text = r.get("redacted_prompt")
        row["language"] = detect_language(text) if text else None
        rows.append(row)
    df = pd.DataFrame(rows, columns=list(FEATURES))
    df[NUMERIC] = df[NUMERIC].astype(float)
    return df


def _collapse_rare_languages(ref: pd.DataFrame, cur: pd.DataFrame, min_share: float = 0.05) -> None:
    """Languages under ``min_share`` in both windows become "other": detection on short prompts
    scatters a few requests over many languages, and a test on near-empty categories would call
    that drift."""
    shares = [df["language"].value_counts(normalize=True) for df in (ref, cur)]
    keep = {lang for s in shares for lang, share in s.items() if share >= min_share}
    for df in (ref, cur):
        known = df["language"].notna()
        df.loc[known & ~df["language"].isin(keep), "language"] = "other"


def _drifted(method: str, score: float, threshold: float) -> bool:
    return score < threshold if "p_value" in method else score >= threshold


def compare(
    reference: list[dict[str, Any]],
    current: list[dict[str, Any]],
    *,
    drift_share: float = 0.3,
    embedder: Embedder | None = None,
    embedding_threshold: float = 0.15,
    embedding_sample: int = 200,
    html_path: Path | None = None,
) -> DriftResult:
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    ref, cur = frame(reference), frame(current)
    _collapse_rare_languages(ref, cur)
    usable = [
        f
        for f in FEATURES
        if ref[f].notna().any() and cur[f].notna().any() and (ref[f].nunique() > 1 or cur[f].nunique() > 1)
    ]
    skipped = [f for f in FEATURES if f not in usable]
    numeric = [f for f in usable if f in NUMERIC]
    categorical = [f for f in usable if f == "language"]
    definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
    snapshot = Report([DataDriftPreset(drift_share=drift_share)]).run(
        Dataset.from_pandas(cur[usable], data_definition=definition),
        Dataset.from_pandas(ref[usable], data_definition=definition),
    )
    if html_path is not None:
        snapshot.save_html(str(html_path))
    features: dict[str, dict[str, Any]] = {}
    drifted_share = 0.0
    for metric in snapshot.dict()["metrics"]:
        config = metric["config"]
        if config["type"].endswith("ValueDrift"):
            score = float(metric["value"])
            features[config["column"]] = {
                "method": config["method"],
                "score": score,
                "threshold": config["threshold"],
                "drifted": _drifted(config["method"], score, config["threshold"]),
            }
        elif config["type"].endswith("DriftedColumnsCount"):
            drifted_share = float(metric["value"]["share"])
    dataset_drift = bool(features) and drifted_share >= drift_share

    distance = None
    texts_ref = [r["redacted_prompt"] for r in reference if r.get("redacted_prompt")]
    texts_cur = [r["redacted_prompt"] for r in current if r.get("redacted_prompt")]
    if embedder is not None and texts_ref and texts_cur:
        rng = random.Random(0)
        sample = lambda texts: rng.sample(texts, min(len(texts), embedding_sample))  # noqa: E731
        distance = mean_embedding_distance(embedder.embed(sample(texts_ref)), embedder.embed(sample(texts_cur)))
    embedding_drift = distance is not None and distance >= embedding_threshold
    return DriftResult(
        dataset_drift or embedding_drift,
        dataset_drift,
        drifted_share,
        features,
        distance,
        embedding_drift,
        len(reference),
        len(current),
        skipped,
    )


def export(result: DriftResult, metrics: DriftMetrics | None = None) -> DriftMetrics:
    metrics = metrics or DriftMetrics()
    metrics.detected.set(1 if result.detected else 0)
    metrics.drifted_ratio.set(result.drifted_share)
    for name, info in result.features.items():
        if name in FEATURES:  # the label takes only the fixed feature names
            metrics.feature_score.labels(name).set(info["score"])
            metrics.feature_drifted.labels(name).set(1 if info["drifted"] else 0)
    # NaN, not 0, when not measured (no redacted prompts, or embeddings off)
    metrics.embedding_distance.set(result.embedding_distance if result.embedding_distance is not None else float("nan"))
    metrics.window_requests.labels("reference").set(result.reference_requests)
    metrics.window_requests.labels("current").set(result.current_requests)
    metrics.last_run.set(time.time())
    return metrics


def windows(now: float, window_s: float, reference_s: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """(reference, current) as [start, end) times: the current window ends now, the reference
    window ends where the current one starts."""
    current = (now - window_s, now)
    return (current[0] - reference_s, current[0]), current
