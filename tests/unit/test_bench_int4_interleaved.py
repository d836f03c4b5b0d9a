"""The interleaved int4 / llama.cpp runner (loadtests/bench_int4_interleaved.py): its verdict rests on the
medians of undisturbed rows (llama.cpp's also over its fast starts), the order alternates by round, and bad
``--onnx`` entries are refused before anything starts; bench_quantization's bytes a decoded token reads
count one row of a gathered table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from loadtests.bench_int4_interleaved import parse_args, round_order, summarize
from loadtests.bench_quantization import token_read_bytes


def _row(system: str, tok_s: float, decode: float, disturbed: bool = False, mode: str | None = None) -> dict:
    row = {"system": system, "tok_s_c1": tok_s, "decode_tok_s_c1": decode, "ttft_p50_ms_c1": 80.0,
           "disturbed": disturbed}  # fmt: skip
    if system == "llamacpp":
        row["mode"] = mode
    return row


def test_verdict_uses_undisturbed_medians_against_all_and_fast_starts() -> None:
    rows = [
        _row("b64", 90.0, 100.0),
        _row("b64", 30.0, 35.0, disturbed=True),  # left out of the medians
        _row("b64", 86.0, 96.0),
        _row("b64", 88.0, 98.0),
        _row("llamacpp", 95.0, 105.0, mode="fast"),
        _row("llamacpp", 70.0, 78.0, mode="slow"),
        _row("llamacpp", 85.0, 93.0, mode="fast"),
        _row("llamacpp", 20.0, 60.0, disturbed=True, mode="slow"),
    ]
    summary = summarize(rows, ["b64"])
    b64, llama = summary["systems"]["b64"], summary["systems"]["llamacpp"]
    assert (b64["rows"], b64["undisturbed"], b64["undisturbed_tok_s_c1_median"]) == (4, 3, 88.0)
    assert (llama["undisturbed"], llama["undisturbed_fast"]) == (3, 2)
    assert llama["undisturbed_tok_s_c1_median"] == 85.0
    assert llama["undisturbed_fast_tok_s_c1_median"] == 90.0
    assert summary["ratios"]["b64"] == {
        "tok_s_c1_vs_llamacpp_all": round(88.0 / 85.0, 3),
        "tok_s_c1_vs_llamacpp_fast": round(88.0 / 90.0, 3),
        "decode_vs_llamacpp_all": round(98.0 / 93.0, 3),
        "c1_at_least_llamacpp_all": True,
        "c1_at_least_llamacpp_fast": False,
    }


def test_no_undisturbed_llamacpp_start_gives_no_verdict() -> None:
    rows = [_row("b32", 80.0, 90.0), _row("llamacpp", 50.0, 60.0, disturbed=True, mode="slow")]
    ratios = summarize(rows, ["b32"])["ratios"]["b32"]
    assert ratios["c1_at_least_llamacpp_all"] is None and ratios["c1_at_least_llamacpp_fast"] is None


def test_order_reverses_every_other_round() -> None:
    systems = ["b32", "b64", "llamacpp"]
    assert [round_order(systems, r) for r in range(3)] == [systems, systems[::-1], systems]


@pytest.mark.parametrize(
    ("entry", "message"),
    [("b64", "NAME=FOLDER"), ("llamacpp={folder}", "is taken"), ("x={missing}", "no genai_config.json")],
)
def test_bad_onnx_entries_are_refused(tmp_path: Path, capsys, entry: str, message: str) -> None:
    (tmp_path / "genai_config.json").write_text("{}")
    with pytest.raises(SystemExit) as exc:
        parse_args(["--onnx", entry.format(folder=tmp_path, missing=tmp_path / "none")])
    assert exc.value.code == 2 and message in capsys.readouterr().err


def test_a_build_named_twice_or_none_is_refused(tmp_path: Path, capsys) -> None:
    (tmp_path / "genai_config.json").write_text("{}")
    with pytest.raises(SystemExit):
        parse_args(["--onnx", f"a={tmp_path}", "--onnx", f"a={tmp_path}"])
    assert "is taken" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_args([])
    assert "at least one --onnx" in capsys.readouterr().err
    assert list(parse_args(["--onnx", f"a={tmp_path}"]).builds) == ["a"]


def test_token_read_bytes_counts_one_row_of_a_gathered_table(tmp_path: Path) -> None:
    table = numpy_helper.from_array(np.zeros((100, 8), np.float32), "embed")  # 3200 bytes, a token reads 32
    weight = numpy_helper.from_array(np.zeros((8, 4), np.float32), "w")  # 128 bytes, read whole
    graph = helper.make_graph(
        [helper.make_node("Gather", ["embed", "ids"], ["h"]), helper.make_node("MatMul", ["h", "w"], ["y"])],
        "g",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        [table, weight],
    )
    onnx.save(helper.make_model(graph), str(tmp_path / "model.onnx"))
    assert token_read_bytes(tmp_path) == 32 + 128
    onnx.save(helper.make_model(graph), str(tmp_path / "model.onnx"), save_as_external_data=True,
              all_tensors_to_one_file=True, location="model.onnx.data", size_threshold=0)  # fmt: skip
    assert token_read_bytes(tmp_path) == 32 + 128


def test_rounds_alternate_and_rows_carry_others_share_and_mode(tmp_path: Path, monkeypatch) -> None:
    """main_async with the two measurements faked: every build and llama.cpp once a round, the order reversed
    every other round, each row with the others' CPU share it was measured beside and llama.cpp's mode."""
    import asyncio

    from loadtests import bench_int4_interleaved as runner
    from loadtests import llamacpp_threads

    (tmp_path / "genai_config.json").write_text("{}")
    args = parse_args(["--onnx", f"a={tmp_path}", "--rounds", "2", "--quiet-wait", "0"])
    order, shares = [], iter([0.0, 5.0, 0.0, 0.0])  # CPU seconds others used per row: the second row disturbed

    def level(tok_s: float, ttft_ms: float) -> dict:
        return {"tok_s": tok_s, "ttft_p50_ms": ttft_ms, "tokens_per_request": 64.0, "latency_p50_s": 0.7}

    async def onnx_row(folder, _args):
        order.append("a")
        return level(100.0, 60.0)

    async def llamacpp_row(_args, _workdir):
        order.append("llamacpp")
        return level(80.0, 90.0)

    monkeypatch.setattr(runner, "onnx_row", onnx_row)
    monkeypatch.setattr(runner, "llamacpp_row", llamacpp_row)
    monkeypatch.setattr(llamacpp_threads, "process_ticks", dict)
    monkeypatch.setattr(llamacpp_threads, "others_cpu", lambda before, after: {"cpu_s": next(shares), "top": []})
    rows = asyncio.run(runner.main_async(args))
    assert order == ["a", "llamacpp", "llamacpp", "a"]
    assert [r["disturbed"] for r in rows] == [False, True, False, False]
    assert all(r["others_cpu_share"] >= 0 for r in rows) and rows[1]["others_cpu_share"] > 0.1
    assert rows[1]["decode_tok_s_c1"] == 103.28  # 63 tokens after the first in 0.7 - 0.09 s
    assert rows[1]["mode"] == "fast" and "mode" not in rows[0]  # fast from 90 decode tok/s
