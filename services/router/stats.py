"""Experiment statistics: an anytime-valid test, sample-ratio mismatch, Bradley–Terry win rates.

**Anytime-valid test (mixture sequential probability ratio test, mSPRT).** For two variants
with success rates p_A (control) and p_B, the estimate Δ̂ = p̂_B − p̂_A is approximately
N(θ, s²) with s² = p̄(1 − p̄)(1/n_A + 1/n_B) (pooled p̄, the null's variance). Averaging the
likelihood ratio N(Δ̂; θ, s²) / N(Δ̂; 0, s²) over a N(0, τ²) prior on θ gives

    Λ = sqrt(s² / (s² + τ²)) · exp(τ² Δ̂² / (2 s² (s² + τ²)))

Under θ = 0 this is (approximately) a nonnegative martingale with mean 1, so by Ville's
inequality P(Λ ever ≥ 1/α) ≤ α: one may look after every observation and stop the first time
Λ ≥ 1/α without inflating the false positive rate (Johari, Pekelis & Walsh, "Always valid
inference", 2017). The always-valid p-value is min(1, 1 / max Λ so far). τ is the effect size
the test is most sensitive to (default 0.05: five percentage points). The closed form is checked
against numerical integration with scipy in the unit tests, and its false positive rate under
continuous monitoring by simulation (``tests/unit/test_ab_stats.py``).

**Sample-ratio mismatch**: a chi-square goodness-of-fit test of the observed counts per variant
against the configured weights (scipy); p < 0.001 flags a broken assignment.

**Bradley–Terry**: pairwise preferences fitted by the minorise–maximise algorithm, with
percentile bootstrap intervals.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats as sps

SRM_P = 0.001


def msprt_lambda(
    successes_a: np.ndarray | float,
    n_a: np.ndarray | float,
    successes_b: np.ndarray | float,
    n_b: np.ndarray | float,
    tau: float = 0.05,
) -> np.ndarray:
    """Mixture likelihood ratio Λ for H0: p_A = p_B (vectorised; 1.0 where undefined)."""
    sa, na, sb, nb = (np.asarray(x, dtype=float) for x in (successes_a, n_a, successes_b, n_b))
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (sa + sb) / (na + nb)
        s2 = pooled * (1 - pooled) * (1 / na + 1 / nb)
        delta = sb / nb - sa / na
        t2 = tau * tau
        log_lam = 0.5 * np.log(s2 / (s2 + t2)) + t2 * delta * delta / (2 * s2 * (s2 + t2))
    return np.where(np.isfinite(log_lam) & (s2 > 0), np.exp(np.minimum(log_lam, 700)), 1.0)


def sequential_rejections(
    a: np.ndarray, b: np.ndarray, *, alpha: float = 0.05, tau: float = 0.05, min_n: int = 20
) -> tuple[np.ndarray, np.ndarray]:
    """Continuous monitoring of many experiments at once.

    ``a`` and ``b`` are 0/1 arrays of shape (experiments, n): the k-th observation of each arm.
    Returns (rejected, stop_at): whether Λ crossed 1/α at any look n ≥ ``min_n``, and the first
    such n (or the horizon when it never did)."""
    na = np.arange(1, a.shape[1] + 1)
    lam = msprt_lambda(np.cumsum(a, axis=1), na, np.cumsum(b, axis=1), na, tau)
    lam[:, : max(min_n - 1, 0)] = 1.0
    crossed = lam >= 1 / alpha
    rejected = crossed.any(axis=1)
    stop_at = np.where(rejected, crossed.argmax(axis=1) + 1, a.shape[1])
    return rejected, stop_at


def always_valid_p(history: Sequence[float]) -> float:
    """Always-valid p-value from the Λ values seen so far."""
    return float(min(1.0, 1.0 / max([1.0, *history])))


def srm_check(counts: Sequence[int], weights: Sequence[float]) -> dict[str, float | bool]:
    """Chi-square test of observed assignment counts against the configured weights."""
    counts = np.asarray(counts, dtype=float)
    weights = np.asarray(weights, dtype=float)
    keep = weights > 0
    total = counts[keep].sum()
    if total < 20 or keep.sum() < 2:
        return {"p_value": 1.0, "mismatch": False}
    expected = weights[keep] / weights[keep].sum() * total
    p = float(sps.chisquare(counts[keep], expected).pvalue)
    return {"p_value": p, "mismatch": p < SRM_P}


def bradley_terry(wins: np.ndarray, iterations: int = 200) -> np.ndarray:
    """Strengths (sum 1) from a wins matrix, wins[i, j] = times i beat j (ties count half each)."""
    k = wins.shape[0]
    games = wins + wins.T
    strength = np.full(k, 1.0 / k)
    total_wins = wins.sum(axis=1)
    for _ in range(iterations):
        denom = (games / (strength[:, None] + strength[None, :] + 1e-300)).sum(axis=1)
        new = np.where(denom > 0, total_wins / np.maximum(denom, 1e-300), strength)
        new = np.maximum(new, 1e-9)
        new /= new.sum()
        if np.allclose(new, strength, atol=1e-10):
            break
        strength = new
    return strength


def bradley_terry_bootstrap(
    pairs: Sequence[tuple[int, int, float]], k: int, *, samples: int = 500, seed: int = 0
) -> dict[str, np.ndarray]:
    """Strengths and 95% percentile intervals from (i, j, score of i: 1, 0.5 or 0) comparisons."""
    arr = np.asarray(pairs, dtype=float).reshape(-1, 3)

    def fit(rows: np.ndarray) -> np.ndarray:
        wins = np.zeros((k, k))
        np.add.at(wins, (rows[:, 0].astype(int), rows[:, 1].astype(int)), rows[:, 2])
        np.add.at(wins, (rows[:, 1].astype(int), rows[:, 0].astype(int)), 1 - rows[:, 2])
        return bradley_terry(wins)

    point = fit(arr) if len(arr) else np.full(k, 1.0 / k)
    if len(arr) == 0:
        return {"strength": point, "low": point, "high": point}
    rng = np.random.default_rng(seed)
    boots = np.array([fit(arr[rng.integers(0, len(arr), len(arr))]) for _ in range(samples)])
    return {"strength": point, "low": np.percentile(boots, 2.5, axis=0), "high": np.percentile(boots, 97.5, axis=0)}
