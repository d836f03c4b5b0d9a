"""bench_quantization's llama.cpp row carries llama.cpp's own perplexity (loadtests/llamacpp_logits.py):
the summary turns it into ratios against float32 and the 5% targets; the adapter hands back
llama.cpp's logits in the transformers shape (runs only where llama-cpp-python is installed in the
benchmark venv, loadtests/install_peers.sh)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from loadtests._common import bench_venv
from loadtests.bench_engine import DEFAULT_GGUF
from loadtests.bench_quantization import DEFAULT_VARIANTS, VARIANTS, summarize, variant_config, variant_settings
from loadtests.llamacpp_logits import LlamaCppCausalLM

PYTHON = bench_venv(None) / "bin" / "python"  # $BENCH_VENV or .venv-bench


def _rows(llama_quality: bool) -> dict:
    base = {"weight_bytes": 1000, "medical_ppl": 10.0, "general_ppl": 50.0, "pubmedqa_accuracy": 0.5}
    ort = {**base, "weight_bytes": 200, "medical_ppl": 10.4, "general_ppl": 56.0, "tok_s_c1": 60.0}
    llama = {"weight_bytes": 180, "tok_s_c1": 50.0}
    if llama_quality:
        llama.update(medical_ppl=11.0, general_ppl=51.0, pubmedqa_accuracy=0.45)
    return {"fp32_transformers": base, "ort_int4": ort, "llamacpp_q4_1": llama}


def test_llamacpp_quality_gets_ratios_and_targets() -> None:
    args = argparse.Namespace(variants=["ort_int4"], concurrency=[1])
    record = summarize(_rows(True), args, 10.0)
    assert record["ratios_vs_fp32"]["llamacpp_q4_1"] == {
        "size": 0.18,
        "medical_ppl": 1.1,
        "general_ppl": 1.02,
        "pubmedqa_accuracy_delta": -0.05,
    }
    assert record["targets"]["llamacpp_q4_1"] == {"medical_ppl_within_5pct": False, "general_ppl_within_5pct": True}
    assert record["targets"]["ort_int4"] == {
        "c1_at_least_llamacpp": True,
        "medical_ppl_within_5pct": True,
        "general_ppl_within_5pct": False,
    }
    without = summarize(_rows(False), args, 10.0)
    assert "llamacpp_q4_1" not in without["ratios_vs_fp32"] and "llamacpp_q4_1" not in without["targets"]


def test_recorded_settings_are_what_each_build_used() -> None:
    """hqq_offset is asymmetric (a float offset per block) with its own float32 embedding table,
    whatever the config's ``symmetric`` and ``shared_embeddings`` defaults say."""
    args = argparse.Namespace(calibration_items=4, calibration_seq_len=128)
    recorded = {}
    for name in VARIANTS:
        scheme, quantize = variant_config(name, args)
        recorded[name] = variant_settings(quantize, scheme, "0.18.0")
    for name in ("ort_int4_hqq_offset", "ort_int4_shipped"):
        assert (recorded[name]["algorithm"], recorded[name]["symmetric"]) == ("hqq_offset", False)
        assert recorded[name]["shared_embeddings"] is False
    assert recorded["ort_int4_shipped"]["float_activation_layers"] == [0, -1]
    for name in ("ort_int8", "ort_int4", "ort_int4_mixed"):
        assert recorded[name]["symmetric"] is True
    assert recorded["ort_int4_mixed"]["shared_embeddings"] is False  # an 8-bit MatMul unshares it
    assert recorded["ort_int4"]["shared_embeddings"] is True
    assert recorded["ort_int4_gptq"]["algorithm"] == "gptq" and recorded["ort_int4_gptq"]["calibration_items"] == 4
    for name, block in (("ort_int4_shipped_b64", 64), ("ort_int4_shipped_b128", 128)):  # the shipped int4 but its block
        assert recorded[name] == {**recorded["ort_int4_shipped"], "block_size": block}
        assert name not in DEFAULT_VARIANTS  # measured when named in --variants only
    assert set(DEFAULT_VARIANTS) == set(VARIANTS) - {"ort_int4_shipped_b64", "ort_int4_shipped_b128"}


def test_missing_benchmark_python_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="install_peers"):
        LlamaCppCausalLM(DEFAULT_GGUF, tmp_path / "bin" / "python")


@pytest.mark.skipif(not PYTHON.exists() or not DEFAULT_GGUF.is_file(), reason="llama.cpp is not installed here")
def test_llamacpp_logits_come_back_per_position_and_padding_is_zero() -> None:
    import torch

    with LlamaCppCausalLM(DEFAULT_GGUF, PYTHON, threads=1, n_ctx=64) as model:
        assert model.tensor_types["Q4_1"] > 0
        ids = torch.tensor([[504, 3575, 282, 4649, 314], [504, 3575, 282, 0, 0]])
        mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
        logits = model(input_ids=ids, attention_mask=mask).logits
        assert logits.shape == (2, 5, 49152)
        assert torch.isfinite(logits).all() and bool((logits[1, 3:] == 0).all())
        # the same prefix gives the same scores whether or not the row is padded: a fresh context per row
        assert torch.allclose(logits[0, :3], logits[1, :3], atol=1e-3)
        with pytest.raises(ValueError, match="context"):
            model(input_ids=torch.zeros((1, 65), dtype=torch.long))


def test_quant_sweep_refuses_a_bad_per_node_spec_before_any_build(monkeypatch, capsys) -> None:
    from loadtests import quant_sweep

    monkeypatch.setattr("sys.argv", ["quant_sweep", "--variants", "", "--per-node", "no-regex"])
    with pytest.raises(SystemExit):
        quant_sweep.main()
    assert "expected NAME=REGEX[:hqq]" in capsys.readouterr().err


def test_float_zero_points_become_packed_4bit_integers() -> None:
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    from loadtests.quant_sweep import integer_zero_points

    n, k, block = 2, 96, 32  # 3 blocks a column: an odd count, padded to 2 bytes
    zp = np.array([0.4, 7.6, 20.0, -1.0, 14.5, 3.2], dtype=np.float32)
    node = helper.make_node(
        "MatMulNBits", ["a", "b", "s", "z"], ["y"], domain="com.microsoft", K=k, N=n, bits=4, block_size=block
    )
    graph = helper.make_graph([node], "g", [], [], initializer=[numpy_helper.from_array(zp, "z")])
    model = integer_zero_points(helper.make_model(graph))
    packed = numpy_helper.to_array(model.graph.initializer[0])
    # column 0: 0, 8, 15 (clamped); column 1: 0 (clamped), 14 (14.5 rounds to even), 3
    assert packed.dtype == np.uint8 and packed.tolist() == [0x80, 0x0F, 0xE0, 0x03]
    assert isinstance(model, onnx.ModelProto)


def test_profile_summary_sums_kernel_time_by_op_per_run() -> None:
    from loadtests.profile_ort import summarize as profile_summary

    def node(name: str, op: str, us: int) -> dict:
        return {"cat": "Node", "name": f"{name}_kernel_time", "dur": us, "args": {"op_name": op}}

    events = [node("a", "MatMulNBits", 300), node("b", "MatMul", 100), node("a", "MatMulNBits", 500),
              {"cat": "Node", "name": "a_fence_before", "dur": 999, "args": {"op_name": "MatMulNBits"}},
              {"cat": "Session", "name": "model_run", "dur": 5000}]  # fmt: skip
    summary = profile_summary(events, runs=2)
    assert summary["by_op_ms"] == {"MatMulNBits": 0.4, "MatMul": 0.05}
    assert summary["kernel_ms"] == 0.45 and list(summary["top_nodes_ms"]) == ["a", "b"]
