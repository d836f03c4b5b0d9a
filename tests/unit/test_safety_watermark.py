"""Green-list watermark maths and the detect route's validation."""

from __future__ import annotations

import random

import httpx
import numpy as np

from services.safety.watermark import EngineTokenizers, WatermarkDetector, green_mask, is_green, score_tokens

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


class SourceHandle:
    """An engine deployment handle that answers ``tokenizer_source`` (EngineServer's method)."""

    def __init__(self, source: str):
        self.source, self.calls = source, 0
        self.tokenizer_source = self

    async def _answer(self) -> str:
        self.calls += 1
        return self.source

    def remote(self):
        return self._answer()


async def test_tokenizer_folder_is_asked_from_the_engine_each_time():
    """A model whose engine runs in its own application: the folder comes from that engine (a
    LoRA adapter's from its base's), asked again on every detection since a rollout may change it."""
    engine = SourceHandle("/models/chat-v1")
    asked = []

    def handle(model: str) -> SourceHandle:
        asked.append(model)
        return engine

    tokenizers = EngineTokenizers({"chat": "chat", "chat-adapter": "chat"}, handle)
    assert await tokenizers.folder("chat") == "/models/chat-v1"
    engine.source = "/models/chat-v2"
    assert await tokenizers.folder("chat-adapter") == "/models/chat-v2"
    assert await tokenizers.folder("local-onnx") is None and asked == ["chat", "chat"] and engine.calls == 2


def test_detector_loads_one_tokenizer_per_folder(monkeypatch):
    import transformers

    loaded = []

    class Tokenizer:
        def __init__(self, folder: str):
            self.folder = folder

        def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
            return [len(self.folder), *map(ord, text)]

    def from_pretrained(folder: str):
        loaded.append(folder)
        return Tokenizer(folder)

    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", from_pretrained)
    detector = WatermarkDetector({"onnx": "/models/onnx"})
    first = detector.detect("chat", "some text", tokenizer_dir="/models/chat-v1")
    detector.detect("chat", "more text", tokenizer_dir="/models/chat-v1")
    detector.detect("chat", "some text", tokenizer_dir="/models/chat-v2")
    detector.detect("onnx", "some text")
    assert loaded == ["/models/chat-v1", "/models/chat-v2", "/models/onnx"]
    assert first["tokens_scored"] == len("some text")
