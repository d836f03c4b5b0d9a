"""Gateway settings (environment prefix ``LLMOPS_GATEWAY_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LLMOPS_GATEWAY_")

    host: str = Field("127.0.0.1", description="Address the HTTP server binds to.")
    port: int = Field(8000, ge=1, le=65535, description="HTTP port.")
    replicas: int = Field(1, ge=1, description="Gateway replicas (quotas are shared between them).")
    num_cpus: float = Field(0.25, gt=0, description="CPUs reserved per gateway replica.")
    keys_db: Path = Field(Path("var/keys.db"), description="SQLite file of hashed API keys (llmops keys ...).")
    auth_disabled: bool = Field(False, description="Dev mode: accept requests without an API key. Never in production.")
    quota_backend: str = Field("ray", pattern="^(ray|local)$", description="ray: limits shared by all replicas; local: per replica.")
    request_timeout_s: float = Field(600.0, gt=0, description="Longest a request may take end to end before a 504.")
    ready_timeout_s: float = Field(2.0, gt=0, description="How long /ready waits for each engine's health check.")

    @model_validator(mode="after")
    def _local_quota_single_replica(self) -> "GatewaySettings":
        if self.quota_backend == "local" and self.replicas > 1:
            raise ValueError("quota_backend=local cannot enforce limits across several replicas; use ray")
        return self
