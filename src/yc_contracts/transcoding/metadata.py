"""The request headers that become gRPC metadata: an allow-list, plus ``Grpc-Metadata-*``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from yc_contracts.transcoding.calls import Metadata
from yc_contracts.validation import base64_text as _base64
from yc_contracts.validation.violations import Violation

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


def request_metadata(headers: Mapping[str, str] | None, errors: list[Violation]) -> Metadata:
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
