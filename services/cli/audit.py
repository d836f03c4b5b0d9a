"""``llmops audit``: export the audit log, erase one user's records (services/gateway/audit.py)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console

from services.gateway.config import GatewaySettings

audit_app = typer.Typer(no_args_is_help=True)

DbOption = Annotated[
    Path | None, typer.Option("--db", help="Audit database [default: $LLMOPS_GATEWAY_AUDIT_DB or var/audit.db].")
]


def _when(value: str | None, option: str) -> float | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        raise typer.BadParameter(  # noqa: B904
            f"{value!r} is not an ISO date or time (2026-11-29, 2026-11-29T20:00)", param_hint=option
        )


@audit_app.command("export")
def export(
    since: Annotated[str | None, typer.Option(help="Only records at or after this ISO date/time (local time).")] = None,
    until: Annotated[str | None, typer.Option(help="Only records before this ISO date/time (local time).")] = None,
    user: Annotated[
        str | None, typer.Option(help="Only the records of this OpenAI `user` value (matched by its keyed hash).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write JSON lines here [default: stdout].")] = None,
    db: DbOption = None,
) -> None:
    """Export audit records as JSON lines, oldest first (no prompt, answer, key or user value in them)."""
    audit = GatewaySettings().open_audit_log(db)
    records = audit.export(since=_when(since, "--since"), until=_when(until, "--until"), user=user)
    stream = out.open("wb") if out else sys.stdout.buffer
    count = 0
    try:
        for record in records:
            stream.write(orjson.dumps(record) + b"\n")
            count += 1
    finally:
        if out:
            stream.close()
    Console(stderr=True).print(f"exported {count} audit records")


@audit_app.command("erase")
def erase(
    user: Annotated[str, typer.Option(help="The OpenAI `user` value whose records are erased.")],
    db: DbOption = None,
) -> None:
    """Erase every audit record of one user (a right-to-erasure request). The erasure itself is
    recorded with the number of records, not the user."""
    removed = GatewaySettings().open_audit_log(db).erase_user(user)
    Console(stderr=True).print(f"erased {removed} audit records")
    print(removed)
