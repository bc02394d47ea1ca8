"""Turning what a caller hands us into JSON values, and reporting what is not JSON at all.

A payload may be JSON text (``str``), encoded JSON (``bytes``-like, UTF-8), or Python objects as ``json.loads``
would make them. Problems that are not about the contract — invalid UTF-8, broken JSON, duplicate keys,
``NaN``/``Infinity`` literals, nesting beyond :data:`MAX_DEPTH`, values JSON has no spelling for — become
violations (``json.*``), never exceptions.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

import orjson

from yc_contracts.validation.violations import Violation, pointer

MAX_DEPTH: Final = 254
"""Deepest nesting of arrays and objects accepted (the payload itself is level 1)."""


@dataclass
class Loaded:
    """A payload as JSON values, or why it could not be read (``value`` is then ``None``)."""

    value: Any
    violations: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKeyError(key)
        out[key] = value
    return out


class _ConstantError(ValueError):
    """``NaN``, ``Infinity`` or ``-Infinity`` as a bare literal."""


class _NumberTooLongError(ValueError):
    def __init__(self, digits: int) -> None:
        super().__init__(digits)
        self.digits = digits


def _constant(name: str) -> Any:
    raise _ConstantError(f"the literal {name} is not JSON")


def _checked_int(text: str) -> int:
    """``int`` for the parser's second pass, which only runs to find the number Python refused to read."""
    digits = len(text.lstrip("-"))
    if digits > _max_int_digits():
        raise _NumberTooLongError(digits)
    return int(text)


def _max_int_digits() -> int:
    import sys

    limit = sys.get_int_max_str_digits()
    return limit if limit > 0 else 1 << 62


def _number_too_long(digits: int, where: str = "") -> Violation:
    size = f"{digits:,} digits" if digits else f"more than {_max_int_digits():,} digits"
    return Violation(
        where,
        "json.number_too_long",
        f"found an integer of {size}; at most {_max_int_digits():,} digits are read "
        "(no protobuf number needs more than 20, and Python's json and json_format refuse longer ones)",
    )


_LONG_BITS: Final = 3 * 4000
"""Integers shorter than this many bits have fewer digits than any digit limit Python allows (at least 640)."""


def _too_many_digits(number: int) -> bool:
    """Whether ``number`` has more digits than Python converts (a Python-object payload can hold one)."""
    import sys

    limit = sys.get_int_max_str_digits()
    return limit > 0 and abs(number) >= _power_of_ten(limit)


@functools.lru_cache(maxsize=4)
def _power_of_ten(digits: int) -> int:
    power: int = 10**digits
    return power


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def load_text(data: str | bytes | bytearray | memoryview) -> Loaded:
    """Parse JSON text strictly: UTF-8 only, no duplicate keys, no ``NaN``/``Infinity``, bounded nesting."""
    if not isinstance(data, str):
        raw = bytes(data)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            return Loaded(
                None,
                [
                    Violation(
                        "",
                        "json.invalid_utf8",
                        f"the payload is not UTF-8: byte {e.start} "
                        f"(0x{raw[e.start]:02x}) cannot start or continue a character",
                    )
                ],
            )
        if text.startswith("\ufeff"):
            text = text[1:]
    else:
        text = data
    try:
        value = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant)
    except _DuplicateKeyError as e:
        return Loaded(
            None,
            [
                Violation(
                    "",
                    "json.duplicate_key",
                    f"an object has the key {e.key!r} twice; JSON objects must not repeat keys",
                )
            ],
        )
    except json.JSONDecodeError as e:
        return Loaded(
            None,
            [Violation("", "json.invalid", f"the payload is not JSON: {e.msg} at line {e.lineno}, column {e.colno}")],
        )
    except _ConstantError as e:  # parse_constant: NaN, Infinity, -Infinity
        return Loaded(
            None,
            [
                Violation(
                    "",
                    "json.nan",
                    f'{e}; write the special float values as the strings "NaN", "Infinity" and "-Infinity"',
                )
            ],
        )
    except RecursionError:
        return Loaded(None, [Violation("", "json.too_deep", f"the payload nests deeper than {MAX_DEPTH} levels")])
    except ValueError as e:  # an integer beyond Python's digit limit, the one other thing json.loads refuses
        return Loaded(None, [_refused(text, e)])
    except Exception as e:
        return Loaded(None, [Violation("", "json.invalid", f"the payload cannot be read as JSON ({_reason(e)})")])
    return Loaded(value)


def _refused(text: str, error: ValueError) -> Violation:
    """Why ``json.loads`` raised a plain ``ValueError``: a second pass finds the too-long integer."""
    try:
        json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant, parse_int=_checked_int)
    except _NumberTooLongError as e:
        return _number_too_long(e.digits)
    except Exception:
        pass
    return Violation("", "json.invalid", f"the payload cannot be read as JSON ({_reason(error)})")


def _reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error)[:200]}"


_SURROGATE: Final = re.compile("[\ud800-\udfff]")

LONG: Final = 64 * 1024
"""Strings this long are checked on their own rather than copied through the serializer."""


def fast_check(value: Any) -> bool:
    """Whether ``value`` is certainly plain JSON that :func:`scan` would find nothing wrong with.

    ``orjson`` serializes in C and refuses exactly the awkward cases (nesting beyond 254 levels, lone
    surrogates, integers beyond 64 bits, non-JSON types); NaN it would print as null, so floats are the one
    thing it cannot vouch for, and :func:`scan` runs whenever the output shows a null that may be a NaN.
    """
    return plain_json(value) is not None


class Plain(NamedTuple):
    """What :func:`plain_json` learnt of a plain JSON value: the size of its text, and an upper bound of its
    nesting depth (the number of ``{`` and ``[`` in the text; 0 when not counted)."""

    size: int
    containers: int


def plain_json(value: Any, *, count: bool = True) -> Plain | None:
    """:func:`fast_check`, telling more: ``None`` when ``value`` may not be plain JSON, else its :class:`Plain`
    measures (counted in C), so that checks that only matter deep down (or for integers beyond 64 bits, which
    plain JSON here has none of) can be skipped, and small payloads can take the short way."""
    try:
        text = orjson.dumps(value)
    except TypeError:
        return None
    if b"null" in text and _has_nan(value):
        return None
    return Plain(len(text), text.count(b"{") + text.count(b"[") if count else 0)


def fast_check_large(value: dict[str, Any], paths: tuple[tuple[str, ...], ...]) -> bool:
    """:func:`fast_check` for an object whose long strings sit at known ``paths`` (a request's ``content``)."""
    return plain_json_large(value, paths) is not None


def plain_json_large(value: dict[str, Any], paths: tuple[tuple[str, ...], ...], *, count: bool = True) -> Plain | None:
    """:func:`plain_json` for an object whose long strings sit at known ``paths`` (a request's ``content``).

    The long strings are checked on their own (an ASCII string holds no surrogate, and ``isascii`` is O(1)),
    the rest through a shallow copy that leaves them out, so megabytes of base64 are never serialized.
    """
    copy: dict[str, Any] = value
    for path in paths:
        parents = [copy]
        node: Any = copy
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
            parents.append(node)
        if not isinstance(node, dict):
            continue
        text = node.get(path[-1])
        if not isinstance(text, str) or len(text) < LONG:
            continue
        if not text.isascii() and _has_surrogate(text):
            return None
        # Rebuild the objects along the path, each a shallow copy, with the long string left out.
        replaced: Any = {**node, path[-1]: ""}
        for depth in range(len(path) - 2, -1, -1):
            replaced = {**parents[depth], path[depth]: replaced}
        copy = replaced
    return plain_json(copy, count=count)


_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_BYTES: Final = re.compile(rb"\\u[dD][89a-fA-F]")


def plain_text(data: str | bytes | bytearray | memoryview, value: Any = None) -> Plain | None:
    """:func:`plain_json` of ``value``, what :func:`load_text` read from ``data`` without a violation, judged from
    the text and the shape of the value: the cheap way for large bodies, which :func:`plain_json` would serialize
    once more.

    Text that parsed holds no NaN, non-string key or overlong integer (:func:`load_text` refuses those); what
    :func:`scan` could still find is a lone surrogate (spelt as a ``\\uD8xx``-``\\uDFxx`` escape, or a lone
    surrogate character in a ``str``) and nesting beyond :data:`MAX_DEPTH`. Escapes are looked for with C-speed
    scans; the nesting is measured on ``value`` when it has few items (a request whose size is one long string),
    else bounded by the text's brackets (without ``value`` too). ``None`` means "maybe not plain" (ask
    :func:`plain_json`). The size is the text's, whitespace included; ``containers`` an upper bound of the
    nesting. Unlike :func:`plain_json`, it says nothing of integers beyond 64 bits (which are JSON, and which
    only checks of ``Struct``/``Value`` fields need to know about).
    """
    if isinstance(data, str):
        if not data.isascii():  # a str may hold lone surrogates as characters; bytes were decoded strictly
            return None
        escapes = "\\" in data and _SURROGATE_ESCAPE.search(data) is not None  # one memchr when none
    elif isinstance(data, (bytes, bytearray)):
        escapes = b"\\" in data and _SURROGATE_ESCAPE_BYTES.search(data) is not None
    else:
        return None
    if escapes:
        return None
    nesting = _nesting(value) if value is not None else None
    if nesting is None:  # many items, or no value: every bracket may open a level
        nesting = data.count("{") + data.count("[") if isinstance(data, str) else data.count(b"{") + data.count(b"[")
    return None if nesting > MAX_DEPTH else Plain(len(data), nesting)


_NESTING_ITEMS: Final = 4096
"""Items :func:`_nesting` looks at before it gives up (then the text's brackets are counted instead)."""


def _nesting(value: Any) -> int | None:
    """How deep ``value`` nests (a container is level 1; a scalar 0), or ``None`` past :data:`_NESTING_ITEMS`
    items, where counting the text's brackets in C is the cheaper bound."""
    deepest = 0
    seen = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        items = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if items is None:
            continue
        deepest = max(deepest, depth)
        seen += len(node)
        if seen > _NESTING_ITEMS:
            return None
        stack.extend((item, depth + 1) for item in items if isinstance(item, (dict, list)))
    return deepest


def _has_nan(value: Any) -> bool:
    return any(isinstance(v, float) and not math.isfinite(v) for v, _ in _walk(value))


def _walk(value: Any) -> Iterator[tuple[Any, list[Any]]]:
    """Every value with its path, iteratively (no recursion, whatever the depth)."""
    stack: list[tuple[Any, list[Any]]] = [(value, [])]
    while stack:
        current, path = stack.pop()
        yield current, path
        if isinstance(current, dict):
            stack.extend((v, [*path, k]) for k, v in reversed(list(current.items())))
        elif isinstance(current, list):
            stack.extend((v, [*path, i]) for i, v in reversed(list(enumerate(current))))


def scan(value: Any) -> list[Violation]:
    """Find what is not plain JSON in Python objects: the slow path behind :func:`fast_check`.

    Reports non-string keys, types JSON has no spelling for, ``NaN``/``Infinity``, lone surrogates and nesting
    beyond :data:`MAX_DEPTH`. Iterative, so any depth is safe; it stops descending below the depth limit.
    """
    found: list[Violation] = []
    stack: list[tuple[Any, list[Any], int]] = [(value, [], 1)]
    while stack:
        current, path, depth = stack.pop()
        where = pointer(path)
        if isinstance(current, (dict, list)) and depth > MAX_DEPTH:
            found.append(Violation(where, "json.too_deep", f"the payload nests deeper than {MAX_DEPTH} levels here"))
            continue
        if isinstance(current, dict):
            for key, item in reversed(list(current.items())):
                if not isinstance(key, str):
                    found.append(Violation(where, "json.type", f"found the object key {key!r}; JSON keys are strings"))
                    continue
                if _has_surrogate(key):
                    found.append(Violation(where, "json.surrogate", f"the key {key!r} has a lone UTF-16 surrogate"))
                stack.append((item, [*path, key], depth + 1))
        elif isinstance(current, (list, tuple)):
            for i, item in reversed(list(enumerate(current))):
                stack.append((item, [*path, i], depth + 1))
        elif isinstance(current, float):
            if not math.isfinite(current):
                found.append(
                    Violation(
                        where,
                        "json.nan",
                        f"found the float {current!r}, which JSON cannot spell; "
                        'write "NaN", "Infinity" or "-Infinity" as strings',
                    )
                )
        elif type(current) is int and current.bit_length() > _LONG_BITS and _too_many_digits(current):
            found.append(_number_too_long(0, where))
        elif isinstance(current, str):
            if _has_surrogate(current):
                found.append(
                    Violation(
                        where, "json.surrogate", "the string has a lone UTF-16 surrogate, which UTF-8 cannot encode"
                    )
                )
        elif current is not None and not isinstance(current, (bool, int)):
            found.append(Violation(where, "json.type", f"found a {type(current).__name__}, which is not a JSON value"))
    return sorted(found, key=lambda v: v.path)


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def without_surrogates(value: Any) -> Any:
    """A copy of ``value`` with every lone surrogate (in strings and keys) replaced by U+FFFD, one for one.

    The schema layer runs on this copy once the surrogates are reported (``json.surrogate``): its validator
    cannot read such strings, and every other problem of the payload must still be found. Lengths stay the same.
    """

    def clean(text: str) -> str:
        return _SURROGATE.sub("\ufffd", text) if _has_surrogate(text) else text

    def copy(node: Any) -> Any:
        if isinstance(node, str):
            return clean(node)
        if isinstance(node, dict):
            return {clean(k) if isinstance(k, str) else k: v for k, v in node.items()}
        if isinstance(node, (list, tuple)):
            return list(node)
        return node

    root = copy(value)
    stack = [root]
    while stack:  # iterative: any depth
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, item in list(items):
            if isinstance(item, (str, dict, list, tuple)):
                node[key] = replaced = copy(item)
                if isinstance(replaced, (dict, list)):
                    stack.append(replaced)
    return root
