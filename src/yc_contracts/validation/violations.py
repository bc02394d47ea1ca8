"""Violations are data: where (a JSON Pointer into the payload), which rule (a stable id), what (a sentence)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from yc_contracts.contract.errors import YcContractsError

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Violation:
    """One problem with a payload.

    Attributes:
        path: RFC 6901 JSON Pointer into the payload (``""`` is the payload itself), e.g.
            ``/recognitionModel/audioFormat/rawAudio/sampleRateHertz``. A missing field is pointed at where it
            would be.
        rule: the stable dotted rule id (``type.int64``, ``oneof.exactly_one``, ``stt.v2.lpcm_sample_rate``…);
            ``docs/rules.md`` lists them all.
        message: one English sentence: what was found, and what is allowed.
        severity: ``"error"`` (the service rejects it) or ``"warning"`` (accepted, but likely a mistake).
    """

    path: str
    rule: str
    message: str
    severity: Severity = "error"

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready mapping of the four attributes."""
        return {"path": self.path, "rule": self.rule, "message": self.message, "severity": self.severity}

    def __str__(self) -> str:
        return f"{self.path or '/'}: {self.message} [{self.rule}]"


class ValidationError(YcContractsError, ValueError):
    """A payload the service would reject. ``violations`` lists every error-severity problem found.

    Attributes:
        violations: the errors, in payload order (warnings are not included; use ``check`` to see them).
    """

    def __init__(self, violations: Iterable[Violation]) -> None:
        self.violations = tuple(violations)
        count = len(self.violations)
        shown = "; ".join(str(v) for v in self.violations[:5])
        more = f"; and {count - 5} more" if count > 5 else ""
        super().__init__(f"{count} violation{'s' if count != 1 else ''}: {shown}{more}")

    def __reduce__(self) -> tuple[type[ValidationError], tuple[tuple[Violation, ...]]]:
        return (type(self), (self.violations,))


def pointer(parts: Iterable[object]) -> str:
    """An RFC 6901 JSON Pointer from path segments (keys and indexes)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
