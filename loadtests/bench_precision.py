"""bf16 autocast against float32 for LoRA training on this CPU: is it right, is it faster?

Runs the same check ``precision: auto`` runs before a fine-tune (loss on real PubMedQA training
examples, a greedy answer) plus a timed LoRA training step (forward + backward) at each precision,
median of ``--reps``. Last stdout line: one JSON object with both precisions and the ratios.

    .venv/bin/python loadtests/bench_precision.py [--examples 4] [--seq-len 256] [--reps 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=4)
    parser.add_argument("--seq-len", type=int, default=256)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--model-dir", type=Path, default=ROOT / "var/models/smollm2-135m-instruct")
    parser.add_argument("--data", type=Path, default=ROOT / "../shared/data/pubmedqa/ori_pqal.json")
    args = parser.parse_args()

    import torch

    from pipelines.config import DataConfig
    from pipelines.finetune import core
    from pipelines.finetune.data import encode_example, load_items, split_items
    from pipelines.finetune.precision import bf16_autocast_check

    data = DataConfig(path=args.data)
    model, tokenizer = core.load_base(args.model_dir)
    items = split_items(load_items(data), data)["train"][: args.examples]
    examples = [encode_example(tokenizer, item, args.seq_len) for item in items]
    check = bf16_autocast_check(model, tokenizer, examples)
    lora = {"rank": 8, "alpha": 16, "dropout": 0.0, "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"]}
    tuned = core.add_lora(model, lora)
    step_s = {}
    for precision in ("fp32", "bf16"):
        optimizer, scheduler = core.make_optimizer(tuned, 1e-5, 0.0, 100)
        times = []
        for _ in range(args.reps + 1):  # the first is a warm-up
            began = time.perf_counter()
            core.train_step(tuned, examples, tokenizer.pad_token_id or 0, optimizer, scheduler, precision, None)
            times.append(time.perf_counter() - began)
        step_s[precision] = statistics.median(times[1:])
    result = {
        "bench": "precision",
        "model": args.model_dir.name,
        "torch": torch.__version__,
        "cpu": platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(),
        "examples": len(examples),
        "tokens_per_example_max": args.seq_len,
        "check": check,
        "train_step_s": step_s,
        "bf16_over_fp32_step_time": step_s["bf16"] / step_s["fp32"],
        "loadavg_1m": os.getloadavg()[0],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
