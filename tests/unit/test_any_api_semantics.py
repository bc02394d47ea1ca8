"""Options on wrapper types, ``null`` for ``google.protobuf.Value``, and ``Any`` packing, on any proto tree.

Three things a user of the whole Yandex Cloud API depends on (issue 17), checked on a small tree compiled here,
in whichever protobuf runtime runs the tests (protobuf 6 and 7):

- a ``(yandex.cloud.value)`` bound on a wrapper field (``Int64Value``, ``DoubleValue``...; 1,767 such fields in the
  official SDK), and ``pattern``/``length``/``bytes`` on ``StringValue``/``BytesValue``, bound the wrapped value
  exactly as the same option bounds the plain scalar, in the published JSON Schema and in ``check``; ``null``
  still means "absent", and a wrapper's zero is a value (it has presence);
- ``null`` for a ``google.protobuf.Value`` field (and for a ``NullValue`` enum with presence) is a value, as
  ProtoJSON reads it: it sets a oneof member and meets ``required``, ``to_proto`` builds what
  ``json_format.ParseDict`` builds, and no payload ``ParseDict`` refuses passes ``check``;
- ``to_proto`` packs an ``Any`` byte for byte as ``ParseDict`` packs it, maps of many keys included.
"""

from __future__ import annotations

import base64
import random
from pathlib import Path
from typing import Any, Final

import pytest
from google.protobuf import json_format, message
from jsonschema import Draft202012Validator

import yc_contracts
from yc_contracts import Registry, ValidationError
from yc_contracts.rules.ruleset import load_rules
from yc_contracts.schema.generator import SchemaGenerator
from yc_contracts.validation.budget import Budget
from yc_contracts.validation.rule_layer import FULL, RuleLayer

WRAPPED: Final = "sem.v1.Wrapped"
CHOICE: Final = "sem.v1.Choice"
RULED: Final = "sem.v1.Ruled"
PACKED: Final = "sem.v1.Packed"
URL: Final = "type.googleapis.com/"

PROTO: Final = """\
syntax = "proto3";
package sem.v1;
import "google/protobuf/any.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/wrappers.proto";
import "yandex/cloud/validation.proto";

// Each wrapper field and its plain twin carry the same options.
message Wrapped {
  google.protobuf.Int64Value discard_percent = 1 [(yandex.cloud.value) = "0-100"];
  int64 plain_percent = 21 [(yandex.cloud.value) = "0-100"];
  google.protobuf.UInt64Value big = 2 [(yandex.cloud.value) = ">=10"];
  uint64 plain_big = 22 [(yandex.cloud.value) = ">=10"];
  google.protobuf.Int32Value small = 3 [(yandex.cloud.value) = "-5--1,1-5"];
  int32 plain_small = 23 [(yandex.cloud.value) = "-5--1,1-5"];
  google.protobuf.UInt32Value count = 4 [(yandex.cloud.value) = "1,3,5-7"];
  uint32 plain_count = 24 [(yandex.cloud.value) = "1,3,5-7"];
  google.protobuf.DoubleValue ratio = 5 [(yandex.cloud.value) = "0.25-1"];
  double plain_ratio = 25 [(yandex.cloud.value) = "0.25-1"];
  google.protobuf.FloatValue weight = 6 [(yandex.cloud.value) = ">0.5"];
  float plain_weight = 26 [(yandex.cloud.value) = ">0.5"];
  google.protobuf.StringValue name = 7 [(yandex.cloud.pattern) = "[a-z]+", (yandex.cloud.length) = "<=5"];
  string plain_name = 27 [(yandex.cloud.pattern) = "[a-z]+", (yandex.cloud.length) = "<=5"];
  google.protobuf.BytesValue blob = 8 [(yandex.cloud.length) = "<=3"];
  bytes plain_blob = 28 [(yandex.cloud.length) = "<=3"];
  google.protobuf.BytesValue sized = 12 [(yandex.cloud.bytes) = "1-3"];
  bytes plain_sized = 32 [(yandex.cloud.bytes) = "1-3"];
  google.protobuf.StringValue utf8 = 13 [(yandex.cloud.bytes) = "<=4"];
  string plain_utf8 = 33 [(yandex.cloud.bytes) = "<=4"];
  google.protobuf.Int64Value positive = 11 [(yandex.cloud.value) = ">0"];
  int64 plain_positive = 31 [(yandex.cloud.value) = ">0"];
  repeated google.protobuf.Int64Value percents = 9 [(yandex.cloud.value) = "0-100"];
  map<string, google.protobuf.DoubleValue> ratios = 10 [(yandex.cloud.value) = "0-1"];
  google.protobuf.Int64Value needed = 14 [(yandex.cloud.required) = true, (yandex.cloud.value) = ">0"];
  repeated google.protobuf.StringValue tags = 15 [(yandex.cloud.unique) = true];
  repeated google.protobuf.Int64Value ids = 16 [(yandex.cloud.unique) = true];
  google.protobuf.Int64Value free = 17;
}

message Choice {
  oneof pick {
    option (yandex.cloud.exactly_one) = true;
    google.protobuf.Value value = 1;
    string text = 2;
  }
  oneof loose {
    google.protobuf.Value other = 3;
    int64 number = 4;
    google.protobuf.NullValue nothing = 5;
  }
  google.protobuf.Value needed = 6 [(yandex.cloud.required) = true];
  optional google.protobuf.NullValue maybe = 7;
  google.protobuf.NullValue plain = 8;
  repeated google.protobuf.Value values = 9;
  map<string, google.protobuf.Value> table = 10;
}

// Service rules name these fields (see RULES).
message Ruled {
  google.protobuf.Value first = 1;
  string second = 2;
  google.protobuf.Value third = 3;
}

message Maps {
  map<string, string> s = 1;
  map<int64, int32> i = 2;
  map<bool, string> b = 3;
  map<uint32, Maps> nested = 4;
  google.protobuf.Struct st = 5;
  map<sint32, bytes> si = 6;
  map<fixed64, google.protobuf.Value> f = 7;
  map<string, google.protobuf.Any> anys = 8;
}

message Packed {
  google.protobuf.Any payload = 1;
  repeated google.protobuf.Any more = 2;
}
"""

RULES: Final = """\
[[rules]]
id = "sem.first_or_second"
message = "sem.v1.Ruled"
path = []
severity = "warning"
source = "sem.md"
summary = "At most one of first and second is set."
check = { at_most_one = ["first", "second"] }

[[rules]]
id = "sem.third_or_second"
message = "sem.v1.Ruled"
path = []
severity = "error"
source = "sem.md"
summary = "Exactly one of third and second is set."
check = { exactly_one = ["third", "second"] }

[[rules]]
id = "sem.first_required"
message = "sem.v1.Ruled"
path = []
field = "first"
severity = "warning"
source = "sem.md"
summary = "first is required."
check = { required = true }
"""


@pytest.fixture(scope="module")
def reg(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """The tree above, compiled with protoc against the contract's ``yandex/cloud/validation.proto``."""
    root = tmp_path_factory.mktemp("semantics")
    (root / "sem" / "v1").mkdir(parents=True)
    (root / "sem" / "v1" / "sem.proto").write_text(PROTO)
    return Registry.from_proto_tree(root, includes=[repo_root / "protos"])


def _rules(found: list[yc_contracts.Violation], key: str) -> list[tuple[str, str]]:
    """The error-severity violations at the field ``key`` or below it."""
    return sorted(
        (v.path, v.rule)
        for v in found
        if v.severity == "error" and (v.path == f"/{key}" or v.path.startswith(f"/{key}/"))
    )


def _errors(reg: Registry, name: str, payload: Any) -> list[tuple[str, str]]:
    return sorted((v.path, v.rule) for v in yc_contracts.check(name, payload, registry=reg) if v.severity == "error")


def _parse_dict(reg: Registry, name: str, payload: Any) -> message.Message:
    return json_format.ParseDict(payload, reg.message_class(name)(), descriptor_pool=reg.descriptor_pool)


def _same_bytes(a: message.Message, b: message.Message) -> bool:
    # deterministic=True orders the messages' own map entries; the bytes packed inside an Any are compared as they are.
    return a.SerializeToString(deterministic=True) == b.SerializeToString(deterministic=True)


# ----------------------------------------------------------------------------------- 1. options on wrappers

_INTEGERS: Final = (-399, "-399", -6, -5, "-5", -1, 1, "1", 2, 3, 4, 5, 6, 7, 8, 9, 10, "10", 11, 50, 100, "100", 101)
_INTEGERS_MORE: Final = ("101", 2**31, "4294967295", "18446744073709551615", 1.0, 50.0, 1.5, "1.5", "abc", True, [1])
_FLOATS: Final = (-0.5, "-0.5", 0.1, "0.1", 0.25, "2.5e-1", 0.5, "0.5", "5e-1", 0.75, 1, "1", 1.0000001, 2, "2")
_FLOATS_MORE: Final = ("NaN", "Infinity", "-Infinity", 1e300, "1e300", 3.5e38, "x", True, {})
_STRINGS: Final = ("abc", "abcde", "abcdef", "ABC", "ab1", "é", "ééé", "abcd", 5, None)
_BYTES: Final = ("AA==", "AA", "AAAA", "AAAAAA==", "AAAAAA", "AAAAAAAA", "!!!", "AA=A", "_-8=", 5)


@pytest.mark.parametrize(
    ("wrapper", "plain", "spellings"),
    [
        ("discardPercent", "plainPercent", _INTEGERS + _INTEGERS_MORE),
        ("big", "plainBig", _INTEGERS + _INTEGERS_MORE),
        ("small", "plainSmall", _INTEGERS + _INTEGERS_MORE),
        ("count", "plainCount", _INTEGERS + _INTEGERS_MORE),
        ("positive", "plainPositive", _INTEGERS + _INTEGERS_MORE),
        ("ratio", "plainRatio", _FLOATS + _FLOATS_MORE),
        ("weight", "plainWeight", _FLOATS + _FLOATS_MORE),
        ("name", "plainName", _STRINGS),
        ("utf8", "plainUtf8", _STRINGS),
        ("blob", "plainBlob", _BYTES),
        ("sized", "plainSized", _BYTES),
    ],
)
def test_a_wrapper_is_bounded_as_its_scalar(
    reg: Registry, wrapper: str, plain: str, spellings: tuple[Any, ...]
) -> None:
    """Every spelling of a value gets the same verdict in a wrapper field as in its plain twin with the same
    options: the same rule ids (``type.*``, ``option.value``, ``option.pattern``, ``option.length``,
    ``option.bytes``), in the published schema and in ``check`` alike (bar the checks the published schema
    leaves to the validators: floats spelled as strings, UTF-8 byte counts)."""
    generator = SchemaGenerator(reg, load_rules(reg, files={}))
    published = Draft202012Validator(generator.message_document(WRAPPED))
    differ = []
    for spelling in spellings:
        in_wrapper = _rules(yc_contracts.check(WRAPPED, {wrapper: spelling}, registry=reg), wrapper)
        in_plain = _rules(yc_contracts.check(WRAPPED, {plain: spelling}, registry=reg), plain)
        if [rule for _, rule in in_wrapper] != [rule for _, rule in in_plain]:
            differ.append(f"{spelling!r}: {in_wrapper} != {in_plain}")
        schema_judges = not (isinstance(spelling, str) and wrapper in ("ratio", "weight", "utf8"))
        if schema_judges:
            valid = published.is_valid({wrapper: spelling, "needed": 1})
            if valid != (not in_wrapper):
                differ.append(f"{spelling!r}: the published schema says valid={valid}, check says {in_wrapper}")
    assert differ == []


def test_the_issues_example_and_every_spelling_of_a_bound(reg: Registry) -> None:
    """``{"discardPercent": "-399"}`` against ``"0-100"`` is out of bounds (the issue's example), as is every
    other spelling of a value outside, in an item of a repeated wrapper field or a map value too; inside
    the bounds nothing is reported."""
    assert _errors(reg, WRAPPED, {"discardPercent": "-399", "needed": 1}) == [("/discardPercent", "option.value")]
    assert _errors(reg, WRAPPED, {"discardPercent": "100", "needed": "1"}) == []
    payload = {"percents": [1, "200", 100, -1, "0"], "ratios": {"a": 0.5, "b": 2, "c": "NaN", "d": "0.25", "e": "1e1"}}
    assert _errors(reg, WRAPPED, {**payload, "needed": 1}) == [
        ("/percents/1", "option.value"),
        ("/percents/3", "option.value"),
        ("/ratios/b", "option.value"),
        ("/ratios/c", "option.value"),
        ("/ratios/e", "option.value"),
    ]
    with pytest.raises(ValidationError) as info:
        yc_contracts.to_proto(WRAPPED, {"needed": 1, "ratio": "Infinity"}, registry=reg)
    assert [(v.path, v.rule) for v in info.value.violations] == [("/ratio", "option.value")]


def test_a_wrappers_zero_is_a_value_and_null_is_absent(reg: Registry) -> None:
    """A wrapper has presence: its zero (``0``, ``""``) is a value the service receives, so options apply to it
    (``>0`` refuses ``0``), where the plain field's zero is "not set" and passes. ``null`` leaves the wrapper
    absent: no option applies, and ``required`` fails; ``to_proto`` builds what ``ParseDict`` builds."""
    assert _errors(reg, WRAPPED, {"positive": 0, "plainPositive": 0, "needed": 1}) == [("/positive", "option.value")]
    assert _errors(reg, WRAPPED, {"name": "", "plainName": "", "needed": 1}) == [("/name", "option.pattern")]
    assert _errors(reg, WRAPPED, {"sized": "", "plainSized": "", "needed": 1}) == [("/sized", "option.bytes")]
    assert _errors(reg, WRAPPED, {"needed": 0}) == [("/needed", "option.value")]  # present, so required holds
    assert _errors(reg, WRAPPED, {"needed": None}) == [("/needed", "option.required")]
    nulls = dict.fromkeys(("discardPercent", "ratio", "name", "blob", "sized", "utf8", "positive", "percents"))
    assert _errors(reg, WRAPPED, {**nulls, "ratios": None, "needed": 7}) == []
    for payload in ({**nulls, "needed": 7}, {"needed": "7", "free": 0, "discardPercent": "0", "ratio": 0.25}):
        built = yc_contracts.to_proto(WRAPPED, payload, registry=reg)
        assert _same_bytes(built, _parse_dict(reg, WRAPPED, payload))
    assert built.HasField("free")  # type: ignore[attr-defined]


def test_wrapper_bytes_are_base64_and_unique_compares_the_wrapped_values(reg: Registry) -> None:
    """A ``BytesValue`` (in a field, or packed in an ``Any``) is base64 as a ``bytes`` field is: ``"!!!"`` is
    refused, where ``json_format`` drops the characters silently (``docs/protojson.md``). ``(yandex.cloud.unique)``
    on repeated wrappers compares the values the wrapper holds: ``1`` and ``"1"`` are one ``Int64Value``,
    ``"1"`` and ``"1e0"`` two ``StringValue`` values."""
    assert _errors(reg, WRAPPED, {"blob": "!!!", "plainBlob": "!!!", "needed": 1}) == [
        ("/blob", "type.bytes"),
        ("/plainBlob", "type.bytes"),
    ]
    packed = {"payload": {"@type": URL + "google.protobuf.BytesValue", "value": "!!!"}}
    assert _errors(reg, PACKED, packed) == [("/payload/value", "type.bytes")]
    assert _errors(reg, PACKED, {"payload": {"@type": URL + "google.protobuf.BytesValue", "value": "AAE"}}) == []
    assert _errors(reg, WRAPPED, {"ids": [1, "1"], "needed": 1}) == [("/ids", "option.unique")]
    assert _errors(reg, WRAPPED, {"tags": ["1", "1e0", "01"], "needed": 1}) == []
    assert _errors(reg, WRAPPED, {"tags": ["a", "a"], "needed": 1}) == [("/tags", "option.unique")]


# ------------------------------------------------------------------------------ 2. null for Value fields


_CHOICES: Final[tuple[dict[str, Any], ...]] = (
    {"value": None, "needed": 1},
    {"value": None, "needed": None},
    {"value": None},
    {"text": "x", "needed": None, "other": None},
    {"text": "x", "needed": None, "nothing": None},
    {"text": "x", "needed": None, "maybe": None, "plain": None},
    {"text": "x", "needed": None, "plain": "NULL_VALUE"},
    {"text": "x", "needed": None, "values": [None, 1, "a", None], "table": {"a": None, "b": [None]}},
    {"text": None, "value": {"a": None}, "needed": [None]},
    {"value": None, "text": "x", "needed": 1},
    {"text": "x", "value": None, "needed": 1},
    {"text": "x", "needed": 1, "other": None, "number": 5},
    {"text": "x", "needed": 1, "number": "5", "nothing": None},
    {"text": "x", "needed": 1, "nothing": None, "other": 2},
    {"text": "x", "needed": 1, "values": None},
    {"text": "x", "needed": 1, "table": None},
    {"text": None, "needed": 1},
    {"text": "x"},
)


def test_null_sets_a_value_field(reg: Registry) -> None:
    """``null`` for a ``google.protobuf.Value`` is a ``Value`` holding ``NullValue``: it sets a oneof member
    (``exactly_one`` holds, a second member is one too many) and meets ``required``; so does ``null`` for a
    ``NullValue`` enum in a oneof or marked ``optional``. Elsewhere ``null`` stays "absent"; and a list or map of
    ``Value`` cannot be ``null`` (Go's ``protojson`` refuses it, ``json_format`` fails on the list)."""
    assert _errors(reg, CHOICE, {"value": None, "needed": None}) == []
    assert _errors(reg, CHOICE, {"value": None}) == [("/needed", "option.required")]
    assert _errors(reg, CHOICE, {"needed": None}) == [("", "oneof.exactly_one")]
    assert _errors(reg, CHOICE, {"value": None, "text": "x", "needed": 1}) == [("", "oneof.exactly_one")]
    assert _errors(reg, CHOICE, {"text": "x", "needed": 1, "other": None, "number": 5}) == [("", "oneof.at_most_one")]
    assert _errors(reg, CHOICE, {"text": "x", "needed": 1, "nothing": None, "number": 5}) == [("", "oneof.at_most_one")]
    assert _errors(reg, CHOICE, {"text": None, "needed": 1, "number": None, "other": 1}) == [("", "oneof.exactly_one")]
    assert _errors(reg, CHOICE, {"text": "x", "needed": 1, "values": None, "table": None}) == [
        ("/table", "type.map"),
        ("/values", "type.repeated"),
    ]
    built = yc_contracts.to_proto(CHOICE, {"value": None, "needed": None, "nothing": None, "maybe": None}, registry=reg)
    assert built.WhichOneof("pick") == "value"  # type: ignore[attr-defined]
    assert built.WhichOneof("loose") == "nothing"  # type: ignore[attr-defined]
    assert built.HasField("needed")  # type: ignore[attr-defined]
    assert built.HasField("maybe")  # type: ignore[attr-defined]
    assert yc_contracts.to_rest(built, registry=reg) == {"value": None, "nothing": None, "needed": None, "maybe": None}


@pytest.mark.parametrize("payload", _CHOICES, ids=range(len(_CHOICES)))
def test_one_verdict_with_json_format_on_null(reg: Registry, payload: dict[str, Any]) -> None:
    """Never looser than ``json_format``: a payload ``ParseDict`` refuses fails ``check`` too; one ``check``
    accepts becomes, through ``to_proto``, the message ``ParseDict`` builds, byte for byte."""
    errors = _errors(reg, CHOICE, payload)
    try:
        expected = _parse_dict(reg, CHOICE, payload)
    except (json_format.ParseError, AttributeError):  # a null list of Values: AttributeError from json_format
        assert errors, f"json_format refuses {payload}, check accepts it"
        return
    if not errors:
        assert _same_bytes(yc_contracts.to_proto(CHOICE, payload, registry=reg), expected)
        assert yc_contracts.to_rest(expected, registry=reg) == json_format.MessageToDict(
            expected, descriptor_pool=reg.descriptor_pool
        )


def test_json_format_keeps_the_last_of_two_members(reg: Registry) -> None:
    """Why two members, one of them ``null``, are refused (stricter than ``json_format``, see docs/protojson.md):
    ``ParseDict`` keeps whichever comes last, so one payload means two messages depending on key order."""
    first = _parse_dict(reg, CHOICE, {"value": None, "text": "x"})
    second = _parse_dict(reg, CHOICE, {"text": "x", "value": None})
    assert first.WhichOneof("pick") == "text"  # type: ignore[attr-defined]
    assert second.WhichOneof("pick") == "value"  # type: ignore[attr-defined]


def test_service_rules_count_null_values_as_set(reg: Registry) -> None:
    """Service rules over ``Value`` fields read ``null`` as set too: in the published schema (an error rule,
    ``exactly_one``) and in the rule walker (warnings: ``at_most_one``, ``required``)."""
    rules = load_rules(reg, files={"sem.toml": RULES})
    published = Draft202012Validator(SchemaGenerator(reg, rules).message_document(RULED))
    assert published.is_valid({"third": None})
    assert published.is_valid({"second": "x", "third": None}) is False
    assert published.is_valid({"second": "x"})
    assert published.is_valid({}) is False
    walker = RuleLayer(reg, rules, RULED)

    def warnings(payload: dict[str, Any]) -> list[tuple[str, str]]:
        return sorted((v.path, v.rule) for v in walker.walk(payload, FULL, Budget(100)))

    assert warnings({"first": None, "second": "x"}) == [("", "sem.first_or_second")]
    assert warnings({"first": None, "third": None}) == []
    assert warnings({"second": "x"}) == [("/first", "sem.first_required")]
    assert warnings({"first": None, "second": ""}) == []  # "" is the default: second is not set


# ------------------------------------------------------------------------------------- 3. packing an Any


def _key(rng: random.Random, kind: str) -> str:
    if kind == "string":
        return rng.choice(["", "a", "é", "key", "k" * rng.randint(1, 40), "😀"]) + str(rng.randint(0, 10**9))
    if kind == "int64":
        return str(rng.choice([rng.randint(-(2**63), 2**63 - 1), rng.randint(-50, 50)]))
    if kind == "sint32":
        return str(rng.randint(-(2**31), 2**31 - 1))
    if kind == "uint32":
        return str(rng.randint(0, 2**32 - 1))
    return str(rng.randint(0, 2**64 - 1))  # fixed64


def _json_value(rng: random.Random, depth: int) -> Any:
    kinds = ["null", "number", "string", "bool"] + (["struct", "list"] if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "struct":
        return {_key(rng, "string"): _json_value(rng, depth + 1) for _ in range(rng.randint(0, 12))}
    if kind == "list":
        return [_json_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {"null": None, "number": rng.uniform(-1e6, 1e6), "string": _key(rng, "string"), "bool": True}[kind]


def _maps(rng: random.Random, depth: int = 0) -> dict[str, Any]:
    """A ``sem.v1.Maps`` payload with up to 60 entries per map, of every key type, and more below."""

    def n() -> int:
        return rng.choice([0, 1, 2, rng.randint(3, 60)])

    payload: dict[str, Any] = {
        "s": {_key(rng, "string"): _key(rng, "string") for _ in range(n())},
        "i": {_key(rng, "int64"): rng.randint(-(2**31), 2**31 - 1) for _ in range(n())},
        "b": {k: _key(rng, "string") for k in rng.sample(["true", "false"], rng.randint(0, 2))},
        "st": {_key(rng, "string"): _json_value(rng, 0) for _ in range(n())},
        "si": {_key(rng, "sint32"): base64.b64encode(rng.randbytes(rng.randint(0, 9))).decode() for _ in range(n())},
        "f": {_key(rng, "fixed64"): _json_value(rng, 1) for _ in range(n())},
    }
    if depth < 2:
        payload["nested"] = {_key(rng, "uint32"): _maps(rng, depth + 1) for _ in range(rng.randint(0, 4))}
        payload["anys"] = {_key(rng, "string"): _packed(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    return payload


def _packed(rng: random.Random, depth: int) -> dict[str, Any]:
    kind = rng.choice(["maps", "maps", "struct", "value", "list"])
    if kind == "maps":
        return {"@type": URL + "sem.v1.Maps", **_maps(rng, depth)}
    if kind == "struct":
        return {"@type": URL + "google.protobuf.Struct", "value": {_key(rng, "string"): 1 for _ in range(40)}}
    if kind == "value":
        return {"@type": URL + "google.protobuf.Value", "value": _json_value(rng, 0)}
    return {"@type": URL + "google.protobuf.ListValue", "value": [_json_value(rng, 1) for _ in range(5)]}


SEEDS: Final = 150


def test_a_packed_any_is_byte_equal_to_json_formats(reg: Registry) -> None:
    """For maps of many keys (string, int64, uint32, sint32, fixed64 and bool keys; in a ``Struct``, a ``Value``,
    a ``ListValue``, maps of messages and ``Any`` inside the packed message), ``to_proto(MessageToDict(m))``
    packs every ``Any`` into the same bytes as ``json_format.ParseDict``, with validation on and off: a user
    comparing messages or their bytes, or signing them, sees no difference. Sorted map keys would differ
    (checked too, so that this test can tell)."""
    sorted_differs = 0
    for seed in range(SEEDS):
        rng = random.Random(seed)
        source = _parse_dict(reg, PACKED, {"payload": _packed(rng, 0), "more": [_packed(rng, 1) for _ in range(2)]})
        printed = json_format.MessageToDict(source, descriptor_pool=reg.descriptor_pool)
        expected = _parse_dict(reg, PACKED, printed)
        for validate in (True, False):
            built = yc_contracts.to_proto(PACKED, printed, registry=reg, validate=validate)
            assert built.SerializeToString() == expected.SerializeToString(), f"seed {seed}"
        inner = reg.resolve_type_url(expected.payload.type_url).FromString(expected.payload.value)  # type: ignore[attr-defined]
        sorted_differs += inner.SerializeToString(deterministic=True) != expected.payload.value  # type: ignore[attr-defined]
    assert sorted_differs > SEEDS // 2


def test_the_contracts_any_is_packed_as_json_format_packs(repo_root: Path) -> None:
    """The same through the contract's own registry: an ``Operation`` whose ``response`` packs a ``Struct`` of
    many keys, validated and converted by ``to_proto``, holds ParseDict's bytes."""
    reg = yc_contracts.registry
    rng = random.Random(17)
    for _ in range(20):
        struct = {_key(rng, "string"): _json_value(rng, 1) for _ in range(rng.randint(5, 80))}
        payload = {"id": "op1", "done": True, "response": {"@type": URL + "google.protobuf.Struct", "value": struct}}
        expected = _parse_dict(reg, "yandex.cloud.operation.Operation", payload)
        printed = json_format.MessageToDict(expected, descriptor_pool=reg.descriptor_pool)
        built = yc_contracts.to_proto("yandex.cloud.operation.Operation", printed)
        assert (
            built.SerializeToString()
            == _parse_dict(reg, "yandex.cloud.operation.Operation", printed).SerializeToString()
        )
