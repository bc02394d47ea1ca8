"""The asyncio client: request preparation (validate before sending), metadata, retries, and the per-API methods.
:mod:`yc_contracts.client.sync` wraps it for synchronous code."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from google.protobuf import message

from yc_contracts._version import __version__
from yc_contracts.client.auth import Credentials, ServiceAccountKey, credentials_from
from yc_contracts.client.retry import (
    DEFAULT_POLLING,
    DEFAULT_RETRY,
    Backoff,
    OperationError,
    OperationTimeoutError,
    Retry,
    RpcError,
    is_retryable,
)
from yc_contracts.client.transports import DEFAULT_MAX_RECEIVE_MESSAGE_SIZE, GrpcTransport, RestTransport, Transport
from yc_contracts.contract.registry import Method, Registry, default_registry
from yc_contracts.transcoding.marshal import status_json
from yc_contracts.transcoding.status import CODE_BY_NUMBER

STT_V3_RECOGNIZE: Final = "speechkit.stt.v3.AsyncRecognizer.RecognizeFile"
STT_V3_GET: Final = "speechkit.stt.v3.AsyncRecognizer.GetRecognition"
STT_V3_DELETE: Final = "speechkit.stt.v3.AsyncRecognizer.DeleteRecognition"
STT_V2_RECOGNIZE: Final = "yandex.cloud.ai.stt.v2.SttService.LongRunningRecognize"
OCR_RECOGNIZE: Final = "yandex.cloud.ai.ocr.v1.TextRecognitionAsyncService.Recognize"
OCR_GET: Final = "yandex.cloud.ai.ocr.v1.TextRecognitionAsyncService.GetRecognition"
OPERATION_GET: Final = "yandex.cloud.operation.OperationService.Get"
OPERATION_CANCEL: Final = "yandex.cloud.operation.OperationService.Cancel"
STARTERS: Final = frozenset({STT_V3_RECOGNIZE, STT_V2_RECOGNIZE, OCR_RECOGNIZE})
"""The methods that start an operation: one idempotency key per call, reused by its retries."""
RESULT_READERS: Final = {STT_V3_RECOGNIZE: STT_V3_GET, OCR_RECOGNIZE: OCR_GET}
"""The method that reads a finished operation's results, by the method that started it (STT v2's results are in
the operation's response)."""
DEFAULT_TIMEOUT: Final = 60.0
Request = message.Message | Mapping[str, Any] | str | bytes


class AsyncClient:
    """The four services from asyncio: ``.stt_v3``, ``.stt_v2``, ``.ocr``, ``.operations``.

    Args:
        api_key / iam_token / service_account_key: credentials (one of them); else ``YC_API_KEY`` or
            ``YC_IAM_TOKEN`` from the environment. ``iam_token`` may be a callable that returns a fresh token;
            ``service_account_key`` a key file path, its JSON, or a :class:`ServiceAccountKey`.
        folder_id: sent as ``x-folder-id``.
        transport: ``"grpc"`` (default) or ``"rest"``.
        endpoint: send every service to one address (``HOST:PORT`` or a URL); a loopback address means plaintext —
            the emulator's ``grpc_target`` for gRPC, its ``http_url`` for REST.
        validate: check every request against the contract before sending (a ``ValidationError`` with every
            violation, nothing sent); on by default.
        max_receive_message_size: gRPC's receive limit (256 MiB; gRPC's default of 4 MiB breaks large results).
        timeout: each attempt's deadline in seconds.
        retry: which failures are retried and how (:class:`Retry`); ``NO_RETRY`` turns retries off.
        polling: how operations are polled (:class:`Backoff`: 1 s, 1.5x, up to 30 s, with jitter).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        iam_token: Any = None,
        service_account_key: str | Path | Mapping[str, Any] | ServiceAccountKey | None = None,
        folder_id: str | None = None,
        transport: str = "grpc",
        endpoint: str | None = None,
        validate: bool = True,
        max_receive_message_size: int = DEFAULT_MAX_RECEIVE_MESSAGE_SIZE,
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: Retry = DEFAULT_RETRY,
        polling: Backoff = DEFAULT_POLLING,
        registry: Registry | None = None,
    ) -> None:
        if transport not in {"grpc", "rest"}:
            raise ValueError(f"transport is 'grpc' or 'rest', not {transport!r}")
        self.registry = default_registry() if registry is None else registry
        self.credentials: Credentials | None = credentials_from(
            api_key=api_key, iam_token=iam_token, service_account_key=service_account_key
        )
        self.folder_id = folder_id
        self.transport_name = transport
        self.endpoint = endpoint
        self.validate = validate
        self.timeout = timeout
        self.retry = retry
        self.polling = polling
        agent = f"yc-contracts-client/{__version__}"
        self._transport: Transport = (
            GrpcTransport(self.registry, endpoint, max_receive_message_size, agent)
            if transport == "grpc"
            else RestTransport(self.registry, endpoint, agent)
        )
        self.stt_v3 = AsyncSttV3(self)
        self.stt_v2 = AsyncSttV2(self)
        self.ocr = AsyncOcr(self)
        self.operations = AsyncOperations(self)

    def __repr__(self) -> str:
        where = self.endpoint or "documented endpoints"
        return f"<AsyncClient {self.transport_name} to {where}, credentials={self.credentials!r}>"

    async def close(self) -> None:
        await self._transport.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # --------------------------------------------------------------------------------------------- calls

    def method(self, full_name: str) -> Method:
        for method in self.registry.methods():
            if method.full_name == full_name:
                return method
        raise KeyError(full_name)

    def prepare(self, method: Method, request: Request, validate: bool | None = None) -> message.Message:
        """The request as the registry's message, checked against the contract unless told not to.

        Raises:
            ValidationError: the request breaks the contract (every violation; nothing is sent).
            TypeError: a message of another type.
        """
        from yc_contracts.conversion.protojson import to_proto
        from yc_contracts.validation.validator import check
        from yc_contracts.validation.violations import ValidationError

        checking = self.validate if validate is None else validate
        cls = self.registry.message_class(method.input_type)
        if isinstance(request, message.Message):
            if request.DESCRIPTOR.full_name != method.input_type:
                raise TypeError(f"{method.full_name} takes a {method.input_type}, not a {request.DESCRIPTOR.full_name}")
            ours = request if type(request) is cls else cls.FromString(request.SerializeToString())
            if checking:
                errors = [v for v in check(method.input_type, ours) if v.severity == "error"]
                if errors:
                    raise ValidationError(errors)
            return ours
        built: message.Message = to_proto(method.input_type, request, validate=checking)
        return built

    async def metadata(self, idempotency_key: str | None = None) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        if self.credentials is not None:
            if isinstance(self.credentials, ServiceAccountKey):  # may exchange a token over HTTP: off the loop
                authorization = await asyncio.to_thread(self.credentials.authorization)
            else:
                authorization = self.credentials.authorization()
            found.append(("authorization", authorization))
        if self.folder_id:
            found.append(("x-folder-id", self.folder_id))
        found.append(("x-client-request-id", str(uuid.uuid4())))
        if idempotency_key:
            found.append(("idempotency-key", idempotency_key))
        return found

    async def call(
        self,
        full_name: str,
        request: Request,
        *,
        timeout: float | None = None,
        retry: Retry | None = None,
        validate: bool | None = None,
    ) -> Any:
        """One method call (unary, or a whole server stream as a list), with retries.

        Raises:
            ValidationError: the request breaks the contract (nothing was sent).
            RpcError: the call failed (after the retries its code allows); ``MessageTooLargeError`` says how to
                raise the receive limit.
        """
        method = self.method(full_name)
        prepared = self.prepare(method, request, validate)
        policy = self.retry if retry is None else retry
        per_attempt = self.timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + policy.deadline
        delays = policy.backoff.delays()
        key = str(uuid.uuid4()) if method.full_name in STARTERS else None
        attempt = 0
        while True:
            attempt += 1
            remaining = deadline - loop.time()
            budget = remaining if per_attempt is None else min(per_attempt, remaining)
            metadata = await self.metadata(key)
            try:
                if method.server_streaming:
                    return await self._transport.stream(method, prepared, metadata, max(budget, 0.001))
                return await self._transport.unary(method, prepared, metadata, max(budget, 0.001))
            except RpcError as e:
                if not is_retryable(e) or attempt >= policy.attempts:
                    raise
                delay = next(delays)
                if loop.time() + delay >= deadline:
                    raise
                await asyncio.sleep(delay)


class _Api:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client


class AsyncSttV3(_Api):
    """SpeechKit STT v3 ``AsyncRecognizer``."""

    async def recognize_file(self, request: Request, **options: Any) -> AsyncOperation:
        """Start a recognition (``RecognizeFileRequest``); the operation's ``result()`` is the stream of
        ``StreamingResponse`` messages."""
        return AsyncOperation(
            self._client, await self._client.call(STT_V3_RECOGNIZE, request, **options), STT_V3_RECOGNIZE
        )

    async def get_recognition(self, operation_id: str, **options: Any) -> list[Any]:
        """The results of a finished recognition (every ``StreamingResponse``)."""
        result: list[Any] = await self._client.call(STT_V3_GET, {"operationId": operation_id}, **options)
        return result

    async def delete_recognition(self, operation_id: str, **options: Any) -> Any:
        """Delete a recognition's results."""
        return await self._client.call(STT_V3_DELETE, {"operationId": operation_id}, **options)

    def operation(self, operation_id: str) -> AsyncOperation:
        """Reattach to a recognition started earlier (its results read as ``recognize_file``'s)."""
        return AsyncOperation.attach(self._client, operation_id, STT_V3_RECOGNIZE)


class AsyncSttV2(_Api):
    """SpeechKit STT v2 ``SttService.LongRunningRecognize``."""

    async def long_running_recognize(self, request: Request, **options: Any) -> AsyncOperation:
        """Start a recognition; the operation's ``result()`` is the ``LongRunningRecognitionResponse``."""
        return AsyncOperation(
            self._client, await self._client.call(STT_V2_RECOGNIZE, request, **options), STT_V2_RECOGNIZE
        )

    def operation(self, operation_id: str) -> AsyncOperation:
        return AsyncOperation.attach(self._client, operation_id, STT_V2_RECOGNIZE)


class AsyncOcr(_Api):
    """Vision OCR v1 ``TextRecognitionAsyncService``."""

    async def recognize(self, request: Request, **options: Any) -> AsyncOperation:
        """Start a recognition; the operation's ``result()`` is the list of ``RecognizeTextResponse`` (per page)."""
        return AsyncOperation(self._client, await self._client.call(OCR_RECOGNIZE, request, **options), OCR_RECOGNIZE)

    async def get_recognition(self, operation_id: str, **options: Any) -> list[Any]:
        result: list[Any] = await self._client.call(OCR_GET, {"operationId": operation_id}, **options)
        return result

    def operation(self, operation_id: str) -> AsyncOperation:
        return AsyncOperation.attach(self._client, operation_id, OCR_RECOGNIZE)


class AsyncOperations(_Api):
    """``yandex.cloud.operation.OperationService``."""

    async def get(self, operation_id: str, **options: Any) -> Any:
        return await self._client.call(OPERATION_GET, {"operationId": operation_id}, **options)

    async def cancel(self, operation_id: str, **options: Any) -> Any:
        return await self._client.call(OPERATION_CANCEL, {"operationId": operation_id}, **options)


class AsyncOperation:
    """A long-running recognition: ``await op`` (or ``await op.result(timeout)``) polls until it is done, backing
    off, then returns its results; ``await op.cancel()``; ``op.error`` once it failed."""

    def __init__(self, client: AsyncClient, operation: Any, starter: str) -> None:
        self._client = client
        self.operation = operation
        """The last ``yandex.cloud.operation.Operation`` seen."""
        self.starter = starter
        self.polls = 0

    @classmethod
    def attach(cls, client: AsyncClient, operation_id: str, starter: str) -> AsyncOperation:
        placeholder = client.registry.message_class("yandex.cloud.operation.Operation")(id=operation_id)
        return cls(client, placeholder, starter)

    def __repr__(self) -> str:
        state = "done" if self.operation.done else "running"
        return f"<Operation {self.id} of {self.starter.rsplit('.', 1)[-1]}: {state}>"

    @property
    def id(self) -> str:
        return str(self.operation.id)

    @property
    def error(self) -> OperationError | None:
        """The operation's error as an exception, once it is done and failed (else ``None``)."""
        if not self.operation.done or not self.operation.HasField("error"):
            return None
        status = status_json(self.operation.error, self._client.registry.descriptor_pool)
        code = CODE_BY_NUMBER.get(status["code"], "UNKNOWN")
        return OperationError(code, status["message"], status["details"], self.starter)

    async def refresh(self) -> Any:
        """Poll once (``OperationService.Get``); the operation message."""
        self.operation = await self._client.operations.get(self.id)
        self.polls += 1
        return self.operation

    async def done(self) -> bool:
        """Whether it is done (polling once if it was not)."""
        if not self.operation.done:
            await self.refresh()
        return bool(self.operation.done)

    async def wait(self, timeout: float | None = None) -> Any:
        """Poll until done (backing off), at most ``timeout`` seconds; the operation message.

        Raises:
            OperationTimeoutError: still running after ``timeout`` (the operation goes on).
        """
        loop = asyncio.get_running_loop()
        end = None if timeout is None else loop.time() + timeout
        delays = self._client.polling.delays()
        while not await self.done():
            delay = next(delays)
            if end is not None and loop.time() + delay > end:
                remaining = end - loop.time()
                if remaining > 0:
                    await asyncio.sleep(remaining)
                    if await self.done():
                        break
                raise OperationTimeoutError(
                    f"operation {self.id} is not done after {round(timeout or 0, 3):g} s ({self.polls} polls)"
                )
            await asyncio.sleep(delay)
        return self.operation

    async def result(self, timeout: float | None = None) -> Any:
        """Wait until done; then the results: STT v3 and OCR, the list of messages ``GetRecognition`` streams;
        STT v2, the ``LongRunningRecognitionResponse``.

        Raises:
            OperationError: the operation failed or was cancelled.
            OperationTimeoutError: not done within ``timeout`` seconds.
        """
        await self.wait(timeout)
        error = self.error
        if error is not None:
            raise error
        reader = RESULT_READERS.get(self.starter)
        if reader is not None:
            return await self._client.call(reader, {"operationId": self.id})
        response = self._client.registry.message_class("yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse")()
        self.operation.response.Unpack(response)
        return response

    async def cancel(self) -> Any:
        """Ask the service to cancel it; the operation message it answers."""
        self.operation = await self._client.operations.cancel(self.id)
        return self.operation

    def __await__(self) -> Any:
        return self.result().__await__()
