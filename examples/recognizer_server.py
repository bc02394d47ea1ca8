"""A tiny SpeechKit STT v3 gRPC server with canned answers, for the gateway step of ``make demo``.

It serves, on 127.0.0.1 (port 0: a free one), plaintext:

- ``speechkit.stt.v3.AsyncRecognizer/RecognizeFile``: a new Operation (not done) for every request;
- ``speechkit.stt.v3.AsyncRecognizer/GetRecognition``: the canned result of a known operation as a server stream
  of two messages (a final result, then its normalized refinement); NOT_FOUND for an unknown operation;
- ``yandex.cloud.operation.OperationService/Get``: a known operation, done, its response ``google.protobuf.Empty``
  (what RecognizeFile's Operation carries); NOT_FOUND for an unknown one.

Every answer is a contract-valid message built from ``yc_contracts``' message classes, served through gRPC's
generic handlers: no generated service code. It prints ``grpc 127.0.0.1:PORT`` once it serves and stops on
SIGINT or SIGTERM. It is deliberately small: the emulator (a later issue) will replace it, with state, timing and
the other services.

Usage: python examples/recognizer_server.py
"""

from __future__ import annotations

import itertools
import signal
import sys
import threading
from concurrent import futures
from typing import Any

import grpc

import yc_contracts

reg = yc_contracts.registry
Operation = reg.message_class("yandex.cloud.operation.Operation")
Empty = reg.message_class("google.protobuf.Empty")
StreamingResponse = reg.message_class("speechkit.stt.v3.StreamingResponse")

CREATED = "2026-12-01T10:00:00Z"
DONE = "2026-12-01T10:00:04.250Z"
WORDS = (("hello", 120, 480), ("and", 520, 640), ("welcome", 680, 1150))


class Recognizer:
    """The operations it has been asked for (ids only: every recognition has the same canned result)."""

    def __init__(self) -> None:
        self._ids = (f"f8ddemo{n:013d}" for n in itertools.count(1))
        self._known: set[str] = set()
        self._lock = threading.Lock()

    def recognize_file(self, request: Any, context: grpc.ServicerContext) -> Any:
        with self._lock:
            operation_id = next(self._ids)
            self._known.add(operation_id)
        return self._operation(operation_id, done=False)

    def get_operation(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._check(request.operation_id, context)
        return self._operation(request.operation_id, done=True)

    def get_recognition(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._check(request.operation_id, context)
        final = StreamingResponse(channel_tag="0", response_wall_time_ms=1200)
        alternative = final.final.alternatives.add()  # type: ignore[attr-defined]
        alternative.text = " ".join(w for w, _, _ in WORDS)
        alternative.start_time_ms, alternative.end_time_ms, alternative.confidence = 120, 1150, 1.0
        for word, start, end in WORDS:
            alternative.words.add(text=word, start_time_ms=start, end_time_ms=end)
        final.final.channel_tag = "0"  # type: ignore[attr-defined]
        yield final
        refinement = StreamingResponse(channel_tag="0", response_wall_time_ms=1300)
        normalized = refinement.final_refinement.normalized_text  # type: ignore[attr-defined]
        normalized.channel_tag = "0"
        normalized.alternatives.add(text="Hello and welcome.", start_time_ms=120, end_time_ms=1150, confidence=1.0)
        yield refinement

    def _operation(self, operation_id: str, *, done: bool) -> Any:
        op = Operation(id=operation_id, description="STT v3 file recognition", created_by="ajedemo0service0acct")
        op.created_at.FromJsonString(CREATED)  # type: ignore[attr-defined]
        op.modified_at.FromJsonString(DONE if done else CREATED)  # type: ignore[attr-defined]
        if done:
            op.done = True  # type: ignore[attr-defined]
            op.response.Pack(Empty())  # type: ignore[attr-defined]
        return op

    def _check(self, operation_id: str, context: grpc.ServicerContext) -> None:
        with self._lock:
            known = operation_id in self._known
        if not known:
            context.abort(grpc.StatusCode.NOT_FOUND, f"operation {operation_id!r} not found")


def handlers(recognizer: Recognizer) -> list[grpc.GenericRpcHandler]:
    """gRPC's generic handlers for the three methods, (de)serializing with yc_contracts' message classes."""

    def handler(method: str, function: Any) -> grpc.RpcMethodHandler[Any, Any]:
        m = reg.method(method)
        make = grpc.unary_stream_rpc_method_handler if m.server_streaming else grpc.unary_unary_rpc_method_handler
        return make(
            function,
            request_deserializer=reg.message_class(m.input_type).FromString,
            response_serializer=lambda msg: msg.SerializeToString(),
        )

    return [
        grpc.method_handlers_generic_handler(
            "speechkit.stt.v3.AsyncRecognizer",
            {
                "RecognizeFile": handler("speechkit.stt.v3.AsyncRecognizer.RecognizeFile", recognizer.recognize_file),
                "GetRecognition": handler(
                    "speechkit.stt.v3.AsyncRecognizer.GetRecognition", recognizer.get_recognition
                ),
            },
        ),
        grpc.method_handlers_generic_handler(
            "yandex.cloud.operation.OperationService",
            {"Get": handler("yandex.cloud.operation.OperationService.Get", recognizer.get_operation)},
        ),
    ]


def main() -> int:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers(handlers(Recognizer()))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    print(f"grpc 127.0.0.1:{port}", flush=True)
    stopping.wait()
    server.stop(grace=2).wait(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
