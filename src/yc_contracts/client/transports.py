"""How a call travels: gRPC (``grpc.aio``, TLS to the documented endpoints, receive limit raised) or REST (``httpx``,
the ``google.api.http`` routes, streams read line by line). Both take and give the registry's messages and raise
:class:`~yc_contracts.client.retry.RpcError`, so the client above them is the same either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Protocol

import orjson
from google.protobuf import json_format, message

from yc_contracts.client.retry import MessageTooLargeError, RpcError, is_message_too_large
from yc_contracts.contract.endpoints import documented_endpoint, documented_rest_base
from yc_contracts.contract.registry import Method, Registry
from yc_contracts.transcoding.metadata import FORWARDED_HEADERS, METADATA_PREFIX
from yc_contracts.transcoding.outbound import http_request
from yc_contracts.transcoding.status import CODE_BY_NUMBER, status_pb2

DEFAULT_MAX_RECEIVE_MESSAGE_SIZE: Final = 256 * 1024 * 1024
"""The gRPC receive limit the client sets: 256 MiB, where gRPC's default 4 MiB fails on large recognition results
(the documentation warns about it; neither official SDK raises it)."""

Metadata = Sequence[tuple[str, str]]


class Transport(Protocol):
    async def unary(
        self, method: Method, request: message.Message, metadata: Metadata, timeout: float | None
    ) -> Any: ...

    async def stream(
        self, method: Method, request: message.Message, metadata: Metadata, timeout: float | None
    ) -> list[Any]: ...

    async def close(self) -> None: ...


def _is_loopback_host(host: str) -> bool:
    from yc_contracts.gateway.upstreams import is_loopback

    return is_loopback(host)


def _too_large_hint(limit: int) -> str:
    return (
        f"the answer is larger than this client's receive limit ({limit} bytes); raise it with "
        "max_receive_message_size= (gRPC's own default is 4 MiB)"
    )


class GrpcTransport:
    """Calls over ``grpc.aio`` channels: one per target, TLS unless the target is a loopback address."""

    def __init__(
        self, registry: Registry, endpoint: str | None, max_receive_message_size: int, user_agent: str
    ) -> None:
        self.registry = registry
        self.endpoint = endpoint
        self.max_receive_message_size = max_receive_message_size
        self._options = [
            ("grpc.max_receive_message_length", max_receive_message_size),
            ("grpc.max_send_message_length", -1),
            ("grpc.primary_user_agent", user_agent),
            ("grpc.enable_retries", 0),  # retries are the client's, with its own policy
        ]
        self._channels: dict[str, Any] = {}

    def target(self, method: Method) -> str:
        found = self.endpoint or documented_endpoint(method.service, method.name)
        if found is None:
            raise ValueError(f"no endpoint is documented for {method.service}; pass endpoint=")
        return found

    def _channel(self, target: str) -> Any:
        channel = self._channels.get(target)
        if channel is None:
            import grpc
            import grpc.aio

            host = target.rpartition(":")[0].strip("[]")
            if _is_loopback_host(host):
                channel = grpc.aio.insecure_channel(target, options=self._options)
            else:
                channel = grpc.aio.secure_channel(target, grpc.ssl_channel_credentials(), options=self._options)
            self._channels[target] = channel
        return channel

    def _callable(self, method: Method) -> Any:
        channel = self._channel(self.target(method))
        response_class = self.registry.message_class(method.output_type)
        factory = channel.unary_stream if method.server_streaming else channel.unary_unary
        return factory(method.grpc_path, request_serializer=_serialize, response_deserializer=response_class.FromString)

    async def unary(self, method: Method, request: message.Message, metadata: Metadata, timeout: float | None) -> Any:
        import grpc.aio

        try:
            return await self._callable(method)(request, metadata=tuple(metadata), timeout=timeout)
        except grpc.aio.AioRpcError as e:
            raise self._error(method, e) from None

    async def stream(
        self, method: Method, request: message.Message, metadata: Metadata, timeout: float | None
    ) -> list[Any]:
        import grpc.aio

        found: list[Any] = []
        try:
            async for item in self._callable(method)(request, metadata=tuple(metadata), timeout=timeout):
                found.append(item)
        except grpc.aio.AioRpcError as e:
            raise self._error(method, e) from None
        return found

    def _error(self, method: Method, error: Any) -> RpcError:
        code = error.code().name
        text = error.details() or ""
        if is_message_too_large(code, text):
            return MessageTooLargeError(
                code, f"{text}: {_too_large_hint(self.max_receive_message_size)}", [], method.full_name
            )
        details: list[dict[str, Any]] = []
        for key, value in error.trailing_metadata() or ():
            if key == "grpc-status-details-bin" and isinstance(value, bytes):
                details = _status_details(value, self.registry)
        return RpcError(code, text, details, method.full_name)

    async def close(self) -> None:
        channels, self._channels = list(self._channels.values()), {}
        for channel in channels:
            await channel.close()


class RestTransport:
    """Calls over HTTP/1.1 with ``httpx``: each method's REST route at its documented base URL (or ``endpoint``:
    a URL, or ``HOST:PORT``, plain HTTP when the host is a loopback address)."""

    def __init__(self, registry: Registry, endpoint: str | None, user_agent: str) -> None:
        import httpx

        self.registry = registry
        self.endpoint = _base_url(endpoint) if endpoint else None
        self._http = httpx.AsyncClient(headers={"user-agent": user_agent}, timeout=None)

    def base(self, method: Method) -> str:
        found = self.endpoint or documented_rest_base(method.service, method.name)
        if found is None:
            raise ValueError(f"{method.full_name} has no documented REST endpoint; pass endpoint= or use gRPC")
        return found

    def _request(self, method: Method, request: message.Message, metadata: Metadata) -> tuple[str, str, Any, Any]:
        outbound = http_request(method, request, self.registry)
        headers = {}
        for key, value in metadata:
            headers[key if key in FORWARDED_HEADERS else METADATA_PREFIX + key] = value
        if outbound.body is not None:
            headers["content-type"] = "application/json"
        return outbound.verb, self.base(method) + outbound.target, headers, outbound.body

    async def unary(self, method: Method, request: message.Message, metadata: Metadata, timeout: float | None) -> Any:
        import httpx

        verb, url, headers, body = self._request(method, request, metadata)
        try:
            response = await self._http.request(verb, url, headers=headers, content=body, timeout=timeout)
        except httpx.TimeoutException:
            raise RpcError(
                "DEADLINE_EXCEEDED", f"no answer from {url} within {timeout} s", [], method.full_name
            ) from None
        except httpx.HTTPError as e:
            raise RpcError("UNAVAILABLE", f"{type(e).__name__}: {e}", [], method.full_name) from None
        if response.status_code != 200:
            raise self._error(method, response.status_code, response.content)
        return self._message(method, response.content)

    async def stream(
        self, method: Method, request: message.Message, metadata: Metadata, timeout: float | None
    ) -> list[Any]:
        import httpx

        verb, url, headers, body = self._request(method, request, metadata)
        headers["accept"] = "application/x-ndjson"
        found: list[Any] = []
        try:
            async with self._http.stream(verb, url, headers=headers, content=body, timeout=timeout) as response:
                if response.status_code != 200:
                    raise self._error(method, response.status_code, await response.aread())
                async for line in response.aiter_lines():
                    if not line.strip():
                        continue
                    item = orjson.loads(line)
                    if "error" in item:
                        raise self._status(method, item["error"])
                    found.append(self._message(method, orjson.dumps(item["result"])))
        except httpx.TimeoutException:
            raise RpcError(
                "DEADLINE_EXCEEDED", f"no answer from {url} within {timeout} s", [], method.full_name
            ) from None
        except httpx.HTTPError as e:
            raise RpcError("UNAVAILABLE", f"the stream broke: {type(e).__name__}: {e}", [], method.full_name) from None
        except (orjson.JSONDecodeError, KeyError, TypeError):
            raise RpcError(
                "INTERNAL", f"{url} sent a line that is not a stream message", [], method.full_name
            ) from None
        return found

    def _message(self, method: Method, data: bytes) -> Any:
        # An Any of a type the registry lacks (a real service's google.rpc.ErrorInfo in an operation's error, say)
        # is read through the registry's any_pool, as the gRPC transport keeps it packed.
        for pool in (self.registry.descriptor_pool, self.registry.any_pool()):
            result = self.registry.message_class(method.output_type)()
            try:
                json_format.Parse(data, result, ignore_unknown_fields=False, descriptor_pool=pool)
            except (json_format.ParseError, ValueError) as e:
                problem = e
                continue
            return result
        raise RpcError("INTERNAL", f"the answer is not a {method.output_type}: {problem}", [], method.full_name)

    def _error(self, method: Method, status: int, data: bytes) -> RpcError:
        try:
            body = orjson.loads(data)
        except orjson.JSONDecodeError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("code"), int):
            return self._status(method, body)
        return RpcError(_HTTP_CODES.get(status, "UNKNOWN"), f"HTTP {status}", [], method.full_name)

    def _status(self, method: Method, status: dict[str, Any]) -> RpcError:
        code = CODE_BY_NUMBER.get(int(status.get("code", 2)), "UNKNOWN")
        details = status.get("details") if isinstance(status.get("details"), list) else []
        return RpcError(code, str(status.get("message", "")), details, method.full_name)

    async def close(self) -> None:
        await self._http.aclose()


_HTTP_CODES: Final = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def _base_url(endpoint: str) -> str:
    if "://" in endpoint:
        return endpoint.rstrip("/")
    host = endpoint.rpartition(":")[0].strip("[]") or endpoint
    return ("http://" if _is_loopback_host(host) else "https://") + endpoint.rstrip("/")


def _serialize(msg: Any) -> bytes:
    data: bytes = msg.SerializeToString()
    return data


def _status_details(data: bytes, registry: Registry) -> list[dict[str, Any]]:
    from yc_contracts.transcoding.marshal import status_json

    try:
        status = status_pb2.Status.FromString(data)
    except Exception:  # a trailer that is not a Status: no details
        return []
    details: list[dict[str, Any]] = status_json(status, registry.descriptor_pool)["details"]
    return details
