"""Path and query texts as REST JSON values of their fields (and the comparisons the binder checks them with)."""

from __future__ import annotations

import math
import re
from typing import Final

import orjson
from google.protobuf import descriptor

from yc_contracts.contract import wkt as _wkt
from yc_contracts.contract.descriptors import FLOAT_MAX, FLT_MAX, enum_of
from yc_contracts.transcoding.calls import JsonValue
from yc_contracts.validation import base64_text as _base64
from yc_contracts.validation import payload as _payload

_FD = descriptor.FieldDescriptor


class BadValueError(Exception):
    """A path or query text that is not a value of its field (the message says why)."""


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


ABSENT: Final = _Absent()


_INT_TEXT: Final = re.compile(r"[+-]?[0-9]+")
_FLOAT_TEXT: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_FLOAT_SPECIAL: Final = frozenset({"NaN", "Infinity", "-Infinity"})
_INT_RANGES: Final = {
    _FD.TYPE_INT32: (-(2**31), 2**31 - 1, False),
    _FD.TYPE_SINT32: (-(2**31), 2**31 - 1, False),
    _FD.TYPE_SFIXED32: (-(2**31), 2**31 - 1, False),
    _FD.TYPE_UINT32: (0, 2**32 - 1, False),
    _FD.TYPE_FIXED32: (0, 2**32 - 1, False),
    _FD.TYPE_INT64: (-(2**63), 2**63 - 1, True),
    _FD.TYPE_SINT64: (-(2**63), 2**63 - 1, True),
    _FD.TYPE_SFIXED64: (-(2**63), 2**63 - 1, True),
    _FD.TYPE_UINT64: (0, 2**64 - 1, True),
    _FD.TYPE_FIXED64: (0, 2**64 - 1, True),
}
_TIMESTAMP: Final = re.compile(_wkt.TIMESTAMP_PATTERN)
_DURATION: Final = re.compile(_wkt.DURATION_PATTERN)
_FIELD_PATH: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def from_text(f: descriptor.FieldDescriptor, text: str) -> JsonValue:
    """The REST JSON value a path or query text spells for one (item of a) field.

    Raises:
        BadValueError: the text is not a value of the field's type.
    """
    if f.message_type is not None:
        return _wkt_from_text(f.message_type, text)
    kind = f.type
    if kind == _FD.TYPE_STRING:
        return text
    if kind in _INT_RANGES:
        low, high, as_string = _INT_RANGES[kind]
        if not _INT_TEXT.fullmatch(text):
            raise BadValueError(f"expected an integer ({_type_name(f)})")
        if len(text) > 40:  # beyond every integer type, and int() refuses more than 4,300 digits
            raise BadValueError(f"it is out of the {_type_name(f)} range [{low}, {high}]")
        number = int(text)
        if not low <= number <= high:
            raise BadValueError(f"it is out of the {_type_name(f)} range [{low}, {high}]")
        return str(number) if as_string else number
    if kind == _FD.TYPE_BOOL:
        if text not in ("true", "false"):
            raise BadValueError("expected true or false")
        return text == "true"
    if kind == _FD.TYPE_ENUM:
        enum = enum_of(f)
        by_name = enum.values_by_name.get(text)
        if by_name is not None:
            return by_name.name
        if len(text) <= 40 and _INT_TEXT.fullmatch(text) and int(text) in enum.values_by_number:
            return enum.values_by_number[int(text)].name
        names = ", ".join(v.name for v in enum.values)
        raise BadValueError(f"expected a value of {enum.full_name}: {names} (or its number)")
    if kind in (_FD.TYPE_DOUBLE, _FD.TYPE_FLOAT):
        if text in _FLOAT_SPECIAL:
            return text
        if not _FLOAT_TEXT.fullmatch(text):
            raise BadValueError(f"expected a number ({_type_name(f)})")
        real = float(text)
        # A float field takes what the schemas take: up to 3.4028235e38, FLT_MAX as ProtoJSON prints it. Values
        # between FLT_MAX and that round to FLT_MAX, so they are passed on as FLT_MAX, which every reader of
        # the JSON (json_format among them) accepts.
        limit = FLOAT_MAX if kind == _FD.TYPE_FLOAT else math.inf
        if not math.isfinite(real) or abs(real) > limit:
            raise BadValueError(f"it is out of the {_type_name(f)} range")
        return math.copysign(FLT_MAX, real) if abs(real) > FLT_MAX and kind == _FD.TYPE_FLOAT else real
    if kind == _FD.TYPE_BYTES:
        checked = _base64.inspect(text)
        if not checked.valid:
            raise BadValueError(f"expected base64: {checked.problem}")
        return text
    raise BadValueError(f"a {_type_name(f)} field cannot be given as text")  # pragma: no cover - groups only


def _wkt_from_text(desc: descriptor.Descriptor, text: str) -> JsonValue:
    name = desc.full_name
    if name in _wkt.WRAPPERS:
        return from_text(desc.fields_by_name["value"], text)
    if name == "google.protobuf.Timestamp":
        if not _TIMESTAMP.fullmatch(text):
            raise BadValueError("expected an RFC 3339 timestamp such as 2026-11-20T10:00:00Z")
        return text
    if name == "google.protobuf.Duration":
        if not _DURATION.fullmatch(text):
            raise BadValueError("expected a duration in seconds with an s suffix, such as 1.5s")
        return text
    if name == "google.protobuf.FieldMask":
        paths = [p for p in text.split(",") if p]
        if not all(_FIELD_PATH.fullmatch(p) for p in paths):
            raise BadValueError("expected comma-separated field paths such as title,sizeBytes")
        return ",".join(".".join(_camel(part) for part in p.split(".")) for p in paths)
    raise BadValueError(f"a {name} cannot be given as one value")  # _chain and _resolve_param keep them out


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _type_name(f: descriptor.FieldDescriptor) -> str:
    return _TYPE_NAMES.get(f.type, "group")


_TYPE_NAMES: Final = {
    _FD.TYPE_DOUBLE: "double",
    _FD.TYPE_FLOAT: "float",
    _FD.TYPE_INT64: "int64",
    _FD.TYPE_UINT64: "uint64",
    _FD.TYPE_INT32: "int32",
    _FD.TYPE_FIXED64: "fixed64",
    _FD.TYPE_FIXED32: "fixed32",
    _FD.TYPE_BOOL: "bool",
    _FD.TYPE_STRING: "string",
    _FD.TYPE_BYTES: "bytes",
    _FD.TYPE_UINT32: "uint32",
    _FD.TYPE_SFIXED32: "sfixed32",
    _FD.TYPE_SFIXED64: "sfixed64",
    _FD.TYPE_SINT32: "sint32",
    _FD.TYPE_SINT64: "sint64",
}


def _canonical(f: descriptor.FieldDescriptor, value: JsonValue) -> object:
    """A value comparable across REST JSON spellings (``5`` and ``"5"``, an enum's name and number, base64
    alphabets); ``ABSENT`` when ``value`` is not a value of the field at all."""
    if f.message_type is not None:
        if f.message_type.full_name in _wkt.WRAPPERS:
            return _canonical(f.message_type.fields_by_name["value"], value)
        return value
    kind = f.type
    if isinstance(value, bool) and kind != _FD.TYPE_BOOL:
        return ABSENT
    try:
        if kind in _INT_RANGES:
            if isinstance(value, float) and value.is_integer():
                return int(value)
            return int(value) if isinstance(value, int) or _INT_TEXT.fullmatch(str(value)) else ABSENT
        if kind in (_FD.TYPE_DOUBLE, _FD.TYPE_FLOAT):
            return float(value) if isinstance(value, (int, float, str)) else ABSENT
        if kind == _FD.TYPE_ENUM:
            if isinstance(value, str):
                found = enum_of(f).values_by_name.get(value)
                return ABSENT if found is None else found.number
            return value if isinstance(value, int) else ABSENT
        if kind == _FD.TYPE_BYTES:
            if not isinstance(value, str) or not _base64.inspect(value).valid:
                return ABSENT
            return _base64.decode(value)
    except (ValueError, OverflowError):
        return ABSENT
    return value


def same(f: descriptor.FieldDescriptor, left: JsonValue, right: JsonValue) -> bool:
    if f.is_repeated:
        if not isinstance(left, list) or not isinstance(right, list) or len(left) != len(right):
            return False
        return all(_same_item(f, a, b) for a, b in zip(left, right, strict=True))
    return _same_item(f, left, right)


def _same_item(f: descriptor.FieldDescriptor, left: JsonValue, right: JsonValue) -> bool:
    a, b = _canonical(f, left), _canonical(f, right)
    return a is not ABSENT and a == b


def json_kind(value: JsonValue) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "null"


def short(value: JsonValue) -> str:
    text = orjson.dumps(value).decode() if _payload.fast_check(value) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
