"""Embedding all-MiniLM-L6-v2 inside the retrieval replica.

Two implementations of one interface (``Embedder.embed(texts) -> float32 [n, 384]``, rows
L2-normalised, the sentence-transformers recipe: mean pooling over the attention mask, then
normalisation): ONNX Runtime (the default; the ONNX file is exported once from the HF folder
with torch and cached beside the index) and torch. Both agree with the gateway's embedding
engine to 1e-4 cosine (tests/unit/test_rag_embeddings.py, tests/integration/test_rag.py).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol

import numpy as np

from services.rag.chunking import load_tokenizer
from services.rag.config import MODEL_MAX_TOKENS


class Embedder(Protocol):
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def _mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    mask = mask[..., None].astype(np.float32)
    return (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)


class _Batched:
    """Shared batching: texts sorted by length so each batch pads little, results in input order."""

    batch_size = 64

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            out[idx] = self._embed_batch([texts[i] for i in idx])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class OnnxEmbedder(_Batched):
    def __init__(self, model_dir: Path, onnx_path: Path, threads: int = 1, batch_size: int = 64):
        import onnxruntime as ort

        self.tokenizer = load_tokenizer(model_dir)
        self.tokenizer.enable_truncation(MODEL_MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.dim = int(self.session.get_outputs()[0].shape[-1])
        self.batch_size = batch_size

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feed)[0]
        return _normalise(_mean_pool(hidden, mask))


class TorchEmbedder(_Batched):
    def __init__(self, model_dir: Path, threads: int | None = None, batch_size: int = 64):
        import torch
        from transformers import AutoModel

        if threads:
            torch.set_num_threads(threads)
        self.torch = torch
        self.tokenizer = load_tokenizer(model_dir)
        self.tokenizer.enable_truncation(MODEL_MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.model = AutoModel.from_pretrained(str(model_dir), dtype=torch.float32).eval()
        self.dim = int(self.model.config.hidden_size)
        self.batch_size = batch_size

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        torch = self.torch
        encodings = self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in encodings], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.long)
        with torch.inference_mode():
            hidden = self.model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids))[0]
        return _normalise(_mean_pool(hidden.numpy(), mask.numpy()))


def _model_fingerprint(model_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in ("config.json", "model.safetensors", "pytorch_model.bin"):
        path = Path(model_dir) / name
        if path.is_file():
            stat = path.stat()
            digest.update(f"{name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
    return digest.hexdigest()[:16]


def onnx_file(model_dir: Path, cache_dir: Path) -> Path:
    """The model's ONNX file: shipped in the folder (onnx/model.onnx), else exported once into
    ``cache_dir`` (written under a temporary name, then renamed, so a crash leaves no half file)."""
    shipped = Path(model_dir) / "onnx" / "model.onnx"
    if shipped.is_file():
        return shipped
    target = Path(cache_dir) / f"minilm-{_model_fingerprint(model_dir)}.onnx"
    if target.is_file():
        return target
    import torch
    from transformers import AutoModel

    # eager attention and a padded example: the traced graph must keep the padding mask
    bert = AutoModel.from_pretrained(str(model_dir), dtype=torch.float32, attn_implementation="eager").eval()

    class _Encoder(torch.nn.Module):  # positional inputs, one output: what the exporter traces
        def __init__(self):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]

    model = _Encoder().eval()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102], [101, 3231, 102, 0, 0, 0]])
    example = (ids, (ids != 0).long(), torch.zeros_like(ids))
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(
        model,
        example,
        str(tmp),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["last_hidden_state"],
        dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "last_hidden_state": axes},
        opset_version=17,
        dynamo=False,
    )
    tmp.replace(target)
    return target


def build_embedder(kind: str, model_dir: Path, cache_dir: Path, threads: int = 1, batch_size: int = 64) -> Embedder:
    if kind == "onnx":
        return OnnxEmbedder(model_dir, onnx_file(model_dir, cache_dir), threads=threads, batch_size=batch_size)
    if kind == "torch":
        return TorchEmbedder(model_dir, threads=threads, batch_size=batch_size)
    raise ValueError(f"unknown embedder {kind!r}")
