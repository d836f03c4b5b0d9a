"""``config/experiments.yaml``: which public models run an experiment, and how traffic splits.

Example::

    experiments:
      - name: smollm2-concise              # experiment id (reports, metrics label)
        model: smollm2-135m-instruct       # the public model name clients send
        sticky_by: user                    # user: the OpenAI "user" field, else the key id; key: the key id
        variants:
          - name: control
            version: champion              # a registry alias or version number
            weight: 0.5
          - name: concise                  # a prompt variant: same weights, other system prompt/sampling
            version: champion
            weight: 0.5
            system_prompt: "Answer in one short sentence."
            sampling: {temperature: 0.2, max_tokens: 64}
        shadow: {variant: candidate, share: 0.1}   # mirrored, never returned (variant weight 0)
        canary:                            # ramps the named variant's weight step by step
          variant: concise
          steps: [0.01, 0.05, 0.25, 0.5]
          min_requests: 200                # per step, before the next step
          max_error_rate: 0.02
          max_p95_latency_s: 10
          max_block_rate: 0.05
        override_keys: [ab-admin]          # key ids allowed to pick a variant (X-Llmops-Variant)

Validation refuses a file before anything changes: weights that do not sum to 1, duplicate
names, a shadow or canary variant that is not declared, two experiments on one model.
Whether versions and aliases exist is checked against the registry when the routing table is
built (``services/router/table.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from services.common.files import read_yaml_file

NAME = r"^[a-z0-9][a-z0-9_.-]{0,62}$"
SAMPLING_KEYS = ("temperature", "top_p", "max_tokens", "presence_penalty", "frequency_penalty", "seed")


class ExperimentConfigError(Exception):
    """The experiments file is missing, not YAML, or invalid; the message says where."""


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME, description="Variant name (header value, metrics label, reports).")
    version: int | str = Field(
        "champion", description="Registry version number or alias (champion, challenger) this variant serves."
    )
    weight: float = Field(ge=0, le=1, description="Share of the experiment's traffic (weights sum to 1).")
    system_prompt: str | None = Field(
        None, description="Replaces the request's system message (prompt experiments); None keeps it."
    )
    sampling: dict[str, float | int] = Field(
        default_factory=dict, description="Sampling defaults applied when the request does not set them."
    )

    @field_validator("version")
    @classmethod
    def _version(cls, value: int | str) -> int | str:
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, int) and value < 1:
            raise ValueError("version numbers start at 1")
        if isinstance(value, str) and value not in ("champion", "challenger"):
            raise ValueError(f"version must be a number or an alias (champion, challenger), not {value!r}")
        return value

    @field_validator("sampling")
    @classmethod
    def _sampling(cls, value: dict[str, float | int]) -> dict[str, float | int]:
        unknown = sorted(set(value) - set(SAMPLING_KEYS))
        if unknown:
            raise ValueError(f"unknown sampling keys {unknown}; allowed: {list(SAMPLING_KEYS)}")
        return value


class Shadow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variant: str = Field(description="Variant that receives the mirrored requests (its weight should be 0).")
    share: float = Field(gt=0, le=1, description="Share of requests mirrored.")
    max_in_flight: int = Field(4, ge=1, description="Mirrored requests running at once; more are dropped.")
    timeout_s: float = Field(60.0, gt=0, description="A mirrored request running longer is cancelled.")


class Canary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variant: str = Field(description="The variant being ramped up (the others share the rest by their weights).")
    steps: list[float] = Field(min_length=1, description="Successive traffic shares of the canary variant.")
    min_requests: int = Field(200, ge=1, description="Canary requests needed at a step before the next step.")
    max_error_rate: float = Field(0.02, ge=0, le=1, description="Halt and roll back above this 5xx rate.")
    max_p95_latency_s: float = Field(10.0, gt=0, description="Halt and roll back above this p95 latency.")
    max_block_rate: float = Field(0.05, ge=0, le=1, description="Halt and roll back above this safety block rate.")

    @field_validator("steps")
    @classmethod
    def _increasing(cls, steps: list[float]) -> list[float]:
        if any(not 0 < s <= 1 for s in steps) or any(b <= a for a, b in zip(steps, steps[1:], strict=False)):
            raise ValueError("canary steps must increase strictly within (0, 1]")
        return steps


class Experiment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME, description="Experiment id.")
    model: str = Field(min_length=1, description="Public model name the experiment applies to.")
    sticky_by: Literal["user", "key"] = Field(
        "user", description="Assignment unit: the request's 'user' field (else the key id), or the key id."
    )
    variants: list[Variant] = Field(min_length=2, description="Arms of the experiment.")
    shadow: Shadow | None = Field(None, description="Mirror a share of requests to one variant.")
    canary: Canary | None = Field(None, description="Ramp one variant's share step by step, with guardrails.")
    override_keys: list[str] = Field(
        default_factory=list, description="Key ids allowed to choose a variant with the X-Llmops-Variant header."
    )
    alpha: float = Field(0.05, gt=0, lt=0.5, description="False positive rate of the anytime-valid test.")
    metric: Literal["thumbs_up", "error_rate"] = Field(
        "thumbs_up", description="Decision metric of `llmops ab report`."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Experiment:
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError(f"experiment '{self.name}': duplicate variant names {names}")
        total = sum(v.weight for v in self.variants)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"experiment '{self.name}': variant weights sum to {total:g}, not 1")
        for part, ref in (("shadow", self.shadow), ("canary", self.canary)):
            if ref is not None and ref.variant not in names:
                raise ValueError(f"experiment '{self.name}': {part} variant '{ref.variant}' is not declared")
        if self.shadow is not None and self.canary is not None and self.shadow.variant == self.canary.variant:
            raise ValueError(f"experiment '{self.name}': one variant cannot be both shadow and canary")
        if self.canary is not None and len([v for v in self.variants if v.name != self.canary.variant]) < 1:
            raise ValueError(f"experiment '{self.name}': a canary needs another variant to fall back to")
        return self

    def variant(self, name: str) -> Variant | None:
        return next((v for v in self.variants if v.name == name), None)


class ExperimentsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    experiments: list[Experiment] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> ExperimentsFile:
        for what in ("name", "model"):
            values = [getattr(e, what) for e in self.experiments]
            dup = sorted({v for v in values if values.count(v) > 1})
            if dup:
                raise ValueError(f"more than one experiment with {what} {dup}")
        return self


def parse_experiments(raw: object, where: str = "experiments") -> list[Experiment]:
    try:
        return ExperimentsFile.model_validate(raw or {}).experiments
    except ValidationError as exc:
        raise ExperimentConfigError(f"{where} is invalid:\n{exc}") from None


def load_experiments(path: Path) -> list[Experiment]:
    raw = read_yaml_file(path, "experiments file", ExperimentConfigError)
    return parse_experiments(raw, f"experiments file {path}")
