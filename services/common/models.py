"""Model specs: which models the stack serves, as a YAML file of specs (or inline in build_app's config).

Shared by the engine builder (which starts vLLM deployments from them) and the gateway (which
routes by name and task), so it lives here, with no engine import.

Example ``config/models.yaml``::

    models:
      - name: smollm2-135m-instruct      # the name clients send as "model"
        source: smollm2-135m-instruct    # a model-store name or a path to an HF folder
        task: generate
        max_model_len: 2048
      - name: all-minilm-l6-v2
        source: all-minilm-l6-v2
        task: embed
      - name: smollm2-int4                 # a quantized version (llmops pipeline quantize)
        backend: onnx
        source: var/pipelines/quantized/smollm2-135m-instruct-v1-int4
      - name: smollm2-pubmedqa            # a LoRA adapter on smollm2-135m-instruct's engine (multi-LoRA)
        backend: lora
        base: smollm2-135m-instruct      # that model needs max_lora_rank
        source: var/pipelines/pubmedqa-lora/adapter
      - name: upstream
        backend: openai                  # an OpenAI-compatible server that is already running
        base_url: http://127.0.0.1:9000/v1
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.common.files import read_yaml_file


class ModelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$", description="Model name clients send.")
    backend: Literal["vllm", "onnx", "openai", "lora"] = Field(
        "vllm",
        description="vllm: a Ray Serve LLM deployment; onnx: an ONNX Runtime GenAI deployment (a quantized "
        "version's folder); openai: a remote OpenAI-compatible server; lora: a LoRA adapter folder served on "
        "the engine of the vllm model named by base (no engine of its own).",
    )
    task: Literal["generate", "embed"] = Field(
        "generate", description="generate (chat/completions) or embed (embeddings)."
    )
    source: str | None = Field(
        None, description="Model-store name or HF folder path (vllm); a folder with genai_config.json (onnx)."
    )
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = Field(
        "auto", description="auto: float32 on CPU, bfloat16 on GPU."
    )
    max_model_len: int | None = Field(2048, ge=16, description="Context length the engine reserves KV cache for.")
    replicas: int = Field(1, ge=1, description="Engine replicas (min replicas when autoscaling).")
    max_replicas: int | None = Field(None, ge=1, description="Enables autoscaling up to this many replicas.")
    num_cpus: float = Field(1.0, gt=0, description="CPUs reserved per engine replica.")
    max_ongoing_requests: int = Field(
        256, ge=1, description="Requests one engine replica works on at once (vllm/onnx); more wait in its queue."
    )
    max_queued_requests: int = Field(
        512,
        ge=1,
        description="Requests waiting for this engine beyond that; more are refused at once with 503 "
        "engine_overloaded and Retry-After (a burst never grows memory without bound).",
    )
    num_gpus: float = Field(0, ge=0, description="GPUs per replica; 0 on CPU machines, auto-set to 1 on GPU machines.")
    engine_kwargs: dict[str, Any] = Field(default_factory=dict, description="Extra vLLM engine arguments.")
    base_url: str | None = Field(None, description="Base URL ending in /v1 (openai backend).")
    api_key_env: str | None = Field(
        None, description="Environment variable that holds the upstream key (openai backend)."
    )
    upstream_model: str | None = Field(None, description="Model name on the upstream server; defaults to name.")
    base: str | None = Field(None, description="The vllm model whose engine serves this adapter (lora backend).")
    max_lora_rank: int | None = Field(
        None,
        ge=1,
        description="vllm: start the engine with multi-LoRA for adapters up to this rank (lora entries, registry "
        "versions of kind lora); unset: LoRA off.",
    )
    max_loras: int = Field(
        4, ge=1, description="vllm with max_lora_rank: adapters one batch may mix and one replica keeps loaded."
    )
    own_app: bool = Field(
        False,
        description="vllm: the engine runs in a Serve application of its own (services/common/engine_apps.py), "
        "whose spec holds the source and the engine settings; the gateway application lists the model with "
        "own_app and no source, so that a new source redeploys the engine's application alone.",
    )

    @model_validator(mode="after")
    def _backend_fields(self) -> ModelSpec:
        if self.own_app and (self.backend != "vllm" or self.source):
            raise ValueError(
                f"model '{self.name}': own_app is for vllm models listed without source (their engine "
                "application holds it)"
            )
        if self.backend in ("vllm", "onnx") and not self.source and not self.own_app:
            raise ValueError(f"model '{self.name}': source is required for the {self.backend} backend")
        if self.backend == "onnx" and self.task != "generate":
            raise ValueError(f"model '{self.name}': the onnx backend serves task generate only")
        if self.backend == "lora" and (not self.base or self.task != "generate"):
            raise ValueError(f"model '{self.name}': the lora backend needs base (a vllm model) and task generate")
        if self.base is not None and self.backend != "lora":
            raise ValueError(f"model '{self.name}': base is for the lora backend only")
        if self.max_lora_rank is not None and (self.backend != "vllm" or self.task != "generate"):
            raise ValueError(f"model '{self.name}': max_lora_rank is for vllm models of task generate")
        if self.backend == "openai" and not self.base_url:
            raise ValueError(f"model '{self.name}': base_url is required for the openai backend")
        if self.max_replicas is not None and self.max_replicas < self.replicas:
            raise ValueError(f"model '{self.name}': max_replicas must be >= replicas")
        return self


class ModelsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    models: list[ModelSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> ModelsFile:
        names = [m.name for m in self.models]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"duplicate model names: {sorted(duplicates)}")
        by_name = {m.name: m for m in self.models}
        for m in self.models:
            if m.backend == "lora":
                base = by_name.get(m.base or "")
                if base is None or base.backend != "vllm" or base.task != "generate":
                    raise ValueError(f"model '{m.name}': base '{m.base}' is not a vllm model of task generate here")
                if base.max_lora_rank is None:
                    raise ValueError(f"model '{m.name}': its base '{m.base}' needs max_lora_rank (LoRA is off)")
        return self


class ConfigError(Exception):
    """The models file is missing or invalid; the message says where."""


def load_models(path: Path) -> list[ModelSpec]:
    raw = read_yaml_file(path, "models file", ConfigError)
    try:
        return ModelsFile.model_validate(raw).models
    except ValidationError as exc:
        raise ConfigError(f"models file {path} is invalid:\n{exc}") from None
