"""Deterministic fault injection: what the next calls of a method do instead of (or before) their normal answer.

A :class:`Fault` applies to calls of one method (``"RecognizeFile"``, ``"OperationService.Get"``, a full name, or
``"*"`` for every method), to the next ``times`` of them (``None``: every one until cleared) that match its
predicate (a Python callable on the request's REST JSON, or ``match``: a JSON subset the request must contain).
It may add ``latency`` seconds, fail the call with ``code`` and ``message``, or, for a stream, cut it after
``cut_after`` messages (with ``code``, ``UNAVAILABLE`` by default). ``quota=True`` fails the way the service
rejects a call over quota: ``RESOURCE_EXHAUSTED`` with a ``google.rpc.QuotaFailure`` detail.

Faults are consumed in the order they were added; nothing is random.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from yc_contracts.transcoding.status import CODE_NAMES

Predicate = Callable[[Mapping[str, Any]], bool]


@dataclass
class Fault:
    """One injected behaviour; see the module's description."""

    method: str
    code: str | None = None
    message: str = ""
    times: int | None = 1
    latency: float = 0.0
    cut_after: int | None = None
    quota: bool = False
    match: Mapping[str, Any] | None = None
    predicate: Predicate | None = field(default=None, repr=False)
    fired: int = 0

    def __post_init__(self) -> None:
        kinds = {"method": str, "message": str, "quota": bool}
        for name, kind in kinds.items():
            if not isinstance(getattr(self, name), kind):
                raise ValueError(f"fault {name} must be a {kind.__name__}, not {getattr(self, name)!r}")
        for name in ("latency",):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ValueError(f"fault {name} is a number of seconds, not {value!r}")
        for name in ("times", "cut_after"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise ValueError(f"fault {name} is a whole number (or null), not {value!r}")
        if self.code is not None and not isinstance(self.code, str):
            raise ValueError(f"fault code is a gRPC code name such as 'UNAVAILABLE', not {self.code!r}")
        if self.match is not None and not isinstance(self.match, Mapping):
            raise ValueError("fault match is a JSON object the request must contain")
        if self.quota and self.code is None:
            self.code = "RESOURCE_EXHAUSTED"
        if self.code is not None:
            self.code = self.code.upper()
            if self.code not in CODE_NAMES or self.code == "OK":
                raise ValueError(f"fault code {self.code!r} is not a gRPC error code name (UNAVAILABLE, NOT_FOUND, …)")
        if self.cut_after is not None and self.cut_after < 0:
            raise ValueError("cut_after is a number of messages, 0 or more")
        if self.times is not None and self.times < 1:
            raise ValueError("times is 1 or more (None: until cleared)")
        if self.latency < 0:
            raise ValueError("latency is a number of seconds, 0 or more")
        if self.code is None and not self.latency and self.cut_after is None:
            raise ValueError("a fault needs a code, a latency or cut_after")
        if not self.message and self.code is not None:
            self.message = (
                "Quota limit exceeded, please retry later"
                if self.quota
                else f"fault injected by the emulator: {self.code}"
            )

    @property
    def stream_code(self) -> str:
        """The code a cut stream ends with."""
        return self.code or "UNAVAILABLE"

    def applies(self, method: str, request: Mapping[str, Any]) -> bool:
        if self.method != "*" and not _names(method, self.method):
            return False
        if self.match is not None and not _contains(request, self.match):
            return False
        return self.predicate is None or bool(self.predicate(request))

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "code": self.code,
            "message": self.message,
            "times": self.times,
            "latency": self.latency,
            "cutAfter": self.cut_after,
            "quota": self.quota,
            "match": self.match,
            "predicate": self.predicate is not None,
            "fired": self.fired,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """A fault from the admin API's JSON (camelCase or snake_case keys)."""
        known = {
            "method": "method",
            "code": "code",
            "message": "message",
            "times": "times",
            "latency": "latency",
            "cutAfter": "cut_after",
            "cut_after": "cut_after",
            "quota": "quota",
            "match": "match",
        }
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"unknown fault field {unknown[0]!r} (known: {', '.join(sorted(set(known)))})")
        if not isinstance(data.get("method"), str):
            raise ValueError('a fault names its method: {"method": "RecognizeFile", …}')
        return cls(**{known[k]: v for k, v in data.items()})


def _names(method: str, wanted: str) -> bool:
    """Whether ``wanted`` names ``method`` (a full name ``pkg.Service.Method``): the full name, ``Service.Method``
    or ``Method``."""
    return method == wanted or method.endswith("." + wanted)


def _contains(value: Any, subset: Any) -> bool:
    if isinstance(subset, Mapping):
        return isinstance(value, Mapping) and all(k in value and _contains(value[k], v) for k, v in subset.items())
    return bool(value == subset)


class FaultPlan:
    """The faults of one emulator, consumed in order."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, request: Mapping[str, Any]) -> Fault | None:
        """The first fault that applies to this call, counted as fired (and dropped once used up)."""
        with self._lock:
            for fault in self._faults:
                if fault.applies(method, request):
                    fault.fired += 1
                    if fault.times is not None and fault.fired >= fault.times:
                        self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
