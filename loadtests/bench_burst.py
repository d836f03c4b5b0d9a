"""Overload: bursts far above what the stack can serve at once, and the memory it keeps after them.

``llmops serve`` as shipped in front of the fake OpenAI backend (slow streams, so requests pile
up), auth on. Each burst opens ``--clients`` connections at once, each sending ``--per-client``
requests back to back (half streamed), bounded by ``--phase-timeout``. Measured per burst: the
answers by status and error code (only 200 / 429 / 503 / 504 are acceptable; anything else, a
5xx among them, counts as ``bad``; a stream that ends in an error event counts as ``200
stream-error CODE``), and the resident memory (RSS) of
every gateway replica and of the whole stack's processes before the first burst, after each burst
and after a pause. Memory that grows burst after burst, not once, is a leak; the last line
prints the growth from the first burst to the last.

    python -m loadtests.bench_burst [--bursts 3] [--clients 256] [--per-client 4]

Last stdout line: one JSON object, appended to ``loadtests/records/bench_burst.jsonl``. Talks to
127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp
import orjson
import psutil

from loadtests._common import (
    client_session,
    emit,
    log,
    log_servers,
    machine,
    session_of,
    start_llmops,
    stream,
    wait_http,
)
from services.cli.local_stack import REPO, ServerProcess, free_port

MODEL = "fake"
GOOD = {200, 429, 503, 504}
ERROR_CODE = re.compile(r"['\"]code['\"]:\s*['\"]([a-z_]+)")


def rss_mib(sessions: set[int]) -> dict[str, float]:
    """RSS of the gateway replicas, and of every process of the stack's sessions, in MiB."""
    gateway = stack = 0
    for proc in psutil.process_iter(["cmdline", "memory_info"]):
        if session_of(proc.pid) not in sessions or proc.info["memory_info"] is None:
            continue
        title = " ".join(proc.info["cmdline"] or [])
        stack += proc.info["memory_info"].rss
        if title.startswith("ray::ServeReplica") and "gateway" in title.lower():
            gateway += proc.info["memory_info"].rss
    return {"gateway_mib": round(gateway / 2**20, 1), "stack_mib": round(stack / 2**20, 1)}


async def plain_chat(session, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """(status, error code or "") of one non-streamed request; status 0 when the connection failed."""
    try:
        async with session.post(url, data=body, headers=headers) as response:
            payload = await response.read()
            code = "" if response.status == 200 else str(orjson.loads(payload).get("error", {}).get("code"))
            return response.status, code
    except (TimeoutError, aiohttp.ClientError, orjson.JSONDecodeError):
        return 0, "connection"


async def burst(url: str, key: str, args: argparse.Namespace) -> dict:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    plain = orjson.dumps({"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8})
    streamed = orjson.dumps({"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "stream": True})
    answers: Counter[str] = Counter()  # "status code" of every answer; "200 stream-error code" mid-stream
    deadline = time.monotonic() + args.phase_timeout

    async def client(session, index: int) -> None:
        for n in range(args.per_client):
            if time.monotonic() > deadline:
                return
            if (index + n) % 2:
                result = await stream(session, url + "/chat/completions", streamed, headers)
                code = ERROR_CODE.findall(result.error)
                label = code[0] if code else result.error[:40]
                if result.ok:
                    answers["200"] += 1
                elif result.status == 200:  # an error event after the stream began
                    answers[f"200 stream-error {label}"] += 1
                else:
                    answers[f"{result.status} {label}"] += 1
            else:
                status, code = await plain_chat(session, url + "/chat/completions", plain, headers)
                answers[f"{status} {code}".strip()] += 1

    started = time.perf_counter()
    async with client_session(args.clients) as session:
        await asyncio.gather(*(client(session, i) for i in range(args.clients)))
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "answers": dict(sorted(answers.items())),
        "bad": sum(v for k, v in answers.items() if int(k.split()[0]) not in GOOD),
    }


async def main_async(args: argparse.Namespace) -> dict:
    log_servers()
    workdir = Path(tempfile.mkdtemp(prefix="bench-burst-"))
    backend_port = free_port()
    backend = ServerProcess(
        "fake-backend",
        [sys.executable, "-m", "loadtests.fake_openai_backend", "--port", backend_port, "--model", MODEL]
        + ["--stream-chunks", args.stream_chunks, "--chunk-delay-s", args.chunk_delay_s],
        backend_port,
        log_path=workdir / "fake-backend.log",
    )
    backend_url = f"http://127.0.0.1:{backend_port}/v1"
    result: dict = {"bench": "burst", "machine": machine(), "args": vars(args)}
    backend.start()
    try:
        await wait_http(backend_url + "/models", 30, backend)
        models = {"models": [{"name": MODEL, "backend": "openai", "base_url": backend_url}]}
        stack, key = start_llmops("llmops", models, args.llmops_port, workdir, args.start_timeout)
        try:
            url = stack.url + "/v1"
            memory = [{"when": "before", **rss_mib(stack.sessions)}]
            bursts = []
            for n in range(args.bursts):
                log(f"burst {n + 1}/{args.bursts}: {args.clients} clients x {args.per_client}")
                bursts.append(await burst(url, key, args))
                memory.append({"when": f"after burst {n + 1}", **rss_mib(stack.sessions)})
            await asyncio.sleep(args.settle)
            memory.append({"when": f"after {args.settle:.0f} s idle", **rss_mib(stack.sessions)})
        finally:
            stack.stop()
    finally:
        backend.stop()
    result |= {
        "bursts": bursts,
        "memory": memory,
        "gateway_growth_first_to_last_burst_mib": round(memory[-2]["gateway_mib"] - memory[1]["gateway_mib"], 1),
        "bad": sum(b["bad"] for b in bursts),
    }
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bursts", type=int, default=3, help="bursts in a row (growth after the first is a leak)")
    parser.add_argument("--clients", type=int, default=256, help="concurrent connections per burst")
    parser.add_argument("--per-client", type=int, default=4, help="requests each connection sends back to back")
    parser.add_argument("--stream-chunks", type=int, default=32, help="chunks per streamed answer")
    parser.add_argument("--chunk-delay-s", type=float, default=0.05, help="the backend's pause per chunk")
    parser.add_argument("--phase-timeout", type=float, default=300, help="longest a burst may run (s)")
    parser.add_argument("--settle", type=float, default=20, help="idle seconds before the last memory reading")
    parser.add_argument("--llmops-port", type=int, default=18700)
    parser.add_argument("--start-timeout", type=float, default=600)
    parser.add_argument("--out", type=Path, default=REPO / "loadtests" / "records" / "bench_burst.jsonl")
    args = parser.parse_args(argv)
    emit(asyncio.run(main_async(args)), args.out)


if __name__ == "__main__":
    main()
