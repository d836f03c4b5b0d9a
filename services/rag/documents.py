"""Documents to ingest, read from JSON / JSONL, Markdown, plain-text and PDF files.

JSON may hold one record, a list of records, or an object of records keyed by document id
(the PubMedQA file's shape); JSONL holds one record per line. A record gives its text in
``text`` (or the field named by ``text_field``; a list of strings is joined by blank lines),
its id in ``id`` (or ``id_field``, or the key it is stored under), its title in ``title``
(or ``title_field``) and its metadata in ``metadata`` plus the fields named by
``meta_fields`` — or, when none are named, every other top-level scalar field of at most
256 characters. Markdown is reduced to its text (headings, paragraphs, list items and code
as paragraphs), titled by its first heading; a text file is titled by its file name. A PDF's
text layer is extracted with pypdf (pages joined by blank lines; no OCR, so a scanned PDF
without text is refused as empty), titled by its document-info title or file name. Files get
the path as given (relative to the directory walked) as id and source.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUFFIXES = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".pdf": "pdf",
}
MAX_ID_CHARS = 512


class DocumentError(ValueError):
    """A document or file cannot be ingested; the message says which and why."""


@dataclass
class Document:
    id: str
    text: str
    title: str = ""
    source: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def content_hash(self, recipe: str) -> str:
        """Hash of what the index holds for this document, under a chunking/embedding recipe."""
        body = json.dumps([recipe, self.text, self.title, self.metadata], sort_keys=True, default=str)
        return hashlib.sha256(body.encode()).hexdigest()


@dataclass
class RecordFields:
    text_field: str | None = None
    id_field: str | None = None
    title_field: str | None = None
    meta_fields: list[str] | None = None


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and not (isinstance(value, str) and len(value) > 256)


def _text(value: Any, where: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n\n".join(value)
    raise DocumentError(f"{where}: text must be a string or a list of strings")


def from_record(record: Any, fields: RecordFields, where: str, default_id: str, source: str) -> Document:
    if not isinstance(record, dict):
        raise DocumentError(f"{where}: a record must be a JSON object")
    text_key = fields.text_field or "text"
    if text_key not in record:
        raise DocumentError(f"{where}: record has no {text_key!r} field (choose one with --text-field)")
    id_key = fields.id_field or "id"
    doc_id = str(record.get(id_key, default_id))
    title_key = fields.title_field or "title"
    title = record.get(title_key) or ""
    if not isinstance(title, str):
        raise DocumentError(f"{where}: title must be a string")
    metadata: dict[str, Any] = {}
    if isinstance(record.get("metadata"), dict):
        metadata.update(record["metadata"])
    used = {text_key, id_key, title_key, "metadata"}
    if fields.meta_fields is not None:
        for name in fields.meta_fields:
            if name in record and record[name] is not None:
                metadata[name] = record[name]
    else:
        metadata.update({k: v for k, v in record.items() if k not in used and _scalar(v)})
    return Document(id=doc_id, text=_text(record[text_key], where), title=title, source=source, metadata=metadata)


def _markdown(text: str) -> tuple[str, str]:
    from markdown_it import MarkdownIt

    blocks: list[str] = []
    title = ""
    tokens = MarkdownIt("commonmark").parse(text)
    for i, token in enumerate(tokens):
        if token.type == "inline":
            content = "".join(c.content for c in token.children or [] if c.type in ("text", "code_inline"))
            if content.strip():
                blocks.append(content.strip())
                if not title and i > 0 and tokens[i - 1].type == "heading_open":
                    title = content.strip()
        elif token.type in ("fence", "code_block") and token.content.strip():
            blocks.append(token.content.strip())
    return "\n\n".join(blocks), title


def _pdf(path: Path) -> tuple[str, str, int]:
    """Text layer, document-info title and page count of a PDF; a damaged or encrypted file is
    a DocumentError naming it."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings quote bytes of the file
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            raise DocumentError(f"{path}: encrypted PDF (decrypt it first)")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        title = str((reader.metadata or {}).get("/Title") or "").strip()
    except DocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(f"{path}: not a readable PDF ({type(exc).__name__})") from None
    return "\n\n".join(p for p in pages if p), title, len(pages)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{path}: not UTF-8 text") from exc


def read_file(path: Path, fields: RecordFields, name: str | None = None) -> Iterator[Document]:
    kind = SUFFIXES.get(path.suffix.lower())
    name = name or str(path)
    if kind is None:
        raise DocumentError(f"{path}: unsupported file type (use {', '.join(sorted(SUFFIXES))})")
    if kind == "jsonl":
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DocumentError(f"{path}:{n}: invalid JSON ({exc.msg})") from None
                yield from_record(record, fields, f"{path}:{n}", f"{name}:{n}", name)
    elif kind == "json":
        try:
            data = json.loads(_read_text(path))
        except json.JSONDecodeError as exc:
            raise DocumentError(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
        text_key = fields.text_field or "text"
        if isinstance(data, list):
            for n, record in enumerate(data):
                yield from_record(record, fields, f"{path}[{n}]", f"{name}[{n}]", name)
        elif isinstance(data, dict) and text_key not in data:
            for key, record in data.items():
                yield from_record(record, fields, f"{path}[{key!r}]", str(key), name)
        else:
            yield from_record(data, fields, str(path), name, name)
    elif kind == "markdown":
        text, title = _markdown(_read_text(path))
        yield Document(id=name, text=text, title=title or path.stem, source=name, metadata={"format": "markdown"})
    elif kind == "pdf":
        text, title, pages = _pdf(path)
        metadata = {"format": "pdf", "pages": pages}
        yield Document(id=name, text=text, title=title or path.stem, source=name, metadata=metadata)
    else:
        yield Document(id=name, text=_read_text(path), title=path.stem, source=name, metadata={"format": "text"})


def read_paths(paths: list[Path], fields: RecordFields | None = None) -> Iterator[Document]:
    """Documents from files and directories (walked recursively, supported suffixes only)."""
    fields = fields or RecordFields()
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES):
                yield from read_file(child, fields, str(child.relative_to(path)))
        elif path.is_file():
            yield from read_file(path, fields, path.name)
        else:
            raise DocumentError(f"{path}: no such file or directory")


def validate(documents: list[Document], max_bytes: int) -> None:
    """Refuse the whole batch before anything is written: too large, empty, bad or duplicate ids."""
    seen: set[str] = set()
    for doc in documents:
        if not doc.id or len(doc.id) > MAX_ID_CHARS:
            raise DocumentError(f"document id must be 1 to {MAX_ID_CHARS} characters (got {len(doc.id)})")
        if doc.id in seen:
            raise DocumentError(f"document id {doc.id!r} appears twice in one ingest")
        seen.add(doc.id)
        size = len(doc.text.encode("utf-8"))
        if size > max_bytes:
            raise DocumentError(
                f"document {doc.id!r} is {size:,} bytes, over the {max_bytes:,}-byte limit (max_document_bytes);"
                " nothing was ingested"
            )
        if not doc.text.strip():
            raise DocumentError(f"document {doc.id!r} has no text")
