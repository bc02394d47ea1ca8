"""The emulator's operations: what each long-running call started, how far it has got, and what it produced.

State is in memory behind one lock (the gRPC servicers, the admin API and the test's own thread all touch it).
Time comes from a :class:`Clock` a test can move forward (``emu.clock.advance(60)``) instead of sleeping.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from yc_contracts.emulator.progression import Progression

if TYPE_CHECKING:
    from yc_contracts.contract.registry import Registry

DEFAULT_RETENTION_SECONDS: Final = 3 * 24 * 3600.0
"""How long results are kept once an operation is done: 3 days, as the STT documentation gives for its
recognition results; after that ``Get`` and ``GetRecognition`` answer ``NOT_FOUND``."""

_ID_ALPHABET: Final = "0123456789abcdefghijklmnopqrstuv"  # the lower-case base32hex of Yandex Cloud ids


def status_message(error: Mapping[str, Any], registry: Registry) -> Any:
    """``error``, a ``google.rpc.Status`` as REST JSON (``code``, ``message``, ``details``), as the registry's
    Status message, checked by the package's validators as any Status of the contract is: each detail is an
    ``Any`` of a type the registry knows (``{"@type": "type.googleapis.com/google.rpc.Status", …}``).

    Raises:
        ValidationError: (a ``ValueError``) the Status is not valid, with every violation.
    """
    from yc_contracts.conversion.protojson import to_proto

    return to_proto("google.rpc.Status", dict(error), registry=registry)


class Clock:
    """Wall-clock time plus an offset a test can move forward."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the emulator's time forward (``after:`` progressions and retention see it at once)."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._offset += seconds


@dataclass
class OperationRecord:
    """One operation: its public fields, its plan and its outcome."""

    id: str
    method: str
    """The full name of the method that started it (``speechkit.stt.v3.AsyncRecognizer.RecognizeFile``)."""
    description: str
    created_at: float
    created_by: str
    modified_at: float
    progression: Progression
    request: dict[str, Any]
    """The request as REST JSON."""
    folder_id: str = ""
    polls: int = 0
    done: bool = False
    error: dict[str, Any] | None = None
    """The ``google.rpc.Status`` JSON of a failed or cancelled operation."""
    results: list[Any] = field(default_factory=list, repr=False)
    """What it produced once done: the messages ``GetRecognition`` streams (OCR, STT v3), or the one
    ``LongRunningRecognitionResponse`` (STT v2)."""
    planned_error: dict[str, Any] | None = None
    """A failure arranged for when it completes (a fault, or ``emu.fail``)."""
    results_deleted: bool = False
    expires_at: float | None = None

    def summary(self) -> dict[str, Any]:
        """The record as JSON values (what the admin API and snapshots show)."""
        return {
            "id": self.id,
            "method": self.method,
            "description": self.description,
            "createdAt": self.created_at,
            "createdBy": self.created_by,
            "modifiedAt": self.modified_at,
            "progression": self.progression.to_json(),
            "polls": self.polls,
            "done": self.done,
            "error": self.error,
            "folderId": self.folder_id,
            "request": self.request,
            "resultsDeleted": self.results_deleted,
            "expiresAt": self.expires_at,
        }


class OperationNotFoundError(LookupError):
    """No such operation, or its results' storage time has passed."""


class OperationStore:
    """Every operation of one emulator, by id."""

    def __init__(self, clock: Clock, seed: int, retention: float = DEFAULT_RETENTION_SECONDS) -> None:
        self.clock = clock
        self.retention = retention
        self.seed = seed
        """What the ids are derived from (with :attr:`counter`): the emulator's seed."""
        self.counter = 0
        """How many ids were made; the next id is derived from the next value."""
        self._records: dict[str, OperationRecord] = {}
        self.lock = threading.RLock()

    def new_id(self, prefix: str) -> str:
        """A 20-character id in Yandex Cloud's style (3-character service prefix), deterministic per seed."""
        with self.lock:
            self.counter += 1
            digest = hashlib.sha256(f"{self.seed}:{self.counter}".encode()).digest()
        tail = "".join(_ID_ALPHABET[b % 32] for b in digest[: 20 - len(prefix)])
        return prefix + tail

    def add(self, record: OperationRecord) -> None:
        with self.lock:
            self._records[record.id] = record
            self.advance(record)

    def get(self, operation_id: str) -> OperationRecord:
        """The live record (advanced to now).

        Raises:
            OperationNotFoundError: unknown, or expired.
        """
        with self.lock:
            record = self._records.get(operation_id)
            if record is None:
                raise OperationNotFoundError(f"operation {operation_id!r} not found")
            self.advance(record)
            if record.expires_at is not None and self.clock.now() >= record.expires_at:
                raise OperationNotFoundError(
                    f"operation {operation_id!r} not found: its results were kept for {self.retention:g} s"
                )
            return record

    def poll(self, operation_id: str) -> OperationRecord:
        """``OperationService.Get``: counts a poll, then advances."""
        with self.lock:
            record = self._records.get(operation_id)
            if record is not None and not record.done:
                record.polls += 1
            return self.get(operation_id)

    def advance(self, record: OperationRecord) -> None:
        """Complete ``record`` if its progression says it is time."""
        if record.done:
            return
        p = record.progression
        now = self.clock.now()
        due = (
            p.mode == "immediate"
            or (p.mode == "after_polls" and record.polls >= p.polls)
            or (p.mode == "after" and now >= record.created_at + p.seconds)
        )
        if due:
            self.finish(record, record.planned_error)

    def finish(self, record: OperationRecord, error: dict[str, Any] | None) -> None:
        """Mark ``record`` done, with ``error`` (a Status JSON) or its results."""
        now = self.clock.now()
        record.done = True
        record.error = error
        record.modified_at = now
        record.expires_at = now + self.retention

    def all(self) -> list[OperationRecord]:
        with self.lock:
            for record in self._records.values():
                self.advance(record)
            return list(self._records.values())

    def clear(self) -> None:
        with self.lock:
            self._records.clear()

    def __iter__(self) -> Iterator[OperationRecord]:
        return iter(self.all())

    def __len__(self) -> int:
        return len(self._records)
