"""``llmops pipeline evaluate VERSION``: quality and speed of one registry version.

Figures (all logged to an MLflow run tagged with the version, and as ``llmops.metric.*`` tags
on the version itself):

- ``medical_ppl``: perplexity of the long answers of held-out PubMedQA items given their prompt
  (the fine-tuning task; items no training step has seen);
- ``general_ppl``: perplexity of general-domain English (benign prompts), the domain-shift check;
- ``pubmedqa_accuracy``: yes/no/maybe chosen by the model's next-token scores on held-out items;
- ``tokens_per_s``: greedy decoding speed at one stream (transformers, float32, adapter merged;
  a quantized version: onnxruntime-genai's loop, the engine that serves it).
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
from pipelines.registry import experiment_id, open_registry, set_metrics, set_tags, version_folder
from services.registry.service import ModelRegistry

EVAL_CONFIG_TAG = "eval_config_sha256"  # an llmops.* tag: which evaluation the metric.* tags came from
SPEED_PROMPT = "Explain in a few sentences why regular exercise is good for the heart."
QA_INSTRUCTION = "\n\nAnswer with one word: yes, no or maybe."


def eval_config_digest(config: PipelineConfig) -> str:
    """What makes two versions' figures comparable: the evaluation sizes and the data split."""
    keyed = {"evaluate": config.evaluate.model_dump(mode="json"), "data": config.data.model_dump(mode="json")}
    keyed["data"].pop("max_train_examples", None)
    keyed["data"].pop("validation_fraction", None)
    return hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()


def load_version(
    registry: ModelRegistry, model_name: str, version: int, models_dir: Path, workdir: Path
) -> tuple[Any, Any, str]:
    """The version as a float32 transformers model (a LoRA adapter merged into its base), or a
    quantized version on ONNX Runtime (``pipelines.ort_model``: the same calls, another engine)."""
    info = registry.get_version(model_name, version)
    if info.kind == "quantized":
        from transformers import AutoTokenizer

        from pipelines.ort_model import OrtCausalLM

        folder = version_folder(registry, info, workdir)
        if info.tags.get("format") == "compressed-tensors":  # vLLM's format: transformers decompresses it
            model, tokenizer = core.load_base(folder)
            return model.eval(), tokenizer, info.kind
        if not (folder / "genai_config.json").is_file():
            raise ConfigError(f"quantized version {version} has no genai_config.json in {folder}")
        return OrtCausalLM(folder), AutoTokenizer.from_pretrained(folder), info.kind
    if info.kind == "hf":
        folder = version_folder(registry, info, workdir)
    elif info.kind == "lora":
        folder = models_dir / info.tags.get("base_model", "")
    else:
        raise ConfigError(
            f"version {version} of {model_name} is kind {info.kind!r}: evaluate handles hf, lora, quantized"
        )
    if not (folder / "config.json").is_file():
        raise ConfigError(f"model folder {folder} has no config.json (run `llmops models import`)")
    model, tokenizer = core.load_base(folder)
    if info.kind == "lora":
        from peft import PeftModel

        adapter = version_folder(registry, info, workdir)
        model = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    model.eval()
    return model, tokenizer, info.kind


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


def run_evaluate(
    config: PipelineConfig, version: int, progress=print, registry: ModelRegistry | None = None
) -> dict[str, float]:
    """Evaluate a version, log the figures to a run and to the version's tags; return them."""
    registry = registry or open_registry(config.registry)
    name = config.model_name
    registry.get_version(name, version)  # an unknown version fails here, before any model loads
    items = load_items(config.data)  # fail on bad data before loading any model
    if not split_items(items, config.data)["heldout"]:
        raise ConfigError("the held-out split is empty")
    load_general_texts(config.data.general_text_path, config.evaluate.general_items)  # likewise a bad general text file
    with tempfile.TemporaryDirectory() as workdir:
        progress(f"loading version {version} of {name}")
        model, tokenizer, kind = load_version(registry, name, version, config.finetune.models_dir, Path(workdir))
        progress(f"evaluating ({kind})")
        metrics = evaluate_model(model, tokenizer, config)
    experiment = experiment_id(registry, config.registry.experiment)
    run = registry.client.create_run(
        experiment,
        run_name=f"evaluate-v{version}",
        tags={"llmops.step": "evaluate", "llmops.model": name, "llmops.version": str(version)},
    )
    for key, value in metrics.items():
        registry.client.log_metric(run.info.run_id, key, value)
    registry.client.set_terminated(run.info.run_id)
    digest = eval_config_digest(config)
    set_metrics(registry, name, version, metrics)
    set_tags(registry, name, version, {EVAL_CONFIG_TAG: digest, "eval_run_id": run.info.run_id})
    progress(" ".join(f"{k}={v:.4g}" for k, v in metrics.items() if not k.startswith("pubmedqa_predicted")))
    return metrics
