"""Exploration of int4 weight-only settings: build each variant with onnxruntime-genai's model builder
(the ``llmops pipeline quantize`` command line plus the variant's ``--extra_options``) and score it
on a subset of the held-out medical and general texts (the functions of ``llmops pipeline
evaluate``), with float32 (transformers) scored on the same subset; greedy tokens/s of one stream
through onnxruntime-genai's loop as a rough speed check (``pipelines.evaluate.tokens_per_second``,
noisy on a shared machine: ``loadtests/bench_quantization.py`` measures speed properly).

Besides the builder's variants: per-node builds (``PER_NODE``, ``--per-node NAME=REGEX[:hqq]``: a
float32 export quantized by ONNX Runtime's ``MatMulNBitsQuantizer``, 8 bits for the MatMuls whose
name matches, 4 bits round-to-nearest or HQQ for the rest) and ``dyn_int8`` (``quantize_dynamic``).

One JSON line per variant (stdout and ``loadtests/records/quant_sweep.jsonl``), then a summary line.

    flock /tmp/llmops-heavy.lock .venv/bin/python -m loadtests.quant_sweep \\
        [--medical-items 16] [--general-items 16] [--variants sym32,asym32,...]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from loadtests._common import RunStamp, emit

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


# name -> (regex over the float32 export's MatMul names kept at 8 bits, 4-bit method of the rest); built by
# build_per_node: int8 MatMulNBits for the matched MatMuls, int4 for the others, float32 embedding Gather
PER_NODE: dict[str, tuple[str, str]] = {
    "pn_head8": (r"/lm_head/", "default"),
    "pn_head8_hqq": (r"/lm_head/", "hqq"),
    "pn_head8_hqq_intzp": (r"/lm_head/", "hqq_intzp"),
    # HQQ's float zero points as the fast integer kernel + BlockSum(X) @ C (pipelines/int4_offset.py)
    "pn_head8_hqq_offset": (r"/lm_head/", "hqq_offset"),
    "pn_hqq_offset": (r"(?!)", "hqq_offset"),  # the LM head too at 4 bits (the regex matches nothing)
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


def build_per_node(model_dir: Path, out: Path, int8_nodes: str, method: str) -> tuple[float, int]:
    """float32 export, then ONNX Runtime's MatMulNBitsQuantizer twice: 8 bits for the MatMuls whose
    name matches ``int8_nodes``, 4 bits (``default``: round-to-nearest symmetric; ``hqq``: HQQ, a
    zero point per block; ``hqq_intzp``: its zero points rounded to integers; ``hqq_offset``: rewritten
    as integer kernel + float offset, pipelines/int4_offset.py) for the rest; block 32, accuracy level 4;
    the embedding a float32 Gather.
    Returns (seconds, MatMuls at 8 bits)."""
    import re

    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import HQQWeightOnlyQuantConfig, MatMulNBitsQuantizer

    from pipelines.gptq import MODEL_FILE, save_model, untie_embedding

    logging.getLogger("onnxruntime.quantization.matmul_nbits_quantizer").setLevel(logging.WARNING)
    began = time.perf_counter()
    build(model_dir, out, "fp32", {})
    model = onnx.load(str(out / MODEL_FILE))
    names = [n.name for n in model.graph.node if n.op_type == "MatMul" and any(i.endswith("weight") for i in n.input)]
    int8 = [n for n in names if re.search(int8_nodes, n)]
    if int8:  # the quantizer's nodes_to_include adds to op_types_to_quantize: exclude the others instead
        q = MatMulNBitsQuantizer(model, bits=8, block_size=32, is_symmetric=True, accuracy_level=4,
                                 nodes_to_exclude=[n for n in names if n not in int8])  # fmt: skip
        q.process()
        model = q.model.model
    algo = HQQWeightOnlyQuantConfig(block_size=32, bits=4) if method.startswith("hqq") else None
    q = MatMulNBitsQuantizer(model, bits=4, block_size=32, is_symmetric=True, accuracy_level=4, algo_config=algo)
    q.process()
    model = untie_embedding(q.model.model)
    if method == "hqq_intzp":
        model = integer_zero_points(model)
    if method == "hqq_offset":
        from pipelines.int4_offset import rewrite_float_zero_points

        model, _ = rewrite_float_zero_points(model)
    if method.startswith("hqq"):  # HQQ's nodes carry no accuracy level: int8 activations as the others
        for node in model.graph.node:
            if node.op_type == "MatMulNBits" and not any(a.name == "accuracy_level" for a in node.attribute):
                node.attribute.append(onnx.helper.make_attribute("accuracy_level", 4))
    save_model(out, model)
    return time.perf_counter() - began, len(int8)


def integer_zero_points(model):
    """HQQ's float zero points rounded to unsigned 4-bit integers (clamped to 0..15) and packed as
    MatMulNBits expects (two blocks a byte, low nibble first, per output column): with float zero
    points onnxruntime 1.32's CPU MatMulNBits takes a slow path (2.4 tok/s,
    loadtests/records/quant_speed_check.jsonl)."""
    import numpy as np
    from onnx import numpy_helper

    inits = {i.name: i for i in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type != "MatMulNBits" or len(node.input) < 4 or node.input[3] not in inits:
            continue
        zp = numpy_helper.to_array(inits[node.input[3]])
        if zp.dtype == np.uint8:
            continue
        attrs = {a.name: a.i for a in node.attribute}
        n, blocks = attrs["N"], -(-attrs["K"] // attrs["block_size"])
        z = np.clip(np.rint(zp.astype(np.float32)), 0, 15).astype(np.uint8).reshape(n, blocks)
        if blocks % 2:
            z = np.concatenate([z, np.zeros((n, 1), np.uint8)], axis=1)
        packed = (z[:, 0::2] | (z[:, 1::2] << 4)).reshape(-1)
        inits[node.input[3]].CopyFrom(numpy_helper.from_array(packed, node.input[3]))
    return model


def build_dynamic_int8(model_dir: Path, out: Path) -> float:
    """float32 export, then ONNX Runtime's dynamic quantization (``quantize_dynamic``): int8 weights per
    output channel, activations quantized per call (``DynamicQuantizeMatMul``: MLAS's integer GEMM, not
    ``MatMulNBits``); the embedding a float32 Gather."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from pipelines.gptq import MODEL_FILE, save_model, untie_embedding

    began = time.perf_counter()
    build(model_dir, out, "fp32", {})
    model = untie_embedding(onnx.load(str(out / MODEL_FILE)))
    quantized = out / "dynamic.onnx"
    quantize_dynamic(
        model, quantized, op_types_to_quantize=["MatMul"], per_channel=True, weight_type=QuantType.QInt8,
        extra_options={"MatMulConstBOnly": True}, use_external_data_format=True,
    )  # fmt: skip
    model = onnx.load(str(quantized))
    for extra in out.glob("dynamic.onnx*"):
        extra.unlink()
    save_model(out, model)
    return time.perf_counter() - began


def score(model, tokenizer, config, medical, general) -> dict:
    from pipelines.evaluate import general_perplexity, medical_perplexity, tokens_per_second

    ev = config.evaluate
    return {
        "medical_ppl": round(medical_perplexity(model, tokenizer, medical, ev.max_seq_len), 4),
        "general_ppl": round(general_perplexity(model, tokenizer, general, ev.max_seq_len), 4),
        "greedy_tok_s": round(tokens_per_second(model, tokenizer, 64), 1),
    }


def earlier_fp32(record: Path, items: dict[str, int]) -> dict | None:
    """float32's scores from the newest earlier sweep on the same items (records before the
    ``items`` field used the defaults, 16 and 16)."""
    if not record.is_file():
        return None
    for line in reversed(record.read_text().splitlines()):
        earlier = json.loads(line)
        if earlier.get("items", {"medical": 16, "general": 16}) == items and "fp32" in earlier:
            return earlier["fp32"]
    return None


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--medical-items", type=int, default=16)
    p.add_argument("--general-items", type=int, default=16)
    p.add_argument(
        "--variants", default=",".join(SWEEP), help=f"comma-separated from {', '.join([*SWEEP, *PER_NODE, 'dyn_int8'])}"
    )
    p.add_argument(
        "--per-node",
        action="append",
        default=[],
        metavar="NAME=REGEX[:hqq]",
        help="an extra per-node variant: MatMuls whose name matches REGEX at 8 bits, the rest at 4 (repeatable)",
    )
    p.add_argument("--model-dir", type=Path, default=ROOT / "var/models/smollm2-135m-instruct")
    p.add_argument("--keep-dir", type=Path, default=None, help="keep the builds here (else a temporary folder)")
    p.add_argument("--reuse-fp32", action="store_true", help="float32's scores from the last sweep on the same items")
    p.add_argument("--out", type=Path, default=ROOT / "loadtests/records/quant_sweep.jsonl")
    args = p.parse_args()
    names = [n for n in args.variants.split(",") if n]
    for spec in args.per_node:
        name, _, rest = spec.partition("=")
        regex, _, method = rest.rpartition(":") if rest.endswith(":hqq") else (rest, "", "default")
        if not name or not regex:
            p.error(f"--per-node {spec!r}: expected NAME=REGEX[:hqq]")
        PER_NODE[name] = (regex, method)
        names.append(name)
    if unknown := set(names) - set(SWEEP) - set(PER_NODE) - {"dyn_int8"}:
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
    stamp = RunStamp()
    model, tokenizer = core.load_base(args.model_dir)
    items = {"medical": args.medical_items, "general": args.general_items}
    base = earlier_fp32(args.out, items) if args.reuse_fp32 else None
    if base is None:
        model.eval()
        base = {"weight_bytes": weight_bytes(args.model_dir), **score(model, tokenizer, config, medical, general)}
    del model
    print(f"[fp32] {base}", file=sys.stderr, flush=True)
    rows = {}
    with tempfile.TemporaryDirectory(prefix="quant-sweep-") as tmp:
        root = args.keep_dir or Path(tmp)
        for name in names:
            folder = root / name
            try:
                if name == "dyn_int8":
                    precision, options = "int8 dynamic", {"per_channel": True, "weight_type": "QInt8"}
                    seconds = build_dynamic_int8(args.model_dir, folder)
                elif name in PER_NODE:
                    regex, method = PER_NODE[name]
                    precision, options = "int4+int8", {"int8_nodes": regex, "int4_method": method}
                    seconds, options["int8_count"] = build_per_node(args.model_dir, folder, regex, method)
                else:
                    precision, options = SWEEP[name]
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
        "items": items,
        "fp32": base,
        "variants": rows,
        **stamp.fields(),
    }
    emit(record, args.out)


if __name__ == "__main__":
    main()
