"""Which embedder the retrieval replica should use: all-MiniLM-L6-v2 in ONNX Runtime in process,
in torch in process, or vLLM's pooling runner (the engine behind the gateway's /v1/embeddings,
run here in process, so without the extra Ray hop a deployment call would add).

Measured in one run, each pinned to the same thread count: one short query (the retrieval
path; p50/p99 over --queries) and a batch of PubMedQA chunks (the ingestion path; chunks/s).
Also the agreement of every embedder's vectors with vLLM's (minimum cosine; must be > 1 - 1e-4).

    .venv/bin/python loadtests/bench_rag_embed.py [--threads 1] [--chunks 256] [--queries 100]

Progress on stderr; the last stdout line is one JSON object (also appended to --out).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtests._common import REPO, emit, log, machine, ms, pct, ratio


def timed(embed, queries: list[str], chunks: list[str]) -> dict:
    embed(queries[:2])  # warm up
    latencies = []
    for q in queries:
        started = time.perf_counter()
        embed([q])
        latencies.append(time.perf_counter() - started)
    started = time.perf_counter()
    vectors = embed(chunks)
    batch_s = time.perf_counter() - started
    return {
        "query_p50_ms": ms(pct(latencies, 50)),
        "query_p99_ms": ms(pct(latencies, 99)),
        "chunks_per_s": round(len(chunks) / batch_s, 1),
        "_vectors": vectors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--chunks", type=int, default=256)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--model-dir", type=Path, default=REPO / "var" / "models" / "all-minilm-l6-v2")
    parser.add_argument("--cache-dir", type=Path, default=REPO / "var" / "rag" / "onnx")
    parser.add_argument("--out", type=Path, default=REPO / "loadtests" / "records" / "bench_rag_embed.jsonl")
    args = parser.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)

    import numpy as np

    from services.rag.chunking import Chunker, load_tokenizer
    from services.rag.embeddings import build_embedder

    raw = json.loads((args.data_dir / "pubmedqa" / "ori_pqal.json").read_text())
    queries = [v["QUESTION"] for v in raw.values()][: args.queries]
    chunker = Chunker(load_tokenizer(args.model_dir), 160, 32)
    chunks: list[str] = []
    for v in raw.values():
        chunks.extend(chunker.chunk("\n\n".join(v["CONTEXTS"])))
        if len(chunks) >= args.chunks:
            break
    chunks = chunks[: args.chunks]
    log(f"{len(queries)} queries, {len(chunks)} chunks, {args.threads} thread(s)")

    results: dict[str, dict] = {}
    for kind in ("onnx", "torch"):
        embedder = build_embedder(kind, args.model_dir, args.cache_dir, threads=args.threads)
        results[kind] = timed(embedder.embed, queries, chunks)
        log(kind, {k: v for k, v in results[kind].items() if not k.startswith("_")})

    from vllm import LLM

    llm = LLM(
        model=str(args.model_dir.resolve()), runner="pooling", dtype="float32", max_model_len=256, enforce_eager=True
    )

    def vllm_embed(texts: list[str]):
        outputs = llm.embed(texts, use_tqdm=False)
        return np.asarray([o.outputs.embedding for o in outputs], dtype=np.float32)

    results["vllm"] = timed(vllm_embed, queries, chunks)
    log("vllm", {k: v for k, v in results["vllm"].items() if not k.startswith("_")})

    reference = results["vllm"]["_vectors"]
    for kind in ("onnx", "torch"):
        results[kind]["min_cosine_vs_vllm"] = round(float((results[kind].pop("_vectors") * reference).sum(1).min()), 7)
    results["vllm"].pop("_vectors")
    fastest = min(("onnx", "torch", "vllm"), key=lambda k: results[k]["query_p50_ms"])
    emit(
        {
            "benchmark": "rag_embed",
            "threads": args.threads,
            "queries": len(queries),
            "chunks": len(chunks),
            "results": results,
            "fastest_query_path": fastest,
            "ratios": {
                "vllm_over_onnx_query_p50": ratio(results["vllm"]["query_p50_ms"], results["onnx"]["query_p50_ms"]),
                "onnx_over_vllm_chunks_per_s": ratio(results["onnx"]["chunks_per_s"], results["vllm"]["chunks_per_s"]),
                "torch_over_onnx_query_p50": ratio(results["torch"]["query_p50_ms"], results["onnx"]["query_p50_ms"]),
            },
            "machine": machine(),
            "command": "loadtests/bench_rag_embed.py " + " ".join(sys.argv[1:]),
        },
        args.out,
    )


if __name__ == "__main__":
    main()
