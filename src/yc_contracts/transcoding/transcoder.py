"""HTTP ⇄ gRPC transcoding over a registry's ``google.api.http`` routes, in the parts grpc-gateway's ``runtime/``
has:

1. **Templates** (:mod:`~yc_contracts.transcoding.templates`): each route's path template, parsed and compiled
   once.
2. **Matcher** (:mod:`~yc_contracts.transcoding.routes`): a registry's routes compiled once (cached per registry),
   indexed by segment count and sorted most specific first; a request path is split once and checked against
   the candidates of its length.
3. **Request binder** (:mod:`~yc_contracts.transcoding.binder`, with :mod:`~yc_contracts.transcoding.params` for
   path and query texts): path variables, query parameters and the body become one REST JSON object, which is
   converted into the method's request message (:func:`~yc_contracts.to_proto` over the route's registry).
4. **Metadata** (:mod:`~yc_contracts.transcoding.metadata`): the request headers that become gRPC metadata (an
   allow-list, plus ``Grpc-Metadata-*``).
5. **Marshaler** (:mod:`~yc_contracts.transcoding.marshal`): a response message, a stream of them, a
   ``google.rpc.Status`` or an ``RpcError`` become an HTTP response (ProtoJSON; NDJSON for streams).
6. **Status table** (:mod:`~yc_contracts.transcoding.status`): gRPC code → HTTP status, as ``runtime/errors.go``.

The values (:class:`GrpcCall`, :class:`HttpResponse`) are in :mod:`~yc_contracts.transcoding.calls`, the errors
(404, 405, 400) in :mod:`~yc_contracts.transcoding.errors`. This module is the entry, :func:`transcode` (with
query parsing), and re-exports the public names of the parts.

Where this deliberately differs from grpc-gateway (its defaults, as of v2):

- **Strict requests.** An unknown query parameter, a parameter for a field the path or body already binds,
  a repeated parameter for a singular field, a body on a route without one, unknown body fields, and a path
  value that contradicts the body are all 400s; grpc-gateway ignores or silently overrides most of them.
- **Bools** are ``true``/``false`` only (grpc-gateway takes anything Go's ``strconv.ParseBool`` does).
- **The most specific route wins** (a ``:verb`` first, then literal > ``*`` > ``**``, left to right), whatever
  the declaration order; grpc-gateway lets the last registered handler win.
- **A ``:`` in the last segment is a verb only if a route defines that verb for the path.** Then it never goes
  into a variable (``GET /operations/a:cancel`` is Cancel, ``DELETE`` on it is a 405); otherwise it is part of
  the value (``GET /operations/a:b`` reaches ``{operation_id}`` as ``"a:b"``). grpc-gateway always reads a final
  ``:x`` as a verb, so the second request is a 404 there.
- **405, not 501**, for a path that other verbs serve, with an ``Allow`` header (gRPC code UNIMPLEMENTED, as
  grpc-gateway).
- **Responses** leave out fields with default values (ProtoJSON's default, as the rest of yc-contracts); the
  gateway's marshaler sets ``EmitUnpopulated``. Streams are sent as ``application/x-ndjson``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote_plus

from yc_contracts.contract.registry import Registry, default_registry
from yc_contracts.transcoding.calls import JSON_CONTENT_TYPE, NDJSON_CONTENT_TYPE, GrpcCall, HttpResponse
from yc_contracts.transcoding.errors import (
    RULES,
    BadRequestError,
    MethodNotAllowedError,
    RouteNotFoundError,
    TranscodeError,
)
from yc_contracts.transcoding.marshal import transcode_response
from yc_contracts.transcoding.metadata import FORWARDED_HEADERS, METADATA_PREFIX, request_metadata
from yc_contracts.transcoding.routes import table_for
from yc_contracts.transcoding.status import CODE_NAMES, HTTP_STATUS_FOR_CODE, http_status
from yc_contracts.validation.violations import Violation

__all__ = [
    "CODE_NAMES",
    "FORWARDED_HEADERS",
    "HTTP_STATUS_FOR_CODE",
    "JSON_CONTENT_TYPE",
    "METADATA_PREFIX",
    "NDJSON_CONTENT_TYPE",
    "RULES",
    "BadRequestError",
    "GrpcCall",
    "HttpResponse",
    "MethodNotAllowedError",
    "RouteNotFoundError",
    "TranscodeError",
    "http_status",
    "transcode",
    "transcode_response",
]


def transcode(
    http_method: str,
    path: str,
    *,
    query: Mapping[str, str | Sequence[str]] | str | None = None,
    body: bytes | str | Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    registry: Registry | None = None,
    validate: bool = True,
) -> GrpcCall:
    """The gRPC call an HTTP request maps to under the registry's ``google.api.http`` routes.

    Args:
        http_method: ``"GET"``, ``"POST"``…, or a custom verb of a route (compared upper-cased).
        path: the request path, percent-encoded as sent (``/operations/abc``); it may carry a ``?query``.
        query: more query parameters: a raw query string, or names mapped to a value or a list of values
            (``{"operationId": "x"}``). Names are fields' JSON or proto names, dotted into nested messages
            (``filter.pageSize``); a map field's entries are ``labels[key]=value``. Every parameter must name a
            field that neither the path nor the body binds (unlike grpc-gateway, nothing is ignored).
        body: JSON text (``str``, UTF-8 ``bytes``) or JSON values. Absent means ``None``, empty or blank text,
            or an empty mapping.
        headers: request headers; those in :data:`FORWARDED_HEADERS` and every ``Grpc-Metadata-<name>`` (as
            ``<name>``) become metadata, everything else (hop-by-hop headers included) is left behind.
        registry: the routes to use; the contract's own by default.
        validate: check the request against the registry (every error a violation of the BadRequestError):
            the contract's rules and limits for the contract's registry, the ``yandex.cloud`` validation options
            of the request type for any other; ``False`` keeps only ProtoJSON's own checks.

    Raises:
        RouteNotFoundError: no route's template matches the path (404).
        MethodNotAllowedError: routes match the path, but not with this HTTP method (405).
        BadRequestError: the path, a query parameter, the body or a header cannot be bound (400);
            ``violations`` lists every problem found.
        ContractError: the registry's routes are broken (a template off the grammar, a binding to no field).
        TypeError: an argument has the wrong type.
    """
    if not isinstance(http_method, str) or not isinstance(path, str):
        raise TypeError("http_method and path must be str")
    reg = default_registry() if registry is None else registry
    table = table_for(reg)
    raw_path, _, raw_query = path.partition("?")
    verb = http_method.strip().upper()
    route, captured = table.match(verb, raw_path)
    errors: list[Violation] = []
    params = _query_params(raw_query, errors)
    if query is not None:
        params += _query_params(query, errors)
    metadata = request_metadata(headers, errors)
    request = route.bind(captured, params, body, errors, validate=validate)
    method = route.method
    return GrpcCall(
        method=method.grpc_path,
        method_info=method,
        request=request,
        metadata=metadata,
        server_streaming=method.server_streaming,
        client_streaming=method.client_streaming,
        response_type=method.output_type,
        route=route.route,
        registry=reg,
    )


def _query_params(query: Mapping[str, str | Sequence[str]] | str, errors: list[Violation]) -> list[tuple[str, str]]:
    """Query parameters as (name, value) pairs, in order; a raw string is form-decoded (``+`` is a space)."""
    params: list[tuple[str, str]] = []
    if isinstance(query, str):
        for piece in query.split("&"):
            if not piece:
                continue
            raw_name, _, raw_value = piece.partition("=")
            try:
                params.append((unquote_plus(raw_name, errors="strict"), unquote_plus(raw_value, errors="strict")))
            except UnicodeDecodeError:
                errors.append(
                    Violation(
                        "", "http.query_value", f"the query parameter {raw_name!r} has escapes that are not UTF-8"
                    )
                )
        return params
    if not isinstance(query, Mapping):
        raise TypeError(f"query must be a str or a mapping, not {type(query).__name__}")
    for name, value in query.items():
        values = [value] if isinstance(value, str) else value
        if not isinstance(name, str) or not all(isinstance(v, str) for v in values):
            raise TypeError(f"query parameters map str to str or a sequence of str, got {name!r}: {value!r}")
        params.extend((name, v) for v in values)
    return params
