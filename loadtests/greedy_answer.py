"""The greedy answer of ONNX builds to the France prompt (the tests' "Paris" check), optionally with the
MatMulNBits of the decoder or the LM head switched to another ``accuracy_level`` (a view of the build:
the graph rewritten, the weights hard-linked; 4 = int8 activations, 1 = float32 activations).

    .venv/bin/python -m loadtests.greedy_answer FOLDER [FOLDER ...] [--accuracy-level 1 --only decoder]

Last stdout line: one JSON object (each folder's answer and whether it says Paris), appended to
``loadtests/records/greedy_answer.jsonl``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loadtests._common import emit  # noqa: E402

QUESTION = "What is the capital of France?"


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


def answer(folder: Path, tokens: int) -> str:
    from services.engine.onnx_engine import OnnxGenAIEngine

    payload = {"messages": [{"role": "user", "content": QUESTION}], "max_tokens": tokens, "temperature": 0}
    return asyncio.run(OnnxGenAIEngine("check", folder).generate("chat", payload))["choices"][0]["message"]["content"]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", type=Path, nargs="+")
    p.add_argument("--accuracy-level", type=int, choices=[1, 2, 3, 4], default=None)
    p.add_argument("--only", choices=["all", "decoder", "lm_head"], default="all")
    p.add_argument("--tokens", type=int, default=12)
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
            row["answer"] = answer(folder, args.tokens)
            row["paris"] = "Paris" in row["answer"]
            print(row, file=sys.stderr, flush=True)
            rows.append(row)
    record = {
        "bench": "greedy_answer",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "question": QUESTION,
        "accuracy_level": args.accuracy_level,
        "only": args.only,
        "rows": rows,
        "command": " ".join(["loadtests/greedy_answer.py", *sys.argv[1:]]),
    }
    emit(record, args.out)


if __name__ == "__main__":
    main()
