"""One int4 build of the embedded model for the whole test session: ``run_quantize`` (the
``llmops pipeline quantize`` step) with the shipped ``config/pipeline.yaml``'s quantize settings
(what a user's int4 build is) exports and quantizes the registered base version and registers the
result in a sqlite MLflow registry. An export takes ~30-60 s on 2 cores and three
modules need one (tests/unit/test_quantize.py, tests/integration/test_quantized_serving.py and
test_lora_serving.py). Tests may add versions and aliases to its registry; none changes or
deletes the base or the int4 version."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "var/models"
PUBMEDQA = ROOT / "../shared/data/pubmedqa/ori_pqal.json"
GENERAL = ROOT / "../shared/data/prompt_injection/train.jsonl"
SHIPPED = ROOT / "config/pipeline.yaml"
# what the tests ask an int4 build: float32's first answer token leads its runner-up by 0.67 in probability
# here, the France question's by 0.012, a near tie the shipped int4 build loses on an AVX2-only CPU
# ("L'Étoile, la Marseillaise,"; records of 2026-12-08 in loadtests/records/greedy_answer.jsonl)
QUESTION = "What is the capital of Japan?"
ANSWER = "Tokyo"


def shipped_quantize() -> dict:
    """The quantize block of the shipped pipeline config (what ``llmops pipeline quantize`` builds)."""
    import yaml

    return yaml.safe_load(SHIPPED.read_text())["quantize"]


def quantize_config(root: Path):
    from pipelines.config import PipelineConfig

    return PipelineConfig.model_validate(
        {
            "data": {"path": str(PUBMEDQA), "general_text_path": str(GENERAL)},
            "finetune": {"models_dir": str(MODELS)},
            "evaluate": {"medical_items": 2, "general_items": 2, "qa_items": 3, "speed_tokens": 4, "max_seq_len": 96},
            "quantize": {**shipped_quantize(), "output_dir": str(root / "quantized")},
            "registry": {"tracking_uri": f"sqlite:///{root}/mlflow.db", "artifact_root": str(root / "art")},
        }
    )


@pytest.fixture(scope="session")
def int4_version(tmp_path_factory: pytest.TempPathFactory, mlflow_template: Path) -> SimpleNamespace:
    """``config`` (the pipeline config), ``registry``, ``base`` (the embedded model's version,
    champion), ``result`` (run_quantize's QuantizedVersion), ``info`` (the int4 version) and
    ``messages`` (the progress lines)."""
    from pipelines.quantize import run_quantize
    from pipelines.registry import base_version, open_registry

    root = tmp_path_factory.mktemp("int4")
    shutil.copy(mlflow_template, root / "mlflow.db")  # MLflow's schema migrated once per session
    config = quantize_config(root)
    registry = open_registry(config.registry)
    base = base_version(registry, MODELS, config.finetune.base_model)
    messages: list[str] = []
    [result] = run_quantize(config, base.version, messages.append, registry, schemes=["int4"])
    info = registry.get_version(config.model_name, result.version)
    return SimpleNamespace(config=config, registry=registry, base=base, result=result, info=info, messages=messages)
