"""Transcribes a recording with SpeechKit's asynchronous recognition over gRPC: submit, poll, read the result.

The reader's code that docs/emulator.md tests against the emulator. It uses the contract's generated stubs (the
official SDK's ``yandex.cloud.ai.stt.v3`` stubs are called the same way).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import grpc

import yc_contracts

_STT = yc_contracts.registry.grpc_module("speechkit.stt.v3.AsyncRecognizer")
_OPERATIONS = yc_contracts.registry.grpc_module("yandex.cloud.operation.OperationService")
_RecognizeFileRequest: Any = yc_contracts.registry.message_class("speechkit.stt.v3.RecognizeFileRequest")
_GetRecognitionRequest: Any = yc_contracts.registry.message_class("speechkit.stt.v3.GetRecognitionRequest")
_GetOperationRequest: Any = yc_contracts.registry.message_class("yandex.cloud.operation.GetOperationRequest")

CALL_TIMEOUT = 30.0
ATTEMPTS = 3
"""How many times a call that failed with UNAVAILABLE is made before giving up."""


class RecognitionError(Exception):
    """The operation ended with an error."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"recognition failed ({code}): {message}")
        self.code = code


class Transcriber:
    def __init__(
        self,
        channel: grpc.Channel,
        *,
        api_key: str,
        poll_interval: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._stt = _STT.AsyncRecognizerStub(channel)
        self._operations = _OPERATIONS.OperationServiceStub(channel)
        self._metadata = (("authorization", f"Api-Key {api_key}"),)
        self._poll_interval = poll_interval
        self._sleep = sleep

    def transcribe(self, uri: str) -> str:
        """The text of the WAV file at ``uri`` (Object Storage): every final utterance, in order."""
        request = _RecognizeFileRequest(uri=uri)
        request.recognition_model.audio_format.container_audio.container_audio_type = 1  # WAV
        operation = self._call(self._stt.RecognizeFile, request)
        while not operation.done:
            self._sleep(self._poll_interval)
            operation = self._call(self._operations.Get, _GetOperationRequest(operation_id=operation.id))
        if operation.HasField("error"):
            raise RecognitionError(operation.error.code, operation.error.message)
        stream = self._stt.GetRecognition(
            _GetRecognitionRequest(operation_id=operation.id), metadata=self._metadata, timeout=CALL_TIMEOUT
        )
        return " ".join(m.final.alternatives[0].text for m in stream if m.HasField("final"))

    def _call(self, method: Callable[..., Any], request: Any) -> Any:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return method(request, metadata=self._metadata, timeout=CALL_TIMEOUT)
            except grpc.RpcError as e:
                if e.code() != grpc.StatusCode.UNAVAILABLE or attempt == ATTEMPTS:
                    raise
                self._sleep(self._poll_interval * attempt)
        raise AssertionError("unreachable")
