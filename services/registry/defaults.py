"""Register the embedded default model as version 1 of its registered model (idempotent).

``make serve`` runs ``llmops registry ensure-default`` before starting the stack: the first run
registers the model-store folder (no copy) and makes it the champion; later runs find the same
artifact (by the checksum of its manifest) and change nothing.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from services.registry.service import ModelRegistry, RegistryError, VersionInfo


def manifest_digest(folder: Path) -> str:
    """sha256 of a model-store folder's per-file checksums (cheap: the files are not read again)."""
    from services.engine.model_store import MANIFEST

    manifest = Path(folder) / MANIFEST
    if not manifest.is_file():
        raise RegistryError(f"{folder} is not an imported model (no {MANIFEST}); run `llmops models import`")
    files = json.loads(manifest.read_text())["files"]
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


def ensure_default_model(
    registry: ModelRegistry, model_store: Path, name: str | None = None
) -> tuple[VersionInfo, bool]:
    """The registered version of the model-store model ``name``; registers it first if missing.

    Returns (version, created). A model with no champion gets this version as its champion."""
    name = name or registry.settings.default_model
    folder = Path(model_store).expanduser().resolve() / name
    digest = manifest_digest(folder)
    existing = registry.find_version(name, artifact_sha256=digest)
    created = existing is None
    if existing is None:
        manifest = json.loads((folder / "llmops-manifest.json").read_text())
        existing = registry.register(
            name,
            folder,
            kind="hf",
            tags={
                "base_model": name,
                "quantization": "none",
                "dtype": manifest.get("dtype", ""),
                "source_sha256": manifest.get("source", ""),
                "artifact_sha256": digest,
                "origin": "embedded-default",
            },
            description="The embedded default model from the local model store.",
        )
    if "champion" not in registry.aliases(name):
        registry.set_alias(name, "champion", existing.version)
        existing = registry.get_version(name, existing.version)
    return existing, created
