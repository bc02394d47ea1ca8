"""Every contract message encodes identically with our classes and the official SDK's.

Each message type is filled with a distinct non-default value in every field (recursing into message fields
to a bounded depth, one member per oneof), serialized by us, and parsed back by us and (where installed) by
the SDK, which must re-encode the same bytes. A wrong number or type anywhere would show up as unknown
fields or a different encoding.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

import pytest
from google.protobuf import descriptor, text_format

import yc_contracts

reg = yc_contracts.registry
FD = descriptor.FieldDescriptor
HAVE_SDK = importlib.util.find_spec("yandexcloud") is not None


def _scalar(field: Any, salt: int) -> Any:
    kind = field.type
    if kind == FD.TYPE_BOOL:
        return True
    if kind == FD.TYPE_STRING:
        return f"{field.name}-{salt}"
    if kind == FD.TYPE_BYTES:
        return bytes([salt % 256, 0xFF, 0x00])
    if kind in (FD.TYPE_DOUBLE, FD.TYPE_FLOAT):
        return 0.5 + salt
    if kind == FD.TYPE_ENUM:
        return field.enum_type.values[-1].number
    if kind in (FD.TYPE_INT64, FD.TYPE_SINT64, FD.TYPE_SFIXED64):
        return -(2**40) - salt
    if kind in (FD.TYPE_UINT64, FD.TYPE_FIXED64):
        return 2**40 + salt
    return 7 + salt  # 32-bit integers


def _time(m: Any, i: int) -> None:
    m.seconds, m.nanos = 1_700_000_000 + i, 5


def _struct(m: Any, i: int) -> None:
    m.update({"type": "object", "n": i, "items": [True, None, "x"]})


_WELL_KNOWN_FILLERS = {
    "google.protobuf.Timestamp": _time,
    "google.protobuf.Duration": _time,
    "google.protobuf.Struct": _struct,
}


def fill(msg: Any, depth: int = 3) -> Any:
    desc = msg.DESCRIPTOR
    used_oneofs: set[str] = set()
    for i, field in enumerate(desc.fields):
        oneof = field.containing_oneof
        if oneof is not None:
            if oneof.name in used_oneofs:
                continue
            used_oneofs.add(oneof.name)
        repeated = field.is_repeated
        if field.type == FD.TYPE_MESSAGE:
            type_name = field.message_type.full_name
            if depth == 0 or (type_name.startswith("google.") and type_name not in _WELL_KNOWN_FILLERS):
                continue
            target = getattr(msg, field.name).add() if repeated else getattr(msg, field.name)
            _WELL_KNOWN_FILLERS.get(type_name, lambda m, i: fill(m, depth - 1))(target, i)
            continue
        value = _scalar(field, i)
        if repeated:
            getattr(msg, field.name).extend([value, value])
        else:
            setattr(msg, field.name, value)
    return msg


def _sdk_class(full_name: str) -> Any:
    desc = reg.message_descriptor(full_name)
    module = importlib.import_module(desc.file.name.removesuffix(".proto").replace("/", ".") + "_pb2")
    obj: Any = module
    for part in full_name.removeprefix(desc.file.package + ".").split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("name", reg.messages())
def test_round_trip_and_sdk_parity(name: str) -> None:
    ours = fill(reg.message_class(name)())
    wire = ours.SerializeToString(deterministic=True)
    back = reg.message_class(name).FromString(wire)
    assert back == ours
    assert bool(ours.ListFields()) == bool(ours.DESCRIPTOR.fields), "the filler left a field-bearing message empty"
    if HAVE_SDK:
        theirs = _sdk_class(name).FromString(wire)
        assert theirs.SerializeToString(deterministic=True) == wire
        # Text format prints known fields only, by name, at every depth: equal text means the SDK decoded every
        # field of ours under the same name, type and value, with nothing left over as an unknown field.
        assert text_format.MessageToString(theirs) == text_format.MessageToString(ours)
