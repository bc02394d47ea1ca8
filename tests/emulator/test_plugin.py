"""The ``yc_emulator`` pytest plugin, as a user's project meets it: their test files run by pytest (in a
subprocess, with the plugin loaded from the installed entry point, as in their CI).

What a user depends on: the fixture is there without any conftest, serves a started emulator that their gRPC and
REST clients reach, and its journal answers their assertions; each test gets a fresh one; the
``@pytest.mark.yc_emulator(...)`` marker (on a test, a class or a module) and the ``yc_emulator_config`` ini file
set it up, the closest setting winning; a misused marker or a bad settings file fails the test with one clear line;
and merely having the plugin installed imports neither grpc nor uvicorn.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

RUN_TIMEOUT = 90.0
"""Seconds one inner pytest run may take (each of its tests starts an emulator)."""

SRC = Path(__file__).resolve().parents[2] / "src"

# The user's helpers: a gRPC call with the contract registry's own classes (no SDK needed), and REST with httpx.
USER_HELPERS = """
import grpc
import httpx
from google.protobuf import json_format

import yc_contracts

AUTH = (("authorization", "Api-Key user-key"),)
REQUEST = {
    "uri": "https://storage.yandexcloud.net/bucket/user.wav",
    "recognitionModel": {"audioFormat": {"containerAudio": {"containerAudioType": "WAV"}}},
}


def call(target, method, payload, metadata=AUTH):
    info = yc_contracts.registry.method(method)
    request_class = yc_contracts.registry.message_class(info.input_type)
    response_class = yc_contracts.registry.message_class(info.output_type)
    with grpc.insecure_channel(target) as channel:
        stub = channel.unary_unary(
            info.grpc_path,
            request_serializer=request_class.SerializeToString,
            response_deserializer=response_class.FromString,
        )
        return stub(json_format.ParseDict(payload, request_class()), metadata=metadata, timeout=10)


def recognize(emulator, metadata=AUTH):
    return call(emulator.grpc_target, "speechkit.stt.v3.AsyncRecognizer.RecognizeFile", REQUEST, metadata)


def get(emulator, operation_id, metadata=AUTH):
    payload = {"operationId": operation_id}
    return call(emulator.grpc_target, "yandex.cloud.operation.OperationService.Get", payload, metadata)
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """A user's project: strict pytest settings and the helpers module."""
    pytester.makepyfile(userhelpers=USER_HELPERS)
    pytester.syspathinsert()
    return pytester


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", *args, timeout=RUN_TIMEOUT)


def test_importing_the_plugin_imports_neither_grpc_nor_uvicorn() -> None:
    """Every pytest run of a project with yc-contracts installed loads the plugin: that must not import grpc or
    uvicorn, nor start anything."""
    code = (
        "import sys, threading\n"
        "import yc_contracts.emulator.pytest_plugin\n"
        "heavy = sorted(m for m in ('grpc', 'uvicorn', 'httpx') if m in sys.modules)\n"
        "assert heavy == [], heavy\n"
        "assert threading.active_count() == 1, threading.enumerate()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False, cwd=SRC.parent
    )
    assert done.returncode == 0, done.stderr


def test_the_fixture_serves_a_fresh_emulator_to_each_test(project: pytest.Pytester) -> None:
    """Without any conftest: the user's test calls over gRPC and REST and asserts on the journal; the next test
    starts with no calls and no operations; the emulator is stopped once its test ends."""
    project.makeini("[pytest]\naddopts = --strict-markers --strict-config\nfilterwarnings = error\n")
    project.makepyfile(
        test_user=textwrap.dedent(
            """
            import socket

            import httpx
            import pytest
            from userhelpers import get, recognize

            TARGETS = []


            def test_recognition(yc_emulator):
                operation = recognize(yc_emulator)
                assert get(yc_emulator, operation.id).done
                yc_emulator.assert_called("RecognizeFile", times=1)
                yc_emulator.assert_called("OperationService.Get", times=1)
                yc_emulator.assert_not_called("GetRecognition")
                assert yc_emulator.calls("RecognizeFile")[0].metadata["authorization"] == "Api-Key <redacted>"
                answer = httpx.get(
                    f"{yc_emulator.http_url}/operations/{operation.id}",
                    headers={"authorization": "Api-Key user-key"},
                    timeout=10,
                )
                assert answer.status_code == 200
                assert answer.json()["done"] is True
                TARGETS.append(yc_emulator.grpc_target)


            def test_fresh_emulator(yc_emulator):
                assert yc_emulator.calls() == []
                assert len(yc_emulator.operations) == 0
                host, _, port = TARGETS[0].rpartition(":")
                with pytest.raises(ConnectionRefusedError):
                    socket.create_connection((host, int(port)), timeout=2).close()


            def test_a_failed_expectation_says_what_happened(yc_emulator):
                recognize(yc_emulator)
                yc_emulator.assert_called("RecognizeFile", times=2)
            """
        )
    )
    result = _run(project)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        ["*AssertionError: expected RecognizeFile 2 times, it was called 1 times; calls made: RecognizeFile=OK*"]
    )


def test_the_marker_sets_up_the_emulator(project: pytest.Pytester) -> None:
    """``@pytest.mark.yc_emulator(progression="manual")`` on a test, on a class and on a module: the closest
    marker wins setting by setting, and a test without a marker gets the module's."""
    project.makeini("[pytest]\naddopts = --strict-markers\n")
    project.makepyfile(
        test_marked=textwrap.dedent(
            """
            import pytest
            from userhelpers import get, recognize

            pytestmark = pytest.mark.yc_emulator(seed=42)


            @pytest.mark.yc_emulator(progression="manual")
            def test_manual(yc_emulator):
                operation = recognize(yc_emulator)
                assert [get(yc_emulator, operation.id).done for _ in range(3)] == [False, False, False]
                yc_emulator.complete(operation.id)
                assert get(yc_emulator, operation.id).done
                assert yc_emulator.config.seed == 42


            def test_module_marker_only(yc_emulator):
                assert yc_emulator.config.seed == 42
                assert str(yc_emulator.config.progression) == "immediate"


            @pytest.mark.yc_emulator(progression="after_polls: 2", seed=1)
            class TestPolled:
                def test_class_marker(self, yc_emulator):
                    operation = recognize(yc_emulator)
                    assert [get(yc_emulator, operation.id).done for _ in range(2)] == [False, True]
                    assert yc_emulator.config.seed == 1

                @pytest.mark.yc_emulator(progression="manual")
                def test_closest_wins(self, yc_emulator):
                    assert str(yc_emulator.config.progression) == "manual"
                    assert yc_emulator.config.seed == 1
            """
        )
    )
    result = _run(project)
    result.assert_outcomes(passed=4)


def test_the_ini_option_names_a_settings_file(project: pytest.Pytester) -> None:
    """``yc_emulator_config`` (relative to the ini file) applies to every test; a marker overrides a setting of it;
    its credentials are checked."""
    project.mkdir("ci")
    (project.path / "ci" / "emulator.toml").write_text(
        'seed = 7\nprogression = "after_polls: 3"\napi_keys = ["user-key"]\n', encoding="utf-8"
    )
    project.makeini("[pytest]\nyc_emulator_config = ci/emulator.toml\n")
    project.mkdir("tests")
    (project.path / "tests" / "test_configured.py").write_text(
        textwrap.dedent(
            """
            import grpc
            import pytest
            from userhelpers import get, recognize


            def test_file_settings(yc_emulator):
                assert yc_emulator.config.seed == 7
                operation = recognize(yc_emulator)
                assert [get(yc_emulator, operation.id).done for _ in range(3)] == [False, False, True]
                with pytest.raises(grpc.RpcError) as denied:
                    recognize(yc_emulator, metadata=(("authorization", "Api-Key another-key"),))
                assert denied.value.code() == grpc.StatusCode.UNAUTHENTICATED


            @pytest.mark.yc_emulator(progression="immediate")
            def test_marker_over_file(yc_emulator):
                assert yc_emulator.config.seed == 7
                assert get(yc_emulator, recognize(yc_emulator).id).done
            """
        ),
        encoding="utf-8",
    )
    result = _run(project, "tests")
    result.assert_outcomes(passed=2)


def test_a_bad_settings_file_fails_each_test_with_one_line(project: pytest.Pytester) -> None:
    """A settings file that does not load: every test using the fixture errors with the option's name and the
    reason; tests without the fixture still run."""
    project.makeini("[pytest]\nyc_emulator_config = emulator.toml\n")
    (project.path / "emulator.toml").write_text('progression = "sometimes"\n', encoding="utf-8")
    project.makepyfile(
        test_bad_file=textwrap.dedent(
            """
            def test_one(yc_emulator):
                pass


            def test_two(yc_emulator):
                pass


            def test_without_the_fixture():
                pass
            """
        )
    )
    result = _run(project)
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(["*yc_emulator_config: *emulator.toml: progression 'sometimes' is not one of*"])
    result.stdout.no_fnmatch_line("*Traceback*")


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        pytest.param(
            '"manual"',
            "*@pytest.mark.yc_emulator takes settings as keywords (progression='manual', seed=7), not positional "
            "arguments: ('manual',)*",
            id="positional",
        ),
        pytest.param("colour='red'", "*@pytest.mark.yc_emulator: unknown emulator setting 'colour'*", id="unknown"),
        pytest.param("progression='later'", "*@pytest.mark.yc_emulator: progression 'later' is not one of*", id="bad"),
        pytest.param("seed='seven'", "*@pytest.mark.yc_emulator: seed is a whole number*", id="wrong-type"),
    ],
)
def test_a_misused_marker_fails_with_a_clear_line(project: pytest.Pytester, marker: str, message: str) -> None:
    """A marker with positional arguments, an unknown setting or a bad value: the test errors at setup with one
    line that says what is wrong, no traceback into yc-contracts."""
    project.makepyfile(
        test_misused=textwrap.dedent(
            f"""
            import pytest


            @pytest.mark.yc_emulator({marker})
            def test_it(yc_emulator):
                pass
            """
        )
    )
    result = _run(project)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([message])
    result.stdout.no_fnmatch_line("*yc_contracts/emulator/*.py*")


def test_without_the_emulator_extra_the_fixture_says_what_to_install(project: pytest.Pytester) -> None:
    """Installed without ``yc-contracts[emulator]`` (no grpc here): the fixture fails with the pip command, and
    the rest of the user's tests are unaffected."""
    project.makeconftest("import sys\n\nsys.modules['grpc'] = None  # as if grpcio were not installed\n")
    project.makepyfile(
        test_no_grpc=textwrap.dedent(
            """
            def test_it(yc_emulator):
                pass


            def test_other():
                pass
            """
        )
    )
    result = _run(project)
    result.assert_outcomes(passed=1, errors=1)
    assert "the yc_emulator fixture needs grpc: pip install 'yc-contracts[emulator]'" in result.stdout.lines
