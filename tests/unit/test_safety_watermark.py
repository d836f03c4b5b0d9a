"""Green-list watermark maths and the detect route's validation."""

from __future__ import annotations

import random

import httpx
import numpy as np

from services.safety.watermark import green_mask, is_green, score_tokens

VOCAB = 49152


def test_green_list_has_fraction_gamma_and_depends_on_previous_token_and_key():
    a, b, c = green_mask(17, VOCAB, 0.25), green_mask(18, VOCAB, 0.25), green_mask(17, VOCAB, 0.25, key=1)
    assert abs(a.mean() - 0.25) < 0.01
    assert 0.05 < (a & b).mean() < 0.08 and 0.05 < (a & c).mean() < 0.08  # independent splits overlap ~gamma^2
    assert all(is_green(17, t, 0.25) == a[t] for t in (0, 5, 12345, VOCAB - 1))


def test_sampling_with_the_bias_is_detected_and_plain_sampling_is_not():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=VOCAB)
    plain, marked = [1], [1]
    for _ in range(120):
        for tokens, delta in ((plain, 0.0), (marked, 2.0)):
            biased = logits + delta * green_mask(tokens[-1], VOCAB, 0.25)
            p = np.exp(biased - biased.max())
            tokens.append(int(rng.choice(VOCAB, p=p / p.sum())))
    assert score_tokens(marked).watermarked and score_tokens(marked).z_score > 6
    assert not score_tokens(plain).watermarked and abs(score_tokens(plain).z_score) < 3


def test_random_text_scores_near_zero():
    random.seed(1)
    z = [score_tokens([random.randrange(VOCAB) for _ in range(200)]).z_score for _ in range(20)]
    assert max(abs(v) for v in z) < 4


async def test_detect_route_validates_and_says_when_unavailable(client: httpx.AsyncClient):
    r = await client.post("/v1/watermark/detect", json={"model": "fake-chat"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "text"
    r = await client.post("/v1/watermark/detect", json={"model": "nope", "text": "hello"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"
    r = await client.post("/v1/watermark/detect", json={"model": "fake-embed", "text": "hello"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "model_not_supported"
    r = await client.post("/v1/watermark/detect", json={"model": "fake-chat", "text": "hello"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "watermark_unavailable"


async def test_watermark_request_without_safety_is_a_clear_400(client: httpx.AsyncClient):
    r = await client.post(
        "/v1/chat/completions",
        json={"model": "fake-chat", "messages": [{"role": "user", "content": "hi"}], "watermark": True},
    )
    assert r.status_code == 400 and r.json()["error"]["param"] == "watermark"
