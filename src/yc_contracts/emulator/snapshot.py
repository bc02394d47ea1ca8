"""Snapshots: an emulator's operations and settings as one JSON document, to save and to load back.

A CI job preloads operations with one (``yc-contracts emulate --snapshot FILE``, ``emu.restore(path)``, or
``POST /_emulator/restore``); ``emu.snapshot(path)`` and ``GET /_emulator/snapshot`` take one. The format,
version 1::

    {
      "format": "yc-contracts emulator snapshot",     # optional when read
      "version": 1,                                    # required: the only version this package reads
      "takenAt": 1767225600.0,                         # the emulator's time then (Unix seconds); optional
      "idCounter": 2,                                  # how many ids the emulator had made; optional
      "settings": {"seed": 0, "progression": "immediate", ...},   # optional
      "operations": [                                  # required (may be empty)
        {
          "id": "e03mj2evfuj0d9pi8c4n",                               # required: [A-Za-z0-9._-], unique
          "method": "speechkit.stt.v3.AsyncRecognizer.RecognizeFile", # required: a method that starts one
          "description": "STT v3 async recognition",
          "createdAt": 1767225590.5, "modifiedAt": 1767225590.5,      # Unix seconds, or RFC 3339 text
          "createdBy": "ajeemulatorserviceacc",
          "progression": "manual",             # "immediate", "manual", {"after_polls": N}, {"after": SECONDS}
          "polls": 0, "done": false,
          "error": null,                       # a done operation's google.rpc.Status: {"code": 13, "message": …}
          "plannedError": null,                # the Status it will fail with once due
          "folderId": "b1g…", "request": {…},  # the request as REST JSON
          "results": [{…}],                    # REST JSON of the method's result messages (see below)
          "resultsDeleted": false,
          "expiresAt": null                    # a done operation's end of retention (Unix seconds)
        }
      ]
    }

``results`` are the messages a recognition produced, as REST JSON: ``speechkit.stt.v3.StreamingResponse`` for
STT v3 and ``yandex.cloud.ai.ocr.v1.RecognizeTextResponse`` for OCR (what ``GetRecognition`` streams), the one
``yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse`` of STT v2 (the operation's ``response``).

Only ``id`` and ``method`` are required of an operation. Left out: ``description``, ``createdBy`` and
``progression`` are what a new operation of that method gets; ``createdAt`` is the time of the restore;
``modifiedAt`` is ``createdAt``; ``expiresAt`` of a done operation is ``modifiedAt`` plus the retention; ``results``
are generated from the seed and the request, as for a new call. An error ``code`` is a number or a gRPC code name.

``settings`` are those of the config file, except the credentials (``api_keys``, ``iam_tokens``) and the
``fixtures`` folder: they belong to the machine and come from the config only. Restoring replaces every operation
and applies the snapshot's ``settings``; the journal, the fault plan and issued IAM tokens are left as they are.

Times move with the clock: every time in the snapshot is shifted by (now - ``takenAt``), so an operation is as old
after a restore as it was when the snapshot was taken: a snapshot kept in a repository does not expire, and an
``after: 60`` operation taken 10 s after its start is done 50 s after the restore. Without ``takenAt`` times are
used as given.

Everything is checked before anything changes: a bad snapshot raises ``ValueError`` naming the place
(``operations[2].progression: …``) and leaves the emulator as it was.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import orjson
from google.protobuf import json_format, message

from yc_contracts.emulator.operations import OperationRecord, status_message
from yc_contracts.emulator.progression import Progression
from yc_contracts.emulator.results import RESULT_TYPES, STT_V2
from yc_contracts.emulator.service import STARTERS
from yc_contracts.transcoding.status import CODE_NAMES

if TYPE_CHECKING:
    from yc_contracts.emulator.config import EmulatorConfig
    from yc_contracts.emulator.core import Emulator

FORMAT: Final = "yc-contracts emulator snapshot"
VERSION: Final = 1
LEFT_OUT: Final = frozenset({"api_keys", "iam_tokens", "fixtures"})
"""Settings a snapshot never holds: credentials, and the fixtures folder (a path on one machine)."""

_TOP_KEYS: Final = frozenset({"format", "version", "takenAt", "idCounter", "settings", "operations"})
_OPERATION_KEYS: Final = (
    "id",
    "method",
    "description",
    "createdAt",
    "createdBy",
    "modifiedAt",
    "progression",
    "polls",
    "done",
    "error",
    "plannedError",
    "folderId",
    "request",
    "results",
    "resultsDeleted",
    "expiresAt",
)
_ID: Final = re.compile(r"[A-Za-z0-9._-]{1,128}")


# ------------------------------------------------------------------------------------------------ taking


def take(emulator: Emulator) -> dict[str, Any]:
    """The snapshot of ``emulator`` now (its operations advanced to now first)."""
    registry = emulator.registry
    with emulator.operations.lock:
        records = emulator.operations.all()
        now = emulator.clock.now()
        counter = emulator.operations.counter
        operations = [_record_json(record, registry) for record in records]
    settings = {k: v for k, v in emulator.config.to_json().items() if k not in LEFT_OUT}
    return {
        "format": FORMAT,
        "version": VERSION,
        "takenAt": now,
        "idCounter": counter,
        "settings": settings,
        "operations": operations,
    }


def _record_json(record: OperationRecord, registry: Any) -> dict[str, Any]:
    return {
        "id": record.id,
        "method": record.method,
        "description": record.description,
        "createdAt": record.created_at,
        "createdBy": record.created_by,
        "modifiedAt": record.modified_at,
        "progression": record.progression.to_json(),
        "polls": record.polls,
        "done": record.done,
        "error": record.error,
        "plannedError": record.planned_error,
        "folderId": record.folder_id,
        "request": record.request,
        "results": [
            json_format.MessageToDict(result, descriptor_pool=registry.descriptor_pool) for result in record.results
        ],
        "resultsDeleted": record.results_deleted,
        "expiresAt": record.expires_at,
    }


def write(snapshot: Mapping[str, Any], path: str | Path) -> None:
    """Write ``snapshot`` to ``path`` as indented UTF-8 JSON.

    Raises:
        OSError: the file cannot be written.
    """
    Path(path).write_bytes(orjson.dumps(snapshot, option=orjson.OPT_INDENT_2) + b"\n")


# --------------------------------------------------------------------------------------------- restoring


def read(source: str | Path | Mapping[str, Any]) -> tuple[Mapping[str, Any], str]:
    """The snapshot document of ``source`` (a JSON file, or the document itself) and how errors name it.

    Raises:
        ValueError: the file cannot be read, is not JSON, or holds no JSON object.
    """
    if isinstance(source, Mapping):
        return source, "snapshot"
    if not isinstance(source, (str, Path)):
        raise TypeError(f"restore takes a snapshot (a dict) or the path of its JSON file, not {type(source).__name__}")
    where = str(source)
    try:
        data = orjson.loads(Path(source).read_bytes())
    except OSError as e:
        raise ValueError(f"{where}: cannot read the snapshot: {e.strerror or e}") from None
    except orjson.JSONDecodeError as e:
        raise ValueError(f"{where}: the snapshot is not JSON: {e}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{where}: a snapshot is a JSON object, not {_kind(data)}")
    return data, where


def restore(
    emulator: Emulator, source: str | Path | Mapping[str, Any], descriptions: Mapping[str, str]
) -> list[OperationRecord]:
    """Replace ``emulator``'s operations and settings with those of a snapshot; return the restored records.

    ``descriptions`` gives the ``description`` of an operation that has none, by method.

    Raises:
        ValueError: the snapshot cannot be read or is not a valid one (the emulator is left unchanged).
    """
    data, where = read(source)
    try:
        return _restore(emulator, data, descriptions)
    except _SnapshotError as e:
        raise ValueError(f"{where}: {e}") from None


class _SnapshotError(ValueError):
    pass


def _restore(emulator: Emulator, data: Mapping[str, Any], descriptions: Mapping[str, str]) -> list[OperationRecord]:
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise _SnapshotError(f"unknown field {unknown[0]!r} (a snapshot has: {', '.join(sorted(_TOP_KEYS))})")
    if "format" in data and data["format"] != FORMAT:
        raise _SnapshotError(f"format is {data['format']!r}, not {FORMAT!r}")
    if "version" not in data:
        raise _SnapshotError(
            f"no version: a snapshot says which format version it is in (this package reads {VERSION})"
        )
    version = data["version"]
    if version != VERSION or isinstance(version, bool):
        raise _SnapshotError(f"version {version!r} is not supported (this package reads snapshot version {VERSION})")
    taken = _time(data["takenAt"], "takenAt") if data.get("takenAt") is not None else None
    counter = data.get("idCounter", 0)
    if not isinstance(counter, int) or isinstance(counter, bool) or counter < 0:
        raise _SnapshotError(f"idCounter is a whole number, 0 or more, not {counter!r}")
    config = _config(data.get("settings"), emulator.config)
    operations = data.get("operations")
    if not isinstance(operations, list):
        raise _SnapshotError(f"operations is a list of operations, not {_kind(operations)}")
    now = emulator.clock.now()
    shift = now - taken if taken is not None else 0.0
    records: list[OperationRecord] = []
    unplanned: list[tuple[int, OperationRecord]] = []
    seen: set[str] = set()
    for index, item in enumerate(operations):
        record, generate = _record(
            item,
            f"operations[{index}]",
            emulator=emulator,
            config=config,
            descriptions=descriptions,
            shift=shift,
            now=now,
        )
        if record.id in seen:
            raise _SnapshotError(f"operations[{index}].id: {record.id!r} is the id of an earlier operation too")
        seen.add(record.id)
        records.append(record)
        if generate:
            unplanned.append((index, record))
    with emulator.operations.lock:
        previous = emulator.config
        emulator.config = config
        try:
            try:
                emulator.configure()  # the retention and the result generator follow the restored settings
            except ValueError as e:
                raise _SnapshotError(f"settings: {e}") from None
            for index, record in unplanned:
                record.results = _generated(emulator, record, f"operations[{index}]")
        except _SnapshotError:
            emulator.config = previous
            emulator.configure()
            raise
        emulator.operations.clear()
        for record in records:
            emulator.operations.add(record)
        # New ids continue after the snapshot's, so they never repeat a restored one.
        emulator.operations.counter = max(emulator.operations.counter, counter)
    return records


def _config(settings: Any, current: EmulatorConfig) -> EmulatorConfig:
    from yc_contracts.emulator.config import EmulatorConfig

    if settings is None:
        return current
    if not isinstance(settings, Mapping):
        raise _SnapshotError(f"settings is an object of emulator settings, not {_kind(settings)}")
    left_out = sorted(LEFT_OUT.intersection(k.replace("-", "_") for k in settings))
    if left_out:
        what = "the fixtures folder is" if left_out[0] == "fixtures" else "credentials are"
        raise _SnapshotError(f"settings.{left_out[0]}: {what} never part of a snapshot; set it in the config")
    try:
        return EmulatorConfig.from_mapping(settings, current)
    except (ValueError, TypeError) as e:
        raise _SnapshotError(f"settings: {e}") from None


def _record(
    item: Any,
    at: str,
    *,
    emulator: Emulator,
    config: EmulatorConfig,
    descriptions: Mapping[str, str],
    shift: float,
    now: float,
) -> tuple[OperationRecord, bool]:
    """The record of one snapshot operation, and whether its results are still to be generated."""
    if not isinstance(item, Mapping):
        raise _SnapshotError(f"{at}: an operation is an object, not {_kind(item)}")
    unknown = sorted(set(item) - set(_OPERATION_KEYS))
    if unknown:
        raise _SnapshotError(f"{at}: unknown field {unknown[0]!r} (an operation has: {', '.join(_OPERATION_KEYS)})")
    for required in ("id", "method"):
        if required not in item:
            raise _SnapshotError(f"{at}: no {required!r}")
    operation_id = item["id"]
    if not isinstance(operation_id, str) or not _ID.fullmatch(operation_id):
        raise _SnapshotError(f"{at}.id: {operation_id!r} is not an operation id (1-128 letters, digits, '.', '_', '-')")
    method = item["method"]
    if method not in STARTERS:
        raise _SnapshotError(f"{at}.method: {method!r} starts no operation (one of: {', '.join(STARTERS)})")

    def text(key: str, default: str) -> str:
        value = item.get(key, default)
        if not isinstance(value, str):
            raise _SnapshotError(f"{at}.{key}: a string, not {_kind(value)}")
        return value

    def flag(key: str) -> bool:
        value = item.get(key, False)
        if not isinstance(value, bool):
            raise _SnapshotError(f"{at}.{key}: true or false, not {_kind(value)}")
        return value

    def moment(key: str, default: float | None) -> float | None:
        value = item.get(key)
        return default if value is None else _time(value, f"{at}.{key}") + shift

    try:
        progression = Progression.parse(item["progression"]) if "progression" in item else None
    except ValueError as e:
        raise _SnapshotError(f"{at}.progression: {e}") from None
    polls = item.get("polls", 0)
    if not isinstance(polls, int) or isinstance(polls, bool) or polls < 0:
        raise _SnapshotError(f"{at}.polls: a whole number, 0 or more, not {polls!r}")
    request = item.get("request", {})
    if not isinstance(request, dict):
        raise _SnapshotError(f"{at}.request: the request as REST JSON (an object), not {_kind(request)}")
    done = flag("done")
    deleted = flag("resultsDeleted")
    error = _status(item.get("error"), f"{at}.error", emulator)
    planned = _status(item.get("plannedError"), f"{at}.plannedError", emulator)
    created = moment("createdAt", now)
    assert created is not None
    modified = moment("modifiedAt", created)
    assert modified is not None
    expires = moment("expiresAt", modified + config.retention if done else None)
    if not done and error is not None:
        raise _SnapshotError(f"{at}.error: only a done operation has an error (set done, or use plannedError)")
    if not done and item.get("expiresAt") is not None:
        raise _SnapshotError(f"{at}.expiresAt: only a done operation expires")
    record = OperationRecord(
        id=operation_id,
        method=method,
        description=text("description", descriptions.get(method, "")),
        created_at=created,
        created_by=text("createdBy", config.created_by),
        modified_at=modified,
        progression=progression if progression is not None else config.progression_for(method),
        request=copy.deepcopy(request),
        folder_id=text("folderId", ""),
        polls=polls,
        done=done,
        error=error,
        planned_error=planned,
        results_deleted=deleted,
        expires_at=expires,
    )
    if "results" in item and item["results"] is not None:
        record.results = _results(item["results"], f"{at}.results", method, emulator)
        return record, False
    return record, not deleted


def _results(value: Any, at: str, method: str, emulator: Emulator) -> list[message.Message]:
    if not isinstance(value, list):
        raise _SnapshotError(f"{at}: a list of {RESULT_TYPES[method]} messages as REST JSON, not {_kind(value)}")
    if method == STT_V2 and len(value) > 1:
        raise _SnapshotError(f"{at}: STT v2 produces one {RESULT_TYPES[method]}, not {len(value)}")
    registry = emulator.registry
    cls = registry.message_class(RESULT_TYPES[method])
    results: list[message.Message] = []
    for index, document in enumerate(value):
        if not isinstance(document, dict):
            raise _SnapshotError(
                f"{at}[{index}]: a {RESULT_TYPES[method]} as REST JSON (an object), not {_kind(document)}"
            )
        try:
            results.append(json_format.ParseDict(document, cls(), descriptor_pool=registry.descriptor_pool))
        except json_format.ParseError as e:
            raise _SnapshotError(f"{at}[{index}]: not a {RESULT_TYPES[method]}: {e}") from None
    return results


def _generated(emulator: Emulator, record: OperationRecord, at: str) -> list[message.Message]:
    try:
        return emulator.produce(record.method, record.request)
    except Exception as e:  # a request the generator cannot read (a channel count that is no number, say)
        raise _SnapshotError(f"{at}: no results, and none can be generated for its request: {e}") from None


def _status(value: Any, at: str, emulator: Emulator) -> dict[str, Any] | None:
    """A ``google.rpc.Status`` JSON with a numeric, non-zero code (a code name is turned into its number)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _SnapshotError(f'{at}: a google.rpc.Status object ({{"code": 13, "message": "…"}}), not {_kind(value)}')
    unknown = sorted(set(value) - {"code", "message", "details"})
    if unknown:
        raise _SnapshotError(f"{at}: unknown field {unknown[0]!r} (a Status has code, message, details)")
    code = value.get("code")
    if isinstance(code, str) and code.upper() in CODE_NAMES:
        code = CODE_NAMES[code.upper()]
    if not isinstance(code, int) or isinstance(code, bool) or code not in CODE_NAMES.values() or code == 0:
        raise _SnapshotError(
            f"{at}.code: {value.get('code')!r} is not a gRPC error code (1-16, or a name: NOT_FOUND, …)"
        )
    text = value.get("message", "")
    if not isinstance(text, str):
        raise _SnapshotError(f"{at}.message: a string, not {_kind(text)}")
    details = value.get("details", [])
    if not isinstance(details, list):
        raise _SnapshotError(f"{at}.details: a list, not {_kind(details)}")
    status = {"code": code, "message": text, "details": copy.deepcopy(details)}
    try:
        status_message(status, emulator.registry)
    except ValueError as e:
        raise _SnapshotError(f"{at}: {e}") from None
    return status


def _time(value: Any, at: str) -> float:
    """Unix seconds from a number or RFC 3339 text (``2026-01-01T00:00:00Z``)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return moment.timestamp()
    raise _SnapshotError(f"{at}: {value!r} is not a time (Unix seconds, or RFC 3339 with a zone: 2026-01-01T00:00:00Z)")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return kinds.get(type(value), f"a {type(value).__name__}")
