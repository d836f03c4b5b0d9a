"""Our shipped safety classifiers, as served, next to packaged detectors on the same held-out rows.

Injection (``pipelines/classifiers/heldout/injection_heldout.jsonl``): ours is
``var/classifiers/injection.onnx`` + the heuristics (noisy-OR, what the safety service compares
with the policy threshold); the peers are jailguard (an MLP on all-MiniLM-L6-v2 embeddings; its
ONNX embedder is the project's own export, so nothing is downloaded) and toolwall-guard's rule
layers (patterns, unicode tags, markdown exfiltration; built for tool outputs, i.e. indirect
injection; its DeBERTa judge would come from the Hugging Face hub and is off) and
prompt-guardrail (``guardify``: TF-IDF + logistic regression pickles in the wheel). Toxicity
(``toxicity_heldout.jsonl``, toxic = hate or offensive vs neither): ours is
``var/classifiers/toxicity.onnx`` (P(hate) + P(offensive)); the peer is alt-profanity-check.

For each system: ROC AUC; precision / recall / F1 / false-positive rate and per-source recall
at its own thresholds (ours: the policy's in ``config/safety.yaml`` and the report's chosen one;
a peer: its default decision) and at the "oracle" threshold (highest F1 with at most 2 % of
benign rows flagged, chosen on the held-out set itself: an upper bound, not a figure a
deployment gets); p50 / p90 ms per prompt, one prompt per call, one thread (the peers' worker is
pinned to one CPU).

The peers live in the benchmark venv (``PEERS=classifiers bash loadtests/install_peers.sh``),
never in the stack's: each runs in a worker process of that venv's Python (this file run with
``--worker``; it needs only the peer package).

    .venv/bin/python loadtests/bench_classifier_peers.py [--bench-venv /work/main/.venv-bench]

Progress on stderr; the last stdout line is one JSON object (also appended to --out).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ORACLE_LABEL = "oracle threshold, chosen on the held-out set: an upper bound, not a figure a deployment gets"
MAX_FPR = 0.02  # the target: at most 2 % of benign prompts blocked
TASKS = ("injection", "toxicity")
FIGURES = ("precision", "recall", "f1", "false_positive_rate_benign")


# ---------------------------------------------------------------- worker (benchmark venv)


def score_each(scorer: Callable[[str], tuple[float, bool]], texts: list[str]) -> dict[str, list]:
    """One call per text (after one warm-up call): scores, the peer's own decisions, seconds."""
    scorer(texts[0] if texts else "warm up")
    scores, flags, seconds = [], [], []
    for text in texts:
        started = time.perf_counter()
        score, flag = scorer(text)
        seconds.append(time.perf_counter() - started)
        scores.append(float(score))
        flags.append(bool(flag))
    return {"scores": scores, "flags": flags, "seconds": seconds}


def _jailguard() -> tuple[Callable[[str], tuple[float, bool]], str]:
    import jailguard

    def scorer(text: str) -> tuple[float, bool]:
        result = jailguard.detect(text)
        return result.score, result.is_injection

    return scorer, jailguard.__version__


def _profanity_check() -> tuple[Callable[[str], tuple[float, bool]], str]:
    from importlib.metadata import version

    from profanity_check import predict, predict_prob

    def scorer(text: str) -> tuple[float, bool]:
        return float(predict_prob([text])[0]), bool(predict([text])[0])

    return scorer, version("alt-profanity-check")


TOOLWALL_THRESHOLD = 0.6  # toolwall's Policy.response_ipi_threshold default


def _toolwall() -> tuple[Callable[[str], tuple[float, bool]], str]:
    from importlib.metadata import version

    from toolwall.detect import CompositeDetector

    detector = CompositeDetector(use_judge=False)  # its DeBERTa judge comes from the Hugging Face hub

    def scorer(text: str) -> tuple[float, bool]:
        score = detector.score(text)[0]
        return score, score >= TOOLWALL_THRESHOLD

    return scorer, version("toolwall-guard")


def _prompt_guardrail() -> tuple[Callable[[str], tuple[float, bool]], str]:
    import warnings
    from importlib.metadata import version

    import guardify

    with warnings.catch_warnings(record=True) as caught:  # its pickles are from another scikit-learn
        warnings.simplefilter("always")
        guardify.detect("warm up")
    PEER_WARNINGS.extend(sorted({str(w.message).split(". ")[0] for w in caught}))

    def scorer(text: str) -> tuple[float, bool]:
        result = guardify.detect(text)  # {"label": "safe" | "injection", "score": the likelier label's probability}
        injection = result["label"] == "injection"
        return (result["score"] if injection else 1.0 - result["score"]), injection

    return scorer, version("prompt-guardrail")


PEER_WARNINGS: list[str] = []
PEER_LOADERS = {
    "jailguard": _jailguard,
    "alt-profanity-check": _profanity_check,
    "toolwall-guard": _toolwall,
    "prompt-guardrail": _prompt_guardrail,
}


def _worker(peer: str, texts_file: str, out_file: str) -> None:
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})  # one thread's worth of CPU, whatever thread pool the peer makes
    texts = json.loads(Path(texts_file).read_text())
    scorer, version = PEER_LOADERS[peer]()
    result = score_each(scorer, texts)
    result["version"] = version
    result["warnings"] = PEER_WARNINGS
    Path(out_file).write_text(json.dumps(result))


PEER_MODULES = {
    "jailguard": "jailguard",
    "alt-profanity-check": "profanity_check",
    "toolwall-guard": "toolwall",
    "prompt-guardrail": "guardify",
}


def missing_peers(python: Path) -> list[str]:
    """The peers the benchmark venv cannot import (checked before any scoring)."""
    missing = []
    for peer, module in PEER_MODULES.items():
        found = subprocess.run(
            [str(python), "-c", f"import importlib.util as u; exit(u.find_spec('{module}') is None)"]
        )
        if found.returncode != 0:
            missing.append(peer)
    return missing


def run_peer(python: Path, peer: str, texts: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """The peer's scores on ``texts``, from a worker process of the benchmark venv's Python."""
    if not Path(python).exists():
        raise FileNotFoundError(f"{python} not found: PEERS=classifiers bash loadtests/install_peers.sh")
    with tempfile.TemporaryDirectory(prefix="classifier-peer-") as tmp:
        texts_file, out_file = Path(tmp) / "texts.json", Path(tmp) / "out.json"
        texts_file.write_text(json.dumps(texts))
        worker_env = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
        cmd = [str(python), __file__, "--worker", peer, str(texts_file), str(out_file)]
        done = subprocess.run(cmd, env=worker_env, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0:
            raise RuntimeError(f"the {peer} worker failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
        return json.loads(out_file.read_text())


# ---------------------------------------------------------------- figures (stack venv)


def _rounded(figures: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"threshold": round(float(figures["threshold"]), 4)}
    out.update({k: round(figures[k], 3) for k in FIGURES})
    out["per_source"] = {
        source: {k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()}
        for source, row in figures["per_source"].items()
    }
    return out


def system_figures(
    y: Any, score: Any, groups: list[str], own_thresholds: dict[str, float], seconds: list[float]
) -> dict[str, Any]:
    """ROC AUC; figures at each of the system's own thresholds and at the oracle threshold (highest
    F1 with at most ``MAX_FPR`` of benign rows flagged, chosen on these very rows); ms per prompt."""
    import numpy as np

    from loadtests._common import ms, pct
    from pipelines.classifiers.evaluate import binary_figures, pick_threshold

    y, score = np.asarray(y), np.asarray(score, dtype=float)
    at = {name: _rounded(binary_figures(y, score, groups, t)) for name, t in own_thresholds.items()}
    oracle = pick_threshold(y, score, MAX_FPR)
    at[ORACLE_LABEL] = _rounded(binary_figures(y, score, groups, oracle))
    auc = binary_figures(y, score, groups, 0.5)["roc_auc"]
    return {
        "roc_auc": None if auc is None else round(auc, 3),
        "at": at,
        "p50_ms_per_prompt": round(ms(pct(seconds, 50)), 2),
        "p90_ms_per_prompt": round(ms(pct(seconds, 90)), 2),
    }


def peer_figures(
    y: Any, peer: dict[str, Any], groups: list[str], default_label: str, default_threshold: float = 0.5
) -> dict[str, Any]:
    """A peer's figures; its default decision is taken as score >= ``default_threshold``, and the
    rows where the peer's own decision says otherwise are counted (0 when that reading is right)."""
    row = system_figures(y, peer["scores"], groups, {default_label: default_threshold}, peer["seconds"])
    pairs = zip(peer["flags"], peer["scores"], strict=True)
    row["default_decisions_not_score_ge_threshold"] = sum(flag != (score >= default_threshold) for flag, score in pairs)
    return row


def time_each(score: Callable[[list[str]], list[float]], texts: list[str]) -> tuple[list[float], list[float]]:
    """Our classifier, one text per call like the peers: scores and seconds."""
    score(texts[:1])  # warm up
    scores, seconds = [], []
    for text in texts:
        started = time.perf_counter()
        scores.append(score([text])[0])
        seconds.append(time.perf_counter() - started)
    return scores, seconds


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-venv", default=None, help="venv with the peers [default: $BENCH_VENV or .venv-bench]")
    parser.add_argument("--classifiers-dir", type=Path, default=root / "var" / "classifiers")
    parser.add_argument("--policy", type=Path, default=root / "config" / "safety.yaml")
    parser.add_argument("--model-dir", type=Path, default=root / "var" / "models" / "all-minilm-l6-v2")
    parser.add_argument("--cache-dir", type=Path, default=root / "var" / "rag" / "onnx", help="the MiniLM ONNX export")
    parser.add_argument("--out", type=Path, default=root / "loadtests" / "records" / "bench_classifier_peers.jsonl")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = "1"

    import hashlib

    import numpy as np
    import yaml

    from loadtests._common import RunStamp, bench_venv, emit, log
    from pipelines.classifiers.data import read_heldout
    from pipelines.classifiers.train import HELDOUT_DIR, served_injection_scores
    from services.rag.embeddings import onnx_file
    from services.safety.classifiers import InjectionClassifier, ToxicityClassifier

    python = bench_venv(args.bench_venv) / "bin" / "python"
    if not python.exists():
        parser.error(f"{python} not found: PEERS=classifiers bash loadtests/install_peers.sh")
    if missing := missing_peers(python):
        parser.error(f"{', '.join(missing)} not in {python}: PEERS=classifiers bash loadtests/install_peers.sh")
    manifest = json.loads((args.classifiers_dir / "manifest.json").read_text())
    reports = {
        t: json.loads((args.classifiers_dir / f"{t}_report.json").read_text()) for t in ("injection", "toxicity")
    }
    policy = yaml.safe_load(args.policy.read_text())["default"]
    stamp = RunStamp()
    record: dict[str, Any] = {"bench": "bench_classifier_peers", "oracle": ORACLE_LABEL, "max_fpr_for_oracle": MAX_FPR}

    # injection: ours as served vs jailguard
    rows = read_heldout(HELDOUT_DIR / "injection_heldout.jsonl")
    texts, y, groups = [r[0] for r in rows], np.array([r[1] for r in rows]), [r[2] for r in rows]
    ours = InjectionClassifier(args.classifiers_dir)
    served = lambda batch: list(served_injection_scores(np.array(ours.scores(batch)), batch))  # noqa: E731
    scores, seconds = time_each(served, texts)
    own = {
        "policy (config/safety.yaml)": float(policy["injection"]["threshold"]),
        "report's chosen": float(reports["injection"]["threshold"]["chosen"]),
    }
    injection: dict[str, Any] = {"rows": len(y), "positives": int(y.sum())}
    injection["llmops (classifier + heuristics, as served)"] = system_figures(y, scores, groups, own, seconds)
    log("llmops injection", injection["llmops (classifier + heuristics, as served)"]["roc_auc"])
    with tempfile.TemporaryDirectory(prefix="jailguard-model-") as model_dir:
        (Path(model_dir) / "all-MiniLM-L6-v2.onnx").symlink_to(onnx_file(args.model_dir, args.cache_dir).resolve())
        peer = run_peer(python, "jailguard", texts, {"JAILGUARD_MODEL_DIR": model_dir})
    row = peer_figures(y, peer, groups, "peer default (is_injection)")
    injection[f"jailguard {peer['version']}"] = row
    log("jailguard", row["roc_auc"])
    peer = run_peer(python, "toolwall-guard", texts)
    row = peer_figures(y, peer, groups, "peer default (score >= 0.6)", TOOLWALL_THRESHOLD)
    row["layers"] = "patterns, unicode tags, markdown exfiltration (no judge model: it comes from the Hugging Face hub)"
    injection[f"toolwall-guard {peer['version']}"] = row
    log("toolwall-guard", row["roc_auc"])
    peer = run_peer(python, "prompt-guardrail", texts)
    row = peer_figures(y, peer, groups, "peer default (label)")
    row["warnings"] = peer["warnings"]
    injection[f"prompt-guardrail {peer['version']}"] = row
    log("prompt-guardrail", row["roc_auc"])
    record["injection"] = injection

    # toxicity: ours (P(hate) + P(offensive)) vs alt-profanity-check; toxic = hate or offensive
    rows = read_heldout(HELDOUT_DIR / "toxicity_heldout.jsonl")
    texts, groups = [r[0] for r in rows], [r[2] for r in rows]
    y = np.array([int(r[1] in (0, 1)) for r in rows])  # classes ("hate", "offensive", "neither")
    tox = ToxicityClassifier(args.classifiers_dir)
    scores, seconds = time_each(lambda batch: [tox.score(t)[0] for t in batch], texts)
    own = {
        "policy (config/safety.yaml)": float(policy["toxicity"]["threshold"]),
        "report's chosen": float(reports["toxicity"]["threshold"]["chosen"]),
    }
    toxicity: dict[str, Any] = {"rows": len(y), "positives": int(y.sum())}
    toxicity["llmops (toxicity.onnx, P(hate) + P(offensive))"] = system_figures(y, scores, groups, own, seconds)
    peer = run_peer(python, "alt-profanity-check", texts)
    row = peer_figures(y, peer, groups, "peer default (predict)")
    toxicity[f"alt-profanity-check {peer['version']}"] = row
    log("alt-profanity-check", row["roc_auc"])
    record["toxicity"] = toxicity

    record["artefacts"] = {
        task: {
            "format": manifest[task]["format"],
            "onnx_sha256": hashlib.sha256((args.classifiers_dir / f"{task}.onnx").read_bytes()).hexdigest()[:12],
        }
        for task in TASKS
    }
    record.update(
        {
            **stamp.fields(),
        }
    )
    emit(record, args.out)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
