"""``llmops models``: the local model store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.engine.config import EngineSettings
from services.engine.model_store import ModelStore, ModelStoreError, default_sources

models_app = typer.Typer(no_args_is_help=True)
console = Console(stderr=True)

StoreOption = Annotated[
    Path | None, typer.Option("--store", help="Model store folder [default: $LLMOPS_MODEL_STORE or var/models].")
]


def _store(store: Path | None) -> ModelStore:
    return ModelStore(store or EngineSettings().model_store)


@models_app.command("import")
def import_(
    source: Annotated[
        Path | None, typer.Argument(help="A .gguf file or an HF model folder. Omit to import the embedded defaults.")
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Name to store it under (what clients send as 'model'). Required with SOURCE.")
    ] = None,
    dtype: Annotated[str, typer.Option(help="float32, float16 or bfloat16 (GGUF is dequantised to this).")] = "float32",
    force: Annotated[bool, typer.Option(help="Import again even if the stored copy is intact.")] = False,
    store: StoreOption = None,
) -> None:
    """Import a model into the store (idempotent: an intact copy of the same source is kept)."""
    if source is not None and not name:
        raise typer.BadParameter("--name is required when SOURCE is given")
    jobs = {name: source} if source is not None and name else default_sources()
    model_store = _store(store)
    for model_name, model_source in jobs.items():
        try:
            with console.status(f"[bold]{model_name}[/]: starting") as status:
                model, changed = model_store.import_model(
                    model_source,
                    model_name,
                    dtype=dtype,
                    force=force,
                    progress=lambda msg, n=model_name: status.update(f"[bold]{n}[/]: {msg}"),
                )
        except ModelStoreError as exc:
            console.print(f"[red]error:[/] {exc}")
            raise typer.Exit(1) from None
        verb = "imported" if changed else "already imported, checksums verified"
        console.print(f"{model_name}: {verb} -> {model.path}")


@models_app.command("list")
def list_(store: StoreOption = None) -> None:
    """List the models in the store."""
    table = Table("name", "dtype", "files", "path")
    for m in _store(store).list():
        table.add_row(m.name, m.dtype, str(len(m.files)), str(m.path))
    Console().print(table)


@models_app.command()
def verify(name: str, store: StoreOption = None) -> None:
    """Check a stored model's files against its manifest checksums."""
    try:
        bad = _store(store).verify(name)
    except ModelStoreError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(1) from None
    if bad:
        console.print(f"[red]{name}: damaged files:[/] {', '.join(bad)}")
        raise typer.Exit(1)
    console.print(f"{name}: all files match their checksums")
