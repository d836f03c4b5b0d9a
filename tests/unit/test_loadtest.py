"""SLO verdict on canned Locust stats, capacity search logic, and one short real Locust run
against the fake OpenAI backend (its own process, as always)."""

import json
import subprocess
import sys
import time

import httpx
import pytest

from loadtests.runner import LocustRun, capacity_search, run_locust
from loadtests.slo import SLO, judge, read_stats
from services.cli.local_stack import ServerProcess, free_port

HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
    "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)


def row(kind, name, count, failures, p50, p95, rps=1.0):
    percentiles = ",".join(map(str, [p50] * 4 + [p95] * 7))  # 50%..80%, then 90%..100%
    return f"{kind},{name},{count},{failures},{p50},{p50},1,{p95 * 2},10,{rps},0.0,{percentiles}"


def canned(tmp_path, rows, exceptions=0):
    path = tmp_path / "run_stats.csv"
    path.write_text("\n".join([HEADER, *rows, row("", "Aggregated", 99999, 0, 1, 1)]) + "\n")
    if exceptions:
        (tmp_path / "run_exceptions.csv").write_text(f'Count,Message,Traceback,Nodes\n{exceptions},"boom","tb",local\n')
    return path


SLO_OK = SLO(ttft_p95_s=1.0, itl_p95_s=0.1, error_ratio=0.05, min_requests=10)


def test_verdict_from_stats(tmp_path):
    stats = read_stats(canned(tmp_path, [
        row("POST", "chat:short", 90, 2, 300, 800, rps=3.0), row("POST", "embeddings", 10, 1, 20, 40, rps=0.5),
        row("TTFT", "all", 88, 0, 250, 900), row("TTFT", "short", 88, 0, 250, 900), row("ITL", "all", 2000, 0, 30, 90),
    ]))  # fmt: skip
    assert (stats.requests, stats.failures, stats.requests_per_s) == (100, 3, 3.5), (
        "TTFT/ITL samples and the Aggregated row are not requests"
    )
    assert (stats.ttft_p50_s, stats.ttft_p95_s, stats.itl_p95_s) == (0.25, 0.9, 0.09)
    assert stats.by_name["TTFT short"]["p95_s"] == 0.9 and stats.ttft_samples == 88
    verdict = judge(stats, SLO_OK)
    assert verdict.passed and [c.name for c in verdict.checks] == [
        "requests",
        "task_exceptions",
        "error_ratio",
        "ttft_p95_s",
        "itl_p95_s",
    ]
    json.dumps(verdict.as_dict())


@pytest.mark.parametrize(
    ("rows", "exceptions", "breached"),
    [
        (
            [
                row("POST", "chat:short", 100, 0, 300, 800),
                row("TTFT", "all", 100, 0, 300, 1200),
                row("ITL", "all", 900, 0, 30, 90),
            ],
            0,
            {"ttft_p95_s"},
        ),
        (
            [
                row("POST", "chat:short", 100, 0, 300, 800),
                row("TTFT", "all", 100, 0, 300, 900),
                row("ITL", "all", 900, 0, 30, 150),
            ],
            0,
            {"itl_p95_s"},
        ),
        (
            [
                row("POST", "chat:short", 100, 6, 300, 800),
                row("TTFT", "all", 94, 0, 300, 900),
                row("ITL", "all", 900, 0, 30, 90),
            ],
            0,
            {"error_ratio"},
        ),
        ([row("POST", "chat:short", 5, 0, 300, 800), row("TTFT", "all", 5, 0, 300, 900)], 0, {"requests"}),
        ([row("POST", "embeddings", 50, 0, 20, 40)], 3, {"task_exceptions"}),
    ],
)
def test_each_breach_fails_the_verdict(tmp_path, rows, exceptions, breached):
    verdict = judge(read_stats(canned(tmp_path, rows, exceptions)), SLO_OK)
    assert not verdict.passed
    assert {c.name for c in verdict.checks if not c.passed} == breached


def test_embeddings_only_run_judges_no_latency(tmp_path):
    verdict = judge(read_stats(canned(tmp_path, [row("POST", "embeddings", 50, 0, 20, 40)])), SLO_OK)
    assert verdict.passed and {c.name for c in verdict.checks} == {"requests", "task_exceptions", "error_ratio"}


def test_slo_file_is_validated(tmp_path):
    (tmp_path / "slo.yaml").write_text("ttft_p95_s: 1\nitl_p95_s: 0.1\nerror_ratio: 2\n")
    with pytest.raises(ValueError, match="error_ratio"):
        SLO.load(tmp_path / "slo.yaml")
    assert SLO.load("loadtests/slo.yaml").min_requests >= 1


def test_capacity_search_stops_at_the_first_breach():
    class Fake:
        def __init__(self, passed):
            self.verdict = type("V", (), {"passed": passed})()

    seen = []

    def run(users):
        seen.append(users)
        return Fake(users <= 8)

    best, runs = capacity_search(run, start=2, factor=2, max_users=64)
    assert best == 8 and seen == [2, 4, 8, 16] and len(runs) == 4
    best, _ = capacity_search(lambda u: Fake(True), start=1, factor=1.5, max_users=5)
    assert best == 5, "1, 2, 3, 4 (never the same count twice), 5 passes: the limit, not a breach"
    best, _ = capacity_search(lambda u: Fake(False), start=4, factor=2, max_users=64)
    assert best is None


@pytest.fixture
def fake_backend(tmp_path):
    port = free_port()
    argv = [sys.executable, "-m", "loadtests.fake_openai_backend", "--port", port, "--stream-chunks", 8]
    server = ServerProcess("fake-backend", argv, port, log_path=tmp_path / "fake-backend.log").start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 20
        while True:
            try:
                httpx.get(url + "/health", timeout=1)
                break
            except httpx.HTTPError:
                if not server.alive() or time.time() > deadline:
                    pytest.fail(f"fake backend did not start: {server.exit_message()}")
                time.sleep(0.2)
        yield url
    finally:
        server.stop(grace_s=10)


def test_locust_streaming_users_record_ttft_and_itl(fake_backend, tmp_path):
    run: LocustRun = run_locust(
        fake_backend,
        scenario="short",
        users=2,
        spawn_rate=2,
        run_time_s=5,
        out_dir=tmp_path,
        slo=SLO_OK,
        api_keys=["k"],
        think=(0.05, 0.1),
        max_tokens=8,
    )
    stats = run.verdict.stats
    assert run.verdict.passed, run.verdict.as_dict()
    assert stats.requests >= 10 and stats.failures == 0 and stats.exceptions == 0
    assert stats.ttft_samples == stats.requests == stats.by_name["TTFT short"]["requests"], (
        "one TTFT sample per streamed request"
    )
    assert stats.itl_samples == 7 * stats.requests, "8 chunks: 7 gaps per request"
    assert run.html.exists() and run.html.stat().st_size > 1000


SSE_CHECK = """
import locust  # first: it monkey-patches the interpreter (gevent), as under `locust -f`
import json, time
from loadtests.locustfile import citations_error, parse_sse

chunk = {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": "Yes"}}]}
cited = {"object": "chat.completion.citations", "citations": [{"index": 1, "document_id": "d1"}]}
lines = [b"data: " + json.dumps(x).encode() for x in (chunk, cited)] + [b"data: [DONE]"]
events = []
stream = parse_sse(lines, time.perf_counter(), events)
assert stream.first is not None and stream.done and stream.problem() is None and events == [cited]
assert citations_error(events) is None
assert "no citation" in citations_error([{**cited, "citations": []}])
assert "no citations event" in citations_error([])

def ended(reason, content=""):
    choice = {"index": 0, "delta": {"content": content}, "finish_reason": reason}
    last = {"object": "chat.completion.chunk", "choices": [choice]}
    return [b"data: " + json.dumps(last).encode(), b"data: [DONE]"]

# a sampling model may end before its first visible token: an answer, with no first token to time
empty = parse_sse(ended("stop"), time.perf_counter())
assert empty.first is None and empty.finish_reason == "stop" and empty.problem() is None
assert parse_sse(ended("length"), time.perf_counter()).problem() is None
# blocked before any text, or cut off, are failures
assert "no content (finish_reason content_filter)" in parse_sse(ended("content_filter"), time.perf_counter()).problem()
assert parse_sse(ended("stop", "Yes")[:1], time.perf_counter()).problem() == "stream ended without [DONE]"
print("ok")
"""


def test_sse_parser_keeps_the_citations_event():
    """In its own interpreter: importing locust monkey-patches this one (gevent)."""
    from services.cli.local_stack import REPO

    done = subprocess.run([sys.executable, "-c", SSE_CHECK], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_grounded_stream_without_citations_is_a_failure(fake_backend, tmp_path):
    """The fake backend is no RAG gateway: it ignores "rag" and sends no citations event, so
    every grounded request must count as failed (the real stack's run: tests/integration/test_rag.py)."""
    run = run_locust(
        fake_backend,
        scenario="grounded",
        users=1,
        spawn_rate=1,
        run_time_s=8,  # the first request waits for PubMedQA to load; a loaded machine is slow at it
        out_dir=tmp_path,
        slo=SLO_OK,
        api_keys=["k"],
        think=(0.05, 0.1),
        max_tokens=4,
    )
    stats = run.verdict.stats
    assert stats.requests >= 1 and stats.failures == stats.requests, run.log.read_text()[-2000:]
    assert "no citations event" in (tmp_path / f"{run.prefix.name}_failures.csv").read_text()
