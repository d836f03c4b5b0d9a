"""``quantize.float_activation_layers`` (``pipelines/float_activations.py``): the chosen decoder layers'
MatMulNBits of an int4 build compute with float32 activations (accuracy_level 1), the others and the
LM head keep ``accuracy_level``; negative indices count from the last layer; a layer named twice or out
of range is refused before any export; the version is tagged with the setting and the digest of a
config without it is unchanged. The real model's figures: README, ``float_activation_layers``."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

import pytest

from pipelines.config import ConfigError, QuantizeConfig
from pipelines.float_activations import float_activation_graph, resolve_layers
from pipelines.quantize import build_variant, onnx_build_tags, quantize_digest
from tests.unit.quantize_helpers import MODEL, quantize_cli, save_tiny_llama


def _levels(folder: Path) -> dict[str, int]:
    import onnx

    model = onnx.load(str(folder / "model.onnx"), load_external_data=False)
    return {
        node.name: next((a.i for a in node.attribute if a.name == "accuracy_level"), 0)
        for node in model.graph.node
        if node.op_type == "MatMulNBits"
    }


def test_layers_resolve_from_either_end_and_bad_ones_are_refused(tmp_path: Path) -> None:
    assert resolve_layers([0, -1], 30) == [0, 29] and resolve_layers([], 30) == []
    with pytest.raises(ConfigError, match=r"out of range: the model has 30 decoder layers"):
        resolve_layers([0, 30], 30)
    with pytest.raises(ConfigError, match="names a layer twice"):
        resolve_layers([29, -1], 30)
    with pytest.raises(ValueError, match="names a layer twice"):
        QuantizeConfig(float_activation_layers=[1, 1])
    result = quantize_cli(tmp_path, "{float_activation_layers: [0, 0]}")
    assert result.exit_code == 2 and "names a layer twice" in result.output
    assert not (tmp_path / "m.db").exists()  # refused before the registry was opened


def test_tags_and_digest() -> None:
    config = QuantizeConfig(algorithm={"int8": "default", "int4": "hqq_offset"}, int8_matmuls="lm_head")
    chosen = config.model_copy(update={"float_activation_layers": [0, -1]})
    assert onnx_build_tags(chosen, "int4", "0.18")["float_activation_layers"] == "0,-1"
    assert onnx_build_tags(chosen, "int8", "0.18")["float_activation_layers"] == "none"  # an int4 setting
    assert onnx_build_tags(config, "int4", "0.18")["float_activation_layers"] == "none"
    assert quantize_digest(chosen, "int4") != quantize_digest(config, "int4")
    # unset, the digest is the one of the same settings before the option existed
    before = config.for_scheme("int4").model_dump(
        mode="json",
        exclude={
            "output_dir",
            "in_run",
            "schemes",
            "calibration_items",
            "calibration_seq_len",
            "float_activation_layers",
        },
    )
    assert quantize_digest(config, "int4") == hashlib.sha256(json.dumps(before, sort_keys=True).encode()).hexdigest()


def test_a_graph_without_the_layer_is_refused() -> None:
    from onnx import helper

    graph = helper.make_graph(
        [helper.make_node("MatMulNBits", ["x", "b", "s"], ["y"], name="/lm_head/MatMul")], "g", [], []
    )
    with pytest.raises(ValueError, match=r"for layers \[0\]: not a graph of the builder"):
        float_activation_graph(helper.make_model(graph), [0])


@pytest.mark.skipif(not (MODEL / "config.json").is_file(), reason="needs the embedded model's tokenizer")
def test_tiny_llama_build_gets_float_activations_in_the_last_layer_only(tmp_path: Path) -> None:
    from services.engine.onnx_engine import OnnxGenAIEngine

    source, out = tmp_path / "tiny", tmp_path / "tiny-int4"
    save_tiny_llama(source)  # 2 decoder layers
    quantize = QuantizeConfig(
        schemes=["int4"], algorithm="hqq_offset", int8_matmuls="lm_head", float_activation_layers=[-1]
    )
    with pytest.raises(ConfigError, match="out of range: the model has 2 decoder layers"):
        build_variant(source, out, "int4", quantize.model_copy(update={"float_activation_layers": [2]}))
    assert not out.exists()  # refused before the export
    messages: list[str] = []
    build_variant(source, out, "int4", quantize, messages.append)
    levels = _levels(out)
    assert {n: v for n, v in levels.items() if n.startswith("/model/layers.1/")} == {
        f"/model/layers.1/{part}/MatMul_Q4": 1
        for part in ("attn/qkv_proj", "attn/o_proj", "mlp/gate_proj", "mlp/up_proj", "mlp/down_proj")
    }
    others = [v for n, v in levels.items() if not n.startswith("/model/layers.1/")]
    assert others == [4] * 6  # layer 0's five and the LM head keep accuracy_level 4
    assert "int4: float32 activations in decoder layers [1] (5 MatMuls)" in messages
    engine = OnnxGenAIEngine("tiny", out)
    reply = asyncio.run(
        engine.generate("chat", {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "min_tokens": 4})
    )
    assert reply["usage"]["completion_tokens"] == 4


def test_the_bench_measures_the_shipped_int4() -> None:
    from loadtests.bench_quantization import VARIANTS
    from pipelines.config import load_config

    shipped = load_config(Path(__file__).resolve().parents[2] / "config/pipeline.yaml").quantize.for_scheme("int4")
    scheme, settings = VARIANTS["ort_int4_shipped"]
    assert scheme == "int4" and {k: getattr(shipped, k) for k in settings} == settings
