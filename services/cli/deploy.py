"""``llmops deploy``: the stack on Kubernetes (KubeRay RayService) — status, rollouts, keys."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console(stderr=True)
deploy_app = typer.Typer(no_args_is_help=True)
deploy_keys_app = typer.Typer(no_args_is_help=True)
deploy_app.add_typer(deploy_keys_app, name="keys", help="API keys in the cluster.")

NameOption = Annotated[
    str,
    typer.Option(
        "--name", envvar="LLMOPS_RAYSERVICE", help="RayService name (the chart's full name, e.g. RELEASE-llmops)."
    ),
]
NamespaceOption = Annotated[str, typer.Option("--namespace", "-n", envvar="LLMOPS_NAMESPACE", help="Namespace.")]
KubeconfigOption = Annotated[
    Path | None,
    typer.Option(
        "--kubeconfig",
        envvar="KUBECONFIG",
        help="Kubeconfig file (default: ~/.kube/config; in a pod: its service account).",
    ),
]
ContextOption = Annotated[str | None, typer.Option("--context", help="Kubeconfig context (default: the current one).")]


def _api(kubeconfig: Path | None, context: str | None):
    from services.deploy.client import api_client

    return api_client(kubeconfig, context)


def _fail(message: str) -> None:
    console.print(f"[red]error:[/] {message}")
    raise typer.Exit(1)


def _print_summary(summary) -> None:
    pending = " (upgrade pending)" if summary.pending else ""
    message = f" — {summary.app_message}" if summary.app_message else ""
    console.print(
        f"RayService [bold]{summary.name}[/]: service {summary.service_status or '-'},"
        f" application {summary.app_status}{pending}{message}"
    )
    conditions = Table("condition", "status", "reason", "message", title="conditions")
    for c in summary.conditions:
        conditions.add_row(c["type"], c["status"], c["reason"], c["message"])
    console.print(conditions)
    deployments = Table("deployment", "status", "message", title="Serve deployments")
    for d in summary.deployments:
        deployments.add_row(
            d.name, f"[green]{d.status}[/]" if d.status == "HEALTHY" else f"[red]{d.status}[/]", d.message
        )
    console.print(deployments)
    if summary.pending_cluster:
        message = f" — {summary.pending_app_message}" if summary.pending_app_message else ""
        console.print(
            f"upgrade: new cluster {summary.pending_cluster}, application {summary.pending_app_status}{message}"
        )
        pending = Table("deployment", "status", "message", title="Serve deployments on the new cluster")
        for d in summary.pending_deployments:
            pending.add_row(d.name, d.status, d.message)
        console.print(pending)
    engines = Table("model", "source", "version", "replicas", "max replicas", title="engines")
    for e in summary.engines:
        engines.add_row(
            str(e["model"]), str(e["source"]), e["version"] or "-", str(e["replicas"]), str(e["max_replicas"] or "-")
        )
    console.print(engines)
    if summary.workers:
        console.print("Ray workers: " + ", ".join(f"{k} {v}" for k, v in summary.workers.items()))


@deploy_app.command()
def status(
    name: NameOption = "llmops",
    namespace: NamespaceOption = "default",
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON on stdout.")] = False,
) -> None:
    """RayService conditions, Serve application and deployment health, engine replicas. Exit 1
    when the application is not healthy."""
    from dataclasses import asdict

    from services.deploy.rayservice import DeployError, RayServices, summarize

    try:
        summary = summarize(RayServices(_api(kubeconfig, context), namespace).get(name))
    except DeployError as exc:
        _fail(str(exc))
    if as_json:
        print(json.dumps(asdict(summary) | {"healthy": summary.healthy, "ready": summary.ready}))
    else:
        _print_summary(summary)
    raise typer.Exit(0 if summary.healthy else 1)


@deploy_app.command()
def rollout(
    model: Annotated[str, typer.Argument(help="Served model name (an entry of the chart's models).")],
    version: Annotated[
        str,
        typer.Argument(
            help="Version to serve: a model-store name under the model cache, or a path; recorded on the RayService."
        ),
    ],
    source: Annotated[
        str | None, typer.Option(help="Model source to serve, when it differs from VERSION (a store name or path).")
    ] = None,
    name: NameOption = "llmops",
    namespace: NamespaceOption = "default",
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    timeout: Annotated[
        float, typer.Option(min=1, help="Seconds to wait for the new version to be healthy before rolling back.")
    ] = 900,
    poll: Annotated[float, typer.Option(min=0.05, help="Seconds between status polls.")] = 5,
    settle: Annotated[
        float,
        typer.Option(
            min=0,
            help="When the application is never seen redeploying, seconds it must stay healthy at the new "
            "generation before the rollout counts (KubeRay first reports the new generation with the old status).",
        ),
    ] = 15,
) -> None:
    """Patch the RayService so MODEL serves VERSION, wait until healthy, roll back on failure.
    Exit 0 when the new version is healthy, 1 when it was rolled back."""
    from services.deploy.rayservice import DeployError, RayServices
    from services.deploy.rayservice import rollout as do_rollout

    services = RayServices(_api(kubeconfig, context), namespace)
    with console.status(f"rolling out {model} {version}") as spinner:

        def progress(s) -> None:
            states = ", ".join(f"{d.name} {d.status}" for d in s.deployments)
            spinner.update(
                f"{model} {version}: application {s.app_status}{' (pending)' if s.pending else ''}; {states}"
            )

        try:
            result = do_rollout(
                services,
                name,
                model,
                version,
                source or version,
                timeout_s=timeout,
                poll_s=poll,
                settle_s=settle,
                on_poll=progress,
            )
        except DeployError as exc:
            _fail(str(exc))
    if result.healthy:
        console.print(
            f"[green]{model} now serves {result.source}[/] (version {version}; was {result.previous_source})"
            f" after {result.seconds:.0f}s"
        )
    else:
        failure = result.failure
        problems = (
            "; ".join(f"{d.name} {d.status} {d.message}".strip() for d in failure.deployments if d.status != "HEALTHY")
            if failure
            else ""
        )
        app_status = failure.app_status if failure else "?"
        rollback_unhealthy = (
            ""
            if result.last is not None and result.last.healthy
            else " — and the rollback is not healthy yet either: check `llmops deploy status`"
        )
        console.print(
            f"[red]{model} {version} did not become healthy[/] (application {app_status}"
            f"{': ' + problems if problems else ''}); rolled back to {result.previous_source}{rollback_unhealthy}"
        )
    outcome = {
        "model": model,
        "version": version,
        "source": result.source,
        "previous_source": result.previous_source,
        "healthy": result.healthy,
        "rolled_back": result.rolled_back,
        "seconds": round(result.seconds, 1),
    }
    print(json.dumps(outcome))
    raise typer.Exit(0 if result.healthy else 1)


def _wait_before_pruning(seconds: float) -> None:
    console.print(f"waiting {seconds:.0f}s for the gateways to reload before removing retired applications")
    time.sleep(seconds)


@deploy_app.command("sync-registry")
def sync_registry(
    name: NameOption = "llmops",
    namespace: NamespaceOption = "default",
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    experiments: Annotated[
        Path | None,
        typer.Option(help="Experiments file (default: experiments.yaml of the release's ConfigMap NAME-config)."),
    ] = None,
    tracking_uri: Annotated[
        str | None,
        typer.Option(envvar="LLMOPS_REGISTRY_TRACKING_URI", help="MLflow tracking URI of the release's registry."),
    ] = None,
    grace: Annotated[
        float | None,
        typer.Option(
            min=0,
            help="Seconds between adding applications and removing retired ones, for every gateway replica to "
            "reload its routing table (default: twice the release's router reload interval).",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan; change nothing.")] = False,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds to wait for the applications to be healthy.")] = 900,
    poll: Annotated[float, typer.Option(min=0.05, help="Seconds between status polls.")] = 5,
    settle: Annotated[
        float, typer.Option(min=0, help="Seconds a healthy state must hold when no redeploy was seen.")
    ] = 15,
) -> None:
    """Deploy registry versions on Kubernetes: one engine application per version the routing
    table uses (registry aliases + experiments) in the RayService's serveConfigV2; retired ones
    are removed after GRACE. Exit 1 when the new applications did not become healthy (removed again)."""
    import yaml

    from services.deploy.rayservice import DeployError, RayServices, serve_app
    from services.deploy.registry_sync import sync
    from services.registry.config import RegistrySettings
    from services.registry.service import ModelRegistry
    from services.router.config import retire_grace_s
    from services.router.experiments import ExperimentConfigError, load_experiments, parse_experiments

    api = _api(kubeconfig, context)
    services = RayServices(api, namespace)
    try:
        if experiments is not None:
            exps = load_experiments(experiments)
        else:
            from kubernetes import client

            try:
                data = client.CoreV1Api(api).read_namespaced_config_map(f"{name}-config", namespace).data or {}
            except client.ApiException as exc:
                _fail(f"cannot read ConfigMap {namespace}/{name}-config ({exc.status} {exc.reason}); use --experiments")
            exps = parse_experiments(yaml.safe_load(data.get("experiments.yaml", "")), f"ConfigMap {name}-config")
        if grace is None:
            router = (serve_app(yaml.safe_load(services.get(name)["spec"]["serveConfigV2"])).get("args") or {}).get(
                "router"
            ) or {}
            grace = retire_grace_s(float((router.get("router") or {}).get("reload_interval_s", 15)))
        registry = ModelRegistry(RegistrySettings(**({"tracking_uri": tracking_uri} if tracking_uri else {})))
        the_plan, result = sync(
            services,
            name,
            exps,
            registry,
            grace_s=grace,
            timeout_s=timeout,
            poll_s=poll,
            settle_s=settle,
            dry_run=dry_run,
            sleep=_wait_before_pruning,
        )
    except (DeployError, ExperimentConfigError) as exc:
        _fail(str(exc))
    outcome = {
        "wanted": sorted(the_plan.wanted),
        "add": the_plan.add,
        "retire": the_plan.retire,
        "dry_run": dry_run,
        "added": result.added,
        "removed": result.removed,
        "healthy": result.healthy,
        "rolled_back": result.rolled_back,
    }
    print(json.dumps(outcome))
    raise typer.Exit(0 if result.healthy else 1)


@deploy_keys_app.command("sync")
def keys_sync(
    secret: Annotated[
        str,
        typer.Option(help="Secret the gateway reads (the chart's RELEASE-llmops-api-keys, or apiKeys.existingSecret)."),
    ],
    namespace: NamespaceOption = "default",
    db: Annotated[
        Path | None, typer.Option("--db", help="Key database (default: $LLMOPS_GATEWAY_KEYS_DB or var/keys.db).")
    ] = None,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be written; change nothing.")] = False,
) -> None:
    """Write the active keys' keyed hashes and limits (never the keys) to the Secret's keys.json, and the
    key pepper to its key_pepper."""
    from services.deploy.key_secret import sync_keys
    from services.gateway.config import GatewaySettings

    result = sync_keys(
        _api(kubeconfig, context),
        GatewaySettings().open_key_store(db),
        namespace=namespace,
        secret=secret,
        dry_run=dry_run,
    )
    verb = (
        ("would create" if result.created else "would update" if result.changed else "unchanged:")
        if dry_run
        else ("created" if result.created else "updated" if result.changed else "unchanged:")
    )
    console.print(
        f"{verb} Secret {namespace}/{result.secret} with {len(result.key_ids)} active keys"
        f" ({', '.join(result.key_ids) or 'none'})"
    )
