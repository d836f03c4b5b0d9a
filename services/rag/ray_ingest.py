"""Ingestion as a Ray Data job, for corpora too large for one process.

    read   (driver)  files -> documents, validated, unchanged ones skipped (RetrievalService.plan)
    chunk  map_batches(ChunkDocuments)  document texts -> sentence chunks, on Ray workers
    embed  map_batches(EmbedChunks)     chunks -> vectors, batches of chunks on an actor pool
    write  (driver)  batches of documents with their chunks -> one LanceDB commit each

Chunking and embedding use the very classes of the in-process path (``Chunker``, the ONNX or
torch ``Embedder``) built from the same ``RagSettings``, so both paths index the same chunks
and the same vectors (tests/integration/test_rag_ray_ingest.py). Writing stays in one process
(the driver): LanceDB takes concurrent appends, but replacing a document is a delete plus an
insert that must not interleave with another writer's; the heavy part (embedding) is what runs
on the cluster. On a Ray cluster the index folder and the model folder must be reachable at the
same path from the driver and the workers (a shared volume), see the README.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from services.rag.config import RagSettings
from services.rag.documents import Document
from services.rag.store import Chunk

WRITE_BATCH_DOCS = 64


class ChunkDocuments:
    """Ray Data UDF: a batch of documents (``row``, ``text``) -> the same rows with ``chunks``."""

    def __init__(self, settings: dict[str, Any]):
        from services.rag.chunking import Chunker, load_tokenizer

        rag = RagSettings(**settings)
        self.chunker = Chunker(load_tokenizer(rag.embedding_model_dir), rag.chunk_tokens, rag.chunk_overlap_tokens)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        chunks = [self.chunker.chunk(str(text)) for text in batch["text"]]
        return {"row": batch["row"], "chunks": _object_array([np.array(c, dtype=object) for c in chunks])}


class EmbedChunks:
    """Ray Data UDF on an actor pool (the model loads once per actor): each document's chunks ->
    a ``[n_chunks, dim]`` float32 array."""

    def __init__(self, settings: dict[str, Any]):
        from services.rag.embeddings import build_embedder

        rag = RagSettings(**settings)
        self.embedder = build_embedder(
            rag.embedder,
            rag.embedding_model_dir,
            rag.index_dir / "onnx",
            threads=rag.onnx_threads,
            batch_size=rag.embed_batch_size,
        )

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts = [[str(t) for t in doc_chunks] for doc_chunks in batch["chunks"]]
        vectors = self.embedder.embed([t for doc_texts in texts for t in doc_texts])
        out, start = [], 0
        for doc_texts in texts:
            out.append(vectors[start : start + len(doc_texts)])
            start += len(doc_texts)
        return {"row": batch["row"], "chunks": batch["chunks"], "vectors": _object_array(out)}


def _object_array(items: list) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


class RayDataChunker:
    """``RetrievalService.ingest``'s ``chunker`` as a Ray Data job; ``embed_actors`` embedding
    actors of ``cpus_per_actor`` CPUs each (Ray must be initialised by the caller)."""

    def __init__(self, service, embed_actors: int = 1, cpus_per_actor: float = 1.0):
        self.service = service
        self.embed_actors = embed_actors
        self.cpus_per_actor = cpus_per_actor

    def __call__(self, documents: list[Document]) -> Iterator[tuple[list[Document], list[Chunk]]]:
        import ray.data

        if not documents:
            return
        rag = self.service.settings
        # absolute paths: workers need not share the driver's working directory
        resolved = {
            "index_dir": rag.index_dir.resolve(),
            "embedding_model_dir": rag.embedding_model_dir.resolve(),
            "onnx_threads": max(1, round(self.cpus_per_actor)),  # one ONNX thread per CPU the actor holds
        }
        settings = rag.model_copy(update=resolved).model_dump(mode="json")
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False  # the CLI shows its own bar, per written batch
        dataset = ray.data.from_items([{"row": i, "text": d.text} for i, d in enumerate(documents)])
        dataset = dataset.map_batches(
            ChunkDocuments,
            fn_constructor_kwargs={"settings": settings},
            batch_size=WRITE_BATCH_DOCS,
            batch_format="numpy",
            concurrency=self.embed_actors,
            num_cpus=0.5,
        )
        dataset = dataset.map_batches(
            EmbedChunks,
            fn_constructor_kwargs={"settings": settings},
            batch_size=WRITE_BATCH_DOCS,
            batch_format="numpy",
            concurrency=self.embed_actors,
            num_cpus=self.cpus_per_actor,
        )
        for batch in dataset.iter_batches(batch_size=WRITE_BATCH_DOCS, batch_format="numpy"):
            docs = [documents[int(i)] for i in batch["row"]]
            texts = [[str(t) for t in c] for c in batch["chunks"]]
            for doc, doc_texts in zip(docs, texts, strict=True):
                if not doc_texts:
                    self.service.chunk_texts(doc)  # raises the in-process path's error
            vectors = np.concatenate(
                [np.asarray(v, dtype=np.float32).reshape(-1, self.service.embedder.dim) for v in batch["vectors"]]
            )
            yield docs, self.service.build_chunks(docs, texts, vectors)
