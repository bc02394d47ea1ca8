"""The violation cap: past :data:`MAX_VIOLATIONS` (or the caller's ``max_violations``) violations are counted,
not built, and one last ``limit.violations`` says how many more were found, so the cost of a payload stays linear
in it however many violations it has."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from yc_contracts.validation.violations import Violation

MAX_VIOLATIONS: Final = 1000
"""Violations reported per payload by default; past it, one ``limit.violations`` says how many more were found."""

MAX_REQUEST_BYTES: Final = 32 * 1024 * 1024
"""32 MiB: what the CLI reads of one input and the gateway of one request body, by default. The largest request
the contract allows is an OCR request whose ``content`` decodes to 20 MiB (the ``ocr.max_file_bytes`` limit):
27,962,028 characters of base64, plus the other fields and a little JSON escaping, about 28 MB. 32 MiB leaves
room for that and for ``\\/`` escapes, and stops a runaway file, pipe or upload long before it costs gigabytes."""


class Budget:
    """Room left for violations in one run, and the count of those found past it (``exact`` while every
    omitted one was counted one by one rather than as "at least one" per failing part)."""

    __slots__ = ("cap", "exact", "left", "more")

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.left = cap
        self.more = 0
        self.exact = True

    def count(self, n: int, *, exact: bool = False) -> None:
        self.more += n
        self.exact = self.exact and exact

    def summary(self) -> Violation | None:
        if not self.more:
            return None
        many = f"{self.more:,} more" if self.exact else f"at least {self.more:,} more"
        return Violation(
            "",
            "limit.violations",
            f"{many} violation(s) were found and are not listed: at most {self.cap:,} are reported per payload "
            "(max_violations=)",
        )


class Bounded(list[Violation]):
    """The rule walker's output: past the budget, violations are counted, not kept."""

    def __init__(self, budget: Budget) -> None:
        super().__init__()
        self.budget = budget

    def append(self, v: Violation) -> None:
        if len(self) < self.budget.left:
            super().append(v)
        else:
            self.budget.count(1, exact=True)

    def __iadd__(self, items: Iterable[Violation]) -> Bounded:  # type: ignore[override,misc]
        for v in items:
            self.append(v)
        return self


def capped(found: list[Violation], budget: Budget) -> list[Violation]:
    """``found`` (sorted) cut to the budget's cap, with the ``limit.violations`` summary last when needed."""
    if len(found) > budget.cap:
        budget.count(len(found) - budget.cap, exact=True)
        found = found[: budget.cap]
    summary = budget.summary()
    return [*found, summary] if summary is not None else found
