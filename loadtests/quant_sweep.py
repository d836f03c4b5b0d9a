"""Exploration of int4 weight-only settings: build each variant with onnxruntime-genai's model builder
(the ``llmops pipeline quantize`` command line plus the variant's ``--extra_options``) and score it
on a subset of the held-out medical and general texts (the functions of ``llmops pipeline
evaluate``), with float32 (transformers) scored on the same subset; greedy tokens/s of one stream
through onnxruntime-genai's loop as a rough speed check (``pipelines.evaluate.tokens_per_second``,
noisy on a shared machine: ``loadtests/bench_quantization.py`` measures speed properly).

One JSON line per variant (stdout and ``loadtests/records/quant_sweep.jsonl``), then a summary line.

    flock /tmp/llmops-heavy.lock .venv/bin/python -m loadtests.quant_sweep \\
        [--medical-items 16] [--general-items 16] [--variants sym32,asym32,...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from loadtests._common import emit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

HEAD = "last_matmul:int8"  # the LM head at int8
MIXED = "last_matmul:int8,mixed_layers:int8"  # the LM head and llama.cpp's sensitive layers at int8
# name -> (precision, builder extra options); every build gets accuracy_level=4 unless it says otherwise
SWEEP: dict[str, tuple[str, dict[str, str]]] = {
    "int4_sym32_shared": ("int4", {"block_size": "32", "shared_embeddings": "true"}),  # the default build
    # an 8-bit LM head cannot share the embedding's table (the builder writes an invalid graph: its
    # GatherBlockQuantized input is never created), so these keep a float32 embedding Gather
    "int4_sym32_head8": ("int4", {"block_size": "32", "shared_embeddings": "false", "matmul_mixed_precision": HEAD}),
    "int4_asym32_shared": ("int4", {"block_size": "32", "shared_embeddings": "true", "is_symmetric": "false"}),
    "int4_kquant32_shared": ("int4", {"block_size": "32", "shared_embeddings": "true", "algo_config": "k_quant"}),
    "int4_sym32_mixed8": ("int4", {"block_size": "32", "shared_embeddings": "false", "matmul_mixed_precision": MIXED}),
    "int4_sym16_shared": ("int4", {"block_size": "16", "shared_embeddings": "true"}),
    "int4_asym32_head8": (
        "int4",
        {"block_size": "32", "shared_embeddings": "false", "is_symmetric": "false", "matmul_mixed_precision": HEAD},
    ),
    "int4_kquant_mixed8": (
        "int4",
        {"block_size": "32", "shared_embeddings": "false", "algo_config": "k_quant", "matmul_mixed_precision": MIXED},
    ),  # fmt: skip
    "int4_sym32_acc1": ("int4", {"block_size": "32", "shared_embeddings": "true", "accuracy_level": "1"}),
    "int8_shared": ("int8", {"block_size": "32", "shared_embeddings": "true"}),
}


def build(model_dir: Path, out: Path, precision: str, options: dict[str, str]) -> float:
    import subprocess

    from pipelines.quantize import BUILDER

    options = {"accuracy_level": "4", **options}
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sweep-cache-") as cache:
        command = [sys.executable, "-m", BUILDER, "-i", str(model_dir), "-o", str(out), "-p", precision, "-e", "cpu",
                   "-c", cache, "--extra_options", *[f"{k}={v}" for k, v in options.items()]]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stdout[-2000:] + done.stderr[-2000:])
    return time.perf_counter() - began


def score(model, tokenizer, config, medical, general) -> dict:
    from pipelines.evaluate import general_perplexity, medical_perplexity, tokens_per_second

    ev = config.evaluate
    return {
        "medical_ppl": round(medical_perplexity(model, tokenizer, medical, ev.max_seq_len), 4),
        "general_ppl": round(general_perplexity(model, tokenizer, general, ev.max_seq_len), 4),
        "greedy_tok_s": round(tokens_per_second(model, tokenizer, 64), 1),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--medical-items", type=int, default=16)
    p.add_argument("--general-items", type=int, default=16)
    p.add_argument("--variants", default=",".join(SWEEP), help=f"comma-separated from {', '.join(SWEEP)}")
    p.add_argument("--model-dir", type=Path, default=ROOT / "var/models/smollm2-135m-instruct")
    p.add_argument("--keep-dir", type=Path, default=None, help="keep the builds here (else a temporary folder)")
    p.add_argument("--out", type=Path, default=ROOT / "loadtests/records/quant_sweep.jsonl")
    args = p.parse_args()
    names = [n for n in args.variants.split(",") if n]
    if unknown := set(names) - set(SWEEP):
        p.error(f"unknown variants {sorted(unknown)}")

    from loadtests.bench_quantization import weight_bytes
    from pipelines.config import EvaluateConfig, PipelineConfig
    from pipelines.finetune import core
    from pipelines.finetune.data import load_general_texts, load_items, split_items
    from pipelines.ort_model import OrtCausalLM

    config = PipelineConfig(evaluate=EvaluateConfig(medical_items=args.medical_items, general_items=args.general_items))
    config.data.path = ROOT / "../shared/data/pubmedqa/ori_pqal.json"
    config.data.general_text_path = ROOT / "../shared/data/prompt_injection/train.jsonl"
    medical = split_items(load_items(config.data), config.data)["heldout"][: args.medical_items]
    general = load_general_texts(config.data.general_text_path, args.general_items)
    load_before = os.getloadavg()
    model, tokenizer = core.load_base(args.model_dir)
    model.eval()
    base = {"weight_bytes": weight_bytes(args.model_dir), **score(model, tokenizer, config, medical, general)}
    del model
    print(f"[fp32] {base}", file=sys.stderr, flush=True)
    rows = {}
    with tempfile.TemporaryDirectory(prefix="quant-sweep-") as tmp:
        root = args.keep_dir or Path(tmp)
        for name in names:
            precision, options = SWEEP[name]
            folder = root / name
            try:
                seconds = build(args.model_dir, folder, precision, options)
            except RuntimeError as exc:
                rows[name] = {"options": options, "error": str(exc)[-600:]}
                print(f"[{name}] build failed", file=sys.stderr, flush=True)
                continue
            try:
                scores = score(OrtCausalLM(folder), tokenizer, config, medical, general)
            except RuntimeError as exc:  # e.g. onnxruntime refuses the graph the builder wrote
                rows[name] = {"options": options, "error": str(exc)[-600:]}
                print(f"[{name}] does not load: {exc}", file=sys.stderr, flush=True)
                continue
            row = {"precision": precision, "options": options, "build_s": round(seconds, 1),
                   "weight_bytes": weight_bytes(folder), **scores}  # fmt: skip
            row["medical_ppl_ratio"] = round(row["medical_ppl"] / base["medical_ppl"], 4)
            row["general_ppl_ratio"] = round(row["general_ppl"] / base["general_ppl"], 4)
            rows[name] = row
            print(json.dumps({name: row}), flush=True)
    record = {
        "bench": "quant_sweep",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "fp32": base,
        "variants": rows,
        "load_avg_before": [round(x, 2) for x in load_before],
        "load_avg_after": [round(x, 2) for x in os.getloadavg()],
        "command": " ".join(["loadtests/quant_sweep.py", *sys.argv[1:]]),
    }
    emit(record, args.out)


if __name__ == "__main__":
    main()
