"""RAG settings (environment prefix ``LLMOPS_RAG_``; or the ``rag`` dict of build_app)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.rag.ann import AnnParams

# all-MiniLM-L6-v2 truncates its input at 256 tokens ([CLS] and [SEP] included): no chunk may be longer.
MODEL_MAX_TOKENS = 256


class RagAlias(BaseModel):
    model: str = Field(description="Base chat model that answers.")
    collection: str = Field(description="Collection the answers are grounded in.")
    top_k: int = Field(4, ge=1, le=50, description="Passages put into the prompt.")


class RagSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LLMOPS_RAG_")

    enabled: bool = Field(True, description="Add the retrieval deployment to the app (build_app key `rag`).")
    index_dir: Path = Field(
        Path("var/rag"), description="Folder of the embedded index (one LanceDB database; a collection per table)."
    )
    embedding_model_dir: Path = Field(
        Path("var/models/all-minilm-l6-v2"),
        description="HF folder of the embedding model (the same all-MiniLM-L6-v2 the gateway's /v1/embeddings serves).",
    )
    embedder: Literal["onnx", "torch"] = Field(
        "onnx",
        description="How the retrieval replica embeds: ONNX Runtime in process (measured fastest) or torch in process.",
    )
    onnx_threads: int = Field(1, ge=1, description="ONNX Runtime intra-op threads per replica.")
    embed_batch_size: int = Field(64, ge=1, le=1024, description="Texts per embedding batch during ingestion.")
    chunk_tokens: int = Field(
        160,
        ge=16,
        le=MODEL_MAX_TOKENS,
        description="Most tokens per chunk (embedding tokenizer, [CLS]/[SEP] included); never above the model's 256.",
    )
    chunk_overlap_tokens: int = Field(
        32, ge=0, description="Trailing sentences of a chunk, up to this many tokens, repeated at the next one's start."
    )
    max_document_bytes: int = Field(
        2_000_000, ge=1, description="Largest document (UTF-8 text) accepted; a larger one refuses the whole ingest."
    )
    ray_ingest_min_bytes: int = Field(
        64_000_000,
        ge=0,
        description="`llmops rag ingest --runner auto` runs a Ray Data job when the documents to write hold"
        " at least this many bytes of text, else ingests in process.",
    )
    max_top_k: int = Field(50, ge=1, description="Largest top_k a retrieve request may ask for.")
    default_top_k: int = Field(5, ge=1, description="top_k when a request gives none.")
    max_query_chars: int = Field(2000, ge=1, description="Longest query accepted.")
    candidates: int = Field(
        50, ge=1, description="Candidates taken from each of BM25 and dense search before rank fusion."
    )
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant: score = sum of 1 / (rrf_k + rank).")
    dense_index: Literal["auto", "flat", "hnsw_sq8"] = Field(
        "auto",
        description="Dense search: `flat` (LanceDB's exact scan), `hnsw_sq8` (FAISS HNSW over 8-bit scalar-quantised"
        " vectors, re-ranked on float32), or `auto`: flat below `dense_index_min_chunks` chunks, HNSW-SQ8 from there.",
    )
    dense_index_min_chunks: int = Field(
        50_000, ge=0, description="`dense_index: auto` uses HNSW-SQ8 for collections of at least this many chunks."
    )
    hnsw_m: int = Field(32, ge=4, le=128, description="HNSW links per node (M).")
    hnsw_ef_construction: int = Field(80, ge=8, description="HNSW efConstruction (build-time candidate list).")
    hnsw_ef_search: int = Field(96, ge=1, description="HNSW efSearch (query-time candidate list; at least the fetch).")
    hnsw_rerank: int = Field(
        96, ge=1, description="HNSW candidates re-ranked on the exact float32 vectors (at least the k asked)."
    )
    hnsw_rebuild_share: float = Field(
        0.2, gt=0, lt=1, description="Rebuild the HNSW index when this share of its vectors are tombstones."
    )
    hnsw_filter_overfetch: int = Field(
        8,
        ge=1,
        description="Filtered dense queries take k x this many HNSW candidates and filter them in LanceDB;"
        " when fewer than k survive, the exact prefiltered flat scan answers.",
    )
    replicas: int = Field(1, ge=1, description="Retrieval deployment replicas.")
    num_cpus: float = Field(0.25, gt=0, description="CPUs reserved per retrieval replica.")
    timeout_s: float = Field(5.0, gt=0, description="Longest the gateway waits for one retrieval.")

    aliases: dict[str, RagAlias] = Field(
        default_factory=dict,
        description="Public model name -> {model, collection, top_k}: chat on that name is grounded in the collection.",
    )

    def dense_params(self) -> AnnParams:
        return AnnParams(
            kind=self.dense_index,
            min_chunks=self.dense_index_min_chunks,
            m=self.hnsw_m,
            ef_construction=self.hnsw_ef_construction,
            ef_search=self.hnsw_ef_search,
            rerank=self.hnsw_rerank,
            rebuild_share=self.hnsw_rebuild_share,
            filter_overfetch=self.hnsw_filter_overfetch,
        )

    @model_validator(mode="after")
    def _overlap_below_budget(self) -> RagSettings:
        if self.chunk_overlap_tokens >= self.chunk_tokens // 2:
            raise ValueError("chunk_overlap_tokens must be under half of chunk_tokens")
        if self.default_top_k > self.max_top_k:
            raise ValueError("default_top_k must not exceed max_top_k")
        return self
