"""The in-replica ONNX embedder gives the same vectors as the model run by torch (1e-4 cosine),
padding and truncation at 256 tokens included. (Agreement with the gateway's vLLM embedding
engine is checked in tests/integration/test_rag.py.)"""

from __future__ import annotations

import numpy as np

from services.rag.embeddings import build_embedder
from tests.unit.rag_fixtures import MODEL_DIR

TEXTS = [
    "hi",
    "Do mitochondria play a role in remodelling lace plant leaves during programmed cell death?",
    "Inhaled corticosteroids reduce asthma exacerbations in children. " * 30,  # over 256 tokens: truncated
    "Ünïcödé, punctuation… and numbers 3.14 / 42%",
]


def test_onnx_matches_torch_to_1e4_cosine(tmp_path):
    onnx = build_embedder("onnx", MODEL_DIR, tmp_path / "onnx", batch_size=3)
    reference = build_embedder("torch", MODEL_DIR, tmp_path / "onnx", batch_size=1)  # no padding at all
    a, b = onnx.embed(TEXTS), reference.embed(TEXTS)
    assert a.shape == (len(TEXTS), 384) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert (a * b).sum(axis=1).min() > 1 - 1e-4
    # order preserved whatever the length sorting inside
    assert (onnx.embed(TEXTS[::-1])[::-1] * a).sum(axis=1).min() > 1 - 1e-5
    assert onnx.embed([]).shape == (0, 384)
    # the export is cached: a second embedder reuses the file
    files = list((tmp_path / "onnx").iterdir())
    build_embedder("onnx", MODEL_DIR, tmp_path / "onnx")
    assert list((tmp_path / "onnx").iterdir()) == files
