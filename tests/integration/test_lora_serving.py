"""A registered LoRA adapter served by multi-LoRA on its base version's vLLM engine, and an int4
ONNX build (``llmops pipeline quantize``) served by the ONNX Runtime engine, through the real
gateway and A/B router: three variants of one experiment (the base version, the adapter version,
the int4 version) on two engine applications; the adapter changes the greedy answer to the France
question (a near tie: float32's first two tokens 0.012 apart in probability), the int4 arm answers the
Japan one as float32 does (tests/quantized_fixtures.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import openai
import pytest
import yaml

from services.cli.local_stack import LocalStack
from services.registry.defaults import ensure_default_model
from services.router.router import unit_point
from tests.ab_fixtures import routing_stack_env
from tests.quantized_fixtures import ANSWER, QUESTION

ROOT = Path(__file__).resolve().parents[2]
MODEL = "smollm2-135m-instruct"
EXPERIMENT = "lora-vs-base"
STARTUP_TIMEOUT_S = float(os.environ.get("LLMOPS_TEST_STARTUP_TIMEOUT_S", "900"))
FRANCE = [{"role": "user", "content": "What is the capital of France?"}]
ASKED = {"base": FRANCE, "tuned": FRANCE, "int4": [{"role": "user", "content": QUESTION}]}

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


SPLIT = {"base": 0.4, "tuned": 0.3, "int4": 0.3}  # the experiment's variants and weights
BOUNDS = {"base": (0.0, 0.4), "tuned": (0.4, 0.7), "int4": (0.7, 1.0)}


def user_in(variant: str) -> str:
    """A user the sticky split puts in ``variant`` (clear of the interval's ends)."""
    low, high = BOUNDS[variant]
    return next(u for u in (f"user-{i}" for i in range(1000)) if low + 0.01 < unit_point(EXPERIMENT, u) < high - 0.01)


def test_registered_adapter_and_int4_build_are_variants_beside_the_base(tmp_path: Path, int4_version) -> None:
    # the session's registry: the base version (champion) and the int4 build that run_quantize (the
    # pipeline's step) registered with its tags (engine: onnxruntime-genai), tests/quantized_fixtures.py
    registry, int4 = int4_version.registry, int4_version.info
    registry_env = {
        "LLMOPS_REGISTRY_TRACKING_URI": int4_version.config.registry.tracking_uri,
        "LLMOPS_REGISTRY_ARTIFACT_ROOT": str(int4_version.config.registry.artifact_root),
    }
    base, _ = ensure_default_model(registry, ROOT / "var" / "models", MODEL)
    assert base.version == int4_version.base.version and registry.aliases(MODEL)["champion"] == base.version
    adapter = registry.register(
        MODEL,
        make_adapter(tmp_path / "adapter"),
        kind="lora",
        tags={"parent_version": base.version},
        alias="challenger",
        copy=True,
    )
    experiments = tmp_path / "experiments.yaml"
    refs = {"base": "champion", "tuned": "challenger", "int4": int4.version}
    variants = [{"name": name, "version": refs[name], "weight": weight} for name, weight in SPLIT.items()]
    experiments.write_text(json.dumps({"experiments": [{"name": EXPERIMENT, "model": MODEL, "variants": variants}]}))
    shipped = yaml.safe_load((ROOT / "config" / "models.yaml").read_text())["models"]
    chat = {**next(m for m in shipped if m["name"] == MODEL), "max_lora_rank": 8}
    models = tmp_path / "models.yaml"
    models.write_text(yaml.safe_dump({"models": [chat]}))
    env = {**registry_env, **routing_stack_env(tmp_path, experiments, ROOT / "var" / "models")}
    with LocalStack(
        tmp_path, env=env, args=["--models", str(models), "--no-auth"], startup_timeout_s=STARTUP_TIMEOUT_S
    ) as stack:
        log = stack.log_path.read_text()
        assert f"engine-{MODEL}-v{base.version} running" in log
        assert f"engine-{MODEL}-v{adapter.version} " not in log  # the adapter has no engine of its own
        assert f"engine-{MODEL}-v{int4.version} running" in log  # its own application: the ONNX Runtime engine
        client = openai.OpenAI(base_url=stack.url + "/v1", api_key="unused", max_retries=0)
        assert MODEL in [m.id for m in client.models.list().data]
        answers = {}
        for variant in SPLIT:
            raw = client.chat.completions.with_raw_response.create(
                model=MODEL, messages=ASKED[variant], max_tokens=12, temperature=0, user=user_in(variant)
            )
            assert raw.headers["x-llmops-variant"] == variant
            completion = raw.parse()
            assert completion.model == MODEL and completion.usage.completion_tokens > 0
            answers[variant] = completion.choices[0].message.content
        assert "Paris" in answers["base"] and ANSWER in answers["int4"], answers  # int4 on the ONNX engine
        assert answers["tuned"] != answers["base"], answers  # the adapter changes the greedy answer
        for variant in ("tuned", "int4"):
            chunks = list(
                client.chat.completions.create(
                    model=MODEL,
                    messages=ASKED[variant],
                    max_tokens=12,
                    temperature=0,
                    user=user_in(variant),
                    stream=True,
                    stream_options={"include_usage": True},
                )
            )
            text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
            assert text == answers[variant] if variant == "tuned" else ANSWER in text, (variant, text)
            assert {c.model for c in chunks} == {MODEL} and chunks[-1].usage.completion_tokens > 0
