"""Valid REST JSON payloads in every spelling ProtoJSON allows, built from valid messages.

A message from :func:`~yc_contracts.testing.messages` is printed in canonical ProtoJSON (``yc_contracts.to_rest``
over its registry), then walked together with its descriptor and respelled, each choice drawn by Hypothesis:

- field names: the JSON name or the proto name (``names="mixed"``: chosen per field);
- 64-bit integers as decimal strings or JSON integers, 32-bit integers as JSON integers or decimal strings;
- enums by name or by number;
- floats as JSON numbers (integral ones as JSON integers too) or as decimal strings the schemas accept, plain or
  with an exponent (``"0.5"``, ``"5E-1"``), bounded fields included (rules and options compare values);
  ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` where no option or rule bounds the field and the message is
  given that value;
- bytes in the standard or the URL-safe base64 alphabet, with or without padding;
- timestamps with 0-9 fraction digits and ``Z`` or a numeric offset, durations with 0-9 fraction digits;
- absent fields left out or given as ``null``, ``[]`` or ``{}`` (repeated fields, maps), or a spelling of their
  default value where proto3 cannot tell it from absent (``0``, ``"0"``, ``"0e0"``, ``""``, ``false``, the
  enum's zero value by name or number);
- an ``Empty`` inside an ``Any`` as ``{"@type": …}`` or ``{"@type": …, "value": {}}`` (how the Go and C++ runtimes
  print it; Python's ``json_format`` reads only the first).

Every payload means the message it came from: ``to_proto`` (with the same ``registry=``) gives that message back.

The walk also records every JSON object of the payload with its message type, its message and the spelling
used for each field (:class:`ObjectNode`), which is what :mod:`yc_contracts.testing._invalid` breaks payloads by.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, Literal, TypeAlias, cast

import hypothesis.strategies as st
from google.protobuf import descriptor
from google.protobuf.message import Message
from hypothesis.strategies import SearchStrategy

from yc_contracts.contract import wkt as _wkt
from yc_contracts.contract.descriptors import enum_of, is_map, message_of
from yc_contracts.contract.registry import MessageRef, Registry, default_registry
from yc_contracts.schema.generator import _DOUBLE_STRING, _FLOAT_STRING, null_is_refused
from yc_contracts.testing._messages import Inherited, compiler_for, messages

__all__ = ["NAMES", "Names", "ObjectNode", "Path", "Spelled", "descriptor_of", "payloads", "spelled"]

Names: TypeAlias = Literal["json", "proto", "mixed"]
Path: TypeAlias = tuple[str | int, ...]
"""A place in a payload, as JSON Pointer tokens (keys and indexes)."""
NAMES: Final = ("json", "proto", "mixed")

_FD = descriptor.FieldDescriptor
_INT64: Final = frozenset({_FD.TYPE_INT64, _FD.TYPE_UINT64, _FD.TYPE_SINT64, _FD.TYPE_SFIXED64, _FD.TYPE_FIXED64})
_INT32: Final = frozenset({_FD.TYPE_INT32, _FD.TYPE_UINT32, _FD.TYPE_SINT32, _FD.TYPE_SFIXED32, _FD.TYPE_FIXED32})
_FLOATS: Final = frozenset({_FD.TYPE_FLOAT, _FD.TYPE_DOUBLE})
_SPECIAL: Final = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_FLOAT_TEXT: Final = {_FD.TYPE_FLOAT: re.compile(_FLOAT_STRING), _FD.TYPE_DOUBLE: re.compile(_DOUBLE_STRING)}
_TIMESTAMP: Final = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z")
_DURATION: Final = re.compile(r"(-?\d+)(?:\.(\d{1,9}))?s")
_OFFSETS: Final = (0, 60, -60, 180, -300, 330, 840, -720)  # minutes east of UTC
_URL_SAFE: Final = str.maketrans("+/", "-_")
# Types whose JSON value is the same however it is spelled (or only ever spelled one way).
_VERBATIM: Final = frozenset(
    {
        "google.protobuf.Struct",
        "google.protobuf.Value",
        "google.protobuf.ListValue",
        "google.protobuf.Empty",
        "google.protobuf.FieldMask",
    }
)


@dataclass(frozen=True)
class ObjectNode:
    """One JSON object of a payload that holds a message's fields (a message, or the content of an ``Any``)."""

    path: Path
    """Where it is, as JSON Pointer tokens."""
    desc: descriptor.Descriptor
    """Its message type (for an ``Any``, the packed type)."""
    msg: Message
    """The message it spells."""
    keys: Mapping[str, str]
    """Field name → the key used for it, for every field given (present or ``null``)."""
    nulls: frozenset[str]
    """Fields given as ``null``."""
    inherited: Inherited
    """Service rules reaching it from an ancestor: (rule id, the rest of the rule's path)."""
    any_url: str | None = None
    """For the content of an ``Any``: its ``@type``."""
    value: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False, repr=False)
    """The JSON object itself (part of the payload: copy it before changing anything)."""
    defaults: frozenset[str] = frozenset()
    """Absent fields given a spelling of their default instead (``0``, ``"0"``, ``""``, ``false``, the enum's
    zero value, ``[]``, ``{}``): given, but not set, since proto3 does not send a default."""

    def present(self, field: descriptor.FieldDescriptor) -> bool:
        """Whether the field is given with a value (not absent, not ``null``, not a spelling of its default)."""
        return field.name in self.keys and field.name not in self.nulls and field.name not in self.defaults

    def key(self, field: descriptor.FieldDescriptor) -> str:
        """The key the field is given under, or its JSON name where it is absent."""
        return self.keys.get(field.name, field.json_name)


@dataclass(frozen=True)
class Spelled:
    """A valid payload, the message it spells, and every message object in it."""

    message: Message
    payload: Any
    objects: tuple[ObjectNode, ...]
    anys: tuple[Path, ...] = ()
    """Where each ``google.protobuf.Any`` object is (an ``Any`` packed in an ``Any`` is at ``…/value``)."""


# ------------------------------------------------------------------------------------------------ public API


def payloads(message: MessageRef, /, *, names: Names = "json", registry: Registry | None = None) -> SearchStrategy[Any]:
    """A Hypothesis strategy for valid REST JSON payloads of one message type, in every spelling ProtoJSON
    allows.

    Each payload is a message drawn from :func:`~yc_contracts.testing.messages`, printed as REST JSON and
    respelled: field names (``names``: ``"json"`` for lowerCamelCase JSON names, ``"proto"`` for the proto
    names, ``"mixed"`` to choose per field), 64-bit integers as strings or numbers, 32-bit integers as numbers
    or strings, enums by name or number, floats as numbers or decimal strings (with or without an exponent),
    ``"NaN"`` and ``"Infinity"`` where the field allows them, bytes in either base64 alphabet with or without
    padding, timestamps with numeric offsets, durations and timestamps with more fraction digits, and absent
    fields given as ``null``, ``[]``/``{}`` or a spelling of their default value. Every payload passes
    :func:`yc_contracts.check` (no errors, no warnings; for the contract, the published JSON Schema too), and
    :func:`yc_contracts.to_proto` turns it back into the message it came from, both with the same ``registry``:
    the contract's by default, or any other (``Registry.from_modules(["yandex.cloud"])`` draws valid REST
    payloads of every type of the Yandex Cloud API, by their ``yandex.cloud`` options).

    Payloads are dicts of JSON values (a well-known type's own JSON form for such a root type); serialize
    them with any JSON encoder.

    Raises:
        UnknownNameError: the registry has no such message type.
        TypeError: ``message`` is not a name, message class or instance; ``registry`` is not a
            :class:`~yc_contracts.Registry`.
        ValueError: ``names`` is not ``"json"``, ``"proto"`` or ``"mixed"``.
        ContractError: the options and rules of the type cannot all be met.
    """
    return spelled(message, names=names, registry=registry).map(lambda s: s.payload)


_cache_lock = threading.Lock()


def spelled(message: MessageRef, *, names: Names = "json", registry: Registry | None = None) -> SearchStrategy[Spelled]:
    """Valid payloads with the message each spells and the objects in it (see :func:`payloads`).

    Raises:
        UnknownNameError: the registry has no such message type.
        TypeError: ``message`` is not a name, message class or instance; ``registry`` is not a registry.
        ValueError: ``names`` is not ``"json"``, ``"proto"`` or ``"mixed"``.
        ContractError: the options and rules of the type cannot all be met.
    """
    if names not in NAMES:
        raise ValueError(f"names must be 'json', 'proto' or 'mixed', not {names!r}")
    reg = default_registry() if registry is None else registry
    base = messages(message, registry=reg)  # checks the message and the registry
    desc = reg.message_descriptor(message)
    key = (desc.full_name, names)
    cache: dict[tuple[str, str], SearchStrategy[Spelled]] = reg.derived("testing.spelled", dict)
    with _cache_lock:
        found = cache.get(key)
        if found is None:
            speller = _Speller(reg, names)
            found = cache[key] = base.flatmap(lambda msg: _respelled(speller, msg))
        return found


def _respelled(speller: _Speller, msg: Message) -> SearchStrategy[Spelled]:
    @st.composite
    def build(draw: st.DrawFn) -> Spelled:
        return speller.spell(draw, msg)

    return build()


# ------------------------------------------------------------------------------------------------ speller


class _Speller:
    """Respells the printed form of one registry's messages (stateless between draws)."""

    def __init__(self, reg: Registry, names: Names) -> None:
        self.reg = reg
        self.names = names
        self.compiler = compiler_for(reg)

    # ---------------------------------------------------------------------------------------- entry

    def spell(self, draw: st.DrawFn, original: Message) -> Spelled:
        msg = type(original)()
        msg.CopyFrom(original)
        self._special_floats(draw, msg)
        printed = self._print(msg)
        run = _Run(draw)
        name = msg.DESCRIPTOR.full_name
        if name == _wkt.ANY:
            payload = self._any(run, msg, printed, ())
        elif _wkt.is_well_known(name):
            payload = self._well_known(run, msg, printed)
        else:
            payload = self._message(run, msg, printed, path=(), inherited=())
        return Spelled(msg, payload, tuple(run.objects), tuple(run.anys))

    def _print(self, msg: Message) -> Any:
        from yc_contracts.conversion.protojson import to_rest

        return to_rest(msg, registry=self.reg)

    # ---------------------------------------------------------------------------------------- floats

    def bounded(self, field: descriptor.FieldDescriptor) -> bool:
        """Whether an option or a service rule bounds the field's values (floats in it must be JSON numbers)."""
        if self.compiler.field_rules(field).value is not None:
            return True
        owner = field.containing_type.full_name if field.containing_type is not None else ""
        return (owner, field.name) in self.compiler.ranged

    def _special_floats(self, draw: st.DrawFn, msg: Message) -> None:
        """Give some present values of unbounded float fields the values only strings spell (NaN, ±Infinity)."""
        for field, value in msg.ListFields():
            if field.message_type is not None:
                inner = field.message_type
                if inner.full_name in ("google.protobuf.FloatValue", "google.protobuf.DoubleValue"):
                    if not self.bounded(field) and not field.is_repeated:
                        special = draw(_SPECIALS)
                        if special is not None:
                            value.value = special
                elif is_map(field):
                    value_field = inner.fields_by_name["value"]
                    if value_field.message_type is not None and not _wkt.is_well_known(
                        value_field.message_type.full_name
                    ):
                        for item in value.values():
                            self._special_floats(draw, item)
                    elif value_field.type in _FLOATS and not self.bounded(field):
                        for k in list(value):
                            special = draw(_SPECIALS)
                            if special is not None:
                                value[k] = special
                elif not _wkt.is_well_known(inner.full_name):
                    for item in value if field.is_repeated else (value,):
                        self._special_floats(draw, item)
            elif field.type in _FLOATS and not self.bounded(field):
                if field.is_repeated:
                    if self.compiler.field_rules(field).unique:
                        continue  # NaN is never equal to itself; leave uniqueness alone
                    for i in range(len(value)):
                        special = draw(_SPECIALS)
                        if special is not None:
                            value[i] = special
                else:
                    special = draw(_SPECIALS)
                    if special is not None:
                        setattr(msg, field.name, special)

    # ---------------------------------------------------------------------------------------- messages

    def _key(self, run: _Run, field: descriptor.FieldDescriptor) -> str:
        if self.names == "json":
            return field.json_name
        if self.names == "proto":
            return field.name
        return field.name if run.draw(st.booleans(), label=f"proto name of {field.name}") else field.json_name

    def _message(
        self,
        run: _Run,
        msg: Message,
        printed: Mapping[str, Any],
        *,
        path: Path,
        inherited: Inherited,
        any_url: str | None = None,
    ) -> dict[str, Any]:
        desc = descriptor_of(msg)
        out: dict[str, Any] = {} if any_url is None else {"@type": any_url}
        keys: dict[str, str] = {}
        nulls: set[str] = set()
        defaults: set[str] = set()
        down = self.compiler.passed_down(desc, inherited)
        for fd in desc.fields:
            if fd.json_name in printed:
                key = self._key(run, fd)
                keys[fd.name] = key
                out[key] = self._field(
                    run, fd, msg, printed[fd.json_name], path=(*path, key), inherited=down.get(fd.name, ())
                )
            elif _nullable(fd):
                # Absent: left out, null, or (where proto3 cannot tell) a spelling of the default value.
                unset = run.draw(st.sampled_from(_unset_spellings(fd)), label=f"unset {fd.name}")
                if unset is _LEFT_OUT:
                    continue
                key = self._key(run, fd)
                keys[fd.name] = key
                (nulls if unset is None else defaults).add(fd.name)
                out[key] = unset
        run.objects.append(
            ObjectNode(path, desc, msg, keys, frozenset(nulls), inherited, any_url, out, frozenset(defaults))
        )
        return out

    def _field(
        self,
        run: _Run,
        fd: descriptor.FieldDescriptor,
        msg: Message,
        printed: Any,
        *,
        path: Path,
        inherited: Inherited,
    ) -> Any:
        value = getattr(msg, fd.name)
        if is_map(fd):
            entry = message_of(fd)
            key_field, value_field = entry.fields_by_name["key"], entry.fields_by_name["value"]
            return {
                k: self._value(run, value_field, value[_map_key(key_field, k)], v, path=(*path, k))
                for k, v in printed.items()
            }
        if fd.is_repeated:
            return [self._value(run, fd, value[i], v, path=(*path, i)) for i, v in enumerate(printed)]
        return self._value(run, fd, value, printed, path=path, inherited=inherited)

    def _value(
        self,
        run: _Run,
        fd: descriptor.FieldDescriptor,
        value: Any,
        printed: Any,
        *,
        path: Path,
        inherited: Inherited = (),
    ) -> Any:
        target = fd.message_type
        if target is None:
            return self._scalar(run, fd, printed)
        if target.full_name == _wkt.ANY:
            return self._any(run, value, printed, path)
        if _wkt.is_well_known(target.full_name):
            return self._well_known(run, value, printed)
        return self._message(run, value, printed, path=path, inherited=inherited)

    def _any(self, run: _Run, packed: Message, printed: Mapping[str, Any], path: Path) -> Any:
        run.anys.append(path)
        url = printed["@type"]
        cls = self.reg.resolve_type_url(url)
        inner = cls.FromString(packed.value)  # type: ignore[attr-defined]
        name = inner.DESCRIPTOR.full_name
        if name == _wkt.ANY:
            return {"@type": url, "value": self._any(run, inner, printed["value"], (*path, "value"))}
        if name in _wkt.VALUE_IN_ANY:
            return {"@type": url, "value": self._well_known(run, inner, printed["value"])}
        if name == "google.protobuf.Empty":
            if run.draw(st.booleans(), label="Empty as value"):
                return {"@type": url, "value": {}}
            return {"@type": url}
        content = {k: v for k, v in printed.items() if k != "@type"}
        return self._message(run, inner, content, path=path, inherited=(), any_url=url)

    # ---------------------------------------------------------------------------------------- values

    def _well_known(self, run: _Run, value: Message, printed: Any) -> Any:
        desc = descriptor_of(value)
        name = desc.full_name
        if name in _wkt.WRAPPERS:
            return self._scalar(run, desc.fields_by_name["value"], printed)
        if name == "google.protobuf.Timestamp":
            return _timestamp(run, printed)
        if name == "google.protobuf.Duration":
            return _duration(run, printed)
        return printed  # Struct, Value, ListValue, Empty, FieldMask: one spelling each

    def _scalar(self, run: _Run, field: descriptor.FieldDescriptor, printed: Any) -> Any:
        ftype = field.type
        label = f"spelling of {field.name}"
        if ftype in _INT64 and isinstance(printed, str):
            return run.draw(st.sampled_from([printed, int(printed)]), label=label)
        if ftype in _INT32 and isinstance(printed, int):
            return run.draw(st.sampled_from([printed, str(printed)]), label=label)
        if ftype in _FLOATS and isinstance(printed, (int, float)) and not isinstance(printed, bool):
            numbers, texts = _float_spellings(float(printed), ftype)
            kinds = [st.sampled_from(numbers), *([st.sampled_from(texts)] if texts else [])]
            return run.draw(st.one_of(kinds), label=label)
        if ftype == _FD.TYPE_ENUM and isinstance(printed, str):
            known = enum_of(field).values_by_name.get(printed)
            if known is not None:
                return run.draw(st.sampled_from([printed, known.number]), label=label)
        if ftype == _FD.TYPE_BYTES and isinstance(printed, str):
            alphabet, padding = run.draw(st.tuples(st.booleans(), st.booleans()), label=label)
            text = printed.translate(_URL_SAFE) if alphabet else printed
            return text if padding else text.rstrip("=")
        return printed


class _Run:
    """One respelling: its draw function and the objects found so far."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.objects: list[ObjectNode] = []
        self.anys: list[Path] = []


_SPECIALS: Final = st.sampled_from([None, None, None, math.nan, math.inf, -math.inf])


def descriptor_of(msg: Message) -> descriptor.Descriptor:
    """A message's descriptor (typed as the pure-Python class; upb's has the same interface)."""
    return cast(descriptor.Descriptor, msg.DESCRIPTOR)


_LEFT_OUT: Final = object()


def _unset_spellings(field: descriptor.FieldDescriptor) -> tuple[Any, ...]:
    """Ways to give an absent field: leave it out (most often), ``null`` (not for a list or map of ``Value``s,
    where it is refused), and what proto3 does not send either
    (``[]``/``{}``, and a default value for a field without presence; not ``-0.0``, which proto3 does send)."""
    forms: tuple[Any, ...] = (_LEFT_OUT, _LEFT_OUT, _LEFT_OUT) if null_is_refused(field) else (_LEFT_OUT,) * 3 + (None,)
    if is_map(field):
        return (*forms, {})
    if field.is_repeated:
        return (*forms, [])
    if field.has_presence or field.message_type is not None:
        return forms
    ftype = field.type
    if ftype == _FD.TYPE_ENUM:
        first = enum_of(field).values[0]
        return (*forms, first.name, first.number)
    if ftype == _FD.TYPE_BOOL:
        return (*forms, False)
    if ftype in (_FD.TYPE_STRING, _FD.TYPE_BYTES):
        return (*forms, "")
    if ftype in _FLOATS:
        return (*forms, 0, 0.0, "0", "0.0", "0e0")
    return (*forms, 0, "0")


def _nullable(field: descriptor.FieldDescriptor) -> bool:
    """Whether ``null`` means "absent" for the field (for a ``Value`` it is a value of its own)."""
    if field.message_type is not None:
        return field.message_type.full_name != "google.protobuf.Value"
    return not (field.enum_type is not None and field.enum_type.full_name == "google.protobuf.NullValue")


def _map_key(key_field: descriptor.FieldDescriptor, text: str) -> Any:
    if key_field.type == _FD.TYPE_BOOL:
        return text == "true"
    if key_field.type in _INT64 or key_field.type in _INT32:
        return int(text)
    return text


def _float_spellings(value: float, ftype: int) -> tuple[list[Any], list[str]]:
    """JSON spellings of a finite float, as (numbers, strings): the number, an integer where it is integral; the strings
    the schemas accept, plain and with an exponent (``"0.5"``, ``"5E-1"``, ``"1.2325e+2"``). Every string has the
    digits of ``repr(value)``, so a bound compares it as it compares the number."""
    out: list[Any] = [value]
    if value.is_integer() and abs(value) < 2**53 and math.copysign(1.0, value) > 0:
        out.append(int(value))
    pattern = _FLOAT_TEXT[ftype]
    texts = [repr(value)]
    if value.is_integer() and abs(value) < 1e16:
        texts.append(str(int(value)) if math.copysign(1.0, value) > 0 or value != 0 else "-0")
    exponent = format(Decimal(repr(value)), "e")
    texts.append(exponent.upper() if "e-" in exponent else exponent)  # both letter cases, over the values
    return out, [t for t in dict.fromkeys(texts) if pattern.fullmatch(t) and _same_float(float(t), value)]


def _same_float(a: float, b: float) -> bool:
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def _timestamp(run: _Run, printed: Any) -> Any:
    match = _TIMESTAMP.fullmatch(printed) if isinstance(printed, str) else None
    if match is None:
        return printed
    year, month, day, hour, minute, second, fraction = match.groups()
    fraction = fraction or ""
    digits = run.draw(st.integers(len(fraction), 9), label="timestamp fraction digits")
    fraction = fraction.ljust(digits, "0")
    offset = run.draw(st.sampled_from(_OFFSETS), label="timestamp offset")
    when = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    try:
        local = when + datetime.timedelta(minutes=offset)
    except OverflowError:
        local, offset = when, 0
    if not 1 <= local.year <= 9999:
        local, offset = when, 0
    zone = "Z" if offset == 0 and run.draw(st.booleans(), label="Z") else _zone(offset)
    text = f"{local.year:04d}-{local.month:02d}-{local.day:02d}T{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    return text + (f".{fraction}" if fraction else "") + zone


def _zone(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def _duration(run: _Run, printed: Any) -> Any:
    match = _DURATION.fullmatch(printed) if isinstance(printed, str) else None
    if match is None:
        return printed
    whole, fraction = match.groups()
    fraction = fraction or ""
    digits = run.draw(st.integers(len(fraction), 9), label="duration fraction digits")
    fraction = fraction.ljust(digits, "0")
    return f"{whole}{'.' + fraction if fraction else ''}s"
