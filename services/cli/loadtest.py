"""``llmops loadtest``: Locust against the stack, with an SLO verdict (and a capacity search)."""

from __future__ import annotations

import functools
import json
import os
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console(stderr=True)
REPO = Path(__file__).resolve().parents[2]


def loadtest(
    host: Annotated[
        str | None,
        typer.Option(
            help="Base URL of a running stack (or cluster); without it, a local stack is started and stopped."
        ),
    ] = None,
    api_key: Annotated[
        list[str] | None,
        typer.Option(
            "--api-key",
            envvar="LLMOPS_LOADTEST_API_KEYS",
            help="API key(s) for --host; repeat for several (with a local stack: one is created).",
        ),
    ] = None,
    scenario: Annotated[str, typer.Option(help="short | long | context | grounded | embeddings | mixed.")] = "mixed",
    users: Annotated[
        int, typer.Option(min=1, max=512, help="Concurrent users (the start count in --capacity mode).")
    ] = 4,
    spawn_rate: Annotated[float, typer.Option(min=0.1, help="Users started per second.")] = 2.0,
    run_time: Annotated[int, typer.Option(min=5, max=3600, help="Seconds of load per run.")] = 30,
    warmup: Annotated[
        int,
        typer.Option(min=0, max=600, help="Seconds of unjudged load first (first requests compile kernels); 0: none."),
    ] = 15,
    think_min: Annotated[float, typer.Option(min=0, help="Shortest think time between a user's requests (s).")] = 0.5,
    think_max: Annotated[float, typer.Option(min=0, help="Longest think time between a user's requests (s).")] = 2.0,
    max_tokens: Annotated[int, typer.Option(min=1, help="max_tokens of chat requests.")] = 32,
    chat_model: Annotated[str | None, typer.Option(help="Chat model (default: smollm2-135m-instruct).")] = None,
    embed_model: Annotated[str | None, typer.Option(help="Embedding model (default: all-minilm-l6-v2).")] = None,
    slo_file: Annotated[Path, typer.Option("--slo", exists=True, dir_okay=False, help="SLO thresholds (YAML).")] = REPO
    / "loadtests"
    / "slo.yaml",
    out: Annotated[Path, typer.Option(help="Folder for the CSV, HTML and log files.")] = REPO / "loadtests" / "results",
    capacity: Annotated[
        bool,
        typer.Option(
            "--capacity", help="Ramp users from --users until the SLO breaks; report the most users that met it."
        ),
    ] = False,
    capacity_factor: Annotated[
        float, typer.Option(min=1.1, help="Capacity mode: multiply users by this per step.")
    ] = 2.0,
    max_users: Annotated[int, typer.Option(min=1, max=512, help="Capacity mode: stop after this many users.")] = 64,
) -> None:
    """Run Locust headless for a bounded time and user count, write CSV + HTML reports, print the
    SLO verdict (p95 TTFT, p95 ITL, error ratio) and a last-line JSON; exit 1 on a breach."""
    from loadtests.runner import SCENARIOS, capacity_search, run_locust
    from loadtests.slo import SLO

    if scenario not in SCENARIOS:
        raise typer.BadParameter(f"choose one of {', '.join(SCENARIOS)}", param_hint="--scenario")
    if think_max < think_min:
        raise typer.BadParameter("must be >= --think-min", param_hint="--think-max")
    slo = SLO.load(slo_file)
    keys = [k for item in (api_key or []) for k in item.split(",") if k.strip()]
    with ExitStack() as stack:
        if host is None:
            os.environ.setdefault("RAY_AUTH_MODE", "disabled")
            from services.cli.local_stack import LocalStack
            from services.gateway.keys import KeyStore

            workdir = Path(tempfile.mkdtemp(prefix="llmops-loadtest-"))
            keys_db = workdir / "keys.db"
            console.print(f"starting the local stack (log: {workdir / 'serve.log'})")
            host = stack.enter_context(LocalStack(workdir, env={"LLMOPS_GATEWAY_KEYS_DB": str(keys_db)})).url

            keys = [KeyStore(keys_db).create("loadtest")[0]]
        elif not keys:
            console.print(
                "[yellow]no --api-key given: requests go without a key (only a --no-auth stack accepts them)[/]"
            )

        locust = functools.partial(
            run_locust,
            host,
            scenario=scenario,
            spawn_rate=spawn_rate,
            slo=slo,
            api_keys=keys,
            think=(think_min, think_max),
            max_tokens=max_tokens,
            chat_model=chat_model,
            embed_model=embed_model,
        )

        def one_run(n: int):
            with console.status(f"Locust: {n} users, {scenario}, {run_time}s against {host}"):
                result = locust(users=n, run_time_s=run_time, out_dir=out)
            _print_verdict(result)
            return result

        if warmup:
            with console.status(f"warming up: {users} users for {warmup}s (not judged)"):
                locust(users=users, run_time_s=warmup, out_dir=out / "warmup")

        if capacity:
            best, runs = capacity_search(one_run, start=users, factor=capacity_factor, max_users=max_users)
            summary = {
                "mode": "capacity", "scenario": scenario, "host": host, "run_time_s": run_time,
                "max_sustainable_users": best, "search_limit_reached": runs[-1].verdict.passed,
                "steps": [{"users": r.users, "passed": r.verdict.passed, **_figures(r)} for r in runs],
            }  # fmt: skip
            console.print(
                f"max sustainable concurrency: {best if best is not None else f'below {users}'} users"
                + (" (search limit reached)" if runs[-1].verdict.passed else "")
            )
            print(json.dumps(summary))
            raise typer.Exit(0 if best is not None else 1)
        result = one_run(users)
        summary = {
            "mode": "run",
            "scenario": scenario,
            "host": host,
            "users": users,
            "run_time_s": run_time,
            "csv": str(result.stats_csv),
            "html": str(result.html),
            **result.verdict.as_dict(),
        }
        print(json.dumps(summary))
        raise typer.Exit(0 if result.verdict.passed else 1)


def _figures(run) -> dict:
    s = run.verdict.stats
    return {
        "requests": s.requests,
        "error_ratio": round(s.error_ratio, 4),
        "requests_per_s": s.requests_per_s,
        "ttft_p95_s": s.ttft_p95_s,
        "itl_p95_s": s.itl_p95_s,
    }


def _print_verdict(run) -> None:
    table = Table(
        "check",
        "measured",
        "threshold",
        "",
        title=f"{run.users} users: {'SLO met' if run.verdict.passed else 'SLO BREACHED'}",
    )
    for check in run.verdict.checks:
        table.add_row(
            check.name,
            "-" if check.measured is None else f"{check.measured:g}",
            f"{check.threshold:g}",
            "[green]ok[/]" if check.passed else "[red]breach[/]",
        )
    console.print(table)
    console.print(f"reports: {run.stats_csv}, {run.html}")
