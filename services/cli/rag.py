"""``llmops rag``: ingest documents into a collection, list / inspect / erase, query the index.

Works on the index folder the retrieval deployment serves (``LLMOPS_RAG_INDEX_DIR``, default
var/rag); LanceDB commits are atomic, so a running stack sees each committed batch.
"""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

rag_app = typer.Typer(no_args_is_help=True)
console = Console(stderr=True)


def _service(threads: int | None = None):
    from services.rag.config import RagSettings
    from services.rag.service import RetrievalService

    settings = RagSettings()
    if threads is not None:
        settings = settings.model_copy(update={"onnx_threads": threads})
    return RetrievalService.from_settings(settings)


class RunnerChoice(StrEnum):
    auto = "auto"
    local = "local"
    ray = "ray"


def _fail(exc: Exception) -> None:
    message = getattr(exc, "message", None) or str(exc)
    console.print(f"[red]error:[/] {message}", highlight=False)
    raise typer.Exit(1)


# The PubMedQA demo collection: the abstract's sections are the text, its title (a question) is
# kept as the title, not indexed; year and the expert answer are filterable metadata.
PUBMEDQA_FIELDS = {"text_field": "CONTEXTS", "title_field": "QUESTION", "meta_fields": ["YEAR", "final_decision"]}


def _ray_chunker(service, ray_address: str | None, actors: int):
    """A Ray Data job for the ingest: joins ``ray_address`` ($RAY_ADDRESS; "auto" on a cluster
    node) or starts a local Ray on 127.0.0.1 for the duration of the command."""
    import ray

    from services.rag.ray_ingest import RayDataChunker

    if not ray.is_initialized():
        address = ray_address or os.environ.get("RAY_ADDRESS")
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            os.environ.setdefault("RAY_AUTH_MODE", "disabled")
            os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
            ray.init(_node_ip_address="127.0.0.1", include_dashboard=False, log_to_driver=False)
    cpus = ray.cluster_resources().get("CPU", 1.0)
    actors = actors or max(1, int(cpus) - 1)
    return RayDataChunker(service, embed_actors=actors, cpus_per_actor=min(1.0, cpus / (actors + 1)))


def _ingest(
    paths: list[Path], collection: str, fields, threads: int | None, runner: str, ray_address: str | None, actors: int
) -> dict:
    from services.rag.documents import read_paths

    documents = list(read_paths(paths, fields))
    service = _service(threads)
    todo, _ = service.plan(collection, documents)
    size = sum(len(d.text.encode("utf-8")) for d in todo)
    big = size >= service.settings.ray_ingest_min_bytes
    # nothing to embed (every document unchanged): no Ray job to start
    use_ray = bool(todo) and (runner == RunnerChoice.ray or (runner == RunnerChoice.auto and big))
    chunker = _ray_chunker(service, ray_address, actors) if use_ray else None
    columns = (
        TextColumn("ingest" + (" (Ray Data)" if use_ray else "")),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("documents"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("ingest", total=len(todo))
        result = service.ingest(collection, documents, progress=lambda n: bar.advance(task, n), chunker=chunker)
    return {**result, "runner": "ray" if use_ray else "local"}


def _report(result: dict) -> None:
    console.print(
        f"{result['collection']}: {result['added']} added, {result['replaced']} replaced,"
        f" {result['unchanged']} unchanged, {result['chunks']} chunks in {result['seconds']} s ({result['runner']})",
        highlight=False,
    )


Threads = Annotated[
    int | None,
    typer.Option(
        "--threads", help="ONNX Runtime threads for in-process embedding (default: every core; the replica uses 1)."
    ),
]
Runner = Annotated[
    RunnerChoice,
    typer.Option(
        help="local (this process), ray (a Ray Data job: chunk and embed with map_batches on Ray workers),"
        " or auto (ray when the documents to write hold at least LLMOPS_RAG_RAY_INGEST_MIN_BYTES of text).",
    ),
]
RayAddress = Annotated[
    str | None,
    typer.Option(help="Ray cluster to run the Ray Data job on (default: $RAY_ADDRESS, else a local Ray)."),
]
Actors = Annotated[int, typer.Option(help="Embedding actors of the Ray Data job (0: cluster CPUs - 1).")]


@rag_app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (.json, .jsonl, .md, .markdown, .txt, .pdf).")],
    collection: Annotated[str, typer.Option("--collection", "-c", help="Collection to add to (created if new).")],
    text_field: Annotated[str | None, typer.Option(help="JSON field holding the text (default: text).")] = None,
    id_field: Annotated[str | None, typer.Option(help="JSON field holding the document id (default: id).")] = None,
    title_field: Annotated[str | None, typer.Option(help="JSON field holding the title (default: title).")] = None,
    meta_field: Annotated[
        list[str] | None,
        typer.Option(help="JSON field kept as filterable metadata (repeat; default: every short scalar field)."),
    ] = None,
    threads: Threads = None,
    runner: Runner = RunnerChoice.auto,
    ray_address: RayAddress = None,
    actors: Actors = 0,
) -> None:
    """Chunk, embed and index documents. Unchanged documents are skipped, changed ones replaced;
    any invalid document refuses the whole ingest before anything is written."""
    from services.common.errors import LLMOpsError
    from services.rag.documents import DocumentError, RecordFields

    fields = RecordFields(text_field=text_field, id_field=id_field, title_field=title_field, meta_fields=meta_field)
    try:
        result = _ingest(paths, collection, fields, threads or os.cpu_count(), runner, ray_address, actors)
    except (DocumentError, LLMOpsError, FileNotFoundError) as exc:
        _fail(exc)
    _report(result)


@rag_app.command()
def demo(
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Folder holding pubmedqa/ori_pqal.json (default: $LLMOPS_DATA_DIR or ../shared/data)."),
    ] = None,
    collection: Annotated[str, typer.Option("--collection", "-c", help="Collection name.")] = "pubmed",
    threads: Threads = None,
    runner: Runner = RunnerChoice.auto,
) -> None:
    """Ingest the PubMedQA abstracts as collection `pubmed` (what `make serve` runs before it
    starts; a second run skips the unchanged abstracts). Skipped, without error, when RAG is off
    (LLMOPS_RAG_ENABLED=false) or the data is absent."""
    from services.common.errors import LLMOpsError
    from services.rag.config import RagSettings
    from services.rag.documents import DocumentError, RecordFields

    if not RagSettings().enabled:
        console.print("RAG is off (LLMOPS_RAG_ENABLED=false): no demo collection", highlight=False)
        return
    source = (data_dir or Path(os.environ.get("LLMOPS_DATA_DIR", "../shared/data"))) / "pubmedqa" / "ori_pqal.json"
    if not source.is_file():
        console.print(f"[yellow]{source} not found:[/] no demo collection", highlight=False)
        return
    try:
        fields = RecordFields(**PUBMEDQA_FIELDS)
        result = _ingest([source], collection, fields, threads or os.cpu_count(), runner, None, 0)
    except (DocumentError, LLMOpsError) as exc:
        _fail(exc)
    _report(result)


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
