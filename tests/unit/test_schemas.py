"""The published JSON Schemas: complete, valid 2020-12, faithful to ProtoJSON, and enforcing every rule.

Each case gives a payload and either ``None`` (accepted) or the JSON Pointer and rule id the reference
validator (``jsonschema``) must reject it with. Rule ids of type-level checks are ``None`` when the failing
schema is a plain type schema (no ``x-rule``), in which case only the path is asserted.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from schema_support import failures, is_valid

import yc_contracts
from yc_contracts.rules.ruleset import load_rules
from yc_contracts.schema import store

reg = yc_contracts.registry
V3 = "speechkit.stt.v3.RecognizeFileRequest"
V2 = "yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest"
SPEC = "yandex.cloud.ai.stt.v2.RecognitionSpec"
OCR = "yandex.cloud.ai.ocr.v1.RecognizeTextRequest"
OP = "yandex.cloud.operation.Operation"
OP_V2 = "yandex.cloud.ai.stt.v2.SttService.LongRunningRecognize.Operation"
WORD = "yandex.cloud.ai.stt.v2.WordInfo"
URI = "https://storage.yandexcloud.net/bucket/audio.ogg"


def test_every_message_has_a_schema() -> None:
    docs = store.documents()
    assert set(reg.messages()) <= set(docs)
    assert len(reg.messages()) == 81
    assert "google.rpc.Status" in docs
    assert {k for k in docs if k.endswith(".Operation") and k not in (OP, "yandex.cloud.api.Operation")} == {
        "yandex.cloud.ai.ocr.v1.TextRecognitionAsyncService.Recognize.Operation",
        OP_V2,
        "speechkit.stt.v3.AsyncRecognizer.RecognizeFile.Operation",
    }


def test_every_document_passes_the_meta_schema() -> None:
    for key, doc in store.documents().items():
        Draft202012Validator.check_schema(doc)
        assert doc["$id"] == f"urn:yc-contracts:schema:{key}"
    Draft202012Validator.check_schema(
        json.loads((Path(yc_contracts.__file__).parent / "schemas" / "bundle.schema.json").read_text())
    )


def test_openapi_is_valid() -> None:
    document = yc_contracts.openapi()
    validate_openapi(document)
    operations = [(verb.upper(), path) for path, item in document["paths"].items() for verb in item]
    assert len(operations) == 9
    assert ("GET", "/operations/{operation_id}:cancel") in operations
    get_recognition = document["paths"]["/stt/v3/getRecognition"]["get"]
    assert get_recognition["parameters"] == [
        {
            "name": "operationId",
            "in": "query",
            "required": True,
            "schema": {
                "allOf": [{"x-rule": "type.string", "type": "string"}, {"x-rule": "option.length", "maxLength": 50}]
            },
        }
    ]
    assert "application/x-ndjson" in get_recognition["responses"]["200"]["content"]
    long_running = document["paths"]["/speech/stt/v2/longRunningRecognize"]["post"]["responses"]["200"]
    assert long_running["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{OP_V2}"}


def _seed_examples() -> list[tuple[str, str]]:
    root = Path(__file__).parent.parent / "data" / "seed_examples"
    return [(e["file"], e["type"]) for e in json.loads((root / "index.json").read_text())]


@pytest.mark.parametrize(("file", "key"), _seed_examples())
def test_seed_examples_validate(file: str, key: str) -> None:
    payload = json.loads((Path(__file__).parent.parent / "data" / "seed_examples" / file).read_text())
    assert failures(key, payload) == []


def test_schema_for_is_self_contained() -> None:
    schema = yc_contracts.schema_for("POST /stt/v3/recognizeFileAsync")
    assert schema["title"] == V3
    plain = Draft202012Validator(schema)  # no registry: every reference is embedded
    assert plain.is_valid(
        {"uri": URI, "recognitionModel": {"audioFormat": {"containerAudio": {"containerAudioType": "WAV"}}}}
    )
    assert not plain.is_valid({"uri": URI, "recognitionModel": {"unknown": 1}})
    assert yc_contracts.schema_for(reg.message_class(V3))["title"] == V3
    assert yc_contracts.schema_for(OP_V2)["title"] == OP_V2
    schema["title"] = "changed"
    assert yc_contracts.schema_for(V3)["title"] == V3  # callers get copies


def test_schema_for_unknown_names() -> None:
    with pytest.raises(yc_contracts.UnknownNameError) as info:
        yc_contracts.schema_for("speechkit.stt.v3.RecognizeFileRequst")
    assert info.value.suggestions[0] == V3
    with pytest.raises(yc_contracts.UnknownNameError):
        yc_contracts.schema_for("POST /nowhere")


# ------------------------------------------------------------------------------------------ ProtoJSON

B64_STD = base64.b64encode(b"\xfb\xff\xfe hello").decode()
B64_URL = base64.urlsafe_b64encode(b"\xfb\xff\xfe hello").decode()

PROTOJSON_CASES: list[tuple[str, str, Any, str | None, str | None]] = [
    # (id, schema key, payload, None if accepted else the failing JSON Pointer, expected x-rule or None)
    ("json name", V3, {"uri": URI, "recognitionModel": {"model": "general"}}, None, None),
    ("proto name", V3, {"uri": URI, "recognition_model": {"model": "general"}}, None, None),
    ("both spellings", V3, {"uri": URI, "recognitionModel": {}, "recognition_model": {}}, "", "json.duplicate_field"),
    ("unknown top-level field", V3, {"uri": URI, "extra": 1}, "", None),
    (
        "unknown nested field",
        V3,
        {"uri": URI, "recognitionModel": {"audioFormat": {"rawAudio": {"x": 1}}}},
        "/recognitionModel/audioFormat/rawAudio",
        None,
    ),
    ("null means absent", V3, {"uri": URI, "recognitionModel": None, "content": None}, None, None),
    (
        "null in repeated",
        OCR,
        {"content": "AAAA", "mimeType": "PNG", "languageCodes": ["ru", None]},
        "/languageCodes/1",
        None,
    ),
    ("repeated null is absent", OCR, {"content": "AAAA", "mimeType": "PNG", "languageCodes": None}, None, None),
    ("int64 as string", SPEC, {"sampleRateHertz": "16000"}, None, None),
    ("int64 as integer", SPEC, {"sampleRateHertz": 16000}, None, None),
    ("int64 max as string", "speechkit.stt.v3.SilenceChunk", {"durationMs": "9223372036854775807"}, None, None),
    (
        "int64 overflow as string",
        "speechkit.stt.v3.SilenceChunk",
        {"durationMs": "9223372036854775808"},
        "/durationMs",
        None,
    ),
    ("int64 overflow as integer", "speechkit.stt.v3.SilenceChunk", {"durationMs": 2**63}, "/durationMs", None),
    ("int64 min", "speechkit.stt.v3.SilenceChunk", {"durationMs": "-9223372036854775808"}, None, None),
    ("int64 not a number", "speechkit.stt.v3.SilenceChunk", {"durationMs": "12a"}, "/durationMs", None),
    ("int64 fraction", "speechkit.stt.v3.SilenceChunk", {"durationMs": 1.5}, "/durationMs", None),
    ("int64 integral float", "speechkit.stt.v3.SilenceChunk", {"durationMs": 15.0}, None, None),
    ("int64 bool", "speechkit.stt.v3.SilenceChunk", {"durationMs": True}, "/durationMs", None),
    ("int32 range", "google.rpc.Status", {"code": "2147483648"}, "/code", None),
    ("int32 ok", "google.rpc.Status", {"code": -2147483648}, "/code", "operation.error_code"),
    ("float number", WORD, {"confidence": 0.75}, None, None),
    ("float numeric string", WORD, {"confidence": "0.75"}, None, None),
    ("float NaN string", WORD, {"confidence": "NaN"}, None, None),
    ("float Infinity string", WORD, {"confidence": "-Infinity"}, None, None),
    ("float too large", WORD, {"confidence": 1e39}, "/confidence", None),
    ("float bad string", WORD, {"confidence": "nan"}, "/confidence", None),
    ("double number", "speechkit.stt.v3.LanguageEstimation", {"probability": 1e300}, None, None),
    ("bytes standard", OCR, {"content": B64_STD, "mimeType": "PNG"}, None, None),
    ("bytes url-safe", OCR, {"content": B64_URL, "mimeType": "PNG"}, None, None),
    ("bytes unpadded", OCR, {"content": B64_STD.rstrip("="), "mimeType": "PNG"}, None, None),
    ("bytes junk", OCR, {"content": "AAAA*AAA", "mimeType": "PNG"}, "/content", None),
    ("bytes lone char", OCR, {"content": "AAAAA", "mimeType": "PNG"}, "/content", None),
    ("enum name", SPEC, {"audioEncoding": "MP3"}, None, None),
    ("enum number", SPEC, {"audioEncoding": 3}, None, None),
    ("enum unknown name", SPEC, {"audioEncoding": "FLAC"}, "/audioEncoding", None),
    ("enum unknown number", SPEC, {"audioEncoding": 9}, "/audioEncoding", None),
    ("bool", SPEC, {"profanityFilter": True}, None, None),
    ("bool as string", SPEC, {"profanityFilter": "true"}, "/profanityFilter", None),
    (
        "oneof two members",
        "speechkit.stt.v3.EouClassifierOptions",
        {"defaultClassifier": {}, "externalClassifier": {}},
        "",
        "oneof.at_most_one",
    ),
    (
        "oneof member null",
        "speechkit.stt.v3.EouClassifierOptions",
        {"defaultClassifier": {}, "externalClassifier": None},
        None,
        None,
    ),
    ("timestamp Z", OP, {"createdAt": "2026-11-20T10:00:00Z"}, None, None),
    ("timestamp offset and nanos", OP, {"createdAt": "2026-11-20T10:00:00.123456789+03:00"}, None, None),
    ("timestamp no zone", OP, {"createdAt": "2026-11-20T10:00:00"}, "/createdAt", None),
    ("timestamp year 0", OP, {"createdAt": "0000-01-01T00:00:00Z"}, "/createdAt", None),
    ("timestamp day 31 of April", OP, {"createdAt": "2026-04-31T00:00:00Z"}, "/createdAt", None),
    ("timestamp 10 fraction digits", OP, {"createdAt": "2026-11-20T10:00:00.1234567890Z"}, "/createdAt", None),
    ("duration", WORD, {"startTime": "1.500s"}, None, None),
    ("duration negative", WORD, {"startTime": "-0.000000001s"}, None, None),
    ("duration max", WORD, {"startTime": "315576000000s"}, None, None),
    ("duration beyond max", WORD, {"startTime": "315576000001s"}, "/startTime", None),
    ("duration ISO 8601", WORD, {"startTime": "PT1S"}, "/startTime", None),
    (
        "struct",
        "speechkit.stt.v3.JsonSchema",
        {"schema": {"type": "object", "nested": [1, None, {"a": True}]}},
        None,
        None,
    ),
    ("struct not an object", "speechkit.stt.v3.JsonSchema", {"schema": [1]}, "/schema", None),
    (
        "any with @type",
        OP,
        {
            "done": True,
            "response": {
                "@type": "type.googleapis.com/yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse",
                "chunks": [{"channelTag": "1", "alternatives": [{"text": "hi"}]}],
            },
        },
        None,
        None,
    ),
    ("any without @type", OP, {"done": True, "response": {"chunks": []}}, "/response", None),
    (
        "any unknown @type",
        OP,
        {"done": True, "response": {"@type": "type.googleapis.com/x.Y"}},
        "/response/@type",
        "any.type_url",
    ),
    (
        "any unknown field",
        OP,
        {
            "done": True,
            "response": {
                "@type": "type.googleapis.com/yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse",
                "chunkz": [],
            },
        },
        "/response",
        None,
    ),
    (
        "empty in any, python form",
        OP,
        {"done": True, "response": {"@type": "type.googleapis.com/google.protobuf.Empty"}},
        None,
        None,
    ),
    (
        "empty in any, value form",
        OP,
        {"done": True, "response": {"@type": "type.googleapis.com/google.protobuf.Empty", "value": {}}},
        None,
        None,
    ),
    (
        "wkt in any uses value",
        OP,
        {"done": True, "response": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1s"}},
        None,
        None,
    ),
    (
        "wkt in any without value",
        OP,
        {"done": True, "response": {"@type": "type.googleapis.com/google.protobuf.Duration"}},
        "/response",
        None,
    ),
    (
        "pinned operation response",
        OP_V2,
        {
            "done": True,
            "response": {
                "@type": "type.googleapis.com/yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse",
                "chunks": [],
            },
        },
        None,
        None,
    ),
    (
        "pinned operation other type",
        OP_V2,
        {"done": True, "response": {"@type": "type.googleapis.com/google.protobuf.Empty"}},
        "/response/@type",
        None,
    ),
    (
        "error details any",
        OP,
        {
            "done": True,
            "error": {
                "code": 3,
                "message": "bad",
                "details": [{"@type": "type.googleapis.com/google.protobuf.StringValue", "value": "why"}],
            },
        },
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("key", "payload", "path", "rule"), [c[1:] for c in PROTOJSON_CASES], ids=[c[0] for c in PROTOJSON_CASES]
)
def test_protojson(key: str, payload: Any, path: str | None, rule: str | None) -> None:
    found = failures(key, payload)
    if path is None:
        assert found == []
        return
    assert found, "expected a rejection"
    assert any(f.path == path for f in found), found
    if rule is not None:
        assert any(f.path == path and rule in f.rules for f in found), found


# ------------------------------------------------------------------------------------------ service rules

LPCM = {"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": "8000"}
RULE_CASES: list[tuple[str, str, Any, Any, str]] = [
    # (rule id, schema key, an accepted payload, a rejected payload, the JSON Pointer of the rejection)
    ("stt.v3.audio_source", V3, {"uri": URI}, {"uri": URI, "content": "AAAA"}, ""),
    ("stt.v3.audio_source", V3, {"content": "AAAA"}, {"recognitionModel": {"model": "general"}}, ""),
    (
        "stt.v3.audio_format",
        V3,
        {"uri": URI, "recognitionModel": {"audioFormat": {"rawAudio": {}}}},
        {"uri": URI, "recognitionModel": {"audioFormat": {}}},
        "/recognitionModel/audioFormat",
    ),
    (
        "stt.v3.audio_format",
        V3,
        {"uri": URI, "recognitionModel": {"audioFormat": {"containerAudio": {}}}},
        {"uri": URI, "recognitionModel": {"audioFormat": {"rawAudio": {}, "containerAudio": {}}}},
        "/recognitionModel/audioFormat",
    ),
    (
        "stt.v3.summarization_response_format",
        "speechkit.stt.v3.SummarizationProperty",
        {"instruction": "x", "jsonObject": True},
        {"jsonObject": True, "jsonSchema": {"schema": {}}},
        "",
    ),
    (
        "stt.v3.quantile_range",
        V3,
        {"uri": URI, "speechAnalysis": {"descriptiveStatisticsQuantiles": [0.1, 0.99]}},
        {"uri": URI, "speechAnalysis": {"descriptiveStatisticsQuantiles": [0.5, 1]}},
        "/speechAnalysis/descriptiveStatisticsQuantiles/1",
    ),
    ("stt.v2.audio_uri", V2, {"audio": {"uri": URI}}, {"config": {}}, ""),
    ("stt.v2.audio_uri", V2, {"audio": {"uri": URI}}, {"audio": {"uri": ""}}, "/audio/uri"),
    (
        "stt.v2.audio_uri_object_storage",
        V2,
        {"audio": {"uri": "https://my-bucket.storage.yandexcloud.net/a/b.wav"}},
        {"audio": {"uri": "https://example.com/a.wav"}},
        "/audio/uri",
    ),
    (
        "stt.v2.lpcm_sample_rate_required",
        V2,
        {"audio": {"uri": URI}, "config": {"specification": LPCM}},
        {"audio": {"uri": URI}, "config": {"specification": {"audioEncoding": "LINEAR16_PCM"}}},
        "/config/specification",
    ),
    ("stt.v2.lpcm_sample_rate", SPEC, {"sampleRateHertz": 48000}, {"sampleRateHertz": "44100"}, "/sampleRateHertz"),
    ("ocr.v1.content_required", OCR, {"content": "AAAA", "mimeType": "JPEG"}, {"mimeType": "JPEG"}, ""),
    (
        "ocr.v1.mime_type",
        OCR,
        {"content": "AAAA", "mimeType": "application/pdf"},
        {"content": "AAAA", "mimeType": "image/gif"},
        "/mimeType",
    ),
    (
        "ocr.v1.language_code",
        OCR,
        {"content": "AAAA", "mimeType": "PNG", "languageCodes": ["ru", "*"]},
        {"content": "AAAA", "mimeType": "PNG", "languageCodes": ["ru", "rus"]},
        "/languageCodes/1",
    ),
    (
        "option.length",
        OCR,
        {"content": "AAAA", "mimeType": "PNG", "model": "m" * 50},
        {"content": "AAAA", "mimeType": "PNG", "model": "m" * 51},
        "/model",
    ),
    (
        "option.length",
        "speechkit.stt.v3.GetRecognitionRequest",
        {"operationId": "x" * 50},
        {"operationId": "x" * 51},
        "/operationId",
    ),
    (
        "operation.operation_id_length",
        "yandex.cloud.operation.GetOperationRequest",
        {"operationId": "x" * 50},
        {"operationId": "x" * 51},
        "/operationId",
    ),
    (
        "operation.cancel_operation_id_length",
        "yandex.cloud.operation.CancelOperationRequest",
        {"operationId": "x"},
        {"operationId": "x" * 51},
        "/operationId",
    ),
    ("operation.description_length", OP, {"description": "d" * 256}, {"description": "d" * 257}, "/description"),
    ("operation.done_result", OP, {"done": True, "error": {"code": 5}}, {"done": True}, ""),
    (
        "operation.pending_no_response",
        OP,
        {"done": False, "error": {"code": 1}},
        {"done": False, "response": {"@type": "type.googleapis.com/google.protobuf.Empty"}},
        "",
    ),
    ("operation.pending_no_response", OP, {}, {"response": {"@type": "type.googleapis.com/google.protobuf.Empty"}}, ""),
    (
        "operation.error_code",
        OP,
        {"done": True, "error": {"code": 16}},
        {"done": True, "error": {"code": 17}},
        "/error/code",
    ),
]


@pytest.mark.parametrize(("rule", "key", "good", "bad", "path"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_rule(rule: str, key: str, good: Any, bad: Any, path: str) -> None:
    assert failures(key, good) == []
    found = failures(key, bad)
    assert any(f.path == path and rule in f.rules for f in found), found


# Rules whose cases need payloads too big for the table; each has a test of its own below.
COVERED_ELSEWHERE = {"ocr.v1.content_size": "test_content_size_bound_is_exact_at_the_limit"}


def test_every_error_rule_has_a_case() -> None:
    rules = load_rules(reg)
    errors = {r.id for r in rules.rules if r.severity == "error"}
    assert errors <= {c[0] for c in RULE_CASES} | set(COVERED_ELSEWHERE)
    assert all(name in globals() for name in COVERED_ELSEWHERE.values())


@pytest.mark.parametrize(
    ("key", "payload"),
    [
        (V3, {"uri": URI, "recognitionModel": {"model": "not-a-documented-model"}}),
        (V3, {"uri": URI, "recognitionModel": {"audioProcessingType": "REAL_TIME"}}),
        (SPEC, {"audioEncoding": "MP3", "audioChannelCount": "2"}),
        (OCR, {"content": "AAAA", "mimeType": "PNG", "model": "handwritten"}),
    ],
)
def test_warnings_are_not_schema_errors(key: str, payload: Any) -> None:
    """Warning-severity rules describe what the service accepts; a schema must not reject it."""
    assert is_valid(key, payload)


def test_documented_defaults_are_recorded() -> None:
    props = store.documents()[SPEC]["properties"]
    assert props["languageCode"]["default"] == "ru-RU"
    assert props["audioEncoding"]["default"] == "OGG_OPUS"
    assert props["sampleRateHertz"]["default"] == "48000"
    assert props["audioChannelCount"]["default"] == "1"
    assert props["model"]["default"] == "general"
    assert store.documents()[OCR]["properties"]["model"]["default"] == "page"


def test_content_size_bound_is_exact_at_the_limit() -> None:
    """20 MiB decoded is the limit: the base64 length bound accepts exactly that and rejects one byte more."""
    limit = 20 * 1024 * 1024
    schema = store.documents()[OCR]
    rule = next(c for c in schema["allOf"] if c.get("x-rule") == "ocr.v1.content_size")
    forms = rule["properties"]["content"]["anyOf"]
    bounded = Draft202012Validator({"anyOf": forms})
    for size in (limit - 1, limit):
        for text in (base64.b64encode(b"\0" * size).decode(), base64.b64encode(b"\0" * size).decode().rstrip("=")):
            assert bounded.is_valid(text), (size, len(text))
    too_big = base64.b64encode(b"\0" * (limit + 1)).decode()
    for text in (too_big, too_big.rstrip("=")):
        assert not bounded.is_valid(text)
    assert failures(OCR, {"content": "AAAA", "mimeType": "PNG"}) == []
    found = failures(OCR, {"content": too_big, "mimeType": "PNG"})
    assert [(f.path, "ocr.v1.content_size" in f.rules) for f in found] == [("/content", True)]
