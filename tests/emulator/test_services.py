"""Every method the emulator serves, called by real clients: the official SDK's generated stubs (where
``yandexcloud`` is installed) and generic gRPC calls on the registry's classes over a plaintext channel, and
httpx on the REST face. What a user's code depends on: the operations have the real shapes, each recognition can
be submitted, polled and read back, invalid requests are refused with every violation listed, credentials are
checked and never written anywhere, and a result above 4 MiB meets gRPC's default receive limit.

Each test starts a real emulator on 127.0.0.1 (ephemeral ports), stopped when it ends; every call has a timeout.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import grpc
import httpx
import pytest
from emulator.clients import (
    API_KEY,
    AUTH,
    AUTH_HEADERS,
    CALL_TIMEOUT,
    FOLDER_ID,
    GET_OPERATION,
    OCR_GET,
    OCR_RECOGNIZE,
    OCR_SYNC,
    READERS,
    REQUESTS,
    RESPONSE_TYPES,
    STARTERS,
    STT_V2_RECOGNIZE,
    STT_V3_DELETE,
    STT_V3_GET,
    STT_V3_RECOGNIZE,
    Connector,
    EmulatorFactory,
    GrpcClient,
    details_of,
    ndjson,
    ocr_request,
    status_of,
    stt_v2_request,
    stt_v3_request,
    unpack,
)
from google.protobuf import json_format

from yc_contracts.contract.registry import default_registry
from yc_contracts.emulator import Emulator
from yc_contracts.testing._media import pdf as pdf_bytes
from yc_contracts.validation.validator import check

MiB = 1024 * 1024
ID_PREFIXES = {STT_V3_RECOGNIZE: "e03", STT_V2_RECOGNIZE: "e05", OCR_RECOGNIZE: "fbe"}
RESULT_TYPES = {
    STT_V3_GET: "speechkit.stt.v3.StreamingResponse",
    OCR_GET: "yandex.cloud.ai.ocr.v1.RecognizeTextResponse",
    OCR_SYNC: "yandex.cloud.ai.ocr.v1.RecognizeTextResponse",
}


def as_json(msg: Any) -> dict[str, Any]:
    """A message of either client's classes as REST JSON (through the registry's class of its type)."""
    registry = default_registry()
    ours = registry.coerce(msg)
    return json_format.MessageToDict(ours, descriptor_pool=registry.descriptor_pool)


def assert_valid(type_name: str, msg: Any) -> None:
    """``msg`` breaks no rule of the contract."""
    errors = [v for v in check(type_name, as_json(msg)) if v.severity == "error"]
    assert not errors, errors


def assert_operation(operation: Any, method: str, emu: Emulator, *, done: bool) -> None:
    """The fields every operation has, as the real service fills them."""
    assert len(operation.id) == 20
    assert operation.id.startswith(ID_PREFIXES[method])
    assert operation.description
    assert operation.created_by == emu.config.created_by
    created, modified = operation.created_at.ToMicroseconds() / 1e6, operation.modified_at.ToMicroseconds() / 1e6
    assert abs(created - emu.clock.now()) < 30
    assert modified >= created
    assert operation.done is done
    if not done:
        assert operation.WhichOneof("result") is None


def assert_response(operation: Any, method: str) -> Any:
    """A done, successful operation: its ``response`` Any holds the method's documented type; returns it."""
    assert operation.done
    assert operation.WhichOneof("result") == "response"
    expected = default_registry().operation_types(method)
    assert expected is not None
    assert expected.response == RESPONSE_TYPES[method]
    return unpack(operation.response, RESPONSE_TYPES[method])


def assert_error(error: pytest.ExceptionInfo[grpc.RpcError], code: grpc.StatusCode) -> grpc.RpcError:
    assert error.value.code() == code, error.value  # type: ignore[attr-defined]
    return error.value


# ----------------------------------------------------------------------------------------- gRPC, each method


def test_stt_v3_submit_poll_read_and_delete(
    start_emulator: EmulatorFactory, connect: Connector, client_kind: str
) -> None:
    """STT v3: RecognizeFile starts an operation, Get polls it, GetRecognition streams the results (the same on
    every read), DeleteRecognition forgets them."""
    emu = start_emulator(progression="after_polls: 2")
    client = connect(emu, client_kind)

    started = client.start(STT_V3_RECOGNIZE)
    assert_operation(started, STT_V3_RECOGNIZE, emu, done=False)
    with pytest.raises(grpc.RpcError) as early:
        client.collect(STT_V3_GET, {"operationId": started.id})
    assert "not done" in assert_error(early, grpc.StatusCode.FAILED_PRECONDITION).details()  # type: ignore[attr-defined]

    first = client.get(started.id)
    assert_operation(first, STT_V3_RECOGNIZE, emu, done=False)
    done = client.get(started.id)
    assert_operation(done, STT_V3_RECOGNIZE, emu, done=True)
    assert done.id == started.id
    assert done.created_at == started.created_at
    assert_response(done, STT_V3_RECOGNIZE)

    results = client.collect(STT_V3_GET, {"operationId": started.id})
    assert len(results) >= 2
    for item in results:
        assert item.WhichOneof("Event") in {"final", "final_refinement"}
        assert_valid(RESULT_TYPES[STT_V3_GET], item)
    finals = [r for r in results if r.WhichOneof("Event") == "final"]
    assert finals
    assert all(f.final.alternatives[0].text for f in finals)
    assert client.collect(STT_V3_GET, {"operationId": started.id}) == results

    deleted = client.call(STT_V3_DELETE, {"operationId": started.id})
    assert deleted.DESCRIPTOR.full_name == "google.protobuf.Empty"
    with pytest.raises(grpc.RpcError) as gone:
        client.collect(STT_V3_GET, {"operationId": started.id})
    assert_error(gone, grpc.StatusCode.NOT_FOUND)
    with pytest.raises(grpc.RpcError) as twice:
        client.call(STT_V3_DELETE, {"operationId": started.id})
    assert_error(twice, grpc.StatusCode.NOT_FOUND)
    assert client.get(started.id).done  # the operation itself is still there

    emu.assert_called("RecognizeFile", times=1)
    assert [c.status for c in emu.calls("GetRecognition")] == ["FAILED_PRECONDITION", "OK", "OK", "NOT_FOUND"]
    assert [c.status for c in emu.calls("DeleteRecognition")] == ["OK", "NOT_FOUND"]


def test_stt_v2_long_running_recognize(start_emulator: EmulatorFactory, connect: Connector, client_kind: str) -> None:
    """STT v2: the done operation's response is a LongRunningRecognitionResponse with the recognized chunks."""
    emu = start_emulator(progression="after_polls: 1")
    client = connect(emu, client_kind)

    started = client.start(STT_V2_RECOGNIZE)
    assert_operation(started, STT_V2_RECOGNIZE, emu, done=False)
    done = client.get(started.id)
    assert_operation(done, STT_V2_RECOGNIZE, emu, done=True)
    response: Any = assert_response(done, STT_V2_RECOGNIZE)
    assert response.chunks
    assert all(chunk.alternatives[0].text and chunk.alternatives[0].words for chunk in response.chunks)
    assert {chunk.channel_tag for chunk in response.chunks} == {1}
    assert_valid(RESPONSE_TYPES[STT_V2_RECOGNIZE], response)


def test_ocr_async_recognize_and_get_recognition(
    start_emulator: EmulatorFactory, connect: Connector, client_kind: str
) -> None:
    """OCR async: Recognize starts an operation whose response is Empty; GetRecognition streams one
    RecognizeTextResponse per page of the document (three for a three-page PDF)."""
    emu = start_emulator(progression="after_polls: 1")
    client = connect(emu, client_kind)

    started = client.start(OCR_RECOGNIZE, ocr_request(pdf_bytes(3), mime_type="application/pdf"))
    assert_operation(started, OCR_RECOGNIZE, emu, done=False)
    with pytest.raises(grpc.RpcError) as early:
        client.collect(OCR_GET, {"operationId": started.id})
    assert_error(early, grpc.StatusCode.FAILED_PRECONDITION)
    done = client.get(started.id)
    assert_response(done, OCR_RECOGNIZE)

    pages = client.collect(OCR_GET, {"operationId": started.id})
    assert [p.page for p in pages] == [0, 1, 2]
    for page in pages:
        assert page.text_annotation.full_text
        assert page.text_annotation.blocks
        assert_valid(RESULT_TYPES[OCR_GET], page)

    # a reader only reads the operations of its own service
    stt = client.start(STT_V3_RECOGNIZE)
    with pytest.raises(grpc.RpcError) as other:
        client.collect(OCR_GET, {"operationId": stt.id})
    assert_error(other, grpc.StatusCode.NOT_FOUND)


def test_ocr_sync_recognize_stream(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """OCR sync (TextRecognitionService.Recognize): the results come back at once, as a stream of pages."""
    pages = grpc_client.collect(OCR_SYNC, ocr_request())
    assert len(pages) == 1
    assert pages[0].text_annotation.full_text
    assert_valid(RESULT_TYPES[OCR_SYNC], pages[0])
    two = grpc_client.collect(OCR_SYNC, ocr_request(pdf_bytes(2), mime_type="PDF"))
    assert [p.page for p in two] == [0, 1]
    call = yc_emulator.assert_called("TextRecognitionService.Recognize", times=2)[-1]
    assert call.messages == 2
    assert call.status == "OK"


def test_operation_get_and_cancel(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """Cancel: an operation not yet done ends with a CANCELLED error (and Get shows it so); a done one cannot be
    cancelled (FAILED_PRECONDITION); an unknown one is NOT_FOUND."""
    yc_emulator.configure(progression="manual")
    running = grpc_client.start(STT_V3_RECOGNIZE)
    cancelled = grpc_client.cancel(running.id)
    assert cancelled.id == running.id
    assert cancelled.done
    assert cancelled.WhichOneof("result") == "error"
    assert cancelled.error.code == grpc.StatusCode.CANCELLED.value[0]
    assert cancelled.error.message
    assert grpc_client.get(running.id).error == cancelled.error
    with pytest.raises(grpc.RpcError) as read:
        grpc_client.collect(STT_V3_GET, {"operationId": running.id})
    assert_error(read, grpc.StatusCode.CANCELLED)

    with pytest.raises(grpc.RpcError) as again:
        grpc_client.cancel(running.id)
    assert "already done" in assert_error(again, grpc.StatusCode.FAILED_PRECONDITION).details()  # type: ignore[attr-defined]

    finished = grpc_client.start(OCR_RECOGNIZE)
    yc_emulator.complete(finished.id)
    with pytest.raises(grpc.RpcError) as done:
        grpc_client.cancel(finished.id)
    assert_error(done, grpc.StatusCode.FAILED_PRECONDITION)
    assert grpc_client.get(finished.id).WhichOneof("result") == "response"

    for call in (grpc_client.cancel, grpc_client.get):
        with pytest.raises(grpc.RpcError) as unknown:
            call("e03nosuchoperation000")
        assert_error(unknown, grpc.StatusCode.NOT_FOUND)


def test_an_unserved_method_is_unimplemented(yc_emulator: Emulator) -> None:
    """A method of the contract the emulator does not serve (streaming recognition) answers UNIMPLEMENTED."""
    with grpc.insecure_channel(yc_emulator.grpc_target) as channel:
        call = channel.unary_unary("/speechkit.stt.v3.Recognizer/RecognizeStreaming")
        with pytest.raises(grpc.RpcError) as error:
            call(b"", metadata=AUTH, timeout=CALL_TIMEOUT)
    assert_error(error, grpc.StatusCode.UNIMPLEMENTED)


# ---------------------------------------------------------------------------------------------- REST face


def test_rest_face_every_route(yc_emulator: Emulator, rest: httpx.Client) -> None:
    """Every one of the contract's 9 routes, end to end through the emulator's REST face."""
    yc_emulator.configure(progression="after_polls: 1")

    started = rest.post("/stt/v3/recognizeFileAsync", json=stt_v3_request())
    assert started.status_code == 200, started.text
    operation = started.json()
    assert operation["id"].startswith("e03")
    assert set(operation) >= {"id", "description", "createdAt", "createdBy", "modifiedAt"}
    assert operation.get("done", False) is False  # ProtoJSON leaves out a false bool
    assert "response" not in operation
    assert "error" not in operation

    early = rest.get("/stt/v3/getRecognition", params={"operationId": operation["id"]})
    assert early.status_code == 400
    assert early.json()["code"] == grpc.StatusCode.FAILED_PRECONDITION.value[0]

    polled = rest.get(f"/operations/{operation['id']}").json()
    assert polled["done"] is True
    assert polled["response"] == {"@type": "type.googleapis.com/google.protobuf.Empty"}
    assert polled["createdAt"] == operation["createdAt"]

    stream = rest.get("/stt/v3/getRecognition", params={"operationId": operation["id"]})
    assert stream.status_code == 200
    assert stream.headers["content-type"].startswith("application/x-ndjson")
    lines = list(ndjson(stream.text.splitlines()))
    assert lines
    assert all(set(line) == {"result"} for line in lines)
    assert lines[0]["result"]["final"]["alternatives"][0]["text"]

    deleted = rest.delete("/stt/v3/deleteRecognition", params={"operationId": operation["id"]})
    assert deleted.status_code == 200
    assert deleted.json() == {}
    assert rest.get("/stt/v3/getRecognition", params={"operationId": operation["id"]}).status_code == 404

    v2 = rest.post("/speech/stt/v2/longRunningRecognize", json=stt_v2_request()).json()
    v2_done = rest.get(f"/operations/{v2['id']}").json()
    assert v2_done["response"]["@type"] == "type.googleapis.com/yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse"
    assert v2_done["response"]["chunks"][0]["alternatives"][0]["words"]

    ocr = rest.post("/ocr/v1/recognizeTextAsync", json=ocr_request()).json()
    assert ocr["id"].startswith("fbe")
    assert rest.get(f"/operations/{ocr['id']}").json()["response"]["@type"].endswith("/google.protobuf.Empty")
    pages = list(ndjson(rest.get("/ocr/v1/getRecognition", params={"operationId": ocr["id"]}).text.splitlines()))
    assert pages[0]["result"]["textAnnotation"]["fullText"]

    sync = rest.post("/ocr/v1/recognizeText", json=ocr_request(), headers={"accept": "application/json"})
    assert sync.status_code == 200
    assert sync.json()[0]["textAnnotation"]["blocks"]

    pending = rest.post("/ocr/v1/recognizeTextAsync", json=ocr_request()).json()
    cancelled = rest.get(f"/operations/{pending['id']}:cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["error"]["code"] == grpc.StatusCode.CANCELLED.value[0]
    again = rest.get(f"/operations/{pending['id']}:cancel")
    assert again.status_code == 400
    assert again.json()["code"] == grpc.StatusCode.FAILED_PRECONDITION.value[0]
    assert rest.get("/operations/nosuchoperation").status_code == 404

    methods = [c.short_method for c in yc_emulator.calls()]
    assert {"RecognizeFile", "LongRunningRecognize", "Recognize", "Get", "Cancel", "GetRecognition"} <= set(methods)
    assert "DeleteRecognition" in methods


def test_rest_and_grpc_see_the_same_operations(
    yc_emulator: Emulator, rest: httpx.Client, grpc_client: GrpcClient
) -> None:
    """An operation started over REST is polled and read over gRPC, and the other way round."""
    yc_emulator.configure(progression="manual")
    over_rest = rest.post("/stt/v3/recognizeFileAsync", json=stt_v3_request()).json()
    over_grpc = grpc_client.start(STT_V3_RECOGNIZE)
    yc_emulator.complete(over_rest["id"])
    yc_emulator.complete(over_grpc.id)
    assert grpc_client.get(over_rest["id"]).done
    assert rest.get(f"/operations/{over_grpc.id}").json()["done"] is True
    from_grpc = grpc_client.collect(STT_V3_GET, {"operationId": over_rest["id"]})
    from_rest = list(
        ndjson(rest.get("/stt/v3/getRecognition", params={"operationId": over_rest["id"]}).text.split("\n"))
    )
    assert [as_json(m) for m in from_grpc] == [line["result"] for line in from_rest]


# ------------------------------------------------------------------------------------- invalid requests


INVALID_CASES = [
    pytest.param(
        OCR_RECOGNIZE,
        {"mimeType": "GIF", "languageCodes": ["RUS", "en"]},
        {
            ("/content", "ocr.v1.content_required"),
            ("/languageCodes/0", "ocr.v1.language_code"),
            ("/mimeType", "ocr.v1.mime_type"),
        },
        id="ocr",
    ),
    pytest.param(
        STT_V2_RECOGNIZE,
        {
            "config": {"specification": {"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": "44100"}},
            "audio": {"uri": "https://example.com/a.wav"},
        },
        {
            ("/audio/uri", "stt.v2.audio_uri_object_storage"),
            ("/config/specification/sampleRateHertz", "stt.v2.lpcm_sample_rate"),
        },
        id="stt-v2",
    ),
    pytest.param(
        STT_V3_RECOGNIZE,
        {"recognitionModel": {"audioFormat": {}}},
        {("", "stt.v3.audio_source"), ("/recognitionModel/audioFormat", "stt.v3.audio_format")},
        id="stt-v3",
    ),
    pytest.param(
        GET_OPERATION, {"operationId": "x" * 51}, {("/operationId", "operation.operation_id_length")}, id="get"
    ),
]


@pytest.mark.parametrize(("method", "payload", "expected"), INVALID_CASES)
def test_an_invalid_request_lists_every_violation(
    yc_emulator: Emulator, grpc_client: GrpcClient, method: str, payload: dict[str, Any], expected: set[tuple[str, str]]
) -> None:
    """An invalid request fails with INVALID_ARGUMENT and one google.rpc.BadRequest listing every violation
    (field path, sentence, rule id), and the call is journaled with its request."""
    with pytest.raises(grpc.RpcError) as error:
        grpc_client.call(method, payload)
    failure = assert_error(error, grpc.StatusCode.INVALID_ARGUMENT)
    status = status_of(failure)
    assert status is not None
    assert status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert status.message == failure.details()  # type: ignore[attr-defined]
    (bad_request,) = details_of(failure)
    assert bad_request.DESCRIPTOR.full_name == "google.rpc.BadRequest"
    # field: the JSON Pointer of the violation in the request's REST JSON; reason: its rule id (the gateway's form)
    assert {v.field for v in bad_request.field_violations} == {f for f, _ in expected}
    assert all(v.description for v in bad_request.field_violations)
    if "reason" in bad_request.field_violations[0].DESCRIPTOR.fields_by_name:
        assert {(v.field, v.reason) for v in bad_request.field_violations} == expected
    assert f"{len(expected)} violation" in failure.details()  # type: ignore[attr-defined]

    (call,) = yc_emulator.calls(method)
    assert call.status == "INVALID_ARGUMENT"
    assert call.message == failure.details()  # type: ignore[attr-defined]
    for key in payload:
        assert key in call.request
    assert len(yc_emulator.operations) == 0


def test_an_invalid_request_over_rest(yc_emulator: Emulator, rest: httpx.Client) -> None:
    """Over REST the same refusal is HTTP 400 with the BadRequest detail in the body."""
    response = rest.post("/ocr/v1/recognizeTextAsync", json={"mimeType": "GIF", "languageCodes": ["RUS"]})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    (detail,) = body["details"]
    assert detail["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    assert {v["field"] for v in detail["fieldViolations"]} == {"/content", "/languageCodes/0", "/mimeType"}
    (call,) = yc_emulator.calls("TextRecognitionAsyncService.Recognize")
    assert call.status == "INVALID_ARGUMENT"
    assert call.request == {"mimeType": "GIF", "languageCodes": ["RUS"]}


def test_validation_can_be_turned_off(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """``validate=False``: an invalid request starts an operation all the same."""
    emu = start_emulator(validate=False)
    client = connect(emu)
    operation = client.call(OCR_RECOGNIZE, {"mimeType": "GIF", "languageCodes": ["RUS"]})
    assert operation.id.startswith("fbe")
    emu.assert_called("Recognize", times=1)
    assert emu.calls("Recognize")[0].status == "OK"


# --------------------------------------------------------------------------------------------------- auth


def _secret_free(emu: Emulator, *secrets: str) -> None:
    """No secret anywhere in the journal (entries, JSON, messages) or the operations."""
    dumped = json.dumps([c.to_json() for c in emu.calls()]) + json.dumps(
        [r.summary() for r in emu.operations.all()], default=str
    )
    for secret in secrets:
        assert secret not in dumped
        assert secret not in repr(emu.config)


@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param((), id="none"),
        pytest.param((("authorization", "Api-Key"),), id="no-secret"),
        pytest.param((("authorization", f"Basic {API_KEY}"),), id="other-scheme"),
        pytest.param((("authorization", API_KEY),), id="no-scheme"),
        pytest.param((("authorization", f"{API_KEY} "),), id="no-scheme-trailing-space"),
        pytest.param((("authorization", f"{API_KEY} Api-Key"),), id="secret-first"),
        pytest.param((("authorization", f"api-key {API_KEY}"),), id="lower-case-scheme"),
        pytest.param((("x-folder-id", FOLDER_ID),), id="folder-only"),
    ],
)
def test_a_call_without_credentials_is_unauthenticated(
    yc_emulator: Emulator, grpc_client: GrpcClient, metadata: tuple[tuple[str, str], ...]
) -> None:
    """No usable ``authorization`` metadata: UNAUTHENTICATED, journaled, nothing started, the secret nowhere."""
    for method in (*STARTERS, GET_OPERATION):
        with pytest.raises(grpc.RpcError) as error:
            grpc_client.call(method, {"operationId": "e03x"} if method == GET_OPERATION else None, metadata=metadata)
        failure = assert_error(error, grpc.StatusCode.UNAUTHENTICATED)
        assert API_KEY not in failure.details()  # type: ignore[attr-defined]
    assert len(yc_emulator.operations) == 0
    assert [c.status for c in yc_emulator.calls()] == ["UNAUTHENTICATED"] * 4
    _secret_free(yc_emulator, API_KEY)


@pytest.mark.parametrize("method", [*STARTERS, *READERS.values(), STT_V3_DELETE, OCR_SYNC, GET_OPERATION])
def test_every_method_requires_credentials(yc_emulator: Emulator, connect: Connector, method: str) -> None:
    """Every served method checks the credentials before anything else."""
    client = connect(yc_emulator, metadata=())
    payload = REQUESTS[method]() if method in REQUESTS else {"operationId": "e03x"}
    call = client.collect if default_registry().method(method).server_streaming else client.call
    with pytest.raises(grpc.RpcError) as error:
        call(method, payload)
    assert_error(error, grpc.StatusCode.UNAUTHENTICATED)
    (journaled,) = yc_emulator.calls(method)
    assert journaled.status == "UNAUTHENTICATED"


def test_configured_credentials_are_enforced(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """With ``api_keys`` and ``iam_tokens`` configured only those are accepted; the refusal names no secret and
    the journal keeps only the scheme."""
    good_key, good_token, bad = "AQVN-configured-key-1", "t1.configured-token-1", "AQVN-wrong-key-0"
    emu = start_emulator(api_keys=[good_key], iam_tokens=[good_token])
    client = connect(emu, metadata=())

    assert client.start(metadata=[("authorization", f"Api-Key {good_key}")]).id
    assert client.start(metadata=[("authorization", f"Bearer {good_token}")]).id
    for value in (f"Api-Key {bad}", f"Bearer {bad}", f"Api-Key {good_token}", f"Bearer {good_key}"):
        with pytest.raises(grpc.RpcError) as error:
            client.start(metadata=[("authorization", value)])
        failure = assert_error(error, grpc.StatusCode.UNAUTHENTICATED)
        for secret in (good_key, good_token, bad):
            assert secret not in failure.details()  # type: ignore[attr-defined]

    assert [c.status for c in emu.calls()] == ["OK", "OK"] + ["UNAUTHENTICATED"] * 4
    assert [c.metadata["authorization"] for c in emu.calls()] == [
        "Api-Key <redacted>",
        "Bearer <redacted>",
        "Api-Key <redacted>",
        "Bearer <redacted>",
        "Api-Key <redacted>",
        "Bearer <redacted>",
    ]
    _secret_free(emu, good_key, good_token, bad)
    assert emu.config.to_json()["api_keys"] == 1


def test_only_iam_tokens_configured_refuses_api_keys(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """When only IAM tokens are configured, no API key is accepted."""
    emu = start_emulator(iam_tokens=["t1.only"])
    client = connect(emu, metadata=())
    with pytest.raises(grpc.RpcError) as error:
        client.start(metadata=[("authorization", "Api-Key anything")])
    assert_error(error, grpc.StatusCode.UNAUTHENTICATED)
    assert client.start(metadata=[("authorization", "Bearer t1.only")]).id


def test_credentials_over_rest_are_checked_and_never_echoed(start_emulator: EmulatorFactory) -> None:
    """Over REST: no or wrong credentials are HTTP 401, and neither a body nor the journal repeats them."""
    emu = start_emulator(api_keys=["AQVN-rest-key"])
    with httpx.Client(base_url=emu.http_url, timeout=CALL_TIMEOUT) as http:
        refused = http.post("/stt/v3/recognizeFileAsync", json=stt_v3_request())
        assert refused.status_code == 401
        wrong = http.post(
            "/stt/v3/recognizeFileAsync", json=stt_v3_request(), headers={"authorization": f"Api-Key {API_KEY}"}
        )
        assert wrong.status_code == 401
        assert API_KEY not in wrong.text
        ok = http.post(
            "/stt/v3/recognizeFileAsync",
            json=stt_v3_request(),
            headers={"authorization": "Api-Key AQVN-rest-key", "x-folder-id": FOLDER_ID},
        )
        assert ok.status_code == 200
        assert "AQVN-rest-key" not in ok.text
        calls = http.get("/_emulator/calls").text
    assert API_KEY not in calls
    assert "AQVN-rest-key" not in calls
    _secret_free(emu, API_KEY, "AQVN-rest-key")


def test_folder_id_is_recorded(yc_emulator: Emulator, grpc_client: GrpcClient, rest: httpx.Client) -> None:
    """``x-folder-id`` is kept in the journal and on the operation it started, over gRPC and REST alike."""
    over_grpc = grpc_client.start(STT_V2_RECOGNIZE)
    over_rest = rest.post("/speech/stt/v2/longRunningRecognize", json=stt_v2_request()).json()
    for operation_id in (over_grpc.id, over_rest["id"]):
        assert yc_emulator.operation(operation_id).folder_id == FOLDER_ID
    assert [c.metadata["x-folder-id"] for c in yc_emulator.calls("LongRunningRecognize")] == [FOLDER_ID] * 2
    assert AUTH_HEADERS["x-folder-id"] == FOLDER_ID


# -------------------------------------------------------------------------------------- results over 4 MiB


@pytest.mark.yc_emulator(result_size=5 * MiB, progression="after_polls: 1")
def test_a_result_over_4_mib_needs_a_raised_receive_limit(yc_emulator: Emulator, connect: Connector) -> None:
    """With ``result_size`` = 5 MiB the done STT v2 operation is over gRPC's default 4 MiB receive limit: a default
    channel fails with RESOURCE_EXHAUSTED, a channel with ``grpc.max_receive_message_length`` raised reads it."""
    default = connect(yc_emulator)
    started = default.start(STT_V2_RECOGNIZE)
    started_at = time.monotonic()
    with pytest.raises(grpc.RpcError) as error:
        default.get(started.id)
    assert_error(error, grpc.StatusCode.RESOURCE_EXHAUSTED)
    assert time.monotonic() - started_at < CALL_TIMEOUT

    raised = connect(yc_emulator, options=[("grpc.max_receive_message_length", 64 * MiB)])
    operation = raised.get(started.id)
    assert operation.done
    assert operation.ByteSize() > 5 * MiB
    response: Any = unpack(operation.response, RESPONSE_TYPES[STT_V2_RECOGNIZE])
    assert sum(len(a.text.encode()) for c in response.chunks for a in c.alternatives) >= 5 * MiB
    # the emulator itself served both calls successfully: the limit is the client's
    assert [c.status for c in yc_emulator.calls(GET_OPERATION)] == ["OK", "OK"]


@pytest.mark.yc_emulator(result_size=5 * MiB, progression="after_polls: 1")
def test_a_streamed_result_over_4_mib(yc_emulator: Emulator, connect: Connector) -> None:
    """The same limit on a GetRecognition stream: one message above 4 MiB fails a default channel."""
    default = connect(yc_emulator)
    started = default.start(STT_V3_RECOGNIZE)
    assert default.get(started.id).done  # an Empty response: small
    with pytest.raises(grpc.RpcError) as error:
        default.collect(STT_V3_GET, {"operationId": started.id})
    assert_error(error, grpc.StatusCode.RESOURCE_EXHAUSTED)
    raised = connect(yc_emulator, options=[("grpc.max_receive_message_length", 64 * MiB)])
    results = raised.collect(STT_V3_GET, {"operationId": started.id})
    assert sum(r.ByteSize() for r in results) > 5 * MiB


# ---------------------------------------------------------------------------------------------- the journal


def test_the_journal_and_its_assertions(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """``emu.calls`` lists every call (method, redacted metadata, request as REST JSON, status, timing, operation
    id); ``assert_called`` checks how often and with what request, and its failure says what was called instead;
    a file's ``content`` over 1 KiB is kept as its size and SHA-256."""
    started = time.time()
    pdf = pdf_bytes(12)
    assert len(pdf) > 1024
    operation = grpc_client.start(OCR_RECOGNIZE, ocr_request(pdf, mime_type="PDF"))
    grpc_client.get(operation.id)
    grpc_client.start(STT_V3_RECOGNIZE, stt_v3_request("https://storage.yandexcloud.net/bucket/two.wav"))

    recognize, get, v3 = yc_emulator.calls()
    assert recognize.method == OCR_RECOGNIZE
    assert recognize.short_method == "Recognize"
    assert recognize.status == "OK"
    assert recognize.operation_id == operation.id
    assert started <= recognize.started <= time.time()
    assert recognize.duration >= 0
    assert recognize.request["content"] == {"bytes": len(pdf), "sha256": hashlib.sha256(pdf).hexdigest()}
    assert recognize.request["mimeType"] == "PDF"
    assert recognize.metadata["authorization"] == "Api-Key <redacted>"
    assert get.request == {"operationId": operation.id}
    assert get.operation_id == operation.id
    assert v3.request["uri"].endswith("/two.wav")

    assert yc_emulator.calls("OperationService.Get") == [get]
    assert yc_emulator.calls(GET_OPERATION, status="ok") == [get]
    assert yc_emulator.calls(status="INVALID_ARGUMENT") == []
    assert yc_emulator.assert_called("RecognizeFile", times=1) == [v3]
    assert yc_emulator.assert_called("RecognizeFile", request={"uri": v3.request["uri"]}) == [v3]
    assert yc_emulator.assert_called("Recognize", request={"mimeType": "PDF"}) == [recognize]
    yc_emulator.assert_not_called("Cancel")

    with pytest.raises(AssertionError) as times:
        yc_emulator.assert_called("RecognizeFile", times=2)
    assert str(times.value) == (
        "expected RecognizeFile 2 times, it was called 1 times; calls made: Recognize=OK, Get=OK, RecognizeFile=OK"
    )
    with pytest.raises(AssertionError, match="expected RecognizeFile at least once, it was called 0 times"):
        yc_emulator.assert_called("RecognizeFile", request={"uri": "https://storage.yandexcloud.net/bucket/x.wav"})
    with pytest.raises(AssertionError, match="expected Get 0 times, it was called 1 times"):
        yc_emulator.assert_not_called("Get")

    yc_emulator.reset()
    assert yc_emulator.calls() == []
    with pytest.raises(AssertionError, match="calls made: none"):
        yc_emulator.assert_called("Get")
