"""A real gRPC server for the gateway's tests: ``grpc.aio`` on loopback (ephemeral port), in a background thread,
serving every method of a registry with handlers the test sets, and recording every call it gets."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
import grpc.aio

from yc_contracts.contract.registry import Registry

Handler = Callable[[Any, grpc.aio.ServicerContext], Any]


@dataclass
class Received:
    method: str
    request: Any
    metadata: dict[str, str | bytes]
    deadline: float | None


@dataclass
class FakeUpstream:
    registry: Registry
    max_receive_message_size: int = 64 * 1024 * 1024
    handlers: dict[str, Handler] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: grpc.aio.Server | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, daemon=True)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def on(self, method: str, handler: Handler) -> None:
        """Serve ``method`` (``"/pkg.Service/Method"`` or ``"Service/Method"`` short form) with ``handler``."""
        self.handlers[self._path(method)] = handler

    def _path(self, method: str) -> str:
        if method.startswith("/"):
            return method
        for m in self.registry.methods():
            if m.grpc_path.endswith("." + method) or m.grpc_path == "/" + method:
                return m.grpc_path
        raise KeyError(method)

    def __enter__(self) -> FakeUpstream:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the fake upstream did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._server is not None:
            # asyncio.run may cancel this as soon as the server has terminated: that is a clean stop too
            with contextlib.suppress(concurrent.futures.CancelledError, RuntimeError):
                asyncio.run_coroutine_threadsafe(self._server.stop(0), self._loop).result(30)
        self._thread.join(30)

    def _main(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        server = grpc.aio.server(options=[("grpc.max_receive_message_length", self.max_receive_message_size)])
        by_service: dict[str, dict[str, grpc.RpcMethodHandler]] = {}
        for method in self.registry.methods():
            request_class = self.registry.message_class(method.input_type)
            response_class = self.registry.message_class(method.output_type)
            handler = self._dispatch(method.grpc_path, method.server_streaming)
            make = (
                grpc.unary_stream_rpc_method_handler if method.server_streaming else grpc.unary_unary_rpc_method_handler
            )
            if method.client_streaming:
                continue
            by_service.setdefault(method.service, {})[method.name] = make(
                handler,
                request_deserializer=request_class.FromString,
                response_serializer=response_class.SerializeToString,
            )
        server.add_generic_rpc_handlers(
            [grpc.method_handlers_generic_handler(name, methods) for name, methods in by_service.items()]
        )
        self.port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        self._server = server
        self._ready.set()
        await server.wait_for_termination()

    def _dispatch(self, path: str, streaming: bool) -> Any:
        def record(request: Any, context: grpc.aio.ServicerContext) -> Handler:
            metadata = dict(context.invocation_metadata() or ())
            self.received.append(Received(path, request, metadata, context.time_remaining()))
            # grpc.aio's context.cancelled() reads False in a done callback: cancellations are recorded where the
            # handler is cancelled (below); every call that ends is in `finished`
            context.add_done_callback(lambda c: self.finished.append(path))
            handler = self.handlers.get(path)
            if handler is None:
                raise LookupError(f"no handler for {path}")
            return handler

        if streaming:

            async def stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
                handler = record(request, context)
                try:
                    async for item in handler(request, context):
                        yield item
                except (asyncio.CancelledError, GeneratorExit):
                    self.cancelled.append(path)
                    raise

            return stream

        async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            handler = record(request, context)
            try:
                result = handler(request, context)
                if asyncio.iscoroutine(result):
                    result = await result
            except asyncio.CancelledError:
                self.cancelled.append(path)
                raise
            return result

        return unary
