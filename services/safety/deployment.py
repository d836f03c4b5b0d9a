"""Ray Serve wrapper: the safety service as its own deployment (the gateway calls it by handle,
through ``services/gateway/clients.py``)."""

from __future__ import annotations

import asyncio
from typing import Any

from ray import serve

from services.safety.config import SafetySettings
from services.safety.service import SafetyService
from services.safety.watermark import EngineTokenizers


@serve.deployment(name="safety", max_ongoing_requests=64)
class SafetyDeployment:
    def __init__(self, settings: dict[str, Any]):
        from services.common.engine_apps import ServeEngineApps

        config = SafetySettings.model_validate(settings)
        self.service = SafetyService.from_settings(config)
        self.engine_tokenizers = EngineTokenizers(config.tokenizer_engines, ServeEngineApps().handle)

    def check(
        self, texts: list[str], direction: str, policy: dict[str, Any], timeout_s: float | None = None
    ) -> dict[str, Any]:
        return self.service.check(texts, direction, policy, timeout_s)

    def scan_passages(self, passages: list[str], policy: dict[str, Any]) -> list[dict[str, Any]]:
        return self.service.scan_passages(passages, policy)

    async def detect_watermark(self, model: str, text: str, gamma: float, key: int, threshold: float) -> dict[str, Any]:
        folder = await self.engine_tokenizers.folder(model)
        return await asyncio.to_thread(self.service.detect_watermark, model, text, gamma, key, threshold, folder)
