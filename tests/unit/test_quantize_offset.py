"""int4 with a float offset per block (``quantize.algorithm: hqq_offset``, ``pipelines/int4_offset.py``):
HQQ's ``s (q - z)`` computed as MatMulNBits' integer kernel plus ``BlockSum(X) @ C`` gives the same
products as HQQ's own float-zero-point MatMulNBits (one MatMul, K not a multiple of the block; and the
logits of a 2-layer random Llama), the engine generates from the pipeline's build, and the settings
it cannot honour are refused before any export. The real model's figures are in
``loadtests/records/quant_sweep.jsonl`` and ``bench_quantization.jsonl``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pipelines import int4_offset
from pipelines.config import QuantizeConfig
from pipelines.int4_offset import hqq_quantize, rewrite_float_zero_points
from pipelines.quantize import build_variant, builder_command, shares_embeddings
from tests.unit.quantize_helpers import quantize_cli, save_tiny_llama

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "var/models/smollm2-135m-instruct"


def _run(model, feeds: dict) -> list:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), options).run(None, feeds)


def _copy(model):
    import onnx

    return onnx.ModelProto.FromString(model.SerializeToString())


def test_one_matmul_matches_hqq_and_shares_the_block_sum() -> None:
    """Two MatMuls on one input, K = 100 (the last block padded): the rewrite (fp32 activations) gives
    HQQ's products, uses no zero points, and sums the input's blocks once."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    k, n = 100, 40
    weights = [numpy_helper.from_array(rng.standard_normal((k, n)).astype(np.float32), f"w{i}") for i in (0, 1)]
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", f"w{i}"], [f"y{i}"], name=f"mm{i}") for i in (0, 1)],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 5, k])],
        [helper.make_tensor_value_info(f"y{i}", TensorProto.FLOAT, [2, 5, n]) for i in (0, 1)],
        weights,
    )
    model = hqq_quantize(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)]), QuantizeConfig())
    assert all(len(node.input) == 4 for node in model.graph.node if node.op_type == "MatMulNBits")  # float z
    x = rng.standard_normal((2, 5, k)).astype(np.float32)
    expected = _run(model, {"x": x})
    rewritten, count = rewrite_float_zero_points(_copy(model), accuracy_level=1)
    got = _run(rewritten, {"x": x})
    for want, have in zip(expected, got, strict=True):
        np.testing.assert_allclose(have, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
    nbits = [node for node in rewritten.graph.node if node.op_type == "MatMulNBits"]
    assert count == 2 and all(len(node.input) == 3 for node in nbits)  # the default zero point: 8
    assert sum(node.name.endswith("_blocksum_matmul") for node in rewritten.graph.node) == 1
    again, none = rewrite_float_zero_points(_copy(rewritten))
    assert none == 0  # nothing left to rewrite


def test_inputs_of_one_width_share_one_block_indicator() -> None:
    """Two MatMuls on two inputs of the same K: two block sums, one indicator matrix for the graph (a
    copy per layer was read on every decoded token)."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(1)
    k, n = 64, 16
    weights = [numpy_helper.from_array(rng.standard_normal((k, n)).astype(np.float32), f"w{i}") for i in (0, 1)]
    graph = helper.make_graph(
        [helper.make_node("MatMul", [f"x{i}", f"w{i}"], [f"y{i}"], name=f"mm{i}") for i in (0, 1)],
        "g",
        [helper.make_tensor_value_info(f"x{i}", TensorProto.FLOAT, [3, k]) for i in (0, 1)],
        [helper.make_tensor_value_info(f"y{i}", TensorProto.FLOAT, [3, n]) for i in (0, 1)],
        weights,
    )
    model = hqq_quantize(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)]), QuantizeConfig())
    x = {f"x{i}": rng.standard_normal((3, k)).astype(np.float32) for i in (0, 1)}
    expected = _run(model, x)
    rewritten, count = rewrite_float_zero_points(_copy(model), accuracy_level=1)
    for want, have in zip(expected, _run(rewritten, x), strict=True):
        np.testing.assert_allclose(have, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())
    block_sums = [node for node in rewritten.graph.node if node.name.endswith("_blocksum_matmul")]
    assert count == 2 and len(block_sums) == 2 and len({node.input[1] for node in block_sums}) == 1
    assert sum("indicator" in init.name for init in rewritten.graph.initializer) == 1


def test_hqq_offset_settings_it_cannot_honour_are_refused(tmp_path: Path) -> None:
    for settings in ({"schemes": ["int8", "int4"]}, {"schemes": ["int4", "w8a8"]}):
        with pytest.raises(ValueError, match="hqq_offset quantizes int4 only"):
            QuantizeConfig(algorithm="hqq_offset", **settings)
    for settings in ({"int8_matmuls": "sensitive"}, {"symmetric": False}):
        with pytest.raises(ValueError, match="hqq_offset takes int8_matmuls none or lm_head"):
            QuantizeConfig(schemes=["int4"], algorithm="hqq_offset", **settings)
    config = QuantizeConfig(schemes=["int4"], algorithm="hqq_offset", int8_matmuls="lm_head")
    assert "--extra_options" not in builder_command(tmp_path, tmp_path / "o", tmp_path / "c", "int4", config)
    assert not shares_embeddings(config, "int4")  # the embedding is a float32 Gather of its own
    result = quantize_cli(tmp_path, "{algorithm: hqq_offset, schemes: [int8]}")
    assert result.exit_code == 2 and "hqq_offset quantizes int4 only" in result.output
    assert not (tmp_path / "m.db").exists()  # refused before the registry was opened


@pytest.mark.skipif(not (MODEL / "config.json").is_file(), reason="needs the embedded model's tokenizer")
def test_tiny_llama_logits_match_hqq_and_the_engine_generates(tmp_path: Path, monkeypatch) -> None:
    """A 2-layer random Llama with an 8-bit LM head: the rewritten graph's logits are HQQ's (fp32
    activations), and the pipeline's build (int8 activations, the default) loads in the ONNX engine and
    generates."""
    import asyncio

    import onnx

    from services.engine.onnx_engine import OnnxGenAIEngine

    source, out = tmp_path / "tiny", tmp_path / "tiny-int4-offset"
    save_tiny_llama(source)
    seen = []  # the build's HQQ graph (float zero points) before the rewrite

    def keep(model, quantize):
        seen.append(_copy(hqq := hqq_quantize(model, quantize)))
        return hqq

    monkeypatch.setattr(int4_offset, "hqq_quantize", keep)
    quantize = QuantizeConfig(schemes=["int4"], algorithm="hqq_offset", int8_matmuls="lm_head")  # HQQ: seconds
    build_variant(source, out, "int4", quantize, lambda _: None)
    [hqq] = seen
    rewritten, count = rewrite_float_zero_points(_copy(hqq), accuracy_level=1)
    assert count == 2 * 5  # qkv, o, gate, up, down per layer; the LM head at 8 bits is not rewritten
    decoder = json.loads((out / "genai_config.json").read_text())["model"]["decoder"]
    names, ids = decoder["inputs"], np.array([[1, 504, 3067, 314, 4371, 30, 2]], dtype=np.int64)
    feeds = {names["input_ids"]: ids, names["attention_mask"]: np.ones_like(ids)}
    empty = np.zeros((1, decoder["num_key_value_heads"], 0, decoder["head_size"]), dtype=np.float32)
    for layer in range(decoder["num_hidden_layers"]):
        feeds[names["past_key_names"] % layer] = feeds[names["past_value_names"] % layer] = empty
    want, have = _run(hqq, feeds)[0], _run(rewritten, feeds)[0]
    assert np.abs(have - want).max() <= 1e-4 * np.abs(want).max() + 1e-5

    ops = [node.op_type for node in onnx.load(str(out / "model.onnx"), load_external_data=False).graph.node]
    assert ops.count("MatMulNBits") == 11 and "Gather" in ops  # MatMul: the offsets and block sums only
    engine = OnnxGenAIEngine("tiny", out)
    reply = asyncio.run(
        engine.generate("chat", {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "min_tokens": 4})
    )
    assert reply["usage"]["completion_tokens"] == 4
