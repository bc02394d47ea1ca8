"""YAML payload files read as JSON values, straight from the parser's events, with bounded cost.

PyYAML's own composer and constructor are not used, for what they do with hostile or merely unusual input:

- the C composer recurses per nesting level (100,000 nested ``[`` crash the interpreter with a segfault), and the
  C scanner's cost grows with the square of the flow nesting depth: reading stops at :data:`MAX_DEPTH` levels;
- an alias is a reference, and a 600-byte "billion laughs" document expands into gigabytes of work for every
  consumer that walks the value: the expansion is counted as the events arrive, and a document whose aliases
  add more than :func:`alias_budget` is refused before it is built;
- the constructor makes values JSON has no spelling for (``!!binary`` bytes, dates, sets, non-string keys,
  recursive lists) and raises on explicit tags it cannot apply (``!!int x``, ``!!bool maybe``).

Here scalars are read as JSON reads them (the YAML 1.2 core schema: only null, booleans, integers and floats are
recognized in plain scalars; ``yes``, ``012``-style octals and dates stay strings), mapping keys are their scalar
text, and any tag beyond ``str``, ``int``, ``float``, ``bool``, ``null``, ``map`` and ``seq`` is refused.

Positions are found in a second pass over one document's text, only for a document that has findings, recording
only the pointers asked about (see :mod:`yc_contracts.cli.locations`).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from yc_contracts.cli.locations import Locations, PointerNode, Position, RecordedLocations, escape

MAX_DEPTH: Final = 254
"""Nesting levels a YAML payload may have (the validators' limit for JSON, ``validation.payload.MAX_DEPTH``)."""
MAX_ALIAS_GROWTH: Final = 2
ALIAS_ALLOWANCE: Final = 64 * 1024

_TAG: Final = "tag:yaml.org,2002:"
_SCALAR_TAGS: Final = frozenset(_TAG + t for t in ("str", "int", "float", "bool", "null"))

_yaml_loader: tuple[Any, Any] | None = None


def alias_budget(text_length: int) -> int:
    """How much (in characters of the JSON they stand for) aliases may add to a document of a file of
    ``text_length`` characters: :data:`MAX_ALIAS_GROWTH` times the file, plus :data:`ALIAS_ALLOWANCE`."""
    return MAX_ALIAS_GROWTH * text_length + ALIAS_ALLOWANCE


@dataclass(frozen=True)
class Problem:
    """Why a document (or, when ``fatal``, the rest of the file) cannot be read as a payload."""

    rule: str
    message: str
    line: int
    column: int
    pointer: str | None = None
    fatal: bool = False


@dataclass(frozen=True)
class Document:
    """One document's JSON value, its first line, and how to locate pointers in it."""

    line: int
    value: Any
    text: str = field(repr=False)
    start: int
    """Where the document's first line starts in ``text``."""
    end: int

    def locations(self, pointers: Sequence[str]) -> Locations:
        """Positions of ``pointers`` (and their ancestors) in this document, from a second pass over its text."""
        return _locate(self, pointers)


def loader() -> tuple[Any, Any]:
    """The ``yaml`` module and a parser class whose ``resolve`` reads plain scalars as JSON would (YAML 1.2 core).

    Raises:
        ImportError: PyYAML is not installed.
    """
    global _yaml_loader  # noqa: PLW0603 - built once, on first use
    if _yaml_loader is not None:
        return _yaml_loader
    import importlib

    yaml: Any = importlib.import_module("yaml")  # PyYAML has no type information of its own
    base = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader

    class Loader(base):  # type: ignore[misc, valid-type]
        yaml_implicit_resolvers: dict[str, list[tuple[str, Any]]] = {}  # noqa: RUF012 - PyYAML's class-level table

    resolvers = [
        ("null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
        ("bool", r"true|True|TRUE|false|False|FALSE", list("tTfF")),
        ("int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", list("-+0123456789")),
        (
            "float",
            r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
            list("-+.0123456789"),
        ),
    ]
    for tag, pattern, first in resolvers:
        Loader.add_implicit_resolver(_TAG + tag, re.compile(rf"^(?:{pattern})$"), first)
    _yaml_loader = (yaml, Loader)
    return _yaml_loader


class _Refused(Exception):  # noqa: N818 - a control-flow signal, not an error raised to callers
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _at(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _refuse(rule: str, message: str, mark: Any, *, pointer: str | None = None, fatal: bool = False) -> _Refused:
    line, column = _at(mark)
    return _Refused(Problem(rule, message, line, column, pointer, fatal))


def _scalar(tag: str, text: str, mark: Any) -> tuple[Any, str]:
    """The JSON value of a scalar with a resolved tag, and the tag's short name."""
    short = tag.removeprefix(_TAG)
    if tag not in _SCALAR_TAGS:
        raise _refuse("yaml.invalid", f"the tag {tag!r} stands for no JSON value", mark)
    if short == "str":
        return text, short
    if short == "null":
        return None, short
    if short == "bool":
        if text.lower() not in ("true", "false"):
            raise _refuse("yaml.invalid", f"{text!r} is not a boolean (true or false)", mark)
        return text.lower() == "true", short
    if short == "int":
        return _integer(text, mark), short
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return (float("-inf") if lowered.startswith("-") else float("inf")), short
    if lowered == ".nan":
        return float("nan"), short
    try:
        return float(text), short
    except ValueError:
        raise _refuse("yaml.invalid", f"{text!r} is not a number", mark) from None


def _integer(text: str, mark: Any) -> int:
    digits = text.lstrip("+-")
    limit = sys.get_int_max_str_digits()
    if limit and digits[:2] not in ("0o", "0x") and len(digits) > limit:
        raise _refuse(
            "json.number_too_long",
            f"found an integer of {len(digits):,} digits; at most {limit:,} digits are read",
            mark,
        )
    try:
        if digits.startswith("0o"):
            return int(digits[2:], 8) * (-1 if text.startswith("-") else 1)
        if digits.startswith("0x"):
            return int(digits[2:], 16) * (-1 if text.startswith("-") else 1)
        return int(text)
    except ValueError:
        raise _refuse("yaml.invalid", f"{text!r} is not an integer", mark) from None


@dataclass(slots=True)
class _Open:
    """A mapping or sequence being read: its value, where it came from, and its size as JSON so far."""

    value: Any
    is_map: bool
    token: str | None
    anchor: str | None
    size: int = 2
    key: str | None = None


def _pointer(stack: list[_Open], token: str | None = None) -> str:
    tokens = [f.token for f in stack[1:]] + ([token] if token is not None else [])
    return "".join("/" + escape(t) for t in tokens if t is not None)


def read(text: str) -> Iterator[Document | Problem]:
    """Each document of ``text`` as a :class:`Document`, or the :class:`Problem` that stops it (a ``fatal`` one
    ends the file: the rest cannot be read).

    Raises:
        ImportError: PyYAML is not installed.
    """
    yaml, loader_class = loader()
    parser = loader_class(text)
    budget = alias_budget(len(text))
    try:
        while True:
            try:
                event = parser.get_event()
                if isinstance(event, yaml.StreamEndEvent):
                    return
                if not isinstance(event, yaml.DocumentStartEvent):
                    continue
                result: Document | Problem = _document(yaml, parser, text, budget)
            except _Refused as refused:
                result = refused.problem
            except yaml.MarkedYAMLError as e:
                line, column = _at(e.problem_mark or e.context_mark)
                what = ", ".join(p for p in (e.context, e.problem) if p) or "unreadable"
                result = Problem("yaml.invalid", f"the file is not YAML: {what}", line, column, fatal=True)
            except (yaml.YAMLError, ValueError) as e:
                result = Problem("yaml.invalid", f"the file is not YAML: {e}", 1, 1, fatal=True)
            yield result
            if isinstance(result, Problem) and result.fatal:
                return
    finally:
        parser.dispose()


def _document(yaml: Any, parser: Any, text: str, budget: int) -> Document | Problem:
    """The events of one document, from after its start to its end, as a JSON value."""
    stack: list[_Open] = []
    anchors: dict[str, tuple[Any, int]] = {}
    open_anchors: set[str] = set()
    expanded = 0
    root: tuple[Any, int] | None = None
    root_mark: Any = None
    while True:
        event = parser.get_event()
        if isinstance(event, yaml.DocumentEndEvent):
            break
        try:
            if root_mark is None:
                root_mark = event.start_mark
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                _open(yaml, event, stack, open_anchors)
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                done = stack.pop()
                value, size = done.value, done.size
                if done.anchor is not None:
                    open_anchors.discard(done.anchor)
                    anchors[done.anchor] = (value, size)
            elif isinstance(event, yaml.AliasEvent):
                value, size = _alias(event, anchors, open_anchors)
                expanded += size
                if expanded > budget:
                    raise _refuse(
                        "yaml.alias_expansion",
                        f"the aliases of this document expand it by more than {budget:,} characters of JSON "
                        f"(twice the file's size plus {ALIAS_ALLOWANCE // 1024} KiB); write the values out "
                        "instead of repeating them through aliases",
                        event.start_mark,
                    )
            else:
                value, size = _scalar_event(yaml, parser, event, stack)
                if event.anchor is not None:
                    anchors[event.anchor] = (value, size)
            if not stack:
                root = (value, size)
                continue
            _attach(stack, value, size, event)
        except _Refused as refused:
            if refused.problem.fatal:
                raise
            opened = isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent))
            # Refused as it opened (and not pushed): its end is still to come.
            _skip_document(yaml, parser, len(stack) + (1 if opened and len(stack) < MAX_DEPTH else 0))
            return refused.problem
    if root_mark is None:
        root_mark = event.start_mark
    end = event.end_mark.index if event.end_mark is not None else len(text)
    # The document's text starts with the line its value starts on (what a second pass needs to locate in it).
    start = text.rfind("\n", 0, root_mark.index) + 1
    return Document(root_mark.line + 1, root[0] if root is not None else None, text, start, max(end, start))


def _skip_document(yaml: Any, parser: Any, depth: int) -> None:
    """Read past the rest of a refused document without building it. Its depth still counts: the scanner's cost
    grows with the square of the nesting, so a refused document may not nest deeper than a read one."""
    while True:
        event = parser.get_event()
        if isinstance(event, yaml.DocumentEndEvent):
            return
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise _refuse(
                    "json.too_deep", f"the payload nests deeper than {MAX_DEPTH} levels", event.start_mark, fatal=True
                )
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _open(yaml: Any, event: Any, stack: list[_Open], open_anchors: set[str]) -> None:
    is_map = isinstance(event, yaml.MappingStartEvent)
    if stack and stack[-1].is_map and stack[-1].key is None:
        raise _refuse(
            "yaml.invalid",
            "a mapping key must be a plain value (JSON object keys are strings)",
            event.start_mark,
            pointer=_pointer(stack),
        )
    if len(stack) >= MAX_DEPTH:
        raise _refuse(
            "json.too_deep", f"the payload nests deeper than {MAX_DEPTH} levels", event.start_mark, fatal=True
        )
    tag = event.tag
    if tag not in (None, "!", _TAG + ("map" if is_map else "seq")):
        raise _refuse("yaml.invalid", f"the tag {tag!r} stands for no JSON value", event.start_mark)
    token = None
    if stack:
        parent = stack[-1]
        token = parent.key if parent.is_map else str(len(parent.value))
    stack.append(_Open({} if is_map else [], is_map, token, event.anchor))
    if event.anchor is not None:
        open_anchors.add(event.anchor)


def _alias(event: Any, anchors: dict[str, tuple[Any, int]], open_anchors: set[str]) -> tuple[Any, int]:
    if event.anchor in open_anchors:
        raise _refuse("yaml.invalid", f"the alias *{event.anchor} refers to a value that contains it", event.start_mark)
    found = anchors.get(event.anchor)
    if found is None:
        raise _refuse("yaml.invalid", f"the alias *{event.anchor} names no anchor before it", event.start_mark)
    return found


def _scalar_event(yaml: Any, parser: Any, event: Any, stack: list[_Open]) -> tuple[Any, int]:
    if stack and stack[-1].is_map and stack[-1].key is None:
        return event.value, len(event.value) + 2  # a key: its text, whatever it looks like
    tag = event.tag
    if tag is None or tag == "!":
        tag = parser.resolve(yaml.ScalarNode, event.value, event.implicit)
    value, _ = _scalar(tag, event.value, event.start_mark)
    return value, len(event.value) + 2


def _attach(stack: list[_Open], value: Any, size: int, event: Any) -> None:
    parent = stack[-1]
    if not parent.is_map:
        parent.value.append(value)
        parent.size += size + 1
        return
    if parent.key is None:
        if not isinstance(value, str):
            raise _refuse(
                "yaml.invalid", "a mapping key must be a plain value (JSON object keys are strings)", event.start_mark
            )
        if value in parent.value:
            raise _refuse(
                "json.duplicate_key",
                f"the mapping has the key {value!r} twice; JSON objects must not repeat keys",
                event.start_mark,
                pointer=_pointer(stack),
            )
        parent.key = value
        return
    parent.value[parent.key] = value
    parent.size += len(parent.key) + 4 + size
    parent.key = None


# ------------------------------------------------------------------------------------------- locations


@dataclass(slots=True)
class _Walk:
    node: PointerNode | None
    is_map: bool
    index: int = 0
    key: str | None = None
    key_node: PointerNode | None = None


def _locate(document: Document, pointers: Sequence[str]) -> Locations:
    """Walk the document's events again and record the marks of ``pointers`` and their ancestors.

    An alias is located where it is written (``*name``): what lies below it is the anchor's, elsewhere.
    """
    yaml, loader_class = loader()
    offset_line = document.line - 1  # the text below starts at the beginning of the document's first line
    found = RecordedLocations(pointers, Position(document.line, 1))
    parser = loader_class(document.text[document.start : document.end])
    stack: list[_Walk] = []

    def place(mark: Any) -> Position:
        return Position(offset_line + mark.line + 1, mark.column + 1)

    try:
        while True:
            event = parser.get_event()
            if isinstance(event, (yaml.DocumentEndEvent, yaml.StreamEndEvent)):
                break
            if isinstance(event, (yaml.StreamStartEvent, yaml.DocumentStartEvent)):
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                stack.pop()
                _after_value(stack)
                continue
            parent = stack[-1] if stack else None
            if parent is not None and parent.is_map and parent.key is None:
                # A key: the member's trie node, and where the key is written.
                name = str(getattr(event, "value", ""))
                parent.key = name
                parent.key_node = found.child(parent.node, name)
                if parent.key_node is not None and parent.key_node.key == -1:
                    parent.key_node.key = place(event.start_mark)
                continue
            if parent is None:
                node: PointerNode | None = found.root
            elif parent.is_map:
                node = parent.key_node
            else:
                node = found.child(parent.node, str(parent.index))
            if node is not None and node.value == -1:
                node.value = place(event.start_mark)
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                stack.append(_Walk(node, isinstance(event, yaml.MappingStartEvent)))
            else:
                _after_value(stack)
    except (yaml.YAMLError, ValueError, IndexError):
        pass  # the first pass read it; should this one stop early, the nearest recorded ancestor answers
    finally:
        parser.dispose()
    return found


def _after_value(stack: list[_Walk]) -> None:
    if not stack:
        return
    parent = stack[-1]
    if parent.is_map:
        parent.key = None
        parent.key_node = None
    else:
        parent.index += 1
