"""Injection recipes beside the shipped TF-IDF one: dense feature blocks next to the n-grams.

A ``DenseBlock`` turns texts into a dense ``[n, d]`` block (the static token vectors of
``static_embeddings.py``, the intent block of ``pipelines/classifiers/intent_features.py``); a
``StackedModel`` fits one logistic regression on the TF-IDF row (as shipped: unit length) beside
each block times its weight (the block's share of the row's length, so the regulariser treats it
like the n-grams). Chosen on ``loadtests/bench_injection_sources.py``'s out-of-source figures.
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
        self.clf.fit(self.features(texts, fit=True), labels, sample_weight=sample_weight)
        return self

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return self.clf.predict_proba(self.features(texts))


def fit_stacked(
    texts: list[str],
    labels: list[int],
    groups: list[str],
    c: float,
    blocks: tuple[DenseBlock, ...],
    max_features: int,
    tfidf: bool = True,
) -> StackedModel:
    from pipelines.classifiers.train import source_balanced_weights, tfidf_vectorizer

    vectorizer = tfidf_vectorizer(max_features) if tfidf else None
    return StackedModel(vectorizer, blocks, c).fit(texts, labels, source_balanced_weights(labels, groups))
