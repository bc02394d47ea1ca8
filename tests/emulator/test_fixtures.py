"""Scripted results: a folder with a ``fixtures.toml`` manifest whose entries match requests by ``uri``, ``glob``,
content ``sha256`` and ``method``, each pointing at a REST JSON or NDJSON file of the method's result type.

What a user depends on: a request that matches an entry gets exactly that file's messages — over gRPC (the
official SDK's stubs where installed, generic calls everywhere) and over the REST face — the first matching entry
wins, anything else gets generated results; and a broken fixture stops ``Emulator(fixtures=...)`` at once with an
error that names the file, the line and the violation, never a surprise at call time.

Every emulator here is real (loopback, ephemeral ports) and stopped when its test ends; every call has a timeout.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from emulator.clients import (
    AUTH_HEADERS,
    CALL_TIMEOUT,
    DEFAULT_KIND,
    OCR_GET,
    OCR_RECOGNIZE,
    OCR_SYNC,
    STT_V2_RECOGNIZE,
    STT_V3_GET,
    STT_V3_RECOGNIZE,
    Connector,
    EmulatorFactory,
    unpack,
)
from google.protobuf import json_format

from yc_contracts import registry, to_rest
from yc_contracts.emulator import Emulator, EmulatorConfig
from yc_contracts.emulator.fixtures import ResultSource
from yc_contracts.emulator.results import ResultGenerator

DATA = Path(__file__).parent / "data"
FIXTURES = DATA / "fixtures"
PASSPORT_PNG = FIXTURES / "passport.png"

SUPPORT_CALL = "https://storage.yandexcloud.net/calls/support-42.wav"
OTHER_CALL = "https://storage.yandexcloud.net/calls/other.wav"
V2_CALL = "https://storage.yandexcloud.net/calls/v2.ogg"
UNSCRIPTED = "https://storage.yandexcloud.net/elsewhere/x.wav"


def v3_request(uri: str) -> dict[str, Any]:
    return {"uri": uri, "recognitionModel": {"audioFormat": {"containerAudio": {"containerAudioType": "WAV"}}}}


def v2_request(uri: str) -> dict[str, Any]:
    return {"config": {"specification": {"languageCode": "ru-RU"}}, "audio": {"uri": uri}}


def ocr_request(data: bytes) -> dict[str, Any]:
    return {"content": base64.b64encode(data).decode(), "mimeType": "PNG", "languageCodes": ["ru"]}


def ndjson_messages(path: Path) -> list[dict[str, Any]]:
    """The messages of an NDJSON fixture file, out of their envelopes."""
    values = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [value.get("result", value) for value in values]


def canonical(values: list[dict[str, Any]], type_name: str) -> list[dict[str, Any]]:
    """REST JSON as the contract prints it (so a file's own spelling compares with a message)."""
    cls = registry.message_class(type_name)
    return [to_rest(json_format.ParseDict(value, cls())) for value in values]


def rest_of(messages: list[Any]) -> list[dict[str, Any]]:
    return [json_format.MessageToDict(m) for m in messages]


# ------------------------------------------------------------------------------------------------- matching


def test_describe_lists_every_entry_in_manifest_order() -> None:
    """``ResultSource.describe()`` says what was loaded (what docs and the admin API can show): the file, the methods
    it serves, its conditions and how many messages it gives, in manifest order."""
    source = ResultSource(ResultGenerator(registry), FIXTURES)
    described = source.describe()
    assert [(Path(d["file"]).name, d["match"], d["messages"]) for d in described] == [
        ("support-call.ndjson", {"uri": SUPPORT_CALL}, 3),
        ("any-call.ndjson", {"glob": "https://storage.yandexcloud.net/calls/*.wav"}, 2),
        ("v2-operation.json", {"glob": "https://storage.yandexcloud.net/calls/*.ogg"}, 1),
        ("passport-pages.json", {"sha256": described[3]["match"]["sha256"]}, 2),
        ("v2-silence.json", {}, 1),
    ]
    assert described[1]["methods"] == [STT_V3_RECOGNIZE]
    assert described[3]["methods"] == [OCR_RECOGNIZE, OCR_SYNC]  # "Recognize": both OCR methods
    assert described[4]["methods"] == [STT_V2_RECOGNIZE]  # no method given: the one type the file is
    json.dumps(described)  # JSON values only


def test_uri_and_glob_fixtures_over_grpc(start_emulator: EmulatorFactory, connect: Connector, client_kind: str) -> None:
    """An exact ``uri`` entry gives its file's messages to GetRecognition, even though a later ``glob`` entry also
    matches (the first match wins); another uri under the glob gets the glob's file; a uri no entry matches gets
    generated results."""
    emu = start_emulator(fixtures=FIXTURES)
    client = connect(emu, client_kind)

    exact = client.start(STT_V3_RECOGNIZE, v3_request(SUPPORT_CALL))
    assert client.poll(exact.id).done
    got = rest_of(client.collect(STT_V3_GET, {"operationId": exact.id}))
    assert got == canonical(ndjson_messages(FIXTURES / "support-call.ndjson"), "speechkit.stt.v3.StreamingResponse")
    assert got[0]["final"]["alternatives"][0]["text"] == "здравствуйте оператор"
    assert "eouUpdate" in got[2]

    globbed = client.start(STT_V3_RECOGNIZE, v3_request(OTHER_CALL))
    got = rest_of(client.collect(STT_V3_GET, {"operationId": client.poll(globbed.id).id}))
    assert got == canonical(ndjson_messages(FIXTURES / "any-call.ndjson"), "speechkit.stt.v3.StreamingResponse")

    generated = client.start(STT_V3_RECOGNIZE, v3_request(UNSCRIPTED))
    got = rest_of(client.collect(STT_V3_GET, {"operationId": client.poll(generated.id).id}))
    expected = ResultGenerator(registry, emu.config.seed).results(STT_V3_RECOGNIZE, v3_request(UNSCRIPTED))
    assert got == rest_of(expected)
    assert got[0]["final"]["alternatives"][0]["text"] not in {"алло", "здравствуйте оператор"}


def test_v2_fixture_from_a_whole_operation(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """An STT v2 fixture may be the Operation JSON ``GET /operations/{id}`` returned: the done operation's ``response``
    is its LongRunningRecognitionResponse. An entry without conditions serves every other v2 request."""
    emu = start_emulator(fixtures=FIXTURES)
    client = connect(emu)
    operation = client.poll(client.start(STT_V2_RECOGNIZE, v2_request(V2_CALL)).id)
    response: Any = unpack(operation.response, "yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse")
    assert response.chunks[0].alternatives[0].text == "when writing"
    assert [w.word for w in response.chunks[0].alternatives[0].words] == ["when", "writing"]
    assert response.chunks[0].channel_tag == 1

    default = client.poll(client.start(STT_V2_RECOGNIZE, v2_request(UNSCRIPTED)).id)
    silent: Any = unpack(default.response, "yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse")
    assert list(silent.chunks) == []


def test_sha256_fixture_serves_both_ocr_methods(
    start_emulator: EmulatorFactory, connect: Connector, client_kind: str
) -> None:
    """An entry matched by the SHA-256 of the decoded ``content`` with ``method = "Recognize"`` answers the async
    OCR (GetRecognition streams its pages) and the synchronous one alike; other content is generated."""
    emu = start_emulator(fixtures=FIXTURES)
    client = connect(emu, client_kind)
    expected = canonical(
        json.loads((FIXTURES / "passport-pages.json").read_text(encoding="utf-8")),
        "yandex.cloud.ai.ocr.v1.RecognizeTextResponse",
    )
    request = ocr_request(PASSPORT_PNG.read_bytes())
    started = client.start(OCR_RECOGNIZE, request)
    pages = rest_of(client.collect(OCR_GET, {"operationId": client.poll(started.id).id}))
    assert pages == expected
    assert pages[0]["textAnnotation"]["entities"] == [{"name": "surname", "text": "иванов"}]
    assert rest_of(client.collect(OCR_SYNC, request)) == expected

    other = PASSPORT_PNG.read_bytes() + b"\x00"  # one byte more: another SHA-256
    generated = rest_of(client.collect(OCR_SYNC, ocr_request(other)))
    assert generated != expected
    assert "entities" not in generated[0]["textAnnotation"]


def test_fixture_over_the_rest_face(start_emulator: EmulatorFactory) -> None:
    """The REST face serves scripted results as NDJSON, line for line the file saved from the real REST API."""
    emu = start_emulator(fixtures=FIXTURES)
    with httpx.Client(base_url=emu.http_url, headers=AUTH_HEADERS, timeout=CALL_TIMEOUT) as http:
        started = http.post("/stt/v3/recognizeFileAsync", json=v3_request(SUPPORT_CALL))
        assert started.status_code == 200, started.text
        operation_id = started.json()["id"]
        assert http.get(f"/operations/{operation_id}").json()["done"] is True
        answer = http.get("/stt/v3/getRecognition", params={"operationId": operation_id})
    assert answer.status_code == 200, answer.text
    lines = [json.loads(line)["result"] for line in answer.text.splitlines() if line.strip()]
    assert lines == canonical(ndjson_messages(FIXTURES / "support-call.ndjson"), "speechkit.stt.v3.StreamingResponse")


def test_method_restricts_an_entry(tmp_path: Path) -> None:
    """``method`` limits an entry to its methods: a catch-all v2 entry leaves STT v3 requests generated; short,
    ``Service.Method`` and full names all work."""
    (tmp_path / "v2.json").write_text('{"chunks": []}', encoding="utf-8")
    (tmp_path / "fixtures.toml").write_text(
        '[[result]]\nmethod = "SttService.LongRunningRecognize"\nfile = "v2.json"\n'
        f'[[result]]\nmethod = "{STT_V2_RECOGNIZE}"\nfile = "v2.json"\n',
        encoding="utf-8",
    )
    source = ResultSource(ResultGenerator(registry), tmp_path)
    assert source.match(STT_V2_RECOGNIZE, v2_request(V2_CALL)) is source.fixtures[0]
    assert source.match(STT_V3_RECOGNIZE, v3_request(V2_CALL)) is None
    assert source.results(STT_V3_RECOGNIZE, v3_request(V2_CALL))  # generated


def test_an_entry_without_method_serves_the_types_its_file_is(tmp_path: Path) -> None:
    """Without ``method`` an entry serves every method whose result type its file is valid as: an empty object is
    a valid message of every type, so it serves STT v3 and v2 (OCR requests have no uri to match)."""
    (tmp_path / "empty.json").write_text("{}", encoding="utf-8")
    (tmp_path / "fixtures.toml").write_text(f'[[result]]\nuri = "{SUPPORT_CALL}"\nfile = "empty.json"\n')
    source = ResultSource(ResultGenerator(registry), tmp_path)
    assert source.fixtures[0].methods == {STT_V3_RECOGNIZE, STT_V2_RECOGNIZE}
    v3 = source.results(STT_V3_RECOGNIZE, v3_request(SUPPORT_CALL))
    v2 = source.results(STT_V2_RECOGNIZE, v2_request(SUPPORT_CALL))
    assert [m.DESCRIPTOR.full_name for m in v3 + v2] == [
        "speechkit.stt.v3.StreamingResponse",
        "yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse",
    ]
    assert all(m.ByteSize() == 0 for m in v3 + v2)


def test_request_spelling_does_not_change_the_match() -> None:
    """Requests given through the Python API in proto field names, unpadded base64 or enums by number match the
    same entries as canonical REST JSON."""
    source = ResultSource(ResultGenerator(registry), FIXTURES)
    data = PASSPORT_PNG.read_bytes()
    unpadded = base64.urlsafe_b64encode(data).decode().rstrip("=")
    assert unpadded != base64.b64encode(data).decode()
    assert source.match(OCR_RECOGNIZE, {"content": unpadded, "mime_type": "PNG"}) is source.fixtures[3]
    proto_names = {
        "uri": OTHER_CALL,
        "recognition_model": {"audio_format": {"container_audio": {"container_audio_type": 1}}},
    }
    assert source.match(STT_V3_RECOGNIZE, proto_names) is source.fixtures[1]


def test_scripted_results_ignore_result_size(start_emulator: EmulatorFactory) -> None:
    """``result_size`` shapes generated results only: a scripted result is served as written."""
    emu = start_emulator(fixtures=FIXTURES, result_size=2 * 1024 * 1024)
    scripted = emu.produce(STT_V3_RECOGNIZE, v3_request(SUPPORT_CALL))
    generated = emu.produce(STT_V3_RECOGNIZE, v3_request(UNSCRIPTED))
    assert max(m.ByteSize() for m in scripted) < 1024
    assert max(m.ByteSize() for m in generated) >= 2 * 1024 * 1024


def test_a_config_file_finds_fixtures_relative_to_itself(tmp_path: Path, start_emulator: EmulatorFactory) -> None:
    """``fixtures = "recognition"`` in a config file means the folder next to that file, wherever pytest runs."""
    shutil.copytree(FIXTURES, tmp_path / "recognition")
    (tmp_path / "emulator.toml").write_text('seed = 3\nfixtures = "recognition"\n', encoding="utf-8")
    emu = start_emulator(EmulatorConfig.load(tmp_path / "emulator.toml"))
    assert emu.config.fixtures == tmp_path / "recognition"
    assert emu.produce(STT_V3_RECOGNIZE, v3_request(SUPPORT_CALL))[0].final.alternatives[0].text == (
        "здравствуйте оператор"
    )


# --------------------------------------------------------------------------------------- broken fixtures

V3_OK = '{"final": {"alternatives": [{"text": "ok"}]}}'
ENTRY = '[[result]]\nuri = "https://storage.yandexcloud.net/a/b.wav"\nmethod = "RecognizeFile"\nfile = "r.ndjson"\n'

BROKEN: dict[str, tuple[str, dict[str, str], list[str]]] = {
    # case: (manifest text, {file: text}, parts of the error message)
    "no manifest": ("", {}, ["fixtures.toml", "no such file"]),
    "manifest not TOML": ("[[result]\nfile = 1", {}, ["fixtures.toml", "line 1"]),
    "unknown top-level key": ('[[results]]\nfile = "r.ndjson"\n', {}, ["fixtures.toml", "'results'", "[[result]]"]),
    "unknown entry key": (
        '[[result]]\nuir = "https://x"\nfile = "r.ndjson"\n',
        {"r.ndjson": V3_OK},
        ["fixtures.toml: result 1", "'uir'"],
    ),
    "no file": ('[[result]]\nuri = "https://x"\n', {}, ["result 1", "no 'file'"]),
    "file missing": (ENTRY, {}, ["r.ndjson", "no such file"]),
    "not a string": ('[[result]]\nuri = 5\nfile = "r.ndjson"\n', {"r.ndjson": V3_OK}, ["result 1", "uri"]),
    "bad suffix": ('[[result]]\nfile = "r.txt"\n', {"r.txt": V3_OK}, ["r.txt", ".json, .ndjson or .jsonl"]),
    "bad sha256": ('[[result]]\nsha256 = "abc"\nfile = "r.ndjson"\n', {"r.ndjson": V3_OK}, ["64 hexadecimal"]),
    "unknown method": (
        '[[result]]\nmethod = "Transcribe"\nfile = "r.ndjson"\n',
        {"r.ndjson": V3_OK},
        ["'Transcribe'", "RecognizeFile", "LongRunningRecognize"],
    ),
    "uri for OCR": (
        '[[result]]\nuri = "https://x"\nmethod = "Recognize"\nfile = "r.json"\n',
        {"r.json": "{}"},
        ["result 1", "OCR", "no uri"],
    ),
    "line not JSON": (ENTRY, {"r.ndjson": V3_OK + "\n\n{final: 1}\n"}, ["r.ndjson", "line 3", "not JSON"]),
    "violation on a line": (
        ENTRY,
        {"r.ndjson": V3_OK + '\n{"final": {"alternatives": [{"confidence": "high"}]}}\n'},
        [
            "r.ndjson",
            "line 2",
            "/final/alternatives/0/confidence",
            "[type.double]",
            "speechkit.stt.v3.StreamingResponse",
        ],
    ),
    "violation inside an envelope": (
        ENTRY,
        {"r.ndjson": '{"result": {"channelTag": 7}}\n'},
        ["line 1", "/result/channelTag", "[type.string]"],
    ),
    "unknown field": (ENTRY, {"r.ndjson": '{"finl": {}}\n'}, ["line 1", "finl"]),
    "duplicate key": (ENTRY, {"r.ndjson": '{"channelTag": "0", "channelTag": "1"}\n'}, ["line 1", "channelTag"]),
    "error line": (
        ENTRY,
        {"r.ndjson": V3_OK + '\n{"error": {"code": 13, "message": "boom"}}\n'},
        ["line 2", "error", "cut_after"],
    ),
    "wrong type for the method": (
        '[[result]]\nmethod = "LongRunningRecognize"\nfile = "r.json"\n',
        {"r.json": '{"textAnnotation": {"width": "10"}, "page": "0"}'},
        ["r.json", "LongRunningRecognitionResponse", "textAnnotation"],
    ),
    "two v2 responses": (
        '[[result]]\nmethod = "LongRunningRecognize"\nfile = "r.ndjson"\n',
        {"r.ndjson": '{"chunks": []}\n{"chunks": []}\n'},
        ["r.ndjson", "one LongRunningRecognitionResponse", "holds 2"],
    ),
    "operation of another type": (
        '[[result]]\nmethod = "LongRunningRecognize"\nfile = "r.json"\n',
        {"r.json": '{"done": true, "response": {"@type": "type.googleapis.com/google.protobuf.Empty"}}'},
        ["r.json", "google.protobuf.Empty", "not a yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse"],
    ),
    "array item": (
        '[[result]]\nmethod = "Recognize"\nfile = "r.json"\n',
        {"r.json": '[{"page": "0"}, {"page": "first"}]'},
        ["r.json", "item 2", "/page"],
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_fixture_fails_when_the_emulator_is_created(tmp_path: Path, case: str) -> None:
    """``Emulator(fixtures=...)`` reads and checks every fixture before it serves anything: a broken one raises
    ``ValueError`` naming the file, the line or item, and what is wrong."""
    manifest, files, parts = BROKEN[case]
    if manifest:
        (tmp_path / "fixtures.toml").write_text(manifest, encoding="utf-8")
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(parts[0])) as error:
        Emulator(fixtures=tmp_path)
    message = str(error.value)
    for part in parts:
        assert part in message, (part, message)


def test_a_fixtures_path_that_is_not_a_folder(tmp_path: Path) -> None:
    """A fixtures setting that names no folder is refused at once too."""
    with pytest.raises(ValueError, match="is not a folder"):
        Emulator(fixtures=tmp_path / "missing")
    (tmp_path / "file.toml").write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="is not a folder"):
        Emulator(fixtures=tmp_path / "file.toml")


def test_reconfiguring_to_broken_fixtures_changes_nothing(
    tmp_path: Path, start_emulator: EmulatorFactory, connect: Connector
) -> None:
    """``emu.configure(fixtures=...)`` and ``PUT /_emulator/config`` with a broken folder are refused, and the
    emulator keeps its settings and its fixtures (it does not half-switch)."""
    (tmp_path / "fixtures.toml").write_text(ENTRY, encoding="utf-8")
    (tmp_path / "r.ndjson").write_text('{"finl": {}}\n', encoding="utf-8")
    emu = start_emulator(fixtures=FIXTURES, seed=5)
    with pytest.raises(ValueError, match="finl"):
        emu.configure(fixtures=tmp_path, seed=6)
    assert (emu.config.fixtures, emu.config.seed) == (FIXTURES, 5)
    with httpx.Client(base_url=emu.http_url + "/_emulator/", timeout=CALL_TIMEOUT) as admin:
        refused = admin.put("config", json={"fixtures": str(tmp_path), "seed": 6})
        assert refused.status_code == 400, refused.text
        assert "finl" in refused.text
        assert admin.get("config").json()["fixtures"] == str(FIXTURES)
    client = connect(emu, DEFAULT_KIND)
    operation = client.start(STT_V3_RECOGNIZE, v3_request(SUPPORT_CALL))
    assert client.collect(STT_V3_GET, {"operationId": client.poll(operation.id).id})[0].final.alternatives[0].text == (
        "здравствуйте оператор"
    )


def test_reconfiguring_to_new_fixtures_takes_effect(tmp_path: Path, start_emulator: EmulatorFactory) -> None:
    """A valid folder given to ``configure`` serves from the next request on; ``fixtures=None`` turns them off."""
    (tmp_path / "fixtures.toml").write_text(f'[[result]]\nuri = "{UNSCRIPTED}"\nfile = "r.ndjson"\n', encoding="utf-8")
    (tmp_path / "r.ndjson").write_text('{"final": {"alternatives": [{"text": "scripted later"}]}}\n', encoding="utf-8")
    emu = start_emulator()
    assert emu.produce(STT_V3_RECOGNIZE, v3_request(UNSCRIPTED))[0].final.alternatives[0].text != "scripted later"
    emu.configure(fixtures=str(tmp_path))
    assert emu.produce(STT_V3_RECOGNIZE, v3_request(UNSCRIPTED))[0].final.alternatives[0].text == "scripted later"
    emu.configure(fixtures=None)
    assert emu.produce(STT_V3_RECOGNIZE, v3_request(UNSCRIPTED))[0].final.alternatives[0].text != "scripted later"


def test_fixtures_are_read_once_at_load(tmp_path: Path) -> None:
    """The files are read and checked once, when the emulator is created: editing one afterwards does not change
    a running emulator's results, and no call ever fails because of a fixture."""
    shutil.copytree(FIXTURES, tmp_path / "f")
    with Emulator(fixtures=tmp_path / "f") as emu:
        (tmp_path / "f" / "support-call.ndjson").write_text("not json\n", encoding="utf-8")
        results = emu.produce(STT_V3_RECOGNIZE, v3_request(SUPPORT_CALL))
    assert [m.WhichOneof("Event") for m in results] == ["final", "final_refinement", "eou_update"]
