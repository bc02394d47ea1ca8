"""Deterministic fault injection, as a user's retry and error handling meets it through a real gRPC client and
the REST face: fail the next N calls (all of a method, those matching a JSON subset, or those a predicate picks)
with a code, add latency, cut a stream after K messages, refuse over quota the way the service does. Faults are
consumed in the order they were added and never fire at random.

(Named test_fault_injection.py: tests/gateway/test_faults.py has the basename test_faults.py, and pytest's
default import mode needs test file basenames to be unique.)
"""

from __future__ import annotations

import time
from typing import Any

import grpc
import httpx
import pytest
from emulator.clients import (
    GET_OPERATION,
    OCR_GET,
    OCR_RECOGNIZE,
    OCR_SYNC,
    STT_V2_RECOGNIZE,
    STT_V3_GET,
    STT_V3_RECOGNIZE,
    Connector,
    EmulatorFactory,
    GrpcClient,
    details_of,
    ndjson,
    ocr_request,
    status_of,
    stt_v3_request,
)

from yc_contracts.emulator import Emulator, Fault
from yc_contracts.testing._media import pdf as pdf_bytes


def outcome(action: Any) -> str:
    """``"OK"`` or the gRPC code name a call ended with."""
    try:
        action()
    except grpc.RpcError as e:
        return str(e.code().name)  # type: ignore[attr-defined]
    return "OK"


def code_of(error: pytest.ExceptionInfo[grpc.RpcError]) -> grpc.StatusCode:
    code: grpc.StatusCode = error.value.code()  # type: ignore[attr-defined]
    return code


# ------------------------------------------------------------------------------------------ fail next N


def test_fail_the_next_n_calls(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """``inject(method, code=…, times=N)``: exactly the next N calls of that method fail with the code and the
    default message; then the fault is used up and calls pass again; other methods never see it."""
    fault = yc_emulator.inject("RecognizeFile", code="UNAVAILABLE", times=2)
    assert yc_emulator.faults.pending() == [fault]
    operation = grpc_client.start(OCR_RECOGNIZE)  # another method: unaffected
    assert grpc_client.get(operation.id).done
    outcomes = []
    messages = []
    for _ in range(4):
        try:
            grpc_client.start(STT_V3_RECOGNIZE)
            outcomes.append("OK")
        except grpc.RpcError as e:
            outcomes.append(e.code().name)  # type: ignore[attr-defined]
            messages.append(e.details())  # type: ignore[attr-defined]
    assert outcomes == ["UNAVAILABLE", "UNAVAILABLE", "OK", "OK"]
    assert messages == ["fault injected by the emulator: UNAVAILABLE"] * 2
    assert fault.fired == 2
    assert yc_emulator.faults.pending() == []
    assert [c.status for c in yc_emulator.calls("RecognizeFile")] == outcomes
    assert len(yc_emulator.operations) == 3  # a failed call started nothing


def test_a_fault_with_a_message(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """The code is any gRPC code name (any letter case), the message is the one given."""
    yc_emulator.inject("OperationService.Get", code="deadline_exceeded", message="backend timed out")
    operation = grpc_client.start(STT_V2_RECOGNIZE)
    with pytest.raises(grpc.RpcError) as error:
        grpc_client.get(operation.id)
    assert code_of(error) == grpc.StatusCode.DEADLINE_EXCEEDED
    assert error.value.details() == "backend timed out"  # type: ignore[attr-defined]
    assert grpc_client.get(operation.id).done


def test_a_fault_until_cleared(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """``times=None``: every call fails until the faults are cleared (``emu.faults.clear()`` or ``emu.reset()``)."""
    yc_emulator.inject("LongRunningRecognize", code="INTERNAL", times=None)
    assert [outcome(lambda: grpc_client.start(STT_V2_RECOGNIZE)) for _ in range(5)] == ["INTERNAL"] * 5
    yc_emulator.faults.clear()
    assert outcome(lambda: grpc_client.start(STT_V2_RECOGNIZE)) == "OK"
    yc_emulator.inject("LongRunningRecognize", code="INTERNAL", times=None)
    yc_emulator.reset()
    assert outcome(lambda: grpc_client.start(STT_V2_RECOGNIZE)) == "OK"


@pytest.mark.parametrize(
    ("name", "hits"),
    [
        ("RecognizeFile", {STT_V3_RECOGNIZE}),
        ("AsyncRecognizer.RecognizeFile", {STT_V3_RECOGNIZE}),
        ("speechkit.stt.v3.AsyncRecognizer.RecognizeFile", {STT_V3_RECOGNIZE}),
        ("TextRecognitionAsyncService.Recognize", {OCR_RECOGNIZE}),
        ("Recognize", {OCR_RECOGNIZE, OCR_SYNC}),
        ("*", {STT_V3_RECOGNIZE, STT_V2_RECOGNIZE, OCR_RECOGNIZE, OCR_SYNC}),
    ],
)
def test_how_a_fault_names_its_method(
    yc_emulator: Emulator, grpc_client: GrpcClient, name: str, hits: set[str]
) -> None:
    """A fault names its method by its short name, ``Service.Method``, its full name, or ``*`` for all."""
    yc_emulator.inject(name, code="ABORTED", times=None)
    actions = {
        STT_V3_RECOGNIZE: lambda: grpc_client.start(STT_V3_RECOGNIZE),
        STT_V2_RECOGNIZE: lambda: grpc_client.start(STT_V2_RECOGNIZE),
        OCR_RECOGNIZE: lambda: grpc_client.start(OCR_RECOGNIZE),
        OCR_SYNC: lambda: grpc_client.collect(OCR_SYNC, ocr_request()),
    }
    failed = {method for method, action in actions.items() if outcome(action) == "ABORTED"}
    assert failed == hits


def test_faults_are_consumed_in_order(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """Two faults of one method: the first added fires first, until it is used up."""
    yc_emulator.inject("RecognizeFile", code="UNAVAILABLE", times=2)
    yc_emulator.inject("RecognizeFile", code="RESOURCE_EXHAUSTED", times=1)
    yc_emulator.inject("RecognizeFile", code="INTERNAL", times=1)
    seen = [outcome(lambda: grpc_client.start(STT_V3_RECOGNIZE)) for _ in range(5)]
    assert seen == ["UNAVAILABLE", "UNAVAILABLE", "RESOURCE_EXHAUSTED", "INTERNAL", "OK"]


def test_the_same_plan_gives_the_same_outcomes(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """Deterministic: the same faults and the same calls give the same outcomes on every run."""

    def run() -> list[str]:
        emu = start_emulator(seed=3)
        client = connect(emu)
        emu.inject("*", code="UNAVAILABLE", times=3, match={"uri": "https://storage.yandexcloud.net/bucket/b.wav"})
        emu.inject("Get", code="ABORTED", times=2)
        seen, ids = [], []
        for index in range(6):
            uri = f"https://storage.yandexcloud.net/bucket/{'ab'[index % 2]}.wav"
            try:
                ids.append(client.start(STT_V3_RECOGNIZE, stt_v3_request(uri)).id)
                seen.append("OK")
            except grpc.RpcError as e:
                seen.append(e.code().name)  # type: ignore[attr-defined]
            seen.append(outcome(lambda: client.get(ids[0])))
        return seen

    first = run()
    assert first == run()
    assert first == [
        *("OK", "ABORTED"),
        *("UNAVAILABLE", "ABORTED"),
        *("OK", "OK"),
        *("UNAVAILABLE", "OK"),
        *("OK", "OK"),
        *("UNAVAILABLE", "OK"),
    ]


# -------------------------------------------------------------------------------------- match, predicate


def test_a_fault_for_matching_requests(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """``match``: only calls whose request (REST JSON) contains that subset fail, nested fields included; other
    calls pass and do not use the fault up."""
    yc_emulator.inject(
        "RecognizeFile",
        code="INVALID_ARGUMENT",
        message="audio is corrupt",
        match={"uri": "https://storage.yandexcloud.net/bucket/broken.wav", "recognitionModel": {"model": "general"}},
    )
    assert outcome(lambda: grpc_client.start(STT_V3_RECOGNIZE)) == "OK"
    assert outcome(lambda: grpc_client.start(STT_V3_RECOGNIZE)) == "OK"
    broken = stt_v3_request("https://storage.yandexcloud.net/bucket/broken.wav")
    with pytest.raises(grpc.RpcError) as error:
        grpc_client.start(STT_V3_RECOGNIZE, broken)
    assert error.value.details() == "audio is corrupt"  # type: ignore[attr-defined]
    assert outcome(lambda: grpc_client.start(STT_V3_RECOGNIZE, broken)) == "OK"  # used up


def test_a_fault_chosen_by_a_predicate(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """``predicate``: a callable on the request's REST JSON picks the calls that fail."""
    seen: list[dict[str, Any]] = []

    def pdf_only(request: Any) -> bool:
        seen.append(dict(request))
        return bool(request.get("mimeType") == "application/pdf")

    yc_emulator.inject(
        "TextRecognitionAsyncService.Recognize", code="FAILED_PRECONDITION", predicate=pdf_only, times=None
    )
    assert outcome(lambda: grpc_client.start(OCR_RECOGNIZE)) == "OK"
    pdf = ocr_request(pdf_bytes(1), mime_type="application/pdf")
    assert outcome(lambda: grpc_client.start(OCR_RECOGNIZE, pdf)) == "FAILED_PRECONDITION"
    assert outcome(lambda: grpc_client.start(OCR_RECOGNIZE, pdf)) == "FAILED_PRECONDITION"
    assert [s["mimeType"] for s in seen] == ["PNG", "application/pdf", "application/pdf"]
    assert yc_emulator.faults.pending()[0].to_json()["predicate"] is True


def test_a_fault_wins_over_the_normal_answer(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """A fault replaces the call's normal answer, a refusal of an invalid request included: the next call fails
    with the fault's code, so a fault is never used up without being seen."""
    yc_emulator.inject("Recognize", code="UNAVAILABLE")
    assert outcome(lambda: grpc_client.start(OCR_RECOGNIZE, {"mimeType": "GIF"})) == "UNAVAILABLE"
    assert outcome(lambda: grpc_client.start(OCR_RECOGNIZE, {"mimeType": "GIF"})) == "INVALID_ARGUMENT"
    assert yc_emulator.faults.pending() == []


# ------------------------------------------------------------------------------------------------ latency


def test_latency_delays_a_call(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """``latency``: the call is answered normally, that many seconds later; a client deadline shorter than it
    ends the call with DEADLINE_EXCEEDED."""
    operation = grpc_client.start(STT_V3_RECOGNIZE)
    yc_emulator.inject("Get", latency=0.4, times=2)
    started = time.monotonic()
    assert grpc_client.get(operation.id).done
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    with pytest.raises(grpc.RpcError) as error:
        grpc_client.get(operation.id, timeout=0.1)
    assert code_of(error) == grpc.StatusCode.DEADLINE_EXCEEDED
    assert time.monotonic() - started < 2
    started = time.monotonic()
    assert grpc_client.get(operation.id).done
    assert time.monotonic() - started < 0.4


def test_latency_then_a_code(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """Latency and a code together: the call fails, late."""
    yc_emulator.inject("RecognizeFile", latency=0.3, code="UNAVAILABLE")
    started = time.monotonic()
    assert outcome(lambda: grpc_client.start(STT_V3_RECOGNIZE)) == "UNAVAILABLE"
    assert time.monotonic() - started >= 0.3
    (call,) = yc_emulator.calls("RecognizeFile")
    assert call.duration >= 0.3


# -------------------------------------------------------------------------------------------- cut streams


@pytest.mark.parametrize(("cut_after", "code"), [(0, None), (2, None), (3, "DATA_LOSS")])
def test_a_stream_cut_after_k_messages(
    yc_emulator: Emulator, grpc_client: GrpcClient, cut_after: int, code: str | None
) -> None:
    """``cut_after=K``: a GetRecognition stream sends its first K messages, then ends with the code
    (UNAVAILABLE unless another is given); the journal counts what was sent. The next read is whole."""
    operation = grpc_client.start(STT_V3_RECOGNIZE)
    whole = grpc_client.collect(STT_V3_GET, {"operationId": operation.id})
    assert len(whole) > 3
    yc_emulator.inject("GetRecognition", cut_after=cut_after, code=code)
    received = []
    with pytest.raises(grpc.RpcError) as error:  # noqa: PT012 - the messages before the cut are the point
        for item in grpc_client.stream(STT_V3_GET, {"operationId": operation.id}):
            received.append(item)
    assert code_of(error) == grpc.StatusCode[code or "UNAVAILABLE"]
    assert received == whole[:cut_after]
    call = yc_emulator.calls("GetRecognition")[-1]
    assert call.messages == cut_after
    assert call.status == (code or "UNAVAILABLE")
    assert grpc_client.collect(STT_V3_GET, {"operationId": operation.id}) == whole


def test_a_cut_longer_than_the_stream(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """A cut after more messages than the stream has changes nothing."""
    yc_emulator.inject("TextRecognitionService.Recognize", cut_after=100)
    pages = grpc_client.collect(OCR_SYNC, ocr_request(pdf_bytes(2), mime_type="PDF"))
    assert len(pages) == 2
    assert yc_emulator.calls("TextRecognitionService.Recognize")[0].status == "OK"


def test_a_cut_sync_ocr_stream(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """The synchronous OCR stream is cut the same way: pages 0 and 1 of a 3-page PDF, then UNAVAILABLE."""
    yc_emulator.inject("TextRecognitionService.Recognize", cut_after=2, message="connection reset")
    received = []
    with pytest.raises(grpc.RpcError) as error:  # noqa: PT012
        for page in grpc_client.stream(OCR_SYNC, ocr_request(pdf_bytes(3), mime_type="PDF")):
            received.append(page.page)
    assert code_of(error) == grpc.StatusCode.UNAVAILABLE
    assert error.value.details() == "connection reset"  # type: ignore[attr-defined]
    assert received == [0, 1]


def test_a_code_fault_on_a_stream_fails_it_before_any_message(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    operation = grpc_client.start(OCR_RECOGNIZE)
    yc_emulator.inject("TextRecognitionAsyncService.GetRecognition", code="INTERNAL")
    received = []
    with pytest.raises(grpc.RpcError) as error:  # noqa: PT012
        for page in grpc_client.stream(OCR_GET, {"operationId": operation.id}):
            received.append(page)
    assert code_of(error) == grpc.StatusCode.INTERNAL
    assert received == []


# -------------------------------------------------------------------------------------------------- quota


def test_quota_is_resource_exhausted_with_a_quota_failure(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """``quota=True``: RESOURCE_EXHAUSTED with the service's message and a google.rpc.QuotaFailure detail."""
    yc_emulator.inject("RecognizeFile", quota=True, times=2)
    for _ in range(2):
        with pytest.raises(grpc.RpcError) as error:
            grpc_client.start(STT_V3_RECOGNIZE)
        assert code_of(error) == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert error.value.details() == "Quota limit exceeded, please retry later"  # type: ignore[attr-defined]
        status = status_of(error.value)
        assert status.code == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]
        (quota,) = details_of(error.value)
        assert quota.DESCRIPTOR.full_name == "google.rpc.QuotaFailure"
        assert quota.violations[0].description == "Quota limit exceeded, please retry later"
        assert quota.violations[0].subject
    assert outcome(lambda: grpc_client.start(STT_V3_RECOGNIZE)) == "OK"


def test_faults_over_rest(yc_emulator: Emulator, rest: httpx.Client) -> None:
    """Over the REST face: a quota fault is HTTP 429 with the QuotaFailure in the body; a cut stream is K result
    lines, then an error line."""
    yc_emulator.inject("RecognizeFile", quota=True)
    refused = rest.post("/stt/v3/recognizeFileAsync", json=stt_v3_request())
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == grpc.StatusCode.RESOURCE_EXHAUSTED.value[0]
    assert body["details"][0]["@type"] == "type.googleapis.com/google.rpc.QuotaFailure"

    operation = rest.post("/stt/v3/recognizeFileAsync", json=stt_v3_request()).json()
    yc_emulator.inject("GetRecognition", cut_after=2)
    cut = rest.get("/stt/v3/getRecognition", params={"operationId": operation["id"]})
    assert cut.status_code == 200  # the headers went out with the first message
    lines = list(ndjson(cut.text.splitlines()))
    assert [next(iter(line)) for line in lines] == ["result", "result", "error"]
    assert lines[-1]["error"]["code"] == grpc.StatusCode.UNAVAILABLE.value[0]

    yc_emulator.inject("Get", code="UNAVAILABLE")
    assert rest.get(f"/operations/{operation['id']}").status_code == 503
    assert rest.get(f"/operations/{operation['id']}").status_code == 200


# ---------------------------------------------------------------------------------------- invalid faults


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ({"code": "NOPE"}, "not a gRPC error code"),
        ({"code": "OK"}, "not a gRPC error code"),
        ({"code": "UNAVAILABLE", "times": 0}, "times"),
        ({"latency": -1}, "latency"),
        ({"cut_after": -1}, "cut_after"),
        ({}, "needs a code, a latency or cut_after"),
    ],
)
def test_a_fault_that_is_not_one(yc_emulator: Emulator, fault: dict[str, Any], words: str) -> None:
    """A fault that cannot work is refused when it is added, never at call time."""
    with pytest.raises(ValueError, match=words):
        yc_emulator.inject("RecognizeFile", **fault)
    assert yc_emulator.faults.pending() == []


def test_fault_json_round_trip() -> None:
    """The admin API's JSON form reads back into the same fault (camelCase or snake_case)."""
    fault = Fault.from_json({"method": "GetRecognition", "cutAfter": 2, "code": "data_loss", "times": 3})
    assert (fault.cut_after, fault.code, fault.times) == (2, "DATA_LOSS", 3)
    shown = fault.to_json()
    assert shown["cutAfter"] == 2
    assert shown["fired"] == 0
    with pytest.raises(ValueError, match="unknown fault field 'predicate'"):
        Fault.from_json({"method": "Get", "code": "INTERNAL", "predicate": "lambda r: True"})
    with pytest.raises(ValueError, match="names its method"):
        Fault.from_json({"code": "INTERNAL"})
    assert GET_OPERATION.endswith(".Get")
