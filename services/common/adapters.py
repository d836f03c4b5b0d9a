"""LoRA adapters served on their base model's vLLM engine (multi-LoRA): reading and checking an
adapter folder before anything is deployed.

An adapter is a PEFT folder (``adapter_config.json`` + weights), from a models-file entry with
``backend: lora`` or from a registry version of kind ``lora``. The engine of its base model is
started with LoRA on (``max_lora_rank`` in the base's spec); a request for the adapter goes to that
engine with the adapter's folder as Ray Serve's multiplexed model id, and vLLM applies it to that
request only (``services/engine/server.py`` loads it, ``services/gateway/engines.py`` sends it).

Every check here runs before an engine starts, so a bad adapter is a one-line error, never a
failed deployment: a missing folder, a folder without ``adapter_config.json``, a rank above the
base engine's ``max_lora_rank``, an adapter trained on another base model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from services.common.models import ModelSpec

ADAPTER_CONFIG = "adapter_config.json"


class AdapterError(ValueError):
    """An adapter cannot be served as configured; the message names the adapter and the problem."""


@dataclass(frozen=True)
class Adapter:
    """What llmops needs from an adapter folder."""

    path: Path  # absolute
    rank: int
    base_model: str | None  # PEFT's base_model_name_or_path, as written at training time


def read_adapter(path: Path | str, *, what: str = "adapter") -> Adapter:
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise AdapterError(f"{what}: adapter folder {folder} does not exist")
    config_file = folder / ADAPTER_CONFIG
    if not config_file.is_file():
        raise AdapterError(f"{what}: {folder} is not a LoRA adapter folder (no {ADAPTER_CONFIG})")
    try:
        config = json.loads(config_file.read_text())
    except (OSError, ValueError) as exc:
        raise AdapterError(f"{what}: {config_file} cannot be read: {exc}") from None
    if str(config.get("peft_type", "LORA")).upper() != "LORA":
        raise AdapterError(f"{what}: {folder} is a {config.get('peft_type')} adapter; only LoRA is served")
    ranks = [config.get("r") or 0, *(config.get("rank_pattern") or {}).values()]
    rank = max(int(r) for r in ranks)
    if rank < 1:
        raise AdapterError(f"{what}: {config_file} has no LoRA rank 'r'")
    return Adapter(folder.resolve(), rank, config.get("base_model_name_or_path") or None)


def check_rank(adapter: Adapter, base: ModelSpec, *, what: str = "adapter") -> None:
    if base.max_lora_rank is None:
        raise AdapterError(
            f"{what}: model '{base.name}' is served without LoRA; set max_lora_rank (>= {adapter.rank}) on it"
        )
    if adapter.rank > base.max_lora_rank:
        raise AdapterError(
            f"{what}: LoRA rank {adapter.rank} is above model '{base.name}''s max_lora_rank {base.max_lora_rank}"
        )


def same_base(adapter_base: str | None, base_folder: Path) -> bool:
    """Whether the base an adapter was trained on is ``base_folder``: the same folder when the
    recorded base is a local path, else the same last path component (a hub id's name)."""
    if not adapter_base:
        return True  # nothing recorded: vLLM still checks the weights' shapes when it loads them
    recorded = Path(adapter_base).expanduser()
    if recorded.is_dir():
        return recorded.resolve() == base_folder.resolve()
    return recorded.name == base_folder.name


def spec_folder(spec: ModelSpec, store: Path) -> Path:
    """A spec's source: a model-store name, else a path (relative to the working directory)."""
    assert spec.source is not None
    candidate = Path(store) / spec.source
    return candidate.resolve() if candidate.is_dir() else Path(spec.source).expanduser().resolve()


def resolve_adapter_specs(specs: Sequence[ModelSpec], store: Path) -> list[ModelSpec]:
    """``specs`` with every ``backend: lora`` entry checked against its base and its source made
    an absolute folder path (what the engine loads). Raises AdapterError."""
    by_name = {s.name: s for s in specs}
    out = []
    for spec in specs:
        if spec.backend == "lora":
            what = f"model '{spec.name}'"
            base = by_name[spec.base or ""]  # the models file's validation guarantees it
            adapter = read_adapter(spec_folder(spec, store), what=what)
            check_rank(adapter, base, what=what)
            # a base in its own engine application is listed without source (own_app): its folder
            # is not known here, so the trained-on check is left to whoever has the source
            base_folder = spec_folder(base, store) if base.source else None
            if base_folder is not None and not same_base(adapter.base_model, base_folder):
                raise AdapterError(
                    f"{what}: the adapter was trained on {adapter.base_model}, not on model "
                    f"'{base.name}' ({base_folder})"
                )
            spec = spec.model_copy(update={"source": str(adapter.path), "max_model_len": base.max_model_len})
        out.append(spec)
    return out
