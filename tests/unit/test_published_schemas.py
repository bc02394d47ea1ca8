"""The files under ``schemas/`` work as they are in the tools users already have.

Every ``schemas/<key>.schema.json`` is a self-contained 2020-12 compound document: each ``$ref`` resolves inside
the file, with nothing to retrieve. The real ``check-jsonschema`` command (a test dependency), run with its
defaults on each published file, gives every seed example and golden payload the same verdict as ``check``'s
schema layer; so does ``jsonschema-rs`` compiling the file alone.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import jsonschema_rs
import pytest
import referencing
import referencing.exceptions
from referencing.jsonschema import DRAFT202012

import yc_contracts
from yc_contracts.schema import store
from yc_contracts.schema.bundle import BUNDLE_FILE, OPENAPI_FILE, SCHEMA_SUFFIX, compound_document
from yc_contracts.validation.validator import compiled_for

ROOT = Path(__file__).resolve().parent.parent.parent
SCHEMAS = ROOT / "schemas"
SEEDS = ROOT / "tests" / "data" / "seed_examples"
GOLDEN = ROOT / "tests" / "golden"
CHECK_JSONSCHEMA_TIMEOUT = 120  # seconds for one batch; a batch takes 0.3-3 s
OP = "yandex.cloud.operation.Operation"
V3 = "speechkit.stt.v3.RecognizeFileRequest"
URI = "https://storage.yandexcloud.net/bucket/audio.ogg"


def _published() -> dict[str, Any]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(SCHEMAS.glob("*.json"))}


# ------------------------------------------------------------------------------------------ self-contained


def unresolvable_refs(document: Any) -> list[str]:
    """Every ``$ref`` of ``document`` that does not resolve inside it (nothing is ever retrieved)."""

    def retrieve(uri: str) -> referencing.Resource[Any]:
        raise referencing.exceptions.NoSuchResource(ref=uri)

    resource = DRAFT202012.create_resource(document)
    base = resource.id() or "urn:yc-contracts:test:document-without-id"
    registry: referencing.Registry[Any] = referencing.Registry(retrieve=retrieve)
    resolver = registry.with_resource(base, resource).crawl().resolver(base)
    problems: list[str] = []

    def walk(node: Any, resolver: referencing.Resolver[Any]) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, resolver)
        if not isinstance(node, dict):
            return
        if isinstance(node.get("$id"), str):
            resolver = resolver.in_subresource(DRAFT202012.create_resource(node))
        ref = node.get("$ref")
        if isinstance(ref, str):
            try:
                resolver.lookup(ref)
            except referencing.exceptions.Unresolvable:
                problems.append(ref)
        for value in node.values():
            walk(value, resolver)

    walk(document, resolver)
    return problems


def test_unresolvable_refs_finds_references_that_leave_the_document() -> None:
    plain = store.documents()[OP]  # a generator document: refers to others by $id, embeds none
    assert "urn:yc-contracts:schema:google.protobuf.Any" in unresolvable_refs(plain)
    assert unresolvable_refs({"$id": "urn:a", "$defs": {"x": {"$ref": "#/$defs/y"}}}) == ["#/$defs/y"]
    assert unresolvable_refs({"$ref": "other.schema.json"}) == ["other.schema.json"]
    inner = {"$id": "urn:b", "$defs": {"c": {"type": "string"}}}
    assert unresolvable_refs({"$id": "urn:a", "$defs": {"b": inner}, "$ref": "urn:b#/$defs/c"}) == []


def test_every_published_document_is_self_contained() -> None:
    files = _published()
    assert len(files) == len(store.documents()) + 2  # one per document, the bundle, openapi.json
    for name, document in files.items():
        assert unresolvable_refs(document) == [], name
    assert all(ref.startswith("#/components/schemas/") for ref in _refs(files[OPENAPI_FILE]))


def test_jsonschema_rs_compiles_every_published_file_alone() -> None:
    for path in sorted(SCHEMAS.glob(f"*{SCHEMA_SUFFIX}")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        jsonschema_rs.validator_for(schema)  # raises on a reference it cannot resolve (it retrieves nothing here)
    with pytest.raises(ValueError, match="not present in a registry"):
        jsonschema_rs.validator_for(store.documents()[OP])  # what the files were before: refs to other files


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_published_file_is_schema_for_and_embeds_what_it_refers_to() -> None:
    docs = store.documents()
    for key, doc in docs.items():
        published = json.loads((SCHEMAS / f"{key}{SCHEMA_SUFFIX}").read_text(encoding="utf-8"))
        assert published == yc_contracts.schema_for(key) == compound_document(key, docs)
        assert {k: v for k, v in published.items() if k != "$defs"} == doc
        embedded = published.get("$defs", {})
        for name, document in embedded.items():
            assert document == docs[name]  # each embedded document keeps its own $id
        # Only what is referred to: the file would resolve without any document it embeds.
        referred = {ref.removeprefix("urn:yc-contracts:schema:").partition("#")[0] for ref in _refs(published)}
        assert set(embedded) == referred - {key}, key
    assert json.loads((SCHEMAS / BUNDLE_FILE).read_text(encoding="utf-8"))["$defs"] == docs
    assert "$defs" not in yc_contracts.schema_for("yandex.cloud.ai.ocr.v1.Vertex")  # refers to nothing
    operation = yc_contracts.schema_for(OP)["$defs"]  # reaches Any, which can hold any type
    assert {"google.protobuf.Any", "google.rpc.Status", "speechkit.stt.v3.RecognitionModelOptions"} <= set(operation)


# ------------------------------------------------------------------------------------------ one verdict


class Case(NamedTuple):
    name: str  # where it comes from, for messages
    key: str  # the schema document key
    text: str  # the JSON text, as the file holds it
    value: Any


def _plain_json(text: str) -> Any:
    """``text`` as a JSON value, or ``ValueError`` where ``check`` fails it before the schema layer (json.*)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({k for k, _ in items}) != len(items):
            raise ValueError("duplicate key")
        return dict(items)

    def number(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            raise ValueError("number out of range")
        return value

    def constant(literal: str) -> Any:
        raise ValueError(literal)

    value = json.loads(text, object_pairs_hook=pairs, parse_float=number, parse_constant=constant)
    json.dumps(value, ensure_ascii=False).encode("utf-8")  # a lone surrogate: UnicodeEncodeError, a ValueError
    return value


def _corpus() -> tuple[list[Case], list[str]]:
    """Seed examples and golden payloads that are JSON values; the names of those that are not."""
    cases: list[Case] = []
    not_json: list[str] = []
    for entry in json.loads((SEEDS / "index.json").read_text(encoding="utf-8")):
        text = (SEEDS / entry["file"]).read_text(encoding="utf-8")
        cases.append(Case(f"seed_examples/{entry['file']}", store.schema_key(entry["type"]), text, _plain_json(text)))
    for expected in sorted(GOLDEN.glob("*/*/*.expected.json")):
        stem = expected.name.removesuffix(".expected.json")
        (payload,) = [p for s in (".json", ".txt", ".bin") if (p := expected.with_name(stem + s)).exists()]
        name = payload.relative_to(GOLDEN.parent).as_posix()
        key = store.schema_key(json.loads(expected.read_text(encoding="utf-8"))["message"])
        try:
            text = payload.read_bytes().decode("utf-8")
            cases.append(Case(name, key, text, _plain_json(text)))
        except ValueError:
            not_json.append(name)
    return cases, not_json


def _ts(value: str) -> dict[str, Any]:
    return {"id": "op1", "done": False, "createdAt": value}


# Payloads aimed at the places where validators differ most: formats, enums, integers and floats as strings,
# field spellings, nulls, unknown fields, code points beyond the BMP.
EDGE_CASES: dict[str, list[Any]] = {
    OP: [
        *[
            _ts(t)
            for t in (
                "2024-02-29T00:00:00Z",
                "2000-02-29T23:59:59.999999999+23:59",
                "2019-02-29T00:00:00Z",
                "1900-02-29T00:00:00Z",
                "2026-04-31T00:00:00Z",
                "2026-11-20T10:00:00z",
                "2026-11-20t10:00:00Z",
                "2026-11-20T23:59:60Z",
                "2026-11-20T10:00:00+24:00",
                "0000-01-01T00:00:00Z",
                "2026-11-20T10:00:00Z\n",
                "2026-11-20T10:00:00.1234567890Z",
                "2026-11-20 10:00:00Z",
            )
        ],
        {"id": "op1", "done": True, "response": {"@type": "type.googleapis.com/google.protobuf.Empty"}},
        {"id": "op1", "done": True, "response": {"@type": "type.googleapis.com/google.protobuf.Empty", "x": 1}},
        {"id": "op1", "error": {"code": 3, "message": "bad", "details": [{"@type": "type.googleapis.com/nope"}]}},
        {"id": "op1", "error": {"code": "3"}},
        {"id": "op1", "error": {"code": "2147483648"}},
        {"id": "op1", "created_at": None, "createdBy": "\U0001f600"},
        {"id": "op1", "createdBy": "a", "created_by": "b"},
    ],
    V3: [
        {"uri": URI},
        {"uri": URI, "bogus": 1},
        {"uri": URI, "recognitionModel": {"audioFormat": {"containerAudio": {"containerAudioType": "WAV"}}}},
        {"uri": URI, "recognitionModel": {"audioFormat": {"containerAudio": {"containerAudioType": "LINEAR16"}}}},
        {"uri": URI, "recognitionModel": {"audioFormat": {"containerAudio": {"containerAudioType": 1}}}},
        {"uri": URI, "recognitionModel": {"audioFormat": {"containerAudio": {"containerAudioType": 1.0}}}},
        {"uri": URI, "recognitionModel": {"audioFormat": {"rawAudio": {"sampleRateHertz": "16000"}}}},
        {"uri": URI, "recognitionModel": {"audioFormat": {"rawAudio": {"sampleRateHertz": "1e3"}}}},
        {"uri": URI, "recognitionModel": {"audioFormat": {"rawAudio": {"sampleRateHertz": 99999999999999999999}}}},
        {"uri": URI, "speech_analysis": {"descriptiveStatisticsQuantiles": ["0.5", 0.9, "NaN", "1e400"]}},
        {"uri": URI, "speechAnalysis": {"descriptiveStatisticsQuantiles": [None]}},
        {"content": "AAEC", "recognitionModel": None},
        {"content": "AAE"},
        {"uri": ["not", "a", "string"]},
    ],
}


def _batches() -> dict[str, list[Case]]:
    cases, _ = _corpus()
    batches: dict[str, list[Case]] = {}
    for case in cases:
        batches.setdefault(case.key, []).append(case)
    for key, values in EDGE_CASES.items():
        for i, value in enumerate(values):
            batches[key].append(Case(f"edge case {i} of {key}: {json.dumps(value)}", key, json.dumps(value), value))
    return dict(sorted(batches.items()))


BATCHES = _batches()


def _schema_layer_accepts(key: str, value: Any) -> bool:
    return not compiled_for(key).schema_layer(value)


def _check_jsonschema(schema: Path, instances: list[Path]) -> dict[str, Any]:
    """The JSON report of the ``check-jsonschema`` command on ``instances``; fails the test if it cannot use
    ``schema`` or read an instance."""
    command = Path(sys.executable).with_name("check-jsonschema")
    assert command.exists(), f"{command}: check-jsonschema is a test dependency (pip install check-jsonschema)"
    result = subprocess.run(
        [str(command), "--schemafile", str(schema), "--output-format", "json", *map(str, instances)],
        capture_output=True,
        text=True,
        timeout=CHECK_JSONSCHEMA_TIMEOUT,
        check=False,
    )
    try:
        report: dict[str, Any] = json.loads(result.stdout)
    except ValueError:
        report = {}
    if result.returncode not in (0, 1) or report.get("status") not in ("ok", "fail"):
        pytest.fail(f"check-jsonschema cannot use {schema.name} (exit {result.returncode}):\n{result.stderr[-3000:]}")
    assert report.get("parse_errors", []) == []
    return report


def test_check_jsonschema_cannot_use_a_document_that_refers_outside_itself(tmp_path: Path) -> None:
    """The form the files had before (issue 12): ``Unresolvable: urn:yc-contracts:...``."""
    schema = tmp_path / "plain.schema.json"
    schema.write_text(json.dumps(store.documents()[OP]), encoding="utf-8")
    with pytest.raises(pytest.fail.Exception, match=r"(?s)cannot use plain\.schema\.json.*urn:yc-contracts:schema:"):
        _check_jsonschema(schema, [SEEDS / "ocr-v1-recognize-operation.json"])


def _disagreements(
    batch: list[Case], schema_accepts: Callable[[Case], bool], tool_accepts: Callable[[Case], bool]
) -> list[str]:
    out = []
    for case in batch:
        ours, theirs = schema_accepts(case), tool_accepts(case)
        if ours != theirs:
            out.append(f"{case.name}: check's schema layer says {_word(ours)}, the tool says {_word(theirs)}")
    return out


def _word(valid: bool) -> str:
    return "valid" if valid else "invalid"


@pytest.mark.parametrize("key", list(BATCHES))
def test_check_jsonschema_cli_gives_the_schema_layers_verdict(key: str, tmp_path: Path) -> None:
    batch = BATCHES[key]
    files: dict[str, Case] = {}
    for i, case in enumerate(batch):
        path = tmp_path / f"{i:03d}.json"
        path.write_text(case.text, encoding="utf-8")
        files[str(path)] = case
    report = _check_jsonschema(SCHEMAS / f"{key}{SCHEMA_SUFFIX}", [Path(p) for p in files])
    rejected = {error["filename"] for error in report.get("errors", [])}
    assert rejected <= set(files)
    by_case = {id(case): path not in rejected for path, case in files.items()}
    found = _disagreements(batch, lambda c: _schema_layer_accepts(c.key, c.value), lambda c: by_case[id(c)])
    assert not found, "\n".join(found)


@pytest.mark.parametrize("key", list(BATCHES))
def test_jsonschema_rs_gives_the_schema_layers_verdict(key: str) -> None:
    schema = json.loads((SCHEMAS / f"{key}{SCHEMA_SUFFIX}").read_text(encoding="utf-8"))
    validator = jsonschema_rs.validator_for(schema)  # the file alone: no registry, nothing to retrieve
    found = _disagreements(
        BATCHES[key], lambda c: _schema_layer_accepts(c.key, c.value), lambda c: validator.is_valid(c.value)
    )
    assert not found, "\n".join(found)


def test_the_corpus_exercises_both_verdicts_and_every_seed_type() -> None:
    cases, not_json = _corpus()
    verdicts = [_schema_layer_accepts(c.key, c.value) for batch in BATCHES.values() for c in batch]
    assert verdicts.count(True) >= 40
    assert verdicts.count(False) >= 60
    seeds = json.loads((SEEDS / "index.json").read_text(encoding="utf-8"))
    assert {store.schema_key(e["type"]) for e in seeds} <= set(BATCHES)
    assert len(cases) >= 120
    # Payloads check() rejects before the schema layer (json.* rules) have no schema-layer verdict to compare.
    assert len(not_json) <= 10, not_json
