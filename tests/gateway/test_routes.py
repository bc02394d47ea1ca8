"""The gateway end to end over the contract: a real HTTP client, the gateway on uvicorn, a real gRPC upstream.

What a user of the gateway depends on: each of the 9 REST routes becomes the right gRPC call with the right
request message and answers with the REST JSON of the reply; server streams come back as NDJSON or a JSON array;
invalid requests never reach the upstream; every gRPC status maps to grpc-gateway's HTTP status with a
``google.rpc.Status`` body; the documented headers travel both ways and nothing else does; credentials never leak;
``/healthz``, ``/openapi.json`` and ``/docs`` are served.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
import grpc.aio
import httpx
import openapi_spec_validator
import pytest
from gateway.upstream import FakeUpstream
from google.protobuf import any_pb2, duration_pb2, json_format, message

from yc_contracts import BadRequestError, to_rest, transcode
from yc_contracts.contract.registry import default_registry
from yc_contracts.transcoding.status import CODE_NAMES, HTTP_STATUS_FOR_CODE, error_details_pb2, status_pb2

if TYPE_CHECKING:
    from gateway.conftest import CurlRunner, GatewayFactory

REGISTRY = default_registry()
SEEDS = Path(__file__).resolve().parent.parent / "data" / "seed_examples"
NDJSON = "application/x-ndjson"
JSON = "application/json"
STATUS_CODES = {code.value[0]: code for code in grpc.StatusCode}


def seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def from_json(type_name: str, payload: str | dict[str, Any]) -> message.Message:
    """A message of the contract's registry from its REST JSON."""
    text = payload if isinstance(payload, str) else json.dumps(payload)
    msg: message.Message = json_format.Parse(
        text, REGISTRY.message_class(type_name)(), descriptor_pool=REGISTRY.descriptor_pool
    )
    return msg


def ndjson(body: bytes) -> list[Any]:
    return [json.loads(line) for line in body.split(b"\n") if line]


def operation(name: str) -> message.Message:
    return from_json("yandex.cloud.operation.Operation", seed_text(name))


def unary(reply: message.Message) -> Callable[[Any, grpc.aio.ServicerContext], Any]:
    async def handler(request: Any, context: grpc.aio.ServicerContext) -> message.Message:
        return reply

    return handler


def streaming(
    replies: list[message.Message], then: tuple[grpc.StatusCode, str] | None = None
) -> Callable[[Any, grpc.aio.ServicerContext], AsyncIterator[message.Message]]:
    """A server-streaming handler: ``replies``, then an abort with ``then`` if given."""

    async def handler(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[message.Message]:
        for reply in replies:
            yield reply
        if then is not None:
            await context.abort(*then)

    return handler


def aborting(code: grpc.StatusCode, text: str, trailing: tuple[tuple[str, str | bytes], ...] = ()) -> Any:
    async def handler(request: Any, context: grpc.aio.ServicerContext) -> message.Message:
        await context.abort(code, text, trailing_metadata=trailing)
        raise AssertionError("abort returns no value")

    return handler


# ------------------------------------------------------------------------------------- the 9 routes


@dataclass(frozen=True)
class RouteCase:
    route: str
    """``VERB /template`` as the registry prints it."""
    verb: str
    path: str
    """The request path with its query."""
    method: str
    """The fake upstream's short method name."""
    replies: list[message.Message]
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _ocr_items() -> list[message.Message]:
    first = from_json("yandex.cloud.ai.ocr.v1.RecognizeTextResponse", seed_text("ocr-v1-get-recognition-response.json"))
    second = from_json("yandex.cloud.ai.ocr.v1.RecognizeTextResponse", {"page": "1"})
    return [first, second]


def _stt_items() -> list[message.Message]:
    return [
        from_json(
            "speechkit.stt.v3.StreamingResponse",
            {
                "sessionUuid": {"uuid": "s-1", "userRequestId": "r-1"},
                "audioCursors": {"receivedDataMs": "1200", "resetTimeMs": "0"},
                "responseWallTimeMs": "150",
                "final": {
                    "alternatives": [{"text": "привет мир", "startTimeMs": "0", "endTimeMs": "1200", "confidence": 1}],
                    "channelTag": "0",
                },
                "channelTag": "0",
            },
        ),
        from_json("speechkit.stt.v3.StreamingResponse", {"channelTag": "1", "responseWallTimeMs": "300"}),
    ]


ROUTE_CASES = [
    RouteCase(
        "POST /ocr/v1/recognizeText",
        "POST",
        "/ocr/v1/recognizeText",
        "TextRecognitionService/Recognize",
        _ocr_items(),
        body=seed_text("ocr-v1-recognize-text-request.json"),
        headers={"x-folder-id": "b1g0000000000000000f"},
    ),
    RouteCase(
        "POST /ocr/v1/recognizeTextAsync",
        "POST",
        "/ocr/v1/recognizeTextAsync",
        "TextRecognitionAsyncService/Recognize",
        [operation("ocr-v1-recognize-operation.json")],
        body=seed_text("ocr-v1-recognize-text-request.json"),
    ),
    RouteCase(
        "GET /ocr/v1/getRecognition",
        "GET",
        "/ocr/v1/getRecognition?operationId=fbvm3k8q2r0c6t1s9d4e",
        "TextRecognitionAsyncService/GetRecognition",
        _ocr_items(),
    ),
    RouteCase(
        "POST /speech/stt/v2/longRunningRecognize",
        "POST",
        "/speech/stt/v2/longRunningRecognize",
        "SttService/LongRunningRecognize",
        [operation("stt-v2-long-running-recognize-operation.json")],
        body=seed_text("stt-v2-long-running-recognize-request.json"),
    ),
    RouteCase(
        "POST /stt/v3/recognizeFileAsync",
        "POST",
        "/stt/v3/recognizeFileAsync",
        "AsyncRecognizer/RecognizeFile",
        [operation("stt-v3-recognize-file-operation-pending.json")],
        body=seed_text("stt-v3-recognize-file-request-uri.json"),
    ),
    RouteCase(
        "GET /stt/v3/getRecognition",
        "GET",
        "/stt/v3/getRecognition?operationId=f8d3ffr5m4q0j9c2b7hs",
        "AsyncRecognizer/GetRecognition",
        _stt_items(),
    ),
    RouteCase(
        "DELETE /stt/v3/deleteRecognition",
        "DELETE",
        "/stt/v3/deleteRecognition?operation_id=f8d3ffr5m4q0j9c2b7hs",
        "AsyncRecognizer/DeleteRecognition",
        [from_json("google.protobuf.Empty", {})],
    ),
    RouteCase(
        "GET /operations/{operation_id}",
        "GET",
        "/operations/e03sup6d5h1q7a8b9c0d",
        "OperationService/Get",
        [operation("stt-v2-get-operation-done.json")],
    ),
    RouteCase(
        "GET /operations/{operation_id}:cancel",
        "GET",
        "/operations/e03sup6d5h1q7a8b9c0d:cancel",
        "OperationService/Cancel",
        [operation("stt-v3-recognize-file-operation-error.json")],
    ),
]


def test_every_contract_route_has_a_case() -> None:
    """A new route in the contract fails here until it gets an end-to-end case."""
    assert sorted(c.route for c in ROUTE_CASES) == sorted(str(r) for r in REGISTRY.routes())
    assert len(ROUTE_CASES) == 9


@pytest.mark.parametrize("case", ROUTE_CASES, ids=[c.route for c in ROUTE_CASES])
def test_route_end_to_end(
    case: RouteCase, contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """The HTTP request arrives as the gRPC method and request message ``transcode()`` gives; the reply comes
    back as its REST JSON (``{"result": …}`` lines for a server stream)."""
    up = contract_upstream
    expected_call = transcode(case.verb, case.path, body=case.body, headers=case.headers)
    streams = expected_call.server_streaming
    up.on(case.method, streaming(case.replies) if streams else unary(case.replies[0]))
    server = gateway_over(up)
    headers = {"content-type": JSON, **case.headers} if case.body is not None else dict(case.headers)
    r = http.request(case.verb, server.url + case.path, content=case.body, headers=headers)
    assert r.status_code == 200, r.text
    assert [c.method for c in up.received] == [expected_call.method]
    assert up.received[0].request == expected_call.request
    assert str(expected_call.route) == case.route
    for key, value in case.headers.items():
        assert up.received[0].metadata[key] == value
    if streams:
        assert r.headers["content-type"] == NDJSON
        assert ndjson(r.content) == [{"result": to_rest(m)} for m in case.replies]
        assert len(case.replies) > 1
    else:
        assert r.headers["content-type"] == JSON
        assert r.json() == to_rest(case.replies[0])
        assert int(r.headers["content-length"]) == len(r.content)


def test_routes_through_curl(contract_upstream: FakeUpstream, gateway_over: GatewayFactory, curl: CurlRunner) -> None:
    """curl (no special client behaviour) gets the same answers: a POST with a JSON body, a DELETE with a query,
    and a custom-verb path."""
    up = contract_upstream
    pending = operation("stt-v3-recognize-file-operation-pending.json")
    up.on("AsyncRecognizer/RecognizeFile", unary(pending))
    up.on("AsyncRecognizer/DeleteRecognition", unary(from_json("google.protobuf.Empty", {})))
    up.on("OperationService/Cancel", unary(pending))
    server = gateway_over(up)
    body = seed_text("stt-v3-recognize-file-request-uri.json")
    r = curl(
        "-X",
        "POST",
        "-H",
        "content-type: application/json",
        "--data-binary",
        body,
        server.url + "/stt/v3/recognizeFileAsync",
    )
    assert (r.status, r.headers["content-type"]) == (200, JSON)
    assert json.loads(r.body) == to_rest(pending)
    assert up.received[-1].request == transcode("POST", "/stt/v3/recognizeFileAsync", body=body).request
    r = curl("-X", "DELETE", server.url + "/stt/v3/deleteRecognition?operationId=op%201")
    assert (r.status, json.loads(r.body)) == (200, {})
    assert up.received[-1].request.operation_id == "op 1"
    r = curl(server.url + "/operations/abc:cancel")
    assert r.status == 200
    assert up.received[-1].method == "/yandex.cloud.operation.OperationService/Cancel"
    assert up.received[-1].request.operation_id == "abc"


# ------------------------------------------------------------------------------------------ streams

STREAM_CASES = [c for c in ROUTE_CASES if transcode(c.verb, c.path, body=c.body).server_streaming]


def _stream_request(http: httpx.Client, server_url: str, case: RouteCase, accept: str | None = None) -> httpx.Response:
    headers = {"content-type": JSON} if case.body is not None else {}
    if accept is not None:
        headers["accept"] = accept
    return http.request(case.verb, server_url + case.path, content=case.body, headers=headers)


def test_the_streaming_routes() -> None:
    """The contract's three server-streaming routes are the ones the stream tests below run over."""
    assert sorted(c.route for c in STREAM_CASES) == [
        "GET /ocr/v1/getRecognition",
        "GET /stt/v3/getRecognition",
        "POST /ocr/v1/recognizeText",
    ]


@pytest.mark.parametrize("case", STREAM_CASES, ids=[c.route for c in STREAM_CASES])
def test_a_stream_by_accept(
    case: RouteCase, contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client, curl: CurlRunner
) -> None:
    """NDJSON without ``Accept`` (curl sends none), for ``*/*`` and for ``application/x-ndjson``; a JSON array for
    ``Accept: application/json``."""
    up = contract_upstream
    up.on(case.method, streaming(case.replies))
    server = gateway_over(up)
    lines = [{"result": to_rest(m)} for m in case.replies]
    args = ["-X", case.verb, "-H", "Accept:"]
    if case.body is not None:
        args += ["-H", "content-type: application/json", "--data-binary", case.body]
    r = curl(*args, server.url + case.path)
    assert (r.status, r.headers["content-type"], ndjson(r.body)) == (200, NDJSON, lines)
    assert r.body.endswith(b"\n")
    for accept in ("*/*", NDJSON, f"{JSON}, {NDJSON}", "text/html, */*;q=0.8"):
        got = _stream_request(http, server.url, case, accept)
        assert (got.status_code, got.headers["content-type"], ndjson(got.content)) == (200, NDJSON, lines), accept
    for accept in (JSON, f"{JSON}; charset=utf-8", f"text/plain, {JSON};q=0.9"):
        got = _stream_request(http, server.url, case, accept)
        assert (got.status_code, got.headers["content-type"]) == (200, JSON), accept
        assert got.json() == [to_rest(m) for m in case.replies], accept
    assert len(up.received) == 8
    assert all(c.request == up.received[0].request for c in up.received)


@pytest.mark.parametrize("case", STREAM_CASES, ids=[c.route for c in STREAM_CASES])
def test_a_stream_that_fails_midway(
    case: RouteCase, contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """The messages sent so far, then ``{"error": Status}`` as the last line / element; the status stays 200
    (the headers went with the first message)."""
    up = contract_upstream
    up.on(case.method, streaming(case.replies, (grpc.StatusCode.NOT_FOUND, "the operation is gone")))
    server = gateway_over(up)
    error = {"error": {"code": 5, "message": "the operation is gone", "details": []}}
    r = _stream_request(http, server.url, case)
    assert (r.status_code, r.headers["content-type"]) == (200, NDJSON)
    assert ndjson(r.content) == [*({"result": to_rest(m)} for m in case.replies), error]
    r = _stream_request(http, server.url, case, JSON)
    assert (r.status_code, r.headers["content-type"]) == (200, JSON)
    assert r.json() == [*(to_rest(m) for m in case.replies), error]


@pytest.mark.parametrize("case", STREAM_CASES, ids=[c.route for c in STREAM_CASES])
def test_a_stream_that_fails_before_its_first_message(
    case: RouteCase, contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """An ordinary error response: the mapped HTTP status and the Status as a JSON body, whatever the Accept."""
    up = contract_upstream
    up.on(case.method, streaming([], (grpc.StatusCode.PERMISSION_DENIED, "no access to the folder")))
    server = gateway_over(up)
    for accept in (None, JSON, NDJSON):
        r = _stream_request(http, server.url, case, accept)
        assert (r.status_code, r.headers["content-type"]) == (403, JSON), accept
        assert r.json() == {"code": 7, "message": "no access to the folder", "details": []}


@pytest.mark.parametrize("case", STREAM_CASES, ids=[c.route for c in STREAM_CASES])
def test_an_empty_stream(
    case: RouteCase, contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """200 with an empty NDJSON body, or ``[]``."""
    up = contract_upstream
    up.on(case.method, streaming([]))
    server = gateway_over(up)
    r = _stream_request(http, server.url, case)
    assert (r.status_code, r.headers["content-type"], r.content) == (200, NDJSON, b"")
    r = _stream_request(http, server.url, case, JSON)
    assert (r.status_code, r.headers["content-type"], r.json()) == (200, JSON, [])


def test_a_stream_arrives_as_it_is_produced(
    contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """Each message is written when the upstream sends it, not when the stream ends."""
    up = contract_upstream
    release = asyncio.Event()
    loop: list[asyncio.AbstractEventLoop] = []
    items = _stt_items()

    async def handler(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[message.Message]:
        loop.append(asyncio.get_running_loop())
        yield items[0]
        await asyncio.wait_for(release.wait(), 10)
        yield items[1]

    up.on("AsyncRecognizer/GetRecognition", handler)
    server = gateway_over(up)
    with http.stream("GET", server.url + "/stt/v3/getRecognition?operationId=x") as r:
        lines = r.iter_lines()
        assert json.loads(next(lines)) == {"result": to_rest(items[0])}
        loop[0].call_soon_threadsafe(release.set)
        assert json.loads(next(lines)) == {"result": to_rest(items[1])}
        assert list(lines) == []


# ---------------------------------------------------------------------------------------- validation

INVALID_BODY = {
    "uri": 5,
    "unknownField": 1,
    "recognitionModel": {"model": "general", "audioFormat": {"containerAudio": {"containerAudioType": "BAD"}}},
}


def test_an_invalid_request_lists_every_violation(
    contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """400 with a ``google.rpc.BadRequest`` naming every problem at once, and the upstream is never called."""
    up = contract_upstream
    up.on("AsyncRecognizer/RecognizeFile", unary(operation("stt-v3-recognize-file-operation-pending.json")))
    server = gateway_over(up)
    r = http.post(server.url + "/stt/v3/recognizeFileAsync", json=INVALID_BODY)
    assert (r.status_code, r.headers["content-type"]) == (400, JSON)
    status = r.json()
    assert status["code"] == CODE_NAMES["INVALID_ARGUMENT"]
    assert status["message"].startswith("3 violations")
    [detail] = status["details"]
    assert detail["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    fields = {v["field"]: v["reason"] for v in detail["fieldViolations"]}
    assert fields == {  # JSON Pointers and rule ids, as check() and the emulator give them
        "/uri": "type.string",
        "/unknownField": "json.unknown_field",
        "/recognitionModel/audioFormat/containerAudio/containerAudioType": "type.enum",
    }
    assert all(v["description"] for v in detail["fieldViolations"])
    # the same answer as the transcoder's own error
    with pytest.raises(BadRequestError) as caught:
        transcode("POST", "/stt/v3/recognizeFileAsync", body=INVALID_BODY)
    assert status == json.loads(caught.value.to_response().body)
    assert up.received == []


def test_a_contract_rule_is_checked_unless_validation_is_off(
    contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """A request that is fine ProtoJSON but breaks a contract rule (no audio source) is a 400 by default; with
    ``validate=False`` it reaches the upstream, which decides."""
    up = contract_upstream
    pending = operation("stt-v3-recognize-file-operation-pending.json")
    up.on("AsyncRecognizer/RecognizeFile", unary(pending))
    checking, passing = gateway_over(up), gateway_over(up, validate=False)
    r = http.post(checking.url + "/stt/v3/recognizeFileAsync", json={})
    assert r.status_code == 400
    assert [v["reason"] for v in r.json()["details"][0]["fieldViolations"]] == ["stt.v3.audio_source"]
    assert up.received == []
    r = http.post(passing.url + "/stt/v3/recognizeFileAsync", json={})
    assert (r.status_code, r.json()) == (200, to_rest(pending))
    assert len(up.received) == 1
    # ProtoJSON itself is still enforced without validation: a 400 (not a 500), the upstream not called
    for body in INVALID_BODY, {"unknownField": 1}, {"uri": 5}:
        r = http.post(passing.url + "/stt/v3/recognizeFileAsync", json=body)
        assert (r.status_code, r.headers["content-type"]) == (400, JSON), r.text
        assert r.json()["code"] == CODE_NAMES["INVALID_ARGUMENT"]
        assert r.json()["details"][0]["fieldViolations"]
    assert len(up.received) == 1


def test_unknown_paths_wrong_methods_and_bad_query_parameters(
    contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """404 naming the closest routes; 405 with ``Allow``; 400 for a query parameter that names no field or has
    a bad value; a body on a route that takes none is 400 too. Nothing reaches the upstream."""
    server = gateway_over(contract_upstream)
    r = http.get(server.url + "/stt/v3/getRecognitio")
    assert (r.status_code, r.headers["content-type"]) == (404, JSON)
    assert r.json()["code"] == CODE_NAMES["NOT_FOUND"]
    assert "'GET /stt/v3/getRecognition'" in r.json()["message"]
    r = http.get(server.url + "/nothing/here")
    assert r.status_code == 404
    r = http.post(server.url + "/operations/abc")
    assert (r.status_code, r.headers["allow"]) == (405, "GET")
    assert r.json()["code"] == CODE_NAMES["UNIMPLEMENTED"]
    r = http.get(server.url + "/stt/v3/recognizeFileAsync")
    assert (r.status_code, r.headers["allow"]) == (405, "POST")
    r = http.get(server.url + "/operations/abc", params={"bogus": "1"})
    assert r.status_code == 400
    [violation] = r.json()["details"][0]["fieldViolations"]
    assert (violation["field"], violation["reason"]) == ("/bogus", "http.query_unknown")
    r = http.get(server.url + "/stt/v3/getRecognition", params=[("operationId", "a"), ("operationId", "b")])
    assert r.status_code == 400
    assert r.json()["details"][0]["fieldViolations"][0]["reason"] == "http.query_value"
    r = http.request("DELETE", server.url + "/stt/v3/deleteRecognition?operationId=x", content=b'{"a": 1}')
    assert r.status_code == 400
    r = http.post(server.url + "/stt/v3/recognizeFileAsync", content=b"{not json", headers={"content-type": JSON})
    assert r.status_code == 400
    assert r.json()["details"][0]["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    assert contract_upstream.received == []


# ------------------------------------------------------------------------------------------- statuses

NON_OK_CODES = sorted(code for code in HTTP_STATUS_FOR_CODE if code != 0)


def test_sixteen_non_ok_codes() -> None:
    """The status table has an HTTP status for each of gRPC's 16 non-OK codes."""
    assert list(range(1, 17)) == NON_OK_CODES


def test_every_status_code_maps_to_its_http_status(
    contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """Each of the 16 non-OK gRPC codes an upstream fails with gives grpc-gateway's HTTP status and a Status
    body with that code and message, for a unary call and for a stream that fails before its first message."""
    up = contract_upstream
    failing: dict[str, int] = {}

    async def get(request: Any, context: grpc.aio.ServicerContext) -> message.Message:
        code = int(request.operation_id)
        await context.abort(STATUS_CODES[code], f"failed with {STATUS_CODES[code].name}")
        raise AssertionError("unreachable")

    async def stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[message.Message]:
        code = int(request.operation_id)
        await context.abort(STATUS_CODES[code], f"stream failed with {STATUS_CODES[code].name}")
        yield from_json("speechkit.stt.v3.StreamingResponse", {})

    up.on("OperationService/Get", get)
    up.on("AsyncRecognizer/GetRecognition", stream)
    server = gateway_over(up)
    for code in NON_OK_CODES:
        name = STATUS_CODES[code].name
        r = http.get(f"{server.url}/operations/{code}")
        failing[name] = r.status_code
        assert r.status_code == HTTP_STATUS_FOR_CODE[code], name
        assert r.headers["content-type"] == JSON
        assert r.json() == {"code": code, "message": f"failed with {name}", "details": []}
        r = http.get(f"{server.url}/stt/v3/getRecognition", params={"operationId": str(code)})
        assert r.status_code == HTTP_STATUS_FOR_CODE[code], name
        assert r.json() == {"code": code, "message": f"stream failed with {name}", "details": []}
    assert failing["NOT_FOUND"] == 404
    assert failing["UNAUTHENTICATED"] == 401
    assert failing["UNAVAILABLE"] == 503
    assert len(up.received) == 32


def _packed(msg: message.Message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(msg)
    return packed


def test_rich_error_details_are_printed(
    contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """An upstream's ``grpc-status-details-bin`` (a ``google.rpc.Status`` with details) comes back as the body,
    its details printed as ProtoJSON with their ``@type``: for a unary call and in a stream's error line."""
    up = contract_upstream
    rich = status_pb2.Status(
        code=CODE_NAMES["RESOURCE_EXHAUSTED"],
        message="quota exceeded",
        details=[
            _packed(
                error_details_pb2.ErrorInfo(reason="QUOTA", domain="stt.api.cloud.yandex.net", metadata={"limit": "10"})
            ),
            _packed(error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=3))),
        ],
    )
    trailer = (("grpc-status-details-bin", rich.SerializeToString()),)
    up.on("OperationService/Get", aborting(grpc.StatusCode.RESOURCE_EXHAUSTED, "quota exceeded", trailer))
    items = _stt_items()

    async def stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[message.Message]:
        yield items[0]
        await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "quota exceeded", trailing_metadata=trailer)

    up.on("AsyncRecognizer/GetRecognition", stream)
    server = gateway_over(up)
    expected = {
        "code": 8,
        "message": "quota exceeded",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "QUOTA",
                "domain": "stt.api.cloud.yandex.net",
                "metadata": {"limit": "10"},
            },
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "3s"},
        ],
    }
    r = http.get(server.url + "/operations/abc")
    assert (r.status_code, r.json()) == (429, expected)
    r = http.get(server.url + "/stt/v3/getRecognition?operationId=x")
    assert r.status_code == 200
    assert ndjson(r.content) == [{"result": to_rest(items[0])}, {"error": expected}]


def test_an_operation_error_with_google_rpc_details(
    contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """A done operation whose ``error`` carries ``google.rpc`` details (types the contract's registry does not
    hold, as a real service sends them) is printed with them, not a 500; the REST client reads it back."""
    from yc_contracts.client import Client

    failed: Any = REGISTRY.message_class("yandex.cloud.operation.Operation")(id="e03failed", done=True)
    failed.error.code = CODE_NAMES["FAILED_PRECONDITION"]
    failed.error.message = "the audio cannot be decoded"
    for detail in (
        error_details_pb2.ErrorInfo(reason="BAD_AUDIO", domain="stt.api.cloud.yandex.net"),
        error_details_pb2.RequestInfo(request_id="req-1"),
    ):
        failed.error.details.add().Pack(detail)
    contract_upstream.on("OperationService/Get", unary(failed))
    server = gateway_over(contract_upstream)
    r = http.get(server.url + "/operations/e03failed")
    assert r.status_code == 200, r.text
    assert r.json()["error"]["details"] == [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "BAD_AUDIO",
            "domain": "stt.api.cloud.yandex.net",
        },
        {"@type": "type.googleapis.com/google.rpc.RequestInfo", "requestId": "req-1"},
    ]
    with Client(endpoint=server.url, transport="rest", api_key="k") as client:
        read = client.operations.get("e03failed")
    assert [d.type_url.rsplit("/", 1)[-1] for d in read.error.details] == [
        "google.rpc.ErrorInfo",
        "google.rpc.RequestInfo",
    ]


# -------------------------------------------------------------------------------------------- headers

FORWARDED = {
    "authorization": "Api-Key AQVNxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "x-folder-id": "b1gfolderfolderfolder",
    "x-client-request-id": "3f1c2f0e-0000-4000-8000-000000000001",
    "x-data-logging-enabled": "false",
}


@pytest.mark.parametrize("authorization", ["Bearer t1.9euelZqXyJ.iam-token", "Api-Key AQVN1234567890abcdef"])
def test_request_headers_become_metadata(
    authorization: str, contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """The credential, folder, request id, data-logging flag and ``Grpc-Metadata-<name>`` arrive as metadata;
    hop-by-hop and every other header stay behind."""
    up = contract_upstream
    up.on("OperationService/Get", unary(operation("stt-v2-get-operation-done.json")))
    server = gateway_over(up)
    headers = {
        **FORWARDED,
        "authorization": authorization,
        "Grpc-Metadata-Foo": "bar",
        "connection": "keep-alive",
        "keep-alive": "timeout=5",
        "te": "trailers",
        "upgrade": "h2c",
        "x-other": "not forwarded",
        "cookie": "session=1",
        "proxy-authorization": "Basic Zm9vOmJhcg==",
        "accept-language": "ru",
    }
    r = http.get(server.url + "/operations/abc", headers=headers)
    assert r.status_code == 200, r.text
    [received] = up.received
    metadata = {k: v for k, v in received.metadata.items() if k != "user-agent"}
    assert metadata == {**FORWARDED, "authorization": authorization, "foo": "bar"}
    assert str(received.metadata["user-agent"]).startswith("yc-contracts-gateway/")


def test_a_metadata_header_that_cannot_be_metadata_is_400(
    contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """``Grpc-Metadata-`` cannot smuggle a reserved name, and a value must be printable ASCII."""
    server = gateway_over(contract_upstream)
    for headers in ({"grpc-metadata-grpc-timeout": "1S"}, {"grpc-metadata-connection": "close"}):
        r = http.get(server.url + "/operations/abc", headers=headers)
        assert r.status_code == 400, headers
        assert r.json()["details"][0]["fieldViolations"][0]["reason"] == "http.header_invalid"
    assert contract_upstream.received == []


def _deadline_of(http: httpx.Client, up: FakeUpstream, url: str, headers: dict[str, str]) -> float | None:
    before = len(up.received)
    r = http.get(url + "/operations/abc", headers=headers)
    assert r.status_code == 200, r.text
    assert len(up.received) == before + 1
    return up.received[-1].deadline


def assert_about(deadline: float | None, seconds: float) -> None:
    """The upstream's time remaining is the requested timeout, less the trip (gRPC rounds the wire's
    ``grpc-timeout`` up a little, so it may be a few ms more)."""
    assert deadline is not None
    assert seconds - 0.5 < deadline <= seconds + 0.05


def test_timeout_headers_become_the_deadline(
    contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """``grpc-timeout`` (gRPC's form) or ``x-request-timeout`` (seconds) set the upstream call's deadline;
    ``grpc-timeout`` wins when both are sent; without either the call has none, or the gateway's ``timeout``."""
    up = contract_upstream
    up.on("OperationService/Get", unary(operation("stt-v2-get-operation-done.json")))
    server, with_default = gateway_over(up), gateway_over(up, timeout=3.0)
    deadline = _deadline_of(http, up, server.url, {"grpc-timeout": "2S"})
    assert_about(deadline, 2.0)
    deadline = _deadline_of(http, up, server.url, {"grpc-timeout": "2500m"})
    assert_about(deadline, 2.5)
    deadline = _deadline_of(http, up, server.url, {"x-request-timeout": "1.5"})
    assert_about(deadline, 1.5)
    deadline = _deadline_of(http, up, server.url, {"x-request-timeout": "9", "grpc-timeout": "1S"})
    assert_about(deadline, 1.0)
    assert _deadline_of(http, up, server.url, {}) is None
    deadline = _deadline_of(http, up, with_default.url, {})
    assert_about(deadline, 3.0)
    deadline = _deadline_of(http, up, with_default.url, {"x-request-timeout": "1"})
    assert_about(deadline, 1.0)


@pytest.mark.parametrize(
    "headers",
    [
        {"grpc-timeout": "2 seconds"},
        {"grpc-timeout": "2s"},
        {"grpc-timeout": "123456789S"},
        {"grpc-timeout": ""},
        {"x-request-timeout": "soon"},
        {"x-request-timeout": "0"},
        {"x-request-timeout": "-1"},
        {"x-request-timeout": "nan"},
        {"x-request-timeout": "inf"},
        {"x-request-timeout": "86401"},
    ],
)
def test_an_invalid_timeout_header_is_400(
    headers: dict[str, str], contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """A timeout header the gateway cannot read is a 400 naming the header; no call is made."""
    server = gateway_over(contract_upstream)
    r = http.get(server.url + "/operations/abc", headers=headers)
    assert r.status_code == 400
    [violation] = r.json()["details"][0]["fieldViolations"]
    assert violation["reason"] == "http.header_invalid"
    assert next(iter(headers)) in violation["description"]
    assert contract_upstream.received == []


def test_the_deadline_is_enforced(
    contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """An upstream slower than the request's deadline: 504 DEADLINE_EXCEEDED, in about the deadline's time."""
    up = contract_upstream

    async def slow(request: Any, context: grpc.aio.ServicerContext) -> message.Message:
        await asyncio.sleep(5)
        return operation("stt-v2-get-operation-done.json")

    up.on("OperationService/Get", slow)
    server = gateway_over(up)
    started = time.monotonic()
    r = http.get(server.url + "/operations/abc", headers={"grpc-timeout": "300m"})
    assert time.monotonic() - started < 3
    assert r.status_code == 504
    assert r.json()["code"] == CODE_NAMES["DEADLINE_EXCEEDED"]


def _with_response_metadata(
    reply: message.Message | None,
    initial: tuple[tuple[str, str], ...],
    trailing: tuple[tuple[str, str], ...],
    fail: grpc.StatusCode | None = None,
) -> Any:
    async def handler(request: Any, context: grpc.aio.ServicerContext) -> message.Message | None:
        if initial:
            await context.send_initial_metadata(initial)
        context.set_trailing_metadata(trailing)
        if fail is not None:
            await context.abort(fail, "failed")
        return reply

    return handler


# The ids in initial metadata and in trailers, each with metadata that must not come back. A call that ends
# without a message carries its ids in its trailers: gRPC may send such a call "trailers-only" and then drops
# initial metadata sent just before the end (grpc.aio does, about one call in eight on a new channel).
INITIAL = (("x-request-id", "req-1"), ("x-other", "hidden"), ("set-cookie", "a=b"))
TRAILING = (("x-server-trace-id", "trace-1"), ("x-other-trailer", "hidden"))
ALL_TRAILING = (("x-request-id", "req-1"), *TRAILING, ("x-other", "hidden"))


def _assert_only_the_ids(headers: httpx.Headers, *, trailing: bool = True) -> None:
    assert headers["x-request-id"] == "req-1"
    if trailing:
        assert headers["x-server-trace-id"] == "trace-1"
    for name in ("x-other", "set-cookie", "x-other-trailer", "grpc-status", "grpc-message", "content-encoding"):
        assert name not in headers


def test_upstream_ids_come_back_as_headers(
    contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """``x-request-id`` / ``x-server-trace-id`` from the upstream's initial or trailing metadata are response
    headers, on success and on error, unary and streaming; no other upstream metadata is."""
    up = contract_upstream
    done = operation("stt-v2-get-operation-done.json")
    up.on("OperationService/Get", _with_response_metadata(done, INITIAL, TRAILING))
    up.on("OperationService/Cancel", _with_response_metadata(None, (), ALL_TRAILING, grpc.StatusCode.ABORTED))
    items = _stt_items()

    async def stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[message.Message]:
        if request.operation_id == "items":
            await context.send_initial_metadata(INITIAL)
            context.set_trailing_metadata(TRAILING)
            for item in items:
                yield item
            return
        context.set_trailing_metadata(ALL_TRAILING)
        if request.operation_id == "fail":
            await context.abort(grpc.StatusCode.NOT_FOUND, "no such operation")

    up.on("AsyncRecognizer/GetRecognition", stream)
    server = gateway_over(up)
    r = http.get(server.url + "/operations/abc")
    assert r.status_code == 200
    _assert_only_the_ids(r.headers)
    r = http.get(server.url + "/operations/abc:cancel")
    assert r.status_code == 409
    _assert_only_the_ids(r.headers)
    r = http.get(server.url + "/stt/v3/getRecognition?operationId=fail")
    assert r.status_code == 404
    _assert_only_the_ids(r.headers)
    # a stream's headers go with its first message, before any trailer exists: only the initial metadata
    for accept in (NDJSON, JSON):
        r = http.get(server.url + "/stt/v3/getRecognition?operationId=items", headers={"accept": accept})
        assert (r.status_code, r.headers["content-type"]) == (200, accept)
        _assert_only_the_ids(r.headers, trailing=False)
        assert "x-server-trace-id" not in r.headers
    # an empty stream is whole before its headers go: the trailers' ids come back
    for accept in (NDJSON, JSON):
        r = http.get(server.url + "/stt/v3/getRecognition?operationId=empty", headers={"accept": accept})
        assert (r.status_code, r.headers["content-type"]) == (200, accept)
        _assert_only_the_ids(r.headers)


def test_credentials_never_reach_a_body_or_a_log(
    contract_upstream: FakeUpstream,
    gateway_over: GatewayFactory,
    http: httpx.Client,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An upstream that rejects the key, a 404, a 400 and a header the gateway refuses: the key is in no response
    (body or header) and in no log record, with the gateway logging at DEBUG."""
    caplog.set_level(logging.DEBUG, logger="yc_contracts.gateway")
    secret = "AQVN1secretSECRETsecret0123456789abcdef"
    up = contract_upstream
    up.on("OperationService/Get", aborting(grpc.StatusCode.UNAUTHENTICATED, "the API key is not valid"))
    up.on("AsyncRecognizer/GetRecognition", streaming([], (grpc.StatusCode.PERMISSION_DENIED, "denied")))
    server = gateway_over(up)
    responses = [
        http.get(server.url + "/operations/abc", headers={"authorization": f"Api-Key {secret}"}),
        http.get(server.url + "/stt/v3/getRecognition?operationId=x", headers={"authorization": f"Bearer {secret}"}),
        http.get(server.url + "/nowhere", headers={"authorization": f"Api-Key {secret}"}),
        http.post(
            server.url + "/stt/v3/recognizeFileAsync", json=INVALID_BODY, headers={"authorization": f"Api-Key {secret}"}
        ),
        http.get(server.url + "/operations/abc", headers={"authorization": f"Api-Key {secret}\x7f"}),
        http.get(server.url + "/operations/abc", headers={"grpc-metadata-authorization-bin": secret + "!"}),
    ]
    assert [r.status_code for r in responses] == [401, 403, 404, 400, 400, 400]
    assert up.received[0].metadata["authorization"] == f"Api-Key {secret}"  # it did travel, as metadata
    for r in responses:
        assert secret not in r.text
        assert all(secret not in value for value in r.headers.values())
    records = [rec for rec in caplog.records if rec.name.startswith("yc_contracts.gateway")]
    assert records, "the gateway logs requests at DEBUG"
    for rec in caplog.records:
        assert secret not in rec.getMessage()
        assert secret not in str(rec.args)


# ---------------------------------------------------------------------------------------------- pages


def test_healthz(contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client) -> None:
    """/healthz answers 200 JSON without calling any upstream (a load balancer's probe)."""
    server = gateway_over(contract_upstream)
    r = http.get(server.url + "/healthz")
    assert (r.status_code, r.headers["content-type"], r.json()) == (200, JSON, {"status": "SERVING"})
    assert r.headers["cache-control"] == "no-store"
    assert contract_upstream.received == []


def test_openapi_document(contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client) -> None:
    """A valid OpenAPI 3.1 document of exactly the 9 routes, whose server is this gateway."""
    server = gateway_over(contract_upstream)
    r = http.get(server.url + "/openapi.json")
    assert (r.status_code, r.headers["content-type"]) == (200, JSON)
    document = r.json()
    openapi_spec_validator.validate(document)
    assert document["openapi"].startswith("3.1")
    operations = {f"{verb.upper()} {path}" for path, item in document["paths"].items() for verb in item}
    assert operations == {str(route) for route in REGISTRY.routes()}
    [served_by] = document["servers"]
    assert urllib.parse.urljoin(server.url + "/openapi.json", served_by["url"]) == server.url + "/"


def test_docs_page(
    contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client, curl: CurlRunner
) -> None:
    """Swagger UI from the gateway itself: the page loads its script and stylesheet from /docs/, never a CDN."""
    server = gateway_over(contract_upstream)
    r = http.get(server.url + "/docs")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<script src="/docs/swagger-ui-bundle.js">' in page
    assert '"/openapi.json"' in page
    for remote in ("http://", "https://", "//cdn", "unpkg", "jsdelivr"):
        assert remote not in page
    js = curl(server.url + "/docs/swagger-ui-bundle.js")
    assert js.status == 200
    assert "javascript" in js.headers["content-type"]
    assert len(js.body) > 100_000
    assert b"SwaggerUIBundle" in js.body
    css = http.get(server.url + "/docs/swagger-ui.css")
    assert (css.status_code, css.headers["content-type"].split(";")[0]) == (200, "text/css")
    assert css.content


def test_docs_off(contract_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client) -> None:
    """``docs=False``: /docs, its files and /openapi.json are 404s; /healthz stays."""
    server = gateway_over(contract_upstream, docs=False)
    for path in ("/docs", "/docs/", "/openapi.json", "/docs/swagger-ui-bundle.js"):
        r = http.get(server.url + path)
        assert r.status_code == 404, path
        assert r.json()["code"] == CODE_NAMES["NOT_FOUND"]
    assert http.get(server.url + "/healthz").status_code == 200
