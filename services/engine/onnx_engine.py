"""``OnnxGenAIEngine``: an ``Engine`` (services/common/engine.py) over onnxruntime-genai, for the
quantized versions ``llmops pipeline quantize`` makes (a folder with ``genai_config.json``).

OpenAI-shaped dicts in and out, like vLLM's: chat and text completions, streamed or not, with
usage. Greedy decoding at temperature 0 (or unset), else sampling with temperature / top_p /
top_k. Each request runs its own ``og.Generator`` (KV cache) in a worker thread; at most
``max_concurrency`` run at once. Closing a stream early stops its generator at the next token.
Parameters this engine cannot honour (n > 1, logprobs, tools, penalties, logit bias,
response_format, the watermark) are refused with a 400 naming them; embeddings are a 400.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from services.common.errors import InvalidRequestError
from services.common.protocol import COMPLETIONS_DEFAULT_MAX_TOKENS

IGNORED = {"model", "stream", "stream_options", "user", "rag", "messages", "prompt"}
SUPPORTED = {"max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "stop", "seed", "min_tokens", "n"}


def unsupported_fields(payload: dict[str, Any]) -> list[str]:
    """The request fields this engine cannot honour. Unset, false or zero values ask for nothing,
    except a text completion's ``logprobs: 0``, which asks for the sampled token's log probability."""

    def asks(key: str, value: Any) -> bool:
        if key == "logprobs":
            return value is not None and value is not False
        return value not in (None, False)

    return sorted(k for k, v in payload.items() if k not in IGNORED | SUPPORTED and asks(k, v))


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask), at least 1."""
    return max(1, len(os.sched_getaffinity(0)))


def message_text(content: Any) -> str:
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if part.get("type") == "text")
    return content or ""


class OnnxGenAIEngine:
    def __init__(
        self,
        model: str,
        folder: str | Path,
        max_concurrency: int = 4,
        default_max_tokens: int = 256,
        threads: int = 0,
        session_options: dict[str, str | int] | None = None,
        max_model_len: int | None = None,
    ):
        """``default_max_tokens``: a chat answer's limit when the request sets none (a completion's
        is OpenAI's and vLLM's 16). ``threads``: ONNX Runtime's intra-op threads
        (``intra_op_num_threads``); 0: the CPUs this process may use (onnxruntime-genai 0.18 runs a
        decoder whose ``genai_config.json`` does not set ``intra_op_num_threads``, as the model
        builder writes it, on one intra-op thread).
        ``session_options``: laid over the decoder's ``session_options`` of ``genai_config.json``
        after the threads (``intra_op_num_threads``, ``graph_optimization_level``, or an ONNX Runtime
        session config entry such as ``session.intra_op.allow_spinning`` as a string).
        ``max_model_len``: the models file's context for this model, when it is shorter than the
        build's own ``context_length`` (the gateway's context check and token reservations use it)."""
        import onnxruntime_genai as og

        folder = Path(folder)
        config = folder / "genai_config.json"
        if not config.is_file():
            raise FileNotFoundError(f"{folder} is not an onnxruntime-genai model (no genai_config.json)")
        self.model = model
        self._og = og
        self.session_options = {"intra_op_num_threads": threads or available_cpus(), **(session_options or {})}
        self._model = og.Model(self._config(folder, self.session_options))
        self._tokenizer = og.Tokenizer(self._model)
        genai = json.loads(config.read_text())["model"]
        self.context_length = min(int(genai["context_length"]), max_model_len or int(genai["context_length"]))
        eos = genai.get("eos_token_id", [])
        self._eos = set(eos if isinstance(eos, list) else [eos])
        self.default_max_tokens = default_max_tokens
        self._slots = asyncio.Semaphore(max_concurrency)

    def _config(self, folder: Path, session_options: dict[str, str | int]):
        config = self._og.Config(str(folder))
        config.overlay(json.dumps({"model": {"decoder": {"session_options": session_options}}}))
        return config

    # ------------------------------------------------------------------ the Engine protocol

    async def generate(self, route: str, payload: dict[str, Any]) -> dict[str, Any]:
        pieces: list[str] = []
        result = await self._run(route, payload, pieces.append, threading.Event())
        text, finish, usage = result
        return self._response(route, payload, text, finish, usage)

    async def stream(self, route: str, payload: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        cancelled = threading.Event()
        rid, created = self._id(route), int(time.time())

        def emit(piece: str) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, piece)

        task = asyncio.ensure_future(self._run(route, payload, emit, cancelled))
        task.add_done_callback(lambda _: queue.put_nowait(None))
        try:
            if route == "chat":
                yield self._chunk(route, rid, created, payload, {"role": "assistant", "content": ""}, None)
            while (piece := await queue.get()) is not None:
                if piece:
                    yield self._chunk(route, rid, created, payload, piece, None)
            _, finish, usage = await task  # raises the request's error, if any
            yield self._chunk(route, rid, created, payload, "", finish)
            if (payload.get("stream_options") or {}).get("include_usage"):
                yield {"id": rid, "object": self._object(route, True), "created": created,
                       "model": self.model, "choices": [], "usage": usage}  # fmt: skip
        finally:
            cancelled.set()
            if not task.done():
                await asyncio.gather(task, return_exceptions=True)

    async def embed(self, payload: dict[str, Any]) -> dict[str, Any]:
        raise InvalidRequestError(f"model '{self.model}' does not serve embeddings", param="model")

    # ------------------------------------------------------------------ requests

    def check(self, route: str, payload: dict[str, Any]) -> tuple[list[int], dict[str, Any], list[str]]:
        """Prompt tokens, search options and stop strings; a 400 for anything this engine cannot do."""
        refused = unsupported_fields(payload)
        if refused:
            raise InvalidRequestError(f"model '{self.model}' (onnx engine) does not support: {', '.join(refused)}")
        if payload.get("n", 1) != 1:
            raise InvalidRequestError(f"model '{self.model}' (onnx engine) returns one choice (n=1)", param="n")
        ids = self._prompt_ids(route, payload)
        room = self.context_length - len(ids)
        asked = payload.get("max_completion_tokens") or payload.get("max_tokens")
        default = COMPLETIONS_DEFAULT_MAX_TOKENS if route == "completions" else self.default_max_tokens
        max_tokens = min(asked or default, room)
        if room < 1 or (asked and asked > room):
            raise InvalidRequestError(
                f"the prompt is {len(ids)} tokens and max_tokens {asked or 0}: the context is {self.context_length}",
                param="max_tokens",
            )
        temperature = payload.get("temperature")
        options: dict[str, Any] = {"max_length": len(ids) + max_tokens}
        if payload.get("min_tokens"):
            options["min_length"] = len(ids) + min(int(payload["min_tokens"]), max_tokens)
        if temperature:
            options.update(do_sample=True, temperature=float(temperature), top_p=float(payload.get("top_p") or 1.0))
            if payload.get("top_k", -1) not in (None, -1, 0):
                options["top_k"] = int(payload["top_k"])
            if payload.get("seed") is not None:
                options["random_seed"] = int(payload["seed"]) % 2**31
        else:
            options["do_sample"] = False
        stop = payload.get("stop") or []
        return ids, options, [stop] if isinstance(stop, str) else list(stop)

    def _prompt_ids(self, route: str, payload: dict[str, Any]) -> list[int]:
        if route == "chat":
            messages = [{"role": m["role"], "content": message_text(m.get("content"))} for m in payload["messages"]]
            text = self._tokenizer.apply_chat_template(json.dumps(messages), add_generation_prompt=True)
        elif route == "completions":
            prompt = payload["prompt"]
            if isinstance(prompt, list) and prompt and isinstance(prompt[0], int):
                return [int(t) for t in prompt]
            if isinstance(prompt, list):
                if len(prompt) != 1:
                    raise InvalidRequestError("the onnx engine takes one prompt per request", param="prompt")
                prompt = prompt[0]
            if not isinstance(prompt, str):
                raise InvalidRequestError("the onnx engine takes a text or token-id prompt", param="prompt")
            text = prompt
        else:
            raise InvalidRequestError(f"model '{self.model}' does not serve route {route!r}")
        return [int(t) for t in self._tokenizer.encode(text)]

    async def _run(
        self, route: str, payload: dict[str, Any], emit: Callable[[str], None], cancelled: threading.Event
    ) -> tuple[str, str, dict[str, int]]:
        ids, options, stops = self.check(route, payload)
        async with self._slots:
            return await asyncio.to_thread(self._decode, ids, options, stops, emit, cancelled)

    def _decode(
        self,
        ids: list[int],
        options: dict[str, Any],
        stops: list[str],
        emit: Callable[[str], None],
        cancelled: threading.Event,
    ) -> tuple[str, str, dict[str, int]]:
        """The token loop (a worker thread): text emitted as it is safe from every stop string."""
        og = self._og
        params = og.GeneratorParams(self._model)
        seed = options.pop("random_seed", None)
        params.set_search_options(**options)
        if seed is not None:
            params.set_search_options(random_seed=seed)
        generator = og.Generator(self._model, params)
        decoder = self._tokenizer.create_stream()
        generator.append_tokens(ids)
        text, sent, produced, finish = "", 0, 0, "length"
        hold = max((len(s) for s in stops), default=1) - 1
        while not generator.is_done() and not cancelled.is_set():
            generator.generate_next_token()
            token = int(generator.get_next_tokens()[0])
            produced += 1
            if token in self._eos:
                finish = "stop"
                break
            text += decoder.decode(token)
            cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)
            if cut >= 0:
                text, finish = text[:cut], "stop"
                break
            if len(text) - hold > sent:
                emit(text[sent : len(text) - hold])
                sent = len(text) - hold
        if sent < len(text):
            emit(text[sent:])
        usage = {"prompt_tokens": len(ids), "completion_tokens": produced, "total_tokens": len(ids) + produced}
        return text, finish, usage

    # ------------------------------------------------------------------ response shapes

    def _id(self, route: str) -> str:
        return ("chatcmpl-" if route == "chat" else "cmpl-") + uuid.uuid4().hex

    @staticmethod
    def _object(route: str, chunk: bool) -> str:
        if route == "chat":
            return "chat.completion.chunk" if chunk else "chat.completion"
        return "text_completion"

    def _response(self, route: str, payload: dict, text: str, finish: str, usage: dict) -> dict[str, Any]:
        if route == "chat":
            choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}
        else:
            choice = {"index": 0, "text": text, "logprobs": None, "finish_reason": finish}
        return {"id": self._id(route), "object": self._object(route, False), "created": int(time.time()),
                "model": self.model, "choices": [choice], "usage": usage}  # fmt: skip

    def _chunk(self, route: str, rid: str, created: int, payload: dict, delta: Any, finish: str | None) -> dict:
        if route == "chat":
            body = delta if isinstance(delta, dict) else ({"content": delta} if delta else {})
            choice = {"index": 0, "delta": body, "finish_reason": finish}
        else:
            choice = {
                "index": 0,
                "text": delta if isinstance(delta, str) else "",
                "logprobs": None,
                "finish_reason": finish,
            }
        return {"id": rid, "object": self._object(route, True), "created": created, "model": self.model,
                "choices": [choice]}  # fmt: skip
