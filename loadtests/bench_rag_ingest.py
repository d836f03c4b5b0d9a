"""Ingesting the PubMedQA demo collection: `llmops rag demo` (what `make serve` runs first), in
process and as a Ray Data job, into fresh index folders; then a second in-process run over the
same folder (the idempotent re-start: every abstract unchanged, nothing embedded).

Each run is the real CLI in its own process (model load, ONNX session, Ray start included), timed
wall clock, with the 1-minute load average before and after. The two fresh indexes are then
compared: the same chunk ids and texts, and the vectors' lowest cosine between the two paths.

    flock /tmp/llmops-heavy.lock .venv/bin/python loadtests/bench_rag_ingest.py [--runners local,ray]

Progress on stderr; the last stdout line is one JSON object (also appended to --out).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtests._common import REPO, emit, log, machine, ratio

SUMMARY = re.compile(r"(\d+) added, (\d+) replaced, (\d+) unchanged, (\d+) chunks in ([\d.]+) s \((\w+)\)")


def run_demo(index_dir: Path, runner: str, data_dir: Path) -> dict:
    env = {**os.environ, "LLMOPS_RAG_INDEX_DIR": str(index_dir), "RAY_AUTH_MODE": "disabled", "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "services.cli", "rag", "demo", "--runner", runner, "--data-dir", str(data_dir)]
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    out = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    text = out.stdout + out.stderr
    match = SUMMARY.search(text)
    if out.returncode != 0 or not match:
        raise SystemExit(f"{' '.join(cmd)} failed ({out.returncode}):\n{text[-3000:]}")
    added, replaced, unchanged, chunks, ingest_s, used = match.groups()
    result = {
        "runner": used,
        "added": int(added),
        "replaced": int(replaced),
        "unchanged": int(unchanged),
        "chunks": int(chunks),
        "ingest_s": float(ingest_s),  # inside the command: plan, chunk, embed, write
        "wall_s": round(wall, 2),  # the whole command: imports, model load, Ray start
        "chunks_per_s": round(int(chunks) / float(ingest_s), 2) if int(chunks) else None,
        "loadavg_1m_before": round(load_before, 2),
        "loadavg_1m_after": round(os.getloadavg()[0], 2),
    }
    log(f"{runner}: {result}")
    return result


def table(index_dir: Path, collection: str):
    import lancedb

    rows = lancedb.connect(str(index_dir)).open_table(collection).to_arrow().sort_by("chunk_id")
    vectors = np.stack(rows["vector"].to_numpy(zero_copy_only=False))
    return rows["chunk_id"].to_pylist(), rows["text"].to_pylist(), vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", default="local,ray", help="comma-separated: local, ray")
    parser.add_argument("--work-dir", type=Path, default=REPO / "var" / "rag-bench-ingest")
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=REPO / "loadtests" / "records" / "bench_rag_ingest.jsonl")
    args = parser.parse_args()

    runners = [r.strip() for r in args.runners.split(",") if r.strip()]
    results: dict[str, dict] = {}
    for runner in runners:
        index_dir = args.work_dir / runner
        shutil.rmtree(index_dir, ignore_errors=True)
        results[runner] = run_demo(index_dir, runner, args.data_dir)
    first = runners[0]
    results[f"{first}_restart"] = run_demo(args.work_dir / first, "local", args.data_dir)

    same = None
    if "local" in runners and "ray" in runners:
        ids_a, texts_a, vec_a = table(args.work_dir / "local", "pubmed")
        ids_b, texts_b, vec_b = table(args.work_dir / "ray", "pubmed")
        same = {
            "same_chunk_ids": ids_a == ids_b,
            "same_texts": texts_a == texts_b,
            "min_cosine": round(float((vec_a * vec_b).sum(axis=1).min()), 7) if ids_a == ids_b else None,
        }
    speedup = None
    if "ray" in results and "local" in results:
        speedup = ratio(results["ray"]["chunks_per_s"] or 0, results["local"]["chunks_per_s"] or 0)
    emit(
        {
            "benchmark": "rag_ingest",
            "dataset": "PubMedQA PQA-L (1,000 abstracts) as collection pubmed",
            "results": results,
            "local_vs_ray": same,
            "ratios": {"ray_over_local_chunks_per_s": speedup},
            "machine": machine(),
            "command": "loadtests/bench_rag_ingest.py --runners " + ",".join(runners),
        },
        args.out,
    )


if __name__ == "__main__":
    main()
