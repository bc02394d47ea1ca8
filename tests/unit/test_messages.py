"""Issue 12: rules compare values whatever their ProtoJSON spelling, and the messages a new user reads.

Each test names the item of the issue it guards: service rules and options judge the value a spelling carries
(numbers as strings, exponent forms, enum numbers, both field names, ``null`` and proto3 defaults as "not set");
enum errors list names and suggest one; duplicate fields point at the field; long values are shortened in the
middle; a mistyped ``@type`` gets a "did you mean"; a pinned Operation names the type its method returns;
``to_rest`` of a name raises a clear ``TypeError``.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from forms_support import BASE, compile_forms

import yc_contracts
from yc_contracts.contract.errors import SHOWN_CHARACTERS, UnknownNameError, shown
from yc_contracts.rules.ruleset import resolve_limits
from yc_contracts.schema.generator import SchemaGenerator
from yc_contracts.validation.validator import Compiled

V3 = "speechkit.stt.v3.RecognizeFileRequest"
V2 = "yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest"
OPERATION = "yandex.cloud.operation.Operation"
URI = "https://storage.yandexcloud.net/bucket/call.wav"


def found(message: str, payload: Any) -> list[tuple[str, str]]:
    return [(v.path, v.rule) for v in yc_contracts.check(message, payload)]


def messages(message: str, payload: Any) -> list[str]:
    return [v.message for v in yc_contracts.check(message, payload)]


# ------------------------------------------------------------------------ item 1: rules judge values


@pytest.mark.parametrize(
    "quantiles",
    [["0.5", "0.9"], ["5e-1", "9E-1"], ["0.5", 0.9], ["0.05e1"], ["1e-300"], [0.999, "0.999"], ["9.99e-1"]],
)
def test_quantiles_in_range_pass_in_every_spelling(quantiles: list[Any]) -> None:
    """The seed's own spelling (decimal strings) is a value inside (0, 1), and so is every exponent form."""
    assert found(V3, {"uri": URI, "speechAnalysis": {"descriptiveStatisticsQuantiles": quantiles}}) == []
    assert found(V3, {"uri": URI, "speech_analysis": {"descriptive_statistics_quantiles": quantiles}}) == []


@pytest.mark.parametrize(
    "bad", ["1.5", "1", "1e0", "1.0E0", "0", "0.0", "-0.5", "-5e-1", "NaN", "Infinity", "-Infinity"]
)
def test_quantiles_out_of_range_fail_in_every_spelling(bad: str) -> None:
    path = "/speechAnalysis/descriptiveStatisticsQuantiles/1"
    payload = {"uri": URI, "speechAnalysis": {"descriptiveStatisticsQuantiles": ["0.5", bad]}}
    assert found(V3, payload) == [(path, "stt.v3.quantile_range")]
    assert messages(V3, payload) == [f"found {bad!r}: quantile levels lie strictly between 0 and 1."]


def _v2(spec: dict[str, Any]) -> dict[str, Any]:
    return {"config": {"specification": spec}, "audio": {"uri": URI}}


SPEC = "/config/specification"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        # one_of on an int64: numbers, integral floats and decimal strings of the same value
        ({"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": "8000"}, []),
        ({"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": 8000.0}, []),
        ({"audio_encoding": "LINEAR16_PCM", "sample_rate_hertz": "12000"}, [("sample_rate_hertz", "lpcm_sample_rate")]),
        ({"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": 12000.0}, [("sampleRateHertz", "lpcm_sample_rate")]),
        # the condition reads an enum by name or by number
        ({"audioEncoding": 1, "sampleRateHertz": "16000"}, []),
        ({"audioEncoding": 1}, [("sampleRateHertz", "lpcm_sample_rate_required")]),
        # required: absent, null and every spelling of 0 are "not set"
        ({"audioEncoding": "LINEAR16_PCM"}, [("sampleRateHertz", "lpcm_sample_rate_required")]),
        (
            {"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": None},
            [("sampleRateHertz", "lpcm_sample_rate_required")],
        ),
        ({"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": 0}, [("sampleRateHertz", "lpcm_sample_rate_required")]),
        ({"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": "0"}, [("sampleRateHertz", "lpcm_sample_rate_required")]),
        # a default value is not set: no one_of check on it without LINEAR16_PCM
        ({"audioEncoding": "OGG_OPUS", "sampleRateHertz": "0"}, []),
    ],
)
def test_stt_v2_rules_read_values(spec: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert found(V2, _v2(spec)) == [(f"{SPEC}/{field}", f"stt.v2.{rule}") for field, rule in expected]


@pytest.mark.parametrize(
    "encoding",
    [{}, {"audioEncoding": None}, {"audioEncoding": "AUDIO_ENCODING_UNSPECIFIED"}, {"audio_encoding": 0}],
)
def test_an_unset_condition_field_is_the_documented_default(encoding: dict[str, Any]) -> None:
    """audioEncoding absent, null or spelled as its proto3 default all mean OGG_OPUS (the documented default),
    for which audioChannelCount draws the warning, whatever the spelling of the count."""
    for count in (2, "2", 2.0):
        assert found(V2, _v2({**encoding, "audioChannelCount": count})) == [
            (f"{SPEC}/audioChannelCount", "stt.v2.channel_count_container")
        ]
    for unset in (0, "0", None):
        assert found(V2, _v2({**encoding, "audioChannelCount": unset})) == []


@pytest.mark.parametrize("done", [{}, {"done": None}, {"done": False}])
def test_an_operation_in_progress_has_no_response_however_done_is_unset(done: dict[str, Any]) -> None:
    response = {"@type": "type.googleapis.com/google.protobuf.Empty"}
    assert found(OPERATION, {"id": "op", **done, "response": response}) == [
        ("/response", "operation.pending_no_response")
    ]
    assert found(OPERATION, {"id": "op", **done, "response": None}) == []


@pytest.mark.parametrize("code", [3, "3", 3.0, 16, "16"])
def test_enum_of_reads_numbers_in_every_spelling(code: Any) -> None:
    assert found(OPERATION, {"id": "op", "done": True, "error": {"code": code}}) == []


def test_exactly_one_reads_the_value_not_the_key() -> None:
    assert found(V3, {"uri": URI, "content": None}) == []
    assert found(V3, {"uri": None, "content": None}) == [("", "stt.v3.audio_source")]
    assert found(V3, {"uri": URI, "content": ""}) == [("", "stt.v3.audio_source")]  # "" sets the oneof's content


def test_ignored_warns_on_a_set_value_only() -> None:
    rule = "stt.v3.audio_processing_type_ignored"
    path = "/recognitionModel/audioProcessingType"
    assert found(V3, {"uri": URI, "recognitionModel": {"audioProcessingType": "FULL_DATA"}}) == [(path, rule)]
    assert found(V3, {"uri": URI, "recognitionModel": {"audioProcessingType": 2}}) == [(path, rule)]
    assert (
        found(V3, {"uri": URI, "recognition_model": {"audio_processing_type": "AUDIO_PROCESSING_TYPE_UNSPECIFIED"}})
        == []
    )
    assert found(V3, {"uri": URI, "recognitionModel": {"audioProcessingType": 0}}) == []
    assert found(V3, {"uri": URI, "recognitionModel": {"audioProcessingType": None}}) == []


# ----------------------------------------------------------------- item 1: options on the test proto


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> Compiled:
    return compile_forms(tmp_path_factory.mktemp("forms"))


def _forms_found(forms: Compiled, field: str, value: Any) -> list[tuple[str, str]]:
    return [(v.path, v.rule) for v in forms.violations({**BASE, field: value})]


@pytest.mark.parametrize(
    ("field", "good", "bad"),
    [
        ("valueDouble", ["0.5", "5e-1", "1", "1.0e0", "0", "-0.0"], ["1.5", "1.0000001", "-1e-9", "NaN", "Infinity"]),
        ("valueFloatGt", ["0.75", "7.5E-1", "Infinity"], ["-0.5", "5e-1", "-Infinity", "NaN"]),
        ("valueGt", [1, "1"], [-1, "-1"]),
        ("valueEnum", ["RED", 2], [3, "BLUE"]),
    ],
)
def test_value_options_read_values(forms: Compiled, field: str, good: list[Any], bad: list[Any]) -> None:
    for value in good:
        assert _forms_found(forms, field, value) == [], value
    for value in bad:
        rules = {rule for path, rule in _forms_found(forms, field, value) if path == f"/{field}"}
        assert rules & {"option.value", "type.enum"}, (value, rules)


@pytest.mark.parametrize(
    ("field", "default"),
    [
        ("valueGt", 0),  # > 0
        ("valueGt", "0"),
        ("valueFloatGt", 0),  # > 0.5
        ("valueFloatGt", "0.0"),
        ("valueFloatGt", "-0e3"),
        ("valueNegativeRange", 0),  # -10 to -1
        ("valueUint64", "0"),  # >= 1
        ("valueEnum", "COLOR_UNSPECIFIED"),  # 1, 2
        ("valueEnum", 0),
        ("lengthGe", ""),  # >= 1
        ("pattern", ""),
        ("lengthRange", ""),
    ],
)
def test_a_default_value_is_not_set_so_no_option_applies(forms: Compiled, field: str, default: Any) -> None:
    """proto3 does not send a default value: {"valueGt": 0} is the message {} on the wire, and gets its verdict."""
    assert _forms_found(forms, field, default) == []
    assert _forms_found(forms, field, None) == []


@pytest.mark.parametrize(
    ("field", "items"),
    [
        ("uniqueEnum", ["RED", 1]),
        ("uniqueEnum", [2, "GREEN"]),
        ("uniqueEnum", ["RED", "RED"]),
        ("uniqueInt64", [1, "1"]),
        ("uniqueInt64", ["5", 7, 5.0]),
        ("uniqueInt64", [5, 5]),
    ],
)
def test_unique_compares_values_across_spellings(forms: Compiled, field: str, items: list[Any]) -> None:
    """One violation at the array, whether the items are equal as JSON (the schema) or only as values."""
    assert _forms_found(forms, field, items) == [(f"/{field}", "option.unique")]
    assert _forms_found(forms, field, items[:1]) == []


# ---------------------------------------------------------------------------- item 3: enum errors


def _encoding(value: Any) -> dict[str, Any]:
    return {"uri": URI, "recognitionModel": {"audioFormat": {"rawAudio": {"audioEncoding": value}}}}


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [
        ("LINEAR16", "did you mean 'LINEAR16_PCM'?"),
        ("linear16_pcm", "did you mean 'LINEAR16_PCM'?"),
        ("1", "did you mean 'LINEAR16_PCM' or the number 1?"),
    ],
)
def test_enum_errors_list_the_names_and_suggest_one(value: str, suggestion: str) -> None:
    (message,) = messages(V3, _encoding(value))
    names = "AUDIO_ENCODING_UNSPECIFIED, LINEAR16_PCM"
    assert message == f"found {value!r}; expected one of {names} (or the number of one); {suggestion}"


def test_enum_errors_suggest_the_name_in_another_letter_case() -> None:
    payload = {"config": {"specification": {"audioEncoding": "linear16_pcm"}}, "audio": {"uri": URI}}
    (message,) = messages(V2, payload)
    assert message.endswith("did you mean 'LINEAR16_PCM'?")
    assert "OGG_OPUS" in message


def test_big_enums_list_a_bounded_number_of_names() -> None:
    from yc_contracts.validation.sentences import ENUM_NAMES_SHOWN

    payload = {"id": "op", "done": True, "error": {"code": 99}}
    codes = yc_contracts.registry.enum_descriptor("google.rpc.Code")
    assert len(codes.values) > ENUM_NAMES_SHOWN
    enum = yc_contracts.registry.enum_descriptor("speechkit.stt.v3.RawAudio.AudioEncoding")
    from yc_contracts.validation.sentences import enum_words

    assert enum_words(codes, "UNKNWON").startswith("expected one of OK, CANCELLED, UNKNOWN")
    assert f"and {len(codes.values) - ENUM_NAMES_SHOWN} more" in enum_words(codes, "x")
    assert enum_words(codes, "UNKNWON").endswith("did you mean 'UNKNOWN'?")
    assert (
        enum_words(enum, "garbage") == "expected one of AUDIO_ENCODING_UNSPECIFIED, LINEAR16_PCM (or the number of one)"
    )
    assert found(OPERATION, payload) == [("/error/code", "operation.error_code")]


# ------------------------------------------------------------------------- item 4: duplicate fields


@pytest.mark.parametrize(
    ("raw", "second"),
    [
        ({"sampleRateHertz": 8000, "sample_rate_hertz": 8000}, "sample_rate_hertz"),
        ({"sample_rate_hertz": 8000, "sampleRateHertz": 8000}, "sampleRateHertz"),
    ],
)
def test_duplicate_field_points_at_the_second_spelling_and_names_both(raw: dict[str, Any], second: str) -> None:
    payload = {"uri": URI, "recognitionModel": {"audioFormat": {"rawAudio": {"audioEncoding": "LINEAR16_PCM", **raw}}}}
    (violation,) = yc_contracts.check(V3, payload)
    assert (violation.path, violation.rule) == (
        f"/recognitionModel/audioFormat/rawAudio/{second}",
        "json.duplicate_field",
    )
    assert violation.message == "sampleRateHertz and sample_rate_hertz are the same field; give it once"


# ---------------------------------------------------------------------------- item 5: long values


def test_long_values_are_shortened_in_the_middle() -> None:
    assert shown("x" * SHOWN_CHARACTERS) == repr("x" * SHOWN_CHARACTERS)
    uri = "https://example.com/" + "a" * 100 + "/call-0042.wav"
    assert shown(uri) == f"'{uri[:40]}…{uri[-20:]}' ({len(uri)} characters)"
    payload = {"audio": {"uri": uri}}
    (violation,) = yc_contracts.check(V2, payload)
    assert violation.rule == "stt.v2.audio_uri_object_storage"
    assert violation.message.startswith(f"found {shown(uri)}: audio.uri must link")
    assert "call-0042.wav" in violation.message


def test_long_names_are_shortened_in_errors_too() -> None:
    name = "speechkit.stt.v3." + "X" * 200
    with pytest.raises(UnknownNameError) as caught:
        yc_contracts.check(name, {})
    assert shown(name) in str(caught.value)
    assert len(str(caught.value)) < 300


# --------------------------------------------------------------------------- items 6, 7: @type


def test_a_mistyped_type_url_gets_a_did_you_mean() -> None:
    url = "type.googleapis.com/yandex.cloud.ai.ocr.v1.RecognizeTextRespons"
    (violation,) = yc_contracts.check(OPERATION, {"id": "op", "done": True, "response": {"@type": url}})
    assert (violation.path, violation.rule) == ("/response/@type", "any.type_url")
    assert violation.message == (
        f"found @type {shown(url)}, which names no type of the contract; "
        "did you mean 'type.googleapis.com/yandex.cloud.ai.ocr.v1.RecognizeTextResponse'?"
    )


def test_a_pinned_operation_names_the_type_its_method_returns() -> None:
    key = "speechkit.stt.v3.AsyncRecognizer.RecognizeFile.Operation"
    url = "type.googleapis.com/yandex.cloud.ai.ocr.v1.RecognizeTextResponse"
    (violation,) = yc_contracts.check(key, {"id": "op", "done": True, "response": {"@type": url}})
    assert (violation.path, violation.rule) == ("/response/@type", "any.type_url")
    assert violation.message == (
        f"found @type {shown(url)}, a yandex.cloud.ai.ocr.v1.RecognizeTextResponse, but "
        "speechkit.stt.v3.AsyncRecognizer.RecognizeFile returns a google.protobuf.Empty here "
        "('type.googleapis.com/google.protobuf.Empty')"
    )
    assert "names no type" not in violation.message
    typo = "type.googleapis.com/google.protobuf.Empt"
    (violation,) = yc_contracts.check(key, {"id": "op", "done": True, "response": {"@type": typo}})
    assert violation.message.endswith("returns 'type.googleapis.com/google.protobuf.Empty' here")


# ---------------------------------------------------------------------------------- item 8: to_rest


@pytest.mark.parametrize(
    ("given", "words"),
    [
        (V3, "got the string 'speechkit.stt.v3.RecognizeFileRequest'"),
        (yc_contracts.registry.message_class(V3), "got the class RecognizeFileRequest"),
        ({"uri": URI}, "got a dict"),
    ],
)
def test_to_rest_of_something_else_than_a_message_is_a_type_error(given: Any, words: str) -> None:
    with pytest.raises(TypeError, match=words):
        yc_contracts.to_rest(given)


# ---------------------------------------------------------- item 1: warnings (the walker) read values too

WARNINGS = """
[[rules]]
id = "test.rate"
message = "yandex.cloud.ai.stt.v2.RecognitionSpec"
field = "sample_rate_hertz"
severity = "warning"
source = "test"
summary = "The rate is 8000."
when = { field = "audio_encoding", in = ["LINEAR16_PCM"] }
check = { one_of = [8000] }

[[rules]]
id = "test.code"
message = "google.rpc.Status"
field = "code"
severity = "warning"
source = "test"
summary = "The code is a google.rpc.Code."
check = { enum_of = "google.rpc.Code" }
"""


@functools.cache
def _warned(key: str) -> Compiled:
    from yc_contracts.rules.ruleset import load_rules

    reg = yc_contracts.registry
    rules = load_rules(reg, files={"test.toml": WARNINGS})
    return Compiled(key, reg, SchemaGenerator(reg, rules).documents(), rules, resolve_limits(None))


@pytest.mark.parametrize(
    ("spec", "warned"),
    [
        ({"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": "8000"}, False),
        ({"audio_encoding": 1, "sample_rate_hertz": 8000.0}, False),
        ({"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": "16000"}, True),
        ({"audio_encoding": 1, "sampleRateHertz": 16000}, True),
        ({"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": "0"}, False),  # not set
        ({"audioEncoding": "OGG_OPUS", "sampleRateHertz": "16000"}, False),  # the condition does not hold
        ({"audioEncoding": 0, "sampleRateHertz": "16000"}, False),
    ],
)
def test_warning_rules_read_values(spec: dict[str, Any], warned: bool) -> None:
    compiled = _warned("yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest")
    found = [(v.rule, v.severity) for v in compiled.violations({"config": {"specification": spec}})]
    assert found == ([("test.rate", "warning")] if warned else [])


@pytest.mark.parametrize(("code", "warned"), [(3, False), ("3", False), (3.0, False), (99, True), ("99", True)])
def test_warning_enum_of_reads_numbers_in_every_spelling(code: Any, warned: bool) -> None:
    found = [(v.path, v.rule) for v in _warned("google.rpc.Status").violations({"code": code})]
    assert found == ([("/code", "test.code")] if warned else [])


def test_megabyte_names_are_shortened_and_get_no_suggestion() -> None:
    """A "did you mean" compares names; a megabyte-long key or @type is compared with nothing (it would cost
    seconds per violation) and shown shortened."""
    huge = "recognitionModel" + "x" * 1_000_000
    (violation,) = yc_contracts.check(V3, {"uri": URI, huge: 1})
    assert violation.rule == "json.unknown_field"
    assert "did you mean" not in violation.message
    assert len(violation.message) < 300
    url = "type.googleapis.com/google.protobuf.Empty" + "x" * 1_000_000
    (violation,) = yc_contracts.check(OPERATION, {"id": "op", "done": True, "response": {"@type": url}})
    assert violation.message == f"found @type {shown(url)}, which names no type of the contract"
    assert UnknownNameError("type URL", url, ["type.googleapis.com/google.protobuf.Empty"]).suggestions == ()
    assert UnknownNameError("type URL", url[:60], ["type.googleapis.com/google.protobuf.Empty"]).suggestions


@pytest.mark.parametrize(
    "type_name", ["google.protobuf.Duration", "google.protobuf.Struct", "google.protobuf.StringValue"]
)
def test_an_any_of_a_well_known_type_without_value_says_where_its_json_goes(type_name: str) -> None:
    url = f"type.googleapis.com/{type_name}"
    operation = {"id": "x", "done": True, "error": {"code": 9, "details": [{"@type": url}]}}
    [violation] = yc_contracts.check("yandex.cloud.operation.Operation", operation)
    assert (violation.path, violation.rule) == ("/error/details/0", "type.message")
    assert f'an Any holding a {type_name} gives its JSON form in "value"' in violation.message
    assert f'{{"@type": "{url}", "value": …}}' in violation.message
