"""gRPC status codes and the HTTP status each one maps to (grpc-gateway's ``runtime/errors.go``)."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from yc_contracts.validation.violations import Violation

# google.rpc.Code: imported through importlib, as the registry does (googleapis-common-protos has no py.typed).
status_pb2: Any = importlib.import_module("google.rpc.status_pb2")
error_details_pb2: Any = importlib.import_module("google.rpc.error_details_pb2")


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

CODE_BY_NUMBER: Final[Mapping[int, str]] = MappingProxyType({number: name for name, number in CODE_NAMES.items()})
"""``google.rpc.Code`` names by number."""

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


def bad_request(violations: Iterable[Violation]) -> Any:
    """A ``google.rpc.BadRequest`` with one field violation per violation, as the gateway and the emulator send
    it: ``field`` is the JSON Pointer into the request's REST JSON (what ``check`` and the CLI print),
    ``description`` the sentence, ``reason`` the rule id (docs/rules.md; on runtimes whose ``FieldViolation``
    has the field)."""
    detail = error_details_pb2.BadRequest()
    with_reason = "reason" in error_details_pb2.BadRequest.FieldViolation.DESCRIPTOR.fields_by_name
    for violation in violations:
        item = detail.field_violations.add(field=violation.path, description=violation.message)
        if with_reason:
            item.reason = violation.rule
    return detail
