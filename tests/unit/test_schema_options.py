"""Every form of the yandex.cloud validation options becomes the right JSON Schema keywords.

tests/protos/yc_test/v1/validation_forms.proto uses each form once; its schema is generated here (no service
rules) and each field is checked with a value just inside and just outside what the option allows.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import generate
import pytest
import referencing
from forms_support import BASE
from google.protobuf import descriptor_pb2
from jsonschema import Draft202012Validator
from referencing.jsonschema import DRAFT202012

from yc_contracts import Registry
from yc_contracts.rules.ruleset import RuleSet
from yc_contracts.schema.generator import SchemaGenerator, schema_id

FORMS = "yc_test.v1.ValidationForms"


@pytest.fixture(scope="module")
def forms_validator(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Draft202012Validator:
    out = tmp_path_factory.mktemp("forms") / "forms.binpb"
    generate.compile_descriptor_set(repo_root / "tests" / "protos", out, extra_includes=[repo_root / "protos"])
    reg = Registry.from_file_descriptor_set(
        descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()), ["yc_test/v1/validation_forms.proto"]
    )
    docs = SchemaGenerator(reg, RuleSet((), ())).documents()
    for doc in docs.values():
        Draft202012Validator.check_schema(doc)
    registry: referencing.Registry[Any] = referencing.Registry().with_resources(
        (doc["$id"], DRAFT202012.create_resource(doc)) for doc in docs.values()
    )
    return Draft202012Validator({"$ref": schema_id(FORMS)}, registry=registry)


B64_1MIB = base64.b64encode(b"\0" * 1048576).decode()
B64_1MIB_PLUS = base64.b64encode(b"\0" * 1048577).decode()

# (field JSON name, accepted value, rejected value)
CASES: list[tuple[str, Any, Any]] = [
    ("lengthLe", "x" * 50, "x" * 51),
    ("lengthLt", "x" * 63, "x" * 64),
    # lengthGe (">=1") and lengthGt (">0"): "" is the default, which proto3 does not send, so nothing breaks them.
    ("lengthRange", "abc", "ab"),
    ("lengthRange", "x" * 63, "x" * 64),
    ("lengthExact", "x" * 20, "x" * 21),
    ("lengthList", "x" * 40, "x" * 38),
    ("lengthEach", ["x" * 253], ["ok", "x" * 254]),
    ("sizeLe", ["a"] * 100, ["a"] * 101),
    # sizeGt (">0"): [] is what an absent field is on the wire, so nothing but the type breaks it.
    ("sizeRange", ["1"], ["1"] * 11),
    ("sizeExact", ["RED", "GREEN"], ["RED"]),
    ("sizeMap", {"ab": "x" * 63}, {"ab": "x" * 64}),
    ("sizeMap", {"ab": "a-b_9"}, {"ab": "UPPER"}),
    ("valueNegativeLo", "-1", "-2"),
    ("valueNegativeLo", 2147483647, 2147483648),
    ("valueNegativeRange", -10, -11),
    ("valueNegativeRange", "-1", 1),  # 0 is the default, which proto3 does not send: not checked
    ("valueUint64", "18446744073709551615", "18446744073709551616"),
    ("valueDouble", 1.0, 1.0000001),
    ("valueDouble", 0, -0.1),
    ("valueGt", 1, -1),
    ("valueLt", 99, "100"),
    ("valueList", 7, 11),
    ("valueList", "101", 100),
    ("valueList", 0, 1),
    ("valueFloatGt", 0.51, 0.5),
    ("valueEnum", "GREEN", 3),
    ("valueEnum", 1, "BLUE"),
    ("valueEach", ["1000"], ["1001"]),
    ("bytesOnBytes", B64_1MIB, B64_1MIB_PLUS),
    ("bytesOnString", "x" * 1048576, "x" * 1048577),
    ("pattern", "my-name-1", "My-name"),
    ("pattern", "ab1", "a"),
    ("unique", ["a", "b"], ["a", "a"]),
    ("mapKeyString", {"42": "x"}, {"042": "x"}),
    ("mapKeyString", {"9999": "x"}, {"10000": "x"}),
    ("mapKeyLabels", {"env_1": "x"}, {"Env": "x"}),
    ("mapKeyLabels", {"a" * 63: "x"}, {"a" * 64: "x"}),
    ("mapKeyInt", {"1000": "x"}, {"1001": "x"}),
    ("mapKeyInt", {"0": "x"}, {"-1": "x"}),
]


def _payload(field: str, value: Any) -> dict[str, Any]:
    return {**BASE, field: value}


def test_the_base_payload_is_valid(forms_validator: Draft202012Validator) -> None:
    assert list(forms_validator.iter_errors(_payload("plain", "p"))) == []


@pytest.mark.parametrize(("field", "good", "bad"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_option_form(forms_validator: Draft202012Validator, field: str, good: Any, bad: Any) -> None:
    assert list(forms_validator.iter_errors(_payload(field, good))) == []
    errors = list(forms_validator.iter_errors(_payload(field, bad)))
    assert errors
    assert all(list(e.absolute_path)[:1] == [field] for e in errors), [
        (list(e.absolute_path), e.message) for e in errors
    ]


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("requiredString", ""),
        ("requiredInt64", "0"),
        ("requiredInt64", 0),
        ("requiredEnum", "COLOR_UNSPECIFIED"),
        ("requiredEnum", 0),
        ("requiredRepeated", []),
        ("combined", "c" * 51),
    ],
)
def test_required(forms_validator: Draft202012Validator, field: str, bad: Any) -> None:
    assert not forms_validator.is_valid(_payload(field, bad))
    missing = _payload("plain", "p")
    del missing[field]
    assert not forms_validator.is_valid(missing)


def test_required_message_and_exactly_one_oneof(forms_validator: Draft202012Validator) -> None:
    missing = _payload("plain", "p")
    del missing["requiredMessage"]
    assert not forms_validator.is_valid(missing)
    neither = _payload("plain", "p")
    del neither["sourceUri"]
    assert not forms_validator.is_valid(neither)
    assert not forms_validator.is_valid(_payload("sourceContent", "AAAA"))  # both members
    assert forms_validator.is_valid({**neither, "sourceContent": "AAAA"})
    assert not forms_validator.is_valid(_payload("choiceA", "a") | {"choiceB": "1"})  # plain oneof: at most one
