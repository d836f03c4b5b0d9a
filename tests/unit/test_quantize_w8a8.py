"""The w8a8 scheme: a compressed-tensors int8 checkpoint of the real embedded model (~20 s on 2
cores), registered with lineage in a sqlite MLflow registry; its file format is the one vLLM's
compressed-tensors method reads; transformers loads it back for evaluation and it still answers
"Paris". (vLLM's CPU backend loading it and answering: loadtests/bench_quantization.py
--vllm-quantized-dir, see the README.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.config import ConfigError, PipelineConfig
from pipelines.evaluate import load_version
from pipelines.quantize import run_quantize
from pipelines.registry import base_version, open_registry

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "var/models"
BASE = MODELS / "smollm2-135m-instruct"

needs_model = pytest.mark.skipif(
    not (BASE / "config.json").is_file(), reason="needs the embedded model (llmops models import)"
)


def _config(root: Path, **quantize) -> PipelineConfig:
    return PipelineConfig.model_validate(
        {
            "finetune": {"models_dir": str(MODELS)},
            "quantize": {"output_dir": str(root / "quantized"), "schemes": ["w8a8"], **quantize},
            "registry": {"tracking_uri": f"sqlite:///{root}/mlflow.db", "artifact_root": str(root / "art")},
        }
    )


def test_gptq_with_w8a8_is_refused_before_any_work(tmp_path):
    with pytest.raises(ValueError, match="w8a8 is round-to-nearest"):
        _config(tmp_path, algorithm="gptq")


def test_unknown_scheme_names_what_vllm_serves(tmp_path):
    with pytest.raises(ConfigError, match="vLLM serves w8a8"):
        run_quantize(_config(tmp_path), 1, schemes=["w4a4"])


@needs_model
def test_w8a8_checkpoint_registered_in_vllm_format_and_answers_paris(tmp_path):
    import torch
    from safetensors import safe_open

    config = _config(tmp_path)
    registry = open_registry(config.registry)
    base = base_version(registry, MODELS, config.finetune.base_model)
    messages: list[str] = []
    [result] = run_quantize(config, base.version, messages.append, registry)
    assert result.scheme == "w8a8" and any("210 Linear layers" in m for m in messages)

    info = registry.get_version(config.model_name, result.version)
    assert info.kind == "quantized"
    assert info.tags["engine"] == "vllm" and info.tags["format"] == "compressed-tensors"
    assert info.tags["quantization"] == "w8a8" and info.tags["parent_version"] == str(base.version)

    qc = json.loads((result.folder / "config.json").read_text())["quantization_config"]
    group = qc["config_groups"]["group_0"]
    assert qc["quant_method"] == "compressed-tensors" and qc["format"] == "int-quantized"
    assert qc["ignore"] == ["lm_head"] and group["targets"] == ["Linear"]
    assert (group["weights"]["num_bits"], group["weights"]["strategy"], group["weights"]["symmetric"]) == (
        8,
        "channel",
        True,
    )
    acts = group["input_activations"]
    assert (acts["num_bits"], acts["strategy"], acts["dynamic"]) == (8, "token", True)

    # int8 weights with one scale per output channel, within half a step of the float32 weights
    with (
        safe_open(result.folder / "model.safetensors", "pt") as quant,
        safe_open(BASE / "model.safetensors", "pt") as orig,
    ):
        name = "model.layers.3.mlp.down_proj"
        q, scale = quant.get_tensor(f"{name}.weight"), quant.get_tensor(f"{name}.weight_scale")
        assert q.dtype == torch.int8 and scale.shape == (q.shape[0], 1)
        assert (q.float() * scale - orig.get_tensor(f"{name}.weight")).abs().max() <= scale.max() / 2 + 1e-6
    assert result.size_bytes < 0.5 * (BASE / "model.safetensors").stat().st_size

    model, tokenizer, kind = load_version(registry, config.model_name, result.version, MODELS, tmp_path / "load")
    ids = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is the capital of France?"}], add_generation_prompt=True, return_tensors="pt"
    )
    ids = ids if torch.is_tensor(ids) else ids["input_ids"]
    out = model.generate(ids, max_new_tokens=12, do_sample=False)
    assert "Paris" in tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
