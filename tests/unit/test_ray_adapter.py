"""The private Ray APIs llmops relies on (services/common/ray_adapter.py) still behave as used.
After a Ray upgrade, a failure here names what moved."""

import pytest

from services.common import ray_adapter


def test_engine_request_builds_ray_llm_request_objects():
    chat = ray_adapter.engine_request("chat", {"model": "m", "messages": [{"role": "user", "content": "hi"}]})
    assert type(chat).__name__ == "ChatCompletionRequest" and chat.messages[0]["content"] == "hi"
    embed = ray_adapter.engine_request("embeddings", {"model": "m", "input": ["a"]})
    assert type(embed).__name__ == "EmbeddingCompletionRequest"
    with pytest.raises(ValueError):
        ray_adapter.engine_request("chat", {"model": "m", "messages": "not a list"})


def test_engine_errors_are_recognised_by_type():
    api = ray_adapter._openai_api_models()
    error = api.ErrorResponse(error=api.ErrorInfo(message="bad", type="BadRequestError", code=400))
    assert ray_adapter.is_engine_error(error)
    assert not ray_adapter.is_engine_error({"error": "a dict is not an ErrorResponse"})


def test_batching_override():
    class Server:
        def _get_batch_interval_ms(self):
            return 7

    ray_adapter.override_output_batching(Server, lambda generator, interval: (generator, interval))
    assert Server()._batch_output_stream("gen") == ("gen", 7)


def test_no_other_module_reaches_into_private_ray_apis():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    private = re.compile(r"ray\.(llm\._internal|serve\.context\._|_private)|from ray\.\w+(\.\w+)* import _")
    offenders = [
        str(path.relative_to(root))
        for package in ("services", "pipelines", "monitoring", "loadtests")
        for path in (root / package).rglob("*.py")
        if path.name != "ray_adapter.py" and private.search(path.read_text())
    ]
    assert offenders == [], f"private Ray APIs outside services/common/ray_adapter.py: {offenders}"


def test_no_llm_usage_telemetry_actor_when_usage_stats_are_off(monkeypatch):
    """Ray Serve LLM's engine start pushes a usage report to a detached actor it creates; with
    Ray's usage stats off the push (and so the actor) is skipped, with them on it stays."""
    from ray.llm._internal.serve.core.server import llm_server

    shipped = llm_server.push_telemetry_report_for_all_models
    monkeypatch.setattr(llm_server, "push_telemetry_report_for_all_models", shipped)  # restored afterwards
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "1")
    assert ray_adapter.skip_llm_usage_telemetry_when_usage_stats_are_off() is False
    assert llm_server.push_telemetry_report_for_all_models is shipped
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    assert ray_adapter.skip_llm_usage_telemetry_when_usage_stats_are_off() is True
    assert llm_server.push_telemetry_report_for_all_models(all_models=[object()]) is None
    assert llm_server.push_telemetry_report_for_all_models is not shipped
