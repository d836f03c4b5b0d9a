"""Where a request's time goes in the gateway: per-request timestamps, off by default.

With ``LLMOPS_GATEWAY_TIMINGS_PATH`` set, the gateway appends one JSON line per request when it
finishes (a debugging aid for benchmarks; leave it unset in production)::

    {"request_id": "...", "route": "chat", "status": 200, "input_guard": "pass",
     "at": 1764532800.123,                       # arrival, wall clock (seconds since the epoch)
     "ms": {"auth": 0.1, ..., "input_guard": 3.2, "routing": 3.3,   # each stage before the engine done
            "engine_call": 3.4, "first_engine_chunk": 6012.0, "first_chunk_out": 6460.1, "done": 29000.0},
     "scans": {"input": [count, wall_ms, cpu_ms], "output": [count, wall_ms, cpu_ms]}}

``ms``: milliseconds since arrival at each mark; ``scans``: the safety checks the request ran per
direction, with their wall time and the CPU time of the thread that waited for them (a check
that runs inline on the event loop: wall well above CPU means the loop thread was not running,
e.g. preempted by the engine's threads). Only numbers and short decision words: never a prompt,
an answer or a key.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson


@dataclass
class Timings:
    """One request's marks (``time.perf_counter`` values) and safety check totals."""

    started: float
    at: float = field(default_factory=time.time)
    marks: dict[str, float] = field(default_factory=dict)
    scans: dict[str, list[float]] = field(default_factory=dict)  # direction -> [count, wall s, cpu s]

    def mark(self, name: str) -> None:
        """The first time ``name`` happens (later calls keep the first)."""
        self.marks.setdefault(name, time.perf_counter())

    def scanned(self, direction: str, wall_s: float, cpu_s: float) -> None:
        total = self.scans.setdefault(direction, [0, 0.0, 0.0])
        total[0] += 1
        total[1] += wall_s
        total[2] += cpu_s

    def record(self, request_id: str, route: str, status: int, decisions: dict[str, str]) -> dict[str, Any]:
        return {
            "request_id": request_id,
            "route": route,
            "status": status,
            "input_guard": decisions.get("input_guard"),
            "at": round(self.at, 4),
            "ms": {name: round(1000 * (t - self.started), 2) for name, t in self.marks.items()},
            "scans": {d: [int(n), round(1000 * w, 2), round(1000 * c, 2)] for d, (n, w, c) in self.scans.items()},
        }


class TimingLog:
    """Appends one line per finished request to ``path`` (``Timings.record``)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def start(self, started: float) -> Timings:
        return Timings(started)

    def write(self, timings: Timings, request_id: str, route: str, status: int, decisions: dict[str, str]) -> None:
        timings.mark("done")
        line = orjson.dumps(timings.record(request_id, route, status, decisions)) + b"\n"
        with self.path.open("ab") as f:  # one short append per request; a debugging aid, not a hot path
            f.write(line)
