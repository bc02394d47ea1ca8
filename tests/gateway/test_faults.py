"""The gateway when things go wrong or get big: large streams, clients that leave, upstreams that are down or slow,
bodies over the limit, and stopping with requests in flight.

Every test runs real servers on 127.0.0.1 (ephemeral ports): a grpc.aio upstream (:class:`FakeUpstream`), the
gateway on uvicorn (in the test process, or in its own process where its memory is weighed or it gets SIGTERM),
and httpx as the client. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import json
import logging
import random
import signal
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import grpc
import httpx
import pytest
from gateway.procs import GatewayProcess, RssSampler
from gateway.upstream import FakeUpstream

from yc_contracts import gateway
from yc_contracts.contract.registry import Registry

GatewayFactory = Callable[..., gateway.Server]

KiB = 1024
MiB = 1024 * KiB
TIMEOUT = 10.0
"""Seconds any one HTTP call may take, unless a test says otherwise."""

SECRET = "Api-Key AQVN-h2-test-secret-never-logged"
"""An authorization header value that must never come back in a body or reach a log."""

GET_RECOGNITION = "/speechkit.stt.v3.AsyncRecognizer/GetRecognition"
RECOGNIZE_FILE = "/speechkit.stt.v3.AsyncRecognizer/RecognizeFile"
RECOGNIZE_BODY = {"uri": "https://storage.yandexcloud.net/bucket/a.ogg", "recognitionModel": {"model": "general"}}


# ------------------------------------------------------------------------------------------------ helpers


def _operation(registry: Registry) -> Any:
    """The class ``yandex.cloud.operation.Operation`` (what RecognizeFile answers)."""
    return registry.message_class("yandex.cloud.operation.Operation")


def _streaming_response(registry: Registry) -> Any:
    """The class ``speechkit.stt.v3.StreamingResponse`` (each message of a GetRecognition stream)."""
    return registry.message_class("speechkit.stt.v3.StreamingResponse")


def _text(index: int, size: int) -> str:
    """``size`` characters of hex that differ for every ``index`` (so a swapped or cut message shows)."""
    return random.Random(index).randbytes(size // 2).hex()


def _final(registry: Registry, index: int, size: int) -> Any:
    """A StreamingResponse whose final result carries ``size`` characters of text, tagged with ``index``."""
    update = registry.message_class("speechkit.stt.v3.AlternativeUpdate")
    alternative = registry.message_class("speechkit.stt.v3.Alternative")
    final = update(alternatives=[alternative(text=_text(index, size))])
    return _streaming_response(registry)(final=final, channel_tag=str(index))


def _wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


async def _sleep_unless_cancelled(seconds: float, cancelled: list[str], method: str = GET_RECOGNITION) -> None:
    """Sleep in a handler; if the call is cancelled meanwhile (its task gets ``CancelledError``), note ``method``
    in ``cancelled``. (grpc.aio's ``context.cancelled()`` reads False in a done callback even for a call the client
    cancelled, so the handler itself is where a cancellation shows.)"""
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        cancelled.append(method)
        raise


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _status_body(response: httpx.Response) -> dict[str, Any]:
    """The ``google.rpc.Status`` JSON of an error response (checked to be one)."""
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "details"}, body
    return body


def _ndjson(response: httpx.Response) -> list[dict[str, Any]]:
    return [json.loads(line) for line in response.text.splitlines() if line]


@pytest.fixture
def up(contract_upstream: FakeUpstream) -> FakeUpstream:
    """The contract's fake upstream, with an operation-returning RecognizeFile as a control method."""
    operation = _operation(contract_upstream.registry)

    async def recognize(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        return operation(id="op-ok", description=request.uri)

    contract_upstream.on("AsyncRecognizer/RecognizeFile", recognize)
    return contract_upstream


def _assert_serves(url: str) -> None:
    """The gateway answers a fresh client on a new connection: the control call succeeds."""
    with httpx.Client(timeout=TIMEOUT) as fresh:
        r = fresh.post(url + "/stt/v3/recognizeFileAsync", json=RECOGNIZE_BODY)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == "op-ok"


# ------------------------------------------------------------------------------------------ large results


def test_a_stream_over_16_mib_flows_through_a_bounded_amount_of_gateway_memory(up: FakeUpstream) -> None:
    """A recognition result of 40 MiB (160 messages of 256 KiB) reaches a slow reader whole and in order, and the
    gateway's memory does not grow with it: a user can fetch a result of any size through the gateway.

    What the gateway holds is what HTTP/2 flow control lets the upstream send ahead (the channels' fixed window,
    ``upstreams.STREAM_WINDOW_BYTES``), what the socket to the client has not taken, and a few copies of the message
    in hand (bytes, message, JSON, the line), so the bound asserted is: the peak growth stays well under the stream
    (under half of it), and the second half of the stream adds next to nothing to the peak reached in the first.
    """
    count, size = 160, 256 * KiB

    async def lazy(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
        for i in range(int(request.operation_id.rpartition("-")[2])):
            yield _final(up.registry, i, size)  # made one by one: only what flow control lets through exists

    up.on("AsyncRecognizer/GetRecognition", lazy)
    with GatewayProcess(up.target) as gw, httpx.Client(timeout=30.0) as client:
        warm = client.get(gw.url + "/stt/v3/getRecognition", params={"operationId": "op-2"})
        assert warm.status_code == 200
        assert len(_ndjson(warm)) == 2
        baseline = gw.rss()
        kernel_peak = gw.reset_peak()
        started = time.perf_counter()
        total = half_peak = index = 0
        with RssSampler(gw) as sampler:
            with client.stream("GET", gw.url + "/stt/v3/getRecognition", params={"operationId": f"op-{count}"}) as r:
                assert r.status_code == 200
                assert r.headers["content-type"] == "application/x-ndjson"
                for line in r.iter_lines():
                    if not line:
                        continue
                    if index < 6:
                        time.sleep(0.25)  # a slow reader first: the gateway must wait, not buffer
                    total += len(line)
                    item = json.loads(line)
                    assert set(item) == {"result"}, line[:200]
                    assert item["result"]["channelTag"] == str(index)
                    assert item["result"]["final"]["alternatives"][0]["text"] == _text(index, size)
                    index += 1
                    if index == count // 2:
                        half_peak = sampler.peak_so_far()
            assert index == count
        elapsed = time.perf_counter() - started
    growth, second_half = sampler.peak - baseline, sampler.peak - half_peak
    print(
        f"\nstream: {count} x {size // KiB} KiB messages, {total / MiB:.1f} MiB of NDJSON in {elapsed:.1f} s; "
        f"gateway RSS {baseline / MiB:.1f} MiB before, peak {sampler.peak / MiB:.1f} MiB: +{growth / MiB:.2f} MiB "
        f"({growth / size:.0f}x a message), +{second_half / MiB:.2f} MiB of it in the second half "
        f"(kernel peak {'read' if kernel_peak else 'not available: sampled'})"
    )
    assert total > 32 * MiB
    assert growth < total / 2, f"the gateway's RSS grew by {growth / MiB:.1f} MiB while streaming"
    assert second_half < 16 * size, f"the second half of the stream added {second_half / MiB:.1f} MiB"


def test_a_single_message_over_grpcs_4_mib_default_comes_through(
    up: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """A 6 MiB result message passes: the gateway raises gRPC's 4 MiB receive limit, as large recognitions need."""
    size = 6 * MiB

    async def big(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
        yield _final(up.registry, 7, size)

    up.on("AsyncRecognizer/GetRecognition", big)
    srv = gateway_over(up)
    r = http.get(srv.url + "/stt/v3/getRecognition", params={"operationId": "op-1"})
    assert r.status_code == 200
    (item,) = _ndjson(r)
    assert item["result"]["final"]["alternatives"][0]["text"] == _text(7, size)


def test_a_message_over_the_receive_limit_fails_the_call_cleanly(
    up: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """With ``max_receive_message_size`` at 1 MiB, a 2 MiB message ends the call with RESOURCE_EXHAUSTED at once:
    as an error response (429) when it is the first message, as a final error line after those already sent."""

    async def big_after(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
        for i in range(int(request.operation_id.rpartition("-")[2])):
            yield _final(up.registry, i, 1 * KiB)
        yield _final(up.registry, 99, 2 * MiB)

    up.on("AsyncRecognizer/GetRecognition", big_after)
    srv = gateway_over(up, max_receive_message_size=1 * MiB)

    started = time.perf_counter()
    r = http.get(srv.url + "/stt/v3/getRecognition", params={"operationId": "op-0"})
    assert r.status_code == 429
    assert _status_body(r)["code"] == 8
    r = http.get(srv.url + "/stt/v3/getRecognition", params={"operationId": "op-2"})
    assert time.perf_counter() - started < 5.0
    assert r.status_code == 200
    lines = _ndjson(r)
    assert [line["result"]["channelTag"] for line in lines[:2]] == ["0", "1"]
    assert set(lines[2]) == {"error"}
    assert lines[2]["error"]["code"] == 8
    assert len(lines) == 3
    # a unary result over the limit is an ordinary 429 too
    operation = _operation(up.registry)

    async def big_operation(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        return operation(id="op-big", description="x" * (2 * MiB))

    up.on("AsyncRecognizer/RecognizeFile", big_operation)
    r = http.post(srv.url + "/stt/v3/recognizeFileAsync", json=RECOGNIZE_BODY)
    assert r.status_code == 429
    assert _status_body(r)["code"] == 8


# -------------------------------------------------------------------------------------- clients that leave


def test_a_client_leaving_a_stream_cancels_the_upstream_call(
    up: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """Closing the connection after the first line cancels the gRPC call (the service stops working for nobody),
    and the gateway goes on serving other clients."""
    response_class = _streaming_response(up.registry)
    cancelled: list[str] = []

    async def one_then_wait(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
        yield response_class(channel_tag="first")
        await _sleep_unless_cancelled(30, cancelled)
        yield response_class(channel_tag="never")

    up.on("AsyncRecognizer/GetRecognition", one_then_wait)
    srv = gateway_over(up)
    with http.stream("GET", srv.url + "/stt/v3/getRecognition", params={"operationId": "op-1"}) as r:
        assert r.status_code == 200
        first = next(r.iter_lines())
    assert json.loads(first) == {"result": {"channelTag": "first"}}
    assert _wait_for(lambda: cancelled == [GET_RECOGNITION], 5.0), "the upstream's call was not cancelled"
    assert _wait_for(lambda: GET_RECOGNITION in up.finished + up.cancelled, 5.0)
    _assert_serves(srv.url)


def test_a_client_leaving_a_large_stream_midway_cancels_the_upstream_call(
    up: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """A client that stops reading a 100 MiB result and then closes its connection, while the gateway waits on a full
    socket, still cancels the upstream's call at once: the gateway is not left stuck writing to nobody."""
    ended: list[str] = []

    async def endless(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
        try:
            for i in range(400):
                yield _final(up.registry, i % 4, 256 * KiB)
            ended.append("finished")
        except (asyncio.CancelledError, GeneratorExit):  # the call was cancelled at a yield
            ended.append("cancelled")
            raise

    up.on("AsyncRecognizer/GetRecognition", endless)
    srv = gateway_over(up)
    with http.stream("GET", srv.url + "/stt/v3/getRecognition", params={"operationId": "op-1"}) as r:
        lines = r.iter_lines()
        assert json.loads(next(lines))["result"]["channelTag"] == "0"
        time.sleep(1.0)  # not reading: everything between the upstream and this socket fills up
    assert _wait_for(lambda: ended == ["cancelled"], 5.0), ended
    _assert_serves(srv.url)


def test_an_upstream_that_goes_away_mid_stream_ends_it_with_an_error_line(
    contract_registry: Registry, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """The upstream stopping after the first message ends the HTTP stream at once with an ``{"error": …}`` line
    (UNAVAILABLE), rather than leaving the client waiting."""
    up = FakeUpstream(contract_registry).__enter__()
    running = True

    def stop_upstream() -> None:
        with contextlib.suppress(concurrent.futures.CancelledError):  # see conftest.running_upstream
            up.__exit__(None, None, None)
        up._thread.join(30)

    response_class = _streaming_response(contract_registry)

    async def one_then_wait(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
        yield response_class(channel_tag="first")
        await asyncio.sleep(30)

    try:
        up.on("AsyncRecognizer/GetRecognition", one_then_wait)
        srv = gateway_over(up)
        with http.stream("GET", srv.url + "/stt/v3/getRecognition", params={"operationId": "op-1"}) as r:
            lines = r.iter_lines()
            assert json.loads(next(lines)) == {"result": {"channelTag": "first"}}
            started = time.perf_counter()
            stop_upstream()
            running = False
            rest = [json.loads(line) for line in lines if line]
        assert time.perf_counter() - started < 5.0
        assert len(rest) == 1
        assert set(rest[0]) == {"error"}
        assert rest[0]["error"]["code"] == 14
    finally:
        if running:
            stop_upstream()


def test_a_client_giving_up_on_a_slow_unary_call_cancels_it(
    up: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """A client that times out and closes its connection cancels the upstream's unary call too."""

    cancelled: list[str] = []

    async def slow(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        await _sleep_unless_cancelled(30, cancelled, RECOGNIZE_FILE)
        return _operation(up.registry)(id="too-late")

    srv = gateway_over(up)
    up.on("AsyncRecognizer/RecognizeFile", slow)
    with pytest.raises(httpx.ReadTimeout):
        http.post(srv.url + "/stt/v3/recognizeFileAsync", json=RECOGNIZE_BODY, timeout=0.5)
    assert _wait_for(lambda: cancelled == [RECOGNIZE_FILE], 5.0), "the upstream's call was not cancelled"

    async def fast(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        return _operation(up.registry)(id="op-ok")

    up.on("AsyncRecognizer/RecognizeFile", fast)
    _assert_serves(srv.url)


# ------------------------------------------------------------------------------------ upstream down or slow


def test_an_upstream_that_is_down_is_a_quick_503(
    gateway_over: GatewayFactory, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing listening at the upstream: UNAVAILABLE (code 14) as 503 within seconds, for unary and streaming
    routes alike, the credentials in no body or log line; the gateway itself stays healthy."""
    caplog.set_level(logging.DEBUG, logger="yc_contracts")
    srv = gateway_over(None, upstreams=f"127.0.0.1:{_closed_port()}")
    for attempt in range(2):  # the first call finds the port closed; the second a channel in backoff
        started = time.perf_counter()
        r = http.post(srv.url + "/stt/v3/recognizeFileAsync", json=RECOGNIZE_BODY, headers={"authorization": SECRET})
        assert time.perf_counter() - started < 3.0, f"attempt {attempt} took too long"
        assert r.status_code == 503
        assert _status_body(r)["code"] == 14
        assert SECRET not in r.text
        assert "AQVN" not in r.text
    r = http.get(srv.url + "/stt/v3/getRecognition", params={"operationId": "op-1"}, headers={"authorization": SECRET})
    assert r.status_code == 503
    assert _status_body(r)["code"] == 14
    assert "AQVN" not in r.text
    health = http.get(srv.url + "/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "SERVING"}
    assert "POST /stt/v3/recognizeFileAsync -> 503" in caplog.text  # the gateway's own log line, at debug level
    assert "AQVN" not in caplog.text


@contextlib.contextmanager
def _upstream_on(port: int, registry: Registry) -> Iterator[None]:
    """A grpc.aio server on a given loopback port (FakeUpstream picks its own), answering RecognizeFile with
    ``op-ok``, on a thread until the block ends."""
    request_class = registry.message_class("speechkit.stt.v3.RecognizeFileRequest")
    operation = _operation(registry)
    ready, stop = threading.Event(), threading.Event()

    async def recognize(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        return operation(id="op-ok", description=request.uri)

    async def serve() -> None:
        server = grpc.aio.server()
        handler = grpc.unary_unary_rpc_method_handler(
            recognize, request_deserializer=request_class.FromString, response_serializer=operation.SerializeToString
        )
        server.add_generic_rpc_handlers(
            [grpc.method_handlers_generic_handler("speechkit.stt.v3.AsyncRecognizer", {"RecognizeFile": handler})]
        )
        server.add_insecure_port(f"127.0.0.1:{port}")
        await server.start()
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.02)
        await server.stop(0)

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    try:
        assert ready.wait(10.0), "the upstream did not start"
        yield
    finally:
        stop.set()
        thread.join(10.0)


def test_an_upstream_back_from_an_outage_is_used_again_within_seconds(
    gateway_over: GatewayFactory, http: httpx.Client, contract_registry: Registry
) -> None:
    """An upstream down for 10 s answers through the gateway again within ~2 s of coming back (the reconnect backoff
    is capped; gRPC's default lets it grow to minutes, and the gateway would answer 503 all that time), and while
    it is down every call is a quick 503."""
    port = _closed_port()
    srv = gateway_over(None, upstreams=f"127.0.0.1:{port}", registry=contract_registry)
    url = srv.url + "/stt/v3/recognizeFileAsync"
    outage = time.monotonic() + 10.0
    while time.monotonic() < outage:
        started = time.perf_counter()
        assert http.post(url, json=RECOGNIZE_BODY).status_code == 503
        assert time.perf_counter() - started < 1.0
        time.sleep(0.5)
    with _upstream_on(port, contract_registry):
        back = time.monotonic()
        while (r := http.post(url, json=RECOGNIZE_BODY)).status_code == 503 and time.monotonic() - back < 10.0:
            time.sleep(0.05)
        recovered = time.monotonic() - back
    print(f"\nback from a 10 s outage: served again after {recovered:.2f} s")
    assert r.status_code == 200, r.text
    assert r.json()["id"] == "op-ok"
    assert recovered < 3.5


def test_an_upstream_slower_than_the_deadline_is_a_504(
    up: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """``grpc-timeout: 200m`` bounds the call: a handler that takes 5 s answers 504 (DEADLINE_EXCEEDED, code 4) in
    well under a second, and the upstream saw the deadline."""

    async def slow(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        await asyncio.sleep(5)
        return _operation(up.registry)(id="too-late")

    up.on("AsyncRecognizer/RecognizeFile", slow)
    srv = gateway_over(up)
    started = time.perf_counter()
    r = http.post(
        srv.url + "/stt/v3/recognizeFileAsync",
        json=RECOGNIZE_BODY,
        headers={"grpc-timeout": "200m", "authorization": SECRET},
    )
    assert time.perf_counter() - started < 2.0
    assert r.status_code == 504
    assert _status_body(r)["code"] == 4
    assert "AQVN" not in r.text
    deadline = up.received[-1].deadline
    assert deadline is not None
    assert 0 < deadline <= 0.2


def test_the_gateways_default_timeout_bounds_calls_that_set_none(
    up: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """``timeout=0.2``: a request without a deadline of its own gets the gateway's: 504 for a unary call, a final
    DEADLINE_EXCEEDED line for a stream already under way; a request's own header still wins."""
    response_class, operation = _streaming_response(up.registry), _operation(up.registry)

    async def slow(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        await asyncio.sleep(1)
        return operation(id="in-time-for-1s")

    async def one_then_wait(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Any]:
        yield response_class(channel_tag="first")
        await asyncio.sleep(5)

    up.on("AsyncRecognizer/RecognizeFile", slow)
    up.on("AsyncRecognizer/GetRecognition", one_then_wait)
    srv = gateway_over(up, timeout=0.2)
    started = time.perf_counter()
    r = http.post(srv.url + "/stt/v3/recognizeFileAsync", json=RECOGNIZE_BODY)
    assert time.perf_counter() - started < 2.0
    assert r.status_code == 504
    assert _status_body(r)["code"] == 4
    r = http.get(srv.url + "/stt/v3/getRecognition", params={"operationId": "op-1"})
    assert r.status_code == 200
    assert _ndjson(r)[0] == {"result": {"channelTag": "first"}}
    assert _ndjson(r)[-1]["error"]["code"] == 4
    r = http.post(srv.url + "/stt/v3/recognizeFileAsync", json=RECOGNIZE_BODY, headers={"x-request-timeout": "5"})
    assert r.status_code == 200
    assert r.json()["id"] == "in-time-for-1s"


# ------------------------------------------------------------------------------------------- body limits


def _chunks(total: int, size: int = 512) -> Iterator[bytes]:
    """A JSON body of ``total`` bytes in chunks, for a chunked upload (no Content-Length)."""
    body = json.dumps({"uri": "https://storage.yandexcloud.net/b/" + "a" * total}).encode()[:total]
    for start in range(0, total, size):
        yield body[start : start + size]


def test_a_body_over_max_body_size_is_a_413_and_never_reaches_the_upstream(
    up: FakeUpstream, gateway_over: GatewayFactory
) -> None:
    """``max_body_size=1024``: a 2 KiB body is refused with 413 and a Status JSON whether its size is declared
    (Content-Length) or not (chunked); the upstream is not called; the next client is served."""
    srv = gateway_over(up, max_body_size=1024)
    url = srv.url + "/stt/v3/recognizeFileAsync"
    body = {"uri": "https://storage.yandexcloud.net/b/" + "a" * 2048, "recognitionModel": {"model": "general"}}
    with httpx.Client(timeout=TIMEOUT) as client:
        declared = client.post(url, json=body)
    assert declared.status_code == 413
    assert _status_body(declared)["code"] == 8
    assert "1024 bytes" in declared.json()["message"]
    with httpx.Client(timeout=TIMEOUT) as client:
        chunked = client.post(url, content=_chunks(2048), headers={"content-type": "application/json"})
    assert chunked.status_code == 413
    assert _status_body(chunked)["code"] == 8
    assert up.received == []
    _assert_serves(srv.url)
    # the limit itself is allowed: a body of exactly 1024 bytes is read and sent on
    prefix = "https://storage.yandexcloud.net/b/"
    exact = json.dumps(
        RECOGNIZE_BODY | {"uri": prefix + "a" * (1024 - len(json.dumps(RECOGNIZE_BODY | {"uri": prefix})))}
    )
    assert len(exact.encode()) == 1024
    with httpx.Client(timeout=TIMEOUT) as client:
        r = client.post(url, content=exact, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text


def test_a_large_upload_over_the_limit_is_refused_without_a_hang(
    up: FakeUpstream, gateway_over: GatewayFactory
) -> None:
    """A client that sends 16 MiB to a 1 KiB limit, chunked or with its size declared, gets its 413 in bounded time
    (the gateway answers without keeping what it refuses), and the same client's next request is served."""
    srv = gateway_over(up, max_body_size=1024)
    url = srv.url + "/stt/v3/recognizeFileAsync"
    with httpx.Client(timeout=TIMEOUT) as client:
        for body in (_chunks(16 * MiB, 64 * KiB), b"x" * (16 * MiB)):
            started = time.perf_counter()
            r = client.post(url, content=body, headers={"content-type": "application/json"})
            assert time.perf_counter() - started < 5.0
            assert r.status_code == 413
            assert _status_body(r)["code"] == 8
        assert up.received == []
        r = client.post(url, json=RECOGNIZE_BODY)
    assert r.status_code == 200
    assert r.json()["id"] == "op-ok"


def test_the_default_limit_takes_a_20_mib_audio_file_inline(
    up: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """The documented 20 MB file, base64 in ``content`` (a 28 MB JSON body), passes the default 32 MiB limit and
    validation (an Ogg file declared OGG_OPUS), and the upstream receives exactly its bytes."""
    audio = b"OggS" + random.Random(20).randbytes(20 * MiB - 4)
    body = {
        "content": base64.b64encode(audio).decode(),
        "recognitionModel": {"model": "general", "audioFormat": {"containerAudio": {"containerAudioType": "OGG_OPUS"}}},
    }
    srv = gateway_over(up)
    r = http.post(srv.url + "/stt/v3/recognizeFileAsync", json=body, timeout=30.0)
    assert r.status_code == 200, r.text[:500]
    (received,) = up.received
    assert received.request.content == audio
    assert received.request.recognition_model.model == "general"


# --------------------------------------------------------------------------------------- graceful shutdown


def _slow_operation(up: FakeUpstream, seconds: float) -> None:
    operation = _operation(up.registry)

    async def slow(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        await asyncio.sleep(seconds)
        return operation(id="op-finished", description=request.uri)

    up.on("AsyncRecognizer/RecognizeFile", slow)


def _post_in_background(pool: concurrent.futures.ThreadPoolExecutor, url: str) -> concurrent.futures.Future[Any]:
    def post() -> httpx.Response:
        with httpx.Client(timeout=TIMEOUT) as client:
            return client.post(
                url + "/stt/v3/recognizeFileAsync", json=RECOGNIZE_BODY, headers={"authorization": SECRET}
            )

    return pool.submit(post)


def _refused(url: str) -> bool:
    """Whether a new connection goes unserved: refused, or (one that reached the listen backlog just as the server
    closed it) dropped without a response."""
    try:
        httpx.get(url + "/healthz", timeout=1.0)
    except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError):
        return True
    return False


def test_stopping_the_server_lets_a_request_in_flight_finish(up: FakeUpstream, gateway_over: GatewayFactory) -> None:
    """``Server.stop()`` while a call runs (2 s): new connections are refused at once, the call in flight still
    gets its 200, and the server's thread ends."""
    _slow_operation(up, 2.0)
    srv = gateway_over(up, shutdown_timeout=10.0)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        in_flight = _post_in_background(pool, srv.url)
        assert _wait_for(lambda: len(up.received) == 1, 5.0)
        srv.stop()
        assert _wait_for(lambda: _refused(srv.url), 1.5)
        assert not in_flight.done(), "the call in flight ended before new connections were refused"
        r = in_flight.result(timeout=TIMEOUT)
    assert r.status_code == 200
    assert r.json()["id"] == "op-finished"
    started = time.perf_counter()
    srv.join(timeout=5.0)
    assert time.perf_counter() - started < 5.0


def test_sigterm_drains_the_gateway_process_and_it_exits(up: FakeUpstream) -> None:
    """SIGTERM to ``yc-contracts gateway`` while a call runs (2 s): new connections are refused, the call in flight
    gets its 200, the process exits by itself, and its output (access log, debug level) holds no credentials."""
    _slow_operation(up, 2.0)
    with GatewayProcess(up.target, "--access-log", "--log-level", "debug") as gw:
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            in_flight = _post_in_background(pool, gw.url)
            assert _wait_for(lambda: len(up.received) == 1, 5.0)
            started = time.perf_counter()
            gw.sigterm()
            assert _wait_for(lambda: _refused(gw.url), 1.5)
            assert not in_flight.done(), "the call in flight ended before new connections were refused"
            r = in_flight.result(timeout=TIMEOUT)
        assert r.status_code == 200
        assert r.json()["id"] == "op-finished"
        assert _wait_for(lambda: gw.poll() is not None, 10.0)
        # uvicorn re-raises the signal once it has shut down, so the exit status says "ended by SIGTERM", as
        # process managers expect; it exited by itself (nothing killed it), after draining.
        assert gw.poll() in (0, -signal.SIGTERM)
        assert time.perf_counter() - started < 10.0
        log = gw.stdout() + gw.stderr()
    assert 'POST /stt/v3/recognizeFileAsync HTTP/1.1" 200' in log  # the access log (uvicorn's, on stdout)
    assert "Application shutdown complete" in log  # the gateway's lifespan shutdown ran: its channels are closed
    assert "AQVN" not in log
