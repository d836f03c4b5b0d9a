"""A registered LoRA adapter served by multi-LoRA on its base version's vLLM engine, through the
real gateway and A/B router: one engine application for both variants of an experiment (the
base version and the adapter version), and the adapter changes the greedy answer."""

from __future__ import annotations

import json
import os
from pathlib import Path

import openai
import pytest
import yaml

from services.cli.local_stack import LocalStack, free_port
from services.registry.config import RegistrySettings
from services.registry.defaults import ensure_default_model
from services.registry.service import ModelRegistry
from services.router.router import unit_point

ROOT = Path(__file__).resolve().parents[2]
MODEL = "smollm2-135m-instruct"
EXPERIMENT = "lora-vs-base"
STARTUP_TIMEOUT_S = float(os.environ.get("LLMOPS_TEST_STARTUP_TIMEOUT_S", "900"))
QUESTION = [{"role": "user", "content": "What is the capital of France?"}]

pytestmark = [
    pytest.mark.integration,
    pytest.mark.ray,
    pytest.mark.timeout(1200),
    pytest.mark.skipif(not (ROOT / "var/models" / MODEL / "config.json").is_file(), reason="needs the embedded model"),
]


def make_adapter(folder: Path) -> Path:
    """A rank-8 LoRA adapter on the embedded model with small random non-zero weights (PEFT's
    default initialisation leaves B at zero, which would change nothing)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(ROOT / "var/models" / MODEL, dtype=torch.float32)
    torch.manual_seed(0)
    config = LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "k_proj", "v_proj", "o_proj"])
    model = get_peft_model(base, config)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn_like(param) * 0.05)
    model.save_pretrained(folder)
    return folder


def user_in(variant_index: int) -> str:
    """A user the sticky split puts in the experiment's variant number ``variant_index`` (50/50)."""
    return next(
        u for u in (f"user-{i}" for i in range(1000)) if (unit_point(EXPERIMENT, u) < 0.5) == (variant_index == 0)
    )


def test_registered_adapter_is_a_variant_on_the_base_engine(tmp_path: Path) -> None:
    registry_env = {
        "LLMOPS_REGISTRY_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "LLMOPS_REGISTRY_ARTIFACT_ROOT": str(tmp_path / "artifacts"),
    }
    registry = ModelRegistry(RegistrySettings(tracking_uri=registry_env["LLMOPS_REGISTRY_TRACKING_URI"]))
    base, _ = ensure_default_model(registry, ROOT / "var" / "models", MODEL)
    adapter = registry.register(
        MODEL,
        make_adapter(tmp_path / "adapter"),
        kind="lora",
        tags={"parent_version": base.version},
        alias="challenger",
        copy=True,
    )
    experiments = tmp_path / "experiments.yaml"
    variants = [
        {"name": "base", "version": "champion", "weight": 0.5},
        {"name": "tuned", "version": "challenger", "weight": 0.5},
    ]
    experiments.write_text(json.dumps({"experiments": [{"name": EXPERIMENT, "model": MODEL, "variants": variants}]}))
    shipped = yaml.safe_load((ROOT / "config" / "models.yaml").read_text())["models"]
    chat = {**next(m for m in shipped if m["name"] == MODEL), "max_lora_rank": 8}
    models = tmp_path / "models.yaml"
    models.write_text(yaml.safe_dump({"models": [chat]}))
    env = {
        **registry_env,
        "LLMOPS_ROUTER_ENABLED": "true",
        "LLMOPS_ROUTER_EXPERIMENTS_FILE": str(experiments),
        "LLMOPS_ROUTER_STORE_URL": f"sqlite:///{tmp_path / 'ab.db'}",
        "LLMOPS_SAFETY_ENABLED": "false",
        "LLMOPS_RAG_ENABLED": "false",
        "LLMOPS_MODEL_STORE": str(ROOT / "var" / "models"),
        "LLMOPS_GATEWAY_KEYS_DB": str(tmp_path / "keys.db"),
        "LLMOPS_GATEWAY_LEDGER_DB": str(tmp_path / "ledger.db"),
        "LLMOPS_GATEWAY_REQUEST_LOG_PATH": str(tmp_path / "requests.jsonl"),
        "LLMOPS_RAY_METRICS_PORT": str(free_port()),
    }
    with LocalStack(
        tmp_path, env=env, args=["--models", str(models), "--no-auth"], startup_timeout_s=STARTUP_TIMEOUT_S
    ) as stack:
        log = stack.log_path.read_text()
        assert f"engine-{MODEL}-v{base.version} running" in log
        assert f"engine-{MODEL}-v{adapter.version} " not in log  # the adapter has no engine of its own
        client = openai.OpenAI(base_url=stack.url + "/v1", api_key="unused", max_retries=0)
        assert MODEL in [m.id for m in client.models.list().data]
        answers = {}
        for index, variant in enumerate(("base", "tuned")):
            raw = client.chat.completions.with_raw_response.create(
                model=MODEL, messages=QUESTION, max_tokens=12, temperature=0, user=user_in(index)
            )
            assert raw.headers["x-llmops-variant"] == variant
            completion = raw.parse()
            assert completion.model == MODEL and completion.usage.completion_tokens > 0
            answers[variant] = completion.choices[0].message.content
        assert "Paris" in answers["base"]
        assert answers["tuned"] != answers["base"], answers  # the adapter changes the greedy answer
        chunks = list(
            client.chat.completions.create(
                model=MODEL,
                messages=QUESTION,
                max_tokens=12,
                temperature=0,
                user=user_in(1),
                stream=True,
                stream_options={"include_usage": True},
            )
        )
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == answers["tuned"]
        assert {c.model for c in chunks} == {MODEL} and chunks[-1].usage.completion_tokens > 0
