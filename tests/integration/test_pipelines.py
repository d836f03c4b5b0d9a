"""The training pipelines for real, at CI size: two Ray Train DDP workers fine-tune LoRA on the
embedded model for a few steps, resume from a checkpoint, the version is registered with its
lineage, evaluated and gated in a sqlite MLflow registry; a two-trial Ray Tune search."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from pipelines.config import PipelineConfig
from pipelines.registry import open_registry

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "var/models"
PUBMEDQA = ROOT / "../shared/data/pubmedqa/ori_pqal.json"
GENERAL = ROOT / "../shared/data/prompt_injection/train.jsonl"
FIXED_PROMPT = "Does aspirin reduce the risk of heart attack?"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.ray,
    pytest.mark.timeout(3600),  # the module fixture trains, registers and evaluates: slow on a loaded machine
    pytest.mark.skipif(
        not (MODELS / "smollm2-135m-instruct/config.json").is_file() or not PUBMEDQA.is_file(),
        reason="needs the embedded model (llmops models import) and ../shared/data",
    ),
]


def tiny_config(tmp: Path, **finetune) -> PipelineConfig:
    return PipelineConfig.model_validate(
        {
            "data": {
                "path": str(PUBMEDQA),
                "general_text_path": str(GENERAL),
                "max_train_examples": 16,
                "max_seq_len": 96,
            },
            "finetune": {
                "models_dir": str(MODELS),
                "output_dir": str(tmp / "runs"),
                "run_name": "ci",
                "learning_rate": 3e-3,
                "max_steps": 3,
                "batch_size": 2,
                "num_workers": 2,
                "cpus_per_worker": 0.5,
                "checkpoint_every": 1,
                "precision": "fp32",
                **finetune,
            },
            "evaluate": {"medical_items": 4, "general_items": 4, "qa_items": 6, "speed_tokens": 4, "max_seq_len": 128},
            "gate": {
                "max_medical_ppl_ratio": 5.0,
                "max_general_ppl_ratio": 5.0,
                "min_accuracy_delta": -1.0,
                "min_speed_ratio": 0.05,
            },
            "hpo": {"num_trials": 2, "epochs": [1, 2], "steps_per_epoch": 1, "validation_items": 2, "ranks": [2, 4]},
            "registry": {"tracking_uri": f"sqlite:///{tmp}/mlflow.db", "artifact_root": str(tmp / "artifacts")},
        }
    )


@pytest.fixture(scope="module")
def ray_local():
    import ray

    ray.init(_node_ip_address="127.0.0.1", include_dashboard=False, num_cpus=2, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory, ray_local):
    from pipelines.run import run_pipeline

    tmp = tmp_path_factory.mktemp("pipeline")
    config = tiny_config(tmp)
    return tmp, config, run_pipeline(config, progress=lambda _m: None)


def test_two_workers_train_and_log(pipeline_run) -> None:
    _, config, result = pipeline_run
    assert (result.finetune.adapter_dir / "adapter_model.safetensors").is_file()
    assert result.finetune.steps == 3 and math.isfinite(result.finetune.final_loss)
    registry = open_registry(config.registry)
    run = registry.client.get_run(result.finetune.run_id)
    assert run.data.params["num_workers"] == "2" and run.data.params["precision"] in ("fp32", "bf16")
    history = registry.client.get_metric_history(result.finetune.run_id, "train_loss")
    assert sorted({m.step for m in history}) == [1, 2, 3]
    assert all(math.isfinite(m.value) for m in history)
    artifacts = {a.path for a in registry.client.list_artifacts(result.finetune.run_id)}
    assert {"adapter", "training_curve.json", "pipeline_config.json"} <= artifacts


def test_version_lineage_metrics_and_gate(pipeline_run) -> None:
    _, config, result = pipeline_run
    registry = open_registry(config.registry)
    name = config.model_name
    version = registry.get_version(name, result.version)
    champion = registry.get_version(name, "champion")
    assert version.kind == "lora" and champion.kind == "hf"
    assert [v.version for v in registry.lineage(name, result.version)] == [result.version, champion.version]
    assert version.tags["data_hash"] == result.finetune.data_sha256 and len(version.tags["data_hash"]) == 64
    assert version.tags["config_sha256"] == config.digest() and version.tags["code_version"]
    assert version.tags["finetune_run_id"] == result.finetune.run_id
    assert (version.local_path() / "adapter_model.safetensors").is_file()  # copied into the registry
    for key in ("medical_ppl", "general_ppl", "pubmedqa_accuracy", "tokens_per_s"):
        assert math.isfinite(version.metrics[key]) and version.metrics[key] >= 0
        assert math.isfinite(champion.metrics[key])
    assert result.gate.passed, result.gate.reasons
    assert version.tags["gate"] == "passed" and version.tags["gate_champion"] == str(champion.version)
    assert registry.aliases(name)["challenger"] == result.version


def test_failing_version_is_registered_without_alias(pipeline_run) -> None:
    from pipelines.gate import apply_gate, register_adapter

    _, config, result = pipeline_run
    registry = open_registry(config.registry)
    strict = config.model_copy(deep=True)
    strict.gate.max_medical_ppl_ratio = 0.01
    again = register_adapter(registry, result.finetune, strict, registry.aliases(config.model_name)["champion"])
    gate = apply_gate(registry, strict, again, progress=lambda _m: None)
    assert not gate.passed and "medical perplexity ratio" in gate.reasons[0]
    tags = registry.get_version(config.model_name, again).tags
    assert tags["gate"] == "failed" and "medical perplexity" in tags["gate_reason"]
    assert registry.aliases(config.model_name)["challenger"] == result.version  # unchanged


def test_adapter_changes_the_output(pipeline_run) -> None:
    import torch
    from peft import PeftModel

    from pipelines.finetune.core import load_base
    from pipelines.finetune.data import prompt_ids

    _, _, result = pipeline_run
    base, tokenizer = load_base(MODELS / "smollm2-135m-instruct")
    ids = torch.tensor([prompt_ids(tokenizer, FIXED_PROMPT)])
    with torch.no_grad():
        before = base.generate(ids, max_new_tokens=16, do_sample=False)
        tuned = PeftModel.from_pretrained(base, result.finetune.adapter_dir)
        after = tuned.generate(input_ids=ids, max_new_tokens=16, do_sample=False)
    assert before[0].tolist() != after[0].tolist()


def test_resume_continues_from_the_newest_checkpoint(pipeline_run) -> None:
    from pipelines.finetune.train import run_finetune

    _, config, first = pipeline_run
    longer = config.model_copy(deep=True)
    longer.finetune.max_steps = 4
    result = run_finetune(longer, progress=lambda _m: None)
    assert result.run_id == first.finetune.run_id  # the same MLflow run goes on
    assert result.resumed_from_step == 3 and result.steps == 4
    registry = open_registry(config.registry)
    curve = json.loads(Path(registry.client.download_artifacts(result.run_id, "training_curve.json")).read_text())
    assert [step for step, _ in curve["train_loss"]] == [1, 2, 3, 4]


def test_auto_precision_checks_bf16_against_fp32(tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    from pipelines.finetune.data import encode_example, load_items, split_items
    from pipelines.finetune.train import resolve_precision

    config = tiny_config(tmp_path, precision="auto")
    tokenizer = AutoTokenizer.from_pretrained(MODELS / "smollm2-135m-instruct")
    items = split_items(load_items(config.data), config.data)["train"][:2]
    examples = [encode_example(tokenizer, item, 96) for item in items]
    precision, check = resolve_precision(config, MODELS / "smollm2-135m-instruct", examples)
    assert "Paris" in check["answer_fp32"] and math.isfinite(check["loss_rel_diff"])
    assert precision == ("bf16" if check["bf16_correct"] and check["bf16_faster"] else "fp32")
    assert resolve_precision(config, MODELS / "smollm2-135m-instruct", examples) == (precision, check)  # cached


def test_two_trial_search_registers_the_best(tmp_path: Path, ray_local) -> None:
    from pipelines.hpo import run_hpo

    config = tiny_config(tmp_path)
    version, best = run_hpo(config, progress=lambda _m: None)
    assert len(best["trials"]) == 2 and math.isfinite(best["val_loss"])
    assert best["params"]["rank"] in (2, 4)
    registry = open_registry(config.registry)
    tags = registry.get_version(config.model_name, version).tags
    assert json.loads(tags["hpo"]) == best["params"] and tags["parent_version"]
