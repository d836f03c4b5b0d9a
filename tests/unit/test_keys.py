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
    assert key[len(PREFIX):].encode() not in raw


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
