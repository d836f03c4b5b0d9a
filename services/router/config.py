"""Router settings (environment prefix ``LLMOPS_ROUTER_``; or the ``router`` dict of build_app)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# A version that left every routing table keeps its engine for this many reload intervals, so that
# every gateway replica has rebuilt its table before the engine goes (``llmops serve`` and
# ``llmops deploy sync-registry`` alike).
RELOADS_BEFORE_RETIRING = 2


def retire_grace_s(reload_interval_s: float) -> float:
    """How long an engine no longer routed to keeps running before it is deleted."""
    return RELOADS_BEFORE_RETIRING * reload_interval_s


class RouterSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LLMOPS_ROUTER_")

    enabled: bool = Field(
        False,
        description="Route through the A/B router: registry versions (one engine application each) and experiments; "
        "off: one engine per model.",
    )
    experiments_file: Path | None = Field(
        Path("config/experiments.yaml"),
        description="YAML file of experiments (services/router/experiments.py); a missing file means no experiments.",
    )
    use_registry: bool = Field(
        True, description="Resolve champion/challenger and version numbers from the model registry (LLMOPS_REGISTRY_*)."
    )
    store_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the experiment store (assignments, feedback, canary state); "
        "unset: SQLite var/ab.db. Production: postgresql+psycopg://...",
    )
    store_comments: bool = Field(
        True, description="Keep the free-text comment of feedback (user-written text); off stores ratings only."
    )
    reload_interval_s: float = Field(
        15.0, gt=0, description="How often the routing table is rebuilt from the registry aliases and experiments file."
    )
    canary_interval_s: float = Field(
        10.0, gt=0, description="How often canary guardrails are evaluated and the ramp advanced."
    )

    def resolved_store_url(self) -> str:
        from services.router.store import sqlite_url

        return self.store_url or sqlite_url(Path("var/ab.db"))
