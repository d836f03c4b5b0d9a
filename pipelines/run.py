"""``llmops pipeline run``: fine-tune -> register (with lineage) -> evaluate -> gate, from one file."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.config import PipelineConfig
from pipelines.evaluate import run_evaluate
from pipelines.finetune.data import load_items
from pipelines.finetune.train import FinetuneResult, model_dir_of, run_finetune
from pipelines.gate import GateResult, apply_gate, register_adapter
from pipelines.registry import Registry


@dataclass(frozen=True)
class PipelineResult:
    finetune: FinetuneResult
    version: str
    metrics: dict[str, float]
    gate: GateResult


def run_pipeline(config: PipelineConfig, progress=print) -> PipelineResult:
    load_items(config.data)  # bad data fails here, before anything is registered or trained
    registry = Registry(config.registry.tracking_uri, config.registry.model_name)
    parent = registry.ensure_base(config.finetune.base_model, model_dir_of(config))
    result = run_finetune(config, progress)
    version = register_adapter(registry, result, config, parent)
    progress(f"registered {registry.model_name} v{version} (parent v{parent})")
    metrics = run_evaluate(config, version, progress, registry)
    gate = apply_gate(registry, config, version, progress)
    return PipelineResult(result, version, metrics, gate)
