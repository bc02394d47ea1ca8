"""Fixtures for the gateway's tests: a real gRPC upstream, a real gateway on uvicorn in front of it, a real client.

Everything listens on 127.0.0.1 with an ephemeral port and is stopped when the test ends.

- ``contract_upstream``: a started :class:`FakeUpstream` serving every method of the contract's registry; set
  handlers with ``contract_upstream.on("AsyncRecognizer/RecognizeFile", handler)``.
- ``upstream_over(registry)``: more of them (any registry), each stopped when the test ends.
- ``gateway_over(upstream, **options)``: a started :class:`yc_contracts.gateway.Server` whose app is
  ``gateway.app(upstreams=upstream.target, registry=upstream.registry, **options)``; ``server.url`` is its base URL.
- ``http``: an ``httpx.Client`` with a 10 s timeout on every call.
- ``curl(*args)``: runs /usr/bin/curl with ``args`` (and a 10 s ``--max-time``); returns status, headers, body.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway.upstream import FakeUpstream

from yc_contracts import gateway
from yc_contracts.contract.registry import Registry, default_registry

CLIENT_TIMEOUT = 30.0
"""Seconds any one HTTP call of a gateway test may take."""

START_TIMEOUT = 30.0
"""Seconds a server may take to start listening."""

STOP_TIMEOUT = 5.0
"""Seconds a gateway gets to drain on teardown before it is forced to stop."""

CURL = "/usr/bin/curl"

GatewayFactory = Callable[..., gateway.Server]


@dataclass(frozen=True)
class CurlResponse:
    """What curl got: the final response's status, its headers (names lower-cased) and its body."""

    status: int
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8")


CurlRunner = Callable[..., CurlResponse]


@pytest.fixture(scope="session")
def contract_registry() -> Registry:
    """The contract's registry (the 9 routes)."""
    return default_registry()


@contextlib.contextmanager
def running_upstream(registry: Registry) -> Iterator[FakeUpstream]:
    """A started :class:`FakeUpstream` over ``registry``, stopped when the block ends."""
    up = FakeUpstream(registry)
    up.__enter__()
    try:
        yield up
    finally:
        try:
            up.__exit__(None, None, None)
        except concurrent.futures.CancelledError:
            # FakeUpstream.__exit__ waits on server.stop(), a task asyncio.run cancels once wait_for_termination
            # has returned: the server is stopped all the same, only the thread is left to join.
            up._thread.join(30)


@pytest.fixture
def contract_upstream(contract_registry: Registry) -> Iterator[FakeUpstream]:
    """A real grpc.aio server on loopback serving every method of the contract; it records each call it gets."""
    with running_upstream(contract_registry) as up:
        yield up


@pytest.fixture
def upstream_over() -> Iterator[Callable[[Registry], FakeUpstream]]:
    """``upstream_over(registry)``: a started :class:`FakeUpstream` over any registry, stopped when the test ends."""
    with contextlib.ExitStack() as stack:
        yield lambda registry: stack.enter_context(running_upstream(registry))


@pytest.fixture
def gateway_over() -> Iterator[GatewayFactory]:
    """``gateway_over(upstream, **options)``: a gateway over ``upstream``, serving on 127.0.0.1 until the test ends.

    ``upstream`` is a :class:`FakeUpstream` (its target and its registry are used unless ``upstreams=`` /
    ``registry=`` are given) or ``None`` (then pass ``upstreams=``). Other keywords go to ``gateway.app``;
    ``shutdown_grace`` defaults to 1 s so teardown never waits long for a call a test left running.
    Server keywords: ``listen`` (``"127.0.0.1:0"``), ``shutdown_timeout`` (5 s), ``access_log``, ``log_level``.
    """
    servers: list[gateway.Server] = []

    def start(
        upstream: FakeUpstream | None = None,
        *,
        listen: str = "127.0.0.1:0",
        shutdown_timeout: float = STOP_TIMEOUT,
        access_log: bool = False,
        log_level: str = "warning",
        **options: Any,
    ) -> gateway.Server:
        if upstream is not None:
            options.setdefault("upstreams", upstream.target)
            options.setdefault("registry", upstream.registry)
        options.setdefault("shutdown_grace", 1.0)
        server = gateway.Server(
            gateway.app(**options),
            listen,
            shutdown_timeout=shutdown_timeout,
            access_log=access_log,
            log_level=log_level,
        )
        servers.append(server)
        return server.start(timeout=START_TIMEOUT)

    yield start
    for server in reversed(servers):
        server.join(timeout=STOP_TIMEOUT)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """A real HTTP client; every call times out after 30 s (the first call compiles the validators)."""
    with httpx.Client(timeout=CLIENT_TIMEOUT) as client:
        yield client


@pytest.fixture
def curl(tmp_path: Path) -> CurlRunner:
    """``curl(*args)``: a real curl request (``-sS``, 10 s ``--max-time``, headers and body captured).

    ``args`` are curl's own (URL, ``-X``, ``-H``, ``--data-binary``…). ``-H "Accept:"`` removes curl's default
    ``Accept: */*``.
    """
    if not Path(CURL).exists():
        pytest.skip("curl is not installed")
    counter = iter(range(1_000_000))

    def run(*args: str) -> CurlResponse:
        n = next(counter)
        head, body = tmp_path / f"curl-{n}.head", tmp_path / f"curl-{n}.body"
        argv = [CURL, "-sS", "--max-time", str(int(CLIENT_TIMEOUT)), "-D", str(head), "-o", str(body), *args]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=CLIENT_TIMEOUT + 5, check=False)
        assert done.returncode == 0, f"curl failed ({done.returncode}): {done.stderr}"
        # the last block: an interim "100 Continue" comes first when curl sends Expect
        blocks = [b for b in head.read_bytes().decode("latin-1").split("\r\n\r\n") if b.strip()]
        status_line, *lines = blocks[-1].strip().split("\r\n")
        headers: dict[str, str] = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        # curl creates no output file for an empty body
        return CurlResponse(int(status_line.split()[1]), headers, body.read_bytes() if body.exists() else b"")

    return run
