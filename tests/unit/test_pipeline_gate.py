"""The registration gate and lineage against a real (sqlite) MLflow registry, without a model:
versions carry figures measured under the same evaluation config, so nothing is re-evaluated."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import PipelineConfig
from pipelines.evaluate import EVAL_CONFIG_TAG, eval_config_digest
from pipelines.finetune.train import FinetuneResult
from pipelines.gate import apply_gate, register_adapter
from pipelines.registry import open_registry, set_metrics, set_tags
from services.registry.service import RegistryError

CHAMPION = {"medical_ppl": 20.0, "general_ppl": 40.0, "pubmedqa_accuracy": 0.5, "tokens_per_s": 30.0}


@pytest.fixture(scope="module")
def registry_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("registry")
    open_registry(_config(root, "warm-up").registry)  # create the database once (migrations are slow)
    return root


def _config(root: Path, model: str) -> PipelineConfig:
    return PipelineConfig.model_validate(
        {
            "finetune": {"base_model": model},
            "registry": {"tracking_uri": f"sqlite:///{root}/mlflow.db", "artifact_root": str(root / "art")},
        }
    )


@pytest.fixture
def setup(registry_root: Path, tmp_path: Path, request):
    config = _config(registry_root, request.node.name[:40])  # one registered model per test
    registry = open_registry(config.registry)
    base = tmp_path / "base"
    base.mkdir()
    (base / "config.json").write_text("{}")
    champion = registry.register(config.model_name, base, kind="hf", alias="champion").version
    evaluated(registry, config, champion, CHAMPION)
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    (adapter / "adapter_model.safetensors").write_bytes(b"weights")
    result = FinetuneResult("run-1", adapter, 3, 0, 1.5, "fp32", "d" * 64)
    return config, registry, champion, result


def evaluated(registry, config, version: int, metrics: dict[str, float]) -> None:
    set_metrics(registry, config.model_name, version, metrics)
    set_tags(registry, config.model_name, version, {EVAL_CONFIG_TAG: eval_config_digest(config)})


def test_passing_version_becomes_challenger_with_lineage(setup) -> None:
    config, registry, champion, result = setup
    version = register_adapter(registry, result, config, champion)
    evaluated(registry, config, version, {**CHAMPION, "medical_ppl": 15.0})
    gate = apply_gate(registry, config, version, progress=lambda _m: None)
    assert gate.passed and gate.champion == champion
    info = registry.get_version(config.model_name, version)
    assert info.kind == "lora" and info.tags["gate"] == "passed"
    assert info.tags["parent_version"] == str(champion) and info.tags["data_hash"] == "d" * 64
    assert info.tags["config_sha256"] == config.digest() and info.tags["finetune_run_id"] == "run-1"
    assert (info.local_path() / "adapter_model.safetensors").read_bytes() == b"weights"
    assert [v.version for v in registry.lineage(config.model_name, version)] == [version, champion]
    assert registry.aliases(config.model_name) == {"champion": champion, "challenger": version}


def test_failing_version_keeps_no_alias_and_says_why(setup) -> None:
    config, registry, champion, result = setup
    version = register_adapter(registry, result, config, champion)
    evaluated(registry, config, version, {**CHAMPION, "general_ppl": 80.0, "pubmedqa_accuracy": 0.3})
    gate = apply_gate(registry, config, version, progress=lambda _m: None)
    assert not gate.passed and len(gate.reasons) == 2
    info = registry.get_version(config.model_name, version)
    assert info.tags["gate"] == "failed" and "general perplexity ratio 2.000 > 1.15" in info.tags["gate_reason"]
    assert "challenger" not in registry.aliases(config.model_name) and info.aliases == ()


def test_champion_figures_from_another_evaluation_config_are_measured_again(setup, monkeypatch) -> None:
    """README Registry versions: the gate compares with the champion "evaluated under the same
    evaluation config when its figures are missing or stale"; current figures are reused."""
    from pipelines import gate as gate_module

    config, registry, champion, result = setup
    version = register_adapter(registry, result, config, champion)
    evaluated(registry, config, version, {**CHAMPION, "medical_ppl": 15.0})
    measured: list[int] = []

    def run_evaluate(config, version, progress, registry):
        measured.append(int(version))
        return {**CHAMPION, "medical_ppl": 10.0}  # the champion, measured now, is better

    monkeypatch.setattr(gate_module, "run_evaluate", run_evaluate)
    set_tags(registry, config.model_name, champion, {EVAL_CONFIG_TAG: "0" * 64})  # another config's figures
    gate = apply_gate(registry, config, version, progress=lambda _m: None)
    assert measured == [champion] and not gate.passed, "the stale figures (medical 20.0) were compared"
    evaluated(registry, config, champion, CHAMPION)
    assert apply_gate(registry, config, version, progress=lambda _m: None).passed and measured == [champion]


def test_unknown_parent_is_refused(setup) -> None:
    config, registry, _, result = setup
    with pytest.raises(RegistryError, match="no version"):
        register_adapter(registry, result, config, 99)


def test_evaluate_checks_the_general_text_file_before_loading_the_model(setup, tmp_path, monkeypatch) -> None:
    """README: bad input fails before a model loads; a missing general text file failed only after
    the version's model was loaded."""
    import json

    from pipelines import evaluate
    from pipelines.config import ConfigError

    config, registry, champion, _ = setup
    data = tmp_path / "d.json"
    items = {
        str(1000 + i): {"QUESTION": "q?", "CONTEXTS": ["c"], "LONG_ANSWER": "a.", "final_decision": "yes"}
        for i in range(40)
    }
    data.write_text(json.dumps(items))
    config.data.path, config.data.general_text_path = data, tmp_path / "nowhere.jsonl"

    def no_model(*args, **kwargs):
        raise AssertionError("the model was loaded before the inputs were checked")

    monkeypatch.setattr(evaluate, "load_version", no_model)
    with pytest.raises(ConfigError, match="nowhere.jsonl does not exist"):
        evaluate.run_evaluate(config, champion, registry=registry)
