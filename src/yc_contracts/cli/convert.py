"""``yc-contracts convert``: one message (or a stream of them) between REST JSON, NDJSON, protobuf binary and
protobuf text format.

REST JSON and NDJSON input is validated first (``--no-validate`` skips it), and every violation is printed at its
``line:column``; binary and text input are checked after parsing, by JSON Pointer. Text format resolves ``Any``
type URLs in the registry's descriptor pool: the contract's, or that of the protos ``--descriptor-set``,
``--proto-path`` or ``--python-package`` name.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from yc_contracts.cli.files import Finding, PayloadResult, decode, load_json, located
from yc_contracts.cli.reading import DEFAULT_MAX_INPUT_BYTES

if TYPE_CHECKING:
    from google.protobuf import message

    from yc_contracts.cli.config import ProjectConfig
    from yc_contracts.cli.streams import Streams
    from yc_contracts.contract.registry import Registry

TEXT_HEADER: Final = "# proto-message:"
"""The protobuf text-format convention for naming a file's message type (``# proto-message: pkg.Type``)."""

EXIT_INVALID: Final = 1
_REASON_CHARACTERS: Final = 200
EXIT_UNREADABLE: Final = 2


def command(args: argparse.Namespace, streams: Streams) -> int:
    """Run ``convert``; 0 converted, 1 the input breaks the contract, 2 it cannot be read (or a usage error)."""
    from yc_contracts.cli import registries
    from yc_contracts.cli.streams import UsageError
    from yc_contracts.contract.registry import default_registry

    registry = registries.from_args(args)
    config = _config(args.input)
    limit = args.max_input_size or (config.max_input_size if config is not None else None) or DEFAULT_MAX_INPUT_BYTES
    data = streams.read_input(args.input, limit)
    name = "stdin" if args.input == "-" else args.input
    text: str | None = None
    if args.source_format != "binary":
        text, problem = decode(data)
        if problem is not None:
            return _report(streams, name, [problem], EXIT_UNREADABLE)
    assert text is not None or args.source_format == "binary"
    type_name = args.type or (_text_header(text) if text is not None and args.source_format == "text" else None)
    key = _schema_key(type_name, registry) if type_name is not None else _configured_key(args.input, config, registry)
    if key is None:
        header = f", start the text with '{TEXT_HEADER} NAME'," if args.source_format == "text" else ""
        raise UsageError(
            f"convert: pass --type NAME{header} or map the file to a type under [tool.yc-contracts.payloads] "
            "in pyproject.toml (docs/cli.md)"
        )
    reg = registry or default_registry()
    if args.source_format in ("rest", "ndjson"):
        assert text is not None
        several = args.source_format == "ndjson"
        messages, status = _from_json(key, text, several, name, streams, validate=args.validate, registry=registry)
    else:
        messages, status = _from_protobuf(
            key, data, text, source=args.source_format, name=name, streams=streams, validate=args.validate, reg=reg
        )
    if status:
        return status
    if len(messages) != 1 and args.target_format in ("binary", "text"):
        raise UsageError(f"convert: --to {args.target_format} holds one message; the input has {len(messages)}")
    _write(messages, args.target_format, args.names, streams, several=args.source_format == "ndjson", registry=registry)
    return 0


def _schema_key(type_name: str, registry: Registry | None = None) -> str:
    from yc_contracts.schema.store import schema_key

    return schema_key(type_name, registry)


def _config(name: str) -> ProjectConfig | None:
    """The ``[tool.yc-contracts]`` table for the input file (for standard input: the current folder's), as
    ``validate`` reads it."""
    from yc_contracts.cli.config import nearest

    return nearest(Path.cwd() if name == "-" else Path(name))


def _configured_key(name: str, config: ProjectConfig | None, registry: Registry | None = None) -> str | None:
    """The schema key ``[tool.yc-contracts.payloads]`` maps the input file to (``None``: standard input, or no
    glob matches).

    Raises:
        UsageError: the glob maps it to a name the contract does not define.
    """
    from yc_contracts.cli.streams import UsageError
    from yc_contracts.contract.errors import UnknownNameError

    entry = config.target_for(Path(name)) if config is not None and name != "-" else None
    if entry is None or config is None:
        return None
    try:
        return _schema_key(entry.target, registry)
    except UnknownNameError as e:
        raise UsageError(f"{config.path} maps {entry.glob!r} to {e}") from e


def message_class(key: str, registry: Registry | None = None) -> type[message.Message]:
    """The message class of a schema key in ``registry`` (the contract's by default); a ``<method>.Operation``
    key is an Operation."""
    from yc_contracts.contract.registry import default_registry

    reg = registry or default_registry()
    if key not in reg.messages() and key.endswith(".Operation"):
        return reg.message_class("yandex.cloud.operation.Operation")
    return reg.message_class(key)


_TEXT_HEADER_LINE: Final = re.compile(rf"^{re.escape(TEXT_HEADER)}([^\n]*)$", re.MULTILINE)


def _text_header(text: str) -> str | None:
    found = _TEXT_HEADER_LINE.search(text)  # the text is not split into lines: that would copy it whole
    return (found.group(1).strip() or None) if found is not None else None


def _report(streams: Streams, name: str, findings: list[Finding], status: int) -> int:
    from yc_contracts.cli.reports import finding_line

    result = PayloadResult(name, 1, None, None, tuple(findings))
    for finding in findings:
        streams.stderr.write(finding_line(result, finding) + "\n")
    what = "cannot be read" if status == EXIT_UNREADABLE else "breaks the contract"
    streams.stderr.write(f"yc-contracts: convert: the input {what}; nothing was written\n")
    return status


def _from_json(
    key: str, text: str, several: bool, name: str, streams: Streams, *, validate: bool, registry: Registry | None
) -> tuple[list[message.Message], int]:
    from yc_contracts.conversion.protojson import to_proto
    from yc_contracts.validation.validator import compiled_for

    if several:
        loaded = [
            load_json(line.rstrip("\r"), number) for number, line in enumerate(text.split("\n"), 1) if line.strip()
        ]
    else:
        loaded = [load_json(text)]
    problems = [f for item in loaded for f in item.problems]
    if problems:
        return [], _report(streams, name, problems, EXIT_UNREADABLE)
    findings: list[Finding] = []
    if validate:
        checker = compiled_for(key, registry=registry)
        for item in loaded:
            findings += located(item, [v for v in checker.violations(item.value) if v.severity == "error"])
    if findings:
        return [], _report(streams, name, findings, EXIT_INVALID)
    from yc_contracts.conversion.protojson import ConversionError

    try:
        return [to_proto(key, item.value, validate=False, registry=registry) for item in loaded], 0
    except ConversionError as e:
        return [], _report(streams, name, [Finding("convert.invalid", str(e), 0, 0)], EXIT_INVALID)


def _from_protobuf(
    key: str, data: bytes, text: str | None, *, source: str, name: str, streams: Streams, validate: bool, reg: Registry
) -> tuple[list[message.Message], int]:
    from google.protobuf import message as message_module
    from google.protobuf import text_format

    from yc_contracts.contract.registry import default_registry

    cls = message_class(key, reg)
    if source == "binary":
        try:
            msg = cls.FromString(data)
        except message_module.DecodeError as e:
            problem = Finding("binary.invalid", f"the input is not a serialized {cls.DESCRIPTOR.full_name}: {e}", 0, 0)
            return [], _report(streams, name, [problem], EXIT_UNREADABLE)
    else:
        assert text is not None
        try:
            msg = text_format.Parse(text, cls(), descriptor_pool=reg.descriptor_pool)
        except text_format.ParseError as e:
            line, column = e.GetLine() or 1, e.GetColumn() or 1
            reason = str(e).split(" : ", 1)[-1]
            if len(reason) > _REASON_CHARACTERS:  # protobuf quotes the text it stopped at, however long
                reason = reason[: _REASON_CHARACTERS // 2] + " … " + reason[-_REASON_CHARACTERS // 2 :]
            problem = Finding(
                "text.invalid", f"the input is not {cls.DESCRIPTOR.full_name} text format: {reason}", line, column
            )
            return [], _report(streams, name, [problem], EXIT_UNREADABLE)
        except RecursionError:
            # text_format's parser recurses once per nested message (and per Any in expanded form).
            problem = Finding("text.invalid", "the text nests too deeply to read", 1, 1)
            return [], _report(streams, name, [problem], EXIT_UNREADABLE)
    if validate:
        from yc_contracts.validation.validator import check

        registry = None if reg is default_registry() else reg
        errors = [v for v in check(key, msg, registry=registry) if v.severity == "error"]
        if errors:
            # Binary and text input have no JSON text to point into: the JSON Pointer says where.
            findings = [Finding(v.rule, v.message, 0, 0, v.path) for v in errors]
            return [], _report(streams, name, findings, EXIT_INVALID)
    return [msg], 0


def _write(
    messages: list[message.Message],
    target: str,
    names: str,
    streams: Streams,
    *,
    several: bool,
    registry: Registry | None = None,
) -> None:
    from yc_contracts.contract.registry import default_registry
    from yc_contracts.conversion.protojson import to_ndjson, to_rest

    if target == "binary":
        streams.write_bytes(messages[0].SerializeToString(deterministic=True))
    elif target == "text":
        from google.protobuf import text_format

        pool = (registry or default_registry()).descriptor_pool
        streams.stdout.write(text_format.MessageToString(messages[0], descriptor_pool=pool, as_utf8=True))
    elif target == "ndjson":
        if names == "proto":
            for msg in messages:
                rest_line = to_rest(msg, names="proto", registry=registry)
                streams.stdout.write(json.dumps(rest_line, ensure_ascii=False) + "\n")
        else:
            streams.stdout.writelines(to_ndjson(messages, registry=registry))
    else:
        rest: Any = [to_rest(m, names=names, registry=registry) for m in messages]
        document = rest if several else rest[0]
        streams.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
