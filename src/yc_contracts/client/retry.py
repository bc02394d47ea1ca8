"""Retries and polling that know the codes, after google-api-core's ``Retry`` and operation polling.

A call is retried on ``UNAVAILABLE`` and on a quota ``RESOURCE_EXHAUSTED``, with exponential backoff and jitter,
until the retry's deadline; never on a message-too-large ``RESOURCE_EXHAUSTED`` (the client's own receive limit:
retrying cannot help, raising the limit does). Operation polling backs off the same way.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

from yc_contracts.contract.errors import YcContractsError

RETRYABLE: Final = frozenset({"UNAVAILABLE", "RESOURCE_EXHAUSTED"})
_TOO_LARGE: Final = re.compile(r"larger than max|message too large|exceeds? (?:the )?max", re.IGNORECASE)


class RpcError(YcContractsError):
    """A call that failed: its gRPC ``code`` name, ``message``, and the ``google.rpc.Status`` ``details`` (JSON).

    Attributes:
        code: ``"UNAVAILABLE"``, ``"NOT_FOUND"``…
        message: the service's message.
        details: the Status details as REST JSON (``{"@type": …, …}``), e.g. a ``google.rpc.BadRequest``.
        method: the method's full name.
    """

    def __init__(
        self, code: str, message: str, details: list[dict[str, object]] | None = None, method: str = ""
    ) -> None:
        super().__init__(f"{method + ': ' if method else ''}{code}: {message}")
        self.code = code
        self.message = message
        self.details = list(details or [])
        self.method = method


class MessageTooLargeError(RpcError):
    """The answer was larger than the client's receive limit (gRPC reports it as ``RESOURCE_EXHAUSTED``)."""


class OperationError(RpcError):
    """An operation that finished with an error (its ``google.rpc.Status``), or was cancelled."""


class OperationTimeoutError(YcContractsError, TimeoutError):
    """An operation not done when ``result(timeout=…)`` gave up (it goes on; ``result`` can be called again)."""


def is_message_too_large(code: str, message: str) -> bool:
    """Whether a ``RESOURCE_EXHAUSTED`` is gRPC's receive (or send) limit rather than a quota."""
    return code == "RESOURCE_EXHAUSTED" and bool(_TOO_LARGE.search(message))


def is_retryable(error: RpcError) -> bool:
    """``UNAVAILABLE``, and ``RESOURCE_EXHAUSTED`` unless it is a message-too-large."""
    return error.code in RETRYABLE and not isinstance(error, MessageTooLargeError)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: ``initial`` seconds, times ``multiplier`` each time, at most ``maximum``;
    each delay is drawn from [delay/2, delay] (``jitter``), so clients that failed together do not retry together."""

    initial: float = 1.0
    maximum: float = 30.0
    multiplier: float = 2.0
    jitter: bool = True
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not (0 < self.initial <= self.maximum) or self.multiplier < 1:
            raise ValueError("backoff needs 0 < initial <= maximum and multiplier >= 1")

    def delays(self) -> Iterator[float]:
        delay = self.initial
        while True:
            yield self.rng.uniform(delay / 2, delay) if self.jitter else delay
            delay = min(delay * self.multiplier, self.maximum)


@dataclass(frozen=True)
class Retry:
    """Which failed calls are tried again, and when: ``backoff`` between attempts, at most ``attempts`` in all,
    within ``deadline`` seconds from the first (google-api-core's ``Retry``)."""

    backoff: Backoff = field(default_factory=lambda: Backoff(initial=0.25, maximum=8.0))
    attempts: int = 5
    deadline: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.deadline <= 0:
            raise ValueError("a retry needs attempts >= 1 and a deadline above 0")


NO_RETRY: Final = Retry(attempts=1)
DEFAULT_RETRY: Final = Retry()
DEFAULT_POLLING: Final = Backoff(initial=1.0, maximum=30.0, multiplier=1.5)
"""Operation polling: 1 s, then 1.5x each poll up to 30 s, with jitter (the SDKs poll every 1 s or 10 s)."""
