"""The test proto that uses every option form (``tests/protos/yc_test/v1/validation_forms.proto``), compiled into
a validator, and a payload of it that is valid: shared by the tests that check one field at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import generate
from google.protobuf import descriptor_pb2

from yc_contracts import Registry
from yc_contracts.rules.ruleset import RuleSet, resolve_limits
from yc_contracts.schema.generator import SchemaGenerator
from yc_contracts.validation.validator import Compiled

ROOT: Final = Path(__file__).resolve().parents[1]
FORMS: Final = "yc_test.v1.ValidationForms"

BASE: Final[dict[str, Any]] = {
    "requiredString": "s",
    "requiredInt64": "1",
    "requiredEnum": "RED",
    "requiredMessage": {},
    "requiredRepeated": [{}],
    "combined": "c",
    "sourceUri": "u",
}
"""A valid ValidationForms payload: every required field set, one member of each exactly-one oneof."""


def compile_forms(folder: Path) -> Compiled:
    """The validator of ValidationForms (no service rules), its descriptor set compiled into ``folder``."""
    out = folder / "forms.binpb"
    generate.compile_descriptor_set(ROOT / "tests" / "protos", out, extra_includes=[ROOT / "protos"])
    reg = Registry.from_file_descriptor_set(descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()))
    rules = RuleSet((), ())
    return Compiled(FORMS, reg, SchemaGenerator(reg, rules).documents(), rules, resolve_limits(None))
