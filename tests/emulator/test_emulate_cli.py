"""``yc-contracts emulate`` as a CI job runs it: a real process, read for its two address lines, called over gRPC
and REST, stopped with a signal.

What a user depends on: it prints ``grpc HOST:PORT`` then ``http http://HOST:PORT`` once both accept connections
(port 0 picks free ones), serves the settings of ``--config`` and the operations of ``--snapshot``, answers a call
in flight before it stops on SIGTERM or SIGINT, exits 0 then, and a wrong command line is exit status 2 with one
line on standard error and nothing served.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import grpc
import httpx
import pytest
from emulator.clients import (
    API_KEY,
    AUTH_HEADERS,
    CALL_TIMEOUT,
    STT_V3_GET,
    STT_V3_RECOGNIZE,
    GrpcClient,
    wait_until,
)

SRC = Path(__file__).resolve().parents[2] / "src"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    return env


def _argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "yc_contracts", "emulate", *args]


class EmulateProcess:
    """``yc-contracts emulate`` in a subprocess; its stdout lines arrive on a queue (read with a bounded wait)."""

    def __init__(self, *args: str) -> None:
        self.popen = subprocess.Popen(
            _argv(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=_env(),
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr_text = ""
        self._readers = [
            threading.Thread(target=self._pump, args=(self.popen.stdout,), daemon=True),
            threading.Thread(target=self._drain_stderr, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _pump(self, stream: IO[str] | None) -> None:
        assert stream is not None
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)

    def _drain_stderr(self) -> None:
        assert self.popen.stderr is not None
        self.stderr_text = self.popen.stderr.read()

    def line(self, timeout: float = START_TIMEOUT) -> str:
        """The next stdout line (without its newline); fails the test if none comes in time."""
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no line from yc-contracts emulate within {timeout} s")
        if line is None:
            self.wait()
            pytest.fail(f"yc-contracts emulate ended ({self.popen.returncode}): {self.stderr_text}")
        return line.rstrip("\n")

    def addresses(self) -> tuple[str, str]:
        """The ``grpc`` target and the ``http`` URL it printed, in that order."""
        grpc_line, http_line = self.line(), self.line()
        kind, _, target = grpc_line.partition(" ")
        assert kind == "grpc", grpc_line
        kind, _, url = http_line.partition(" ")
        assert kind == "http", http_line
        assert url.startswith("http://127.0.0.1:"), url
        return target, url

    def wait(self, timeout: float = STOP_TIMEOUT) -> int:
        code = self.popen.wait(timeout)
        for reader in self._readers:
            reader.join(STOP_TIMEOUT)
        return code

    def rest_of_stdout(self) -> list[str]:
        found = []
        while True:
            line = self.lines.get(timeout=STOP_TIMEOUT)
            if line is None:
                return found
            found.append(line.rstrip("\n"))

    def close(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(STOP_TIMEOUT)
        for reader in self._readers:
            reader.join(STOP_TIMEOUT)
        for stream in (self.popen.stdout, self.popen.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def emulate() -> Iterator[Any]:
    """``emulate(*args)``: a started ``yc-contracts emulate`` process, killed at the end if still running."""
    started: list[EmulateProcess] = []

    def start(*args: str) -> EmulateProcess:
        process = EmulateProcess(*args)
        started.append(process)
        return process

    yield start
    for process in started:
        process.close()


def _stt_request(uri: str = "https://storage.yandexcloud.net/bucket/cli.wav") -> dict[str, Any]:
    return {"uri": uri, "recognitionModel": {"audioFormat": {"containerAudio": {"containerAudioType": "WAV"}}}}


@pytest.fixture
def preload(tmp_path: Path) -> Path:
    """A config file (manual progression, one accepted API key) and a hand-written snapshot with one manual and
    one done operation."""
    (tmp_path / "emulator.toml").write_text(
        f'seed = 4\nprogression = "manual"\napi_keys = ["{API_KEY}"]\n', encoding="utf-8"
    )
    snapshot = {
        "version": 1,
        "operations": [
            {"id": "e03preloadedmanual01", "method": STT_V3_RECOGNIZE, "request": _stt_request()},
            {"id": "e03preloadeddone0001", "method": STT_V3_RECOGNIZE, "request": _stt_request(), "done": True},
        ],
    }
    (tmp_path / "preload.json").write_text(json.dumps(snapshot), encoding="utf-8")
    return tmp_path


def test_serves_grpc_and_rest_then_stops_on_sigterm(emulate: Any, preload: Path) -> None:
    """The two lines come first; gRPC and REST calls reach the one emulator (config and snapshot applied, the
    admin API there too); SIGTERM stops it with exit status 0, and the API key is never printed."""
    process = emulate(
        "--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0",
        "--config", str(preload / "emulator.toml"), "--snapshot", str(preload / "preload.json"),
    )  # fmt: skip
    target, url = process.addresses()
    with GrpcClient(target, kind="generic") as client:
        assert client.get("e03preloadeddone0001").done
        assert not client.get("e03preloadedmanual01").done  # the snapshot's default: the config's manual
        assert len(client.collect(STT_V3_GET, {"operationId": "e03preloadeddone0001"})) > 0
        started = client.start(STT_V3_RECOGNIZE, _stt_request())
        assert not started.done
        with pytest.raises(grpc.RpcError) as denied:
            client.get(started.id, metadata=(("authorization", "Api-Key wrong-key"),))
        assert denied.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with httpx.Client(base_url=url, headers=AUTH_HEADERS, timeout=CALL_TIMEOUT) as rest:
        answer = rest.get(f"/operations/{started.id}")
        assert answer.status_code == 200
        assert answer.json()["id"] == started.id
        assert rest.post(f"/_emulator/operations/{started.id}:complete").json()["done"] is True
        assert rest.get(f"/operations/{started.id}").json()["done"] is True
        calls = rest.get("/_emulator/calls", params={"method": "RecognizeFile"}).json()["calls"]
        assert len(calls) == 1
        assert calls[0]["metadata"]["authorization"] == "Api-Key <redacted>"

    process.popen.send_signal(signal.SIGTERM)
    assert process.wait() == 0
    assert process.rest_of_stdout() == []
    assert process.stderr_text.splitlines() == [
        f"yc-contracts emulate: 2 operation(s) restored from {preload / 'preload.json'}"
    ]
    assert API_KEY not in process.stderr_text


def test_a_call_in_flight_is_answered_before_it_stops(emulate: Any) -> None:
    """SIGTERM while a call is in flight (held by an injected latency): the call is answered, then the process
    exits 0; a new connection is refused afterwards."""
    process = emulate()
    target, url = process.addresses()
    with httpx.Client(base_url=url, timeout=CALL_TIMEOUT) as admin:
        added = admin.post("/_emulator/faults", json={"method": "RecognizeFile", "latency": 1.5})
        assert added.status_code == 201
    outcome: dict[str, Any] = {}

    def call() -> None:
        with GrpcClient(target, kind="generic") as client:
            try:
                outcome["operation"] = client.start(STT_V3_RECOGNIZE, _stt_request())
            except grpc.RpcError as e:  # reported by the assertion below
                outcome["error"] = e

    caller = threading.Thread(target=call)
    caller.start()
    with httpx.Client(base_url=url, timeout=CALL_TIMEOUT) as admin:  # the call is journaled when it arrives
        arrived = wait_until(lambda: bool(admin.get("/_emulator/calls").json()["calls"]), timeout=CALL_TIMEOUT)
    assert arrived
    process.popen.send_signal(signal.SIGTERM)
    caller.join(CALL_TIMEOUT)
    assert not caller.is_alive()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["operation"].done
    assert process.wait() == 0
    host, _, port = target.rpartition(":")
    with pytest.raises(ConnectionRefusedError), socket.create_connection((host, int(port)), timeout=2):
        pass


def test_sigint_stops_it_too(emulate: Any) -> None:
    """Ctrl-C (SIGINT) stops it the same way: exit status 0, nothing on standard error."""
    process = emulate()
    process.addresses()
    process.popen.send_signal(signal.SIGINT)
    assert process.wait() == 0
    assert process.stderr_text == ""


def test_no_http_serves_grpc_only(emulate: Any) -> None:
    """``--no-http`` prints the ``grpc`` line alone and serves gRPC."""
    process = emulate("--no-http")
    kind, _, target = process.line().partition(" ")
    assert kind == "grpc"
    with GrpcClient(target, kind="generic") as client:
        assert client.start(STT_V3_RECOGNIZE, _stt_request()).done
    process.popen.send_signal(signal.SIGTERM)
    assert process.wait() == 0
    assert process.rest_of_stdout() == []


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port something already listens on."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


def _usage_cases(tmp: Path, port: int) -> dict[str, tuple[list[str], str]]:
    (tmp / "bad.toml").write_text("seed = \n", encoding="utf-8")
    (tmp / "unknown.toml").write_text('colour = "red"\n', encoding="utf-8")
    (tmp / "bad.json").write_text("{", encoding="utf-8")
    (tmp / "v9.json").write_text('{"version": 9, "operations": []}', encoding="utf-8")
    (tmp / "badop.json").write_text('{"version": 1, "operations": [{"id": "x"}]}', encoding="utf-8")
    return {
        "grpc-not-an-address": (["--grpc", "localhost"], "emulate: --grpc: 'localhost' is not HOST:PORT"),
        "http-bad-port": (["--http", "127.0.0.1:70000"], "emulate: --http: '127.0.0.1:70000': the port must be"),
        "grpc-port-in-use": (
            ["--grpc", f"127.0.0.1:{port}"],
            f"emulate: --grpc: cannot listen on 127.0.0.1:{port}: Address already in use",
        ),
        "http-port-in-use": (
            ["--http", f"127.0.0.1:{port}"],
            f"emulate: --http: cannot listen on 127.0.0.1:{port}: Address already in use",
        ),
        "address-not-here": (["--grpc", "192.0.2.1:0"], "emulate: --grpc: cannot listen on 192.0.2.1:0:"),
        "config-missing": (["--config", str(tmp / "nope.toml")], f"emulate: --config: {tmp / 'nope.toml'}:"),
        "config-not-toml": (["--config", str(tmp / "bad.toml")], f"emulate: --config: {tmp / 'bad.toml'}:"),
        "config-unknown-setting": (
            ["--config", str(tmp / "unknown.toml")],
            "unknown emulator setting 'colour'",
        ),
        "snapshot-missing": (
            ["--snapshot", str(tmp / "nope.json")],
            f"emulate: --snapshot: {tmp / 'nope.json'}: cannot read the snapshot",
        ),
        "snapshot-not-json": (["--snapshot", str(tmp / "bad.json")], "the snapshot is not JSON"),
        "snapshot-version": (["--snapshot", str(tmp / "v9.json")], "version 9 is not supported"),
        "snapshot-operation": (["--snapshot", str(tmp / "badop.json")], "operations[0]: no 'method'"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "grpc-not-an-address",
        "http-bad-port",
        "grpc-port-in-use",
        "http-port-in-use",
        "address-not-here",
        "config-missing",
        "config-not-toml",
        "config-unknown-setting",
        "snapshot-missing",
        "snapshot-not-json",
        "snapshot-version",
        "snapshot-operation",
    ],
)
def test_usage_errors_exit_2_with_one_line(case: str, tmp_path: Path, busy_port: int) -> None:
    """Each wrong command line: exit status 2, one line ``yc-contracts: error: emulate: …`` on standard error,
    nothing on standard output (nothing was served)."""
    args, expected = _usage_cases(tmp_path, busy_port)[case]
    done = subprocess.run(_argv(*args), capture_output=True, text=True, timeout=60, env=_env(), check=False)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("yc-contracts: error: emulate")
    assert expected in lines[0]


def test_http_and_no_http_together_is_a_usage_error() -> None:
    """``--http`` and ``--no-http`` contradict each other: argparse's usage and exit status 2."""
    done = subprocess.run(
        _argv("--http", "127.0.0.1:0", "--no-http"), capture_output=True, text=True, timeout=60, env=_env(), check=False
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert (
        done.stderr.splitlines()[-1]
        == "yc-contracts emulate: error: argument --no-http: not allowed with argument --http"
    )


def test_help_names_every_option() -> None:
    """``emulate --help`` lists the options the docs describe."""
    done = subprocess.run(_argv("--help"), capture_output=True, text=True, timeout=60, env=_env(), check=False)
    assert done.returncode == 0
    for option in ("--grpc", "--http", "--no-http", "--config", "--snapshot"):
        assert option in done.stdout
