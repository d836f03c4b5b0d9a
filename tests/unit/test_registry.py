"""The model registry over a real MLflow (SQLite file in a temporary folder)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.registry.config import RegistrySettings
from services.registry.defaults import ensure_default_model
from services.registry.service import ModelRegistry, RegistryError
from tests.registry_fixtures import fresh_registry


@pytest.fixture(scope="module")
def registry_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mlflow")


@pytest.fixture(scope="module")
def registry(registry_root: Path, mlflow_template: Path) -> ModelRegistry:
    return fresh_registry(mlflow_template, registry_root)


@pytest.fixture
def name() -> str:
    return f"m-{uuid.uuid4().hex[:8]}"


def hf_folder(root: Path, label: str = "a") -> Path:
    folder = root / f"hf-{label}-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"label": label}))
    (folder / "model.safetensors").write_bytes(label.encode() * 100)
    return folder


def test_default_tracking_uri_is_an_absolute_sqlite_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LLMOPS_REGISTRY_TRACKING_URI", raising=False)
    assert RegistrySettings().resolved_tracking_uri() == f"sqlite:///{tmp_path / 'var/mlflow/mlflow.db'}"
    relative = RegistrySettings(tracking_uri="sqlite:///x/r.db").resolved_tracking_uri()
    assert relative == f"sqlite:///{tmp_path / 'x/r.db'}"
    assert RegistrySettings(tracking_uri="http://mlflow:5000").resolved_tracking_uri() == "http://mlflow:5000"


def test_mlflow_runs_offline_and_quiet(tmp_path: Path, mlflow_template: Path, monkeypatch) -> None:
    """README Registry: "MLflow runs offline and quiet (telemetry off, its loggers at WARNING)";
    a value the operator set in the environment is kept."""
    import logging
    import os

    for variable in ("MLFLOW_DISABLE_TELEMETRY", "DO_NOT_TRACK", "MLFLOW_LOGGING_LEVEL"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("MLFLOW_LOGGING_LEVEL", "ERROR")
    logging.getLogger("mlflow").setLevel(logging.DEBUG)
    fresh_registry(mlflow_template, tmp_path / "r").list_models()
    assert os.environ["MLFLOW_DISABLE_TELEMETRY"] == "true" and os.environ["DO_NOT_TRACK"] == "true"
    assert os.environ["MLFLOW_LOGGING_LEVEL"] == "ERROR"
    assert logging.getLogger("mlflow").level == logging.WARNING


def test_register_records_artifact_tags_and_metrics(registry: ModelRegistry, tmp_path: Path, name: str) -> None:
    folder = hf_folder(tmp_path)
    v = registry.register(
        name,
        folder,
        tags={"base_model": "smollm2", "quantization": "none", "data_hash": "abc", "code_version": "1.2"},
        metrics={"pubmedqa_accuracy": 0.61},
        alias="champion",
    )
    assert v.version == 1 and v.kind == "hf" and v.aliases == ("champion",)
    assert v.local_path() == folder.resolve()
    assert v.tags["base_model"] == "smollm2" and v.tags["data_hash"] == "abc" and len(v.tags["artifact_sha256"]) == 64
    assert v.metrics == {"pubmedqa_accuracy": 0.61}
    run = registry.client.get_run(v.run_id)
    assert run.data.metrics["pubmedqa_accuracy"] == pytest.approx(0.61)
    assert registry.get_version(name, "champion").version == 1
    assert registry.find_version(name, data_hash="abc").version == 1
    assert registry.find_version(name, data_hash="other") is None


def test_copy_puts_the_artifact_in_the_artifact_store(
    registry: ModelRegistry, registry_root: Path, tmp_path: Path, name: str
) -> None:
    v = registry.register(name, hf_folder(tmp_path, "copied"), copy=True)
    local = v.local_path()
    assert local is not None and local.is_relative_to(registry_root / "artifacts")
    assert (local / "config.json").is_file() and (local / "model.safetensors").read_bytes() == b"copied" * 100


def test_lora_and_quantized_kinds(registry: ModelRegistry, tmp_path: Path, name: str) -> None:
    base = registry.register(name, hf_folder(tmp_path))
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    lora = registry.register(name, adapter, kind="lora", tags={"parent_version": base.version, "base_model": name})
    quant = registry.register(
        name, hf_folder(tmp_path, "q"), kind="quantized", tags={"parent_version": lora.version, "quantization": "int8"}
    )
    assert [v.version for v in registry.lineage(name, quant.version)] == [3, 2, 1]
    assert registry.get_version(name, 2).kind == "lora"


def test_bad_requests_are_refused_before_anything_changes(registry: ModelRegistry, tmp_path: Path, name: str) -> None:
    with pytest.raises(RegistryError, match="does not exist"):
        registry.register(name, tmp_path / "missing")
    with pytest.raises(RegistryError, match="not registered"):
        registry.get_model(name)  # the refused register created nothing
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RegistryError, match="LoRA adapter"):
        registry.register(name, empty, kind="lora")
    with pytest.raises(RegistryError, match="HF model folder"):
        registry.register(name, empty)
    registry.register(name, hf_folder(tmp_path), alias="champion")
    with pytest.raises(RegistryError, match="no version"):
        registry.set_alias(name, "challenger", 7)
    with pytest.raises(RegistryError, match="alias must be"):
        registry.set_alias(name, "best", 1)
    with pytest.raises(RegistryError, match="no version"):
        registry.register(name, hf_folder(tmp_path), tags={"parent_version": 9})
    assert registry.aliases(name) == {"champion": 1}
    assert len(registry.get_model(name).versions) == 1
    with pytest.raises(RegistryError, match="no challenger"):
        registry.promote(name)
    with pytest.raises(RegistryError, match="no previous champion"):
        registry.rollback(name)


def test_promote_and_rollback(registry: ModelRegistry, tmp_path: Path, name: str) -> None:
    registry.register(name, hf_folder(tmp_path), alias="champion")
    registry.register(name, hf_folder(tmp_path), alias="challenger")
    assert registry.promote(name) == 2
    assert registry.aliases(name) == {"champion": 2}
    registry.register(name, hf_folder(tmp_path), alias="challenger")
    assert registry.promote(name) == 3
    assert registry.get_model(name).champion_history == [1, 2]
    assert registry.rollback(name) == 2
    assert registry.rollback(name) == 1
    assert registry.aliases(name) == {"champion": 1}
    with pytest.raises(RegistryError):
        registry.rollback(name)


def test_default_model_is_version_one_idempotently(registry: ModelRegistry, tmp_path: Path) -> None:
    store = tmp_path / "store"
    folder = hf_folder(tmp_path)
    store.mkdir()
    folder.rename(store / "tiny")
    (store / "tiny" / "llmops-manifest.json").write_text(
        json.dumps({"source": "s" * 64, "dtype": "float32", "files": {"config.json": "1" * 64}})
    )
    first, created = ensure_default_model(registry, store, "tiny")
    again, created_again = ensure_default_model(registry, store, "tiny")
    assert (first.version, created, first.aliases) == (1, True, ("champion",))
    assert (again.version, created_again) == (1, False)
    assert len(registry.get_model("tiny").versions) == 1
    assert first.tags["origin"] == "embedded-default" and first.tags["dtype"] == "float32"
    with pytest.raises(RegistryError, match="not an imported model"):
        ensure_default_model(registry, store, "absent")


def test_cli(registry_root: Path, tmp_path: Path, name: str) -> None:
    from services.cli import app

    uri = ["--tracking-uri", f"sqlite:///{registry_root / 'mlflow.db'}"]
    runner = CliRunner()
    out = runner.invoke(app, ["registry", "register", name, str(hf_folder(tmp_path)), "--tag", "base_model=b", *uri])
    assert out.exit_code == 0, out.output
    out = runner.invoke(
        app,
        ["registry", "register", name, str(hf_folder(tmp_path)), "--metric", "acc=0.5", "--alias", "challenger", *uri],
    )
    assert out.exit_code == 0, out.output
    assert runner.invoke(app, ["registry", "alias", name, "champion", "1", *uri]).exit_code == 0
    bad = runner.invoke(app, ["registry", "alias", name, "champion", "5", *uri])
    assert bad.exit_code == 2 and "no version" in bad.output
    shown = runner.invoke(app, ["registry", "show", name, "--json", *uri])
    payload = json.loads(shown.stdout)
    assert payload["aliases"] == {"champion": 1, "challenger": 2}
    assert payload["versions"][1]["metrics"] == {"acc": 0.5}
    assert runner.invoke(app, ["registry", "promote", name, *uri]).exit_code == 0
    listed = json.loads(runner.invoke(app, ["registry", "list", "--json", *uri]).stdout)
    assert {"name": name, "aliases": {"champion": 2}, "versions": 2} in listed
    assert runner.invoke(app, ["registry", "rollback", name, *uri]).exit_code == 0
    one = json.loads(runner.invoke(app, ["registry", "show", name, "champion", "--json", *uri]).stdout)
    assert one["version"]["version"] == 1
    # README: `registry alias NAME champion|challenger VERSION` / `--delete`
    assert runner.invoke(app, ["registry", "alias", name, "challenger", "2", *uri]).exit_code == 0
    assert runner.invoke(app, ["registry", "alias", name, "challenger", "--delete", *uri]).exit_code == 0
    shown = json.loads(runner.invoke(app, ["registry", "show", name, "--json", *uri]).stdout)
    assert shown["aliases"] == {"champion": 1}
