"""The ``yc-contracts`` CLI: ``run()`` called directly, and the installed console script."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import yc_contracts
from yc_contracts.cli.main import run


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_version() -> None:
    assert call("--version") == (0, f"yc-contracts {yc_contracts.__version__}\n", "")


def test_list_prints_every_section() -> None:
    code, out, err = call("list")
    assert (code, err) == (0, "")
    assert "Services (6)\n" in out
    assert "Methods (11)\n" in out
    assert "HTTP routes (9)\n" in out
    assert "Messages (81)\n" in out
    assert "  GET    /operations/{operation_id}:cancel    -> yandex.cloud.operation.OperationService.Cancel\n" in out
    assert (
        "  /yandex.cloud.ai.stt.v2.SttService/LongRunningRecognize  (LongRunningRecognitionRequest -> "
        "yandex.cloud.operation.Operation)  [Operation.response: yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse]"
    ) in out
    assert (
        "  /speechkit.stt.v3.Recognizer/RecognizeStreaming  (stream StreamingRequest -> stream StreamingResponse)"
        in out
    )


def test_list_one_section() -> None:
    code, out, _ = call("list", "services")
    assert code == 0
    assert out.splitlines()[0] == "Services (6)"
    assert len(out.splitlines()) == 7


def test_list_json() -> None:
    code, out, _ = call("list", "--format", "json", "routes", "methods")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"routes", "methods"}
    assert len(data["routes"]) == 9
    assert len(data["methods"]) == 11
    route = next(r for r in data["routes"] if r["path"] == "/stt/v3/recognizeFileAsync")
    assert route == {
        "verb": "POST",
        "path": "/stt/v3/recognizeFileAsync",
        "body": "*",
        "response_body": "",
        "method": "speechkit.stt.v3.AsyncRecognizer.RecognizeFile",
        "server_streaming": False,
    }


def test_unknown_section_is_a_usage_error() -> None:
    code, out, err = call("list", "bogus")
    assert code == 2
    assert out == ""
    assert err == (
        "yc-contracts: error: list: unknown section 'bogus' "
        "(choose from services, methods, routes, messages, operations)\n"
    )


def test_bad_option_is_a_usage_error() -> None:
    code, out, err = call("list", "--format", "xml")
    assert code == 2
    assert out == ""
    assert "invalid choice: 'xml'" in err


def test_no_command_prints_help() -> None:
    code, out, _ = call()
    assert code == 2
    assert out.startswith("usage: yc-contracts")


def test_help() -> None:
    code, out, _ = call("--help")
    assert code == 0
    assert "list" in out


def _console_script() -> str:
    found = shutil.which("yc-contracts", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("the yc-contracts console script is not installed next to this interpreter")
    return found


def test_console_script_version() -> None:
    result = subprocess.run([_console_script(), "--version"], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"yc-contracts {yc_contracts.__version__}\n", "")


def test_console_script_list() -> None:
    result = subprocess.run([_console_script(), "list", "routes"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert result.stdout.startswith("HTTP routes (9)\n")


def test_python_dash_m() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "yc_contracts", "list", "bogus"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "unknown section 'bogus'" in result.stderr
