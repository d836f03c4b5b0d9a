"""The guard-cost benchmark's policy: its unguarded key really has every detector off, and its
guarded key the shipped policy (else the benchmark would compare the guards with themselves)."""

from loadtests.bench_guard_cost import policy_file
from services.cli.local_stack import REPO
from services.safety.policy import DETECTORS, PolicySet


def test_the_unguarded_key_scans_nothing_and_the_other_the_shipped_policy(tmp_path):
    policies = PolicySet.from_file(policy_file(tmp_path))
    shipped = PolicySet.from_file(REPO / "config" / "safety.yaml")
    off = policies.resolve("smollm2-135m-instruct", "bench-unguarded")
    assert not any(off.active(d, direction) for d in DETECTORS for direction in ("input", "output"))
    assert policies.resolve("smollm2-135m-instruct", "bench") == shipped.resolve("smollm2-135m-instruct", "bench")
    assert off.watermark == shipped.resolve(None, None).watermark
