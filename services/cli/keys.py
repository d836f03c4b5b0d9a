"""``llmops keys``: API keys, stored hashed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from services.gateway.config import GatewaySettings
from services.gateway.keys import KeyStore

keys_app = typer.Typer(no_args_is_help=True)

DbOption = Annotated[
    Path | None, typer.Option("--db", help="Key database [default: $LLMOPS_GATEWAY_KEYS_DB or var/keys.db].")
]


def _store(db: Path | None) -> KeyStore:
    return KeyStore(db or GatewaySettings().keys_db)


@keys_app.command()
def create(
    name: Annotated[str, typer.Argument(help="Who the key is for (a team, a service).")],
    models: Annotated[str | None, typer.Option(help="Comma-separated models the key may use [default: all].")] = None,
    rpm: Annotated[int | None, typer.Option(min=1, help="Requests per minute [default: unlimited].")] = None,
    tpm: Annotated[
        int | None, typer.Option(min=1, help="Tokens (prompt + completion) per minute [default: unlimited].")
    ] = None,
    team: Annotated[
        str | None, typer.Option(help="Team the key belongs to, for cost reports and team budgets [default: none].")
    ] = None,
    db: DbOption = None,
) -> None:
    """Create a key. The key is printed once on stdout; only its hash is stored."""
    allowed = [m.strip() for m in models.split(",") if m.strip()] if models else None
    key, principal = _store(db).create(name, models=allowed, rpm=rpm, tpm=tpm, team=team)
    Console(stderr=True).print(f"created key id {principal.key_id} for {name!r}; store it now, it is not shown again")
    print(key)


@keys_app.command("list")
def list_(db: DbOption = None) -> None:
    """List keys (ids and limits, never the keys)."""
    table = Table("id", "name", "team", "models", "rpm", "tpm", "created", "revoked")
    for p in _store(db).list():
        fmt = lambda t: time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else ""  # noqa: E731
        table.add_row(
            p.key_id,
            p.name,
            p.team or "",
            ",".join(p.models) if p.models else "*",
            str(p.rpm or "-"),
            str(p.tpm or "-"),
            fmt(p.created_at),
            fmt(p.revoked_at),
        )
    Console().print(table)


@keys_app.command()
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key id shown by 'llmops keys list'.")], db: DbOption = None
) -> None:
    """Revoke a key; the gateway refuses it from its next request."""
    if not _store(db).revoke(key_id):
        Console(stderr=True).print(f"[red]error:[/] no active key with id {key_id}")
        raise typer.Exit(1)
    Console(stderr=True).print(f"revoked {key_id}")
