"""Faults injected into the real stack: a process of the cluster is killed with SIGKILL while it
works, as a crash or the kernel's OOM killer would. The gateway stays up, answers what it cannot
serve with an error in the OpenAI shape (never a hang, a 500 or truncated JSON), and serves again
once Ray has restarted the process. Each test leaves the stack ready for the tests after it."""

from __future__ import annotations

import json
import os
import signal
import time

import httpx
import psutil
import pytest

from tests.integration.conftest import CHAT_MODEL

pytestmark = [pytest.mark.integration, pytest.mark.ray]

RECOVERY_TIMEOUT_S = float(os.environ.get("LLMOPS_TEST_STARTUP_TIMEOUT_S", "900"))
FRANCE = [{"role": "user", "content": "What is the capital of France?"}]
NER_KEY = "safety-ner-flag"  # its policy (tests/integration/safety_policy.yaml) needs spaCy's NER


def ray_worker(*words: str) -> psutil.Process:
    """The one live Ray worker whose process title holds every word (Ray names an actor's process
    ``ray::<Class>`` and a Serve replica's ``ray::ServeReplica:<app>:<deployment>``)."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        title = " ".join(proc.info["cmdline"] or [])
        if title.startswith("ray::") and all(word in title for word in words):
            found.append(proc)
    titles = [" ".join(p.info["cmdline"] or []) for p in found]
    assert len(found) == 1, f"expected one Ray worker titled with {words}, found {titles}"
    return found[0]


def kill(proc: psutil.Process) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def ask(stack, key: str) -> httpx.Response:
    body = {"model": CHAT_MODEL, "messages": FRANCE, "temperature": 0, "max_tokens": 16}
    return httpx.post(
        stack.url + "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=60
    )


def served_again(stack, key: str) -> list[httpx.Response]:
    """Ask until a request succeeds (or the recovery timeout): every answer on the way."""
    answers = []
    deadline = time.monotonic() + RECOVERY_TIMEOUT_S
    while time.monotonic() < deadline:
        answers.append(ask(stack, key))
        if answers[-1].status_code == 200:
            return answers
        time.sleep(1)
    pytest.fail(f"not served again within {RECOVERY_TIMEOUT_S} s: {[a.status_code for a in answers[-5:]]}")


def assert_openai_errors(answers: list[httpx.Response], *codes: str) -> None:
    """Each answer is Paris, or a 503 in the OpenAI error shape with one of ``codes``."""
    for answer in answers:
        if answer.status_code == 200:
            assert "Paris" in answer.json()["choices"][0]["message"]["content"]
            continue
        assert answer.status_code == 503, (answer.status_code, answer.text)
        assert answer.json()["error"]["code"] in codes, answer.text


def test_engine_replica_killed_mid_stream(stack):
    engine = ray_worker("ServeReplica", CHAT_MODEL)
    body = {
        "model": CHAT_MODEL,
        "messages": [{"role": "user", "content": "Tell me a very long story."}],
        "max_tokens": 1500,
        "ignore_eos": True,
        "temperature": 0,
        "stream": True,
    }
    key = stack.new_key()
    events: list[str] = []
    began = time.monotonic()
    with httpx.Client(timeout=60) as http:
        with http.stream(
            "POST", stack.url + "/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}
        ) as stream:
            assert stream.status_code == 200
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    events.append(line.removeprefix("data: "))
                if len(events) == 5 and engine.is_running():
                    kill(engine)  # the replica dies while it streams this answer
    assert time.monotonic() - began < 60, "the stream hung after the replica died"
    assert events[-1] == "[DONE]"
    *chunks, error = [json.loads(event) for event in events[:-1]]  # every event is whole JSON
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    assert error["error"]["type"] and error["error"]["message"], error
    assert "Traceback" not in json.dumps(error) and "ray" not in error["error"]["message"].lower()

    assert httpx.get(stack.url + "/health", timeout=10).status_code == 200  # the gateway stayed up
    assert httpx.get(stack.url + "/ready", timeout=30).status_code == 503  # the engine is restarting
    # a request sent now waits in Serve's queue for the new replica (within the request timeout); a
    # client or load balancer that follows /ready sends it once the engine is back
    deadline = time.monotonic() + RECOVERY_TIMEOUT_S
    while httpx.get(stack.url + "/ready", timeout=30).status_code != 200:
        assert time.monotonic() < deadline, f"/ready not 200 within {RECOVERY_TIMEOUT_S} s of the kill"
        time.sleep(2)
    assert_openai_errors([ask(stack, key)], "none: the engine is ready")
    replaced("ServeReplica", CHAT_MODEL, old_pid=engine.pid)  # Ray Serve started a new replica


def replaced(*words: str, old_pid: int) -> psutil.Process:
    """The Ray worker titled with ``words`` that took over from ``old_pid`` (waits for Ray to start it)."""
    deadline = time.monotonic() + RECOVERY_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            worker = ray_worker(*words)
            if worker.pid != old_pid:
                return worker
        except AssertionError:  # not started yet
            pass
        time.sleep(1)
    pytest.fail(f"no new Ray worker titled with {words} within {RECOVERY_TIMEOUT_S} s")


def test_safety_replica_killed(stack):
    """Checks that need spaCy's NER run in the safety deployment; the rest run in the gateway
    replica, which a dead safety replica does not touch. The shared policy fails closed: a key whose
    policy needs NER gets 503 ``safety_unavailable`` while the replica restarts, then is served."""
    safety = ray_worker("ServeReplica", "safety")
    ner_key = stack.keys.create(NER_KEY)[0]
    plain_key = stack.new_key()
    assert ask(stack, ner_key).status_code == 200
    kill(safety)
    assert_openai_errors([ask(stack, plain_key)], "none: checked in the gateway replica")
    answers = served_again(stack, ner_key)
    assert_openai_errors(answers, "safety_unavailable")
    replaced("ServeReplica", "safety", old_pid=safety.pid)


def test_quota_actor_killed(stack):
    """The cluster-wide quota actor restarts (``max_restarts=-1``); a key with limits meanwhile gets
    503 ``quota_unavailable`` or is served, never a 500."""
    key = stack.new_key(rpm=1000, tpm=1_000_000)
    assert ask(stack, key).status_code == 200
    quota = ray_worker("QuotaActor")
    kill(quota)
    answers = served_again(stack, key)
    assert_openai_errors(answers, "quota_unavailable")
    replaced("QuotaActor", old_pid=quota.pid)
