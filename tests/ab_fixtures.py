"""Experiment definitions for the A/B tests (the shape of config/experiments.yaml), built in one
place: a control on the champion and a treatment on the challenger, anything else overridden; and
the settings of a stack that routes them."""

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


def routing_stack_env(tmp_path: Path, experiments: Path, model_store: Path) -> dict[str, str]:
    """``llmops serve`` settings for a stack of a test's own that routes ``experiments``: the router
    on with its store, safety and RAG off, the models from ``model_store``, and the keys, ledger,
    request log and Ray metrics port the test's alone."""
    from services.cli.local_stack import free_port

    return {
        "LLMOPS_ROUTER_ENABLED": "true",
        "LLMOPS_ROUTER_EXPERIMENTS_FILE": str(experiments),
        "LLMOPS_ROUTER_STORE_URL": f"sqlite:///{tmp_path / 'ab.db'}",
        "LLMOPS_SAFETY_ENABLED": "false",
        "LLMOPS_RAG_ENABLED": "false",
        "LLMOPS_MODEL_STORE": str(model_store),
        "LLMOPS_GATEWAY_KEYS_DB": str(tmp_path / "keys.db"),
        "LLMOPS_GATEWAY_LEDGER_DB": str(tmp_path / "ledger.db"),
        "LLMOPS_GATEWAY_REQUEST_LOG_PATH": str(tmp_path / "requests.jsonl"),
        "LLMOPS_RAY_METRICS_PORT": str(free_port()),
    }
