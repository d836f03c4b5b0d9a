"""``llmops pipeline``: fine-tune, search, evaluate and gate model versions into the registry."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

pipeline_app = typer.Typer(no_args_is_help=True)
console = Console(stderr=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="Pipeline YAML (default: config/pipeline.yaml when present)."),
]


def _config(path: Path | None):
    from pipelines.config import load_config

    if path is None and Path("config/pipeline.yaml").is_file():
        path = Path("config/pipeline.yaml")
    return load_config(path)


def _progress(message: str) -> None:
    console.print(f"[cyan]pipeline[/] {message}", highlight=False)


def _run(action):
    from pipelines.config import ConfigError
    from services.registry.service import RegistryError

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    try:
        return action()
    except (ConfigError, RegistryError) as exc:
        console.print(f"[red]error:[/] {exc}", soft_wrap=True, highlight=False)
        raise typer.Exit(2) from None


@pipeline_app.command()
def finetune(
    config: ConfigOption = None,
    register: Annotated[bool, typer.Option(help="Register the adapter as a version (with lineage).")] = True,
) -> None:
    """LoRA fine-tune on Ray Train (resumes the same run_name from its newest checkpoint)."""

    def action():
        from pipelines.finetune.train import run_finetune
        from pipelines.gate import register_adapter
        from pipelines.registry import base_version, open_registry

        cfg = _config(config)
        result = run_finetune(cfg, _progress)
        out = {"run_id": result.run_id, "adapter": str(result.adapter_dir), "steps": result.steps}
        out["final_loss"] = result.final_loss
        if register:
            registry = open_registry(cfg.registry)
            parent = base_version(registry, cfg.finetune.models_dir, cfg.finetune.base_model).version
            out["version"] = register_adapter(registry, result, cfg, parent)
        print(json.dumps(out))

    _run(action)


@pipeline_app.command()
def evaluate(
    version: Annotated[int, typer.Argument(help="Version number of the registered model.")],
    config: ConfigOption = None,
) -> None:
    """Perplexity (held-out medical, general), PubMedQA accuracy and tokens/s, logged to the version."""

    def action():
        from pipelines.evaluate import run_evaluate

        print(json.dumps(run_evaluate(_config(config), version, _progress)))

    _run(action)


@pipeline_app.command()
def gate(
    version: Annotated[int, typer.Argument(help="Version number to judge against the champion.")],
    config: ConfigOption = None,
) -> None:
    """Give the version the challenger alias if it passes the thresholds, else record why not."""

    def action():
        from pipelines.gate import apply_gate
        from pipelines.registry import open_registry

        cfg = _config(config)
        result = apply_gate(open_registry(cfg.registry), cfg, version, _progress)
        print(json.dumps({"version": result.version, "passed": result.passed, "reasons": result.reasons}))

    _run(action)


@pipeline_app.command()
def quantize(
    version: Annotated[int, typer.Argument(help="Version to quantize (hf, or lora: merged into its base first).")],
    scheme: Annotated[
        list[str] | None,
        typer.Option(
            "--scheme",
            "-s",
            help="int8, int4 (ONNX Runtime) or w8a8 (compressed-tensors, vLLM); repeat for several (default: config).",
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """ONNX Runtime int8/int4 (onnxruntime-genai) or vLLM w8a8 (compressed-tensors) variants, each a new version."""

    def action():
        from pipelines.quantize import run_quantize

        results = run_quantize(_config(config), version, _progress, schemes=scheme or None)
        out = [
            {
                "scheme": r.scheme,
                "version": r.version,
                "folder": str(r.folder),
                "artifact": r.artifact,
                "size_bytes": r.size_bytes,
            }
            for r in results
        ]
        print(json.dumps({"source_version": version, "quantized": out}))

    _run(action)


@pipeline_app.command()
def hpo(config: ConfigOption = None) -> None:
    """Ray Tune search (Optuna TPE + ASHA); the best trial is registered."""

    def action():
        from pipelines.hpo import run_hpo

        version, best = run_hpo(_config(config), _progress)
        print(json.dumps({"version": version, **best}))

    _run(action)


@pipeline_app.command()
def run(config: ConfigOption = None) -> None:
    """fine-tune -> register -> evaluate -> gate [-> quantize -> evaluate -> gate each], from one config file."""

    def action():
        from pipelines.run import run_pipeline

        result = run_pipeline(_config(config), _progress)
        out = {"version": result.version, "run_id": result.finetune.run_id, "metrics": result.metrics}
        out["gate"] = {"passed": result.gate.passed, "reasons": result.gate.reasons, "champion": result.gate.champion}
        out["quantized"] = [{"version": q.version, "passed": q.passed, "reasons": q.reasons} for q in result.quantized]
        print(json.dumps(out))

    _run(action)
