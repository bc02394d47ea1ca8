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
