"""One-stream turns shared by the interleaved comparisons (``llamacpp_threads``, ``llamacpp_mode``,
``bench_int4_interleaved``, ``ort_session_options``).

- ``llamacpp_args`` / ``llamacpp_level``: one start of llama.cpp's own OpenAI server by
  ``bench_engine``'s launcher (the Q4_1 GGUF unless ``gguf``), one stream, ``requests`` chat
  requests of ``tokens`` tokens after its warm-up, then the server stopped.
- ``onnx_level``: an ONNX build in ``OnnxGenAIEngine`` in process, measured as
  ``bench_quantization`` measures it, at one stream.
- ``Turn``: around one turn, the wait for other processes to go quiet and what the machine did
  meanwhile (``llamacpp_threads``' readings of ``/proc``).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any


def llamacpp_args(
    *,
    tokens: int,
    requests: int,
    threads: int,
    threads_batch: int | None = None,
    port: int | None = None,
    server: str | None = None,
    gguf: Path | None = None,
    bench_venv: str | None = None,
) -> argparse.Namespace:
    """``bench_engine``'s arguments for one llama.cpp server start measured at one stream; the
    options left at None keep ``bench_engine``'s defaults."""
    from loadtests import bench_engine

    argv = ["--concurrency", "1", "--max-tokens", str(tokens), "--requests-per-client", "1",
            "--min-requests", str(requests), "--llamacpp-threads", str(threads),
            "--llamacpp-threads-batch", str(threads_batch or threads), "--wait-quiet", "0"]  # fmt: skip
    if port is not None:
        argv += ["--port", str(port)]
    if server is not None:
        argv += ["--llamacpp-server", server]
    if gguf:
        argv += ["--gguf", str(gguf)]
    if bench_venv:
        argv += ["--bench-venv", bench_venv]
    return bench_engine.parse_args(argv)


async def llamacpp_level(engine_args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Start llama.cpp's server, warm it up, measure its one level, stop it."""
    from loadtests import bench_engine

    [level] = (await bench_engine.run_system("llamacpp", engine_args, workdir))["levels"]
    return level


async def onnx_level(folder: Path, *, requests: int, tokens: int) -> dict[str, Any]:
    """The ONNX build's one-stream level, after ``bench_quantization``'s warm-up."""
    from loadtests.bench_quantization import engine_levels

    level_args = argparse.Namespace(concurrency=[1], requests_per_client=1, min_requests=requests, tokens=tokens)
    [level] = await engine_levels(folder, level_args)
    return level


class Turn:
    """Made before a turn: waits up to ``quiet_wait`` seconds for other processes to go quiet, then
    takes the readings; ``fields()`` after the turn: its seconds, the machine's CPU shares, other
    processes' CPU seconds (``disturbed`` from ``QUIET_SHARE`` of a core), the wait and the load."""

    def __init__(self, quiet_wait: float):
        from loadtests import llamacpp_threads as machine

        self._machine = machine
        self.waited = machine.wait_for_quiet(quiet_wait) if quiet_wait > 0 else 0.0
        self.load = os.getloadavg()[0]
        self.cpu, self.procs, self.began = machine.cpu_times(), machine.process_ticks(), time.perf_counter()

    def fields(self) -> dict[str, Any]:
        m = self._machine
        turn_s = round(time.perf_counter() - self.began, 1)
        others = m.others_cpu(self.procs, m.process_ticks())
        return {
            "turn_s": turn_s,
            "cpu": m.cpu_shares(self.cpu, m.cpu_times()),  # the whole turn, a server's start included
            "others": others,  # what else ran on the cores meanwhile
            "disturbed": others["cpu_s"] / turn_s >= m.QUIET_SHARE,
            "waited_quiet_s": self.waited,
            "load_1m_before": round(self.load, 2),
        }
