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

from yc_contracts._version import __version__
from yc_contracts.contract.errors import ContractError, MissingDependencyError, UnknownNameError, YcContractsError

if TYPE_CHECKING:
    from yc_contracts.contract.registry import (
        HttpRule,
        MessageRef,
        Method,
        OperationTypes,
        Registry,
        Route,
        Service,
    )
    from yc_contracts.conversion.protojson import (
        ConversionError,
        StreamError,
        from_stream,
        to_json,
        to_ndjson,
        to_proto,
        to_rest,
    )
    from yc_contracts.schema.store import openapi, schema_for, schema_registry
    from yc_contracts.transcoding.calls import GrpcCall, HttpResponse
    from yc_contracts.transcoding.errors import (
        BadRequestError,
        MethodNotAllowedError,
        RouteNotFoundError,
        TranscodeError,
    )
    from yc_contracts.transcoding.marshal import transcode_response
    from yc_contracts.transcoding.status import http_status
    from yc_contracts.transcoding.transcoder import transcode
    from yc_contracts.validation.validator import check, iter_violations, validate
    from yc_contracts.validation.violations import ValidationError, Violation

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
    "to_rest": "yc_contracts.conversion.protojson",
    "to_proto": "yc_contracts.conversion.protojson",
    "to_ndjson": "yc_contracts.conversion.protojson",
    "to_json": "yc_contracts.conversion.protojson",
    "from_stream": "yc_contracts.conversion.protojson",
    "StreamError": "yc_contracts.conversion.protojson",
    "ConversionError": "yc_contracts.conversion.protojson",
    "HttpRule": "yc_contracts.contract.registry",
    "MessageRef": "yc_contracts.contract.registry",
    "Method": "yc_contracts.contract.registry",
    "OperationTypes": "yc_contracts.contract.registry",
    "Registry": "yc_contracts.contract.registry",
    "Route": "yc_contracts.contract.registry",
    "Service": "yc_contracts.contract.registry",
    "openapi": "yc_contracts.schema.store",
    "schema_for": "yc_contracts.schema.store",
    "schema_registry": "yc_contracts.schema.store",
    "GrpcCall": "yc_contracts.transcoding.calls",
    "HttpResponse": "yc_contracts.transcoding.calls",
    "BadRequestError": "yc_contracts.transcoding.errors",
    "MethodNotAllowedError": "yc_contracts.transcoding.errors",
    "RouteNotFoundError": "yc_contracts.transcoding.errors",
    "TranscodeError": "yc_contracts.transcoding.errors",
    "transcode_response": "yc_contracts.transcoding.marshal",
    "http_status": "yc_contracts.transcoding.status",
    "transcode": "yc_contracts.transcoding.transcoder",
    "check": "yc_contracts.validation.validator",
    "iter_violations": "yc_contracts.validation.validator",
    "validate": "yc_contracts.validation.validator",
    "ValidationError": "yc_contracts.validation.violations",
    "Violation": "yc_contracts.validation.violations",
}


def __getattr__(name: str) -> Any:
    if name == "registry":
        from yc_contracts.contract.registry import default_registry

        value: Any = default_registry()
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'yc_contracts' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
