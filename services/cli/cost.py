"""``llmops cost``: budgets, spending reports, allocation of replica time, TCO, spot report."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.cli.monitor import parse_duration

cost_app = typer.Typer(no_args_is_help=True)
budget_app = typer.Typer(no_args_is_help=True)
cost_app.add_typer(
    budget_app, name="budget", help="Set, list and remove budgets (hard stop: 429 budget_exceeded at the gateway)."
)
console = Console(stderr=True)

LedgerOption = Annotated[
    Path | None, typer.Option("--ledger", help="Ledger database (default: $LLMOPS_GATEWAY_LEDGER_DB or var/ledger.db).")
]
PricesOption = Annotated[
    Path | None,
    typer.Option("--prices", help="Price table (default: $LLMOPS_GATEWAY_PRICES_FILE or config/prices.yaml)."),
]


def _ledger(path: Path | None):
    from services.gateway.config import GatewaySettings
    from services.gateway.ledger import Ledger

    return Ledger(path or GatewaySettings().ledger_db)


def _prices(path: Path | None):
    from services.gateway.config import GatewaySettings
    from services.gateway.prices import load_prices

    return load_prices(path or GatewaySettings().prices_file)


@budget_app.command("set")
def budget_set(
    name: Annotated[
        str, typer.Argument(help="Budget name (shown to clients when it refuses a request; never name a key here).")
    ],
    limit: Annotated[
        float,
        typer.Option(
            "--limit", min=0.0, help="Hard limit in USD per period; requests are refused once spending reaches it."
        ),
    ],
    team: Annotated[str | None, typer.Option(help="The team this budget covers (keys created with --team).")] = None,
    key_id: Annotated[str | None, typer.Option(help="The key id (from `llmops keys list`) this budget covers.")] = None,
    period: Annotated[str, typer.Option(help="day, month (UTC) or total.")] = "month",
    soft: Annotated[
        float, typer.Option(min=0.01, max=1.0, help="Share of the limit from which the budget alerts (soft limit).")
    ] = 0.8,
    ledger: LedgerOption = None,
) -> None:
    """Create or replace a budget for a team or a key."""
    from services.gateway.ledger import Budget

    if (team is None) == (key_id is None):
        raise typer.BadParameter("give exactly one of --team or --key-id")
    try:
        scope = "team" if team else "key"
        _ledger(ledger).set_budget(Budget(name, scope, team or key_id, period, limit, soft))  # type: ignore[arg-type]
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    console.print(
        f"budget {name!r}: ${limit:g} per {period} for {'team ' + team if team else 'key ' + str(key_id)},"
        f" alerts from {soft:.0%}"
    )


@budget_app.command("list")
def budget_list(
    ledger: LedgerOption = None, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
) -> None:
    """Budgets with what has been spent in their current period."""
    statuses = _ledger(ledger).status()
    if as_json:
        print(json.dumps([{**s.budget.__dict__, "spent_usd": s.spent_usd, "ratio": s.ratio} for s in statuses]))
        return
    table = Table("name", "scope", "subject", "period", "limit $", "spent $", "used", "state")
    for s in statuses:
        state = "[red]hard stop[/]" if s.hard_reached else "[yellow]soft limit[/]" if s.soft_reached else "ok"
        b = s.budget
        table.add_row(
            b.name, b.scope, b.subject, b.period, f"{b.limit_usd:.4f}", f"{s.spent_usd:.4f}", f"{s.ratio:.0%}", state
        )
    Console().print(table)


@budget_app.command("remove")
def budget_remove(name: Annotated[str, typer.Argument(help="Budget name.")], ledger: LedgerOption = None) -> None:
    """Remove a budget (its charges stay in the ledger)."""
    if not _ledger(ledger).remove_budget(name):
        console.print(f"[red]error:[/] no budget named {name!r}")
        raise typer.Exit(1)
    console.print(f"removed budget {name!r}")


@cost_app.command()
def report(
    by: Annotated[str, typer.Option(help="Group by team, key_id or model.")] = "team",
    since: Annotated[str, typer.Option(help="How far back (e.g. 24h, 30d).")] = "30d",
    ledger: LedgerOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Spending from the ledger, grouped by team, key or model."""
    try:
        rows = _ledger(ledger).report(by=by, since=time.time() - parse_duration(since))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if as_json:
        print(json.dumps(rows))
        return
    table = Table(by, "model", "requests", "prompt tokens", "completion tokens", "cost $")
    for r in rows:
        table.add_row(
            str(r[by] or "-"),
            r["model"],
            str(r["requests"]),
            str(r["prompt_tokens"]),
            str(r["completion_tokens"]),
            f"{r['cost_usd']:.6f}",
        )
    Console().print(table)


@cost_app.command()
def allocate(
    log: Annotated[
        Path | None, typer.Option(help="Request log (default: $LLMOPS_GATEWAY_REQUEST_LOG_PATH or var/requests.jsonl).")
    ] = None,
    since: Annotated[str, typer.Option(help="Window length, ending now (e.g. 24h).")] = "24h",
    replicas: Annotated[
        list[str] | None,
        typer.Option(help="MODEL=N engine replicas that ran in the window (repeatable; default 1 each)."),
    ] = None,
    by: Annotated[str, typer.Option(help="Allocate to team or key_id.")] = "team",
    prices: PricesOption = None,
) -> None:
    """Share self-hosted engines' replica time (replicas x window x hourly price) between teams or
    keys by their share of tokens; hosted models at their per-token price. Prints JSON."""
    from services.gateway.config import GatewaySettings
    from services.gateway.prices import allocate as share
    from services.gateway.request_log import read_records

    if by not in ("team", "key_id"):
        raise typer.BadParameter("--by must be team or key_id")
    counts = {}
    for item in replicas or []:
        model, _, n = item.partition("=")
        if not n.isdigit():
            raise typer.BadParameter(f"{item!r} is not MODEL=N")
        counts[model] = int(n)
    window = parse_duration(since)
    records = list(read_records(log or GatewaySettings().request_log_path, since=time.time() - window))
    print(
        json.dumps(
            {
                "window_seconds": window,
                "requests": len(records),
                "usd": share(records, _prices(prices), window_seconds=window, replicas=counts, by=by),
            }
        )
    )


@cost_app.command()
def tco(
    gpu_hour_usd: Annotated[float, typer.Option(min=0.0, help="Accelerator (node) price per hour, on-demand.")],
    tokens_per_second: Annotated[
        float | None,
        typer.Option(min=0.0, help="Measured generation throughput of one replica (or use --measure-url)."),
    ] = None,
    measure_url: Annotated[
        str | None,
        typer.Option(
            help="Measure throughput now through this OpenAI-compatible base URL (e.g. http://127.0.0.1:8000/v1)."
        ),
    ] = None,
    api_key: Annotated[str | None, typer.Option(envvar="LLMOPS_API_KEY", help="Key for --measure-url.")] = None,
    model: Annotated[str, typer.Option(help="Model to measure.")] = "smollm2-135m-instruct",
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Concurrent streams while measuring.")] = 8,
    seconds: Annotated[float, typer.Option(min=1.0, max=600.0, help="How long to measure.")] = 15.0,
    utilisation: Annotated[
        float, typer.Option(min=0.01, max=1.0, help="Share of the time the replica is busy at that throughput.")
    ] = 0.6,
    spot_discount: Annotated[
        float, typer.Option(min=0.0, max=0.99, help="Discount of spot over on-demand (0.6 = 60% cheaper).")
    ] = 0.0,
    power_watts: Annotated[float, typer.Option(min=0.0, help="Power draw of the node (W).")] = 700.0,
    pue: Annotated[float, typer.Option(min=1.0, help="Data-centre power usage effectiveness.")] = 1.2,
    grid_gco2_per_kwh: Annotated[float, typer.Option(min=0.0, help="Grid carbon intensity (gCO2e per kWh).")] = 400.0,
) -> None:
    """$ per 1M tokens, energy and CO2e per 1M tokens from price, throughput, utilisation and
    spot discount. Prints JSON as its last line."""
    import asyncio

    from rich.progress import Progress

    from monitoring.cost.tco import TCOInputs, as_dict
    from monitoring.cost.tco import tco as compute

    measured = None
    if measure_url:
        if not api_key:
            raise typer.BadParameter("--measure-url needs --api-key (or $LLMOPS_API_KEY)")
        from monitoring.cost.throughput import measure_tokens_per_second

        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"measuring {model} for {seconds:.0f}s", total=None)
            measured = asyncio.run(
                measure_tokens_per_second(
                    measure_url,
                    api_key,
                    model,
                    concurrency=concurrency,
                    seconds=seconds,
                    progress=lambda n: progress.update(task, description=f"{n} tokens"),
                )
            )
        tokens_per_second = measured
        console.print(f"measured {measured:.1f} completion tokens/s at {concurrency} streams")
    if not tokens_per_second:
        raise typer.BadParameter("give --tokens-per-second or --measure-url")
    try:
        inputs = TCOInputs(
            gpu_hour_usd, tokens_per_second, utilisation, spot_discount, power_watts, pue, grid_gco2_per_kwh
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    result = as_dict(inputs, compute(inputs))
    console.print(
        f"${result['usd_per_1m_tokens']:.4f} per 1M tokens, {result['kwh_per_1m_tokens']:.3f} kWh"
        f" and {result['gco2e_per_1m_tokens']:.0f} gCO2e per 1M tokens"
    )
    print(
        json.dumps(
            {**result, "measured": measured is not None, "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
        )
    )


@cost_app.command()
def spot(
    instance_prices: Annotated[Path, typer.Option(help="Hourly prices per instance type.")] = Path(
        "config/instance_prices.yaml"
    ),
    nodes_json: Annotated[
        Path | None, typer.Option(help="Read a saved NodeList response instead of the cluster.")
    ] = None,
    pods_json: Annotated[
        Path | None, typer.Option(help="Read a saved PodList response instead of the cluster.")
    ] = None,
    pod_selector: Annotated[
        str, typer.Option(help="Label selector of llmops (KubeRay) pods in the cluster.")
    ] = "ray.io/node-type",
    kubeconfig: Annotated[
        str | None, typer.Option(help="Kubeconfig file (default: in-cluster config, then ~/.kube/config).")
    ] = None,
    min_on_demand_workers: Annotated[int, typer.Option(min=0, help="Worker nodes to keep on on-demand capacity.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Nodes by capacity type (spot / on-demand) and instance type, their hourly price and the
    llmops replicas on them, with recommended moves."""
    from monitoring.cost import spot as spot_report

    prices = spot_report.load_instance_prices(instance_prices)
    if (nodes_json is None) != (pods_json is None):
        raise typer.BadParameter("give both --nodes-json and --pods-json, or neither (live cluster)")
    if nodes_json is not None and pods_json is not None:
        nodes = spot_report.deserialize(nodes_json.read_text(), "V1NodeList")
        pods = spot_report.deserialize(pods_json.read_text(), "V1PodList")
    else:
        with console.status("reading nodes and pods from the cluster"):
            nodes, pods = spot_report.live_lists(pod_selector, kubeconfig)
    rows = spot_report.report(nodes, pods, prices)
    recs = spot_report.recommend(rows, prices, min_on_demand_workers=min_on_demand_workers)
    if not as_json:
        table = Table("node", "capacity", "instance", "$/hour", "llmops pods")
        for n in rows:
            pods_text = ", ".join(f"{role}:{name}" for _, name, role in n.pods) or "-"
            table.add_row(
                n.name, n.capacity, n.instance_type, "?" if n.hourly_usd is None else f"{n.hourly_usd:.3f}", pods_text
            )
        Console().print(table)
        for r in recs:
            console.print(f"{r.action:24} {r.node}: {r.detail} ({r.saving_usd_per_hour:+.3f} $/h)")
    print(spot_report.as_json(rows, recs))
