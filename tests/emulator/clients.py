"""Real clients of the emulator for its tests: a gRPC client that calls any served method with the official SDK's
generated stubs (``yandexcloud``, where it is installed) or with generic ``channel.unary_unary`` calls on the
contract registry's own message classes (everywhere, the protobuf-7 environment included), plus valid requests of
every starting method and helpers to read rich error details.

A test picks its client with ``kind``: ``"sdk"`` or ``"generic"``; :data:`KINDS` lists those this environment
has, :data:`DEFAULT_KIND` is the SDK where it is importable.
"""

from __future__ import annotations

import base64
import importlib
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

import grpc
from google.protobuf import any_pb2, json_format, message
from google.rpc import error_details_pb2, status_pb2

from yc_contracts.contract.registry import Registry, default_registry
from yc_contracts.testing._media import png as png_bytes

CALL_TIMEOUT: Final = 10.0
"""Seconds any one gRPC or HTTP call of an emulator test may take."""

API_KEY: Final = "AQVN-emulator-test-secret-never-shown"
"""The API key the tests send: it must never appear in the journal, an error message or a response."""
FOLDER_ID: Final = "b1gemulatortests0001"
AUTH: Final = (("authorization", f"Api-Key {API_KEY}"), ("x-folder-id", FOLDER_ID))
"""gRPC metadata of an authorized call."""
AUTH_HEADERS: Final = {"authorization": f"Api-Key {API_KEY}", "x-folder-id": FOLDER_ID}
"""The same, as REST headers."""

# ------------------------------------------------------------------------------------------ the served methods

STT_V3_RECOGNIZE: Final = "speechkit.stt.v3.AsyncRecognizer.RecognizeFile"
STT_V3_GET: Final = "speechkit.stt.v3.AsyncRecognizer.GetRecognition"
STT_V3_DELETE: Final = "speechkit.stt.v3.AsyncRecognizer.DeleteRecognition"
STT_V2_RECOGNIZE: Final = "yandex.cloud.ai.stt.v2.SttService.LongRunningRecognize"
OCR_RECOGNIZE: Final = "yandex.cloud.ai.ocr.v1.TextRecognitionAsyncService.Recognize"
OCR_GET: Final = "yandex.cloud.ai.ocr.v1.TextRecognitionAsyncService.GetRecognition"
OCR_SYNC: Final = "yandex.cloud.ai.ocr.v1.TextRecognitionService.Recognize"
GET_OPERATION: Final = "yandex.cloud.operation.OperationService.Get"
CANCEL_OPERATION: Final = "yandex.cloud.operation.OperationService.Cancel"

STARTERS: Final = (STT_V3_RECOGNIZE, STT_V2_RECOGNIZE, OCR_RECOGNIZE)
"""The methods that start an operation."""
RESPONSE_TYPES: Final = {
    STT_V3_RECOGNIZE: "google.protobuf.Empty",
    STT_V2_RECOGNIZE: "yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse",
    OCR_RECOGNIZE: "google.protobuf.Empty",
}
"""The documented type of a done operation's ``response``, by the method that started it."""
READERS: Final = {STT_V3_RECOGNIZE: STT_V3_GET, OCR_RECOGNIZE: OCR_GET}
"""The ``GetRecognition`` stream that reads an operation's results, by the method that started it."""

# The official SDK's stub of each service: (module, class).
_SDK_STUBS: Final = {
    "speechkit.stt.v3.AsyncRecognizer": ("yandex.cloud.ai.stt.v3.stt_service_pb2_grpc", "AsyncRecognizerStub"),
    "yandex.cloud.ai.stt.v2.SttService": ("yandex.cloud.ai.stt.v2.stt_service_pb2_grpc", "SttServiceStub"),
    "yandex.cloud.ai.ocr.v1.TextRecognitionAsyncService": (
        "yandex.cloud.ai.ocr.v1.ocr_service_pb2_grpc",
        "TextRecognitionAsyncServiceStub",
    ),
    "yandex.cloud.ai.ocr.v1.TextRecognitionService": (
        "yandex.cloud.ai.ocr.v1.ocr_service_pb2_grpc",
        "TextRecognitionServiceStub",
    ),
    "yandex.cloud.operation.OperationService": (
        "yandex.cloud.operation.operation_service_pb2_grpc",
        "OperationServiceStub",
    ),
}


def _sdk_available() -> bool:
    try:
        for module, _ in _SDK_STUBS.values():
            importlib.import_module(module)
    except ImportError:
        return False
    return True


SDK_AVAILABLE: Final = _sdk_available()
KINDS: Final = ("sdk", "generic") if SDK_AVAILABLE else ("generic",)
"""The gRPC clients this environment has: the official SDK's stubs (protobuf 6 only), and the generic one."""
DEFAULT_KIND: Final = KINDS[0]

EmulatorFactory = Callable[..., Any]
"""The ``start_emulator`` fixture: ``start_emulator(**settings) -> Emulator``."""
Connector = Callable[..., "GrpcClient"]
"""The ``connect`` fixture: ``connect(emulator, kind=DEFAULT_KIND, **options) -> GrpcClient``."""


# ------------------------------------------------------------------------------------------- valid requests


def stt_v3_request(uri: str = "https://storage.yandexcloud.net/bucket/audio.wav", **extra: Any) -> dict[str, Any]:
    """A valid ``RecognizeFileRequest`` (REST JSON)."""
    return {
        "uri": uri,
        "recognitionModel": {
            "model": "general",
            "audioFormat": {"containerAudio": {"containerAudioType": "WAV"}},
            "languageRestriction": {"restrictionType": "WHITELIST", "languageCode": ["ru-RU"]},
        },
        **extra,
    }


def stt_v2_request(uri: str = "https://storage.yandexcloud.net/bucket/audio.ogg") -> dict[str, Any]:
    """A valid ``LongRunningRecognitionRequest`` (REST JSON)."""
    return {
        "config": {"specification": {"languageCode": "ru-RU", "audioEncoding": "OGG_OPUS"}},
        "audio": {"uri": uri},
    }


def ocr_request(content: bytes | None = None, mime_type: str = "PNG", **extra: Any) -> dict[str, Any]:
    """A valid ``RecognizeTextRequest`` (REST JSON): a PNG unless ``content`` says otherwise."""
    data = png_bytes(8, 8) if content is None else content
    return {
        "content": base64.b64encode(data).decode("ascii"),
        "mimeType": mime_type,
        "languageCodes": ["ru", "en"],
        "model": "page",
        **extra,
    }


REQUESTS: Final[Mapping[str, Callable[[], dict[str, Any]]]] = {
    STT_V3_RECOGNIZE: stt_v3_request,
    STT_V2_RECOGNIZE: stt_v2_request,
    OCR_RECOGNIZE: ocr_request,
    OCR_SYNC: ocr_request,
}
"""A valid request of each method that takes a recognition request."""


# --------------------------------------------------------------------------------------------- the client


class GrpcClient:
    """A plaintext channel to an emulator and a way to call each served method.

    ``kind="sdk"`` calls through the official SDK's generated stubs with the SDK's message classes;
    ``kind="generic"`` through ``channel.unary_unary``/``unary_stream`` with the registry's classes. Either way the
    responses are real protobuf messages with the same fields; every call has a timeout.
    """

    def __init__(
        self,
        target: str,
        *,
        kind: str = DEFAULT_KIND,
        metadata: Sequence[tuple[str, str]] = AUTH,
        options: Sequence[tuple[str, Any]] = (),
        registry: Registry | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"no {kind!r} client in this environment (have: {', '.join(KINDS)})")
        self.kind = kind
        self.metadata = tuple(metadata)
        self.registry = default_registry() if registry is None else registry
        self.channel = grpc.insecure_channel(target, options=list(options))
        self._stubs: dict[str, Any] = {}

    def __enter__(self) -> GrpcClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.channel.close()

    # ---------------------------------------------------------------------------------------------- messages

    def message_class(self, type_name: str) -> type[message.Message]:
        """This client's class of a message type: the SDK's, or the registry's."""
        if self.kind == "sdk":
            from google.protobuf import descriptor_pool, message_factory

            return message_factory.GetMessageClass(descriptor_pool.Default().FindMessageTypeByName(type_name))
        return self.registry.message_class(type_name)

    def request(self, method: str, payload: Mapping[str, Any] | None = None) -> message.Message:
        """The request message of ``method`` (a full name) built from REST JSON."""
        cls = self.message_class(self.registry.method(method).input_type)
        return json_format.ParseDict(dict(payload or {}), cls())

    def _callable(self, method: str) -> Any:
        info = self.registry.method(method)
        if method not in self._stubs:
            if self.kind == "sdk":
                module, name = _SDK_STUBS[info.service]
                stub = getattr(importlib.import_module(module), name)(self.channel)
                self._stubs[method] = getattr(stub, info.name)
            else:
                request_class = self.registry.message_class(info.input_type)
                response_class = self.registry.message_class(info.output_type)
                factory = self.channel.unary_stream if info.server_streaming else self.channel.unary_unary
                self._stubs[method] = factory(
                    info.grpc_path,
                    request_serializer=request_class.SerializeToString,
                    response_deserializer=response_class.FromString,
                )
        return self._stubs[method]

    def _message(self, method: str, payload: Mapping[str, Any] | message.Message | None) -> message.Message:
        if isinstance(payload, message.Message):
            cls = self.message_class(payload.DESCRIPTOR.full_name)
            return payload if type(payload) is cls else cls.FromString(payload.SerializeToString())
        return self.request(method, payload)

    # ------------------------------------------------------------------------------------------------- calls

    def call(
        self,
        method: str,
        payload: Mapping[str, Any] | message.Message | None = None,
        *,
        metadata: Sequence[tuple[str, str]] | None = None,
        timeout: float = CALL_TIMEOUT,
    ) -> Any:
        """A unary call; raises ``grpc.RpcError`` when it fails."""
        sent = self.metadata if metadata is None else tuple(metadata)
        return self._callable(method)(self._message(method, payload), metadata=sent, timeout=timeout)

    def stream(
        self,
        method: str,
        payload: Mapping[str, Any] | message.Message | None = None,
        *,
        metadata: Sequence[tuple[str, str]] | None = None,
        timeout: float = CALL_TIMEOUT,
    ) -> Any:
        """A server-streaming call: the call object (iterate it; ``.code()`` once it ended)."""
        sent = self.metadata if metadata is None else tuple(metadata)
        return self._callable(method)(self._message(method, payload), metadata=sent, timeout=timeout)

    def collect(self, method: str, payload: Mapping[str, Any] | message.Message | None = None, **kw: Any) -> list[Any]:
        """Every message of a server stream (raises ``grpc.RpcError`` if it fails)."""
        return list(self.stream(method, payload, **kw))

    # ---------------------------------------------------------------------------------------- conveniences

    def start(self, method: str = STT_V3_RECOGNIZE, payload: Mapping[str, Any] | None = None, **kw: Any) -> Any:
        """Start a recognition with ``method``'s valid request (or ``payload``): the Operation."""
        return self.call(method, REQUESTS[method]() if payload is None else payload, **kw)

    def get(self, operation_id: str, **kw: Any) -> Any:
        """``OperationService.Get``."""
        return self.call(GET_OPERATION, {"operationId": operation_id}, **kw)

    def cancel(self, operation_id: str, **kw: Any) -> Any:
        """``OperationService.Cancel``."""
        return self.call(CANCEL_OPERATION, {"operationId": operation_id}, **kw)

    def poll(self, operation_id: str, *, max_polls: int = 50, **kw: Any) -> Any:
        """``Get`` until the operation is done (at most ``max_polls`` times): the done Operation."""
        for _ in range(max_polls):
            operation = self.get(operation_id, **kw)
            if operation.done:
                return operation
        raise AssertionError(f"operation {operation_id} not done after {max_polls} polls")


# -------------------------------------------------------------------------------------------------- helpers


def status_of(error: grpc.RpcError) -> Any:
    """The ``google.rpc.Status`` a failed call carried in ``grpc-status-details-bin`` (``None`` without one)."""
    trailing = error.trailing_metadata() or ()  # type: ignore[attr-defined]
    for key, value in trailing:
        if key == "grpc-status-details-bin":
            return status_pb2.Status.FromString(value)
    return None


def details_of(error: grpc.RpcError) -> list[Any]:
    """The rich error details of a failed call (``BadRequest``, ``QuotaFailure``…), unpacked."""
    status = status_of(error)
    if status is None:
        return []
    kinds = {
        "google.rpc.BadRequest": error_details_pb2.BadRequest,
        "google.rpc.QuotaFailure": error_details_pb2.QuotaFailure,
        "google.rpc.ErrorInfo": error_details_pb2.ErrorInfo,
        "google.rpc.RetryInfo": error_details_pb2.RetryInfo,
    }
    found = []
    for packed in status.details:
        name = packed.type_url.rsplit("/", 1)[-1]
        detail = kinds[name]()
        assert packed.Unpack(detail), packed.type_url
        found.append(detail)
    return found


def unpack(packed: Any, type_name: str, registry: Registry | None = None) -> message.Message:
    """An ``Any`` (of either client's classes) as the registry's message of ``type_name``; asserts the type."""
    assert packed.type_url == f"type.googleapis.com/{type_name}", packed.type_url
    reg = default_registry() if registry is None else registry
    return reg.message_class(type_name).FromString(packed.value)


def any_of(msg: message.Message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(msg)
    return packed


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.01) -> bool:
    """Whether ``predicate`` became true within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


def ndjson(lines: Iterable[str]) -> Iterator[Any]:
    """The JSON values of an NDJSON body's lines."""
    import json

    for line in lines:
        if line.strip():
            yield json.loads(line)
