"""The marshaler: a response message, a stream of them, a ``google.rpc.Status`` or an ``RpcError`` become an HTTP
response (ProtoJSON; NDJSON for streams)."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterable
from typing import Any, TypeAlias

import orjson
from google.protobuf import descriptor_pool, json_format, message

from yc_contracts.transcoding.calls import JSON_CONTENT_TYPE, NDJSON_CONTENT_TYPE, GrpcCall, HttpResponse, JsonValue
from yc_contracts.transcoding.status import CODE_NAMES, http_status, status_pb2


def transcode_response(call: GrpcCall, result: object) -> HttpResponse:
    """The HTTP response for what the gRPC call returned.

    ``result`` is the response message (ours or another package's class of the same type), for a
    server-streaming call an iterable of them (it may raise a ``grpc.RpcError`` part way, as gRPC's response
    iterators do, or end with a ``google.rpc.Status``), a ``google.rpc.Status`` message, or an
    ``RpcError``-like object (anything with ``code()`` and ``details()``; rich details are read from its
    ``grpc-status-details-bin`` trailer when it has ``trailing_metadata()``).

    A unary success is ``200`` with the message's REST JSON (or its ``response_body`` field's). A stream is
    ``application/x-ndjson``: a ``{"result": ...}`` line per message, then ``{"error": <Status>}`` if it ended
    with an error; its status is 200, or the error's when the stream failed before its first message. An error is
    the status from :func:`http_status` with ``{"code", "message", "details"}`` as the body.

    Raises:
        TypeError: ``result`` is neither of those (a message of another type, a non-iterable for a stream).
    """
    pool = call.method_info.descriptor.input_type.file.pool
    if call.server_streaming:
        return _stream_response(call, result, pool)
    if isinstance(result, message.Message) and result.DESCRIPTOR.full_name == call.response_type:
        try:
            body = orjson.dumps(_response_json(call, result, pool))
        except MarshalError as e:
            return _error_response(e.status)
        return HttpResponse(200, (("content-type", JSON_CONTENT_TYPE),), body)
    status = _status_of(result, pool)
    if status is None:
        raise TypeError(
            f"expected a {call.response_type} message, a google.rpc.Status or an RpcError, got {_describe(result)}"
        )
    return _error_response(status)


_StatusJson: TypeAlias = dict[str, Any]


class MarshalError(Exception):
    """A response message that cannot be printed as REST JSON; ``status`` is the UNKNOWN Status JSON to send."""

    def __init__(self, status: _StatusJson) -> None:
        super().__init__(status["message"])
        self.status = status


def message_json(call: GrpcCall, msg: message.Message) -> bytes:
    """One response message of ``call`` as REST JSON bytes (its ``response_body`` field's, if the route names one).

    For servers that send a stream as it arrives: :func:`transcode_response` does the same for a whole result.

    Raises:
        MarshalError: the message cannot be printed (its ``status`` is the error to send instead).
    """
    return orjson.dumps(_response_json(call, msg, call.method_info.descriptor.input_type.file.pool))


def error_status(call: GrpcCall, error: object) -> _StatusJson | None:
    """A ``google.rpc.Status`` message or an RpcError-like object as Status JSON (``code``, ``message``,
    ``details`` with their types printed from the call's registry); ``None`` for anything else."""
    return _status_of(error, call.method_info.descriptor.input_type.file.pool)


def _error_response(status: _StatusJson) -> HttpResponse:
    return HttpResponse(http_status(status["code"]), (("content-type", JSON_CONTENT_TYPE),), orjson.dumps(status))


def _stream_response(call: GrpcCall, result: object, pool: descriptor_pool.DescriptorPool) -> HttpResponse:
    items: Any = result
    if isinstance(result, message.Message) or (not isinstance(result, Iterable) and _is_rpc_error(result)):
        items = (result,)
    try:
        iterator = iter(items)
    except TypeError:
        raise TypeError(
            f"a server-streaming call's result is an iterable of {call.response_type}, got {_describe(result)}"
        ) from None
    lines: list[bytes] = []
    error: _StatusJson | None = None
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            break
        except Exception as e:  # gRPC's response iterator raises itself, an RpcError, when the call fails
            error = _rpc_error_status(e, pool) if _is_rpc_error(e) else None
            if error is None:
                raise
            break
        if isinstance(item, message.Message) and item.DESCRIPTOR.full_name == call.response_type:
            try:
                lines.append(b'{"result":' + orjson.dumps(_response_json(call, item, pool)) + b"}")
            except MarshalError as e:
                error = e.status
                break
            continue
        error = _status_of(item, pool)
        if error is None:
            raise TypeError(f"a {call.response_type} stream yielded {_describe(item)}")
        if error["code"] == CODE_NAMES["OK"]:
            error = None
        break
    status = 200
    if error is not None:
        if not lines:
            status = http_status(error["code"])
        lines.append(b'{"error":' + orjson.dumps(error) + b"}")
    body = b"".join(line + b"\n" for line in lines)
    return HttpResponse(status, (("content-type", NDJSON_CONTENT_TYPE),), body)


def _response_json(call: GrpcCall, msg: message.Message, pool: descriptor_pool.DescriptorPool) -> JsonValue:
    """The REST JSON of a response message, or of its ``response_body`` field.

    An ``Any`` of a type the registry does not hold (a real service's ``google.rpc.ErrorInfo`` in an operation's
    error, say) is printed through the registry's :meth:`~yc_contracts.contract.registry.Registry.any_pool`.
    """
    try:
        return _printed(call, msg, pool)
    except (TypeError, KeyError, ValueError, AttributeError, json_format.Error) as e:
        if call.registry is not None:
            with contextlib.suppress(TypeError, KeyError, ValueError, AttributeError, json_format.Error):
                return _printed(call, msg, call.registry.any_pool())
        raise MarshalError(
            {"code": CODE_NAMES["UNKNOWN"], "message": f"cannot marshal the response: {e}", "details": []}
        ) from e


def _printed(call: GrpcCall, msg: message.Message, pool: descriptor_pool.DescriptorPool) -> JsonValue:
    if not call.route.response_body:
        return json_format.MessageToDict(msg, descriptor_pool=pool)
    node = msg
    names = call.route.response_body.split(".")
    for name in names[:-1]:
        node = getattr(node, name)
    leaf = node.DESCRIPTOR.fields_by_name[names[-1]]
    printed = json_format.MessageToDict(node, descriptor_pool=pool, always_print_fields_with_no_presence=True)
    if leaf.json_name in printed:
        return printed[leaf.json_name]
    return {} if leaf.message_type is not None else None


def _status_of(obj: object, pool: descriptor_pool.DescriptorPool | None = None) -> _StatusJson | None:
    """``obj`` as Status JSON if it is a ``google.rpc.Status`` or an RpcError-like object, else ``None``."""
    if isinstance(obj, message.Message):
        if obj.DESCRIPTOR.full_name != "google.rpc.Status":
            return None
        return status_json(obj, pool)
    if _is_rpc_error(obj):
        return _rpc_error_status(obj, pool)
    return None


def _is_rpc_error(obj: object) -> bool:
    return callable(getattr(obj, "code", None)) and callable(getattr(obj, "details", None))


def _rpc_error_status(error: Any, pool: descriptor_pool.DescriptorPool | None) -> _StatusJson:
    code = _code_of(error)
    details = error.details()
    status: _StatusJson = {"code": code, "message": details if isinstance(details, str) else "", "details": []}
    trailers = getattr(error, "trailing_metadata", None)
    if callable(trailers):
        for key, value in trailers() or ():
            if key == "grpc-status-details-bin" and isinstance(value, bytes):
                try:
                    rich = status_pb2.Status.FromString(value)
                except message.DecodeError:
                    break
                if rich.code == code:
                    status = status_json(rich, pool)
                break
    return status


def _code_of(error: Any) -> int:
    """The numeric code of an RpcError-like ``code()``: an int, a ``grpc.StatusCode`` (``value[0]``), a name."""
    raw = error.code()
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    value = getattr(raw, "value", None)
    if isinstance(value, tuple) and value and isinstance(value[0], int):
        return value[0]
    if isinstance(value, int):
        return value
    name = getattr(raw, "name", raw)
    if isinstance(name, str) and name in CODE_NAMES:
        return CODE_NAMES[name]
    return CODE_NAMES["UNKNOWN"]


def status_json(status: Any, pool: descriptor_pool.DescriptorPool | None) -> _StatusJson:
    """A ``google.rpc.Status`` as grpc-gateway prints it: ``code``, ``message`` and ``details``, always."""
    return {
        "code": int(status.code),
        "message": str(status.message),
        "details": [_any_json(detail, pool) for detail in status.details],
    }


def _any_json(detail: Any, pool: descriptor_pool.DescriptorPool | None) -> JsonValue:
    """An ``Any`` detail as ProtoJSON, its type looked up in ``pool`` then the default pool.

    A type neither knows cannot be printed as ProtoJSON; it comes out as ``{"@type", "value": <base64>}`` rather
    than failing the whole error response.
    """
    pools = [p for p in (pool, descriptor_pool.Default()) if p is not None]
    for candidate in pools:
        try:
            return json_format.MessageToDict(detail, descriptor_pool=candidate)
        except (TypeError, KeyError, ValueError, json_format.Error):
            continue
    return {"@type": detail.type_url, "value": base64.b64encode(detail.value).decode("ascii")}


def _describe(value: object) -> str:
    if isinstance(value, message.Message):
        return f"a {value.DESCRIPTOR.full_name} message"
    return f"a {type(value).__name__}"
