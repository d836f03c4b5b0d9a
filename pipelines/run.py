"""``llmops pipeline run``: fine-tune -> register (with lineage) -> evaluate -> gate, from one file;
with ``quantize.in_run``, a version that passed is then quantized and each variant evaluated and gated."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.config import PipelineConfig
from pipelines.evaluate import run_evaluate
from pipelines.finetune.data import load_general_texts, load_items
from pipelines.finetune.train import FinetuneResult, model_dir_of, run_finetune
from pipelines.gate import GateResult, apply_gate, register_adapter
from pipelines.registry import base_version, open_registry


@dataclass(frozen=True)
class PipelineResult:
    finetune: FinetuneResult
    version: int
    metrics: dict[str, float]
    gate: GateResult
    quantized: list[GateResult] = field(default_factory=list)


def run_pipeline(config: PipelineConfig, progress=print) -> PipelineResult:
    if config.quantize.in_run:
        from pipelines.quantize import check_tools

        check_tools()  # a missing quantization tool fails here, before training
    model_dir_of(config)  # a missing model or bad data fails here, before anything is registered or trained
    load_items(config.data)
    load_general_texts(config.data.general_text_path, config.evaluate.general_items)  # read by the evaluation
    registry = open_registry(config.registry)
    parent = base_version(registry, config.finetune.models_dir, config.finetune.base_model).version
    result = run_finetune(config, progress)
    version = register_adapter(registry, result, config, parent)
    progress(f"registered {config.model_name} v{version} (parent v{parent})")
    metrics = run_evaluate(config, version, progress, registry)
    gate = apply_gate(registry, config, version, progress)
    quantized = []
    if config.quantize.in_run and gate.passed:
        from pipelines.quantize import run_quantize

        for variant in run_quantize(config, version, progress, registry):
            quantized.append(apply_gate(registry, config, variant.version, progress))
    return PipelineResult(result, version, metrics, gate, quantized)
