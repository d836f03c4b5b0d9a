"""Engine-wide settings from the environment (``LLMOPS_``), and which models to serve.

The model specs themselves (``ModelSpec``, the models file) live in ``services/common/models.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.common.models import ModelsFile, ModelSpec, load_models


class EngineSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LLMOPS_")

    models_file: Path = Field(Path("config/models.yaml"), description="YAML file listing the served models.")
    models: list[ModelSpec] | None = Field(
        None,
        description="Served models given inline (e.g. by the Helm chart's serveConfigV2); "
        "when set, models_file is not read.",
    )
    model_store: Path = Field(Path("var/models"), description="Folder of imported models (llmops models import).")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="Where engines run; auto detects a GPU.")
    cpu_kv_cache_gib: int = Field(1, ge=1, description="KV cache per CPU engine in GiB (VLLM_CPU_KVCACHE_SPACE).")
    stream_interval_ms: float = Field(
        50.0,
        gt=0,
        description="vllm engines: after a stream's first few chunks, at most one message of chunks per this many "
        "milliseconds crosses the Ray Serve hop to the gateway (services/engine/server.py; Ray Serve LLM's "
        "stream_batching_interval_ms). The client still gets one event per token; a token may wait up to this long.",
    )
    onnx_threads: int = Field(
        0,
        ge=0,
        description="ONNX Runtime's intra-op threads per onnx engine replica; 0: the CPUs the process may use "
        "(a genai_config.json without intra_op_num_threads ran the decoder on one thread; README, quantization).",
    )

    @model_validator(mode="after")
    def _inline_models_valid(self) -> EngineSettings:
        if self.models is not None:
            ModelsFile(models=self.models)  # same rules as a models file: at least one, unique names
        return self

    def served_models(self) -> list[ModelSpec]:
        """The inline ``models`` if given, else the models file's."""
        return list(self.models) if self.models is not None else load_models(self.models_file)

    def resolved_device(self) -> str:
        if self.device != "auto":
            return self.device
        try:
            import torch

            return "cuda" if torch.cuda.is_available() else "cpu"
        except ImportError:
            return "cpu"
