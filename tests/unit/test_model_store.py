import json

import pytest
from typer.testing import CliRunner

from services.cli import app
from services.engine.model_store import MANIFEST, ModelStore, ModelStoreError


@pytest.fixture
def hf_folder(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "llama"}))
    (folder / "model.safetensors").write_bytes(b"\x00" * 1024)
    return folder


def test_import_is_idempotent_and_verified(tmp_path, hf_folder):
    store = ModelStore(tmp_path / "store")
    model, changed = store.import_model(hf_folder, "tiny")
    assert changed and set(model.files) == {"config.json", "model.safetensors"}
    assert (model.path / MANIFEST).is_file()
    _, changed = store.import_model(hf_folder, "tiny")
    assert not changed, "an intact copy of the same source is kept"
    assert store.verify("tiny") == []


def test_damaged_copy_is_detected_and_reimported(tmp_path, hf_folder):
    store = ModelStore(tmp_path / "store")
    model, _ = store.import_model(hf_folder, "tiny")
    (model.path / "model.safetensors").write_bytes(b"\x01" * 1024)
    assert store.verify("tiny") == ["model.safetensors"]
    _, changed = store.import_model(hf_folder, "tiny")
    assert changed and store.verify("tiny") == []


def test_changed_source_is_reimported(tmp_path, hf_folder):
    store = ModelStore(tmp_path / "store")
    store.import_model(hf_folder, "tiny")
    (hf_folder / "model.safetensors").write_bytes(b"\x02" * 2048)
    _, changed = store.import_model(hf_folder, "tiny")
    assert changed


def test_bad_sources(tmp_path):
    store = ModelStore(tmp_path / "store")
    with pytest.raises(ModelStoreError, match="does not exist"):
        store.import_model(tmp_path / "missing", "x")
    (tmp_path / "notes.txt").write_text("hi")
    with pytest.raises(ModelStoreError, match="neither a .gguf file nor an HF folder"):
        store.import_model(tmp_path / "notes.txt", "x")
    assert not list((tmp_path / "store").glob(".x.tmp-*")), "no half-written staging folder is left"


def test_cli_models_and_keys(tmp_path, hf_folder):
    runner = CliRunner()
    r = runner.invoke(app, ["models", "import", str(hf_folder), "--name", "tiny", "--store", str(tmp_path / "s")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["models", "verify", "tiny", "--store", str(tmp_path / "s")])
    assert r.exit_code == 0 and "match" in r.output
    r = runner.invoke(app, ["models", "import", str(hf_folder), "--store", str(tmp_path / "s")])
    assert r.exit_code != 0 and "--name" in r.output

    db = str(tmp_path / "keys.db")
    r = runner.invoke(app, ["keys", "create", "team", "--rpm", "5", "--db", db])
    assert r.exit_code == 0
    key = r.stdout.strip().splitlines()[-1]
    assert key.startswith("sk-llmops-")
    listed = runner.invoke(app, ["keys", "list", "--db", db]).stdout
    assert "team" in listed and key not in listed
    key_id = r.stderr.split("created key id ")[1].split()[0]
    assert key_id.startswith("key_") and key[10:14] not in key_id
    assert runner.invoke(app, ["keys", "revoke", key_id, "--db", db]).exit_code == 0
    assert runner.invoke(app, ["keys", "revoke", key_id, "--db", db]).exit_code == 1


@pytest.mark.parametrize("name", ["..", ".", "../x", "a/b", "/abs", "", ".hidden", "a/../b", "x" * 129])
def test_unsafe_names_never_touch_anything_outside_the_store(tmp_path, hf_folder, name):
    outside = tmp_path / "var"
    outside.mkdir()
    (outside / "keys.db").write_text("secret")
    store = ModelStore(outside / "models")
    store.import_model(hf_folder, "kept")
    with pytest.raises(ModelStoreError, match="Invalid model name"):
        store.import_model(hf_folder, name, force=True)
    assert (outside / "keys.db").read_text() == "secret" and store.verify("kept") == []
    r = CliRunner().invoke(app, ["models", "import", str(hf_folder), "--name", name, "--store", str(store.root)])
    assert r.exit_code != 0 and (outside / "keys.db").exists() and store.get("kept") is not None
