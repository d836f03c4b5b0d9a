"""End to end cost of grounding: a grounded chat (``"rag": {"collection": "pubmed", ...}``)
against the same plain chat, through the real stack (``llmops serve``: gateway, safety, the
embedded chat engine, the retrieval deployment on the PubMedQA demo collection), and retrieval
as the gateway sees it.

The demo collection is ingested into ``--index-dir`` first (``llmops rag demo``, timed; the
folder is kept between runs, so a second run only checks content hashes: ingest it beforehand,
outside the heavy lock, with ``LLMOPS_RAG_INDEX_DIR=var/rag-bench-e2e-index .venv/bin/python
-m services.cli rag demo --threads 1``), then one stack starts. ``--requests`` PubMedQA
questions are each sent twice, plain and grounded (alternating, one at a time, ``max_tokens``
small and temperature 0 so generation length barely differs); then the same questions go to
``/v1/retrieve``. Reported: client-side p50/p99 of each, the added latency (grounded minus
plain, per question), the prompt tokens each side used (a grounded prompt carries its sources,
so prefill grows too), and the gateway's own retrieval histogram
(``llmops_rag_retrieval_duration_seconds``, stage ``gateway`` and the per-stage ones) read from
its /metrics: mean, and p50/p99 estimated from the buckets as Prometheus' histogram_quantile
does.

    flock /tmp/llmops-heavy.lock .venv/bin/python loadtests/bench_rag_e2e.py [--requests 40]

Progress on stderr; the last stdout line is one JSON object (also appended to --out).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loadtests._common import REPO, emit, log, log_servers, machine, ms, pct, ratio
from services.cli.local_stack import LocalStack
from services.gateway.keys import KeyStore

MODEL = "smollm2-135m-instruct"
METRIC = "llmops_rag_retrieval_duration_seconds"


def histogram(text: str) -> dict[str, dict]:
    """Per stage: cumulative buckets, sum and count of the retrieval histogram."""
    out: dict[str, dict] = {}
    for line in text.splitlines():
        if not line.startswith(METRIC):
            continue
        name, value = line.rsplit(" ", 1)
        labels = dict(p.split("=", 1) for p in name[name.index("{") + 1 : name.rindex("}")].split(",") if "=" in p)
        labels = {k: v.strip('"') for k, v in labels.items()}
        stage = out.setdefault(labels.get("stage", ""), {"buckets": {}, "sum": 0.0, "count": 0.0})
        if name.startswith(METRIC + "_bucket"):
            le = labels["le"]
            stage["buckets"][float("inf") if le == "+Inf" else float(le)] = float(value)
        elif name.startswith(METRIC + "_sum"):
            stage["sum"] = float(value)
        elif name.startswith(METRIC + "_count"):
            stage["count"] = float(value)
    return out


def quantile(buckets: dict[float, float], q: float) -> float:
    """Prometheus' histogram_quantile: linear interpolation inside the bucket holding rank q."""
    edges = sorted(buckets)
    total = buckets[edges[-1]]
    if not total:
        return float("nan")
    rank, prev_edge, prev_count = q * total, 0.0, 0.0
    for edge in edges:
        if buckets[edge] >= rank:
            if edge == float("inf"):
                return prev_edge
            return prev_edge + (edge - prev_edge) * (rank - prev_count) / max(buckets[edge] - prev_count, 1e-12)
        prev_edge, prev_count = edge, buckets[edge]
    return prev_edge


def gateway_view(before: dict, after: dict) -> dict:
    out = {}
    for stage, h in after.items():
        b = before.get(stage, {"buckets": {}, "sum": 0.0, "count": 0.0})
        count = h["count"] - b["count"]
        if count <= 0:
            continue
        buckets = {e: c - b["buckets"].get(e, 0.0) for e, c in h["buckets"].items()}
        out[stage] = {
            "count": int(count),
            "mean_ms": ms((h["sum"] - b["sum"]) / count),
            "p50_ms": ms(quantile(buckets, 0.5)),
            "p99_ms": ms(quantile(buckets, 0.99)),
        }
    return out


def stats(seconds: list[float]) -> dict:
    return {"p50_ms": ms(pct(seconds, 50)), "p99_ms": ms(pct(seconds, 99)), "mean_ms": ms(sum(seconds) / len(seconds))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40, help="questions (each sent plain and grounded)")
    parser.add_argument("--top-k", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "pubmedqa" / "ori_pqal.json")
    parser.add_argument("--index-dir", type=Path, default=REPO / "var" / "rag-bench-e2e-index")
    parser.add_argument("--work-dir", type=Path, default=REPO / "var" / "rag-bench-e2e")
    parser.add_argument("--out", type=Path, default=REPO / "loadtests" / "records" / "bench_rag_e2e.jsonl")
    args = parser.parse_args()
    if args.requests < 1 or args.warmup < 0:
        parser.error("--requests must be >= 1 and --warmup >= 0")
    questions = [item["QUESTION"] for item in json.loads(args.data.read_text()).values()]
    questions = questions[: args.warmup + args.requests]

    shutil.rmtree(args.work_dir, ignore_errors=True)
    args.work_dir.mkdir(parents=True)
    env = {
        "LLMOPS_GATEWAY_KEYS_DB": str(args.work_dir / "keys.db"),
        "LLMOPS_GATEWAY_AUDIT_DB": str(args.work_dir / "audit.db"),
        "LLMOPS_GATEWAY_LEDGER_DB": str(args.work_dir / "ledger.db"),
        "LLMOPS_GATEWAY_REQUEST_LOG_PATH": str(args.work_dir / "requests.jsonl"),
        "LLMOPS_MODEL_STORE": str(REPO / "var" / "models"),
        "LLMOPS_RAG_INDEX_DIR": str(args.index_dir.resolve()),
        # the first safety calls on 2 loaded cores can outlast the 2 s default and fail closed
        "LLMOPS_SAFETY_TIMEOUT_S": "10",
        "LLMOPS_DATA_DIR": str(args.data.parent.parent),
    }
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "services.cli", "rag", "demo"], env={**os.environ, **env}, check=True, cwd=REPO
    )
    ingest_s = time.perf_counter() - started
    log(f"pubmed demo collection ingested in {ingest_s:.1f} s")

    log_servers()
    load_before = round(os.getloadavg()[0], 2)
    models = ["--models", str(REPO / "config" / "models.yaml")]
    with LocalStack(args.work_dir, env=env, args=models) as stack:
        key = KeyStore(args.work_dir / "keys.db").create("bench-rag-e2e")[0]
        client = httpx.Client(base_url=stack.url, headers={"Authorization": f"Bearer {key}"}, timeout=120)

        def chat(question: str, grounded: bool) -> tuple[float, dict]:
            body = {
                "model": MODEL,
                "messages": [{"role": "user", "content": question}],
                "max_tokens": args.max_tokens,
                "temperature": 0,
            }
            if grounded:
                body["rag"] = {"collection": "pubmed", "top_k": args.top_k}
            t0 = time.perf_counter()
            r = client.post("/v1/chat/completions", json=body)
            elapsed = time.perf_counter() - t0
            r.raise_for_status()
            data = r.json()
            if grounded and not data.get("citations"):
                raise RuntimeError("a grounded chat came back without citations")
            return elapsed, data

        for q in questions[: args.warmup]:
            chat(q, False)
            chat(q, True)
        before = histogram(client.get("/metrics").text)
        plain, grounded, added, tokens_plain, tokens_grounded = [], [], [], [], []
        for i, q in enumerate(questions[args.warmup :]):
            order = (False, True) if i % 2 == 0 else (True, False)  # alternate: no order bias
            timing = {}
            for g in order:
                timing[g] = chat(q, g)
            plain.append(timing[False][0])
            grounded.append(timing[True][0])
            added.append(timing[True][0] - timing[False][0])
            tokens_plain.append(timing[False][1]["usage"]["prompt_tokens"])
            tokens_grounded.append(timing[True][1]["usage"]["prompt_tokens"])
        after_chat = histogram(client.get("/metrics").text)
        retrieve = []
        for q in questions[args.warmup :]:
            t0 = time.perf_counter()
            body = {"query": q, "collection": "pubmed", "top_k": args.top_k}
            client.post("/v1/retrieve", json=body).raise_for_status()
            retrieve.append(time.perf_counter() - t0)
        load_after = round(os.getloadavg()[0], 2)

    n = len(plain)
    emit(
        {
            "benchmark": "rag_e2e",
            "data": f"PubMedQA questions ({n}, after {args.warmup} warm-up pairs) on collection pubmed",
            "requests": n,
            "max_tokens": args.max_tokens,
            "top_k": args.top_k,
            "demo_ingest_s": round(ingest_s, 1),
            "plain_chat": stats(plain),
            "grounded_chat": stats(grounded),
            "added_latency": stats(added),
            "prompt_tokens_mean": {
                "plain": round(sum(tokens_plain) / n, 1),
                "grounded": round(sum(tokens_grounded) / n, 1),
            },
            "retrieval_gateway_view_grounded_chats": gateway_view(before, after_chat),
            "retrieve_route_client": stats(retrieve),
            "ratios": {
                "grounded_over_plain_p50": ratio(pct(grounded, 50), pct(plain, 50)),
                "retrieval_gateway_p50_over_added_p50": ratio(
                    gateway_view(before, after_chat).get("gateway", {}).get("p50_ms", 0) / 1000, pct(added, 50)
                ),
            },
            "loadavg_1m_before": load_before,
            "loadavg_1m_after": load_after,
            "machine": machine(),
            "command": f"loadtests/bench_rag_e2e.py --requests {args.requests} --top-k {args.top_k}"
            f" --max-tokens {args.max_tokens}",
        },
        args.out,
    )
    shutil.rmtree(args.work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
