"""Shared pieces of the benchmarks: the llmops variants (started with the CLI's one launcher,
``services.cli.local_stack``), other serving stacks on this machine, an aiohttp OpenAI client,
statistics.

Everything here talks to 127.0.0.1 only; every load loop is bounded by a request count and a
deadline.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from services.cli.local_stack import REPO, LocalStack, ServerProcess


def log(*parts: Any) -> None:
    print(*parts, file=sys.stderr, flush=True)


def log_servers() -> None:
    """Show on stderr when servers start and stop (``services.cli.local_stack`` logs it)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("services.cli.local_stack")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def bench_venv(explicit: str | None) -> Path:
    """The peers' venv: --bench-venv, else $BENCH_VENV, else .venv-bench in the repo root."""
    return Path(explicit or os.environ.get("BENCH_VENV") or REPO / ".venv-bench").resolve()


# Processes that mean "a model-serving stack runs here": Ray's daemons (any `llmops serve`, a
# test fixture's Ray Serve), vLLM engines, vLLM's and llama.cpp's OpenAI servers.
_STACK_COMMS = ("raylet", "gcs_server")
_STACK_COMM_PREFIXES = ("VLLM::",)
_STACK_CMD_PARTS = ("llmops serve", "services.cli serve", "vllm.entrypoints", "llama_cpp.server")


def foreign_stacks(own_sessions: set[int] | frozenset[int] = frozenset()) -> list[str]:
    """``pid name`` of every model-serving process on this machine that is not ours.

    Ours are those in ``own_sessions`` (each server we start leads its own session, and Ray's
    and vLLM's processes stay in it). Two stacks on 2 cores spoil each other's figures.
    """
    found = []
    for pid, comm, fields, cmd in processes():
        if pid == os.getpid() or int(fields[3]) in own_sessions:  # fields[3]: the session id
            continue
        if (
            comm in _STACK_COMMS
            or comm.startswith(_STACK_COMM_PREFIXES)
            or any(part in cmd for part in _STACK_CMD_PARTS)
        ):
            found.append(f"{pid} {comm if comm.startswith(_STACK_COMM_PREFIXES) or not cmd else cmd[:100]}")
    return found


def processes() -> Iterator[tuple[int, str, list[str], str]]:
    """Every process readable now: pid, command name, the fields of ``/proc/PID/stat`` after the
    name (state first: ``fields[3]`` is the session, ``fields[11]`` / ``[12]`` user / system ticks)
    and the command line."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        yield int(entry), stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split(), cmd


def wait_quiet(max_wait_s: float, poll_s: float = 30.0) -> None:
    """Wait until no other model-serving stack runs here (``foreign_stacks``), up to ``max_wait_s``."""
    deadline = time.monotonic() + max_wait_s
    while found := foreign_stacks():
        if time.monotonic() > deadline:
            raise RuntimeError(f"another serving stack still runs after {max_wait_s:.0f}s: {found[:3]}")
        log(f"waiting for another serving stack to end ({len(found)} processes, e.g. {found[0]})")
        time.sleep(poll_s)


async def wait_http(
    url: str, timeout_s: float, server: ServerProcess | None = None, headers: dict[str, str] | None = None
) -> None:
    """Poll ``url`` until it answers 200 (or the server dies, or time runs out)."""
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if server is not None and not server.alive():
                raise RuntimeError(server.exit_message())
            try:
                async with session.get(url, headers=headers, timeout=aiohttp.ClientTimeout(total=5)) as response:
                    if response.status == 200:
                        return
            except (TimeoutError, aiohttp.ClientError):
                pass
            await asyncio.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout_s:.0f}s" + (f":\n{server.tail()}" if server else ""))


# ---------------------------------------------------------------- llmops

# The ways the gateway can run. Each gets its own block of LLMOPS_PORT_BLOCK ports from the
# base port (API, Ray Serve proxy, replica HTTP range, replica gRPC range), so that no run
# reuses a port the previous one just closed, and every port Ray Serve opens for replicas
# stays inside the block instead of Ray's defaults (30000-31000 HTTP, 40000-41000 gRPC).
LLMOPS_VARIANTS: dict[str, dict[str, Any]] = {
    # as shipped: direct ingress (the gateway replica serves HTTP; llmops sets
    # RAY_SERVE_THROUGHPUT_OPTIMIZED=1 itself)
    "llmops": {"args": [], "env": {}},
    # through Ray Serve's proxy, Ray Serve's default settings
    "llmops-proxy": {"args": ["--via-proxy"], "env": {}},
    # through Ray Serve's proxy with RAY_SERVE_THROUGHPUT_OPTIMIZED=1 (gRPC between proxy and replicas)
    "llmops-proxy-tput": {"args": ["--via-proxy"], "env": {"RAY_SERVE_THROUGHPUT_OPTIMIZED": "1"}},
    # as shipped but without the request log and cost metering/budgets (their cost, measured)
    "llmops-unmetered": {
        "args": [],
        "env": {"LLMOPS_GATEWAY_REQUEST_LOG_ENABLED": "false", "LLMOPS_GATEWAY_BUDGETS_ENABLED": "false"},
    },
    # as shipped with the safety guards off (no safety deployment): the guards' cost, measured
    "llmops-guards-off": {"args": [], "env": {"LLMOPS_SAFETY_ENABLED": "false"}},
    # as shipped but every guard check goes to the safety deployment (one Ray Serve round trip
    # each), as before the cheap checks moved into the gateway replica
    "llmops-scan-remote": {"args": [], "env": {"LLMOPS_SAFETY_SCAN_IN_GATEWAY": "deployment"}},
    # as shipped but the PII prefilter off: Presidio asked for every entity type on every text
    "llmops-no-prefilter": {"args": [], "env": {"LLMOPS_SAFETY_PII_PREFILTER": "false"}},
}
LLMOPS_PORT_BLOCK = 8


def llmops_ports(variant: str, base: int) -> dict[str, int]:
    first = base + LLMOPS_PORT_BLOCK * list(LLMOPS_VARIANTS).index(variant)
    return {"api": first, "proxy": first + 1, "replica_http": first + 2, "grpc": first + 4}


# The benchmark key's limits: high enough that no benchmark reaches them, so the quota stage admits
# every request, but set, so each request pays the quota's admission and charge as a limited key does.
BENCH_KEY_LIMITS = {"rpm": 100_000_000, "tpm": 2_000_000_000}


def start_llmops(
    variant: str,
    models: dict[str, Any],
    base_port: int,
    workdir: Path,
    start_timeout: float,
    env: dict[str, str] | None = None,
) -> tuple[LocalStack, str]:
    """``llmops serve`` in one of LLMOPS_VARIANTS with auth on and a key whose limits no
    benchmark reaches; returns (the running stack, key) once it answers."""
    import yaml

    from services.gateway.keys import KeyStore

    spec = LLMOPS_VARIANTS[variant]
    ports = llmops_ports(variant, base_port)
    models_file = workdir / f"{variant}-models.yaml"
    models_file.write_text(yaml.safe_dump(models))
    db = workdir / f"{variant}-keys.db"
    key = KeyStore(db).create("bench", **BENCH_KEY_LIMITS)[0]
    stack = LocalStack(
        workdir,
        name=variant,
        port=ports["api"],
        proxy_port=ports["proxy"],
        args=["--models", str(models_file), *spec["args"]],
        startup_timeout_s=start_timeout,
        env={
            "LLMOPS_GATEWAY_KEYS_DB": str(db),
            "LLMOPS_MODEL_STORE": str(REPO / "var" / "models"),
            "LLMOPS_GATEWAY_REQUEST_LOG_PATH": str(workdir / f"{variant}-requests.jsonl"),
            "LLMOPS_GATEWAY_LEDGER_DB": str(workdir / f"{variant}-ledger.db"),
            # used only where Serve's direct ingress is on and llmops does not set them itself
            "RAY_SERVE_DIRECT_INGRESS_MIN_HTTP_PORT": str(ports["replica_http"]),
            "RAY_SERVE_DIRECT_INGRESS_MAX_HTTP_PORT": str(ports["replica_http"] + 2),
            "RAY_SERVE_DIRECT_INGRESS_MIN_GRPC_PORT": str(ports["grpc"]),
            "RAY_SERVE_DIRECT_INGRESS_MAX_GRPC_PORT": str(ports["grpc"] + 4),
            **spec["env"],
            **(env or {}),
        },
    )
    started = time.perf_counter()
    stack.start()
    log(f"[{variant}] up at {stack.url} after {time.perf_counter() - started:.0f}s")
    return stack, key


def session_of(pid: int) -> int | None:
    """The session id of process ``pid`` (None when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2 :].split()[3])


def process_title(argv: list[bytes]) -> str:
    """A short name for a process: a Ray worker's title without ``ray::ServeReplica:``, else the
    program's and its first argument's file names (``python -m`` stays ``python -m``)."""
    words = [a.decode(errors="replace") for a in argv if a]
    if not words:
        return ""
    title = words[0].split()[0]
    if title.startswith("ray::ServeReplica:"):
        return title.removeprefix("ray::ServeReplica:")
    if "/" in title:
        return " ".join(Path(w).name for w in words[:2])
    return title


@dataclass(frozen=True)
class SessionProcess:
    """A process of a benchmarked system: its role is the title Ray gives a worker
    (``ray::ServeReplica:app:Deployment`` -> ``app:Deployment``, ``ray::IDLE``, ...) or the program's
    name (``process_title``); ``cpu_s`` its CPU seconds (user + system) so far."""

    pid: int
    role: str
    cpu_s: float


def session_processes(sessions: set[int]) -> list[SessionProcess]:
    """Every live process of ``sessions``, in pid order."""
    tick = os.sysconf("SC_CLK_TCK")
    found = []
    for entry in sorted((e for e in Path("/proc").iterdir() if e.name.isdigit()), key=lambda e: int(e.name)):
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) not in sessions:
            continue
        role = process_title(argv) or stat[stat.index("(") + 1 : stat.rindex(")")]
        found.append(SessionProcess(int(entry.name), role, (int(fields[11]) + int(fields[12])) / tick))
    return found


def cpu_by_role(sessions: set[int]) -> dict[str, float]:
    """CPU seconds so far of every live process of ``sessions``, summed by role
    (``SessionProcess``). Subtract two readings for what a span of time cost."""
    roles: dict[str, float] = {}
    for proc in session_processes(sessions):
        roles[proc.role] = roles.get(proc.role, 0.0) + proc.cpu_s
    return roles


def cpu_spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Per role, CPU seconds between two ``cpu_by_role`` readings (largest first; processes that
    ended in between are missing from ``after`` and not counted)."""
    spent = {role: round(after[role] - before.get(role, 0.0), 2) for role in after}
    return dict(sorted(((r, s) for r, s in spent.items() if s > 0), key=lambda item: -item[1]))


def listening(sessions: set[int]) -> list[str]:
    """``address:port process`` of every TCP listener that the processes of ``sessions`` hold."""
    out = subprocess.run(["ss", "-ltnpH"], check=False, capture_output=True, text=True).stdout
    found = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 6:
            continue
        local = parts[3]
        for name, pid in re.findall(r'\("([^"]+)",pid=(\d+)', line):
            if session_of(int(pid)) in sessions:
                found.add(f"{local} {name}[{pid}]")
    return sorted(found)


def off_loopback(listeners: list[str]) -> list[str]:
    """The listeners (``ss`` "address:port process" entries) reachable from outside the machine:
    not 127.x, ::1 or IPv4-mapped 127.x."""
    return [entry for entry in listeners if not entry.startswith(("127.", "[::1]", "[::ffff:127.", "localhost"))]


# ---------------------------------------------------------------- client


def client_session(limit: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=limit, limit_per_host=limit, force_close=False, ttl_dns_cache=None)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=600, sock_connect=10))


@dataclass
class StreamResult:
    ok: bool
    ttft: float = 0.0
    total: float = 0.0
    chunks: int = 0  # data events with content
    tokens: int = 0  # usage.completion_tokens when sent, else content chunks
    status: int = 0
    error: str = ""


async def chat(
    session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]
) -> tuple[bool, float, int]:
    """One non-streaming request: (ok, seconds, status)."""
    started = time.perf_counter()
    try:
        async with session.post(url, data=body, headers=headers) as response:
            payload = await response.read()
            ok = response.status == 200 and b'"choices"' in payload
            return ok, time.perf_counter() - started, response.status
    except (TimeoutError, aiohttp.ClientError):
        return False, time.perf_counter() - started, 0


async def stream(session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]) -> StreamResult:
    """One streaming request, read as SSE: time to first content, total time, tokens."""
    started = time.perf_counter()
    ttft = 0.0
    chunks = 0
    usage_tokens: int | None = None
    try:
        async with session.post(url, data=body, headers=headers) as response:
            if response.status != 200:
                text = (await response.read())[:300].decode(errors="replace")
                return StreamResult(False, status=response.status, error=text, total=time.perf_counter() - started)
            buffer = b""
            async for data in response.content.iter_any():
                buffer += data
                while b"\n\n" in buffer:
                    event, buffer = buffer.split(b"\n\n", 1)
                    for line in event.split(b"\n"):
                        if not line.startswith(b"data:"):
                            continue
                        payload = line[5:].strip()
                        if payload == b"[DONE]" or not payload:
                            continue
                        obj = orjson.loads(payload)
                        if "error" in obj and not obj.get("choices"):
                            return StreamResult(
                                False, status=200, error=str(obj["error"])[:300], total=time.perf_counter() - started
                            )
                        for choice in obj.get("choices") or ():
                            delta = choice.get("delta") or {}
                            if delta.get("content") or choice.get("text"):
                                if chunks == 0:
                                    ttft = time.perf_counter() - started
                                chunks += 1
                        if obj.get("usage"):
                            usage_tokens = obj["usage"].get("completion_tokens")
            total = time.perf_counter() - started
            return StreamResult(
                True,
                ttft=ttft,
                total=total,
                chunks=chunks,
                tokens=usage_tokens if usage_tokens is not None else chunks,
                status=200,
            )
    except (TimeoutError, aiohttp.ClientError) as exc:
        return StreamResult(False, total=time.perf_counter() - started, error=repr(exc)[:300])


# ---------------------------------------------------------------- statistics


def pct(values: Sequence[float], q: float) -> float:
    """Percentile by linear interpolation (q in 0..100); nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def ratio(a: float, b: float, digits: int = 3) -> float | None:
    return round(a / b, digits) if b else None


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def emit(result: dict[str, Any], out: Path | None) -> None:
    """Print the result as the last line of stdout (one JSON object) and append it to ``out``.

    A record that does not say when and how it was made gets ``recorded_at`` (UTC, now) and the
    ``command`` that ran."""
    stamp = {"recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time())), "command": command_line()}
    result = {**result, **{k: v for k, v in stamp.items() if k not in result}}
    line = json.dumps(_finite(result), separators=(",", ":"), allow_nan=False, default=str)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("a") as f:
            f.write(line + "\n")
    print(line, flush=True)


def _finite(obj: Any) -> Any:
    """NaN/inf (a phase with no successful request) as null, so the line stays valid JSON."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


class RunStamp:
    """Where a script's record came from: made when the run begins, ``fields()`` when it ends gives
    the start (UTC), the seconds it ran, the load averages before and after, and the command."""

    def __init__(self) -> None:
        self.load_before = os.getloadavg()
        self.started = time.time()

    def fields(self) -> dict[str, Any]:
        return {
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "seconds": round(time.time() - self.started, 1),
            "load_avg_before": [round(x, 2) for x in self.load_before],
            "load_avg_after": [round(x, 2) for x in os.getloadavg()],
            "command": command_line(),
        }


def command_line() -> str:
    """The running script's command: its path from the repo root (or its file name) and arguments."""
    script = Path(sys.argv[0]).resolve()
    name = script.relative_to(REPO).as_posix() if script.is_relative_to(REPO) else script.name
    return " ".join([name, *sys.argv[1:]])


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "gpu": False,
        "python": sys.version.split()[0],
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }
