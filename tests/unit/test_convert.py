"""Converters: streams (NDJSON, arrays, grpc-gateway envelopes), into=, errors, well-known types."""

from __future__ import annotations

import importlib.util
import json

import pytest

import yc_contracts
from yc_contracts import ConversionError, StreamError, ValidationError

reg = yc_contracts.registry
STREAM = "speechkit.stt.v3.StreamingResponse"
V3 = "speechkit.stt.v3.RecognizeFileRequest"
HAVE_SDK = importlib.util.find_spec("yandexcloud") is not None


def responses() -> list[object]:
    cls = reg.message_class(STREAM)
    return [
        cls(final={"alternatives": [{"text": "hello", "start_time_ms": 5}]}, channel_tag="0"),
        cls(eou_update={"time_ms": 1500}),
        cls(partial={"alternatives": [{"text": "wor"}]}),
    ]


def test_ndjson_round_trip() -> None:
    lines = list(yc_contracts.to_ndjson(responses()))
    assert len(lines) == 3
    assert all(line.endswith("\n") and "\n" not in line[:-1] for line in lines)
    assert json.loads(lines[1]) == {"eouUpdate": {"timeMs": "1500"}}
    assert yc_contracts.from_stream(STREAM, "".join(lines)) == responses()


def test_grpc_gateway_envelopes_and_arrays() -> None:
    enveloped = "".join(yc_contracts.to_ndjson(responses(), envelope=True))
    assert json.loads(enveloped.splitlines()[0]).keys() == {"result"}
    assert yc_contracts.from_stream(STREAM, enveloped) == responses()
    as_array = json.dumps([yc_contracts.to_rest(m) for m in responses()])
    assert yc_contracts.from_stream(STREAM, as_array.encode()) == responses()


def test_stream_error_keeps_what_came_before() -> None:
    text = "".join(yc_contracts.to_ndjson(responses()[:2], envelope=True))
    text += json.dumps({"error": {"code": 14, "message": "the service is unavailable"}}) + "\n"
    with pytest.raises(StreamError) as info:
        yc_contracts.from_stream(STREAM, text)
    assert info.value.status.code == 14  # type: ignore[attr-defined]
    assert info.value.messages == responses()[:2]


def test_bad_stream_items_name_their_index() -> None:
    text = json.dumps({"eouUpdate": {"timeMs": "1"}}) + "\n" + json.dumps({"eouUpdate": {"timeMs": "x"}}) + "\n"
    with pytest.raises(ValidationError) as info:
        yc_contracts.from_stream(STREAM, text)
    assert [(v.path, v.rule) for v in info.value.violations] == [("/1/eouUpdate/timeMs", "type.int64")]
    with pytest.raises(ValidationError) as info:
        yc_contracts.from_stream(STREAM, '{"eouUpdate": {}}\n{"eouUpdate": \n')
    assert info.value.violations[0].path == "/1"
    assert info.value.violations[0].rule == "json.invalid"


def test_to_proto_validates_first_and_reports_everything() -> None:
    with pytest.raises(ValidationError) as info:
        yc_contracts.to_proto(V3, {"uri": "x", "content": "AAAA", "recognitionModel": {"model": 1}})
    assert {v.rule for v in info.value.violations} == {"stt.v3.audio_source", "type.string"}


def _wav_content(size: int) -> str:
    import base64
    import io
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(b"\x01\x02" * (size // 2))
    return base64.b64encode(out.getvalue()).decode("ascii")


@pytest.mark.parametrize(
    ("where", "edit"),
    [
        ("in the header", lambda text: text[:8] + "*" + text[9:]),
        ("far past the header", lambda text: text[:-40] + "." + text[-39:]),
        ("padding inside", lambda text: text[:-40] + "=" + text[-39:]),
        ("a newline", lambda text: text[:100] + "\n" + text[101:]),
    ],
)
def test_to_proto_reports_bad_base64_as_validate_does(where: str, edit: object) -> None:
    """to_proto checks base64 characters by decoding them (not by a second pass); its report is still
    check()'s, wherever the bad character is."""
    text = _wav_content(64 * 1024)
    request = {"content": text, "recognitionModel": {"model": "general"}}
    assert yc_contracts.to_proto(V3, request).content.startswith(b"RIFF")
    request["content"] = edit(text)  # type: ignore[operator]
    expected = [v for v in yc_contracts.check(V3, request) if v.severity == "error"]
    assert [(v.path, v.rule) for v in expected] == [("/content", "type.bytes")], where
    with pytest.raises(ValidationError) as info:
        yc_contracts.to_proto(V3, request)
    assert list(info.value.violations) == expected


def test_to_proto_from_text_and_bytes() -> None:
    text = '{"uri": "https://storage.yandexcloud.net/b/a.wav"}'
    assert yc_contracts.to_proto(V3, text) == yc_contracts.to_proto(V3, text.encode())
    with pytest.raises(ValidationError):
        yc_contracts.to_proto(V3, '{"uri": ')


def test_validate_false_converts_and_still_refuses_the_unconvertible() -> None:
    msg = yc_contracts.to_proto(V3, {"uri": "x", "content": "AAAA"}, validate=False)  # breaks a rule, converts
    assert msg.WhichOneof("AudioSource") == "content"  # the last one set wins, as on the wire
    with pytest.raises(ConversionError, match="/recognitionModel/textNormalization"):
        yc_contracts.to_proto(V3, {"recognitionModel": {"textNormalization": []}}, validate=False)


def test_to_rest_options() -> None:
    msg = yc_contracts.to_proto(V3, {"uri": "u", "recognitionModel": {"model": "general"}}, inspect_content=False)
    assert yc_contracts.to_rest(msg) == {"uri": "u", "recognitionModel": {"model": "general"}}
    assert yc_contracts.to_rest(msg, names="proto") == {"uri": "u", "recognition_model": {"model": "general"}}
    with_defaults = yc_contracts.to_rest(msg, defaults=True)
    assert with_defaults["recognitionModel"]["audioProcessingType"] == "AUDIO_PROCESSING_TYPE_UNSPECIFIED"
    with pytest.raises(ValueError, match="names"):
        yc_contracts.to_rest(msg, names="camel")
    assert yc_contracts.to_json(msg) == '{"uri":"u","recognitionModel":{"model":"general"}}'


def test_any_is_unpacked_and_packed_back() -> None:
    op = {
        "id": "op",
        "done": True,
        "response": {
            "@type": "type.googleapis.com/yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse",
            "chunks": [{"channelTag": "1", "alternatives": [{"text": "hi", "words": [{"startTime": "0.100s"}]}]}],
        },
    }
    msg = yc_contracts.to_proto("yandex.cloud.operation.Operation", op)
    assert msg.response.type_url.endswith("LongRunningRecognitionResponse")  # type: ignore[attr-defined]
    assert yc_contracts.to_rest(msg) == op
    empty = {"done": True, "response": {"@type": "type.googleapis.com/google.protobuf.Empty", "value": {}}}
    packed = yc_contracts.to_proto("yandex.cloud.operation.Operation", empty)
    assert yc_contracts.to_rest(packed)["response"] == {"@type": "type.googleapis.com/google.protobuf.Empty"}


@pytest.mark.skipif(not HAVE_SDK, reason="yandexcloud is installed in the protobuf 6 test environment only")
def test_into_the_official_sdk_class_and_back() -> None:
    from yandex.cloud.ai.stt.v3 import stt_pb2

    payload = {"uri": "https://storage.yandexcloud.net/b/a.wav", "recognitionModel": {"model": "general"}}
    theirs = yc_contracts.to_proto(V3, payload, into=stt_pb2.RecognizeFileRequest)
    assert type(theirs) is stt_pb2.RecognizeFileRequest
    assert theirs.recognition_model.model == "general"
    assert yc_contracts.to_rest(theirs) == payload
    with pytest.raises(TypeError):
        yc_contracts.to_proto(V3, payload, into=stt_pb2.StreamingResponse)
