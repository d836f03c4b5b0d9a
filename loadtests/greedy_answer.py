"""The greedy answer of ONNX builds to a question (the France one by default), optionally with the
MatMulNBits of the decoder or the LM head switched to another ``accuracy_level`` (a view of the build:
the graph rewritten, the weights hard-linked; 4 = int8 activations, 1 = float32 activations), and with
``--float32 MODEL`` the float32 model's greedy answer (transformers) and how far its first answer
token's probability leads the runner-up's (a near tie is an answer quantization noise can flip).

    .venv/bin/python -m loadtests.greedy_answer FOLDER [FOLDER ...] [--accuracy-level 1 --only decoder]
        [--question "What is the capital of Japan?" --expect Tokyo] [--float32 var/models/smollm2-135m-instruct]

Last stdout line: one JSON object (each folder's answer and whether it holds the expected word), appended
to ``loadtests/records/greedy_answer.jsonl``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loadtests._common import emit  # noqa: E402

QUESTION = "What is the capital of France?"


def float32_answer(model_dir: Path, question: str, tokens: int) -> dict:
    """The float32 model's greedy answer and its first token's lead in probability over the runner-up."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    messages = [{"role": "user", "content": question}]
    ids = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    with torch.no_grad():
        out = model.generate(
            **ids, max_new_tokens=tokens, do_sample=False, output_scores=True, return_dict_in_generate=True
        )
    first, second = torch.topk(torch.softmax(out.scores[0][0], -1), 2).values.tolist()
    answer_ids = out.sequences[0, ids["input_ids"].shape[1] :]
    return {"answer": tok.decode(answer_ids, skip_special_tokens=True), "first_token_lead": round(first - second, 4)}


def accuracy_view(folder: Path, out: Path, level: int, only: str) -> int:
    """``folder`` with the accuracy_level of its MatMulNBits set to ``level`` (``only``: all, decoder or
    lm_head) into ``out``; returns how many nodes changed."""
    import onnx

    out.mkdir(parents=True)
    for f in folder.iterdir():
        if f.name != "model.onnx":
            os.link(f, out / f.name)
    model = onnx.load(str(folder / "model.onnx"), load_external_data=False)
    changed = 0
    for node in model.graph.node:
        head = "lm_head" in node.name
        if node.op_type == "MatMulNBits" and (only == "all" or (only == "lm_head") == head):
            for attr in node.attribute:
                if attr.name == "accuracy_level":
                    attr.i, changed = level, changed + 1
    onnx.save(model, str(out / "model.onnx"))
    return changed


def answer(folder: Path, question: str, tokens: int) -> str:
    from services.engine.onnx_engine import OnnxGenAIEngine

    payload = {"messages": [{"role": "user", "content": question}], "max_tokens": tokens, "temperature": 0}
    return asyncio.run(OnnxGenAIEngine("check", folder).generate("chat", payload))["choices"][0]["message"]["content"]


def cpu_model() -> str:
    """The CPU's model name and its widest vector extensions (the int8 kernels differ between them)."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    name = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    flags = set(next((line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), []))
    wide = sorted(flags & {"avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8"})
    return f"{name} ({', '.join(wide) or 'no avx2'})"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", type=Path, nargs="+")
    p.add_argument("--accuracy-level", type=int, choices=[1, 2, 3, 4], default=None)
    p.add_argument("--only", choices=["all", "decoder", "lm_head"], default="all")
    p.add_argument("--tokens", type=int, default=12)
    p.add_argument("--question", default=QUESTION)
    p.add_argument("--expect", default="Paris", help="the word a right answer holds")
    p.add_argument("--float32", type=Path, help="the float32 model's folder: its answer and first-token lead too")
    p.add_argument("--out", type=Path, default=ROOT / "loadtests/records/greedy_answer.jsonl")
    args = p.parse_args()
    for folder in args.folders:
        if not (folder / "genai_config.json").is_file():
            p.error(f"{folder} has no genai_config.json")
    rows = []
    with tempfile.TemporaryDirectory(prefix="greedy-answer-", dir=ROOT / "var") as tmp:
        for folder in args.folders:
            row: dict = {"folder": str(folder)}
            if args.accuracy_level is not None:
                view = Path(tmp) / folder.name
                row["accuracy_level_nodes"] = accuracy_view(folder, view, args.accuracy_level, args.only)
                folder = view
            row["answer"] = answer(folder, args.question, args.tokens)
            row["expected_word"] = args.expect in row["answer"]
            print(row, file=sys.stderr, flush=True)
            rows.append(row)
    record = {
        "bench": "greedy_answer",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "question": args.question,
        "expect": args.expect,
        **({"float32": float32_answer(args.float32, args.question, args.tokens)} if args.float32 else {}),
        "cpu": cpu_model(),
        "accuracy_level": args.accuracy_level,
        "only": args.only,
        "rows": rows,
        "command": shlex.join(["loadtests/greedy_answer.py", *sys.argv[1:]]),
    }
    emit(record, args.out)


if __name__ == "__main__":
    main()
