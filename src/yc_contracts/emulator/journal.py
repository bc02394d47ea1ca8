"""The request journal: every call the emulator answered, for a test to look at and assert on.

Each entry has the method, the metadata (``authorization`` redacted to its scheme: ``Api-Key <redacted>``), the
request as REST JSON (a ``content`` longer than 1 KiB kept as ``{"bytes": N, "sha256": …}`` so the journal stays
small), the status it ended with, and when and how long. The journal keeps the last ``capacity`` entries
(10,000 by default).
"""

from __future__ import annotations

import base64
import binascii
import collections
import hashlib
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

DEFAULT_CAPACITY: Final = 10_000
SECRET_METADATA: Final = frozenset({"authorization", "x-yacloud-subjecttoken", "cookie"})
_SCHEMES: Final = frozenset({"api-key", "bearer"})
_KEPT_CONTENT: Final = 1024


@dataclass
class Call:
    """One journal entry."""

    method: str
    """The method's full name, ``speechkit.stt.v3.AsyncRecognizer.RecognizeFile``."""
    metadata: dict[str, str]
    request: dict[str, Any]
    started: float
    status: str = "RUNNING"
    """The gRPC status code name the call ended with (``RUNNING`` while it is in flight; ``CANCELLED`` when the
    client left or the emulator stopped before it ended)."""
    message: str = ""
    duration: float = 0.0
    operation_id: str | None = None
    messages: int = field(default=0)
    """For a stream: how many messages were sent."""

    @property
    def short_method(self) -> str:
        """``RecognizeFile``."""
        return self.method.rsplit(".", 1)[-1]

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "metadata": self.metadata,
            "request": self.request,
            "started": self.started,
            "status": self.status,
            "message": self.message,
            "duration": self.duration,
            "operationId": self.operation_id,
            "messages": self.messages,
        }


def redact(metadata: Iterable[tuple[str, str | bytes]]) -> dict[str, str]:
    """Metadata as a dict for the journal: secrets replaced by their scheme and ``<redacted>``, binary values by
    their length."""
    found: dict[str, str] = {}
    for key, value in metadata:
        if isinstance(value, bytes):
            text = f"<{len(value)} bytes>"
        elif key.lower() in SECRET_METADATA:
            # Only a known scheme is kept: the first word of a value without one may be the secret itself.
            scheme = value.strip().split(" ", 1)[0]
            text = f"{scheme} <redacted>" if scheme.lower() in _SCHEMES else "<redacted>"
        else:
            text = value
        found[key] = f"{found[key]},{text}" if key in found else text
    return found


def journal_request(request: Mapping[str, Any]) -> dict[str, Any]:
    """The request for the journal: ``content`` past 1 KiB as its size and SHA-256."""
    content = request.get("content")
    if not isinstance(content, str) or len(content) <= _KEPT_CONTENT:
        return dict(request)
    try:
        data = base64.b64decode(content, validate=False)
    except (binascii.Error, ValueError):
        data = content.encode()
    return {**request, "content": {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}}


class Journal:
    """The calls of one emulator, oldest first, at most ``capacity``."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._calls: collections.deque[Call] = collections.deque(maxlen=capacity)
        self._lock = threading.Lock()

    def add(self, call: Call) -> Call:
        with self._lock:
            self._calls.append(call)
        return call

    def calls(self, method: str | None = None, *, status: str | None = None) -> list[Call]:
        """The calls (of ``method``: a full name, ``Service.Method`` or ``Method``; ending with ``status``)."""
        with self._lock:
            found = list(self._calls)
        if method is not None:
            found = [c for c in found if c.method == method or c.method.endswith("." + method)]
        if status is not None:
            found = [c for c in found if c.status == status.upper()]
        return found

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
