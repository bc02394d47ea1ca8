"""The REST→gRPC gateway: every ``google.api.http`` route of a registry, served over HTTP in front of gRPC servers.

>>> from yc_contracts import gateway
>>> asgi = gateway.app(upstreams="127.0.0.1:50051")  # everything to one plaintext server (the emulator)

Run it on any ASGI server, or with ``yc-contracts gateway`` (uvicorn). docs/gateway.md has the whole story:
routes, validation, streaming, headers, limits, and how it differs from grpc-gateway and Envoy.
"""

from __future__ import annotations

from typing import Any

from yc_contracts.gateway.app import JSON_ARRAY_ACCEPT, RESPONSE_HEADERS, Gateway
from yc_contracts.gateway.server import Server, serving
from yc_contracts.gateway.upstreams import ALL_METHODS, DEFAULT_MAX_RECEIVE_MESSAGE_SIZE, Upstream

__all__ = [
    "ALL_METHODS",
    "DEFAULT_MAX_RECEIVE_MESSAGE_SIZE",
    "JSON_ARRAY_ACCEPT",
    "RESPONSE_HEADERS",
    "Gateway",
    "Server",
    "Upstream",
    "app",
    "serving",
]


def app(upstreams: Any = None, **options: Any) -> Gateway:
    """The gateway as an ASGI application.

    Args:
        upstreams: where calls go. ``None``: each service's documented endpoint, over TLS. ``"HOST:PORT"`` or an
            :class:`Upstream`: every method to that one server. A mapping: per service full name,
            ``"<service>/<method>"``, or ``"*"`` for the rest.
        **options: :class:`Gateway`'s keywords: ``registry`` (the routes; the contract's by default),
            ``plaintext`` (``None``: plaintext to loopback hosts, TLS elsewhere), ``validate`` (check requests
            against the contract first; on), ``max_body_size`` (bytes; 32 MiB), ``max_receive_message_size``
            (the gRPC receive limit; 256 MiB), ``timeout`` (the default deadline in seconds; none), ``docs``
            (serve ``/docs`` and ``/openapi.json``; on), ``shutdown_grace`` (seconds calls get on close; 10).

    Raises:
        ValueError: an upstream is not ``HOST:PORT``, a routed method has none, a mapping key names nothing, or
            a limit is not positive.
    """
    return Gateway(upstreams=upstreams, **options)
