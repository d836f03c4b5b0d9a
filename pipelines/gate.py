"""Registration gate and lineage: a new version becomes ``challenger`` only if it holds up
against the champion on the configured thresholds; otherwise it stays registered, without an
alias, with the reason in its tags (``llmops.gate``, ``llmops.gate_reason``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipelines.config import GateConfig, PipelineConfig
from pipelines.evaluate import EVAL_CONFIG_TAG, eval_config_digest, run_evaluate
from pipelines.finetune.train import FinetuneResult
from pipelines.registry import code_version, set_tags
from services.registry.service import ModelRegistry, RegistryError


@dataclass(frozen=True)
class GateResult:
    version: int
    champion: int
    passed: bool
    reasons: list[str]


def decide(candidate: dict[str, float], champion: dict[str, float], gate: GateConfig) -> list[str]:
    """Reasons the candidate fails (empty: it passes)."""
    reasons = []
    ratio = candidate["medical_ppl"] / champion["medical_ppl"]
    if ratio > gate.max_medical_ppl_ratio:
        reasons.append(f"medical perplexity ratio {ratio:.3f} > {gate.max_medical_ppl_ratio}")
    ratio = candidate["general_ppl"] / champion["general_ppl"]
    if ratio > gate.max_general_ppl_ratio:
        reasons.append(f"general perplexity ratio {ratio:.3f} > {gate.max_general_ppl_ratio}")
    delta = candidate["pubmedqa_accuracy"] - champion["pubmedqa_accuracy"]
    if delta < gate.min_accuracy_delta:
        reasons.append(f"PubMedQA accuracy change {delta:+.3f} < {gate.min_accuracy_delta:+}")
    ratio = candidate["tokens_per_s"] / champion["tokens_per_s"]
    if ratio < gate.min_speed_ratio:
        reasons.append(f"speed ratio {ratio:.3f} < {gate.min_speed_ratio}")
    return reasons


def register_adapter(
    registry: ModelRegistry,
    result: FinetuneResult,
    config: PipelineConfig,
    parent: int,
    extra: dict[str, Any] | None = None,
) -> int:
    """A LoRA version from a fine-tune run (adapter copied into the registry), with its lineage."""
    tags = {
        "base_model": config.finetune.base_model,
        "parent_version": parent,
        "data_hash": result.data_sha256,
        "code_version": code_version(),
        "config_sha256": config.digest(),
        "finetune_run_id": result.run_id,
        "precision": result.precision,
        "train_steps": result.steps,
        **(extra or {}),
    }
    info = registry.register(
        config.model_name,
        result.adapter_dir,
        kind="lora",
        tags=tags,
        copy=True,
        description=f"LoRA adapter on {config.finetune.base_model} from MLflow run {result.run_id}",
    )
    return info.version


def _evaluated(registry: ModelRegistry, config: PipelineConfig, version: int, progress) -> dict[str, float]:
    """The version's figures under this evaluation config (evaluated now if missing or stale)."""
    info = registry.get_version(config.model_name, version)
    if info.tags.get(EVAL_CONFIG_TAG) != eval_config_digest(config):
        return run_evaluate(config, version, progress, registry)
    return info.metrics


def apply_gate(registry: ModelRegistry, config: PipelineConfig, version: int, progress=print) -> GateResult:
    name = config.model_name
    champion = registry.aliases(name).get("champion")
    if champion is None:
        raise RegistryError(f"model '{name}' has no champion to compare with (llmops registry ensure-default)")
    if champion == int(version):
        raise RegistryError(f"version {version} of '{name}' is the champion itself")
    candidate = _evaluated(registry, config, version, progress)
    progress(f"champion v{champion} under the same evaluation")
    baseline = _evaluated(registry, config, champion, progress)
    reasons = decide(candidate, baseline, config.gate)
    set_tags(
        registry,
        name,
        version,
        {
            "gate": "passed" if not reasons else "failed",
            "gate_reason": "; ".join(reasons) or "all thresholds met",
            "gate_champion": champion,
        },
    )
    if not reasons:
        registry.set_alias(name, "challenger", int(version))
        progress(f"v{version} passed the gate against champion v{champion}: alias challenger")
    else:
        progress(f"v{version} failed the gate against champion v{champion}: {'; '.join(reasons)}")
    return GateResult(int(version), champion, not reasons, reasons)
