"""Clients of the four services that validate before sending and wait for results: :class:`Client` (sync) and
:class:`AsyncClient` (asyncio), over gRPC or REST.

>>> from yc_contracts.client import Client
>>> with Client(api_key="…", endpoint=emu.grpc_target) as client:  # doctest: +SKIP
...     op = client.stt_v3.recognize_file({"uri": "https://storage.yandexcloud.net/bucket/a.ogg", …})
...     results = op.result(timeout=600)

docs/client.md has the whole story and how it compares with the official SDKs.
"""

from __future__ import annotations

from yc_contracts.client.auth import ApiKey, AuthError, IamToken, ServiceAccountKey
from yc_contracts.client.core import AsyncClient, AsyncOperation
from yc_contracts.client.retry import (
    DEFAULT_POLLING,
    DEFAULT_RETRY,
    NO_RETRY,
    Backoff,
    MessageTooLargeError,
    OperationError,
    OperationTimeoutError,
    Retry,
    RpcError,
)
from yc_contracts.client.sync import Client, Operation

__all__ = [
    "DEFAULT_POLLING",
    "DEFAULT_RETRY",
    "NO_RETRY",
    "ApiKey",
    "AsyncClient",
    "AsyncOperation",
    "AuthError",
    "Backoff",
    "Client",
    "IamToken",
    "MessageTooLargeError",
    "Operation",
    "OperationError",
    "OperationTimeoutError",
    "Retry",
    "RpcError",
    "ServiceAccountKey",
]
