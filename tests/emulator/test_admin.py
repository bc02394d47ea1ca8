"""The admin API under ``/_emulator/`` on the emulator's HTTP port, driven with httpx the way a non-Python CI job
drives it (curl in a shell script): the journal, faults, operations (complete, fail), reset, settings and the
clock, each with its errors (400, 404, 405, 409, 413), each with the same effect as the Python API has, seen
through real gRPC and REST calls.
"""

from __future__ import annotations

from typing import Any

import grpc
import httpx
import pytest
from emulator.clients import (
    API_KEY,
    FOLDER_ID,
    OCR_RECOGNIZE,
    STT_V2_RECOGNIZE,
    STT_V3_RECOGNIZE,
    GrpcClient,
    stt_v3_request,
)

from yc_contracts.emulator import Emulator


def assert_admin_error(response: httpx.Response, status: int, *words: str) -> str:
    """An admin error: ``status``, a JSON body ``{"error": "…"}`` containing ``words``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    for word in words:
        assert word in body["error"]
    text: str = body["error"]
    return text


def outcome(action: Any) -> str:
    try:
        action()
    except grpc.RpcError as e:
        return str(e.code().name)  # type: ignore[attr-defined]
    return "OK"


# ------------------------------------------------------------------------------------------------ journal


def test_calls(yc_emulator: Emulator, grpc_client: GrpcClient, admin: httpx.Client, rest: httpx.Client) -> None:
    """``GET calls``: every call, oldest first, as JSON (method, redacted metadata, request, status, timing,
    operation id); ``?method=`` and ``?status=`` filter."""
    operation = grpc_client.start(STT_V3_RECOGNIZE)
    grpc_client.get(operation.id)
    rest.post("/ocr/v1/recognizeTextAsync", json={"mimeType": "GIF"})
    calls = admin.get("/_emulator/calls").json()["calls"]
    assert [c["method"] for c in calls] == [
        STT_V3_RECOGNIZE,
        "yandex.cloud.operation.OperationService.Get",
        OCR_RECOGNIZE,
    ]
    first = calls[0]
    assert set(first) == {
        "method",
        "metadata",
        "request",
        "started",
        "status",
        "message",
        "duration",
        "operationId",
        "messages",
    }
    assert first["status"] == "OK"
    assert first["operationId"] == operation.id
    assert first["request"] == stt_v3_request()
    assert first["metadata"]["authorization"] == "Api-Key <redacted>"
    assert first["metadata"]["x-folder-id"] == FOLDER_ID
    assert first["duration"] >= 0
    assert calls[1]["operationId"] == operation.id
    assert calls[2]["status"] == "INVALID_ARGUMENT"
    assert calls[2]["message"]

    assert [c["method"] for c in admin.get("/_emulator/calls", params={"method": "Get"}).json()["calls"]] == [
        calls[1]["method"]
    ]
    assert len(admin.get("/_emulator/calls", params={"status": "invalid_argument"}).json()["calls"]) == 1
    assert admin.get("/_emulator/calls", params={"method": "RecognizeFile", "status": "OK"}).json()["calls"] == [first]
    assert admin.get("/_emulator/calls", params={"method": "Cancel"}).json() == {"calls": []}
    assert API_KEY not in admin.get("/_emulator/calls").text
    assert_admin_error(admin.post("/_emulator/calls"), 405, "GET")
    assert_admin_error(admin.delete("/_emulator/calls"), 405)


# ------------------------------------------------------------------------------------------------- faults


def test_faults(yc_emulator: Emulator, grpc_client: GrpcClient, admin: httpx.Client) -> None:
    """``POST faults`` (one, or a list) adds faults that fire on the next calls; ``GET`` lists those pending with
    how often they fired; ``DELETE`` clears them."""
    added = admin.post("/_emulator/faults", json={"method": "RecognizeFile", "code": "UNAVAILABLE", "times": 2})
    assert added.status_code == 201
    (fault,) = added.json()["faults"]
    assert fault == {
        "method": "RecognizeFile",
        "code": "UNAVAILABLE",
        "message": "fault injected by the emulator: UNAVAILABLE",
        "times": 2,
        "latency": 0.0,
        "cutAfter": None,
        "quota": False,
        "match": None,
        "predicate": False,
        "fired": 0,
    }
    assert outcome(lambda: grpc_client.start(STT_V3_RECOGNIZE)) == "UNAVAILABLE"
    assert admin.get("/_emulator/faults").json()["faults"][0]["fired"] == 1
    assert outcome(lambda: grpc_client.start(STT_V3_RECOGNIZE)) == "UNAVAILABLE"
    assert admin.get("/_emulator/faults").json() == {"faults": []}
    assert outcome(lambda: grpc_client.start(STT_V3_RECOGNIZE)) == "OK"

    listed = admin.post(
        "/_emulator/faults",
        json=[
            {"method": "LongRunningRecognize", "quota": True},
            {"method": "OperationService.Get", "code": "not_found", "times": None, "match": {"operationId": "x1"}},
        ],
    )
    assert listed.status_code == 201
    assert [f["code"] for f in listed.json()["faults"]] == ["RESOURCE_EXHAUSTED", "NOT_FOUND"]
    assert outcome(lambda: grpc_client.start(STT_V2_RECOGNIZE)) == "RESOURCE_EXHAUSTED"
    assert len(admin.get("/_emulator/faults").json()["faults"]) == 1
    assert admin.delete("/_emulator/faults").json() == {"faults": []}
    assert yc_emulator.faults.pending() == []
    assert_admin_error(admin.put("/_emulator/faults", json={}), 405, "GET", "POST", "DELETE")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        pytest.param([], "POST a fault object", id="empty-list"),
        pytest.param("UNAVAILABLE", "POST a fault object", id="string"),
        pytest.param([1, 2], "POST a fault object", id="numbers"),
        pytest.param({"code": "UNAVAILABLE"}, "names its method", id="no-method"),
        pytest.param({"method": "Get", "code": "NOPE"}, "not a gRPC error code", id="bad-code"),
        pytest.param({"method": "Get", "code": "INTERNAL", "when": "now"}, "unknown fault field 'when'", id="unknown"),
        pytest.param({"method": "Get"}, "needs a code", id="no-effect"),
        pytest.param({"method": "Get", "code": "INTERNAL", "times": 0}, "times", id="times-zero"),
        pytest.param({"method": "Get", "latency": "1s"}, "", id="latency-text"),
        pytest.param(
            [{"method": "Get", "code": "INTERNAL"}, {"method": "Get", "code": "NOPE"}],
            "not a gRPC error code",
            id="list-with-a-bad-one",
        ),
    ],
)
def test_a_bad_fault_is_400_and_adds_nothing(yc_emulator: Emulator, admin: httpx.Client, body: Any, words: str) -> None:
    """A fault the emulator cannot use is refused with 400 and a sentence saying why; nothing is added, not even
    the good faults of a list that holds a bad one."""
    assert_admin_error(admin.post("/_emulator/faults", json=body), 400, words)
    assert yc_emulator.faults.pending() == []
    assert admin.get("/_emulator/faults").json() == {"faults": []}


# --------------------------------------------------------------------------------------------- operations


def test_operations(yc_emulator: Emulator, grpc_client: GrpcClient, admin: httpx.Client) -> None:
    """``GET operations`` and ``GET operations/{id}``: each operation's state (progression, polls, done, error,
    folder, request) as JSON."""
    yc_emulator.configure(progression="after_polls: 2")
    operation = grpc_client.start(STT_V3_RECOGNIZE)
    grpc_client.get(operation.id)
    listed = admin.get("/_emulator/operations").json()["operations"]
    assert [o["id"] for o in listed] == [operation.id]
    one = admin.get(f"/_emulator/operations/{operation.id}").json()
    assert one == listed[0]
    assert one["method"] == STT_V3_RECOGNIZE
    assert one["progression"] == {"after_polls": 2}
    assert one["polls"] == 1
    assert one["done"] is False
    assert one["error"] is None
    assert one["folderId"] == FOLDER_ID
    assert one["request"] == stt_v3_request()
    assert one["createdBy"] == yc_emulator.config.created_by
    grpc_client.get(operation.id)
    assert admin.get(f"/_emulator/operations/{operation.id}").json()["done"] is True
    assert_admin_error(admin.get("/_emulator/operations/e03nosuchoperation00"), 404, "e03nosuchoperation00")
    assert_admin_error(admin.post("/_emulator/operations"), 405)
    assert_admin_error(admin.delete(f"/_emulator/operations/{operation.id}"), 405)


def test_complete_and_fail(yc_emulator: Emulator, grpc_client: GrpcClient, admin: httpx.Client) -> None:
    """``POST operations/{id}:complete`` and ``:fail`` finish a manual operation, as a polling client sees."""
    yc_emulator.configure(progression="manual")
    ok, failed, default = (grpc_client.start(OCR_RECOGNIZE) for _ in range(3))

    completed = admin.post(f"/_emulator/operations/{ok.id}:complete")
    assert completed.status_code == 200
    assert completed.json()["done"] is True
    assert grpc_client.get(ok.id).WhichOneof("result") == "response"
    assert admin.post(f"/_emulator/operations/{ok.id}:complete").json()["done"] is True  # again: no change

    answer = admin.post(
        f"/_emulator/operations/{failed.id}:fail", json={"code": "PERMISSION_DENIED", "message": "no access"}
    )
    assert answer.status_code == 200
    assert answer.json()["error"] == {"code": 7, "message": "no access", "details": []}
    error = grpc_client.get(failed.id).error
    assert (error.code, error.message) == (grpc.StatusCode.PERMISSION_DENIED.value[0], "no access")

    assert (
        admin.post(f"/_emulator/operations/{default.id}:fail").json()["error"]["code"]
        == grpc.StatusCode.INTERNAL.value[0]
    )

    assert_admin_error(admin.post(f"/_emulator/operations/{failed.id}:fail"), 409, "already done")
    assert_admin_error(
        admin.post(f"/_emulator/operations/{ok.id}:fail", json={"code": "INTERNAL"}), 409, "already done"
    )
    pending = grpc_client.start(OCR_RECOGNIZE)
    assert_admin_error(admin.post(f"/_emulator/operations/{pending.id}:fail", json={"code": "NOPE"}), 400, "NOPE")
    assert_admin_error(admin.post(f"/_emulator/operations/{pending.id}:fail", json={"reason": "x"}), 400, "'reason'")
    not_a_detail = {"details": [{"@type": "type.googleapis.com/google.rpc.Nope"}]}
    assert_admin_error(admin.post(f"/_emulator/operations/{pending.id}:fail", json=not_a_detail), 400, "/details/0")
    quota = {"@type": "type.googleapis.com/google.rpc.Status", "code": 8, "message": "quota"}
    failed_with = admin.post(
        f"/_emulator/operations/{pending.id}:fail", json={"code": "ABORTED", "message": "m", "details": [quota]}
    )
    assert failed_with.json()["error"] == {"code": 10, "message": "m", "details": [quota]}
    assert grpc_client.get(pending.id).error.details[0].type_url == quota["@type"]
    pending = grpc_client.start(OCR_RECOGNIZE)
    assert_admin_error(admin.post(f"/_emulator/operations/{pending.id}:finish"), 404, "'finish'")
    assert_admin_error(admin.get(f"/_emulator/operations/{pending.id}:complete"), 405, "POST")
    assert_admin_error(admin.post("/_emulator/operations/fbenosuchoperation00:complete"), 404, "fbenosuchoperation00")
    assert_admin_error(admin.post("/_emulator/operations/fbenosuchoperation00:fail"), 404)
    assert not grpc_client.get(pending.id).done


# ------------------------------------------------------------------------------------ reset, config, clock


def test_reset(yc_emulator: Emulator, grpc_client: GrpcClient, admin: httpx.Client) -> None:
    """``POST reset`` forgets operations, calls and faults, and keeps the settings."""
    yc_emulator.configure(progression="manual", seed=5)
    operation = grpc_client.start(STT_V3_RECOGNIZE)
    yc_emulator.inject("Get", code="INTERNAL", times=None)
    assert admin.post("/_emulator/reset").json() == {"reset": True}
    assert admin.get("/_emulator/operations").json() == {"operations": []}
    assert admin.get("/_emulator/calls").json() == {"calls": []}
    assert admin.get("/_emulator/faults").json() == {"faults": []}
    with pytest.raises(grpc.RpcError) as error:
        grpc_client.get(operation.id)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND  # type: ignore[attr-defined]
    assert admin.get("/_emulator/config").json()["progression"] == "manual"
    assert admin.get("/_emulator/config").json()["seed"] == 5
    assert_admin_error(admin.get("/_emulator/reset"), 405, "POST")


def test_config(yc_emulator: Emulator, grpc_client: GrpcClient, admin: httpx.Client) -> None:
    """``GET config`` shows the settings (credentials as counts only); ``PUT config`` changes some, with the same
    effect as ``emu.configure``."""
    shown = admin.get("/_emulator/config").json()
    assert shown["progression"] == "immediate"
    assert shown["api_keys"] == 0
    assert shown["validate"] is True

    changed = admin.put(
        "/_emulator/config",
        json={
            "progression": "after_polls: 2",
            "progressions": {"LongRunningRecognize": {"after": 30}},
            "api_keys": ["AQVN-admin-configured"],
            "retention": 120,
        },
    )
    assert changed.status_code == 200
    assert changed.json()["progression"] == {"after_polls": 2}
    assert changed.json()["progressions"] == {"LongRunningRecognize": {"after": 30.0}}
    assert changed.json()["api_keys"] == 1
    assert "AQVN-admin-configured" not in changed.text
    assert "AQVN-admin-configured" not in admin.get("/_emulator/config").text

    assert outcome(lambda: grpc_client.start(STT_V3_RECOGNIZE)) == "UNAUTHENTICATED"  # API_KEY is not configured
    metadata = [("authorization", "Api-Key AQVN-admin-configured")]
    v3 = grpc_client.start(STT_V3_RECOGNIZE, metadata=metadata)
    v2 = grpc_client.start(STT_V2_RECOGNIZE, metadata=metadata)
    assert not v3.done
    assert not grpc_client.get(v3.id, metadata=metadata).done
    assert grpc_client.get(v3.id, metadata=metadata).done
    assert not grpc_client.get(v2.id, metadata=metadata).done
    assert yc_emulator.operations.retention == 120


@pytest.mark.parametrize(
    ("body", "words"),
    [
        pytest.param({"nope": 1}, "unknown emulator setting 'nope'", id="unknown"),
        pytest.param({"progression": "soon"}, "soon", id="progression"),
        pytest.param({"retention": 0}, "retention", id="retention"),
        pytest.param({"api_keys": "AQVN-one-string"}, "api_keys", id="keys-as-string"),
        pytest.param({"validate": "yes"}, "validate", id="validate"),
        pytest.param([{"seed": 1}], "JSON object", id="list"),
        pytest.param(None, "JSON object", id="no-body"),
    ],
)
def test_a_bad_config_is_400_and_changes_nothing(admin: httpx.Client, body: Any, words: str) -> None:
    before = admin.get("/_emulator/config").json()
    response = admin.put("/_emulator/config", json=body) if body is not None else admin.put("/_emulator/config")
    text = assert_admin_error(response, 400, words)
    assert "AQVN-one-string" not in text
    assert admin.get("/_emulator/config").json() == before


def test_config_verbs(admin: httpx.Client) -> None:
    assert_admin_error(admin.post("/_emulator/config", json={}), 405, "GET", "PUT")


def test_clock_advance(yc_emulator: Emulator, grpc_client: GrpcClient, admin: httpx.Client) -> None:
    """``POST clock:advance {"seconds": N}`` moves the emulator's time: ``after:`` operations finish and results
    expire as with ``emu.clock.advance``."""
    yc_emulator.configure(progression="after: 60", retention=100)
    operation = grpc_client.start(STT_V3_RECOGNIZE)
    before = yc_emulator.clock.now()
    moved = admin.post("/_emulator/clock:advance", json={"seconds": 60})
    assert moved.status_code == 200
    assert moved.json()["now"] >= before + 60
    assert grpc_client.get(operation.id).done
    admin.post("/_emulator/clock:advance", json={"seconds": 100.5})
    with pytest.raises(grpc.RpcError) as gone:
        grpc_client.get(operation.id)
    assert gone.value.code() == grpc.StatusCode.NOT_FOUND  # type: ignore[attr-defined]
    assert admin.post("/_emulator/clock:advance", json={"seconds": 0}).status_code == 200


@pytest.mark.parametrize("body", [{"seconds": -1}, {}, {"seconds": True}, {"seconds": "60"}, [60], None])
def test_a_bad_clock_advance_is_400(yc_emulator: Emulator, admin: httpx.Client, body: Any) -> None:
    before = yc_emulator.clock.now()
    response = (
        admin.post("/_emulator/clock:advance", json=body)
        if body is not None
        else admin.post("/_emulator/clock:advance")
    )
    assert_admin_error(response, 400, "seconds")
    assert yc_emulator.clock.now() - before < 5


def test_clock_verbs(admin: httpx.Client) -> None:
    assert_admin_error(admin.get("/_emulator/clock:advance"), 405, "POST")


# ------------------------------------------------------------------------------------------ the API itself


def test_unknown_endpoints_and_bodies(admin: httpx.Client) -> None:
    """An unknown endpoint is 404 naming it; a body that is not JSON is 400; one over 1 MiB is 413."""
    assert_admin_error(admin.get("/_emulator/nothing-here"), 404, "/_emulator/nothing-here")
    assert_admin_error(admin.get("/_emulator/"), 404)
    assert_admin_error(admin.post("/_emulator/faults", content=b"{not json"), 400, "not JSON")
    huge = b'{"method": "Get", "code": "INTERNAL", "message": "' + b"x" * (1024 * 1024) + b'"}'
    assert_admin_error(admin.post("/_emulator/faults", content=huge), 413, "at most")
    assert admin.get("/_emulator/faults").json() == {"faults": []}


def test_the_admin_api_needs_no_credentials_and_the_services_do(start_emulator: Any, connect: Any) -> None:
    """The admin API is for the test harness: it takes no credentials even when the services require them."""
    emu = start_emulator(api_keys=["AQVN-only-this"])
    with httpx.Client(base_url=emu.http_url, timeout=10) as http:
        assert http.get("/_emulator/calls").status_code == 200
        assert http.post("/stt/v3/recognizeFileAsync", json=stt_v3_request()).status_code == 401
        assert http.get("/_emulator/calls").json()["calls"][0]["status"] == "UNAUTHENTICATED"


def test_snapshot_endpoints_answer(admin: httpx.Client) -> None:
    """The snapshot endpoints exist with their verbs (their format is tested in test_snapshot.py)."""
    assert admin.get("/_emulator/snapshot").status_code == 200
    assert_admin_error(admin.post("/_emulator/snapshot"), 405, "GET")
    assert_admin_error(admin.get("/_emulator/restore"), 405, "POST")
    assert_admin_error(admin.post("/_emulator/restore", json=[1]), 400)
