"""Simulated A/B experiments under continuous monitoring: the mSPRT of services/router/stats.py
against a fixed-horizon z-test looked at after every observation (the peer it replaces).

    python -m loadtests.ab_simulation [--experiments 1000] [--horizon 5000] [--base 0.3]

Prints one JSON line: false positive rates with no true difference, power and mean stopping
time (observations per arm) for true lifts of 2, 4 and 8 percentage points.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from scipy import stats as sps

from services.router.stats import sequential_rejections


def naive_rejections(a: np.ndarray, b: np.ndarray, alpha: float, min_n: int) -> np.ndarray:
    n = np.arange(1, a.shape[1] + 1)
    ca, cb = np.cumsum(a, axis=1), np.cumsum(b, axis=1)
    pooled = (ca + cb) / (2 * n)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.nan_to_num((cb - ca) / n / np.sqrt(pooled * (1 - pooled) * 2 / n))
    return (np.abs(z[:, min_n - 1 :]) > sps.norm.isf(alpha / 2)).any(axis=1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--experiments", type=int, default=1000)
    parser.add_argument("--horizon", type=int, default=5000)
    parser.add_argument("--base", type=float, default=0.3)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--tau", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()
    out: dict = {"benchmark": "ab_simulation", **vars(args), "min_n": 20}
    for lift in (0.0, 0.02, 0.04, 0.08):
        a = rng.random((args.experiments, args.horizon)) < args.base
        b = rng.random((args.experiments, args.horizon)) < args.base + lift
        rejected, stop = sequential_rejections(a, b, alpha=args.alpha, tau=args.tau)
        naive = naive_rejections(a, b, args.alpha, 20)
        key = f"lift_{lift:.2f}"
        out[key] = {
            "msprt_rejection_rate": float(rejected.mean()),
            "msprt_mean_stop_per_arm": float(stop[rejected].mean()) if rejected.any() else None,
            "naive_peeking_rejection_rate": float(naive.mean()),
        }
    out["fpr_ratio_naive_over_msprt"] = out["lift_0.00"]["naive_peeking_rejection_rate"] / max(
        out["lift_0.00"]["msprt_rejection_rate"], 1e-9
    )
    out["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
