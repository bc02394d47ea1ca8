"""The grammar of the ``yandex.cloud.*`` validation options (``protos/yandex/cloud/validation.proto``).

Fields carry constraint strings such as ``(yandex.cloud.length) = "<=50"`` or ``(yandex.cloud.value) = "0,5-10"``;
this module turns them into data the schema generator and the validators share:

- :func:`parse_bounds` reads one constraint string into a union of :class:`Interval` values;
- :func:`field_rules` reads every option of a field (as ``Registry.options`` decodes them) into a frozen
  :class:`FieldRules`, checking that each option fits the field's type;
- :func:`integer_range_pattern` spells an integer range as a regular expression over canonical decimal strings,
  for 64-bit integers, which ProtoJSON writes as strings.

The constraint grammar, as used across Yandex Cloud's public protos::

    union    = item ("," item)*
    item     = ("<=" | "<" | ">=" | ">") value   a one-sided bound
             | value "-" value                    an inclusive range; either side may itself be negative
             | value                              exactly that value
    value    = number | duration | timestamp      (which one depends on the field's type)
    number   = ["-"] digits ["." digits]
    duration = ["-"] (digits ["." digits] unit)+ | "0"   units ns, us (or µs), ms, s, m, h, d; "1h30m" as in Go
    timestamp = RFC 3339 ("2020-01-01T00:00:00Z"; lower-case t/z too; offset optional, UTC when absent), or the
                ISO 8601 basic form some public protos use ("19700101T000000.000000000"); at most 9 fraction digits

Whitespace around items, around the ``-`` of a range and after an operator is ignored.
"""

from __future__ import annotations

import decimal
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import Final, Literal, TypeAlias

from google.protobuf.descriptor import FieldDescriptor

from yc_contracts.contract.errors import ContractError

__all__ = [
    "BYTES",
    "EXACTLY_ONE",
    "FIELD_OPTIONS",
    "LENGTH",
    "MAP_KEY",
    "PATTERN",
    "REQUIRED",
    "SIZE",
    "UNIQUE",
    "VALUE",
    "FieldRules",
    "Interval",
    "MapKeyRules",
    "OptionSyntaxError",
    "ValueKind",
    "field_rules",
    "integer_range_pattern",
    "oneof_exactly_one",
    "parse_bounds",
    "parse_duration",
]

ValueKind: TypeAlias = Literal["number", "duration", "timestamp"]
"""What the bounds of a ``value`` option measure: a number, a duration in seconds, or seconds since the epoch."""

REQUIRED: Final = "yandex.cloud.required"
PATTERN: Final = "yandex.cloud.pattern"
VALUE: Final = "yandex.cloud.value"
SIZE: Final = "yandex.cloud.size"
LENGTH: Final = "yandex.cloud.length"
UNIQUE: Final = "yandex.cloud.unique"
MAP_KEY: Final = "yandex.cloud.map_key"
BYTES: Final = "yandex.cloud.bytes"
EXACTLY_ONE: Final = "yandex.cloud.exactly_one"
FIELD_OPTIONS: Final = (REQUIRED, PATTERN, VALUE, SIZE, LENGTH, UNIQUE, MAP_KEY, BYTES)
"""Every ``yandex.cloud`` field option, by extension full name."""


class OptionSyntaxError(ContractError):
    """A ``yandex.cloud`` option that does not parse, or does not fit the type of the field it is set on.

    Attributes:
        text: the option's value as written (``repr`` of it for non-strings).
        reason: what is wrong, one clause.
        option: the extension's full name (``"yandex.cloud.length"``), when known.
        field: the full name of the field the option is set on, when known.
    """

    def __init__(self, text: str, reason: str, *, option: str | None = None, field: str | None = None) -> None:
        self.text = text
        self.reason = reason
        self.option = option
        self.field = field
        where = f"{field}: " if field else ""
        what = f"option ({option}) = {text!r}" if option else f"constraint {text!r}"
        super().__init__(f"{where}{what}: {reason}")

    def __reduce__(self) -> tuple[Callable[..., OptionSyntaxError], tuple[object, ...]]:
        return (_rebuild_error, (self.text, self.reason, self.option, self.field))


def _rebuild_error(text: str, reason: str, option: str | None, field: str | None) -> OptionSyntaxError:
    return OptionSyntaxError(text, reason, option=option, field=field)


# ---------------------------------------------------------------------------------------------- intervals


@dataclass(frozen=True)
class Interval:
    """A set of values between two bounds; ``None`` leaves a side unbounded.

    ``lo_open``/``hi_open`` make a bound strict (``>``/``<``); they are ``False`` on an unbounded side.
    Exact ``N`` is ``Interval(N, N, False, False)``.
    """

    lo: Decimal | None
    hi: Decimal | None
    lo_open: bool = False
    hi_open: bool = False

    def contains(self, x: Decimal) -> bool:
        """Whether ``x`` lies in the interval."""
        if self.lo is not None and (x < self.lo or (self.lo_open and x == self.lo)):
            return False
        return self.hi is None or not (x > self.hi or (self.hi_open and x == self.hi))

    def integer_bounds(self) -> tuple[int | None, int | None]:
        """The closed bounds of the integers in the interval: ``<5`` → ``(None, 4)``, ``>0.5`` → ``(1, None)``.

        When no integer lies in the interval (``0.2-0.8``) the result has ``lo > hi``.
        """
        lo = hi = None
        if self.lo is not None:
            lo = math.ceil(self.lo)
            if self.lo_open and lo == self.lo:
                lo += 1
        if self.hi is not None:
            hi = math.floor(self.hi)
            if self.hi_open and hi == self.hi:
                hi -= 1
        return lo, hi


# ---------------------------------------------------------------------------------------------- values

_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_UNIT_SECONDS: Final = {
    "ns": Decimal("1e-9"),
    "us": Decimal("1e-6"),
    "\u00b5s": Decimal("1e-6"),  # MICRO SIGN, as Go's time.ParseDuration accepts
    "\u03bcs": Decimal("1e-6"),  # GREEK SMALL LETTER MU, likewise
    "ms": Decimal("1e-3"),
    "s": Decimal(1),
    "m": Decimal(60),
    "h": Decimal(3600),
    "d": Decimal(86400),
}
_UNITS = "|".join(sorted(_UNIT_SECONDS, key=len, reverse=True))  # "ms" before "m"
_DURATION = re.compile(rf"(-?)((?:[0-9]+(?:\.[0-9]+)?(?:{_UNITS}))+|0)")
_DURATION_PART = re.compile(rf"([0-9]+(?:\.[0-9]+)?)({_UNITS})")
_FRACTION = r"(?:\.([0-9]+))?"
_TIMESTAMP_FORMS = (
    # RFC 3339 (extended form), offset optional
    re.compile(
        rf"([0-9]{{4}})-([0-9]{{2}})-([0-9]{{2}})[Tt]([0-9]{{2}}):([0-9]{{2}}):([0-9]{{2}}){_FRACTION}"
        r"(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))?"
    ),
    # ISO 8601 basic form, as in (yandex.cloud.value) = "19700101T000000.000000000-21051231T235959.999999999"
    re.compile(
        rf"([0-9]{{4}})([0-9]{{2}})([0-9]{{2}})[Tt]([0-9]{{2}})([0-9]{{2}})([0-9]{{2}}){_FRACTION}"
        r"(?:([Zz])|([+-])([0-9]{2})([0-9]{2}))?"
    ),
)
_MAX_FRACTION_DIGITS: Final = 9  # google.protobuf.Timestamp holds nanoseconds
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_OPERATORS: Final = {"<=": (False, True), "<": (True, True), ">=": (False, False), ">": (True, False)}
"""Operator → (strict, upper bound)."""


_SPELLING: Final[Mapping[ValueKind, str]] = {
    "number": "digits, optionally signed '-' and with a '.' fraction, such as '10' or '-0.5'",
    "duration": "a number with a unit ns, us, ms, s, m, h or d, such as '1.5s' or '1h30m'",
    "timestamp": "RFC 3339 such as '2020-01-01T00:00:00Z', or ISO 8601 basic such as '20200101T000000Z'",
}
"""How each kind of value is written, for error messages."""


class _ValueError(Exception):
    """A value that does not parse; the message is the reason, turned into an OptionSyntaxError by the caller.

    ``recognized``: the text has the shape of a value but is not a valid one (a 13th month, too many digits), so
    this is the error to report even where the text might have been read some other way.
    """

    def __init__(self, reason: str, *, recognized: bool = False) -> None:
        super().__init__(reason)
        self.recognized = recognized


def _exact() -> decimal.Context:
    """A context in which arithmetic on option values is exact, or raises instead of rounding."""
    return decimal.Context(prec=100, traps=[decimal.Inexact, decimal.Rounded, decimal.InvalidOperation])


def _number(text: str) -> Decimal:
    if not _NUMBER.fullmatch(text):
        raise _ValueError(f"{text!r} is not a number ({_SPELLING['number']})")
    return Decimal(text)


def _duration(text: str) -> Decimal:
    m = _DURATION.fullmatch(text)
    if not m:
        raise _ValueError(f"{text!r} is not a duration ({_SPELLING['duration']})")
    try:
        with decimal.localcontext(_exact()):
            total = sum(
                (Decimal(number) * _UNIT_SECONDS[unit] for number, unit in _DURATION_PART.findall(m.group(2))),
                Decimal(0),
            )
            return -total if m.group(1) else total
    except decimal.DecimalException as e:
        raise _ValueError(f"{text!r} has too many digits", recognized=True) from e


def _timestamp(text: str) -> Decimal:
    for form in _TIMESTAMP_FORMS:
        m = form.fullmatch(text)
        if m:
            break
    else:
        raise _ValueError(f"{text!r} is not a timestamp ({_SPELLING['timestamp']})")
    year, month, day, hour, minute, second, fraction, _zulu, sign, off_h, off_m = m.groups()
    if fraction is not None and len(fraction) > _MAX_FRACTION_DIGITS:
        raise _ValueError(
            f"{text!r} has more than {_MAX_FRACTION_DIGITS} fraction digits (nanoseconds)", recognized=True
        )
    try:
        tz = UTC
        if sign is not None:
            if int(off_h) > 23 or int(off_m) > 59:
                raise ValueError("offset out of range")
            offset = timedelta(hours=int(off_h), minutes=int(off_m))
            tz = timezone(-offset if sign == "-" else offset)
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=tz)
    except ValueError as e:
        raise _ValueError(f"{text!r} is not a valid date and time ({e})", recognized=True) from e
    seconds = (moment - _EPOCH) // timedelta(seconds=1)
    with decimal.localcontext(_exact()):
        fraction = (fraction or "").rstrip("0")
        return Decimal(seconds) + Decimal(f"0.{fraction}" if fraction else 0)


_VALUE_PARSERS: Final[Mapping[ValueKind, Callable[[str], Decimal]]] = {
    "number": _number,
    "duration": _duration,
    "timestamp": _timestamp,
}


def parse_duration(text: str) -> Decimal:
    """Seconds in a duration such as ``"1.5s"``, ``"100ms"``, ``"-1h30m"`` or ``"2d"`` (surrounding whitespace ignored).

    Units: ``ns``, ``us`` (or ``µs``), ``ms``, ``s``, ``m``, ``h``, ``d`` (86,400 s); a bare ``"0"`` is zero.

    Raises:
        OptionSyntaxError: ``text`` is not a duration.
    """
    try:
        return _duration(text.strip())
    except _ValueError as e:
        raise OptionSyntaxError(text, str(e)) from None


# ---------------------------------------------------------------------------------------------- the union


def parse_bounds(text: str, kind: ValueKind) -> tuple[Interval, ...]:
    """The values a constraint string allows, as a union of intervals in the order written.

    ``kind`` says what the values are: plain numbers, durations (in seconds) or timestamps (in seconds since the
    Unix epoch, UTC). Overlapping items are kept as written, not merged.

    >>> parse_bounds("-1-2147483647", "number")
    (Interval(lo=Decimal('-1'), hi=Decimal('2147483647'), lo_open=False, hi_open=False),)

    Raises:
        OptionSyntaxError: ``text`` does not follow the grammar, or a range's lower bound exceeds its upper one.
        ValueError: ``kind`` is not one of the three kinds.
    """
    parse = _VALUE_PARSERS.get(kind)
    if parse is None:
        raise ValueError(f"unknown value kind {kind!r}; expected one of {', '.join(_VALUE_PARSERS)}")
    if not text.strip():
        raise OptionSyntaxError(text, "is empty")
    items = text.split(",")
    intervals = []
    for position, item in enumerate(items, 1):
        where = f"item {position} of {len(items)} " if len(items) > 1 else ""
        try:
            intervals.append(_item(item.strip(), parse, kind))
        except _ValueError as e:
            raise OptionSyntaxError(text, f"{where}{e}") from None
    return tuple(intervals)


def _attempt(parse: Callable[[str], Decimal], text: str) -> Decimal | _ValueError:
    try:
        return parse(text)
    except _ValueError as e:
        return e


def _item(item: str, parse: Callable[[str], Decimal], kind: ValueKind) -> Interval:
    if not item:
        raise _ValueError("is empty (a stray ',')")
    for op in ("<=", ">=", "<", ">"):  # two-character operators first
        if item.startswith(op):
            strict, upper = _OPERATORS[op]
            rest = item[len(op) :].strip()
            if not rest:
                raise _ValueError(f"has no value after {op!r}")
            if rest[:1] in ("<", ">", "="):
                raise _ValueError(f"{item!r} has a malformed operator (use <=, <, >= or >)")
            bound = parse(rest)
            return Interval(None, bound, False, strict) if upper else Interval(bound, None, strict, False)
    if item[0] == "=":
        raise _ValueError("'=' is not an operator (write the value alone for an exact match)")
    # A value, or a range "A-B" where A and B may contain '-' themselves ("-10--1", timestamps): every reading
    # that parses is a candidate, and exactly one must.
    whole = _attempt(parse, item)
    if isinstance(whole, _ValueError) and whole.recognized:
        raise whole
    readings = [] if isinstance(whole, _ValueError) else [(whole, whole)]
    invalid_bound: _ValueError | None = None  # from a range whose sides have the right shape, one invalid
    for i in range(1, len(item)):
        if item[i] != "-":
            continue
        lo, hi = _attempt(parse, item[:i].strip()), _attempt(parse, item[i + 1 :].strip())
        if isinstance(lo, Decimal) and isinstance(hi, Decimal):
            readings.append((lo, hi))
            continue
        errors = [side for side in (lo, hi) if isinstance(side, _ValueError)]
        if invalid_bound is None and all(e.recognized for e in errors):
            invalid_bound = errors[0]
    if len(readings) > 1:
        raise _ValueError(f"{item!r} is ambiguous: it reads as more than one {kind} or range")
    if not readings:
        if invalid_bound is not None:
            raise invalid_bound
        if "-" in item[1:]:
            raise _ValueError(f"{item!r} is neither a {kind} nor a range 'A-B' of two ({_SPELLING[kind]})")
        assert isinstance(whole, _ValueError)
        raise whole
    (low, high), *_ = readings
    if low > high:
        raise _ValueError(f"range {item!r} is empty: its lower bound exceeds its upper bound")
    return Interval(low, high, False, False)


# ---------------------------------------------------------------------------------------------- field rules


@dataclass(frozen=True)
class MapKeyRules:
    """``(yandex.cloud.map_key)``: constraints on every key of a map field (``None`` where the spec is empty).

    ``value`` bounds integer keys, or, on string keys, the number the key spells (ProtoJSON writes every map key
    as a string); ``pattern`` and ``length`` apply to string keys only.
    """

    value: tuple[Interval, ...] | None = None
    pattern: str | None = None
    length: tuple[Interval, ...] | None = None


@dataclass(frozen=True)
class FieldRules:
    """Every ``yandex.cloud`` validation option of one field, parsed.

    On a repeated field, ``pattern``, ``value``, ``length`` and ``bytes`` apply to each element; on a map field,
    to each value (``map_key`` constrains the keys). ``length`` counts Unicode code points of a string, or bytes
    of a bytes field; ``bytes`` counts the UTF-8 bytes of a string, the bytes of a bytes field, or the serialized
    size of a ``google.protobuf.Struct``/``Value``/``ListValue``. ``pattern`` must match the whole value and is
    kept as written (unanchored). ``value_kind`` is ``None`` exactly when ``value`` is.

    ``raw`` holds the options as written, keyed by extension full name (``map_key`` as a mapping of its non-empty
    members), for messages and documentation; it is not part of equality or hashing.
    """

    required: bool = False
    pattern: str | None = None
    value: tuple[Interval, ...] | None = None
    value_kind: ValueKind | None = None
    size: tuple[Interval, ...] | None = None
    length: tuple[Interval, ...] | None = None
    bytes: tuple[Interval, ...] | None = None
    unique: bool = False
    map_key: MapKeyRules | None = None
    raw: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}), compare=False, hash=False)

    @property
    def is_empty(self) -> bool:
        """Whether the field has no constraint at all (``required = false`` is none)."""
        return not (self.required or self.unique) and all(
            v is None for v in (self.pattern, self.value, self.size, self.length, self.bytes, self.map_key)
        )


_INTEGER_TYPES: Final = frozenset(
    {
        FieldDescriptor.TYPE_INT32,
        FieldDescriptor.TYPE_INT64,
        FieldDescriptor.TYPE_UINT32,
        FieldDescriptor.TYPE_UINT64,
        FieldDescriptor.TYPE_SINT32,
        FieldDescriptor.TYPE_SINT64,
        FieldDescriptor.TYPE_FIXED32,
        FieldDescriptor.TYPE_FIXED64,
        FieldDescriptor.TYPE_SFIXED32,
        FieldDescriptor.TYPE_SFIXED64,
    }
)
_NUMBER_TYPES: Final = _INTEGER_TYPES | {
    FieldDescriptor.TYPE_FLOAT,
    FieldDescriptor.TYPE_DOUBLE,
    FieldDescriptor.TYPE_ENUM,  # validation.proto: "a numeric (or enumerated) field"
}
_NUMBER_WRAPPERS: Final = frozenset(
    f"google.protobuf.{name}Value" for name in ("Double", "Float", "Int64", "UInt64", "Int32", "UInt32")
)
_JSON_TYPES: Final = frozenset({"google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue"})
_Shape: TypeAlias = Literal["string", "bytes", "number", "duration", "timestamp", "json", "other"]
_VALUE_KINDS: Final[Mapping[_Shape, ValueKind]] = {"number": "number", "duration": "duration", "timestamp": "timestamp"}


def _shape(f: FieldDescriptor) -> _Shape:
    """What one element of ``f`` is, for deciding which options fit it (wrappers count as their scalar)."""
    if f.message_type is not None:
        name = f.message_type.full_name
        if name == "google.protobuf.StringValue":
            return "string"
        if name == "google.protobuf.BytesValue":
            return "bytes"
        if name in _NUMBER_WRAPPERS:
            return "number"
        if name == "google.protobuf.Duration":
            return "duration"
        if name == "google.protobuf.Timestamp":
            return "timestamp"
        return "json" if name in _JSON_TYPES else "other"
    if f.type == FieldDescriptor.TYPE_STRING:
        return "string"
    if f.type == FieldDescriptor.TYPE_BYTES:
        return "bytes"
    return "number" if f.type in _NUMBER_TYPES else "other"


def _map_entry(f: FieldDescriptor) -> tuple[FieldDescriptor, FieldDescriptor] | None:
    if f.message_type is None or not f.message_type.GetOptions().map_entry:
        return None
    return f.message_type.fields_by_name["key"], f.message_type.fields_by_name["value"]


_TYPE_NAMES: Final[Mapping[int, str]] = {
    getattr(FieldDescriptor, name): name.removeprefix("TYPE_").lower()
    for name in dir(FieldDescriptor)
    if name.startswith("TYPE_")
}


def _describe(f: FieldDescriptor) -> str:
    """The type of ``f`` (or of its elements) as a .proto file spells it, for messages."""
    if f.message_type is not None:
        return f.message_type.full_name
    if f.enum_type is not None:
        return f"enum {f.enum_type.full_name}"
    return _TYPE_NAMES.get(f.type, "unknown")


def field_rules(options: Mapping[str, object], field: FieldDescriptor) -> FieldRules:
    """The validation rules of ``field`` from its option values (what ``Registry.options(field)`` returns).

    Options other than the ``yandex.cloud`` field options are ignored. ``map_key`` may be the ``MapKeySpec``
    message or a mapping with the same members; its empty members mean "no constraint". ``value_kind`` follows
    the field's (element's) type: ``Duration`` → ``"duration"``, ``Timestamp`` → ``"timestamp"``, numeric
    scalars, enums and numeric wrapper types → ``"number"``.

    Raises:
        OptionSyntaxError: an option does not parse, has the wrong type of value, or does not fit the field's
            type (``length`` on an ``int64``, ``size`` on a singular field, ``map_key`` on a non-map, ...); the
            message names the field's full name.
    """
    present = {name: options[name] for name in FIELD_OPTIONS if name in options}
    entry = _map_entry(field)
    repeated = field.is_repeated and entry is None
    element = field if entry is None else entry[1]
    shape = _shape(element)
    container = f"{'repeated ' if repeated else ''}{_describe(element)}"
    if entry is not None:
        container = f"map<{_describe(entry[0])}, {container}>"

    def error(option: str, reason: str) -> OptionSyntaxError:
        return OptionSyntaxError(_written(present[option]), reason, option=option, field=field.full_name)

    def flag(option: str) -> bool:
        value = present.get(option, False)
        if not isinstance(value, bool):
            raise error(option, f"expected a bool, got {type(value).__name__}")
        return value

    def text(option: str) -> str | None:
        value = present.get(option)
        if value is not None and not isinstance(value, str):
            raise error(option, f"expected a string, got {type(value).__name__}")
        return value

    def fits(option: str, ok: bool, applies_to: str) -> None:
        if option in present and present[option] is not False and not ok:
            raise error(option, f"applies to {applies_to}, not to {container} fields")

    def bounds(option: str, value: str | None, kind: ValueKind | None) -> tuple[Interval, ...] | None:
        if value is None or kind is None:
            return None
        try:
            return parse_bounds(value, kind)
        except OptionSyntaxError as e:
            raise error(option, e.reason) from None

    required, unique = flag(REQUIRED), flag(UNIQUE)
    pattern, value, size, length, size_in_bytes = (text(name) for name in (PATTERN, VALUE, SIZE, LENGTH, BYTES))
    fits(PATTERN, shape == "string", "string fields (and repeated or map string values)")
    fits(LENGTH, shape in ("string", "bytes"), "string and bytes fields")
    fits(BYTES, shape in ("string", "bytes", "json"), "string, bytes and Struct/Value/ListValue fields")
    fits(VALUE, shape in _VALUE_KINDS, "numeric, enum, Duration and Timestamp fields")
    fits(SIZE, repeated or entry is not None, "repeated and map fields")
    fits(UNIQUE, repeated, "repeated (non-map) fields")
    fits(MAP_KEY, entry is not None, "map fields")
    if pattern is not None:
        _check_pattern(pattern, lambda reason: error(PATTERN, reason))
    value_kind = _VALUE_KINDS.get(shape) if value is not None else None

    raw: dict[str, object] = dict(present)
    map_key = None
    if entry is not None and MAP_KEY in present:
        spec = _map_key_spec(present[MAP_KEY], lambda reason: error(MAP_KEY, reason))
        raw[MAP_KEY] = MappingProxyType(spec)
        map_key = _map_key_rules(spec, entry[0], field.full_name)

    return FieldRules(
        required=required,
        pattern=pattern,
        value=bounds(VALUE, value, value_kind),
        value_kind=value_kind,
        size=bounds(SIZE, size, "number"),
        length=bounds(LENGTH, length, "number"),
        bytes=bounds(BYTES, size_in_bytes, "number"),
        unique=unique,
        map_key=map_key,
        raw=MappingProxyType(raw),
    )


_MAP_KEY_MEMBERS: Final = ("value", "pattern", "length")  # of yandex.cloud.MapKeySpec


def _written(value: object) -> str:
    """An option value as written, for messages: strings as they are, a MapKeySpec as its non-empty members."""
    if isinstance(value, str):
        return value
    if not isinstance(value, Mapping | bool) and all(hasattr(value, name) for name in _MAP_KEY_MEMBERS):
        shown = {name: getattr(value, name) for name in _MAP_KEY_MEMBERS if getattr(value, name)}
        return "{" + ", ".join(f"{name}: {v!r}" for name, v in shown.items()) + "}"
    return repr(value)


def _check_pattern(pattern: str, error: Callable[[str], OptionSyntaxError]) -> None:
    if not pattern:
        raise error("is empty")
    try:
        re.compile(pattern)
    except re.error as e:
        raise error(f"is not a regular expression Python can compile ({e})") from None


def _map_key_spec(spec: object, error: Callable[[str], OptionSyntaxError]) -> dict[str, str]:
    """The non-empty members of a ``MapKeySpec`` message (or of a mapping with the same keys)."""
    if isinstance(spec, Mapping):
        unknown = set(spec) - set(_MAP_KEY_MEMBERS)
        if unknown:
            raise error(f"unknown members {', '.join(sorted(map(str, unknown)))}")
        values = {name: spec.get(name) for name in _MAP_KEY_MEMBERS}
    elif all(hasattr(spec, name) for name in _MAP_KEY_MEMBERS):
        values = {name: getattr(spec, name) for name in _MAP_KEY_MEMBERS}
    else:
        raise error(f"expected a yandex.cloud.MapKeySpec message, got {type(spec).__name__}")
    result: dict[str, str] = {}
    for name, value in values.items():
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise error(f"member {name!r}: expected a string, got {type(value).__name__}")
        result[name] = value
    return result


def _map_key_rules(spec: Mapping[str, str], key: FieldDescriptor, field_name: str) -> MapKeyRules:
    key_is_string = key.type == FieldDescriptor.TYPE_STRING

    def error(member: str, reason: str) -> OptionSyntaxError:
        return OptionSyntaxError(spec[member], reason, option=f"{MAP_KEY}.{member}", field=field_name)

    def bounds(member: str) -> tuple[Interval, ...] | None:
        if member not in spec:
            return None
        try:
            return parse_bounds(spec[member], "number")
        except OptionSyntaxError as e:
            raise error(member, e.reason) from None

    if ("pattern" in spec or "length" in spec) and not key_is_string:
        raise error("pattern" if "pattern" in spec else "length", "applies to string keys only")
    if "value" in spec and not (key_is_string or key.type in _INTEGER_TYPES):
        raise error("value", "applies to integer and string keys only")
    if "pattern" in spec:
        _check_pattern(spec["pattern"], lambda reason: error("pattern", reason))
    return MapKeyRules(value=bounds("value"), pattern=spec.get("pattern"), length=bounds("length"))


def oneof_exactly_one(options: Mapping[str, object]) -> bool:
    """Whether a oneof's options (``Registry.options(oneof)``) require exactly one member to be set.

    Raises:
        OptionSyntaxError: ``yandex.cloud.exactly_one`` is set to something other than a bool.
    """
    value = options.get(EXACTLY_ONE, False)
    if not isinstance(value, bool):
        raise OptionSyntaxError(repr(value), f"expected a bool, got {type(value).__name__}", option=EXACTLY_ONE)
    return value


# ---------------------------------------------------------------------------------------------- integer patterns


def integer_range_pattern(lo: int | None, hi: int | None) -> str:
    """A regular expression matching exactly the canonical decimal spellings of the integers in ``[lo, hi]``.

    Canonical: ``0``, or an optional ``-`` then a non-zero digit and more digits (no ``+``, no leading zeros, no
    ``-0``). ``None`` leaves a side unbounded. The result is ``^(?:...)$`` built from character classes,
    ``(?:...)`` groups, ``|`` and ``{m,n}`` only, so it means the same in Python ``re`` and ECMA-262; note that
    Python's ``$`` also matches before a final newline, so test it with ``re.fullmatch`` in Python.

    >>> integer_range_pattern(-5, 12)
    '^(?:-[1-5]|0|[1-9]|1[0-2])$'

    Raises:
        ValueError: ``lo > hi`` (no integer is in the range).
    """
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"empty integer range [{lo}, {hi}]")
    alternatives: list[str] = []
    # Negative numbers: "-" and a magnitude in [max(1, -hi), -lo].
    if lo is None or lo < 0:
        low_magnitude = 1 if hi is None or hi >= 0 else -hi
        high_magnitude = None if lo is None else -lo
        alternatives.append("-" + _group(_magnitudes(low_magnitude, high_magnitude)))
    if (lo is None or lo <= 0) and (hi is None or hi >= 0):
        alternatives.append("0")
    if hi is None or hi > 0:
        alternatives.extend(_magnitudes(max(lo or 1, 1), hi))
    return f"^(?:{'|'.join(alternatives)})$"


def _group(alternatives: list[str]) -> str:
    return alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"


def _digits(a: int, b: int) -> str:
    """A character class for one digit in ``[a, b]``."""
    if a == b:
        return str(a)
    return "[0-9]" if (a, b) == (0, 9) else f"[{a}{b}]" if b == a + 1 else f"[{a}-{b}]"


def _any_digits(n_min: int, n_max: int | None) -> str:
    """``n_min`` to ``n_max`` (``None``: any number) more digits."""
    if n_max == n_min:
        return "" if n_min == 0 else "[0-9]" if n_min == 1 else f"[0-9]{{{n_min}}}"
    if n_max is None:
        return "[0-9]*" if n_min == 0 else "[0-9]+" if n_min == 1 else f"[0-9]{{{n_min},}}"
    return f"[0-9]{{{n_min},{n_max}}}"


def _magnitudes(a: int, b: int | None) -> list[str]:
    """Alternatives matching the canonical spellings of the positive integers in ``[a, b]`` (``a >= 1``)."""
    la = len(str(a))
    if b is not None and len(str(b)) == la:
        return _same_length(str(a), str(b))
    alternatives: list[str] = []
    first_full = la  # the shortest length all of whose numbers are in range
    if a != 10 ** (la - 1):
        alternatives += _same_length(str(a), "9" * la)
        first_full += 1
    if b is None:
        alternatives.append("[1-9]" + _any_digits(first_full - 1, None))
        return alternatives
    lb = len(str(b))
    last_full = lb if b == 10**lb - 1 else lb - 1
    if first_full <= last_full:
        alternatives.append("[1-9]" + _any_digits(first_full - 1, last_full - 1))
    if last_full < lb:
        alternatives += _same_length("1" + "0" * (lb - 1), str(b))
    return alternatives


def _same_length(x: str, y: str) -> list[str]:
    """Alternatives matching the digit strings of length ``len(x)`` in ``[x, y]`` (``x <= y``, same length)."""
    if x == y:
        return [x]
    i = next(i for i, (cx, cy) in enumerate(zip(x, y, strict=True)) if cx != cy)
    prefix, n = x[:i], len(x) - i - 1
    xd, yd, x_rest, y_rest = int(x[i]), int(y[i]), x[i + 1 :], y[i + 1 :]
    zeros, nines = "0" * n, "9" * n
    alternatives: list[str] = []
    first, last = xd, yd
    if x_rest != zeros:
        alternatives.append(str(xd) + _group(_same_length(x_rest, nines)))
        first += 1
    tail = []
    if y_rest != nines:
        tail.append(str(yd) + _group(_same_length(zeros, y_rest)))
        last -= 1
    if first <= last:
        alternatives.append(_digits(first, last) + _any_digits(n, n))
    alternatives += tail
    if not prefix:
        return alternatives
    return [prefix + _group(alternatives)]
