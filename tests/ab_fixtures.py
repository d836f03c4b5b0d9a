"""Experiment definitions for the A/B tests (the shape of config/experiments.yaml), built in one
place: a control on the champion and a treatment on the challenger, anything else overridden."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def ab_experiment(model: str, *, name: str = "exp", weights: tuple[float, float] = (0.5, 0.5), **fields: Any) -> dict:
    """One experiment: ``control`` (champion) and ``treatment`` (challenger) at ``weights``;
    ``fields`` (variants, shadow, canary, override_keys, ...) replace or add keys."""
    return {
        "name": name,
        "model": model,
        "variants": [
            {"name": "control", "version": "champion", "weight": weights[0]},
            {"name": "treatment", "version": "challenger", "weight": weights[1]},
        ],
        **fields,
    }


def write_experiments(path: Path, *experiments: dict) -> Path:
    """An experiments file holding ``experiments`` (JSON is YAML)."""
    path.write_text(json.dumps({"experiments": list(experiments)}))
    return path
