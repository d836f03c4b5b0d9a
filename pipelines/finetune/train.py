"""``llmops pipeline finetune``: LoRA on the base model with Ray Train (TorchTrainer, DDP).

Driver: check every input (model folder, data file and fields, LoRA shape) before Ray starts,
tokenise the training split, pick the precision, open (or reopen, on resume) the MLflow run and
start ``num_workers`` DDP workers (gloo on CPU, nccl on GPU). Workers: the loop below; rank 0
logs the loss curve to MLflow, prints progress, and saves a checkpoint (adapter + optimiser +
step) every ``checkpoint_every`` steps. A rerun of the same ``run_name`` continues from the
newest checkpoint on disk; the final adapter is copied to ``<output_dir>/<run_name>/adapter`` and
logged to the run with its config, data hash and curve.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.config import ConfigError, PipelineConfig
from pipelines.finetune import core
from pipelines.finetune.data import data_digest, encode_example, load_items, split_items
from pipelines.registry import code_version, experiment_id, open_registry
from services.registry.service import ModelRegistry

Progress = Callable[[str], None]
RUN_STATE = "run.json"


@dataclass(frozen=True)
class FinetuneResult:
    run_id: str
    adapter_dir: Path
    steps: int
    resumed_from_step: int
    final_loss: float
    precision: str
    data_sha256: str


def model_dir_of(config: PipelineConfig) -> Path:
    path = config.finetune.models_dir / config.finetune.base_model
    if not (path / "config.json").is_file():
        raise ConfigError(f"base model folder {path} has no config.json (run `llmops models import`)")
    return path


def latest_checkpoint(storage: Path) -> tuple[Path, int] | None:
    """Newest checkpoint any attempt of this run left (by the step it recorded)."""
    best = None
    for state in storage.glob(f"*/checkpoint_*/{core.STATE_FILE}"):
        step = int(json.loads(state.read_text())["step"])
        if best is None or step > best[1]:
            best = (state.parent, step)
    return best


def resolve_precision(config: PipelineConfig, model_dir: Path, examples: list) -> tuple[str, dict]:
    """fp32/bf16/fp16 as set; 'auto': fp16 on GPU, and on CPU the bf16 check's verdict (run once
    per base model and torch version, cached under output_dir)."""
    wanted = config.finetune.precision
    if wanted != "auto":
        if wanted == "fp16" and not config.finetune.use_gpu:
            raise ConfigError("precision fp16 needs use_gpu (gradient scaling is a GPU path); use auto or fp32")
        return wanted, {}
    if config.finetune.use_gpu:
        return "fp16", {}
    import torch

    from pipelines.finetune.precision import bf16_autocast_check

    cache = config.finetune.output_dir / f"precision-check-{config.finetune.base_model}-torch{torch.__version__}.json"
    if cache.is_file():
        check = json.loads(cache.read_text())
    else:
        model, tokenizer = core.load_base(model_dir)
        check = bf16_autocast_check(model, tokenizer, examples)
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(check, indent=1))
    return ("bf16" if check["bf16_ok"] else "fp32"), check


def train_loop_per_worker(cfg: dict[str, Any]) -> None:
    """Runs in every Ray Train worker (same code, different rank)."""
    import ray.train
    import torch
    import torch.distributed as dist
    from ray.train import Checkpoint
    from ray.train.torch import prepare_model

    ctx = ray.train.get_context()
    rank, world = ctx.get_world_rank(), ctx.get_world_size()
    torch.manual_seed(cfg["seed"])
    base, tokenizer = core.load_base(Path(cfg["model_dir"]))
    model = core.add_lora(base, cfg["lora"])
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    per_epoch, total = cfg["steps_per_epoch"], cfg["total_steps"]
    optimizer, scheduler = core.make_optimizer(model, cfg["learning_rate"], cfg["weight_decay"], total)
    start = 0
    checkpoint = ray.train.get_checkpoint()  # set when Ray restarts failed workers within this attempt
    if checkpoint is not None:
        with checkpoint.as_directory() as folder:
            start = core.restore_checkpoint(model, optimizer, scheduler, Path(folder))
    elif cfg["resume_from"]:  # the newest checkpoint an earlier attempt of this run left
        start = core.restore_checkpoint(model, optimizer, scheduler, Path(cfg["resume_from"]))
    ddp = prepare_model(model, parallel_strategy_kwargs={"find_unused_parameters": False})
    scaler = torch.amp.GradScaler("cuda") if cfg["precision"] == "fp16" else None
    mlflow = None
    if rank == 0 and cfg.get("mlflow_run_id"):
        from mlflow import MlflowClient

        mlflow = MlflowClient(tracking_uri=cfg["tracking_uri"])
    examples = cfg["examples"]
    for step in range(start, total):
        epoch, index = divmod(step, per_epoch)
        batch = core.epoch_batches(examples, cfg["batch_size"], cfg["seed"], epoch, rank, world)[index]
        began = time.perf_counter()
        loss, tokens = core.train_step(ddp, batch, pad_id, optimizer, scheduler, cfg["precision"], scaler)
        if world > 1:
            both = torch.tensor([loss, float(tokens)])
            dist.all_reduce(both)
            loss, tokens = float(both[0]) / world, int(both[1])
        metrics = {
            "loss": loss,
            "learning_rate": scheduler.get_last_lr()[0],
            "tokens_per_s": tokens / (time.perf_counter() - began),
            "epoch": epoch,
            "step": step + 1,
        }
        if mlflow is not None:
            for key in ("loss", "learning_rate", "tokens_per_s"):
                mlflow.log_metric(cfg["mlflow_run_id"], f"train_{key}", metrics[key], step=step + 1)
        if rank == 0:
            print(f"[finetune] step {step + 1}/{total} epoch {epoch + 1} loss {loss:.4f}", flush=True)
        if (step + 1) % cfg["checkpoint_every"] == 0 or step + 1 == total:
            with tempfile.TemporaryDirectory() as folder:
                saved = None
                if rank == 0:
                    core.save_checkpoint(model, optimizer, scheduler, step + 1, epoch, Path(folder))
                    saved = Checkpoint.from_directory(folder)
                ray.train.report(metrics, checkpoint=saved)  # every rank reports; rank 0 carries the files


def _tracking(config: PipelineConfig) -> tuple[ModelRegistry, str]:
    registry = open_registry(config.registry)
    return registry, experiment_id(registry, config.registry.experiment)


def run_finetune(config: PipelineConfig, progress: Progress = print) -> FinetuneResult:
    ft = config.finetune
    model_dir = model_dir_of(config)
    splits = split_items(load_items(config.data), config.data)
    if not splits["train"]:
        raise ConfigError("the training split is empty")
    per_epoch = core.steps_per_epoch(len(splits["train"]), ft.batch_size, ft.num_workers)
    if per_epoch < 1:
        raise ConfigError(
            f"{len(splits['train'])} training items are fewer than batch_size x num_workers "
            f"({ft.batch_size} x {ft.num_workers})"
        )
    total = per_epoch * ft.epochs if ft.max_steps is None else min(ft.max_steps, per_epoch * ft.epochs)
    digest = data_digest(config.data, splits)
    progress(f"data: {len(splits['train'])} train / {len(splits['heldout'])} held-out items, sha256 {digest[:12]}")

    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    examples = [encode_example(tokenizer, item, config.data.max_seq_len) for item in splits["train"]]
    precision, check = resolve_precision(config, model_dir, examples)
    progress(f"precision: {precision}" + (f" (bf16 check: {check})" if check else ""))

    run_dir = (ft.output_dir / ft.run_name).resolve()
    storage = run_dir / "ray"
    run_dir.mkdir(parents=True, exist_ok=True)
    registry, experiment = _tracking(config)
    state_file = run_dir / RUN_STATE
    state = json.loads(state_file.read_text()) if state_file.is_file() else {}
    resume = latest_checkpoint(storage) if state.get("run_id") else None
    if state.get("run_id"):
        run_id = state["run_id"]
    else:
        run = registry.client.create_run(experiment, run_name=ft.run_name, tags={"llmops.step": "finetune"})
        run_id = run.info.run_id
        state_file.write_text(json.dumps({"run_id": run_id}))
        for key, value in _flat_params(config).items():
            registry.client.log_param(run_id, key, value)
        registry.client.log_param(run_id, "precision", precision)
        registry.client.set_tag(run_id, "llmops.data_hash", digest)
        registry.client.set_tag(run_id, "llmops.code_version", code_version())
        registry.client.set_tag(run_id, "llmops.config_sha256", config.digest())
        if check:
            registry.client.log_dict(run_id, check, "precision_check.json")
    resumed_from = resume[1] if resume else 0
    if resume:
        progress(f"resuming run {ft.run_name} from step {resumed_from} ({resume[0]})")

    from ray.train import Checkpoint

    if resume is not None and resume[1] >= total:
        progress(f"run {ft.run_name} already has {resume[1]} of {total} steps: nothing to train")
        final = Checkpoint.from_directory(str(resume[0]))
    else:
        loop_config = {
            "model_dir": str(model_dir.resolve()),
            "lora": ft.lora.model_dump(),
            "learning_rate": ft.learning_rate,
            "weight_decay": ft.weight_decay,
            "batch_size": ft.batch_size,
            "seed": ft.seed,
            "precision": precision,
            "steps_per_epoch": per_epoch,
            "total_steps": total,
            "checkpoint_every": ft.checkpoint_every,
            "examples": examples,
            "mlflow_run_id": run_id,
            "tracking_uri": registry.uri,
            "resume_from": str(resume[0]) if resume else None,
        }
        final = _fit(ft, storage, loop_config, progress)
    adapter_dir = run_dir / "adapter"
    with final.as_directory() as folder:
        shutil.rmtree(adapter_dir, ignore_errors=True)
        shutil.copytree(folder, adapter_dir, ignore=shutil.ignore_patterns(core.OPTIMIZER_FILE, core.STATE_FILE))
    registry.client.log_artifacts(run_id, str(adapter_dir), "adapter")
    curve = _curve(registry, run_id)
    registry.client.log_dict(run_id, curve, "training_curve.json")
    registry.client.log_dict(run_id, config.model_dump(mode="json"), "pipeline_config.json")
    final_loss = curve["train_loss"][-1][1] if curve["train_loss"] else float("nan")
    registry.client.log_metric(run_id, "final_train_loss", final_loss)
    registry.client.set_terminated(run_id)
    progress(f"adapter in {adapter_dir}; MLflow run {run_id}")
    return FinetuneResult(run_id, adapter_dir, total, resumed_from, final_loss, precision, digest)


def _fit(ft: Any, storage: Path, loop_config: dict[str, Any], progress: Progress) -> Any:
    """One Ray Train attempt (its own folder under ``storage``); returns the final checkpoint."""
    from ray.train import FailureConfig, RunConfig, ScalingConfig
    from ray.train.torch import TorchConfig, TorchTrainer

    _ensure_ray()
    attempt = len(list(storage.glob("attempt-*"))) if storage.is_dir() else 0
    trainer = TorchTrainer(
        train_loop_per_worker,
        train_loop_config=loop_config,
        scaling_config=ScalingConfig(
            num_workers=ft.num_workers, use_gpu=ft.use_gpu, resources_per_worker={"CPU": ft.cpus_per_worker}
        ),
        torch_config=TorchConfig(backend="nccl" if ft.use_gpu else "gloo"),
        run_config=RunConfig(
            name=f"attempt-{attempt}", storage_path=str(storage), failure_config=FailureConfig(max_failures=1)
        ),
    )
    progress(f"training {loop_config['total_steps']} steps on {ft.num_workers} Ray Train workers")
    result = trainer.fit()
    if result.checkpoint is None:
        raise RuntimeError(f"training ended without a checkpoint: {result.error}")
    return result.checkpoint


def _curve(registry: ModelRegistry, run_id: str) -> dict[str, list[tuple[int, float]]]:
    curve = {}
    for key in ("train_loss", "learning_rate", "train_tokens_per_s"):
        history = registry.client.get_metric_history(run_id, key if key != "learning_rate" else "train_learning_rate")
        latest = {m.step: m.value for m in sorted(history, key=lambda m: m.timestamp)}
        curve[key] = sorted(latest.items())
    return curve


def _flat_params(config: PipelineConfig) -> dict[str, str]:
    ft = config.finetune
    return {
        "base_model": ft.base_model,
        "lora_rank": str(ft.lora.rank),
        "lora_alpha": str(ft.lora.alpha),
        "lora_dropout": str(ft.lora.dropout),
        "lora_targets": ",".join(ft.lora.target_modules),
        "learning_rate": str(ft.learning_rate),
        "epochs": str(ft.epochs),
        "max_steps": str(ft.max_steps),
        "batch_size": str(ft.batch_size),
        "num_workers": str(ft.num_workers),
        "max_seq_len": str(config.data.max_seq_len),
        "heldout_fraction": str(config.data.heldout_fraction),
        "seed": str(ft.seed),
    }


def _ensure_ray() -> None:
    """Join RAY_ADDRESS (a cluster) when set, else start a local Ray on 127.0.0.1."""
    import ray

    if ray.is_initialized():
        return
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    if os.environ.get("RAY_ADDRESS"):
        ray.init(log_to_driver=True)
    else:
        ray.init(_node_ip_address="127.0.0.1", include_dashboard=False, log_to_driver=True)
