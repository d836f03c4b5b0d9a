"""PubMedQA as instruction data: question + context -> long answer, with a fixed held-out split.

Each item's split follows from a hash of its PubMed id alone, so it never changes between runs,
machines or configs with the same fractions: ``heldout`` (evaluation only; no training code reads
it), ``validation`` (the search's early-stopping signal, taken from the non-held-out items) and
``train``. Tokenised examples carry labels only on the answer tokens (the prompt is masked).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pipelines.config import ConfigError, DataConfig

Split = Literal["train", "validation", "heldout"]
IGNORE_INDEX = -100
LABELS = ("yes", "no", "maybe")
SYSTEM_PROMPT = "You are a careful medical research assistant. Answer from the given context."


@dataclass(frozen=True)
class QAItem:
    id: str
    question: str
    context: str
    answer: str
    label: str


def _bucket(item_id: str, salt: str) -> float:
    digest = hashlib.sha256(f"{salt}:{item_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_of(item_id: str, heldout_fraction: float, validation_fraction: float) -> Split:
    if _bucket(item_id, "heldout") < heldout_fraction:
        return "heldout"
    if _bucket(item_id, "validation") < validation_fraction:
        return "validation"
    return "train"


def load_items(config: DataConfig) -> list[QAItem]:
    """Read and check the data file; a clear ConfigError names the file, item and field at fault."""
    path = config.path
    if not path.is_file():
        raise ConfigError(f"dataset {path} does not exist (set data.path or LLMOPS_PIPELINE_DATA_PATH)")
    try:
        raw = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"dataset {path} is not JSON: {exc}") from None
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(f"dataset {path} must be a non-empty JSON object of id -> item")
    fields = (config.question_field, config.context_field, config.answer_field, config.label_field)
    items = []
    for item_id, item in raw.items():
        if not isinstance(item, dict):
            raise ConfigError(f"dataset {path}: item {item_id} is not an object")
        missing = [name for name in fields if name not in item]
        if missing:
            raise ConfigError(
                f"dataset {path}: item {item_id} has no field {missing[0]!r} (fields: {', '.join(sorted(item))})"
            )
        context = item[config.context_field]
        context = " ".join(context) if isinstance(context, list) else context
        values = (item[config.question_field], context, item[config.answer_field], item[config.label_field])
        if not all(isinstance(value, str) for value in values):
            raise ConfigError(f"dataset {path}: item {item_id} has a field that is not text")
        items.append(QAItem(str(item_id), *values))
    return items


def split_items(items: list[QAItem], config: DataConfig) -> dict[Split, list[QAItem]]:
    splits: dict[Split, list[QAItem]] = {"train": [], "validation": [], "heldout": []}
    for item in sorted(items, key=lambda it: it.id):
        splits[split_of(item.id, config.heldout_fraction, config.validation_fraction)].append(item)
    if config.max_train_examples is not None:
        splits["train"] = splits["train"][: config.max_train_examples]
    return splits


def data_digest(config: DataConfig, splits: dict[Split, list[QAItem]]) -> str:
    """sha256 over the data file and the ids of each split: the data lineage of a version."""
    digest = hashlib.sha256(config.path.read_bytes())
    for name in ("train", "validation", "heldout"):
        digest.update(f"|{name}:".encode() + ",".join(item.id for item in splits[name]).encode())
    return digest.hexdigest()


def load_general_texts(path: Path, limit: int) -> list[str]:
    """Benign rows (label 0) of the prompt-injection set: short general-domain English."""
    if not path.is_file():
        raise ConfigError(f"general text file {path} does not exist (data.general_text_path)")
    texts = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"general text file {path}:{number} is not JSON: {exc.msg}") from None
        if isinstance(row, dict) and row.get("label") == 0 and len(row.get("text", "")) >= 40:
            texts.append(row["text"])
    if not texts:
        raise ConfigError(f"general text file {path} has no benign row (label 0) of at least 40 characters")
    texts.sort(key=lambda text: hashlib.sha256(text.encode()).hexdigest())
    return texts[:limit]


def user_prompt(item: QAItem, context: str | None = None) -> str:
    return f"Context: {item.context if context is None else context}\n\nQuestion: {item.question}"


def prompt_ids(tokenizer: Any, user: str) -> list[int]:
    messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]
    return list(tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=False))


def encode_example(tokenizer: Any, item: QAItem, max_seq_len: int) -> dict[str, list[int]]:
    """input_ids + labels (answer tokens only), the context cut so the whole fits max_seq_len."""
    end = tokenizer.eos_token or "<|im_end|>"
    answer = tokenizer(item.answer + end, add_special_tokens=False)["input_ids"][: max_seq_len // 2]
    prompt = prompt_ids(tokenizer, user_prompt(item))
    overflow = len(prompt) + len(answer) - max_seq_len
    if overflow > 0:
        context_ids = tokenizer(item.context, add_special_tokens=False)["input_ids"]
        kept = tokenizer.decode(context_ids[: max(0, len(context_ids) - overflow - 8)])
        prompt = prompt_ids(tokenizer, user_prompt(item, kept))[: max_seq_len - len(answer)]
    return {"input_ids": prompt + answer, "labels": [IGNORE_INDEX] * len(prompt) + answer}


def collate(examples: list[dict[str, list[int]]], pad_id: int) -> dict[str, Any]:
    import torch

    width = max(len(ex["input_ids"]) for ex in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE_INDEX, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, ex in enumerate(examples):
        n = len(ex["input_ids"])
        ids[row, :n] = torch.tensor(ex["input_ids"])
        labels[row, :n] = torch.tensor(ex["labels"])
        mask[row, :n] = 1
    return {"input_ids": ids, "labels": labels, "attention_mask": mask}
