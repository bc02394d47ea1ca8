"""Running an ASGI application on uvicorn: in the foreground (the command) or on a background thread (tests, the
emulator's REST face).

Why uvicorn: it is the most used ASGI server, it runs in-process on an event loop we own (so the gateway can be
started and stopped inside a test or beside a gRPC server, which granian's Rust workers cannot), it drains
in-flight requests on shutdown (``timeout_graceful_shutdown``), and with httptools and uvloop it parses HTTP/1.1
fast enough that the gateway, not the server, is the cost (see docs/gateway.md and bench/gateway.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Final

from yc_contracts.gateway.upstreams import parse_target

DEFAULT_LISTEN: Final = "127.0.0.1:8080"
DEFAULT_SHUTDOWN_TIMEOUT: Final = 30.0
"""Seconds a stopping server waits for requests in flight before it cancels them."""


class Server:
    """An ASGI application on uvicorn, on a socket bound when the server is made.

    ``Server(app, "127.0.0.1:0")`` binds an ephemeral port at once (``.url`` is known before it serves). Run it
    with :meth:`run` (blocks; SIGINT/SIGTERM stop it gracefully) or as a context manager, which serves on a
    background thread until the block ends.

    Raises:
        ValueError: ``listen`` is not ``HOST:PORT``.
        OSError: the address cannot be bound (in use, not this machine's).
        ModuleNotFoundError: uvicorn is not installed (``pip install 'yc-contracts[gateway]'``).
    """

    def __init__(
        self,
        app: Any,
        listen: str = DEFAULT_LISTEN,
        *,
        shutdown_timeout: float = DEFAULT_SHUTDOWN_TIMEOUT,
        access_log: bool = False,
        log_level: str = "warning",
        configure_logging: bool = False,
    ) -> None:
        try:
            import uvicorn
        except ModuleNotFoundError as e:
            raise ModuleNotFoundError(f"the gateway needs uvicorn: pip install 'yc-contracts[gateway]' ({e})") from e
        host, port = parse_target(listen, any_port=True)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.create_server((host, port), family=family, backlog=2048)
        self.host = host
        self.port: int = self._socket.getsockname()[1]
        http = "httptools" if _installed("httptools") else "h11"
        config = uvicorn.Config(
            app,
            http=http,
            lifespan="on",
            access_log=access_log,
            log_level=log_level,
            log_config=uvicorn.config.LOGGING_CONFIG if configure_logging else None,
            timeout_graceful_shutdown=math.ceil(shutdown_timeout),
            server_header=False,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` of the bound socket (IPv6 hosts in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def started(self) -> bool:
        """Whether the server accepts connections."""
        return bool(self._server.started)

    async def serve(self, on_listening: Callable[[str], None] | None = None) -> None:
        """Serve in the running event loop until :meth:`stop`; ``on_listening(url)`` once it accepts connections."""
        task = asyncio.ensure_future(self._server.serve(sockets=[self._socket]))
        try:
            while not self._server.started:
                if task.done():
                    break
                await asyncio.sleep(0.005)
            if self._server.started and on_listening is not None:
                on_listening(self.url)
            await task
        finally:
            if not task.done():
                task.cancel()
            self._socket.close()

    def run(self, on_listening: Callable[[str], None] | None = None) -> None:
        """Serve until SIGINT or SIGTERM (then drain requests in flight), on uvloop when it is installed."""
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(self.serve(on_listening))

    def stop(self) -> None:
        """Stop accepting connections, let requests in flight finish (up to ``shutdown_timeout``), close."""
        self._server.should_exit = True

    # ---------------------------------------------------------------------------------- background thread

    def start(self, timeout: float = 30.0) -> Server:
        """Serve on a background thread; return once the server accepts connections.

        Raises:
            RuntimeError: it did not start within ``timeout`` seconds, or failed to (the cause is chained).
        """
        self._thread = threading.Thread(target=self._thread_main, name=f"yc-contracts-server-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server on {self.url} did not start") from self._error
            time.sleep(0.005)
        return self

    def join(self, timeout: float | None = None) -> None:
        """Stop the background server and wait for its thread (at most ``timeout`` seconds, then force it)."""
        self.stop()
        if self._thread is None:
            return
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(5.0)

    def _thread_main(self) -> None:
        try:
            self.run()
        except BaseException as e:  # reported by start()
            self._error = e

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.join(timeout=self._server.config.timeout_graceful_shutdown)


def _installed(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    if sys.platform != "win32" and _installed("uvloop"):
        import uvloop

        factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
        return factory
    return None


@contextlib.contextmanager
def serving(app: Any, listen: str = "127.0.0.1:0", **options: Any) -> Any:
    """``with serving(app) as server:`` the app on a background thread, at ``server.url``, until the block ends."""
    server = Server(app, listen, **options)
    with server:
        yield server
