"""int4 builds with some MatMuls kept at 8 bits (``quantize.int8_matmuls``) and asymmetric weights
(``quantize.symmetric: false``): the builder is asked for them, the graph holds them, the engine
generates from the folder; settings it cannot honour are refused before any export. The build runs
on a 2-layer random Llama with SmolLM2's tokenizer (seconds); the real model's figures are in
``loadtests/records/quant_sweep.jsonl`` and ``bench_quantization.jsonl``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.config import QuantizeConfig
from pipelines.quantize import build_variant, builder_command, quantize_digest, shares_embeddings
from tests.unit.quantize_helpers import quantize_cli, save_tiny_llama

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "var/models/smollm2-135m-instruct"


def _options(command: list[str]) -> dict[str, str]:
    extra = command[command.index("--extra_options") + 1 :]
    return dict(item.split("=", 1) for item in extra)


def _source(tmp_path: Path, tied: bool = True) -> Path:
    (tmp_path / "config.json").write_text(json.dumps({"tie_word_embeddings": tied}))
    return tmp_path


def test_builder_is_asked_for_the_int8_matmuls_and_the_symmetry(tmp_path: Path) -> None:
    source = _source(tmp_path)

    def options(scheme: str = "int4", **settings) -> dict[str, str]:
        return _options(builder_command(source, tmp_path / "o", tmp_path / "c", scheme, QuantizeConfig(**settings)))

    default = options()
    assert "matmul_mixed_precision" not in default and default["is_symmetric"] == "true"
    head8 = options(int8_matmuls="lm_head")
    assert head8["matmul_mixed_precision"] == "last_matmul:int8"
    assert head8["shared_embeddings"] == "false"  # the builder cannot share an 8-bit table
    assert options(int8_matmuls="sensitive")["matmul_mixed_precision"] == "last_matmul:int8,mixed_layers:int8"
    assert "matmul_mixed_precision" not in options("int8", int8_matmuls="lm_head")  # int8 is 8 bits throughout
    asymmetric = options(symmetric=False)
    assert asymmetric["is_symmetric"] == "false" and asymmetric["shared_embeddings"] == "false"
    assert options("int8", symmetric=False)["shared_embeddings"] == "true"
    assert len({quantize_digest(QuantizeConfig(int8_matmuls=v)) for v in ("none", "lm_head", "sensitive")}) == 3


def test_unshared_embeddings_are_asked_for_explicitly(tmp_path: Path) -> None:
    """Without the option the builder shares the table of any tied model: false must be said."""
    command = builder_command(
        _source(tmp_path), tmp_path / "o", tmp_path / "c", "int4", QuantizeConfig(shared_embeddings=False)
    )
    assert _options(command)["shared_embeddings"] == "false"
    command = builder_command(_source(tmp_path), tmp_path / "o", tmp_path / "c", "int4", QuantizeConfig())
    assert _options(command)["shared_embeddings"] == "true"
    assert not shares_embeddings(QuantizeConfig(schemes=["int4"], algorithm="gptq"), "int4")  # its own table


def test_gptq_with_int8_matmuls_or_asymmetric_weights_is_refused(tmp_path: Path) -> None:
    for settings in ({"int8_matmuls": "lm_head"}, {"symmetric": False}):
        with pytest.raises(ValueError, match="gptq takes neither"):
            QuantizeConfig(schemes=["int4"], algorithm="gptq", **settings)
    with pytest.raises(ValueError, match="int8_matmuls"):
        QuantizeConfig(int8_matmuls="attention")
    result = quantize_cli(tmp_path, "{algorithm: gptq, schemes: [int4], int8_matmuls: lm_head}")
    assert result.exit_code == 2 and "gptq takes neither" in result.output
    assert not (tmp_path / "m.db").exists()  # refused before the registry was opened


@pytest.mark.skipif(not (MODEL / "config.json").is_file(), reason="needs the embedded model's tokenizer")
def test_int4_build_with_an_int8_lm_head_loads_in_the_onnx_engine(tmp_path: Path) -> None:
    """A 2-layer random Llama: decoder MatMuls at 4 bits with zero points, the LM head at 8 bits, and
    onnxruntime-genai generates from the folder."""
    import asyncio

    import onnx

    from services.engine.onnx_engine import OnnxGenAIEngine

    source, out = tmp_path / "tiny", tmp_path / "tiny-int4-head8"
    save_tiny_llama(source)
    quantize = QuantizeConfig(schemes=["int4"], int8_matmuls="lm_head", symmetric=False)  # embedding: float32
    build_variant(source, out, "int4", quantize, lambda _: None)
    graph = onnx.load(str(out / "model.onnx"), load_external_data=False).graph
    bits = {}
    for node in graph.node:
        if node.op_type == "MatMulNBits":
            attrs = {a.name: a.i for a in node.attribute}
            bits[node.name] = attrs["bits"]
            assert len(node.input) >= 4 and node.input[3], f"{node.name} has no zero points"  # asymmetric
    ops = [node.op_type for node in graph.node]
    assert "MatMul" not in ops and "Gather" in ops and "GatherBlockQuantized" not in ops
    [head] = [name for name in bits if "lm_head" in name]
    assert bits.pop(head) == 8 and set(bits.values()) == {4} and len(bits) == 2 * 5  # qkv, o, gate, up, down
    engine = OnnxGenAIEngine("tiny", out)
    reply = asyncio.run(
        engine.generate("chat", {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "min_tokens": 4})
    )
    assert reply["usage"]["completion_tokens"] == 4
