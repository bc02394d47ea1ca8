"""``yc-contracts gateway``: the REST→gRPC gateway (:mod:`yc_contracts.gateway`) on uvicorn.

It prints ``listening on http://HOST:PORT`` on standard output once it accepts connections, serves until SIGINT
or SIGTERM, then stops accepting, lets requests in flight finish (``--shutdown-timeout``) and closes its channels.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from yc_contracts.cli.streams import UsageError

if TYPE_CHECKING:
    from yc_contracts.cli.streams import Streams
    from yc_contracts.contract.registry import Registry


def add_parser(command: Any, size: Any, registry_options: Any = None) -> None:
    gateway = command(
        "gateway",
        "serve the REST routes over HTTP, calling the gRPC services",
        "Serve every REST route of the contract over HTTP: each request is checked against the contract, sent "
        "to its gRPC service, and the answer comes back as REST JSON (docs/gateway.md). By default each service "
        "is called at its documented endpoint over TLS; --upstream HOST:PORT sends every call to one server "
        "(plaintext when it is a loopback address: the emulator). Also serves /healthz, /openapi.json and /docs.",
    )
    gateway.add_argument(
        "--listen",
        default="127.0.0.1:8080",
        metavar="HOST:PORT",
        help="where to accept HTTP (default: 127.0.0.1:8080; port 0 picks a free one)",
    )
    gateway.add_argument(
        "--upstream",
        action="append",
        default=[],
        metavar="[SERVICE=]HOST:PORT",
        help="the gRPC server of every method, or of one service (full name, or <service>/<method>); repeatable",
    )
    transport = gateway.add_mutually_exclusive_group()
    transport.add_argument("--plaintext", action="store_true", help="speak plaintext gRPC to every upstream")
    transport.add_argument("--tls", action="store_true", help="speak TLS to every upstream, loopback ones too")
    gateway.add_argument(
        "--no-validate", dest="validate", action="store_false", help="do not check requests against the contract"
    )
    gateway.add_argument(
        "--max-body-size", type=size, default=None, metavar="SIZE", help="largest request body (default: 32M)"
    )
    gateway.add_argument(
        "--max-receive-size", type=size, default=None, metavar="SIZE", help="gRPC receive limit (default: 256M)"
    )
    gateway.add_argument("--timeout", type=float, metavar="SECONDS", help="deadline of calls whose request sets none")
    gateway.add_argument(
        "--shutdown-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long stopping waits for requests in flight (default: 30)",
    )
    gateway.add_argument("--no-docs", dest="docs", action="store_false", help="do not serve /docs and /openapi.json")
    gateway.add_argument("--access-log", action="store_true", help="log every request (method, path, status)")
    gateway.add_argument(
        "--log-level",
        choices=("critical", "error", "warning", "info", "debug"),
        default="warning",
        help="default: warning",
    )
    if registry_options is not None:
        registry_options(gateway)


def upstream_spec(values: list[str]) -> str | dict[str, str] | None:
    """``--upstream`` values as :func:`yc_contracts.gateway.app`'s ``upstreams``."""
    if not values:
        return None
    spec: dict[str, str] = {}
    for value in values:
        key, sep, target = value.rpartition("=")
        spec[key if sep else "*"] = target
    if len(values) != len(spec):
        raise UsageError("gateway: --upstream names the same service (or everything) twice")
    return spec


def command(args: argparse.Namespace, streams: Streams) -> int:
    import logging

    from yc_contracts.cli import registries
    from yc_contracts.gateway import Server, app

    options: dict[str, Any] = {"validate": args.validate, "docs": args.docs}
    if args.max_body_size is not None:
        options["max_body_size"] = args.max_body_size
    if args.max_receive_size is not None:
        options["max_receive_message_size"] = args.max_receive_size
    if args.timeout is not None:
        options["timeout"] = args.timeout
    if args.plaintext or args.tls:
        options["plaintext"] = bool(args.plaintext)
    if args.timeout is not None and not 0 < args.timeout <= 86400:
        raise UsageError(f"gateway: --timeout is seconds above 0 and at most 86400, not {args.timeout:g}")
    if not 0 <= args.shutdown_timeout <= 86400:
        raise UsageError(f"gateway: --shutdown-timeout is seconds, 0 or more, not {args.shutdown_timeout:g}")
    spec = upstream_spec(args.upstream)
    registry = registries.from_args(args)
    if registry is not None:
        _check_upstreams(registry, spec)
        options["registry"] = registry
    try:
        asgi = app(spec, **options)
    except (ValueError, TypeError) as e:
        raise UsageError(f"gateway: {'--upstream: ' if spec is not None else ''}{e}") from None
    try:
        server = Server(
            asgi,
            args.listen,
            shutdown_timeout=args.shutdown_timeout,
            access_log=args.access_log,
            log_level=args.log_level,
            configure_logging=True,
        )
    except ValueError as e:
        raise UsageError(f"gateway: --listen: {e}") from None
    except ModuleNotFoundError as e:
        raise UsageError(f"gateway: {e}") from None
    except OSError as e:
        raise UsageError(f"gateway: cannot listen on {args.listen}: {e.strerror or e}") from None
    gateway_log = logging.getLogger("yc_contracts.gateway")
    gateway_log.setLevel(args.log_level.upper())
    if not gateway_log.handlers:  # the gateway's own lines (method, path, status, time: never headers or bodies)
        handler = logging.StreamHandler(streams.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        gateway_log.addHandler(handler)
    for line in _upstream_lines(asgi):
        streams.stderr.write(line + "\n")

    def listening(url: str) -> None:
        streams.stdout.write(f"listening on {url}\n")
        streams.stdout.flush()

    server.run(listening)
    return 0


def _check_upstreams(registry: Registry, spec: str | dict[str, str] | None) -> None:
    """Refuse, in one line, protos whose routed services have no upstream: the gateway's own error would list
    every method (thousands, for the whole Yandex Cloud API).

    Raises:
        UsageError: a routed service has neither an ``--upstream`` nor a documented endpoint.
    """
    from yc_contracts.contract.endpoints import documented_endpoint

    if isinstance(spec, dict) and "*" in spec:
        return
    named = set(spec or ())
    services = sorted(
        {
            route.method.service
            for route in registry.routes()
            if not {route.method.service, f"{route.method.service}/{route.method.name}"} & named
            and documented_endpoint(route.method.service, route.method.name) is None
        }
    )
    if services:
        shown = ", ".join(services[:3]) + (f" and {len(services) - 3} more" if len(services) > 3 else "")
        raise UsageError(
            f"gateway: no upstream for {len(services)} service(s) of these protos ({shown}): pass --upstream "
            "HOST:PORT for all of them, or SERVICE=HOST:PORT for each"
        )


def _upstream_lines(asgi: Any) -> list[str]:
    grouped: dict[str, list[str]] = {}
    for method, upstream in sorted(asgi.upstreams.items()):
        grouped.setdefault(str(upstream), []).append(method)
    return [f"yc-contracts gateway: {len(methods)} method(s) -> {target}" for target, methods in grouped.items()]
