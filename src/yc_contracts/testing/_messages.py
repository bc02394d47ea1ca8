"""Hypothesis strategies for the contract's messages, compiled from descriptors, options and service rules.

A strategy for a message type is built once per (registry, type, rules passed down from an ancestor, depth
left) and cached; field strategies likewise, per combination of the conditional rules that hold. Values are
generated to satisfy every constraint by construction:

- proto types by their ranges, enums by their defined values, strings as valid Unicode (no surrogates);
- ``yandex.cloud`` field options (:func:`yc_contracts.contract.options.field_rules`): ``required``, ``pattern``,
  ``value``, ``size``, ``length``, ``bytes``, ``unique``, ``map_key``;
- every service rule (:func:`yc_contracts.rules.ruleset.load_rules`), errors and warnings alike, with ``when``
  conditions: the fields a condition reads are drawn first;
- oneofs (at most one member, exactly one under ``(yandex.cloud.exactly_one)``) and the object-level rules
  ``exactly_one``/``at_most_one`` choose which members are set before any value is drawn.

Requests whose ``content`` the validators inspect get a small file that agrees with what the rest of the
message declares (:mod:`yc_contracts.testing._media`), so they pass content inspection too.

Filtering is the last resort, used only where two constraints cannot be combined constructively (a pattern
together with a length bound or a second pattern, a serialized-size bound on a ``Struct``).
"""

from __future__ import annotations

import functools
import math
import re
import struct
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal, TypeAlias

import hypothesis.strategies as st
from google.protobuf import descriptor
from google.protobuf.message import Message
from hypothesis import reject
from hypothesis.strategies import SearchStrategy

from yc_contracts.contract.descriptors import FLT_MAX, INT_RANGES, enum_of, is_map, message_of
from yc_contracts.contract.errors import ContractError, UnknownNameError, close_matches
from yc_contracts.contract.options import FieldRules, Interval, field_rules, oneof_exactly_one
from yc_contracts.contract.registry import MessageRef, Registry, default_registry
from yc_contracts.contract.wkt import MAX_DURATION_SECONDS
from yc_contracts.rules.ruleset import Rule, When, load_rules
from yc_contracts.testing._media import fix_content

__all__ = ["messages"]

MAX_DEPTH: Final = 3
"""Message fields nested deeper than this are left unset (unless a constraint requires them)."""
_MAX_ITEMS: Final = 3
_MAX_TEXT: Final = 12
_MAX_BYTES: Final = 24

_FD = descriptor.FieldDescriptor
_INT_RANGES: Final = INT_RANGES
_FLOAT32_MAX: Final = FLT_MAX
_DOUBLE_MAX: Final = 1.7976931348623157e308
_NANOS: Final = 1_000_000_000
# google.protobuf.Timestamp: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z, in nanoseconds.
_TIMESTAMP_NANOS: Final = (-62_135_596_800 * _NANOS, 253_402_300_799 * _NANOS + _NANOS - 1)
_DURATION_NANOS: Final = (-MAX_DURATION_SECONDS * _NANOS, MAX_DURATION_SECONDS * _NANOS)

_TIMESTAMP: Final = "google.protobuf.Timestamp"
_DURATION: Final = "google.protobuf.Duration"
_ANY: Final = "google.protobuf.Any"
_EMPTY: Final = "google.protobuf.Empty"
_STRUCT: Final = "google.protobuf.Struct"
_VALUE: Final = "google.protobuf.Value"
_LIST_VALUE: Final = "google.protobuf.ListValue"
_FIELD_MASK: Final = "google.protobuf.FieldMask"
_WRAPPERS: Final = frozenset(
    f"google.protobuf.{kind}Value"
    for kind in ("Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes")
)
_WELL_KNOWN: Final = frozenset(
    {_TIMESTAMP, _DURATION, _ANY, _EMPTY, _STRUCT, _VALUE, _LIST_VALUE, _FIELD_MASK, *_WRAPPERS}
)
# What an Any may carry besides the registry's own messages: small well-known types, Empty first so that
# shrinking moves towards it.
_PACKABLE_WELL_KNOWN: Final = (
    _EMPTY,
    _TIMESTAMP,
    _DURATION,
    *sorted(_WRAPPERS),
    _STRUCT,
    _VALUE,
    _LIST_VALUE,
    _FIELD_MASK,
    _ANY,
)
_FIELD_MASK_PATH: Final = r"[a-z][a-z0-9]{0,5}(?:_[a-z][a-z0-9]{0,5}){0,2}(?:\.[a-z][a-z0-9]{0,5}){0,2}"
_TEXT: Final = st.characters(codec="utf-8")  # every code point but the surrogates

Mode: TypeAlias = Literal["maybe", "present", "absent"]
"""How a field is drawn: free to be absent or not, present in the JSON form (set, non-empty, non-default where
the field has no presence), or left alone."""


class _Absent:
    """The value of a field that is left unset."""

    def __repr__(self) -> str:
        return "<absent>"


ABSENT: Final = _Absent()

Inherited: TypeAlias = tuple[tuple[str, tuple[str, ...]], ...]
"""Service rules passed down from an ancestor: (rule id, the rest of its path below this message)."""
_Inherited: TypeAlias = Inherited


# ------------------------------------------------------------------------------------------------ public API


def messages(message: MessageRef, /, *, registry: Registry | None = None, **overrides: Any) -> SearchStrategy[Message]:
    """A Hypothesis strategy for valid messages of one type of the contract (or of ``registry``).

    ``message`` is a full name, or a message class or instance (ours or the official SDK's), as
    :meth:`yc_contracts.Registry.message_class` accepts it. Every message drawn is an instance of the
    registry's own class for that type and satisfies every ``yandex.cloud`` validation option and every
    service rule (errors and warnings), with nested messages to a depth of :data:`MAX_DEPTH`.

    ``registry`` is the registry to generate from (by default :data:`yc_contracts.registry`), for example one
    built with :meth:`yc_contracts.Registry.from_file_descriptor_set` or ``from_modules``; its messages meet its
    own ``yandex.cloud`` options (what ``yc_contracts.check(..., registry=registry)`` checks), and the contract's
    service rules too where they fit its types.

    Each keyword names a top-level field and gives it a fixed value or a strategy of values; ``None`` leaves
    the field unset. Overridden values are set as they are (a message of another package is converted, a
    message given for a ``google.protobuf.Any`` field is packed), and the other fields follow the rules with
    them in place (an overridden ``response`` of an ``Operation`` leaves ``error`` unset). A field named
    ``registry`` cannot be overridden: the keyword is taken.

    Raises:
        UnknownNameError: the registry has no such message type.
        TypeError: ``message`` is not a name, message class or message instance; ``registry`` is not a
            :class:`~yc_contracts.Registry`; a keyword names no field of the message (the error names the
            closest fields); or a fixed value cannot be assigned to its field.
        ContractError: the options and rules of the type cannot all be met (a constraint no value satisfies).
    """
    reg = default_registry() if registry is None else registry
    if not isinstance(reg, Registry):
        raise TypeError(f"registry must be a yc_contracts.Registry, got {type(reg).__name__}")
    desc = reg.message_descriptor(message)
    compiler = _compiler(reg)
    return compiler.root(desc, _check_overrides(reg, desc, overrides))


# ------------------------------------------------------------------------------------------------ overrides


@dataclass(frozen=True)
class _Override:
    field: descriptor.FieldDescriptor
    value: Any  # a fixed value, ABSENT, or a strategy (``drawn``)
    drawn: bool


def _check_overrides(reg: Registry, desc: descriptor.Descriptor, overrides: Mapping[str, Any]) -> tuple[_Override, ...]:
    checked = []
    for name, value in overrides.items():
        field = desc.fields_by_name.get(name)
        if field is None:
            suggestions = close_matches(name, desc.fields_by_name)
            hint = f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
            raise TypeError(f"{desc.full_name} has no field {name!r}{hint}")
        if value is None:
            checked.append(_Override(field, ABSENT, drawn=False))
        elif isinstance(value, SearchStrategy):
            checked.append(_Override(field, value, drawn=True))
        else:
            try:
                _assign(reg, reg.message_class(desc.full_name)(), field, value)
            except (TypeError, ValueError, UnknownNameError) as e:
                raise TypeError(f"cannot set {field.full_name} to {value!r}: {e}") from e
            checked.append(_Override(field, value, drawn=False))
    return tuple(checked)


def _coerce(reg: Registry, value: Any, desc: descriptor.Descriptor) -> Message:
    """``value`` as an instance of the registry's class for ``desc``; a message of another type given for an
    Any is packed."""
    cls = reg.message_class(desc.full_name)
    if type(value) is cls:
        return value
    if not isinstance(value, Message):
        raise TypeError(f"expected a {desc.full_name} message, got {type(value).__name__}")
    name = value.DESCRIPTOR.full_name
    if name == desc.full_name:
        return cls.FromString(value.SerializeToString())
    if desc.full_name == _ANY:
        packed = cls()
        packed.Pack(reg.coerce(value))  # type: ignore[attr-defined]
        return packed
    raise TypeError(f"expected a {desc.full_name} message, got a {name}")


def _assign(reg: Registry, msg: Message, field: descriptor.FieldDescriptor, value: Any) -> None:
    """Set one field of ``msg`` to ``value`` (a list for repeated fields, a mapping for maps)."""
    name = field.name
    if value is ABSENT:
        msg.ClearField(name)
        return
    if is_map(field):
        container = getattr(msg, name)
        container.clear()
        value_field = message_of(field).fields_by_name["value"]
        for key, item in dict(value).items():
            if value_field.message_type is not None:
                container[key].CopyFrom(_coerce(reg, item, value_field.message_type))
            else:
                container[key] = item
    elif field.is_repeated:
        if isinstance(value, str | bytes):
            raise TypeError(f"{field.full_name} is repeated: give a list, not {type(value).__name__}")
        container = getattr(msg, name)
        del container[:]
        if field.message_type is not None:
            container.extend(_coerce(reg, item, field.message_type) for item in value)
        else:
            container.extend(value)
    elif field.message_type is not None:
        sub = getattr(msg, name)
        sub.CopyFrom(_coerce(reg, value, field.message_type))
        sub.SetInParent()
    else:
        setattr(msg, name, value)


# ------------------------------------------------------------------------------------------------ presence


def _json_present(msg: Message, field: descriptor.FieldDescriptor) -> bool:
    """Whether the field appears in the message's ProtoJSON form (set, non-empty, or non-default)."""
    if field.is_repeated:
        return len(getattr(msg, field.name)) > 0
    if field.has_presence:
        return msg.HasField(field.name)
    value = getattr(msg, field.name)
    if isinstance(value, float):
        return value != 0.0 or math.copysign(1.0, value) < 0
    return bool(value != field.default_value)


def _holds(msg: Message, field: descriptor.FieldDescriptor, when: When) -> bool:
    """Whether a rule's ``when`` condition holds, reading the field as its JSON form shows it."""
    if not _json_present(msg, field):
        return when.absent is not None and when.absent in when.values
    value = getattr(msg, field.name)
    if field.enum_type is not None:
        known = field.enum_type.values_by_number.get(value)
        return known is not None and known.name in when.values
    if isinstance(value, bool):  # True == 1, but a condition on a bool lists booleans
        return any(v is value for v in when.values)
    return value in when.values


# ------------------------------------------------------------------------------------------------ intervals


def _range_interval(bounds: Mapping[str, Any]) -> tuple[Interval, ...]:
    """A ``range = {gt/ge/lt/le}`` rule as intervals, every one of which must hold."""
    out = []
    for key, value in bounds.items():
        bound = Decimal(str(value))
        if key in ("gt", "ge"):
            out.append(Interval(bound, None, key == "gt", False))
        else:
            out.append(Interval(None, bound, False, key == "lt"))
    return tuple(out)


def _intersect(a: Interval, b: Interval) -> Interval | None:
    """The intersection of two intervals, or ``None`` when it is empty."""
    lo, lo_open = a.lo, a.lo_open
    if b.lo is not None and (lo is None or b.lo > lo or (b.lo == lo and b.lo_open)):
        lo, lo_open = b.lo, b.lo_open
    hi, hi_open = a.hi, a.hi_open
    if b.hi is not None and (hi is None or b.hi < hi or (b.hi == hi and b.hi_open)):
        hi, hi_open = b.hi, b.hi_open
    if lo is not None and hi is not None and (lo > hi or (lo == hi and (lo_open or hi_open))):
        return None
    return Interval(lo, hi, lo_open, hi_open)


def _meet(union: Sequence[Interval], other: Sequence[Interval]) -> list[Interval]:
    """Intervals of ``union`` (a union) cut down to ``other`` (also a union)."""
    out = []
    for a in union:
        for b in other:
            both = _intersect(a, b)
            if both is not None:
                out.append(both)
    return out


_NONZERO: Final = (Interval(None, Decimal(0), False, True), Interval(Decimal(0), None, True, False))
_EVERYTHING: Final = (Interval(None, None),)

_IntRanges: TypeAlias = list[tuple[int, int]]


def _int_ranges(intervals: Iterable[Interval], lo: int, hi: int) -> _IntRanges:
    out = []
    for iv in intervals:
        a, b = iv.integer_bounds()
        a, b = lo if a is None else max(a, lo), hi if b is None else min(b, hi)
        if a <= b:
            out.append((a, b))
    return out


def _integers(ranges: _IntRanges) -> SearchStrategy[int]:
    points = sorted({a for a, b in ranges if a == b})
    spans = [st.integers(a, b) for a, b in ranges if a != b]
    parts: list[SearchStrategy[int]] = [*spans, st.sampled_from(points)] if points else spans
    return parts[0] if len(parts) == 1 else st.one_of(parts)


def _float32(x: float) -> float:
    value: float = struct.unpack("<f", struct.pack("<f", x))[0]
    return value


def _next_float(x: float, up: bool, width: int) -> float:
    if width == 64:
        return math.nextafter(x, math.inf if up else -math.inf)
    if x == 0:
        tiny = _float32(1e-45)
        return tiny if up else -tiny
    bits: int = struct.unpack("<I", struct.pack("<f", x))[0]
    bits += 1 if (x > 0) == up else -1
    value: float = struct.unpack("<f", struct.pack("<I", bits))[0]
    return value


def shortest_float32(x: float) -> float:
    """The float ProtoJSON prints for a ``float`` field holding ``x``: the shortest decimal that reads back as
    the same float32 (what protobuf's ``json_format`` writes)."""
    for precision in range(6, 10):
        rounded = float(f"{x:.{precision}g}")
        if _float32(rounded) == x:
            return rounded
    return x


def _float_bound(bound: Decimal, is_open: bool, lower: bool, width: int) -> float:
    """The float nearest ``bound`` on its allowed side whose stored value and printed (JSON) value both satisfy
    the bound, compared exactly and compared as floats the way a JSON Schema validator does."""
    limit = _FLOAT32_MAX if width == 32 else _DOUBLE_MAX
    as_float = float(bound)
    start = min(max(as_float, -limit), limit)
    x = _float32(start) if width == 32 else start

    def ok(value: float) -> bool:
        if lower:
            return (value > bound and value > as_float) if is_open else (value >= bound and value >= as_float)
        return (value < bound and value < as_float) if is_open else (value <= bound and value <= as_float)

    def printed(value: float) -> float:
        return shortest_float32(value) if width == 32 else value

    # Both the stored and the printed value move monotonically with x, so stepping outwards-in terminates.
    while not (ok(x) and ok(printed(x))):
        x = _next_float(x, lower, width)
    return x


def _floats(intervals: Sequence[Interval], width: Literal[32, 64]) -> SearchStrategy[float] | None:
    limit = _FLOAT32_MAX if width == 32 else _DOUBLE_MAX
    parts = []
    for iv in intervals:
        lo = -limit if iv.lo is None else _float_bound(iv.lo, iv.lo_open, True, width)
        hi = limit if iv.hi is None else _float_bound(iv.hi, iv.hi_open, False, width)
        lo, hi = max(lo, -limit), min(hi, limit)
        if lo <= hi:
            parts.append(st.floats(lo, hi, width=width, allow_nan=False, allow_infinity=False))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else st.one_of(parts)


def _sizes(intervals: Sequence[tuple[int, int | None]], cap: int) -> list[tuple[int, int]]:
    """Closed (min, max) count ranges, each capped at ``cap`` more than its minimum."""
    out = []
    for lo, hi in intervals:
        top = lo + cap if hi is None else min(hi, lo + cap)
        if lo <= top:
            out.append((lo, top))
    return out


def _count_bounds(intervals: Iterable[Interval]) -> list[tuple[int, int | None]]:
    out = []
    for iv in intervals:
        lo, hi = iv.integer_bounds()
        lo = 0 if lo is None else max(lo, 0)
        if hi is None or lo <= hi:
            out.append((lo, hi))
    return out


def _meet_counts(
    a: Sequence[tuple[int, int | None]], b: Sequence[tuple[int, int | None]]
) -> list[tuple[int, int | None]]:
    out = []
    for lo1, hi1 in a:
        for lo2, hi2 in b:
            lo = max(lo1, lo2)
            his = [h for h in (hi1, hi2) if h is not None]
            hi = min(his) if his else None
            if hi is None or lo <= hi:
                out.append((lo, hi))
    return out


def _item_counts(opts: FieldRules, mode: Mode) -> list[tuple[int, int | None]]:
    """The numbers of items (or map entries) a repeated or map field may have in ``mode``."""
    counts: list[tuple[int, int | None]] = _count_bounds(opts.size) if opts.size is not None else [(0, None)]
    if mode == "present":
        return _meet_counts(counts, [(1, None)])
    if not _counts_contain(counts, 0):
        counts.append((0, 0))  # an empty list or map is absent from the JSON form, where size is not checked
    return counts


def _counts_contain(intervals: Sequence[tuple[int, int | None]], n: int) -> bool:
    return any(lo <= n and (hi is None or n <= hi) for lo, hi in intervals)


# ------------------------------------------------------------------------------------------------ value checks


@dataclass(frozen=True)
class _Checks:
    """What one value of a field must satisfy (one item of a repeated field; one value of a map)."""

    opts: FieldRules
    one_of: tuple[tuple[Any, ...], ...] = ()
    ranges: tuple[Interval, ...] = ()
    max_length: int | None = None
    patterns: tuple[str, ...] = ()
    max_decoded_bytes: int | None = None
    enums_of: tuple[str, ...] = ()

    @classmethod
    def of(cls, opts: FieldRules, rules: Iterable[Rule]) -> _Checks:
        one_of: list[tuple[Any, ...]] = []
        ranges: list[Interval] = []
        patterns = [opts.pattern] if opts.pattern else []
        max_length = max_bytes = None
        enums: list[str] = []
        for rule in rules:
            if rule.kind == "one_of":
                one_of.append(tuple(rule.argument))
            elif rule.kind == "range":
                ranges += _range_interval(rule.argument)
            elif rule.kind == "max_length":
                max_length = rule.argument if max_length is None else min(max_length, rule.argument)
            elif rule.kind == "pattern":
                patterns.append(rule.argument)
            elif rule.kind == "max_decoded_bytes":
                max_bytes = rule.argument if max_bytes is None else min(max_bytes, rule.argument)
            elif rule.kind == "enum_of":
                enums.append(rule.argument)
            elif rule.kind not in _PRESENCE_KINDS:
                raise ContractError(f"{rule.id}: no strategy for rule kind {rule.kind!r}")
        return cls(opts, tuple(one_of), tuple(ranges), max_length, tuple(patterns), max_bytes, tuple(enums))


_PRESENCE_KINDS: Final = frozenset({"required", "forbidden", "ignored", "exactly_one", "at_most_one"})
"""Rule kinds decided by which fields are set, not by a value."""

_NO_CHECKS: Final = _Checks(FieldRules())


def _text_ok(
    value: str,
    lengths: Sequence[tuple[int, int | None]],
    sizes: Sequence[tuple[int, int | None]],
    patterns: Sequence[str],
) -> bool:
    return (
        _counts_contain(lengths, len(value))
        and _counts_contain(sizes, len(value.encode("utf-8")))
        and all(ecma_regex(p).fullmatch(value) for p in patterns)
    )


_ECMA_SPACE: Final = "\\t\\n\\v\\f\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
_ECMA_CLASSES: Final = {"d": "0-9", "w": "A-Za-z0-9_", "s": _ECMA_SPACE}


@functools.lru_cache(maxsize=1024)
def ecma_regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` (a ``yandex.cloud.pattern`` or a rule's) as a Python regex that means what it means to the
    validators, which run it on jsonschema-rs, as ECMA 262 reads it: ``\\d`` and ``\\w`` are ASCII, ``\\s`` is
    ECMA's whitespace, ``$`` is the end of the text (``.`` stops at ``\\n`` only, as in Python). Python's ``re``
    reads the first three as Unicode classes: drawn from as they are, ``\\d`` gave ``"८"`` where the validator
    wants ``[0-9]``.

    (Inside a character class, ``\\D``, ``\\W`` and ``\\S`` stay Python's, under ``re.ASCII``: ``\\S`` then also
    takes the few non-ASCII spaces ECMA counts as whitespace.)
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            body = _ECMA_CLASSES.get(escaped.lower())
            if body is None or (in_class and escaped.isupper()):
                out.append(pattern[i : i + 2])
            elif in_class:
                out.append(body)
            else:
                out.append(f"[{'^' if escaped.isupper() else ''}{body}]")
            i += 2
            continue
        if in_class:
            if char == "]" and out[-1] not in ("[", "[^"):  # right after "[" or "[^", Python reads a literal "]"
                in_class = False
            out.append(char)
        elif char == "[":
            in_class = True
            negated = pattern.startswith("^", i + 1)
            out.append("[^" if negated else "[")
            i += negated
        elif char == "$":
            out.append("\\Z")
        else:
            out.append(char)
        i += 1
    return re.compile("".join(out), re.ASCII)


def _fit_bytes(text: str, min_chars: int, max_bytes: int) -> str:
    """Shorten ``text`` (or make its characters ASCII) until its UTF-8 form has at most ``max_bytes`` bytes,
    keeping at least ``min_chars`` code points."""
    chars = list(text)
    while len("".join(chars).encode("utf-8")) > max_bytes:
        if len(chars) > min_chars:
            chars.pop()
        else:
            i = next(i for i, c in enumerate(chars) if ord(c) > 0x7F)
            chars[i] = "a"
    return "".join(chars)


def _plain_text(length: tuple[int, int | None], size: tuple[int, int | None]) -> SearchStrategy[str] | None:
    """Text of a code-point length and a UTF-8 size in the given ranges, built without filtering."""
    lo, hi = max(length[0], size[0]), length[1]
    if size[1] is not None:
        hi = size[1] if hi is None else min(hi, size[1])  # a code point takes at least one byte
    top = lo + _MAX_TEXT if hi is None else min(hi, lo + _MAX_TEXT)
    if lo > top:
        return None
    text = st.text(_TEXT, min_size=lo, max_size=top)
    max_bytes = size[1]
    if max_bytes is not None and max_bytes < 4 * top:
        return text.map(lambda s: _fit_bytes(s, lo, max_bytes))
    return text


# ------------------------------------------------------------------------------------------------ compiler


def compiler_for(reg: Registry) -> _Compiler:
    """The (cached) strategy compiler of a registry; the other strategy modules read its rules from it.

    Raises:
        ContractError: the service rules do not fit the registry's types.
    """
    return _compiler(reg)


def _compiler(reg: Registry) -> _Compiler:
    """One compiler per registry, kept with it (:meth:`Registry.derived`) and freed with it."""
    return reg.derived("testing.compiler", lambda: _Compiler(reg))


def _rules_of(reg: Registry) -> tuple[Rule, ...]:
    """The service rules that apply to ``reg``'s types.

    A registry over other files (a test proto, say) lacks most types the rules are anchored at; rules about
    types it does not have do not apply to it. A rule about a type it does have must fit that type.

    Raises:
        ContractError: the rules do not load, or a rule does not fit a type of ``reg``.
    """
    try:
        return load_rules(reg).rules
    except ContractError as e:
        if reg is default_registry():
            raise
        error = e
    kept = []
    for rule in load_rules(default_registry()).rules:
        try:
            desc = reg.message_descriptor(rule.message)
        except UnknownNameError:
            continue
        names = [rule.field] if rule.field is not None else list(rule.argument) if rule.is_object_check else []
        names += [rule.when.field] if rule.when is not None else []
        for step in rule.path:
            field = desc.fields_by_name.get(step)
            if field is None or field.message_type is None:
                raise ContractError(f"{rule.id} does not fit {desc.full_name}: {error}") from error
            desc = field.message_type
        if any(name not in desc.fields_by_name for name in names):
            raise ContractError(f"{rule.id} does not fit {desc.full_name}: {error}") from error
        kept.append(rule)
    return tuple(kept)


def _target(reg: Registry, rule: Rule) -> str:
    desc = reg.message_descriptor(rule.message)
    for step in rule.path:
        desc = message_of(desc.fields_by_name[step])
    return desc.full_name


@dataclass(frozen=True)
class _Group:
    """Fields of which at most one (``exactly``: exactly one) may appear."""

    members: tuple[str, ...]
    exactly: bool
    when: When | None = None
    field: descriptor.FieldDescriptor | None = None  # the ``when`` field


class _Compiler:
    """Strategies for one registry's types, built on first use and cached."""

    def __init__(self, reg: Registry) -> None:
        self.reg = reg
        self._lock = threading.RLock()
        rules = _rules_of(reg)
        self.rules = {rule.id: rule for rule in rules}
        self.anchored: dict[str, list[Rule]] = {}
        for rule in rules:
            self.anchored.setdefault(rule.message, []).append(rule)
        self.targets = {rule.id: _target(reg, rule) for rule in rules}
        """Rule id → the full name of the type whose field or object the rule checks (the end of its path)."""
        self.ranged = frozenset(
            (self.targets[rule.id], rule.field) for rule in rules if rule.kind == "range" and rule.field is not None
        )
        """(type, field) pairs a ``range`` rule bounds somewhere."""
        self._plans: dict[tuple[str, _Inherited, int], _Plan] = {}
        self._messages: dict[tuple[str, _Inherited, int], SearchStrategy[Message]] = {}
        self._fields: dict[tuple[Any, ...], SearchStrategy[Any]] = {}
        self._field_rules: dict[str, FieldRules] = {}
        self._any: dict[int, SearchStrategy[Message]] = {}

    # ---------------------------------------------------------------------------------------- messages

    def split(self, desc: descriptor.Descriptor, inherited: Inherited) -> tuple[list[Rule], dict[str, Inherited]]:
        """The rules that apply at an object of type ``desc`` (its own and those arriving from ancestors), and
        the rules it passes on, by the field they go through."""
        here: list[Rule] = []
        down: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        pending = [(rule.id, rule.path) for rule in self.anchored.get(desc.full_name, ())] + list(inherited)
        for rule_id, path in dict.fromkeys(pending):
            if path:
                down.setdefault(path[0], []).append((rule_id, path[1:]))
            else:
                here.append(self.rules[rule_id])
        return here, {name: tuple(items) for name, items in down.items()}

    def passed_down(self, desc: descriptor.Descriptor, inherited: Inherited) -> dict[str, Inherited]:
        """The rules an object of type ``desc`` passes on to its fields (see :meth:`split`)."""
        return self.split(desc, inherited)[1]

    def root(self, desc: descriptor.Descriptor, overrides: tuple[_Override, ...]) -> SearchStrategy[Message]:
        if desc.full_name in _WELL_KNOWN:
            base = self._well_known(desc, _NO_CHECKS, "present", MAX_DEPTH)
            if not overrides:
                return base
            return base.flatmap(lambda msg: _overridden(self, msg, overrides))
        if not overrides:
            return self.message(desc, (), MAX_DEPTH)
        plan = self.plan(desc, (), MAX_DEPTH)
        return _drawn(plan, overrides)

    def plan(self, desc: descriptor.Descriptor, inherited: _Inherited, budget: int) -> _Plan:
        key = (desc.full_name, inherited, budget)
        with self._lock:
            found = self._plans.get(key)
            if found is None:
                found = self._plans[key] = _Plan(self, desc, inherited, budget)
            return found

    def message(self, desc: descriptor.Descriptor, inherited: _Inherited, budget: int) -> SearchStrategy[Message]:
        key = (desc.full_name, inherited, budget)
        with self._lock:
            found = self._messages.get(key)
            if found is None:
                found = self._messages[key] = _drawn(self.plan(desc, inherited, budget), ())
            return found

    def field_rules(self, field: descriptor.FieldDescriptor) -> FieldRules:
        with self._lock:
            found = self._field_rules.get(field.full_name)
            if found is None:
                found = self._field_rules[field.full_name] = field_rules(self.reg.options(field), field)
            return found

    # ---------------------------------------------------------------------------------------- fields

    def field(
        self,
        field: descriptor.FieldDescriptor,
        rules: tuple[Rule, ...],
        mode: Mode,
        inherited: _Inherited,
        budget: int,
    ) -> SearchStrategy[Any]:
        """Values of one field (lists for repeated fields, dicts for maps; ``ABSENT`` to leave it unset)."""
        key = (field.full_name, tuple(r.id for r in rules), mode, inherited, budget)
        with self._lock:
            found = self._fields.get(key)
            if found is None:
                found = self._fields[key] = self._field(field, rules, mode, inherited, budget)
            return found

    def _field(
        self,
        field: descriptor.FieldDescriptor,
        rules: tuple[Rule, ...],
        mode: Mode,
        inherited: _Inherited,
        budget: int,
    ) -> SearchStrategy[Any]:
        opts = self.field_rules(field)
        required = opts.required or any(r.kind == "required" for r in rules)
        if mode == "absent":
            return st.just(ABSENT)
        if required:
            mode = "present"
        checks = _Checks.of(opts, rules)
        where = field.full_name
        if is_map(field):
            entry = message_of(field)
            key_field, value_field = entry.fields_by_name["key"], entry.fields_by_name["value"]
            counts = _item_counts(opts, mode)
            if value_field.message_type is not None and budget <= 0 and _counts_contain(counts, 0):
                return st.just({})  # beyond the depth bound, message fields stay unset
            keys = self._map_keys(key_field, opts)
            values = self._element(value_field, checks, nondefault=False, inherited=inherited, budget=budget - 1)
            cap = 2 if key_field.type == _FD.TYPE_BOOL else _MAX_ITEMS
            maps = [st.dictionaries(keys, values, min_size=lo, max_size=hi) for lo, hi in _sizes(counts, cap)]
            if not maps:
                raise ContractError(f"{where}: no map size satisfies its options and rules")
            return st.one_of(maps)
        if field.is_repeated:
            counts = _item_counts(opts, mode)
            if field.message_type is not None and budget <= 0 and _counts_contain(counts, 0):
                return st.just([])  # beyond the depth bound, message fields stay unset
            item = self._element(field, checks, nondefault=False, inherited=inherited, budget=budget - 1)
            unique = opts.unique
            parts = [
                st.lists(
                    item,
                    min_size=lo,
                    max_size=hi,
                    unique_by=_unique_key if unique else None,
                )
                for lo, hi in _sizes(counts, _MAX_ITEMS if budget > 1 else 2)
            ]
            if not parts:
                raise ContractError(f"{where}: no number of items satisfies its options and rules")
            return st.one_of(parts)
        if field.message_type is not None and mode == "maybe" and budget <= 0:
            return st.just(ABSENT)
        nondefault = required or (mode == "present" and not field.has_presence)
        value = self._element(field, checks, nondefault=nondefault, inherited=inherited, budget=budget - 1)
        if mode == "maybe":
            return st.one_of(st.just(ABSENT), value)
        return value

    def _element(
        self,
        field: descriptor.FieldDescriptor,
        checks: _Checks,
        *,
        nondefault: bool,
        inherited: _Inherited,
        budget: int,
    ) -> SearchStrategy[Any]:
        """One value of ``field``'s type (an item of a repeated field, a value of a map)."""
        if field.message_type is not None:
            desc = field.message_type
            if desc.full_name in _WELL_KNOWN:
                return self._well_known(desc, checks, "present", max(budget, 0))
            child = max(budget, 0)
            return st.deferred(lambda: self.message(desc, inherited, child))
        return self._scalar(field, checks, nondefault, field.full_name)

    # ---------------------------------------------------------------------------------------- scalars

    def _scalar(
        self, field: descriptor.FieldDescriptor, checks: _Checks, nondefault: bool, where: str
    ) -> SearchStrategy[Any]:
        ftype = field.type
        opts = checks.opts
        if ftype == _FD.TYPE_BOOL:
            return st.just(True) if nondefault else st.booleans()
        if ftype == _FD.TYPE_ENUM:
            return self._enum(field, checks, nondefault, where)
        if ftype in _INT_RANGES:
            lo, hi = _INT_RANGES[ftype]
            intervals: list[Interval] = list(opts.value if opts.value is not None else _EVERYTHING)
            for iv in checks.ranges:
                intervals = _meet(intervals, [iv])
            ranges = _int_ranges(intervals, lo, hi)
            for allowed in checks.one_of:
                ranges = [(v, v) for v in allowed if any(a <= v <= b for a, b in ranges)]
            for name in checks.enums_of:
                numbers = {v.number for v in self.reg.enum_descriptor(name).values}
                ranges = [(v, v) for v in sorted(numbers) if any(a <= v <= b for a, b in ranges)]
            if nondefault:
                ranges = [r for a, b in ranges for r in ((a, min(b, -1)), (max(a, 1), b)) if r[0] <= r[1]]
            if not ranges:
                raise ContractError(f"{where}: no integer satisfies its options and rules")
            return _integers(ranges)
        if ftype in (_FD.TYPE_FLOAT, _FD.TYPE_DOUBLE):
            intervals = list(opts.value if opts.value is not None else _EVERYTHING)
            for iv in checks.ranges:
                intervals = _meet(intervals, [iv])
            if nondefault:
                intervals = _meet(intervals, _NONZERO)
            floats = _floats(intervals, 32 if ftype == _FD.TYPE_FLOAT else 64)
            if floats is None:
                raise ContractError(f"{where}: no float satisfies its options and rules")
            return floats
        if ftype == _FD.TYPE_STRING:
            return self._string(checks, nondefault, where)
        if ftype == _FD.TYPE_BYTES:
            sizes: list[tuple[int, int | None]] = [(0, None)]
            for bounds in (opts.length, opts.bytes):
                if bounds is not None:
                    sizes = _meet_counts(sizes, _count_bounds(bounds))
            if checks.max_decoded_bytes is not None:
                sizes = _meet_counts(sizes, [(0, checks.max_decoded_bytes)])
            if nondefault:
                sizes = _meet_counts(sizes, [(1, None)])
            parts = [st.binary(min_size=lo, max_size=hi) for lo, hi in _sizes(sizes, _MAX_BYTES)]
            if not parts:
                raise ContractError(f"{where}: no bytes value satisfies its options and rules")
            return parts[0] if len(parts) == 1 else st.one_of(parts)
        raise ContractError(f"{where}: unsupported field type {ftype}")  # pragma: no cover - groups are proto2

    def _enum(
        self, field: descriptor.FieldDescriptor, checks: _Checks, nondefault: bool, where: str
    ) -> SearchStrategy[int]:
        values = list(dict.fromkeys(v.number for v in enum_of(field).values))
        opts = checks.opts
        if opts.value is not None:
            values = [n for n in values if any(iv.contains(Decimal(n)) for iv in opts.value)]
        for allowed in checks.one_of:
            numbers = {enum_of(field).values_by_name[name].number for name in allowed}
            values = [n for n in values if n in numbers]
        if nondefault:
            values = [n for n in values if n != enum_of(field).values[0].number]
        if not values:
            raise ContractError(f"{where}: no enum value satisfies its options and rules")
        return st.sampled_from(values)

    def _string(self, checks: _Checks, nondefault: bool, where: str) -> SearchStrategy[str]:
        opts = checks.opts
        lengths: list[tuple[int, int | None]] = [(0, None)]
        if opts.length is not None:
            lengths = _meet_counts(lengths, _count_bounds(opts.length))
        if checks.max_length is not None:
            lengths = _meet_counts(lengths, [(0, checks.max_length)])
        if nondefault:
            lengths = _meet_counts(lengths, [(1, None)])
        sizes = _count_bounds(opts.bytes) if opts.bytes is not None else [(0, None)]
        patterns = checks.patterns
        if checks.one_of:
            allowed = [v for v in checks.one_of[0] if all(v in other for other in checks.one_of[1:])]
            allowed = [v for v in allowed if _text_ok(v, lengths, sizes, patterns)]
            if not allowed:
                raise ContractError(f"{where}: no string of its one_of list satisfies its options and rules")
            return st.sampled_from(allowed)
        if patterns:
            # A pattern is generated from; any other constraint on the same string is checked afterwards (a
            # regular expression cannot be intersected with a length bound or another expression here).
            first, rest = patterns[0], patterns[1:]
            text = st.from_regex(ecma_regex(first), fullmatch=True, alphabet=_TEXT)
            if rest or lengths != [(0, None)] or sizes != [(0, None)]:
                return text.filter(lambda s: _text_ok(s, lengths, sizes, rest))
            return text
        parts = [s for length in lengths for size in sizes if (s := _plain_text(length, size)) is not None]
        if not parts:
            raise ContractError(f"{where}: no string satisfies its options and rules")
        return parts[0] if len(parts) == 1 else st.one_of(parts)

    def _map_keys(self, key: descriptor.FieldDescriptor, opts: FieldRules) -> SearchStrategy[Any]:
        spec = opts.map_key
        where = f"{key.containing_type.full_name} key" if key.containing_type else "map key"
        if key.type == _FD.TYPE_BOOL:
            return st.booleans()
        if key.type in _INT_RANGES:
            lo, hi = _INT_RANGES[key.type]
            intervals = list(spec.value) if spec is not None and spec.value is not None else list(_EVERYTHING)
            ranges = _int_ranges(intervals, lo, hi)
            if not ranges:
                raise ContractError(f"{where}: no integer key satisfies map_key")
            return _integers(ranges)
        if spec is None:
            return st.text(_TEXT, max_size=_MAX_TEXT)
        lengths = _count_bounds(spec.length) if spec.length is not None else [(0, None)]
        patterns = (spec.pattern,) if spec.pattern else ()
        if spec.value is not None:
            # A string key under a value bound spells a number in canonical decimal.
            ranges = _int_ranges(spec.value, -(2**63), 2**63 - 1)
            if not ranges:
                raise ContractError(f"{where}: no key satisfies map_key")
            keys = _integers(ranges).map(str)
            if patterns or spec.length is not None:
                return keys.filter(lambda s: _text_ok(s, lengths, [(0, None)], patterns))
            return keys
        return self._string(_Checks.of(FieldRules(length=spec.length, pattern=spec.pattern), ()), False, where)

    # ---------------------------------------------------------------------------------------- well-known types

    def _well_known(
        self, desc: descriptor.Descriptor, checks: _Checks, mode: Mode, budget: int
    ) -> SearchStrategy[Message]:
        name = desc.full_name
        cls = self.reg.message_class(desc.full_name)
        opts = checks.opts
        if name in (_TIMESTAMP, _DURATION):
            lo, hi = _TIMESTAMP_NANOS if name == _TIMESTAMP else _DURATION_NANOS
            intervals = [
                Interval(
                    iv.lo * _NANOS if iv.lo is not None else None,
                    iv.hi * _NANOS if iv.hi is not None else None,
                    iv.lo_open,
                    iv.hi_open,
                )
                for iv in (opts.value if opts.value is not None else _EVERYTHING)
            ]
            ranges = _int_ranges(intervals, lo, hi)
            if not ranges:
                raise ContractError(f"{name}: no value satisfies the bounds {opts.raw.get('yandex.cloud.value')!r}")
            build = _timestamp if name == _TIMESTAMP else _duration
            return _integers(ranges).map(lambda n: build(cls, n))
        if name in _WRAPPERS:
            inner = self._scalar(desc.fields_by_name["value"], checks, False, name)
            return inner.map(lambda v: cls(value=v))
        if name == _EMPTY:
            return st.just(cls())
        if name == _FIELD_MASK:
            paths = st.lists(st.from_regex(_FIELD_MASK_PATH, fullmatch=True), max_size=2)
            return paths.map(lambda p: cls(paths=p))
        if name == _ANY:
            return self.any(budget)
        if name in (_STRUCT, _VALUE, _LIST_VALUE):
            json = _json_values(null=True)
            if name == _STRUCT:
                strategy = st.dictionaries(st.text(_TEXT, max_size=6), json, max_size=3).map(lambda d: _struct(cls, d))
            elif name == _LIST_VALUE:
                strategy = st.lists(json, max_size=3).map(lambda items: _list_value(cls, items))
            else:
                # A present Value is not null: ProtoJSON writes a null Value as null, which reads as absent.
                top = _json_values(null=False) if mode == "present" else json
                strategy = top.map(lambda v: _value(cls, v))
            if opts.bytes is not None:
                # The serialized size of a JSON value cannot be steered while it is drawn.
                sizes = _count_bounds(opts.bytes)
                return strategy.filter(lambda m: _counts_contain(sizes, m.ByteSize()))
            return strategy
        raise ContractError(f"no strategy for well-known type {name}")  # pragma: no cover

    def any(self, budget: int) -> SearchStrategy[Message]:
        """A ``google.protobuf.Any`` packing a small valid message of a type the registry knows."""
        with self._lock:
            found = self._any.get(budget)
        if found is not None:
            return found
        cls = self.reg.message_class(_ANY)
        names = [n for n in _PACKABLE_WELL_KNOWN if self._known(n) and (n != _ANY or budget > 1)]
        if budget > 0:
            names += [n for n in self.reg.messages() if n not in _WELL_KNOWN]
        inner = max(min(budget - 1, 1), 0)  # packed messages stay small
        contents: dict[str, SearchStrategy[Message]] = {}

        def packed(name: str) -> SearchStrategy[Message]:
            found = contents.get(name)
            if found is None:
                desc = self.reg.message_descriptor(name)
                if name in _WELL_KNOWN:
                    content = self._well_known(desc, _NO_CHECKS, "present", inner)
                else:
                    content = self.message(desc, (), inner)
                found = contents[name] = content.map(lambda m: _pack(cls, m))
            return found

        strategy = st.sampled_from(names).flatmap(packed)
        with self._lock:
            self._any[budget] = strategy
        return strategy

    def _known(self, name: str) -> bool:
        try:
            self.reg.message_descriptor(name)
        except UnknownNameError:
            return False
        return True


def _unique_key(value: Any) -> Any:
    if isinstance(value, Message):
        return value.SerializeToString(deterministic=True)
    if isinstance(value, float) and value == 0:
        return 0.0  # JSON does not tell -0.0 from 0.0
    return value


def _pack(cls: type[Message], content: Message) -> Message:
    packed = cls()
    packed.Pack(content)  # type: ignore[attr-defined]
    return packed


def _timestamp(cls: type[Message], nanos: int) -> Message:
    return cls(seconds=nanos // _NANOS, nanos=nanos % _NANOS)


def _duration(cls: type[Message], nanos: int) -> Message:
    sign = -1 if nanos < 0 else 1
    return cls(seconds=sign * (abs(nanos) // _NANOS), nanos=sign * (abs(nanos) % _NANOS))


def _json_values(*, null: bool) -> SearchStrategy[Any]:
    """Small JSON values with finite numbers (``null``: the value itself may be null; nested ones may be)."""
    scalars = st.one_of(st.booleans(), st.floats(allow_nan=False, allow_infinity=False), st.text(_TEXT, max_size=6))
    nested = st.recursive(
        st.none() | scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=3), st.dictionaries(st.text(_TEXT, max_size=4), children, max_size=3)
        ),
        max_leaves=6,
    )
    if null:
        return nested
    containers = st.one_of(
        st.lists(nested, max_size=3), st.dictionaries(st.text(_TEXT, max_size=4), nested, max_size=3)
    )
    return st.one_of(scalars, containers)


def _struct(cls: type[Message], content: dict[str, Any]) -> Message:
    result = cls()
    result.update(content)  # type: ignore[attr-defined]
    return result


def _list_value(cls: type[Message], items: list[Any]) -> Message:
    result = cls()
    result.extend(items)  # type: ignore[attr-defined]
    return result


def _value(cls: type[Message], content: Any) -> Message:
    # The ListValue helper converts Python values; a Value has no such helper of its own.
    wrapper = cls()
    wrapper.list_value.extend([content])  # type: ignore[attr-defined]
    result = cls()
    result.CopyFrom(wrapper.list_value.values[0])  # type: ignore[attr-defined]
    return result


# ------------------------------------------------------------------------------------------------ message plans


class _Plan:
    """How one message type is drawn at one place: which rules apply, which fields decide conditions, which
    fields form groups."""

    def __init__(self, compiler: _Compiler, desc: descriptor.Descriptor, inherited: _Inherited, budget: int) -> None:
        self.compiler = compiler
        self.desc = desc
        self.cls = compiler.reg.message_class(desc.full_name)
        self.budget = budget
        rules = compiler.rules
        # Rules that look at this object, and rules passed further down, by the field they pass through. The
        # type's own rules apply wherever it is built (the published schema puts them into the type's document,
        # which every reference to the type shares); rules of an ancestor arrive with the rest of their path.
        here, self.down = compiler.split(desc, inherited)
        # A required field needs every object on its path to be present.
        self.forced = frozenset(
            name for name, items in self.down.items() if any(rules[i].kind == "required" for i, _ in items)
        )
        fields = desc.fields_by_name
        self.field_rules: dict[str, tuple[Rule, ...]] = {
            name: tuple(r for r in here if r.field == name) for name in fields
        }
        self.groups: list[_Group] = []
        for oneof in desc.oneofs:
            exactly = oneof_exactly_one(compiler.reg.options(oneof))
            if len(oneof.fields) > 1 or exactly:
                self.groups.append(_Group(tuple(f.name for f in oneof.fields), exactly))
        for rule in here:
            if rule.is_object_check:
                when_field = fields[rule.when.field] if rule.when is not None else None
                self.groups.append(_Group(tuple(rule.argument), rule.kind == "exactly_one", rule.when, when_field))
        self.groups.sort(key=lambda g: not g.exactly)  # exactly-one groups choose first
        self.conditions = self._condition_order(here)
        for field in desc.fields:  # fail early on constraints nothing satisfies
            unconditional = tuple(r for r in self.field_rules[field.name] if r.when is None)
            compiler.field(field, unconditional, "maybe", self.down.get(field.name, ()), budget)

    def _condition_order(self, here: Sequence[Rule]) -> tuple[descriptor.FieldDescriptor, ...]:
        """Fields ``when`` conditions read, each after the fields its own conditional rules read."""
        fields = self.desc.fields_by_name
        needed = {r.when.field for r in here if r.when is not None}
        order: list[str] = []
        visiting: set[str] = set()

        def visit(name: str) -> None:
            if name in order:
                return
            if name in visiting:
                raise ContractError(f"{self.desc.full_name}: the 'when' conditions of its rules form a cycle")
            visiting.add(name)
            for rule in self.field_rules[name]:
                if rule.when is not None:
                    visit(rule.when.field)
            visiting.discard(name)
            order.append(name)

        for name in sorted(needed, key=lambda n: fields[n].number):
            visit(name)
        return tuple(fields[name] for name in order)

    def active(self, msg: Message, name: str) -> tuple[Rule, ...]:
        fields = self.desc.fields_by_name
        return tuple(r for r in self.field_rules[name] if r.when is None or _holds(msg, fields[r.when.field], r.when))

    def draw(self, draw: st.DrawFn, overrides: tuple[_Override, ...]) -> Message:
        """One message: overrides first, then the fields conditions read, then the choice of which members of
        each group appear, then every other field."""
        compiler, reg = self.compiler, self.compiler.reg
        msg = self.cls()
        fixed: set[str] = set()
        for override in overrides:
            value = draw(override.value) if override.drawn else override.value
            _assign(reg, msg, override.field, value)
            fixed.add(override.field.name)
        for field in self.conditions:
            if field.name not in fixed:
                rules = self.active(msg, field.name)
                mode = self._mode(field.name, rules, set(), set())
                _assign(
                    reg,
                    msg,
                    field,
                    draw(compiler.field(field, rules, mode, self.down.get(field.name, ()), self.budget)),
                )
                fixed.add(field.name)
        chosen, excluded = self._choose(draw, msg, fixed)
        for field in self.desc.fields:
            if field.name in fixed:
                continue
            rules = self.active(msg, field.name)
            mode = self._mode(field.name, rules, chosen, excluded)
            if mode != "absent":
                value = draw(compiler.field(field, rules, mode, self.down.get(field.name, ()), self.budget))
                if value is not ABSENT:
                    _assign(reg, msg, field, value)
        fix_content(draw, msg, frozenset(o.field.name for o in overrides))
        return msg

    def _mode(self, name: str, rules: tuple[Rule, ...], chosen: set[str], excluded: set[str]) -> Mode:
        if name in excluded or any(r.kind in ("forbidden", "ignored") for r in rules):
            return "absent"
        if name in chosen or name in self.forced:
            return "present"
        return "maybe"

    def _required(self, name: str, rules: tuple[Rule, ...]) -> bool:
        if name in self.forced or any(r.kind == "required" for r in rules):
            return True
        return self.compiler.field_rules(self.desc.fields_by_name[name]).required

    def _choose(self, draw: st.DrawFn, msg: Message, fixed: set[str]) -> tuple[set[str], set[str]]:
        """Which fields must appear and which must not: fixed ones as they are, required and forbidden ones,
        then one member (or none, where allowed) of every group that applies."""
        fields = self.desc.fields_by_name
        chosen = {name for name in fixed if _json_present(msg, fields[name])}
        excluded = set(fixed) - chosen
        for name in fields:
            if name in fixed:
                continue
            rules = self.active(msg, name)
            if any(r.kind in ("forbidden", "ignored") for r in rules):
                excluded.add(name)
            elif self._required(name, rules):
                chosen.add(name)
        if chosen & excluded:
            reject()  # fixed fields that contradict a rule; only overrides can do this
        for group in self.groups:
            if group.when is not None and group.field is not None and not _holds(msg, group.field, group.when):
                continue
            present = [m for m in group.members if m in chosen]
            if len(present) > 1:
                reject()
            if present:
                excluded.update(m for m in group.members if m not in chosen)
                continue
            candidates = [m for m in group.members if m not in excluded]
            if group.exactly and not candidates:
                reject()
            options: list[str | None] = list(candidates) if group.exactly else [None, *candidates]
            pick = draw(st.sampled_from(options))
            if pick is not None:
                chosen.add(pick)
            excluded.update(m for m in group.members if m != pick)
        return chosen, excluded


def _drawn(plan: _Plan, overrides: tuple[_Override, ...]) -> SearchStrategy[Message]:
    @st.composite
    def build(draw: st.DrawFn) -> Message:
        return plan.draw(draw, overrides)

    return build()


def _overridden(compiler: _Compiler, msg: Message, overrides: tuple[_Override, ...]) -> SearchStrategy[Message]:
    @st.composite
    def build(draw: st.DrawFn) -> Message:
        result = type(msg)()
        result.CopyFrom(msg)
        for override in overrides:
            value = draw(override.value) if override.drawn else override.value
            _assign(compiler.reg, result, override.field, value)
        return result

    return build()
