"""Fixtures for the client's tests: a real emulator on loopback, and real clients of it — sync (:class:`Client`) and
asyncio (:class:`AsyncClient`), over gRPC and REST — closed when the test ends.

- ``emu``: an emulator shared by the tests of a module (API key :data:`API_KEY` only), reset to its defaults
  before each test; ``start_emulator(**settings)`` starts a fresh one (for tests that move its clock or trust keys).
- ``transport`` (``"grpc"``, ``"rest"``) and ``mode`` (``"sync"``, ``"async"``): the parameters every client test
  runs under. ``make_client(emulator, **options)`` gives a client of that kind pointed at the emulator, with
  fast polling and retries; in ``"async"`` mode it is an :class:`AsyncClient` whose coroutines run on the test's
  own event loop through :class:`Synced`, so one test body covers both.
- Requests of each starting method (REST JSON, the registry's messages, the official SDK's messages where
  ``yandexcloud`` is installed: protobuf 6 only).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import inspect
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

import pytest
from emulator.clients import stt_v2_request, stt_v3_request
from google.protobuf import json_format, message

from yc_contracts.client import AsyncClient, Backoff, Client, Retry
from yc_contracts.contract.registry import default_registry
from yc_contracts.emulator import Emulator
from yc_contracts.emulator.operations import DEFAULT_RETENTION_SECONDS

ROOT: Final = Path(__file__).resolve().parents[2]
MEDIA: Final = ROOT / "tests" / "golden" / "media"

API_KEY: Final = "AQVN-client-tests-secret-key-never-shown"
"""The API key the tests send: it must never appear in a repr, an error, a log line or the emulator's journal."""
FOLDER_ID: Final = "b1gclienttests000001"
CALL_TIMEOUT: Final = 10.0
"""Seconds any one call of a client may take (its per-attempt timeout)."""
WAIT_TIMEOUT: Final = 15.0
"""Seconds any wait for an operation may take."""
BOUND: Final = 30.0
"""Seconds any one coroutine an async test drives may take before the test fails."""
FAST_POLLING: Final = Backoff(initial=0.01, maximum=0.05)
FAST_RETRY: Final = Retry(backoff=Backoff(initial=0.01, maximum=0.05), attempts=5, deadline=10.0)

STT_V3: Final = "speechkit.stt.v3.AsyncRecognizer.RecognizeFile"
STT_V2: Final = "yandex.cloud.ai.stt.v2.SttService.LongRunningRecognize"
OCR: Final = "yandex.cloud.ai.ocr.v1.TextRecognitionAsyncService.Recognize"
INPUT_TYPES: Final = {
    STT_V3: "speechkit.stt.v3.RecognizeFileRequest",
    STT_V2: "yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest",
    OCR: "yandex.cloud.ai.ocr.v1.RecognizeTextRequest",
}

DEFAULT_SETTINGS: Final[Mapping[str, Any]] = {
    "progression": "immediate",
    "progressions": {},
    "result_size": None,
    "retention": DEFAULT_RETENTION_SECONDS,
    "validate": True,
    "api_keys": [API_KEY],
    "iam_tokens": [],
}
"""What ``emu`` is reset to before each test."""


def _sdk_available() -> bool:
    try:
        import yandex.cloud.ai.ocr.v1.ocr_service_pb2
        import yandex.cloud.ai.stt.v2.stt_service_pb2
        import yandex.cloud.ai.stt.v3.stt_pb2  # noqa: F401
    except ImportError:
        return False
    return True


SDK_AVAILABLE: Final = _sdk_available()
needs_sdk: Final = pytest.mark.skipif(not SDK_AVAILABLE, reason="the official SDK (yandexcloud) needs protobuf 6")


# ------------------------------------------------------------------------------------------------- requests


def ocr_request(path: Path = MEDIA / "two_pages.pdf", mime_type: str = "application/pdf") -> dict[str, Any]:
    """A valid ``RecognizeTextRequest`` (REST JSON) of a real file (a two-page PDF by default)."""
    return {
        "content": base64.b64encode(path.read_bytes()).decode("ascii"),
        "mimeType": mime_type,
        "languageCodes": ["ru", "en"],
        "model": "page",
    }


REQUESTS: Final[Mapping[str, Callable[[], dict[str, Any]]]] = {
    STT_V3: stt_v3_request,
    STT_V2: stt_v2_request,
    OCR: ocr_request,
}

FORMS: Final = ("json", "json-text", "ours", pytest.param("sdk", marks=needs_sdk))
"""How a request may be given: REST JSON (a dict, or its text), the registry's message, the official SDK's."""


def request_as(form: str, method: str, payload: Mapping[str, Any]) -> Any:
    """``payload`` (REST JSON of ``method``'s request) in the given form."""
    type_name = INPUT_TYPES[method]
    if form == "json":
        return dict(payload)
    if form == "json-text":
        return json.dumps(payload)
    if form == "ours":
        return json_format.ParseDict(dict(payload), default_registry().message_class(type_name)())
    if form == "sdk":
        return json_format.ParseDict(dict(payload), sdk_class(type_name)())
    raise ValueError(form)


def sdk_class(type_name: str) -> type[message.Message]:
    """The official SDK's class of a message type (importing the SDK's modules registers them)."""
    from google.protobuf import descriptor_pool, message_factory

    assert SDK_AVAILABLE
    return message_factory.GetMessageClass(descriptor_pool.Default().FindMessageTypeByName(type_name))


# -------------------------------------------------------------------------------------------------- clients


class Synced:
    """An asyncio client object (a client, one of its APIs, an operation) driven from the test's thread: every
    coroutine it returns runs to completion (at most :data:`BOUND` seconds) on the test's own event loop, and the
    client's objects it returns are wrapped the same way. Plain values (messages, exceptions) pass through."""

    def __init__(self, target: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._target = target
        self._loop = loop

    def __repr__(self) -> str:
        return repr(self._target)

    @property
    def wrapped(self) -> Any:
        """The asyncio object itself."""
        return self._target

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if callable(value) and not isinstance(value, type):

            def call(*args: Any, **kwargs: Any) -> Any:
                result = value(*args, **kwargs)
                if inspect.iscoroutine(result):
                    result = self._loop.run_until_complete(asyncio.wait_for(result, BOUND))
                return self._wrap(result)

            return call
        return self._wrap(value)

    def _wrap(self, value: Any) -> Any:
        return Synced(value, self._loop) if type(value).__module__ == "yc_contracts.client.core" else value


ClientFactory = Callable[..., Any]
"""``make_client(emulator, **options)``: a started client (sync, or async through :class:`Synced`)."""
EmulatorFactory = Callable[..., Emulator]


def endpoint_of(emulator: Emulator, transport: str) -> str:
    return emulator.grpc_target if transport == "grpc" else emulator.http_url


def client_options(emulator: Emulator, transport: str, **options: Any) -> dict[str, Any]:
    """The keywords of a test client: the emulator's address, the test key, fast polling and retries, a timeout
    on every call; ``options`` override them (``api_key=None`` sends none; other credentials replace the key)."""
    other_credentials = options.get("iam_token") is not None or options.get("service_account_key") is not None
    found: dict[str, Any] = {
        "api_key": None if other_credentials else API_KEY,
        "transport": transport,
        "endpoint": endpoint_of(emulator, transport),
        "timeout": CALL_TIMEOUT,
        "polling": FAST_POLLING,
        "retry": FAST_RETRY,
    }
    found.update(options)
    return {k: v for k, v in found.items() if v is not None or k not in {"api_key", "iam_token", "service_account_key"}}


@contextlib.contextmanager
def client_of(mode: str, **options: Any) -> Iterator[Any]:
    """A client of ``mode`` with ``options``, closed (and its event loop closed) at the end."""
    if mode == "sync":
        with Client(**options) as client:
            yield client
        return
    loop = asyncio.new_event_loop()
    try:
        client = AsyncClient(**options)
        try:
            yield Synced(client, loop)
        finally:
            loop.run_until_complete(asyncio.wait_for(client.close(), BOUND))
            loop.run_until_complete(loop.shutdown_asyncgens())
    finally:
        loop.close()


@pytest.fixture(params=["grpc", "rest"])
def transport(request: pytest.FixtureRequest) -> str:
    """Each transport: gRPC to ``emu.grpc_target``, REST to ``emu.http_url``."""
    name: str = request.param
    return name


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """Each client: ``Client`` (sync) and ``AsyncClient`` (asyncio)."""
    name: str = request.param
    return name


@pytest.fixture
def make_client(transport: str, mode: str) -> Iterator[ClientFactory]:
    """``make_client(emulator, **options)``: a client of this test's ``mode`` and ``transport``, closed at the
    end."""
    with contextlib.ExitStack() as stack:

        def make(emulator: Emulator, **options: Any) -> Any:
            return stack.enter_context(client_of(mode, **client_options(emulator, transport, **options)))

        yield make


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[Emulator]:
    with Emulator(api_keys=[API_KEY]) as emulator:
        yield emulator


@pytest.fixture
def emu(shared_emulator: Emulator) -> Iterator[Emulator]:
    """The module's emulator, with no operations, calls or faults, and its default settings."""
    shared_emulator.reset()
    shared_emulator.configure(**DEFAULT_SETTINGS)
    yield shared_emulator
    shared_emulator.reset()


@pytest.fixture
def start_emulator() -> Iterator[EmulatorFactory]:
    """``start_emulator(**settings)``: a fresh emulator (loopback, ephemeral ports), stopped when the test ends."""
    with contextlib.ExitStack() as stack:

        def start(**settings: Any) -> Emulator:
            return stack.enter_context(Emulator(**settings))

        yield start


def assert_no_secret(secret: str, *texts: object) -> None:
    """None of ``texts`` (each turned into text: ``str``, and ``repr`` too) holds ``secret``."""
    for text in texts:
        for shown in (str(text), repr(text)):
            assert secret not in shown, shown


def journal_text(emulator: Emulator) -> str:
    """The whole journal as JSON text (what a test would print or the admin API would serve)."""
    return json.dumps([call.to_json() for call in emulator.calls()], ensure_ascii=False)
