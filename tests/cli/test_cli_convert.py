"""``yc-contracts convert``: REST JSON, NDJSON, binary and text format, both ways, and what it refuses."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import EXAMPLES, Cli

import yc_contracts
from yc_contracts.cli.main import run

V2 = "yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest"
V2_REQUEST = EXAMPLES / "payloads" / "stt_v2" / "long_running_recognize.good.json"
V2_BAD = EXAMPLES / "payloads" / "stt_v2" / "long_running_recognize.bad.json"


def binary(*argv: str, stdin: bytes = b"") -> tuple[int, bytes, str]:
    """``run`` with a byte-backed standard output (for ``--to binary``)."""
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8")
    err = io.StringIO()
    code = run(list(argv), out, err, stdin=io.BytesIO(stdin))
    out.flush()
    return code, raw.getvalue(), err.getvalue()


def test_rest_to_text(cli: Cli) -> None:
    result = cli("convert", "--type", V2, "--from", "rest", "--to", "text", str(V2_REQUEST))
    assert result.code == 0
    assert result.lines[:3] == ["config {", "  specification {", "    audio_encoding: LINEAR16_PCM"]
    assert 'uri: "https://storage.yandexcloud.net/speechkit-bucket/audio/speech-8k.pcm"' in result.out


def test_round_trip_through_binary_and_text(cli: Cli, tmp_path: Path) -> None:
    code, wire, err = binary("convert", "--type", V2, "--from", "rest", "--to", "binary", str(V2_REQUEST))
    assert (code, err) == (0, "")
    cls = yc_contracts.registry.message_class(V2)
    assert cls.FromString(wire) == yc_contracts.to_proto(V2, V2_REQUEST.read_bytes())
    back = cli("convert", "--type", V2, "--from", "binary", "--to", "text", "-", stdin=wire)
    again = cli("convert", "--type", V2, "--from", "text", "--to", "rest", "-", stdin=back.out.encode())
    assert again.code == 0
    # The same request; defaults (rawResults: false) are not printed, as in ProtoJSON.
    assert json.loads(again.out) == yc_contracts.to_rest(yc_contracts.to_proto(V2, V2_REQUEST.read_bytes()))
    assert json.loads(again.out)["audio"] == json.loads(V2_REQUEST.read_text())["audio"]
    ndjson = cli("convert", "--type", V2, "--from", "binary", "--to", "ndjson", "-", stdin=wire)
    assert ndjson.out == yc_contracts.to_json(cls.FromString(wire)) + "\n"


def test_route_names_the_type_and_proto_names(cli: Cli) -> None:
    result = cli(
        "convert",
        "--type",
        "POST /speech/stt/v2/longRunningRecognize",
        "--from",
        "rest",
        "--to",
        "rest",
        "--names",
        "proto",
        str(V2_REQUEST),
    )
    assert result.code == 0
    assert json.loads(result.out)["config"]["specification"]["sample_rate_hertz"] == "8000"


def test_text_header_names_the_type(cli: Cli) -> None:
    result = cli("convert", "--from", "text", "--to", "rest", str(EXAMPLES / "stt_v3_recognize_file.txtpb"))
    assert result.code == 0
    assert json.loads(result.out)["recognitionModel"]["audioFormat"] == {
        "containerAudio": {"containerAudioType": "WAV"}
    }
    untyped = cli("convert", "--from", "text", "--to", "rest", "-", stdin=b'uri: "x"\n')
    assert untyped.code == 2
    assert untyped.err == (
        "yc-contracts: error: convert: pass --type NAME, start the text with '# proto-message: NAME', or map the "
        "file to a type under [tool.yc-contracts.payloads] in pyproject.toml (docs/cli.md)\n"
    )


def test_ndjson_stream(cli: Cli) -> None:
    ops = EXAMPLES / "payloads" / "operation" / "operations.good.ndjson"
    result = cli(
        "convert", "--type", "yandex.cloud.operation.Operation", "--from", "ndjson", "--to", "ndjson", str(ops)
    )
    assert result.code == 0
    expected = [
        yc_contracts.to_rest(yc_contracts.to_proto("yandex.cloud.operation.Operation", line))
        for line in ops.read_text().splitlines()
    ]
    assert [json.loads(line) for line in result.lines] == expected
    array = cli("convert", "--type", "yandex.cloud.operation.Operation", "--from", "ndjson", "--to", "rest", str(ops))
    assert len(json.loads(array.out)) == 3
    one = cli("convert", "--type", "yandex.cloud.operation.Operation", "--from", "ndjson", "--to", "text", str(ops))
    assert (one.code, one.err) == (2, "yc-contracts: error: convert: --to text holds one message; the input has 3\n")


def test_invalid_rest_input_is_located_and_nothing_written(cli: Cli) -> None:
    result = cli("convert", "--type", V2, "--from", "rest", "--to", "text", str(V2_BAD))
    assert (result.code, result.out) == (1, "")
    name = str(V2_BAD)
    assert [line.split(" /")[0] for line in result.err.splitlines()] == [
        f"{name}:6:26: error [type.bool]",
        f"{name}:9:26: error [stt.v2.lpcm_sample_rate]",
        f"{name}:15:12: error [stt.v2.audio_uri_object_storage]",
        "yc-contracts: convert: the input breaks the contract; nothing was written",
    ]
    unchecked = cli(
        "convert",
        "--type",
        V2,
        "--no-validate",
        "--from",
        "rest",
        "--to",
        "ndjson",
        "-",
        stdin=b'{"audio": {"uri": "x"}}',
    )
    assert (unchecked.code, unchecked.out) == (0, '{"audio":{"uri":"x"}}\n')


@pytest.mark.parametrize(
    ("source", "data", "line"),
    [
        ("rest", b'{"config": {\n  "x": }', "stdin:2:8: error [json.invalid] the payload is not JSON: Expecting value"),
        ("ndjson", b'{}\n{"a": 1, "a": 2}\n', "stdin:2:10: error [json.duplicate_key]"),
        ("text", b"config {\n  bogus: 1\n}\n", "stdin:2:3: error [text.invalid] the input is not "),
        ("binary", b"\xff\xff\xff", "stdin: error [binary.invalid] the input is not a serialized " + V2),
        ("rest", b"\xc3(", "stdin:1:1: error [json.invalid_utf8]"),
    ],
)
def test_unreadable_input(cli: Cli, source: str, data: bytes, line: str) -> None:
    result = cli("convert", "--type", V2, "--from", source, "--to", "rest", "-", stdin=data)
    assert result.code == 2
    assert result.err.startswith(line)
    assert result.err.endswith("yc-contracts: convert: the input cannot be read; nothing was written\n")


def test_binary_and_text_input_are_validated_by_pointer(cli: Cli) -> None:
    text = b'config { specification { audio_encoding: LINEAR16_PCM sample_rate_hertz: 44100 } }\naudio { uri: "x" }\n'
    result = cli("convert", "--type", V2, "--from", "text", "--to", "rest", "-", stdin=text)
    assert result.code == 1
    assert "stdin: error [stt.v2.lpcm_sample_rate] /config/specification/sampleRateHertz: " in result.err


def test_binary_output_needs_a_byte_stream(cli: Cli) -> None:
    result = cli("convert", "--type", V2, "--from", "rest", "--to", "binary", str(V2_REQUEST))
    assert result.code == 2
    assert result.err == "yc-contracts: error: binary output needs a byte stream; redirect standard output to a file\n"

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = io.StringIO()
    assert run(["convert", "--type", V2, "--from", "rest", "--to", "binary", str(V2_REQUEST)], Terminal(), err) == 2
    assert "refusing to write binary protobuf to a terminal" in err.getvalue()


def test_usage(cli: Cli) -> None:
    assert cli("convert", "--type", V2, "--to", "rest").code == 2
    missing = cli("convert", "--type", V2, "--from", "rest", "--to", "rest", "nope.json")
    assert (missing.code, missing.err) == (2, "yc-contracts: error: cannot read nope.json: No such file or directory\n")
    unknown = cli("convert", "--type", "Nope", "--from", "rest", "--to", "rest", "-", stdin=b"{}")
    assert unknown.code == 2
    assert unknown.err.startswith("yc-contracts: error: unknown schema 'Nope'")
