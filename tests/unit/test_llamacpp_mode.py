"""loadtests/llamacpp_mode.py and llamacpp_one_thread.py: settings parsed (bad ones refused before any
server starts), each setting's environment, options and launcher reach llama.cpp's server command,
a start's mode from its decode speed, mode counts over undisturbed starts only, the server's threads
read from /proc; the one-thread launcher runs every model call (and every step of a stream) on one
thread that is not the event loop's."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from loadtests import bench_engine
from loadtests.llamacpp_mode import SETTINGS, engine_args, mode_of, parse_args, summary, thread_stats
from loadtests.llamacpp_one_thread import iterate_in_one_thread, run_in_one_thread
from tests.llamacpp_fakes import started_llamacpp


def test_settings_are_parsed_and_bad_ones_refused() -> None:
    args = parse_args(["--settings", "default,one_thread", "--rounds", "2"])
    assert args.settings == ["default", "one_thread"] and args.rounds == 2
    for bad in (["--settings", "default,nope"], ["--rounds", "0"], ["--threads", "0"]):
        with pytest.raises(SystemExit):
            parse_args(bad)


def test_mode_and_counts_over_undisturbed_starts() -> None:
    assert mode_of(95.0, 90.0) == "fast" and mode_of(89.9, 90.0) == "slow" and mode_of(None, 90.0) is None

    def start(setting: str, decode: float, disturbed: bool = False) -> dict:
        return {"setting": setting, "decode_tok_s_c1": decode, "tok_s_c1": decode - 10,
                "mode": mode_of(decode, 90.0), "disturbed": disturbed, "working_threads": 2}  # fmt: skip

    out = summary([start("a", 100), start("a", 60), start("a", 100, disturbed=True), start("b", 95)])
    assert (out["a"]["starts"], out["a"]["undisturbed"], out["a"]["fast"], out["a"]["slow"]) == (3, 2, 1, 1)
    assert out["a"]["undisturbed_decode_tok_s_c1_median"] == 80 and out["b"]["fast"] == 1


def test_thread_stats_reads_this_process() -> None:
    threads = thread_stats(os.getpid())
    assert sum(t["main"] for t in threads) == 1
    assert all(t["cpu_s"] >= 0 and t["last_core"] >= 0 for t in threads)


@pytest.mark.parametrize("setting", ["default", "omp_bind", "no_mmap", "one_thread"])
def test_setting_reaches_the_server_command(setting, monkeypatch, tmp_path) -> None:
    args = engine_args(setting, parse_args(["--settings", setting, "--threads", "2"]))
    [(command, env)] = started_llamacpp(monkeypatch, tmp_path, args)
    environment, options, server = SETTINGS[setting]
    assert env == environment and (not options or command[-len(options) :] == options)
    assert command[command.index("--n_threads") + 1] == "2" and command[command.index("--n_threads_batch") + 1] == "2"
    if server == "one-thread":
        assert command[1].endswith("loadtests/llamacpp_one_thread.py") and "llama_cpp.server" not in command
    else:
        assert command[1:3] == ["-m", "llama_cpp.server"]


def test_one_thread_runs_every_call_on_one_thread() -> None:
    seen: list[int] = []

    def numbers():
        for i in range(5):
            seen.append(threading.get_ident())
            yield i

    def fails():
        yield 1
        raise ValueError("boom")

    async def main() -> tuple[list[int], int]:
        got = [x async for x in iterate_in_one_thread(numbers())]
        called = await run_in_one_thread(threading.get_ident)
        with pytest.raises(ValueError, match="boom"):
            [x async for x in iterate_in_one_thread(fails())]
        return got, called

    got, called = asyncio.run(main())
    assert got == [0, 1, 2, 3, 4]
    assert len(set(seen)) == 1 and seen[0] == called != threading.get_ident()


@pytest.mark.parametrize(("given", "expected"), [([], "one-thread"), (["--llamacpp-server", "stock"], "stock")])
def test_bench_quantization_starts_llamacpp_with_one_thread_by_default(given, expected, monkeypatch, tmp_path) -> None:
    from loadtests import _common, bench_quantization

    (tmp_path / "lib" / "python3.11" / "site-packages" / "llama_cpp").mkdir(parents=True)
    monkeypatch.setattr(_common, "bench_venv", lambda _: tmp_path)
    monkeypatch.setattr("sys.argv", ["bench_quantization.py", "--variants", "ort_int4", *given])
    args = bench_quantization.parse_args()
    args.gguf = tmp_path / "m.gguf"
    seen = []

    async def run_system(name, own_args, workdir):
        seen.append((name, own_args.llamacpp_server))
        return {"levels": []}

    monkeypatch.setattr(bench_engine, "run_system", run_system)
    levels, others = asyncio.run(bench_quantization.peers(["llamacpp"], args))
    assert seen == [("llamacpp", expected)] and levels == {"llamacpp": []}
    assert set(others["llamacpp"]) == {"others_cpu_share", "others_top", "disturbed"}  # what ran beside it
