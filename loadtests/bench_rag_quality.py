"""Retrieval quality on PubMedQA: each question should find its own abstract.

The 1,000 PubMedQA abstracts (CONTEXTS, title not indexed) are ingested into a collection with
the service's real chunker and embedder (idempotent: a rerun on the same --index-dir skips the
ingest). Two query sets: the 1,000 titles (the easy case: titles share words with their
abstracts) and 40 lay-wording / keyword paraphrases written for this benchmark
(loadtests/data/pubmedqa_paraphrases.json). For BM25 (LanceDB's native full-text index), dense
(all-MiniLM-L6-v2, exact cosine) and hybrid (reciprocal rank fusion): recall@1/5/10, MRR@10 and
nDCG@10 over documents (a document's rank is that of its best chunk), and per-query latency.
Peers in the same run: bm25s over the same chunks (the BM25 library the issue names) and
exact dense search in numpy (is LanceDB's flat search exact, and how fast is it).

    .venv/bin/python loadtests/bench_rag_quality.py [--index-dir var/rag-bench] [--data-dir ../shared/data]

Progress on stderr; the last stdout line is one JSON object (also appended to --out).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtests._common import REPO, emit, log, machine, ms, pct, ratio

K = 10
CHUNKS_FETCHED = 50  # chunks asked for per query, enough for 10 distinct documents


def doc_ranking(passage_doc_ids: list[str]) -> list[str]:
    seen: list[str] = []
    for doc_id in passage_doc_ids:
        if doc_id not in seen:
            seen.append(doc_id)
    return seen[:K]


def scores(rankings: list[list[str]], relevant: list[str]) -> dict[str, float]:
    n = len(relevant)
    ranks = [r.index(rel) + 1 if rel in r else None for r, rel in zip(rankings, relevant, strict=True)]
    return {
        "recall@1": round(sum(1 for r in ranks if r == 1) / n, 4),
        "recall@5": round(sum(1 for r in ranks if r and r <= 5) / n, 4),
        "recall@10": round(sum(1 for r in ranks if r) / n, 4),
        "mrr@10": round(sum(1 / r for r in ranks if r) / n, 4),
        "ndcg@10": round(sum(1 / math.log2(r + 1) for r in ranks if r) / n, 4),
        "queries": n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, default=REPO / "var" / "rag-bench")
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--model-dir", type=Path, default=REPO / "var" / "models" / "all-minilm-l6-v2")
    parser.add_argument("--out", type=Path, default=REPO / "loadtests" / "records" / "bench_rag_quality.jsonl")
    args = parser.parse_args()

    from services.rag.config import RagSettings
    from services.rag.documents import RecordFields, read_paths
    from services.rag.service import RetrievalService

    settings = RagSettings(index_dir=args.index_dir, embedding_model_dir=args.model_dir, max_top_k=CHUNKS_FETCHED)
    service = RetrievalService.from_settings(settings)
    source = args.data_dir / "pubmedqa" / "ori_pqal.json"
    fields = RecordFields(text_field="CONTEXTS", title_field="QUESTION", meta_fields=["YEAR", "final_decision"])
    documents = list(read_paths([source], fields))
    log(f"ingesting {len(documents)} abstracts into {args.index_dir} (skipped if unchanged)")
    ingest = service.ingest("pubmed", documents)
    log(f"ingest: {ingest}")

    raw = json.loads(source.read_text())
    query_sets = {
        "titles": [(raw[pmid]["QUESTION"], pmid) for pmid in raw],
        "paraphrases": [
            (q["query"], q["id"])
            for q in json.loads((REPO / "loadtests" / "data" / "pubmedqa_paraphrases.json").read_text())["queries"]
        ],
    }

    # peers over the very same chunks
    import bm25s

    table = service.store.db.open_table("pubmed").to_arrow()
    chunk_docs = table["document_id"].to_pylist()
    chunk_vectors = np.asarray(table["vector"].combine_chunks().flatten(), dtype=np.float32).reshape(
        len(chunk_docs), -1
    )
    t0 = time.perf_counter()
    bm25_peer = bm25s.BM25()
    bm25_peer.index(bm25s.tokenize(table["text"].to_pylist(), stopwords="en", show_progress=False), show_progress=False)
    bm25s_build_s = time.perf_counter() - t0

    results: dict[str, dict] = {}
    for set_name, queries in query_sets.items():
        relevant = [pmid for _, pmid in queries]
        per_mode: dict[str, dict] = {}
        vectors = None
        for mode in ("bm25", "dense", "hybrid"):
            rankings, latencies = [], []
            for text, _ in queries:
                started = time.perf_counter()
                answer = service.retrieve(
                    {"query": text, "collection": "pubmed", "top_k": CHUNKS_FETCHED, "mode": mode}
                )
                latencies.append(time.perf_counter() - started)
                rankings.append(doc_ranking([p["document_id"] for p in answer["data"]]))
            per_mode[mode] = {
                **scores(rankings, relevant),
                "p50_ms": ms(pct(latencies, 50)),
                "p99_ms": ms(pct(latencies, 99)),
            }
            log(set_name, mode, per_mode[mode])
        # peer: bm25s
        rankings, latencies = [], []
        for text, _ in queries:
            started = time.perf_counter()
            tokens = bm25s.tokenize([text], stopwords="en", show_progress=False)
            idx, _ = bm25_peer.retrieve(tokens, k=min(CHUNKS_FETCHED, len(chunk_docs)), show_progress=False)
            latencies.append(time.perf_counter() - started)
            rankings.append(doc_ranking([chunk_docs[i] for i in idx[0]]))
        per_mode["peer_bm25s"] = {
            **scores(rankings, relevant),
            "p50_ms": ms(pct(latencies, 50)),
            "p99_ms": ms(pct(latencies, 99)),
        }
        # peer: exact dense search in numpy (embedding excluded, as in LanceDB's "dense" stage alone)
        vectors = service.embedder.embed([text for text, _ in queries])
        rankings, latencies = [], []
        for vector in vectors:
            started = time.perf_counter()
            top = np.argsort(-(chunk_vectors @ vector))[:CHUNKS_FETCHED]
            latencies.append(time.perf_counter() - started)
            rankings.append(doc_ranking([chunk_docs[i] for i in top]))
        per_mode["peer_numpy_exact_dense"] = {
            **scores(rankings, relevant),
            "search_p50_ms": ms(pct(latencies, 50)),
            "search_p99_ms": ms(pct(latencies, 99)),
        }
        log(set_name, "peers", per_mode["peer_bm25s"], per_mode["peer_numpy_exact_dense"])
        results[set_name] = per_mode

    titles, para = results["titles"], results["paraphrases"]
    emit(
        {
            "benchmark": "rag_quality",
            "dataset": "PubMedQA PQA-L (1,000 abstracts)",
            "chunks": len(chunk_docs),
            "chunk_tokens": settings.chunk_tokens,
            "chunk_overlap_tokens": settings.chunk_overlap_tokens,
            "ingest": ingest,
            "bm25s_build_s": round(bm25s_build_s, 3),
            "results": results,
            "target_hybrid_recall@5": 0.95,
            "hybrid_recall@5_titles": titles["hybrid"]["recall@5"],
            "hybrid_recall@5_paraphrases": para["hybrid"]["recall@5"],
            "ratios": {
                "titles_hybrid_over_bm25_mrr": ratio(titles["hybrid"]["mrr@10"], titles["bm25"]["mrr@10"]),
                "paraphrases_hybrid_over_bm25_mrr": ratio(para["hybrid"]["mrr@10"], para["bm25"]["mrr@10"]),
                "titles_lance_bm25_over_bm25s_mrr": ratio(titles["bm25"]["mrr@10"], titles["peer_bm25s"]["mrr@10"]),
                "titles_lance_bm25_over_bm25s_p50": ratio(titles["bm25"]["p50_ms"], titles["peer_bm25s"]["p50_ms"]),
            },
            "machine": machine(),
            "command": "loadtests/bench_rag_quality.py",
        },
        args.out,
    )


if __name__ == "__main__":
    main()
