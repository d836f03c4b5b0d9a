"""The pipelines' hand-off to the model registry (``services.registry``, MLflow underneath).

Versions the pipelines make: ``lora`` (an adapter folder, copied into the registry's artifact
store, on the base named by its ``base_model`` tag); the base itself is the ``hf`` version that
``ensure_default_model`` registers from the model store. Lineage and results are ``llmops.*``
tags (``parent_version``, ``data_hash``, ``code_version``, ``config_sha256``, ``gate``, ...)
and ``metric.*`` tags, the conventions of ``services.registry``.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

from pipelines.config import RegistryConfig
from services.registry.config import RegistrySettings
from services.registry.defaults import ensure_default_model
from services.registry.service import TAG, ModelRegistry, VersionInfo

METRIC_TAG = "metric."


def code_version() -> str:
    """git commit of the code that ran (with '+dirty' when tracked files changed), or 'unknown'."""
    root = str(Path(__file__).resolve().parents[1])
    try:
        head = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        )
        return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def open_registry(config: RegistryConfig) -> ModelRegistry:
    """The registry the config names; unset fields: ``LLMOPS_REGISTRY_*`` or services.registry's defaults."""
    settings = {"tracking_uri": config.tracking_uri, "artifact_root": config.artifact_root}
    return ModelRegistry(RegistrySettings(**{k: v for k, v in settings.items() if v is not None}))


def experiment_id(registry: ModelRegistry, name: str) -> str:
    """The pipelines' MLflow experiment (artifacts beside the registry's when it is local)."""
    found = registry.client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    location = None
    if registry.settings.is_local():
        root = registry.settings.artifact_root.expanduser().resolve()
        root.mkdir(parents=True, exist_ok=True)
        location = root.as_uri()
    return registry.client.create_experiment(name, artifact_location=location)


def base_version(registry: ModelRegistry, models_dir: Path, base_model: str) -> VersionInfo:
    """The base model's ``hf`` version (registered once; champion when there is none)."""
    version, _ = ensure_default_model(registry, models_dir, base_model)
    return version


def set_tags(registry: ModelRegistry, model: str, version: int, tags: dict[str, Any]) -> None:
    for key, value in tags.items():
        registry.client.set_model_version_tag(model, str(version), f"{TAG}{key}", str(value))


def set_metrics(registry: ModelRegistry, model: str, version: int, metrics: dict[str, float]) -> None:
    for key, value in metrics.items():
        registry.client.set_model_version_tag(model, str(version), f"{METRIC_TAG}{key}", repr(float(value)))


def version_folder(registry: ModelRegistry, info: VersionInfo, workdir: Path | None = None) -> Path:
    """A local folder with the version's files (the folder itself when it is local)."""
    local = info.local_path()
    if local is not None:
        return local
    import mlflow.artifacts

    target = workdir or Path(tempfile.mkdtemp(prefix=f"llmops-v{info.version}-"))
    return Path(mlflow.artifacts.download_artifacts(artifact_uri=info.source, dst_path=str(target)))
