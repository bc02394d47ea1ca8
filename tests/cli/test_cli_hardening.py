"""Issue 12, the command line: exit statuses, bounded reading, cost, YAML bombs, streamed bodies and the new-user
findings. Each test names the issue item it guards; most call ``run()``, a few the installed console script.
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, Cli, write

import yc_contracts
from yc_contracts.cli import validate as _cli_validate
from yc_contracts.cli.main import run
from yc_contracts.cli.reading import DEFAULT_MAX_INPUT_BYTES, parse_size

STT_V3 = "speechkit.stt.v3.RecognizeFileRequest"
OCR = "yandex.cloud.ai.ocr.v1.RecognizeTextRequest"
STREAM = "speechkit.stt.v3.StreamingResponse"
GOOD = '{"uri": "https://storage.yandexcloud.net/b/c.ogg", "recognitionModel": {"model": "general"}}\n'
SECRET = "t1.SECRET-9f8e7d6c5b4a-do-not-print"


def console(
    script: str, *args: str, stdin: bytes = b"", cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([script, *args], input=stdin, capture_output=True, check=False, cwd=cwd, timeout=timeout)


# ------------------------------------------------------------------------------ 1. exit statuses, no traceback


def _explode(*_: object) -> int:
    raise RuntimeError(f"a bug whose message quotes the input: {SECRET}")


def test_an_internal_error_is_status_3_in_one_line(cli: Cli, in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(in_tmp, "good.json", GOOD)
    monkeypatch.setattr(_cli_validate, "command", _explode)
    result = cli("validate", "--type", STT_V3, "good.json")
    assert result.code == 3
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert result.err.startswith("yc-contracts: internal error: RuntimeError in yc_contracts/")
    assert "this is a bug in yc-contracts: please report it" in result.err
    assert "Traceback" not in result.err
    assert SECRET not in result.err  # the exception's message may quote the input: it is never printed


def test_traceback_on_request(cli: Cli, in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(in_tmp, "good.json", GOOD)
    monkeypatch.setattr(_cli_validate, "command", _explode)
    flagged = cli("--traceback", "validate", "--type", STT_V3, "good.json")
    assert flagged.code == 3
    assert "Traceback (most recent call last)" in flagged.err
    assert flagged.err.splitlines()[-1].startswith("yc-contracts: internal error: RuntimeError")
    monkeypatch.setenv("YC_CONTRACTS_TRACEBACK", "1")
    assert "Traceback (most recent call last)" in cli("validate", "--type", STT_V3, "good.json").err


def test_the_console_script_reports_a_bug_as_status_3(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from yc_contracts.cli import validate as _cli_validate\n"
        "def boom(*a): raise ZeroDivisionError\n"
        "_cli_validate.command = boom\n"
        "from yc_contracts.__main__ import main\n"
        "sys.argv = ['yc-contracts', 'validate', '--type', 'speechkit.stt.v3.RecognizeFileRequest', 'x.json']\n"
        "main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=tmp_path, timeout=60
    )
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("yc-contracts: internal error: ZeroDivisionError")


def test_exit_statuses_are_documented() -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for needle in ("`3` an internal error", "--traceback", "YC_CONTRACTS_TRACEBACK", "--allow-empty"):
        assert needle in text, needle


# ------------------------------------------------------------------------------------ 2. reading the input


def test_a_symlink_loop_in_a_folder_is_a_finding(cli: Cli, in_tmp: Path) -> None:
    write(in_tmp, "payloads/good.json", GOOD)
    os.symlink("loop.json", in_tmp / "payloads" / "loop.json")
    os.symlink("b.json", in_tmp / "payloads" / "a.json")
    os.symlink("a.json", in_tmp / "payloads" / "b.json")
    result = cli("validate", "--type", STT_V3, "payloads")
    assert result.code == 2
    assert result.lines == [
        "payloads/a.json:1:1: error [input.unreadable] cannot read the file: Too many levels of symbolic links",
        "payloads/b.json:1:1: error [input.unreadable] cannot read the file: Too many levels of symbolic links",
        "payloads/loop.json:1:1: error [input.unreadable] cannot read the file: Too many levels of symbolic links",
        "4 payloads in 4 files: 1 valid, 3 not readable",
    ]
    named = cli("validate", "--type", STT_V3, "payloads/loop.json")
    assert named.code == 2
    assert "[input.unreadable]" in named.out


def test_a_loop_is_also_fine_for_the_configuration_lookup(cli: Cli, in_tmp: Path) -> None:
    write(in_tmp, "pyproject.toml", '[tool.yc-contracts.payloads]\n"p/*" = "speechkit.stt.v3.RecognizeFileRequest"\n')
    write(in_tmp, "p/good.json", GOOD)
    os.symlink("loop.json", in_tmp / "p" / "loop.json")
    result = cli("validate", "p")
    assert result.code == 2
    assert result.lines[-1] == "2 payloads in 2 files: 1 valid, 1 not readable"


def test_an_unreadable_folder_is_a_finding(cli: Cli, in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The tests may run as root, who reads any folder: the refusal is the operating system's, simulated here.
    write(in_tmp, "payloads/good.json", GOOD)
    write(in_tmp, "payloads/locked/x.json", GOOD)
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    result = cli("validate", "--type", STT_V3, "payloads")
    assert result.code == 2
    assert result.lines == [
        "payloads/locked:1:1: error [input.unreadable] cannot read the folder: Permission denied",
        "2 payloads in 2 files: 1 valid, 1 not readable",
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_refused_at_once(console_script: str, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.json")  # nobody writes to it: reading it would wait forever
    started = time.monotonic()
    result = console(console_script, "validate", "--type", STT_V3, "pipe.json", cwd=tmp_path, timeout=30)
    assert time.monotonic() - started < 20
    assert result.returncode == 2
    assert result.stdout.decode().startswith(
        "pipe.json:1:1: error [input.not_a_file] cannot read the file: it is a FIFO (named pipe): only regular "
        "files are read"
    )
    assert b"Traceback" not in result.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_refused_and_standard_input_is_bounded(console_script: str, tmp_path: Path) -> None:
    device = console(console_script, "validate", "--type", STT_V3, "--input-format", "json", "/dev/zero")
    assert device.returncode == 2
    assert b"[input.not_a_file] cannot read the file: it is a character device" in device.stdout
    with open("/dev/zero", "rb") as zeros:
        piped = subprocess.run(
            [console_script, "validate", "--type", STT_V3, "--max-input-size", "1M", "-"],
            stdin=zeros,
            capture_output=True,
            check=False,
            timeout=60,
        )
    assert piped.returncode == 2
    assert piped.stdout.decode().startswith(
        "-:1:1: error [input.too_large] cannot read standard input: it holds more than the maximum input size of "
        "1,048,576 bytes (1 MiB)"
    )


def test_the_maximum_input_size(cli: Cli, in_tmp: Path) -> None:
    padded = GOOD.rstrip("\n") + " " * 2000 + "\n"
    write(in_tmp, "p.json", padded)
    small = cli("validate", "--type", STT_V3, "--max-input-size", "1K", "p.json")
    assert small.code == 2
    assert small.lines[0] == (
        f"p.json:1:1: error [input.too_large] cannot read the file: it holds {len(padded):,} bytes, more than the "
        "maximum input size of 1,024 bytes (1 KiB); raise it with --max-input-size or max-input-size in "
        "[tool.yc-contracts]"
    )
    assert cli("validate", "--type", STT_V3, "--max-input-size", "4K", "p.json").code == 0
    assert cli("validate", "--type", STT_V3, "-", stdin=padded.encode()).code == 0
    piped = cli("validate", "--type", STT_V3, "--max-input-size", "1000", "-", stdin=padded.encode())
    assert "[input.too_large] cannot read standard input" in piped.out
    # The configuration sets it for its files (and for standard input, from the current folder).
    project = in_tmp / "project"
    write(project, "pyproject.toml", '[tool.yc-contracts]\nmax-input-size = "1K"\n')
    write(project, "p.json", padded)
    assert "[input.too_large]" in cli("validate", "--type", STT_V3, "project/p.json").out
    assert cli("validate", "--type", STT_V3, "--max-input-size", "4K", "project/p.json").code == 0  # the option wins
    os.chdir(project)
    assert "[input.too_large]" in cli("validate", "--type", STT_V3, "-", stdin=padded.encode()).out
    bad = cli("validate", "--type", STT_V3, "--max-input-size", "lots", "p.json")
    assert bad.code == 2
    assert "argument --max-input-size: 'lots' is not a size" in bad.err


def test_the_default_maximum_holds_the_largest_payload_the_contract_allows() -> None:
    import tomllib

    limits = tomllib.loads((ROOT / "src" / "yc_contracts" / "rules" / "limits.toml").read_text(encoding="utf-8"))
    limit = limits["ocr"]["max_file_bytes"]["value"]
    largest = len(json.dumps({"content": base64.b64encode(b"\0" * limit).decode(), "mimeType": "image/png"}))
    assert largest < DEFAULT_MAX_INPUT_BYTES < 2 * largest
    assert parse_size("32M") == parse_size("32MiB") == DEFAULT_MAX_INPUT_BYTES == 33554432
    assert parse_size(" 1g ") == 1024**3
    for bad in ("0", "-1", "1T", "", "1.5M"):
        with pytest.raises(ValueError, match="size"):
            parse_size(bad)


# -------------------------------------------------------------------------------------------------- 3. cost


def _peak_rss_kib(argv: list[str], cwd: Path) -> tuple[int, int]:
    """The exit status and peak resident memory (KiB) of a child process running ``argv``."""
    code = (
        "import resource, subprocess, sys\n"
        "status = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
        "print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True, cwd=cwd, timeout=120
    )
    status, peak = done.stdout.split()
    return int(status), int(peak)


def test_a_large_invalid_payload_costs_a_small_multiple_of_its_size(console_script: str, tmp_path: Path) -> None:
    """Once 10 s and 7 GB for a 52 MB payload whose content is over the limit: the location scan's regular
    expression kept backtracking state per character. Now a 50 MB one peaks below 3x its size, interpreter
    included (the text, and the value parsed from it; the bytes read are dropped once decoded)."""
    content = base64.b64encode(b"\0" * (37 * 1024 * 1024)).decode()  # 37 MiB: over the 20 MiB limit
    big = write(tmp_path, "big.json", json.dumps({"content": content, "mimeType": "image/png", "model": "page"}))
    write(tmp_path, "tiny.json", "{}")
    size_kib = big.stat().st_size // 1024
    assert size_kib > 50_000
    _, baseline = _peak_rss_kib([console_script, "validate", "--type", OCR, "tiny.json"], tmp_path)
    started = time.monotonic()
    argv = [console_script, "validate", "--type", OCR, "--max-input-size", "64M", "big.json"]
    status, peak = _peak_rss_kib(argv, tmp_path)
    assert time.monotonic() - started < 30
    assert status == 1
    assert peak < 3 * size_kib, (peak, size_kib, baseline)
    assert peak - baseline < 2.2 * size_kib, (peak, size_kib, baseline)


def test_many_violations_are_located_in_one_linear_pass(cli: Cli, in_tmp: Path) -> None:
    write(in_tmp, "many.json", json.dumps({"uri": "x", **{f"k{i}": 1 for i in range(200_000)}}))
    started = time.monotonic()
    result = cli("validate", "--type", STT_V3, "many.json")
    assert time.monotonic() - started < 20
    assert result.code == 1
    assert "json.unknown_field] /k0:" in result.out


# ----------------------------------------------------------------------------------------------- 4. YAML


def _laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join([*lines, f"languageCodes: *a{levels - 1}"]) + "\n"


def test_a_yaml_alias_bomb_is_refused_quickly(cli: Cli, in_tmp: Path) -> None:
    bomb = _laughs()
    assert len(bomb) < 600
    write(in_tmp, "bomb.yaml", bomb)
    started = time.monotonic()
    result = cli("validate", "--type", OCR, "bomb.yaml")
    assert time.monotonic() - started < 5
    assert result.code == 2
    assert result.lines[0].startswith(
        "bomb.yaml:5:15: error [yaml.alias_expansion] the aliases of this document expand it by more than"
    )


def test_a_few_aliases_are_still_fine(cli: Cli, in_tmp: Path) -> None:
    write(
        in_tmp,
        "a.yaml",
        "uri: https://storage.yandexcloud.net/b/c.ogg\n"
        "recognitionModel:\n  languageRestriction: {restrictionType: WHITELIST, languageCode: &langs [ru-RU, en-US]}\n"
        "speechAnalysis: {enableSpeakerAnalysis: true}\n"
        "---\n# anchors do not cross documents\nuri: &u https://storage.yandexcloud.net/b/c.ogg\nx: *u\n",
    )
    result = cli("validate", "--type", STT_V3, "a.yaml")
    assert result.code == 1
    assert result.lines[0].startswith("a.yaml:8:1: error [json.unknown_field] /x")
    assert result.lines[-1] == "2 payloads in 1 file: 1 valid, 1 invalid (1 error)"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("uri: !!binary aGVsbG8=\n", "y.yaml:1:6: error [yaml.invalid] the tag 'tag:yaml.org,2002:binary' stands for "),
        ("uri: !!int x\n", "y.yaml:1:6: error [yaml.invalid] 'x' is not an integer"),
        ("uri: !!bool maybe\n", "y.yaml:1:6: error [yaml.invalid] 'maybe' is not a boolean"),
        ("uri: !!set {a, b}\n", "y.yaml:1:6: error [yaml.invalid] the tag 'tag:yaml.org,2002:set' stands for "),
        ("a: &x [1, *x]\n", "y.yaml:1:11: error [yaml.invalid] the alias *x refers to a value that contains it"),
        ("a: *nowhere\n", "y.yaml:1:4: error [yaml.invalid] the alias *nowhere names no anchor before it"),
        ("? [a, b]\n: c\n", "y.yaml:1:3: error [yaml.invalid] a mapping key must be a plain value"),
        (f"uri: {'9' * 5000}\n", "y.yaml:1:6: error [json.number_too_long] found an integer of 5,000 digits"),
        ("a: 1\na: 2\n", "y.yaml:2:1: error [json.duplicate_key] the mapping has the key 'a' twice"),
    ],
)
def test_yaml_that_stands_for_no_json_is_a_finding(cli: Cli, in_tmp: Path, text: str, line: str) -> None:
    write(in_tmp, "y.yaml", text)
    result = cli("validate", "--type", STT_V3, "y.yaml")
    assert result.code == 2
    assert result.lines[0].startswith(line)


def test_yaml_keys_are_their_text(cli: Cli, in_tmp: Path) -> None:
    write(in_tmp, "k.yaml", "uri: https://storage.yandexcloud.net/b/c.ogg\n1: x\n")
    result = cli("validate", "--type", STT_V3, "k.yaml")
    assert result.code == 1
    assert result.lines[0].startswith("k.yaml:2:1: error [json.unknown_field] /1: found the field '1'")


def test_deep_yaml_is_too_deep_not_a_crash(console_script: str, tmp_path: Path) -> None:
    """PyYAML's C composer recursed per level (a segfault at 100,000), its scanner slows with the square of the
    depth: reading stops at 254 levels, as for JSON."""
    write(tmp_path, "deep.yaml", "a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    started = time.monotonic()
    result = console(console_script, "validate", "--type", STT_V3, "deep.yaml", cwd=tmp_path, timeout=60)
    assert time.monotonic() - started < 30
    assert result.returncode == 2
    assert result.stdout.decode().startswith("deep.yaml:1:")
    assert "[json.too_deep] the payload nests deeper than 254 levels" in result.stdout.decode()
    # Also past a refused value, where the rest of the document is read without being built.
    write(tmp_path, "deep2.yaml", "a: !!binary aGk=\nb: " + "[" * 100_000 + "]" * 100_000 + "\n")
    second = console(console_script, "validate", "--type", STT_V3, "deep2.yaml", cwd=tmp_path, timeout=60)
    assert second.returncode == 2
    assert "deep2.yaml:2:" in second.stdout.decode()
    assert "[json.too_deep]" in second.stdout.decode()


# ------------------------------------------------------------------------------------- 5. streamed bodies


def test_a_streamed_body_is_unwrapped_like_from_stream(cli: Cli, in_tmp: Path) -> None:
    body = (
        '{"result": {"final": {"alternatives": [{"text": "hi"}]}, "channelTag": "0"}}\n'
        '{"result": {"final": {"alternatives": [{"text": 5}]}}}\n'
        '{"error": {"code": 3, "message": "bad audio"}}\n'
    )
    write(in_tmp, "body.ndjson", body)
    assert len(yc_contracts.from_stream(STREAM, body.split("\n", maxsplit=1)[0])) == 1  # what from_stream accepts
    result = cli("validate", "--type", STREAM, "body.ndjson")
    assert result.code == 1
    assert result.lines == [
        result.lines[0],
        "body.ndjson:3:11: warning [stream.error] /error: the stream ends with an error (code 3: 'bad audio') "
        "instead of a result (from_stream raises StreamError here)",
        "3 payloads in 1 file: 2 valid, 1 invalid (1 error, 1 warning)",
    ]
    assert result.lines[0].startswith(
        "body.ndjson:2:49: error [type.string] /result/final/alternatives/0/text: found 5"
    )
    assert "json.unknown_field" not in result.out
    # A type no server stream sends keeps its own fields: {"result": …} is unknown there.
    write(in_tmp, "r.json", '{"result": {}}')
    assert "[json.unknown_field] /result" in cli("validate", "--type", STT_V3, "r.json").out


# ----------------------------------------------------------------------------------- 6. nothing to check


def test_a_run_that_checks_nothing_fails_unless_allowed(cli: Cli, in_tmp: Path) -> None:
    (in_tmp / "empty").mkdir()
    write(in_tmp, "empty/notes.txt", "not a payload")
    result = cli("validate", "--type", STT_V3, "empty")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "yc-contracts: error: no payload files found (.json, .yaml, .yml, .ndjson, .jsonl): nothing was checked "
        "(--allow-empty accepts that)\n"
    )
    assert cli("validate", "--type", STT_V3, "--allow-empty", "empty").code == 0
    # A glob the shell did not expand is a path that does not exist.
    typo = cli("validate", "--type", STT_V3, "payloads/*.jsn")
    assert typo.code == 2
    assert typo.lines[0] == (
        "payloads/*.jsn:1:1: error [input.unreadable] cannot read the file: No such file or directory"
    )


def test_the_pre_commit_hook_allows_a_commit_without_payloads() -> None:
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "entry: yc-contracts validate --ignore-unmapped --allow-empty\n" in hooks


# ----------------------------------------------------------------------------------------- 7. schemas export


def test_schemas_export_to_a_file_or_an_unwritable_path(cli: Cli, in_tmp: Path) -> None:
    write(in_tmp, "taken", "a file")
    onto_file = cli("schemas", "export", "taken")
    assert (onto_file.code, onto_file.out) == (2, "")
    assert onto_file.err == (
        "yc-contracts: error: schemas export: taken is a file, not a folder; name a folder (it is created if need be)\n"
    )
    below_file = cli("schemas", "export", "taken/sub")
    assert below_file.code == 2
    assert below_file.err.startswith("yc-contracts: error: schemas export: cannot write taken/sub: Not a directory")


# ---------------------------------------------------------------------------------- 8. empty files, alike


@pytest.mark.parametrize("name", ["e.json", "e.yaml", "e.yml", "e.ndjson", "e.jsonl"])
@pytest.mark.parametrize("text", ["", " \n\t\r\n"])
def test_an_empty_file_is_input_empty_whatever_its_syntax(cli: Cli, in_tmp: Path, name: str, text: str) -> None:
    write(in_tmp, name, text)
    result = cli("validate", "--type", STT_V3, name)
    assert (result.code, result.lines[0]) == (2, f"{name}:1:1: error [input.empty] the file holds no payload")


# ------------------------------------------------------------------------------------------------ 10. --jobs


@pytest.mark.parametrize("jobs", ["0", "-3"])
def test_jobs_below_one_is_a_usage_error(cli: Cli, in_tmp: Path, jobs: str) -> None:
    write(in_tmp, "good.json", GOOD)
    result = cli("validate", "--jobs", jobs, "--type", STT_V3, "good.json")
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("usage: yc-contracts validate ")
    assert f"argument --jobs: {jobs} is not a number of processes (1 or more)" in result.err
    assert cli("validate", "--jobs", "1", "--type", STT_V3, "good.json").code == 0


# --------------------------------------------------------------------------- 11. the subcommand's usage


@pytest.mark.parametrize(
    ("argv", "usage"),
    [
        (["validate", "--bogus", "x.json"], "usage: yc-contracts validate "),
        (["convert", "--from", "rest", "--to", "rest", "--bogus"], "usage: yc-contracts convert "),
        (["schemas", "export", "--bogus", "d"], "usage: yc-contracts schemas export "),
        (["list", "--bogus"], "usage: yc-contracts list "),
    ],
)
def test_an_unknown_option_shows_the_commands_usage(cli: Cli, argv: list[str], usage: str) -> None:
    result = cli(*argv)
    assert result.code == 2
    assert result.err.startswith(usage)
    assert result.err.splitlines()[-1].endswith("error: unrecognized arguments: --bogus")


# ------------------------------------------------------------------------------------------ 12. breaking -I


def test_breaking_with_a_missing_include_is_an_error(cli: Cli, in_tmp: Path) -> None:
    protos = str(ROOT / "protos")
    result = cli("breaking", "--protos", protos, "--against", protos, "-I", "missing/")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "yc-contracts: error: breaking: -I missing does not exist; name a folder of .proto files (an import root)\n"
    )


# ---------------------------------------------------------------------------------- 13. list operations


def test_list_shows_the_operation_names_type_takes(cli: Cli, in_tmp: Path) -> None:
    text = cli("list", "operations")
    assert text.code == 0
    assert text.lines[0].startswith("Operations of long-running methods, for --type (")
    name = "yandex.cloud.ai.stt.v2.SttService.LongRunningRecognize.Operation"
    assert f"  {name}  (response: yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse)" in text.lines
    listed = json.loads(cli("list", "--format", "json", "operations").out)["operations"]
    assert {op["name"] for op in listed} >= {name, "speechkit.stt.v3.AsyncRecognizer.RecognizeFile.Operation"}
    write(in_tmp, "op.json", '{"id": "x", "done": false}')
    for op in listed:  # every listed name is one --type takes
        assert cli("validate", "--type", op["name"], "op.json").code == 0, op["name"]


# ------------------------------------------------------------------------------ 14. convert reads the config


def test_convert_honours_the_project_configuration(cli: Cli, in_tmp: Path) -> None:
    write(
        in_tmp,
        "pyproject.toml",
        '[tool.yc-contracts]\nmax-input-size = "2K"\n\n[tool.yc-contracts.payloads]\n'
        '"req/*.json" = "POST /stt/v3/recognizeFileAsync"\n"typo/*" = "speechkit.stt.v3.RecognizeFileRequets"\n',
    )
    write(in_tmp, "req/r.json", GOOD)
    converted = cli("convert", "--from", "rest", "--to", "text", "req/r.json")
    assert converted.code == 0, converted.err
    assert 'uri: "https://storage.yandexcloud.net/b/c.ogg"' in converted.out
    write(in_tmp, "req/big.json", GOOD.rstrip("\n") + " " * 3000)
    big = cli("convert", "--from", "rest", "--to", "text", "req/big.json")
    assert big.code == 2
    assert big.err.startswith("yc-contracts: error: cannot read req/big.json: it holds 3,")
    write(in_tmp, "typo/t.json", GOOD)
    typo = cli("convert", "--from", "rest", "--to", "text", "typo/t.json")
    assert typo.code == 2
    assert "maps 'typo/*' to unknown schema 'speechkit.stt.v3.RecognizeFileRequets'" in typo.err


# ------------------------------------------------------------------------------- 15. no secret in errors


@pytest.mark.parametrize(
    "argv",
    [
        ["transcode", "GET", "/operations/abc", "--header", f"Authorization Bearer {SECRET}"],
        ["transcode", "GET", "/operations/abc", "--header", f": Bearer {SECRET}"],
        ["transcode", "GET", "/operations/abc", "--header", "x-folder-id: b1g", "--header", f"Bearer{SECRET}"],
        ["transcode", "GET", "/operations/abc", "--query", f"api_key {SECRET}"],
        ["transcode", "GET", "/operations/abc", "--headr", f"Authorization: Bearer {SECRET}"],
        ["transcode", "GET", "/operations/abc", f"--headr=Authorization: Bearer {SECRET}"],
        ["transcode", "GET", "/operations/abc", "--header", f"Authorization: Bearer {SECRET}\x01"],
        ["transcode", "GET", "/operations/abc", "--header", f"Grpc-Metadata-x-bin: {SECRET}!"],
    ],
)
def test_a_malformed_header_never_echoes_its_value(cli: Cli, argv: list[str]) -> None:
    result = cli(*argv)
    assert result.code in (1, 2)
    assert SECRET not in result.out
    assert SECRET not in result.err
    assert "Traceback" not in result.err


def test_the_header_error_names_the_header_by_position(cli: Cli) -> None:
    result = cli("transcode", "GET", "/operations/abc", "--header", "a: b", "--header", f"Bearer {SECRET}")
    assert result.err == (
        "yc-contracts: error: the 2nd --header has no ':': write it as \"NAME: VALUE\" (its text is not shown, as "
        "it may hold a secret)\n"
    )


# ------------------------------------------------------------------------------ 16. very long numbers


@pytest.mark.parametrize(("name", "text"), [("n.json", '{"uri": %s}'), ("n.ndjson", '{}\n{"uri": %s}\n')])
def test_a_number_of_5000_digits_is_a_finding(cli: Cli, in_tmp: Path, name: str, text: str) -> None:
    write(in_tmp, name, text % ("7" * 5000))
    result = cli("validate", "--type", STT_V3, name)
    assert result.code == 2
    line = 2 if name.endswith("ndjson") else 1
    assert f"{name}:{line}:9: error [json.number_too_long] found an integer of 5,000 digits; at most 4,300 " in (
        result.out
    )


def test_a_long_number_through_the_console_script(console_script: str, tmp_path: Path) -> None:
    write(tmp_path, "n.json", '{"uri": %s}' % ("7" * 5000))
    result = console(console_script, "validate", "--type", STT_V3, "n.json", cwd=tmp_path)
    assert result.returncode == 2
    assert b"Traceback" not in result.stderr
    assert b"[json.number_too_long]" in result.stdout


# ------------------------------------------------------------------- every golden and seed file, as a file


def _corpus() -> list[tuple[Path, dict[str, object]]]:
    cases: list[tuple[Path, dict[str, object]]] = []
    for expected in sorted((ROOT / "tests" / "golden").glob("*/*/*.expected.json")):
        stem = expected.name[: -len(".expected.json")]
        for suffix in (".json", ".txt", ".bin"):
            payload = expected.with_name(stem + suffix)
            if payload.exists():
                cases.append((payload, json.loads(expected.read_text(encoding="utf-8"))))
    seeds = ROOT / "tests" / "data" / "seed_examples"
    for entry in json.loads((seeds / "index.json").read_text(encoding="utf-8")):
        cases.append((seeds / entry["file"], {"message": entry["type"]}))
    return cases


def test_every_golden_and_seed_file_reads_and_agrees_with_check() -> None:
    """The CLI over the whole corpus: never a crash, and where it could read the file, the same violations as
    ``check`` on the same bytes (cases with overridden limits excepted: the CLI has no option for those)."""
    cases = _corpus()
    assert len(cases) > 100
    for path, expected in cases:
        out, err = io.StringIO(), io.StringIO()
        argv = ["validate", "--type", str(expected["message"]), "--input-format", "json", "--format", "json"]
        status = run([*argv, str(path)], out, err)
        assert status in (0, 1, 2), (path, err.getvalue())
        found = {(f["rule"], f["path"]) for p in json.loads(out.getvalue())["payloads"] for f in p["findings"]}
        if status == 2 or "limits" in expected:
            continue
        checked = {(v.rule, v.path) for v in yc_contracts.check(str(expected["message"]), path.read_bytes())}
        assert found == checked, path


# ------------------------------------------------------------------ more user input that once escaped


def test_deeply_nested_text_format_is_unreadable_not_a_bug(cli: Cli, in_tmp: Path) -> None:
    nested = "details { [type.googleapis.com/google.rpc.Status] { " * 3000 + "} } " * 3000
    write(in_tmp, "deep.txtpb", f"# proto-message: yandex.cloud.operation.Operation\nerror {{ {nested}}}\n")
    result = cli("convert", "--from", "text", "--to", "rest", "deep.txtpb")
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith("deep.txtpb:1:1: error [text.invalid] the text nests too deeply to read\n")


def test_a_text_format_error_quotes_a_bounded_excerpt(cli: Cli, in_tmp: Path) -> None:
    write(in_tmp, "long.txtpb", "# proto-message: speechkit.stt.v3.RecognizeFileRequest\nuri " + "x" * 100_000)
    result = cli("convert", "--from", "text", "--to", "rest", "long.txtpb")
    assert result.code == 2
    assert len(result.err) < 1000


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_schemas_check_does_not_wait_on_a_fifo(console_script: str, tmp_path: Path) -> None:
    exported = console(console_script, "schemas", "export", "out", cwd=tmp_path)
    assert exported.returncode == 0
    (tmp_path / "out" / "openapi.json").unlink()
    os.mkfifo(tmp_path / "out" / "openapi.json")
    result = console(console_script, "schemas", "check", "out", cwd=tmp_path, timeout=60)
    assert result.returncode == 1
    assert b"unreadable: openapi.json (not JSON)" in result.stdout


def test_docs_cli_names_every_option_and_input_rule() -> None:
    from yc_contracts.cli.files import INPUT_RULES
    from yc_contracts.cli.main import _parser

    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    parser = _parser(io.StringIO(), io.StringIO())
    undocumented = [
        (words, action.option_strings)
        for words, command in [((), parser), *parser.commands.items()]
        for action in command._actions
        if action.option_strings
        and "--help" not in action.option_strings
        and not any(f"`{option}" in text or f" {option} " in text for option in action.option_strings)
    ]
    assert undocumented == []
    assert [rule for rule in INPUT_RULES if f"`{rule}`" not in text] == []
