"""``yc-contracts emulate``: the emulator of the four services (:mod:`yc_contracts.emulator`) as a process of its
own, for a CI job or a try by hand.

It prints ``grpc HOST:PORT`` and then ``http http://HOST:PORT`` (not with ``--no-http``) on standard output once
both servers accept connections, serves until SIGINT or SIGTERM, then stops: calls in flight get a few seconds to
finish. A requested stop is a success: the exit status is 0 (so ``kill $PID; wait $PID`` passes under ``set -e``).
A wrong command line (an address that is not ``HOST:PORT`` or cannot be bound, a bad ``--config`` or
``--snapshot`` file) is exit status 2 with one line on standard error, before anything is served.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from yc_contracts.cli.streams import UsageError

if TYPE_CHECKING:
    from yc_contracts.cli.streams import Streams
    from yc_contracts.emulator.core import Emulator

POLL_SECONDS = 0.2
"""How often the waiting main thread looks at whether a signal asked it to stop."""


def add_parser(command: Any) -> None:
    emulate = command(
        "emulate",
        "serve the emulator of the four services (gRPC and REST) for tests and CI",
        "Serve a local emulator of Vision OCR v1 async, SpeechKit STT v2 and v3 async and OperationService "
        "(docs/emulator.md): gRPC at --grpc, and the REST routes with the admin API (/_emulator/) at --http. "
        "Prints 'grpc HOST:PORT' and 'http http://HOST:PORT' once both accept connections (port 0 picks a free "
        "one), serves until SIGINT or SIGTERM, then stops and exits 0.",
    )
    emulate.add_argument(
        "--grpc",
        default="127.0.0.1:0",
        metavar="HOST:PORT",
        help="where to serve gRPC, plaintext (default: 127.0.0.1:0, a free port)",
    )
    http = emulate.add_mutually_exclusive_group()
    http.add_argument(
        "--http",
        default="127.0.0.1:0",
        metavar="HOST:PORT",
        help="where to serve the REST routes and the admin API (default: 127.0.0.1:0, a free port)",
    )
    http.add_argument("--no-http", action="store_true", help="serve gRPC only")
    emulate.add_argument("--config", metavar="FILE", help="the emulator's settings, a TOML or JSON file")
    emulate.add_argument(
        "--snapshot",
        metavar="FILE",
        help="start with the operations (and settings) of a snapshot JSON file (GET /_emulator/snapshot)",
    )


def command(args: argparse.Namespace, streams: Streams) -> int:
    emulator = _emulator(args)
    if args.snapshot is not None:
        try:
            restored = emulator.restore(args.snapshot)
        except ValueError as e:
            raise UsageError(f"emulate: --snapshot: {_one_line(e)}") from None
        streams.stderr.write(f"yc-contracts emulate: {len(restored)} operation(s) restored from {args.snapshot}\n")
    with _StopSignals() as stop:
        try:
            emulator.start()
        except (RuntimeError, OSError) as e:
            raise UsageError(f"emulate: cannot serve: {_start_failure(e, args)}") from None
        try:
            streams.stdout.write(f"grpc {emulator.grpc_target}\n")
            if not args.no_http:
                streams.stdout.write(f"http {emulator.http_url}\n")
            streams.stdout.flush()
            stop.wait()
        finally:
            emulator.stop()
    return 0


def _emulator(args: argparse.Namespace) -> Emulator:
    """The emulator the arguments describe, not yet started; every usage error is found here."""
    import importlib.util

    missing = [name for name in ("grpc", "uvicorn") if importlib.util.find_spec(name) is None]
    if missing:
        raise UsageError(f"emulate needs {' and '.join(missing)}: pip install 'yc-contracts[emulator]'")
    from yc_contracts.emulator.config import EmulatorConfig
    from yc_contracts.emulator.core import Emulator

    _check_address(args.grpc, "--grpc")
    if not args.no_http:
        _check_address(args.http, "--http")
    config = EmulatorConfig()
    if args.config is not None:
        try:
            config = EmulatorConfig.load(args.config)
        except ValueError as e:
            raise UsageError(f"emulate: --config: {_one_line(e)}") from None
    try:
        return Emulator(config, grpc=args.grpc.strip(), http=None if args.no_http else args.http.strip())
    except ValueError as e:  # a fixtures folder that does not load
        raise UsageError(f"emulate: --config: {_one_line(e)}") from None


def _check_address(text: str, option: str) -> None:
    """``text`` is ``HOST:PORT`` and can be bound now (so a port in use is a usage error, not a server's log).

    Raises:
        UsageError: it is not, or cannot.
    """
    import os
    import socket

    from yc_contracts.gateway.upstreams import parse_target

    try:
        host, port = parse_target(text, any_port=True)
    except ValueError as e:
        raise UsageError(f"emulate: {option}: {e}") from None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        probe = socket.create_server((host, port), family=family)
    except OSError as e:
        reason = os.strerror(e.errno) if e.errno else _one_line(e)  # without the address it repeats
        raise UsageError(f"emulate: {option}: cannot listen on {text}: {reason}") from None
    probe.close()


def _start_failure(error: BaseException, args: argparse.Namespace) -> str:
    """What stopped a server from starting, in one line (say, its address taken since it was checked)."""
    if isinstance(error, OSError):  # the HTTP socket could not be bound
        return f"--http: cannot listen on {args.http}: {error.strerror or _one_line(error)}"
    cause = error.__cause__
    return _one_line(error) + (f": {_one_line(cause)}" if cause is not None and str(cause) else "")


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


class _StopSignals:
    """``with _StopSignals() as stop: stop.wait()``: returns once SIGINT or SIGTERM arrives; the handlers before
    are put back when the block ends. (Off the main thread no handler can be set: then it waits for ever.)"""

    def __init__(self) -> None:
        import threading

        self._event = threading.Event()
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _StopSignals:
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._received)
        return self

    def __exit__(self, *exc: object) -> None:
        import signal

        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _received(self, signum: int, frame: Any) -> None:
        self._event.set()

    def wait(self) -> None:
        while not self._event.wait(POLL_SECONDS):
            pass
