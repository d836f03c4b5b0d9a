"""The price table (``config/prices.yaml``): what a request costs.

Two ways to price a model:

* hosted (per token): ``input_per_1m_usd`` and ``output_per_1m_usd``;
* self-hosted (per accelerator time): ``gpu_hour_usd`` for one engine replica and the throughput
  it sustains, ``tokens_per_second``. A request is charged its share of replica time by tokens:
  ``tokens / tokens_per_second`` replica-seconds at ``gpu_hour_usd / 3600`` per second. Over a
  window, ``allocate`` divides the replicas' real time by token share instead (idle time
  included), which is what the bill says.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, Field, model_validator


class ModelPrice(BaseModel):
    model_config = {"extra": "forbid"}

    input_per_1m_usd: float | None = Field(None, ge=0, description="Price per 1M prompt tokens (hosted models).")
    output_per_1m_usd: float | None = Field(None, ge=0, description="Price per 1M completion tokens (hosted models).")
    gpu_hour_usd: float | None = Field(None, ge=0, description="Price of one engine replica per hour (self-hosted).")
    tokens_per_second: float | None = Field(
        None, gt=0, description="Tokens per second one replica sustains (self-hosted)."
    )

    @model_validator(mode="after")
    def _one_way(self) -> ModelPrice:
        per_token = self.input_per_1m_usd is not None or self.output_per_1m_usd is not None
        per_time = self.gpu_hour_usd is not None
        if per_token == per_time:
            raise ValueError("give either input_per_1m_usd/output_per_1m_usd or gpu_hour_usd with tokens_per_second")
        if per_time and self.tokens_per_second is None:
            raise ValueError("gpu_hour_usd needs tokens_per_second to share replica time between requests")
        return self

    @property
    def self_hosted(self) -> bool:
        return self.gpu_hour_usd is not None

    def request_cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        if self.self_hosted:
            return (prompt_tokens + completion_tokens) / self.tokens_per_second * self.gpu_hour_usd / 3600.0  # type: ignore[operator]
        return (
            prompt_tokens * (self.input_per_1m_usd or 0.0) + completion_tokens * (self.output_per_1m_usd or 0.0)
        ) / 1e6


class PriceTable(BaseModel):
    model_config = {"extra": "forbid"}

    currency: str = Field("USD", pattern="^USD$", description="Only US dollars (metric names say _usd).")
    models: dict[str, ModelPrice] = Field(default_factory=dict, description="Prices by served model name.")
    default: ModelPrice = Field(
        default_factory=lambda: ModelPrice(input_per_1m_usd=0.0, output_per_1m_usd=0.0),
        description="Models not listed.",
    )

    def price(self, model: str) -> ModelPrice:
        return self.models.get(model, self.default)

    def request_cost(self, model: str, prompt_tokens: int, completion_tokens: int) -> float:
        return self.price(model).request_cost(prompt_tokens, completion_tokens)


def load_prices(path: Path) -> PriceTable:
    return PriceTable.model_validate(yaml.safe_load(Path(path).read_text()) or {})


def allocate(
    records: list[dict], prices: PriceTable, *, window_seconds: float, replicas: dict[str, int], by: str = "team"
) -> dict[str, float]:
    """Share each self-hosted model's replica time over a window (``replicas`` × window × hourly
    price) between ``by`` groups ("team" or "key_id") by their share of that model's tokens;
    hosted models are charged per token. Returns dollars per group (None becomes "-")."""
    tokens: dict[str, dict[str, int]] = {}
    out: dict[str, float] = {}
    for r in records:
        group = r.get(by) or "-"
        model = r.get("model", "other")
        price = prices.price(model)
        if price.self_hosted:
            tokens.setdefault(model, {}).setdefault(group, 0)
            tokens[model][group] += int(r.get("prompt_tokens") or 0) + int(r.get("completion_tokens") or 0)
        else:
            out[group] = out.get(group, 0.0) + price.request_cost(
                int(r.get("prompt_tokens") or 0), int(r.get("completion_tokens") or 0)
            )
    for model, per_group in tokens.items():
        total = sum(per_group.values())
        bill = prices.price(model).gpu_hour_usd * replicas.get(model, 1) * window_seconds / 3600.0  # type: ignore[operator]
        for group, n in per_group.items():
            out[group] = out.get(group, 0.0) + (bill * n / total if total else 0.0)
    return out
