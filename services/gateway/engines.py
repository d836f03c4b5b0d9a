"""The gateway's ``Engine`` implementations (the protocol is ``services/common/engine.py``):
``ServeEngine`` for a Ray Serve LLM deployment handle, ``HandleEngine`` for a deployment that
offers the Engine calls itself (the ONNX Runtime engine), ``OpenAIHTTPEngine`` for any
OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import aiohttp
import orjson
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL

from services.common import ray_adapter
from services.common.errors import (
    EngineOverloadedError,
    EngineTimeoutError,
    EngineUnavailableError,
    InvalidRequestError,
    LLMOpsError,
)

# vLLM's refusal of a prompt (or embeddings input) longer than the context says this; its error has no code
CONTEXT_REFUSAL = "maximum context length"


def engine_error(status: int, message: str) -> LLMOpsError:
    """Map an engine's error status to ours: its 4xx are the client's fault, the rest are ours. A
    context refusal gets the code the gateway's own context check gives (``limits.py``)."""
    if 400 <= status < 500 and status not in (408, 429):
        code = "context_length_exceeded" if CONTEXT_REFUSAL in (message or "") else None
        return InvalidRequestError(message or "The engine rejected the request.", code=code)
    if status == 408:
        return EngineTimeoutError("The engine timed out.")
    return EngineUnavailableError("The engine failed to serve the request.")


def _parse_sse_data(line: str) -> dict[str, Any] | None:
    """One SSE ``data:`` payload as a dict; None for ``[DONE]`` and blank lines."""
    line = line.strip()
    if not line.startswith("data:"):
        return None
    data = line[5:].strip()
    if not data or data == "[DONE]":
        return None
    return orjson.loads(data)


class ServeEngine:
    """A Ray Serve LLM ``LLMServer`` deployment reached through its handle. With ``adapter`` (a LoRA
    adapter's absolute folder, ``services/common/adapters.py``) every request goes to that engine
    as Ray Serve's multiplexed model id and vLLM model name, so vLLM applies the adapter to it; the
    answers carry ``model`` (the public name) as usual."""

    def __init__(self, model: str, handle: Any, *, adapter: str | None = None):
        self.model = model
        self.adapter = adapter
        self._base_handle = handle
        options: dict[str, Any] = {"stream": True}
        if adapter is not None:
            options["multiplexed_model_id"] = adapter
        self._handle = handle.options(**options)

    def with_adapter(self, adapter: str, model: str | None = None) -> ServeEngine:
        """The same engine deployment, serving ``adapter`` (under the public name ``model``)."""
        return ServeEngine(model or self.model, self._base_handle, adapter=adapter)

    def _request(self, route: str, payload: dict[str, Any]) -> Any:
        if self.adapter is not None:
            payload = {**payload, "model": self.adapter}
        return self._engine_request(route, payload)

    def _public(self, item: dict[str, Any]) -> dict[str, Any]:
        if self.adapter is not None and "model" in item:
            item["model"] = self.model
        return item

    @staticmethod
    def _engine_request(route: str, payload: dict[str, Any]) -> Any:
        try:
            return ray_adapter.engine_request(route, payload)
        except ValueError as exc:  # vLLM's own validation, stricter than ours in places
            raise InvalidRequestError(
                f"The engine rejected the request: {exc.errors()[0]['msg'] if hasattr(exc, 'errors') else exc}"
            ) from None

    @staticmethod
    def _check(item: Any) -> Any:
        if ray_adapter.is_engine_error(item):
            error = item.error
            raise engine_error(int(error.code), error.message)
        return item

    async def _one(self, route: str, payload: dict[str, Any]) -> dict[str, Any]:
        responses = getattr(self._handle, route).remote(self._request(route, payload))
        try:
            async for item in responses:
                return self._public(self._check(item).model_dump(mode="json", exclude_none=True))
        except LLMOpsError:
            raise
        except Exception as exc:
            raise _ray_error(exc) from None
        raise EngineUnavailableError("The engine returned no response.")

    async def generate(self, route: str, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._one(route, payload)

    async def embed(self, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._one("embeddings", payload)

    async def stream(self, route: str, payload: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        responses = getattr(self._handle, route).remote(self._request(route, payload))
        with _cancelled_unless_finished(responses):
            async for batch in responses:
                for item in batch if isinstance(batch, list) else [batch]:
                    if isinstance(item, str):
                        if (chunk := _parse_sse_data(item)) is not None:
                            if "error" in chunk and "choices" not in chunk:
                                err = chunk["error"]
                                raise engine_error(int(err.get("code") or 500), err.get("message", ""))
                            yield self._public(chunk)
                    else:
                        self._check(item)


class HandleEngine:
    """A deployment with ``generate`` / ``stream`` / ``embed`` methods of its own (dicts in, dicts
    out; an error arrives as an OpenAI error dict with its ``status``), e.g. OnnxEngineDeployment."""

    def __init__(self, model: str, handle: Any):
        self.model = model
        self._handle = handle
        self._streaming = handle.options(stream=True)

    @staticmethod
    def _check(item: dict[str, Any]) -> dict[str, Any]:
        if "error" in item and "choices" not in item and "data" not in item:
            error = item["error"]
            raise engine_error(int(error.get("status") or 500), error.get("message", ""))
        return item

    async def _call(self, method: str, *args: Any) -> dict[str, Any]:
        try:
            item = await getattr(self._handle, method).remote(*args)
        except Exception as exc:
            raise _ray_error(exc) from None
        return self._check(item)

    async def generate(self, route: str, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._call("generate", route, payload)

    async def embed(self, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._call("embed", payload)

    async def stream(self, route: str, payload: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        responses = self._streaming.stream.remote(route, payload)
        with _cancelled_unless_finished(responses):
            async for item in responses:
                yield self._check(item)


@contextmanager
def _cancelled_unless_finished(responses: Any) -> Iterator[None]:
    """Around the reading of a streaming handle call: Ray's errors become ours, and the engine's
    request is cancelled unless it was read to its end (an error, or the client went away)."""
    finished = False
    try:
        yield
        finished = True
    except (LLMOpsError, GeneratorExit):
        raise
    except Exception as exc:
        raise _ray_error(exc) from None
    finally:
        if not finished:
            responses.cancel()


def _ray_error(exc: Exception) -> LLMOpsError:
    name = type(exc).__name__
    if name == "BackPressureError":  # ray.serve.exceptions: the engine's max_queued_requests is reached
        return EngineOverloadedError("The engine is overloaded; retry shortly.")
    if "Timeout" in name:
        return EngineTimeoutError("The engine timed out.")
    return EngineUnavailableError("The engine is unavailable.")


class OpenAIHTTPEngine:
    """An OpenAI-compatible server over HTTP (another vLLM, a hosted API, a test backend).

    The client is aiohttp's: httpx's connection pool costs CPU per request in proportion to its
    open connections (each one's socket polled on every request), which capped the gateway at
    ~350-410 requests/s to a fast backend at 16 clients (aiohttp: ~3,500-3,900 on the same
    machine, ``loadtests/bench_http_client.py``). The session is made on first use, in the
    serving event loop.
    ``timeout_s`` bounds each wait for the server's next bytes, ``connect_timeout_s`` the
    connection; the proxy comes from the environment (``HTTP_PROXY`` / ``HTTPS_PROXY`` unless
    ``NO_PROXY`` covers the host), read once: aiohttp's own ``trust_env`` reads it again in a
    worker thread on every request."""

    _paths = {"chat": "/chat/completions", "completions": "/completions", "embeddings": "/embeddings"}

    def __init__(
        self,
        model: str,
        base_url: str,
        *,
        upstream_model: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 600.0,
        connect_timeout_s: float = 5.0,
        max_connections: int = 512,
    ):
        self.model = model
        self._upstream_model = upstream_model or model
        self._base_url = base_url.rstrip("/")
        self._headers = {"Content-Type": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._timeout = aiohttp.ClientTimeout(total=None, connect=connect_timeout_s, sock_read=timeout_s)
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        try:
            self._proxy, self._proxy_auth = get_env_proxy_for_url(URL(self._base_url))
        except LookupError:  # no proxy for this URL
            self._proxy, self._proxy_auth = None, None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._max_connections),
                timeout=self._timeout,
                headers=self._headers,
            )
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _body(self, payload: dict[str, Any]) -> bytes:
        return orjson.dumps({**payload, "model": self._upstream_model})

    async def _send(self, route: str, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        """POST a request and wait for the answer's head. A server may close an idle pooled
        connection just as a request goes out on it (uvicorn's and vLLM's keep-alive ends after
        5 s); nothing was answered then, and a generation changes nothing on the engine, so the
        request is sent once more on a new connection."""
        url, body = self._base_url + self._paths[route], self._body(payload)

        def post() -> Any:
            return self._client().post(url, data=body, proxy=self._proxy, proxy_auth=self._proxy_auth)

        try:
            try:
                return await post()
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
                if isinstance(exc, aiohttp.ClientConnectorError):  # no connection was made at all
                    raise
                return await post()
        except TimeoutError:
            raise EngineTimeoutError("The engine timed out.") from None
        except aiohttp.ClientError:
            raise EngineUnavailableError("The engine is unavailable.") from None

    async def _post(self, route: str, payload: dict[str, Any]) -> dict[str, Any]:
        async with await self._send(route, payload) as response:
            try:
                body = await response.read()
            except TimeoutError:
                raise EngineTimeoutError("The engine timed out.") from None
            except aiohttp.ClientError:
                raise EngineUnavailableError("The engine is unavailable.") from None
        if response.status >= 400:
            raise engine_error(response.status, _error_message(body))
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            raise EngineUnavailableError("The engine sent an answer that is not JSON.") from None

    async def generate(self, route: str, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._post(route, payload)

    async def embed(self, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._post("embeddings", payload)

    async def stream(self, route: str, payload: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        response = await self._send(route, payload)
        try:
            if response.status >= 400:
                raise engine_error(response.status, _error_message(await response.read()))
            pending = b""
            async for data in response.content.iter_any():
                lines = (pending + data).split(b"\n")
                pending = lines.pop()  # an incomplete last line waits for the next bytes
                for line in lines:
                    if (chunk := _parse_sse_data(line.decode())) is not None:
                        yield chunk
            if (chunk := _parse_sse_data(pending.decode())) is not None:
                yield chunk
        except TimeoutError:
            raise EngineTimeoutError("The engine stream timed out.") from None
        except aiohttp.ClientError:
            raise EngineUnavailableError("The engine stream broke off.") from None
        finally:
            response.release()  # back to the pool when the answer was read whole, else closed


def _error_message(body: bytes) -> str:
    try:
        return str(orjson.loads(body)["error"]["message"])
    except Exception:
        return ""
