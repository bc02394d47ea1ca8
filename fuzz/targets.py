"""The fuzz targets: one function per public surface, each a plain function of the fuzzer's raw bytes.

The fuzzer (``fuzz/run.py``, atheris) and the regression tests (``tests/unit/test_fuzz_regressions.py``) call the
same functions, so a saved crashing input replays exactly. Nothing here needs atheris.

An input is a header of two bytes and a body::

    byte 0   which message type, route or ``<method>.Operation`` (an index into the surface's ``keys``, modulo)
    byte 1   flags: how the body is passed (bytes, text, Python objects), file syntax, ``validate``, report format
    rest     the payload (for ``transcode``: an HTTP request, see :func:`parse_request`)

A target returns normally when the surface behaved as documented: it returned, or raised one of the exceptions its
``Raises:`` section names for such input. Anything else propagates: an undocumented exception, or
:class:`VerdictError` when two surfaces disagree about one payload (``check`` has no error ⇔ ``to_proto`` builds
it ⇔ ``to_json`` prints it ⇔ the printed form is read back equal; ``transcode`` accepts ⇒ the request prints).
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import yc_contracts
from yc_contracts import (
    BadRequestError,
    ConversionError,
    MethodNotAllowedError,
    RouteNotFoundError,
    StreamError,
    ValidationError,
)
from yc_contracts.cli.files import FileJob, Syntax, check_file

HEADER: Final = 2
SYNTAXES: Final[tuple[Syntax, ...]] = ("json", "yaml", "ndjson")
SUFFIX: Final[dict[Syntax, str]] = {"json": ".json", "yaml": ".yaml", "ndjson": ".ndjson"}
CLI_FORMATS: Final = ("text", "json", "junit", "sarif", "github")
CLI_STATUSES: Final = frozenset({0, 1, 2})
"""``validate``'s documented exit statuses for user input: valid, violations, unreadable input."""


class VerdictError(AssertionError):
    """Two surfaces disagree about one payload, or a surface broke its own contract (exit status, output)."""


# ------------------------------------------------------------------------------------------------ the keys


@cache
def message_keys() -> tuple[str, ...]:
    """Every message type by full name (sorted: an input's byte 0 must mean the same type from run to run)."""
    return tuple(sorted(yc_contracts.registry.messages()))


@cache
def route_keys() -> tuple[str, ...]:
    return tuple(sorted(f"{r.verb} {r.path}" for r in yc_contracts.registry.routes()))


@cache
def operation_keys() -> tuple[str, ...]:
    reg = yc_contracts.registry
    return tuple(sorted(f"{m.full_name}.Operation" for m in reg.methods() if reg.operation_types(m) is not None))


@cache
def check_keys() -> tuple[str, ...]:
    """What ``check`` takes: message types, routes (their request bodies) and ``<method>.Operation`` keys."""
    return (*message_keys(), *route_keys(), *operation_keys())


@cache
def proto_keys() -> tuple[str, ...]:
    """What ``to_proto`` takes: message types and routes."""
    return (*message_keys(), *route_keys())


@cache
def file_keys() -> tuple[str, ...]:
    """What a payload file is checked against once resolved: message types and ``<method>.Operation`` keys."""
    return (*message_keys(), *operation_keys())


@cache
def stream_keys() -> tuple[str, ...]:
    """Message types, the server-streamed ones first (so small selector bytes reach them)."""
    streamed = sorted({m.output_type for m in yc_contracts.registry.methods() if m.server_streaming})
    return (*streamed, *(k for k in message_keys() if k not in streamed))


# ---------------------------------------------------------------------------------------- reading an input


@dataclass(frozen=True)
class Input:
    """One fuzz input taken apart."""

    key: str
    flags: int
    body: bytes


def split(data: bytes, keys: Sequence[str]) -> Input:
    """The header and body of a fuzz input (a short input means key 0, flags 0)."""
    selector = data[0] if data else 0
    flags = data[1] if len(data) > 1 else 0
    return Input(keys[selector % len(keys)], flags, data[HEADER:])


def join(keys: Sequence[str], key: str, flags: int, body: bytes) -> bytes:
    """The fuzz input that :func:`split` reads back as ``key``, ``flags`` and ``body`` (for seeds)."""
    return bytes([keys.index(key), flags & 0xFF]) + body


def payload_form(body: bytes, flags: int) -> Any:
    """The body as ``check`` may be given it: bytes, text, or the Python objects it parses to (flags & 3)."""
    form = flags & 3
    if form == 1:
        return body.decode("utf-8", "surrogateescape")
    if form == 2:
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            # Not JSON (or deeper or longer than the stdlib reads): the library gets the bytes instead.
            return body
    return body


# ------------------------------------------------------------------------------------------------ surfaces


def target_check(data: bytes) -> None:
    """``check`` never raises for bad data (a known key and a JSON-ish payload raise nothing documented)."""
    item = split(data, check_keys())
    yc_contracts.check(item.key, payload_form(item.body, item.flags), inspect_content=not item.flags & 4)


def _errors(key: str, payload: Any) -> list[yc_contracts.Violation]:
    return [v for v in yc_contracts.check(key, payload) if v.severity == "error"]


def target_to_proto(data: bytes) -> None:
    """``to_proto`` agrees with ``check``; ``validate=False`` raises only ``ConversionError``/``ValidationError``."""
    item = split(data, proto_keys())
    payload = payload_form(item.body, item.flags)
    if item.flags & 4:
        with contextlib.suppress(ConversionError, ValidationError):
            yc_contracts.to_proto(item.key, payload, validate=False)
        return
    errors = _errors(item.key, payload)
    try:
        yc_contracts.to_proto(item.key, payload)
    except ValidationError as e:
        if not errors:
            raise VerdictError(f"check() finds no error, to_proto() raises ValidationError: {e}") from e
        return
    if errors:
        raise VerdictError(f"check() finds {len(errors)} errors ({errors[0].rule}), to_proto() builds the message")
    _transcoded_alike(item.key, payload, errors)


def _transcoded_alike(key: str, payload: Any, errors: list[yc_contracts.Violation]) -> None:
    """For a route with a whole-message body: ``transcode`` accepts the payload as that body ⇔ ``check`` does."""
    blank = payload == {} or (isinstance(payload, (bytes, str)) and not payload.strip())
    if key not in route_keys() or blank:
        return  # an absent body is no body, which transcode takes for an empty message: nothing to compare
    route = yc_contracts.registry.route(key)
    if route.body != "*":
        return
    try:
        yc_contracts.transcode(route.verb, route.path, body=payload)
    except BadRequestError as e:
        if not errors:
            raise VerdictError(f"check() finds no error, transcode() refuses the body: {e}") from e
        return
    if errors:
        raise VerdictError(f"check() finds {len(errors)} errors ({errors[0].rule}), transcode() accepts the body")


def target_round_trip(data: bytes) -> None:
    """What ``to_proto`` builds, ``to_json`` prints, and the printed text is read back to an equal message."""
    item = split(data, proto_keys())
    payload = payload_form(item.body, item.flags)
    try:
        msg = yc_contracts.to_proto(item.key, payload, inspect_content=not item.flags & 4)
    except ValidationError:
        return
    text = yc_contracts.to_json(msg, names="proto" if item.flags & 8 else "json")
    again = yc_contracts.to_proto(item.key, text, inspect_content=False)
    if again != msg:
        raise VerdictError(f"to_proto(to_json(m)) != m: {text[:300]}")
    yc_contracts.to_rest(msg, defaults=bool(item.flags & 16))


def target_from_stream(data: bytes) -> None:
    """``from_stream`` raises only ``ValidationError`` (bad item, not JSON), ``StreamError`` (an error item) and,
    with ``validate=False``, ``ConversionError``; what it returns prints as NDJSON."""
    item = split(data, stream_keys())
    body: str | bytes = item.body.decode("utf-8", "surrogateescape") if item.flags & 1 else item.body
    validate = not item.flags & 4
    documented = (ValidationError, StreamError) if validate else (ValidationError, StreamError, ConversionError)
    with contextlib.suppress(*documented):
        messages = yc_contracts.from_stream(item.key, body, validate=validate)
        yc_contracts.to_ndjson(messages, envelope=bool(item.flags & 8))


HTTP_METHODS: Final = ("GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS", "CANCEL")


@dataclass(frozen=True)
class Request:
    """An HTTP request as :func:`yc_contracts.transcode` takes it."""

    method: str
    path: str
    query: str | dict[str, list[str]] | None
    headers: dict[str, str]
    body: bytes | str | Any | None


def parse_request(data: bytes) -> Request:
    """An HTTP/1-like request: ``METHOD SP PATH`` line, ``Name: value`` header lines, a blank line, the body.

    Byte 0 picks the method when the first line has none; byte 1 (flags) says how the query travels (in the path,
    as the raw ``query`` string, or parsed to a mapping) and how the body is passed (bytes, text, objects).
    Text is decoded as UTF-8 with lone surrogates for undecodable bytes: any ``str`` is a legal argument.
    """
    selector = data[0] if data else 0
    flags = data[1] if len(data) > 1 else 0
    head, _, raw_body = data[HEADER:].partition(b"\n\n")
    lines = head.decode("utf-8", "surrogateescape").split("\n")
    method, _, path = lines[0].partition(" ")
    if not path:
        method, path = HTTP_METHODS[selector % len(HTTP_METHODS)], lines[0]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name] = value.strip(" ")
    query: str | dict[str, list[str]] | None = None
    how = (flags >> 2) & 3
    if how and "?" in path:
        path, _, raw = path.partition("?")
        query = urllib.parse.parse_qs(raw, keep_blank_values=True) if how == 2 else raw
    body: Any = raw_body if raw_body else None
    form = flags & 3
    if body is not None and form == 1:
        body = raw_body.decode("utf-8", "surrogateescape")
    elif body is not None and form == 2:
        with contextlib.suppress(ValueError, RecursionError):
            parsed = json.loads(raw_body)
            # transcode takes a mapping as parsed JSON (anything else is a TypeError, as its signature says)
            body = parsed if isinstance(parsed, dict) else raw_body
    return Request(method, path, query, headers, body)


def target_transcode(data: bytes) -> None:
    """``transcode`` raises only the documented 404/405/400 errors; a request it binds prints as REST JSON."""
    request = parse_request(data)
    try:
        call = yc_contracts.transcode(
            request.method, request.path, query=request.query, headers=request.headers, body=request.body
        )
    except (RouteNotFoundError, MethodNotAllowedError, BadRequestError):
        return
    yc_contracts.to_json(call.request)


def target_file_reader(data: bytes) -> None:
    """The CLI's file reader (``check_file``) never raises for a bad file: every problem is a finding."""
    item = split(data, file_keys())
    syntax = SYNTAXES[item.flags % len(SYNTAXES)]
    results = check_file(FileJob("fuzz" + SUFFIX[syntax], None, syntax, item.key, data=item.body))
    for result in results:
        for finding in result.findings:
            if finding.line < 0 or finding.column < 0 or not finding.message:
                raise VerdictError(f"a finding without a place or message: {finding}")


def target_cli(data: bytes) -> None:
    """``yc-contracts validate --type KEY FILE``: exit 0, 1 or 2, never a traceback, whatever the file holds."""
    from yc_contracts.cli.main import run  # the CLI imports its commands lazily too

    item = split(data, file_keys())
    syntax = SYNTAXES[item.flags % len(SYNTAXES)]
    fmt = CLI_FORMATS[(item.flags >> 2) % len(CLI_FORMATS)]
    out, err = io.StringIO(), io.StringIO()
    with tempfile.TemporaryDirectory(prefix="yc-fuzz-") as folder:
        path = Path(folder) / ("payload" + SUFFIX[syntax])
        path.write_bytes(item.body)
        status = run(["validate", "--type", item.key, "--format", fmt, "--jobs", "1", str(path)], out, err)
    if status not in CLI_STATUSES or "Traceback" in err.getvalue():
        raise VerdictError(f"validate exited {status}: {err.getvalue()[-500:]}")


SURFACES: Final[dict[str, Callable[[bytes], None]]] = {
    "check": target_check,
    "to_proto": target_to_proto,
    "round_trip": target_round_trip,
    "from_stream": target_from_stream,
    "transcode": target_transcode,
    "file_reader": target_file_reader,
    "cli": target_cli,
}
"""Every fuzz target by surface name: ``fuzz/run.py`` runs them, the regression tests replay saved inputs."""
