"""loadtests/llamacpp_threads.py's arithmetic: thread settings parsed (bad ones refused before any
server starts), CPU shares from two /proc/stat readings, other processes' CPU seconds without this
process and llama.cpp's server, and the per-entry medians; the server is asked for both thread counts."""

from __future__ import annotations

import os

import pytest

from loadtests import bench_engine
from loadtests.llamacpp_threads import cpu_shares, others_cpu, parse_args, parse_setting, summary
from tests.llamacpp_fakes import started_llamacpp


def test_settings_are_parsed_and_bad_ones_refused() -> None:
    assert parse_setting("2") == (2, 2) and parse_setting("1/2") == (1, 2)
    assert parse_args(["--settings", "2,1/2"]).settings == [(2, 2), (1, 2)]
    for bad in ("0", "2/0", "x"):
        with pytest.raises(SystemExit):
            parse_args(["--settings", bad])


def test_cpu_shares_and_other_processes() -> None:
    zero = dict.fromkeys(("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"), 0)
    after = {**zero, "user": 50, "system": 10, "idle": 30, "steal": 10}
    assert cpu_shares(zero, after) == {"busy": 0.6, "idle": 0.3, "steal": 0.1}
    tick = os.sysconf("SC_CLK_TCK")
    before = {1: ("a", 0), os.getpid(): ("me", 0), 7: ("python -m llama_cpp.server", 0)}
    after_p = {1: ("a", 2 * tick), os.getpid(): ("me", 5 * tick), 7: ("python -m llama_cpp.server", 9 * tick),
               9: ("new", tick)}  # fmt: skip
    assert others_cpu(before, after_p) == {"cpu_s": 3.0, "top": [[2.0, "a"], [1.0, "new"]]}


def test_summary_takes_medians_per_entry() -> None:
    def turn(name: str, tok_s: float, others: float) -> dict:
        return {"name": name, "tok_s_c1": tok_s, "decode_tok_s_c1": tok_s + 10, "ttft_p50_ms_c1": 80.0,
                "cpu": {"steal": 0.0}, "turn_s": 10.0, "others": {"cpu_s": others}}  # fmt: skip

    out = summary([turn("t2", 60, 0), turn("t2", 90, 5), turn("t2", 70, 10), turn("onnx", 80, 0)])
    assert out["t2"]["tok_s_c1_median"] == 70 and (out["t2"]["tok_s_c1_min"], out["t2"]["tok_s_c1_max"]) == (60, 90)
    assert out["t2"]["others_cpu_share_median"] == 0.5 and out["onnx"]["decode_tok_s_c1_median"] == 90


def test_llamacpp_server_gets_both_thread_counts(monkeypatch, tmp_path) -> None:
    args = bench_engine.parse_args(["--llamacpp-threads", "1", "--llamacpp-threads-batch", "2"])
    [(command, _)] = started_llamacpp(monkeypatch, tmp_path, args)
    assert command[command.index("--n_threads") + 1] == "1" and command[command.index("--n_threads_batch") + 1] == "2"
