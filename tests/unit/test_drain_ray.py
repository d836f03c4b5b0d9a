"""Graceful drain on real Ray Serve: the gateway application is redeployed (a new code version,
so Ray Serve replaces its replica) while streams are in flight. Ray Serve stops a replica only
after its requests finished or ``graceful_shutdown_timeout_s`` passed (20 s by default, shorter
than a long answer); the gateway sets it to the request timeout. Every stream must end whole, and
requests sent during the redeploy are served, or refused with 503 and ``Retry-After``.

The engine is the fake OpenAI backend (a real HTTP server in its own process) streaming slowly,
so the test needs no model; each stream lasts ~30 s, beyond Ray Serve's default.

On shutdown (``llmops serve`` stopping) the gateway drains first (``drain_gateway_async``): the
requests sent meanwhile get 503 with ``Retry-After``, never the proxy's 404."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from services.cli.local_stack import free_port

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.ray

ROOT = Path(__file__).resolve().parents[2]
CHUNKS, DELAY_S = 60, 0.5  # a 30 s stream
STREAMS = 3


@pytest.fixture(scope="module")
def backend():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "loadtests.fake_openai_backend", "--port", str(port), "--model", "fake"]
        + ["--stream-chunks", str(CHUNKS), "--chunk-delay-s", str(DELAY_S)],
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/models", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def serve_port():
    from ray import serve

    port = free_port()
    ray.init(_node_ip_address="127.0.0.1", num_cpus=4, include_dashboard=False, namespace="llmops-test-drain")
    serve.start(http_options={"host": "127.0.0.1", "port": port})
    yield port
    serve.shutdown()
    ray.shutdown()


def deploy(backend_url: str, port: int, generation: int) -> None:
    from ray import serve

    from services.app import build_app

    config = {
        "models": [{"name": "fake", "backend": "openai", "base_url": backend_url}],
        # any change of the arguments is a new code version: Ray Serve replaces the replica
        "gateway": {"auth_disabled": True, "cors_allow_origins": [f"http://gen{generation}.invalid"]},
        "safety": {"enabled": False},
        "rag": {"enabled": False},
    }
    serve.run(build_app(config), name="gateway", route_prefix="/")


def stream(url: str, out: list) -> None:
    body = {"model": "fake", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    try:
        with httpx.stream("POST", url + "/v1/chat/completions", json=body, timeout=120) as r:
            out.append([line for line in r.iter_lines() if line.startswith("data: ")])
    except httpx.HTTPError as exc:
        out.append(exc)


def under_streams(url: str, change) -> tuple[list, list]:
    """STREAMS streams started, then ``change()`` run in a thread while short requests are sent
    one after another; returns (each stream's events or exception, each request's answer or exception)."""
    results: list = []
    threads = [threading.Thread(target=stream, args=(url, results)) for _ in range(STREAMS)]
    for t in threads:
        t.start()
    time.sleep(3)  # streams under way on the first replica
    answers: list = []
    changing = threading.Thread(target=change)
    changing.start()
    body = {"model": "fake", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}
    while changing.is_alive():
        try:
            answers.append(httpx.post(url + "/v1/chat/completions", json=body, timeout=60))
        except httpx.HTTPError as exc:
            answers.append(exc)
        time.sleep(0.5)
    for t in threads:
        t.join(timeout=120)
    return results, answers


def test_redeploy_under_load_drops_no_stream(backend, serve_port) -> None:
    url = f"http://127.0.0.1:{serve_port}"
    deploy(backend, serve_port, 1)
    results, answers = under_streams(url, lambda: deploy(backend, serve_port, 2))
    assert len(results) == STREAMS
    for events in results:
        assert not isinstance(events, Exception), f"a stream broke off during the redeploy: {events!r}"
        assert events[-1] == "data: [DONE]", events[-3:]
        chunks = [json.loads(e.removeprefix("data: ")) for e in events[:-1]]
        assert "error" not in chunks[-1], chunks[-1]
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))
        assert text.split() == ["ok"] * CHUNKS
    assert answers, "no request was sent during the redeploy"
    for answer in answers:
        assert answer.status_code == 200 or (answer.status_code == 503 and "retry-after" in answer.headers), (
            answer.status_code,
            answer.text,
        )


def test_shutdown_drains_streams_in_flight(backend, serve_port) -> None:
    """What `llmops serve` does on SIGTERM: ``drain_gateway_async`` (new requests get 503 with
    Retry-After while the streams in flight finish), then ``serve.shutdown()`` deletes the
    applications, which no longer has anything to wait for."""
    from ray import serve

    from services.gateway.deployment import drain_gateway_async

    url = f"http://127.0.0.1:{serve_port}"
    deploy(backend, serve_port, 3)
    took: list[float] = []
    left: list[dict] = []

    def drain() -> None:
        started = time.monotonic()
        left.append(asyncio.run(drain_gateway_async("gateway", timeout_s=120)))
        took.append(time.monotonic() - started)

    results, answers = under_streams(url, drain)
    deleting = time.monotonic()
    serve.delete("gateway")
    deleted_after_s = time.monotonic() - deleting
    assert len(results) == STREAMS
    for events in results:
        assert not isinstance(events, Exception), f"a stream broke off during the shutdown: {events!r}"
        assert events[-1] == "data: [DONE]", events[-3:]
    assert list(left[0].values()) == [0]  # one replica, nothing left in flight
    assert took[0] > CHUNKS * DELAY_S - 10  # the drain waited for the streams
    assert deleted_after_s < 15, deleted_after_s  # nothing left for the deletion to wait for
    statuses = [getattr(a, "status_code", repr(a)) for a in answers]
    assert statuses and set(statuses) <= {200, 503}, statuses
    assert 503 in statuses, statuses
    for answer in answers:
        if answer.status_code == 503:
            assert answer.headers["retry-after"] and answer.json()["error"]["code"] == "shutting_down", answer.text
    print({"drain_s": round(took[0], 1), "delete_s": round(deleted_after_s, 1), "answers": statuses})
