import json
import os

import pytest

from loadtests.fake_openai_backend import FakeEngine
from services.gateway.key_file import KeyFile, KeyFileError, export_keys, parse_keys
from services.gateway.keys import KeyHasher, KeyPepperMismatch, KeyStore
from tests.conftest import make_gateway_app


def write(path, document):
    # as kubelet does for a mounted Secret: a new file swapped in, never rewritten in place
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(document))
    os.replace(tmp, path)


def test_export_holds_hashes_and_limits_never_keys(tmp_path):
    store = KeyStore(tmp_path / "keys.db")
    key, principal = store.create("team-a", models=["m"], rpm=60, team="research")
    revoked, gone = store.create("old")
    store.revoke(gone.key_id)
    document = export_keys(store)
    text = json.dumps(document)
    assert key not in text and revoked not in text
    assert [k["key_id"] for k in document["keys"]] == [principal.key_id]
    assert document["keys"][0] | {"created_at": 0} == {
        "key_id": principal.key_id,
        "key_hash": document["keys"][0]["key_hash"],
        "name": "team-a",
        "models": ["m"],
        "rpm": 60,
        "tpm": None,
        "team": "research",
        "created_at": 0,
    }
    assert parse_keys(document)[document["keys"][0]["key_hash"]].team == "research"


def test_key_file_looks_up_exported_keys_and_follows_changes(tmp_path):
    store = KeyStore(tmp_path / "keys.db")
    key, principal = store.create("team-a", models=["m"], tpm=1000)
    path = tmp_path / "keys.json"
    write(path, export_keys(store))
    keys = KeyFile(path)
    found = keys.lookup(key)
    assert found is not None and found.key_id == principal.key_id and found.models == ("m",) and found.tpm == 1000
    assert keys.lookup(key + "x") is None

    store.revoke(principal.key_id)
    write(path, export_keys(store))
    assert keys.lookup(key) is None, "a revocation synced to the file takes effect on the next lookup"


def test_bad_file_keeps_last_good_keys_and_a_deleted_file_revokes_them(tmp_path):
    store = KeyStore(tmp_path / "keys.db")
    key, _ = store.create("a")
    path = tmp_path / "keys.json"
    write(path, export_keys(store))
    keys = KeyFile(path)
    path.with_suffix(".tmp").write_text("{not json")
    os.replace(path.with_suffix(".tmp"), path)
    assert keys.lookup(key) is not None, "a half-written or garbled file keeps the keys last loaded"
    path.unlink()
    assert keys.lookup(key) is None, "a deleted key file (Secret) revokes every key"
    write(path, export_keys(store))
    assert keys.lookup(key) is not None, "and a synced file brings them back"
    (tmp_path / "key_pepper").unlink()
    assert keys.lookup(key) is None, "without its pepper no key can be checked"


def test_key_file_with_another_pepper_accepts_no_key(tmp_path):
    store = KeyStore(tmp_path / "keys.db")
    key, _ = store.create("a")
    path = tmp_path / "keys.json"
    write(path, export_keys(store))
    assert KeyFile(path).lookup(key) is not None
    assert KeyFile(path, pepper=b"x" * 40).lookup(key) is None
    with pytest.raises(KeyPepperMismatch):
        parse_keys(export_keys(store), KeyHasher(b"x" * 40))


def test_version_1_file_of_sha256_hashes_is_still_read(tmp_path):
    import hashlib

    key = "sk-llmops-" + "b" * 32
    path = tmp_path / "keys.json"
    write(
        path,
        {
            "version": 1,
            "keys": [{"key_id": "key_1", "name": "old", "key_hash": hashlib.sha256(key.encode()).hexdigest()}],
        },
    )
    (tmp_path / "key_pepper").write_text("p" * 64)
    keys = KeyFile(path)
    assert keys.lookup(key).key_id == "key_1" and keys.lookup(key + "x") is None


def test_missing_file_at_start_means_no_keys(tmp_path):
    assert KeyFile(tmp_path / "absent.json").lookup("sk-llmops-anything") is None


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ([], "expected"),
        ({"version": 3, "keys": []}, "expected"),
        ({"version": 1, "keys": []}, "pepper"),
        ({"version": 2, "keys": [{"key_id": "a", "name": "n", "key_hash": "abc"}]}, "64 hex"),
        ({"version": 2, "keys": [{"key_id": "a", "key_hash": "0" * 64}]}, "name"),
        ({"version": 2, "keys": [{"key_id": "a", "name": "n", "key_hash": "0" * 64, "rpm": 0}]}, "rpm"),
    ],
)
def test_parse_rejects_bad_documents(document, fragment):
    with pytest.raises(KeyFileError, match=fragment):
        parse_keys(document)


async def test_gateway_authenticates_from_key_file(tmp_path):
    import httpx

    store = KeyStore(tmp_path / "keys.db")
    key, _ = store.create("team-a", models=["fake-chat"])
    path = tmp_path / "keys.json"
    write(path, export_keys(store))
    app = make_gateway_app({"fake-chat": FakeEngine("fake-chat")}, {"fake-chat": "generate"}, keys=KeyFile(path))
    body = {"model": "fake-chat", "messages": [{"role": "user", "content": "hi"}]}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        ok = await client.post("/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"})
        bad = await client.post("/v1/chat/completions", json=body, headers={"Authorization": "Bearer sk-llmops-wrong"})
    assert ok.status_code == 200, ok.text
    assert bad.status_code == 401 and bad.json()["error"]["type"]
