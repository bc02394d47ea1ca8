"""Where a value sits in the text it was read from: JSON Pointer → line and column.

The validators speak JSON Pointers (``/recognitionModel/audioFormat``); an editor, a CI annotation or SARIF wants
``file:line:column``. :class:`JsonLocations` scans JSON text once (a tokenizer over the text, run only for payloads
that have something to report) and records where every value and every object key starts; :func:`yaml_locations`
reads the same from the node marks PyYAML keeps. Both answer for a pointer that does not exist (a missing required
field) with its nearest existing ancestor, the object the field is missing from.

Lines and columns are 1-based; columns count Unicode code points from the start of the line.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

__all__ = ["JsonLocations", "JsonSyntaxProblem", "Locations", "Position", "escape", "split_pointer", "yaml_locations"]

_TOKEN: Final = re.compile(
    r"""[ \t\n\r]*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<punct>[{}\[\],:])
      | (?P<literal>-?Infinity|NaN|true|false|null|-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
    )""",
    re.VERBOSE | re.DOTALL,
)
_NOT_JSON_LITERALS: Final = frozenset({"NaN", "Infinity", "-Infinity"})


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a text: 1-based line and column (the column counts code points)."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class JsonSyntaxProblem:
    """Something the scan found that strict JSON does not allow, where it is, and the pointer of its object."""

    kind: str
    """``"duplicate_key"`` or ``"nan"``."""
    position: Position
    pointer: str
    detail: str


def split_pointer(pointer: str) -> list[str]:
    """The unescaped reference tokens of an RFC 6901 JSON Pointer (``""`` has none)."""
    if not pointer:
        return []
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def escape(token: str) -> str:
    """A key or index as a JSON Pointer reference token (``~`` and ``/`` escaped)."""
    return token.replace("~", "~0").replace("/", "~1")


class Locations(Protocol):
    """Positions of a payload's values and object keys, by JSON Pointer."""

    def value(self, pointer: str) -> Position:
        """Where the value at ``pointer`` starts, or its nearest existing ancestor."""
        ...

    def key(self, pointer: str) -> Position:
        """Where the key of the member at ``pointer`` starts (the value's position when it has no key)."""
        ...


class _Lines:
    """Offset → (line, column) for one text, by binary search over the line starts."""

    def __init__(self, text: str, first_line: int) -> None:
        self._starts = [0, *(m.end() for m in re.finditer("\n", text))]
        self._first = first_line

    def position(self, offset: int) -> Position:
        index = bisect.bisect_right(self._starts, offset) - 1
        return Position(self._first + index, offset - self._starts[index] + 1)


class JsonLocations:
    """Where each value (and each object key) of a JSON text starts, by JSON Pointer.

    The scan is tolerant: it records what it can of text that is not strict JSON (duplicate keys, ``NaN``), and
    stops quietly where the text stops being JSON at all; :attr:`problems` lists what it found that strict JSON
    forbids, with positions.

    Args:
        text: the JSON text (a leading byte order mark is skipped and not counted as a column).
        first_line: the line number of the text's first line in its file (an NDJSON line's number).
    """

    def __init__(self, text: str, *, first_line: int = 1) -> None:
        text = text.removeprefix("\ufeff")
        self._lines = _Lines(text, first_line)
        self._values: dict[str, int] = {}
        self._keys: dict[str, int] = {}
        self.problems: list[JsonSyntaxProblem] = []
        self._scan(text, 0)

    # ------------------------------------------------------------------------------------------- queries

    def value(self, pointer: str) -> Position:
        """Where the value at ``pointer`` starts, or its nearest ancestor's when there is no such value."""
        return self._lines.position(self._nearest(pointer, prefer_key=False))

    def key(self, pointer: str) -> Position:
        """Where the key of the object member at ``pointer`` starts (the value's place if it has no key)."""
        return self._lines.position(self._nearest(pointer, prefer_key=True))

    def __contains__(self, pointer: object) -> bool:
        return pointer in self._values

    def _nearest(self, pointer: str, *, prefer_key: bool) -> int:
        if prefer_key and pointer in self._keys:
            return self._keys[pointer]
        parts = split_pointer(pointer)
        while True:
            current = "".join("/" + escape(p) for p in parts)
            if current in self._values:
                return self._values[current]
            if not parts:
                return 0
            parts.pop()

    # ---------------------------------------------------------------------------------------------- scan

    def _scan(self, text: str, pos: int) -> None:
        """One pass over the tokens with an explicit stack (any nesting depth is safe)."""
        scanner = _Scanner(self)
        match = _TOKEN.match
        end = len(text)
        while pos < end:
            token = match(text, pos)
            if token is None:
                return  # not JSON from here on: json.loads says where
            pos = token.end()
            kind = token.lastgroup or ""
            if not scanner.feed(kind, token.group(kind), token.start(kind)):
                return


@dataclass
class _Frame:
    """An open array or object: its pointer, the next array index, the object keys seen so far."""

    pointer: str
    is_object: bool
    index: int = 0
    keys: set[str] = field(default_factory=set)


class _Scanner:
    """The state of a :class:`JsonLocations` scan, fed one token at a time."""

    def __init__(self, into: JsonLocations) -> None:
        self.into = into
        self.stack: list[_Frame] = []
        self.expect_value = True
        self.key_pointer: str | None = None
        self.key_offset = 0

    def feed(self, kind: str, value: str, start: int) -> bool:
        """Take one token; ``False`` when the text stops being JSON."""
        frame = self.stack[-1] if self.stack else None
        if frame is not None and frame.is_object and not self.expect_value:
            return self.member_token(frame, kind, value, start)
        if value == "]" and frame is not None and not frame.is_object:
            self.stack.pop()
            self.expect_value = False
            return True
        if value == ",":
            self.expect_value = frame is not None and not frame.is_object
            return True
        if value in (":", "}", "]"):
            return False
        return self.value_token(frame, kind, value, start)

    def member_token(self, frame: _Frame, kind: str, value: str, start: int) -> bool:
        """In an object, between members: a key, ``:``, ``,`` or ``}``."""
        if kind == "string":
            try:
                name = json.loads(value)
            except ValueError:
                return False
            self.key_pointer = f"{frame.pointer}/{escape(name)}"
            self.key_offset = start
            if name in frame.keys:
                where = self.into._lines.position(start)
                self.into.problems.append(JsonSyntaxProblem("duplicate_key", where, frame.pointer, name))
            frame.keys.add(name)
        elif value == ":":
            self.expect_value = True
        elif value == "}":
            self.stack.pop()
            self.key_pointer = None
        return True

    def value_token(self, frame: _Frame | None, kind: str, value: str, start: int) -> bool:
        """A value starts here: an array item, an object member's value, or the document itself."""
        if frame is None:
            here = ""
        elif not frame.is_object:
            here = f"{frame.pointer}/{frame.index}"
            frame.index += 1
        else:
            if self.key_pointer is None:
                return False
            here = self.key_pointer
            self.into._keys.setdefault(here, self.key_offset)
            self.key_pointer = None
        self.into._values.setdefault(here, start)
        if value in ("{", "["):
            self.stack.append(_Frame(here, value == "{"))
            self.expect_value = value == "["
            return True
        if kind == "literal" and value in _NOT_JSON_LITERALS:
            self.into.problems.append(JsonSyntaxProblem("nan", self.into._lines.position(start), here, value))
        self.expect_value = False
        return True


class _NodeLocations:
    """The :class:`JsonLocations` interface over positions taken from a YAML node tree."""

    def __init__(self, values: Mapping[str, Position], keys: Mapping[str, Position]) -> None:
        self._values = values
        self._keys = keys

    def value(self, pointer: str) -> Position:
        parts = split_pointer(pointer)
        while True:
            current = "".join("/" + escape(p) for p in parts)
            if current in self._values:
                return self._values[current]
            if not parts:
                return Position(1, 1)
            parts.pop()

    def key(self, pointer: str) -> Position:
        return self._keys.get(pointer) or self.value(pointer)


def yaml_locations(root: Any) -> _NodeLocations:
    """Positions of every value and key under a PyYAML node (``yaml.compose`` output), by JSON Pointer.

    Mapping keys are taken as their scalar text, as the loader turns them into JSON object keys.
    """
    values: dict[str, Position] = {}
    keys: dict[str, Position] = {}
    for pointer, node, key_node in _walk_nodes(root):
        values.setdefault(pointer, _mark(node))
        if key_node is not None:
            keys.setdefault(pointer, _mark(key_node))
    return _NodeLocations(values, keys)


def _mark(node: Any) -> Position:
    mark = node.start_mark
    return Position(mark.line + 1, mark.column + 1)


def _walk_nodes(root: Any) -> Iterator[tuple[str, Any, Any]]:
    stack: list[tuple[str, Any, Any, int]] = [("", root, None, 0)]
    while stack:
        pointer, node, key_node, depth = stack.pop()
        yield pointer, node, key_node
        if depth > 1000:  # an alias cycle; the loader refuses those anyway
            continue
        tag = getattr(node, "id", "")
        if tag == "mapping":
            for k, v in reversed(node.value):
                stack.append((f"{pointer}/{escape(str(k.value))}", v, k, depth + 1))
        elif tag == "sequence":
            for i, item in reversed(list(enumerate(node.value))):
                stack.append((f"{pointer}/{i}", item, None, depth + 1))
