"""What ``yc-contracts validate`` prints: the findings of a run as text, JSON, JUnit XML, SARIF 2.1.0 or GitHub
workflow commands, and the summary and exit status they add up to.

Every format says the same things: each finding's file, line, column, rule id, severity and sentence, and per
payload whether it passed. The order is the order of the inputs, whatever order the work was done in.
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, TextIO
from urllib.parse import quote

from yc_contracts._version import __version__
from yc_contracts.cli.files import INPUT_RULES, Finding, PayloadResult

SARIF_SCHEMA: Final = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI: Final = "https://pypi.org/project/yc-contracts/"

EXIT_OK: Final = 0
EXIT_VIOLATIONS: Final = 1
EXIT_UNREADABLE: Final = 2


@dataclass(frozen=True)
class Summary:
    """The counts of a run, and the exit status they give."""

    files: int
    payloads: int
    valid: int
    invalid: int
    unreadable: int
    errors: int
    warnings: int

    @property
    def exit_code(self) -> int:
        """2 if anything could not be read, else 1 if a payload failed, else 0."""
        if self.unreadable:
            return EXIT_UNREADABLE
        return EXIT_VIOLATIONS if self.invalid else EXIT_OK

    def sentence(self) -> str:
        """One line: ``5 payloads in 4 files: 3 valid, 1 invalid (2 errors, 1 warning), 1 not readable``."""
        head = f"{_count(self.payloads, 'payload')} in {_count(self.files, 'file')}"
        if self.payloads and self.valid == self.payloads:
            tail = "all valid" + (f" ({_count(self.warnings, 'warning')})" if self.warnings else "")
            return f"{head}: {tail}"
        parts = [f"{self.valid} valid"]
        if self.invalid:
            found = [_count(self.errors, "error")] + ([_count(self.warnings, "warning")] if self.warnings else [])
            parts.append(f"{self.invalid} invalid ({', '.join(found)})")
        elif self.warnings:
            parts[0] += f" ({_count(self.warnings, 'warning')})"
        if self.unreadable:
            parts.append(f"{self.unreadable} not readable")
        return f"{head}: {', '.join(parts)}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def summarize(results: Sequence[PayloadResult], warnings_as_errors: bool) -> Summary:
    """The counts of a run. With ``warnings_as_errors`` a warning counts as the error every report prints it as,
    and a payload with only warnings is invalid."""
    unreadable = sum(1 for r in results if r.unreadable)
    invalid = sum(1 for r in results if not r.unreadable and r.failed(warnings_as_errors))
    levels = [_level(f, warnings_as_errors) for r in results if not r.unreadable for f in r.findings]
    return Summary(
        files=len({r.file for r in results}),
        payloads=len(results),
        valid=len(results) - unreadable - invalid,
        invalid=invalid,
        unreadable=unreadable,
        errors=levels.count("error"),
        warnings=levels.count("warning"),
    )


def _level(finding: Finding, warnings_as_errors: bool) -> str:
    return "error" if warnings_as_errors else finding.severity


def _pointer(finding: Finding) -> str:
    return "" if finding.pointer is None or finding.kind != "violation" else f"{finding.pointer or '/'}: "


def finding_line(result: PayloadResult, finding: Finding, warnings_as_errors: bool = False) -> str:
    """``file:line:column: error [rule.id] /json/pointer: the sentence`` (``file: ...`` when ``line`` is 0, for
    input with no text to point into)."""
    level = _level(finding, warnings_as_errors)
    where = f"{result.file}:{finding.line}:{finding.column}" if finding.line else result.file
    return f"{where}: {level} [{finding.rule}] {_pointer(finding)}{finding.message}"


# ------------------------------------------------------------------------------------------- writers


def write_text(
    results: Sequence[PayloadResult], out: TextIO, *, warnings_as_errors: bool = False, verbose: bool = False
) -> Summary:
    """One line per finding, ``file:line:column: severity [rule] pointer: sentence``, then the summary."""
    for result in results:
        if verbose and not result.findings:
            out.write(f"{result.name}: ok ({result.type})\n")
        for finding in result.findings:
            out.write(finding_line(result, finding, warnings_as_errors) + "\n")
    summary = summarize(results, warnings_as_errors)
    out.write(summary.sentence() + "\n")
    return summary


def write_github(results: Sequence[PayloadResult], out: TextIO, *, warnings_as_errors: bool = False) -> Summary:
    """GitHub Actions workflow commands (``::error file=…,line=…,col=…,title=<rule>::<message>``), then the summary."""
    for result in results:
        for f in result.findings:
            level = _level(f, warnings_as_errors)
            props = ",".join(
                f"{k}={escape_property(v)}"
                for k, v in (("file", result.file), ("line", str(f.line)), ("col", str(f.column)), ("title", f.rule))
            )
            out.write(f"::{level} {props}::{escape_data(_pointer(f) + f.message)}\n")
    summary = summarize(results, warnings_as_errors)
    out.write(summary.sentence() + "\n")
    return summary


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def json_report(results: Sequence[PayloadResult], *, warnings_as_errors: bool = False) -> dict[str, Any]:
    """The run as one JSON document: a summary and every payload with its findings."""
    summary = summarize(results, warnings_as_errors)
    return {
        "tool": {"name": "yc-contracts", "version": __version__},
        "summary": {
            "files": summary.files,
            "payloads": summary.payloads,
            "valid": summary.valid,
            "invalid": summary.invalid,
            "unreadable": summary.unreadable,
            "errors": summary.errors,
            "warnings": summary.warnings,
            "exit_code": summary.exit_code,
        },
        "payloads": [
            {
                "file": r.file,
                "line": r.line,
                "type": r.type,
                "status": "unreadable" if r.unreadable else ("invalid" if r.failed(warnings_as_errors) else "valid"),
                "findings": [
                    {
                        "rule": f.rule,
                        "severity": _level(f, warnings_as_errors),
                        "message": f.message,
                        "path": f.pointer,
                        "line": f.line,
                        "column": f.column,
                        "kind": f.kind,
                    }
                    for f in r.findings
                ],
            }
            for r in results
        ],
    }


def write_json(results: Sequence[PayloadResult], out: TextIO, *, warnings_as_errors: bool = False) -> Summary:
    """The run as one JSON document (see :func:`json_report`)."""
    out.write(json.dumps(json_report(results, warnings_as_errors=warnings_as_errors), indent=2) + "\n")
    return summarize(results, warnings_as_errors)


def write_junit(results: Sequence[PayloadResult], out: TextIO, *, warnings_as_errors: bool = False) -> Summary:
    """JUnit XML: one ``<testcase>`` per payload; a ``<failure>`` lists its violations, an ``<error>`` says why it
    could not be read; warnings that do not fail go to ``<system-out>``."""
    import xml.etree.ElementTree as ET

    summary = summarize(results, warnings_as_errors)
    attrs = {
        "name": "yc-contracts validate",
        "tests": str(summary.payloads),
        "failures": str(summary.invalid),
        "errors": str(summary.unreadable),
        "skipped": "0",
    }
    suites = ET.Element("testsuites", attrs)
    suite = ET.SubElement(suites, "testsuite", attrs)
    for r in results:
        case = ET.SubElement(
            suite, "testcase", {"classname": r.type or "unknown", "name": r.name, "file": r.file, "line": str(r.line)}
        )
        lines = [finding_line(r, f, warnings_as_errors) for f in r.findings]
        first = r.findings[0] if r.findings else None
        if r.unreadable and first is not None:
            element = ET.SubElement(case, "error", {"type": first.rule, "message": first.message})
            element.text = "\n".join(lines)
        elif r.failed(warnings_as_errors) and first is not None:
            count = len(r.findings)
            message = first.message if count == 1 else f"{count} violations; the first: {first.message}"
            element = ET.SubElement(case, "failure", {"type": first.rule, "message": message})
            element.text = "\n".join(lines)
        elif lines:
            ET.SubElement(case, "system-out").text = "\n".join(lines)
    ET.indent(suites)
    out.write('<?xml version="1.0" encoding="utf-8"?>\n')
    out.write(ET.tostring(suites, encoding="unicode") + "\n")
    return summary


def write_sarif(
    results: Sequence[PayloadResult],
    out: TextIO,
    *,
    warnings_as_errors: bool = False,
    describe: Callable[[str], str] | None = None,
) -> Summary:
    """SARIF 2.1.0: one run, a reporting descriptor per rule id found, one result per finding."""
    summary = summarize(results, warnings_as_errors)
    out.write(json.dumps(sarif_log(results, warnings_as_errors=warnings_as_errors, describe=describe), indent=2) + "\n")
    return summary


def sarif_log(
    results: Sequence[PayloadResult],
    *,
    warnings_as_errors: bool = False,
    describe: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """The SARIF 2.1.0 log of a run (see :func:`write_sarif`)."""
    describe = describe or describe_rule
    rule_ids = list(dict.fromkeys(f.rule for r in results for f in r.findings))
    index = {rule: i for i, rule in enumerate(rule_ids)}
    sarif_results = []
    for r in results:
        for f in r.findings:
            location: dict[str, Any] = {
                "physicalLocation": {
                    "artifactLocation": _artifact(r.file),
                    "region": {"startLine": f.line, "startColumn": f.column},
                }
            }
            if f.pointer is not None and f.kind == "violation":
                location["logicalLocations"] = [{"fullyQualifiedName": f.pointer or "/", "kind": "object"}]
            sarif_results.append(
                {
                    "ruleId": f.rule,
                    "ruleIndex": index[f.rule],
                    "level": _level(f, warnings_as_errors),
                    "message": {"text": _pointer(f) + f.message},
                    "locations": [location],
                }
            )
    summary = summarize(results, warnings_as_errors)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "yc-contracts",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [{"id": rule, "shortDescription": {"text": describe(rule)}} for rule in rule_ids],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": pathlib.Path.cwd().as_uri() + "/"}},
                "invocations": [{"executionSuccessful": summary.exit_code != EXIT_UNREADABLE}],
                "columnKind": "unicodeCodePoints",
                "results": sarif_results,
            }
        ],
    }


def _artifact(file: str) -> dict[str, str]:
    if file == "-":
        return {"uri": "stdin"}
    path = pathlib.PurePath(file)
    if path.is_absolute():
        return {"uri": pathlib.Path(file).as_uri()}
    return {"uri": quote(path.as_posix()), "uriBaseId": "%SRCROOT%"}


_FAMILIES: Final = {
    "type": "The value is not a valid ProtoJSON {}.",
    "option": "The field's (yandex.cloud.{}) validation option.",
    "json": "The payload is not plain JSON ({}).",
    "oneof": "A oneof rule ({}).",
    "any": "An Any's type URL ({}).",
    "content": "Content inspection ({}).",
}


def describe_rule(rule: str) -> str:
    """One sentence about a rule id: the documented summary of a service rule, else its family's description."""
    if rule in INPUT_RULES:
        return INPUT_RULES[rule]
    family, _, rest = rule.partition(".")
    if family in _FAMILIES:
        return _FAMILIES[family].format(rest.replace("_", " "))
    try:
        from yc_contracts.contract.registry import default_registry
        from yc_contracts.rules.ruleset import load_rules

        return load_rules(default_registry()).by_id(rule).summary
    except (KeyError, LookupError):
        return f"Rule {rule} (docs/rules.md lists every rule id)."


WRITERS: Final[dict[str, Callable[..., Summary]]] = {
    "text": write_text,
    "json": write_json,
    "junit": write_junit,
    "sarif": write_sarif,
    "github": write_github,
}
