"""Fuzzing the real stack (vLLM engines, safety, retrieval, quotas) from its own /openapi.json
(issue 13): no response is a 5xx, every 4xx is in OpenAI's error shape, none is slower than its
deadline. The large run is on the fake engine (tests/unit/test_fuzz_openapi.py); this one is
small and sends most generated bodies to the models the stack serves, so they reach the engines.

Generated bodies keep their shape; only these things are changed so a run stays bounded on a CPU:
the ``model`` of a body becomes one the stack serves, token counts above ``MAX_TOKENS`` are cut to
it (values that are wrong, negative or of the wrong type are left for the gateway to refuse), and
a generating request without a token limit gets ``max_tokens: MAX_TOKENS``.
Hypothesis is derandomised: CI fuzzes the same cases each run."""

from __future__ import annotations

import json
import time

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

pytestmark = [pytest.mark.integration, pytest.mark.ray]

CASES_PER_OPERATION = 15  # 10 operations; those with little to vary (GET /health) give fewer
MAX_TOKENS = 8
GENERATING = ("/v1/chat/completions", "/v1/completions")
TOKEN_FIELDS = ("max_tokens", "max_completion_tokens", "n", "best_of", "top_logprobs", "logprobs")
DEADLINE_S = 120.0  # far above what one answer of at most 8 tokens takes here; a hang fails the test
seen: dict = {"cases": 0, "statuses": {}, "served_models": 0}


@pytest.fixture(scope="module")
def fuzz_key(stack) -> str:
    return stack.new_key(rpm=100_000, tpm=100_000_000)


@pytest.fixture(scope="module")
def served_models(stack, fuzz_key) -> list[str]:
    answer = httpx.get(stack.url + "/v1/models", headers={"Authorization": f"Bearer {fuzz_key}"}, timeout=30)
    return sorted(model["id"] for model in answer.json()["data"])


def bounded(path: str, body, models: list[str]):
    """``body`` with a served model and small token counts (see the module's docstring)."""
    if not isinstance(body, dict):
        return body
    body = dict(body)
    if path in GENERATING and "max_tokens" not in body and "max_completion_tokens" not in body:
        body["max_tokens"] = MAX_TOKENS  # else the engine writes up to the context's end (minutes here)
    if isinstance(body.get("model"), str):
        body["model"] = models[len(body["model"]) % len(models)]
        seen["served_models"] += 1
    for field in TOKEN_FIELDS:
        value = body.get(field)
        if isinstance(value, int) and not isinstance(value, bool) and value > MAX_TOKENS:
            body[field] = MAX_TOKENS if field != "n" else 2
    return body


def test_real_stack_survives_fuzzing(stack, fuzz_key, served_models):
    """Each operation of the stack's schema, valid and schema-breaking cases (the schema is read
    from the running stack, so the cases are drawn here rather than by a collection-time decorator)."""
    deadline = time.monotonic() + 300  # a test before this one may have restarted a replica (test_faults)
    while httpx.get(stack.url + "/ready", timeout=30).status_code != 200 and time.monotonic() < deadline:
        time.sleep(2)
    schema = schemathesis.openapi.from_url(stack.url + "/openapi.json")
    for result in schema.get_all_operations():
        operation = result.ok()
        cases = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
        )

        @given(case=cases)
        @settings(
            max_examples=CASES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case) -> None:
            case.body = bounded(case.path, case.body, served_models)
            started = time.perf_counter()
            response = case.call(headers={"Authorization": f"Bearer {fuzz_key}"}, timeout=DEADLINE_S)
            elapsed = time.perf_counter() - started
            seen["cases"] += 1
            seen["statuses"][response.status_code] = seen["statuses"].get(response.status_code, 0) + 1
            readiness = case.path == "/ready" and response.status_code == 503  # its answer while a replica starts
            assert response.status_code < 500 or readiness, (case.path, case.body, response.text[:500])
            assert elapsed < DEADLINE_S, (case.path, elapsed)
            if 400 <= response.status_code < 500:
                error = response.json()["error"]
                assert set(error) == {"message", "type", "param", "code"}, error
                assert isinstance(error["message"], str), error

        fuzz()


def test_enough_real_stack_cases_were_fuzzed():
    """Runs after the fuzzing above (file order): enough cases, most with a served model, none a 5xx."""
    if not seen["statuses"]:
        pytest.skip("the fuzzing test did not run (deselected)")
    statuses = {str(k): v for k, v in sorted(seen["statuses"].items())}
    print(json.dumps({"fuzz": "real stack openapi", "cases": seen["cases"], "statuses": statuses}))
    assert seen["cases"] >= 50 and seen["served_models"] >= 25
    assert seen["statuses"].get(200, 0) >= 5  # some generated bodies were valid and answered
    assert not any(status >= 500 for status in seen["statuses"])
