"""How far a model's weights already sit on a 4-bit grid: for each 2-D weight, the share of its blocks
(``--block`` weights along the input dimension) whose values are exactly ``min + q * (max - min) / 15``
with integer ``q`` in 0..15 (llama.cpp's Q4_1: a float scale and a float minimum per block), and the
largest relative error of that grid where they are not.

The embedded model is imported from a Q4_1 GGUF (de-quantized to float32), so its decoder weights are
Q4_1 values: a 4-bit format with a float minimum per block of 32 can reproduce them exactly, one
without (symmetric, or a 4-bit integer zero point) cannot. Perplexity ratios of 4-bit builds against
"float32" on this model say how well a format fits that grid, not how 4-bit quantization treats a
float model in general.

    .venv/bin/python -m loadtests.q4_grid_check [--model-dir var/models/smollm2-135m-instruct]

One JSON line (stdout and ``loadtests/records/q4_grid_check.jsonl``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loadtests._common import emit  # noqa: E402


def on_q4_1_grid(weight: np.ndarray, block: int) -> tuple[float, float]:
    """(share of blocks exactly on their Q4_1 grid, largest error off it relative to the tensor's max |w|)."""
    rows, cols = weight.shape
    blocks = weight.reshape(rows, cols // block, block).astype(np.float64)
    low, high = blocks.min(-1, keepdims=True), blocks.max(-1, keepdims=True)
    scale = np.where(high > low, (high - low) / 15, 1.0)
    grid = np.round((blocks - low) / scale) * scale + low
    off = np.abs(grid - blocks)
    exact = (off <= 1e-6 * np.abs(blocks) + 1e-9).all(-1)
    return float(exact.mean()), float(off.max() / max(np.abs(blocks).max(), 1e-12))


def main() -> None:
    from safetensors.numpy import load_file

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model-dir", type=Path, default=ROOT / "var" / "models" / "smollm2-135m-instruct")
    p.add_argument("--block", type=int, default=32)
    p.add_argument("--out", type=Path, default=ROOT / "loadtests" / "records" / "q4_grid_check.jsonl")
    args = p.parse_args()
    tensors, total, exact_weights = {}, 0, 0.0
    for name, weight in load_file(str(args.model_dir / "model.safetensors")).items():
        if weight.ndim != 2 or weight.shape[1] % args.block:
            continue
        share, worst = on_q4_1_grid(weight, args.block)
        tensors[name] = {"shape": list(weight.shape), "exact_block_share": round(share, 4), "max_rel_error": worst}
        total += weight.size
        exact_weights += weight.size * share
    exact = [n for n, t in tensors.items() if t["exact_block_share"] == 1.0]
    emit(
        {
            "bench": "q4_grid_check",
            "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "load_average": os.getloadavg(),
            "model_dir": str(args.model_dir),
            "block": args.block,
            "tensors_2d": len(tensors),
            "tensors_exactly_on_grid": len(exact),
            "weight_share_exactly_on_grid": round(exact_weights / total, 4),
            "not_on_grid": {n: t for n, t in tensors.items() if n not in exact},
        },
        args.out,
    )


if __name__ == "__main__":
    main()
