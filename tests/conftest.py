from __future__ import annotations

import os

# Before anything imports Ray: a single-node Ray that stays on 127.0.0.1, no token files, no hub.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from collections.abc import Mapping
from pathlib import Path

import httpx
import pytest

from loadtests.fake_openai_backend import FakeEngine
from services.cli.local_stack import free_port
from services.common.engine import Engine
from services.common.models import ModelSpec
from services.gateway.config import GatewaySettings
from services.gateway.key_file import KeyFile
from services.gateway.keys import KeyStore
from services.gateway.pipeline import Stage
from services.gateway.routes import build_fastapi
from services.gateway.service import GatewayService
from services.gateway.wiring import Clients, build_gateway

# Session fixtures are imported here, once: a fixture imported into several test modules is built once per module.
from tests.quantized_fixtures import int4_version  # noqa: F401
from tests.registry_fixtures import mlflow_template  # noqa: F401
from tests.unit.safety_fixtures import pii_detector, pii_tagger_path, safety_models_dir, safety_service  # noqa: F401


def make_gateway(
    engines: Mapping[str, Engine],
    tasks: Mapping[str, str],
    *,
    keys: KeyStore | KeyFile | None,
    request_timeout_s: float = 30.0,
    stages: Mapping[str, Stage] | None = None,
    clients: Clients | None = None,
    safety: dict | None = None,
    contexts: Mapping[str, int] | None = None,
) -> GatewayService:
    """A gateway from the real composition root, on fake engines; budgets and the request log
    off unless ``stages`` puts them in; ``contexts``: a model's ``max_model_len`` other than the default."""
    settings = GatewaySettings(
        auth_disabled=keys is None,
        keys_db=keys.path if isinstance(keys, KeyStore) else Path("unused-keys.db"),
        keys_file=keys.path if isinstance(keys, KeyFile) else None,
        quota_backend="local",
        budgets_enabled=False,
        request_log_enabled=False,
        audit_enabled=False,
        request_timeout_s=request_timeout_s,
    )
    contexts = contexts or {}
    specs = [
        ModelSpec(name=name, task=task, source=name, **({"max_model_len": contexts[name]} if name in contexts else {}))
        for name, task in tasks.items()
    ]
    return build_gateway(settings, specs, engines=engines, stages=stages, clients=clients, safety=safety)


def make_gateway_app(engines: Mapping[str, Engine], tasks: Mapping[str, str], **kwargs):
    service = make_gateway(engines, tasks, **kwargs)

    async def ready() -> bool:
        return True

    return build_fastapi(lambda: service, is_ready=ready)


@pytest.fixture
def keys(tmp_path: Path) -> KeyStore:
    return KeyStore(tmp_path / "keys.db")


@pytest.fixture
def chat_engine() -> FakeEngine:
    return FakeEngine("fake-chat")


@pytest.fixture
def embed_engine() -> FakeEngine:
    return FakeEngine("fake-embed")


@pytest.fixture
def gateway_app(keys: KeyStore, chat_engine: FakeEngine, embed_engine: FakeEngine):
    return make_gateway_app(
        {"fake-chat": chat_engine, "fake-embed": embed_engine},
        {"fake-chat": "generate", "fake-embed": "embed"},
        keys=keys,
    )


@pytest.fixture
def api_key(keys: KeyStore) -> str:
    return keys.create("tests")[0]


@pytest.fixture
async def client(gateway_app, api_key: str):
    transport = httpx.ASGITransport(app=gateway_app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://gateway", headers={"Authorization": f"Bearer {api_key}"}
    ) as c:
        yield c


class LiveServer:
    """Runs an ASGI app with uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, app):
        import threading

        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", timeout_graceful_shutdown=1
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        import time

        self.thread.start()
        deadline = time.time() + 10
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)
