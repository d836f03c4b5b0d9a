"""bench_guard_cost's two keys differ only in their safety policy, and its timing summary."""

from __future__ import annotations

from pathlib import Path

from loadtests._common import BENCH_KEY_LIMITS, off_loopback
from loadtests.bench_guard_cost import UNGUARDED, llmops_env, policy_file, timing_summary, unguarded_key
from services.gateway.keys import KeyStore
from services.safety.policy import PolicySet


def test_the_unguarded_key_has_the_guarded_keys_limits(tmp_path: Path):
    db = tmp_path / "keys.db"
    guarded = KeyStore(db).create("bench", **BENCH_KEY_LIMITS)[1]  # as start_llmops makes it
    unguarded = KeyStore(db).lookup(unguarded_key(db))
    assert unguarded is not None and unguarded.name == UNGUARDED
    # a key without limits skips the quota stage (admission and charge) that the guarded key pays
    assert (unguarded.rpm, unguarded.tpm) == (guarded.rpm, guarded.tpm) != (None, None)


def test_only_the_unguarded_key_has_every_detector_off(tmp_path: Path):
    policies = PolicySet.from_file(policy_file(tmp_path))
    off, shipped = policies.resolve("m", UNGUARDED), policies.resolve("m", "bench")
    for direction in ("input", "output"):
        assert not any(off.active(d, direction) for d in ("pii", "injection", "toxicity"))
        assert any(shipped.active(d, direction) for d in ("pii", "injection", "toxicity"))


def test_timing_summary_spreads_and_scans():
    lines = [
        {
            "at": 100.0 + i / 100,
            "ms": {"engine_call": 1.0, "first_engine_token": 50.0 - 10 * i, "done": 90.0},
            "scans": {"output": [2, 1.0, 0.5]},
        }
        for i in range(3)
    ]  # arrivals 0, 10, 20 ms after the first
    s = timing_summary(lines)
    assert s["requests"] == 3
    assert s["arrival_ms_p50_max"] == [10.0, 20.0]
    assert s["engine_call_ms_p50_max"] == [11.0, 21.0]
    assert s["first_engine_token_ms_p50_max"] == [50.0, 50.0]
    assert s["scans_per_request"] == {"output": [2.0, 1.0, 0.5]}
    assert timing_summary([]) == {}


def test_the_record_keeps_the_stacks_settings_but_no_secrets():
    env = {
        "LLMOPS_SAFETY_STREAM_MAX_DELAY_S": "1.0",
        "LLMOPS_GATEWAY_KEY_PEPPER": "s3cret",
        "LLMOPS_GATEWAY_AUDIT_USER_KEY_FILE": "/k",
        "HOME": "/root",
    }
    assert llmops_env(env) == {"LLMOPS_SAFETY_STREAM_MAX_DELAY_S": "1.0"}


def test_only_listeners_outside_the_machine_count_as_off_loopback():
    listeners = ["127.0.0.1:8000 python[1]", "[::1]:9 x[2]", "[::ffff:127.0.0.1]:40297 raylet[3]", "*:34117 ray[4]"]
    assert off_loopback(listeners) == ["*:34117 ray[4]"]
