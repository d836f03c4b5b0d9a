"""GPTQ int4 (``quantize.algorithm: gptq``, pipelines/gptq.py): its settings are checked before any
export, and its calibration items come from the training split only (never the held-out one).
Fast: no export, no quantization (the GPTQ build itself runs in loadtests/bench_quantization.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import ConfigError, PipelineConfig, QuantizeConfig, load_config
from pipelines.finetune.data import load_items, prompt_ids, split_items, user_prompt
from pipelines.gptq import calibration_feeds
from pipelines.quantize import build_variant, quantize_digest
from tests.unit.quantize_helpers import quantize_cli, save_tiny_llama

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "var/models/smollm2-135m-instruct"
PUBMEDQA = ROOT / "../shared/data/pubmedqa/ori_pqal.json"


def test_gptq_with_int8_is_refused_by_the_config(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="gptq quantizes int4 only"):
        QuantizeConfig(schemes=["int8", "int4"], algorithm="gptq")
    path = tmp_path / "p.yaml"
    path.write_text("quantize: {algorithm: awq}\n")
    with pytest.raises(ConfigError, match="algorithm"):
        load_config(path)


def test_cli_refuses_gptq_for_int8_before_any_work(tmp_path: Path) -> None:
    result = quantize_cli(tmp_path, "{algorithm: gptq, schemes: [int4]}", "-s", "int8")
    assert result.exit_code == 2 and "gptq quantizes int4 only" in result.output
    assert not (tmp_path / "m.db").exists()  # refused before the registry was opened


def test_build_variant_refuses_gptq_without_data_before_exporting(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(ConfigError, match="needs the data config"):
        build_variant(MODEL, out, "int4", QuantizeConfig(schemes=["int4"], algorithm="gptq"))
    with pytest.raises(ConfigError, match="int4 only"):
        build_variant(MODEL, out, "int8", QuantizeConfig(schemes=["int4"], algorithm="gptq"))
    assert not out.exists()


def test_calibration_settings_change_the_digest_only_for_gptq() -> None:
    rtn, rtn_more = QuantizeConfig(), QuantizeConfig(calibration_items=64)
    gptq, gptq_more = (QuantizeConfig(schemes=["int4"], algorithm="gptq", calibration_items=n) for n in (4, 64))
    assert quantize_digest(rtn) == quantize_digest(rtn_more)
    assert quantize_digest(gptq) != quantize_digest(gptq_more)


@pytest.mark.skipif(not (MODEL / "config.json").is_file() or not PUBMEDQA.is_file(), reason="needs model + data")
def test_calibration_feeds_come_from_the_training_split() -> None:
    from transformers import AutoTokenizer

    data = PipelineConfig().data.model_copy(update={"path": PUBMEDQA})
    genai = {
        "model": {
            "decoder": {
                "inputs": {
                    "input_ids": "input_ids",
                    "attention_mask": "attention_mask",
                    "past_key_names": "past_key_values.%d.key",
                    "past_value_names": "past_key_values.%d.value",
                },
                "num_key_value_heads": 3,
                "head_size": 64,
                "num_hidden_layers": 2,
            }
        }
    }
    feeds = calibration_feeds(MODEL, data, items=3, seq_len=64, genai_config=genai)
    splits = split_items(load_items(data), data)
    tokenizer = AutoTokenizer.from_pretrained(MODEL)
    expected = [prompt_ids(tokenizer, user_prompt(item))[:64] for item in splits["train"][:3]]
    assert [feed["input_ids"][0].tolist() for feed in feeds] == expected
    assert not {item.id for item in splits["heldout"]} & {item.id for item in splits["train"][:3]}
    assert sorted(feeds[0]) == sorted(
        ["input_ids", "attention_mask"] + [f"past_key_values.{i}.{kv}" for i in range(2) for kv in ("key", "value")]
    )
    assert feeds[0]["past_key_values.1.value"].shape == (1, 3, 0, 64)
    assert feeds[0]["attention_mask"].shape == feeds[0]["input_ids"].shape == (1, 64)
    with pytest.raises(ConfigError, match="calibration needs 100000 training items"):
        calibration_feeds(MODEL, data, items=100000, seq_len=64, genai_config=genai)


def test_tied_embedding_is_untied_and_quantized_to_int4() -> None:
    """The export's ``Gather(Transpose(lm_head weight))`` becomes a GatherBlockQuantized table of its own."""
    import numpy as np
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    from pipelines.gptq import quantize_embedding

    weight = np.random.default_rng(0).standard_normal((64, 128)).astype(np.float32)  # [hidden, vocab]
    graph = helper.make_graph(
        [
            helper.make_node("Transpose", ["lm_head.weight"], ["table"], name="/embed/Transpose"),
            helper.make_node("Gather", ["table", "ids"], ["out"], name="/embed/Gather"),
        ],
        "tied",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, [3])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [3, 64])],
        [numpy_helper.from_array(weight, "lm_head.weight")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    quantized = quantize_embedding(model, QuantizeConfig(schemes=["int4"], algorithm="gptq"))
    ops = [node.op_type for node in quantized.graph.node]
    assert ops == ["GatherBlockQuantized"]
    assert "lm_head.weight" not in {init.name for init in quantized.graph.initializer}
    ids = np.array([0, 5, 127], dtype=np.int64)
    session = ort.InferenceSession(quantized.SerializeToString(), providers=["CPUExecutionProvider"])
    out = session.run(None, {"ids": ids})[0]
    assert np.abs(out - weight.T[ids]).max() < 0.5  # int4, 32 weights per scale
    assert np.corrcoef(out.ravel(), weight.T[ids].ravel())[0, 1] > 0.98


@pytest.mark.skipif(not (MODEL / "config.json").is_file() or not PUBMEDQA.is_file(), reason="needs model + data")
def test_gptq_build_of_a_tiny_llama_loads_in_the_onnx_engine(tmp_path: Path) -> None:
    """The whole gptq path (float32 export, ORT GPTQ, untied int4 embedding) on a 2-layer random Llama
    with SmolLM2's tokenizer: every weight quantized, and onnxruntime-genai generates from the folder."""
    import asyncio

    import onnx

    from services.engine.onnx_engine import OnnxGenAIEngine

    source, out = tmp_path / "tiny", tmp_path / "tiny-int4-gptq"
    save_tiny_llama(source)
    data = PipelineConfig().data.model_copy(update={"path": PUBMEDQA})
    quantize = QuantizeConfig(schemes=["int4"], algorithm="gptq", calibration_items=2, calibration_seq_len=32)
    messages: list[str] = []
    build_variant(source, out, "int4", quantize, messages.append, data=data)
    assert any("calibrating on 2 training items" in m for m in messages)
    graph = onnx.load(str(out / "model.onnx"), load_external_data=False).graph
    ops = [node.op_type for node in graph.node]
    assert "MatMul" not in ops and ops.count("MatMulNBits") == 2 * 5 + 1  # qkv, o, gate, up, down per layer; LM head
    assert ops.count("GatherBlockQuantized") == 1 and "Transpose" not in ops
    engine = OnnxGenAIEngine("tiny", out)
    reply = asyncio.run(
        engine.generate("chat", {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "min_tokens": 4})
    )
    assert reply["usage"]["completion_tokens"] == 4
