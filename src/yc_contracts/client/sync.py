"""The synchronous client: the asyncio client run on a private event loop thread, so both behave the same (one
implementation of retries, polling and transports) and the sync client works inside a running loop too (Jupyter).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from yc_contracts.client.core import AsyncClient, AsyncOperation, Request

T = TypeVar("T")


class _LoopThread:
    """An event loop on a daemon thread; ``run(coro)`` blocks until the coroutine is done there."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="yc-contracts-client", daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def stop(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


class Client:
    """The four services from synchronous code: ``.stt_v3``, ``.stt_v2``, ``.ocr``, ``.operations``.

    Takes :class:`~yc_contracts.client.AsyncClient`'s keywords (credentials, ``transport``, ``endpoint``,
    ``validate``, ``max_receive_message_size``, ``timeout``, ``retry``, ``polling``).
    """

    def __init__(self, **options: Any) -> None:
        self._runner = _LoopThread()
        try:
            self._async = self._runner.run(_make(options))
        except BaseException:
            self._runner.stop()
            raise
        self.stt_v3 = SttV3(self)
        self.stt_v2 = SttV2(self)
        self.ocr = Ocr(self)
        self.operations = Operations(self)

    def __repr__(self) -> str:
        return repr(self._async).replace("<AsyncClient", "<Client", 1)

    @property
    def async_client(self) -> AsyncClient:
        """The asyncio client underneath (its coroutines run on this client's loop thread only)."""
        return self._async

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        if self._runner.loop.is_closed():
            coroutine.close()
            raise RuntimeError("the client is closed: make calls inside its `with` block (or before close())")
        return self._runner.run(coroutine)

    def call(self, full_name: str, request: Request, **options: Any) -> Any:
        """One method call by full name (see :meth:`AsyncClient.call`)."""
        return self.run(self._async.call(full_name, request, **options))

    def close(self) -> None:
        if not self._runner.loop.is_closed():
            self.run(self._async.close())
            self._runner.stop()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def _make(options: dict[str, Any]) -> AsyncClient:
    return AsyncClient(**options)


class Operation:
    """A long-running recognition: ``op.result(timeout)`` polls until done (backing off) and returns its results;
    ``op.done()``, ``op.cancel()``, ``op.error``, ``op.id``, ``op.operation`` (the last Operation message)."""

    def __init__(self, client: Client, inner: AsyncOperation) -> None:
        self._client = client
        self._inner = inner

    def __repr__(self) -> str:
        return repr(self._inner)

    @property
    def id(self) -> str:
        return self._inner.id

    @property
    def operation(self) -> Any:
        return self._inner.operation

    @property
    def polls(self) -> int:
        return self._inner.polls

    @property
    def error(self) -> Any:
        return self._inner.error

    def done(self) -> bool:
        if self._inner.operation.done:  # known without a call (also after the client is closed)
            return True
        return self._client.run(self._inner.done())

    def wait(self, timeout: float | None = None) -> Any:
        return self._client.run(self._inner.wait(timeout))

    def result(self, timeout: float | None = None) -> Any:
        return self._client.run(self._inner.result(timeout))

    def cancel(self) -> Any:
        return self._client.run(self._inner.cancel())


class _Api:
    def __init__(self, client: Client) -> None:
        self._client = client

    def _operation(self, coroutine: Coroutine[Any, Any, AsyncOperation]) -> Operation:
        return Operation(self._client, self._client.run(coroutine))


class SttV3(_Api):
    def recognize_file(self, request: Request, **options: Any) -> Operation:
        return self._operation(self._client.async_client.stt_v3.recognize_file(request, **options))

    def get_recognition(self, operation_id: str, **options: Any) -> list[Any]:
        return self._client.run(self._client.async_client.stt_v3.get_recognition(operation_id, **options))

    def delete_recognition(self, operation_id: str, **options: Any) -> Any:
        return self._client.run(self._client.async_client.stt_v3.delete_recognition(operation_id, **options))

    def operation(self, operation_id: str) -> Operation:
        return Operation(self._client, self._client.async_client.stt_v3.operation(operation_id))


class SttV2(_Api):
    def long_running_recognize(self, request: Request, **options: Any) -> Operation:
        return self._operation(self._client.async_client.stt_v2.long_running_recognize(request, **options))

    def operation(self, operation_id: str) -> Operation:
        return Operation(self._client, self._client.async_client.stt_v2.operation(operation_id))


class Ocr(_Api):
    def recognize(self, request: Request, **options: Any) -> Operation:
        return self._operation(self._client.async_client.ocr.recognize(request, **options))

    def get_recognition(self, operation_id: str, **options: Any) -> list[Any]:
        return self._client.run(self._client.async_client.ocr.get_recognition(operation_id, **options))

    def operation(self, operation_id: str) -> Operation:
        return Operation(self._client, self._client.async_client.ocr.operation(operation_id))


class Operations(_Api):
    def get(self, operation_id: str, **options: Any) -> Any:
        return self._client.run(self._client.async_client.operations.get(operation_id, **options))

    def cancel(self, operation_id: str, **options: Any) -> Any:
        return self._client.run(self._client.async_client.operations.cancel(operation_id, **options))
