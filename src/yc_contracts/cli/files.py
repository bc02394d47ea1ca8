"""Payload files checked against the contract, each finding placed at ``line:column`` of the file's text.

A file is one JSON payload (``.json``), one payload per YAML document (``.yaml``/``.yml``), or one per non-blank
line (``.ndjson``/``.jsonl``). Reading is strict in the validators' way (UTF-8, no duplicate keys, no ``NaN``
literals), and a file that cannot be read as a payload is a finding too, with its position, so a run over many
files reports every problem and goes on.

:func:`check_file` is a plain function of a picklable :class:`FileJob`, so a process pool can run it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from yc_contracts.cli.locations import JsonLocations, Locations, Position
from yc_contracts.cli.reading import DEFAULT_MAX_INPUT_BYTES, InputError, read_file

if TYPE_CHECKING:
    from yc_contracts.contract.registry import Registry
    from yc_contracts.validation.violations import Violation

Syntax = Literal["json", "yaml", "ndjson"]
Severity = Literal["error", "warning"]
Kind = Literal["violation", "syntax", "input"]

SUFFIXES: Final[dict[str, Syntax]] = {
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
}
"""The file name endings read as payloads, and how."""

# Findings about the input rather than the contract; docs/cli.md lists them.
INPUT_RULES: Final = {
    "input.unreadable": "The file cannot be read (missing, a folder, no permission, a symbolic link loop).",
    "input.not_a_file": "The file is a FIFO, a socket or a device: only regular files (and - for standard input) "
    "are read.",
    "input.too_large": "The file is larger than the maximum input size (--max-input-size, 32 MiB by default).",
    "input.no_type": "No message type is known for the file: pass --type or --route, or map it in pyproject.toml.",
    "input.unknown_type": "The type the file is mapped to is not part of the contract.",
    "input.config": "The [tool.yc-contracts] table of pyproject.toml is malformed.",
    "input.empty": "The file holds no payload.",
    "input.not_a_payload_file": "The file name does not end in .json, .yaml, .yml, .ndjson or .jsonl.",
    "input.needs_pyyaml": "Reading YAML needs PyYAML: install yc-contracts[cli].",
    "yaml.invalid": "The file is not YAML (the message gives the problem and where).",
    "yaml.alias_expansion": "The YAML aliases expand to a payload far larger than the file (an alias bomb).",
    "stream.error": "A streamed response line that carries an error (a google.rpc.Status) instead of a result.",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing to report, placed in the file: a violation, a syntax error, or a problem with the input."""

    rule: str
    message: str
    line: int
    """1-based; 0 when there is no text to point into (binary input, say): the pointer says where."""
    column: int
    pointer: str | None = None
    """The JSON Pointer into the payload (``None`` for problems with the file itself)."""
    severity: Severity = "error"
    kind: Kind = "violation"


@dataclass(frozen=True)
class PayloadResult:
    """What checking one payload (or failing to read a file) found."""

    file: str
    """The file as named on the command line (``-`` for standard input)."""
    line: int
    """The line the payload starts on (1 for a whole-file payload)."""
    ordinal: int | None
    """The payload's position in a file of several (1-based); ``None`` when the file is one payload."""
    type: str | None
    findings: tuple[Finding, ...] = ()

    @property
    def name(self) -> str:
        """``file`` for a whole-file payload, ``file:line`` for one of several."""
        return self.file if self.ordinal is None else f"{self.file}:{self.line}"

    @property
    def unreadable(self) -> bool:
        """Whether the payload could not be checked at all (a syntax or input problem)."""
        return any(f.kind != "violation" for f in self.findings)

    def failed(self, warnings_as_errors: bool = False) -> bool:
        """Whether anything found counts as an error."""
        return any(f.severity == "error" or warnings_as_errors for f in self.findings)


@dataclass(frozen=True)
class FileJob:
    """One file to check: where to read it (or its bytes, for standard input), how, and against what."""

    display: str
    path: str | None
    syntax: Syntax
    target: str | None
    """The schema key (message full name or ``<method>.Operation``), resolved already."""
    data: bytes | None = None
    problem: Finding | None = None
    """Set when the file cannot be checked before it is read (no type for it, say): reported as is."""
    max_bytes: int = DEFAULT_MAX_INPUT_BYTES
    """The largest file that is read; a larger one is an ``input.too_large`` finding."""


def syntax_for(path: str | Path) -> Syntax | None:
    """How a file is read, from its name (``None`` for a name that is no payload file)."""
    return SUFFIXES.get(Path(path).suffix.lower())


# ------------------------------------------------------------------------------------------- checking


def check_file(job: FileJob, *, registry: Registry | None = None) -> list[PayloadResult]:
    """Read one file and check each payload in it against ``registry`` (the contract's by default); never raises
    for a bad file.

    Memory: the file's text, and one payload at a time with what it takes to locate its findings; the bytes
    read are dropped once decoded (those of standard input stay with the job).
    """
    if job.problem is not None:
        return [PayloadResult(job.display, 1, None, job.target, (job.problem,))]
    data = job.data
    if data is None:
        assert job.path is not None
        try:
            data = read_file(job.path, job.max_bytes)
        except InputError as e:
            return [_input_problem(job, e.rule, f"cannot read the file: {e.message}")]
    text, problem = decode(data)
    del data
    if problem is not None:
        return [PayloadResult(job.display, 1, None, job.target, (problem,))]
    assert text is not None
    checked: list[tuple[int, list[Finding]]] = []
    for loaded in _read(job.syntax, text):
        checked.append((loaded.line, loaded.problems or _check(job, loaded, registry)))
    if not checked:
        return [_input_problem(job, "input.empty", "the file holds no payload")]
    several = len(checked) > 1 or job.syntax == "ndjson"
    return [
        PayloadResult(job.display, line, ordinal if several else None, job.target, tuple(findings))
        for ordinal, (line, findings) in enumerate(checked, 1)
    ]


def _input_problem(job: FileJob, rule: str, message: str) -> PayloadResult:
    return PayloadResult(job.display, 1, None, job.target, (Finding(rule, message, 1, 1, kind="input"),))


def _check(job: FileJob, loaded: LoadedPayload, registry: Registry | None = None) -> list[Finding]:
    from yc_contracts.validation.validator import compiled_for

    assert job.target is not None
    value = loaded.value
    compiled = compiled_for(job.target, registry=registry)
    if isinstance(value, dict) and len(value) == 1 and streamed(job.target, registry):
        # A server stream's line as grpc-gateway and the REST API send it: {"result": …} or {"error": …}.
        if "result" in value:
            return located(loaded, compiled.violations(value["result"]), prefix="/result")
        if "error" in value:
            from yc_contracts.validation.violations import Violation

            status = value["error"]
            error = Violation("", "stream.error", _stream_error(status), "warning")
            # google.rpc.Status is the same message in every registry: the contract's checks it.
            return located(loaded, [error, *compiled_for("google.rpc.Status").violations(status)], prefix="/error")
    return located(loaded, compiled.violations(value))


def streamed(target: str, registry: Registry | None = None) -> bool:
    """Whether ``target`` is what a server-streaming method of ``registry`` (the contract's by default) sends: its
    lines may be ``{"result": …}``."""
    if registry is None:
        return _streamed_by_contract(target)
    outputs = registry.derived("cli.streamed", lambda: frozenset(_streamed_outputs(registry)))
    return target in outputs


@functools.cache
def _streamed_by_contract(target: str) -> bool:
    from yc_contracts.contract.registry import default_registry

    return target in _streamed_outputs(default_registry())


def _streamed_outputs(registry: Registry) -> set[str]:
    return {m.output_type for m in registry.methods() if m.server_streaming}


def _stream_error(status: Any) -> str:
    from yc_contracts.contract.errors import shown

    code = status.get("code") if isinstance(status, dict) else None
    message = status.get("message") if isinstance(status, dict) else None
    said = [f"code {code}"] if isinstance(code, int) and not isinstance(code, bool) else []
    said += [shown(message)] if isinstance(message, str) and message else []
    detail = f" ({': '.join(said)})" if said else ""
    return f"the stream ends with an error{detail} instead of a result (from_stream raises StreamError here)"


def located(loaded: LoadedPayload, violations: Sequence[Violation], *, prefix: str = "") -> list[Finding]:
    """Violations of a payload as findings at their place in its text, in the order of the text.

    A violation is placed where its value starts; one about a field name (unknown, or given twice), at the key.
    ``prefix`` is the pointer of the checked value inside the payload (``/result`` for an unwrapped stream line).
    """
    if not violations:
        return []
    locate = loaded.locations([prefix + v.path for v in violations])
    findings = []
    for v in violations:
        pointer = prefix + v.path
        at_key = v.rule in ("json.unknown_field", "json.duplicate_field")
        where = locate.key(pointer) if at_key else locate.value(pointer)
        findings.append(Finding(v.rule, v.message, where.line, where.column, pointer, v.severity))
    return sorted(findings, key=lambda f: (f.line, f.column, f.rule))


# -------------------------------------------------------------------------------------------- reading


def _no_locations(pointers: Sequence[str]) -> Locations:
    return JsonLocations("", pointers=pointers)


@dataclass
class LoadedPayload:
    """One payload: its value and first line, how to find positions in it, or why it could not be read.

    ``locations`` is given the pointers that will be asked about, so that it records only those.
    """

    line: int
    value: Any = None
    locations: Callable[[Sequence[str]], Locations] = field(default=_no_locations)
    problems: list[Finding] = field(default_factory=list)


def decode(data: bytes) -> tuple[str | None, Finding | None]:
    """UTF-8 text without its byte order mark, or where the bytes stop being UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line_start = data.rfind(b"\n", 0, e.start) + 1
        line = data.count(b"\n", 0, e.start) + 1
        column = len(data[line_start : e.start].decode("utf-8", "replace")) + 1
        message = f"the file is not UTF-8: byte 0x{data[e.start]:02x} cannot start or continue a character"
        return None, Finding("json.invalid_utf8", message, line, column, kind="syntax")
    return (text[1:] if text.startswith("\ufeff") else text), None


_BLANK: Final = re.compile(r"[ \t\n\r]*")


def _read(syntax: Syntax, text: str) -> Iterator[LoadedPayload]:
    """The payloads of a file's text, one at a time (an empty or blank file has none, whatever its syntax)."""
    if _BLANK.fullmatch(text):
        return
    if syntax == "json":
        yield load_json(text, 1)
    elif syntax == "ndjson":
        # Lines end at "\n" only (str.splitlines would also split at U+2028, which JSON strings may hold), and
        # are cut out one at a time: the file's text is not copied whole.
        start, number, end = 0, 1, len(text)
        while start < end:
            stop = text.find("\n", start)
            stop = end if stop < 0 else stop
            if not _BLANK.fullmatch(text, start, stop):
                yield load_json(text[start:stop].removesuffix("\r"), number)
            start, number = stop + 1, number + 1
    else:
        yield from _load_yaml(text)


class _DuplicateKeyError(Exception):
    pass


class _NotJsonLiteralError(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _DuplicateKeyError
    return out


def _not_json(name: str) -> Any:
    raise _NotJsonLiteralError(name)


def load_json(text: str, first_line: int = 1) -> LoadedPayload:
    """One JSON payload read strictly (no duplicate keys, no ``NaN`` literals); problems come with positions."""

    def locations(pointers: Sequence[str]) -> JsonLocations:
        return JsonLocations(text, first_line=first_line, pointers=pointers)

    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_not_json)
    except json.JSONDecodeError as e:
        message = f"the payload is not JSON: {e.msg}"
        return LoadedPayload(
            first_line,
            problems=[Finding("json.invalid", message, first_line + e.lineno - 1, e.colno, kind="syntax")],
        )
    except (_DuplicateKeyError, _NotJsonLiteralError):
        scan = JsonLocations(text, first_line=first_line, pointers=(), find_problems=True)
        problem = scan.problems[0] if scan.problems else None
        where = problem.position if problem else Position(first_line, 1)
        if problem is not None and problem.kind == "nan":
            rule = "json.nan"
            message = f'the literal {problem.detail} is not JSON; write "NaN", "Infinity" or "-Infinity" as strings'
        else:
            rule = "json.duplicate_key"
            key = problem.detail if problem else "?"
            message = f"the object has the key {key!r} twice; JSON objects must not repeat keys"
        pointer = problem.pointer if problem else ""
        return LoadedPayload(
            first_line, problems=[Finding(rule, message, where.line, where.column, pointer, kind="syntax")]
        )
    except RecursionError:
        message = "the payload nests too deeply to read"
        return LoadedPayload(first_line, problems=[Finding("json.too_deep", message, first_line, 1, kind="syntax")])
    except ValueError:
        # Python refuses to turn more than sys.get_int_max_str_digits() (4,300) digits into an int.
        return LoadedPayload(first_line, problems=[_long_number(text, first_line)])
    return LoadedPayload(first_line, value, locations)


_DIGITS: Final = re.compile(r"[0-9]+")


def _long_number(text: str, first_line: int) -> Finding:
    """The finding for an integer with more digits than Python reads, placed at the first such run of digits
    (rule and sentence as ``check`` has them: ``json.number_too_long``)."""
    import sys

    limit = sys.get_int_max_str_digits()
    # One pass over the runs of digits (a pattern like [0-9]{4301,} would retry at every digit: quadratic).
    run = next((m for m in _DIGITS.finditer(text) if limit and m.end() - m.start() > limit), None)
    offset = run.start() if run is not None else 0
    digits = f"{run.end() - run.start():,} digits" if run is not None else f"more than {limit:,} digits"
    line_start = text.rfind("\n", 0, offset) + 1
    line = first_line + text.count("\n", 0, offset)
    message = f"found an integer of {digits}; at most {limit:,} digits are read"
    return Finding("json.number_too_long", message, line, offset - line_start + 1, kind="syntax")


# ----------------------------------------------------------------------------------------------- YAML


def _load_yaml(text: str) -> Iterator[LoadedPayload]:
    """Each YAML document as a payload (see :mod:`yc_contracts.cli.yaml_documents` for what is refused, and why)."""
    from yc_contracts.cli.yaml_documents import Problem, read

    try:
        for item in read(text):
            if isinstance(item, Problem):
                kind: Kind = "syntax"
                finding = Finding(item.rule, item.message, item.line, item.column, item.pointer, kind=kind)
                yield LoadedPayload(item.line, problems=[finding])
            else:
                yield LoadedPayload(item.line, item.value, item.locations)
    except ImportError:
        message = "reading YAML needs PyYAML: pip install 'yc-contracts[cli]'"
        yield LoadedPayload(1, problems=[Finding("input.needs_pyyaml", message, 1, 1, kind="input")])
