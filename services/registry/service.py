"""The model registry: versions of each served model, with artifacts, tags and aliases, over MLflow.

One registered model per public model name (what clients send as ``model``). Each version has
an artifact (an HF model folder, a LoRA adapter or a quantized variant), tags that say where it
came from (``llmops.*``: base model, quantization, data hash, code version, parent version),
evaluation metrics (``metric.*`` tags, also logged on the carrying run), and may hold the
aliases ``champion`` (serves by default) and ``challenger`` (under test).

Promotion moves ``champion`` to the challenger and records the previous champion in the
registered model's ``llmops.champion_history`` tag; rollback moves it back. Every change is
checked first (versions exist, aliases are known) and refused before anything is written.

MLflow is kept offline and quiet: telemetry off, its loggers at WARNING.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from services.registry.config import RegistrySettings

ALIASES = ("champion", "challenger")
KINDS = ("hf", "lora", "quantized")
TAG = "llmops."
HISTORY_TAG = "llmops.champion_history"
Kind = Literal["hf", "lora", "quantized"]


class RegistryError(Exception):
    """A registry request was refused (unknown model/version/alias, bad artifact); nothing changed."""


@dataclass(frozen=True)
class VersionInfo:
    """One model version as the rest of llmops sees it."""

    model: str
    version: int
    source: str
    kind: str
    aliases: tuple[str, ...]
    tags: dict[str, str]
    metrics: dict[str, float]
    run_id: str | None
    created_ms: int
    description: str = ""

    @property
    def parent_version(self) -> int | None:
        parent = self.tags.get("parent_version")
        return int(parent) if parent else None

    def local_path(self) -> Path | None:
        """The artifact as a local folder, when it is one (file URIs and plain paths)."""
        source = self.source
        if source.startswith("file://"):
            source = source[len("file://") :]
        path = Path(source)
        return path if path.is_absolute() and path.exists() else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "version": self.version,
            "source": self.source,
            "kind": self.kind,
            "aliases": list(self.aliases),
            "tags": self.tags,
            "metrics": self.metrics,
            "run_id": self.run_id,
            "created_ms": self.created_ms,
            "description": self.description,
        }


@dataclass(frozen=True)
class ModelInfo:
    name: str
    aliases: dict[str, int]
    versions: list[VersionInfo] = field(default_factory=list)
    champion_history: list[int] = field(default_factory=list)


def quiet_mlflow() -> None:
    """Keep MLflow offline and its logging out of our output (call before importing mlflow)."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("DO_NOT_TRACK", "true")
    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_LOGGING", "false")
    os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    for name in ("mlflow", "alembic", "alembic.runtime.migration"):
        logging.getLogger(name).setLevel(logging.WARNING)


def folder_digest(path: Path) -> str:
    """sha256 over the relative names and contents of every file under ``path`` (or of one file)."""
    path = Path(path)
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode())
        with file.open("rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


class ModelRegistry:
    """Plain service class over ``mlflow.MlflowClient``; the CLI, router and pipelines share it."""

    def __init__(self, settings: RegistrySettings | None = None):
        quiet_mlflow()
        from mlflow import MlflowClient

        quiet_mlflow()  # mlflow sets its logger's level when first imported
        self.settings = settings or RegistrySettings()
        self.uri = self.settings.resolved_tracking_uri()
        if self.uri.startswith("sqlite:///"):
            Path(self.uri[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        self.client = MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)
        self._experiment_id: str | None = None

    # ---------------------------------------------------------------- reads

    def list_models(self) -> list[ModelInfo]:
        names = sorted(m.name for m in self._paged(self.client.search_registered_models))
        return [self.get_model(name) for name in names]

    def get_model(self, name: str) -> ModelInfo:
        model = self._registered(name)
        aliases = {alias: int(version) for alias, version in (model.aliases or {}).items()}
        by_version: dict[int, list[str]] = {}
        for alias, version in aliases.items():
            by_version.setdefault(version, []).append(alias)
        versions = sorted(
            (
                self._info(v, by_version)
                for v in self._paged(self.client.search_model_versions, f"name='{_quote(name)}'")
            ),
            key=lambda v: v.version,
        )
        return ModelInfo(
            name=name,
            aliases=aliases,
            versions=versions,
            champion_history=json.loads((model.tags or {}).get(HISTORY_TAG, "[]")),
        )

    def get_version(self, name: str, ref: int | str) -> VersionInfo:
        """A version by number or by alias (``champion``, ``challenger``)."""
        from mlflow.exceptions import MlflowException

        self._registered(name)
        try:
            if isinstance(ref, int) or str(ref).isdigit():
                return self._info(self.client.get_model_version(name, str(int(ref))))
            return self._info(self.client.get_model_version_by_alias(name, str(ref)))
        except MlflowException:
            raise RegistryError(f"model '{name}' has no version {ref!r}") from None

    def aliases(self, name: str) -> dict[str, int]:
        return self.get_model(name).aliases

    def lineage(self, name: str, ref: int | str) -> list[VersionInfo]:
        """The version and its ancestors (``parent_version`` tags), newest first."""
        chain = [self.get_version(name, ref)]
        seen = {chain[0].version}
        while (parent := chain[-1].parent_version) is not None and parent not in seen:
            seen.add(parent)
            chain.append(self.get_version(name, parent))
        return chain

    def find_version(self, name: str, **tags: str) -> VersionInfo | None:
        """The newest version whose ``llmops.*`` tags include all of ``tags``."""
        try:
            versions = self.get_model(name).versions
        except RegistryError:
            return None
        matching = [v for v in versions if all(v.tags.get(k) == str(val) for k, val in tags.items())]
        return matching[-1] if matching else None

    # ---------------------------------------------------------------- writes

    def register(
        self,
        name: str,
        artifact: Path | str,
        *,
        kind: Kind = "hf",
        tags: Mapping[str, Any] | None = None,
        metrics: Mapping[str, float] | None = None,
        description: str = "",
        copy: bool = False,
        alias: str | None = None,
    ) -> VersionInfo:
        """Register a new version of ``name`` whose artifact is the folder ``artifact``.

        ``copy=True`` uploads the folder into the registry's artifact store (needed when the
        registry is a remote server); otherwise the version points at the folder where it lies.
        ``tags`` become ``llmops.<key>`` (base_model, quantization, data_hash, code_version,
        parent_version, ...); ``metrics`` are logged on the carrying run and tagged ``metric.<key>``.
        """
        if kind not in KINDS:
            raise RegistryError(f"kind must be one of {KINDS}, not {kind!r}")
        if alias is not None and alias not in ALIASES:
            raise RegistryError(f"alias must be one of {ALIASES}, not {alias!r}")
        path = Path(artifact).expanduser().resolve()
        if not path.exists():
            raise RegistryError(f"artifact {path} does not exist")
        if kind == "lora" and not (path / "adapter_config.json").is_file():
            raise RegistryError(f"{path} is not a LoRA adapter folder (no adapter_config.json)")
        if kind != "lora" and path.is_dir() and not (path / "config.json").is_file():
            raise RegistryError(f"{path} is not an HF model folder (no config.json)")
        tags = {k: str(v) for k, v in (tags or {}).items() if v is not None}
        if "parent_version" in tags:
            self.get_version(name, int(tags["parent_version"]))  # refuse a parent that is not there
        metrics = {k: float(v) for k, v in (metrics or {}).items()}
        tags.setdefault("artifact_sha256", folder_digest(path))

        run = self.client.create_run(
            self._experiment(), tags={"mlflow.runName": f"{name}-register", f"{TAG}model": name}
        )
        run_id = run.info.run_id
        for key, value in metrics.items():
            self.client.log_metric(run_id, key, value)
        for key, value in tags.items():
            self.client.set_tag(run_id, f"{TAG}{key}", value)
        if copy:
            self.client.log_artifacts(run_id, str(path), artifact_path="model")
            source = f"{run.info.artifact_uri.rstrip('/')}/model"
        else:
            source = path.as_uri()
        self.client.set_terminated(run_id)

        self._ensure_registered(name)
        version_tags = {f"{TAG}kind": kind, **{f"{TAG}{k}": v for k, v in tags.items()}}
        version_tags.update({f"metric.{k}": repr(v) for k, v in metrics.items()})
        version = self.client.create_model_version(
            name, source, run_id=run_id, tags=version_tags, description=description or None
        )
        if alias is not None:
            self.set_alias(name, alias, int(version.version))
        return self.get_version(name, int(version.version))

    def set_alias(self, name: str, alias: str, version: int) -> None:
        if alias not in ALIASES:
            raise RegistryError(f"alias must be one of {ALIASES}, not {alias!r}")
        self.get_version(name, int(version))  # refuse before changing anything
        if alias == "champion":
            current = self.aliases(name).get("champion")
            if current is not None and current != int(version):
                self._push_history(name, current)
        self.client.set_registered_model_alias(name, alias, str(int(version)))

    def delete_alias(self, name: str, alias: str) -> None:
        if alias not in self.aliases(name):
            raise RegistryError(f"model '{name}' has no alias '{alias}'")
        self.client.delete_registered_model_alias(name, alias)

    def promote(self, name: str, version: int | None = None) -> int:
        """Make ``version`` (default: the challenger) the champion; the challenger alias is dropped."""
        aliases = self.aliases(name)
        target = version if version is not None else aliases.get("challenger")
        if target is None:
            raise RegistryError(f"model '{name}' has no challenger to promote")
        if aliases.get("champion") == int(target):
            raise RegistryError(f"version {target} of '{name}' is already the champion")
        self.set_alias(name, "champion", int(target))
        if aliases.get("challenger") == int(target):
            self.client.delete_registered_model_alias(name, "challenger")
        return int(target)

    def rollback(self, name: str) -> int:
        """Point ``champion`` back at the previous champion; returns that version."""
        model = self.get_model(name)
        history = list(model.champion_history)
        while history and history[-1] == model.aliases.get("champion"):
            history.pop()
        if not history:
            raise RegistryError(f"model '{name}' has no previous champion to roll back to")
        previous = history.pop()
        self.get_version(name, previous)
        self.client.set_registered_model_alias(name, "champion", str(previous))
        self.client.set_registered_model_tag(name, HISTORY_TAG, json.dumps(history))
        return previous

    # ---------------------------------------------------------------- helpers

    def _push_history(self, name: str, version: int) -> None:
        history = self.get_model(name).champion_history
        history.append(int(version))
        self.client.set_registered_model_tag(name, HISTORY_TAG, json.dumps(history[-50:]))

    def _registered(self, name: str) -> Any:
        from mlflow.exceptions import MlflowException

        try:
            return self.client.get_registered_model(name)
        except MlflowException:
            raise RegistryError(f"model '{name}' is not registered") from None

    def _ensure_registered(self, name: str) -> None:
        from mlflow.exceptions import MlflowException

        try:
            self.client.get_registered_model(name)
        except MlflowException:
            try:
                self.client.create_registered_model(name)
            except MlflowException:  # another process registered it in between
                self.client.get_registered_model(name)

    def _experiment(self) -> str:
        if self._experiment_id is None:
            found = self.client.get_experiment_by_name(self.settings.experiment)
            if found is not None:
                self._experiment_id = found.experiment_id
            else:
                location = None
                if self.settings.tracking_uri is None or self.uri.startswith("sqlite:///"):
                    root = self.settings.artifact_root.expanduser().resolve()
                    root.mkdir(parents=True, exist_ok=True)
                    location = root.as_uri()
                self._experiment_id = self.client.create_experiment(
                    self.settings.experiment, artifact_location=location
                )
        return self._experiment_id

    def _info(self, mv: Any, aliases: Mapping[int, list[str]] | None = None) -> VersionInfo:
        tags = dict(mv.tags or {})
        names = mv.aliases or (aliases or {}).get(int(mv.version), ())
        return VersionInfo(
            model=mv.name,
            version=int(mv.version),
            source=mv.source,
            kind=tags.get(f"{TAG}kind", "hf"),
            aliases=tuple(sorted(names)),
            tags={k[len(TAG) :]: v for k, v in tags.items() if k.startswith(TAG) and k != f"{TAG}kind"},
            metrics={k[len("metric.") :]: float(v) for k, v in tags.items() if k.startswith("metric.")},
            run_id=mv.run_id or None,
            created_ms=int(mv.creation_timestamp or time.time() * 1000),
            description=mv.description or "",
        )

    @staticmethod
    def _paged(search: Any, filter_string: str | None = None) -> Iterator[Any]:
        token = None
        while True:
            kwargs: dict[str, Any] = {"max_results": 200, "page_token": token}
            if filter_string is not None:
                kwargs["filter_string"] = filter_string
            page = search(**kwargs)
            yield from page
            token = page.token
            if not token:
                return


def _quote(name: str) -> str:
    return name.replace("'", "\\'")
