"""Registry settings (environment prefix ``LLMOPS_REGISTRY_``; or the ``registry`` dict of build_app)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB = Path("var/mlflow/mlflow.db")


class RegistrySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LLMOPS_REGISTRY_")

    tracking_uri: str | None = Field(
        None,
        description="MLflow tracking/registry URI: any MLflow server (http://...) or database URI. "
        "Unset: a local SQLite file var/mlflow/mlflow.db (resolved to an absolute path).",
    )
    artifact_root: Path = Field(
        Path("var/mlflow/artifacts"),
        description="Where copied model artifacts go when the registry is a local database (made absolute).",
    )
    experiment: str = Field(
        "llmops-registry", description="MLflow experiment that holds the runs which carry registered artifacts."
    )
    default_model: str = Field(
        "smollm2-135m-instruct",
        description="Model-store name registered as version 1 on first start (llmops registry ensure-default).",
    )

    @field_validator("tracking_uri")
    @classmethod
    def _no_blank(cls, value: str | None) -> str | None:
        return value or None

    def resolved_tracking_uri(self) -> str:
        """The tracking URI with a relative local SQLite path made absolute."""
        uri = self.tracking_uri
        if uri is None:
            return f"sqlite:///{DEFAULT_DB.resolve()}"
        prefix = "sqlite:///"
        if uri.startswith(prefix) and not uri[len(prefix) :].startswith("/"):
            return f"{prefix}{Path(uri[len(prefix) :]).resolve()}"
        return uri

    def is_local(self) -> bool:
        return self.resolved_tracking_uri().startswith("sqlite:///")
