"""Injection recipes beside the shipped TF-IDF one: dense feature blocks next to the n-grams.

A ``DenseBlock`` turns texts into a dense ``[n, d]`` block (the static token vectors of
``static_embeddings.py``, the intent block of ``pipelines/classifiers/intent_features.py``); a
``StackedModel`` fits one logistic regression on the TF-IDF row (as shipped: unit length) beside
each block times its weight (the block's share of the row's length, so the regulariser treats it
like the n-grams). Chosen on ``loadtests/bench_injection_sources.py``'s out-of-source figures.

The shipped injection model is one (TF-IDF + the static token vectors, ``train.py``): it is served
as ``tfidf_pipeline`` (the TF-IDF columns' coefficients and the intercept, exported to ONNX like
every classifier) plus each block's ``block_coefficients`` folded into its table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class DenseBlock:
    name: str
    transform: Callable[[list[str]], np.ndarray]
    weight: float


class StackedModel:
    """TF-IDF (the shipped vectorizer, or none) and dense blocks side by side, one logistic regression."""

    def __init__(self, tfidf: Any | None, blocks: tuple[DenseBlock, ...], c: float):
        from sklearn.linear_model import LogisticRegression

        self.tfidf = tfidf
        self.blocks = blocks
        self.clf = LogisticRegression(C=c, max_iter=3000)

    def features(self, texts: list[str], fit: bool = False) -> Any:
        from scipy import sparse

        parts = []
        if self.tfidf is not None:
            parts.append(self.tfidf.fit_transform(texts) if fit else self.tfidf.transform(texts))
        parts += [sparse.csr_matrix(block.transform(texts) * block.weight) for block in self.blocks]
        return sparse.hstack(parts, format="csr")

    def fit(self, texts: list[str], labels: list[int], sample_weight: np.ndarray) -> StackedModel:
        self.block_widths_ = [block.transform(texts[:1]).shape[1] for block in self.blocks]
        self.clf.fit(self.features(texts, fit=True), labels, sample_weight=sample_weight)
        return self

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return self.clf.predict_proba(self.features(texts))

    def tfidf_width(self) -> int:
        return len(self.tfidf.vocabulary_) if self.tfidf is not None else 0

    def block_coefficients(self, name: str) -> np.ndarray:
        """The logistic regression's coefficients over block ``name``'s columns (as fitted: on the
        block times its weight)."""
        start = self.tfidf_width()
        for block, width in zip(self.blocks, self.block_widths_, strict=True):
            if block.name == name:
                return self.clf.coef_[0, start : start + width].copy()
            start += width
        raise KeyError(name)

    def tfidf_pipeline(self) -> Any:
        """A scikit-learn TF-IDF + logistic regression pipeline with the TF-IDF columns'
        coefficients and the intercept: the fitted model's logit less the blocks' terms."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        if self.tfidf is None:
            raise ValueError("this model has no TF-IDF part")
        part = LogisticRegression()
        part.classes_ = self.clf.classes_
        part.coef_ = self.clf.coef_[:, : self.tfidf_width()].copy()
        part.intercept_ = self.clf.intercept_.copy()
        part.n_features_in_ = part.coef_.shape[1]
        return Pipeline([("tfidf", self.tfidf), ("clf", part)])


def memoised(block: DenseBlock, texts: list[str]) -> DenseBlock:
    """``block`` with its rows for ``texts`` computed once (the out-of-source fits read the same
    rows many times; no block is fitted, so every fold may share them); other texts computed as asked."""
    matrix = block.transform(texts)
    index = {t: i for i, t in enumerate(texts)}

    def transform(ts: list[str]) -> np.ndarray:
        missing = [t for t in ts if t not in index]
        extra = block.transform(missing) if missing else matrix[:0]
        where = {t: i for i, t in enumerate(missing)}
        return np.stack([matrix[index[t]] if t in index else extra[where[t]] for t in ts]) if ts else matrix[:0]

    return DenseBlock(block.name, transform, block.weight)


def fit_stacked(
    texts: list[str],
    labels: list[int],
    groups: list[str] | None,
    c: float,
    blocks: tuple[DenseBlock, ...],
    max_features: int,
    tfidf: bool = True,
    token_pattern: str | None = None,
) -> StackedModel:
    """``groups`` (each row's source): rows weighted by ``source_balanced_weights``; None:
    balanced class weights (as ``train.fit_texts``). ``token_pattern``: the n-grams' tokens (None:
    ``train.TOKEN_PATTERN``)."""
    from sklearn.utils.class_weight import compute_sample_weight

    from pipelines.classifiers.train import TOKEN_PATTERN, source_balanced_weights, tfidf_vectorizer

    vectorizer = tfidf_vectorizer(max_features, token_pattern or TOKEN_PATTERN) if tfidf else None
    weights = source_balanced_weights(labels, groups) if groups else compute_sample_weight("balanced", labels)
    return StackedModel(vectorizer, blocks, c).fit(texts, labels, weights)
