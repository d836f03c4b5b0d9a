"""``llmops ab report``: per-variant figures and a verdict for one experiment.

The first variant in the experiment is the control; each other variant is compared with it.
Verdict rules, in order:

1. sample-ratio mismatch → ``continue`` (the assignment is broken; no decision on bad data); in a
   canary experiment only the arms besides the canary are checked (the canary follows its ramp);
2. a treatment's error rate is worse than the control's by the anytime-valid test → ``rollback``;
3. a treatment's decision metric (thumbs-up rate) is better by the test → ``promote`` (that variant);
   worse → ``rollback``;
4. otherwise ``continue``.

With more than one treatment, each test uses α / (number of treatments) (Bonferroni).

Requests whose variant was chosen with ``X-Llmops-Variant`` (and feedback on their answers) are
left out of every figure and test; each variant's ``override_requests`` counts them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from services.router.experiments import Experiment
from services.router.stats import bradley_terry_bootstrap, msprt_lambda, srm_check
from services.router.store import ExperimentStore

QUANTILES = (0.5, 0.95, 0.99)


def _quantiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {f"p{int(q * 100)}": None for q in QUANTILES}
    arr = np.asarray(values, dtype=float)
    return {f"p{int(q * 100)}": float(np.quantile(arr, q)) for q in QUANTILES}


def _variant_stats(rows: list[dict], fb: list[dict]) -> dict[str, Any]:
    n = len(rows)
    errors = sum(1 for r in rows if r["status"] >= 500)
    blocked = sum(1 for r in rows if r["blocked"])
    ok = [r for r in rows if r["status"] < 400]
    thumbs = [f for f in fb if f["rating_kind"] in ("thumbs", "scale")]
    ups = sum(1 for f in thumbs if (f["rating"] == 1 if f["rating_kind"] == "thumbs" else f["rating"] >= 4))
    scale = [f["rating"] for f in fb if f["rating_kind"] == "scale"]
    return {
        "requests": n,
        "errors": errors,
        "error_rate": errors / n if n else None,
        "blocked": blocked,
        "block_rate": blocked / n if n else None,
        "latency_s": _quantiles([r["latency_s"] for r in ok if r["latency_s"] is not None]),
        "ttft_s": _quantiles([r["ttft_s"] for r in ok if r["ttft_s"] is not None]),
        "prompt_tokens": sum(r["prompt_tokens"] for r in rows),
        "completion_tokens": sum(r["completion_tokens"] for r in rows),
        "ratings": len(thumbs),
        "thumbs_up": ups,
        "thumbs_up_rate": ups / len(thumbs) if thumbs else None,
        "mean_scale_rating": float(np.mean(scale)) if scale else None,
    }


def _test(sa: int, na: int, sb: int, nb: int, alpha: float, tau: float) -> dict[str, Any]:
    if min(na, nb) == 0:
        return {"lambda": 1.0, "threshold": 1 / alpha, "significant": False, "difference": None}
    lam = float(msprt_lambda(sa, na, sb, nb, tau))
    return {
        "lambda": lam,
        "threshold": 1 / alpha,
        "significant": lam >= 1 / alpha,
        "difference": sb / nb - sa / na,
        "always_valid_p": min(1.0, 1 / lam) if lam > 0 else 1.0,
    }


def build_report(store: ExperimentStore, exp: Experiment, *, tau: float = 0.05, min_n: int = 20) -> dict[str, Any]:
    rows = store.outcomes(exp.name)
    fb = store.feedback_rows(exp.name)
    names = [v.name for v in exp.variants]
    by_variant = {name: [r for r in rows if r["variant"] == name] for name in names}
    fb_by_variant = {name: [f for f in fb if f["variant"] == name] for name in names}
    variants = {name: _variant_stats(by_variant[name], fb_by_variant[name]) for name in names}
    for name, v in zip(names, exp.variants, strict=True):
        variants[name]["weight"] = v.weight
        variants[name]["version"] = v.version
        variants[name]["share"] = variants[name]["requests"] / len(rows) if rows else None
    shadow_rows = store.outcomes(exp.name, shadow=True)
    if exp.shadow is not None:
        variants[exp.shadow.variant]["shadow"] = _variant_stats(shadow_rows, [])
    # requests that chose their variant (X-Llmops-Variant): counted for the operator, outside every
    # figure above and every test below (they are not drawn by the split)
    overridden = store.outcomes(exp.name, override=True)
    for name in names:
        variants[name]["override_requests"] = sum(1 for r in overridden if r["variant"] == name)

    # A canary's share follows its ramp (and halts at 0), not its configured weight: only the arms
    # whose ratio stays fixed (the others, each (1 - share) x its weight) can be held to the weights.
    fixed = [v for v in exp.variants if exp.canary is None or v.name != exp.canary.variant]
    srm: dict[str, Any] = srm_check([variants[v.name]["requests"] for v in fixed], [v.weight for v in fixed])
    if exp.canary is not None:
        srm["note"] = f"canary {exp.canary.variant} left out (its share follows the ramp); the others checked"
    control, treatments = names[0], [n for n in names[1:] if variants[n]["weight"] > 0 or exp.canary]
    alpha = exp.alpha / max(1, len(treatments))
    comparisons: dict[str, Any] = {}
    verdict, reason, winner = "continue", "no significant difference yet", None
    c = variants[control]
    for name in treatments:
        t = variants[name]
        errors = _test(c["errors"], c["requests"], t["errors"], t["requests"], alpha, tau)
        quality = _test(c["thumbs_up"], c["ratings"], t["thumbs_up"], t["ratings"], alpha, tau)
        if min(c["ratings"], t["ratings"]) < min_n:
            quality["significant"] = False
            quality["note"] = f"fewer than {min_n} ratings per variant"
        comparisons[name] = {"error_rate": errors, "thumbs_up_rate": quality}
    if srm["mismatch"]:
        verdict, reason = "continue", "sample-ratio mismatch: the assignment is broken, no decision on this data"
    else:
        for name, comp in comparisons.items():
            if comp["error_rate"]["significant"] and comp["error_rate"]["difference"] > 0:
                verdict, reason, winner = "rollback", f"{name}: error rate higher than {control}", name
                break
        else:
            for name, comp in comparisons.items():
                q = comp["thumbs_up_rate"]
                if q["significant"] and q["difference"] < 0:
                    verdict, reason, winner = "rollback", f"{name}: thumbs-up rate lower than {control}", name
                    break
                if q["significant"] and q["difference"] > 0:
                    verdict, reason, winner = "promote", f"{name}: thumbs-up rate higher than {control}", name
    pairs = [
        (
            names.index(f["variant"]),
            names.index(f["other_variant"]),
            {"this": 1.0, "other": 0.0, "tie": 0.5}[f["preferred"]],
        )
        for f in fb
        if f["preferred"] and f["other_variant"] in names and f["other_variant"] != f["variant"]
    ]
    bt = bradley_terry_bootstrap(pairs, len(names)) if pairs else None
    return {
        "experiment": exp.name,
        "model": exp.model,
        "control": control,
        "alpha": exp.alpha,
        "tau": tau,
        "variants": variants,
        "comparisons": comparisons,
        "sample_ratio": srm,
        "pairwise": None
        if bt is None
        else {
            "comparisons": len(pairs),
            "strength": dict(zip(names, bt["strength"].round(4).tolist(), strict=True)),
            "ci95": {n: [float(lo), float(hi)] for n, lo, hi in zip(names, bt["low"], bt["high"], strict=True)},
        },
        "verdict": verdict,
        "variant": winner,
        "reason": reason,
    }
