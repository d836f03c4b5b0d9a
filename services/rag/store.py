"""The index behind retrieval: one ``VectorStore`` interface, LanceDB as the embedded default.

A collection is one LanceDB table of chunks: ``chunk_id``, ``document_id``, ``chunk_index``,
``text``, ``vector`` (384 float32, normalised), ``content_hash`` (of the whole document),
``source``, ``title``, ``metadata`` (JSON) and one nullable string column ``m_<key>`` per
metadata key seen, so that filters run inside the store (prefiltered) rather than on a
truncated candidate list. BM25 is LanceDB's native full-text index on ``text``: vectors and
keyword postings live in the same table, so one commit adds, replaces or deletes both.
Dense search is LanceDB's exact flat scan, or, for large collections (``AnnParams``), FAISS
HNSW-SQ8 with float32 re-ranking (``services/rag/ann.py``) kept in step with the table's commits.
A server-backed store (LanceDB Cloud, a database) implements the same methods.
"""

from __future__ import annotations

import json
import re
import threading
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa

from services.rag.ann import AnnIndex, AnnParams
from services.rag.ann_collections import AnnCollections
from services.rag.request_checks import valid_collection

_FIELD = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
BUILTIN_FILTERS = ("document_id", "source", "title")
FilterValue = str | int | float | bool | list[str | int | float | bool]


class UnknownCollection(KeyError):
    pass


class UnknownFilterField(ValueError):
    def __init__(self, name: str, known: list[str]):
        super().__init__(f"unknown filter field {name!r}; this collection can filter on: {', '.join(known)}")
        self.name = name
        self.known = known


@dataclass
class Chunk:
    chunk_id: str
    document_id: str
    chunk_index: int
    text: str
    vector: np.ndarray
    content_hash: str
    source: str = ""
    title: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Hit:
    chunk_id: str
    document_id: str
    chunk_index: int
    text: str
    score: float
    source: str
    title: str
    metadata: dict[str, Any]


def metadata_column(key: str) -> str:
    """Column of a metadata key: lower case, anything outside [a-z0-9_] becomes '_'."""
    return "m_" + re.sub(r"[^a-z0-9_]", "_", key.lower())


def _sql_value(value: str | int | float | bool) -> str:
    return "'" + str(value).replace("'", "''") + "'"


class VectorStore(Protocol):
    def collections(self) -> list[str]: ...
    def exists(self, collection: str) -> bool: ...
    def document_hashes(self, collection: str, document_ids: list[str]) -> dict[str, str]: ...
    def replace_documents(self, collection: str, document_ids: list[str], chunks: list[Chunk]) -> None: ...
    def refresh(self, collection: str) -> None: ...
    def delete_document(self, collection: str, document_id: str) -> int: ...
    def drop(self, collection: str) -> None: ...
    def stats(self, collection: str) -> dict[str, Any]: ...
    def filter_fields(self, collection: str) -> list[str]: ...
    def dense(self, collection: str, vector: np.ndarray, k: int, filters: dict[str, FilterValue]) -> list[Hit]: ...
    def keyword(self, collection: str, query: str, k: int, filters: dict[str, FilterValue]) -> list[Hit]: ...


class LanceStore:
    """LanceDB on a local folder."""

    def __init__(self, uri: str | Path, dim: int = 384, dense: AnnParams | None = None):
        import lancedb

        self.uri = str(uri)
        Path(self.uri).mkdir(parents=True, exist_ok=True)
        self.db = lancedb.connect(self.uri)
        self.dim = dim
        self._lock = threading.Lock()  # one writer per process; LanceDB commits are atomic across processes
        self.dense_params = dense or AnnParams()
        self._ann = AnnCollections(Path(self.uri), dim, self.dense_params)

    # -- schema -------------------------------------------------------------------------
    def _schema(self, meta_columns: list[str]) -> pa.Schema:
        fields = [
            pa.field("chunk_id", pa.string(), nullable=False),
            pa.field("document_id", pa.string(), nullable=False),
            pa.field("chunk_index", pa.int32(), nullable=False),
            pa.field("text", pa.string(), nullable=False),
            pa.field("vector", pa.list_(pa.float32(), self.dim), nullable=False),
            pa.field("content_hash", pa.string(), nullable=False),
            pa.field("source", pa.string()),
            pa.field("title", pa.string()),
            pa.field("metadata", pa.string()),
        ]
        fields += [pa.field(c, pa.string()) for c in sorted(meta_columns)]
        return pa.schema(fields)

    def _table(self, collection: str):
        if not self.exists(collection):
            raise UnknownCollection(collection)
        return self.db.open_table(collection)

    def collections(self) -> list[str]:
        result = self.db.list_tables()
        names = getattr(result, "tables", result)
        return sorted(names)

    def exists(self, collection: str) -> bool:
        return valid_collection(collection) and collection in self.collections()

    def filter_fields(self, collection: str) -> list[str]:
        schema = self._table(collection).schema
        return [*BUILTIN_FILTERS, *sorted(n[2:] for n in schema.names if n.startswith("m_"))]

    def _where(self, collection: str, filters: dict[str, FilterValue]) -> str | None:
        if not filters:
            return None
        known = self.filter_fields(collection)
        clauses = []
        for name, value in sorted(filters.items()):
            key = name.lower()
            if not _FIELD.match(key) or key not in known:
                raise UnknownFilterField(name, known)
            column = key if key in BUILTIN_FILTERS else "m_" + key
            values = value if isinstance(value, list) else [value]
            if not values:
                raise ValueError(f"filter {name!r} has an empty list of values")
            clauses.append(f"`{column}` IN ({', '.join(_sql_value(v) for v in values)})")
        return " AND ".join(clauses)

    # -- writes -------------------------------------------------------------------------
    def _rows(self, chunks: list[Chunk], schema: pa.Schema) -> pa.Table:
        meta_cols = [n for n in schema.names if n.startswith("m_")]
        columns: dict[str, list] = {n: [] for n in schema.names if n != "vector"}
        for c in chunks:
            columns["chunk_id"].append(c.chunk_id)
            columns["document_id"].append(c.document_id)
            columns["chunk_index"].append(c.chunk_index)
            columns["text"].append(c.text)
            columns["content_hash"].append(c.content_hash)
            columns["source"].append(c.source)
            columns["title"].append(c.title)
            columns["metadata"].append(json.dumps(c.metadata, sort_keys=True, default=str))
            flat = {metadata_column(k): v for k, v in c.metadata.items()}
            for col in meta_cols:
                v = flat.get(col)
                columns[col].append(None if v is None or isinstance(v, dict | list) else str(v))
        vectors = np.stack([c.vector for c in chunks]).astype(np.float32) if chunks else np.zeros((0, self.dim))
        arrays = {n: pa.array(v, type=schema.field(n).type) for n, v in columns.items()}
        arrays["vector"] = pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1), pa.float32()), self.dim)
        return pa.table([arrays[n] for n in schema.names], schema=schema)

    def replace_documents(self, collection: str, document_ids: list[str], chunks: list[Chunk]) -> None:
        """Replace every chunk of ``document_ids`` by ``chunks`` in one commit."""
        if not valid_collection(collection):
            raise ValueError(f"invalid collection name {collection!r}")
        keys = {
            metadata_column(k)
            for c in chunks
            for k, v in c.metadata.items()
            if v is not None and not isinstance(v, dict | list)
        }
        with self._lock:
            index = None
            if not self.exists(collection):
                if not chunks:
                    return
                table = self.db.create_table(collection, schema=self._schema(sorted(keys)))
            else:
                table = self.db.open_table(collection)
                index = self._ann.fresh(collection, table.version)
                missing = sorted(keys - set(table.schema.names))
                if missing:
                    table.add_columns([pa.field(c, pa.string()) for c in missing])
            data = self._rows(chunks, table.schema)
            ids = ", ".join(_sql_value(d) for d in document_ids)
            (
                table.merge_insert("chunk_id")
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .when_not_matched_by_source_delete(f"document_id IN ({ids})" if ids else "false")
                .execute(data)
            )
            if index is not None:  # the ANN index held the table's content: apply the same change
                keys = data.select(["chunk_id", "document_id", "content_hash"])
                vectors = data["vector"].combine_chunks().flatten().to_numpy()
                self._ann.apply(collection, index, document_ids, keys, vectors, self.db.open_table(collection).version)

    def refresh(self, collection: str) -> None:
        """After writes: build the full-text index, or fold the new rows into it and compact.
        (Rows written since are still found by keyword search, by a slower flat scan.)"""
        with self._lock:
            table = self._table(collection)
            trusted = self._ann.fresh(collection, table.version) is not None
            indices = {getattr(i, "index_type", "") for i in table.list_indices()}
            if "FTS" not in indices:
                table.create_fts_index("text", use_tantivy=False, replace=True)
            else:
                table.optimize()
            if self._ann.wanted(table.count_rows()):
                if "BTree" not in indices:  # the ANN's hits are fetched by chunk id
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", DeprecationWarning)
                        table.create_scalar_index("chunk_id", index_type="BTREE", replace=True)
                self._ann.sync(collection, self.db.open_table(collection), trusted=trusted)

    def delete_document(self, collection: str, document_id: str) -> int:
        """Erase a document: its chunks, vectors and BM25 postings, and the old table versions
        that still held them (compaction + cleanup), so the text is gone from disk too."""
        with self._lock:
            table = self._table(collection)
            where = f"document_id = {_sql_value(document_id)}"
            n = table.count_rows(where)
            if n:
                trusted = self._ann.fresh(collection, table.version) is not None
                index = self._ann.erase(collection, document_id)  # tombstones: no ANN answer returns it from now on
                table.delete(where)
                table.create_fts_index("text", use_tantivy=False, replace=True)
                with warnings.catch_warnings():  # dropping every old version is the point of an erasure
                    warnings.filterwarnings("ignore", message=r"optimize\(cleanup_older_than=0\)")
                    table.optimize(cleanup_older_than=timedelta(0), delete_unverified=True)
                if index is not None:  # the zeroed vectors and codes reach the disk too
                    self._ann.commit(collection, index, self.db.open_table(collection).version if trusted else None)
            return n

    def drop(self, collection: str) -> None:
        with self._lock:
            if not self.exists(collection):
                raise UnknownCollection(collection)
            self.db.drop_table(collection)
            self._ann.drop(collection)

    # -- reads --------------------------------------------------------------------------
    def document_hashes(self, collection: str, document_ids: list[str]) -> dict[str, str]:
        if not document_ids or not self.exists(collection):
            return {}
        table = self.db.open_table(collection)
        out: dict[str, str] = {}
        for start in range(0, len(document_ids), 500):
            part = document_ids[start : start + 500]
            where = f"document_id IN ({', '.join(_sql_value(d) for d in part)}) AND chunk_index = 0"
            rows = table.search().where(where).select(["document_id", "content_hash"]).limit(len(part)).to_arrow()
            out.update(zip(rows["document_id"].to_pylist(), rows["content_hash"].to_pylist(), strict=True))
        return out

    def stats(self, collection: str) -> dict[str, Any]:
        table = self._table(collection)
        chunks = table.count_rows()
        documents = table.count_rows("chunk_index = 0")
        return {
            "collection": collection,
            "documents": documents,
            "chunks": chunks,
            "dim": self.dim,
            "filter_fields": self.filter_fields(collection),
            "version": table.version,
            "dense_index": self._dense_stats(collection, table),
        }

    def _dense_stats(self, collection: str, table) -> dict[str, Any]:
        index = self._ann.fresh(collection, table.version)
        if index is None:
            return {"kind": "flat", "setting": self.dense_params.kind}
        return {
            "kind": "hnsw_sq8",
            "setting": self.dense_params.kind,
            "live": index.live,
            "tombstones": index.ntotal - index.live,
            "memory_bytes": sum(index.memory_bytes().values()),
        }

    def _hits(self, rows: pa.Table, score_column: str, higher_is_better: bool) -> list[Hit]:
        hits = []
        for r in rows.to_pylist():
            raw = float(r[score_column])
            hits.append(
                Hit(
                    chunk_id=r["chunk_id"],
                    document_id=r["document_id"],
                    chunk_index=r["chunk_index"],
                    text=r["text"],
                    score=raw if higher_is_better else 1.0 - raw,
                    source=r["source"] or "",
                    title=r["title"] or "",
                    metadata=json.loads(r["metadata"] or "{}"),
                )
            )
        return hits

    _COLUMNS = ["chunk_id", "document_id", "chunk_index", "text", "source", "title", "metadata"]

    def dense(self, collection: str, vector: np.ndarray, k: int, filters: dict[str, FilterValue]) -> list[Hit]:
        """HNSW-SQ8 when the collection's index is current, else LanceDB's exact flat scan. With
        filters, k x ``filter_overfetch`` ANN candidates are filtered in LanceDB; when fewer than
        k survive (a selective filter), the exact prefiltered flat scan answers."""
        table = self._table(collection)
        where = self._where(collection, filters)
        index = self._ann.for_query(collection, table)
        if index is not None:
            hits = self._ann_dense(table, index, vector, k, where)
            if hits is not None:
                return hits
        query = table.search(np.asarray(vector, dtype=np.float32)).distance_type("cosine")
        if where:
            query = query.where(where, prefilter=True)
        rows = query.select([*self._COLUMNS, "_distance"]).limit(k).to_arrow()
        return self._hits(rows, "_distance", higher_is_better=False)  # cosine similarity = 1 - distance

    def _ann_dense(self, table, index: AnnIndex, vector: np.ndarray, k: int, where: str | None) -> list[Hit] | None:
        q = np.asarray(vector, dtype=np.float32)
        q = q / max(float(np.linalg.norm(q)), 1e-12)  # cosine, as the flat scan
        fetch = max(k * self.dense_params.filter_overfetch, self.dense_params.rerank) if where else None
        ids, scores = index.search(q, fetch if where else k, fetch)
        if not ids:
            return None if where else []
        clause = f"chunk_id IN ({', '.join(_sql_value(c) for c in ids)})" + (f" AND ({where})" if where else "")
        rows = table.search().where(clause).select(self._COLUMNS).limit(len(ids)).to_arrow()
        by_id = {r["chunk_id"]: r for r in rows.to_pylist()}
        hits = [
            Hit(
                chunk_id=c,
                document_id=r["document_id"],
                chunk_index=r["chunk_index"],
                text=r["text"],
                score=float(s),
                source=r["source"] or "",
                title=r["title"] or "",
                metadata=json.loads(r["metadata"] or "{}"),
            )
            for c, s in zip(ids, scores, strict=True)
            if (r := by_id.get(c)) is not None
        ][:k]
        return None if where and len(hits) < k else hits

    def keyword(self, collection: str, query: str, k: int, filters: dict[str, FilterValue]) -> list[Hit]:
        table = self._table(collection)
        search = table.search(query, query_type="fts", fts_columns="text")
        where = self._where(collection, filters)
        if where:
            search = search.where(where, prefilter=True)
        rows = search.select([*self._COLUMNS, "_score"]).limit(k).to_arrow()
        return self._hits(rows, "_score", higher_is_better=True)
