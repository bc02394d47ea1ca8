"""The gateway as an ASGI application: HTTP request → :func:`~yc_contracts.transcode` → gRPC call → HTTP response.

Per request:

1. **Read** the body, at most ``max_body_size`` bytes (413 past it, without reading the rest).
2. **Transcode** path, query, body and headers into a gRPC call; with ``validate`` (the default) the request is
   checked against the contract first, and a 400 carries every violation as a ``google.rpc.BadRequest``. The
   upstream is not called.
3. **Call** the method's upstream over a ``grpc.aio`` channel (receive limit raised to 256 MiB by default), with
   the allowed headers as metadata and the request's ``grpc-timeout`` / ``x-request-timeout`` as its deadline.
4. **Answer**: a unary result as REST JSON; a server stream as it arrives, NDJSON (``{"result": …}`` per
   message, ``{"error": Status}`` last if it fails) or, for ``Accept: application/json``, a JSON array; an error
   as its ``google.rpc.Status`` JSON with grpc-gateway's status mapping. The upstream's ``x-request-id`` and
   ``x-server-trace-id`` come back as headers.

The HTTP client going away cancels the gRPC call. ``/healthz``, ``/openapi.json`` and ``/docs`` are served beside
the routes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, Final

import orjson

from yc_contracts._version import __version__
from yc_contracts.contract.registry import Registry, default_registry
from yc_contracts.gateway.pages import Pages
from yc_contracts.gateway.upstreams import DEFAULT_MAX_RECEIVE_MESSAGE_SIZE, Channels, Upstream, UpstreamSpec, resolve
from yc_contracts.transcoding.calls import JSON_CONTENT_TYPE, NDJSON_CONTENT_TYPE, GrpcCall, HttpResponse
from yc_contracts.transcoding.errors import BadRequestError, TranscodeError
from yc_contracts.transcoding.marshal import MarshalError, error_status, message_json, transcode_response
from yc_contracts.transcoding.status import CODE_NAMES, http_status
from yc_contracts.transcoding.transcoder import transcode
from yc_contracts.validation.budget import MAX_REQUEST_BYTES
from yc_contracts.validation.violations import Violation

if TYPE_CHECKING:
    import grpc.aio

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("yc_contracts.gateway")

RESPONSE_HEADERS: Final = ("x-request-id", "x-server-trace-id")
"""Upstream metadata that comes back to the HTTP client as headers of the same name."""

JSON_ARRAY_ACCEPT: Final = "application/json"
"""The ``Accept`` that asks for a server stream as one JSON array rather than NDJSON."""

MAX_TIMEOUT_SECONDS: Final = 24 * 3600.0
"""The longest deadline a request may ask for (a day)."""

_INLINE_BODY_BYTES: Final = 64 * 1024
"""Bodies up to this size are transcoded on the event loop; larger ones in a worker thread, so a 28 MB request
that takes a while to decode and validate does not stall the other clients."""

_GRPC_TIMEOUT: Final = re.compile(r"([0-9]{1,8})([HMSmun])")
_GRPC_TIMEOUT_UNITS: Final = {"H": 3600.0, "M": 60.0, "S": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}


class Gateway:
    """An ASGI application serving every ``google.api.http`` route of a registry in front of gRPC upstreams.

    Build it with :func:`yc_contracts.gateway.app`; run it on any ASGI server (``yc-contracts gateway`` runs it on
    uvicorn).
    """

    def __init__(
        self,
        *,
        upstreams: UpstreamSpec = None,
        registry: Registry | None = None,
        plaintext: bool | None = None,
        validate: bool = True,
        max_body_size: int = MAX_REQUEST_BYTES,
        max_receive_message_size: int = DEFAULT_MAX_RECEIVE_MESSAGE_SIZE,
        timeout: float | None = None,
        docs: bool = True,
        shutdown_grace: float = 10.0,
    ) -> None:
        if not isinstance(max_body_size, int) or max_body_size < 1:
            raise ValueError(f"max_body_size must be a positive number of bytes, not {max_body_size!r}")
        if not isinstance(max_receive_message_size, int) or max_receive_message_size < 1:
            raise ValueError(
                f"max_receive_message_size must be a positive number of bytes, not {max_receive_message_size!r}"
            )
        if timeout is not None and not (0 < timeout <= MAX_TIMEOUT_SECONDS):
            raise ValueError(f"timeout must be a positive number of seconds up to a day, not {timeout!r}")
        self.registry = default_registry() if registry is None else registry
        methods = {route.method.grpc_path: route.method for route in self.registry.routes()}
        self.upstreams: Mapping[str, Upstream] = resolve(self.registry, methods.values(), upstreams, plaintext)
        self.validate = validate
        self.max_body_size = max_body_size
        self.timeout = timeout
        self.docs = docs
        self.shutdown_grace = shutdown_grace
        self._channels = Channels(max_receive_message_size, f"yc-contracts-gateway/{__version__}")
        self._calls: dict[tuple[int, str], Any] = {}
        self._pages = Pages(self.registry)
        self._in_flight = 0

    def __repr__(self) -> str:
        targets = sorted({str(u) for u in self.upstreams.values()})
        return f"<Gateway {len(self.upstreams)} methods -> {', '.join(targets)}>"

    # ------------------------------------------------------------------------------------------------ ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            self._in_flight += 1
            try:
                await self._http(scope, receive, send)
            except Exception as e:  # a bug: one clear 500 for this request, and the server keeps serving
                log.exception("internal error on %s %s", scope.get("method"), scope.get("path"))
                text = f"internal error in the gateway ({type(e).__name__}); its log has the details"
                with contextlib.suppress(Exception):  # unless the response had already started
                    await _send_whole(send, _status_response(CODE_NAMES["INTERNAL"], text))
            finally:
                self._in_flight -= 1
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        # websockets are not served: returning without accepting makes the server refuse the handshake

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            event = await receive()
            if event["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif event["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def aclose(self) -> None:
        """Close the upstream channels, giving calls still running ``shutdown_grace`` seconds to finish."""
        self._calls.clear()
        await self._channels.close(self.shutdown_grace)

    # ------------------------------------------------------------------------------------------------ HTTP

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        verb: str = scope["method"]
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if raw_path else scope["path"]
        path = path.partition("?")[0]
        page = self._pages.find(verb, path, self.docs)
        if page is not None:
            await _send_whole(send, page(scope.get("root_path", "")))
            return
        headers = _headers(scope)
        too_big = _declared_too_big(headers, self.max_body_size)
        body = None if too_big else await _read_body(receive, self.max_body_size)
        if body is None:
            await _send_whole(send, self._too_large())
            return
        query = scope.get("query_string", b"").decode("latin-1")
        try:
            if len(body) > _INLINE_BODY_BYTES:
                call = await asyncio.to_thread(self._transcode, verb, path, query, body, headers)
            else:
                call = self._transcode(verb, path, query, body, headers)
            timeout = self._timeout(headers)
        except TranscodeError as e:
            response = e.to_response()
            await _send_whole(send, response)
            self._log(verb, path, response.status, "not sent", started)
            return
        if call.client_streaming:
            response = _status_response(
                CODE_NAMES["UNIMPLEMENTED"], f"{call.method} takes a client stream, which REST cannot send", 501
            )
            await _send_whole(send, response)
            return
        channel = self._channels.get(self.upstreams[call.method])
        if call.server_streaming:
            writer = _StreamWriter(send, array=_wants_array(headers))
            status = await self._stream(channel, call, timeout, writer, receive)
        else:
            status = await self._unary(channel, call, timeout, receive, send)
        self._log(verb, path, status, call.method, started)

    def _transcode(self, verb: str, path: str, query: str, body: bytes, headers: dict[str, str]) -> GrpcCall:
        return transcode(
            verb, path, query=query, body=body, headers=headers, registry=self.registry, validate=self.validate
        )

    def _timeout(self, headers: Mapping[str, str]) -> float | None:
        """The call's deadline in seconds: ``grpc-timeout`` (gRPC's ``<digits><unit>``), ``x-request-timeout``
        (seconds), else the gateway's default."""
        problems: list[Violation] = []
        found: float | None = None
        raw = headers.get("grpc-timeout")
        if raw is not None:
            m = _GRPC_TIMEOUT.fullmatch(raw.strip())
            if m is None:
                problems.append(
                    Violation(
                        "",
                        "http.header_invalid",
                        "the header 'grpc-timeout' is not gRPC's form: 1-8 digits and a unit of H, M, S, m, u, n "
                        '("5S", "250m")',
                    )
                )
            else:
                found = int(m.group(1)) * _GRPC_TIMEOUT_UNITS[m.group(2)]
        raw = headers.get("x-request-timeout")
        if raw is not None and found is None:
            try:
                seconds = float(raw.strip())
            except ValueError:
                seconds = math.nan
            if not (0 < seconds <= MAX_TIMEOUT_SECONDS):
                problems.append(
                    Violation(
                        "",
                        "http.header_invalid",
                        "the header 'x-request-timeout' is not a number of seconds above 0 and at most 86400",
                    )
                )
            else:
                found = seconds
        if problems:
            raise BadRequestError(problems)
        if found is not None:
            return min(found, MAX_TIMEOUT_SECONDS)
        return self.timeout

    def _too_large(self) -> HttpResponse:
        return _status_response(
            CODE_NAMES["RESOURCE_EXHAUSTED"],
            f"the request body is larger than this gateway takes: {self.max_body_size} bytes at most",
            413,
        )

    # -------------------------------------------------------------------------------------------- gRPC calls

    def _callable(self, channel: grpc.aio.Channel, call: GrpcCall) -> Any:
        key = (id(channel), call.method)
        found = self._calls.get(key)
        if found is None:
            response_class = self.registry.message_class(call.response_type)
            factory = channel.unary_stream if call.server_streaming else channel.unary_unary
            found = factory(call.method, request_serializer=_serialize, response_deserializer=response_class.FromString)
            self._calls[key] = found
        return found

    async def _unary(
        self, channel: grpc.aio.Channel, call: GrpcCall, timeout: float | None, receive: Receive, send: Send
    ) -> int:
        import grpc

        grpc_call = self._callable(channel, call)(call.request, metadata=call.metadata, timeout=timeout)
        watcher = asyncio.ensure_future(_cancel_on_disconnect(receive, grpc_call))
        try:
            result: object = await grpc_call
        except grpc.aio.AioRpcError as e:
            result = e
        except asyncio.CancelledError:
            if not watcher.done():
                raise  # the gateway itself is being stopped
            return 499  # the client went away; nobody to answer
        finally:
            watcher.cancel()
        response = transcode_response(call, result)
        extra = await _forwarded(grpc_call)
        await _send_whole(send, HttpResponse(response.status, response.headers + extra, response.body))
        return response.status

    async def _stream(
        self, channel: grpc.aio.Channel, call: GrpcCall, timeout: float | None, writer: _StreamWriter, receive: Receive
    ) -> int:
        import grpc

        grpc_call = self._callable(channel, call)(call.request, metadata=call.metadata, timeout=timeout)
        watcher = asyncio.ensure_future(_cancel_on_disconnect(receive, grpc_call))
        messages = grpc_call.__aiter__()
        try:
            while True:
                try:
                    item: Any = await messages.__anext__()
                except StopAsyncIteration:
                    break
                except grpc.aio.AioRpcError as e:
                    if not writer.started:  # failed before its first message: an ordinary error response
                        status = error_status(call, e) or {"code": CODE_NAMES["UNKNOWN"], "message": "", "details": []}
                        error = HttpResponse(
                            http_status(status["code"]), (("content-type", JSON_CONTENT_TYPE),), orjson.dumps(status)
                        )
                        return await writer.whole(error, await _forwarded(grpc_call))
                    return await writer.fail(error_status(call, e) or {})
                except asyncio.CancelledError:
                    if not watcher.done():
                        raise  # the gateway itself is being stopped
                    return 499  # the client went away: its call is cancelled, nobody to answer
                try:
                    encoded = message_json(call, item)
                except MarshalError as e:
                    grpc_call.cancel()
                    return await writer.fail(e.status)
                await writer.message(encoded, grpc_call)
                if watcher.done():
                    return 499
            return await writer.finish(grpc_call)
        finally:
            watcher.cancel()

    # ------------------------------------------------------------------------------------------------ logs

    def _log(self, verb: str, path: str, status: int, method: str, started: float) -> None:
        # the method and path only: headers (credentials) and bodies never reach a log
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s -> %d %s %.1f ms", verb, path, status, method, (time.perf_counter() - started) * 1000)


# -------------------------------------------------------------------------------------------------- helpers


def _serialize(msg: Any) -> bytes:
    data: bytes = msg.SerializeToString()
    return data


def _headers(scope: Scope) -> dict[str, str]:
    """The request headers, names lower-cased, repeated ones joined with ``,`` (RFC 9110)."""
    found: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        found[name] = f"{found[name]},{value}" if name in found else value
    return found


def _declared_too_big(headers: Mapping[str, str], limit: int) -> bool:
    declared = headers.get("content-length", "").strip()
    return declared.isdigit() and int(declared) > limit


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The request body, or ``None`` once it passes ``limit`` bytes (the rest is left unread)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        event = await receive()
        if event["type"] == "http.disconnect":
            return b"".join(chunks)  # nobody will read the answer; what follows fails cheaply
        chunk = event.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        if chunk:
            chunks.append(chunk)
        if not event.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _wants_array(headers: Mapping[str, str]) -> bool:
    """Whether the client asked for a stream as one JSON array: ``Accept`` names ``application/json`` and not
    ``application/x-ndjson`` (NDJSON is the default, for ``*/*`` or no ``Accept`` too)."""
    accept = headers.get("accept", "")
    types = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    return JSON_ARRAY_ACCEPT in types and NDJSON_CONTENT_TYPE not in types


async def _cancel_on_disconnect(receive: Receive, grpc_call: Any) -> None:
    """Wait for the HTTP client to go away, then cancel its gRPC call."""
    while True:
        event = await receive()
        if event["type"] == "http.disconnect":
            grpc_call.cancel()
            return


async def _forwarded(grpc_call: Any) -> tuple[tuple[str, str], ...]:
    """The allowed upstream metadata (initial, then trailing) as response headers."""
    found: list[tuple[str, str]] = []
    for getter in (grpc_call.initial_metadata, grpc_call.trailing_metadata):
        try:
            metadata = await getter()
        except Exception:  # a call that never started has no metadata to forward
            continue
        for key, value in metadata or ():
            if key in RESPONSE_HEADERS and isinstance(value, str) and (key, value) not in found:
                found.append((key, value))
    return tuple(found)


class _StreamWriter:
    """A server stream as HTTP: NDJSON (``{"result": …}`` lines, ``{"error": …}`` last if it fails) or one JSON
    array (messages as elements, ``{"error": …}`` last if it fails). The headers go with the first message, so a
    stream that fails before one is an ordinary error response."""

    def __init__(self, send: Send, *, array: bool) -> None:
        self._send = send
        self.array = array
        self.started = False

    async def message(self, encoded: bytes, grpc_call: Any) -> None:
        if not self.started:
            await self._start(grpc_call)
            chunk = b"[" + encoded if self.array else b'{"result":' + encoded + b"}\n"
        else:
            chunk = b"," + encoded if self.array else b'{"result":' + encoded + b"}\n"
        await self._send({"type": "http.response.body", "body": chunk, "more_body": True})

    async def fail(self, status: Mapping[str, Any]) -> int:
        code = int(status.get("code", CODE_NAMES["UNKNOWN"]))
        if not self.started:
            return await self.whole(_status_response(code, str(status.get("message", ""))), ())
        encoded = orjson.dumps({"error": status})
        chunk = b"," + encoded + b"]" if self.array else encoded + b"\n"
        await self._send({"type": "http.response.body", "body": chunk, "more_body": False})
        return http_status(code)

    async def finish(self, grpc_call: Any) -> int:
        if not self.started:  # an empty stream: whole before its headers go, so the trailers' ids can go too
            await self._start(grpc_call, await _forwarded(grpc_call))
            end = b"[]" if self.array else b""
        else:
            end = b"]" if self.array else b""
        await self._send({"type": "http.response.body", "body": end, "more_body": False})
        return 200

    async def whole(self, response: HttpResponse, extra: tuple[tuple[str, str], ...]) -> int:
        await _send_whole(self._send, HttpResponse(response.status, response.headers + extra, response.body))
        return response.status

    async def _start(self, grpc_call: Any, forwarded: tuple[tuple[str, str], ...] | None = None) -> None:
        self.started = True
        content_type = JSON_CONTENT_TYPE if self.array else NDJSON_CONTENT_TYPE
        headers = [(b"content-type", content_type.encode())]
        if forwarded is None:
            try:
                metadata = await grpc_call.initial_metadata()
            except Exception:
                metadata = None
            forwarded = tuple(
                (key, value) for key, value in metadata or () if key in RESPONSE_HEADERS and isinstance(value, str)
            )
        for key, value in forwarded:
            headers.append((key.encode(), value.encode("latin-1", "replace")))
        await self._send({"type": "http.response.start", "status": 200, "headers": headers})


def _status_response(code: int, text: str, status: int | None = None) -> HttpResponse:
    body = orjson.dumps({"code": code, "message": text, "details": []})
    return HttpResponse(http_status(code) if status is None else status, (("content-type", JSON_CONTENT_TYPE),), body)


async def _send_whole(send: Send, response: HttpResponse) -> None:
    headers = [(name.encode("latin-1"), value.encode("latin-1", "replace")) for name, value in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body, "more_body": False})
