"""How long a vLLM engine takes to start on this CPU, and its decode speed, with the compile
settings given in the environment (the engines' runtime env sets ``VLLM_USE_AOT_COMPILE=0`` on
CPU, ``services/engine/llm_configs.py``): run it twice in a row to see what the compile cache
saves on the second start.

    for i in 1 2; do VLLM_USE_AOT_COMPILE=0 VLLM_CPU_KVCACHE_SPACE=1 \\
        .venv/bin/python loadtests/bench_engine_start.py start$i; done

Prints one ``RESULT {json}`` line: ``init_s`` (the whole ``vllm.LLM`` construction: imports, load,
compile, warm-up), tokens/s at 1 and 8 prompts (128 greedy tokens each), the start of the answer.
vLLM's own log line "init engine (profile, create kv cache, warmup model) took" gives the
compile-and-warm-up part alone.
"""

import json
import sys
import time
from pathlib import Path

MODEL = Path(__file__).resolve().parent.parent / "var" / "models" / "smollm2-135m-instruct"


def main() -> None:
    t0 = time.time()
    from vllm import LLM, SamplingParams

    llm = LLM(model=str(MODEL), dtype="float32", max_model_len=512, seed=0)
    init = time.time() - t0
    sp = SamplingParams(max_tokens=128, temperature=0, ignore_eos=True)
    llm.generate(["Hello"], sp)
    t = time.time()
    out = llm.generate(["Tell me about Paris."], sp)
    dt = time.time() - t
    n = len(out[0].outputs[0].token_ids)
    t = time.time()
    llm.generate([f"Question {i}: tell me about the sea." for i in range(8)], sp)
    dt8 = time.time() - t
    result = {
        "label": sys.argv[1] if len(sys.argv) > 1 else "run",
        "init_s": round(init, 1),
        "tok_s_1": round(n / dt, 1),
        "tok_s_8": round(8 * 128 / dt8, 1),
        "text": out[0].outputs[0].text[:60],
    }
    print("RESULT", json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
