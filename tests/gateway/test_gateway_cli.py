"""``yc-contracts gateway`` as a user runs it: a real process, real upstreams, curl and httpx as clients.

What a user depends on: it prints ``listening on http://HOST:PORT`` once it accepts connections (port 0 picks a
free one), calls go to the ``--upstream`` servers (one for everything, or per service), SIGTERM stops it after
the requests in flight are answered, and a wrong command line is exit status 2 with one clear line.
"""

from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc.aio
import httpx
import pytest
from gateway.upstream import FakeUpstream
from google.protobuf import json_format, message

from yc_contracts import to_rest
from yc_contracts.contract.registry import Registry, default_registry

if TYPE_CHECKING:
    from gateway.conftest import CurlRunner

SRC = Path(__file__).resolve().parent.parent.parent / "src"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:(\d+))")
REGISTRY = default_registry()


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def gateway_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "yc_contracts", "gateway", *args]


class GatewayProcess:
    """``yc-contracts gateway`` in a subprocess; ``url`` once it has printed that it listens."""

    def __init__(self, *args: str) -> None:
        self.popen = subprocess.Popen(
            gateway_argv(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=_env(),
        )
        self.stdout: queue.Queue[str | None] = queue.Queue()
        self.stderr_lines: list[str] = []
        self._stdout_done = threading.Thread(target=self._pump, args=(self.popen.stdout, self.stdout.put), daemon=True)
        self._stdout_done.start()
        self._stderr_done = threading.Thread(
            target=self._pump, args=(self.popen.stderr, self.stderr_lines.append), daemon=True
        )
        self._stderr_done.start()
        self.url = ""

    @staticmethod
    def _pump(stream: Any, put: Callable[[Any], None]) -> None:
        for line in stream:
            put(line)
        put(None)

    def wait_listening(self, timeout: float = START_TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no 'listening on' line within {timeout} s; stderr: {self.stderr()}")
            try:
                line = self.stdout.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"the gateway exited ({self.popen.wait(5)}) before listening: {self.stderr()}")
            found = LISTENING.fullmatch(line.strip())
            if found:
                self.url = found.group(1)
                return self.url

    def stderr(self) -> str:
        self._stderr_done.join(0.5 if self.popen.poll() is not None else 0)
        return "".join(line for line in self.stderr_lines if line is not None)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait(STOP_TIMEOUT)
        for reader in self._stdout_done, self._stderr_done:
            reader.join(STOP_TIMEOUT)  # the pipes are at their end once the process is gone
        for pipe in self.popen.stdout, self.popen.stderr:
            if pipe is not None:
                pipe.close()


@pytest.fixture
def start_gateway() -> Iterator[Callable[..., GatewayProcess]]:
    """``start_gateway(*args)``: ``yc-contracts gateway *args`` running until it prints its URL; killed at the
    end of the test if it is still running."""
    started: list[GatewayProcess] = []

    def start(*args: str) -> GatewayProcess:
        process = GatewayProcess(*args)
        started.append(process)
        process.wait_listening()
        return process

    yield start
    for process in started:
        process.stop()


def from_json(type_name: str, payload: dict[str, Any]) -> message.Message:
    msg: message.Message = json_format.ParseDict(
        payload, REGISTRY.message_class(type_name)(), descriptor_pool=REGISTRY.descriptor_pool
    )
    return msg


def answering_operation(tag: str, delay: float = 0.0) -> Any:
    async def handler(request: Any, context: grpc.aio.ServicerContext) -> message.Message:
        if delay:
            await asyncio.sleep(delay)
        return from_json("yandex.cloud.operation.Operation", {"id": request.operation_id, "description": tag})

    return handler


def test_serves_calls_and_stops_gracefully_on_sigterm(
    contract_upstream: FakeUpstream, start_gateway: Callable[..., GatewayProcess], curl: CurlRunner
) -> None:
    """It prints where it listens, proxies calls from curl and httpx, and on SIGTERM answers the request in
    flight before it exits. The exit status is -SIGTERM: uvicorn re-raises the signal once it has drained, as
    a process stopped by a signal should report."""
    up = contract_upstream
    up.on("OperationService/Get", answering_operation("via the CLI"))
    up.on("OperationService/Cancel", answering_operation("slow", delay=1.0))
    gw = start_gateway("--listen", "127.0.0.1:0", "--upstream", up.target)
    assert int(gw.url.rsplit(":", 1)[1]) > 0
    assert f"-> {up.target} (plaintext)" in gw.stderr()
    r = curl("-H", "authorization: Api-Key AQVN-cli", gw.url + "/operations/op-1")
    assert r.status == 200
    assert (r.headers["content-type"], r.text()) == ("application/json", '{"id":"op-1","description":"via the CLI"}')
    with httpx.Client(timeout=10) as http:
        got = http.get(gw.url + "/operations/op-2")
        assert got.json() == to_rest(
            from_json("yandex.cloud.operation.Operation", {"id": "op-2", "description": "via the CLI"})
        )
        assert http.get(gw.url + "/healthz").json() == {"status": "SERVING"}
        assert up.received[0].metadata["authorization"] == "Api-Key AQVN-cli"
        # a request in flight when SIGTERM arrives is still answered
        in_flight: queue.Queue[httpx.Response | BaseException] = queue.Queue()

        def call_slowly() -> None:
            try:
                in_flight.put(http.get(gw.url + "/operations/op-3:cancel"))
            except BaseException as e:
                in_flight.put(e)

        caller = threading.Thread(target=call_slowly, daemon=True)
        caller.start()
        deadline = time.monotonic() + 5
        while len(up.received) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(up.received) == 3, "the slow call did not reach the upstream"
        started = time.monotonic()
        gw.popen.send_signal(signal.SIGTERM)
        answer = in_flight.get(timeout=10)
        assert isinstance(answer, httpx.Response), answer
        assert (answer.status_code, answer.json()["description"]) == (200, "slow")
        status = gw.popen.wait(STOP_TIMEOUT)
    assert status == -signal.SIGTERM
    assert time.monotonic() - started < 5
    stderr = gw.stderr()
    assert "Traceback" not in stderr
    assert "AQVN-cli" not in stderr
    with pytest.raises(ConnectionRefusedError):  # the port is closed
        socket.create_connection(("127.0.0.1", int(gw.url.rsplit(":", 1)[1])), timeout=2).close()


def test_one_service_to_one_upstream_the_rest_to_another(
    contract_registry: Registry,
    upstream_over: Callable[[Registry], FakeUpstream],
    start_gateway: Callable[..., GatewayProcess],
    curl: CurlRunner,
) -> None:
    """``--upstream SERVICE=HOST:PORT`` sends that service's methods there; ``--upstream HOST:PORT`` takes the
    rest."""
    stt, rest = upstream_over(contract_registry), upstream_over(contract_registry)
    items = [from_json("speechkit.stt.v3.StreamingResponse", {"channelTag": "7"})]

    async def recognition(request: Any, context: grpc.aio.ServicerContext) -> Any:
        for item in items:
            yield item

    stt.on("AsyncRecognizer/GetRecognition", recognition)
    stt.on("AsyncRecognizer/DeleteRecognition", lambda request, context: from_json("google.protobuf.Empty", {}))
    rest.on("OperationService/Get", answering_operation("rest"))
    gw = start_gateway(
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        f"speechkit.stt.v3.AsyncRecognizer={stt.target}",
        "--upstream",
        rest.target,
    )
    stderr = gw.stderr()
    assert f"3 method(s) -> {stt.target} (plaintext)" in stderr
    assert f"6 method(s) -> {rest.target} (plaintext)" in stderr
    r = curl("-H", "Accept:", gw.url + "/stt/v3/getRecognition?operationId=x")
    assert (r.status, r.text()) == (200, '{"result":{"channelTag":"7"}}\n')
    r = curl("-X", "DELETE", gw.url + "/stt/v3/deleteRecognition?operationId=x")
    assert (r.status, r.text()) == (200, "{}")
    r = curl(gw.url + "/operations/op-9")
    assert (r.status, r.text()) == (200, '{"id":"op-9","description":"rest"}')
    assert [c.method for c in stt.received] == [
        "/speechkit.stt.v3.AsyncRecognizer/GetRecognition",
        "/speechkit.stt.v3.AsyncRecognizer/DeleteRecognition",
    ]
    assert [c.method for c in rest.received] == ["/yandex.cloud.operation.OperationService/Get"]


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port something already listens on."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        yield sock.getsockname()[1]


def test_usage_errors_exit_2_with_one_clear_line(busy_port: int) -> None:
    """A wrong ``--listen`` or ``--upstream``, an address in use, a service the contract does not have: exit
    status 2 and one line on stderr saying what is wrong, before anything is served."""
    cases = {
        "bad --listen": (["--listen", "localhost", "--upstream", "127.0.0.1:50051"], "--listen"),
        "port out of range": (["--listen", "127.0.0.1:70000", "--upstream", "127.0.0.1:50051"], "port"),
        "bad --upstream": (["--listen", "127.0.0.1:0", "--upstream", "nowhere"], "HOST:PORT"),
        "upstream port 0": (["--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:0"], "port"),
        "address in use": (["--listen", f"127.0.0.1:{busy_port}", "--upstream", "127.0.0.1:50051"], "cannot listen"),
        "unknown service": (
            ["--listen", "127.0.0.1:0", "--upstream", "yandex.cloud.Nope=127.0.0.1:50051", "--upstream", "127.0.0.1:1"],
            "yandex.cloud.Nope",
        ),
        "a service twice": (
            ["--listen", "127.0.0.1:0", "--upstream", "127.0.0.1:1", "--upstream", "127.0.0.1:2"],
            "twice",
        ),
    }
    # all at once: each is a Python start-up
    running = {
        name: subprocess.Popen(
            gateway_argv(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env()
        )
        for name, (args, _) in cases.items()
    }
    try:
        for name, process in running.items():
            stdout, stderr = process.communicate(timeout=30)
            assert process.returncode == 2, (name, stdout, stderr)
            assert stdout == "", name
            lines = stderr.strip().splitlines()
            assert len(lines) == 1, (name, stderr)
            assert cases[name][1] in lines[0], (name, lines[0])
            assert "Traceback" not in stderr
    finally:
        for process in running.values():
            if process.poll() is None:
                process.kill()
                process.wait(STOP_TIMEOUT)
