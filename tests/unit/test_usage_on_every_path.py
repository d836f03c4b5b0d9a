"""Tokens are charged on every path a stream can end by: the client gone before the usage chunk,
a timeout, an answer the output guard stopped (issue 13)."""

from __future__ import annotations

from loadtests.fake_openai_backend import FakeEngine
from services.gateway.pipeline import PassThrough
from services.gateway.quota import LocalQuota, QuotaLimiter
from services.gateway.request_log import RequestLogStage, RequestLogWriter, read_records
from services.gateway.stages import QuotaStage
from tests.conftest import make_gateway

BODY = b'{"model": "fake-chat", "stream": true, "messages": [{"role": "user", "content": "count these words"}]}'


class StopAfterTwo(PassThrough):
    """An output guard that stops the answer after two chunks, as a blocking guard does."""

    async def on_stream(self, ctx, chunks):
        seen = 0
        async for chunk in chunks:
            seen += 1
            if seen > 2:
                yield {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "content_filter"}]}
                await chunks.aclose()
                return
            yield chunk


async def _run(tmp_path, keys, engine, *, stages=None, timeout=30.0, read_events=None):
    key, principal = keys.create("metered", tpm=100_000)
    quota = LocalQuota(QuotaLimiter(clock=lambda: 0.0))  # no refill while the test runs
    writer = RequestLogWriter(tmp_path / "log.jsonl")
    service = make_gateway(
        {"fake-chat": engine},
        {"fake-chat": "generate"},
        keys=keys,
        request_timeout_s=timeout,
        stages={"quota": QuotaStage(quota), "request_log": RequestLogStage(writer), **(stages or {})},
    )
    events = await service.handle("chat", BODY, api_key=key, request_id="r1")
    got = []
    async for event in events:
        got.append(event)
        if read_events is not None and len(got) >= read_events:
            await events.aclose()  # what Starlette does when the client disconnects
            break
    (record,) = read_records(writer.path)
    level = quota.limiter._buckets[(principal.key_id, "tokens")].level
    return record, 100_000 - level, got


async def test_client_gone_before_the_usage_chunk_is_still_charged(tmp_path, keys):
    record, charged, _ = await _run(tmp_path, keys, FakeEngine(reply_tokens=40), read_events=5)
    assert record["status"] == 499
    assert record["completion_tokens"] >= 5 and record["prompt_tokens"] >= 1
    assert charged == record["prompt_tokens"] + record["completion_tokens"]


async def test_timed_out_stream_is_still_charged(tmp_path, keys):
    engine = FakeEngine(reply_tokens=200, chunk_delay_s=0.01)
    record, charged, got = await _run(tmp_path, keys, engine, timeout=0.3)
    assert b"timeout" in got[-2] and record["status"] == 504
    assert record["completion_tokens"] >= 5 and charged >= record["completion_tokens"]


async def test_answer_stopped_by_the_output_guard_is_still_charged(tmp_path, keys):
    record, charged, _ = await _run(
        tmp_path, keys, FakeEngine(reply_tokens=40), stages={"output_guard": StopAfterTwo()}
    )
    assert record["status"] == 200 and record["completion_tokens"] >= 2
    assert charged == record["prompt_tokens"] + record["completion_tokens"]


async def test_usage_from_the_engine_wins_over_the_count(tmp_path, keys):
    record, charged, _ = await _run(tmp_path, keys, FakeEngine(reply_tokens=7))
    assert (record["prompt_tokens"], record["completion_tokens"]) == (3, 7) and charged == 10


class FailingEngine(FakeEngine):
    async def stream(self, route, payload):
        sent = 0
        async for chunk in super().stream(route, payload):
            if sent == 4:
                raise ConnectionError("engine replica gone")
            sent += 1
            yield chunk


async def test_stream_broken_by_the_engine_is_still_charged(tmp_path, keys):
    record, charged, got = await _run(tmp_path, keys, FailingEngine(reply_tokens=40))
    assert b'"error"' in got[-2] and record["status"] == 500
    assert record["completion_tokens"] == 4 and charged == record["prompt_tokens"] + 4
