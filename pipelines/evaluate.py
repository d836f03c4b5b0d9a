"""``llmops pipeline evaluate VERSION``: quality and speed of one registry version.

Figures (all logged to an MLflow run tagged with the version, and as ``llmops.metric.*`` tags
on the version itself):

- ``medical_ppl``: perplexity of the long answers of held-out PubMedQA items given their prompt
  (the fine-tuning task; items no training step has seen);
- ``general_ppl``: perplexity of general-domain English (benign prompts), the domain-shift check;
- ``pubmedqa_accuracy``: yes/no/maybe chosen by the model's next-token scores on held-out items;
- ``tokens_per_s``: greedy decoding speed at one stream (transformers, float32, adapter merged).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from pipelines.config import ConfigError, PipelineConfig
from pipelines.finetune import core
from pipelines.finetune.data import (
    LABELS,
    QAItem,
    encode_example,
    load_general_texts,
    load_items,
    prompt_ids,
    split_items,
    user_prompt,
)
from pipelines.registry import BASE_TAG, KIND_TAG, METRIC_PREFIX, Registry

EVAL_CONFIG_TAG = "llmops.eval_config_sha256"
SPEED_PROMPT = "Explain in a few sentences why regular exercise is good for the heart."
QA_INSTRUCTION = "\n\nAnswer with one word: yes, no or maybe."


def eval_config_digest(config: PipelineConfig) -> str:
    """What makes two versions' figures comparable: the evaluation sizes and the data split."""
    keyed = {"evaluate": config.evaluate.model_dump(mode="json"), "data": config.data.model_dump(mode="json")}
    keyed["data"].pop("max_train_examples", None)
    keyed["data"].pop("validation_fraction", None)
    return hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()


def load_version(registry: Registry, version: str, models_dir: Path, workdir: Path) -> tuple[Any, Any, str]:
    """The version as a float32 transformers model (a LoRA adapter merged into its base)."""
    mv = registry.get(version)
    kind, base_name = mv.tags.get(KIND_TAG), mv.tags.get(BASE_TAG)
    if kind not in ("base", "lora") or not base_name:
        raise ConfigError(
            f"version {version} of {registry.model_name} is kind {kind!r}: evaluate handles base and lora"
        )
    base_dir = models_dir / base_name
    if not (base_dir / "config.json").is_file():
        raise ConfigError(f"base model folder {base_dir} has no config.json (run `llmops models import`)")
    model, tokenizer = core.load_base(base_dir)
    if kind == "lora":
        from peft import PeftModel

        adapter = registry.download(version, workdir)
        model = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    model.eval()
    return model, tokenizer, kind


def _pad(tokenizer: Any) -> int:
    return tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0


def medical_perplexity(model: Any, tokenizer: Any, items: list[QAItem], max_seq_len: int) -> float:
    examples = [encode_example(tokenizer, item, max_seq_len) for item in items]
    return core.perplexity(core.mean_loss(model, examples, _pad(tokenizer), 4, "fp32"))


def general_perplexity(model: Any, tokenizer: Any, texts: list[str], max_seq_len: int) -> float:
    examples = []
    for text in texts:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"][:max_seq_len]
        examples.append({"input_ids": ids, "labels": list(ids)})
    return core.perplexity(core.mean_loss(model, examples, _pad(tokenizer), 8, "fp32"))


def qa_accuracy(model: Any, tokenizer: Any, items: list[QAItem], max_seq_len: int) -> tuple[float, dict[str, int]]:
    import torch

    choices = [tokenizer(label, add_special_tokens=False)["input_ids"][0] for label in LABELS]
    correct, predicted = 0, dict.fromkeys(LABELS, 0)
    with torch.no_grad():
        for item in items:
            ids = prompt_ids(tokenizer, user_prompt(item) + QA_INSTRUCTION)
            if len(ids) > max_seq_len:
                context = tokenizer.decode(tokenizer(item.context, add_special_tokens=False)["input_ids"][:max_seq_len])
                ids = prompt_ids(tokenizer, user_prompt(item, context) + QA_INSTRUCTION)[-max_seq_len:]
            logits = model(input_ids=torch.tensor([ids])).logits[0, -1]
            answer = LABELS[int(torch.argmax(logits[choices]))]
            predicted[answer] += 1
            correct += answer == item.label
    return correct / max(1, len(items)), predicted


def tokens_per_second(model: Any, tokenizer: Any, new_tokens: int) -> float:
    import torch

    ids = torch.tensor([prompt_ids(tokenizer, SPEED_PROMPT)])
    kwargs = {"do_sample": False, "pad_token_id": _pad(tokenizer)}
    with torch.no_grad():
        model.generate(ids, max_new_tokens=4, **kwargs)  # warm-up
        began = time.perf_counter()
        out = model.generate(ids, max_new_tokens=new_tokens, min_new_tokens=new_tokens, **kwargs)
        elapsed = time.perf_counter() - began
    return (out.shape[1] - ids.shape[1]) / elapsed


def evaluate_model(model: Any, tokenizer: Any, config: PipelineConfig) -> dict[str, float]:
    ev = config.evaluate
    heldout = split_items(load_items(config.data), config.data)["heldout"]
    general = load_general_texts(config.data.general_text_path, ev.general_items)
    accuracy, predicted = qa_accuracy(model, tokenizer, heldout[: ev.qa_items], ev.max_seq_len)
    metrics = {
        "medical_ppl": medical_perplexity(model, tokenizer, heldout[: ev.medical_items], ev.max_seq_len),
        "general_ppl": general_perplexity(model, tokenizer, general, ev.max_seq_len),
        "pubmedqa_accuracy": accuracy,
        "tokens_per_s": tokens_per_second(model, tokenizer, ev.speed_tokens),
    }
    metrics.update({f"pubmedqa_predicted_{label}": float(count) for label, count in predicted.items()})
    return metrics


def run_evaluate(config: PipelineConfig, version: str, progress=print, registry: Registry | None = None) -> dict:
    """Evaluate a version, log the figures to a run and to the version's tags; return them."""
    registry = registry or Registry(config.registry.tracking_uri, config.registry.model_name)
    items = load_items(config.data)  # fail on bad data before loading any model
    if not split_items(items, config.data)["heldout"]:
        raise ConfigError("the held-out split is empty")
    with tempfile.TemporaryDirectory() as workdir:
        progress(f"loading version {version} of {registry.model_name}")
        model, tokenizer, kind = load_version(registry, version, config.finetune.models_dir, Path(workdir))
        progress(f"evaluating ({kind})")
        metrics = evaluate_model(model, tokenizer, config)
    experiment = registry.experiment_id(config.registry.experiment)
    run = registry.client.create_run(
        experiment,
        run_name=f"evaluate-v{version}",
        tags={"llmops.step": "evaluate", "llmops.model": registry.model_name, "llmops.version": str(version)},
    )
    for key, value in metrics.items():
        registry.client.log_metric(run.info.run_id, key, value)
    registry.client.set_terminated(run.info.run_id)
    digest = eval_config_digest(config)
    registry.set_tags(version, {METRIC_PREFIX + k: f"{v:.6g}" for k, v in metrics.items()})
    registry.set_tags(version, {EVAL_CONFIG_TAG: digest, "llmops.eval_run_id": run.info.run_id})
    progress(" ".join(f"{k}={v:.4g}" for k, v in metrics.items() if not k.startswith("pubmedqa_predicted")))
    return metrics
