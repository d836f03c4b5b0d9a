"""``llmops ab``: experiment reports, verdicts, promotion and canary checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from services.router.config import RouterSettings
from services.router.experiments import Experiment, ExperimentConfigError, load_experiments

ab_app = typer.Typer(no_args_is_help=True)
console = Console(stderr=True)

ExperimentsOption = Annotated[
    Path | None,
    typer.Option(
        "--experiments", help="Experiments YAML [default: $LLMOPS_ROUTER_EXPERIMENTS_FILE or config/experiments.yaml]."
    ),
]
StoreOption = Annotated[
    str | None,
    typer.Option("--store-url", help="Experiment store URL [default: $LLMOPS_ROUTER_STORE_URL or var/ab.db]."),
]


def _settings(experiments: Path | None, store_url: str | None) -> RouterSettings:
    overrides: dict[str, Any] = {}
    if experiments:
        overrides["experiments_file"] = experiments
    if store_url:
        overrides["store_url"] = store_url
    return RouterSettings(**overrides)


def _experiment(settings: RouterSettings, name: str) -> Experiment:
    try:
        experiments = load_experiments(settings.experiments_file) if settings.experiments_file else []
    except ExperimentConfigError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    found = next((e for e in experiments if e.name == name), None)
    if found is None:
        console.print(f"[red]error:[/] no experiment '{name}' in {settings.experiments_file}")
        raise typer.Exit(2)
    return found


def _report(settings: RouterSettings, exp: Experiment) -> dict[str, Any]:
    from services.router.report import build_report
    from services.router.store import ExperimentStore

    store = ExperimentStore(settings.resolved_store_url())
    try:
        return build_report(store, exp)
    finally:
        store.close()


def _fmt(value: Any, pattern: str = "{:.3g}") -> str:
    return "-" if value is None else pattern.format(value)


@ab_app.command()
def report(
    experiment: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    experiments: ExperimentsOption = None,
    store_url: StoreOption = None,
    prom: Annotated[
        Path | None,
        typer.Option(help="Also write the verdict gauges here (Prometheus text file, for a textfile collector)."),
    ] = None,
    pushgateway: Annotated[
        str | None,
        typer.Option(
            help="Also push the verdict gauges to this Prometheus Pushgateway (host:port; job llmops-ab, "
            "grouped by experiment)."
        ),
    ] = None,
) -> None:
    """Per-variant traffic, errors, latency, tokens, ratings; the anytime-valid test and a verdict."""
    settings = _settings(experiments, store_url)
    result = _report(settings, _experiment(settings, experiment))
    if prom or pushgateway:
        from prometheus_client import push_to_gateway, write_to_textfile

        from services.router.report_metrics import ReportMetrics

        registry = ReportMetrics().export(result)
        if prom:
            write_to_textfile(str(prom), registry)
        if pushgateway:
            # a push replaces its whole group: one group per experiment, or each report would erase the others
            push_to_gateway(pushgateway, job="llmops-ab", grouping_key={"experiment": experiment}, registry=registry)
    if as_json:
        print(json.dumps(result, indent=2))
        return
    table = Table(
        "variant",
        "version",
        "weight",
        "share",
        "requests",
        "error rate",
        "block rate",
        "p50 s",
        "p95 s",
        "TTFT p50",
        "tokens out",
        "ratings",
        "thumbs-up",
    )
    for name, v in result["variants"].items():
        table.add_row(
            name, str(v["version"]), f"{v['weight']:g}", _fmt(v["share"], "{:.1%}"), str(v["requests"]),
            _fmt(v["error_rate"], "{:.2%}"), _fmt(v["block_rate"], "{:.2%}"), _fmt(v["latency_s"]["p50"]),
            _fmt(v["latency_s"]["p95"]), _fmt(v["ttft_s"]["p50"]), str(v["completion_tokens"]), str(v["ratings"]),
            _fmt(v["thumbs_up_rate"], "{:.1%}"),
        )  # fmt: skip
    Console().print(table)
    overridden = {name: v["override_requests"] for name, v in result["variants"].items() if v["override_requests"]}
    if overridden:
        chosen = ", ".join(f"{name} {n}" for name, n in overridden.items())
        console.print(f"requests that chose their variant (X-Llmops-Variant), outside the statistics: {chosen}")
    for name, comp in result["comparisons"].items():
        q = comp["thumbs_up_rate"]
        console.print(
            f"{name} vs {result['control']}: thumbs-up diff {_fmt(q['difference'], '{:+.3f}')}, "
            f"Λ={q['lambda']:.3g} (threshold {q['threshold']:.3g}); error-rate Λ={comp['error_rate']['lambda']:.3g}"
        )
    srm = result["sample_ratio"]
    note = f" ({srm['note']})" if srm.get("note") else ""
    console.print(f"sample ratio: p={srm['p_value']:.3g}{' MISMATCH' if srm['mismatch'] else ''}{note}")
    console.print(f"verdict: [bold]{result['verdict']}[/] ({result['reason']})")


@ab_app.command()
def promote(
    experiment: str,
    variant: Annotated[str | None, typer.Option(help="Promote this variant whatever the verdict.")] = None,
    experiments: ExperimentsOption = None,
    store_url: StoreOption = None,
    tracking_uri: Annotated[str | None, typer.Option("--tracking-uri", help="MLflow URI of the registry.")] = None,
) -> None:
    """Move the model's champion alias to the winning variant's version (the router follows on reload)."""
    from services.registry.config import RegistrySettings
    from services.registry.service import ModelRegistry, RegistryError

    settings = _settings(experiments, store_url)
    exp = _experiment(settings, experiment)
    if variant is None:
        result = _report(settings, exp)
        if result["verdict"] != "promote":
            console.print(f"[red]refused:[/] verdict is {result['verdict']} ({result['reason']}); --variant forces one")
            raise typer.Exit(1)
        variant = result["variant"]
    chosen = exp.variant(variant)
    if chosen is None:
        console.print(f"[red]error:[/] experiment '{experiment}' has no variant '{variant}'")
        raise typer.Exit(2)
    registry = ModelRegistry(RegistrySettings(**({"tracking_uri": tracking_uri} if tracking_uri else {})))
    try:
        version = registry.get_version(exp.model, chosen.version).version
        control = registry.get_version(exp.model, exp.variants[0].version).version
        if version == control and (chosen.system_prompt or chosen.sampling):
            console.print(
                f"[red]refused:[/] '{variant}' is a prompt variant of version {version}: make its system prompt and "
                "sampling the control's in the experiments file"
            )
            raise typer.Exit(1)
        if registry.aliases(exp.model).get("champion") == version:
            console.print(f"{exp.model}: version {version} is already the champion")
            return
        registry.promote(exp.model, version)
    except RegistryError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    console.print(
        f"{exp.model}: champion -> version {version} (variant {variant}); `llmops registry rollback` undoes it"
    )


@ab_app.command()
def canary(experiment: str, experiments: ExperimentsOption = None, store_url: StoreOption = None) -> None:
    """Evaluate the canary's guardrails now: advance a step, halt, or wait for more requests."""
    from services.router.service import CanaryController
    from services.router.store import ExperimentStore

    settings = _settings(experiments, store_url)
    exp = _experiment(settings, experiment)
    if exp.canary is None:
        console.print(f"[red]error:[/] experiment '{experiment}' has no canary")
        raise typer.Exit(2)
    store = ExperimentStore(settings.resolved_store_url())
    try:
        decision = CanaryController(store).evaluate(exp)
    finally:
        store.close()
    assert decision is not None
    print(json.dumps(decision.__dict__))
