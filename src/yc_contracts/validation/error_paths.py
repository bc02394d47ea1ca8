"""The instance path of a jsonschema-rs error, with the empty object keys it leaves out put back.

jsonschema-rs (0.60) drops an object key ``""`` from ``ValidationError.instance_path``: for ``{"m": {"": 5}}``
against ``additionalProperties: {"type": "string"}`` it reports ``["m"]``, the map, instead of ``["m", ""]``,
the entry (JSON Pointer ``/m/``). Maps and ``Struct`` values may have such keys, so the schema layer rebuilds the
path from the error's evaluation path (the keywords it went through, ``$ref`` jumps included) where the reported
path cannot be the whole story.

The repair runs only when the reported path does not lead, in the instance, to an object free of ``""`` keys
(or to a non-object) along the way: for every other error the path is returned as it came.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any, Final, Protocol, TypeAlias

__all__ = ["Given", "instance_path"]


class _Error(Protocol):
    @property
    def instance_path(self) -> Sequence[str | int]: ...
    @property
    def evaluation_path(self) -> Sequence[str | int]: ...
    @property
    def instance(self) -> Any: ...
    @property
    def message(self) -> str: ...


# Keywords whose subschema applies to one member of the object (after a name or pattern token for the first).
_NAMED_MEMBER: Final = "properties"
_ANY_MEMBER: Final = frozenset({"additionalProperties", "unevaluatedProperties"})
_PATTERN_MEMBER: Final = "patternProperties"
# Keywords whose subschema applies to one item of the array (after an index token for prefixItems).
_ANY_ITEM: Final = frozenset({"items", "additionalItems", "unevaluatedItems", "contains"})
_INDEXED_ITEM: Final = "prefixItems"
# Keywords followed by a token that names a subschema without moving in the instance.
_NAMED_IN_PLACE: Final = frozenset({"dependentSchemas", "$defs", "definitions"})


Given: TypeAlias = dict[tuple[Any, ...], set[tuple[str | int, ...]]]
"""Which repaired paths the errors of one ``iter_errors`` call have been given (see :func:`instance_path`)."""


def instance_path(error: _Error, instance: Any, given: Given | None = None) -> list[str | int]:
    """``error.instance_path`` (relative to ``instance``, the value the validator was given), with any empty
    keys it lost restored; the reported path unchanged when it needs no repair or cannot be repaired.

    Errors of one ``iter_errors`` call should share ``given``: when the lost keys could go in more than one
    place (``{"a": {"": 1}, "": {"a": 1}}`` under a map of maps reports ``["a"]`` twice, for ``/a/`` and
    ``//a``), an error exactly like an earlier one (same keywords, reported path and message) takes the next
    place the path fits, so each error gets its own.
    """
    reported = list(error.instance_path)
    if not _may_have_lost_a_key(reported, instance):
        return reported
    steps = list(error.evaluation_path)[:-1]  # the last keyword is the one that failed: it moves nowhere
    candidates = _Repair(steps, reported, error.instance).walk(0, 0, instance, [])
    first = next(candidates, None)
    if first is None:
        return reported
    if given is None:
        return first
    taken = given.setdefault((tuple(error.evaluation_path), tuple(reported), error.message), set())
    for candidate in itertools.chain([first], candidates):
        if tuple(candidate) not in taken:
            taken.add(tuple(candidate))
            return candidate
    return first


def _may_have_lost_a_key(path: list[str | int], instance: Any) -> bool:
    here = instance
    for segment in path:
        if isinstance(here, dict):
            if "" in here or not isinstance(segment, str) or segment not in here:
                return True
            here = here[segment]
        elif isinstance(here, list) and isinstance(segment, int) and 0 <= segment < len(here):
            here = here[segment]
        else:
            return True
    return isinstance(here, dict) and "" in here


class _Repair:
    """Follow the evaluation path ``steps`` through the instance, matching the reported segments; an empty key
    is put back where the path enters an object member that the report skips. The walk must end where the
    error's own instance is."""

    def __init__(self, steps: list[str | int], reported: list[str | int], target: Any) -> None:
        self.steps, self.reported, self.target = steps, reported, target

    def walk(self, i: int, j: int, here: Any, out: list[str | int]) -> Iterator[list[str | int]]:
        """Every path the error may have, in the order the reported segments suggest."""
        steps, reported = self.steps, self.reported
        while i < len(steps):
            token = steps[i]
            if token == "propertyNames":  # its subschema sees the keys, not the values: no more moves
                break
            if token == _NAMED_MEMBER and i + 1 < len(steps):
                name = steps[i + 1]
                if not isinstance(here, dict) or name not in here:
                    return
                if name != "":
                    if j >= len(reported) or reported[j] != name:
                        return
                    j += 1
                here, out, i = here[name], [*out, name], i + 2
                continue
            if token in _ANY_MEMBER or (token == _PATTERN_MEMBER and i + 1 < len(steps)):
                if not isinstance(here, dict):
                    return
                rest = i + (2 if token == _PATTERN_MEMBER else 1)
                key = reported[j] if j < len(reported) else None
                if isinstance(key, str) and key in here:
                    yield from self.walk(rest, j + 1, here[key], [*out, key])
                if "" in here:
                    yield from self.walk(rest, j, here[""], [*out, ""])
                return
            if token in _ANY_ITEM or (token == _INDEXED_ITEM and i + 1 < len(steps)):
                index = reported[j] if j < len(reported) else None
                if not isinstance(here, list) or not isinstance(index, int) or not 0 <= index < len(here):
                    return
                here, out, i, j = here[index], [*out, index], i + (2 if token == _INDEXED_ITEM else 1), j + 1
                continue
            i += 2 if token in _NAMED_IN_PLACE else 1
        if j == len(reported) and _same(here, self.target):
            yield out


def _same(a: Any, b: Any) -> bool:
    return a is b or (type(a) is type(b) and a == b) or (isinstance(a, (int, float)) and a == b)
