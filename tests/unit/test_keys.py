from services.gateway.keys import PREFIX, KeyStore


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
    import sqlite3

    from services.gateway.keys import KeyStore

    db = tmp_path / "old.db"
    old = sqlite3.connect(db)
    old.execute(
        "CREATE TABLE api_keys (key_id TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
        " models TEXT, rpm INTEGER, tpm INTEGER, created_at REAL NOT NULL, revoked_at REAL)"
    )
    old.execute("INSERT INTO api_keys VALUES ('sk-llmops-abcd', 'h', 'legacy', NULL, NULL, NULL, 1.0, NULL)")
    old.commit()
    old.close()
    store = KeyStore(db)
    assert store.list()[0].team is None
    key, principal = store.create("new", team="ml")
    assert principal.team == "ml" and store.lookup(key).team == "ml"


def test_key_ids_reveal_no_character_of_the_key(tmp_path):
    from services.gateway.keys import PREFIX, KeyStore

    store = KeyStore(tmp_path / "ids.db")
    for _ in range(20):
        key, principal = store.create("x")
        secret = key[len(PREFIX) :]
        assert principal.key_id.startswith("key_") and secret[:4] not in principal.key_id
        assert store.lookup(key).key_id == principal.key_id
