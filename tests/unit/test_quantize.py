"""Quantization of the real embedded model (one int4 export, ~30-60 s on 2 cores, shared by the
session: tests/quantized_fixtures.py): registered with lineage in a sqlite MLflow registry,
evaluated on ONNX Runtime, served by the ONNX Runtime engine behind the gateway (in process); bad
input refused before any export."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from pipelines.config import ConfigError, PipelineConfig, QuantizeConfig
from pipelines.evaluate import run_evaluate
from pipelines.quantize import quantize_digest, run_quantize
from services.common.errors import InvalidRequestError
from services.common.models import ModelSpec
from services.engine.onnx_deployment import error_dict
from services.engine.onnx_engine import OnnxGenAIEngine, unsupported_fields
from services.gateway.engines import HandleEngine
from services.registry.service import RegistryError
from tests.conftest import make_gateway_app
from tests.quantized_fixtures import ANSWER, QUESTION, shipped_quantize
from tests.unit.quantize_helpers import quantize_cli

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "var/models"
PUBMEDQA = ROOT / "../shared/data/pubmedqa/ori_pqal.json"
ASK = {"model": "smollm2-int4", "messages": [{"role": "user", "content": QUESTION}]}

needs_model = pytest.mark.skipif(
    not (MODELS / "smollm2-135m-instruct/config.json").is_file() or not PUBMEDQA.is_file(),
    reason="needs the embedded model (llmops models import) and ../shared/data",
)


@pytest.fixture(scope="module")
def quantized(int4_version):
    """The session's int4 build (tests/quantized_fixtures.py), shared with the integration tests."""
    return int4_version


@pytest.fixture(scope="module")
def engine(quantized) -> OnnxGenAIEngine:
    return OnnxGenAIEngine("smollm2-int4", quantized.info.local_path())


@needs_model
def test_int4_version_is_registered_with_lineage(quantized) -> None:
    info, base = quantized.info, quantized.base
    assert info.kind == "quantized" and info.version > base.version
    tags = info.tags
    assert tags["quantization"] == "int4" and tags["engine"] == "onnxruntime-genai" and tags["format"] == "onnx"
    assert tags["source_version"] == str(base.version) and tags["parent_version"] == str(base.version)
    assert tags["data_hash"] == "none" and tags["code_version"] and len(tags["config_sha256"]) == 64
    # the shipped int4 (config/pipeline.yaml): hqq_offset, an 8-bit LM head, a float32 embedding of its own,
    # float32 activations in the first and the last decoder layer
    assert (tags["algorithm"], tags["symmetric"], tags["int8_matmuls"], tags["shared_embeddings"]) == (
        "hqq_offset",
        "False",
        "lm_head",
        "False",
    )
    assert tags["float_activation_layers"] == "0,-1"
    assert tags["config_sha256"] == quantize_digest(QuantizeConfig(**shipped_quantize()), "int4")
    assert [v.version for v in quantized.registry.lineage(info.model, info.version)] == [info.version, base.version]
    folder = info.local_path()
    assert folder is not None and (folder / "genai_config.json").is_file() and (folder / "config.json").is_file()
    fp32 = (MODELS / "smollm2-135m-instruct/model.safetensors").stat().st_size
    # 4-bit decoder, 8-bit LM head, the float32 embedding table (113 MB): 0.42 of the float32 file
    assert int(tags["size_bytes"]) < 0.45 * fp32
    assert any("float32 export done" in m for m in quantized.messages), "progress is reported"
    assert any("MatMuls as the integer kernel + a float offset" in m for m in quantized.messages)
    assert any("float32 activations in decoder layers [0, 29] (10 MatMuls)" in m for m in quantized.messages)
    assert quantized.result.artifact == info.source and quantized.result.folder.is_dir()
    assert (quantized.result.folder.parent / f"{quantized.result.folder.name}.builder.log").is_file()


@needs_model
def test_quantized_version_is_evaluated_on_onnx_runtime(quantized) -> None:
    metrics = run_evaluate(quantized.config, quantized.info.version, lambda _: None, quantized.registry)
    for key in ("medical_ppl", "general_ppl", "pubmedqa_accuracy", "tokens_per_s"):
        assert math.isfinite(metrics[key]) and metrics[key] >= 0, key
    assert 1 < metrics["medical_ppl"] < 200 and metrics["tokens_per_s"] > 0
    tags = quantized.registry.get_version(quantized.info.model, quantized.info.version).metrics
    assert tags["medical_ppl"] == pytest.approx(metrics["medical_ppl"])


@needs_model
def test_onnx_scores_follow_the_float32_model(quantized) -> None:
    """The scoring path reads the quantized graph's logits position by position, padding ignored."""
    import torch

    from pipelines.finetune import core
    from pipelines.ort_model import OrtCausalLM

    fp32, tokenizer = core.load_base(MODELS / "smollm2-135m-instruct")
    ids = tokenizer("The capital of France is Paris. The capital of Italy is", return_tensors="pt")["input_ids"]
    padded = torch.cat([ids, torch.full((1, 3), 2)], dim=1)
    mask = torch.cat([torch.ones_like(ids), torch.zeros((1, 3), dtype=ids.dtype)], dim=1)
    ort = OrtCausalLM(quantized.info.local_path())(input_ids=padded, attention_mask=mask).logits[0]
    with torch.no_grad():
        ref = fp32(input_ids=ids).logits[0]
    n = ids.shape[1]
    assert ort.shape == (n + 3, ref.shape[-1]) and torch.all(ort[n:] == 0)
    top5 = ort[:n].topk(5, dim=-1).indices
    agree = (top5 == ref.argmax(-1)[:, None]).any(-1).float().mean().item()  # 0.92 measured; a random graph: ~0
    assert agree >= 0.75, f"float32's next token is in int4's top 5 at only {agree:.0%} of positions"


@needs_model
async def test_quantized_model_answers_through_the_gateway(engine) -> None:
    app = make_gateway_app({"smollm2-int4": engine}, {"smollm2-int4": "generate"}, keys=None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        r = await client.post("/v1/chat/completions", json={**ASK, "max_tokens": 12, "temperature": 0})
        assert r.status_code == 200, r.text
        body = r.json()
        assert ANSWER in body["choices"][0]["message"]["content"]
        used, finish = body["usage"]["completion_tokens"], body["choices"][0]["finish_reason"]
        # 12 tokens cut by max_tokens, or fewer ended by <|im_end|> (float32's answer is 8: "...is Tokyo.")
        assert (used, finish) == (12, "length") or (0 < used < 12 and finish == "stop"), (used, finish)
        streamed = await client.post("/v1/chat/completions", json={**ASK, "max_tokens": 12, "stream": True})
        text = streamed.text
        assert streamed.status_code == 200 and ANSWER in text and text.rstrip().endswith("data: [DONE]")
        refused = await client.post("/v1/chat/completions", json={**ASK, "n": 2})
        assert refused.status_code == 400 and refused.json()["error"]["param"] == "n"


@needs_model
async def test_engine_refuses_what_it_cannot_do(engine) -> None:
    for extra in ({"logprobs": True}, {"vllm_xargs": {"watermark": 1}}, {"presence_penalty": 0.5}):
        with pytest.raises(InvalidRequestError, match="does not support"):
            await engine.generate("chat", {**ASK, **extra})
    with pytest.raises(InvalidRequestError, match="context is"):
        await engine.generate("completions", {"prompt": "word " * 9000, "max_tokens": 4})
    with pytest.raises(InvalidRequestError, match="embeddings"):
        await engine.embed({"input": "x"})
    out = await engine.generate("completions", {"prompt": "The capital of France is", "max_tokens": 8, "stop": ","})
    assert "," not in out["choices"][0]["text"]


@needs_model
def test_bad_input_fails_before_any_export(quantized, monkeypatch) -> None:
    config, version = quantized.config, quantized.info.version
    with pytest.raises(ConfigError, match="is kind 'quantized'"):
        run_quantize(config, version, registry=quantized.registry)
    with pytest.raises(ConfigError, match="unknown quantization scheme"):
        run_quantize(config, quantized.base.version, registry=quantized.registry, schemes=["fp8"])
    with pytest.raises(RegistryError, match="no version"):
        run_quantize(config, 999, registry=quantized.registry)
    monkeypatch.setitem(__import__("sys").modules, "onnxruntime_genai", None)
    with pytest.raises(ConfigError, match="needs onnxruntime-genai"):
        run_quantize(config, quantized.base.version, registry=quantized.registry)


def test_onnx_engine_refuses_logprobs_even_when_zero() -> None:
    """README: the ONNX engine answers 400 for `logprobs`; a text completion's `logprobs: 0` (the
    sampled token's log probability) passed as if unset before, and the answer had none."""
    assert unsupported_fields({"prompt": "x", "logprobs": 0}) == ["logprobs"]
    assert unsupported_fields({"messages": [], "logprobs": True, "top_logprobs": 2}) == ["logprobs", "top_logprobs"]
    assert unsupported_fields({"prompt": "x", "logprobs": None, "echo": False, "presence_penalty": 0, "n": 1}) == []


def test_cli_refuses_an_unknown_scheme(tmp_path: Path) -> None:
    result = quantize_cli(tmp_path, "", "-s", "int3")
    assert result.exit_code == 2 and "unknown quantization scheme(s) ['int3']" in result.output


def test_onnx_model_spec_needs_a_source_and_serves_generate_only() -> None:
    with pytest.raises(ValueError, match="source is required for the onnx backend"):
        ModelSpec(name="q", backend="onnx")
    with pytest.raises(ValueError, match="generate only"):
        ModelSpec(name="q", backend="onnx", source="/x", task="embed")


class _Handle:
    """A deployment handle's shape: ``.method.remote(...)`` awaitable, or async-iterable when streaming."""

    def __init__(self, replies):
        self.replies, self.streaming = replies, False

    def options(self, stream: bool = False):
        other = _Handle(self.replies)
        other.streaming = stream
        return other

    def __getattr__(self, method):
        replies = self.replies

        class _Method:
            def remote(self, *args):
                if method == "stream":
                    return _Stream(replies)

                async def one():
                    return replies[0]

                return one()

        return _Method()


class _Stream:
    def __init__(self, items):
        self.items, self.cancelled = list(items), False

    def __aiter__(self):
        return self

    async def __anext__(self):
        if not self.items:
            raise StopAsyncIteration
        return self.items.pop(0)

    def cancel(self):
        self.cancelled = True


async def test_handle_engine_maps_error_dicts_to_openai_errors() -> None:
    refused = error_dict(InvalidRequestError("no logprobs here", param="logprobs"))
    assert refused["error"]["status"] == 400
    engine = HandleEngine("q", _Handle([refused]))
    with pytest.raises(InvalidRequestError, match="no logprobs here"):
        await engine.generate("chat", {})
    chunk = {"id": "c", "choices": [{"index": 0, "delta": {"content": "Pa"}}]}
    engine = HandleEngine("q", _Handle([chunk, refused]))
    seen = []
    with pytest.raises(InvalidRequestError):
        async for item in engine.stream("chat", {}):
            seen.append(item)
    assert seen == [chunk]
    hidden = error_dict(RuntimeError("internal path /secret"))
    assert hidden["error"]["status"] == 500 and "/secret" not in str(hidden)


@pytest.mark.parametrize("passed", [True, False])
def test_pipeline_run_quantizes_only_a_version_that_passed(monkeypatch, tmp_path: Path, passed: bool) -> None:
    """The chaining in ``pipeline run`` (the steps themselves are tested above and in test_pipelines)."""
    import pipelines.quantize
    import pipelines.run as run

    calls: list[tuple] = []
    gate = SimpleNamespace(passed=passed, reasons=[], champion=1)
    monkeypatch.setattr(run, "model_dir_of", lambda config: None)
    monkeypatch.setattr(run, "load_items", lambda data: [])
    monkeypatch.setattr(run, "open_registry", lambda registry: "registry")
    monkeypatch.setattr(run, "base_version", lambda *a: SimpleNamespace(version=1))
    monkeypatch.setattr(run, "run_finetune", lambda config, progress: "finetuned")
    monkeypatch.setattr(run, "register_adapter", lambda *a: 2)
    monkeypatch.setattr(run, "run_evaluate", lambda *a: {})
    monkeypatch.setattr(
        run, "apply_gate", lambda registry, config, version, progress: calls.append(("gate", version)) or gate
    )
    variants = [SimpleNamespace(version=3), SimpleNamespace(version=4)]
    monkeypatch.setattr(
        pipelines.quantize, "run_quantize", lambda config, version, *a: calls.append(("quantize", version)) or variants
    )
    config = PipelineConfig.model_validate({"quantize": {"in_run": True}})
    result = run.run_pipeline(config, lambda _: None)
    if passed:
        assert calls == [("gate", 2), ("quantize", 2), ("gate", 3), ("gate", 4)] and len(result.quantized) == 2
    else:
        assert calls == [("gate", 2)] and result.quantized == []


@needs_model
async def test_a_completion_without_max_tokens_stops_at_16_tokens_as_on_vllm(engine) -> None:
    """The quota reserves 16 tokens for such a completion (vLLM's and OpenAI's default); the onnx
    engine generated up to 256. ``min_tokens`` above 16 keeps the model from stopping earlier."""
    payload = {"model": "smollm2-int4", "prompt": "Once upon a time", "min_tokens": 40}
    body = await engine.generate("completions", payload)
    assert body["usage"]["completion_tokens"] == 16 and body["choices"][0]["finish_reason"] == "length"
