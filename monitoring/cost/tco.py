"""Total cost of ownership per token for a self-hosted engine.

effective $/hour   = accelerator $/hour × (1 − spot discount)
tokens/hour        = measured tokens/s × 3600 × utilisation
$ per 1M tokens    = effective $/hour ÷ tokens/hour × 1e6
kWh per 1M tokens  = power (W) × PUE ÷ 1000 ÷ tokens/hour × 1e6   (the machine draws power
                     while idle too, so utilisation divides the useful tokens, not the power)
gCO2e per 1M tokens = kWh per 1M tokens × grid intensity (gCO2e/kWh)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class TCOInputs:
    gpu_hour_usd: float
    tokens_per_second: float
    utilisation: float = 0.6
    spot_discount: float = 0.0
    power_watts: float = 700.0
    pue: float = 1.2
    grid_gco2_per_kwh: float = 400.0

    def __post_init__(self) -> None:
        if self.gpu_hour_usd < 0 or self.tokens_per_second <= 0:
            raise ValueError("gpu_hour_usd must be >= 0 and tokens_per_second > 0")
        if not 0 < self.utilisation <= 1 or not 0 <= self.spot_discount < 1:
            raise ValueError("utilisation must be in (0, 1] and spot_discount in [0, 1)")
        if self.power_watts < 0 or self.pue < 1 or self.grid_gco2_per_kwh < 0:
            raise ValueError("power_watts >= 0, pue >= 1 and grid_gco2_per_kwh >= 0")


@dataclass(frozen=True)
class TCOResult:
    effective_hour_usd: float
    tokens_per_hour: float
    usd_per_1m_tokens: float
    kwh_per_1m_tokens: float
    gco2e_per_1m_tokens: float


def tco(inputs: TCOInputs) -> TCOResult:
    hourly = inputs.gpu_hour_usd * (1 - inputs.spot_discount)
    tokens_per_hour = inputs.tokens_per_second * 3600 * inputs.utilisation
    kwh_per_hour = inputs.power_watts * inputs.pue / 1000
    kwh_per_1m = kwh_per_hour / tokens_per_hour * 1e6
    return TCOResult(
        hourly, tokens_per_hour, hourly / tokens_per_hour * 1e6, kwh_per_1m, kwh_per_1m * inputs.grid_gco2_per_kwh
    )


def as_dict(inputs: TCOInputs, result: TCOResult) -> dict[str, float]:
    return {**asdict(inputs), **asdict(result)}
