"""The gateway's ``Engine`` implementations (the protocol is ``services/common/engine.py``):
``ServeEngine`` for a Ray Serve LLM deployment handle, ``HandleEngine`` for a deployment that
offers the Engine calls itself (the ONNX Runtime engine), ``OpenAIHTTPEngine`` for any
OpenAI-compatible server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson

from services.common import ray_adapter
from services.common.errors import (
    EngineOverloadedError,
    EngineTimeoutError,
    EngineUnavailableError,
    InvalidRequestError,
    LLMOpsError,
)


def engine_error(status: int, message: str) -> LLMOpsError:
    """Map an engine's error status to ours: its 4xx are the client's fault, the rest are ours."""
    if 400 <= status < 500 and status not in (408, 429):
        return InvalidRequestError(message or "The engine rejected the request.")
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
        finished = False
        try:
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
            finished = True
        except (LLMOpsError, GeneratorExit):
            raise
        except Exception as exc:
            raise _ray_error(exc) from None
        finally:
            if not finished:
                responses.cancel()


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
        finished = False
        try:
            async for item in responses:
                yield self._check(item)
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
    """An OpenAI-compatible server over HTTP (another vLLM, a hosted API, a test backend)."""

    _paths = {"chat": "/chat/completions", "completions": "/completions", "embeddings": "/embeddings"}

    def __init__(
        self,
        model: str,
        base_url: str,
        *,
        upstream_model: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 600.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.model = model
        self._upstream_model = upstream_model or model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=5.0),
            limits=httpx.Limits(max_connections=512, max_keepalive_connections=512),
            transport=transport,
        )

    def _body(self, payload: dict[str, Any]) -> bytes:
        return orjson.dumps({**payload, "model": self._upstream_model})

    async def _post(self, route: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self._client.post(
                self._paths[route], content=self._body(payload), headers={"Content-Type": "application/json"}
            )
        except httpx.TimeoutException:
            raise EngineTimeoutError("The engine timed out.") from None
        except httpx.HTTPError:
            raise EngineUnavailableError("The engine is unavailable.") from None
        if response.status_code >= 400:
            raise engine_error(response.status_code, _error_message(response.content))
        return orjson.loads(response.content)

    async def generate(self, route: str, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._post(route, payload)

    async def embed(self, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._post("embeddings", payload)

    async def stream(self, route: str, payload: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        request = self._client.build_request(
            "POST", self._paths[route], content=self._body(payload), headers={"Content-Type": "application/json"}
        )
        try:
            response = await self._client.send(request, stream=True)
        except httpx.TimeoutException:
            raise EngineTimeoutError("The engine timed out.") from None
        except httpx.HTTPError:
            raise EngineUnavailableError("The engine is unavailable.") from None
        try:
            if response.status_code >= 400:
                raise engine_error(response.status_code, _error_message(await response.aread()))
            async for line in response.aiter_lines():
                if (chunk := _parse_sse_data(line)) is not None:
                    yield chunk
        except httpx.HTTPError:
            raise EngineUnavailableError("The engine stream broke off.") from None
        finally:
            await response.aclose()


def _error_message(body: bytes) -> str:
    try:
        return str(orjson.loads(body)["error"]["message"])
    except Exception:
        return ""
