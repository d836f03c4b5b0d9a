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


def test_cpu_is_counted_per_process_of_the_stack_and_named_by_role():
    import os
    import subprocess
    import sys
    import time

    from loadtests._common import cpu_by_role, cpu_spent, process_title, session_of

    assert process_title([b"ray::ServeReplica:llmops:gateway", b""]) == "llmops:gateway"
    assert process_title([b"/usr/bin/python3", b"-m", b"services.cli"]) == "python3 -m"
    # a child in its own session: counted for that session only
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass\ntime.sleep(30)",
        ],
        start_new_session=True,
    )
    try:
        before = cpu_by_role({child.pid})
        mine = cpu_by_role({session_of(os.getpid())})
        deadline, role = time.monotonic() + 20, os.path.basename(sys.executable) + " -c"
        while cpu_spent(before, cpu_by_role({child.pid})).get(role, 0) < 0.2:  # its busy 0.3 s is seen
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert role not in mine
    finally:
        child.kill()
        child.wait()
