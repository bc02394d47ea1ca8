"""HTTP ⇄ gRPC transcoding over a registry's ``google.api.http`` routes, in the parts grpc-gateway's ``runtime/``
has:

1. **Templates** (:mod:`yc_contracts.transcoding.templates`): each route's path template, parsed and compiled once.
2. **Matcher**: a registry's routes compiled once (cached per registry), indexed by segment count and sorted
   most specific first; a request path is split once and checked against the candidates of its length.
3. **Request binder**: path variables, query parameters and the body become one REST JSON object, which is
   converted into the method's request message (``json_format`` over the registry's pool).
4. **Metadata**: the request headers that become gRPC metadata (an allow-list, plus ``Grpc-Metadata-*``).
5. **Marshaler**: a response message, a stream of them, a ``google.rpc.Status`` or an ``RpcError`` become an
   HTTP response (ProtoJSON; NDJSON for streams).
6. **Status table**: gRPC code → HTTP status, as ``runtime/errors.go``.

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

import base64
import difflib
import importlib
import math
import re
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, TypeAlias
from urllib.parse import unquote_plus

import orjson
from google.protobuf import any_pb2, descriptor, descriptor_pool, json_format, message

from yc_contracts.contract import wkt as _wkt
from yc_contracts.contract.descriptors import FLOAT_MAX, FLT_MAX, enum_of
from yc_contracts.contract.errors import ContractError, YcContractsError
from yc_contracts.contract.registry import Method, Registry, Route, default_registry
from yc_contracts.transcoding.templates import LITERAL, EscapeError, PathTemplate, parse_template, split_path, unescape
from yc_contracts.validation import base64_text as _base64
from yc_contracts.validation import payload as _payload
from yc_contracts.validation.violations import ValidationError, Violation, pointer

_FD = descriptor.FieldDescriptor
JsonValue: TypeAlias = Any
Metadata: TypeAlias = tuple[tuple[str, str | bytes], ...]
"""gRPC metadata: lower-case keys; ``str`` values, ``bytes`` for ``-bin`` keys."""

# ------------------------------------------------------------------------------------------ status table

# google.rpc.Code: imported through importlib, as the registry does (googleapis-common-protos has no py.typed).
_status_pb2: Any = importlib.import_module("google.rpc.status_pb2")
_error_details_pb2: Any = importlib.import_module("google.rpc.error_details_pb2")


CODE_NAMES: Final[Mapping[str, int]] = MappingProxyType(
    {
        "OK": 0,
        "CANCELLED": 1,
        "UNKNOWN": 2,
        "INVALID_ARGUMENT": 3,
        "DEADLINE_EXCEEDED": 4,
        "NOT_FOUND": 5,
        "ALREADY_EXISTS": 6,
        "PERMISSION_DENIED": 7,
        "RESOURCE_EXHAUSTED": 8,
        "FAILED_PRECONDITION": 9,
        "ABORTED": 10,
        "OUT_OF_RANGE": 11,
        "UNIMPLEMENTED": 12,
        "INTERNAL": 13,
        "UNAVAILABLE": 14,
        "DATA_LOSS": 15,
        "UNAUTHENTICATED": 16,
    }
)
"""``google.rpc.Code`` by name."""

_HTTP_BY_NAME: Final = {
    "OK": 200,
    "CANCELLED": 499,
    "UNKNOWN": 500,
    "INVALID_ARGUMENT": 400,
    "DEADLINE_EXCEEDED": 504,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "PERMISSION_DENIED": 403,
    "UNAUTHENTICATED": 401,
    "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400,
    "ABORTED": 409,
    "OUT_OF_RANGE": 400,
    "UNIMPLEMENTED": 501,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DATA_LOSS": 500,
}
HTTP_STATUS_FOR_CODE: Final[Mapping[int, int]] = MappingProxyType(
    {CODE_NAMES[name]: status for name, status in _HTTP_BY_NAME.items()}
)
"""gRPC status code → HTTP status, grpc-gateway's ``runtime.HTTPStatusFromCode``."""


def http_status(code: int) -> int:
    """The HTTP status grpc-gateway answers a gRPC status code with (``5`` NOT_FOUND → ``404``).

    A code outside the 17 that gRPC defines is ``500``, as in grpc-gateway.

    Raises:
        TypeError: ``code`` is not an ``int``.
    """
    if not isinstance(code, int) or isinstance(code, bool):
        raise TypeError(f"a gRPC status code is an int, got {type(code).__name__}")
    return HTTP_STATUS_FOR_CODE.get(code, 500)


# ---------------------------------------------------------------------------------------------- values

JSON_CONTENT_TYPE: Final = "application/json"
NDJSON_CONTENT_TYPE: Final = "application/x-ndjson"

RULES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "http.path_invalid": "The request path does not start with '/'.",
        "http.path_value": "A path variable's text is not a value of its field (or not valid percent-encoding).",
        "http.path_body_conflict": "A path variable and the body give one field two different values.",
        "http.query_unknown": "A query parameter names no field a query parameter can set.",
        "http.query_bound": "A query parameter names a field the path or the body already binds.",
        "http.query_value": "A query parameter's value is not a value of its field, or a singular field is repeated.",
        "http.body_not_allowed": "The route takes no body, but the request has one.",
        "http.body_invalid": "The body is not valid REST JSON for what the route maps it to.",
        "http.header_invalid": "A header that would become gRPC metadata has an invalid name or value.",
    }
)
"""The rule ids of the violations :class:`BadRequestError` carries (JSON problems keep their ``json.*`` ids)."""


@dataclass(frozen=True)
class HttpResponse:
    """An HTTP response: status, headers (lower-case names) and body bytes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True)
class GrpcCall:
    """What an HTTP request becomes: the gRPC method to call, with its request message and metadata."""

    method: str
    """The gRPC path, ``"/speechkit.stt.v3.AsyncRecognizer/RecognizeFile"``."""
    method_info: Method
    request: message.Message = field(hash=False)
    """A message of the method's input type, of the registry's pool."""
    metadata: Metadata
    server_streaming: bool
    client_streaming: bool
    response_type: str
    """Full name of the method's output type."""
    route: Route


# ---------------------------------------------------------------------------------------------- errors


class TranscodeError(YcContractsError):
    """An HTTP request that no route turns into a gRPC call; carries the HTTP answer to give.

    Attributes:
        http_status: the HTTP status to answer with.
        code: the gRPC status code of the problem (``google.rpc.Code``).
    """

    http_status: int = 500
    code: int = CODE_NAMES["INTERNAL"]

    def to_status(self) -> message.Message:
        """The problem as a ``google.rpc.Status`` (grpc-gateway's error body)."""
        status: message.Message = _status_pb2.Status(code=self.code, message=str(self))
        return status

    def to_response(self) -> HttpResponse:
        """The HTTP response to send: this error's status and its ``google.rpc.Status`` as JSON."""
        body = orjson.dumps(_status_json(self.to_status(), None))
        return HttpResponse(self.http_status, (("content-type", JSON_CONTENT_TYPE), *self._headers()), body)

    def _headers(self) -> tuple[tuple[str, str], ...]:
        return ()


class RouteNotFoundError(TranscodeError, LookupError):
    """No route's template matches the path (HTTP 404, NOT_FOUND).

    Attributes:
        verb: the request's HTTP method.
        path: the request path (without its query).
        suggestions: the closest routes (``"VERB /template"``), best first; may be empty.
    """

    http_status = 404
    code = CODE_NAMES["NOT_FOUND"]

    def __init__(self, verb: str, path: str, suggestions: Iterable[str] = ()) -> None:
        self.verb = verb
        self.path = path
        self.suggestions = tuple(suggestions)
        hint = f"; the closest routes are {', '.join(map(repr, self.suggestions))}" if self.suggestions else ""
        super().__init__(f"no route matches {verb} {path}{hint}")

    def __reduce__(self) -> tuple[type[RouteNotFoundError], tuple[str, str, tuple[str, ...]]]:
        return (type(self), (self.verb, self.path, self.suggestions))


class MethodNotAllowedError(TranscodeError):
    """Routes match the path, but none for this HTTP method (HTTP 405, UNIMPLEMENTED as in grpc-gateway).

    Attributes:
        verb: the request's HTTP method.
        path: the request path (without its query).
        allowed: the methods routes do serve for this path, sorted (the response's ``Allow`` header).
    """

    http_status = 405
    code = CODE_NAMES["UNIMPLEMENTED"]

    def __init__(self, verb: str, path: str, allowed: Iterable[str]) -> None:
        self.verb = verb
        self.path = path
        self.allowed = tuple(sorted(set(allowed)))
        super().__init__(f"{verb} is not allowed for {path}; allowed: {', '.join(self.allowed)}")

    def __reduce__(self) -> tuple[type[MethodNotAllowedError], tuple[str, str, tuple[str, ...]]]:
        return (type(self), (self.verb, self.path, self.allowed))

    def _headers(self) -> tuple[tuple[str, str], ...]:
        return (("allow", ", ".join(self.allowed)),)


class BadRequestError(TranscodeError, ValidationError):
    """The request reaches a route but cannot become its request message (HTTP 400, INVALID_ARGUMENT).

    It is also a :class:`~yc_contracts.ValidationError`: ``violations`` point (JSON Pointer) into the request
    message's REST JSON, and each message names the path variable, query parameter or header at fault.
    ``to_status()`` carries them as a ``google.rpc.BadRequest`` detail.

    Attributes:
        violations: every problem found, with rule ids from :data:`RULES` (``http.*``) or the ``json.*`` ids.
    """

    http_status = 400
    code = CODE_NAMES["INVALID_ARGUMENT"]

    def to_status(self) -> message.Message:
        """The problem as a ``google.rpc.Status`` with a ``google.rpc.BadRequest`` of field violations."""
        status: Any = super().to_status()
        bad_request = _error_details_pb2.BadRequest()
        with_reason = "reason" in _error_details_pb2.BadRequest.FieldViolation.DESCRIPTOR.fields_by_name
        for violation in self.violations:
            item = bad_request.field_violations.add(field=_dotted(violation.path), description=violation.message)
            if with_reason:
                item.reason = violation.rule.upper().replace(".", "_")
        detail = any_pb2.Any()
        detail.Pack(bad_request)
        status.details.append(detail)
        result: message.Message = status
        return result


def _dotted(path: str) -> str:
    """A JSON Pointer as a field path (``/a/b/0`` → ``a.b[0]``), the form ``google.rpc.BadRequest`` uses."""
    out = ""
    for raw in path.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out


# --------------------------------------------------------------------------------------------- matcher

_RouteMatch: TypeAlias = tuple["_CompiledRoute", tuple[str, ...]]


class _RouteTable:
    """A registry's routes, compiled once: templates, field bindings and an index by segment count."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.pool = registry.descriptor_pool
        self._names: dict[descriptor.Descriptor, dict[str, descriptor.FieldDescriptor]] = {}
        compiled = [_CompiledRoute(self, route) for route in registry.routes()]
        # sorted is stable with reverse=True too: equally specific routes keep their declaration order
        compiled.sort(key=lambda r: r.template.specificity, reverse=True)
        self.labels = tuple(str(r.route) for r in compiled)
        longest = max((len(r.template.segments) for r in compiled), default=0)
        # Candidates by segment count, then by the first segment (routes starting with a variable or wildcard
        # are in every list), each in specificity order.
        self._by_count: list[_Candidates] = []
        for count in range(longest + 1):
            fitting = [r for r in compiled if _fits(r.template, count)]
            firsts = {r.first for r in fitting if r.first is not None}
            by_first = {first: tuple(r for r in fitting if r.first in (first, None)) for first in firsts}
            self._by_count.append(_Candidates(tuple(fitting), by_first, tuple(r for r in fitting if r.first is None)))
        self._deep = tuple(r for r in compiled if r.template.has_deep_wildcard)

    def match(self, verb: str, path: str) -> _RouteMatch:
        try:
            parts = split_path(path)
        except EscapeError as e:
            raise BadRequestError([Violation("", "http.path_invalid", f"{e}")]) from None
        count = len(parts)
        if count >= len(self._by_count):
            candidates = self._deep
        else:
            index = self._by_count[count]
            if not count or "%" in parts[0]:  # an escaped first segment may still equal a literal
                candidates = index.every
            else:
                first = parts[0].partition(":")[0] if count == 1 else parts[0]  # a lone segment may end in :verb
                candidates = index.by_first.get(first, index.wildcard_first)
        allowed: list[str] = []
        verb_matched = False
        for candidate in candidates:  # templates with a :verb come first (see PathTemplate.specificity)
            if verb_matched and not candidate.template.verb:
                break  # the path's :verb is one a route defines: it never goes into a variable
            captured = candidate.template.match(parts)
            if captured is None:
                continue
            if candidate.verb == verb:
                return candidate, captured
            verb_matched = verb_matched or bool(candidate.template.verb)
            allowed.append(candidate.verb)
        if allowed:
            raise MethodNotAllowedError(verb, path, allowed)
        wanted = f"{verb} {path}"
        raise RouteNotFoundError(verb, path, difflib.get_close_matches(wanted, self.labels, n=3, cutoff=0.5))

    def names(self, desc: descriptor.Descriptor) -> dict[str, descriptor.FieldDescriptor]:
        """A message's fields by JSON name and by proto name."""
        found = self._names.get(desc)
        if found is None:
            found = {f.json_name: f for f in desc.fields}
            found.update({f.name: f for f in desc.fields})
            self._names[desc] = found
        return found


@dataclass(frozen=True, slots=True)
class _Candidates:
    """The routes that can match a path of one segment count: all, by first literal segment, and the routes
    whose first segment is a variable or wildcard (the candidates for a first segment no literal names)."""

    every: tuple[_CompiledRoute, ...]
    by_first: dict[str, tuple[_CompiledRoute, ...]]
    wildcard_first: tuple[_CompiledRoute, ...]


def _fits(template: PathTemplate, count: int) -> bool:
    if template.has_deep_wildcard:
        return count >= template.min_segments
    return count == len(template.segments)


_tables: weakref.WeakKeyDictionary[Registry, _RouteTable] = weakref.WeakKeyDictionary()
_tables_lock = threading.Lock()


def _table(registry: Registry) -> _RouteTable:
    found = _tables.get(registry)
    if found is None:
        with _tables_lock:
            found = _tables.get(registry)
            if found is None:
                found = _RouteTable(registry)
                _tables[registry] = found
    return found


# ------------------------------------------------------------------------------------- compiled routes

_Chain: TypeAlias = tuple[descriptor.FieldDescriptor, ...]

# Well-known types a single path or query value can spell; any other message must be set field by field.
_VALUE_WKTS: Final = frozenset(
    {"google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask", *_wkt.WRAPPERS}
)


class _CompiledRoute:
    """One route with its template parsed and every field path resolved against the request type."""

    def __init__(self, table: _RouteTable, route: Route) -> None:
        self.table = table
        self.route = route
        self.method = route.method
        self.verb = route.verb.upper()
        where = f"{route.method.full_name} ({route})"
        try:
            self.template = parse_template(route.path)
        except ContractError as e:
            raise ContractError(f"{where}: {e}") from e
        segments = self.template.segments
        # the first segment's literal text (without a :verb), for the matcher's index; None for a wildcard
        self.first = segments[0].text if segments and segments[0].kind == LITERAL else None
        self.request_desc = route.method.descriptor.input_type
        self.request_class = table.registry.message_class(self.request_desc.full_name)
        self.path_chains: tuple[_Chain, ...] = tuple(
            _chain(self.request_desc, v.field_path, where, variable=True) for v in self.template.variables
        )
        self.path_pointers = tuple(pointer(f.json_name for f in chain) for chain in self.path_chains)
        self.body_chain: _Chain = ()
        if route.body and route.body != "*":
            self.body_chain = _chain(self.request_desc, tuple(route.body.split(".")), where)
        if route.response_body:  # checked here, so a broken one fails before any call is made
            _chain(route.method.descriptor.output_type, tuple(route.response_body.split(".")), where)
        self.body_path = tuple(f.name for f in self.body_chain)
        bound = [tuple(f.name for f in chain) for chain in self.path_chains]
        if self.body_chain:
            bound.append(self.body_path)
        self.bound = tuple(bound)

    # ------------------------------------------------------------------------------------- binding

    def bind(
        self, captured: tuple[str, ...], params: list[tuple[str, str]], body: Any, errors: list[Violation]
    ) -> message.Message:
        payload = self._body_payload(body, errors)
        bindings = zip(self.template.variables, self.path_chains, self.path_pointers, captured, strict=True)
        for variable, chain, where, raw in bindings:
            try:
                text = unescape(raw, multi=variable.multi)
            except EscapeError as e:
                errors.append(Violation(where, "http.path_value", f"the path variable {variable.name!r}: {e}"))
                continue
            leaf = chain[-1]
            try:
                value: JsonValue = (
                    [_from_text(leaf, item) for item in text.split(",")] if leaf.is_repeated else _from_text(leaf, text)
                )
            except _BadValueError as e:
                errors.append(
                    Violation(where, "http.path_value", f"the path variable {variable.name!r} is {text!r}: {e}")
                )
                continue
            payload, previous = _insert(payload, chain, (), value, errors)
            if previous is not _ABSENT and previous is not None and not _same(leaf, previous, value):
                errors.append(
                    Violation(
                        where,
                        "http.path_body_conflict",
                        f"the path variable {variable.name!r} is {text!r} but the body gives "
                        f"{_short(previous)}; leave the field out of the body or make them equal",
                    )
                )
        if params:
            payload = self._bind_query(payload, params, errors)
        if errors:
            raise BadRequestError(errors)
        return self._to_message(payload)

    def _body_payload(self, body: Any, errors: list[Violation]) -> dict[str, JsonValue]:
        """The body as the start of the request's REST JSON object (``{}`` without one)."""
        if _is_absent(body):
            return {}
        if not self.route.body:
            errors.append(
                Violation(
                    "",
                    "http.body_not_allowed",
                    f"{self.route} takes no body; send the request's fields as path and query parameters",
                )
            )
            return {}
        value = _load_body(body, errors)
        if value is _ABSENT:
            return {}
        if self.route.body == "*":
            if not isinstance(value, dict):
                errors.append(
                    Violation(
                        "",
                        "http.body_invalid",
                        f"the body must be a JSON object (the whole {self.request_desc.full_name}), "
                        f"not {_json_kind(value)}",
                    )
                )
                return {}
            return value
        leaf = self.body_chain[-1]
        expected = _body_shape(leaf)
        if expected and _json_kind(value) != expected and value is not None:
            errors.append(
                Violation(
                    pointer(f.json_name for f in self.body_chain),
                    "http.body_invalid",
                    f"the body is the field {self.route.body!r} and must be {expected}, not {_json_kind(value)}",
                )
            )
            return {}
        payload, _ = _insert({}, self.body_chain, (), value, errors)
        return payload

    def _bind_query(
        self, payload: dict[str, JsonValue], params: list[tuple[str, str]], errors: list[Violation]
    ) -> dict[str, JsonValue]:
        grouped: dict[tuple[_Chain, str | None], list[tuple[str, str]]] = {}
        for name, text in params:
            try:
                target = self._resolve_param(name)
            except _BadParamError as e:
                errors.append(Violation(e.where, e.rule, str(e)))
                continue
            grouped.setdefault(target, []).append((name, text))
        oneofs: dict[tuple[_Chain, descriptor.OneofDescriptor], None] = {}
        for (chain, map_key), given in grouped.items():
            leaf = chain[-1]
            tail: tuple[str, ...] = () if map_key is None else (map_key,)
            try:
                value = _param_value(leaf, map_key, [text for _, text in given])
            except _BadValueError as e:
                shown = f" is {given[0][1]!r}" if len(given) == 1 else ""
                where = pointer([*(f.json_name for f in chain), *tail])
                errors.append(Violation(where, "http.query_value", f"the query parameter {given[0][0]!r}{shown}: {e}"))
                continue
            payload, _ = _insert(payload, chain, tail, value, errors)
            oneof = leaf.containing_oneof
            if oneof is not None and len(oneof.fields) > 1:
                oneofs[(chain[:-1], oneof)] = None
        for parent, oneof in oneofs:
            _check_oneof(payload, parent, oneof, errors)
        return payload

    def _resolve_param(self, name: str) -> tuple[_Chain, str | None]:
        """The field chain (and map key) a query parameter sets.

        Raises:
            _BadParamError: the name is no field path of the request, or names a field that no query
                parameter may set (bound by the path or body, a message, a repeated message…).
        """
        matched = _PARAM_KEY.fullmatch(name)
        if matched is None:
            raise _BadParamError("", "http.query_unknown", f"the query parameter {name!r} is not a field path")
        names, map_key = matched["path"].split("."), matched["key"]
        desc = self.request_desc
        chain: list[descriptor.FieldDescriptor] = []
        for i, part in enumerate(names):
            found = self.table.names(desc).get(part)
            if found is None:
                close = difflib.get_close_matches(part, [f.json_name for f in desc.fields], n=1, cutoff=0.6)
                hint = f"; did you mean {'.'.join([*names[:i], close[0]])!r}?" if close else ""
                raise _BadParamError(
                    pointer([*(f.json_name for f in chain), part]),
                    "http.query_unknown",
                    f"the query parameter {name!r} names no field of {desc.full_name}{hint}",
                )
            chain.append(found)
            if i < len(names) - 1:
                if found.message_type is None or found.is_repeated or found.message_type.full_name in _VALUE_WKTS:
                    raise _BadParamError(
                        pointer(f.json_name for f in chain),
                        "http.query_unknown",
                        f"the query parameter {name!r} goes into {part!r}, which is not a singular message",
                    )
                desc = found.message_type
        where = pointer(f.json_name for f in chain)
        proto_path = tuple(f.name for f in chain)
        if self.route.body == "*":
            raise _BadParamError(
                where,
                "http.query_bound",
                f"the query parameter {name!r} cannot be used: {self.route} takes the whole request in its body",
            )
        for bound in self.bound:
            if bound[: len(proto_path)] == proto_path[: len(bound)]:  # one is a prefix of the other
                by = "body" if bound == self.body_path else "path"
                raise _BadParamError(
                    where,
                    "http.query_bound",
                    f"the query parameter {name!r} sets {'.'.join(bound)!r}, which the {by} of {self.route} binds",
                )
        problem = _param_problem(chain[-1], map_key, matched["path"])
        if problem:
            raise _BadParamError(where, "http.query_unknown", f"the query parameter {name!r} {problem}")
        return tuple(chain), map_key

    def _to_message(self, payload: dict[str, JsonValue]) -> message.Message:
        """The request message from its REST JSON.

        For the contract's own registry, ``to_proto`` (which validates against the contract: every error
        becomes a violation of this BadRequestError); other registries have no published schemas, so their
        requests go through ``json_format`` over the registry's pool.
        """
        if self.table.registry is default_registry():
            from yc_contracts.conversion.protojson import to_proto

            try:
                return to_proto(self.request_desc.full_name, payload)
            except ValidationError as e:
                raise BadRequestError(list(e.violations)) from None
        request = self.request_class()
        try:
            json_format.ParseDict(payload, request, ignore_unknown_fields=False, descriptor_pool=self.table.pool)
        except json_format.ParseError as e:
            raise BadRequestError([_parse_error_violation(str(e))]) from None
        except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as e:
            raise BadRequestError(
                [Violation("", "http.body_invalid", f"the request is not valid REST JSON: {e}")]
            ) from None
        return request


class _BadValueError(Exception):
    """A path or query text that is not a value of its field (the message says why)."""


class _BadParamError(Exception):
    def __init__(self, where: str, rule: str, text: str) -> None:
        super().__init__(text)
        self.where = where
        self.rule = rule


_PARAM_KEY: Final = re.compile(r"(?P<path>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?:\[(?P<key>[^\]]*)\])?")


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


_ABSENT: Final = _Absent()


def _map_entry(f: descriptor.FieldDescriptor) -> tuple[descriptor.FieldDescriptor, descriptor.FieldDescriptor] | None:
    """A map field's key and value fields; ``None`` for other fields."""
    entry = f.message_type
    if entry is None or not entry.GetOptions().map_entry:
        return None
    return entry.fields_by_name["key"], entry.fields_by_name["value"]


def _param_problem(leaf: descriptor.FieldDescriptor, map_key: str | None, path: str) -> str:
    """Why no query parameter can set ``leaf`` (with ``map_key``, if given); ``""`` when one can."""
    entry = _map_entry(leaf)
    if map_key is not None:
        if entry is None:
            return f"gives a key, but {leaf.json_name!r} is not a map"
        value_type = entry[1].message_type
        if value_type is not None and value_type.full_name not in _VALUE_WKTS:
            return f"sets an entry of {leaf.json_name!r}, whose values are messages"
        return ""
    if entry is not None:
        return f"names a map; give each entry as {path}[key]=value"
    if leaf.message_type is not None and leaf.message_type.full_name not in _VALUE_WKTS:
        if leaf.is_repeated or leaf.message_type.full_name.startswith("google.protobuf."):
            kind = "repeated message" if leaf.is_repeated else leaf.message_type.full_name
            return f"names a {kind} field, which query parameters cannot set"
        example = next((f.json_name for f in leaf.message_type.fields), "field")
        return (
            f"names a message ({leaf.message_type.full_name}) that no single value can spell; "
            f"set its fields instead, e.g. '{path}.{example}'"
        )
    return ""


def _param_value(leaf: descriptor.FieldDescriptor, map_key: str | None, texts: list[str]) -> JsonValue:
    """The REST JSON value the texts of one query parameter (all its repetitions) give a field.

    Raises:
        _BadValueError: a text is not a value of the field, or a singular field (map entry) is repeated.
    """
    if leaf.is_repeated and map_key is None:
        return [_from_text(leaf, text) for text in texts]
    if len(texts) > 1:
        raise _BadValueError(f"it is given {len(texts)} times; the field takes one value")
    entry = _map_entry(leaf)
    if map_key is not None and entry is not None:
        _from_text(entry[0], map_key)
        return _from_text(entry[1], texts[0])
    return _from_text(leaf, texts[0])


def _chain(desc: descriptor.Descriptor, names: tuple[str, ...], where: str, *, variable: bool = False) -> _Chain:
    """Resolve a field path of a rule (proto names) to field descriptors.

    Raises:
        ContractError: a name is not a field, the path goes through a repeated, map or scalar field, or (for a
            path variable) ends at a map or at a message no single value can spell.
    """
    chain: list[descriptor.FieldDescriptor] = []
    for i, name in enumerate(names):
        found = desc.fields_by_name.get(name)
        if found is None:
            raise ContractError(f"{where}: {desc.full_name} has no field {name!r} (in {'.'.join(names)!r})")
        chain.append(found)
        if i < len(names) - 1:
            if found.message_type is None or found.is_repeated:
                raise ContractError(f"{where}: {'.'.join(names)!r} goes through {name!r}, not a singular message")
            desc = found.message_type
    last = chain[-1]
    if (
        variable
        and last.message_type is not None
        and (last.message_type.GetOptions().map_entry or last.message_type.full_name not in _VALUE_WKTS)
    ):
        raise ContractError(f"{where}: the path variable {'.'.join(names)!r} is a map or message field")
    return tuple(chain)


def _body_shape(f: descriptor.FieldDescriptor) -> str:
    """The JSON kind a body field's value must have (``""`` when several may do, as for well-known types)."""
    if _map_entry(f) is not None:
        return "an object"
    if f.is_repeated:
        return "an array"
    if f.message_type is not None and not _wkt.is_well_known(f.message_type.full_name):
        return "an object"
    return ""


def _is_absent(body: Any) -> bool:
    if body is None:
        return True
    if isinstance(body, str):
        return not body.strip()
    if isinstance(body, (bytes, bytearray, memoryview)):
        return not bytes(body).strip()
    return isinstance(body, Mapping) and not body


def _load_body(body: Any, errors: list[Violation]) -> JsonValue:
    """The body as JSON values (``_ABSENT`` after recording why it cannot be read)."""
    if isinstance(body, (str, bytes, bytearray, memoryview)):
        loaded = _payload.load_text(body)
        if loaded.violations:
            errors.extend(loaded.violations)
            return _ABSENT
        value = loaded.value
    elif isinstance(body, Mapping):
        value = body if isinstance(body, dict) else dict(body)
    else:
        raise TypeError(f"body must be bytes, str, a mapping or None, not {type(body).__name__}")
    if not _payload.fast_check(value):
        found = _payload.scan(value)
        if found:
            errors.extend(found)
            return _ABSENT
    return value


def _insert(
    payload: dict[str, JsonValue], chain: _Chain, tail: tuple[str, ...], value: JsonValue, errors: list[Violation]
) -> tuple[dict[str, JsonValue], JsonValue]:
    """``payload`` with ``value`` set at ``chain`` (then the map key in ``tail``), and what was there before.

    Dicts on the way are copied, never changed in place (the body may be the caller's own object). Keys already
    spelled with a field's proto name keep that spelling.
    """
    root: dict[str, JsonValue] = dict(payload)
    node = root
    keys: list[str] = []
    steps: list[tuple[str, Any]] = [(f.json_name, f) for f in chain] + [(k, None) for k in tail]
    for i, (json_name, f) in enumerate(steps):
        key = json_name if f is None or json_name in node or f.name not in node else f.name
        keys.append(key)
        if i == len(steps) - 1:
            previous = node.get(key, _ABSENT)
            node[key] = value
            return root, previous
        child = node.get(key)
        if child is None:
            child = {}
        elif not isinstance(child, dict):
            errors.append(
                Violation(pointer(keys), "http.body_invalid", f"this must be a JSON object, not {_json_kind(child)}")
            )
            return root, _ABSENT
        else:
            child = dict(child)
        node[key] = child
        node = child
    return root, _ABSENT


def _check_oneof(
    payload: dict[str, JsonValue], parent: _Chain, oneof: descriptor.OneofDescriptor, errors: list[Violation]
) -> None:
    node: Any = payload
    for f in parent:
        node = node.get(f.json_name, node.get(f.name)) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return
    present = [f for f in oneof.fields if node.get(f.json_name, node.get(f.name)) is not None]
    if len(present) > 1:
        names = " and ".join(repr(f.json_name) for f in present)
        errors.append(
            Violation(
                pointer([*(f.json_name for f in parent), present[-1].json_name]),
                "http.query_value",
                f"the query parameters set {names}, members of the oneof {oneof.name!r}; give at most one of them",
            )
        )


# --------------------------------------------------------------------------------- text → JSON values

_INT_TEXT: Final = re.compile(r"[+-]?[0-9]+")
_FLOAT_TEXT: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_FLOAT_SPECIAL: Final = frozenset({"NaN", "Infinity", "-Infinity"})
_INT_RANGES: Final = {
    _FD.TYPE_INT32: (-(2**31), 2**31 - 1, False),
    _FD.TYPE_SINT32: (-(2**31), 2**31 - 1, False),
    _FD.TYPE_SFIXED32: (-(2**31), 2**31 - 1, False),
    _FD.TYPE_UINT32: (0, 2**32 - 1, False),
    _FD.TYPE_FIXED32: (0, 2**32 - 1, False),
    _FD.TYPE_INT64: (-(2**63), 2**63 - 1, True),
    _FD.TYPE_SINT64: (-(2**63), 2**63 - 1, True),
    _FD.TYPE_SFIXED64: (-(2**63), 2**63 - 1, True),
    _FD.TYPE_UINT64: (0, 2**64 - 1, True),
    _FD.TYPE_FIXED64: (0, 2**64 - 1, True),
}
_TIMESTAMP: Final = re.compile(_wkt.TIMESTAMP_PATTERN)
_DURATION: Final = re.compile(_wkt.DURATION_PATTERN)
_FIELD_PATH: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def _from_text(f: descriptor.FieldDescriptor, text: str) -> JsonValue:
    """The REST JSON value a path or query text spells for one (item of a) field.

    Raises:
        _BadValueError: the text is not a value of the field's type.
    """
    if f.message_type is not None:
        return _wkt_from_text(f.message_type, text)
    kind = f.type
    if kind == _FD.TYPE_STRING:
        return text
    if kind in _INT_RANGES:
        low, high, as_string = _INT_RANGES[kind]
        if not _INT_TEXT.fullmatch(text):
            raise _BadValueError(f"expected an integer ({_type_name(f)})")
        if len(text) > 40:  # beyond every integer type, and int() refuses more than 4,300 digits
            raise _BadValueError(f"it is out of the {_type_name(f)} range [{low}, {high}]")
        number = int(text)
        if not low <= number <= high:
            raise _BadValueError(f"it is out of the {_type_name(f)} range [{low}, {high}]")
        return str(number) if as_string else number
    if kind == _FD.TYPE_BOOL:
        if text not in ("true", "false"):
            raise _BadValueError("expected true or false")
        return text == "true"
    if kind == _FD.TYPE_ENUM:
        enum = enum_of(f)
        by_name = enum.values_by_name.get(text)
        if by_name is not None:
            return by_name.name
        if len(text) <= 40 and _INT_TEXT.fullmatch(text) and int(text) in enum.values_by_number:
            return enum.values_by_number[int(text)].name
        names = ", ".join(v.name for v in enum.values)
        raise _BadValueError(f"expected a value of {enum.full_name}: {names} (or its number)")
    if kind in (_FD.TYPE_DOUBLE, _FD.TYPE_FLOAT):
        if text in _FLOAT_SPECIAL:
            return text
        if not _FLOAT_TEXT.fullmatch(text):
            raise _BadValueError(f"expected a number ({_type_name(f)})")
        real = float(text)
        # A float field takes what the schemas take: up to 3.4028235e38, FLT_MAX as ProtoJSON prints it. Values
        # between FLT_MAX and that round to FLT_MAX, so they are passed on as FLT_MAX, which every reader of
        # the JSON (json_format among them) accepts.
        limit = FLOAT_MAX if kind == _FD.TYPE_FLOAT else math.inf
        if not math.isfinite(real) or abs(real) > limit:
            raise _BadValueError(f"it is out of the {_type_name(f)} range")
        return math.copysign(FLT_MAX, real) if abs(real) > FLT_MAX and kind == _FD.TYPE_FLOAT else real
    if kind == _FD.TYPE_BYTES:
        checked = _base64.inspect(text)
        if not checked.valid:
            raise _BadValueError(f"expected base64: {checked.problem}")
        return text
    raise _BadValueError(f"a {_type_name(f)} field cannot be given as text")  # pragma: no cover - groups only


def _wkt_from_text(desc: descriptor.Descriptor, text: str) -> JsonValue:
    name = desc.full_name
    if name in _wkt.WRAPPERS:
        return _from_text(desc.fields_by_name["value"], text)
    if name == "google.protobuf.Timestamp":
        if not _TIMESTAMP.fullmatch(text):
            raise _BadValueError("expected an RFC 3339 timestamp such as 2026-11-20T10:00:00Z")
        return text
    if name == "google.protobuf.Duration":
        if not _DURATION.fullmatch(text):
            raise _BadValueError("expected a duration in seconds with an s suffix, such as 1.5s")
        return text
    if name == "google.protobuf.FieldMask":
        paths = [p for p in text.split(",") if p]
        if not all(_FIELD_PATH.fullmatch(p) for p in paths):
            raise _BadValueError("expected comma-separated field paths such as title,sizeBytes")
        return ",".join(".".join(_camel(part) for part in p.split(".")) for p in paths)
    raise _BadValueError(f"a {name} cannot be given as one value")  # _chain and _resolve_param keep them out


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _type_name(f: descriptor.FieldDescriptor) -> str:
    return _TYPE_NAMES.get(f.type, "group")


_TYPE_NAMES: Final = {
    _FD.TYPE_DOUBLE: "double",
    _FD.TYPE_FLOAT: "float",
    _FD.TYPE_INT64: "int64",
    _FD.TYPE_UINT64: "uint64",
    _FD.TYPE_INT32: "int32",
    _FD.TYPE_FIXED64: "fixed64",
    _FD.TYPE_FIXED32: "fixed32",
    _FD.TYPE_BOOL: "bool",
    _FD.TYPE_STRING: "string",
    _FD.TYPE_BYTES: "bytes",
    _FD.TYPE_UINT32: "uint32",
    _FD.TYPE_SFIXED32: "sfixed32",
    _FD.TYPE_SFIXED64: "sfixed64",
    _FD.TYPE_SINT32: "sint32",
    _FD.TYPE_SINT64: "sint64",
}


def _canonical(f: descriptor.FieldDescriptor, value: JsonValue) -> object:
    """A value comparable across REST JSON spellings (``5`` and ``"5"``, an enum's name and number, base64
    alphabets); ``_ABSENT`` when ``value`` is not a value of the field at all."""
    if f.message_type is not None:
        if f.message_type.full_name in _wkt.WRAPPERS:
            return _canonical(f.message_type.fields_by_name["value"], value)
        return value
    kind = f.type
    if isinstance(value, bool) and kind != _FD.TYPE_BOOL:
        return _ABSENT
    try:
        if kind in _INT_RANGES:
            if isinstance(value, float) and value.is_integer():
                return int(value)
            return int(value) if isinstance(value, int) or _INT_TEXT.fullmatch(str(value)) else _ABSENT
        if kind in (_FD.TYPE_DOUBLE, _FD.TYPE_FLOAT):
            return float(value) if isinstance(value, (int, float, str)) else _ABSENT
        if kind == _FD.TYPE_ENUM:
            if isinstance(value, str):
                found = enum_of(f).values_by_name.get(value)
                return _ABSENT if found is None else found.number
            return value if isinstance(value, int) else _ABSENT
        if kind == _FD.TYPE_BYTES:
            if not isinstance(value, str) or not _base64.inspect(value).valid:
                return _ABSENT
            return _base64.decode(value)
    except (ValueError, OverflowError):
        return _ABSENT
    return value


def _same(f: descriptor.FieldDescriptor, left: JsonValue, right: JsonValue) -> bool:
    if f.is_repeated:
        if not isinstance(left, list) or not isinstance(right, list) or len(left) != len(right):
            return False
        return all(_same_item(f, a, b) for a, b in zip(left, right, strict=True))
    return _same_item(f, left, right)


def _same_item(f: descriptor.FieldDescriptor, left: JsonValue, right: JsonValue) -> bool:
    a, b = _canonical(f, left), _canonical(f, right)
    return a is not _ABSENT and a == b


def _json_kind(value: JsonValue) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "null"


def _short(value: JsonValue) -> str:
    text = orjson.dumps(value).decode() if _payload.fast_check(value) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ------------------------------------------------------------------------------- json_format's errors

_FAILED_FIELD: Final = re.compile(r"Failed to parse (\S+) field: ")
_NO_FIELD: Final = re.compile(r'has no field named "([^"]+)"')
_AT: Final = re.compile(r' at "?([A-Za-z_][A-Za-z0-9_.\[\]]*)"?')
_AT_PART: Final = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _parse_error_violation(text: str) -> Violation:
    """A violation from a ``json_format.ParseError``: its path recovered from the message, best effort."""
    text = text.split("\n", 1)[0]
    parts: list[object] = []
    while matched := _FAILED_FIELD.match(text):
        parts.append(matched[1])
        text = text[matched.end() :]
    at = _AT.search(text)
    if at is not None:
        located: list[object] = []
        for name, index in _AT_PART.findall(at[1]):
            located.append(int(index) if index else name)
        if len(located) - 1 >= len(parts):
            parts = located[1:]  # the first name is the root message's
        text = text[: at.start()] + text[at.end() :]
    missing = _NO_FIELD.search(text)
    if missing is not None:
        parts.append(missing[1])
    detail = text.rstrip(".").rstrip() or "it cannot be read"
    return Violation(pointer(parts), "http.body_invalid", f"the request is not valid REST JSON: {detail}")


# ------------------------------------------------------------------------------------------- metadata

FORWARDED_HEADERS: Final = frozenset(
    {
        "authorization",
        "x-folder-id",
        "x-client-request-id",
        "x-data-logging-enabled",
        "x-request-id",
        "x-client-trace-id",
        "idempotency-key",
        "x-forwarded-for",
    }
)
"""Headers that become gRPC metadata of the same (lower-case) name; others need the ``Grpc-Metadata-`` prefix."""

METADATA_PREFIX: Final = "grpc-metadata-"
# Names gRPC itself sets or that only make sense hop by hop: never metadata, not even through the prefix.
_NEVER_METADATA: Final = frozenset(
    {
        "connection",
        "content-length",
        "content-type",
        "host",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
    }
)
_METADATA_KEY: Final = re.compile(r"[0-9a-z_.-]+")
_METADATA_VALUE: Final = re.compile(r"[\x20-\x7e]*")


def _metadata(headers: Mapping[str, str] | None, errors: list[Violation]) -> Metadata:
    if not headers:
        return ()
    found: list[tuple[str, str | bytes]] = []
    for raw_name, raw_value in headers.items():
        if not isinstance(raw_name, str) or not isinstance(raw_value, str):
            raise TypeError(f"headers must map str to str, got {raw_name!r}: {type(raw_value).__name__}")
        name = raw_name.strip().lower()
        if name in FORWARDED_HEADERS:
            key = name
        elif name.startswith(METADATA_PREFIX):
            key = name[len(METADATA_PREFIX) :]
            if not _METADATA_KEY.fullmatch(key) or key.startswith("grpc-") or key in _NEVER_METADATA:
                errors.append(
                    Violation(
                        "",
                        "http.header_invalid",
                        f"the header {raw_name!r} cannot become gRPC metadata {key!r}: metadata names are "
                        "lower-case letters, digits, '-', '_' and '.', and not reserved by gRPC or HTTP",
                    )
                )
                continue
        else:
            continue
        value = raw_value.strip()
        if key.endswith("-bin"):
            try:
                found.append((key, _decode_binary(value)))
            except ValueError:
                errors.append(
                    Violation(
                        "", "http.header_invalid", f"the header {raw_name!r} is binary metadata and is not base64"
                    )
                )
            continue
        if not _METADATA_VALUE.fullmatch(value):
            errors.append(
                Violation(
                    "",
                    "http.header_invalid",
                    f"the header {raw_name!r} has characters gRPC metadata cannot carry (printable ASCII only)",
                )
            )
            continue
        found.append((key, value))
    return tuple(found)


def _decode_binary(text: str) -> bytes:
    checked = _base64.inspect(text)
    if not checked.valid:
        raise ValueError(checked.problem)
    return _base64.decode(text)


# ------------------------------------------------------------------------------------------ transcode


def transcode(
    http_method: str,
    path: str,
    *,
    query: Mapping[str, str | Sequence[str]] | str | None = None,
    body: bytes | str | Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    registry: Registry | None = None,
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
    table = _table(reg)
    raw_path, _, raw_query = path.partition("?")
    verb = http_method.strip().upper()
    route, captured = table.match(verb, raw_path)
    errors: list[Violation] = []
    params = _query_params(raw_query, errors)
    if query is not None:
        params += _query_params(query, errors)
    metadata = _metadata(headers, errors)
    request = route.bind(captured, params, body, errors)
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


# ------------------------------------------------------------------------------------------- marshaler


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
        except _MarshalError as e:
            return _error_response(e.status)
        return HttpResponse(200, (("content-type", JSON_CONTENT_TYPE),), body)
    status = _status_of(result, pool)
    if status is None:
        raise TypeError(
            f"expected a {call.response_type} message, a google.rpc.Status or an RpcError, got {_describe(result)}"
        )
    return _error_response(status)


_StatusJson: TypeAlias = dict[str, Any]


class _MarshalError(Exception):
    def __init__(self, status: _StatusJson) -> None:
        super().__init__(status["message"])
        self.status = status


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
            except _MarshalError as e:
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
    """The REST JSON of a response message, or of its ``response_body`` field."""
    try:
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
    except (TypeError, KeyError, ValueError, AttributeError, json_format.Error) as e:
        raise _MarshalError(
            {"code": CODE_NAMES["UNKNOWN"], "message": f"cannot marshal the response: {e}", "details": []}
        ) from e


def _status_of(obj: object, pool: descriptor_pool.DescriptorPool | None = None) -> _StatusJson | None:
    """``obj`` as Status JSON if it is a ``google.rpc.Status`` or an RpcError-like object, else ``None``."""
    if isinstance(obj, message.Message):
        if obj.DESCRIPTOR.full_name != "google.rpc.Status":
            return None
        return _status_json(obj, pool)
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
                    rich = _status_pb2.Status.FromString(value)
                except message.DecodeError:
                    break
                if rich.code == code:
                    status = _status_json(rich, pool)
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


def _status_json(status: Any, pool: descriptor_pool.DescriptorPool | None) -> _StatusJson:
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
