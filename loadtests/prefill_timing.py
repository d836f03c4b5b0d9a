"""Where an ONNX build's first token goes: onnxruntime-genai's own prefill (``Generator.append_tokens``,
what ``OnnxGenAIEngine`` runs before its first token) and single decode steps, timed per build and per
prompt length, the builds interleaved so that a change of machine load touches them alike.

    flock /tmp/llmops-heavy.lock .venv/bin/python -m loadtests.prefill_timing LABEL=FOLDER [LABEL=FOLDER ...] \\
        [--prompts chat,16,64,128] [--repeats 7] [--decode-steps 8]

Prompts: ``chat`` is the benchmark's first chat prompt (``bench_engine.PROMPTS[0]`` in the model's chat
template, as ``bench_quantization`` sends it); a number N is the first N tokens of the benchmark's
prompts joined as plain text. Per build and prompt: the median of ``--repeats`` (after one warm-up)
of the prefill, of the first ``generate_next_token`` (the first token: sampling from the prefill's
logits) and of one decode step (the median of ``--decode-steps`` steps of a request), and the
prefill's logits shape (``[1, 1, vocab]`` for a last-position LM head). Each build's
``genai_config.json`` session options go into the record too.

One JSON line (stdout and ``loadtests/records/prefill_timing.jsonl``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loadtests._common import RunStamp, emit  # noqa: E402


def parse_build(text: str) -> tuple[str, Path]:
    label, sep, folder = text.partition("=")
    if not sep or not label or not folder:
        raise argparse.ArgumentTypeError(f"expected LABEL=FOLDER, got {text!r}")
    if not (Path(folder) / "genai_config.json").is_file():
        raise argparse.ArgumentTypeError(f"{folder} has no genai_config.json")
    return label, Path(folder)


def parse_prompts(text: str) -> list[str]:
    prompts = [p for p in text.split(",") if p]
    bad = [p for p in prompts if p != "chat" and not (p.isdigit() and int(p) > 0)]
    if bad or not prompts:
        raise argparse.ArgumentTypeError(f"prompts are 'chat' or positive token counts, got {text!r}")
    return prompts


def prompt_ids(tokenizer, prompt: str) -> list[int]:
    from loadtests.bench_engine import PROMPTS

    if prompt == "chat":
        messages = json.dumps([{"role": "user", "content": PROMPTS[0]}])
        text = tokenizer.apply_chat_template(messages, add_generation_prompt=True)
        return [int(t) for t in tokenizer.encode(text)]
    ids: list[int] = []
    while len(ids) < int(prompt):
        ids += [int(t) for t in tokenizer.encode(" ".join(PROMPTS))]
    return ids[: int(prompt)]


def one_request(og, model, ids: list[int], steps: int) -> dict:
    """Prefill, first token and decode steps of one greedy request, in seconds."""
    params = og.GeneratorParams(model)
    params.set_search_options(max_length=len(ids) + steps + 1, min_length=len(ids) + steps + 1, do_sample=False)
    generator = og.Generator(model, params)
    began = time.perf_counter()
    generator.append_tokens(ids)
    prefill = time.perf_counter() - began
    shape = list(generator.get_output("logits").shape)
    began = time.perf_counter()
    generator.generate_next_token()
    first = time.perf_counter() - began
    decode = []
    for _ in range(steps):
        began = time.perf_counter()
        generator.generate_next_token()
        decode.append(time.perf_counter() - began)
    return {"prefill": prefill, "first": first, "decode": statistics.median(decode), "shape": shape}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("builds", nargs="+", type=parse_build, help="LABEL=FOLDER (an onnxruntime-genai folder)")
    p.add_argument("--prompts", type=parse_prompts, default=["chat", "16", "64", "128"])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--decode-steps", type=int, default=8)
    p.add_argument("--out", type=Path, default=ROOT / "loadtests/records/prefill_timing.jsonl")
    args = p.parse_args()
    if len({label for label, _ in args.builds}) != len(args.builds):
        p.error("build labels must differ")
    import onnxruntime_genai as og

    stamp = RunStamp()
    models = {label: og.Model(str(folder)) for label, folder in args.builds}
    tokenizer = og.Tokenizer(next(iter(models.values())))
    prompts = {prompt: prompt_ids(tokenizer, prompt) for prompt in args.prompts}
    runs: dict[tuple[str, str], list[dict]] = {(b, q): [] for b in models for q in prompts}
    for rep in range(args.repeats + 1):  # the first round is the warm-up
        for label, model in models.items():
            for prompt, ids in prompts.items():
                result = one_request(og, model, ids, args.decode_steps)
                if rep:
                    runs[(label, prompt)].append(result)
        print(f"round {rep}/{args.repeats} done", file=sys.stderr, flush=True)
    builds = {}
    for label, folder in args.builds:
        genai = json.loads((folder / "genai_config.json").read_text())["model"]["decoder"]
        rows = {}
        for prompt, ids in prompts.items():
            got = runs[(label, prompt)]
            rows[prompt] = {
                "prompt_tokens": len(ids),
                "prefill_ms": round(statistics.median(r["prefill"] for r in got) * 1000, 2),
                "first_token_ms": round(statistics.median(r["first"] for r in got) * 1000, 3),
                "decode_step_ms": round(statistics.median(r["decode"] for r in got) * 1000, 2),
                "prefill_ms_min": round(min(r["prefill"] for r in got) * 1000, 2),
                "logits_shape": got[0]["shape"],
            }
        builds[label] = {"folder": str(folder), "session_options": genai.get("session_options", {}), "prompts": rows}
    record = {
        "bench": "prefill_timing",
        "onnxruntime_genai": og.__version__,
        "repeats": args.repeats,
        "decode_steps": args.decode_steps,
        "builds": builds,
        **stamp.fields(),
    }
    emit(record, args.out)


if __name__ == "__main__":
    main()
