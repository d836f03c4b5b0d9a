"""The official openai SDK against the gateway (fake engines behind it, real HTTP socket)."""

import openai
import pytest

from tests.conftest import LiveServer

pytestmark = pytest.mark.contract


@pytest.fixture
def server(gateway_app):
    with LiveServer(gateway_app) as live:
        yield live


@pytest.fixture
def sdk(server, api_key):
    return openai.OpenAI(base_url=server.url + "/v1", api_key=api_key, max_retries=0)


MESSAGES = [{"role": "user", "content": "alpha beta"}]


def test_chat(sdk):
    r = sdk.chat.completions.create(model="fake-chat", messages=MESSAGES, temperature=0, n=2)
    assert [c.message.content for c in r.choices] == ["echo: alpha beta"] * 2
    assert r.usage.prompt_tokens == 2


def test_chat_stream_with_usage(sdk):
    stream = sdk.chat.completions.create(
        model="fake-chat", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "echo: alpha beta"
    assert chunks[-1].usage.completion_tokens == 3


def test_completions_and_embeddings_and_models(sdk):
    assert sdk.completions.create(model="fake-chat", prompt="x y", max_tokens=2).choices[0].text == "echo: x"
    assert len(sdk.embeddings.create(model="fake-embed", input=["a", "b"]).data) == 2
    assert {m.id for m in sdk.models.list()} == {"fake-chat", "fake-embed"}


def test_sdk_exceptions_map_from_status(sdk, server):
    with pytest.raises(openai.NotFoundError) as info:
        sdk.chat.completions.create(model="missing", messages=MESSAGES)
    assert info.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as info:
        sdk.chat.completions.create(model="fake-chat", messages=MESSAGES, temperature=5)
    assert info.value.param == "temperature"
    anonymous = openai.OpenAI(base_url=server.url + "/v1", api_key="sk-llmops-nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        anonymous.chat.completions.create(model="fake-chat", messages=MESSAGES)


def test_sdk_sees_rate_limit(server, keys):
    key, _ = keys.create("one-per-minute", rpm=1)
    client = openai.OpenAI(base_url=server.url + "/v1", api_key=key, max_retries=0)
    client.chat.completions.create(model="fake-chat", messages=MESSAGES)
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model="fake-chat", messages=MESSAGES)
    assert int(info.value.response.headers["retry-after"]) >= 1
