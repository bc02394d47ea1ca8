"""Emulator snapshots: a CI job saves or writes one JSON document and starts an emulator from it.

What a user depends on: ``emu.snapshot()`` holds every operation (its progression, polls, outcome, results and
expiry) and the settings, never a credential; ``emu.restore()`` of it (a dict or a file, before or after start, or
``POST /_emulator/restore``) makes ``OperationService.Get`` and ``GetRecognition`` of each restored id answer as they
did before, over gRPC and REST; a restored manual operation can still be completed; the operations are as old
after a restore as when they were taken (a snapshot kept in a repository does not expire); new ids never repeat a
restored one; and a bad snapshot is a ``ValueError`` naming the place, with the emulator left as it was.

Real emulators on 127.0.0.1 (ephemeral ports) with real gRPC clients and httpx; every call has a timeout.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from emulator.clients import (
    API_KEY,
    AUTH_HEADERS,
    CALL_TIMEOUT,
    OCR_GET,
    OCR_RECOGNIZE,
    STT_V2_RECOGNIZE,
    STT_V3_DELETE,
    STT_V3_GET,
    STT_V3_RECOGNIZE,
    Connector,
    EmulatorFactory,
    GrpcClient,
    stt_v3_request,
)

from yc_contracts import to_rest
from yc_contracts.emulator import Emulator
from yc_contracts.emulator.snapshot import FORMAT, VERSION

DAY = 24 * 3600.0
TIME_FIELDS = ("createdAt", "modifiedAt", "expiresAt")


def _json(msg: Any) -> dict[str, Any]:
    return to_rest(msg)  # the SDK's messages and the registry's alike


def _operation_json(operation: Any) -> dict[str, Any]:
    """An Operation as JSON without its two timestamps (a restore shifts them by the time it took)."""
    found = _json(operation)
    found.pop("createdAt", None)
    found.pop("modifiedAt", None)
    return found


def _populate(emu: Emulator, client: GrpcClient) -> dict[str, str]:
    """Operations in every state a snapshot must keep, made by real calls: returns their ids by state."""
    ids: dict[str, str] = {}
    ids["done_v3"] = client.start(STT_V3_RECOGNIZE).id
    ids["done_v2"] = client.start(STT_V2_RECOGNIZE).id
    ids["done_ocr"] = client.start(OCR_RECOGNIZE).id
    manual = (("x-emulator-progression", "manual"),)
    ids["manual"] = client.start(STT_V3_RECOGNIZE, metadata=(*client.metadata, *manual)).id
    ids["failed"] = client.start(OCR_RECOGNIZE, metadata=(*client.metadata, *manual)).id
    emu.fail(ids["failed"], "RESOURCE_EXHAUSTED", "the folder's quota is used up")
    ids["cancelled"] = client.start(STT_V2_RECOGNIZE, metadata=(*client.metadata, *manual)).id
    client.cancel(ids["cancelled"])
    polls = (("x-emulator-progression", "after_polls: 5"),)
    ids["polled"] = client.start(STT_V3_RECOGNIZE, metadata=(*client.metadata, *polls)).id
    client.get(ids["polled"])
    client.get(ids["polled"])
    ids["timed"] = client.start(
        STT_V3_RECOGNIZE,
        stt_v3_request(uri="https://storage.yandexcloud.net/b/timed.wav"),
        metadata=(
            *client.metadata,
            ("x-emulator-progression", "after: 3600"),
        ),
    ).id
    ids["deleted"] = client.start(STT_V3_RECOGNIZE, stt_v3_request(uri="https://storage.yandexcloud.net/b/del.wav")).id
    client.call(STT_V3_DELETE, {"operationId": ids["deleted"]})
    return ids


def _results(client: GrpcClient, method: str, operation_id: str) -> list[dict[str, Any]]:
    return [_json(m) for m in client.collect(method, {"operationId": operation_id})]


def _without_times(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in op.items() if k not in TIME_FIELDS} for op in snapshot["operations"]]


def _shifts(taken: dict[str, Any], again: dict[str, Any]) -> list[float]:
    """How far each time moved between two snapshots of the same operations (``None`` must stay ``None``)."""
    moved = []
    for before, after in zip(taken["operations"], again["operations"], strict=True):
        for key in TIME_FIELDS:
            assert (before[key] is None) == (after[key] is None), key
            if before[key] is not None:
                moved.append(after[key] - before[key])
    return moved


def test_round_trip_keeps_every_operation_and_answers_as_before(
    start_emulator: EmulatorFactory, connect: Connector
) -> None:
    """A snapshot written as JSON and restored into another emulator holds the same operations (same times relative
    to when it was taken), and Get, GetRecognition and the REST routes of every restored id answer as before."""
    source = start_emulator(seed=11, progression="immediate", retention=2 * DAY)
    client = connect(source)
    ids = _populate(source, client)
    taken = source.snapshot()
    assert taken["format"] == FORMAT
    assert taken["version"] == VERSION
    assert {op["id"] for op in taken["operations"]} == set(ids.values())
    before = {name: _operation_json(client.get(i)) for name, i in ids.items() if name not in {"polled"}}
    streams = {
        "done_v3": _results(client, STT_V3_GET, ids["done_v3"]),
        "done_ocr": _results(client, OCR_GET, ids["done_ocr"]),
    }

    target = start_emulator()  # other seed, other settings: the snapshot brings its own
    restored = target.restore(json.loads(json.dumps(taken)))
    assert [r.id for r in restored] == [op["id"] for op in taken["operations"]]
    again = target.snapshot()
    assert _without_times(again) == _without_times(taken)
    # every time moved by the same amount: the time from taking the snapshot to restoring it
    moved = _shifts(taken, again)
    assert max(moved) - min(moved) < 1e-3
    assert 0 < moved[0] <= again["takenAt"] - taken["takenAt"]
    assert again["settings"] == taken["settings"]
    assert target.config.seed == 11
    assert target.config.retention == 2 * DAY

    other = connect(target)
    for name, expected in before.items():
        assert _operation_json(other.get(ids[name])) == expected, name
    assert _results(other, STT_V3_GET, ids["done_v3"]) == streams["done_v3"]
    assert _results(other, OCR_GET, ids["done_ocr"]) == streams["done_ocr"]
    # the polled operation kept its two polls: three more finish it, as they would have before
    assert [other.get(ids["polled"]).done for _ in range(3)] == [False, False, True]
    with pytest.raises(grpc.RpcError) as failed:
        other.collect(OCR_GET, {"operationId": ids["failed"]})
    assert failed.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    with pytest.raises(grpc.RpcError) as deleted:
        other.collect(STT_V3_GET, {"operationId": ids["deleted"]})
    assert deleted.value.code() == grpc.StatusCode.NOT_FOUND

    with httpx.Client(base_url=target.http_url, headers=AUTH_HEADERS, timeout=CALL_TIMEOUT) as rest:
        answer = rest.get(f"/operations/{ids['done_v2']}")
        assert answer.status_code == 200
        assert answer.json()["response"]["@type"].endswith("LongRunningRecognitionResponse")
        assert answer.json()["response"]["chunks"] == before["done_v2"]["response"]["chunks"]


def test_a_restored_manual_operation_can_be_completed(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """A manual operation taken before it was done stays pending after a restore until the test (or the admin API)
    completes it; then its results are served."""
    source = start_emulator(progression="manual")
    first, second = connect(source).start().id, connect(source).start().id
    target = start_emulator()
    target.restore(source.snapshot())
    client = connect(target)
    assert [client.get(first).done for _ in range(3)] == [False, False, False]
    target.complete(first)
    assert client.get(first).done
    assert len(_results(client, STT_V3_GET, first)) > 0
    with httpx.Client(base_url=target.http_url + "/_emulator/", timeout=CALL_TIMEOUT) as admin:
        answer = admin.post(f"operations/{second}:fail", json={"code": "INTERNAL", "message": "disk on fire"})
    assert answer.status_code == 200
    operation = client.get(second)
    assert operation.done
    assert (operation.error.code, operation.error.message) == (13, "disk on fire")


def test_a_file_snapshot_restores_before_start(
    tmp_path: Path, start_emulator: EmulatorFactory, connect: Connector
) -> None:
    """``emu.snapshot(path)`` writes the JSON file; ``Emulator(...).restore(path)`` before ``start()`` (what
    ``yc-contracts emulate --snapshot`` does) serves its operations from the first call."""
    source = start_emulator()
    operation_id = connect(source).start(STT_V2_RECOGNIZE).id
    path = tmp_path / "preload.json"
    data = source.snapshot(path)
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(json.dumps(data))
    target = Emulator()
    target.restore(path)
    with target:
        assert connect(target).get(operation_id).done


def test_a_hand_written_snapshot_fills_in_the_rest(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """Only ``id`` and ``method`` are required: a done operation without results gets generated ones (the same as a
    new call of that request would), times may be RFC 3339, and an error code may be a name."""
    target = start_emulator(seed=5)
    request = stt_v3_request(uri="https://storage.yandexcloud.net/b/hand.wav")
    snapshot = {
        "version": 1,
        "operations": [
            {"id": "e03handwritten000001", "method": STT_V3_RECOGNIZE, "request": request, "done": True},
            {"id": "e03handwritten000002", "method": STT_V3_RECOGNIZE, "progression": {"after_polls": 2}},
            {
                "id": "fbehandwritten000003",
                "method": OCR_RECOGNIZE,
                "done": True,
                "error": {"code": "PERMISSION_DENIED", "message": "no access to the bucket"},
                "createdAt": "2030-01-01T10:00:00Z",
                "modifiedAt": "2030-01-01T10:00:05Z",
            },
        ],
    }
    target.restore(snapshot)
    client = connect(target)
    done = client.get("e03handwritten000001")
    assert done.done
    assert done.description == "STT v3 async recognition"
    assert done.created_by == target.config.created_by
    generated = _results(client, STT_V3_GET, "e03handwritten000001")
    fresh = client.start(STT_V3_RECOGNIZE, request).id
    assert generated == _results(client, STT_V3_GET, fresh)
    assert [client.get("e03handwritten000002").done for _ in range(2)] == [False, True]
    failed = client.get("fbehandwritten000003")
    assert (failed.error.code, failed.error.message) == (7, "no access to the bucket")
    assert failed.created_at.ToJsonString() == "2030-01-01T10:00:00Z"


def test_times_move_with_the_clock(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """An operation is as old after a restore as when it was taken: a snapshot kept for ten days does not expire,
    an ``after: 60`` operation taken 10 s in is done 50 s after the restore, and one already expired stays so."""
    source = start_emulator(retention=3600)
    client = connect(source)
    kept = client.start().id
    gone = client.start(STT_V3_RECOGNIZE, stt_v3_request(uri="https://storage.yandexcloud.net/b/gone.wav")).id
    source.clock.advance(3000)
    late = client.start(
        STT_V3_RECOGNIZE,
        stt_v3_request(uri="https://storage.yandexcloud.net/b/late.wav"),
        metadata=(*client.metadata, ("x-emulator-progression", "after: 60")),
    ).id
    source.clock.advance(10)
    snapshot = source.snapshot()
    # pretend the file was committed ten days ago: every time, takenAt included, moves back
    old = copy.deepcopy(snapshot)
    old["takenAt"] -= 10 * DAY
    for op in old["operations"]:
        for key in TIME_FIELDS:
            if op[key] is not None:
                op[key] -= 10 * DAY
    target = start_emulator()
    target.restore(old)
    other = connect(target)
    assert other.get(kept).done
    target.clock.advance(49)
    assert not other.get(late).done
    target.clock.advance(2)
    assert other.get(late).done
    target.clock.advance(600)  # done at 0, kept for 3600 s: 3010 + 51 + 600 is past that
    with pytest.raises(grpc.RpcError) as expired:
        other.get(gone)
    assert expired.value.code() == grpc.StatusCode.NOT_FOUND
    assert other.get(late).done


def test_new_ids_never_repeat_restored_ones(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """An emulator with the same seed restored from a snapshot goes on making new ids after the snapshot's."""
    source = start_emulator(seed=3)
    taken_ids = {connect(source).start().id for _ in range(3)}
    target = start_emulator(seed=3)
    target.restore(source.snapshot())
    new_ids = {connect(target).start().id for _ in range(3)}
    assert len(new_ids) == 3
    assert taken_ids.isdisjoint(new_ids)


def test_credentials_are_never_in_a_snapshot(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """A snapshot leaves out API keys and IAM tokens (and their count); one that holds them is refused, and the
    restored emulator keeps its own credentials."""
    source = start_emulator(api_keys=[API_KEY], iam_tokens=["t1.secret-token-never-shown"])
    connect(source).start()
    text = json.dumps(source.snapshot())
    assert API_KEY not in text
    assert "t1.secret-token-never-shown" not in text
    assert "api_keys" not in text
    target = start_emulator(api_keys=[API_KEY])
    target.restore(json.loads(text))
    assert target.config.api_keys == frozenset({API_KEY})
    with pytest.raises(ValueError, match=r"settings\.api_keys: credentials are never part of a snapshot") as e:
        target.restore({"version": 1, "operations": [], "settings": {"api_keys": [API_KEY]}})
    assert API_KEY not in str(e.value)


def test_restore_keeps_the_journal_and_faults(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """Restoring replaces the operations only: the calls journaled so far and the pending faults stay."""
    emu = start_emulator()
    client = connect(emu)
    old_id = client.start().id
    emu.inject("RecognizeFile", code="UNAVAILABLE", times=1)
    emu.restore({"version": 1, "operations": []})
    with pytest.raises(grpc.RpcError) as missing:
        client.get(old_id)
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    emu.assert_called("RecognizeFile", times=1)
    with pytest.raises(grpc.RpcError) as fault:
        client.start()
    assert fault.value.code() == grpc.StatusCode.UNAVAILABLE


def _valid() -> dict[str, Any]:
    return {
        "version": 1,
        "takenAt": 1_800_000_000.0,
        "operations": [{"id": "e03valid0000000000001", "method": STT_V3_RECOGNIZE, "done": True}],
    }


def _with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = _valid()
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


BAD_SNAPSHOTS = [
    pytest.param({"operations": []}, r"snapshot: no version", id="no-version"),
    pytest.param(_with(("version",), 2), r"snapshot: version 2 is not supported .*version 1", id="newer-version"),
    pytest.param(_with(("version",), True), r"version True is not supported", id="boolean-version"),
    pytest.param(_with(("format",), "moto"), r"format is 'moto'", id="other-format"),
    pytest.param(_with(("extra",), 1), r"unknown field 'extra'", id="unknown-top-field"),
    pytest.param(_with(("operations",), {}), r"operations is a list of operations, not an object", id="operations-map"),
    pytest.param(_with(("takenAt",), "yesterday"), r"takenAt: 'yesterday' is not a time", id="bad-taken-at"),
    pytest.param(_with(("idCounter",), -1), r"idCounter is a whole number", id="negative-counter"),
    pytest.param(
        _with(("settings",), {"progression": "sometimes"}), r"settings: progression 'sometimes'", id="bad-setting"
    ),
    pytest.param(
        _with(("settings",), {"colour": "red"}), r"settings: unknown emulator setting 'colour'", id="unknown-setting"
    ),
    pytest.param(_with(("settings",), {"fixtures": "/tmp"}), r"settings\.fixtures: the fixtures folder", id="fixtures"),
    pytest.param(_with(("operations", 0), "e03"), r"operations\[0\]: an operation is an object", id="operation-string"),
    pytest.param(
        _with(("operations", 0, "id"), "a/b"), r"operations\[0\]\.id: 'a/b' is not an operation id", id="bad-id"
    ),
    pytest.param(
        _with(("operations", 0, "method"), "Get"),
        r"operations\[0\]\.method: 'Get' starts no operation",
        id="bad-method",
    ),
    pytest.param(_with(("operations", 0, "colour"), 1), r"operations\[0\]: unknown field 'colour'", id="unknown-field"),
    pytest.param(
        _with(("operations", 0, "progression"), "later"),
        r"operations\[0\]\.progression: progression 'later'",
        id="bad-progression",
    ),
    pytest.param(_with(("operations", 0, "polls"), -2), r"operations\[0\]\.polls: a whole number", id="negative-polls"),
    pytest.param(_with(("operations", 0, "done"), "yes"), r"operations\[0\]\.done: true or false", id="done-string"),
    pytest.param(
        _with(("operations", 0, "request"), []),
        r"operations\[0\]\.request: the request as REST JSON",
        id="request-list",
    ),
    pytest.param(
        _with(("operations", 0, "error"), {"code": 0}),
        r"operations\[0\]\.error\.code: 0 is not a gRPC error code",
        id="ok-code",
    ),
    pytest.param(
        _with(("operations", 0, "error"), {"code": "SOMETIMES"}), r"error\.code: 'SOMETIMES'", id="unknown-code"
    ),
    pytest.param(
        _with(("operations", 0, "error"), {"code": 13, "details": [{"@type": "type.googleapis.com/google.rpc.Nope"}]}),
        r"operations\[0\]\.error: 1 violation: /details/0/@type",
        id="detail-not-of-the-contract",
    ),
    pytest.param(
        _with(("operations", 0, "createdAt"), "2030-01-01T00:00:00"), r"createdAt: .* with a zone", id="naive-time"
    ),
    pytest.param(
        _with(("operations", 0, "results"), [{"final": {"nonsense": 1}}]),
        r"results\[0\]: not a speechkit\.stt\.v3\.StreamingResponse",
        id="bad-result",
    ),
    pytest.param(_with(("operations", 0, "results"), {}), r"operations\[0\]\.results: a list of", id="results-object"),
    pytest.param(
        {"version": 1, "operations": [{"id": "e05x", "method": STT_V2_RECOGNIZE, "results": [{}, {}]}]},
        r"STT v2 produces one",
        id="two-v2-results",
    ),
    pytest.param(
        {"version": 1, "operations": [{"id": "e03x", "method": STT_V3_RECOGNIZE, "error": {"code": 13}}]},
        r"operations\[0\]\.error: only a done operation has an error",
        id="error-not-done",
    ),
    pytest.param(
        {
            "version": 1,
            "operations": [{"id": "e03x", "method": STT_V3_RECOGNIZE}, {"id": "e03x", "method": OCR_RECOGNIZE}],
        },
        r"operations\[1\]\.id: 'e03x' is the id of an earlier operation",
        id="duplicate-id",
    ),
]


@pytest.mark.parametrize(("snapshot", "message"), BAD_SNAPSHOTS)
def test_a_bad_snapshot_is_refused_and_changes_nothing(
    start_emulator: EmulatorFactory, connect: Connector, snapshot: dict[str, Any], message: str
) -> None:
    """Each kind of bad snapshot is a ``ValueError`` that names the place, and the emulator keeps its operations
    and settings."""
    emu = start_emulator(progression="manual", seed=9)
    kept = connect(emu).start().id
    before = emu.snapshot()
    with pytest.raises(ValueError, match=message):
        emu.restore(snapshot)
    assert _without_times(emu.snapshot()) == _without_times(before)
    assert emu.config.seed == 9
    assert not connect(emu).get(kept).done


def test_a_bad_snapshot_file_names_the_file(tmp_path: Path) -> None:
    """A file that is missing, not JSON, or not an object is a ``ValueError`` that starts with its path."""
    emu = Emulator()
    missing = tmp_path / "missing.json"
    with pytest.raises(ValueError, match=rf"^{missing}: cannot read the snapshot"):
        emu.restore(missing)
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": 1,', encoding="utf-8")
    with pytest.raises(ValueError, match=rf"^{broken}: the snapshot is not JSON"):
        emu.restore(broken)
    listed = tmp_path / "list.json"
    listed.write_text("[]", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"^{listed}: a snapshot is a JSON object, not a list"):
        emu.restore(listed)
    versioned = tmp_path / "v7.json"
    versioned.write_text('{"version": 7, "operations": []}', encoding="utf-8")
    with pytest.raises(ValueError, match=rf"^{versioned}: version 7 is not supported"):
        emu.restore(str(versioned))


def test_the_admin_api_takes_and_restores_snapshots(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """``GET /_emulator/snapshot`` is the same document as ``emu.snapshot()``; ``POST /_emulator/restore`` loads
    one (bigger than the 1 MiB other admin bodies may be: results of 2 MiB), answers what it restored, and a bad
    one is a 400 with the reason."""
    source = start_emulator(result_size=2 * 1024 * 1024)
    operation_id = connect(source).start().id
    target = start_emulator()
    with (
        httpx.Client(base_url=source.http_url + "/_emulator/", timeout=CALL_TIMEOUT) as source_admin,
        httpx.Client(base_url=target.http_url + "/_emulator/", timeout=CALL_TIMEOUT) as admin,
    ):
        taken = source_admin.get("snapshot")
        assert taken.status_code == 200
        assert taken.headers["content-type"] == "application/json"
        assert len(taken.content) > 2 * 1024 * 1024
        assert [op["id"] for op in taken.json()["operations"]] == [operation_id]
        restored = admin.post("restore", content=taken.content)
        assert restored.status_code == 200
        assert restored.json() == {"restored": 1, "operations": [operation_id]}
        assert connect(target).get(operation_id).done
        streamed = _results(connect(target), STT_V3_GET, operation_id)
        assert streamed == _results(connect(source), STT_V3_GET, operation_id)

        refused = admin.post("restore", json={"version": 3, "operations": []})
        assert refused.status_code == 400
        assert refused.json() == {
            "error": "snapshot: version 3 is not supported (this package reads snapshot version 1)"
        }
        assert admin.post("restore", json=[1]).status_code == 400
        assert admin.post("restore", content=b"{nope").status_code == 400
        assert admin.put("snapshot").status_code == 405
        assert admin.get("restore").status_code == 405
        assert connect(target).get(operation_id).done  # the refused ones changed nothing
