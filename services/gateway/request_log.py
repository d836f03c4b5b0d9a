"""The request log: one JSON line per answered request, for the drift and cost monitors.

A record holds what monitors may know and nothing that identifies a person or leaks a secret:
time, request id, route, model label, HTTP status, the key's display id and team (never the
key), token counts, latency, prompt and output sizes in characters, ``ctx.features`` (numbers
set by stages, e.g. the input guard's scores). No prompt or answer text by default: only with
``keep_prompts`` (``LLMOPS_GATEWAY_REQUEST_LOG_PROMPTS``) does a record carry ``redacted_prompt``,
and then only the prompt as the input guard redacted it with a policy that finds names and
addresses (PERSON, LOCATION) besides its pattern entities (``guard._log_safe``); otherwise null.

The file is append-only; each record is one ``write`` on an ``O_APPEND`` descriptor, so lines
from several gateway replicas on one host do not interleave. When the file passes
``max_bytes`` it is renamed to ``<path>.1`` (older ones shift up to ``backups``) and a new one
starts; readers take the rotated files too (``read_records``).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import aclosing
from pathlib import Path
from typing import Any

import orjson

from services.gateway import metrics
from services.gateway.limits import Prompt, prompts
from services.gateway.pipeline import Chunks, PassThrough, RequestContext


class RequestLogWriter:
    def __init__(self, path: Path, *, max_bytes: int = 64 * 1024 * 1024, backups: int = 3):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.backups = backups
        self._lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        line = orjson.dumps(record) + b"\n"
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, line)
                size = os.fstat(fd).st_size
            finally:
                os.close(fd)
            if size >= self.max_bytes:
                self._rotate()

    def _rotate(self) -> None:
        for i in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{i}")
            if older.exists():
                older.replace(self.path.with_name(f"{self.path.name}.{i + 1}"))
        if self.path.exists():
            self.path.replace(self.path.with_name(f"{self.path.name}.1"))


def read_records(path: Path, *, since: float | None = None, until: float | None = None) -> Iterator[dict[str, Any]]:
    """Records of the log and its rotated files, oldest file first, within [since, until)."""
    path = Path(path)
    rotated = sorted(
        (p for p in path.parent.glob(path.name + ".*") if p.suffix[1:].isdigit()), key=lambda p: -int(p.suffix[1:])
    )
    for file in [*rotated, path]:
        if not file.exists():
            continue
        with file.open("rb") as f:
            for line in f:
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue  # a torn last line after a crash
                t = record.get("time", 0.0)
                if (since is None or t >= since) and (until is None or t < until):
                    yield record


def prompt_chars(ctx: RequestContext) -> int:
    payload = ctx.payload
    if ctx.route == "chat":
        total = 0
        for message in payload.get("messages", []):
            content = message.get("content")
            if isinstance(content, str):
                total += len(content)
            elif isinstance(content, list):
                total += sum(
                    len(part["text"])
                    for part in content
                    if isinstance(part, dict) and isinstance(part.get("text"), str)
                )
        return total
    prompt = payload.get("prompt") if ctx.route == "completions" else payload.get("input")
    if isinstance(prompt, str):
        return len(prompt)
    if isinstance(prompt, list):
        return sum(len(p) for p in prompt if isinstance(p, str))
    return 0


def request_prompts(ctx: RequestContext) -> list[Prompt]:
    """The request's prompts (``limits.prompts``): chat's messages as one, token ids counted."""
    return prompts(ctx.route, ctx.payload, prompt_chars(ctx) if ctx.route == "chat" else 0)


def _output_chars(response: dict[str, Any]) -> int:
    total = 0
    for choice in response.get("choices") or []:
        message = choice.get("message") or choice.get("delta") or {}
        total += len(message.get("content") or "") if isinstance(message, dict) else 0
        total += len(choice.get("text") or "")
    return total


class RequestLogStage(PassThrough):
    """Writes one record per request when it finishes; never fails a request."""

    def __init__(self, writer: RequestLogWriter, *, keep_prompts: bool = False):
        self.writer = writer
        self.keep_prompts = keep_prompts

    async def on_response(self, ctx: RequestContext, response: dict[str, Any]) -> dict[str, Any]:
        ctx.features["output_chars"] = float(_output_chars(response))
        return response

    async def on_stream(self, ctx: RequestContext, chunks: Chunks) -> Chunks:
        total = 0
        try:
            async with aclosing(chunks):  # closing this stream must close the engine's at once
                async for chunk in chunks:
                    total += _output_chars(chunk)
                    yield chunk
        finally:
            ctx.features["output_chars"] = float(total)

    async def on_finish(self, ctx: RequestContext, status: int) -> None:
        p = ctx.principal
        features = dict(ctx.features)
        output = int(features.pop("output_chars", 0))
        record = {
            "time": time.time(),
            "request_id": ctx.request_id,
            "route": ctx.route,
            "model": ctx.model_label,
            "variant": ctx.variant,
            "status": status,
            "key_id": p.key_id if p else None,
            "team": p.team if p else None,
            "prompt_tokens": ctx.prompt_tokens,
            "completion_tokens": ctx.completion_tokens,
            "latency_seconds": round(time.perf_counter() - ctx.started, 6),
            "prompt_chars": prompt_chars(ctx),
            "output_chars": output,
            "features": features,
            "redacted_prompt": ctx.redacted_prompt if self.keep_prompts else None,
        }
        try:
            self.writer.write(record)
            metrics.REQUEST_LOG_RECORDS.labels("written").inc()
        except OSError:
            metrics.REQUEST_LOG_RECORDS.labels("dropped").inc()
