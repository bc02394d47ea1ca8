"""The parts of bench/gateway.py: the processes it starts, and its load generators.

Run as a script, this module is one of the bench's child processes (``python bench/gateway_support.py ROLE``):

- ``upstream``: a ``grpc.aio`` server for ``speechkit.stt.v3.AsyncRecognizer`` and
  ``yandex.cloud.operation.OperationService``. It works on bytes (no (de)serializing): ``RecognizeFile`` answers a
  fixed Operation, ``GetRecognition`` streams pre-serialized messages (3 small ones; 64 of 256 KiB for the
  operation id ``big``, N of them for ``big-N``), and ``OperationService.Get("last-request")`` tells the size
  and SHA-256 of the last ``RecognizeFile`` request, so the bench can check that the gateway sent the same bytes
  a direct call does;
- ``gateway``: ``yc_contracts.gateway.Server`` running ``gateway.app(upstreams=...)``;
- ``bare``: the same server class running an ASGI app that reads the body and answers a fixed JSON body (the
  server's floor);
- ``direct``: a ``grpc.aio`` client that takes commands as JSON lines on standard input (load at a concurrency,
  the large request, the large stream) and answers each with one JSON line.

Each prints one JSON line on standard output when it is ready (``{"url": ...}`` or ``{"target": ...}``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
import os
import selectors
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import payloads  # noqa: E402

MIB = 1024 * 1024
ROUTE = "/stt/v3/recognizeFileAsync"
STREAM_ROUTE = "/stt/v3/getRecognition"
BIG_OPERATION = "big"
STREAM_MESSAGES = 64
STREAM_MESSAGE_TEXT = 256 * 1024 - 64  # text bytes per message: with the framing, about 256 KiB on the wire
BIG_CONTENT = 20 * MIB
AUTHORIZATION = "Api-Key bench-not-a-real-key"
UPSTREAM_RECEIVE_LIMIT = 64 * MIB
RECOGNIZE_FILE = "/speechkit.stt.v3.AsyncRecognizer/RecognizeFile"
GET_RECOGNITION = "/speechkit.stt.v3.AsyncRecognizer/GetRecognition"
GET_OPERATION = "/yandex.cloud.operation.OperationService/Get"


# ------------------------------------------------------------------------------------------------ messages


def operation_bytes() -> bytes:
    """The fixed Operation the upstream answers RecognizeFile with."""
    import yc_contracts

    op = yc_contracts.registry.message_class("yandex.cloud.operation.Operation")(
        id="f8dbench0operation0id", description="STT v3 file recognition", created_by="ajebench0service0acct"
    )
    op.created_at.FromJsonString("2026-12-06T10:00:00Z")  # type: ignore[attr-defined]
    op.modified_at.FromJsonString("2026-12-06T10:00:00Z")  # type: ignore[attr-defined]
    return bytes(op.SerializeToString())


def stream_messages(big: bool) -> list[bytes]:
    """GetRecognition's messages, serialized: 64 of about 256 KiB (a final result whose text is that long), or 3
    small ones."""
    import yc_contracts

    cls = yc_contracts.registry.message_class("speechkit.stt.v3.StreamingResponse")
    out = []
    count, size = (STREAM_MESSAGES, STREAM_MESSAGE_TEXT) if big else (3, 40)
    for i in range(count):
        msg = cls(channel_tag="0", response_wall_time_ms=1000 + i)
        alt = msg.final.alternatives.add()  # type: ignore[attr-defined]
        alt.text = ("abcdefgh" * (size // 8 + 1))[:size]
        alt.start_time_ms = i * 1000
        alt.end_time_ms = i * 1000 + 900
        alt.confidence = 1.0
        msg.final.channel_tag = "0"  # type: ignore[attr-defined]
        out.append(bytes(msg.SerializeToString()))
    return out


def small_request_body() -> bytes:
    import orjson

    return bytes(orjson.dumps(payloads.small_request()))


def content_request_body(size: int) -> bytes:
    """The small request with ``size`` bytes of WAV file as ``content`` (so content inspection passes)."""
    import orjson

    return bytes(orjson.dumps(payloads.content_request(size)))


def big_request_body() -> bytes:
    return content_request_body(BIG_CONTENT)


def http_request(port: int, verb: str, target: str, body: bytes = b"") -> bytes:
    """One HTTP/1.1 keep-alive request, as bytes on the wire."""
    head = [
        f"{verb} {target} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Authorization: {AUTHORIZATION}",
        "Accept: */*",
    ]
    if body or verb == "POST":
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


# ------------------------------------------------------------------------------------------------ children


def _ready(info: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()


def run_upstream() -> None:
    import grpc
    import grpc.aio

    import yc_contracts

    reg = yc_contracts.registry
    operation = operation_bytes()
    small, big = stream_messages(False), stream_messages(True)
    get_request = reg.message_class("speechkit.stt.v3.GetRecognitionRequest")
    get_operation = reg.message_class("yandex.cloud.operation.GetOperationRequest")
    op_class = reg.message_class("yandex.cloud.operation.Operation")
    last: list[bytes] = [b""]

    async def recognize_file(request: bytes, context: Any) -> bytes:
        last[0] = request
        return operation

    async def get_recognition(request: bytes, context: Any) -> Any:
        operation_id = get_request.FromString(request).operation_id  # type: ignore[attr-defined]
        if operation_id.startswith(BIG_OPERATION + "-"):  # big-N: N of the big messages
            for i in range(int(operation_id.rpartition("-")[2])):
                yield big[i % len(big)]
            return
        for item in big if operation_id == BIG_OPERATION else small:
            yield item

    async def get(request: bytes, context: Any) -> bytes:
        operation_id = get_operation.FromString(request).operation_id  # type: ignore[attr-defined]
        if operation_id != "last-request":
            await context.abort(grpc.StatusCode.NOT_FOUND, f"no operation {operation_id}")
        digest = hashlib.sha256(last[0]).hexdigest()
        return bytes(op_class(id="last-request", description=f"{len(last[0])} {digest}").SerializeToString())

    async def serve() -> None:
        server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", UPSTREAM_RECEIVE_LIMIT),
                ("grpc.max_send_message_length", -1),
            ]
        )
        server.add_generic_rpc_handlers(
            [
                grpc.method_handlers_generic_handler(
                    "speechkit.stt.v3.AsyncRecognizer",
                    {
                        "RecognizeFile": grpc.unary_unary_rpc_method_handler(recognize_file),
                        "GetRecognition": grpc.unary_stream_rpc_method_handler(get_recognition),
                    },
                ),
                grpc.method_handlers_generic_handler(
                    "yandex.cloud.operation.OperationService", {"Get": grpc.unary_unary_rpc_method_handler(get)}
                ),
            ]
        )
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        _ready({"target": f"127.0.0.1:{port}"})
        await server.wait_for_termination()

    _run(serve())


def run_gateway(upstream: str) -> None:
    from yc_contracts import gateway

    server = gateway.Server(gateway.app(upstreams=upstream), "127.0.0.1:0", shutdown_timeout=1)
    server.run(lambda url: _ready({"url": url}))


def run_bare(body: bytes) -> None:
    from yc_contracts import gateway

    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]

    async def app(scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Any]], send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                event = await receive()
                if event["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif event["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        while True:  # read the body, as any endpoint that takes one does
            event = await receive()
            if event["type"] != "http.request" or not event.get("more_body", False):
                break
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    server = gateway.Server(app, "127.0.0.1:0", shutdown_timeout=1)
    server.run(lambda url: _ready({"url": url}))


class DirectClient:
    """The same calls as the gateway makes, made directly from Python over a ``grpc.aio`` channel."""

    def __init__(self, upstream: str) -> None:
        import yc_contracts

        reg = yc_contracts.registry
        self.upstream = upstream
        self.small = yc_contracts.to_proto(payloads.STT_V3_REQUEST, payloads.small_request())
        self.big = yc_contracts.to_proto(payloads.STT_V3_REQUEST, payloads.content_request(BIG_CONTENT))
        self.op_class = reg.message_class("yandex.cloud.operation.Operation")
        self.stream_class = reg.message_class("speechkit.stt.v3.StreamingResponse")
        self.get_class = reg.message_class("speechkit.stt.v3.GetRecognitionRequest")
        self.metadata = (("authorization", AUTHORIZATION),)

    async def open(self) -> None:
        import grpc.aio

        self.channel = grpc.aio.insecure_channel(
            self.upstream,
            options=[("grpc.max_receive_message_length", 256 * MIB), ("grpc.max_send_message_length", -1)],
        )
        self.recognize = self.channel.unary_unary(
            RECOGNIZE_FILE, request_serializer=_serialize, response_deserializer=self.op_class.FromString
        )
        self.stream = self.channel.unary_stream(
            GET_RECOGNITION, request_serializer=_serialize, response_deserializer=self.stream_class.FromString
        )
        await self.recognize(self.small, metadata=self.metadata, timeout=10)

    async def unary(self, concurrency: int, duration: float) -> dict[str, Any]:
        async def one() -> None:
            await self.recognize(self.small, metadata=self.metadata, timeout=10)

        return await closed_loop([one] * concurrency, duration)

    async def big_request(self, repeat: int) -> dict[str, Any]:
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            await self.recognize(self.big, metadata=self.metadata, timeout=60)
            times.append(time.perf_counter() - start)
        return {"seconds": times, "request_bytes": self.big.ByteSize()}

    async def big_stream(self, repeat: int) -> dict[str, Any]:
        times = []
        received = 0
        for _ in range(repeat):
            received = 0
            start = time.perf_counter()
            request = self.get_class(operation_id=BIG_OPERATION)
            async for msg in self.stream(request, metadata=self.metadata, timeout=60):
                received += msg.ByteSize()
            times.append(time.perf_counter() - start)
        return {"seconds": times, "received_bytes": received}

    async def handle(self, command: dict[str, Any]) -> dict[str, Any]:
        op = command["op"]
        if op == "unary":
            return await self.unary(command["concurrency"], command["duration"])
        if op == "big_request":
            return await self.big_request(command["repeat"])
        if op == "big_stream":
            return await self.big_stream(command["repeat"])
        if op == "request_digest":
            data = self.big.SerializeToString()
            return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        raise ValueError(f"unknown command {op!r}")


def _serialize(msg: Any) -> bytes:
    return bytes(msg.SerializeToString())


def run_direct(upstream: str) -> None:
    """Serve commands from standard input, one JSON line each, with a grpc.aio channel to ``upstream``."""
    client = DirectClient(upstream)
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(client.open())
        _ready({"ready": True})
        for line in sys.stdin:
            command = json.loads(line)
            if command["op"] == "quit":
                break
            try:
                reply = runner.run(client.handle(command))
            except Exception as e:
                reply = {"error": f"{type(e).__name__}: {e}"}
            _ready(reply)
        runner.run(client.channel.close())


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ModuleNotFoundError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def _run(coro: Awaitable[None]) -> None:
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(coro)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------- load generators


@dataclass
class Load:
    """What one load run measured: requests done, seconds, latency percentiles in seconds, and failures."""

    requests: int
    seconds: float
    p50: float
    p99: float
    errors: int
    client: str

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else math.nan

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "seconds": self.seconds,
            "requests_per_second": self.rate,
            "p50_seconds": self.p50,
            "p99_seconds": self.p99,
            "errors": self.errors,
            "client": self.client,
        }


def percentile(sorted_values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


async def closed_loop(calls: list[Callable[[], Awaitable[object]]], duration: float) -> dict[str, Any]:
    """One worker per call, each calling it back to back for ``duration`` seconds: count, seconds, p50, p99, and
    the number of calls that raised."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + duration

    async def worker(call: Callable[[], Awaitable[object]]) -> None:
        nonlocal errors
        while True:
            start = time.perf_counter()
            if start >= deadline:
                return
            try:
                await call()
            except Exception:
                errors += 1
            latencies.append(time.perf_counter() - start)

    began = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(worker(c) for c in calls)), duration + 30)
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "errors": errors,
    }


@dataclass
class Response:
    status: int
    body: bytes
    chunked: bool


async def read_response(reader: asyncio.StreamReader, keep_body: bool = True) -> Response:
    """One HTTP/1.1 response: ``Content-Length`` or chunked. With ``keep_body=False`` the body is not kept: only its
    lines are counted, and ``body`` is one newline byte per line."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = -1
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if not chunked:
        body = await reader.readexactly(length) if length > 0 else b""
        return Response(status, body if keep_body else b"\n" * body.count(b"\n"), chunked)
    parts: list[bytes] = []
    total = 0
    newlines = 0
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            break
        data = await reader.readexactly(size + 2)
        total += size
        newlines += data.count(b"\n", 0, size)
        if keep_body:
            parts.append(data[:size])
    if keep_body:
        return Response(status, b"".join(parts), chunked)
    return Response(status, b"\n" * newlines, chunked)  # only the line count is kept


async def python_load(port: int, request: bytes, concurrency: int, duration: float, expect: bytes) -> Load:
    """A closed-loop HTTP/1.1 keep-alive load: ``concurrency`` connections, ``request`` sent back to back on each,
    every response checked against ``expect``."""
    connections = [await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10) for _ in range(concurrency)]
    bad: list[str] = []

    def on(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Callable[[], Awaitable[None]]:
        async def call() -> None:
            writer.write(request)
            response = await read_response(reader)
            if response.status != 200 or response.body != expect:
                bad.append(f"{response.status} {response.body[:200]!r}")
                raise RuntimeError("unexpected response")

        return call

    try:
        r = await closed_loop([on(reader, writer) for reader, writer in connections], duration)
    finally:
        for _, writer in connections:
            writer.close()
    if bad:
        raise RuntimeError(f"{len(bad)} unexpected responses, the first: {bad[0]}")
    return Load(r["requests"], r["seconds"], r["p50"], r["p99"], r["errors"], "python")


_WRK_SCRIPT = """
local f = io.open("{body}", "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "{authorization}"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d, "status": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


class Wrk:
    """``wrk`` (C, one thread) as the HTTP load generator, when it is installed (``apt-get install wrk``)."""

    def __init__(self, body: bytes) -> None:
        found = shutil.which("wrk")
        if found is None:
            raise FileNotFoundError("wrk is not installed")
        self.path = found
        self._dir = tempfile.TemporaryDirectory(prefix="yc-bench-wrk-")
        body_file = Path(self._dir.name) / "body.json"
        body_file.write_bytes(body)
        self.script = Path(self._dir.name) / "post.lua"
        self.script.write_text(_WRK_SCRIPT.format(body=body_file, authorization=AUTHORIZATION))

    def version(self) -> str:
        out = subprocess.run([self.path, "--version"], capture_output=True, text=True, timeout=10, check=False)
        return (out.stdout or out.stderr).split("Copyright")[0].strip()

    def run(self, url: str, concurrency: int, duration: float) -> Load:
        command = [
            self.path,
            "-t1",
            f"-c{concurrency}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "10s",
            "-s",
            str(self.script),
            url + ROUTE,
        ]
        out = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30, check=False)
        line = next((x for x in out.stdout.splitlines() if x.startswith("WRK_RESULT ")), None)
        if out.returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr.strip() or out.stdout.strip()}")
        data = json.loads(line.removeprefix("WRK_RESULT "))
        if data["status"]:
            raise RuntimeError(f"wrk: {data['status']} responses were not 2xx/3xx")
        return Load(
            data["requests"],
            data["duration_us"] / 1e6,
            data["p50_us"] / 1e6,
            data["p99_us"] / 1e6,
            data["errors"],
            "wrk",
        )

    def close(self) -> None:
        self._dir.cleanup()


async def http_exchange(
    port: int, request: bytes, timeout: float, keep_body: bool = True, pause: float = 0.0
) -> tuple[Response, float]:
    """One request on a fresh connection: the response and the seconds from the first byte sent to the last
    byte received; with ``pause``, the client waits that long after sending before it reads anything."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port, limit=1 << 20), timeout)
    try:
        start = time.perf_counter()
        writer.write(request)
        if pause:
            await writer.drain()
            await asyncio.sleep(pause)
        response = await asyncio.wait_for(read_response(reader, keep_body), timeout)
        return response, time.perf_counter() - start
    finally:
        writer.close()


# --------------------------------------------------------------------------------------------- processes


class Child:
    """A child process of the bench, pinned to ``cores``; its first stdout line (JSON) says it is ready."""

    def __init__(self, name: str, args: list[str], cores: set[int] | None, env: dict[str, str] | None = None) -> None:
        self.name = name
        command = [sys.executable, str(Path(__file__).resolve()), *args]
        # a file, not a pipe: a chatty child must never block on it; closed by stop()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env={**os.environ, **(env or {})},
        )
        if cores:
            os.sched_setaffinity(self.process.pid, cores)
        self.info: dict[str, Any] = self.read_line(60)

    @property
    def pid(self) -> int:
        return self.process.pid

    def read_line(self, timeout: float) -> dict[str, Any]:
        """The next JSON line on the child's stdout, waiting at most ``timeout`` seconds."""
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                self.stop()
                raise TimeoutError(f"{self.name}: no answer within {timeout:g} s")
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.name} exited ({self.process.wait(5)}): {self.stderr()[-2000:]}")
        data: dict[str, Any] = json.loads(line)
        if "error" in data:
            raise RuntimeError(f"{self.name}: {data['error']}")
        return data

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace").strip()

    def ask(self, command: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        self.process.stdin.flush()
        return self.read_line(timeout)

    def cpu_seconds(self) -> float:
        """CPU time of all the child's threads so far (``/proc/PID/task/*/schedstat``, nanoseconds)."""
        total = 0
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            with contextlib.suppress(OSError):
                total += int((task / "schedstat").read_text().split()[0])
        return total / 1e9

    def status(self, field: str) -> int:
        """A ``/proc/PID/status`` field in bytes (``VmRSS``, ``VmHWM``)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise LookupError(field)

    def reset_peak(self) -> int:
        """Reset the child's peak resident set (``VmHWM``) to its current one; returns that."""
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        return self.status("VmRSS")

    def stop(self, timeout: float = 10) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        for stream in (self.process.stdin, self.process.stdout, self._stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def median(values: list[float]) -> float:
    clean = [v for v in values if not math.isnan(v)]
    return statistics.median(clean) if clean else math.nan


def main(argv: list[str]) -> int:
    role = argv[0]
    if role == "upstream":
        run_upstream()
    elif role == "gateway":
        run_gateway(argv[1])
    elif role == "bare":
        run_bare(bytes.fromhex(argv[1]))
    elif role == "direct":
        run_direct(argv[1])
    else:
        raise SystemExit(f"unknown role {role!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
