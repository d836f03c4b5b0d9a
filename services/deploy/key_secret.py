"""``llmops deploy keys sync``: the active API keys (hashes and limits) into the gateway's Secret.

The Secret's ``keys.json`` is the key file the chart mounts into every Ray pod
(services/gateway/key_file.py); it never holds a plaintext key. Its ``key_pepper`` is the
store's pepper, which the gateway needs to check a key against the keyed hashes.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from kubernetes import client

from services.gateway.key_file import export_keys
from services.gateway.keys import KeyStore

DATA_KEY = "keys.json"
PEPPER_KEY = "key_pepper"


@dataclass
class SyncResult:
    secret: str
    created: bool
    changed: bool
    key_ids: list[str]


def sync_keys(
    api: client.ApiClient, store: KeyStore, *, namespace: str, secret: str, dry_run: bool = False
) -> SyncResult:
    """Write the store's active keys into ``secret`` (create it if missing). Unchanged content
    is not written again."""
    document = export_keys(store)
    encoded = base64.b64encode(json.dumps(document, sort_keys=True).encode()).decode()
    pepper = base64.b64encode(store.hasher.pepper).decode()
    data = {DATA_KEY: encoded, PEPPER_KEY: pepper}
    key_ids = [k["key_id"] for k in document["keys"]]
    core = client.CoreV1Api(api)
    try:
        existing = core.read_namespaced_secret(secret, namespace)
    except client.ApiException as exc:
        if exc.status != 404:
            raise
        existing = None
    if existing is None:
        if not dry_run:
            body = client.V1Secret(
                metadata=client.V1ObjectMeta(
                    name=secret,
                    labels={"app.kubernetes.io/managed-by": "llmops", "app.kubernetes.io/part-of": "llmops"},
                ),
                type="Opaque",
                data=data,
            )
            core.create_namespaced_secret(namespace, body)
        return SyncResult(secret, True, True, key_ids)
    current = existing.data or {}
    changed = (
        current.get(DATA_KEY) is None
        or json.loads(base64.b64decode(current[DATA_KEY])) != document
        or current.get(PEPPER_KEY) != pepper
    )
    if changed and not dry_run:
        core.patch_namespaced_secret(secret, namespace, {"data": data})
    return SyncResult(secret, False, changed, key_ids)
