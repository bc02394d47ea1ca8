"""The golden corpus: payloads with the exact, complete list of violations ``check()`` must return.

Layout: ``tests/golden/<service>/<method>/<name>.expected.json`` next to its payload, ``<name>.json`` (JSON, loaded
into Python objects), ``<name>.txt`` (JSON text, passed as ``str``) or ``<name>.bin`` (bytes). The expected file is::

    {"description": "...", "message": "<full name, route or <method>.Operation>", "limits": {...},
     "xfail": "<why check() is wrong here>", "violations": [{"path": ..., "rule": ..., "severity": ...}]}

``limits`` and ``xfail`` are optional. ``violations`` is what the service SHOULD report according to docs/rules.md
and the seed documents; where check() disagrees, the case carries ``xfail`` (strict) with the reason, so a fix
makes it XPASS and fail until the marker is removed. Messages are not compared (they may be reworded), only
checked to be one non-empty sentence. Media embedded as base64 come from ``media/``, made by ``make_media.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import yc_contracts

GOLDEN = Path(__file__).resolve().parent
ROOT = GOLDEN.parent.parent
PAYLOAD_SUFFIXES = (".json", ".txt", ".bin")
EXPECTED_KEYS = {"description", "message", "limits", "xfail", "violations"}


def _cases() -> Iterator[Path]:
    yield from sorted(GOLDEN.glob("*/*/*.expected.json"))


def _case_id(expected_path: Path) -> str:
    return (
        f"{expected_path.parent.parent.name}/{expected_path.parent.name}/{expected_path.name[: -len('.expected.json')]}"
    )


def _load_expected(expected_path: Path) -> dict[str, Any]:
    expected: dict[str, Any] = json.loads(expected_path.read_text(encoding="utf-8"))
    return expected


def _payload_path(expected_path: Path) -> Path:
    stem = expected_path.name[: -len(".expected.json")]
    found = [expected_path.with_name(stem + suffix) for suffix in PAYLOAD_SUFFIXES]
    found = [p for p in found if p.exists()]
    assert len(found) == 1, f"{expected_path}: expected exactly one payload file, found {found}"
    return found[0]


def _load_payload(path: Path) -> Any:
    if path.suffix == ".json":
        return json.loads(path.read_text(encoding="utf-8"))
    if path.suffix == ".txt":
        return path.read_text(encoding="utf-8")
    return path.read_bytes()


def _params() -> list[Any]:
    params = []
    for path in _cases():
        xfail = _load_expected(path).get("xfail")
        marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
        params.append(pytest.param(path, id=_case_id(path), marks=marks))
    return params


_SENTENCE_BREAK = re.compile(r"[.!?]\s+[A-Z]")


@pytest.mark.parametrize("expected_path", _params())
def test_golden(expected_path: Path) -> None:
    expected = _load_expected(expected_path)
    payload = _load_payload(_payload_path(expected_path))

    found = yc_contracts.check(expected["message"], payload, limits=expected.get("limits"))

    for violation in found:
        assert isinstance(violation.message, str), violation
        assert violation.message.strip(), f"empty message: {violation}"
        assert "\n" not in violation.message, f"multi-line message: {violation.message!r}"
        assert "\r" not in violation.message, f"multi-line message: {violation.message!r}"
        assert not _SENTENCE_BREAK.search(violation.message), f"more than one sentence: {violation.message!r}"
    got = sorted((v.path, v.rule, v.severity) for v in found)
    want = sorted((v["path"], v["rule"], v["severity"]) for v in expected["violations"])
    assert len(set(got)) == len(got), f"check() returned a (path, rule, severity) twice: {got}"
    assert got == want


# ------------------------------------------------------------------------------------------ corpus hygiene


def _documented_rules() -> dict[str, str]:
    """Rule id -> severity, from the rows of the two rule tables of docs/rules.md (not defaults or limits)."""
    rules: dict[str, str] = {}
    in_rules = False
    for line in (ROOT / "docs" / "rules.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            in_rules = line.startswith(("## Protobuf", "## Service rules"))
            continue
        match = re.match(r"\| `([a-z0-9_.]+)` \| (error|warning) \|", line)
        if in_rules and match:
            rules[match.group(1)] = match.group(2)
    return rules


# Rule ids the corpus need not cover.
NOT_USED_BY_THE_CONTRACT = {
    # Option forms no field of the contract carries (protos/ only uses required and length).
    "option.size",
    "option.value",
    "option.pattern",
    "option.bytes",
    "option.unique",
    "option.map_key",
    # Field types no field of these messages has (test_type_rules_match_the_contract checks this list).
    # type.empty does occur: google.protobuf.Empty is the response type of OCR Recognize and STT v3
    # RecognizeFile, packed in their Operations, so the corpus covers it.
    "type.map",
    "type.field_mask",
    "type.list_value",
    "type.value",
    "type.uint32",
    "type.uint64",
}
UNREACHABLE = {
    # No oneof of the contract carries (yandex.cloud.exactly_one) (grep protos/ for it); the two oneofs the
    # documentation requires exactly one member of are checked by service rules with their own ids
    # (stt.v3.audio_source, stt.v3.audio_format).
    "oneof.exactly_one",
    # Only Python objects JSON has no spelling for (sets, bytes, non-string keys, ...) produce it; every payload
    # of this corpus is JSON text or bytes, and JSON text always loads into JSON values (a 30-digit integer
    # loads as an int and is a type.int64 error, or fine inside a Struct).
    "json.type",
    # Needs more than 1,000 violations in one payload (an expected file of a thousand entries);
    # tests/unit/test_hardening_engine.py covers it, with max_violations= and at 10^5 errors.
    "limit.violations",
}


def test_corpus_covers_every_applicable_rule() -> None:
    documented = _documented_rules()
    assert len(documented) > 50, "docs/rules.md's tables were not found"
    assert set(documented) >= NOT_USED_BY_THE_CONTRACT | UNREACHABLE
    covered: dict[str, set[str]] = {}
    for path in _cases():
        for violation in _load_expected(path)["violations"]:
            covered.setdefault(violation["rule"], set()).add(violation["severity"])
    required = set(documented) - NOT_USED_BY_THE_CONTRACT - UNREACHABLE
    assert sorted(required - set(covered)) == []
    assert sorted(set(covered) - set(documented)) == [], "expected files name rules docs/rules.md does not list"
    for rule, severities in covered.items():
        assert severities == {documented[rule]}, f"{rule}: expected files say {severities}, docs/rules.md says"


_TYPE_RULES = {
    "TYPE_INT32": "int32",
    "TYPE_SINT32": "int32",
    "TYPE_SFIXED32": "int32",
    "TYPE_UINT32": "uint32",
    "TYPE_FIXED32": "uint32",
    "TYPE_INT64": "int64",
    "TYPE_SINT64": "int64",
    "TYPE_SFIXED64": "int64",
    "TYPE_UINT64": "uint64",
    "TYPE_FIXED64": "uint64",
    "TYPE_FLOAT": "float",
    "TYPE_DOUBLE": "double",
    "TYPE_BOOL": "bool",
    "TYPE_STRING": "string",
    "TYPE_BYTES": "bytes",
    "TYPE_ENUM": "enum",
}
_WELL_KNOWN_RULES = {
    "google.protobuf.Timestamp": "timestamp",
    "google.protobuf.Duration": "duration",
    "google.protobuf.FieldMask": "field_mask",
    "google.protobuf.Struct": "struct",
    "google.protobuf.ListValue": "list_value",
    "google.protobuf.Value": "value",
    "google.protobuf.Empty": "empty",
    "google.protobuf.Any": "any",
}


def test_type_rules_match_the_contract() -> None:
    """The type.* ids skipped above are exactly those no field reachable from the corpus' messages has."""
    from google.protobuf import descriptor

    scalar = {getattr(descriptor.FieldDescriptor, name): rule for name, rule in _TYPE_RULES.items()}
    reg = yc_contracts.registry
    names = {_load_expected(path)["message"] for path in _cases()}
    roots = set()
    for name in names:
        if name in reg.messages():
            roots.add(name)
        elif name.endswith(".Operation"):
            roots.add("yandex.cloud.operation.Operation")
            response = reg.operation_types(name[: -len(".Operation")])
            if response is not None and response.response is not None:
                roots.add(response.response)
        elif " " in name:
            roots.add(reg.route(name).method.input_type)
        else:
            raise AssertionError(f"not a message, route or Operation key: {name}")
    types: set[str] = {"type.message"}
    pending = [reg.message_descriptor(name) for name in roots]
    seen: set[str] = set()
    while pending:
        desc = pending.pop()
        if desc.full_name in seen:
            continue
        seen.add(desc.full_name)
        if desc.full_name in _WELL_KNOWN_RULES:
            types.add("type." + _WELL_KNOWN_RULES[desc.full_name])
            continue
        for f in desc.fields:
            if f.message_type is not None and f.message_type.GetOptions().map_entry:
                types.add("type.map")
                pending.append(f.message_type.fields_by_name["value"].message_type or f.message_type)
                continue
            if f.is_repeated:
                types.add("type.repeated")
            if f.message_type is not None:
                if f.message_type.full_name not in _WELL_KNOWN_RULES:
                    types.add("type.message")
                pending.append(f.message_type)
            else:
                types.add("type." + scalar[f.type])
    documented_types = {rule for rule in _documented_rules() if rule.startswith("type.")}
    assert documented_types - types == {r for r in NOT_USED_BY_THE_CONTRACT if r.startswith("type.")}


def test_case_files_are_well_formed() -> None:
    payloads = set()
    for path in _cases():
        expected = _load_expected(path)
        assert set(expected) <= EXPECTED_KEYS, f"{path}: unknown keys {set(expected) - EXPECTED_KEYS}"
        assert expected["description"].strip(), path
        assert isinstance(expected["violations"], list), path
        for violation in expected["violations"]:
            assert set(violation) == {"path", "rule", "severity"}, f"{path}: {violation}"
            assert violation["path"] == "" or violation["path"].startswith("/"), f"{path}: {violation}"
        payloads.add(_payload_path(path))
    every_file = {p for p in GOLDEN.glob("*/*/*") if p.is_file() and not p.name.endswith(".expected.json")}
    assert sorted(every_file - payloads) == [], "payload files without an expected file"


def test_media_files_are_reproducible() -> None:
    """``media/`` is exactly what make_media.py writes (so the base64 in the payloads can be regenerated)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("golden_make_media", GOLDEN / "make_media.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built: dict[str, bytes] = module.build()
    on_disk = {p.name: p.read_bytes() for p in (GOLDEN / "media").iterdir() if p.is_file()}
    assert sorted(on_disk) == sorted(built)
    for name, data in built.items():
        assert on_disk[name] == data, name
        assert len(data) <= 20 * 1024, name
