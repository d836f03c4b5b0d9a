"""One huge prompt must not make other requests fail closed (issue 13): PII scans take turns per
segment on a first-come-first-served lock, and a scan whose caller gave up stops at its deadline.
Real Presidio/spaCy in process."""

from __future__ import annotations

import asyncio
import re
import time

import httpx
import pytest

from loadtests.fake_openai_backend import FakeEngine
from services.common.models import ModelSpec
from services.gateway.clients import LocalSafetyClient
from services.gateway.config import GatewaySettings
from services.gateway.guard import InputGuard, SafetyGuard
from services.gateway.routes import build_fastapi
from services.gateway.wiring import build_gateway
from services.safety.pii import SEGMENT_CHARS, ScanDeadlineExceeded, segments
from services.safety.policy import PolicySet

PLAIN = "The patient reported mild symptoms after the trial and the team reviewed the results carefully. "
# LOCATION runs spaCy's NER (slow, which these tests need); PERSON no longer does.
NER_POLICY = {
    "on_failure": "closed",
    "pii": {"entities": ["EMAIL_ADDRESS", "LOCATION"], "directions": ["input"]},
    "injection": {"directions": []},  # PII alone: the classifiers need no lock
    "toxicity": {"directions": []},
}


async def _ready() -> bool:
    return True


async def test_a_huge_prompt_does_not_starve_a_small_one(keys, api_key, safety_service):
    guard = SafetyGuard(LocalSafetyClient(safety_service), PolicySet(NER_POLICY), timeout_s=3.0)
    settings = GatewaySettings(
        keys_db=keys.path, quota_backend="local", budgets_enabled=False, request_log_enabled=False, audit_enabled=False
    )
    long_context = [ModelSpec(name="fake-chat", source="x", max_model_len=131072)]  # e.g. a long-context model
    service = build_gateway(
        settings,
        long_context,
        engines={"fake-chat": FakeEngine("fake-chat")},
        stages={"input_guard": InputGuard(guard)},
    )
    app = build_fastapi(lambda: service, is_ready=_ready)
    huge = PLAIN * 1000  # ~97k characters: several seconds of NER here, scanned whole
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://gateway",
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=60,
    ) as client:

        async def chat(text: str) -> tuple[int, float]:
            started = time.perf_counter()
            body = {"model": "fake-chat", "messages": [{"role": "user", "content": text}]}
            answer = await client.post("/v1/chat/completions", json=body)
            return answer.status_code, time.perf_counter() - started

        big = asyncio.create_task(chat(huge))
        await asyncio.sleep(0.3)  # the huge scan holds the detector now
        small_status, small_s = await chat("Write to maria.lopez@example.org about the trial results")
        big_status, big_s = await big
    assert small_status == 200 and small_s < 2.5, (small_status, small_s)
    # the huge prompt meets its own policy: served if scanned in time, else 503 when fail-closed
    assert big_status in (200, 503) and big_s < 6


def test_a_scan_stops_at_its_deadline(safety_service):
    policy = {"pii": {"entities": ["EMAIL_ADDRESS", "LOCATION"], "directions": ["input"]}}
    text = PLAIN * 2000  # ~194k characters: tens of seconds of NER, so a whole scan never fits in 0.3 s
    with pytest.raises(ScanDeadlineExceeded) as abandoned:
        safety_service.check([text], "input", policy, timeout_s=0.3)
    scanned, total = map(int, re.search(r"after (\d+) of (\d+)", str(abandoned.value)).groups())
    # a segment boundary early in the text, not the end: counted, not timed (a loaded machine is slow)
    assert total == len(text) and scanned < total // 2, (scanned, total)


def test_segments_cover_the_text_and_entities_cut_by_a_boundary_are_found_once(pii_detector):
    text = "word " * (SEGMENT_CHARS // 5 - 3) + "maria.lopez@example.org " + "word " * 900
    windows = segments(text)
    assert windows[0][0] == 0 and windows[-1][1] == len(text) and len(windows) > 2
    assert all(b[0] < a[1] for a, b in zip(windows, windows[1:], strict=False)), "each overlaps the previous"
    found = pii_detector.detect(text, ["EMAIL_ADDRESS"])
    assert [(e.type, text[e.start : e.end]) for e in found] == [("EMAIL_ADDRESS", "maria.lopez@example.org")]
    dense = "John writes to john@example.com every day. " * 300  # 300 addresses across 7 segments
    assert len(pii_detector.detect(dense, ["EMAIL_ADDRESS"])) == 300
