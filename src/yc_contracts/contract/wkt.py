"""Well-known types: how each is spelled in ProtoJSON, as JSON Schema, keyed by full name.

These are the types whose JSON form is not an object of their fields (protobuf's JSON mapping spec). Keeping
the schema side of every well-known type in one table means the generator never special-cases one in passing.
"""

from __future__ import annotations

from typing import Any, Final

from google.protobuf import descriptor

from yc_contracts.contract.options import integer_range_pattern

MAX_DURATION_SECONDS: Final = 315_576_000_000
TIMESTAMP_SECONDS: Final = (-62_135_596_800, 253_402_300_799)
"""The seconds a Timestamp may hold: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, once any UTC offset is
applied (``timestamp.proto``; ``json_format`` and the Timestamp class refuse anything outside)."""

END: Final = r"$(?!\n)"
"""End of the string, in every regex dialect: Python's ``$`` also matches before a final newline (and
``jsonschema`` uses Python's ``re.search``), ECMA-262's does not; the lookahead makes both mean the same."""


def exact(pattern: str) -> str:
    """A ``^...$`` pattern made newline-safe at its end (see :data:`END`)."""
    if not pattern.endswith("$"):
        raise ValueError(f"pattern {pattern!r} is not anchored at its end")
    return pattern[:-1] + END


# RFC 3339 as ProtoJSON prints and json_format parses it: upper-case T and Z, 0-9 fraction digits, a numeric
# offset or Z, years 0001-9999. Only real dates: days per month, and February 29 in leap years alone (divisible
# by 4, centuries only when divisible by 400), so a validator that also asserts `format: date-time` (as
# check-jsonschema and ajv-formats do by default) gives the same verdict as one that treats it as an annotation.
_YEAR = r"(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
_LEAP_YEAR = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_DATE = (
    rf"(?:{_YEAR}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    rf"|{_LEAP_YEAR}-02-29)"
)
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?"
_OFFSET = r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
TIMESTAMP_PATTERN: Final = rf"^{_DATE}T{_TIME}{_OFFSET}{END}"

_SECONDS_RANGE = integer_range_pattern(0, MAX_DURATION_SECONDS - 1)
_DURATION_SECONDS = _SECONDS_RANGE.removeprefix("^(?:").removesuffix(")$")
DURATION_PATTERN: Final = rf"^-?(?:{_DURATION_SECONDS}|{MAX_DURATION_SECONDS})(?:\.[0-9]{{1,9}})?s{END}"

FIELD_MASK_PATTERN: Final = exact(
    r"^(?:[a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)*(?:,[a-z][A-Za-z0-9]*(?:\.[a-z][A-Za-z0-9]*)*)*)?$"
)


# Full name → schema of the JSON value (not null; the caller adds null where a field may be null).
# Wrapper types are filled in by the generator from the scalar schemas, so their bounds stay in one place.
SCHEMAS: Final[dict[str, dict[str, Any]]] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time", "pattern": TIMESTAMP_PATTERN},
    "google.protobuf.Duration": {"type": "string", "pattern": DURATION_PATTERN},
    "google.protobuf.FieldMask": {"type": "string", "pattern": FIELD_MASK_PATTERN},
    "google.protobuf.Struct": {"type": "object"},
    "google.protobuf.ListValue": {"type": "array"},
    "google.protobuf.Value": {},
    "google.protobuf.Empty": {"type": "object", "maxProperties": 0},
}

# The rule id a value of each type fails when it is not spelled as its JSON form.
TYPE_RULES: Final = {
    "google.protobuf.Timestamp": "type.timestamp",
    "google.protobuf.Duration": "type.duration",
    "google.protobuf.FieldMask": "type.field_mask",
    "google.protobuf.Struct": "type.struct",
    "google.protobuf.ListValue": "type.list_value",
    "google.protobuf.Value": "type.value",
    "google.protobuf.Empty": "type.empty",
}

WRAPPERS: Final = {
    "google.protobuf.DoubleValue": "double",
    "google.protobuf.FloatValue": "float",
    "google.protobuf.Int64Value": "int64",
    "google.protobuf.UInt64Value": "uint64",
    "google.protobuf.Int32Value": "int32",
    "google.protobuf.UInt32Value": "uint32",
    "google.protobuf.BoolValue": "bool",
    "google.protobuf.StringValue": "string",
    "google.protobuf.BytesValue": "bytes",
}

WRAPPED_TYPES: Final = {
    "double": descriptor.FieldDescriptor.TYPE_DOUBLE,
    "float": descriptor.FieldDescriptor.TYPE_FLOAT,
    "int64": descriptor.FieldDescriptor.TYPE_INT64,
    "uint64": descriptor.FieldDescriptor.TYPE_UINT64,
    "int32": descriptor.FieldDescriptor.TYPE_INT32,
    "uint32": descriptor.FieldDescriptor.TYPE_UINT32,
    "bool": descriptor.FieldDescriptor.TYPE_BOOL,
    "string": descriptor.FieldDescriptor.TYPE_STRING,
    "bytes": descriptor.FieldDescriptor.TYPE_BYTES,
}
"""The field type each wrapper (by its :data:`WRAPPERS` name) holds in its ``value``."""

ANY: Final = "google.protobuf.Any"

# In an Any, these types put their JSON form under "value" (json_format's list, plus Empty: protobuf's Go and
# C++ runtimes print an Empty as {"@type": ..., "value": {}}, Python's json_format as {"@type": ...}; both are
# accepted).
VALUE_IN_ANY: Final = frozenset({*SCHEMAS, *WRAPPERS, ANY}) - {"google.protobuf.Empty"}


def is_well_known(full_name: str) -> bool:
    """Whether a type has a JSON form of its own (not an object of its fields)."""
    return full_name in SCHEMAS or full_name in WRAPPERS or full_name == ANY
