import pytest

from services.common.errors import InvalidRequestError
from services.common.protocol import ChatCompletionRequest, CompletionRequest, EmbeddingRequest, parse_request

CHAT = b'{"model": "m", "messages": [{"role": "user", "content": "hi"}]}'


def test_valid_chat_keeps_only_fields_the_client_set():
    req = parse_request(
        ChatCompletionRequest,
        b'{"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": 0, "stop": ["x"]}',
    )
    assert req.engine_payload() == {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.0,
        "stop": ["x"],
    }


@pytest.mark.parametrize(
    ("body", "param", "fragment"),
    [
        (b'{"messages": [{"role": "user", "content": "hi"}]}', "model", "Missing required parameter"),
        (b'{"model": "m", "messages": []}', "messages", "at least 1"),
        (b'{"model": "m", "messages": [{"role": "wizard", "content": "hi"}]}', "messages.0.role", "Invalid value"),
        (
            b'{"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": 3}',
            "temperature",
            "less than or equal to 2",
        ),
        (b'{"model": "m", "messages": [{"role": "user", "content": "hi"}], "top_p": 0}', "top_p", "greater than 0"),
        (
            b'{"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}',
            "max_tokens",
            "greater than or equal to 1",
        ),
        (b'{"model": "m", "messages": [{"role": "user", "content": "hi"}], "n": 0}', "n", "greater than or equal to 1"),
        (
            b'{"model": "m", "messages": [{"role": "user", "content": "hi"}], "temprature": 1}',
            "temprature",
            "Unrecognized request argument",
        ),
        (
            b'{"model": "m", "messages": [{"role": "user", "content": "hi"}], "top_logprobs": 3}',
            None,
            "requires logprobs",
        ),
        (
            b'{"model": "m", "messages": [{"role": "user", "content": "hi"}],'
            b' "stream_options": {"include_usage": true}}',
            None,
            "only allowed when stream",
        ),
        (
            b'{"model": "m", "messages": [{"role": "user", "content": "hi"}],'
            b' "response_format": {"type": "json_schema"}}',
            "response_format",
            "json_schema is required",
        ),
        (b'{"model": "m", "messages": "hello"}', "messages", "Invalid value"),
    ],
)
def test_invalid_chat_names_the_field(body, param, fragment):
    with pytest.raises(InvalidRequestError) as info:
        parse_request(ChatCompletionRequest, body)
    assert fragment in info.value.message
    if param is not None:
        assert info.value.param == param
    assert info.value.status_code == 400


@pytest.mark.parametrize("body", [b"", b"{not json", b"[1, 2]", b"null", b'"text"'])
def test_bodies_that_are_not_objects(body):
    with pytest.raises(InvalidRequestError) as info:
        parse_request(ChatCompletionRequest, body)
    assert info.value.status_code == 400


def test_completion_and_embedding_inputs():
    assert parse_request(CompletionRequest, b'{"model": "m", "prompt": "Once"}').prompt == "Once"
    assert parse_request(EmbeddingRequest, b'{"model": "e", "input": ["a", "b"]}').input == ["a", "b"]
    for model_cls, body, param in [
        (CompletionRequest, b'{"model": "m", "prompt": ""}', "prompt"),
        (EmbeddingRequest, b'{"model": "e", "input": []}', "input"),
        (EmbeddingRequest, b'{"model": "e", "input": "x", "encoding_format": "hex"}', "encoding_format"),
    ]:
        with pytest.raises(InvalidRequestError) as info:
            parse_request(model_cls, body)
        assert info.value.param == param
