"""Every method of the client against the real emulator on loopback, over gRPC and REST, from the sync and the asyncio
client: what a user writes (``client.stt_v3.recognize_file(request).result()``) gets the emulator's results, as the
registry's messages, whichever form the request had (REST JSON, our messages, the official SDK's messages); the
calls carry the metadata the service expects; a result above gRPC's 4 MiB default arrives; an invalid request is
refused before anything is sent.
"""

from __future__ import annotations

from typing import Any

import pytest
from client.conftest import (
    API_KEY,
    FOLDER_ID,
    FORMS,
    OCR,
    REQUESTS,
    STT_V2,
    STT_V3,
    WAIT_TIMEOUT,
    ClientFactory,
    assert_no_secret,
    needs_sdk,
    ocr_request,
    request_as,
    sdk_class,
    stt_v2_request,
    stt_v3_request,
)
from google.protobuf import json_format

from yc_contracts import ValidationError
from yc_contracts.client import MessageTooLargeError, RpcError
from yc_contracts.contract.registry import default_registry
from yc_contracts.emulator import Emulator
from yc_contracts.emulator.journal import journal_request

REGISTRY = default_registry()
RESULT_TYPES = {
    STT_V3: "speechkit.stt.v3.StreamingResponse",
    STT_V2: "yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse",
    OCR: "yandex.cloud.ai.ocr.v1.RecognizeTextResponse",
}
READERS = {STT_V3: "GetRecognition", STT_V2: None, OCR: "GetRecognition"}
ID_PREFIXES = {STT_V3: "e03", STT_V2: "e05", OCR: "fbe"}
METHODS = pytest.mark.parametrize("method", [STT_V3, STT_V2, OCR], ids=["stt_v3", "stt_v2", "ocr"])
MiB = 1024 * 1024


def start(client: Any, method: str, request: Any, **options: Any) -> Any:
    """Start a recognition of ``method`` with the client's API for it."""
    if method == STT_V3:
        return client.stt_v3.recognize_file(request, **options)
    if method == STT_V2:
        return client.stt_v2.long_running_recognize(request, **options)
    return client.ocr.recognize(request, **options)


def reattach(client: Any, method: str, operation_id: str) -> Any:
    api = {STT_V3: client.stt_v3, STT_V2: client.stt_v2, OCR: client.ocr}[method]
    return api.operation(operation_id)


def statuses(emulator: Emulator) -> list[tuple[str, str]]:
    return [(call.short_method, call.status) for call in emulator.calls()]


# ------------------------------------------------------------------------------------- every starting method


@pytest.mark.parametrize("form", FORMS)
@METHODS
def test_a_recognition_from_start_to_results(emu: Emulator, make_client: ClientFactory, method: str, form: str) -> None:
    """``recognize_file`` / ``long_running_recognize`` / ``recognize`` take the request as REST JSON (a dict or its
    text), our message or the official SDK's, send exactly that request, and return an operation future whose
    ``result()`` polls until done and returns the recognition's results as the registry's messages: the list
    ``GetRecognition`` streams (STT v3, OCR: one per page of a two-page PDF), STT v2's
    ``LongRunningRecognitionResponse``."""
    emu.configure(progression="after_polls: 2")
    payload = REQUESTS[method]()
    client = make_client(emu)

    op = start(client, method, request_as(form, method, payload))

    assert op.id.startswith(ID_PREFIXES[method])
    assert not op.operation.done
    results = op.result(timeout=WAIT_TIMEOUT)
    assert op.operation.done
    assert op.polls == 2
    assert op.error is None
    record = emu.operation(op.id)
    result_class = REGISTRY.message_class(RESULT_TYPES[method])
    if method == STT_V2:
        assert type(results) is result_class
        assert results == record.results[0]
        assert len(results.chunks) >= 1
    else:
        assert all(type(r) is result_class for r in results)
        assert results == record.results
        assert len(results) >= 2  # STT v3: a final and its refinement; OCR: the PDF's two pages
    if method == OCR:
        assert [r.page for r in results] == [0, 1]
    expected = [("Recognize" if method == OCR else method.rsplit(".", 1)[-1], "OK"), ("Get", "OK"), ("Get", "OK")]
    reader = READERS[method]
    assert statuses(emu) == expected + ([(reader, "OK")] if reader else [])
    (sent,) = emu.calls(method)
    assert sent.request == journal_request(payload)
    assert sent.operation_id == op.id


def test_stt_v3_get_and_delete_recognition(emu: Emulator, make_client: ClientFactory) -> None:
    """``get_recognition(id)`` streams a done recognition's results again (what ``result()`` returned);
    ``delete_recognition(id)`` deletes them (an Empty), after which ``get_recognition`` is NOT_FOUND."""
    client = make_client(emu)
    op = client.stt_v3.recognize_file(stt_v3_request())
    results = op.result(timeout=WAIT_TIMEOUT)

    assert client.stt_v3.get_recognition(op.id) == results
    deleted = client.stt_v3.delete_recognition(op.id)
    assert deleted.DESCRIPTOR.full_name == "google.protobuf.Empty"
    with pytest.raises(RpcError) as caught:
        client.stt_v3.get_recognition(op.id)
    assert caught.value.code == "NOT_FOUND"
    assert caught.value.method == "speechkit.stt.v3.AsyncRecognizer.GetRecognition"
    assert op.id in caught.value.message
    assert [c.short_method for c in emu.calls()][-3:] == ["GetRecognition", "DeleteRecognition", "GetRecognition"]


def test_ocr_get_recognition(emu: Emulator, make_client: ClientFactory) -> None:
    """``ocr.get_recognition(id)`` streams a done OCR operation's pages; an unknown id is NOT_FOUND."""
    client = make_client(emu)
    op = client.ocr.recognize(ocr_request())
    pages = client.ocr.get_recognition(op.id)
    assert [p.page for p in pages] == [0, 1]
    assert pages == op.result(timeout=WAIT_TIMEOUT)
    with pytest.raises(RpcError) as caught:
        client.ocr.get_recognition("fbe00000000000000000")
    assert caught.value.code == "NOT_FOUND"


def test_operations_get_and_cancel(emu: Emulator, make_client: ClientFactory) -> None:
    """``operations.get(id)`` is one poll (the Operation message as the service shapes it); ``operations.cancel``
    ends a running operation with CANCELLED; cancelling a done one is FAILED_PRECONDITION."""
    emu.configure(progression="manual")
    client = make_client(emu)
    op = client.stt_v3.recognize_file(stt_v3_request())

    got = client.operations.get(op.id)
    assert got.DESCRIPTOR.full_name == "yandex.cloud.operation.Operation"
    assert (got.id, got.done, got.description) == (op.id, False, emu.operation(op.id).description)
    assert got.created_at.seconds > 0
    cancelled = client.operations.cancel(op.id)
    assert cancelled.done
    assert (cancelled.error.code, cancelled.error.message) == (1, "operation cancelled")
    assert emu.operation(op.id).done
    with pytest.raises(RpcError) as caught:
        client.operations.cancel(op.id)
    assert caught.value.code == "FAILED_PRECONDITION"
    with pytest.raises(RpcError) as unknown:
        client.operations.get("e03nosuchoperation000")
    assert unknown.value.code == "NOT_FOUND"
    assert [c.short_method for c in emu.calls()] == ["RecognizeFile", "Get", "Cancel", "Cancel", "Get"]


@METHODS
def test_reattach_by_id(emu: Emulator, make_client: ClientFactory, method: str) -> None:
    """An operation started by one client (or one process) is picked up by id with ``.operation(id)`` on another:
    ``done()`` polls once, ``result()`` waits and reads the results as ``recognize`` would have."""
    emu.configure(progression="after_polls: 2")
    first = make_client(emu)
    started = start(first, method, REQUESTS[method]())

    later = make_client(emu)
    op = reattach(later, method, started.id)
    assert op.id == started.id
    assert op.done() is False  # one poll: the first of the two the operation needs
    assert op.polls == 1
    results = op.result(timeout=WAIT_TIMEOUT)
    record = emu.operation(started.id)
    assert results == (record.results[0] if method == STT_V2 else record.results)
    assert op.done() is True
    assert op.polls == 2  # a done operation is not polled again


def test_reattach_to_an_unknown_id_is_not_found(emu: Emulator, make_client: ClientFactory) -> None:
    """``result()`` of an id the service does not know raises RpcError NOT_FOUND, once (not retried)."""
    client = make_client(emu)
    with pytest.raises(RpcError) as caught:
        client.stt_v3.operation("e03unknownoperation0").result(timeout=WAIT_TIMEOUT)
    assert caught.value.code == "NOT_FOUND"
    assert statuses(emu) == [("Get", "NOT_FOUND")]


# ---------------------------------------------------------------------------------------------- the metadata


def test_every_call_carries_the_metadata_the_service_expects(
    emu: Emulator, make_client: ClientFactory, transport: str
) -> None:
    """Every call sends ``authorization: Api-Key …`` and ``x-folder-id``, and a fresh ``x-client-request-id``;
    each call that starts an operation sends its own ``idempotency-key`` (polls and reads send none). The journal
    shows the key's scheme, never the key."""
    emu.configure(progression="after_polls: 1")
    client = make_client(emu, folder_id=FOLDER_ID)
    for method in (STT_V3, STT_V2, OCR):
        start(client, method, REQUESTS[method]()).result(timeout=WAIT_TIMEOUT)

    calls = emu.calls()
    assert len(calls) == 3 * 2 + 2  # three starts, three polls, two GetRecognition
    assert all(c.metadata["authorization"] == "Api-Key <redacted>" for c in calls)
    assert all(c.metadata["x-folder-id"] == FOLDER_ID for c in calls)
    request_ids = [c.metadata["x-client-request-id"] for c in calls]
    assert len(set(request_ids)) == len(calls)
    starters = [c for c in calls if c.short_method in {"RecognizeFile", "LongRunningRecognize", "Recognize"}]
    assert len({c.metadata["idempotency-key"] for c in starters}) == 3
    assert all("idempotency-key" not in c.metadata for c in calls if c not in starters)
    if transport == "grpc":
        assert all(c.metadata["user-agent"].startswith("yc-contracts-client/") for c in calls)
    for call in calls:
        assert_no_secret(API_KEY, call.to_json())


def test_no_folder_id_sends_none(emu: Emulator, make_client: ClientFactory) -> None:
    client = make_client(emu)
    client.stt_v3.recognize_file(stt_v3_request())
    assert "x-folder-id" not in emu.calls()[0].metadata


def test_secrets_are_not_in_the_clients_repr(emu: Emulator, make_client: ClientFactory, transport: str) -> None:
    """``repr(client)`` names the transport and the endpoint, and shows the credentials as redacted."""
    client = make_client(emu)
    shown = repr(client)
    assert transport in shown
    assert "redacted" in shown
    assert_no_secret(API_KEY, client, client.stt_v3.recognize_file(stt_v3_request()))


# ------------------------------------------------------------------------------------------ large results


@METHODS
def test_a_result_above_4_mib_arrives_with_the_default_client(
    emu: Emulator, make_client: ClientFactory, method: str
) -> None:
    """A result message above gRPC's 4 MiB default receive limit (``result_size``) is received whole: the client
    raises the limit by default (REST has none)."""
    emu.configure(result_size=5 * MiB, progression="after_polls: 1")
    client = make_client(emu)
    results = start(client, method, REQUESTS[method]()).result(timeout=WAIT_TIMEOUT)
    messages = [results] if method == STT_V2 else results
    assert max(m.ByteSize() for m in messages) > 5 * MiB
    assert all(call.status == "OK" for call in emu.calls())


@pytest.mark.parametrize("transport", ["grpc"])
@pytest.mark.parametrize(
    ("method", "failing"),
    [(STT_V3, "GetRecognition"), (STT_V2, "OperationService.Get"), (OCR, "GetRecognition")],
)
def test_a_result_above_the_receive_limit_is_message_too_large(
    emu: Emulator, make_client: ClientFactory, method: str, failing: str
) -> None:
    """With ``max_receive_message_size=4 MiB`` the call that carries the large result (the ``GetRecognition``
    stream; STT v2: the done Operation) fails with MessageTooLargeError: a RESOURCE_EXHAUSTED that is never
    retried (the journal has the one call) and whose message says how to raise the limit."""
    emu.configure(result_size=5 * MiB, progression="after_polls: 1")
    client = make_client(emu, max_receive_message_size=4 * MiB)
    op = start(client, method, REQUESTS[method]())

    with pytest.raises(MessageTooLargeError) as caught:
        op.result(timeout=WAIT_TIMEOUT)

    error = caught.value
    assert isinstance(error, RpcError)
    assert error.code == "RESOURCE_EXHAUSTED"
    assert "max_receive_message_size=" in str(error)
    assert str(4 * MiB) in str(error)
    assert len(emu.calls(failing)) == 1
    assert_no_secret(API_KEY, error)


@pytest.mark.parametrize("transport", ["grpc"])
def test_a_start_call_whose_answer_is_too_large_is_not_retried(emu: Emulator, make_client: ClientFactory) -> None:
    """STT v2 done at once returns its (large) response in the answer to ``LongRunningRecognize`` itself: that
    call fails with MessageTooLargeError after one attempt, though the client retries RESOURCE_EXHAUSTED quotas."""
    emu.configure(result_size=5 * MiB, progression="immediate")
    client = make_client(emu, max_receive_message_size=4 * MiB)
    with pytest.raises(MessageTooLargeError, match="max_receive_message_size="):
        client.stt_v2.long_running_recognize(stt_v2_request())
    assert statuses(emu) == [("LongRunningRecognize", "OK")]


# -------------------------------------------------------------------------------------- validate before sending


INVALID_V3 = {
    **stt_v3_request(),
    "speechAnalysis": {"descriptiveStatisticsQuantiles": [0.0, 0.5, 1.5, -2.0]},
}
"""Three violations (three quantiles outside (0, 1)), each one an error."""
INVALID_V3_PATHS = [f"/speechAnalysis/descriptiveStatisticsQuantiles/{i}" for i in (0, 2, 3)]


@pytest.mark.parametrize("form", FORMS)
def test_an_invalid_request_never_reaches_the_service(emu: Emulator, make_client: ClientFactory, form: str) -> None:
    """A request that breaks the contract raises ValidationError locally with every violation, in whichever form
    it was given; nothing is sent (the emulator's journal is empty)."""
    client = make_client(emu)
    with pytest.raises(ValidationError) as caught:
        client.stt_v3.recognize_file(request_as(form, STT_V3, INVALID_V3))
    assert [(v.path, v.rule) for v in caught.value.violations] == [
        (path, "stt.v3.quantile_range") for path in INVALID_V3_PATHS
    ]
    assert emu.calls() == []


def test_a_request_of_the_wrong_type_is_a_type_error(emu: Emulator, make_client: ClientFactory) -> None:
    """A message of another type is a TypeError naming both types; nothing is sent."""
    client = make_client(emu)
    wrong = request_as("ours", STT_V2, stt_v2_request())
    with pytest.raises(TypeError, match=r"takes a speechkit\.stt\.v3\.RecognizeFileRequest, not a yandex"):
        client.stt_v3.recognize_file(wrong)
    assert emu.calls() == []


def test_json_that_is_not_the_request_is_refused_locally(emu: Emulator, make_client: ClientFactory) -> None:
    """REST JSON with unknown fields and wrong types is refused with every problem, before sending."""
    client = make_client(emu)
    with pytest.raises(ValidationError) as caught:
        client.stt_v3.recognize_file({"uri": 5, "recognitionModle": {}, "bogus": True})
    assert len(caught.value.violations) == 3
    assert emu.calls() == []


def test_validate_false_sends_it_and_the_service_says_why(emu: Emulator, make_client: ClientFactory) -> None:
    """``validate=False`` skips the local check: the emulator answers INVALID_ARGUMENT with a ``BadRequest``
    detail listing every violation, as the RpcError's ``details``; the call is not retried."""
    client = make_client(emu, validate=False)
    with pytest.raises(RpcError) as caught:
        client.stt_v3.recognize_file(INVALID_V3)
    error = caught.value
    assert error.code == "INVALID_ARGUMENT"
    (detail,) = error.details
    assert detail["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    fields = [violation["field"] for violation in detail["fieldViolations"]]  # type: ignore[union-attr]
    assert fields == INVALID_V3_PATHS  # JSON Pointers into the request's REST JSON
    reasons = {violation.get("reason", "stt.v3.quantile_range") for violation in detail["fieldViolations"]}  # type: ignore[union-attr]
    assert reasons == {"stt.v3.quantile_range"}  # the rule id, where googleapis-common-protos has the field
    assert statuses(emu) == [("RecognizeFile", "INVALID_ARGUMENT")]


def test_validate_per_call(emu: Emulator, make_client: ClientFactory) -> None:
    """``validate=`` on one call overrides the client's setting for that call."""
    client = make_client(emu, validate=False)
    with pytest.raises(ValidationError):
        client.stt_v3.recognize_file(INVALID_V3, validate=True)
    assert emu.calls() == []


@needs_sdk
def test_results_convert_to_the_official_sdks_messages(emu: Emulator, make_client: ClientFactory) -> None:
    """The results are the registry's messages; the official SDK's class of the same type reads their bytes."""
    client = make_client(emu)
    results = client.stt_v3.recognize_file(stt_v3_request()).result(timeout=WAIT_TIMEOUT)
    sdk = sdk_class("speechkit.stt.v3.StreamingResponse")
    converted = [sdk.FromString(r.SerializeToString()) for r in results]
    assert [json_format.MessageToDict(c) for c in converted] == [json_format.MessageToDict(r) for r in results]
