"""Which gRPC server each method is sent to, and the channels to them.

An upstream is a ``HOST:PORT`` and whether to speak TLS to it. By default every method goes to the endpoint the
documentation gives its service (:data:`~yc_contracts.contract.endpoints.DOCUMENTED_ENDPOINTS`, over TLS); one
``HOST:PORT`` sends everything to one server; a mapping sets them per service or per method. A loopback host
(``127.0.0.1``, ``::1``, ``localhost``) means plaintext unless told otherwise: that is the emulator, or a
server under test.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from yc_contracts.contract.endpoints import documented_endpoint
from yc_contracts.contract.registry import Method, Registry

if TYPE_CHECKING:
    import grpc.aio

DEFAULT_MAX_RECEIVE_MESSAGE_SIZE: Final = 256 * 1024 * 1024
"""The gRPC receive limit of the gateway's channels: 256 MiB, not gRPC's 4 MiB default, which the documentation
warns large recognition results exceed."""

MAX_RECONNECT_BACKOFF_MS: Final = 2000
"""The longest wait between attempts to reconnect to an upstream that is down, so that one back from an outage is
used again within seconds (gRPC's own default lets the wait grow to two minutes)."""

STREAM_WINDOW_BYTES: Final = 1024 * 1024
"""The HTTP/2 receive window of the gateway's channels: what an upstream may send ahead of what the HTTP client
has read (BDP probing, gRPC's default, grows it to tens of MiB on fast links)."""

ALL_METHODS: Final = "*"
"""The key of an upstreams mapping that stands for every method no other key names."""


@dataclass(frozen=True, slots=True)
class Upstream:
    """A gRPC server: its ``HOST:PORT`` and whether the connection is plaintext (otherwise TLS)."""

    target: str
    plaintext: bool

    def __str__(self) -> str:
        return f"{self.target} ({'plaintext' if self.plaintext else 'TLS'})"


UpstreamSpec: TypeAlias = "str | Upstream | Mapping[str, str | Upstream] | None"


def parse_target(text: str, *, any_port: bool = False) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT`` for an IPv6 address) as host and port; ``any_port`` allows port 0.

    Raises:
        ValueError: not that form, or the port is not 1-65535 (0-65535 with ``any_port``).
    """
    host, sep, port_text = text.strip().rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise ValueError(f"{text!r} is not HOST:PORT")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        raise ValueError(f"{text!r}: write an IPv6 address in brackets, [::1]:PORT")
    port = int(port_text)
    if not (0 if any_port else 1) <= port < 65536:
        raise ValueError(f"{text!r}: the port must be {0 if any_port else 1}-65535")
    return host, port


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine: ``localhost`` or an address in 127.0.0.0/8 or ``::1``."""
    if host.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def upstream(target: str | Upstream, plaintext: bool | None = None) -> Upstream:
    """An :class:`Upstream` from ``HOST:PORT``: plaintext if ``plaintext`` says so, else if the host is loopback.

    Raises:
        ValueError: ``target`` is not ``HOST:PORT``.
    """
    if isinstance(target, Upstream):
        return target
    if not isinstance(target, str):
        raise TypeError(f"an upstream is 'HOST:PORT', not {type(target).__name__}")
    host, _ = parse_target(target)
    return Upstream(target.strip(), is_loopback(host) if plaintext is None else plaintext)


def resolve(
    registry: Registry, methods: Iterable[Method], spec: UpstreamSpec, plaintext: bool | None = None
) -> dict[str, Upstream]:
    """The upstream of every method, by its gRPC path (``/package.Service/Method``).

    ``spec`` is ``None`` (the documented endpoints), one ``HOST:PORT`` or :class:`Upstream` for every method, or a
    mapping whose keys are service full names, ``<service>/<method>`` names, or ``"*"`` for the rest (without
    ``"*"``, the methods it does not name keep their documented endpoints).

    Raises:
        ValueError: a target is not ``HOST:PORT``; a key names no service or method of the registry; a method has
            no upstream (it lists them all).
    """
    del registry  # the methods carry their services; kept for the signature's symmetry with the gateway's
    methods = list(methods)
    if spec is None:
        by_key: Mapping[str, str | Upstream] = {}
        fallback: Callable[[Method], str | None] = lambda m: documented_endpoint(m.service, m.name)  # noqa: E731
    elif isinstance(spec, (str, Upstream)):
        by_key = {ALL_METHODS: spec}
        fallback = lambda m: None  # noqa: E731
    elif isinstance(spec, Mapping):
        by_key = dict(spec)
        # services the mapping does not name keep their documented endpoints (if they have any)
        fallback = lambda m: documented_endpoint(m.service, m.name)  # noqa: E731
        known = {m.service for m in methods} | {f"{m.service}/{m.name}" for m in methods} | {ALL_METHODS}
        unknown = sorted(str(k) for k in by_key if k not in known)
        if unknown:
            raise ValueError(
                f"upstreams name no routed service or method: {', '.join(unknown)} "
                "(keys are service full names, '<service>/<method>' or '*')"
            )
    else:
        raise TypeError(f"upstreams is 'HOST:PORT', an Upstream or a mapping, not {type(spec).__name__}")
    resolved: dict[str, Upstream] = {}
    missing: list[str] = []
    for method in methods:
        target: str | Upstream | None = (
            by_key.get(f"{method.service}/{method.name}") or by_key.get(method.service) or by_key.get(ALL_METHODS)
        )
        if target is None:
            target = fallback(method)
        if target is None:
            missing.append(method.full_name)
            continue
        resolved[method.grpc_path] = upstream(target, plaintext)
    if missing:
        raise ValueError(
            f"no upstream for {', '.join(sorted(missing))}: give one HOST:PORT for everything, or one per service"
        )
    return resolved


class Channels:
    """One ``grpc.aio`` channel per upstream, opened on first use in the running event loop, closed together."""

    def __init__(self, max_receive_message_size: int, user_agent: str) -> None:
        self._options: list[tuple[str, Any]] = [
            ("grpc.max_receive_message_length", max_receive_message_size),
            ("grpc.max_send_message_length", -1),
            ("grpc.primary_user_agent", user_agent),
            ("grpc.enable_retries", 0),  # a retry is the HTTP client's decision, not the gateway's
            # gRPC's reconnect backoff grows to 120 s: after an outage of a minute the gateway would go on answering
            # 503 for a minute more once the upstream is back. Reconnecting every 2 s at most costs next to nothing.
            ("grpc.max_reconnect_backoff_ms", MAX_RECONNECT_BACKOFF_MS),
            # Flow control: a fixed receive window instead of BDP probing, whose window grows to tens of MiB
            # on loopback and so lets a stream buffer that much in the gateway while a slow HTTP client reads.
            # 1 MiB still fills a 50 ms round trip at ~20 MB/s.
            ("grpc.http2.bdp_probe", 0),
            ("grpc.http2.lookahead_bytes", STREAM_WINDOW_BYTES),
        ]
        self._channels: dict[Upstream, grpc.aio.Channel] = {}

    def get(self, target: Upstream) -> grpc.aio.Channel:
        found = self._channels.get(target)
        if found is None:
            import grpc
            import grpc.aio

            if target.plaintext:
                found = grpc.aio.insecure_channel(target.target, options=self._options)
            else:
                found = grpc.aio.secure_channel(target.target, grpc.ssl_channel_credentials(), options=self._options)
            self._channels[target] = found
        return found

    async def close(self, grace: float | None) -> None:
        channels, self._channels = list(self._channels.values()), {}
        for channel in channels:
            await channel.close(grace)
