"""The one-stream turns the interleaved comparisons share (``loadtests/one_stream.py``)."""

from __future__ import annotations

from pathlib import Path

from loadtests import bench_engine, llamacpp_threads
from loadtests.one_stream import Turn, llamacpp_args
from tests.llamacpp_fakes import started_llamacpp


def test_llamacpp_args_start_one_stream_with_the_given_server(monkeypatch, tmp_path) -> None:
    args = llamacpp_args(
        tokens=16, requests=3, threads=1, threads_batch=2, port=9300, server="stock", gguf=Path("/m.gguf")
    )
    assert (args.concurrency, args.max_tokens, args.requests_per_client, args.min_requests) == ([1], 16, 1, 3)
    assert (args.llamacpp_server, args.gguf, args.port, args.wait_quiet) == ("stock", Path("/m.gguf"), 9300, 0)
    [(command, _)] = started_llamacpp(monkeypatch, tmp_path, args)
    assert command[command.index("--n_threads") + 1] == "1" and command[command.index("--n_threads_batch") + 1] == "2"
    default = llamacpp_args(tokens=16, requests=3, threads=2)
    fresh = bench_engine.parse_args([])
    assert (default.llamacpp_threads_batch, default.port, default.llamacpp_server) == (
        2,
        fresh.port,
        fresh.llamacpp_server,
    )


def test_a_turn_is_disturbed_when_others_used_a_tenth_of_a_core(monkeypatch) -> None:
    used = iter([0.0, 5.0])  # CPU seconds of other processes over the turn: none, then 5
    monkeypatch.setattr(llamacpp_threads, "wait_for_quiet", lambda s: 1.5)
    monkeypatch.setattr(llamacpp_threads, "process_ticks", dict)
    monkeypatch.setattr(llamacpp_threads, "others_cpu", lambda before, after: {"cpu_s": next(used), "top": []})
    ticks = iter([0.0, 190.0, 200.0, 200.0])  # quiet begins, busy begins, quiet ends, busy ends
    monkeypatch.setattr("loadtests.one_stream.time.perf_counter", lambda: next(ticks))
    quiet, busy = Turn(20.0), Turn(0.0)
    fields = quiet.fields()
    assert fields["waited_quiet_s"] == 1.5 and busy.waited == 0.0
    assert (fields["turn_s"], fields["disturbed"]) == (200.0, False)
    busy_fields = busy.fields()
    assert (busy_fields["turn_s"], busy_fields["disturbed"]) == (10.0, True)  # 5 CPU s in 10 s: half a core
    assert set(fields) == {"turn_s", "cpu", "others", "disturbed", "waited_quiet_s", "load_1m_before"}
