import hmac

import pytest

from services.gateway.keys import PREFIX, KeyPepperMismatch, KeyStore


def test_create_lookup_revoke(tmp_path):
    store = KeyStore(tmp_path / "keys.db")
    key, principal = store.create("team-a", models=["m1"], rpm=10, tpm=1000)
    assert key.startswith(PREFIX) and len(key) > 40
    found = store.lookup(key)
    assert found is not None and found.name == "team-a" and found.models == ("m1",) and found.rpm == 10
    assert found.may_use("m1") and not found.may_use("m2")
    assert store.lookup(key + "x") is None
    assert store.revoke(principal.key_id)
    assert store.lookup(key) is None
    assert not store.revoke(principal.key_id), "a key is revoked once"


def test_keys_are_stored_hashed(tmp_path):
    store = KeyStore(tmp_path / "keys.db")
    key, _ = store.create("team-a")
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert key.encode() not in raw
    assert key[len(PREFIX) :].encode() not in raw


def test_revocation_by_another_process_is_seen_at_once(tmp_path):
    gateway_view = KeyStore(tmp_path / "keys.db")
    cli_view = KeyStore(tmp_path / "keys.db")
    key, principal = cli_view.create("team-a")
    assert gateway_view.lookup(key) is not None
    cli_view.revoke(principal.key_id)
    assert gateway_view.lookup(key) is None


def test_acknowledged_key_survives_a_crash(tmp_path):
    store = KeyStore(tmp_path / "keys.db")
    key, _ = store.create("team-a")
    del store  # no close, no checkpoint: as if the process died
    assert KeyStore(tmp_path / "keys.db").lookup(key) is not None


def test_team_is_optional_and_old_databases_gain_the_column(tmp_path):
    import hashlib
    import sqlite3

    from services.gateway.keys import KeyStore

    db = tmp_path / "old.db"
    old = sqlite3.connect(db)
    old.execute(
        "CREATE TABLE api_keys (key_id TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
        " models TEXT, rpm INTEGER, tpm INTEGER, created_at REAL NOT NULL, revoked_at REAL)"
    )
    legacy_key = "sk-llmops-" + "a" * 32
    old.execute(
        "INSERT INTO api_keys VALUES ('key_1', ?, 'legacy', NULL, NULL, NULL, 1.0, NULL)",
        (hashlib.sha256(legacy_key.encode()).hexdigest(),),
    )
    old.commit()
    old.close()
    store = KeyStore(db)
    assert store.list()[0].team is None
    assert store.lookup(legacy_key).key_id == "key_1", "a key from before peppering still works after the migration"
    key, principal = store.create("new", team="ml")
    assert principal.team == "ml" and store.lookup(key).team == "ml"


def test_key_ids_reveal_no_character_of_the_key(tmp_path):
    store = KeyStore(tmp_path / "ids.db")
    for _ in range(20):
        key, principal = store.create("x")
        secret = key[len(PREFIX) :]
        assert principal.key_id.startswith("key_") and secret[:4] not in principal.key_id
        assert store.lookup(key).key_id == principal.key_id


def test_stored_hash_is_keyed_with_a_private_pepper(tmp_path):
    import hashlib
    import sqlite3
    import stat

    store = KeyStore(tmp_path / "keys.db")
    key, principal = store.create("team-a")
    pepper_file = tmp_path / "key_pepper"
    assert stat.S_IMODE(pepper_file.stat().st_mode) == 0o600, "the pepper is created private to its owner"
    pepper = pepper_file.read_bytes().strip()
    assert len(pepper) >= 32
    (stored,) = sqlite3.connect(tmp_path / "keys.db").execute("SELECT key_hash FROM api_keys").fetchone()
    assert stored != hashlib.sha256(key.encode()).hexdigest(), (
        "not a plain SHA-256: the database alone confirms nothing"
    )
    assert stored == hmac.new(pepper, hashlib.sha256(key.encode()).digest(), hashlib.sha256).hexdigest()
    # an explicit pepper (a setting, a Secret) is used instead of the file
    other = KeyStore(tmp_path / "other.db", pepper=b"p" * 40)
    other_key, _ = other.create("b")
    assert other.lookup(other_key) is not None and not (tmp_path / "other_pepper").exists()


def test_a_store_opened_with_another_pepper_is_refused_clearly(tmp_path):
    store = KeyStore(tmp_path / "keys.db", pepper=b"a" * 40)
    store.create("team-a")
    store.close()
    with pytest.raises(KeyPepperMismatch, match="another pepper"):
        KeyStore(tmp_path / "keys.db", pepper=b"b" * 40)
    with pytest.raises(ValueError, match="at least 32"):
        KeyStore(tmp_path / "short.db", pepper=b"short")


def test_lookup_compares_digests_in_constant_time(tmp_path, monkeypatch):
    from services.gateway import keys as keys_module

    store = KeyStore(tmp_path / "keys.db")
    key, _ = store.create("team-a")
    calls = []
    real = keys_module.hmac.compare_digest
    monkeypatch.setattr(keys_module.hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    assert store.lookup(key) is not None and calls, "the match is confirmed with hmac.compare_digest"
