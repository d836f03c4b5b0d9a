"""Ray Serve wrapper: the safety service as its own deployment (the gateway calls it by handle,
through ``services/gateway/clients.py``)."""

from __future__ import annotations

from typing import Any

from ray import serve

from services.safety.config import SafetySettings
from services.safety.service import SafetyService


@serve.deployment(name="safety", max_ongoing_requests=64)
class SafetyDeployment:
    def __init__(self, settings: dict[str, Any]):
        self.service = SafetyService.from_settings(SafetySettings.model_validate(settings))

    def check(
        self, texts: list[str], direction: str, policy: dict[str, Any], timeout_s: float | None = None
    ) -> dict[str, Any]:
        return self.service.check(texts, direction, policy, timeout_s)

    def scan_passages(self, passages: list[str], policy: dict[str, Any]) -> list[dict[str, Any]]:
        return self.service.scan_passages(passages, policy)

    def detect_watermark(self, model: str, text: str, gamma: float, key: int, threshold: float) -> dict[str, Any]:
        return self.service.detect_watermark(model, text, gamma, key, threshold)
