"""Registration gate and lineage: a new version becomes ``challenger`` only if it holds up
against the champion on the configured thresholds; otherwise it stays registered, without an
alias, with the reason in its tags.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.config import GateConfig, PipelineConfig
from pipelines.evaluate import EVAL_CONFIG_TAG, eval_config_digest, run_evaluate
from pipelines.finetune.train import FinetuneResult
from pipelines.registry import (
    BASE_TAG,
    CODE_TAG,
    CONFIG_TAG,
    DATA_TAG,
    GATE_REASON_TAG,
    GATE_TAG,
    KIND_TAG,
    PARENT_TAG,
    Registry,
    code_version,
)


@dataclass(frozen=True)
class GateResult:
    version: str
    champion: str
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
    registry: Registry, result: FinetuneResult, config: PipelineConfig, parent: str, extra: dict | None = None
) -> str:
    """A LoRA version from a fine-tune run, with its lineage."""
    source = registry.client.get_run(result.run_id).info.artifact_uri.rstrip("/") + "/adapter"
    tags = {
        KIND_TAG: "lora",
        BASE_TAG: config.finetune.base_model,
        PARENT_TAG: parent,
        DATA_TAG: result.data_sha256,
        CODE_TAG: code_version(),
        CONFIG_TAG: config.digest(),
        "llmops.precision": result.precision,
        "llmops.train_steps": str(result.steps),
        **(extra or {}),
    }
    return registry.register(source, result.run_id, tags, description=f"LoRA adapter from run {result.run_id}")


def champion_metrics(registry: Registry, config: PipelineConfig, progress=print) -> tuple[str, dict[str, float]]:
    """The champion's figures under this evaluation config (evaluated now if missing or stale)."""
    champion = registry.by_alias(config.registry.champion_alias)
    if champion is None:
        raise RuntimeError(f"{registry.model_name} has no {config.registry.champion_alias!r} version to compare with")
    version = str(champion.version)
    if champion.tags.get(EVAL_CONFIG_TAG) != eval_config_digest(config):
        progress(f"evaluating champion v{version} under this evaluation config")
        run_evaluate(config, version, progress, registry)
    return version, registry.metrics(version)


def apply_gate(registry: Registry, config: PipelineConfig, version: str, progress=print) -> GateResult:
    champion, baseline = champion_metrics(registry, config, progress)
    candidate = registry.metrics(version)
    if registry.get(version).tags.get(EVAL_CONFIG_TAG) != eval_config_digest(config):
        candidate = run_evaluate(config, version, progress, registry)
    reasons = decide(candidate, baseline, config.gate)
    registry.set_tags(
        version,
        {GATE_TAG: "passed" if not reasons else "failed", GATE_REASON_TAG: "; ".join(reasons) or "all thresholds met"},
    )
    registry.set_tags(version, {"llmops.gate_champion": champion})
    if not reasons:
        registry.set_alias(config.registry.challenger_alias, version)
        progress(f"v{version} passed the gate against champion v{champion}: alias {config.registry.challenger_alias}")
    else:
        progress(f"v{version} failed the gate against champion v{champion}: {'; '.join(reasons)}")
    return GateResult(version, champion, not reasons, reasons)
