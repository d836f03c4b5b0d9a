"""Ray Serve wrapper of ``OnnxGenAIEngine``: one deployment per quantized model, reached by the
gateway's ``HandleEngine`` (services/gateway/engines.py). Errors travel as OpenAI error dicts
carrying their HTTP status (``{"error": {..., "status": 400}}``), so the gateway maps them to the
same error types as any engine's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from ray import serve

from services.common.errors import LLMOpsError


def error_dict(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, LLMOpsError):
        body = exc.to_dict()
        body["error"]["status"] = exc.status_code
        return body
    return {"error": {"message": "", "type": "internal_error", "param": None, "code": None, "status": 500}}


@serve.deployment(name="onnx-engine", max_ongoing_requests=64)
class OnnxEngineDeployment:
    def __init__(
        self, model: str, folder: str, max_concurrency: int = 4, threads: int = 0, max_model_len: int | None = None
    ):
        from services.engine.onnx_engine import OnnxGenAIEngine

        self.engine = OnnxGenAIEngine(
            model, folder, max_concurrency=max_concurrency, threads=threads, max_model_len=max_model_len
        )

    async def check_health(self) -> None:
        return None

    async def generate(self, route: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            return await self.engine.generate(route, payload)
        except Exception as exc:
            return error_dict(exc)

    async def embed(self, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            return await self.engine.embed(payload)
        except Exception as exc:
            return error_dict(exc)

    async def stream(self, route: str, payload: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        try:
            async for chunk in self.engine.stream(route, payload):
                yield chunk
        except Exception as exc:
            yield error_dict(exc)
