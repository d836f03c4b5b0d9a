"""The real stack (Ray Serve + vLLM + the embedded models), started once with ``llmops serve`` on
a free 127.0.0.1 port for the integration modules that use it, which run last in this package,
and stopped after them (package scope): it no longer runs beside the modules that start stacks,
Ray or trainings of their own, nor beside the unit tests after this package."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import httpx
import openai
import pytest

from services.cli.local_stack import LocalStack, free_port
from services.gateway.keys import KeyStore

ROOT = Path(__file__).resolve().parents[2]
CHAT_MODEL = "smollm2-135m-instruct"
EMBED_MODEL = "all-minilm-l6-v2"
STARTUP_TIMEOUT_S = float(os.environ.get("LLMOPS_TEST_STARTUP_TIMEOUT_S", "900"))


@dataclass
class Stack:
    url: str
    keys: KeyStore
    log: Path
    metrics_port: int
    ledger_db: Path | None = None  # the gateway's cost ledger
    request_log: Path | None = None  # the gateway's request log
    rag_index: Path | None = None  # the retrieval service's index folder

    def client(self, key: str | None = None, **kwargs) -> openai.OpenAI:
        return openai.OpenAI(base_url=self.url + "/v1", api_key=key or self.new_key(), max_retries=0, **kwargs)

    def new_key(self, **limits) -> str:
        return self.keys.create("integration", **limits)[0]

    def engine_metric(self, name: str, model: str) -> float:
        """A vLLM engine metric for one model summed over replicas, from Ray's metrics export
        (0 until Ray first exports it)."""
        text = httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=10).text
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name + "{") and f'model_name="{model}"' in line:
                total += float(line.rsplit(" ", 1)[1])
        return total


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules that use the shared ``stack`` move behind the other modules of this package, in
    their own order, each module whole (a module's tests may rely on file order)."""
    here = Path(__file__).parent
    inside = [i for i, item in enumerate(items) if here in item.path.parents]
    if not inside:
        return
    block = [items[i] for i in inside]
    on_stack = {item.path for item in block if "stack" in item.fixturenames}
    reordered = sorted(block, key=lambda item: item.path in on_stack)  # stable: each group keeps its order
    for i, item in zip(inside, reordered, strict=True):
        items[i] = item


@pytest.fixture(scope="package")
def stack(tmp_path_factory) -> Stack:
    if os.environ.get("LLMOPS_TEST_STACK_URL"):  # reuse a stack that is already running
        yield Stack(
            os.environ["LLMOPS_TEST_STACK_URL"],
            KeyStore(Path(os.environ["LLMOPS_GATEWAY_KEYS_DB"])),
            Path("/dev/null"),
            int(os.environ["LLMOPS_RAY_METRICS_PORT"]),
            rag_index=Path(os.environ.get("LLMOPS_RAG_INDEX_DIR", ROOT / "var" / "rag")),
        )
        return
    tmp = tmp_path_factory.mktemp("stack")
    metrics_port = free_port()
    env = {
        "LLMOPS_GATEWAY_KEYS_DB": str(tmp / "keys.db"),
        "LLMOPS_GATEWAY_AUDIT_DB": str(tmp / "audit.db"),  # and its user key beside it
        "LLMOPS_MODEL_STORE": str(ROOT / "var" / "models"),
        "LLMOPS_RAY_METRICS_PORT": str(metrics_port),
        "LLMOPS_SAFETY_POLICY_FILE": str(ROOT / "tests" / "integration" / "safety_policy.yaml"),
        "LLMOPS_GATEWAY_LEDGER_DB": str(tmp / "ledger.db"),
        "LLMOPS_GATEWAY_REQUEST_LOG_PATH": str(tmp / "requests.jsonl"),
        "LLMOPS_RAG_INDEX_DIR": str(tmp / "rag"),
        # the first safety calls (spaCy warming up) under a burst on 2 shared cores can outlast the 2 s
        # production default and fail closed; fail-closed itself is unit-tested (tests/unit/test_safety_guard.py)
        "LLMOPS_SAFETY_TIMEOUT_S": "10",
    }
    models = ["--models", str(ROOT / "config" / "models.yaml")]
    with LocalStack(tmp, env=env, args=models, startup_timeout_s=STARTUP_TIMEOUT_S) as local:
        yield Stack(
            local.url,
            KeyStore(tmp / "keys.db"),
            local.log_path,
            metrics_port,
            tmp / "ledger.db",
            tmp / "requests.jsonl",
            tmp / "rag",
        )
