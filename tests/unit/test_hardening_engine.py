"""Issue 12, the engine's part: bad input never escapes, cost stays linear whatever the number of errors, and one
verdict across check, to_proto, to_json and transcode (never looser than json_format.ParseDict unless
docs/protojson.md says why)."""

from __future__ import annotations

import base64
import gc
import json
import re
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format

import yc_contracts
from yc_contracts.contract.registry import default_registry
from yc_contracts.conversion.protojson import ConversionError
from yc_contracts.transcoding.errors import BadRequestError
from yc_contracts.validation import content as _content
from yc_contracts.validation import validator as _validator
from yc_contracts.validation.budget import Budget

V3 = "speechkit.stt.v3.RecognizeFileRequest"
V2 = "yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest"
OCR = "yandex.cloud.ai.ocr.v1.RecognizeTextRequest"
OPERATION = "yandex.cloud.operation.Operation"
URI = "https://storage.yandexcloud.net/bucket/call.wav"
DOCS = Path(__file__).resolve().parents[2] / "docs"


def _rules(found: list[yc_contracts.Violation]) -> list[tuple[str, str]]:
    return [(v.path, v.rule) for v in found]


def _parse_dict(type_name: str, payload: Any) -> bool:
    """Whether json_format.ParseDict builds the message (the reference we are never looser than)."""
    msg = default_registry().message_class(type_name)()
    try:
        json_format.ParseDict(payload, msg, descriptor_pool=default_registry().descriptor_pool)
    except (json_format.ParseError, ValueError, TypeError, OverflowError, RecursionError):
        return False
    return True


# ---------------------------------------------------------------------------------------- 1. surrogates


def test_a_lone_surrogate_next_to_a_schema_error_is_two_violations() -> None:
    found = yc_contracts.check(V3, b'{"uri":"\\ud800","bogus":1}')
    assert ("/uri", "json.surrogate") in _rules(found)
    assert ("/bogus", "json.unknown_field") in _rules(found)


def test_a_lone_surrogate_in_a_key_and_deep_values_is_reported_with_the_rest() -> None:
    payload = {"uri": URI, "recognitionModel": {"model": "\udc00", "audioFormat": {"rawAudio": {"x\ud800": 1}}}}
    rules = {v.rule for v in yc_contracts.check(V3, payload)}
    assert "json.surrogate" in rules
    assert "json.unknown_field" in rules
    with pytest.raises(yc_contracts.ValidationError):
        yc_contracts.to_proto(V3, payload)


# ---------------------------------------------------------------------------------------- 2. media parsers


def _wav(chunks: bytes, riff_size: int = 0xFFFF) -> bytes:
    return b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + chunks


def _fmt_chunk() -> bytes:
    return b"fmt " + struct.pack("<I", 16) + struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16)


def _wav_request(data: bytes) -> dict[str, Any]:
    return {
        "content": base64.b64encode(data).decode(),
        "recognitionModel": {"audioFormat": {"containerAudio": {"containerAudioType": "WAV"}}},
    }


def test_a_wav_whose_chunk_claims_2_gb_is_unreadable_not_a_runtime_error() -> None:
    payload = _wav_request(_wav(b"LIST" + struct.pack("<I", 0x7FFFFFFF) + b"x" * 20))
    found = yc_contracts.check(V3, payload)
    assert _rules(found) == [("/content", "content.unreadable")]
    with pytest.raises(yc_contracts.ValidationError):
        yc_contracts.to_proto(V3, payload)


def test_a_wav_cut_short_is_reported() -> None:
    data = _wav(_fmt_chunk() + b"data" + struct.pack("<I", 0xFFFFFFF0) + b"\0" * 100)
    found = yc_contracts.check(V3, _wav_request(data))
    assert _rules(found) == [("/content", "content.truncated")]
    assert found[0].severity == "warning"
    assert "4,294,967,280 bytes" in found[0].message
    assert "holds 100" in found[0].message
    whole = _wav(_fmt_chunk() + b"data" + struct.pack("<I", 100) + b"\0" * 100)
    assert yc_contracts.check(V3, _wav_request(whole)) == []


@pytest.mark.parametrize("error", [RuntimeError("boom"), MemoryError(), RecursionError(), struct.error("x")])
def test_every_parser_failure_becomes_content_unreadable(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    import imagesize  # type: ignore[import-untyped]
    import pypdf

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(imagesize, "get", fail)
    monkeypatch.setattr(pypdf, "PdfReader", fail)
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 64).decode()
    pdf = base64.b64encode(b"%PDF-1.4\n" + b"\0" * 64).decode()
    for content, mime in ((png, "PNG"), (pdf, "PDF")):
        found = yc_contracts.check(OCR, {"content": content, "mimeType": mime, "languageCodes": ["ru"]})
        assert _rules(found) == [("/content", "content.unreadable")], found
        assert type(error).__name__ in found[0].message


def test_the_parser_boundary_is_the_only_way_into_the_parsers() -> None:
    source = Path(_content.__file__).read_text("utf-8")
    calls = re.findall(r"(?:wave\.open|imagesize\.get|pypdf\.PdfReader)\(", source)
    guarded = re.findall(r"_parse\(lambda: (?:imagesize\.get|len\(pypdf\.PdfReader)\(", source)
    assert len(calls) == len(guarded) + 1  # + wave.open, inside the function handed to _parse
    assert "_parse(read)" in source


# ------------------------------------------------------------------------------- 3. integers beyond doubles


@pytest.mark.parametrize(
    ("type_name", "payload", "where", "rule"),
    [
        ("speechkit.stt.v3.JsonSchema", {"schema": {"a": 10**400}}, "/schema/a", "type.struct"),
        (
            OPERATION,
            {"metadata": {"@type": "type.googleapis.com/google.protobuf.Value", "value": 10**400}},
            "/metadata/value",
            "type.value",
        ),
        (
            OPERATION,
            {"metadata": {"@type": "type.googleapis.com/google.protobuf.ListValue", "value": [1, -(10**309)]}},
            "/metadata/value/1",
            "type.list_value",
        ),
        (
            OPERATION,
            {"metadata": {"@type": "type.googleapis.com/google.protobuf.Value", "value": 2**1024 - 2**970}},
            "/metadata/value",
            "type.value",
        ),
    ],
)
def test_an_integer_no_double_holds_is_rejected_by_every_surface(
    type_name: str, payload: Any, where: str, rule: str
) -> None:
    assert not _parse_dict(type_name, payload)
    assert (where, rule) in _rules(yc_contracts.check(type_name, payload))
    assert (where, rule) in _rules(yc_contracts.check(type_name, json.dumps(payload)))
    with pytest.raises(yc_contracts.ValidationError):
        yc_contracts.to_proto(type_name, payload)
    with pytest.raises(ConversionError):
        yc_contracts.to_proto(type_name, payload, validate=False)


def test_the_largest_integer_a_double_holds_is_accepted() -> None:
    payload = {"metadata": {"@type": "type.googleapis.com/google.protobuf.Value", "value": 2**1024 - 2**970 - 1}}
    assert _parse_dict(OPERATION, payload)
    assert yc_contracts.check(OPERATION, payload) == []
    yc_contracts.to_json(yc_contracts.to_proto(OPERATION, payload))


def test_transcode_rejects_a_body_with_an_integer_beyond_doubles() -> None:
    body = {"uri": URI, "summarization": {"properties": [{"jsonSchema": {"schema": {"a": 10**400}}}]}}
    with pytest.raises(BadRequestError):
        yc_contracts.transcode("POST", "/stt/v3/recognizeFileAsync", body=json.dumps(body))


# -------------------------------------------------------------------------------------------- 4. timestamps


@pytest.mark.parametrize(
    "text", ["9999-12-31T23:59:59-23:59", "9999-12-31T23:00:00-01:00", "0001-01-01T00:00:00+00:01"]
)
def test_a_timestamp_its_offset_moves_out_of_range_is_rejected(text: str) -> None:
    payload = {"createdAt": text}
    assert not _parse_dict(OPERATION, payload)
    assert _rules(yc_contracts.check(OPERATION, payload)) == [("/createdAt", "type.timestamp")]
    with pytest.raises(ConversionError):
        yc_contracts.to_proto(OPERATION, payload, validate=False)
    packed = {"metadata": {"@type": "type.googleapis.com/google.protobuf.Timestamp", "value": text}}
    assert ("/metadata/value", "type.timestamp") in _rules(yc_contracts.check(OPERATION, packed))


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00-00:01", "9999-12-31T23:59:59+23:59", "9999-12-31T23:59:59Z"])
def test_a_timestamp_its_offset_keeps_in_range_is_accepted(text: str) -> None:
    payload = {"createdAt": text}
    assert _parse_dict(OPERATION, payload)
    assert yc_contracts.check(OPERATION, payload) == []
    yc_contracts.to_json(yc_contracts.to_proto(OPERATION, payload))


# ------------------------------------------------------------------------------------------ 5. enum floats


@pytest.mark.parametrize("number", [1.0, 0.0, 3.0])
def test_an_enum_given_as_an_integral_float_is_its_number_everywhere(number: float) -> None:
    payload = {"uri": URI, "recognitionModel": {"audioFormat": {"containerAudio": {"containerAudioType": number}}}}
    assert _parse_dict(V3, payload)
    assert [v for v in yc_contracts.check(V3, payload) if v.severity == "error"] == []
    msg = yc_contracts.to_proto(V3, payload)
    assert msg.recognition_model.audio_format.container_audio.container_audio_type == int(number)  # type: ignore[attr-defined]
    text = json.dumps(payload)
    call = yc_contracts.transcode("POST", "/stt/v3/recognizeFileAsync", body=text)
    assert call.request == msg


def test_an_enum_given_as_a_fraction_is_rejected() -> None:
    payload = {"uri": URI, "recognitionModel": {"audioFormat": {"containerAudio": {"containerAudioType": 1.5}}}}
    assert ("/recognitionModel/audioFormat/containerAudio/containerAudioType", "type.enum") in _rules(
        yc_contracts.check(V3, payload)
    )
    with pytest.raises(ConversionError):
        yc_contracts.to_proto(V3, payload, validate=False)


# ----------------------------------------------------------------------------------------- 6. long numbers


def test_a_number_of_more_than_4300_digits_has_its_own_rule() -> None:
    text = '{"uri": "' + URI + '", "recognitionModel": {"audioFormat": {"rawAudio": {"sampleRateHertz": '
    text += "1" * 5000 + "}}}}"
    for payload in (text, text.encode()):
        found = yc_contracts.check(V3, payload)
        assert _rules(found) == [("", "json.number_too_long")]
        assert "5,000 digits" in found[0].message
        assert "sys.set_int_max_str_digits" not in found[0].message
    with pytest.raises(yc_contracts.ValidationError) as raised:
        yc_contracts.to_proto(V3, text)
    assert raised.value.violations[0].rule == "json.number_too_long"
    with pytest.raises(BadRequestError):
        yc_contracts.transcode("POST", "/stt/v3/recognizeFileAsync", body=text)


def test_nan_literals_keep_their_rule() -> None:
    assert _rules(yc_contracts.check(V3, '{"uri": NaN}')) == [("", "json.nan")]


# --------------------------------------------------------------------------------------- 7. resource model


def _wrong_items(n: int) -> dict[str, Any]:
    return {"uri": URI, "speechAnalysis": {"descriptiveStatisticsQuantiles": ["x"] * n}}


def _valid_items(n: int) -> dict[str, Any]:
    return {"uri": URI, "speechAnalysis": {"descriptiveStatisticsQuantiles": [0.5] * n}}


def _unknown_keys(n: int) -> dict[str, Any]:
    return {"uri": URI, **{f"k{i}": 1 for i in range(n)}}


def _seconds(run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("make", [_wrong_items, _unknown_keys], ids=["wrong-type items", "unknown keys"])
def test_many_errors_cost_what_a_valid_payload_of_the_same_size_costs(make: Callable[[int], Any]) -> None:
    n = 100_000
    text, valid_text = json.dumps(make(n)).encode(), json.dumps(_valid_items(n)).encode()
    found = yc_contracts.check(V3, text)
    assert len(found) == _validator.MAX_VIOLATIONS + 1
    assert found[-1].rule == "limit.violations"
    assert f"{n - _validator.MAX_VIOLATIONS:,} more" in found[-1].message
    per_item = _seconds(lambda: yc_contracts.check(V3, text)) / n
    valid_per_item = _seconds(lambda: yc_contracts.check(V3, valid_text)) / n
    assert per_item <= 3 * valid_per_item, (per_item, valid_per_item)


def _peak_rss_during(run: Callable[[], object]) -> int:
    """Bytes the process's resident set grew by, at its peak, while ``run`` ran (Linux)."""

    def status(key: str) -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) * 1024
        raise LookupError(key)

    gc.collect()
    base = status("VmRSS:")
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM, the peak
    run()
    return status("VmHWM:") - base


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self")
@pytest.mark.parametrize("make", [_wrong_items, _unknown_keys], ids=["wrong-type items", "unknown keys"])
def test_many_errors_take_memory_bounded_by_the_input(make: Callable[[int], Any]) -> None:
    payload = make(300_000)
    size = len(json.dumps(payload))
    yc_contracts.check(V3, {"uri": URI})  # compiled before measuring
    grown = _peak_rss_during(lambda: yc_contracts.check(V3, payload))
    assert grown <= 3 * size, (grown, size)


def test_max_violations_is_a_keyword_of_check_iter_violations_and_validate() -> None:
    payload = _wrong_items(50)
    found = yc_contracts.check(V3, payload, max_violations=10)
    assert len(found) == 11
    assert found[-1] == yc_contracts.Violation(
        "",
        "limit.violations",
        "at least 40 more violation(s) were found and are not listed: at most 10 are reported per payload "
        "(max_violations=)",
    )
    assert list(yc_contracts.iter_violations(V3, payload, max_violations=10)) == found
    with pytest.raises(yc_contracts.ValidationError) as raised:
        yc_contracts.validate(V3, payload, max_violations=10)
    assert list(raised.value.violations) == found
    assert len(yc_contracts.check(V3, payload)) == 50
    with pytest.raises(ValueError, match="max_violations"):
        yc_contracts.check(V3, payload, max_violations=0)


def test_nested_failing_parts_past_the_cap_are_counted_as_at_least() -> None:
    payload = {"uri": URI, "summarization": {"properties": [{"instruction": 5}] * 20}}
    found = yc_contracts.check(V3, payload, max_violations=5)
    assert len(found) == 6
    assert re.fullmatch(r"(at least )?15 more violation\(s\).*", found[-1].message)


def test_the_descent_reports_what_the_whole_document_reports() -> None:
    """The schema layer checks part by part; its errors are those of the compound document at once."""
    payloads = [
        {"uri": 5, "bogus": 1, "recognitionModel": {"model": 3, "audioFormat": {"rawAudio": {"sampleRateHertz": "x"}}}},
        {"content": "AA", "uri": URI, "speechAnalysis": {"descriptiveStatisticsQuantiles": [0.5, "y", None]}},
        {"uri": URI, "recognitionModel": {"textNormalization": {"textNormalization": "NOPE"}}, "hints": {}},
        [],
        None,
    ]
    compiled = _validator.compiled_for(V3)
    for payload in payloads:
        whole = {(tuple(e.instance_path), e.message) for e in compiled.schema.validator.iter_errors(payload)}
        parts = {(tuple(f.path), f.error.message) for f in compiled.schema.errors(payload, Budget(10**6)) if f.error}
        unknown = {tuple(f.path) for f in compiled.schema.errors(payload, Budget(10**6)) if f.unknown}
        assert {p for p, _ in parts} | unknown >= {p for p, m in whole if "Additional properties" not in m}


# -------------------------------------------------------------------------------------------- 8. patterns


def test_a_valid_1_mb_object_storage_url_is_valid() -> None:
    uri = "https://storage.yandexcloud.net/bucket/" + "a" * 1_000_000
    payload = {"config": {"specification": {"audioEncoding": "OGG_OPUS"}}, "audio": {"uri": uri}}
    start = time.perf_counter()
    assert yc_contracts.check(V2, payload) == []
    assert _rules(yc_contracts.check(V2, {**payload, "audio": {"uri": uri + "#x"}})) == [
        ("/audio/uri", "stt.v2.audio_uri_object_storage")
    ]
    assert time.perf_counter() - start < 5


def test_the_schema_layer_runs_no_pattern_that_needs_a_backtracking_engine() -> None:
    """Without lookaround or backreferences, jsonschema-rs runs a pattern on the linear ``regex`` crate."""
    for key in ("speechkit.stt.v3.RecognizeFileRequest", V2, OCR, OPERATION, "google.protobuf.Any"):
        compiled = _validator.compiled_for(key)
        for pattern in _patterns(compiled.schema.docs):
            assert not re.search(r"\(\?<?[=!]|\\[1-9]|\\k<", pattern), (key, pattern)


def _patterns(node: Any) -> list[str]:
    out: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            out += [v for k, v in item.items() if k == "pattern" and isinstance(v, str)]
            stack += [v for k, v in item.items() if not (k == "pattern" and isinstance(v, str))]
        elif isinstance(item, list):
            stack += item
    return out


@pytest.mark.parametrize("value", ["https://storage.yandexcloud.net/b/k\n", "https://storage.yandexcloud.net/b/k"])
def test_the_end_of_a_pattern_means_the_same_without_its_lookahead(value: str) -> None:
    import jsonschema

    doc = yc_contracts.schema_for(V2)
    reference = not list(jsonschema.Draft202012Validator(doc).iter_errors({"audio": {"uri": value}}))
    compiled = _validator.compiled_for(V2)
    assert (compiled.schema_layer({"audio": {"uri": value}}) == []) == reference


# ----------------------------------------------------------------------------------------- nesting depth


def _nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("type_name", "wrap", "deepest_ok"),
    [
        ("speechkit.stt.v3.JsonSchema", lambda v: {"schema": v}, 33),
        (OPERATION, lambda v: {"metadata": {"@type": "type.googleapis.com/google.protobuf.Struct", "value": v}}, 33),
        (OPERATION, lambda v: {"metadata": {"@type": "type.googleapis.com/google.protobuf.Value", "value": v}}, 33),
    ],
)
def test_a_struct_nested_past_what_protobuf_reads_is_rejected(
    type_name: str, wrap: Callable[[Any], Any], deepest_ok: int
) -> None:
    """json_format (protobuf 7) stops at 100 messages, the binary decoders at 100 below the root counting map
    entries: a Struct nested deeper could not even be read back from its own bytes."""
    ok, deep = wrap(_nested(deepest_ok)), wrap(_nested(deepest_ok + 1))
    assert yc_contracts.check(type_name, ok) == []
    assert yc_contracts.to_rest(yc_contracts.to_proto(type_name, ok)) == ok
    assert [v.rule for v in yc_contracts.check(type_name, deep)] == ["proto.too_deep"]
    msg = yc_contracts.to_proto(type_name, deep, validate=False)
    with pytest.raises(Exception):  # noqa: B017, PT011 - what protobuf raises differs by runtime
        yc_contracts.to_json(type(msg).FromString(msg.SerializeToString()))


# ----------------------------------------------------------------------------------------- verdict details


def test_from_stream_without_validation_raises_a_conversion_error_naming_the_item() -> None:
    with pytest.raises(ConversionError, match=r"^item 1: /content: not base64"):
        yc_contracts.from_stream(V3, b'{"uri": "x"}\n{"content": "!!!"}', validate=False)


def test_to_proto_reports_the_reasons_check_reports() -> None:
    payload = {"content": "====", "mimeType": "PNG", "languageCodes": ["ru"]}
    with pytest.raises(yc_contracts.ValidationError) as raised:
        yc_contracts.to_proto(OCR, payload)
    errors = [v for v in yc_contracts.check(OCR, payload) if v.severity == "error"]
    assert list(raised.value.violations) == errors
    assert [v.rule for v in errors] == ["type.bytes"]


# ------------------------------------------------------------------------- 9. documented strictness


STRICTER: list[tuple[str, dict[str, Any], str]] = [
    ("yandex.cloud.ai.stt.v2.WordInfo", {"startTime": " 5.185s"}, '`" 5.185s"`'),
    ("yandex.cloud.ai.stt.v2.WordInfo", {"startTime": "+1.5s"}, '`"+1.5s"`'),
    ("yandex.cloud.ai.stt.v2.WordInfo", {"startTime": "01s"}, '`"01s"`'),
    (OPERATION, {"createdAt": "2026-11-20T10:00:00+24:00"}, "`+24:00`"),
    (OPERATION, {"createdAt": "2026-11-20T10:00:00+23:60"}, "`+23:60`"),
    (OPERATION, {"createdAt": "2026-11-20T10:00:00.Z"}, '`"…T10:00:00.Z"`'),
    ("yandex.cloud.ai.ocr.v1.Picture", {"boundingBox": []}, '`{"boundingBox": []}`'),
    ("yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse", {"chunks": [""]}, '`{"chunks": [""]}`'),
    (OPERATION, {"error": {"details": [{}]}}, "`{}` (no `@type`) for an `Any`"),
    ("speechkit.stt.v3.SpeakerLabelingOptions", {"speakerLabeling": True}, "`true`/`false` for an enum"),
    ("yandex.cloud.ai.stt.v2.WordInfo", {"confidence": True}, "`true`/`false` for an enum, float or double"),
    (V3, {"uri": URI, "recognitionModel": {"audioFormat": {"containerAudio": {"containerAudioType": 1.5}}}}, "`1.5`"),
    ("speechkit.stt.v3.AudioChunk", {"data": "===="}, '`"===="`'),
]


@pytest.mark.parametrize(("type_name", "payload", "row"), STRICTER, ids=[s[2] for s in STRICTER])
def test_every_spelling_json_format_takes_and_we_refuse_is_documented(
    type_name: str, payload: dict[str, Any], row: str
) -> None:
    assert _parse_dict(type_name, payload), "json_format refuses it too: no row needed"
    assert [v for v in yc_contracts.check(type_name, payload) if v.severity == "error"]
    stricter = (DOCS / "protojson.md").read_text("utf-8").split("## Where the schemas are stricter")[1]
    assert row in stricter.split("\n## ")[0]


@pytest.mark.parametrize("text", ["AAAA====", "AA=", "A===", "====", "AAAA=", "AA==", "AAA=", "AA", "AAAA", ""])
def test_to_proto_and_check_agree_on_base64_padding(text: str) -> None:
    payload = {"data": text}
    accepted = not yc_contracts.check("speechkit.stt.v3.AudioChunk", payload)
    try:
        yc_contracts.to_proto("speechkit.stt.v3.AudioChunk", payload, validate=False)
    except ConversionError:
        built = False
    else:
        built = True
    assert accepted == built
    assert accepted == (text in ("AA==", "AAA=", "AA", "AAAA", ""))


@pytest.mark.parametrize(
    ("number", "valid"),
    [(-9.223372036854776e18, True), (-(2**63), True), (-(2**63) - 1, False), (-1e19, False), (2.0**63, False)],
)
def test_the_int64_bounds_as_json_format_reads_them(number: float, valid: bool) -> None:
    """-2**63 written as a float is -2**63: json_format and the reference jsonschema take it (jsonschema-rs alone
    did not)."""
    payload = {"startTimeMs": number}
    assert _parse_dict("speechkit.stt.v3.Word", payload) == valid
    assert (yc_contracts.check("speechkit.stt.v3.Word", payload) == []) == valid


def test_a_python_integer_beyond_the_digit_limit_is_reported_where_it_is() -> None:
    """jsonschema-rs reads such an integer as null (which a field may be): it must never reach it."""
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        huge = 10**5000
    finally:
        sys.set_int_max_str_digits(limit)
    payload = {"uri": URI, "recognitionModel": {"audioFormat": {"rawAudio": {"sampleRateHertz": huge}}}}
    found = yc_contracts.check(V3, payload)
    assert _rules(found) == [("/recognitionModel/audioFormat/rawAudio/sampleRateHertz", "json.number_too_long")]
    with pytest.raises(yc_contracts.ValidationError):
        yc_contracts.to_proto(V3, payload)


@pytest.mark.parametrize(("sign"), [1, -1])
def test_the_largest_double_written_as_an_integer_is_a_double(sign: int) -> None:
    """jsonschema-rs alone refused the integer equal to DBL_MAX (an integer beyond 64 bits at a float bound)."""
    payload = {"value": sign * int(1.7976931348623157e308)}
    assert _parse_dict("speechkit.stt.v3.DescriptiveStatistics.Quantile", payload)
    assert yc_contracts.check("speechkit.stt.v3.DescriptiveStatistics.Quantile", payload) == []
