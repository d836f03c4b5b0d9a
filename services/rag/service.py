"""The retrieval service (plain Python; services/rag/deployment.py wraps it for Ray Serve).

    ingest:   documents -> validate all (nothing written on any error) -> skip unchanged
              (content hash) -> sentence chunks -> embed in batches -> one commit per batch
    retrieve: query -> embed -> dense top-N and BM25 top-N (filters inside the store)
              -> reciprocal rank fusion -> top_k passages with ids, scores and sources
    erase:    every chunk, vector and BM25 posting of a document id, old versions included

Errors are the gateway's: InvalidRequestError (400) for bad input, NotFoundError (404) for
an unknown collection; retrieve returns per-stage timings the gateway turns into metrics.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
from pydantic import ValidationError

from services.common.errors import InvalidRequestError, NotFoundError
from services.common.protocol import RetrieveRequest
from services.rag.chunking import Chunker, load_tokenizer
from services.rag.config import RagSettings
from services.rag.documents import Document, DocumentError, validate
from services.rag.embeddings import Embedder, build_embedder
from services.rag.fusion import reciprocal_rank_fusion
from services.rag.request_checks import check_collection_name, checked_retrieve
from services.rag.store import Chunk, LanceStore, UnknownCollection, UnknownFilterField, VectorStore

Progress = Callable[[int], None]  # called with the number of documents just written
# documents to write -> batches of (documents, their embedded chunks)
ChunkBatches = Callable[[list[Document]], Iterable[tuple[list[Document], list[Chunk]]]]
WRITE_BATCH_DOCS = 64


class CollectionNotFound(NotFoundError):
    default_code = "collection_not_found"

    def __init__(self, collection: str):
        super().__init__(f"The collection '{collection}' does not exist.", param="collection")


class RetrievalService:
    def __init__(self, settings: RagSettings, store: VectorStore, embedder: Embedder, chunker: Chunker):
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.chunker = chunker
        self.recipe = f"minilm-l6-v2/{settings.chunk_tokens}/{settings.chunk_overlap_tokens}"

    @classmethod
    def from_settings(cls, settings: RagSettings) -> RetrievalService:
        embedder = build_embedder(
            settings.embedder,
            settings.embedding_model_dir,
            settings.index_dir / "onnx",
            threads=settings.onnx_threads,
            batch_size=settings.embed_batch_size,
        )
        chunker = Chunker(
            load_tokenizer(settings.embedding_model_dir), settings.chunk_tokens, settings.chunk_overlap_tokens
        )
        store = LanceStore(settings.index_dir, dim=embedder.dim, dense=settings.dense_params())
        return cls(settings, store, embedder, chunker)

    # -- ingestion ----------------------------------------------------------------------
    def plan(self, collection: str, documents: list[Document]) -> tuple[list[Document], int]:
        """Documents whose content changed or is new, and how many are unchanged."""
        check_collection_name(collection)
        try:
            validate(documents, self.settings.max_document_bytes)
        except DocumentError as exc:
            raise InvalidRequestError(str(exc), param="documents") from None
        known = self.store.document_hashes(collection, [d.id for d in documents])
        todo = [d for d in documents if known.get(d.id) != d.content_hash(self.recipe)]
        return todo, len(documents) - len(todo)

    def ingest(
        self,
        collection: str,
        documents: Iterable[Document],
        progress: Progress | None = None,
        chunker: ChunkBatches | None = None,
    ) -> dict:
        """Add or replace documents; unchanged ones are skipped. All input is validated before the
        first write; each batch of documents is then one atomic commit. ``chunker`` turns the
        documents to write into (documents, their chunks) batches: in process by default, or a
        Ray Data job (``services/rag/ray_ingest.py``); either way this process writes."""
        started = time.perf_counter()
        documents = list(documents)
        todo, unchanged = self.plan(collection, documents)
        known = self.store.document_hashes(collection, [d.id for d in todo])
        n_chunks = 0
        for batch, chunks in (chunker or self.chunk_batches)(todo):
            self.store.replace_documents(collection, [d.id for d in batch], chunks)
            n_chunks += len(chunks)
            if progress:
                progress(len(batch))
        if todo:
            self.store.refresh(collection)
        return {
            "collection": collection,
            "added": sum(1 for d in todo if d.id not in known),
            "replaced": sum(1 for d in todo if d.id in known),
            "unchanged": unchanged,
            "chunks": n_chunks,
            "seconds": round(time.perf_counter() - started, 3),
        }

    def chunk_batches(self, documents: list[Document]) -> Iterator[tuple[list[Document], list[Chunk]]]:
        """In process: batches of ``WRITE_BATCH_DOCS`` documents with their chunks, embedded."""
        for start in range(0, len(documents), WRITE_BATCH_DOCS):
            batch = documents[start : start + WRITE_BATCH_DOCS]
            texts = [self.chunk_texts(doc) for doc in batch]
            vectors = self.embedder.embed([t for doc_texts in texts for t in doc_texts])
            yield batch, self.build_chunks(batch, texts, vectors)

    def chunk_texts(self, doc: Document) -> list[str]:
        texts = self.chunker.chunk(doc.text)
        if not texts:
            raise InvalidRequestError(f"document {doc.id!r} has no text", param="documents")
        return texts

    def build_chunks(self, documents: list[Document], texts: list[list[str]], vectors: np.ndarray) -> list[Chunk]:
        """The index rows of ``documents``, given each one's chunk texts and all their vectors
        (in the same order, flattened)."""
        pieces = [(doc, i, t) for doc, doc_texts in zip(documents, texts, strict=True) for i, t in enumerate(doc_texts)]
        return [
            Chunk(
                chunk_id=f"{doc.id}#{i}",
                document_id=doc.id,
                chunk_index=i,
                text=text,
                vector=vector,
                content_hash=doc.content_hash(self.recipe),
                source=doc.source,
                title=doc.title,
                metadata=doc.metadata,
            )
            for (doc, i, text), vector in zip(pieces, vectors, strict=True)
        ]

    # -- admin --------------------------------------------------------------------------
    def collections(self) -> list[dict[str, Any]]:
        return [self.store.stats(name) for name in self.store.collections()]

    def stats(self, collection: str) -> dict[str, Any]:
        try:
            return self.store.stats(collection)
        except UnknownCollection:
            raise CollectionNotFound(collection) from None

    def delete_document(self, collection: str, document_id: str) -> dict[str, Any]:
        try:
            removed = self.store.delete_document(collection, document_id)
        except UnknownCollection:
            raise CollectionNotFound(collection) from None
        if not removed:
            raise NotFoundError(f"No document '{document_id}' in '{collection}'.", param="document_id")
        return {"collection": collection, "document_id": document_id, "chunks_removed": removed}

    def drop_collection(self, collection: str) -> dict[str, Any]:
        try:
            self.store.drop(collection)
        except UnknownCollection:
            raise CollectionNotFound(collection) from None
        return {"collection": collection, "dropped": True}

    # -- retrieval ----------------------------------------------------------------------
    def parse(self, body: dict[str, Any] | RetrieveRequest) -> RetrieveRequest:
        try:
            request = body if isinstance(body, RetrieveRequest) else RetrieveRequest.model_validate(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            param = ".".join(str(p) for p in first["loc"]) or None
            raise InvalidRequestError(f"{param}: {first['msg']}", param=param) from None
        return checked_retrieve(
            request,
            max_query_chars=self.settings.max_query_chars,
            default_top_k=self.settings.default_top_k,
            max_top_k=self.settings.max_top_k,
        )

    def retrieve(self, body: dict[str, Any] | RetrieveRequest) -> dict[str, Any]:
        request = self.parse(body)
        timings: dict[str, float] = {}
        clock = time.perf_counter()

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            timings[stage] = now - clock
            clock = now

        candidates = max(self.settings.candidates, request.top_k)
        rankings: dict[str, list] = {}
        try:
            if not self.store.exists(request.collection):
                raise CollectionNotFound(request.collection)
            if request.mode in ("hybrid", "dense"):
                vector = self.embedder.embed([request.query])[0]
                lap("embed")
                rankings["dense"] = self.store.dense(request.collection, vector, candidates, request.filters)
                lap("dense")
            if request.mode in ("hybrid", "bm25"):
                rankings["bm25"] = self.store.keyword(request.collection, request.query, candidates, request.filters)
                lap("bm25")
        except UnknownFilterField as exc:
            raise InvalidRequestError(str(exc), param="filters") from None
        except UnknownCollection:
            raise CollectionNotFound(request.collection) from None
        except ValueError as exc:
            raise InvalidRequestError(str(exc), param="filters") from None

        hits = {h.chunk_id: h for ranking in rankings.values() for h in ranking}
        ranks = {name: {h.chunk_id: (r, h.score) for r, h in enumerate(hs, 1)} for name, hs in rankings.items()}
        fused = reciprocal_rank_fusion([[h.chunk_id for h in hs] for hs in rankings.values()], k=self.settings.rrf_k)
        lap("fuse")
        data = []
        for chunk_id, score in fused[: request.top_k]:
            hit = hits[chunk_id]
            data.append(
                {
                    "id": chunk_id,
                    "document_id": hit.document_id,
                    "chunk_index": hit.chunk_index,
                    "text": hit.text,
                    "score": score,
                    "scores": {name: r[chunk_id][1] for name, r in ranks.items() if chunk_id in r},
                    "ranks": {name: r[chunk_id][0] for name, r in ranks.items() if chunk_id in r},
                    "title": hit.title,
                    "source": hit.source,
                    "metadata": hit.metadata,
                }
            )
        timings["total"] = sum(timings.values())
        return {
            "object": "list",
            "collection": request.collection,
            "mode": request.mode,
            "data": data,
            "timings": timings,
        }
