"""llama.cpp on a GGUF seen through the slice of a transformers causal LM that ``pipelines.evaluate``
uses (``model(input_ids=..., attention_mask=...).logits``, ``parameters()``, ``eval()``), so that
llama.cpp's own perplexity and PubMedQA accuracy are computed by the same functions, on the same
token ids (the HF tokenizer's, fed to llama.cpp as ids: same tokenisation, same windows) as the
float32 and ONNX Runtime rows.

llama-cpp-python lives in the benchmark venv (``loadtests/install_peers.sh``), not in the stack's,
so the model runs in a worker process of that venv's Python (this file run as a script: it needs
only llama_cpp and numpy); each row is one ``Llama.eval`` of a fresh context with ``logits_all``,
its logits handed back as a ``.npy`` file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

N_CTX = 1024  # above pipelines' evaluate max_seq_len (384) and the PubMedQA prompts it cuts to


def tensor_types(gguf: Path) -> dict[str, int]:
    """How many tensors of each type the GGUF holds (what its "Q4_1" keeps at other precisions)."""
    from gguf import GGUFReader  # gguf-py, installed with the stack

    counts: dict[str, int] = {}
    for tensor in GGUFReader(gguf).tensors:
        counts[tensor.tensor_type.name] = counts.get(tensor.tensor_type.name, 0) + 1
    return counts


class LlamaCppCausalLM:
    def __init__(self, gguf: Path, python: Path, threads: int = 2, n_ctx: int = N_CTX):
        if not Path(python).exists():
            raise FileNotFoundError(f"{python} not found: install the peers (bash loadtests/install_peers.sh)")
        self.n_ctx = n_ctx
        self._tmp = tempfile.TemporaryDirectory(prefix="llamacpp-logits-")
        self._process = subprocess.Popen(
            [str(python), __file__, "--worker", str(gguf), str(threads), str(n_ctx)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        ready = self._process.stdout.readline()
        if not ready.startswith("ready"):
            self.close()
            raise RuntimeError(f"the llama.cpp worker did not start (exit {self._process.poll()})")
        self.tensor_types = tensor_types(Path(gguf))

    def eval(self) -> LlamaCppCausalLM:
        return self

    def parameters(self) -> Iterator[Any]:
        import torch

        yield torch.zeros(0)

    def _row_logits(self, ids: list[int]) -> Any:
        import numpy as np

        if len(ids) > self.n_ctx:
            raise ValueError(f"{len(ids)} tokens do not fit llama.cpp's context of {self.n_ctx}")
        out = Path(self._tmp.name) / "logits.npy"
        self._process.stdin.write(json.dumps({"ids": ids, "out": str(out)}) + "\n")
        answer = self._process.stdout.readline()
        if answer.strip() != "ok":
            raise RuntimeError(f"the llama.cpp worker failed (exit {self._process.poll()}): {answer.strip()}")
        return np.load(out)

    def __call__(self, input_ids: Any, attention_mask: Any = None) -> SimpleNamespace:
        from pipelines.ort_model import padded_logits

        return padded_logits(lambda ids: self._row_logits([int(t) for t in ids]), input_ids, attention_mask)

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.stdin.close()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._tmp.cleanup()

    def __enter__(self) -> LlamaCppCausalLM:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _worker(gguf: str, threads: int, n_ctx: int) -> None:
    """In the benchmark venv: one JSON request per stdin line, ``ok`` (logits saved) per stdout line."""
    import numpy as np
    from llama_cpp import Llama

    llm = Llama(
        model_path=gguf, n_ctx=n_ctx, n_batch=n_ctx, n_ubatch=n_ctx, logits_all=True,
        n_threads=threads, n_threads_batch=threads, verbose=False,
    )  # fmt: skip
    print("ready", flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            llm.reset()
            llm.eval(request["ids"])
            np.save(request["out"], np.asarray(llm.scores[: len(request["ids"])], dtype=np.float32))
            print("ok", flush=True)
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises
            print(f"error {type(exc).__name__}: {exc}", flush=True)


def main() -> None:
    """llama.cpp's quality on the GGUF alone (bench_quantization scores it in its full run too)."""
    import argparse
    import os

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer

    from loadtests._common import RunStamp, bench_venv, emit
    from loadtests.bench_engine import DEFAULT_GGUF
    from loadtests.bench_quantization import quality, quality_config

    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("--gguf", type=Path, default=DEFAULT_GGUF)
    p.add_argument("--model-dir", type=Path, default=root / "var/models/smollm2-135m-instruct", help="its tokenizer")
    p.add_argument("--medical-items", type=int, default=32)
    p.add_argument("--general-items", type=int, default=32)
    p.add_argument("--qa-items", type=int, default=40)
    p.add_argument("--threads", type=int, default=1, help="llama.cpp threads (1: no spinning on a shared machine)")
    p.add_argument("--bench-venv", default=None, help="venv with llama.cpp [default: $BENCH_VENV or .venv-bench]")
    p.add_argument("--fp32", action=argparse.BooleanOptionalAction, default=True, help="score float32 too")
    p.add_argument("--out", type=Path, default=root / "loadtests/records/llamacpp_quality.jsonl")
    args = p.parse_args()
    config = quality_config(args)
    stamp = RunStamp()
    tokenizer = AutoTokenizer.from_pretrained(args.model_dir)
    with LlamaCppCausalLM(args.gguf, bench_venv(args.bench_venv) / "bin" / "python", args.threads) as model:
        row = {"tensor_types": model.tensor_types, **quality("llamacpp", model, tokenizer, config)}
    fp32 = ratios = None
    if args.fp32:  # float32 (transformers) on the same items: the ratios' reference
        from pipelines.finetune import core

        fp32 = quality("fp32", core.load_base(args.model_dir)[0].eval(), tokenizer, config)
        ratios = {k: round(row[k] / fp32[k], 4) for k in ("medical_ppl", "general_ppl")}
    emit(
        {
            "bench": "llamacpp_quality",
            "gguf": args.gguf.name,
            "items": {"medical": args.medical_items, "general": args.general_items, "qa": args.qa_items},
            "llamacpp": row,
            "fp32": fp32,
            "ratios_vs_fp32": ratios,
            **stamp.fields(),
        },
        args.out,
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        _worker(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
