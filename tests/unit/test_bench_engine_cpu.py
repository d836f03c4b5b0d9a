"""bench_engine's CPU by process per 1,000 tokens, and profile_serving_path's reading of py-spy."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from loadtests._common import session_processes
from loadtests.bench_engine import combine, cpu_per_1k_tokens, keep_off_worker_cores, parse_args
from loadtests.profile_serving_path import per_1k, thread_cpu, top_functions


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


def test_a_processs_cpu_is_told_apart_by_thread_name():
    """profile_serving_path splits a replica's CPU by thread (its asyncio loop, gRPC's threads):
    a named thread that burns CPU shows under its own name."""
    import threading

    burnt, done = threading.Event(), threading.Event()

    def burn() -> None:
        end = time.process_time() + 0.3
        while time.process_time() < end:
            pass
        burnt.set()
        done.wait()  # a thread that ended is no longer in /proc: read it while it lives

    before = thread_cpu(os.getpid())
    worker = threading.Thread(target=burn, name="burner")
    worker.start()
    # Python names only its own Thread object; the kernel's thread name is set here, as native threads set theirs
    Path(f"/proc/self/task/{worker.native_id}/comm").write_text("burner")
    burnt.wait()
    after = thread_cpu(os.getpid())
    done.set()
    worker.join()
    assert after["burner"] - before.get("burner", 0.0) >= 0.2
    assert per_1k(before, after, 1000)["burner"] >= 0.2  # CPU seconds per 1,000 tokens, 1,000 tokens
    assert per_1k({"a": 1.0}, {"a": 1.5, "b": 0.001}, 100) == {"a": 5.0, "b": 0.01}


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two cores to move processes between")
def test_worker_core_alone_moves_every_other_process_off_the_workers_cores():
    # a session of two processes: one titled as vLLM's model worker and bound to one core, one free
    script = "exec -a VLLM::Worker sleep 30 & exec -a other sleep 30"
    leader = subprocess.Popen(["bash", "-c", f"({script}) & wait"], start_new_session=True)
    try:
        deadline = time.monotonic() + 5
        while len(session_processes({leader.pid})) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        roles = {p.role: p.pid for p in session_processes({leader.pid})}
        cores = sorted(os.sched_getaffinity(0))
        os.sched_setaffinity(roles["VLLM::Worker"], {cores[0]})
        moved = keep_off_worker_cores({leader.pid})
        assert moved["worker_cpus"] == [cores[0]] and cores[0] not in moved["others_cpus"]
        assert os.sched_getaffinity(roles["other"]) == set(moved["others_cpus"])
        assert os.sched_getaffinity(roles["VLLM::Worker"]) == {cores[0]}  # the worker stays
    finally:
        os.killpg(leader.pid, signal.SIGKILL)
        leader.wait()
    lone = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        assert keep_off_worker_cores({lone.pid}) == {}  # no vLLM worker (llama.cpp's server): nothing moves
        assert os.sched_getaffinity(lone.pid) == os.sched_getaffinity(0)
    finally:
        lone.kill()
        lone.wait()


def test_at_rest_cpu_by_process_thread_and_core():
    """profile_serving_path --idle-seconds: a busy child's CPU at rest in ms per second, by role and
    thread, and the cores it may use (here pinned to the first allowed core)."""
    import asyncio

    from loadtests.bench_engine import Running
    from loadtests.profile_serving_path import cpus_allowed, idle_cpu, ms_per_s, thread_cores

    assert ms_per_s({"a": 1.0, "b": 2.0}, {"a": 1.5, "b": 2.0001, "c": 0.2}, 2.0) == {"a": 250.0, "c": 100.0}
    core = min(os.sched_getaffinity(0))
    busy = subprocess.Popen(
        ["python3", "-c", f"import os; os.sched_setaffinity(0, {{{core}}})\nwhile True: pass"],
        start_new_session=True,
    )
    try:
        time.sleep(0.3)
        assert cpus_allowed(busy.pid) == str(core) and set(thread_cores(busy.pid).values()) == {str(core)}
        running = {"spin": Running("spin", "", {}, {busy.pid}, lambda: None, 0.0)}
        rest = asyncio.run(idle_cpu(running, 1.0))["spin"]
        assert rest["cpu_ms_per_s_total"] > 300, rest  # one spinning thread: up to 1,000 ms a second
        assert rest["cores"] == {f"python3 -c [{busy.pid}]": str(core)}
        assert list(rest["threads_cpu_ms_per_s"]) == [f"python3 -c [{busy.pid}]"]
    finally:
        os.killpg(busy.pid, signal.SIGKILL)
        busy.wait()
