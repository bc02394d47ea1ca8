"""The installed ``yc-contracts`` console script, run as a separate process for each command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT

V2 = "yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest"


def run(script: str, *args: str, stdin: bytes = b"", cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([script, *args], input=stdin, capture_output=True, check=False, cwd=cwd)


def test_validate_examples(console_script: str) -> None:
    good = run(console_script, "validate", "payloads/stt_v2/long_running_recognize.good.json", cwd=EXAMPLES)
    assert (good.returncode, good.stdout, good.stderr) == (0, b"1 payload in 1 file: all valid\n", b"")
    bad = run(console_script, "validate", "payloads/stt_v2/long_running_recognize.bad.json", cwd=EXAMPLES)
    assert bad.returncode == 1
    assert (
        bad.stdout.decode()
        .splitlines()[1]
        .startswith(
            "payloads/stt_v2/long_running_recognize.bad.json:9:26: error [stt.v2.lpcm_sample_rate] "
            "/config/specification/sampleRateHertz: found '44100'"
        )
    )
    malformed = run(console_script, "validate", "payloads/stt_v3", cwd=EXAMPLES)
    assert malformed.returncode == 2
    assert b"payloads/stt_v3/recognize_file.malformed.json:5:3: error [json.invalid]" in malformed.stdout


def test_validate_stdin_sarif(console_script: str) -> None:
    result = run(console_script, "validate", "--format", "sarif", "--type", V2, "-", stdin=b'{"audio": {"uri": 1}}')
    assert result.returncode == 1
    log = json.loads(result.stdout)
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1,
        "startColumn": 19,
    }
    assert result.stderr == b"1 payload in 1 file: 0 valid, 1 invalid (1 error)\n"


def test_convert_through_pipes(console_script: str) -> None:
    request = (EXAMPLES / "payloads" / "stt_v2" / "long_running_recognize.good.json").read_bytes()
    wire = run(console_script, "convert", "--type", V2, "--from", "rest", "--to", "binary", stdin=request)
    assert (wire.returncode, wire.stderr) == (0, b"")
    text = run(console_script, "convert", "--type", V2, "--from", "binary", "--to", "text", stdin=wire.stdout)
    back = run(console_script, "convert", "--type", V2, "--from", "text", "--to", "binary", stdin=text.stdout)
    assert back.stdout == wire.stdout
    assert b"sample_rate_hertz: 8000" in text.stdout


def test_transcode(console_script: str) -> None:
    result = run(console_script, "transcode", "GET", "/operations/abc", "--format", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["request"] == {"operationId": "abc"}
    rejected = run(console_script, "transcode", "PATCH", "/operations/abc")
    assert rejected.returncode == 1
    assert rejected.stderr.startswith(b"yc-contracts: transcode: 405 Method Not Allowed")


def test_schemas_and_openapi(console_script: str, tmp_path: Path) -> None:
    assert run(console_script, "schemas", "export", str(tmp_path)).returncode == 0
    check = run(console_script, "schemas", "check", str(tmp_path))
    assert check.returncode == 0
    assert check.stdout.endswith(f"match what the contract generates ({tmp_path})\n".encode())
    openapi = run(console_script, "openapi")
    assert json.loads(openapi.stdout)["openapi"] == "3.1.0"


def test_breaking(console_script: str) -> None:
    pytest.importorskip("grpc_tools")
    protos = str(ROOT / "protos")
    result = run(console_script, "breaking", "--protos", protos, "--against", protos)
    assert (result.returncode, result.stdout) == (0, f"no breaking changes against {protos}\n".encode())


def test_usage_error_exit_status(console_script: str) -> None:
    result = run(console_script, "validate", "--format", "xml", "x.json")
    assert result.returncode == 2
    assert b"invalid choice: 'xml'" in result.stderr


def test_version_imports_no_protobuf() -> None:
    """``--version`` (what pre-commit's first contact costs) loads neither protobuf nor the validators."""
    code = (
        "import io, sys\n"
        "from yc_contracts.cli.main import run\n"
        "assert run(['--version'], io.StringIO(), io.StringIO()) == 0\n"
        "print(sorted(m for m in sys.modules if m.startswith(('google', 'jsonschema_rs', 'yaml', 'yc_contracts.'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == (
        "['yc_contracts._version', 'yc_contracts.cli', 'yc_contracts.cli.emulate', 'yc_contracts.cli.gateway', "
        "'yc_contracts.cli.main', "
        "'yc_contracts.cli.recognize', 'yc_contracts.cli.streams', "
        "'yc_contracts.contract', 'yc_contracts.contract.errors']\n"
    )


def test_validate_one_file_imports_only_what_it_needs() -> None:
    code = (
        "import io, sys\n"
        "from yc_contracts.cli.main import run\n"
        f"assert run(['validate', '--type', '{V2}', '-'], io.StringIO(), io.StringIO(),"
        " stdin=io.BytesIO(b'{}')) == 1\n"
        "print(sorted(m for m in sys.modules if m.startswith(('yaml', 'grpc', 'multiprocessing', 'concurrent',"
        " 'xml', 'referencing', 'jsonschema.', 'yc_contracts.contract.breaking', 'yc_contracts.contract.protoc'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == "[]\n"
