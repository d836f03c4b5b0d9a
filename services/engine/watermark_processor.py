"""The green-list watermark as a vLLM (v1 engine) logits processor. Runs inside the engine only:
the gateway never imports this module (it imports torch and vllm).

Enable it on an engine with ``engine_kwargs: {logits_processors:
["services.engine.watermark_processor:WatermarkLogitsProcessor"]}`` (config/models.yaml); it
then acts only on requests whose ``vllm_xargs`` hold ``watermark: 1`` (the gateway sets them
when the request or the safety policy asks), with optional ``watermark_gamma``,
``watermark_delta`` and ``watermark_key``.
"""

from __future__ import annotations

from typing import Any

import torch
from vllm.v1.sample.logits_processor import BatchUpdate, LogitsProcessor
from vllm.v1.sample.logits_processor.builtin import process_dict_updates

from services.safety.watermark import DEFAULT_DELTA, DEFAULT_GAMMA, DEFAULT_KEY, green_mask


def _settings(extra_args: dict[str, Any] | None) -> tuple[float, float, int] | None:
    args = extra_args or {}
    if not args.get("watermark"):
        return None
    gamma, delta, key = (
        float(args.get("watermark_gamma", DEFAULT_GAMMA)),
        float(args.get("watermark_delta", DEFAULT_DELTA)),
        int(args.get("watermark_key", DEFAULT_KEY)),
    )
    if not 0.0 < gamma < 1.0 or not 0.0 <= delta <= 20.0:
        raise ValueError("watermark_gamma must lie in (0, 1) and watermark_delta in [0, 20]")
    return gamma, delta, key


class WatermarkLogitsProcessor(LogitsProcessor):
    def __init__(self, vllm_config: Any, device: torch.device, is_pin_memory: bool):
        self.device = device
        self.requests: dict[int, tuple[float, float, int, list[int] | None, list[int]]] = {}

    @classmethod
    def validate_params(cls, sampling_params: Any) -> None:
        _settings(sampling_params.extra_args)

    def is_argmax_invariant(self) -> bool:
        return False  # it changes which token is likeliest, greedy decoding included

    def update_state(self, batch_update: BatchUpdate | None) -> None:
        def new_state(params: Any, prompt_ids: list[int] | None, output_ids: list[int]) -> Any:
            settings = _settings(params.extra_args)
            return None if settings is None else (*settings, prompt_ids, output_ids)  # output_ids grows in place

        process_dict_updates(self.requests, batch_update, new_state)

    def apply(self, logits: torch.Tensor) -> torch.Tensor:
        for index, (gamma, delta, key, prompt_ids, output_ids) in self.requests.items():
            prev = output_ids[-1] if output_ids else (prompt_ids[-1] if prompt_ids else 0)
            mask = torch.from_numpy(green_mask(prev, logits.shape[1], gamma, key)).to(logits.device)
            logits[index] += mask.to(logits.dtype) * delta
        return logits
