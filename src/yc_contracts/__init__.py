"""yc-contracts: the protocol contract for Yandex Cloud's asynchronous recognition APIs.

Vision OCR v1 (``TextRecognitionAsyncService``), SpeechKit STT v2 (``SttService.LongRunningRecognize``),
SpeechKit STT v3 (``speechkit.stt.v3.AsyncRecognizer``) and the ``yandex.cloud.operation`` service, as
wire-identical protos with generated code kept in a private descriptor pool (so the package coexists with the
official ``yandexcloud`` SDK), and a registry to look everything up by name::

    >>> import yc_contracts
    >>> yc_contracts.registry.method("speechkit.stt.v3.AsyncRecognizer.RecognizeFile").grpc_path
    '/speechkit.stt.v3.AsyncRecognizer/RecognizeFile'

Attributes are loaded on first use, so ``import yc_contracts`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from yc_contracts._errors import ContractError, MissingDependencyError, UnknownNameError, YcContractsError
from yc_contracts._version import __version__

if TYPE_CHECKING:
    from yc_contracts._convert import ConversionError, StreamError, from_stream, to_json, to_ndjson, to_proto, to_rest
    from yc_contracts._registry import (
        HttpRule,
        MessageRef,
        Method,
        OperationTypes,
        Registry,
        Route,
        Service,
    )
    from yc_contracts._schema_store import openapi, schema_for, schema_registry
    from yc_contracts._transcode import (
        BadRequestError,
        GrpcCall,
        HttpResponse,
        MethodNotAllowedError,
        RouteNotFoundError,
        TranscodeError,
        http_status,
        transcode,
        transcode_response,
    )
    from yc_contracts._validator import check, iter_violations, validate
    from yc_contracts._violations import ValidationError, Violation

    registry: Registry

__all__ = [
    "BadRequestError",
    "ContractError",
    "ConversionError",
    "GrpcCall",
    "HttpResponse",
    "HttpRule",
    "MessageRef",
    "Method",
    "MethodNotAllowedError",
    "MissingDependencyError",
    "OperationTypes",
    "Registry",
    "Route",
    "RouteNotFoundError",
    "Service",
    "StreamError",
    "TranscodeError",
    "UnknownNameError",
    "ValidationError",
    "Violation",
    "YcContractsError",
    "__version__",
    "check",
    "from_stream",
    "http_status",
    "iter_violations",
    "openapi",
    "registry",
    "schema_for",
    "schema_registry",
    "to_json",
    "to_ndjson",
    "to_proto",
    "to_rest",
    "transcode",
    "transcode_response",
    "validate",
]

_LAZY = {
    "to_rest": "yc_contracts._convert",
    "to_proto": "yc_contracts._convert",
    "to_ndjson": "yc_contracts._convert",
    "to_json": "yc_contracts._convert",
    "from_stream": "yc_contracts._convert",
    "StreamError": "yc_contracts._convert",
    "ConversionError": "yc_contracts._convert",
    "HttpRule": "yc_contracts._registry",
    "MessageRef": "yc_contracts._registry",
    "Method": "yc_contracts._registry",
    "OperationTypes": "yc_contracts._registry",
    "Registry": "yc_contracts._registry",
    "Route": "yc_contracts._registry",
    "Service": "yc_contracts._registry",
    "openapi": "yc_contracts._schema_store",
    "schema_for": "yc_contracts._schema_store",
    "schema_registry": "yc_contracts._schema_store",
    "BadRequestError": "yc_contracts._transcode",
    "GrpcCall": "yc_contracts._transcode",
    "HttpResponse": "yc_contracts._transcode",
    "MethodNotAllowedError": "yc_contracts._transcode",
    "RouteNotFoundError": "yc_contracts._transcode",
    "TranscodeError": "yc_contracts._transcode",
    "http_status": "yc_contracts._transcode",
    "transcode": "yc_contracts._transcode",
    "transcode_response": "yc_contracts._transcode",
    "check": "yc_contracts._validator",
    "iter_violations": "yc_contracts._validator",
    "validate": "yc_contracts._validator",
    "ValidationError": "yc_contracts._violations",
    "Violation": "yc_contracts._violations",
}


def __getattr__(name: str) -> Any:
    if name == "registry":
        from yc_contracts._registry import default_registry

        value: Any = default_registry()
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'yc_contracts' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
