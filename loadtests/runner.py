"""Run the Locust load test headless, judge it against SLOs, search for capacity.

Used by ``llmops loadtest``. Locust always runs as its own process (``python -m locust``): its
gevent monkey-patching must not reach this interpreter. Load goes to the given host only,
bounded by a user count and a run time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loadtests.slo import SLO, Verdict, judge, read_stats

REPO = Path(__file__).resolve().parent.parent
LOCUSTFILE = REPO / "loadtests" / "locustfile.py"
SCENARIOS = {
    "short": "ShortChatUser",
    "long": "LongPromptChatUser",
    "context": "ContextChatUser",
    "grounded": "GroundedChatUser",
    "embeddings": "EmbeddingsUser",
    "mixed": "MixedUser",
}


@dataclass
class LocustRun:
    users: int
    prefix: Path  # <prefix>_stats.csv, _stats_history.csv, _failures.csv, _exceptions.csv
    html: Path
    log: Path
    returncode: int
    verdict: Verdict

    @property
    def stats_csv(self) -> Path:
        return Path(f"{self.prefix}_stats.csv")


def run_locust(
    host: str,
    *,
    scenario: str,
    users: int,
    spawn_rate: float,
    run_time_s: int,
    out_dir: Path,
    slo: SLO,
    api_keys: list[str],
    think: tuple[float, float] = (0.5, 2.0),
    max_tokens: int = 32,
    chat_model: str | None = None,
    embed_model: str | None = None,
    label: str | None = None,
) -> LocustRun:
    """One bounded headless Locust run; CSV + HTML under out_dir; the SLO verdict of its stats."""
    out_dir.mkdir(parents=True, exist_ok=True)
    name = label or f"{scenario}-u{users}-{time.strftime('%Y%m%dT%H%M%S')}"
    prefix, html, log = out_dir / name, out_dir / f"{name}.html", out_dir / f"{name}.log"
    cmd = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", host,
        "--users", str(users), "--spawn-rate", str(spawn_rate), "--run-time", f"{run_time_s}s", "--stop-timeout", "30",
        "--csv", str(prefix), "--html", str(html), "--only-summary", "--loglevel", "WARNING",
        "--think-min", str(think[0]), "--think-max", str(think[1]), "--max-tokens", str(max_tokens),
        SCENARIOS[scenario],
    ]  # fmt: skip
    if chat_model:
        cmd[-1:-1] = ["--chat-model", chat_model]
    if embed_model:
        cmd[-1:-1] = ["--embed-model", embed_model]
    env = {**os.environ, "LLMOPS_LOADTEST_API_KEYS": ",".join(api_keys)}  # keys by environment: not in `ps`
    with log.open("w") as out:
        proc = subprocess.run(
            cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=run_time_s + 120, check=False
        )
    if not Path(f"{prefix}_stats.csv").exists():
        raise RuntimeError(f"locust wrote no stats (exit {proc.returncode}); see {log}:\n{log.read_text()[-2000:]}")
    return LocustRun(users, prefix, html, log, proc.returncode, judge(read_stats(Path(f"{prefix}_stats.csv")), slo))


def capacity_search(
    run: Callable[[int], LocustRun], *, start: int, factor: float, max_users: int
) -> tuple[int | None, list[LocustRun]]:
    """Ramp users (start, start*factor, ..., max_users) until the SLO breaks; the largest user
    count whose run met the SLO (None if the first did not), and every run."""
    runs: list[LocustRun] = []
    users, best = min(start, max_users), None
    while True:
        result = run(users)
        runs.append(result)
        if not result.verdict.passed:
            break
        best = users
        if users >= max_users:
            break
        users = min(max(users + 1, round(users * factor)), max_users)
    return best, runs
