"""The values transcoding deals in: the gRPC call a request becomes, the HTTP response, content types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias

from google.protobuf import message

from yc_contracts.contract.registry import Method, Registry, Route

JsonValue: TypeAlias = Any
Metadata: TypeAlias = tuple[tuple[str, str | bytes], ...]


JSON_CONTENT_TYPE: Final = "application/json"
NDJSON_CONTENT_TYPE: Final = "application/x-ndjson"


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
    registry: Registry | None = field(default=None, repr=False, compare=False)
    """The registry the call was transcoded over (its ``any_pool`` prints an upstream's ``Any`` it lacks)."""
