"""Small typed accessors over protobuf descriptors, shared by the modules that walk message types."""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from typing import Final

from google.protobuf import descriptor

from yc_contracts.contract.errors import ContractError

_FD = descriptor.FieldDescriptor

FLOAT_MAX: Final = 3.4028235e38
"""The largest float magnitude accepted: float32's maximum as ProtoJSON prints it (its shortest spelling, which
is a little above the exact :data:`FLT_MAX` that Python's json_format checks against; see docs/protojson.md)."""
FLT_MAX: Final = 3.4028234663852886e38
"""float32's largest value, exactly: what a ``float`` field holds at most (numbers up to :data:`FLOAT_MAX` round
to it)."""

INT_RANGES: Final = {
    _FD.TYPE_INT32: (-(2**31), 2**31 - 1),
    _FD.TYPE_SINT32: (-(2**31), 2**31 - 1),
    _FD.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    _FD.TYPE_UINT32: (0, 2**32 - 1),
    _FD.TYPE_FIXED32: (0, 2**32 - 1),
    _FD.TYPE_INT64: (-(2**63), 2**63 - 1),
    _FD.TYPE_SINT64: (-(2**63), 2**63 - 1),
    _FD.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    _FD.TYPE_UINT64: (0, 2**64 - 1),
    _FD.TYPE_FIXED64: (0, 2**64 - 1),
}
"""The range of every integer field type, by descriptor type."""

TYPE_RULES: Final = {
    _FD.TYPE_DOUBLE: "type.double",
    _FD.TYPE_FLOAT: "type.float",
    _FD.TYPE_INT64: "type.int64",
    _FD.TYPE_SINT64: "type.int64",
    _FD.TYPE_SFIXED64: "type.int64",
    _FD.TYPE_UINT64: "type.uint64",
    _FD.TYPE_FIXED64: "type.uint64",
    _FD.TYPE_INT32: "type.int32",
    _FD.TYPE_SINT32: "type.int32",
    _FD.TYPE_SFIXED32: "type.int32",
    _FD.TYPE_UINT32: "type.uint32",
    _FD.TYPE_FIXED32: "type.uint32",
    _FD.TYPE_BOOL: "type.bool",
    _FD.TYPE_STRING: "type.string",
    _FD.TYPE_BYTES: "type.bytes",
    _FD.TYPE_ENUM: "type.enum",
}
"""The rule id of a value of the wrong JSON type, by the scalar field type it was meant for."""


def message_of(field: descriptor.FieldDescriptor) -> descriptor.Descriptor:
    """The message type of a message-typed field.

    Raises:
        ContractError: the field is not message-typed.
    """
    if field.message_type is None:
        raise ContractError(f"{field.full_name} is not a message field")
    return field.message_type


def enum_of(field: descriptor.FieldDescriptor) -> descriptor.EnumDescriptor:
    """The enum type of an enum field.

    Raises:
        ContractError: the field is not an enum field.
    """
    if field.enum_type is None:
        raise ContractError(f"{field.full_name} is not an enum field")
    return field.enum_type


def is_map(field: descriptor.FieldDescriptor) -> bool:
    """Whether the field is a map (a repeated field of a synthesized map-entry message)."""
    return field.message_type is not None and bool(field.message_type.GetOptions().map_entry)


def reaches(
    start: descriptor.Descriptor,
    edges: Callable[[descriptor.Descriptor], Iterable[descriptor.Descriptor]],
    hit: Callable[[descriptor.Descriptor], bool],
    memo: MutableMapping[str, bool],
) -> bool:
    """Whether ``hit`` holds for ``start`` or for a message type reachable from it along ``edges``, recursive
    types included; answers (by full name) are kept in ``memo`` for the next question.

    Exact for cycles: a search that finds nothing marks every type it saw as reaching nothing, a search that
    finds something marks ``start`` only (what else it passed may or may not reach it on its own).
    """
    found = memo.get(start.full_name)
    if found is not None:
        return found
    seen = {start.full_name}
    pending = [start]
    while pending:
        current = pending.pop()
        if hit(current) or memo.get(current.full_name):
            memo[start.full_name] = True
            return True
        for target in edges(current):
            name = target.full_name
            if name not in seen and memo.get(name) is not False:
                seen.add(name)
                pending.append(target)
    for name in seen:
        memo[name] = False
    return False
