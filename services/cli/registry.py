"""``llmops registry``: model versions, aliases, promotion and rollback (MLflow Model Registry)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.registry.config import RegistrySettings
from services.registry.service import ALIASES, KINDS, ModelRegistry, RegistryError

registry_app = typer.Typer(no_args_is_help=True)
console = Console(stderr=True)

UriOption = Annotated[
    str | None,
    typer.Option("--tracking-uri", help="MLflow URI [default: $LLMOPS_REGISTRY_TRACKING_URI or var/mlflow/mlflow.db]."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _registry(uri: str | None) -> ModelRegistry:
    settings = RegistrySettings(**({"tracking_uri": uri} if uri else {}))
    return ModelRegistry(settings)


def _fail(exc: Exception) -> typer.Exit:
    console.print(f"[red]error:[/] {exc}")
    return typer.Exit(2)


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{what} must be KEY=VALUE, not {item!r}")
        out[key] = value
    return out


@registry_app.command("list")
def list_(tracking_uri: UriOption = None, as_json: JsonOption = False) -> None:
    """Registered models with their versions and aliases."""
    models = _registry(tracking_uri).list_models()
    if as_json:
        print(json.dumps([{"name": m.name, "aliases": m.aliases, "versions": len(m.versions)} for m in models]))
        return
    table = Table("model", "versions", "champion", "challenger")
    for m in models:
        table.add_row(
            m.name, str(len(m.versions)), str(m.aliases.get("champion", "-")), str(m.aliases.get("challenger", "-"))
        )
    Console().print(table)


@registry_app.command()
def show(
    name: str,
    version: Annotated[str | None, typer.Argument(help="Version number or alias; omit for every version.")] = None,
    tracking_uri: UriOption = None,
    as_json: JsonOption = False,
) -> None:
    """A model's versions, or one version with its lineage (parent versions)."""
    registry = _registry(tracking_uri)
    try:
        if version is None:
            model = registry.get_model(name)
            versions = model.versions
            payload = {
                "name": name,
                "aliases": model.aliases,
                "champion_history": model.champion_history,
                "versions": [v.to_dict() for v in versions],
            }
        else:
            versions = registry.lineage(name, version)
            payload = {"version": versions[0].to_dict(), "lineage": [v.version for v in versions]}
    except RegistryError as exc:
        raise _fail(exc) from None
    if as_json:
        print(json.dumps(payload, indent=2))
        return
    table = Table("version", "kind", "aliases", "base_model", "quantization", "data_hash", "metrics", "source")
    for v in versions:
        table.add_row(
            str(v.version),
            v.kind,
            ",".join(v.aliases),
            v.tags.get("base_model", ""),
            v.tags.get("quantization", ""),
            v.tags.get("data_hash", "")[:12],
            " ".join(f"{k}={val:g}" for k, val in v.metrics.items()),
            v.source,
        )
    Console().print(table)
    if version is not None:
        console.print("lineage: " + " <- ".join(str(v.version) for v in versions))


@registry_app.command()
def register(
    name: Annotated[str, typer.Argument(help="Registered model name (the public model name clients send).")],
    artifact: Annotated[Path, typer.Argument(help="HF model folder, LoRA adapter folder or quantized model folder.")],
    kind: Annotated[str, typer.Option(help=f"Artifact kind: {', '.join(KINDS)}.")] = "hf",
    tag: Annotated[
        list[str], typer.Option("--tag", help="KEY=VALUE (base_model, quantization, data_hash, code_version, ...).")
    ] = [],  # noqa: B006 (typer reads the default)
    metric: Annotated[list[str], typer.Option("--metric", help="Evaluation metric NAME=NUMBER.")] = [],  # noqa: B006
    alias: Annotated[str | None, typer.Option(help="Also set this alias (champion or challenger).")] = None,
    copy: Annotated[bool, typer.Option(help="Copy the artifact into the registry's artifact store.")] = False,
    description: Annotated[str, typer.Option(help="Free text shown with the version.")] = "",
    tracking_uri: UriOption = None,
) -> None:
    """Register a new model version with its artifact, tags and metrics."""
    try:
        metrics = {k: float(v) for k, v in _pairs(metric, "--metric").items()}
    except ValueError:
        raise typer.BadParameter("--metric values must be numbers") from None
    try:
        with console.status(f"registering {artifact}"):
            version = _registry(tracking_uri).register(
                name,
                artifact,
                kind=kind,  # type: ignore[arg-type]
                tags=_pairs(tag, "--tag"),
                metrics=metrics,
                alias=alias,
                copy=copy,
                description=description,
            )
    except RegistryError as exc:
        raise _fail(exc) from None
    console.print(f"{name}: registered version {version.version} ({version.source})")
    print(version.version)


@registry_app.command()
def alias(
    name: str,
    alias_name: Annotated[str, typer.Argument(metavar="ALIAS", help=f"One of {', '.join(ALIASES)}.")],
    version: Annotated[int | None, typer.Argument(help="Version to point the alias at.")] = None,
    delete: Annotated[bool, typer.Option("--delete", help="Remove the alias instead.")] = False,
    tracking_uri: UriOption = None,
) -> None:
    """Point an alias at a version (refused if the version does not exist), or delete it."""
    registry = _registry(tracking_uri)
    try:
        if delete:
            registry.delete_alias(name, alias_name)
            console.print(f"{name}: alias {alias_name} removed")
            return
        if version is None:
            raise typer.BadParameter("VERSION is required unless --delete is given")
        registry.set_alias(name, alias_name, version)
    except RegistryError as exc:
        raise _fail(exc) from None
    console.print(f"{name}: {alias_name} -> version {version}")


@registry_app.command()
def promote(
    name: str,
    version: Annotated[int | None, typer.Option(help="Version to promote [default: the challenger].")] = None,
    tracking_uri: UriOption = None,
) -> None:
    """Make the challenger (or --version) the champion; the old champion is remembered for rollback."""
    try:
        promoted = _registry(tracking_uri).promote(name, version)
    except RegistryError as exc:
        raise _fail(exc) from None
    console.print(f"{name}: champion -> version {promoted}")


@registry_app.command()
def rollback(name: str, tracking_uri: UriOption = None) -> None:
    """Point the champion back at the previous champion."""
    try:
        previous = _registry(tracking_uri).rollback(name)
    except RegistryError as exc:
        raise _fail(exc) from None
    console.print(f"{name}: champion rolled back to version {previous}")


@registry_app.command("ensure-default")
def ensure_default(
    store: Annotated[
        Path | None, typer.Option(help="Model store [default: $LLMOPS_MODEL_STORE or var/models].")
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Model-store name [default: $LLMOPS_REGISTRY_DEFAULT_MODEL].")
    ] = None,
    tracking_uri: UriOption = None,
) -> None:
    """Register the embedded default model as version 1 (idempotent; `make serve` runs it)."""
    from services.engine.config import EngineSettings
    from services.registry.defaults import ensure_default_model

    try:
        version, created = ensure_default_model(_registry(tracking_uri), store or EngineSettings().model_store, name)
    except RegistryError as exc:
        raise _fail(exc) from None
    verb = "registered as" if created else "already registered as"
    console.print(f"{version.model}: {verb} version {version.version} (aliases: {', '.join(version.aliases) or '-'})")
