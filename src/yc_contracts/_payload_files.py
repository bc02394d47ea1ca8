"""Payload files checked against the contract, each finding placed at ``line:column`` of the file's text.

A file is one JSON payload (``.json``), one payload per YAML document (``.yaml``/``.yml``), or one per non-blank
line (``.ndjson``/``.jsonl``). Reading is strict in the validators' way (UTF-8, no duplicate keys, no ``NaN``
literals), and a file that cannot be read as a payload is a finding too, with its position, so a run over many
files reports every problem and goes on.

:func:`check_file` is a plain function of a picklable :class:`FileJob`, so a process pool can run it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from yc_contracts._locations import JsonLocations, Locations, Position, escape, yaml_locations

if TYPE_CHECKING:
    from yc_contracts._violations import Violation

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
    "input.unreadable": "The file cannot be read (missing, a folder, no permission).",
    "input.no_type": "No message type is known for the file: pass --type or --route, or map it in pyproject.toml.",
    "input.unknown_type": "The type the file is mapped to is not part of the contract.",
    "input.config": "The [tool.yc-contracts] table of pyproject.toml is malformed.",
    "input.empty": "The file holds no payload.",
    "input.not_a_payload_file": "The file name does not end in .json, .yaml, .yml, .ndjson or .jsonl.",
    "input.needs_pyyaml": "Reading YAML needs PyYAML: install yc-contracts[cli].",
    "yaml.invalid": "The file is not YAML (the message gives the problem and where).",
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


def syntax_for(path: str | Path) -> Syntax | None:
    """How a file is read, from its name (``None`` for a name that is no payload file)."""
    return SUFFIXES.get(Path(path).suffix.lower())


# ------------------------------------------------------------------------------------------- checking


def check_file(job: FileJob) -> list[PayloadResult]:
    """Read one file and check each payload in it; never raises for a bad file."""
    if job.problem is not None:
        return [PayloadResult(job.display, 1, None, job.target, (job.problem,))]
    data = job.data
    if data is None:
        assert job.path is not None
        try:
            data = Path(job.path).read_bytes()
        except OSError as e:
            reason = e.strerror or str(e)
            return [_input_problem(job, "input.unreadable", f"cannot read the file: {reason}")]
    text, problem = decode(data)
    if problem is not None:
        return [PayloadResult(job.display, 1, None, job.target, (problem,))]
    assert text is not None
    payloads = list(_read(job.syntax, text))
    if not payloads:
        return [_input_problem(job, "input.empty", "the file holds no payload")]
    several = len(payloads) > 1 or job.syntax == "ndjson"
    results = []
    for ordinal, loaded in enumerate(payloads, 1):
        findings = loaded.problems or _check(job, loaded)
        results.append(
            PayloadResult(job.display, loaded.line, ordinal if several else None, job.target, tuple(findings))
        )
    return results


def _input_problem(job: FileJob, rule: str, message: str) -> PayloadResult:
    return PayloadResult(job.display, 1, None, job.target, (Finding(rule, message, 1, 1, kind="input"),))


def _check(job: FileJob, loaded: LoadedPayload) -> list[Finding]:
    from yc_contracts._validator import compiled_for

    assert job.target is not None
    return located(loaded, compiled_for(job.target).violations(loaded.value))


def located(loaded: LoadedPayload, violations: Sequence[Violation]) -> list[Finding]:
    """Violations of a payload as findings at their place in its text, in the order of the text.

    A violation is placed where its value starts; one about a field name (unknown, or given twice), at the key.
    """
    if not violations:
        return []
    locate = loaded.locations()
    findings = []
    for v in violations:
        at_key = v.rule in ("json.unknown_field", "json.duplicate_field")
        where = locate.key(v.path) if at_key else locate.value(v.path)
        findings.append(Finding(v.rule, v.message, where.line, where.column, v.path, v.severity))
    return sorted(findings, key=lambda f: (f.line, f.column, f.rule))


# -------------------------------------------------------------------------------------------- reading


@dataclass
class LoadedPayload:
    """One payload: its value and first line, how to find positions in it, or why it could not be read."""

    line: int
    value: Any = None
    locations: Callable[[], Locations] = field(default=lambda: JsonLocations(""))
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


def _read(syntax: Syntax, text: str) -> Iterator[LoadedPayload]:
    if syntax == "json":
        yield load_json(text, 1)
    elif syntax == "ndjson":
        for number, line in enumerate(text.split("\n"), 1):
            if line.strip():
                yield load_json(line.rstrip("\r"), number)
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

    def locations() -> JsonLocations:
        return JsonLocations(text, first_line=first_line)

    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_not_json)
    except json.JSONDecodeError as e:
        message = f"the payload is not JSON: {e.msg}"
        return LoadedPayload(
            first_line,
            problems=[Finding("json.invalid", message, first_line + e.lineno - 1, e.colno, kind="syntax")],
        )
    except (_DuplicateKeyError, _NotJsonLiteralError):
        scan = locations()
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
    return LoadedPayload(first_line, value, locations)


# ----------------------------------------------------------------------------------------------- YAML

_yaml_loader: tuple[Any, Any] | None = None


def _yaml() -> tuple[Any, Any]:
    """A safe YAML loader that reads scalars as JSON would (the YAML 1.2 core schema).

    PyYAML's default, YAML 1.1, turns ``yes``/``on`` into booleans, ``012`` into octal and unquoted dates into
    ``datetime`` objects; a payload file means JSON values, so only null, booleans, integers and floats are
    recognized, and every other plain scalar stays a string.

    The result is the ``yaml`` module and the loader class.
    """
    global _yaml_loader  # noqa: PLW0603 - built once, on first use
    if _yaml_loader is not None:
        return _yaml_loader
    import importlib
    import re

    yaml: Any = importlib.import_module("yaml")  # PyYAML has no type information of its own
    base = yaml.CSafeLoader if getattr(yaml, "__with_libyaml__", False) else yaml.SafeLoader

    class Loader(base):  # type: ignore[misc, valid-type]
        yaml_implicit_resolvers: dict[str, list[tuple[str, Any]]] = {}  # noqa: RUF012 - PyYAML's class-level table

    resolvers = [
        ("tag:yaml.org,2002:null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
        ("tag:yaml.org,2002:bool", r"true|True|TRUE|false|False|FALSE", list("tTfF")),
        ("tag:yaml.org,2002:int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", list("-+0123456789")),
        (
            "tag:yaml.org,2002:float",
            r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
            list("-+.0123456789"),
        ),
    ]
    for tag, pattern, first in resolvers:
        Loader.add_implicit_resolver(tag, re.compile(rf"^(?:{pattern})$"), first)

    def construct_int(loader: Any, node: Any) -> int:
        text = loader.construct_scalar(node)
        if text.startswith("0o"):
            return int(text[2:], 8)
        return int(text, 16) if text.startswith("0x") else int(text)

    def construct_float(loader: Any, node: Any) -> float:
        text = loader.construct_scalar(node).lower()
        if text.endswith(".inf"):
            return float("-inf") if text.startswith("-") else float("inf")
        return float("nan") if text == ".nan" else float(text)

    Loader.add_constructor("tag:yaml.org,2002:int", construct_int)
    Loader.add_constructor("tag:yaml.org,2002:float", construct_float)
    _yaml_loader = (yaml, Loader)
    return _yaml_loader


def _load_yaml(text: str) -> Iterator[LoadedPayload]:
    try:
        yaml, loader_class = _yaml()
    except ImportError:
        message = "reading YAML needs PyYAML: pip install 'yc-contracts[cli]'"
        yield LoadedPayload(1, problems=[Finding("input.needs_pyyaml", message, 1, 1, kind="input")])
        return
    loader = loader_class(text)
    try:
        while True:
            try:
                if not loader.check_node():
                    break
                node = loader.get_node()
                duplicate = _duplicate_key(node)
                if duplicate is not None:
                    yield duplicate
                    continue
                value = loader.construct_document(node)
            except yaml.MarkedYAMLError as e:
                mark = e.problem_mark or e.context_mark
                line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
                what = ", ".join(p for p in (e.context, e.problem) if p) or "unreadable"
                yield LoadedPayload(
                    line,
                    problems=[Finding("yaml.invalid", f"the file is not YAML: {what}", line, column, kind="syntax")],
                )
                return
            except yaml.YAMLError as e:
                yield LoadedPayload(
                    1, problems=[Finding("yaml.invalid", f"the file is not YAML: {e}", 1, 1, kind="syntax")]
                )
                return
            except RecursionError:
                yield LoadedPayload(
                    1,
                    problems=[Finding("json.too_deep", "the payload nests too deeply to read", 1, 1, kind="syntax")],
                )
                return
            yield LoadedPayload(node.start_mark.line + 1, value, _node_locations(node))
    finally:
        loader.dispose()


def _node_locations(node: Any) -> Callable[[], Locations]:
    return lambda: yaml_locations(node)


def _duplicate_key(root: Any) -> LoadedPayload | None:
    """A mapping of the document that repeats a key (PyYAML would silently keep the last one)."""
    stack = [("", root)]
    seen_nodes: set[int] = set()
    while stack:
        pointer, node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if node.id == "mapping":
            keys: set[str] = set()
            for key, value in node.value:
                name = str(key.value)
                if key.id == "scalar" and name in keys and name != "<<":
                    where = key.start_mark
                    message = f"the mapping has the key {name!r} twice; JSON objects must not repeat keys"
                    finding = Finding(
                        "json.duplicate_key", message, where.line + 1, where.column + 1, pointer, kind="syntax"
                    )
                    return LoadedPayload(root.start_mark.line + 1, problems=[finding])
                keys.add(name)
                stack.append((f"{pointer}/{escape(name)}", value))
        elif node.id == "sequence":
            stack.extend((f"{pointer}/{i}", item) for i, item in enumerate(node.value))
    return None
