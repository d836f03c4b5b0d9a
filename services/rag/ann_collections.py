"""The store's HNSW-SQ8 indexes (``services/rag/ann.py``), one per collection, kept in step with
the LanceDB tables, which stay the truth: an index answers only while it reflects its table's
current version; the store's own writes are applied to it; anything else (another process's
write, a crash before a save, a lost file) is caught up by ``sync`` from the table.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from services.rag.ann import KEYS, AnnIndex, AnnParams, Detached, folder_lock


def _joined(keys: pa.Table) -> pa.Array:
    joined = pc.binary_join_element_wise(keys["chunk_id"], keys["content_hash"], "\x00")
    return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined


class AnnCollections:
    """The store's HNSW-SQ8 indexes, one per collection, kept in step with the LanceDB tables.

    An index answers a query only while it reflects the table's current version; otherwise the
    store's exact flat scan answers and the index is synchronised in a background thread."""

    def __init__(self, root: Path, dim: int, params: AnnParams):
        self.root, self.dim, self.params = Path(root), dim, params
        self._indexes: dict[str, AnnIndex] = {}
        self._lock = threading.Lock()  # guards the two dicts
        self._sync_lock = threading.Lock()  # one synchronisation at a time
        self._threads: dict[str, threading.Thread] = {}
        self._rows: dict[str, tuple[int, int]] = {}  # collection -> (table version, row count)

    def folder(self, collection: str) -> Path:
        return self.root / f"{collection}.ann"

    def wanted(self, rows: int) -> bool:
        return self.params.kind == "hnsw_sq8" or (self.params.kind == "auto" and rows >= self.params.min_chunks)

    def get(self, collection: str) -> AnnIndex | None:
        return self._indexes.get(collection)

    def fresh(self, collection: str, version: int) -> AnnIndex | None:
        index = self._indexes.get(collection)
        return index if index is not None and index.version == version else None

    def for_query(self, collection: str, table) -> AnnIndex | None:
        """The index when it reflects ``table``'s version; else None (flat answers) and, when the
        collection is large enough, a background synchronisation starts."""
        if self.params.kind == "flat":
            return None
        version = table.version
        index = self.fresh(collection, version)
        if index is None and self.wanted(self.row_count(collection, table, version)):
            with self._lock:
                running = self._threads.get(collection)
                if running is None or not running.is_alive():
                    thread = threading.Thread(
                        target=self.sync, args=(collection, table), name=f"ann-sync-{collection}", daemon=True
                    )
                    self._threads[collection] = thread
                    thread.start()
        return index

    def row_count(self, collection: str, table, version: int) -> int:
        """The table's row count, read once per table version (queries of small collections under
        ``auto`` ask on every call)."""
        known = self._rows.get(collection)
        if known is None or known[0] != version:
            known = self._rows[collection] = (version, table.count_rows())
        return known[1]

    def wait(self, timeout: float | None = None) -> None:
        """Join the background synchronisations (erasure and tests)."""
        for thread in list(self._threads.values()):
            thread.join(timeout)

    def sync(self, collection: str, table, trusted: bool = False) -> AnnIndex | None:
        """Bring the index to ``table``'s version: load it, or build it from the table, or apply the
        difference of (chunk id, content hash) keys; rebuild when tombstones exceed
        ``rebuild_share``; save. ``trusted``: the index in memory already holds the table's
        content (the store's own writes were applied to it)."""
        with self._sync_lock, folder_lock(self.folder(collection)):
            try:
                return self._sync(collection, table, trusted)
            except Detached:  # another process rebuilt or extended the files: start from them
                self.forget(collection)
                return self._sync(collection, table, False)

    def _sync(self, collection: str, table, trusted: bool) -> AnnIndex | None:
        version = table.version
        if not self.wanted(table.count_rows()):
            return None
        index = self._indexes.get(collection) or AnnIndex.load(self.folder(collection), self.dim, self.params)
        changed = index is None or index.version != version
        if index is None:
            index = self._build(collection, table, version)
        elif not (trusted or index.version == version):
            rows = table.search().select(["chunk_id", "content_hash"]).limit(None).to_arrow()
            live = index.live_keys()
            gone = pc.invert(pc.is_in(_joined(live), value_set=_joined(rows)))
            new = pc.invert(pc.is_in(_joined(rows), value_set=_joined(live)))
            if (pc.sum(new).as_py() or 0) > rows.num_rows // 2:
                index = self._build(collection, table, version)
            else:
                index.remove_chunks(live["chunk_id"].filter(gone).to_pylist())
                self._add_rows(index, table, rows["chunk_id"].filter(new).to_pylist())
        if index.dead_share > self.params.rebuild_share:
            index = AnnIndex.build(index.folder, self.dim, self.params, index.live_keys(), index.live_vectors(), 0)
            changed = True
        if changed:
            index.version = version
            index.save()
        with self._lock:
            self._indexes[collection] = index
        return index

    def _build(self, collection: str, table, version: int) -> AnnIndex:
        rows = table.search().select([*KEYS, "vector"]).limit(None).to_arrow()
        vectors = rows["vector"].combine_chunks().flatten().to_numpy().reshape(-1, self.dim)
        keys = rows.select(list(KEYS))
        return AnnIndex.build(self.folder(collection), self.dim, self.params, keys, vectors, version)

    def _add_rows(self, index: AnnIndex, table, chunk_ids: list[str]) -> None:
        for start in range(0, len(chunk_ids), 500):
            part = chunk_ids[start : start + 500]
            quoted = ", ".join("'" + c.replace("'", "''") + "'" for c in part)
            rows = table.search().where(f"chunk_id IN ({quoted})").select([*KEYS, "vector"]).limit(None).to_arrow()
            index.add(rows.select(list(KEYS)), rows["vector"].combine_chunks().flatten().to_numpy())

    def forget(self, collection: str) -> None:
        with self._lock:
            self._indexes.pop(collection, None)

    def apply(self, collection: str, index: AnnIndex, document_ids: list[str], keys: pa.Table, vectors, version: int):
        """The store's own write, already committed to the table, applied to a current index."""
        with folder_lock(self.folder(collection)):
            try:
                index.remove_documents(document_ids)
                index.remove_chunks(keys["chunk_id"].to_pylist())
                index.add(keys, vectors)
                index.version = version
            except Detached:
                self.forget(collection)

    def commit(self, collection: str, index: AnnIndex, version: int | None) -> None:
        """Save ``index`` (as of table ``version`` when given)."""
        with folder_lock(self.folder(collection)):
            try:
                if version is not None:
                    index.version = version
                index.save()
            except Detached:
                self.forget(collection)

    def erase(self, collection: str, document_id: str) -> AnnIndex | None:
        """Tombstone a document's chunks at once, in memory and (after the caller's ``commit``) on
        disk, whether or not the index is current."""
        self.wait()
        with self._sync_lock, folder_lock(self.folder(collection)):
            index = self._indexes.get(collection) or AnnIndex.load(self.folder(collection), self.dim, self.params)
            if index is not None:
                index.remove_documents([document_id])
                with self._lock:
                    self._indexes[collection] = index
            return index

    def drop(self, collection: str) -> None:
        self.wait()
        with folder_lock(self.folder(collection)):
            self.forget(collection)
            shutil.rmtree(self.folder(collection), ignore_errors=True)
