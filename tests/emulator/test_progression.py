"""How an emulated operation becomes done, and what happens to it afterwards, as a user's polling code sees it
through a real gRPC client (and the REST face): the four progression modes set per emulator, per method and per
request, results kept for the retention and then gone, reads before done and after delete.

Time never passes by sleeping: ``emu.clock.advance`` moves the emulator's clock forward.
"""

from __future__ import annotations

from typing import Any

import grpc
import httpx
import pytest
from emulator.clients import (
    CALL_TIMEOUT,
    OCR_GET,
    OCR_RECOGNIZE,
    STARTERS,
    STT_V2_RECOGNIZE,
    STT_V3_DELETE,
    STT_V3_GET,
    STT_V3_RECOGNIZE,
    Connector,
    EmulatorFactory,
    GrpcClient,
    status_of,
    stt_v3_request,
    unpack,
)

from yc_contracts import ValidationError
from yc_contracts.emulator import PROGRESSION_METADATA, Emulator, Progression

POLLS = 25
"""How many polls show that an operation is not going to finish on its own."""


def code_of(error: pytest.ExceptionInfo[grpc.RpcError]) -> grpc.StatusCode:
    code: grpc.StatusCode = error.value.code()  # type: ignore[attr-defined]
    return code


def polls_until_done(client: GrpcClient, operation_id: str, limit: int = POLLS) -> int | None:
    """How many ``Get`` calls it took to see the operation done (``None``: not within ``limit``)."""
    for count in range(1, limit + 1):
        if client.get(operation_id).done:
            return count
    return None


# ------------------------------------------------------------------------------------------------ the modes


@pytest.mark.parametrize("method", STARTERS)
def test_immediate_is_done_when_created(start_emulator: EmulatorFactory, connect: Connector, method: str) -> None:
    """``immediate`` (the default): the operation the call returns is already done, with its response."""
    emu = start_emulator()
    assert emu.config.progression == Progression("immediate")
    client = connect(emu)
    operation = client.start(method)
    assert operation.done
    assert operation.WhichOneof("result") == "response"
    assert client.get(operation.id) == operation


@pytest.mark.parametrize("polls", [1, 2, 5])
def test_after_polls_is_done_on_the_nth_get(start_emulator: EmulatorFactory, connect: Connector, polls: int) -> None:
    """``after_polls: N``: the N-th ``OperationService.Get`` is the first to see it done; later ones too."""
    emu = start_emulator(progression=f"after_polls: {polls}")
    client = connect(emu)
    for method in STARTERS:
        operation = client.start(method)
        assert not operation.done
        assert polls_until_done(client, operation.id) == polls
        assert client.get(operation.id).done
        assert emu.operation(operation.id).polls == polls


def test_after_polls_counts_only_get(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """Reading results or failing reads does not count as a poll: only ``OperationService.Get`` does."""
    yc_emulator.configure(progression={"after_polls": 2})
    operation = grpc_client.start(STT_V3_RECOGNIZE)
    for _ in range(3):
        with pytest.raises(grpc.RpcError) as early:
            grpc_client.collect(STT_V3_GET, {"operationId": operation.id})
        assert code_of(early) == grpc.StatusCode.FAILED_PRECONDITION
    assert yc_emulator.operation(operation.id).polls == 0
    assert polls_until_done(grpc_client, operation.id) == 2


def test_after_seconds_follows_the_emulator_clock(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """``after: 2.5s``: not done however often it is polled until the clock has moved 2.5 s past its creation;
    ``modifiedAt`` is the moment it was seen done."""
    emu = start_emulator(progression="after: 2.5s")
    client = connect(emu)
    operation = client.start(STT_V2_RECOGNIZE)
    assert polls_until_done(client, operation.id, limit=5) is None
    emu.clock.advance(2.0)
    assert not client.get(operation.id).done
    emu.clock.advance(0.5)
    done = client.get(operation.id)
    assert done.done
    assert done.WhichOneof("result") == "response"
    created = operation.created_at.ToMicroseconds() / 1e6
    assert done.modified_at.ToMicroseconds() / 1e6 >= created + 2.5


@pytest.mark.parametrize("spec", ["after: 1500ms", {"after": 1.5}, {"after": "1.5s"}, "after=1.5"])
def test_after_spellings(start_emulator: EmulatorFactory, connect: Connector, spec: Any) -> None:
    """Every spelling of ``after`` means the same 1.5 s."""
    emu = start_emulator(progression=spec)
    assert emu.config.progression == Progression("after", seconds=1.5)
    client = connect(emu)
    operation = client.start(OCR_RECOGNIZE)
    emu.clock.advance(1.4)
    assert not client.get(operation.id).done
    emu.clock.advance(0.1)
    assert client.get(operation.id).done


def test_manual_waits_for_complete(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """``manual``: never done on its own (polls, time); ``emu.complete`` finishes it with its results."""
    yc_emulator.configure(progression="manual")
    operation = grpc_client.start(STT_V3_RECOGNIZE)
    assert polls_until_done(grpc_client, operation.id) is None
    yc_emulator.clock.advance(365 * 24 * 3600)
    assert not grpc_client.get(operation.id).done
    record = yc_emulator.complete(operation.id)
    assert record.done
    done = grpc_client.get(operation.id)
    assert done.done
    assert done.WhichOneof("result") == "response"
    assert grpc_client.collect(STT_V3_GET, {"operationId": operation.id})
    # completing again changes nothing
    assert yc_emulator.complete(operation.id).modified_at == record.modified_at


def test_manual_fail_gives_the_operation_an_error(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """``emu.fail(id, code, message)``: the operation is done with that ``error``; reading its results fails with
    the same code; failing a done operation is refused."""
    yc_emulator.configure(progression="manual")
    operation = grpc_client.start(OCR_RECOGNIZE)
    yc_emulator.fail(operation.id, "invalid_argument", "the image is unreadable")
    done = grpc_client.get(operation.id)
    assert done.done
    assert done.WhichOneof("result") == "error"
    assert done.error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert done.error.message == "the image is unreadable"
    with pytest.raises(grpc.RpcError) as read:
        grpc_client.collect(OCR_GET, {"operationId": operation.id})
    assert code_of(read) == grpc.StatusCode.INVALID_ARGUMENT
    assert read.value.details() == "the image is unreadable"  # type: ignore[attr-defined]

    with pytest.raises(ValueError, match="already done"):
        yc_emulator.fail(operation.id)
    with pytest.raises(ValueError, match="not a gRPC error code"):
        yc_emulator.fail(grpc_client.start(OCR_RECOGNIZE).id, "OK")
    with pytest.raises(KeyError):
        yc_emulator.complete("fbenosuchoperation00")
    with pytest.raises(KeyError):
        yc_emulator.fail("fbenosuchoperation00")


QUOTA = {"@type": "type.googleapis.com/google.rpc.Status", "code": 8, "message": "the folder's quota is used up"}
RETRY_AFTER = {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "30s"}


def test_a_failure_carries_its_details(yc_emulator: Emulator, grpc_client: GrpcClient, rest: httpx.Client) -> None:
    """``emu.fail(..., details=[...])``: the Status details (REST JSON ``Any`` objects) come back in the
    operation's ``error`` from ``Get`` and in the error of reading its results, over gRPC and REST."""
    yc_emulator.configure(progression="manual")
    operation = grpc_client.start(STT_V3_RECOGNIZE)
    yc_emulator.fail(operation.id, "FAILED_PRECONDITION", "cannot decode", details=[QUOTA, RETRY_AFTER])
    error = grpc_client.get(operation.id).error
    assert [d.type_url for d in error.details] == [QUOTA["@type"], RETRY_AFTER["@type"]]
    with pytest.raises(grpc.RpcError) as read:
        grpc_client.collect(STT_V3_GET, {"operationId": operation.id})
    assert code_of(read) == grpc.StatusCode.FAILED_PRECONDITION
    status = status_of(read.value)
    quota = unpack(status.details[0], "google.rpc.Status")
    retry_after = unpack(status.details[1], "google.protobuf.Duration")
    assert (quota.code, quota.message) == (8, QUOTA["message"])
    assert retry_after.seconds == 30
    got = rest.get(f"/operations/{operation.id}").json()
    assert got["error"] == {"code": 9, "message": "cannot decode", "details": [QUOTA, RETRY_AFTER]}
    streamed = rest.get("/stt/v3/getRecognition", params={"operationId": operation.id})
    # an error before the stream's first message is the whole answer: a Status, as for a unary call
    assert (streamed.status_code, streamed.json()["details"]) == (400, [QUOTA, RETRY_AFTER])


@pytest.mark.parametrize(
    ("details", "complaint"),
    [
        ([{"@type": "type.googleapis.com/google.rpc.RetryInfo"}], r"/details/0/@type.*names no type of the contract"),
        ([QUOTA, {"code": 1}], r"/details/1"),
        ([{**QUOTA, "mesage": "typo"}], r"/details/0/mesage"),
        (["text"], r"/details/0"),
    ],
)
def test_details_the_contract_does_not_allow_are_refused(
    yc_emulator: Emulator, grpc_client: GrpcClient, details: list[Any], complaint: str
) -> None:
    """The error is checked as any ``google.rpc.Status`` of the contract: each detail an ``Any`` of a contract
    type in REST JSON; otherwise ``fail`` raises a ValidationError naming each violation, and nothing changes."""
    yc_emulator.configure(progression="manual")
    operation = grpc_client.start(OCR_RECOGNIZE)
    with pytest.raises(ValidationError, match=complaint):
        yc_emulator.fail(operation.id, "INTERNAL", "x", details=details)
    assert not grpc_client.get(operation.id).done


def test_default_failure(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """``emu.fail(id)`` without a code is INTERNAL."""
    yc_emulator.configure(progression="manual")
    operation = grpc_client.start(STT_V2_RECOGNIZE)
    yc_emulator.fail(operation.id)
    assert grpc_client.get(operation.id).error.code == grpc.StatusCode.INTERNAL.value[0]


@pytest.mark.parametrize("spec", ["soon", "after_polls: 0", "after_polls: 1.5", {"after": -1}, {"manual": "yes"}, 3])
def test_a_progression_that_is_not_one(spec: Any) -> None:
    """A setting that is none of the four modes is refused with the modes named."""
    with pytest.raises(ValueError, match="after"):
        Emulator(progression=spec)


# --------------------------------------------------------------------------------------- per method, request


def test_per_method_progressions(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """``progressions`` set a mode per method (short, ``Service.Method`` or full name); other methods keep the
    emulator's."""
    emu = start_emulator(
        progression="after_polls: 3",
        progressions={
            "RecognizeFile": "manual",
            "SttService.LongRunningRecognize": "immediate",
            "yandex.cloud.ai.ocr.v1.TextRecognitionAsyncService.Recognize": {"after_polls": 1},
        },
    )
    client = connect(emu)
    v3, v2, ocr = (client.start(method) for method in STARTERS)
    assert v2.done
    assert not v3.done
    assert not ocr.done
    assert polls_until_done(client, ocr.id) == 1
    assert polls_until_done(client, v3.id) is None
    assert emu.operation(v3.id).progression == Progression("manual")


def test_per_request_progression_wins(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """The ``x-emulator-progression`` metadata sets one operation's mode, over the method's and the emulator's."""
    emu = start_emulator(progression="manual", progressions={"RecognizeFile": "manual"})
    client = connect(emu)
    auth = client.metadata
    quick = client.start(STT_V3_RECOGNIZE, metadata=(*auth, (PROGRESSION_METADATA, "after_polls: 2")))
    now = client.start(STT_V3_RECOGNIZE, metadata=(*auth, (PROGRESSION_METADATA, "immediate")))
    timed = client.start(OCR_RECOGNIZE, metadata=(*auth, (PROGRESSION_METADATA, "after: 10s")))
    plain = client.start(STT_V3_RECOGNIZE)
    assert now.done
    assert polls_until_done(client, quick.id) == 2
    emu.clock.advance(10)
    assert client.get(timed.id).done
    assert polls_until_done(client, plain.id) is None
    call = emu.calls("RecognizeFile")[0]
    assert call.metadata[PROGRESSION_METADATA] == "after_polls: 2"


def test_a_bad_per_request_progression_is_invalid_argument(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """An ``x-emulator-progression`` that is no mode fails the call with INVALID_ARGUMENT naming the metadata."""
    with pytest.raises(grpc.RpcError) as error:
        grpc_client.start(STT_V3_RECOGNIZE, metadata=(*grpc_client.metadata, (PROGRESSION_METADATA, "eventually")))
    assert code_of(error) == grpc.StatusCode.INVALID_ARGUMENT
    assert PROGRESSION_METADATA in error.value.details()  # type: ignore[attr-defined]
    assert len(yc_emulator.operations) == 0
    assert yc_emulator.calls("RecognizeFile")[0].status == "INVALID_ARGUMENT"


def test_per_request_progression_over_rest(yc_emulator: Emulator, rest: httpx.Client, grpc_client: GrpcClient) -> None:
    """REST sets it with the ``Grpc-Metadata-X-Emulator-Progression`` header."""
    yc_emulator.configure(progression="immediate")
    header = {"Grpc-Metadata-X-Emulator-Progression": "after_polls: 3"}
    operation = rest.post("/stt/v3/recognizeFileAsync", json=stt_v3_request(), headers=header).json()
    assert operation.get("done", False) is False
    assert [rest.get(f"/operations/{operation['id']}").json().get("done", False) for _ in range(3)] == [
        False,
        False,
        True,
    ]
    bad = rest.post(
        "/stt/v3/recognizeFileAsync",
        json=stt_v3_request(),
        headers={"Grpc-Metadata-X-Emulator-Progression": "never"},
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]


def test_configure_changes_new_operations_only(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """``emu.configure(progression=…)`` while serving: operations started afterwards follow it, earlier ones keep
    the mode they were created with."""
    yc_emulator.configure(progression="manual")
    before = grpc_client.start(STT_V2_RECOGNIZE)
    yc_emulator.configure(progression="immediate")
    after = grpc_client.start(STT_V2_RECOGNIZE)
    assert after.done
    assert not grpc_client.get(before.id).done


# ------------------------------------------------------------------------------------ retention and reads


@pytest.mark.yc_emulator(retention=60)
def test_results_expire_after_the_retention(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """Once done, an operation and its results are kept ``retention`` seconds; then ``Get`` and
    ``GetRecognition`` answer NOT_FOUND, as the real service does once its storage time has passed."""
    v3 = grpc_client.start(STT_V3_RECOGNIZE)
    ocr = grpc_client.start(OCR_RECOGNIZE)
    yc_emulator.clock.advance(59)
    assert grpc_client.get(v3.id).done
    assert grpc_client.collect(STT_V3_GET, {"operationId": v3.id})
    assert grpc_client.collect(OCR_GET, {"operationId": ocr.id})
    yc_emulator.clock.advance(1)
    for read in (
        lambda: grpc_client.get(v3.id),
        lambda: grpc_client.collect(STT_V3_GET, {"operationId": v3.id}),
        lambda: grpc_client.collect(OCR_GET, {"operationId": ocr.id}),
        lambda: grpc_client.call(STT_V3_DELETE, {"operationId": v3.id}),
        lambda: grpc_client.cancel(ocr.id),
    ):
        with pytest.raises(grpc.RpcError) as gone:
            read()
        assert code_of(gone) == grpc.StatusCode.NOT_FOUND
        assert "kept for 60 s" in gone.value.details()  # type: ignore[attr-defined]


@pytest.mark.yc_emulator(retention=60, progression="manual")
def test_retention_counts_from_completion(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """An operation that is not done never expires; its retention starts when it is done."""
    operation = grpc_client.start(STT_V3_RECOGNIZE)
    yc_emulator.clock.advance(3600)
    assert not grpc_client.get(operation.id).done
    yc_emulator.complete(operation.id)
    yc_emulator.clock.advance(59)
    assert grpc_client.get(operation.id).done
    yc_emulator.clock.advance(1)
    with pytest.raises(grpc.RpcError) as gone:
        grpc_client.get(operation.id)
    assert code_of(gone) == grpc.StatusCode.NOT_FOUND


def test_default_retention_is_three_days(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """By default results are kept 3 days."""
    operation = grpc_client.start(STT_V2_RECOGNIZE)
    yc_emulator.clock.advance(3 * 24 * 3600 - 1)
    assert grpc_client.get(operation.id).done
    yc_emulator.clock.advance(1)
    with pytest.raises(grpc.RpcError) as gone:
        grpc_client.get(operation.id)
    assert code_of(gone) == grpc.StatusCode.NOT_FOUND


def test_the_clock_only_moves_forward(yc_emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="forward"):
        yc_emulator.clock.advance(-1)


@pytest.mark.yc_emulator(progression="manual")
def test_reads_before_done_and_after_delete(yc_emulator: Emulator, grpc_client: GrpcClient) -> None:
    """GetRecognition before the operation is done: FAILED_PRECONDITION (poll first); after DeleteRecognition:
    NOT_FOUND; DeleteRecognition of an unknown operation: NOT_FOUND."""
    operation = grpc_client.start(STT_V3_RECOGNIZE)
    with pytest.raises(grpc.RpcError) as early:
        grpc_client.collect(STT_V3_GET, {"operationId": operation.id}, timeout=CALL_TIMEOUT)
    assert code_of(early) == grpc.StatusCode.FAILED_PRECONDITION
    assert "OperationService.Get" in early.value.details()  # type: ignore[attr-defined]
    yc_emulator.complete(operation.id)
    assert grpc_client.collect(STT_V3_GET, {"operationId": operation.id})
    grpc_client.call(STT_V3_DELETE, {"operationId": operation.id})
    assert yc_emulator.operation(operation.id).results_deleted
    with pytest.raises(grpc.RpcError) as deleted:
        grpc_client.collect(STT_V3_GET, {"operationId": operation.id})
    assert code_of(deleted) == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as unknown:
        grpc_client.call(STT_V3_DELETE, {"operationId": "e03nosuchoperation00"})
    assert code_of(unknown) == grpc.StatusCode.NOT_FOUND


def test_operation_ids_are_deterministic_per_seed(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """The same seed gives the same operation ids and the same results in the same order; another seed others."""

    def run(seed: int) -> tuple[list[str], list[Any]]:
        emu = start_emulator(seed=seed)
        client = connect(emu)
        ids = [client.start(method).id for method in STARTERS]
        return ids, client.collect(STT_V3_GET, {"operationId": ids[0]})

    first, again, other = run(1), run(1), run(2)
    assert first == again
    assert first[0] != other[0]
    assert len(set(first[0])) == 3
