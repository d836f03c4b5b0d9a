"""Greedy agreement of an int4 ONNX build with float32 (transformers), with float32 activations in
chosen decoder layers (``quantize.float_activation_layers``, applied to a view of the build: the graph
edited, the weights hard-linked): on the France prompt, three of the tests' prompts and held-out-style
PubMedQA questions (the last ``--pubmedqa`` of the file), ``--tokens`` greedy tokens each (EOS not
ending them), how many continuations equal float32's and the mean number of tokens before the first
difference; plus the France answer and one-stream tokens/s (64 tokens, median of 4, after one warm-up).

    flock /tmp/llmops-heavy.lock .venv/bin/python -m loadtests.greedy_agreement FOLDER \\
        --layers none --layers 0 --layers 0,-1 --layers all

Last stdout line: one JSON object, appended to ``loadtests/records/greedy_agreement.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loadtests._common import RunStamp, emit  # noqa: E402

FRANCE = "What is the capital of France?"
TEST_PROMPTS = [FRANCE, "What is the capital of Italy?", "Write a short poem.", "hi"]


def layer_view(folder: Path, out: Path, layers: list[int]) -> int:
    """``folder`` with float32 activations in ``layers`` (resolved indices) into ``out``; MatMuls changed."""
    import onnx

    from pipelines.float_activations import float_activation_graph

    out.mkdir(parents=True)
    for f in folder.iterdir():
        if f.name != "model.onnx":
            os.link(f, out / f.name)
    model = onnx.load(str(folder / "model.onnx"), load_external_data=False)
    changed = float_activation_graph(model, layers) if layers else 0
    onnx.save(model, str(out / "model.onnx"))
    return changed


def greedy(model, ids: list[int], tokens: int) -> list[int]:
    import onnxruntime_genai as og

    params = og.GeneratorParams(model)
    params.set_search_options(max_length=len(ids) + tokens, min_length=len(ids) + tokens, do_sample=False)
    generator = og.Generator(model, params)
    generator.append_tokens(ids)
    out = []
    while not generator.is_done():
        generator.generate_next_token()
        out.append(int(generator.get_next_tokens()[0]))
    return out


def one_stream_tok_s(model, ids: list[int], tokens: int = 64, reps: int = 4) -> float:
    rates = []
    for rep in range(reps + 1):
        began = time.perf_counter()
        greedy(model, ids, tokens)
        if rep:
            rates.append(tokens / (time.perf_counter() - began))
    return round(statistics.median(rates), 1)


def main() -> None:
    import onnxruntime_genai as og
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from pipelines.float_activations import source_layers

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", type=Path)
    p.add_argument("--layers", action="append", required=True, help="none, all, or indices: 0,-1 (repeatable)")
    p.add_argument("--model-dir", type=Path, default=ROOT / "var/models/smollm2-135m-instruct")
    p.add_argument("--pubmedqa", type=int, default=12)
    p.add_argument("--tokens", type=int, default=24)
    p.add_argument("--data", type=Path, default=ROOT / "../shared/data/pubmedqa/ori_pqal.json")
    p.add_argument("--out", type=Path, default=ROOT / "loadtests/records/greedy_agreement.jsonl")
    args = p.parse_args()
    if not (args.folder / "genai_config.json").is_file():
        p.error(f"{args.folder} has no genai_config.json")
    num_layers = json.loads((args.model_dir / "config.json").read_text())["num_hidden_layers"]
    choices = {}
    for spec in args.layers:
        if spec == "none":
            choices[spec] = []
        elif spec == "all":
            choices[spec] = list(range(num_layers))
        else:
            choices[spec] = source_layers(args.model_dir, [int(x) for x in spec.split(",")])
    stamp = RunStamp()
    tokenizer = AutoTokenizer.from_pretrained(args.model_dir)
    fp32 = AutoModelForCausalLM.from_pretrained(args.model_dir, dtype=torch.float32).eval()
    items = list(json.loads(args.data.read_text()).values())[-args.pubmedqa :] if args.pubmedqa else []
    questions = TEST_PROMPTS + [item["QUESTION"] for item in items]
    prompts = []
    for question in questions:
        text = tokenizer.apply_chat_template(
            [{"role": "user", "content": question}], add_generation_prompt=True, tokenize=False
        )
        ids = tokenizer(text, return_tensors="pt")["input_ids"]
        with torch.no_grad():
            out = fp32.generate(ids, max_new_tokens=args.tokens, min_new_tokens=args.tokens, do_sample=False)
        prompts.append((ids[0].tolist(), out[0, ids.shape[1] :].tolist()))
    rows = {}
    with tempfile.TemporaryDirectory(prefix="greedy-agreement-", dir=ROOT / "var") as tmp:
        for n, (spec, layers) in enumerate(choices.items()):
            view = Path(tmp) / str(n)
            changed = layer_view(args.folder, view, layers)
            model = og.Model(str(view))
            prefixes = []
            for ids, want in prompts:
                have = greedy(model, ids, args.tokens)
                prefixes.append(
                    next((i for i, (a, b) in enumerate(zip(want, have, strict=False)) if a != b), args.tokens)
                )
            france = tokenizer.decode(greedy(model, prompts[0][0], 12), skip_special_tokens=True)
            rows[spec] = {
                "layers": layers,
                "matmuls_float": changed,
                "identical": sum(k == args.tokens for k in prefixes),
                "prompts": len(prefixes),
                "mean_tokens_before_difference": round(statistics.mean(prefixes), 2),
                "tokens_before_difference": prefixes,
                "france_answer": france,
                "paris": "Paris" in france,
                "tok_s_c1": one_stream_tok_s(model, prompts[0][0]),
            }
            print(spec, rows[spec], file=sys.stderr, flush=True)
    emit(
        {
            "bench": "greedy_agreement",
            "folder": str(args.folder),
            "tokens": args.tokens,
            "pubmedqa_questions": len(items),
            "rows": rows,
            **stamp.fields(),
        },
        args.out,
    )


if __name__ == "__main__":
    main()
