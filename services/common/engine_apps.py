"""One Ray Serve application per engine (per model, or per registered model version).

Ray Serve versions an application by its arguments, so engines bound inside the gateway's
application would all be rebuilt whenever one model's source changed. Instead every engine is
its own application, named after the model (and version), with one deployment named
``engine``; the gateway finds it with ``serve.get_deployment_handle("engine", app_name)``.
Adding, promoting or retiring a version deploys or deletes one application; the others keep
serving. The gateway application lists such a model without its source (``gateway_entry``):
Ray Serve hashes an application's ``args`` into its code version, so a source there would
redeploy the gateway with every rollout. Whoever needs the source asks the engine
(``tokenizer_source``, e.g. the watermark detector).

    engine-smollm2-135m-instruct        a model's static engine (model not in the registry)
    engine-smollm2-135m-instruct-v2     version 2 of a registered model
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from services.common.models import ModelSpec

ENGINE_DEPLOYMENT = "engine"
GATEWAY_APP = "llmops"


def engine_app_name(model: str, version: int | None = None) -> str:
    base = "engine-" + re.sub(r"[^A-Za-z0-9_.-]", "-", model)
    return f"{base}-v{version}" if version is not None else base


# What the gateway application needs of a model whose engine runs in its own application: its
# name and task (catalog), its context (request limits), its LoRA settings (adapters on it).
GATEWAY_FIELDS = ("name", "task", "max_model_len", "max_lora_rank", "max_loras")


def gateway_entry(spec: ModelSpec) -> dict[str, Any]:
    """The gateway application's entry for a vllm model served by its own engine application."""
    return spec.model_dump(include=set(GATEWAY_FIELDS), exclude_unset=True) | {"own_app": True}


# A registry version's ``engine`` tag (``llmops pipeline quantize`` sets it) -> the backend that serves
# it. A version without the tag (an hf model, a fine-tuned one) runs on vLLM like its model.
VERSION_ENGINES = {"vllm": "vllm", "onnxruntime-genai": "onnx"}
# What an ONNX engine takes of the (vllm) model's spec: its name and task, replicas and queue limits
ONNX_FIELDS = ("name", "task", "max_model_len", "replicas", "max_replicas", "num_cpus")
ONNX_FIELDS += ("max_ongoing_requests", "max_queued_requests")


def version_backend(tags: Mapping[str, str]) -> str:
    """The backend (``vllm`` | ``onnx``) of a registry version from its tags; ValueError for an
    engine llmops does not serve."""
    engine = tags.get("engine", "vllm")
    if engine not in VERSION_ENGINES:
        known = ", ".join(VERSION_ENGINES)
        raise ValueError(f"it was built for engine {engine!r} (tag engine), which llmops does not serve ({known})")
    return VERSION_ENGINES[engine]


def version_spec(spec: ModelSpec, backend: str, source: str) -> ModelSpec:
    """The spec of a registry version's engine application: its model's spec with the version's
    artifact as source, on vLLM; on the ONNX engine only the fields that engine takes (no vLLM or
    LoRA settings). ValueError when the model's spec does not fit that backend (an embed model)."""
    if backend == "vllm":
        return spec.model_copy(update={"source": source})
    fields = spec.model_dump(include=set(ONNX_FIELDS), exclude_unset=True)
    try:
        return ModelSpec.model_validate({**fields, "name": spec.name, "backend": backend, "source": source})
    except ValidationError as exc:
        raise ValueError("; ".join(e["msg"] for e in exc.errors())) from None


@dataclass(frozen=True)
class EngineApp:
    """One engine application: its name, the spec it serves (source resolved) and its version."""

    name: str
    spec: ModelSpec
    version: int | None = None


class ServeEngineApps:
    """Engine applications as the gateway sees them (inside a Ray Serve replica)."""

    def __init__(self, status_ttl_s: float = 2.0):
        self.status_ttl_s = status_ttl_s
        self._handles: dict[str, Any] = {}
        self._status: tuple[float, dict[str, str]] = (0.0, {})

    def handle(self, model: str, version: int | None = None) -> Any:
        from ray import serve

        name = engine_app_name(model, version)
        if name not in self._handles:
            self._handles[name] = serve.get_deployment_handle(ENGINE_DEPLOYMENT, name, _check_exists=False)
        return self._handles[name]

    def statuses(self) -> dict[str, str]:
        from ray import serve

        at, cached = self._status
        if time.monotonic() - at > self.status_ttl_s:
            cached = {name: str(app.status) for name, app in serve.status().applications.items()}
            self._status = (time.monotonic(), cached)
        return cached

    def running(self, keys: Iterable[tuple[str, int | None]]) -> bool:
        """Whether every (model, version) has a RUNNING application (a routing table may switch)."""
        status = self.statuses()
        return all(status.get(engine_app_name(m, v), "").endswith("RUNNING") for m, v in keys)
