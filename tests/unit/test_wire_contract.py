"""protos/ reproduces the official wire contract exactly: 2,860 facts, 0 mismatches.

Checked three times over: the .proto sources compiled now, the descriptor set shipped in the package, and the
descriptors the running package actually registered in its private pool.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import generate
import pytest
import wire_facts
from google.protobuf import descriptor_pb2

import yc_contracts

EXPECTED_FACTS = 2860


def _compile(protos: Path, tmp_path: Path) -> descriptor_pb2.FileDescriptorSet:
    out = tmp_path / "contract.binpb"
    generate.compile_descriptor_set(protos, out)
    return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


def test_protos_match_every_fact(repo_root: Path, contract_table: dict[str, Any], tmp_path: Path) -> None:
    matched, total, problems = wire_facts.compare(contract_table, _compile(repo_root / "protos", tmp_path))
    print(f"wire-compat: {matched} of {total} facts match")
    assert problems == []
    assert (matched, total) == (EXPECTED_FACTS, EXPECTED_FACTS)


def test_shipped_descriptor_set_matches(contract_table: dict[str, Any]) -> None:
    matched, total, problems = wire_facts.compare(contract_table, yc_contracts.registry.file_descriptor_set())
    assert problems == []
    assert (matched, total) == (EXPECTED_FACTS, EXPECTED_FACTS)


def test_runtime_pool_matches(contract_table: dict[str, Any]) -> None:
    """The descriptors the generated modules registered are the contract too (json_name as the runtime sees it)."""
    reg = yc_contracts.registry
    fds = descriptor_pb2.FileDescriptorSet()
    seen: set[str] = set()

    def add(file: Any) -> None:
        if file.name in seen:
            return
        seen.add(file.name)
        for dep in file.dependencies:
            add(dep)
        proto = fds.file.add()
        file.CopyToProto(proto)
        # Python gencode leaves json_name out of its embedded descriptors; the runtime derives it.
        for msg_proto, msg_desc in _walk(proto.message_type, file.message_types_by_name.values()):
            for field_proto in msg_proto.field:
                field_proto.json_name = msg_desc.fields_by_name[field_proto.name].json_name

    for name in reg.files:
        add(reg.descriptor_pool.FindFileByName(name))
    matched, total, problems = wire_facts.compare(contract_table, fds)
    assert problems == []
    assert (matched, total) == (EXPECTED_FACTS, EXPECTED_FACTS)


def _walk(protos: Any, descs: Any) -> Any:
    by_name = {d.name: d for d in descs}
    for proto in protos:
        desc = by_name[proto.name]
        yield proto, desc
        yield from _walk(proto.nested_type, desc.nested_types)


def test_contract_counts(contract_table: dict[str, Any]) -> None:
    counts = contract_table["header"]["counts"]
    assert len(contract_table["messages"]) == counts["messages"] == 81
    assert sum(len(m["fields"]) for m in contract_table["messages"].values()) == counts["fields"] == 255
    assert len(contract_table["services"]) == counts["services"] == 6
    assert sum(len(s["methods"]) for s in contract_table["services"].values()) == counts["methods"] == 11
    assert len(list(wire_facts.facts(contract_table))) == EXPECTED_FACTS


MUTATIONS = [
    # (file, old text, new text, the problem line the check must report)
    (
        "yandex/cloud/ai/stt/v2/stt_service.proto",
        "int64 sample_rate_hertz = 2;",
        "int64 sample_rate_hertz = 12;",
        "DIFF field yandex.cloud.ai.stt.v2.RecognitionSpec.sample_rate_hertz number: expected 2, got 12",
    ),
    (
        "yandex/cloud/ai/ocr/v1/ocr_service.proto",
        'string model = 4 [(yandex.cloud.length) = "<=50"];',
        'string model = 4 [(yandex.cloud.length) = "<=51"];',
        "DIFF field yandex.cloud.ai.ocr.v1.RecognizeTextRequest.model validation: "
        "expected {'yandex.cloud.length': '<=50'}, got {'yandex.cloud.length': '<=51'}",
    ),
    (
        "yandex/cloud/ai/stt/v3/stt_service.proto",
        'post: "/stt/v3/recognizeFileAsync"',
        'put: "/stt/v3/recognizeFileAsync"',
        "DIFF method speechkit.stt.v3.AsyncRecognizer.RecognizeFile http: expected {'verb': 'post',",
    ),
    (
        "yandex/cloud/ai/stt/v3/stt.proto",
        "int64 duration_ms = 1;",
        "int32 duration_ms = 1;",
        "DIFF field speechkit.stt.v3.SilenceChunk.duration_ms type: expected 'TYPE_INT64', got 'TYPE_INT32'",
    ),
    (
        "yandex/cloud/operation/operation.proto",
        "string description = 2;",
        "string descr = 2;",
        "MISSING field yandex.cloud.operation.Operation.description number",
    ),
]


@pytest.mark.parametrize(("path", "old", "new", "expected"), MUTATIONS, ids=[m[3].split(":")[0] for m in MUTATIONS])
def test_a_changed_fact_is_reported(
    repo_root: Path, contract_table: dict[str, Any], tmp_path: Path, path: str, old: str, new: str, expected: str
) -> None:
    protos = tmp_path / "protos"
    shutil.copytree(repo_root / "protos", protos)
    source = protos / path
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"mutation anchor {old!r} not found once in {path}"
    source.write_text(text.replace(old, new), encoding="utf-8")
    matched, total, problems = wire_facts.compare(contract_table, _compile(protos, tmp_path))
    assert total == EXPECTED_FACTS
    assert matched < total
    assert any(p.startswith(expected) for p in problems), problems


def test_documented_endpoints_are_the_reference_ones(contract_table: dict[str, Any]) -> None:
    """The gateway's default upstreams (contract/endpoints.py) are the reference's ``endpoints.by_service``."""
    from yc_contracts.contract.endpoints import DOCUMENTED_ENDPOINTS, documented_endpoint

    expected: dict[str, str] = {}
    for service, entry in contract_table["endpoints"]["by_service"].items():
        if "methods" in entry:
            for method, where in entry["methods"].items():
                expected[f"{service}/{method}"] = where["grpc"]
        else:
            expected[service] = entry["grpc"]
    assert dict(DOCUMENTED_ENDPOINTS) == expected
    routed = {(m.service, m.name) for m in yc_contracts.registry.methods() if m.routes}
    assert all(documented_endpoint(service, name) for service, name in routed)
    assert documented_endpoint("yandex.cloud.ai.stt.v2.SttService", "LongRunningRecognize") == (
        "transcribe.api.cloud.yandex.net:443"
    )


def test_documented_rest_bases_are_the_reference_ones(contract_table: dict[str, Any]) -> None:
    """The REST client's default base URLs are the reference's ``rest_base`` (and STT v2's method ``rest``)."""
    from yc_contracts.contract.endpoints import DOCUMENTED_REST_BASES

    expected: dict[str, str] = {}
    for service, entry in contract_table["endpoints"]["by_service"].items():
        for method, where in entry.get("methods", {}).items():
            if where["rest"]:
                expected[f"{service}/{method}"] = where["rest"].split("/speech/")[0]
        if entry.get("rest_base"):
            expected[service] = entry["rest_base"]
    assert dict(DOCUMENTED_REST_BASES) == expected
