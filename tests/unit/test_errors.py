import orjson

from services.common.errors import (
    EngineUnavailableError,
    InvalidRequestError,
    LLMOpsError,
    ModelNotFoundError,
    RateLimitError,
)


def test_openai_error_shape():
    body = orjson.loads(InvalidRequestError("bad temperature", param="temperature").to_json())
    assert body == {
        "error": {"message": "bad temperature", "type": "invalid_request_error", "param": "temperature", "code": None}
    }


def test_internal_errors_hide_their_message():
    err = LLMOpsError("KeyError: secret internals at /srv/app.py:42")
    assert err.status_code == 500
    assert "secret" not in err.to_dict()["error"]["message"]


def test_statuses_and_codes():
    assert ModelNotFoundError("x").to_dict()["error"] == {
        "message": "The model 'x' does not exist.",
        "type": "not_found_error",
        "param": "model",
        "code": "model_not_found",
    }
    assert ModelNotFoundError("x").status_code == 404
    assert EngineUnavailableError("down").status_code == 503


def test_retry_after_rounds_up_to_whole_seconds():
    assert RateLimitError("slow down", retry_after=0.2).headers == {"Retry-After": "1"}
    assert RateLimitError("slow down", retry_after=2.01).headers == {"Retry-After": "3"}
