"""Hand-off to the model registry (MLflow Model Registry), as the pipelines need it.

Versions of one registered model (the public model name) are either the ``base`` (the float32 HF
folder in the model store) or ``lora`` adapters on it. Lineage and results are model-version
tags under ``llmops.*``; aliases (``champion``, ``challenger``) say what the router serves.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

KIND_TAG = "llmops.kind"
BASE_TAG = "llmops.base_model"
PARENT_TAG = "llmops.parent_version"
DATA_TAG = "llmops.data_sha256"
CODE_TAG = "llmops.code_version"
CONFIG_TAG = "llmops.config_sha256"
GATE_TAG = "llmops.gate"
GATE_REASON_TAG = "llmops.gate_reason"
METRIC_PREFIX = "llmops.metric."


def code_version() -> str:
    """git commit of the code that ran (with '+dirty' when the tree has changes), or 'unknown'."""
    try:
        root = Path(__file__).resolve().parents[1]
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _prepare_sqlite(tracking_uri: str) -> Path | None:
    if tracking_uri.startswith("sqlite:///"):
        db = Path(tracking_uri.removeprefix("sqlite:///"))
        db.parent.mkdir(parents=True, exist_ok=True)
        return db.parent
    return None


class Registry:
    def __init__(self, tracking_uri: str, model_name: str):
        from mlflow import MlflowClient

        self.tracking_uri = tracking_uri
        self.model_name = model_name
        self._local_root = _prepare_sqlite(tracking_uri)
        self.client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)

    def experiment_id(self, name: str) -> str:
        found = self.client.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        location = None
        if self._local_root is not None:
            location = (self._local_root.resolve() / "artifacts").as_uri()
        return self.client.create_experiment(name, artifact_location=location)

    def _ensure_model(self) -> None:
        from mlflow.exceptions import MlflowException

        try:
            self.client.get_registered_model(self.model_name)
        except MlflowException:
            self.client.create_registered_model(self.model_name)

    def register(self, source: str, run_id: str | None, tags: dict[str, str], description: str = "") -> str:
        self._ensure_model()
        version = self.client.create_model_version(
            self.model_name, source=source, run_id=run_id, tags=tags, description=description
        )
        return str(version.version)

    def get(self, version: str) -> Any:
        return self.client.get_model_version(self.model_name, str(version))

    def by_alias(self, alias: str) -> Any | None:
        from mlflow.exceptions import MlflowException

        try:
            return self.client.get_model_version_by_alias(self.model_name, alias)
        except MlflowException:
            return None

    def set_alias(self, alias: str, version: str) -> None:
        self.client.set_registered_model_alias(self.model_name, alias, str(version))

    def set_tags(self, version: str, tags: dict[str, Any]) -> None:
        for key, value in tags.items():
            self.client.set_model_version_tag(self.model_name, str(version), key, str(value))

    def metrics(self, version: str) -> dict[str, float]:
        tags = self.get(version).tags
        return {k.removeprefix(METRIC_PREFIX): float(v) for k, v in tags.items() if k.startswith(METRIC_PREFIX)}

    def download(self, version: str, target: Path) -> Path:
        """Local copy of a version's files (the adapter folder of a LoRA version)."""
        import mlflow.artifacts

        source = self.get(version).source
        return Path(mlflow.artifacts.download_artifacts(artifact_uri=source, dst_path=str(target)))

    def ensure_base(self, base_model: str, model_dir: Path) -> str:
        """The base model's version (registered once, pointing at the model store folder); it
        becomes the champion when the registered model has none yet."""
        self._ensure_model()
        for version in self.client.search_model_versions(f"name='{self.model_name}'"):
            if version.tags.get(KIND_TAG) == "base" and version.tags.get(BASE_TAG) == base_model:
                found = str(version.version)
                break
        else:
            found = self.register(
                model_dir.resolve().as_uri(),
                None,
                {KIND_TAG: "base", BASE_TAG: base_model, CODE_TAG: code_version()},
                description=f"base model {base_model} (model store folder, float32)",
            )
        if self.by_alias("champion") is None:
            self.set_alias("champion", found)
        return found
