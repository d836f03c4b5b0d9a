"""Does vLLM (this machine's CPU backend) load a quantized checkpoint and answer correctly?

Starts vLLM's offline engine on FOLDER (float32 activations, ``enforce_eager`` by default: no
compile step, so this checks loading and answers, not speed), asks "What is the capital of
France?" greedily through the chat template, and prints one JSON line (seconds to load, the
answer, whether it names Paris), appended to
``loadtests/records/vllm_quantized_check.jsonl``. Starts vLLM: hold the shared lock.

    flock /tmp/llmops-heavy.lock .venv/bin/python -m loadtests.vllm_quantized_check FOLDER
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from loadtests._common import RunStamp, emit

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", type=Path, help="an HF folder with a quantization_config vLLM reads")
    p.add_argument("--compile", action="store_true", help="let vLLM compile (slower start; default: eager)")
    p.add_argument("--out", type=Path, default=ROOT / "loadtests/records/vllm_quantized_check.jsonl")
    args = p.parse_args()
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
    os.environ.setdefault("VLLM_USE_AOT_COMPILE", "0")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("VLLM_NO_USAGE_STATS", "1")
    from vllm import LLM, SamplingParams

    quantization = json.loads((args.folder / "config.json").read_text()).get("quantization_config", {})
    stamp = RunStamp()
    began = time.perf_counter()
    llm = LLM(model=str(args.folder), dtype="float32", max_model_len=1024, enforce_eager=not args.compile)
    load_s = time.perf_counter() - began
    out = llm.chat(
        [{"role": "user", "content": "What is the capital of France?"}], SamplingParams(temperature=0, max_tokens=24)
    )
    answer = out[0].outputs[0].text
    record = {
        "check": "vllm_quantized",
        "folder": str(args.folder),
        "quant_method": quantization.get("quant_method"),
        "format": quantization.get("format"),
        "load_s": round(load_s, 1),
        "answer": answer,
        "paris": "Paris" in answer,
        "eager": not args.compile,
        **stamp.fields(),
    }
    emit(record, args.out)


if __name__ == "__main__":
    main()
