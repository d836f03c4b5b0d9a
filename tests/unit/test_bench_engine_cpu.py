"""bench_engine's CPU by process per 1,000 tokens, and profile_serving_path's reading of py-spy."""

from __future__ import annotations

from pathlib import Path

from loadtests.bench_engine import combine, cpu_per_1k_tokens, parse_args
from loadtests.profile_serving_path import top_functions


def _turn(tokens: int, seconds: float, cpu: dict[str, float] | None) -> dict:
    turn = {"concurrency": 8, "tokens": tokens, "seconds": seconds, "ttft_p50_ms": 100.0, "ok": 8, "errors": 0}
    return turn | ({"cpu_s": cpu} if cpu is not None else {})


def test_cpu_is_summed_over_turns_and_divided_by_their_tokens():
    turns = [
        _turn(1000, 10.0, {"VLLM::Worker": 8.0, "llmops:gateway": 0.5}),
        _turn(3000, 20.0, {"VLLM::Worker": 12.0, "VLLM::EngineCore": 2.0}),
    ]
    assert cpu_per_1k_tokens(turns) == {"VLLM::Worker": 5.0, "VLLM::EngineCore": 0.5, "llmops:gateway": 0.125}
    level = combine(turns)
    assert level["tok_s"] == round(4000 / 30, 2)
    assert level["cpu_s_per_1k_tokens"]["VLLM::Worker"] == 5.0
    assert level["cpu_s_per_1k_tokens_total"] == 5.62  # 5.625 rounded


def test_turns_without_cpu_readings_leave_no_cpu_figures():
    assert cpu_per_1k_tokens([_turn(1000, 10.0, None)]) == {}
    assert "cpu_s_per_1k_tokens" not in combine([_turn(1000, 10.0, None)])
    assert cpu_per_1k_tokens([_turn(0, 10.0, {"VLLM::Worker": 1.0})]) == {}  # nothing answered


def test_warmup_turns_are_off_unless_asked():
    assert parse_args([]).warmup_turns == 0
    assert parse_args(["--interleave", "--warmup-turns", "1"]).warmup_turns == 1


def test_py_spy_stacks_become_self_and_total_shares(tmp_path: Path):
    raw = tmp_path / "raw.txt"
    raw.write_text(
        "run (core.py:10);step (core.py:20);wait (shm.py:5) 6\n"
        "run (core.py:10);step (core.py:21);schedule (sched.py:7) 3\n"
        "run (core.py:11) 1\n"
    )
    top = top_functions(raw, 2)
    assert top["samples"] == 10
    assert top["self"] == {"wait (shm.py)": 0.6, "schedule (sched.py)": 0.3}  # line numbers merged
    assert top["total"] == {"run (core.py)": 1.0, "step (core.py)": 0.9}
