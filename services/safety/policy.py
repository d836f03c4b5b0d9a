"""Safety policies: what each detector does, per model and per API key, from one YAML file.

    default:                 # applies to every request
      on_failure: closed     # open: serve unguarded when the safety service fails; closed: 503
      pii:       {action: redact, threshold: 0.5, entities: [...], pseudonymize: false}
      injection: {action: block, threshold: 0.8371, explain: false}  # explain: the 400 names the n-grams
      toxicity:  {action: block, threshold: 0.8618, output_threshold: 0.97}
      # injection and toxicity also take
      #   output_threshold: judges model answers (output) in place of `threshold`, which then judges
      #     prompts only; null (injection's default): `threshold` judges both directions
      #   short_text: {words: 3, threshold: 0.99}: a scan's texts (joined) of fewer words than `words` are
      #     judged at this stricter threshold (never below the direction's); {words: 0}: off
      watermark: {enabled: false, gamma: 0.25, delta: 2.0}   # green-list watermark in sampling
      token_prompts: refuse  # prompts / embedding inputs as token ids: refuse (400) or allow unscanned
    models:                  # overrides by model name (what clients send as "model")
      some-model: {toxicity: {action: flag}}
    keys:                    # overrides by API key name (llmops keys create NAME); win over models
      research-team: {pii: {action: allow}}

Overrides merge into the default field by field. Actions: ``allow`` (score only), ``flag``
(score and count), ``redact`` (PII only: replace the spans), ``block`` (refuse with a 400
``content_filter`` error naming the category).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Action = Literal["allow", "flag", "redact", "block"]
Direction = Literal["input", "output"]
DETECTORS = ("pii", "injection", "toxicity")

DEFAULT_ENTITIES = [
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "US_SSN",
    "IBAN_CODE",
    "IP_ADDRESS",
    "CRYPTO",
    # the fast recognisers (services/safety/recognizers.py, addresses.py, birth_dates.py): no NER model
    "PERSON",
    "ADDRESS",
    "DATE_OF_BIRTH",
]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Action
    threshold: float = Field(0.5, ge=0.0, le=1.0, description="Score at or above which the action applies.")
    directions: list[Direction] = Field(
        default_factory=lambda: ["input", "output"], description="Where the detector runs."
    )


class PiiRule(_Rule):
    action: Action = "redact"
    entities: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ENTITIES), description="Presidio entity types to find."
    )
    entity_thresholds: dict[str, float] = Field(
        default_factory=lambda: {"PHONE_NUMBER": 0.4}, description="Per-entity score thresholds."
    )
    allow_list: list[str] = Field(
        default_factory=list, description="Values never treated as PII (e.g. a support address)."
    )
    pseudonymize: bool = Field(
        False, description="Reversible placeholders: the engine sees <PERSON_1>, the client gets the value back."
    )


class ShortTextRule(BaseModel):
    """A stricter threshold for texts of few words, where a TF-IDF classifier's score rests on one or
    two words' weights (README, Safety: "Short texts")."""

    model_config = ConfigDict(extra="forbid")

    words: int = Field(
        0,
        ge=0,
        le=64,
        description="Texts of fewer words than this (the texts of one scan, joined) use `threshold`; 0: off.",
    )
    threshold: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="Score at or above which the action applies to such a short text (never below the direction's).",
    )


def _short_text_default() -> ShortTextRule:
    # chosen on dev data (loadtests/short_text_dev.py, README "Short texts"): a streamed answer's first
    # scan is one or two words, and lone words of benign text score up to 0.999
    return ShortTextRule(words=3, threshold=0.99)


OUTPUT_THRESHOLD_HELP = (
    "Score at or above which the action applies to model answers (the output direction), where `threshold` then"
    " judges prompts only; null: `threshold` judges both directions."
)


class InjectionRule(_Rule):
    action: Action = "block"
    threshold: float = Field(0.8371, ge=0.0, le=1.0)  # chosen out of source (var/classifiers/injection_report.md)
    directions: list[Direction] = Field(default_factory=lambda: ["input"])
    explain: bool = Field(
        False,
        description="Name the prompt's n-grams that drove a blocked prompt's score in its 400 error (for operators"
        " checking a policy; off by default: it repeats words of the prompt to the caller).",
    )

    short_text: ShortTextRule = Field(
        default_factory=_short_text_default, description="A stricter threshold for texts of fewer than `words` words."
    )
    output_threshold: float | None = Field(None, ge=0.0, le=1.0, description=OUTPUT_THRESHOLD_HELP)

    @field_validator("action")
    @classmethod
    def _no_redact(cls, value: str) -> str:
        if value == "redact":
            raise ValueError("redact applies to pii only; use block or flag")
        return value

    def threshold_for(self, text: str, direction: Direction) -> float:
        """The threshold that applies to ``text`` (the scanned texts joined) in ``direction``: the
        rule's ``threshold``, or ``output_threshold`` on output when set; a short text's never below it."""
        base = self.output_threshold if direction == "output" and self.output_threshold is not None else self.threshold
        short = self.short_text
        # at most words + 1 pieces: enough to tell "fewer than words" without splitting a long answer whole
        if short.words and len(text.split(None, short.words)) < short.words:
            return max(short.threshold, base)
        return base


class ToxicityRule(InjectionRule):
    threshold: float = Field(0.8618, ge=0.0, le=1.0)  # the dev split's pick (var/classifiers/toxicity_report.md)
    directions: list[Direction] = Field(default_factory=lambda: ["input", "output"])
    # chosen on dev data (loadtests/output_threshold_dev.py, README "Output threshold"): model answers are not
    # user-written hate, and at 0.8618 the output guard blocked benign answers
    output_threshold: float | None = Field(0.97, ge=0.0, le=1.0, description=OUTPUT_THRESHOLD_HELP)


class WatermarkRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(False, description="Watermark every answer (otherwise only requests with watermark: true).")
    gamma: float = Field(0.25, gt=0.0, lt=1.0, description="Green fraction of the vocabulary.")
    delta: float = Field(2.0, ge=0.0, le=20.0, description="Logit bias added to green tokens.")


class Policy(BaseModel):
    """The resolved policy for one request."""

    model_config = ConfigDict(extra="forbid")

    on_failure: Literal["open", "closed"] = Field(
        "closed", description="What to do when the safety service fails or times out."
    )
    pii: PiiRule = Field(default_factory=PiiRule)
    injection: InjectionRule = Field(default_factory=InjectionRule)
    toxicity: ToxicityRule = Field(default_factory=ToxicityRule)
    watermark: WatermarkRule = Field(default_factory=WatermarkRule)
    token_prompts: Literal["refuse", "allow"] = Field(
        "refuse",
        description="Completion prompts and embedding inputs given as token ids cannot be scanned (the gateway has "
        "no tokenizer): refuse them with a 400 (token_ids_not_allowed) while any input detector is on, or allow them "
        "unscanned.",
    )

    def active(self, detector: str, direction: str) -> bool:
        rule = getattr(self, detector)
        return direction in rule.directions


class PolicyError(ValueError):
    """The policy file is malformed (named path and field)."""


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


class PolicySet:
    """The default policy plus per-model and per-key overrides; resolved policies are cached."""

    def __init__(
        self,
        default: dict[str, Any] | None = None,
        models: dict[str, dict[str, Any]] | None = None,
        keys: dict[str, dict[str, Any]] | None = None,
        *,
        source: str = "<dict>",
    ):
        self.source = source
        self._default = default or {}
        self._models = models or {}
        self._keys = keys or {}
        self._cache: dict[tuple[str | None, str | None], Policy] = {}
        # validate every combination that can occur once, at load time, not on a request
        self.resolve(None, None)
        for model in self._models:
            self.resolve(model, None)
        for key in self._keys:
            self.resolve(None, key)

    @classmethod
    def from_file(cls, path: Path | None) -> PolicySet:
        if path is None:
            return cls(source="<defaults>")
        try:
            data = yaml.safe_load(Path(path).read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise PolicyError(f"cannot read safety policy file {path}: {exc}") from None
        unknown = set(data) - {"default", "models", "keys"}
        if unknown:
            raise PolicyError(f"{path}: unknown top-level keys {sorted(unknown)} (expected default, models, keys)")
        return cls(data.get("default"), data.get("models"), data.get("keys"), source=str(path))

    def resolve(self, model: str | None, key_name: str | None) -> Policy:
        cache_key = (model if model in self._models else None, key_name if key_name in self._keys else None)
        policy = self._cache.get(cache_key)
        if policy is None:
            merged = _merge(
                _merge(self._default, self._models.get(cache_key[0] or "", {})), self._keys.get(cache_key[1] or "", {})
            )
            try:
                policy = Policy.model_validate(merged)
            except ValidationError as exc:
                where = (
                    f"model {cache_key[0]!r}"
                    if cache_key[0]
                    else f"key {cache_key[1]!r}"
                    if cache_key[1]
                    else "default"
                )
                first = exc.errors(include_url=False)[0]
                raise PolicyError(f"{self.source}: invalid policy ({where}): {first['loc']}: {first['msg']}") from None
            self._cache[cache_key] = policy
        return policy
