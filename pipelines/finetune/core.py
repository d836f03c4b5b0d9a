"""The LoRA training step shared by Ray Train workers (fine-tune) and Ray Tune trials (search).

Kept free of Ray so a trial and a DDP worker run the same code: load the float32 base, wrap it
with PEFT LoRA, pick the precision context, cut the data into the same deterministic batches on
every worker, save and restore a checkpoint (adapter, optimiser, scheduler, step).
"""

from __future__ import annotations

import contextlib
import json
import math
import random
from pathlib import Path
from typing import Any

from pipelines.finetune.data import collate

STATE_FILE = "trainer_state.json"
OPTIMIZER_FILE = "optimizer.pt"


def load_base(model_dir: Path) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    return model, tokenizer


def add_lora(model: Any, lora: dict[str, Any]) -> Any:
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        r=int(lora["rank"]),
        lora_alpha=float(lora["alpha"]),
        lora_dropout=float(lora["dropout"]),
        target_modules=list(lora["target_modules"]),
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config)


def precision_context(precision: str, device_type: str) -> contextlib.AbstractContextManager:
    import torch

    if precision == "bf16":
        return torch.autocast(device_type, dtype=torch.bfloat16)
    if precision == "fp16":
        return torch.autocast(device_type, dtype=torch.float16)
    return contextlib.nullcontext()


def steps_per_epoch(n_examples: int, batch_size: int, world_size: int) -> int:
    """Every worker takes the same number of full batches (DDP all-reduces once per step)."""
    return n_examples // (batch_size * world_size)


def epoch_batches(examples: list, batch_size: int, seed: int, epoch: int, rank: int, world_size: int) -> list[list]:
    order = list(range(len(examples)))
    random.Random(seed * 1_000_003 + epoch).shuffle(order)
    n = steps_per_epoch(len(examples), batch_size, world_size)
    mine = order[rank::world_size][: n * batch_size]
    return [[examples[i] for i in mine[k * batch_size : (k + 1) * batch_size]] for k in range(n)]


def make_optimizer(model: Any, learning_rate: float, weight_decay: float, total_steps: int) -> tuple[Any, Any]:
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=learning_rate, weight_decay=weight_decay)
    warmup = max(1, total_steps // 10)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def train_step(model: Any, batch: list, pad_id: int, optimizer: Any, scheduler: Any, precision: str, scaler: Any):
    """One optimiser step; returns the (local) loss and the number of answer tokens."""
    import torch

    inputs = collate(batch, pad_id)
    device = next(model.parameters()).device
    inputs = {key: value.to(device) for key, value in inputs.items()}
    model.train()
    with precision_context(precision, device.type):
        loss = model(**inputs).loss
    if not torch.isfinite(loss):
        raise FloatingPointError(f"training loss is {loss.item()}; lower the learning rate or use fp32")
    optimizer.zero_grad(set_to_none=True)
    if scaler is not None:
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
    else:
        loss.backward()
        optimizer.step()
    scheduler.step()
    return float(loss.detach()), int((inputs["labels"] != -100).sum())


def mean_loss(model: Any, examples: list, pad_id: int, batch_size: int, precision: str) -> float:
    """Token-weighted mean loss over examples (no gradient)."""
    import torch

    model.eval()
    total, tokens = 0.0, 0
    device = next(model.parameters()).device
    with torch.no_grad():
        for start in range(0, len(examples), batch_size):
            inputs = {k: v.to(device) for k, v in collate(examples[start : start + batch_size], pad_id).items()}
            with precision_context(precision, device.type):
                logits = model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]).logits
            shift_logits, shift_labels = logits[:, :-1].float(), inputs["labels"][:, 1:]
            loss = torch.nn.functional.cross_entropy(
                shift_logits.reshape(-1, shift_logits.size(-1)), shift_labels.reshape(-1), reduction="sum"
            )
            total += float(loss)
            tokens += int((shift_labels != -100).sum())
    return total / max(1, tokens)


def save_checkpoint(model: Any, optimizer: Any, scheduler: Any, step: int, epoch: int, target: Path) -> None:
    import torch

    model.save_pretrained(target)
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, target / OPTIMIZER_FILE)
    (target / STATE_FILE).write_text(json.dumps({"step": step, "epoch": epoch}))


def restore_checkpoint(model: Any, optimizer: Any, scheduler: Any, source: Path) -> int:
    """Load adapter weights, optimiser and scheduler state; return the step to continue from."""
    import torch
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    set_peft_model_state_dict(model, load_file(source / "adapter_model.safetensors"))
    state = torch.load(source / OPTIMIZER_FILE, weights_only=True)
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    return int(json.loads((source / STATE_FILE).read_text())["step"])


def perplexity(loss: float) -> float:
    return math.exp(min(loss, 50.0))
