"""Gateway settings (environment prefix ``LLMOPS_GATEWAY_``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.gateway.pipeline import SLOTS

if TYPE_CHECKING:
    from services.gateway.audit import AuditLog
    from services.gateway.keys import KeyStore


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LLMOPS_GATEWAY_")

    host: str = Field("127.0.0.1", description="Address the HTTP server binds to.")
    port: int = Field(
        8000, ge=1, le=65535, description="HTTP port of the API (with direct ingress: replica i answers on port + i)."
    )
    direct_ingress: bool = Field(
        True,
        description="Gateway replicas serve HTTP themselves (Ray Serve direct ingress, throughput-optimised mode), "
        "skipping the proxy hop; Ray Serve's proxy then listens on proxy_port.",
    )
    proxy_port: int = Field(
        8100,
        ge=1,
        le=65535,
        description="Ray Serve proxy port when direct_ingress is on (load-balances over replicas).",
    )
    replicas: int = Field(1, ge=1, description="Gateway replicas (quotas are shared between them).")
    num_cpus: float = Field(0.25, gt=0, description="CPUs reserved per gateway replica.")
    keys_db: Path = Field(Path("var/keys.db"), description="SQLite file of hashed API keys (llmops keys ...).")
    keys_file: Path | None = Field(
        None,
        description="Read-only JSON file of hashed keys (llmops deploy keys sync, mounted from a Secret); "
        "when set, keys_db is not used.",
    )
    key_pepper: SecretStr | None = Field(
        None,
        description="Server-side secret mixed into every stored API key hash (HMAC-SHA256), at least 32 characters; "
        "in a cluster from a Secret. Unset: read from key_pepper_file.",
    )
    key_pepper_file: Path | None = Field(
        None,
        description="File holding the key pepper. Unset: key_pepper beside keys_db (created with a random pepper, "
        "mode 0600, when missing) or beside keys_file (never created there: `llmops deploy keys sync` writes it).",
    )
    cors_allow_origins: list[str] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API cross-origin (CORS), e.g. ['https://app.example.com']. "
        "Empty (the default): no CORS headers, so browsers refuse cross-origin calls.",
    )
    auth_disabled: bool = Field(False, description="Dev mode: accept requests without an API key. Never in production.")
    quota_backend: str = Field(
        "ray", pattern="^(ray|local)$", description="ray: limits shared by all replicas; local: per replica."
    )
    request_timeout_s: float = Field(
        600.0,
        gt=0,
        description=(
            "Longest a request may take end to end before a 504; also how long a replica that Ray Serve "
            "stops (redeploy, scale-down) keeps serving its in-flight requests (graceful_shutdown_timeout_s)."
        ),
    )
    ready_timeout_s: float = Field(2.0, gt=0, description="How long /ready waits for each engine's health check.")
    request_log_enabled: bool = Field(
        True, description="Write one redacted JSON line per request (for the drift and cost monitors)."
    )
    request_log_path: Path = Field(
        Path("var/requests.jsonl"), description="The request log file (rotated files get .1, .2, ...)."
    )
    request_log_max_bytes: int = Field(
        64 * 1024 * 1024, ge=4096, description="Size at which the request log is rotated."
    )
    request_log_backups: int = Field(3, ge=1, description="Rotated request log files kept.")
    request_log_prompts: bool = Field(
        False,
        description="Keep prompt text in the request log: only prompts the input guard redacted with a policy "
        "whose PII entities include PERSON and LOCATION; any other prompt is still logged without text.",
    )
    audit_enabled: bool = Field(
        True, description="Write the audit log: who (key id), what (route, model, variant, guard decisions), when."
    )
    audit_db: Path = Field(Path("var/audit.db"), description="SQLite file of the audit log (llmops audit ...).")
    audit_retention_days: float = Field(
        90.0, gt=0, description="Audit records older than this many days are removed (at start and hourly)."
    )
    audit_user_key: SecretStr | None = Field(
        None,
        description="Secret of the keyed hash that stands for the OpenAI `user` field in the audit log (at least 32 "
        "characters; the same on every replica). Unset: read from audit_user_key_file.",
    )
    audit_user_key_file: Path | None = Field(
        None,
        description="File of the audit user key when audit_user_key is unset. Unset: audit_user_key beside audit_db, "
        "created with a random key (mode 0600) when missing.",
    )
    budgets_enabled: bool = Field(True, description="Meter cost and enforce budgets (llmops cost budget ...).")
    ledger_db: Path = Field(Path("var/ledger.db"), description="SQLite cost ledger: charges and budgets.")
    prices_file: Path = Field(
        Path("config/prices.yaml"), description="Price table per model (services/gateway/prices.py)."
    )

    max_body_bytes: int = Field(1_048_576, ge=1024, description="Largest request body accepted (else 413).")
    max_messages: int = Field(256, ge=1, description="Most chat messages in one request (else 400, param messages).")
    max_stop: int = Field(4, ge=1, description="Most stop sequences in one request (else 400, param stop).")
    max_logit_bias: int = Field(300, ge=1, description="Most logit_bias entries in one request (else 400).")
    context_chars_per_token: float = Field(
        8.0,
        gt=0,
        description="A prompt longer than the model's max_model_len times this many characters is refused with 400 "
        "context_length_exceeded before any engine work (the gateway has no tokenizer: a bound, not a count).",
    )
    quota_reserve_completion_tokens: int = Field(
        256,
        ge=1,
        description="Completion tokens a token-limited key reserves at admission for a chat request without "
        "max_tokens to a model whose context is unknown (max_model_len unset); with a known context such a request "
        "reserves the rest of it, as far as vLLM lets the answer run (completions reserve vLLM's default, 16).",
    )

    timings_path: Path | None = Field(
        None,
        description="Debugging aid: append one JSON line of per-request timestamps (arrival, each stage before "
        "the engine, engine call, first engine token, first token sent, safety check time) to this file "
        "(services/gateway/timings.py). Numbers only, never prompts or answers. Unset: off.",
    )

    stages: dict[str, str] = Field(
        default_factory=dict,
        description="Replace a pipeline slot's stage: slot name -> 'package.module:factory', a function that "
        "takes the wiring's Parts and returns a Stage (services/gateway/wiring.py). Empty: the stages that the "
        "services present call for.",
    )

    @field_validator("stages")
    @classmethod
    def _known_slots(cls, stages: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(stages) - set(SLOTS))
        if unknown:
            raise ValueError(f"unknown pipeline slots {unknown}; the slots are {', '.join(SLOTS)}")
        bad = sorted(path for path in stages.values() if ":" not in path)
        if bad:
            raise ValueError(f"stage factories must be 'package.module:function', not {bad}")
        return stages

    @model_validator(mode="after")
    def _local_quota_single_replica(self) -> GatewaySettings:
        if self.quota_backend == "local" and self.replicas > 1:
            raise ValueError("quota_backend=local cannot enforce limits across several replicas; use ray")
        if self.direct_ingress and self.port <= self.proxy_port < self.port + self.replicas:
            raise ValueError("proxy_port must lie outside the direct ingress ports port .. port + replicas - 1")
        return self

    def key_pepper_bytes(self) -> bytes | None:
        return self.key_pepper.get_secret_value().encode() if self.key_pepper else None

    def open_key_store(self, db: Path | None = None) -> KeyStore:
        """The key database (``db`` or keys_db) with the configured pepper (for the CLI and tools)."""
        from services.gateway.keys import KeyStore

        return KeyStore(db or self.keys_db, pepper=self.key_pepper_bytes(), pepper_file=self.key_pepper_file)

    def open_audit_log(self, db: Path | None = None) -> AuditLog:
        """The audit log (``db`` or audit_db) with the configured user key and retention."""
        from services.gateway.audit import AuditLog
        from services.gateway.keys import load_pepper

        db = Path(db or self.audit_db)
        if self.audit_user_key:
            user_key = self.audit_user_key.get_secret_value().encode()
        else:
            user_key = load_pepper(self.audit_user_key_file or db.parent / "audit_user_key", create=True)
        return AuditLog(db, user_key=user_key, retention_days=self.audit_retention_days)

    def ray_serve_env(self) -> dict[str, str]:
        """Environment Ray Serve must start with (read once, when Serve starts)."""
        if not self.direct_ingress:
            return {}
        return {
            "RAY_SERVE_THROUGHPUT_OPTIMIZED": "1",
            "RAY_SERVE_DIRECT_INGRESS_MIN_HTTP_PORT": str(self.port),
            "RAY_SERVE_DIRECT_INGRESS_MAX_HTTP_PORT": str(self.port + self.replicas),  # exclusive
        }

    @property
    def serve_proxy_port(self) -> int:
        return self.proxy_port if self.direct_ingress else self.port
