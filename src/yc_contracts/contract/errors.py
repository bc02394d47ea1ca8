"""The package's exception hierarchy: one base class, and "the contract is broken" kept apart from "the
name you asked for does not exist"."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Final

SHOWN_CHARACTERS: Final = 64
"""Values up to this many characters appear in messages whole; longer ones are shortened in the middle."""
SUGGEST_UP_TO: Final = 200
"""Names longer than this get no "did you mean" (no name of the contract is anywhere near as long)."""


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
        self.suggestions = tuple(close_matches(name, candidates))
        hint = f"; did you mean {', '.join(shown(s) for s in self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown {kind} {shown(name)}{hint}")

    def __reduce__(self) -> tuple[type[UnknownNameError], tuple[str, str, tuple[str, ...]]]:
        return (type(self), (self.kind, self.name, self.suggestions))


class ContractError(YcContractsError):
    """The descriptors themselves are inconsistent (for example an option names a type that does not exist).

    This is a defect in the protos or the generated code, never in a caller's payload.
    """


class MissingDependencyError(YcContractsError, ImportError):
    """An optional dependency a feature needs is not installed (the message says which extra provides it)."""


def close_matches(name: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """Closest candidates to ``name``, comparing both full names and their last dotted component; none for a name
    longer than any the contract has (comparing a megabyte of text would cost seconds)."""
    if len(name) > SUGGEST_UP_TO:
        return []
    pool = sorted(set(candidates))
    found = difflib.get_close_matches(name, pool, n=limit, cutoff=0.6)
    short = name.rsplit(".", 1)[-1].rsplit("/", 1)[-1].lower()
    by_short = [c for c in pool if c.rsplit(".", 1)[-1].rsplit("/", 1)[-1].lower() == short]
    near_short: dict[str, list[str]] = {}
    for c in pool:
        near_short.setdefault(c.rsplit(".", 1)[-1].lower(), []).append(c)
    for m in difflib.get_close_matches(short, list(near_short), n=limit, cutoff=0.75):
        # Of the types sharing a short name (many services have an UpdateInstanceRequest), the nearest package first.
        by_short += sorted(near_short[m], key=lambda c: -_shared_package(c, name))
    ordered = list(dict.fromkeys(by_short + found))
    return ordered[:limit]


def _shared_package(a: str, b: str) -> int:
    """How many leading dotted components ``a`` and ``b`` have in common."""
    count = 0
    for x, y in zip(a.split("."), b.split("."), strict=False):
        if x != y:
            break
        count += 1
    return count


def shown(text: str) -> str:
    """``text`` quoted for a message: whole up to :data:`SHOWN_CHARACTERS`, otherwise its first 40 and last 20
    characters around an ellipsis, with the total length, so that long URIs and type URLs stay recognisable.

    Every message that quotes a value of the caller's goes through here.
    """
    if len(text) <= SHOWN_CHARACTERS:
        return repr(text)
    return f"{text[:40] + '…' + text[-20:]!r} ({len(text):,} characters)"
