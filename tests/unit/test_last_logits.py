"""The LM head on the last prompt position only (``pipelines/last_logits.py``): a build of ``pipeline
quantize`` returns ``[1, 1, vocab]`` logits from its prefill, equal to the last position of the same
graph without the cut; scoring (``OrtCausalLM``) still gets every position; the engine generates; the
edit and its inverse on a hand-made graph; graphs it does not know are refused; ``loadtests/prefill_timing.py``
reads the cut build."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest

from pipelines.last_logits import (
    SLICE,
    all_positions_graph,
    all_positions_view,
    is_last_position_only,
    last_position_graph,
)
from tests.unit.quantize_helpers import MODEL, save_tiny_llama


def _head_graph(kind: str = "plain"):
    """hidden [batch, seq, 8] -> LayerNormalization -> LM head -> logits [batch, seq, 5]. ``kind``: ``plain``
    (one MatMul), ``offset`` (MatMul + MatMul(MatMul(norm, E), C), as ``hqq_offset`` writes it), ``softmax``
    (a Softmax after the MatMul: not position-wise here), ``no_norm`` (the MatMul reads the input)."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(2)
    weights = {"w": (8, 5), "e": (8, 2), "c": (2, 5), "scale": (8,)}
    inits = [numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), n) for n, shape in weights.items()]
    norm = "hidden" if kind == "no_norm" else "norm"
    nodes = [] if kind == "no_norm" else [helper.make_node("LayerNormalization", ["hidden", "scale"], ["norm"])]
    head = "logits" if kind in ("plain", "no_norm") else "head"
    nodes.append(helper.make_node("MatMul", [norm, "w"], [head], name="/lm_head/MatMul"))
    if kind == "offset":
        nodes += [helper.make_node("MatMul", [norm, "e"], ["sums"]), helper.make_node("MatMul", ["sums", "c"], ["off"]),
                  helper.make_node("Add", ["head", "off"], ["logits"])]  # fmt: skip
    if kind == "softmax":
        nodes.append(helper.make_node("Softmax", ["head"], ["logits"], axis=1))
    graph = helper.make_graph(
        nodes,
        "head",
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch_size", "sequence_length", 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", "sequence_length", 5])],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])


def _run(model, hidden: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    return ort.InferenceSession(model.SerializeToString()).run(None, {"hidden": hidden})[0]


@pytest.mark.parametrize("kind", ["plain", "offset"])
def test_the_cut_keeps_the_last_position_and_its_inverse_every_position(kind: str) -> None:
    import onnx

    hidden = np.random.default_rng(0).standard_normal((2, 6, 8)).astype(np.float32)
    model = _head_graph(kind)
    full = _run(model, hidden)
    cut = last_position_graph(onnx.ModelProto.FromString(model.SerializeToString()))
    assert is_last_position_only(cut) and not is_last_position_only(model)
    last = _run(cut, hidden)
    assert last.shape == (2, 1, 5)
    np.testing.assert_array_equal(last[:, 0], full[:, -1])
    assert sum(n.op_type == "Slice" for n in last_position_graph(cut).graph.node) == 1  # already cut: unchanged
    back = all_positions_graph(cut)
    np.testing.assert_array_equal(_run(back, hidden), full)
    assert back.graph.node == model.graph.node and back.graph.initializer == model.graph.initializer
    assert not is_last_position_only(back)


def test_graphs_it_does_not_know_are_refused() -> None:
    with pytest.raises(ValueError, match=r"\(Softmax\).*not a known LM head"):
        last_position_graph(_head_graph("softmax"))
    with pytest.raises(ValueError, match="without a normalisation"):
        last_position_graph(_head_graph("no_norm"))
    shared = _head_graph()
    shared.graph.output.append(shared.graph.value_info.add(name="norm"))  # the norm's output read elsewhere too
    with pytest.raises(ValueError, match="read by more than the LM head"):
        last_position_graph(shared)
    model = _head_graph()
    dim = model.graph.output[0].type.tensor_type.shape.dim[1]
    dim.Clear()
    dim.dim_value = 1  # a fixed 1 that no Slice of ours made
    with pytest.raises(ValueError, match=SLICE):
        all_positions_graph(model)


def test_the_view_of_a_cut_folder_holds_the_uncut_graph_beside_the_same_weights(tmp_path: Path) -> None:
    import onnx

    hidden = np.random.default_rng(1).standard_normal((1, 3, 8)).astype(np.float32)
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    for folder, model in ((whole, _head_graph()), (cut, last_position_graph(_head_graph()))):
        folder.mkdir()
        onnx.save(model, str(folder / "model.onnx"), save_as_external_data=True, location="model.onnx.data",
                  size_threshold=0)  # fmt: skip
        (folder / "genai_config.json").write_text("{}")
    assert all_positions_view(whole, tmp_path / "unused") == whole.resolve()  # nothing to undo
    assert not (tmp_path / "unused").exists()
    view = all_positions_view(cut, tmp_path / "view")
    assert (view / "genai_config.json").resolve() == (cut / "genai_config.json").resolve()
    assert (view / "model.onnx.data").stat().st_ino == (cut / "model.onnx.data").stat().st_ino  # hard link
    import onnxruntime as ort

    got = ort.InferenceSession(str(view / "model.onnx")).run(None, {"hidden": hidden})[0]
    np.testing.assert_array_equal(got, _run(_head_graph(), hidden))


@pytest.mark.skipif(not (MODEL / "config.json").is_file(), reason="needs the embedded model's tokenizer")
def test_a_build_prefills_the_last_position_and_scoring_sees_every_one(tmp_path: Path) -> None:
    """A 2-layer random Llama's int4 build: the prefill's logits are [1, 1, vocab] and equal the last
    position of the uncut graph (scoring's view, every position); the engine generates from the build."""
    import asyncio

    import onnx
    import onnxruntime_genai as og

    from pipelines.config import QuantizeConfig
    from pipelines.ort_model import OrtCausalLM
    from pipelines.quantize import build_variant
    from services.engine.onnx_engine import OnnxGenAIEngine

    source, out = tmp_path / "tiny", tmp_path / "tiny-int4"
    save_tiny_llama(source)
    build_variant(source, out, "int4", QuantizeConfig(schemes=["int4"]), lambda _: None)
    graph = onnx.load(str(out / "model.onnx"), load_external_data=False).graph
    assert [n.op_type for n in graph.node if n.name == SLICE] == ["Slice"]

    ids = [1, 504, 3067, 314, 4371, 30, 2]
    model = og.Model(str(out))
    params = og.GeneratorParams(model)
    params.set_search_options(max_length=len(ids) + 1)
    generator = og.Generator(model, params)
    generator.append_tokens(ids)
    last = generator.get_output("logits")
    assert last.shape == (1, 1, 49152)

    import torch

    scored = OrtCausalLM(out)(input_ids=torch.tensor([ids])).logits[0].numpy()
    assert scored.shape == (len(ids), 49152) and np.abs(scored).max() > 0
    np.testing.assert_allclose(last[0, 0], scored[-1], rtol=1e-5, atol=1e-5 * np.abs(scored[-1]).max())

    from loadtests.prefill_timing import one_request, parse_build

    timed = one_request(og, model, ids, steps=2)  # the timing tool sees the cut too
    assert timed["shape"] == [1, 1, 49152] and min(timed["prefill"], timed["decode"]) > 0
    assert parse_build(f"int4={out}") == ("int4", out)
    for bad in (str(out), f"x={source}"):  # no label; an HF folder (no genai_config.json)
        with pytest.raises(argparse.ArgumentTypeError):
            parse_build(bad)

    engine = OnnxGenAIEngine("tiny", out)
    reply = asyncio.run(
        engine.generate("chat", {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "min_tokens": 4})
    )
    assert reply["usage"]["completion_tokens"] == 4
