"""Helpers for the tests of ``yc_contracts.testing``: message comparison, documented severities, and the two test
protos as registries (with a full validator for the one that has every option form)."""

from __future__ import annotations

import atexit
import functools
import math
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import generate
from google.protobuf import descriptor_pb2
from google.protobuf.message import Message

import yc_contracts
from yc_contracts import Registry, Violation
from yc_contracts.rules.ruleset import RuleSet, resolve_limits
from yc_contracts.schema.generator import SchemaGenerator
from yc_contracts.validation.validator import Compiled

ROOT = Path(__file__).resolve().parents[2]


def same_message(a: Message, b: Message, registry: Registry | None = None) -> bool:
    """Whether two messages hold the same values: NaN equals NaN, ``-0.0`` differs from ``0.0``, and an ``Any``
    is compared by what it packs (its bytes depend on the map order of whoever packed it)."""
    reg = registry or yc_contracts.registry
    if a.DESCRIPTOR.full_name != b.DESCRIPTOR.full_name:
        return False
    if a.DESCRIPTOR.full_name == "google.protobuf.Any":
        if a.type_url != b.type_url:  # type: ignore[attr-defined]
            return False
        cls = reg.resolve_type_url(a.type_url)  # type: ignore[attr-defined]
        return same_message(cls.FromString(a.value), cls.FromString(b.value), reg)  # type: ignore[attr-defined]
    left, right = dict(a.ListFields()), dict(b.ListFields())
    if {f.name for f in left} != {f.name for f in right}:
        return False
    for field, value in left.items():
        other = next(v for f, v in right.items() if f.name == field.name)
        entry = field.message_type
        if entry is not None and entry.GetOptions().map_entry:
            if set(value) != set(other):
                return False
            pairs = [(value[k], other[k]) for k in value]
        elif field.is_repeated:
            if len(value) != len(other):
                return False
            pairs = list(zip(value, other, strict=True))
        else:
            pairs = [(value, other)]
        if not all(_same_value(x, y, reg) for x, y in pairs):
            return False
    return True


def _same_value(x: Any, y: Any, reg: Registry) -> bool:
    if isinstance(x, Message):
        return isinstance(y, Message) and same_message(x, y, reg)
    if isinstance(x, float):
        if math.isnan(x):
            return isinstance(y, float) and math.isnan(y)
        return x == y and math.copysign(1.0, x) == math.copysign(1.0, y)
    return bool(x == y)


FLOAT32_MAX_JSON = 3.4028235e38  # ProtoJSON's shortest spelling of the largest float32


def documented_difference(payload: Any) -> bool:
    """Whether the payload has a form ``json_format`` rejects and the schemas accept on purpose
    (``docs/protojson.md``): an ``Empty`` in an ``Any`` as ``{"@type": …, "value": {}}``, or the largest float32
    as ProtoJSON prints it."""
    if isinstance(payload, dict):
        if str(payload.get("@type", "")).endswith("/google.protobuf.Empty") and "value" in payload:
            return True
        return any(documented_difference(v) for v in payload.values())
    if isinstance(payload, list):
        return any(documented_difference(v) for v in payload)
    return isinstance(payload, (int, float, str)) and not isinstance(payload, bool) and _is_float32_max(payload)


def _is_float32_max(value: float | str) -> bool:
    try:
        return abs(float(value)) == FLOAT32_MAX_JSON
    except ValueError:
        return False


@functools.cache
def documented_severities() -> dict[str, str]:
    """Every rule id's severity as ``docs/rules.md`` lists it."""
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    return dict(re.findall(r"^\| `([a-z0-9_.]+)` \| (error|warning) \|", text, flags=re.MULTILINE))


def violations(found: list[Violation]) -> list[tuple[str, str, str]]:
    return [(v.path, v.rule, v.severity) for v in found]


@functools.cache
def _workdir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="yc-contracts-test-protos-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def _compile(name: str) -> Path:
    out = _workdir() / name
    generate.compile_descriptor_set(ROOT / "tests" / "protos", out, extra_includes=[ROOT / "protos"])
    return out


@functools.cache
def forms_registry() -> tuple[Registry, Callable[[str], Compiled]]:
    """``yc_test/v1/validation_forms.proto`` (every option form) as a registry, and the full validator (schema
    layer, rules walker) for its types, built the way the contract's own validators are."""
    out = _compile("validation_forms.binpb")
    reg = Registry.from_file_descriptor_set(
        descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()), ["yc_test/v1/validation_forms.proto"]
    )
    rules = RuleSet((), ())
    docs = SchemaGenerator(reg, rules).documents()
    limits = resolve_limits(None)
    return reg, functools.cache(lambda key: Compiled(key, reg, docs, rules, limits))


@functools.cache
def routes_registry() -> Registry:
    """``yc_test/v1/routes.proto`` (every route form) as a registry."""
    out = _compile("routes.binpb")
    return Registry.from_file_descriptor_set(
        descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()), ["yc_test/v1/routes.proto"]
    )
