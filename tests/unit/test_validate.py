"""validate / check / iter_violations: the API, every rule id with an accepted and a rejected payload, bad input."""

from __future__ import annotations

import base64
import json
import pickle
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from forms_support import BASE, compile_forms

import yc_contracts
from yc_contracts import ValidationError, Violation
from yc_contracts.rules.ruleset import resolve_limits
from yc_contracts.validation.validator import Compiled

V3 = "speechkit.stt.v3.RecognizeFileRequest"
V2 = "yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest"
SPEC = "yandex.cloud.ai.stt.v2.RecognitionSpec"
OCR = "yandex.cloud.ai.ocr.v1.RecognizeTextRequest"
OP = "yandex.cloud.operation.Operation"
URI = "https://storage.yandexcloud.net/bucket/audio.wav"


def png(width: int, height: int) -> bytes:
    """A real (tiny) PNG header and image of the given size claim."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0\0")) + chunk(b"IEND", b"")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


IMG = b64(png(2, 2))  # a real PNG, for OCR payloads whose content is not the point


def triples(found: list[Violation]) -> set[tuple[str, str, str]]:
    return {(v.path, v.rule, v.severity) for v in found}


# ------------------------------------------------------------------------------------------------- API


def test_valid_payload() -> None:
    payload = {"uri": URI, "recognitionModel": {"model": "general"}}
    assert yc_contracts.check(V3, payload) == []
    yc_contracts.validate(V3, payload)
    yc_contracts.validate("POST /stt/v3/recognizeFileAsync", payload)
    yc_contracts.validate(yc_contracts.registry.message_class(V3), json.dumps(payload))
    yc_contracts.validate(V3, json.dumps(payload).encode())


def test_validate_raises_with_every_error() -> None:
    bad = {"content": "AAAA", "uri": URI, "bogus": 1, "recognitionModel": {"model": 1}}
    with pytest.raises(ValidationError) as info:
        yc_contracts.validate(V3, bad)
    err = info.value
    assert isinstance(err, ValueError)
    assert isinstance(err, yc_contracts.YcContractsError)
    assert triples(list(err.violations)) == {
        ("", "stt.v3.audio_source", "error"),
        ("/bogus", "json.unknown_field", "error"),
        ("/recognitionModel/model", "type.string", "error"),
    }
    assert "3 violations" in str(err)
    copy = pickle.loads(pickle.dumps(err))
    assert copy.violations == err.violations


def test_warnings_do_not_raise() -> None:
    payload = {"uri": URI, "recognitionModel": {"model": "my-model"}}
    yc_contracts.validate(V3, payload)
    assert triples(yc_contracts.check(V3, payload)) == {
        ("/recognitionModel/model", "stt.v3.recognize_file_model", "warning")
    }


def test_iterator_is_lazy_and_equal() -> None:
    bad = {"uri": URI, "content": "AAAA"}
    iterator = yc_contracts.iter_violations(V3, bad)
    assert not isinstance(iterator, list)
    assert list(iterator) == yc_contracts.check(V3, bad)


def test_violation_is_a_frozen_hashable_value() -> None:
    v = Violation("/a", "type.int64", "found 'x'; expected an integer", "error")
    assert v.to_dict() == {
        "path": "/a",
        "rule": "type.int64",
        "message": "found 'x'; expected an integer",
        "severity": "error",
    }
    assert {v, Violation("/a", "type.int64", "found 'x'; expected an integer", "error")} == {v}
    with pytest.raises(AttributeError):
        v.path = "/b"  # type: ignore[misc]


def test_protobuf_message_payloads() -> None:
    reg = yc_contracts.registry
    cls = reg.message_class(V2)
    ok = cls()
    ok.audio.uri = URI
    assert yc_contracts.check(V2, ok) == []
    built_in_code = cls()
    built_in_code.config.specification.audio_encoding = 1  # LINEAR16_PCM without a sample rate
    built_in_code.audio.uri = "https://example.com/a.wav"
    assert triples(yc_contracts.check(V2, built_in_code)) == {
        ("/config/specification/sampleRateHertz", "stt.v2.lpcm_sample_rate_required", "error"),
        ("/audio/uri", "stt.v2.audio_uri_object_storage", "error"),
    }
    with pytest.raises(TypeError, match="RecognizeFileRequest"):
        yc_contracts.check(V2, reg.message_class(V3)())


def test_unknown_message_name() -> None:
    with pytest.raises(yc_contracts.UnknownNameError) as info:
        yc_contracts.check("speechkit.stt.v3.RecognizeFileReq", {})
    assert V3 in info.value.suggestions


def test_limits_override() -> None:
    content = b64(png(10, 10))
    payload = {"content": content, "mimeType": "PNG"}
    assert yc_contracts.check(OCR, payload) == []
    found = yc_contracts.check(OCR, payload, limits={"ocr.max_file_bytes": 10})
    assert triples(found) == {("/content", "ocr.v1.content_size", "error")}
    found = yc_contracts.check(OCR, payload, limits={"ocr.max_pixels": 99})
    assert triples(found) == {("/content", "content.too_many_pixels", "error")}
    assert (
        yc_contracts.check(
            SPEC, {"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": 22050}, limits={"stt.v2.sample_rates": [22050]}
        )
        == []
    )
    with pytest.raises(yc_contracts.UnknownNameError):
        yc_contracts.check(OCR, payload, limits={"ocr.max_file_byte": 10})
    with pytest.raises(TypeError):
        yc_contracts.check(OCR, payload, limits={"ocr.max_file_bytes": "10"})
    assert resolve_limits(None)["ocr.max_pixels"] == 20_000_000


def test_inspect_content_can_be_turned_off() -> None:
    payload = {"content": b64(png(5000, 5000)), "mimeType": "PNG"}
    assert triples(yc_contracts.check(OCR, payload)) == {("/content", "content.too_many_pixels", "error")}
    assert yc_contracts.check(OCR, payload, inspect_content=False) == []


# ------------------------------------------------------------------------------------------ every rule id

# (rule, message, accepted payload, rejected payload, path, severity)
RULES: list[tuple[str, str, Any, Any, str, str]] = [
    ("type.int64", SPEC, {"sampleRateHertz": "8000"}, {"sampleRateHertz": "8k"}, "/sampleRateHertz", "error"),
    ("type.int32", "google.rpc.Status", {"code": 3}, {"code": "3.5"}, "/code", "error"),
    ("type.float", "yandex.cloud.ai.stt.v2.WordInfo", {"confidence": 1}, {"confidence": [1]}, "/confidence", "error"),
    (
        "type.double",
        "speechkit.stt.v3.LanguageEstimation",
        {"probability": "0.5"},
        {"probability": "half"},
        "/probability",
        "error",
    ),
    ("type.bool", SPEC, {"profanityFilter": False}, {"profanityFilter": 0}, "/profanityFilter", "error"),
    ("type.string", SPEC, {"model": "general"}, {"model": ["general"]}, "/model", "error"),
    (
        "type.bytes",
        OCR,
        {"content": IMG, "mimeType": "PNG"},
        {"content": "QUJD!", "mimeType": "PNG"},
        "/content",
        "error",
    ),
    ("type.enum", SPEC, {"audioEncoding": "MP3"}, {"audioEncoding": "mp3"}, "/audioEncoding", "error"),
    (
        "type.message",
        V3,
        {"uri": URI, "recognitionModel": {}},
        {"uri": URI, "recognitionModel": "general"},
        "/recognitionModel",
        "error",
    ),
    (
        "type.repeated",
        OCR,
        {"content": IMG, "mimeType": "PNG", "languageCodes": ["ru"]},
        {"content": IMG, "mimeType": "PNG", "languageCodes": "ru"},
        "/languageCodes",
        "error",
    ),
    (
        "type.timestamp",
        OP,
        {"createdAt": "2024-02-29T00:00:00Z"},
        {"createdAt": "2023-02-29T00:00:00Z"},
        "/createdAt",
        "error",
    ),
    (
        "type.duration",
        "yandex.cloud.ai.stt.v2.WordInfo",
        {"startTime": "0.5s"},
        {"startTime": "500ms"},
        "/startTime",
        "error",
    ),
    ("type.struct", "speechkit.stt.v3.JsonSchema", {"schema": {"a": [1]}}, {"schema": "{}"}, "/schema", "error"),
    (
        "type.any",
        OP,
        {"done": True, "response": {"@type": "type.googleapis.com/google.protobuf.Empty"}},
        {"done": True, "response": {}},
        "/response",
        "error",
    ),
    (
        "any.type_url",
        OP,
        {"metadata": {"@type": "type.googleapis.com/google.protobuf.Empty"}},
        {"metadata": {"@type": "type.googleapis.com/no.Such"}},
        "/metadata/@type",
        "error",
    ),
    (
        "json.unknown_field",
        V3,
        {"uri": URI},
        {"uri": URI, "recognitionModel": {"modle": "general"}},
        "/recognitionModel/modle",
        "error",
    ),
    (
        "json.duplicate_field",
        SPEC,
        {"sampleRateHertz": 8000},
        {"sampleRateHertz": 8000, "sample_rate_hertz": 8000},
        "/sample_rate_hertz",
        "error",
    ),
    ("oneof.at_most_one", "speechkit.stt.v3.StreamingRequest", {"eou": {}}, {"eou": {}, "chunk": {}}, "", "error"),
    (
        "option.required",
        "yandex.cloud.operation.GetOperationRequest",
        {"operationId": "x"},
        {"operationId": ""},
        "/operationId",
        "error",
    ),
    (
        "option.length",
        "speechkit.stt.v3.GetRecognitionRequest",
        {"operationId": "x" * 50},
        {"operationId": "x" * 51},
        "/operationId",
        "error",
    ),
    ("stt.v3.audio_source", V3, {"content": "QUJD"}, {}, "", "error"),
    (
        "stt.v3.audio_format",
        V3,
        {"uri": URI, "recognitionModel": {"audioFormat": {"rawAudio": {}}}},
        {"uri": URI, "recognitionModel": {"audioFormat": {}}},
        "/recognitionModel/audioFormat",
        "error",
    ),
    (
        "stt.v3.summarization_response_format",
        "speechkit.stt.v3.SummarizationProperty",
        {"jsonObject": True},
        {"jsonObject": True, "jsonSchema": {}},
        "",
        "error",
    ),
    (
        "stt.v3.quantile_range",
        "speechkit.stt.v3.SpeechAnalysisOptions",
        {"descriptiveStatisticsQuantiles": [0.9]},
        {"descriptiveStatisticsQuantiles": [0.9, 0]},
        "/descriptiveStatisticsQuantiles/1",
        "error",
    ),
    (
        "stt.v3.recognize_file_model",
        V3,
        {"uri": URI, "recognitionModel": {"model": "deferred-general"}},
        {"uri": URI, "recognitionModel": {"model": "general:v2"}},
        "/recognitionModel/model",
        "warning",
    ),
    (
        "stt.v3.audio_processing_type_ignored",
        V3,
        {"uri": URI, "recognitionModel": {}},
        {"uri": URI, "recognitionModel": {"audioProcessingType": "FULL_DATA"}},
        "/recognitionModel/audioProcessingType",
        "warning",
    ),
    ("stt.v2.audio_uri", V2, {"audio": {"uri": URI}}, {"audio": {}}, "/audio/uri", "error"),
    (
        "stt.v2.audio_uri_object_storage",
        V2,
        {"audio": {"uri": URI}},
        {"audio": {"uri": "s3://bucket/a.wav"}},
        "/audio/uri",
        "error",
    ),
    (
        "stt.v2.lpcm_sample_rate_required",
        SPEC,
        {"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": 16000},
        {"audioEncoding": "LINEAR16_PCM"},
        "/sampleRateHertz",
        "error",
    ),
    (
        "stt.v2.lpcm_sample_rate",
        SPEC,
        {"sampleRateHertz": "16000"},
        {"sampleRateHertz": "11025"},
        "/sampleRateHertz",
        "error",
    ),
    (
        "stt.v2.channel_count_container",
        SPEC,
        {"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": 8000, "audioChannelCount": 2},
        {"audioChannelCount": 2},
        "/audioChannelCount",
        "warning",
    ),
    ("ocr.v1.content_required", OCR, {"content": IMG, "mimeType": "PNG"}, {"mimeType": "PNG"}, "/content", "error"),
    (
        "ocr.v1.mime_type",
        OCR,
        {"content": IMG, "mimeType": "image/png"},
        {"content": IMG, "mimeType": "GIF"},
        "/mimeType",
        "error",
    ),
    (
        "ocr.v1.model",
        OCR,
        {"content": IMG, "mimeType": "PNG", "model": "passport"},
        {"content": IMG, "mimeType": "PNG", "model": "receipt"},
        "/model",
        "warning",
    ),
    (
        "ocr.v1.language_code",
        OCR,
        {"content": IMG, "mimeType": "PNG", "languageCodes": ["*"]},
        {"content": IMG, "mimeType": "PNG", "languageCodes": ["RU"]},
        "/languageCodes/0",
        "error",
    ),
    (
        "operation.operation_id_length",
        "yandex.cloud.operation.GetOperationRequest",
        {"operationId": "o" * 50},
        {"operationId": "o" * 51},
        "/operationId",
        "error",
    ),
    (
        "operation.cancel_operation_id_length",
        "yandex.cloud.operation.CancelOperationRequest",
        {"operationId": "o" * 50},
        {"operationId": "o" * 51},
        "/operationId",
        "error",
    ),
    (
        "operation.description_length",
        OP,
        {"description": "d" * 256},
        {"description": "d" * 257},
        "/description",
        "error",
    ),
    ("operation.done_result", OP, {"done": True, "error": {"code": 13}}, {"done": True}, "", "error"),
    (
        "operation.pending_no_response",
        OP,
        {"done": False},
        {"response": {"@type": "type.googleapis.com/google.protobuf.Empty"}},
        "/response",
        "error",
    ),
    (
        "operation.error_code",
        OP,
        {"done": True, "error": {"code": 0}},
        {"done": True, "error": {"code": -1}},
        "/error/code",
        "error",
    ),
    ("json.invalid", V3, '{"uri": "x"}', '{"uri": "x"', "", "error"),
    ("json.invalid_utf8", V3, '{"uri": "é"}'.encode(), b'{"uri": "\xe9"}', "", "error"),
    ("json.duplicate_key", V3, '{"uri": "x"}', '{"uri": "x", "uri": "y"}', "", "error"),
    ("json.nan", "speechkit.stt.v3.LanguageEstimation", '{"probability": "NaN"}', '{"probability": NaN}', "", "error"),
    (
        "json.nan",
        "speechkit.stt.v3.LanguageEstimation",
        {"probability": 0.5},
        {"probability": float("inf")},
        "/probability",
        "error",
    ),
    ("json.type", V3, {"uri": URI}, {"uri": {1, 2}}, "/uri", "error"),
    ("json.surrogate", V3, {"uri": URI}, {"uri": "a\ud800"}, "/uri", "error"),
    (
        "json.number_too_long",
        "speechkit.stt.v3.RawAudio",
        '{"sampleRateHertz": 8000}',
        '{"sampleRateHertz": ' + "9" * 4301 + "}",
        "",
        "error",
    ),
    (
        "proto.too_deep",
        "speechkit.stt.v3.JsonSchema",
        {"schema": {"a": [[[[1]]]]}},
        {
            "schema": {
                "a": [
                    [
                        [
                            [
                                [
                                    [
                                        [
                                            [
                                                [
                                                    [
                                                        [
                                                            [
                                                                [
                                                                    [
                                                                        [
                                                                            [
                                                                                [
                                                                                    [
                                                                                        [
                                                                                            [
                                                                                                [
                                                                                                    [
                                                                                                        [
                                                                                                            [
                                                                                                                [
                                                                                                                    [
                                                                                                                        [
                                                                                                                            [
                                                                                                                                [
                                                                                                                                    [
                                                                                                                                        [
                                                                                                                                            [
                                                                                                                                                [
                                                                                                                                                    [
                                                                                                                                                        [
                                                                                                                                                            [
                                                                                                                                                                [
                                                                                                                                                                    [
                                                                                                                                                                        [
                                                                                                                                                                            [
                                                                                                                                                                                [
                                                                                                                                                                                    [
                                                                                                                                                                                        [
                                                                                                                                                                                            [
                                                                                                                                                                                                [
                                                                                                                                                                                                    [
                                                                                                                                                                                                        [
                                                                                                                                                                                                            [
                                                                                                                                                                                                                [
                                                                                                                                                                                                                    [
                                                                                                                                                                                                                        [
                                                                                                                                                                                                                            1
                                                                                                                                                                                                                        ]
                                                                                                                                                                                                                    ]
                                                                                                                                                                                                                ]
                                                                                                                                                                                                            ]
                                                                                                                                                                                                        ]
                                                                                                                                                                                                    ]
                                                                                                                                                                                                ]
                                                                                                                                                                                            ]
                                                                                                                                                                                        ]
                                                                                                                                                                                    ]
                                                                                                                                                                                ]
                                                                                                                                                                            ]
                                                                                                                                                                        ]
                                                                                                                                                                    ]
                                                                                                                                                                ]
                                                                                                                                                            ]
                                                                                                                                                        ]
                                                                                                                                                    ]
                                                                                                                                                ]
                                                                                                                                            ]
                                                                                                                                        ]
                                                                                                                                    ]
                                                                                                                                ]
                                                                                                                            ]
                                                                                                                        ]
                                                                                                                    ]
                                                                                                                ]
                                                                                                            ]
                                                                                                        ]
                                                                                                    ]
                                                                                                ]
                                                                                            ]
                                                                                        ]
                                                                                    ]
                                                                                ]
                                                                            ]
                                                                        ]
                                                                    ]
                                                                ]
                                                            ]
                                                        ]
                                                    ]
                                                ]
                                            ]
                                        ]
                                    ]
                                ]
                            ]
                        ]
                    ]
                ]
            }
        },
        "/schema/a" + "/0" * 49,
        "error",
    ),
    (
        "limit.violations",
        V3,
        {"uri": URI, "speechAnalysis": {"descriptiveStatisticsQuantiles": [0.5] * 1001}},
        {"uri": URI, "speechAnalysis": {"descriptiveStatisticsQuantiles": ["x"] * 1001}},
        "",
        "error",
    ),
    (
        "content.truncated",
        V3,
        {
            "content": b64(
                b"RIFF\xff\xff\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x80>\0\0\0}\0\0\x02\0\x10\0data\x04\0\0\0\0\0\0\0"
            ),
            "recognitionModel": {"audioFormat": {"containerAudio": {"containerAudioType": "WAV"}}},
        },
        {
            "content": b64(
                b"RIFF\xff\xff\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x80>\0\0\0}\0\0\x02\0\x10\0data\x00\x10\0\0\0\0\0\0"
            ),
            "recognitionModel": {"audioFormat": {"containerAudio": {"containerAudioType": "WAV"}}},
        },
        "/content",
        "warning",
    ),
    (
        "content.format_mismatch",
        OCR,
        {"content": b64(png(2, 2)), "mimeType": "image/png"},
        {"content": b64(png(2, 2)), "mimeType": "JPEG"},
        "/mimeType",
        "error",
    ),
    (
        "content.unsupported_format",
        OCR,
        {"content": b64(png(2, 2)), "mimeType": "PNG"},
        {"content": b64(b"GIF89a" + b"\0" * 20), "mimeType": "PNG"},
        "/content",
        "error",
    ),
    (
        "content.unreadable",
        OCR,
        {"content": b64(png(2, 2)), "mimeType": "PNG"},
        {"content": b64(png(2, 2)[:14]), "mimeType": "PNG"},
        "/content",
        "error",
    ),
    (
        "content.too_many_pixels",
        OCR,
        {"content": b64(png(4000, 5000)), "mimeType": "PNG"},
        {"content": b64(png(4000, 5001)), "mimeType": "PNG"},
        "/content",
        "error",
    ),
    (
        "content.unreadable",
        OCR,
        {"content": b64(png(2, 2)), "mimeType": "PNG"},
        {"content": b64(b"%PDF-1.7\nnot a pdf at all"), "mimeType": "PDF"},
        "/content",
        "error",
    ),
    (
        "content.lpcm_partial_frame",
        V3,
        {
            "content": b64(b"\0" * 32),
            "recognitionModel": {
                "audioFormat": {"rawAudio": {"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": 8000}}
            },
        },
        {
            "content": b64(b"\0" * 33),
            "recognitionModel": {
                "audioFormat": {"rawAudio": {"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": 8000}}
            },
        },
        "/content",
        "warning",
    ),
    (
        "content.format_mismatch",
        V3,
        {
            "content": b64(b"OggS" + b"\0" * 40),
            "recognitionModel": {"audioFormat": {"containerAudio": {"containerAudioType": "OGG_OPUS"}}},
        },
        {
            "content": b64(b"ID3" + b"\0" * 40),
            "recognitionModel": {"audioFormat": {"containerAudio": {"containerAudioType": "OGG_OPUS"}}},
        },
        "/content",
        "error",
    ),
]


@pytest.mark.parametrize(
    ("rule", "key", "good", "bad", "path", "severity"), RULES, ids=[f"{r[0]}-{i}" for i, r in enumerate(RULES)]
)
def test_rule(rule: str, key: str, good: Any, bad: Any, path: str, severity: str) -> None:
    assert yc_contracts.check(key, good) == [], "the accepted payload was not accepted"
    found = yc_contracts.check(key, bad)
    assert (path, rule, severity) in triples(found), found
    assert all(v.message and "\n" not in v.message for v in found)


def test_every_rule_id_of_the_contract_has_a_case() -> None:
    documented = set()
    for line in (Path(__file__).parent.parent.parent / "docs" / "rules.md").read_text().splitlines():
        if line.startswith("## Documented defaults"):
            break
        if line.startswith("| `"):
            documented.add(line.split("`")[1])
    covered = {r[0] for r in RULES} | set(OPTION_FORMS)
    # Not reachable with the contract's own types (no field of those types) and not in OPTION_FORMS: the
    # ocr.v1.content_size rule needs 20 MiB (tests/unit/test_schemas.py and the limits test cover it).
    unreachable = {
        "type.uint32",
        "type.uint64",
        "type.map",
        "type.field_mask",
        "type.list_value",
        "type.value",
        "type.empty",
        "json.too_deep",
        "oneof.exactly_one",
        "ocr.v1.content_size",
        "content.too_many_pages",
    }
    assert documented - covered - unreachable == set()


# The option forms the contract does not use, on the test proto that uses them all.
OPTION_FORMS = {
    "option.size": ("sizeLe", ["a"] * 100, ["a"] * 101),
    "option.value": ("valueGt", 1, -1),  # 0 is the default: proto3 does not send it, so it is not checked
    "option.pattern": ("pattern", "ab1", "Ab1"),
    "option.bytes": ("bytesOnString", "é" * 524288, "é" * 524289),  # 1 MiB of UTF-8 exactly, then one byte over
    "option.unique": ("unique", ["a"], ["a", "a"]),
    "option.map_key": ("mapKeyLabels", {"env": "x"}, {"Env": "x"}),
    "type.uint64": ("valueUint64", "1", "-1"),
    "type.map": ("sizeMap", {"a": "b"}, ["a"]),
    "oneof.exactly_one": ("sourceContent", "QUJD", None),
}


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> Compiled:
    return compile_forms(tmp_path_factory.mktemp("forms"))


@pytest.mark.parametrize("rule", sorted(OPTION_FORMS))
def test_option_rules(forms: Compiled, rule: str) -> None:
    field, good, bad = OPTION_FORMS[rule]
    if rule == "oneof.exactly_one":
        assert list(forms.violations({k: v for k, v in BASE.items() if k != "sourceUri"} | {field: good})) == []
        found = list(forms.violations({k: v for k, v in BASE.items() if k != "sourceUri"}))
        assert ("", rule, "error") in triples(found), found
        return
    assert list(forms.violations({**BASE, field: good})) == []
    found = list(forms.violations({**BASE, field: bad}))
    expected_path = f"/{field}/1" if rule == "type.uint64" else f"/{field}"
    assert any(v.rule == rule and v.path.startswith(f"/{field}") for v in found), (expected_path, found)


# ---------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("payload", "rule"),
    [
        ("", "json.invalid"),
        ("[1, 2", "json.invalid"),
        (b"\xff\xfe", "json.invalid_utf8"),
        ('{"a": Infinity}', "json.nan"),
        ("[" * 100_000 + "]" * 100_000, "json.too_deep"),
        ('{"uri": "x", "uri": "x"}', "json.duplicate_key"),
    ],
)
def test_broken_json_text(payload: Any, rule: str) -> None:
    found = yc_contracts.check(V3, payload)
    assert [v.rule for v in found] == [rule]


def test_deep_python_nesting_is_a_violation_not_a_crash() -> None:
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    found = yc_contracts.check("speechkit.stt.v3.JsonSchema", {"schema": {"deep": deep}})
    assert {v.rule for v in found} == {"json.too_deep"}


@pytest.mark.parametrize(
    "payload",
    [
        None,
        5,
        "null",
        [],
        "[]",
        {"uri": None},
        {"recognitionModel": []},
        {"speechAnalysis": {"descriptiveStatisticsQuantiles": {}}},
        {"uri": 2**80},
        {"content": 12},
        {"content": "A" * 5_000_001},
    ],
)
def test_wrong_shapes_are_violations(payload: Any) -> None:
    found = yc_contracts.check(V3, payload)
    assert found
    assert all(isinstance(v, Violation) for v in found)


def test_huge_string_is_linear() -> None:
    found = yc_contracts.check(V3, {"uri": "u" * 10_000_000})
    assert found == []
