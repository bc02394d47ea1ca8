"""Fixtures for the emulator's tests: real emulators on loopback, real gRPC and HTTP clients, all stopped and
closed when the test ends.

- ``yc_emulator`` (from the package's own pytest plugin): a started :class:`~yc_contracts.emulator.Emulator`;
  ``@pytest.mark.yc_emulator(progression="manual")`` sets it up.
- ``start_emulator(**settings)``: more emulators (or ones with ``grpc=``/``http=`` addresses), stopped at the end.
- ``client_kind``: parametrized over the gRPC clients this environment has (``"sdk"`` with the official SDK's
  stubs where ``yandexcloud`` is installed, ``"generic"`` everywhere); ``DEFAULT_KIND`` for tests that need one.
- ``connect(emulator, kind=DEFAULT_KIND, metadata=AUTH, options=())``: a :class:`GrpcClient`, closed at the end.
- ``grpc_client``: ``connect(yc_emulator, client_kind)``.
- ``rest``: an ``httpx.Client`` on ``yc_emulator.http_url`` with the auth headers; ``admin``: one without them,
  for the admin API (paths ``/_emulator/…``). Every call times out after ``CALL_TIMEOUT`` seconds.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from emulator.clients import (
    AUTH,
    AUTH_HEADERS,
    CALL_TIMEOUT,
    DEFAULT_KIND,
    KINDS,
    Connector,
    EmulatorFactory,
    GrpcClient,
)

from yc_contracts.emulator import Emulator


@pytest.fixture
def start_emulator() -> Iterator[EmulatorFactory]:
    """``start_emulator(config=None, **settings)``: a started emulator (loopback, ephemeral ports) that is stopped
    when the test ends."""
    with contextlib.ExitStack() as stack:

        def start(config: Any = None, **settings: Any) -> Emulator:
            return stack.enter_context(Emulator(config, **settings))

        yield start


@pytest.fixture(params=KINDS)
def client_kind(request: pytest.FixtureRequest) -> str:
    """Each gRPC client this environment has: the official SDK's stubs (protobuf 6) and the generic client."""
    kind: str = request.param
    return kind


@pytest.fixture
def connect() -> Iterator[Connector]:
    """``connect(emulator, kind=DEFAULT_KIND, **options)``: a :class:`GrpcClient` to ``emulator.grpc_target``,
    closed when the test ends."""
    with contextlib.ExitStack() as stack:

        def open_client(emulator: Emulator, kind: str = DEFAULT_KIND, **options: Any) -> GrpcClient:
            return stack.enter_context(GrpcClient(emulator.grpc_target, kind=kind, **options))

        yield open_client


@pytest.fixture
def grpc_client(yc_emulator: Emulator, client_kind: str, connect: Connector) -> GrpcClient:
    """A client of each kind to the test's ``yc_emulator``, sending :data:`AUTH`."""
    return connect(yc_emulator, client_kind, metadata=AUTH)


@pytest.fixture
def rest(yc_emulator: Emulator) -> Iterator[httpx.Client]:
    """An HTTP client of the emulator's REST face, sending the auth headers."""
    with httpx.Client(base_url=yc_emulator.http_url, headers=AUTH_HEADERS, timeout=CALL_TIMEOUT) as client:
        yield client


@pytest.fixture
def admin(yc_emulator: Emulator) -> Iterator[httpx.Client]:
    """An HTTP client of the emulator's HTTP port without credentials, for the admin API (``/_emulator/…``)."""
    with httpx.Client(base_url=yc_emulator.http_url, timeout=CALL_TIMEOUT) as client:
        yield client
