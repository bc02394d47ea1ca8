"""The package's exception hierarchy: one base class, and "the contract is broken" kept apart from "the
name you asked for does not exist"."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class YcContractsError(Exception):
    """Base class of every exception yc-contracts raises on purpose."""


class UnknownNameError(YcContractsError, LookupError):
    """A message, enum, service, method, route or type URL that the contract does not define.

    Attributes:
        kind: what was looked up (``"message"``, ``"method"``, …).
        name: the name as given.
        suggestions: the closest names the contract does define, best first (may be empty).
    """

    def __init__(self, kind: str, name: str, candidates: Iterable[str] = ()) -> None:
        self.kind = kind
        self.name = name
        self.suggestions = tuple(_close_matches(name, candidates))
        hint = f"; did you mean {', '.join(repr(s) for s in self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown {kind} {name!r}{hint}")

    def __reduce__(self) -> tuple[type[UnknownNameError], tuple[str, str, tuple[str, ...]]]:
        return (type(self), (self.kind, self.name, self.suggestions))


class ContractError(YcContractsError):
    """The descriptors themselves are inconsistent (for example an option names a type that does not exist).

    This is a defect in the protos or the generated code, never in a caller's payload.
    """


class MissingDependencyError(YcContractsError, ImportError):
    """An optional dependency a feature needs is not installed (the message says which extra provides it)."""


def _close_matches(name: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """Closest candidates to ``name``, comparing both full names and their last dotted component."""
    pool = sorted(set(candidates))
    found = difflib.get_close_matches(name, pool, n=limit, cutoff=0.6)
    short = name.rsplit(".", 1)[-1].rsplit("/", 1)[-1].lower()
    by_short = [c for c in pool if c.rsplit(".", 1)[-1].rsplit("/", 1)[-1].lower() == short]
    near_short = {c.rsplit(".", 1)[-1].lower(): c for c in pool}
    by_short += [near_short[m] for m in difflib.get_close_matches(short, list(near_short), n=limit, cutoff=0.75)]
    ordered = list(dict.fromkeys(by_short + found))
    return ordered[:limit]
