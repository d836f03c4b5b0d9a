"""Approximate dense search for large collections: FAISS HNSW over 8-bit scalar-quantised vectors
(``IndexHNSWSQ``, a quarter of float32's memory), whose candidates are re-ranked on the exact
float32 vectors read from a memory-mapped file.

Labels ``0..n-1`` of the FAISS index are rows of ``vectors.f32`` and of a key table (chunk id,
document id, content hash, alive). HNSW cannot remove a vector, so a replaced or erased chunk
becomes a tombstone: its label is excluded from every search at once (an ``IDSelectorBitmap``
inside the HNSW search), its float32 row and its 8-bit code are overwritten with zeros, and the
index is rebuilt from its live rows once tombstones exceed ``rebuild_share``. The files live in
``<collection>.ann/`` beside the LanceDB table; ``state.json`` (written last) records the table
version they reflect. LanceDB stays the truth: an index that is missing, inconsistent or behind
the table is synchronised from it (``services/rag/ann_collections.py``).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather

DenseIndexKind = Literal["auto", "flat", "hnsw_sq8"]
KEYS = ("chunk_id", "document_id", "content_hash")


@dataclass(frozen=True)
class AnnParams:
    kind: DenseIndexKind = "auto"
    min_chunks: int = 50_000  # auto: flat below this many chunks, HNSW-SQ8 from it on
    m: int = 32
    ef_construction: int = 80
    ef_search: int = 96
    rerank: int = 96  # candidates re-ranked on float32 (at least k)
    rebuild_share: float = 0.2  # rebuild once this share of labels are tombstones
    filter_overfetch: int = 8  # filtered queries take k x this many candidates before filtering
    train_sample: int = 200_000  # vectors the scalar quantiser's ranges are trained on


class Detached(RuntimeError):
    """The index files were rebuilt or extended by another process: this copy must be dropped."""


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Exclusive across processes (and threads): every change to an index's files holds it."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.with_name(folder.name + ".lock"), "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _atomic(path: Path, write: Callable[[str], None]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(str(tmp))
    os.replace(tmp, path)


class AnnIndex:
    """One collection's HNSW-SQ8 index with float32 re-ranking. Thread-safe (one lock)."""

    def __init__(
        self, folder: Path, dim: int, params: AnnParams, index: Any, keys: pa.Table, version: int, generation: str
    ):
        self.folder, self.dim, self.params, self.index = Path(folder), dim, params, index
        self.version = version
        self.generation = generation  # of the files this copy may write to (a new one per build)
        self.lock = threading.RLock()
        self._keys = {name: keys[name].combine_chunks() for name in KEYS}
        self._alive = np.asarray(keys["alive"].to_numpy(zero_copy_only=False), dtype=bool).copy()
        self._open_vectors()
        self._update_selector()

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def build(cls, folder: Path, dim: int, params: AnnParams, keys: pa.Table, vectors: np.ndarray, version: int):
        """A fresh index of ``vectors`` (normalised float32) keyed by ``keys`` (chunk_id,
        document_id, content_hash), saved in ``folder``."""
        import faiss

        folder = Path(folder)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dim)
        index = faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, params.m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = params.ef_construction
        if len(vectors):
            step = max(1, len(vectors) // params.train_sample)
            index.train(vectors[::step][: params.train_sample])
            index.add(vectors)
        vectors.tofile(folder / "vectors.f32")
        keys = keys.select(list(KEYS)).append_column("alive", pa.array(np.ones(len(vectors), dtype=bool)))
        built = cls(folder, dim, params, index, keys, version, uuid.uuid4().hex)
        built.save()
        return built

    @classmethod
    def load(cls, folder: Path, dim: int, params: AnnParams) -> AnnIndex | None:
        """The saved index, or None when it is missing, built with other parameters, or its files
        disagree with each other (an interrupted save)."""
        import faiss

        folder = Path(folder)
        try:
            state = json.loads((folder / "state.json").read_text())
            if (state["dim"], state["m"], state["ef_construction"]) != (dim, params.m, params.ef_construction):
                return None
            index = faiss.read_index(str(folder / "index.faiss"))
            keys = feather.read_table(folder / "keys.arrow")
            n = state["ntotal"]
            if index.ntotal != n or keys.num_rows != n or (folder / "vectors.f32").stat().st_size != n * dim * 4:
                return None  # e.g. another process appended vectors it has not saved yet: rebuild
        except (OSError, ValueError, KeyError, RuntimeError):
            return None
        return cls(folder, dim, params, index, keys, state["version"], state["generation"])

    def _check_files(self, rows: int) -> None:
        """Raise Detached unless the folder still holds this copy's generation with ``rows`` vectors."""
        try:
            generation = json.loads((self.folder / "state.json").read_text()).get("generation")
            size = (self.folder / "vectors.f32").stat().st_size
        except (OSError, ValueError):
            raise Detached(str(self.folder)) from None
        if generation != self.generation or size != rows * self.dim * 4:
            raise Detached(str(self.folder))

    def save(self) -> None:
        import faiss

        with self.lock:
            if (self.folder / "state.json").exists():
                self._check_files(self.ntotal)
            if self._vectors is not None and isinstance(self._vectors, np.memmap):
                self._vectors.flush()
            _atomic(self.folder / "index.faiss", lambda p: faiss.write_index(self.index, p))
            keys = pa.table({**self._keys, "alive": pa.array(self._alive)})
            _atomic(self.folder / "keys.arrow", lambda p: feather.write_feather(keys, p))
            state = {
                "version": self.version,
                "generation": self.generation,
                "ntotal": self.ntotal,
                "dim": self.dim,
                **asdict(self.params),
            }
            _atomic(self.folder / "state.json", lambda p: Path(p).write_text(json.dumps(state)))

    # -- bookkeeping ----------------------------------------------------------------------
    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @property
    def live(self) -> int:
        return int(self._alive.sum())

    @property
    def dead_share(self) -> float:
        return 1.0 - self.live / self.ntotal if self.ntotal else 0.0

    def _open_vectors(self) -> None:
        n = self.ntotal
        path = self.folder / "vectors.f32"
        self._vectors = np.memmap(path, dtype=np.float32, mode="r+", shape=(n, self.dim)) if n else None

    def _update_selector(self) -> None:
        import faiss

        if self._alive.all():
            self._bitmap, self._selector = None, None
        else:  # the selector reads this buffer: keep a reference to it
            self._bitmap = np.packbits(self._alive, bitorder="little")
            self._selector = faiss.IDSelectorBitmap(len(self._alive), faiss.swig_ptr(self._bitmap))

    def memory_bytes(self) -> dict[str, int]:
        """What stays in memory: the HNSW graph and 8-bit codes, the keys, the alive flags (the
        float32 vectors are a memory-mapped file: the page cache decides)."""
        import faiss

        codes = self.ntotal * self.dim
        graph = faiss.downcast_index(self.index).hnsw
        links = graph.neighbors.size() * 4 + graph.offsets.size() * 8 + graph.levels.size() * 4
        keys = sum(a.nbytes for a in self._keys.values())
        return {"codes": codes, "graph": int(links), "keys": keys, "alive": self._alive.nbytes}

    def live_keys(self) -> pa.Table:
        mask = pa.array(self._alive)
        return pa.table({name: self._keys[name].filter(mask) for name in KEYS})

    def live_vectors(self) -> np.ndarray:
        return np.asarray(self._vectors[self._alive]) if self._vectors is not None else np.zeros((0, self.dim))

    # -- writes ---------------------------------------------------------------------------
    def add(self, keys: pa.Table, vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if not len(vectors):
            return
        with self.lock:
            n = self.ntotal
            self._check_files(n)  # appending to files another process changed would corrupt them
            if not self.index.is_trained:
                step = max(1, len(vectors) // self.params.train_sample)
                self.index.train(vectors[::step][: self.params.train_sample])
            self._vectors = None
            with open(self.folder / "vectors.f32", "r+b" if n else "wb") as f:
                f.truncate(n * self.dim * 4)
                f.seek(n * self.dim * 4)
                f.write(vectors.tobytes())
            self.index.add(vectors)
            for name in KEYS:
                self._keys[name] = pa.concat_arrays([self._keys[name], keys[name].combine_chunks().cast(pa.string())])
            self._alive = np.concatenate([self._alive, np.ones(len(vectors), dtype=bool)])
            self._open_vectors()
            self._update_selector()  # the bitmap covers every label

    def _kill(self, mask: pa.Array) -> int:
        import faiss

        labels = np.flatnonzero(np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool) & self._alive)
        if not len(labels):
            return 0
        self._alive[labels] = False
        self._vectors[labels] = 0.0  # nothing of the vector stays: float32 row and 8-bit code
        storage = faiss.downcast_index(faiss.downcast_index(self.index).storage)
        codes = faiss.rev_swig_ptr(storage.codes.data(), storage.codes.size())
        codes.reshape(-1, storage.code_size)[labels] = 0
        self._update_selector()
        return len(labels)

    def remove_documents(self, document_ids: list[str]) -> int:
        """Tombstone every live chunk of these documents; returns how many."""
        with self.lock:
            return self._kill(pc.is_in(self._keys["document_id"], value_set=pa.array(document_ids, pa.string())))

    def remove_chunks(self, chunk_ids: list[str]) -> int:
        with self.lock:
            return self._kill(pc.is_in(self._keys["chunk_id"], value_set=pa.array(chunk_ids, pa.string())))

    # -- reads ----------------------------------------------------------------------------
    def search(self, vector: np.ndarray, k: int, fetch: int | None = None) -> tuple[list[str], np.ndarray]:
        """Chunk ids and inner products of the best ``k`` live vectors: ``fetch`` (default
        ``max(rerank, k)``) HNSW candidates re-ranked on float32."""
        import faiss

        q = np.asarray(vector, dtype=np.float32).reshape(self.dim)
        fetch = max(fetch or self.params.rerank, k)
        with self.lock:
            if not self.live:
                return [], np.zeros(0, dtype=np.float32)
            params = faiss.SearchParametersHNSW(efSearch=max(self.params.ef_search, fetch))
            if self._selector is not None:
                params.sel = self._selector
            _, labels = self.index.search(q[None], fetch, params=params)
            labels = np.sort(labels[0][labels[0] >= 0])  # ascending: nearer reads of the file
            scores = self._vectors[labels] @ q
            order = np.argsort(-scores)[:k]
            return self._keys["chunk_id"].take(labels[order]).to_pylist(), scores[order]
