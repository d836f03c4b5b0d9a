"""Experiment statistics: the mSPRT against scipy, its error rates by simulation, SRM, Bradley–Terry."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate
from scipy import stats as sps

from services.router.stats import (
    bradley_terry_bootstrap,
    msprt_lambda,
    sequential_rejections,
    srm_check,
)


@pytest.mark.parametrize(("sa", "na", "sb", "nb", "tau"), [(30, 100, 45, 100, 0.05), (200, 1000, 190, 800, 0.1)])
def test_closed_form_matches_numerical_mixture(sa: int, na: int, sb: int, nb: int, tau: float) -> None:
    pooled = (sa + sb) / (na + nb)
    s = np.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    delta = sb / nb - sa / na

    def integrand(theta: float) -> float:
        ratio = sps.norm.pdf(delta, theta, s) / sps.norm.pdf(delta, 0, s)
        return ratio * sps.norm.pdf(theta, 0, tau)

    numeric, _ = integrate.quad(integrand, -10 * tau, 10 * tau, points=[0.0, delta])
    assert float(msprt_lambda(sa, na, sb, nb, tau)) == pytest.approx(numeric, rel=1e-6)


def test_always_valid_p_is_never_below_the_fixed_horizon_p() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(50, 2000))
        sa, sb = rng.binomial(n, 0.3), rng.binomial(n, rng.uniform(0.25, 0.4))
        pooled = (sa + sb) / (2 * n)
        z = (sb / n - sa / n) / np.sqrt(pooled * (1 - pooled) * 2 / n)
        fixed_p = 2 * sps.norm.sf(abs(z))
        assert min(1.0, 1 / float(msprt_lambda(sa, n, sb, n, 0.05))) >= fixed_p


def test_false_positive_rate_under_continuous_monitoring() -> None:
    rng = np.random.default_rng(11)
    experiments, horizon, alpha = 1000, 2000, 0.05
    a = rng.random((experiments, horizon)) < 0.3
    b = rng.random((experiments, horizon)) < 0.3
    rejected, _ = sequential_rejections(a, b, alpha=alpha, tau=0.05)
    assert rejected.mean() <= alpha
    # the same looks with a fixed-horizon z-test would be wrong far more often (this test can fail)
    n = np.arange(1, horizon + 1)
    ca, cb = np.cumsum(a, axis=1), np.cumsum(b, axis=1)
    pooled = (ca + cb) / (2 * n)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (cb - ca) / n / np.sqrt(pooled * (1 - pooled) * 2 / n)
    naive = (np.abs(np.nan_to_num(z[:, 19:])) > sps.norm.isf(alpha / 2)).any(axis=1).mean()
    assert naive > 3 * alpha


def test_power_and_stopping_time_with_a_real_difference() -> None:
    rng = np.random.default_rng(12)
    a = rng.random((1000, 2000)) < 0.30
    b = rng.random((1000, 2000)) < 0.38
    rejected, stop_at = sequential_rejections(a, b, alpha=0.05, tau=0.05)
    power, mean_stop = rejected.mean(), stop_at[rejected].mean()
    print(f"power={power:.3f} mean_stop_per_arm={mean_stop:.0f}")
    assert power >= 0.9 and mean_stop < 1500


def test_sample_ratio_mismatch() -> None:
    assert not srm_check([5020, 4980], [0.5, 0.5])["mismatch"]
    assert srm_check([5300, 4700], [0.5, 0.5])["mismatch"]
    assert not srm_check([702, 298], [0.7, 0.3])["mismatch"]
    p = srm_check([5300, 4700], [0.5, 0.5])["p_value"]
    assert p == pytest.approx(sps.chisquare([5300, 4700], [5000, 5000]).pvalue)
    assert not srm_check([3, 1], [0.5, 0.5])["mismatch"]  # too few to judge


def test_bradley_terry_recovers_a_win_rate() -> None:
    rng = np.random.default_rng(5)
    pairs = [(0, 1, float(rng.random() < 0.7)) for _ in range(400)]
    fit = bradley_terry_bootstrap(pairs, 2, samples=200)
    assert fit["strength"][0] == pytest.approx(np.mean([p[2] for p in pairs]), abs=0.01)
    assert fit["low"][0] < 0.7 < fit["high"][0] and fit["low"][0] > 0.5
