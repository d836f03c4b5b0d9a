"""A migrated MLflow SQLite database made once per test session and copied for each user: creating
MLflow's schema runs its whole migration chain, which takes many seconds on a small machine."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from services.registry.config import RegistrySettings
from services.registry.service import ModelRegistry


@pytest.fixture(scope="session")
def mlflow_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    ModelRegistry(RegistrySettings(tracking_uri=f"sqlite:///{db}")).list_models()
    return db


def fresh_registry(template: Path, root: Path) -> ModelRegistry:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, root / "mlflow.db")
    return ModelRegistry(
        RegistrySettings(tracking_uri=f"sqlite:///{root / 'mlflow.db'}", artifact_root=root / "artifacts")
    )
