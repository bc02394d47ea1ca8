"""Where each service of the contract is served: the documented gRPC endpoints (TLS on port 443).

The table is the ``endpoints.by_service`` section of the reference wire contract, which
``tests/unit/test_wire_contract.py`` compares it with. STT v2 is split by method: its asynchronous
``LongRunningRecognize`` lives on ``transcribe.api.cloud.yandex.net`` and its streaming method on
``stt.api.cloud.yandex.net``, so its keys are ``<service>/<method>``.

The authoritative live list is the endpoint registry (``yandex.cloud.endpoint.ApiEndpointService/List`` at
``api.cloud.yandex.net:443``); these are its documented values, so nothing here needs the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

DOCUMENTED_ENDPOINTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "yandex.cloud.ai.ocr.v1.TextRecognitionService": "ocr.api.cloud.yandex.net:443",
        "yandex.cloud.ai.ocr.v1.TextRecognitionAsyncService": "ocr.api.cloud.yandex.net:443",
        "yandex.cloud.ai.stt.v2.SttService/LongRunningRecognize": "transcribe.api.cloud.yandex.net:443",
        "yandex.cloud.ai.stt.v2.SttService/StreamingRecognize": "stt.api.cloud.yandex.net:443",
        "speechkit.stt.v3.Recognizer": "stt.api.cloud.yandex.net:443",
        "speechkit.stt.v3.AsyncRecognizer": "stt.api.cloud.yandex.net:443",
        "yandex.cloud.operation.OperationService": "operation.api.cloud.yandex.net:443",
    }
)
"""``HOST:PORT`` by service full name, or by ``<service full name>/<method name>`` where a service's methods
are served from different hosts."""


DOCUMENTED_REST_BASES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "yandex.cloud.ai.ocr.v1.TextRecognitionService": "https://ocr.api.cloud.yandex.net",
        "yandex.cloud.ai.ocr.v1.TextRecognitionAsyncService": "https://ocr.api.cloud.yandex.net",
        "yandex.cloud.ai.stt.v2.SttService/LongRunningRecognize": "https://transcribe.api.cloud.yandex.net",
        "speechkit.stt.v3.AsyncRecognizer": "https://stt.api.cloud.yandex.net",
        "yandex.cloud.operation.OperationService": "https://operation.api.cloud.yandex.net",
    }
)
"""The documented REST base URL by service (or ``<service>/<method>``): where its ``google.api.http`` routes are."""

IAM_TOKEN_URL: Final = "https://iam.api.cloud.yandex.net/iam/v1/tokens"
"""Where a service account's signed JWT is exchanged for an IAM token (also the JWT's audience)."""


def documented_rest_base(service: str, method: str | None = None) -> str | None:
    """The documented REST base URL of a method or service, or ``None``."""
    if method is not None:
        found = DOCUMENTED_REST_BASES.get(f"{service}/{method}")
        if found is not None:
            return found
    return DOCUMENTED_REST_BASES.get(service)


def documented_endpoint(service: str, method: str | None = None) -> str | None:
    """The documented ``HOST:PORT`` of a method (``method`` is its short name) or a whole service, or ``None``.

    >>> documented_endpoint("yandex.cloud.ai.stt.v2.SttService", "LongRunningRecognize")
    'transcribe.api.cloud.yandex.net:443'
    """
    if method is not None:
        found = DOCUMENTED_ENDPOINTS.get(f"{service}/{method}")
        if found is not None:
            return found
    return DOCUMENTED_ENDPOINTS.get(service)
