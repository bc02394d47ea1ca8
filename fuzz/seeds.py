"""The seed corpus of every fuzz target, built from the payloads the project already has.

Sources: the golden corpus (``tests/golden``, each payload with the type its ``.expected.json`` names), the seed
documents' examples (``tests/data/seed_examples``, typed by ``index.json``), the bundled example payloads
(``examples/payloads``, typed by ``examples/pyproject.toml``), and the saved regression inputs
(``tests/data/fuzz-regressions``). Each payload becomes an input in the target's format (:mod:`targets`).
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import tomllib
from collections.abc import Iterator, Set
from pathlib import Path

import targets

import yc_contracts

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
SEED_EXAMPLES = ROOT / "tests" / "data" / "seed_examples"
EXAMPLES = ROOT / "examples"
REGRESSIONS = ROOT / "tests" / "data" / "fuzz-regressions"


def typed_payloads() -> Iterator[tuple[str, bytes]]:
    """``(key, payload bytes)`` of every payload in the repository whose type is known."""
    for expected in sorted(GOLDEN.glob("*/*/*.expected.json")):
        key = json.loads(expected.read_text(encoding="utf-8"))["message"]
        stem = expected.name.removesuffix(".expected.json")
        for suffix in (".json", ".txt", ".bin"):
            payload = expected.with_name(stem + suffix)
            if payload.exists():
                yield key, payload.read_bytes()
    for entry in json.loads((SEED_EXAMPLES / "index.json").read_text(encoding="utf-8")):
        yield entry["type"], (SEED_EXAMPLES / entry["file"]).read_bytes()
    mapping = tomllib.loads((EXAMPLES / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["yc-contracts"]
    for path in sorted((EXAMPLES / "payloads").rglob("*.*")):
        relative = path.relative_to(EXAMPLES).as_posix()
        key = next((k for glob, k in mapping["payloads"].items() if fnmatch.fnmatch(relative, glob)), None)
        if key is not None:
            yield key, path.read_bytes()


def _resolve(key: str) -> tuple[str, str | None]:
    """A key as the surfaces take it: ``(message full name, route or None)``; Operation keys stay as they are."""
    if key in targets.route_keys():
        return yc_contracts.registry.route(key).method.input_type, key
    return key, None


def _lines(payload: bytes) -> bytes:
    """A JSON payload as one NDJSON line (the file reader's and the stream reader's form)."""
    try:
        return json.dumps(json.loads(payload), ensure_ascii=False).encode()
    except ValueError:
        return payload.replace(b"\n", b" ")


def _yaml(payload: bytes) -> bytes:
    """JSON is YAML; a YAML document marker in front makes the reader take the YAML path on purpose."""
    return b"---\n" + payload


def seeds(surface: str) -> Iterator[bytes]:
    """The seed inputs of one surface."""
    for key, payload in typed_payloads():
        name, route = _resolve(key)
        if surface == "check":
            for flags in (0, 2):
                yield targets.join(targets.check_keys(), key, flags, payload)
        elif surface in ("to_proto", "round_trip"):
            proto_key = route or name
            if proto_key in targets.proto_keys():
                yield targets.join(targets.proto_keys(), proto_key, 0, payload)
        elif surface == "from_stream":
            if name in targets.stream_keys():
                line = _lines(payload)
                yield targets.join(targets.stream_keys(), name, 0, line + b"\n" + line)
                yield targets.join(targets.stream_keys(), name, 0, b'{"result":' + line + b"}\n")
                yield targets.join(targets.stream_keys(), name, 0, b"[" + line + b"]")
        elif surface in ("file_reader", "cli"):
            file_key = name if name in targets.file_keys() else None
            if file_key is not None:
                yield targets.join(targets.file_keys(), file_key, 0, payload)
                yield targets.join(targets.file_keys(), file_key, 1, _yaml(payload))
                yield targets.join(targets.file_keys(), file_key, 2, _lines(payload) + b"\n")
        elif surface == "transcode" and route is not None:
            verb, path = route.split(" ", 1)
            head = f"{verb} {path}\nAuthorization: Bearer t0ken\nx-folder-id: b1g\n".encode()
            if verb == "POST":
                yield b"\x00\x00" + head + b"\n" + payload
            else:
                yield b"\x00\x04" + f"{verb} {path}?operationId=e03sup6d5h\nAuthorization: Api-Key k\n".encode()
    if surface == "transcode":
        yield from _transcode_extras()
    if surface in ("file_reader", "cli"):
        yield from _yaml_extras()
    yield from regression_inputs(surface)


def _transcode_extras() -> Iterator[bytes]:
    for line in (
        "GET /operations/e03sup6d5h",
        "GET /operations/e03sup6d5h:cancel",
        "GET /operations/a%2Fb",
        "DELETE /stt/v3/deleteRecognition?operation_id=x&operationId=y",
        "GET /ocr/v1/getRecognition?operationId=1&operationId=2",
        "POST /operations/x:cancel",
        "GET /stt/v3/getRecognition?operationId=%ZZ",
    ):
        yield b"\x00\x04" + line.encode() + b"\nGrpc-Metadata-x-request-id: 1\n"
    yield (
        b"\x00\x00POST /stt/v3/recognizeFileAsync\ncontent-type: application/json\n\n"
        + json.dumps({"content": base64.b64encode(b"RIFF\x24\x00\x00\x00WAVEfmt ").decode()}).encode()
    )


def _yaml_extras() -> Iterator[bytes]:
    """YAML that JSON cannot spell: anchors and aliases, several documents, tags, merge keys."""
    key = "speechkit.stt.v3.RecognizeFileRequest"
    for text in (
        "uri: &u https://storage.yandexcloud.net/b/a.wav\nrecognitionModel: &m {model: general}\n---\nuri: *u\n",
        "a: &a [1, 2, 3]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n",
        "base: &base {model: general}\nrecognitionModel: {<<: *base, audioFormat: {}}\n",
        "uri: !!binary aGVsbG8=\nspeechAnalysis: {descriptiveStatisticsQuantiles: [.5, 0x10, 1_000, .inf]}\n",
    ):
        yield targets.join(targets.file_keys(), key, 1, text.encode())


def regression_inputs(surface: str) -> Iterator[bytes]:
    folder = REGRESSIONS / surface
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.is_file():
                yield path.read_bytes()


def write_corpus(surface: str, folder: Path, skip: Set[str] = frozenset()) -> int:
    """Write the seeds of ``surface`` into ``folder``, named by SHA-1 as libFuzzer names its finds (not ``skip``)."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for data in seeds(surface):
        digest = hashlib.sha1(data).hexdigest()
        if digest not in skip:
            (folder / ("seed-" + digest)).write_bytes(data)
            count += 1
    return count
