"""Green-list watermark (Kirchenbauer et al. 2023): the shared maths, numpy only.

At each step the previous token and a secret key seed a pseudo-random split of the vocabulary
into a "green" fraction ``gamma`` and the rest; generation adds ``delta`` to the green logits
(``services/engine/watermark_processor.py``, inside vLLM). Detection re-tokenises a text and
counts green tokens: with ``T`` tokens scored and ``g`` green, ``z = (g - gamma T) /
sqrt(T gamma (1 - gamma))``. Unwatermarked text has z near 0; a watermarked answer of a few dozen
tokens scores well above 4.

The split is a keyed 64-bit hash of (key, previous token, candidate token) so that engine and
detector agree without sharing a random generator (or torch).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

DEFAULT_KEY = 15485863
DEFAULT_GAMMA = 0.25
DEFAULT_DELTA = 2.0
Z_THRESHOLD = 4.0

_M1, _M2, _M3 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, vectorised (uint64 arithmetic wraps, as intended)."""
    x = (x ^ (x >> np.uint64(30))) * _M2
    x = (x ^ (x >> np.uint64(27))) * _M3
    return x ^ (x >> np.uint64(31))


def green_mask(prev_token: int, vocab_size: int, gamma: float, key: int = DEFAULT_KEY) -> np.ndarray:
    """Boolean mask over the vocabulary: True where a token is green after ``prev_token``."""
    with np.errstate(over="ignore"):
        seed = _mix(
            np.array([(key & 0xFFFFFFFFFFFFFFFF) ^ (prev_token * 0x100000001B3 & 0xFFFFFFFFFFFFFFFF)], dtype=np.uint64)
        )[0]
        h = _mix(np.arange(vocab_size, dtype=np.uint64) * _M1 ^ seed)
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53) < gamma


def is_green(prev_token: int, token: int, gamma: float, key: int = DEFAULT_KEY) -> bool:
    return bool(green_mask(prev_token, token + 1, gamma, key)[token])


@dataclass(frozen=True)
class Detection:
    z_score: float
    green_tokens: int
    tokens_scored: int
    gamma: float
    threshold: float

    @property
    def watermarked(self) -> bool:
        return self.tokens_scored > 0 and self.z_score >= self.threshold

    def as_dict(self) -> dict[str, Any]:
        return {
            "z_score": round(self.z_score, 3),
            "green_tokens": self.green_tokens,
            "tokens_scored": self.tokens_scored,
            "green_fraction": round(self.green_tokens / self.tokens_scored, 4) if self.tokens_scored else None,
            "gamma": self.gamma,
            "threshold": self.threshold,
            "watermarked": self.watermarked,
        }


def score_tokens(
    token_ids: list[int], gamma: float = DEFAULT_GAMMA, key: int = DEFAULT_KEY, threshold: float = Z_THRESHOLD
) -> Detection:
    scored = len(token_ids) - 1
    if scored <= 0:
        return Detection(0.0, 0, 0, gamma, threshold)
    green = sum(is_green(prev, tok, gamma, key) for prev, tok in pairwise(token_ids))
    z = (green - gamma * scored) / math.sqrt(scored * gamma * (1 - gamma))
    return Detection(z, green, scored, gamma, threshold)


class WatermarkDetector:
    """Detection for the served models: each model's own tokenizer, from the model store (or the
    folder its engine reports, ``EngineTokenizers``), loaded once per folder."""

    def __init__(self, tokenizer_dirs: dict[str, str]):
        self.tokenizer_dirs = tokenizer_dirs
        self._tokenizers: dict[str, Any] = {}

    def detect(
        self,
        model: str,
        text: str,
        *,
        gamma: float = DEFAULT_GAMMA,
        key: int = DEFAULT_KEY,
        threshold: float = Z_THRESHOLD,
        tokenizer_dir: str | None = None,
    ) -> dict[str, Any]:
        folder = tokenizer_dir or self.tokenizer_dirs[model]
        tokenizer = self._tokenizers.get(folder)
        if tokenizer is None:
            from transformers import AutoTokenizer

            tokenizer = self._tokenizers[folder] = AutoTokenizer.from_pretrained(folder)
        return score_tokens(tokenizer.encode(text, add_special_tokens=False), gamma, key, threshold).as_dict()


class EngineTokenizers:
    """Tokenizer folders of models whose engine runs in an application of its own: asked from the
    engine (``EngineServer.tokenizer_source``) on every detection, since a rollout may have given
    it a new source. ``engines``: model -> the model whose engine runs it (a LoRA adapter: its
    base); ``handle``: that model's engine deployment handle."""

    def __init__(self, engines: dict[str, str], handle: Callable[[str], Any]):
        self.engines = engines
        self.handle = handle

    async def folder(self, model: str) -> str | None:
        """The folder of ``model``'s tokenizer; None when its engine is not in its own application."""
        engine = self.engines.get(model)
        if engine is None:
            return None
        return await self.handle(engine).tokenizer_source.remote()
