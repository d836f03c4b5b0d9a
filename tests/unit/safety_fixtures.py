"""Shared fixtures for the safety tests: the real detectors, loaded once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def classifiers_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """var/classifiers when built with this recipe (make classifiers), else trained now from the shared data."""
    import json

    from pipelines.classifiers.train import FORMAT_VERSION, TASKS, train_all

    built = ROOT / "var" / "classifiers"
    manifest = built / "manifest.json"
    entries = json.loads(manifest.read_text()) if manifest.exists() else {}
    formats = {v.get("format") for k, v in entries.items() if k in TASKS}  # the PII tagger's entry has its own
    if (built / "injection.onnx").exists() and (built / "toxicity.onnx").exists() and formats == {FORMAT_VERSION}:
        return built

    data = Path(os.environ.get("LLMOPS_DATA_DIR", ROOT.parent / "shared" / "data"))
    if not data.exists():
        pytest.skip(f"no classifiers built and no training data at {data}")
    out = tmp_path_factory.mktemp("classifiers")
    train_all(data, out)
    return out


@pytest.fixture(scope="session")
def safety_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return classifiers_dir(tmp_path_factory)


@pytest.fixture(scope="session")
def pii_tagger_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped PII tagger: var/classifiers' when up to date (make classifiers), else trained now (seconds)."""
    from pipelines.classifiers.pii_tagger import train_pii_tagger, up_to_date
    from services.safety.tagger import MODEL_FILE

    built = ROOT / "var" / "classifiers"
    if up_to_date(built):
        return built / MODEL_FILE
    out = tmp_path_factory.mktemp("pii-tagger")
    train_pii_tagger(out)
    return out / MODEL_FILE


@pytest.fixture(scope="session")
def pii_detector(pii_tagger_path):
    """The detector as the guard builds it: rules and the trained tagger."""
    from services.safety.pii import PiiDetector

    return PiiDetector(tagger_path=pii_tagger_path)


@pytest.fixture(scope="session")
def safety_service(pii_detector, safety_models_dir):
    from services.safety.classifiers import InjectionClassifier, ToxicityClassifier
    from services.safety.service import SafetyService

    return SafetyService(pii_detector, InjectionClassifier(safety_models_dir), ToxicityClassifier(safety_models_dir))
