"""Overload: an engine's bounded queue (``max_queued_requests``) and what a client gets when it is
full (503 ``engine_overloaded`` with Retry-After, at once, plain or streamed)."""

import httpx
import pytest
from ray.serve.exceptions import BackPressureError

from services.common.models import ModelSpec
from services.engine.config import EngineSettings
from services.engine.llm_configs import build_llm_config
from services.gateway.engines import HandleEngine
from tests.conftest import make_gateway_app

CHAT = {"model": "q", "messages": [{"role": "user", "content": "hello"}]}


class _Full:
    """A deployment handle whose queue is full: every call is refused by Serve's router."""

    def options(self, **_):
        return self

    def __getattr__(self, method):
        return self

    def remote(self, *args):
        return self

    def __await__(self):
        raise BackPressureError(num_queued_requests=4, max_queued_requests=4)
        yield  # pragma: no cover

    def __aiter__(self):
        return self

    async def __anext__(self):
        raise BackPressureError(num_queued_requests=4, max_queued_requests=4)

    def cancel(self):
        pass


@pytest.mark.parametrize("stream", [False, True])
async def test_a_full_engine_queue_is_a_503_with_retry_after(stream):
    app = make_gateway_app({"q": HandleEngine("q", _Full())}, {"q": "generate"}, keys=None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        r = await client.post("/v1/chat/completions", json={**CHAT, "stream": stream})
    assert r.status_code == 503, r.text
    assert r.json()["error"]["code"] == "engine_overloaded"
    assert r.headers["retry-after"] == "1"


def test_engine_queues_are_bounded_by_default(tmp_path):
    (tmp_path / "s").mkdir()
    spec = ModelSpec(name="chat", source="s")
    config = build_llm_config(spec, EngineSettings(device="cpu", model_store=tmp_path))
    # Ray Serve LLM's own default sends every request on to vLLM's unbounded queue
    assert config.deployment_config["max_ongoing_requests"] == 256
    assert config.deployment_config["max_queued_requests"] == 512
    tight = ModelSpec(name="chat", source="s", max_ongoing_requests=2, max_queued_requests=3)
    config = build_llm_config(tight, EngineSettings(device="cpu", model_store=tmp_path))
    assert (config.deployment_config["max_ongoing_requests"], config.deployment_config["max_queued_requests"]) == (2, 3)
