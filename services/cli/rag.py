"""``llmops rag``: ingest documents into a collection, list / inspect / erase, query the index.

Works on the index folder the retrieval deployment serves (``LLMOPS_RAG_INDEX_DIR``, default
var/rag); LanceDB commits are atomic, so a running stack sees each committed batch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

rag_app = typer.Typer(no_args_is_help=True)
console = Console(stderr=True)


def _service():
    from services.rag.config import RagSettings
    from services.rag.service import RetrievalService

    return RetrievalService.from_settings(RagSettings())


def _fail(exc: Exception) -> None:
    message = getattr(exc, "message", None) or str(exc)
    console.print(f"[red]error:[/] {message}", highlight=False)
    raise typer.Exit(1)


@rag_app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.json, .jsonl, .md, .markdown, .txt).")],
    collection: Annotated[str, typer.Option("--collection", "-c", help="Collection to add to (created if new).")],
    text_field: Annotated[str | None, typer.Option(help="JSON field holding the text (default: text).")] = None,
    id_field: Annotated[str | None, typer.Option(help="JSON field holding the document id (default: id).")] = None,
    title_field: Annotated[str | None, typer.Option(help="JSON field holding the title (default: title).")] = None,
    meta_field: Annotated[
        list[str] | None,
        typer.Option(help="JSON field kept as filterable metadata (repeat; default: every short scalar field)."),
    ] = None,
) -> None:
    """Chunk, embed and index documents. Unchanged documents are skipped, changed ones replaced;
    any invalid document refuses the whole ingest before anything is written."""
    from services.common.errors import LLMOpsError
    from services.rag.documents import DocumentError, RecordFields, read_paths

    fields = RecordFields(text_field=text_field, id_field=id_field, title_field=title_field, meta_fields=meta_field)
    try:
        documents = list(read_paths(paths, fields))
        service = _service()
        todo, _ = service.plan(collection, documents)
        columns = (
            TextColumn("ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("documents"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task("ingest", total=len(todo))
            result = service.ingest(collection, documents, progress=lambda n: bar.advance(task, n))
    except (DocumentError, LLMOpsError, FileNotFoundError) as exc:
        _fail(exc)
    console.print(
        f"{result['collection']}: {result['added']} added, {result['replaced']} replaced,"
        f" {result['unchanged']} unchanged, {result['chunks']} chunks in {result['seconds']} s",
        highlight=False,
    )


@rag_app.command("list")
def list_collections() -> None:
    """Collections with their document and chunk counts."""
    table = Table("collection", "documents", "chunks", "filter fields")
    for s in _service().collections():
        table.add_row(s["collection"], str(s["documents"]), str(s["chunks"]), ", ".join(s["filter_fields"]))
    Console().print(table)


@rag_app.command()
def stats(collection: Annotated[str, typer.Argument(help="Collection name.")]) -> None:
    """One collection's figures, as JSON."""
    from services.common.errors import LLMOpsError

    try:
        print(json.dumps(_service().stats(collection), indent=2))
    except LLMOpsError as exc:
        _fail(exc)


@rag_app.command()
def delete(
    collection: Annotated[str, typer.Argument(help="Collection name.")],
    document: Annotated[
        str | None, typer.Option("--document", "-d", help="Erase this document id (every chunk, vector, BM25 entry).")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Drop the whole collection without asking.")] = False,
) -> None:
    """Erase one document from a collection (--document), or drop the collection."""
    from services.common.errors import LLMOpsError

    service = _service()
    try:
        if document is not None:
            result = service.delete_document(collection, document)
            console.print(f"erased {document!r} from {collection}: {result['chunks_removed']} chunks", highlight=False)
            return
        if not yes and not typer.confirm(f"Drop collection {collection!r} and all its documents?"):
            raise typer.Exit(1)
        service.drop_collection(collection)
        console.print(f"dropped {collection}", highlight=False)
    except LLMOpsError as exc:
        _fail(exc)


@rag_app.command()
def query(
    collection: Annotated[str, typer.Argument(help="Collection name.")],
    text: Annotated[str, typer.Argument(help="The query.")],
    top_k: Annotated[int, typer.Option("--top-k", "-k", help="Passages to return.")] = 5,
    mode: Annotated[str, typer.Option(help="hybrid, dense or bm25.")] = "hybrid",
    filter_: Annotated[
        list[str] | None, typer.Option("--filter", help="FIELD=VALUE metadata filter (repeat; same field = any of).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw answer as JSON.")] = False,
) -> None:
    """Retrieve passages as the gateway's /v1/retrieve would."""
    from services.common.errors import LLMOpsError

    filters: dict[str, list[str]] = {}
    for item in filter_ or []:
        name, sep, value = item.partition("=")
        if not sep:
            _fail(ValueError(f"--filter {item!r}: expected FIELD=VALUE"))
        filters.setdefault(name, []).append(value)
    body = {"query": text, "collection": collection, "top_k": top_k, "mode": mode, "filters": filters}
    try:
        answer = _service().retrieve(body)
    except LLMOpsError as exc:
        _fail(exc)
    if as_json:
        print(json.dumps(answer, indent=2))
        return
    for rank, p in enumerate(answer["data"], 1):
        preview = p["text"][:160].replace("\n", " ")
        Console().print(f"[bold]{rank}.[/] {p['document_id']}  score {p['score']:.4f}  {p['title'][:80]}")
        Console().print(f"   {preview}…", highlight=False)
