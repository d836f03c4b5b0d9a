"""Is bf16 autocast right, and worth it, on this machine? Compare it with float32 on the real model.

bfloat16 *inference* (weights cast to bf16) gave garbage on this CPU; autocast keeps float32
weights and runs matmuls in bf16, which may or may not be close enough, and may or may not be
faster. The check measures the loss on real training examples, a greedy answer and the forward
time both ways; ``auto`` precision uses bf16 on a CPU only when the loss is within ``tolerance``,
the greedy answer is identical and the bf16 forward is faster.
"""

from __future__ import annotations

import time
from typing import Any

from pipelines.finetune.core import precision_context
from pipelines.finetune.data import collate, prompt_ids

CHECK_PROMPT = "What is the capital of France?"


def bf16_autocast_check(model: Any, tokenizer: Any, examples: list, tolerance: float = 0.01) -> dict[str, Any]:
    import torch

    model.eval()
    short = [{key: value[:128] for key, value in example.items()} for example in examples[:2]]
    inputs = collate(short, tokenizer.pad_token_id or 0)
    ids = torch.tensor([prompt_ids(tokenizer, CHECK_PROMPT)])
    results: dict[str, Any] = {}
    with torch.no_grad():
        model(input_ids=ids)  # warm-up
        for precision in ("fp32", "bf16"):
            with precision_context(precision, "cpu"):
                began = time.perf_counter()
                loss = float(model(**inputs).loss)
                results[f"forward_s_{precision}"] = time.perf_counter() - began
                out = model.generate(ids, max_new_tokens=8, do_sample=False, pad_token_id=tokenizer.pad_token_id)
            results[f"loss_{precision}"] = loss
            results[f"answer_{precision}"] = tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
    results["loss_rel_diff"] = abs(results["loss_bf16"] - results["loss_fp32"]) / results["loss_fp32"]
    results["same_answer"] = results["answer_bf16"] == results["answer_fp32"]
    results["bf16_correct"] = bool(results["loss_rel_diff"] <= tolerance and results["same_answer"])
    results["bf16_faster"] = results["forward_s_bf16"] < results["forward_s_fp32"]
    results["bf16_ok"] = results["bf16_correct"] and results["bf16_faster"]
    return results
