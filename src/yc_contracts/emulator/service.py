"""The emulator's gRPC methods: every call is authenticated, journaled, checked against the contract and subject to
the fault plan before it does its work.

Served: ``speechkit.stt.v3.AsyncRecognizer`` (RecognizeFile, GetRecognition, DeleteRecognition),
``yandex.cloud.ai.stt.v2.SttService.LongRunningRecognize``, ``yandex.cloud.ai.ocr.v1.TextRecognitionAsyncService``
(Recognize, GetRecognition), ``yandex.cloud.ai.ocr.v1.TextRecognitionService.Recognize`` (the synchronous OCR
stream), and ``yandex.cloud.operation.OperationService`` (Get, Cancel). Any other method is ``UNIMPLEMENTED``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from google.protobuf import any_pb2, json_format, message

from yc_contracts.emulator.journal import Call, journal_request, redact
from yc_contracts.emulator.operations import OperationNotFoundError, OperationRecord, status_message
from yc_contracts.emulator.results import OCR_ASYNC, OCR_SYNC, STT_V2, STT_V3
from yc_contracts.transcoding.status import CODE_BY_NUMBER, CODE_NAMES, bad_request, error_details_pb2, status_pb2

if TYPE_CHECKING:
    import grpc

    from yc_contracts.emulator.core import Emulator

GET_OPERATION: Final = "yandex.cloud.operation.OperationService.Get"
CANCEL_OPERATION: Final = "yandex.cloud.operation.OperationService.Cancel"
STT_V3_GET: Final = "speechkit.stt.v3.AsyncRecognizer.GetRecognition"
STT_V3_DELETE: Final = "speechkit.stt.v3.AsyncRecognizer.DeleteRecognition"
OCR_GET: Final = "yandex.cloud.ai.ocr.v1.TextRecognitionAsyncService.GetRecognition"

STARTERS: Final[Mapping[str, str]] = {STT_V3: "e03", STT_V2: "e05", OCR_ASYNC: "fbe"}
"""The methods that start an operation, with the id prefix their operations get."""
READERS: Final[Mapping[str, str]] = {STT_V3_GET: STT_V3, OCR_GET: OCR_ASYNC}
"""The ``GetRecognition`` methods, with the method whose operations they read."""
SERVED: Final = (*STARTERS, *READERS, STT_V3_DELETE, OCR_SYNC, GET_OPERATION, CANCEL_OPERATION)

Context = Any
"""A ``grpc.aio.ServicerContext``."""


class EmulatedError(Exception):
    """A gRPC error the emulator answers with: a code name, a message, and ``google.rpc`` details."""

    def __init__(self, code: str, message: str, details: tuple[message.Message, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def status(self) -> message.Message:
        status: Any = status_pb2.Status(code=CODE_NAMES[self.code], message=self.message)
        for detail in self.details:
            packed = any_pb2.Any()
            if detail.DESCRIPTOR.full_name == "google.protobuf.Any":  # packed already: an operation's own details
                packed.MergeFromString(detail.SerializeToString())
            else:
                packed.Pack(detail)
            status.details.append(packed)
        result: message.Message = status
        return result


def handlers(emulator: Emulator) -> list[grpc.GenericRpcHandler]:
    """The generic handlers of every served method, bound to ``emulator``."""
    import grpc

    registry = emulator.registry
    by_service: dict[str, dict[str, Any]] = {}
    for method in registry.methods():
        if method.full_name not in SERVED:
            continue
        request_class = registry.message_class(method.input_type)
        response_class = registry.message_class(method.output_type)
        decode, encode = request_class.FromString, response_class.SerializeToString
        handler: Any
        if method.server_streaming:
            handler = grpc.unary_stream_rpc_method_handler(
                _stream(emulator, method.full_name), request_deserializer=decode, response_serializer=encode
            )
        else:
            handler = grpc.unary_unary_rpc_method_handler(
                _unary(emulator, method.full_name), request_deserializer=decode, response_serializer=encode
            )
        by_service.setdefault(method.service, {})[method.name] = handler
    return [grpc.method_handlers_generic_handler(name, methods) for name, methods in by_service.items()]


# --------------------------------------------------------------------------------------- the call wrapper


def _unary(emulator: Emulator, method: str) -> Callable[[Any, Any], Any]:
    work = _UNARY[method]

    async def handle(request: message.Message, context: Context) -> message.Message:
        call, request_json, fault = await _begin(emulator, method, request, context)
        try:
            if fault is not None and fault.code is not None:
                raise _fault_error(fault)
            response = work(emulator, call, request, request_json)
        except EmulatedError as e:
            await _fail(emulator, call, context, e)
            raise AssertionError("unreachable: abort raises") from None
        _end(emulator, call, "OK", "")
        return response

    return handle


def _stream(emulator: Emulator, method: str) -> Callable[[Any, Any], AsyncIterator[message.Message]]:
    async def handle(request: message.Message, context: Context) -> AsyncIterator[message.Message]:
        call, request_json, fault = await _begin(emulator, method, request, context)
        try:
            if fault is not None and fault.code is not None and fault.cut_after is None:
                raise _fault_error(fault)
            results = _stream_results(emulator, call, method, request_json)
        except EmulatedError as e:
            await _fail(emulator, call, context, e)
            return
        limit = fault.cut_after if fault is not None else None
        for item in results:
            if limit is not None and call.messages >= limit:
                assert fault is not None
                cut = EmulatedError(fault.stream_code, fault.message or f"the stream was cut after {limit} messages")
                await _fail(emulator, call, context, cut)
                return
            call.messages += 1
            try:
                yield item
            except (asyncio.CancelledError, GeneratorExit):  # the client left mid-stream
                _end(emulator, call, "CANCELLED", f"cancelled after {call.messages} messages")
                raise
        _end(emulator, call, "OK", "")

    return handle


async def _begin(
    emulator: Emulator, method: str, request: message.Message, context: Context
) -> tuple[Call, dict[str, Any], Any]:
    """Journal the call, authenticate it, apply the fault plan's latency, and check the request."""
    metadata = tuple(context.invocation_metadata() or ())
    request_json = json_format.MessageToDict(request, descriptor_pool=emulator.registry.descriptor_pool)
    call = emulator.journal.add(
        Call(method=method, metadata=redact(metadata), request=journal_request(request_json), started=time.time())
    )
    call._clock_start = time.perf_counter()  # type: ignore[attr-defined]
    try:
        emulator.authenticate({k: v for k, v in metadata if isinstance(v, str)})
        fault = emulator.faults.take(method, request_json)
        if fault is not None and fault.latency:
            try:
                await asyncio.sleep(fault.latency)
            except asyncio.CancelledError:  # the client left, or the emulator is stopping
                _end(emulator, call, "CANCELLED", f"cancelled during the fault's {fault.latency:g} s latency")
                raise
        if fault is not None and fault.code is not None and fault.cut_after is None:
            raise _fault_error(fault)  # instead of the normal answer, a refusal of an invalid request included
        if emulator.config.validate:
            _check(emulator, method, request, request_json)
    except EmulatedError as e:
        await _fail(emulator, call, context, e)
        raise AssertionError("unreachable: abort raises") from None
    return call, request_json, fault


def _check(emulator: Emulator, method: str, request: message.Message, request_json: Mapping[str, Any]) -> None:
    from yc_contracts.validation.validator import check

    errors = [v for v in check(request.DESCRIPTOR.full_name, request_json) if v.severity == "error"]
    if errors:
        # google.rpc.BadRequest with every violation, in the gateway's form: field = its JSON Pointer into the
        # request's REST JSON, description = the sentence, reason = the rule id (docs/rules.md)
        details = [bad_request(errors)]
        raise EmulatedError(
            "INVALID_ARGUMENT",
            f"{len(errors)} violation{'s' if len(errors) != 1 else ''} of the contract in {method}: "
            + "; ".join(f"{v.path or '/'}: {v.message} [{v.rule}]" for v in errors[:3])
            + ("; …" if len(errors) > 3 else ""),
            tuple(details),
        )


async def _fail(emulator: Emulator, call: Call, context: Context, error: EmulatedError) -> None:
    import grpc

    _end(emulator, call, error.code, error.message)
    trailing = (("grpc-status-details-bin", error.status().SerializeToString()),) if error.details else ()
    await context.abort(grpc.StatusCode[error.code], error.message, trailing_metadata=trailing)


def _end(emulator: Emulator, call: Call, code: str, text: str) -> None:
    call.status = code
    call.message = text
    call.duration = time.perf_counter() - getattr(call, "_clock_start", time.perf_counter())


def _fault_error(fault: Any) -> EmulatedError:
    details: tuple[message.Message, ...] = ()
    if fault.quota:
        quota = error_details_pb2.QuotaFailure()
        quota.violations.add(subject="emulator", description=fault.message)
        details = (quota,)
    return EmulatedError(fault.code, fault.message, details)


# ------------------------------------------------------------------------------------------- the methods


def _start(emulator: Emulator, call: Call, request: message.Message, request_json: dict[str, Any]) -> message.Message:
    from yc_contracts.emulator.config import PROGRESSION_METADATA

    try:
        record = emulator.start_operation(
            call.method,
            request_json,
            folder_id=call.metadata.get("x-folder-id", ""),
            progression=call.metadata.get(PROGRESSION_METADATA),
        )
    except ValueError as e:  # an x-emulator-progression that is not one
        raise EmulatedError("INVALID_ARGUMENT", f"{PROGRESSION_METADATA}: {e}") from None
    call.operation_id = record.id
    return emulator.operation_message(record)


def _get_operation(emulator: Emulator, call: Call, request: Any, request_json: dict[str, Any]) -> message.Message:
    call.operation_id = request.operation_id
    try:
        record = emulator.operations.poll(request.operation_id)
    except OperationNotFoundError as e:
        raise EmulatedError("NOT_FOUND", str(e)) from None
    return emulator.operation_message(record)


def _cancel_operation(emulator: Emulator, call: Call, request: Any, request_json: dict[str, Any]) -> message.Message:
    call.operation_id = request.operation_id
    with emulator.operations.lock:
        try:
            record = emulator.operations.get(request.operation_id)
        except OperationNotFoundError as e:
            raise EmulatedError("NOT_FOUND", str(e)) from None
        if record.done:
            raise EmulatedError(
                "FAILED_PRECONDITION", f"operation {record.id!r} is already done; it cannot be cancelled"
            )
        emulator.operations.finish(
            record, {"code": CODE_NAMES["CANCELLED"], "message": "operation cancelled", "details": []}
        )
    return emulator.operation_message(record)


def _delete_recognition(emulator: Emulator, call: Call, request: Any, request_json: dict[str, Any]) -> message.Message:
    call.operation_id = request.operation_id
    with emulator.operations.lock:
        record = _readable(emulator, STT_V3, request.operation_id)
        record.results_deleted = True
        record.results = []
    result: message.Message = emulator.registry.message_class("google.protobuf.Empty")()
    return result


def _readable(emulator: Emulator, starter: str, operation_id: str) -> OperationRecord:
    try:
        record = emulator.operations.get(operation_id)
    except OperationNotFoundError as e:
        raise EmulatedError("NOT_FOUND", str(e)) from None
    if record.method != starter or record.results_deleted:
        raise EmulatedError("NOT_FOUND", f"no recognition results for operation {operation_id!r}")
    return record


def _stream_results(emulator: Emulator, call: Call, method: str, request_json: dict[str, Any]) -> list[message.Message]:
    if method == OCR_SYNC:
        return emulator.produce(OCR_SYNC, request_json)
    operation_id = str(request_json.get("operationId", ""))
    call.operation_id = operation_id
    with emulator.operations.lock:
        record = _readable(emulator, READERS[method], operation_id)
        if not record.done:
            raise EmulatedError(
                "FAILED_PRECONDITION",
                f"operation {operation_id!r} is not done yet: poll OperationService.Get until it is done",
            )
        if record.error is not None:
            status = status_message(record.error, emulator.registry)
            raise EmulatedError(CODE_BY_NUMBER.get(status.code, "UNKNOWN"), status.message, tuple(status.details))
        return list(record.results)


_UNARY: Final[Mapping[str, Callable[..., message.Message]]] = {
    STT_V3: _start,
    STT_V2: _start,
    OCR_ASYNC: _start,
    GET_OPERATION: _get_operation,
    CANCEL_OPERATION: _cancel_operation,
    STT_V3_DELETE: _delete_recognition,
}
