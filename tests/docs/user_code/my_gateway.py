"""The reader's REST-to-gRPC gateway that docs/testing.md tests: one gRPC call per HTTP request, on a channel.

It binds requests with ``yc_contracts.transcode`` (a gateway of one's own would have its own binder; the test in
the document compares whatever it does with ``transcode``) and calls ``unary_unary`` or, for the server-streaming
routes, ``unary_stream`` on the channel it was given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import yc_contracts


class Channel(Protocol):
    def unary_unary(self, method: str, request: Any, metadata: tuple[tuple[str, str], ...]) -> Any: ...

    def unary_stream(self, method: str, request: Any, metadata: tuple[tuple[str, str], ...]) -> Any: ...


class Gateway:
    def __init__(self, channel: Channel) -> None:
        self._channel = channel

    def handle(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str | Sequence[str]] | None,
        body: str | None,
        headers: Mapping[str, str],
    ) -> Any:
        call = yc_contracts.transcode(method, path, query=query, body=body, headers=headers)
        send = self._channel.unary_stream if call.server_streaming else self._channel.unary_unary
        return send(call.method, call.request, call.metadata)
