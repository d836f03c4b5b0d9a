"""Is bf16 autocast right on this machine? Compare it with float32 on the real model.

bfloat16 *inference* (weights cast to bf16) gave garbage on this CPU; autocast keeps float32
weights and runs matmuls in bf16, which may or may not be close enough. The check measures the
training loss on real examples and a greedy answer both ways; ``auto`` precision uses bf16 on a
CPU only when the loss is within ``tolerance`` and the greedy answer is identical.
"""

from __future__ import annotations

from typing import Any

from pipelines.finetune.core import precision_context
from pipelines.finetune.data import collate, prompt_ids

CHECK_PROMPT = "What is the capital of France?"


def bf16_autocast_check(model: Any, tokenizer: Any, examples: list, tolerance: float = 0.01) -> dict[str, Any]:
    import torch

    model.eval()
    inputs = collate(examples[:4], tokenizer.pad_token_id or 0)
    ids = torch.tensor([prompt_ids(tokenizer, CHECK_PROMPT)])
    results: dict[str, Any] = {}
    for precision in ("fp32", "bf16"):
        with torch.no_grad(), precision_context(precision, "cpu"):
            loss = float(model(**inputs).loss)
            out = model.generate(ids, max_new_tokens=12, do_sample=False, pad_token_id=tokenizer.pad_token_id)
        results[f"loss_{precision}"] = loss
        results[f"answer_{precision}"] = tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
    results["loss_rel_diff"] = abs(results["loss_bf16"] - results["loss_fp32"]) / results["loss_fp32"]
    results["same_answer"] = results["answer_bf16"] == results["answer_fp32"]
    results["bf16_ok"] = bool(results["loss_rel_diff"] <= tolerance and results["same_answer"])
    return results
