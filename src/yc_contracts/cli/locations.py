"""Where a value sits in the text it was read from: JSON Pointer → line and column.

The validators speak JSON Pointers (``/recognitionModel/audioFormat``); an editor, a CI annotation or SARIF wants
``file:line:column``. :class:`JsonLocations` scans JSON text once and records where values and object keys start;
the YAML reader (:mod:`yc_contracts.cli.yaml_documents`) fills the same :class:`RecordedLocations` from the
parser's marks. Both answer for a pointer that does not
exist (a missing required field) with its nearest existing ancestor, the object the field is missing from.

The cost is linear in the text and the memory in what is asked for: given the pointers of a payload's violations,
the scan records only those and their ancestors, skips every other subtree without decoding it, and never builds
a pointer string for a value nobody asked about. Strings are skipped with ``str.find`` rather than a regular
expression, whose backtracking state would grow with the string (a 50 MB ``content`` once cost 7 GB here).

Lines and columns are 1-based; columns count Unicode code points from the start of the line.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Protocol

__all__ = [
    "JsonLocations",
    "JsonSyntaxProblem",
    "Locations",
    "PointerNode",
    "Position",
    "RecordedLocations",
    "escape",
    "split_pointer",
]

_WHITESPACE: Final = re.compile(r"[ \t\n\r]*")
_STRUCTURE: Final = re.compile(r'["\[\]{}]')
_LITERAL: Final = re.compile(r"-?Infinity|NaN|true|false|null|-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_NOT_JSON_LITERALS: Final = frozenset({"NaN", "Infinity", "-Infinity"})
_scan_string: Final = json.decoder.scanstring  # type: ignore[attr-defined]


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


class PointerNode:
    """A pointer the scan records (a node of the trie of wanted pointers): where its value and its key start."""

    __slots__ = ("children", "key", "value")

    def __init__(self) -> None:
        self.children: dict[str, PointerNode] = {}
        self.value: int | Position = -1
        self.key: int | Position = -1


class RecordedLocations:
    """Positions recorded for a set of JSON Pointers (and their ancestors), asked about afterwards.

    A reader fills the trie: :meth:`child` steps from a node to the next token's (``None`` when nothing under it
    was asked about, unless every value is recorded), and sets ``value``/``key`` on the nodes it passes.

    Args:
        pointers: the pointers that will be asked about; ``None`` records every value (memory grows with them).
        origin: the answer when not even the document's own position is known.
    """

    def __init__(self, pointers: Iterable[str] | None, origin: Position) -> None:
        self.root = PointerNode()
        self.grow = pointers is None
        for pointer in pointers or ():
            node = self.root
            for token in split_pointer(pointer):
                node = node.children.setdefault(token, PointerNode())
        self._origin = origin

    def child(self, node: PointerNode | None, token: str) -> PointerNode | None:
        """The trie node of ``token`` under ``node``, if anything there is recorded."""
        if node is None:
            return None
        found = node.children.get(token)
        if found is None and self.grow:
            found = node.children[token] = PointerNode()
        return found

    def value(self, pointer: str) -> Position:
        """Where the value at ``pointer`` starts, or its nearest ancestor's when there is no such value."""
        return self._nearest(pointer, prefer_key=False)

    def key(self, pointer: str) -> Position:
        """Where the key of the object member at ``pointer`` starts (the value's place if it has no key)."""
        return self._nearest(pointer, prefer_key=True)

    def __contains__(self, pointer: object) -> bool:
        if not isinstance(pointer, str):
            return False
        node = self._find(split_pointer(pointer))
        return node is not None and isinstance(node.value, Position)

    def _find(self, tokens: list[str]) -> PointerNode | None:
        node: PointerNode | None = self.root
        for token in tokens:
            node = node.children.get(token) if node is not None else None
        return node

    def _nearest(self, pointer: str, *, prefer_key: bool) -> Position:
        tokens = split_pointer(pointer)
        if prefer_key:
            node = self._find(tokens)
            if node is not None and isinstance(node.key, Position):
                return node.key
        best = self.root.value
        node = self.root
        for token in tokens:
            child = node.children.get(token)
            if child is None or not isinstance(child.value, Position):
                break
            node, best = child, child.value
        return best if isinstance(best, Position) else self._origin

    def nodes(self) -> list[PointerNode]:
        """Every node of the trie."""
        found: list[PointerNode] = []
        pending = [self.root]
        while pending:
            node = pending.pop()
            found.append(node)
            pending.extend(node.children.values())
        return found


@dataclass(slots=True)
class _Frame:
    """An open array or object: its trie node (``None`` when nothing under it is wanted), how it was reached,
    the next array index, and (when looking for problems) the object keys seen so far."""

    node: PointerNode | None
    token: str | None
    is_object: bool
    index: int = 0
    keys: set[str] | None = None


class _StopError(Exception):
    """The text stops being JSON here: the scan ends quietly (``json.loads`` says where and why)."""


def _skip(text: str, pos: int) -> int:
    """The offset of the first character at or after ``pos`` that is not JSON whitespace."""
    if pos >= len(text) or text[pos] not in " \t\n\r":
        return pos  # the common case, without a regular expression call
    found = _WHITESPACE.match(text, pos)
    return found.end() if found is not None else pos


def _string_end(text: str, start: int) -> int:
    """The offset just after the JSON string that starts (with its quote) at ``start``."""
    i = start + 1
    while True:
        quote = text.find('"', i)
        if quote < 0:
            raise _StopError
        k = quote
        while text[k - 1] == "\\":  # stops at the opening quote at the latest
            k -= 1
        if (quote - k) % 2 == 0:
            return quote + 1
        i = quote + 1


def _container_end(text: str, start: int) -> int:
    """The offset just after the array or object that starts at ``start`` (its contents are not looked at)."""
    depth = 0
    pos = start
    search = _STRUCTURE.search
    while True:
        found = search(text, pos)
        if found is None:
            raise _StopError
        at = found.start()
        c = text[at]
        if c == '"':
            pos = _string_end(text, at)
            continue
        depth += 1 if c in "[{" else -1
        pos = at + 1
        if depth == 0:
            return pos


class JsonLocations(RecordedLocations):
    """Where values (and object keys) of a JSON text start, by JSON Pointer.

    The scan is tolerant: it records what it can of text that is not strict JSON (duplicate keys, ``NaN``), and
    stops quietly where the text stops being JSON at all.

    Args:
        text: the JSON text (a leading byte order mark is skipped and not counted as a column).
        first_line: the line number of the text's first line in its file (an NDJSON line's number).
        pointers: the pointers that will be asked about (their ancestors are recorded too, for the fallback);
            ``None`` records every value, at a cost in memory proportional to the number of values.
        find_problems: also list what strict JSON forbids in :attr:`problems` (duplicate keys, ``NaN``);
            by default only when ``pointers`` is ``None``.
    """

    def __init__(
        self,
        text: str,
        *,
        first_line: int = 1,
        pointers: Iterable[str] | None = None,
        find_problems: bool | None = None,
    ) -> None:
        super().__init__(pointers, Position(first_line, 1))
        self._find_problems = self.grow if find_problems is None else find_problems
        self._problem_offsets: list[tuple[str, int, str, str]] = []
        self.problems: list[JsonSyntaxProblem] = []
        """What the scan found that strict JSON forbids, in text order (empty unless asked for)."""
        start = 1 if text.startswith("\ufeff") else 0
        with contextlib.suppress(_StopError, IndexError, ValueError):  # not JSON from here on: json.loads says where
            self._scan(text, start)
        self._place(text, start, first_line)

    # ---------------------------------------------------------------------------------------------- scan

    def _scan(self, text: str, pos: int) -> None:
        """One pass over the text with an explicit stack (any nesting depth is safe)."""
        stack: list[_Frame] = []
        node: PointerNode | None = self.root
        token: str | None = None
        problems = self._find_problems
        while True:
            # A value starts here (after whitespace): the document, an array item or a member's value.
            pos = _skip(text, pos)
            if node is not None and node.value == -1:
                node.value = pos
            c = text[pos]
            opened = False
            if c in "[{":
                if node is None and not problems:
                    pos = _container_end(text, pos)
                else:
                    is_object = c == "{"
                    stack.append(_Frame(node, token, is_object, keys=set() if problems and is_object else None))
                    pos += 1
                    opened = True
            elif c == '"':
                pos = _string_end(text, pos)
            else:
                literal = _LITERAL.match(text, pos)
                if literal is None:
                    raise _StopError
                if problems and literal.group() in _NOT_JSON_LITERALS:
                    pointer = self._pointer(stack, token)
                    self._problem_offsets.append(("nan", pos, pointer, literal.group()))
                pos = literal.end()
            # What follows: the next item or member, the end of a container, or the end of the document.
            while True:
                if not stack:
                    return
                frame = stack[-1]
                pos = _skip(text, pos)
                if text[pos] == ("}" if frame.is_object else "]"):
                    stack.pop()
                    pos += 1
                    opened = False
                    continue
                if not opened:
                    if text[pos] != ",":
                        raise _StopError
                    pos = _skip(text, pos + 1)
                # pos is at the next item, or at the next member's key.
                if frame.is_object:
                    node, token, pos = self._member(text, pos, frame, stack)
                else:
                    token = str(frame.index)
                    frame.index += 1
                    node = self.child(frame.node, token)
                break

    def _member(self, text: str, pos: int, frame: _Frame, stack: list[_Frame]) -> tuple[PointerNode | None, str, int]:
        """An object member's key at ``pos``: its trie node, its name, and where its value starts."""
        if text[pos] != '"':
            raise _StopError
        key_at = pos
        if frame.node is not None or frame.keys is not None:
            name, pos = _scan_string(text, pos + 1, False)
        else:
            name, pos = "", _string_end(text, pos)
        pos = _skip(text, pos)
        if text[pos] != ":":
            raise _StopError
        if frame.keys is not None:
            if name in frame.keys:
                self._problem_offsets.append(("duplicate_key", key_at, self._pointer(stack, None), name))
            frame.keys.add(name)
        node = self.child(frame.node, name)
        if node is not None and node.key == -1:
            node.key = key_at
        return node, name, pos + 1

    @staticmethod
    def _pointer(stack: list[_Frame], token: str | None) -> str:
        tokens = [f.token for f in stack[1:]] + ([token] if token is not None else [])
        return "".join("/" + escape(t) for t in tokens if t is not None)

    # ------------------------------------------------------------------------------------------ positions

    def _place(self, text: str, start: int, first_line: int) -> None:
        """Offsets → positions, in one sweep over the text in offset order (nothing per line is kept)."""
        nodes = self.nodes()
        offsets = sorted(
            {o for n in nodes for o in (n.value, n.key) if isinstance(o, int) and o >= 0}
            | {p[1] for p in self._problem_offsets}
        )
        placed: dict[int, Position] = {}
        line, line_start, last = first_line, start, 0
        for offset in offsets:
            newlines = text.count("\n", last, offset)
            if newlines:
                line += newlines
                line_start = text.rfind("\n", last, offset) + 1
            last = offset
            placed[offset] = Position(line, offset - line_start + 1)
        for n in nodes:
            if isinstance(n.value, int) and n.value >= 0:
                n.value = placed[n.value]
            if isinstance(n.key, int) and n.key >= 0:
                n.key = placed[n.key]
        self.problems = [
            JsonSyntaxProblem(kind, placed[offset], pointer, detail)
            for kind, offset, pointer, detail in self._problem_offsets
        ]
        self._problem_offsets.clear()
