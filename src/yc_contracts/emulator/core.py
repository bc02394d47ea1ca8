"""The :class:`Emulator`: a gRPC server of the four services on loopback, the REST face (the gateway) on a second
port with the admin API under ``/_emulator/``, and the Python API a test drives it with."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import copy
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from google.protobuf import message

from yc_contracts.contract.registry import Registry, default_registry
from yc_contracts.emulator.config import PROGRESSION_METADATA, EmulatorConfig
from yc_contracts.emulator.faults import Fault, FaultPlan
from yc_contracts.emulator.iam import TokenIssuer
from yc_contracts.emulator.journal import Call, Journal
from yc_contracts.emulator.operations import Clock, OperationRecord, OperationStore, status_message
from yc_contracts.emulator.progression import Progression
from yc_contracts.emulator.results import STT_V2, ResultGenerator
from yc_contracts.emulator.service import STARTERS, EmulatedError, handlers
from yc_contracts.transcoding.status import CODE_NAMES

if TYPE_CHECKING:
    from yc_contracts.gateway.server import Server


class Emulator:
    """The four services, emulated: ``with Emulator() as emu:`` serves gRPC at ``emu.grpc_target`` and REST at
    ``emu.http_url`` until the block ends.

    Args:
        config: an :class:`EmulatorConfig` (or a mapping of its settings); keywords override single settings
            (``Emulator(progression="after_polls: 2", seed=7)``).
        grpc: where to serve gRPC (``HOST:PORT``; port 0 picks a free one).
        http: where to serve the REST face and the admin API; ``None`` serves no HTTP.
    """

    def __init__(
        self,
        config: EmulatorConfig | Mapping[str, Any] | None = None,
        *,
        grpc: str = "127.0.0.1:0",
        http: str | None = "127.0.0.1:0",
        registry: Registry | None = None,
        **settings: Any,
    ) -> None:
        base = config if isinstance(config, EmulatorConfig) else EmulatorConfig.from_mapping(config or {})
        self.config = EmulatorConfig.from_mapping(settings, base) if settings else base
        self.registry = default_registry() if registry is None else registry
        self.clock = Clock()
        self.operations = OperationStore(self.clock, self.config.seed, self.config.retention)
        self.faults = FaultPlan()
        self.journal = Journal()
        self.iam = TokenIssuer()
        """The IAM token exchange at ``POST /iam/v1/tokens`` of the HTTP port."""
        self._grpc_listen = grpc
        self._http_listen = http
        self._grpc_port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Any = None  # a grpc.aio.Server once started
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._http: Server | None = None
        self._results = self._generator()

    def __repr__(self) -> str:
        where = f"grpc {self.grpc_target}" if self._grpc_port else "not started"
        return f"<Emulator {where}, {len(self.operations)} operations, {len(self.journal.calls())} calls>"

    # ------------------------------------------------------------------------------------------- lifecycle

    @property
    def grpc_target(self) -> str:
        """``HOST:PORT`` of the gRPC server (plaintext)."""
        if not self._grpc_port:
            raise RuntimeError("the emulator is not started")
        host = self._grpc_listen.rpartition(":")[0]
        return f"{host}:{self._grpc_port}"

    @property
    def http_url(self) -> str:
        """``http://HOST:PORT`` of the REST face and the admin API."""
        if self._http is None:
            raise RuntimeError("the emulator serves no HTTP (started with http=None, or not started)")
        return self._http.url

    def start(self, timeout: float = 30.0) -> Emulator:
        """Start serving; return once both servers accept connections.

        Raises:
            RuntimeError: a server did not start (the cause is chained: an address in use, say).
        """
        self._thread = threading.Thread(target=self._main, name="yc-contracts-emulator", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout) or self._failure is not None:
            raise RuntimeError(f"the emulator's gRPC server did not start on {self._grpc_listen}") from self._failure
        if self._http_listen is not None:
            from yc_contracts.emulator.admin import http_app
            from yc_contracts.gateway.server import Server

            try:
                self._http = Server(http_app(self), self._http_listen).start(timeout)
            except BaseException:
                self.stop()
                raise
        return self

    def stop(self, grace: float = 5.0) -> None:
        """Stop both servers: calls in flight get ``grace`` seconds to finish."""
        # gRPC first: a REST call in flight then ends with the gRPC call it waits on (an HTTP answer, 503 at worst),
        # and the HTTP server has nothing left to wait for
        if self._loop is not None and self._server is not None:
            server, self._server = self._server, None  # a second stop() has nothing left to stop
            stopping = server.stop(grace)
            try:
                future = asyncio.run_coroutine_threadsafe(stopping, self._loop)
            except RuntimeError:  # the loop has ended already
                stopping.close()
            else:
                # the loop may end (and cancel this) as soon as the server stops
                with contextlib.suppress(RuntimeError, concurrent.futures.CancelledError):
                    future.result(grace + 10)
        if self._thread is not None:
            self._thread.join(grace + 10)
        if self._http is not None:
            self._http.join(timeout=grace)
            self._http = None
        self._grpc_port = 0

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as e:  # reported by start()
            self._failure = e
            self._ready.set()

    async def _serve(self) -> None:
        import grpc.aio

        self._loop = asyncio.get_running_loop()
        server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", self.config.max_receive_message_size),
                ("grpc.max_send_message_length", -1),
                ("grpc.so_reuseport", 0),
            ]
        )
        server.add_generic_rpc_handlers(handlers(self))
        port = server.add_insecure_port(self._grpc_listen)
        if not port:
            raise OSError(f"cannot listen on {self._grpc_listen}")
        await server.start()
        self._server = server
        self._grpc_port = port
        self._ready.set()
        await server.wait_for_termination()

    # ----------------------------------------------------------------------------------------- settings

    def configure(self, **settings: Any) -> EmulatorConfig:
        """Change settings while serving (``emu.configure(progression="manual")``); returns the new config."""
        config = EmulatorConfig.from_mapping(settings, self.config)
        results = self._generator(config)  # fixtures are read and checked before anything changes
        self.config, self._results = config, results
        self.operations.retention = config.retention
        self.operations.seed = config.seed
        return self.config

    def reset(self) -> None:
        """Forget every operation, journal entry and fault (the settings stay)."""
        self.operations.clear()
        self.journal.clear()
        self.faults.clear()

    def _generator(self, config: EmulatorConfig | None = None) -> Any:
        from yc_contracts.emulator.fixtures import ResultSource

        config = self.config if config is None else config
        return ResultSource(ResultGenerator(self.registry, config.seed, config.result_size), config.fixtures)

    # --------------------------------------------------------------------------------------- operations

    def authenticate(self, metadata: Mapping[str, str]) -> None:
        """Check ``authorization`` against the configured credentials (any non-empty one when none are).

        Raises:
            EmulatedError: UNAUTHENTICATED (the message never repeats the credential).
        """
        value = metadata.get("authorization", "").strip()
        scheme, _, secret = value.partition(" ")
        secret = secret.strip()
        if scheme not in {"Api-Key", "Bearer"} or not secret:
            raise EmulatedError(
                "UNAUTHENTICATED",
                "no credentials: send the metadata 'authorization: Api-Key <API key>' or 'Bearer <IAM token>'",
            )
        allowed = self.config.api_keys if scheme == "Api-Key" else self.config.iam_tokens
        configured = self.config.api_keys or self.config.iam_tokens
        issued = scheme == "Bearer" and self.iam.valid(secret, self.clock.now())
        if configured and secret not in allowed and not issued:
            what = "API key" if scheme == "Api-Key" else "IAM token"
            raise EmulatedError("UNAUTHENTICATED", f"the {what} is not valid")

    def start_operation(
        self, method: str, request: Mapping[str, Any], *, folder_id: str = "", progression: Any = None
    ) -> OperationRecord:
        """A new operation of ``method`` (a full name) for ``request`` (REST JSON), with its results planned."""
        now = self.clock.now()
        chosen = Progression.parse(progression) if progression is not None else self.config.progression_for(method)
        record = OperationRecord(
            id=self.operations.new_id(STARTERS[method]),
            method=method,
            description=_DESCRIPTIONS[method],
            created_at=now,
            created_by=self.config.created_by,
            modified_at=now,
            progression=chosen,
            request=dict(request),
            folder_id=folder_id,
        )
        record.results = self.produce(method, request)
        self.operations.add(record)
        return record

    def produce(self, method: str, request: Mapping[str, Any]) -> list[message.Message]:
        """The results a recognition of ``request`` produces (scripted fixtures first, else generated)."""
        results: list[message.Message] = self._results.results(method, request)
        return results

    def operation_message(self, record: OperationRecord) -> message.Message:
        """``record`` as a ``yandex.cloud.operation.Operation`` message of the registry."""
        operation: Any = self.registry.message_class("yandex.cloud.operation.Operation")(
            id=record.id,
            description=record.description,
            created_by=record.created_by,
            done=record.done,
        )
        operation.created_at.FromMicroseconds(round(record.created_at * 1e6))
        operation.modified_at.FromMicroseconds(round(record.modified_at * 1e6))
        if record.done and record.error is not None:
            operation.error.ParseFromString(status_message(record.error, self.registry).SerializeToString())
        elif record.done:
            if record.method == STT_V2 and record.results:
                operation.response.Pack(record.results[0])
            else:
                operation.response.Pack(self.registry.message_class("google.protobuf.Empty")())
        result: message.Message = operation
        return result

    def operation(self, operation_id: str) -> OperationRecord:
        """The record of an operation (``KeyError`` if unknown)."""
        with self.operations.lock:
            for record in self.operations.all():
                if record.id == operation_id:
                    return record
        raise KeyError(operation_id)

    def complete(self, operation_id: str) -> OperationRecord:
        """Finish an operation now, successfully (a ``manual`` one, or any not yet done)."""
        with self.operations.lock:
            record = self.operation(operation_id)
            if not record.done:
                self.operations.finish(record, None)
            return record

    def fail(
        self,
        operation_id: str,
        code: str = "INTERNAL",
        message: str = "recognition failed",
        details: Sequence[Mapping[str, Any]] = (),
    ) -> OperationRecord:
        """Finish an operation now with an error: ``code`` is a gRPC code name, ``details`` the Status details as
        REST JSON ``Any`` objects (``{"@type": "type.googleapis.com/google.rpc.Status", "code": 8, …}``).

        Raises:
            ValueError: an unknown code, a Status the contract does not allow (a ``ValidationError`` naming every
                violation: each detail is an ``Any`` of a type of the registry), or an operation already done.
        """
        if not isinstance(code, str) or code.upper() not in CODE_NAMES or code.upper() == "OK":
            raise ValueError(f"{code!r} is not a gRPC error code name")
        if not isinstance(message, str):
            raise ValueError(f"the message is a string, not {type(message).__name__}")
        error = {"code": CODE_NAMES[code.upper()], "message": message, "details": copy.deepcopy(list(details))}
        status_message(error, self.registry)  # every detail readable, or a ValueError now
        with self.operations.lock:
            record = self.operation(operation_id)
            if record.done:
                raise ValueError(f"operation {operation_id!r} is already done")
            self.operations.finish(record, error)
            return record

    def add_service_account_key(self, key: Mapping[str, Any]) -> None:
        """Trust a service account's authorized key at the token exchange (its JSON; the public half is used)."""
        self.iam.add_key(key)

    @property
    def token_url(self) -> str:
        """The IAM token exchange of this emulator (a client's ``ServiceAccountKey(token_url=…)``)."""
        return self.http_url + "/iam/v1/tokens"

    # ---------------------------------------------------------------------------------------- snapshots

    def snapshot(self, path: str | Path | None = None) -> dict[str, Any]:
        """The operations and settings as a snapshot (:mod:`~yc_contracts.emulator.snapshot` gives the format),
        also written to ``path`` as JSON when given.

        Raises:
            OSError: ``path`` cannot be written.
        """
        from yc_contracts.emulator.snapshot import take, write

        data = take(self)
        if path is not None:
            write(data, path)
        return data

    def restore(self, source: str | Path | Mapping[str, Any]) -> list[OperationRecord]:
        """Replace every operation, and the settings a snapshot holds, with a snapshot's (a dict, or the path of
        its JSON file); the journal and faults stay. Works before :meth:`start` too. Returns the restored records.

        Raises:
            ValueError: the snapshot cannot be read or is invalid (nothing has changed then).
        """
        from yc_contracts.emulator.snapshot import restore

        return restore(self, source, _DESCRIPTIONS)

    # ------------------------------------------------------------------------------------------- faults

    def inject(self, method: str, **fault: Any) -> Fault:
        """Add a fault (see :class:`~yc_contracts.emulator.faults.Fault`): ``emu.inject("RecognizeFile",
        code="UNAVAILABLE", times=2)``."""
        return self.faults.add(Fault(method=method, **fault))

    # ------------------------------------------------------------------------------------------ journal

    def calls(self, method: str | None = None, *, status: str | None = None) -> list[Call]:
        """The journal's calls, oldest first (of ``method``: ``"RecognizeFile"``, ``"OperationService.Get"``…)."""
        return self.journal.calls(method, status=status)

    def assert_called(
        self, method: str, *, times: int | None = None, request: Mapping[str, Any] | None = None
    ) -> list[Call]:
        """Assert that ``method`` was called (``times`` times exactly, if given; with a request containing
        ``request``, if given); returns the matching calls.

        Raises:
            AssertionError: with the calls that were made, so the failure says what happened instead.
        """
        from yc_contracts.emulator.faults import _contains

        found = self.calls(method)
        if request is not None:
            found = [c for c in found if _contains(c.request, request)]
        if (times is None and not found) or (times is not None and len(found) != times):
            made = ", ".join(f"{c.short_method}={c.status}" for c in self.calls()) or "none"
            wanted = "at least once" if times is None else f"{times} time{'s' if times != 1 else ''}"
            raise AssertionError(f"expected {method} {wanted}, it was called {len(found)} times; calls made: {made}")
        return found

    def assert_not_called(self, method: str) -> None:
        """Assert that ``method`` was never called."""
        self.assert_called(method, times=0)


_DESCRIPTIONS = {
    "speechkit.stt.v3.AsyncRecognizer.RecognizeFile": "STT v3 async recognition",
    STT_V2: "Long running recognition",
    "yandex.cloud.ai.ocr.v1.TextRecognitionAsyncService.Recognize": "OCR async text recognition",
}


def progression_from_metadata(metadata: Mapping[str, str]) -> Any:
    """The per-request progression the metadata sets, or ``None``."""
    return metadata.get(PROGRESSION_METADATA)
