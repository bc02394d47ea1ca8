"""Where a recognition's results come from: a scripted fixture when one matches the request, else the seeded
generator (:mod:`yc_contracts.emulator.results`).

Scripted results live in a folder (the ``fixtures`` setting) with a manifest, ``fixtures.toml``::

    # Entries are tried in order; the first that matches wins. No match: generated results.
    [[result]]
    uri = "https://storage.yandexcloud.net/calls/2024-06-01.wav"   # exact audio uri (STT v3 uri, STT v2 audio.uri)
    file = "call.ndjson"

    [[result]]
    glob = "https://storage.yandexcloud.net/calls/*.ogg"            # fnmatch pattern over the uri (case-sensitive)
    method = "RecognizeFile"
    file = "any-call.ndjson"

    [[result]]
    sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"  # of the decoded content
    method = "TextRecognitionAsyncService.Recognize"
    file = "invoice.json"

    [[result]]                                                      # no condition: a default for the method
    method = "LongRunningRecognize"
    file = "v2-default.json"

An entry holds ``file`` and any of ``sha256`` (hex SHA-256 of the request's decoded file: ``content``, STT v2
``audio.content``), ``uri``, ``glob`` and ``method``; every condition it gives must hold. ``method`` is a short
name (``RecognizeFile``, ``LongRunningRecognize``, ``Recognize`` — both OCR methods), ``Service.Method`` or a full
name; without it the entry serves every method whose result type its file is (an ``{"chunks": …}`` file serves
STT v2, a ``final``/``finalRefinement`` stream STT v3).

``file`` (relative to the folder) is REST JSON of the method's result type:

- ``.json``: one message, or a JSON array of messages; STT v2's ``LongRunningRecognitionResponse`` may also be
  given as the whole ``Operation`` that ``GET /operations/{id}`` returns (its ``response`` is used);
- ``.ndjson`` / ``.jsonl``: one message per line, also as grpc-gateway's ``{"result": …}`` envelope — what
  ``GET /stt/v3/getRecognition`` and ``GET /ocr/v1/getRecognition`` return, saved as is.

STT v3 and OCR results are the messages ``GetRecognition`` streams (the synchronous OCR ``Recognize`` streams
them too); STT v2's is exactly one message. Scripted results are served as written: ``result_size`` and the
request's shape do not change them.

Every file is read and checked against the contract (:func:`yc_contracts.check`) when the emulator starts: a
missing or unreadable file, a JSON error or a violation raises ``ValueError`` naming the file, the line (or the
item) and the violation, so ``Emulator(fixtures=...)`` fails at once instead of at the call that would use it.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from google.protobuf import message

from yc_contracts.emulator.results import (
    OCR_ASYNC,
    OCR_SYNC,
    RESULT_TYPES,
    STT_V2,
    RecognitionRequest,
    ResultGenerator,
    build_message,
    read_request,
)

MANIFEST: Final = "fixtures.toml"
"""The manifest's name inside a fixtures folder."""

_KEYS: Final = frozenset({"file", "sha256", "uri", "glob", "method"})
_SHA256: Final = re.compile(r"[0-9a-fA-F]{64}")
_SUFFIXES: Final = {".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson"}
_SHOWN: Final = 3
"""Violations listed in one error message."""


def _method_names() -> dict[str, frozenset[str]]:
    """Every accepted spelling of a method name, with the full names it stands for."""
    names: dict[str, set[str]] = {}
    for full in RESULT_TYPES:
        service_method = ".".join(full.rsplit(".", 2)[-2:])
        for key in (full, service_method, full.rsplit(".", 1)[-1]):
            names.setdefault(key, set()).add(full)
    return {key: frozenset(value) for key, value in names.items()}


_METHODS: Final = _method_names()


@dataclass(frozen=True)
class Fixture:
    """One entry of the manifest, its file read and checked."""

    number: int
    """Its position in the manifest, from 1."""
    file: Path
    methods: frozenset[str]
    """The full names of the methods it serves."""
    results: Mapping[str, tuple[message.Message, ...]] = field(repr=False)
    """The file's messages by result type (one type, unless the file is valid as several)."""
    sha256: str | None = None
    uri: str | None = None
    glob: str | None = None

    def messages(self, method: str) -> list[message.Message]:
        """The results it gives ``method`` (a full name it serves): a new list of shared messages."""
        return list(self.results[RESULT_TYPES[method]])

    def matches(self, request: RecognitionRequest) -> bool:
        """Whether every condition of the entry holds for ``request``."""
        if request.method not in self.methods:
            return False
        if self.uri is not None or self.glob is not None:
            uri = request.uri
            if uri is None or (self.uri is not None and uri != self.uri):
                return False
            if self.glob is not None and not fnmatch.fnmatchcase(uri, self.glob):
                return False
        return self.sha256 is None or request.content_sha256 == self.sha256

    def describe(self) -> dict[str, Any]:
        """The entry as JSON values: what it matches, its file, and how many messages it gives."""
        match = {
            key: value for key, value in (("sha256", self.sha256), ("uri", self.uri), ("glob", self.glob)) if value
        }
        return {
            "number": self.number,
            "file": str(self.file),
            "methods": sorted(self.methods),
            "match": match,
            "messages": max(len(messages) for messages in self.results.values()),
        }


class ResultSource:
    """Results for requests: the first fixture of ``folder`` that matches, else generated.

    Raises:
        ValueError: the folder, its manifest or a fixture file is missing, unreadable or invalid (the message
            names the file, the line or item, and the violation).
    """

    def __init__(self, generator: ResultGenerator, folder: Path | str | None = None) -> None:
        self.generator = generator
        self.folder = Path(folder) if folder is not None else None
        self.fixtures: tuple[Fixture, ...] = load_fixtures(self.folder, generator) if self.folder is not None else ()

    def __repr__(self) -> str:
        return f"<ResultSource {len(self.fixtures)} fixtures from {self.folder}, else {self.generator!r}>"

    def results(self, method: str, request: Mapping[str, Any]) -> list[message.Message]:
        """The results of ``method`` (a full name) for ``request`` (REST JSON, either spelling)."""
        read = read_request(method, request)
        found = self._match(read)
        if found is not None:
            return found.messages(method)
        return self.generator.generate(read)

    def match(self, method: str, request: Mapping[str, Any]) -> Fixture | None:
        """The fixture that serves ``request``, or ``None`` when its results are generated."""
        return self._match(read_request(method, request))

    def _match(self, request: RecognitionRequest) -> Fixture | None:
        return next((fixture for fixture in self.fixtures if fixture.matches(request)), None)

    def describe(self) -> list[dict[str, Any]]:
        """What was loaded, one entry per fixture in manifest order (see :meth:`Fixture.describe`)."""
        return [fixture.describe() for fixture in self.fixtures]


# ------------------------------------------------------------------------------------------------- loading


def load_fixtures(folder: Path, generator: ResultGenerator) -> tuple[Fixture, ...]:
    """Every entry of ``folder``'s manifest, its file read and checked.

    Raises:
        ValueError: see :class:`ResultSource`.
    """
    manifest = folder / MANIFEST
    if not folder.is_dir():
        raise ValueError(f"fixtures: {folder} is not a folder")
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"{manifest}: no such file; a fixtures folder holds a {MANIFEST} manifest") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ValueError(f"{manifest}: {e}") from None
    unknown = sorted(set(data) - {"result"})
    if unknown:
        raise ValueError(f"{manifest}: unknown key {unknown[0]!r}; the manifest holds [[result]] entries only")
    entries = data.get("result", [])
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise ValueError(f"{manifest}: 'result' is an array of tables ([[result]] entries)")
    cache: dict[tuple[Path, frozenset[str], bool], _Read] = {}
    return tuple(_fixture(manifest, number, entry, generator, cache) for number, entry in enumerate(entries, start=1))


_Read = tuple[dict[str, tuple[message.Message, ...]], frozenset[str]]


def _fixture(
    manifest: Path,
    number: int,
    entry: Mapping[str, Any],
    generator: ResultGenerator,
    cache: dict[tuple[Path, frozenset[str], bool], _Read],
) -> Fixture:
    where = f"{manifest}: result {number}"
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown key {unknown[0]!r} (an entry has {', '.join(sorted(_KEYS))})")
    for key in sorted(_KEYS & set(entry)):
        if not isinstance(entry[key], str) or not entry[key]:
            raise ValueError(f"{where}: {key} is a non-empty string")
    if "file" not in entry:
        raise ValueError(f"{where}: no 'file'")
    sha256 = entry.get("sha256")
    if sha256 is not None and not _SHA256.fullmatch(sha256):
        raise ValueError(f"{where}: sha256 is 64 hexadecimal digits, not {sha256!r}")
    method = entry.get("method")
    wanted: frozenset[str] = frozenset(RESULT_TYPES)
    if method is not None:
        if method not in _METHODS:
            known = ", ".join(sorted(key for key in _METHODS if key.count(".") <= 1))
            raise ValueError(f"{where}: method {method!r} produces no results (known: {known}, or a full name)")
        wanted = _METHODS[method]
    if "uri" in entry or "glob" in entry:
        wanted -= {OCR_ASYNC, OCR_SYNC}  # an OCR request has no uri
        if not wanted:
            raise ValueError(f"{where}: an OCR request has no uri, so uri and glob never match one")
    path = manifest.parent / entry["file"]
    read_as = (path.resolve(), wanted, method is not None)
    if read_as not in cache:
        cache[read_as] = _read(path, wanted, generator, explicit=method is not None)
    results, methods = cache[read_as]
    return Fixture(
        number=number,
        file=path,
        methods=methods,
        results=results,
        sha256=sha256.lower() if sha256 is not None else None,
        uri=entry.get("uri"),
        glob=entry.get("glob"),
    )


def _read(path: Path, wanted: frozenset[str], generator: ResultGenerator, *, explicit: bool) -> _Read:
    """The messages of a fixture file by result type, and the methods (of ``wanted``) it serves.

    With ``explicit`` (the entry names its method) the file must be of that method's result type, and the error
    says why it is not; otherwise it serves every wanted method whose type it is, and when there is none the
    error gives the violations of the closest type.
    """
    kind = _SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ValueError(f"{path}: a fixture file is .json, .ndjson or .jsonl")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"{path}: {e}") from None
    items = _items(path, text, kind)
    problems = {name: _violations(items, name) for name in sorted({RESULT_TYPES[m] for m in wanted})}
    v2 = RESULT_TYPES[STT_V2]
    if v2 in problems and not problems[v2] and len(items) != 1:
        problems[v2] = [f"an STT v2 result is one LongRunningRecognitionResponse; the file holds {len(items)}"]
    accepted = {name for name, found in problems.items() if not found}
    if not accepted:
        name, found = min(problems.items(), key=lambda pair: len(pair[1]))
        listed = "; ".join(found[:_SHOWN]) + (f"; and {len(found) - _SHOWN} more" if len(found) > _SHOWN else "")
        raise ValueError(f"{path}: not a valid {name}: {listed}")
    results = {
        name: tuple(build_message(generator.registry, name, value) for _, value in items) for name in sorted(accepted)
    }
    return results, frozenset(m for m in wanted if RESULT_TYPES[m] in accepted)


@dataclass(frozen=True)
class _Item:
    where: str
    """``line N: `` in an NDJSON file, ``item N: `` in a JSON array, else empty — for error messages."""
    prefix: str
    """The JSON Pointer of the message inside what was written (``/result`` in an envelope)."""


def _items(path: Path, text: str, kind: str) -> list[tuple[_Item, Any]]:
    """The messages of a file's text, unwrapped, with where each is."""
    from yc_contracts.validation.payload import load_text

    items: list[tuple[_Item, Any]] = []
    if kind == "json":
        loaded = load_text(text)
        if loaded.value is None:
            raise ValueError(f"{path}: {loaded.violations[0].message}")
        if isinstance(loaded.value, list):
            items = [_unwrap(path, f"item {n}: ", value) for n, value in enumerate(loaded.value, start=1)]
        else:
            items = [_unwrap(path, "", loaded.value)]
        return items
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.removesuffix("\r")
        if not line.strip():
            continue
        loaded = load_text(line)
        if loaded.value is None:
            raise ValueError(f"{path}: line {number}: {loaded.violations[0].message}")
        items.append(_unwrap(path, f"line {number}: ", loaded.value))
    return items


def _unwrap(path: Path, where: str, value: Any) -> tuple[_Item, Any]:
    """A message out of grpc-gateway's ``{"result": …}`` envelope or a whole STT v2 Operation."""
    if isinstance(value, dict) and set(value) == {"error"}:
        raise ValueError(
            f"{path}: {where}an error item is not a result; to fail a stream, inject a fault with cut_after instead"
        )
    if isinstance(value, dict) and set(value) == {"result"}:
        return _Item(where, "/result"), value["result"]
    if isinstance(value, dict) and isinstance(value.get("response"), dict) and "@type" in value["response"]:
        response = dict(value["response"])
        type_url = str(response.pop("@type"))
        expected = RESULT_TYPES[STT_V2]
        if type_url.rpartition("/")[2] != expected:
            raise ValueError(f"{path}: {where}the Operation's response is a {type_url}, not a {expected}")
        return _Item(where, "/response"), response
    return _Item(where, ""), value


def _violations(items: Sequence[tuple[_Item, Any]], type_name: str) -> list[str]:
    """The error-severity violations of every item against ``type_name``: ``line N: /pointer: sentence [rule]``."""
    from yc_contracts.validation.validator import check

    problems = []
    for item, value in items:
        for violation in check(type_name, value):
            if violation.severity == "error":
                pointer = item.prefix + violation.path
                problems.append(f"{item.where}{pointer or '/'}: {violation.message} [{violation.rule}]")
    return problems
