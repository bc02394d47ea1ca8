"""The transcoder's errors (404, 405, 400 and their base) and the rule ids of a 400's violations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final

import orjson
from google.protobuf import any_pb2, message

from yc_contracts.contract.errors import YcContractsError
from yc_contracts.transcoding.calls import JSON_CONTENT_TYPE, HttpResponse
from yc_contracts.transcoding.marshal import status_json
from yc_contracts.transcoding.status import CODE_NAMES, bad_request, status_pb2
from yc_contracts.validation.violations import ValidationError

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
        status: message.Message = status_pb2.Status(code=self.code, message=str(self))
        return status

    def to_response(self) -> HttpResponse:
        """The HTTP response to send: this error's status and its ``google.rpc.Status`` as JSON."""
        body = orjson.dumps(status_json(self.to_status(), None))
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
        detail = any_pb2.Any()
        detail.Pack(bad_request(self.violations))
        status.details.append(detail)
        result: message.Message = status
        return result
