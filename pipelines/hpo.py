"""``llmops pipeline hpo``: Ray Tune search over learning rate, LoRA rank/alpha and epochs.

Optuna's TPE proposes each trial from the finished ones; ASHA stops trials whose validation
loss (after each epoch, on the validation split, never the held-out one) trails the others. Each
trial is one single-process LoRA run using the same training step as ``finetune``. The best trial's
adapter is logged to an MLflow run and registered as a version with its lineage.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from pathlib import Path
from typing import Any

from pipelines.config import ConfigError, PipelineConfig
from pipelines.finetune import core
from pipelines.finetune.data import data_digest, encode_example, load_items, split_items
from pipelines.finetune.train import FinetuneResult, _ensure_ray, model_dir_of
from pipelines.gate import register_adapter
from pipelines.registry import base_version, code_version, experiment_id, open_registry

METRIC = "val_loss"


def trial(params: dict[str, Any], model_dir: str, train: list, validation: list, fixed: dict[str, Any]):
    """One trial: LoRA for ``params['epochs']`` epochs, report validation loss after each."""
    import torch
    from ray import tune

    seed, batch_size, steps_cap = fixed["seed"], fixed["batch_size"], fixed["steps_per_epoch"]
    torch.manual_seed(seed)
    base, tokenizer = core.load_base(Path(model_dir))
    lora = {"rank": params["rank"], "alpha": params["alpha_ratio"] * params["rank"], "dropout": 0.05}
    lora["target_modules"] = fixed["target_modules"]
    model = core.add_lora(base, lora)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    per_epoch = core.steps_per_epoch(len(train), batch_size, 1)
    if steps_cap:
        per_epoch = min(per_epoch, steps_cap)
    optimizer, scheduler = core.make_optimizer(model, params["learning_rate"], 0.0, per_epoch * params["epochs"])
    for epoch in range(params["epochs"]):
        for batch in core.epoch_batches(train, batch_size, seed, epoch, 0, 1)[:per_epoch]:
            core.train_step(model, batch, pad, optimizer, scheduler, "fp32", None)
        loss = core.mean_loss(model, validation, pad, 4, "fp32")
        with tempfile.TemporaryDirectory() as folder:
            model.save_pretrained(folder)
            tune.report(
                {METRIC: loss, "val_ppl": core.perplexity(loss), "epoch": epoch + 1},
                checkpoint=tune.Checkpoint.from_directory(folder),
            )


def run_hpo(config: PipelineConfig, progress=print) -> tuple[int, dict[str, Any]]:
    """Search, then register the best trial; returns (version, best params and loss)."""
    hp, ft = config.hpo, config.finetune
    model_dir = model_dir_of(config)
    splits = split_items(load_items(config.data), config.data)
    if not splits["validation"]:
        raise ConfigError("the validation split is empty (data.validation_fraction)")
    if len(splits["train"]) < ft.batch_size:
        raise ConfigError(f"{len(splits['train'])} training items are fewer than batch_size {ft.batch_size}")
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    train = [encode_example(tokenizer, item, config.data.max_seq_len) for item in splits["train"]]
    validation = [encode_example(tokenizer, it, config.data.max_seq_len) for it in splits["validation"]]
    validation = validation[: hp.validation_items]

    from ray import tune
    from ray.tune.schedulers import ASHAScheduler
    from ray.tune.search.optuna import OptunaSearch

    _ensure_ray()
    space = {
        "learning_rate": tune.loguniform(*hp.learning_rate),
        "rank": tune.choice(hp.ranks),
        "alpha_ratio": tune.choice(hp.alpha_ratios),
        "epochs": tune.randint(hp.epochs[0], hp.epochs[1] + 1),
    }
    fixed = {
        "batch_size": ft.batch_size,
        "target_modules": ft.lora.target_modules,
        "steps_per_epoch": hp.steps_per_epoch,
        "seed": ft.seed,
    }
    trainable = tune.with_resources(
        tune.with_parameters(
            trial,
            model_dir=str(model_dir.resolve()),
            train=train,
            validation=validation,
            fixed=fixed,
        ),
        {"cpu": ft.cpus_per_worker},
    )
    storage = (ft.output_dir / f"{ft.run_name}-hpo").resolve()
    tuner = tune.Tuner(
        trainable,
        param_space=space,
        tune_config=tune.TuneConfig(
            search_alg=OptunaSearch(metric=METRIC, mode="min", seed=ft.seed),
            scheduler=ASHAScheduler(
                metric=METRIC, mode="min", time_attr="epoch", max_t=hp.epochs[1], grace_period=hp.grace_period
            ),
            num_samples=hp.num_trials,
            max_concurrent_trials=hp.max_concurrent,
        ),
        run_config=tune.RunConfig(name="search", storage_path=str(storage), verbose=1),
    )
    progress(f"searching {hp.num_trials} trials (TPE + ASHA) on {len(train)} items")
    results = tuner.fit()
    best = results.get_best_result(metric=METRIC, mode="min", scope="all")
    if best.checkpoint is None or not math.isfinite(best.metrics.get(METRIC, math.nan)):
        raise RuntimeError(f"no trial finished with a finite {METRIC}")
    trials = [
        {"config": {k: r.config[k] for k in ("learning_rate", "rank", "alpha_ratio", "epochs")}, **_last(r)}
        for r in results
    ]

    registry = open_registry(config.registry)
    parent = base_version(registry, ft.models_dir, ft.base_model).version
    run = registry.client.create_run(
        experiment_id(registry, config.registry.experiment), run_name=f"{ft.run_name}-hpo", tags={"llmops.step": "hpo"}
    )
    run_id = run.info.run_id
    chosen = {k: best.config[k] for k in ("learning_rate", "rank", "alpha_ratio", "epochs")}
    for key, value in chosen.items():
        registry.client.log_param(run_id, f"best_{key}", value)
    registry.client.log_metric(run_id, "best_val_loss", best.metrics[METRIC])
    registry.client.log_dict(run_id, trials, "trials.json")
    digest = data_digest(config.data, splits)
    for key, value in {"data_hash": digest, "code_version": code_version(), "config_sha256": config.digest()}.items():
        registry.client.set_tag(run_id, f"llmops.{key}", value)
    adapter_dir = storage / "best-adapter"
    with best.checkpoint.as_directory() as folder:
        shutil.rmtree(adapter_dir, ignore_errors=True)
        shutil.copytree(folder, adapter_dir)
    registry.client.log_artifacts(run_id, str(adapter_dir), "adapter")
    registry.client.set_terminated(run_id)
    result = FinetuneResult(run_id, adapter_dir, int(best.metrics["epoch"]), 0, best.metrics[METRIC], "fp32", digest)
    version = register_adapter(
        registry, result, config, parent, extra={"hpo": json.dumps(chosen), "source_step": "hpo"}
    )
    progress(f"best trial {chosen} val_loss {best.metrics[METRIC]:.4f}: registered v{version}")
    return version, {"params": chosen, METRIC: best.metrics[METRIC], "trials": trials}


def _last(result: Any) -> dict[str, Any]:
    metrics = result.metrics or {}
    return {METRIC: metrics.get(METRIC), "epochs_run": metrics.get("epoch"), "error": str(result.error or "")}
