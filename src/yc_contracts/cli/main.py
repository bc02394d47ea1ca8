"""The ``yc-contracts`` command line: a pure function of its arguments and its streams.

:func:`run` is what tests call; the console script (``yc_contracts.__main__``) only wires it to ``sys``.
Each command lives in a module of its own, imported when the command runs, so ``--version`` and a one-file
``validate`` import only what they need.

Exit statuses, the same for every command: 0 success, 1 the inputs break the contract (violations, a request the
routes reject, breaking changes, schema drift), 2 the command could not do its job (usage, unreadable or
unparsable input, a missing tool), 3 an internal error: a bug in yc-contracts, reported in one line (``--traceback``
or ``YC_CONTRACTS_TRACEBACK=1`` prints the traceback too). User input never gets a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import IO, TYPE_CHECKING, Any, Final, TextIO

from yc_contracts._version import __version__
from yc_contracts.cli.streams import Streams, UsageError
from yc_contracts.contract.errors import YcContractsError

if TYPE_CHECKING:
    from yc_contracts.contract.registry import Registry

EXIT_OK: Final = 0
EXIT_USAGE: Final = 2
EXIT_INTERNAL: Final = 3
EXIT_INTERRUPTED: Final = 130
TRACEBACK_VARIABLE: Final = "YC_CONTRACTS_TRACEBACK"
"""Set to 1 (or pass ``--traceback``) and an internal error prints its traceback as well."""
BUG_REPORT_HINT: Final = (
    "this is a bug in yc-contracts: please report it with the command line that caused it "
    "(https://pypi.org/project/yc-contracts/ links the project); --traceback shows the details"
)

_LIST_SECTIONS: Final = ("services", "methods", "routes", "messages", "operations")
_VALIDATE_FORMATS: Final = ("text", "json", "junit", "sarif", "github")


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as an exception instead of exiting the interpreter."""

    def __init__(self, *args: Any, stdout: TextIO, stderr: TextIO, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)
        self._out, self._err = stdout, stderr
        self.commands: dict[tuple[str, ...], _Parser] = {}
        """The (sub)command parsers by their words (``("schemas", "export")``), to report errors in their usage."""

    def _print_message(self, message: str, file: Any = None) -> None:
        # argparse passes sys.stderr for errors and sys.stdout (or None) for help and --version.
        if message:
            (self._err if file is sys.stderr or file is self._err else self._out).write(message)

    def exit(self, status: int = 0, message: str | None = None) -> Any:
        if message:
            self._err.write(message)
        raise _ExitRequestError(status)

    def error(self, message: str) -> Any:
        self.print_usage(self._err)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


class _ExitRequestError(Exception):
    """Raised instead of ``sys.exit`` so that :func:`run` returns a status."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


# ------------------------------------------------------------------------------------------- the parser


def _parser(stdout: TextIO, stderr: TextIO) -> _Parser:
    parser = _Parser(
        prog="yc-contracts",
        description="The protocol contract of Yandex Cloud's asynchronous recognition APIs: validate payloads, "
        "convert and transcode messages, export and check schemas, and find breaking changes.",
        epilog="Exit status: 0 success; 1 the input breaks the contract; 2 usage, unreadable input or a missing tool; "
        "3 an internal error (a bug in yc-contracts).",
        stdout=stdout,
        stderr=stderr,
    )
    parser.add_argument("--version", action="version", version=f"yc-contracts {__version__}")
    parser.add_argument(
        "--traceback",
        action="store_true",
        help=f"on an internal error, print the traceback too (for developers; or set {TRACEBACK_VARIABLE}=1)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str, description: str) -> _Parser:
        sub: _Parser = commands.add_parser(name, help=help_text, description=description, stdout=stdout, stderr=stderr)
        parser.commands[(name,)] = sub
        return sub

    _validate_parser(command)
    _convert_parser(command)
    _transcode_parser(command)

    schemas = command("schemas", "export the JSON Schemas, or check them against the contract", "JSON Schemas.")
    schemas_commands = schemas.add_subparsers(dest="schemas_command", metavar="ACTION", parser_class=_Parser)
    export = schemas_commands.add_parser(
        "export",
        help="write the published JSON Schemas and openapi.json into DIR",
        description="Write every published JSON Schema (one per message, Any, each long-running method's "
        "Operation, a bundle) and openapi.json into DIR (created if needed; files of those names are replaced).",
        stdout=stdout,
        stderr=stderr,
    )
    export.add_argument("directory", metavar="DIR")
    export.add_argument(
        "--progress", action="store_true", help="show progress on standard error (by default: on a terminal)"
    )
    _registry_options(export)
    parser.commands[("schemas", "export")] = export
    check = schemas_commands.add_parser(
        "check",
        help="fail if schema files differ from what the contract generates",
        description="Regenerate the schemas from the installed package's descriptors and rules and compare them "
        "with the package's published files, or with the files in DIR (an earlier `schemas export`). "
        "Exit status 1 lists the files that differ.",
        stdout=stdout,
        stderr=stderr,
    )
    check.add_argument("directory", metavar="DIR", nargs="?", help="a folder of exported schema files")
    _registry_options(check)
    parser.commands[("schemas", "check")] = check

    openapi = command(
        "openapi",
        "print the OpenAPI 3.1 document of the REST routes",
        "Print the published openapi.json, or the OpenAPI document of the routes of the protos named by "
        "--descriptor-set, --proto-path or --python-package.",
    )
    _registry_options(openapi)
    _breaking_parser(command)

    from yc_contracts.cli import gateway as _cli_gateway

    _cli_gateway.add_parser(command, _size, _registry_options)

    from yc_contracts.cli import emulate as _cli_emulate

    _cli_emulate.add_parser(command)

    from yc_contracts.cli import recognize as _cli_recognize

    _cli_recognize.add_parser(command, _size)

    listing = command(
        "list",
        "list the contract's services, methods, HTTP routes and messages",
        "List what the contract defines (or the protos --descriptor-set, --proto-path or --python-package name). "
        "With no SECTION, every section is printed. 'operations' lists the <method>.Operation names that --type "
        "takes: the Operation a long-running method returns.",
    )
    listing.add_argument("sections", nargs="*", metavar="SECTION", help=f"any of: {', '.join(_LIST_SECTIONS)}")
    listing.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    _registry_options(listing)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a number of processes (1 or more)")
    return value


def _size(text: str) -> int:
    from yc_contracts.cli.reading import parse_size

    try:
        return parse_size(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _max_input_size_option(parser: _Parser, what: str) -> None:
    parser.add_argument(
        "--max-input-size",
        type=_size,
        metavar="SIZE",
        help=f"read at most SIZE bytes of {what}: bytes, or with K, M or G (default: max-input-size in "
        "[tool.yc-contracts], else 32M)",
    )


def _registry_options(parser: _Parser) -> None:
    """Add ``--descriptor-set``, ``--proto-path`` (with ``-I``) and ``--python-package`` to a command's parser
    (:mod:`yc_contracts.cli.registries` builds the registry they name)."""
    group = parser.add_argument_group(
        "other protos",
        "The contract's own protos unless one of --descriptor-set, --proto-path or --python-package names others "
        "(docs/cli.md).",
    )
    which = group.add_mutually_exclusive_group()
    which.add_argument(
        "--descriptor-set",
        metavar="FILE",
        help="a FileDescriptorSet, binary, as protoc --include_imports --descriptor_set_out writes it",
    )
    which.add_argument(
        "--proto-path",
        action="append",
        metavar="DIR",
        help="a tree of .proto files, compiled now with protoc from grpcio-tools (its files are the ones used)",
    )
    which.add_argument(
        "--python-package",
        action="append",
        metavar="PKG",
        help="installed generated code: every *_pb2 module of PKG (e.g. yandex.cloud.compute.v1); repeatable",
    )
    group.add_argument(
        "-I",
        "--include",
        action="append",
        metavar="DIR",
        help="with --proto-path: another import root, searched in order after DIR (repeatable)",
    )


def _validate_parser(command: Any) -> None:
    validate = command(
        "validate",
        "check payload files against the contract",
        "Check REST JSON payloads against the contract: .json files (one payload), .yaml/.yml (one per document), "
        ".ndjson/.jsonl (one per line); folders are searched; - reads standard input.\n\n"
        "The type of each file comes from --type/--route, or from [tool.yc-contracts.payloads] in the nearest "
        "pyproject.toml (docs/cli.md).\nEach problem is printed as FILE:LINE:COLUMN: SEVERITY [RULE] "
        "/json/pointer: sentence.\n\nExit status: 0 all valid, 1 violations, 2 a file could not be read or typed.",
    )
    which = validate.add_mutually_exclusive_group()
    which.add_argument("--type", metavar="NAME", help="message full name (or <method>.Operation) of every payload")
    which.add_argument("--route", metavar='"VERB /path"', help="the REST route whose request body the payloads are")
    validate.add_argument("--format", choices=_VALIDATE_FORMATS, default="text", help="report format (default: text)")
    validate.add_argument(
        "--warnings-as-errors", action="store_true", help="fail (exit 1) on warning-severity rules too"
    )
    validate.add_argument(
        "--input-format",
        choices=("json", "yaml", "ndjson"),
        help="read every file this way, whatever its name (standard input is JSON unless told)",
    )
    validate.add_argument(
        "--ignore-unmapped",
        action="store_true",
        help="skip files that no [tool.yc-contracts.payloads] glob maps (for pre-commit, which passes every file)",
    )
    validate.add_argument(
        "--jobs",
        type=_positive_int,
        metavar="N",
        help="processes to use for large runs, 1 or more (default: one per core; 1: none)",
    )
    validate.add_argument(
        "--allow-empty",
        action="store_true",
        help="exit 0 when there is nothing to check (by default a run that finds no payload file exits 2)",
    )
    _max_input_size_option(validate, "each file (and standard input)")
    validate.add_argument("-v", "--verbose", action="store_true", help="also list valid payloads (text format)")
    _registry_options(validate)
    validate.add_argument("paths", nargs="+", metavar="PATH", help="files, folders, or - for standard input")


def _convert_parser(command: Any) -> None:
    convert = command(
        "convert",
        "convert a message between REST JSON, NDJSON, protobuf binary and text format",
        "Convert one message (or an NDJSON stream of them) read from FILE or standard input, and write it to "
        "standard output.\n\nrest: REST JSON (ProtoJSON); ndjson: one message per line; binary: the protobuf wire "
        "format; text: protobuf text format (a '# proto-message: NAME' line can name the type).\n"
        "The input is validated first; exit status 1 lists the violations, 2 means it cannot be read.",
    )
    convert.add_argument("--type", metavar="NAME", help='message full name, or a route "VERB /path" (its request)')
    convert.add_argument(
        "--from", dest="source_format", required=True, choices=("rest", "ndjson", "binary", "text"), help="input"
    )
    convert.add_argument(
        "--to", dest="target_format", required=True, choices=("rest", "ndjson", "binary", "text"), help="output"
    )
    convert.add_argument(
        "--names", choices=("json", "proto"), default="json", help="REST field names: lowerCamelCase or proto"
    )
    convert.add_argument("--no-validate", dest="validate", action="store_false", help="convert without validating")
    _max_input_size_option(convert, "the input")
    _registry_options(convert)
    convert.add_argument("input", nargs="?", default="-", metavar="FILE", help="input file (default: - for stdin)")


def _transcode_parser(command: Any) -> None:
    transcode = command(
        "transcode",
        "show the gRPC call an HTTP request becomes",
        "Map an HTTP request onto the contract's google.api.http routes: print the gRPC method, the metadata "
        "forwarded from the headers and the request message, then check the request against the contract.\n\n"
        "Exit status: 0 a valid call, 1 the request would be rejected (no route, bad parameters, violations).",
    )
    transcode.add_argument("verb", metavar="VERB", help="GET, POST, DELETE, ...")
    transcode.add_argument("path", metavar="PATH", help="the request path, e.g. /operations/abc (may carry ?query)")
    transcode.add_argument("--query", action="append", metavar="NAME=VALUE", help="a query parameter (repeatable)")
    transcode.add_argument("--body", metavar="FILE", help="the JSON body (- for standard input)")
    transcode.add_argument("--header", action="append", metavar='"NAME: VALUE"', help="a header (repeatable)")
    transcode.add_argument(
        "--format", choices=("text", "json"), default="text", help="text: request in protobuf text format; json: all"
    )
    transcode.add_argument("--no-validate", dest="validate", action="store_false", help="do not check the request")
    _max_input_size_option(transcode, "the --body file")
    _registry_options(transcode)


def _breaking_parser(command: Any) -> None:
    breaking = command(
        "breaking",
        "list breaking changes against another version of the protos",
        "Compare the .proto files under --protos (default: protos) with another version of them: a folder (an "
        "import root like protos/) or a git revision (its copy of the same folder, read with git archive).\n\n"
        "Categories: WIRE (encoding and generated code), JSON (REST JSON names), REST (google.api.http routes), "
        "VALIDATION (tightened yandex.cloud options). Additions and looser options are not breaking.\n"
        "Needs protoc from grpcio-tools. Exit status: 0 none, 1 breaking changes, 2 usage or compile errors.",
    )
    breaking.add_argument("--against", required=True, metavar="REF_OR_DIR", help="a git revision or a folder")
    breaking.add_argument("--protos", default="protos", metavar="DIR", help="this version's proto root (protos)")
    breaking.add_argument(
        "-I", "--include", action="append", metavar="DIR", help="another import root for both versions (repeatable)"
    )
    breaking.add_argument("--format", choices=("text", "json", "github"), default="text", help="report format")


# ---------------------------------------------------------------------------------------------- list


def _short(full_name: str, package: str) -> str:
    return full_name[len(package) + 1 :] if full_name.startswith(package + ".") else full_name


def _list_data(reg: Registry, sections: list[str]) -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = {}
    if "services" in sections:
        data["services"] = [
            {"name": s.full_name, "file": s.file, "methods": [m.name for m in s.methods]} for s in reg.services()
        ]
    if "methods" in sections:
        data["methods"] = [
            {
                "name": m.full_name,
                "grpc_path": m.grpc_path,
                "input_type": m.input_type,
                "output_type": m.output_type,
                "client_streaming": m.client_streaming,
                "server_streaming": m.server_streaming,
                "operation": None
                if m.operation is None
                else {"response": m.operation.response, "metadata": m.operation.metadata},
                "routes": [str(r) for r in m.routes],
            }
            for m in reg.methods()
        ]
    if "routes" in sections:
        data["routes"] = [
            {
                "verb": r.verb,
                "path": r.path,
                "body": r.body,
                "response_body": r.response_body,
                "method": r.method.full_name,
                "server_streaming": r.method.server_streaming,
            }
            for r in reg.routes()
        ]
    if "messages" in sections:
        data["messages"] = [{"name": name} for name in reg.messages()]
    if "operations" in sections:
        # The names --type (and [tool.yc-contracts.payloads]) take for what a long-running method returns.
        data["operations"] = [
            {
                "name": f"{m.full_name}.Operation",
                "method": m.full_name,
                "response": m.operation.response,
                "metadata": m.operation.metadata,
            }
            for m in reg.methods()
            if m.operation is not None
        ]
    return data


def _list_text(data: dict[str, list[dict[str, Any]]], out: TextIO) -> None:
    blocks: list[list[str]] = []
    if "services" in data:
        blocks.append([f"Services ({len(data['services'])})"] + [f"  {s['name']}" for s in data["services"]])
    if "methods" in data:
        lines = [f"Methods ({len(data['methods'])})"]
        for m in data["methods"]:
            package = m["name"].rsplit(".", 2)[0]
            arrow = "{}{} -> {}{}".format(
                "stream " if m["client_streaming"] else "",
                _short(m["input_type"], package),
                "stream " if m["server_streaming"] else "",
                _short(m["output_type"], package),
            )
            extra = f"  [Operation.response: {m['operation']['response']}]" if m["operation"] else ""
            lines.append(f"  {m['grpc_path']}  ({arrow}){extra}")
        blocks.append(lines)
    if "routes" in data:
        width = max((len(r["path"]) for r in data["routes"]), default=0)
        lines = [f"HTTP routes ({len(data['routes'])})"]
        for r in data["routes"]:
            body = f"  body: {r['body']}" if r["body"] else ""
            stream = "  (server-streaming)" if r["server_streaming"] else ""
            lines.append(f"  {r['verb']:<6} {r['path']:<{width}}  -> {r['method']}{body}{stream}")
        blocks.append(lines)
    if "messages" in data:
        blocks.append([f"Messages ({len(data['messages'])})"] + [f"  {m['name']}" for m in data["messages"]])
    if "operations" in data:
        lines = [f"Operations of long-running methods, for --type ({len(data['operations'])})"]
        for op in data["operations"]:
            detail = ", ".join(f"{what}: {op[what]}" for what in ("response", "metadata") if op[what])
            lines.append(f"  {op['name']}" + (f"  ({detail})" if detail else ""))
        blocks.append(lines)
    out.write("\n\n".join("\n".join(b) for b in blocks) + "\n")


def _cmd_list(args: argparse.Namespace, streams: Streams) -> int:
    import json

    from yc_contracts.contract.registry import default_registry

    unknown = [s for s in args.sections if s not in _LIST_SECTIONS]
    if unknown:
        raise UsageError(f"list: unknown section {unknown[0]!r} (choose from {', '.join(_LIST_SECTIONS)})")
    sections = list(dict.fromkeys(args.sections)) or list(_LIST_SECTIONS)
    from yc_contracts.cli import registries

    data = _list_data(registries.from_args(args) or default_registry(), sections)
    if args.format == "json":
        streams.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        _list_text(data, streams.stdout)
    return EXIT_OK


# ------------------------------------------------------------------------------------------- dispatch


def _dispatch(args: argparse.Namespace, streams: Streams) -> int:
    name = args.command
    if name == "validate":
        from yc_contracts.cli import validate as _cli_validate

        return _cli_validate.command(args, streams)
    if name == "convert":
        from yc_contracts.cli import convert as _cli_convert

        return _cli_convert.command(args, streams)
    if name == "transcode":
        from yc_contracts.cli import transcode as _cli_transcode

        return _cli_transcode.command(args, streams)
    if name == "schemas":
        from yc_contracts.cli import schemas as _cli_schemas

        if args.schemas_command == "export":
            return _cli_schemas.export_command(args, streams)
        if args.schemas_command == "check":
            return _cli_schemas.check_command(args, streams)
        raise UsageError("schemas: choose an action: export DIR, or check [DIR]")
    if name == "openapi":
        from yc_contracts.cli import schemas as _cli_schemas

        return _cli_schemas.openapi_command(args, streams)
    if name == "breaking":
        from yc_contracts.cli import breaking as _cli_breaking

        return _cli_breaking.command(args, streams)
    if name == "gateway":
        from yc_contracts.cli import gateway as _cli_gateway

        return _cli_gateway.command(args, streams)
    if name == "emulate":
        from yc_contracts.cli import emulate as _cli_emulate

        return _cli_emulate.command(args, streams)
    if name == "recognize":
        from yc_contracts.cli import recognize as _cli_recognize

        return _cli_recognize.command(args, streams)
    return _cmd_list(args, streams)


def _parse(parser: _Parser, argv: list[str]) -> argparse.Namespace:
    """The arguments; an unknown option is reported with the usage of the command it was given to."""
    args, extras = parser.parse_known_args(argv)
    if extras:
        words = tuple(w for w in (args.command, getattr(args, "schemas_command", None)) if w)
        # Only the options are named: the rest may be a value such as a header, which may hold a secret.
        options = [e.partition("=")[0] for e in extras if e.startswith("-") and len(e) > 1]
        hidden = len(extras) - len(options)
        shown = " ".join(options) + (f" (and {hidden} more, not shown)" if options and hidden else "")
        parser.commands.get(words, parser).error(
            f"unrecognized arguments: {shown}"
            if options
            else f"{len(extras)} unexpected argument{'s' if len(extras) > 1 else ''} (not shown)"
        )
    return args


def run(argv: list[str], stdout: TextIO, stderr: TextIO, *, stdin: IO[bytes] | None = None) -> int:
    """Run the CLI with ``argv`` (without the program name); return the exit status.

    ``stdin`` is what ``-`` reads (standard input's bytes when not given). Nothing is written to
    ``sys.stdout``/``sys.stderr`` directly. Never raises for bad input or a bug: a bug is exit status 3 and one
    line on ``stderr`` (``BrokenPipeError``, a reader that went away, is left to the caller).
    """
    parser = _parser(stdout, stderr)
    streams = Streams(stdout, stderr, stdin)
    show_traceback = os.environ.get(TRACEBACK_VARIABLE, "") not in ("", "0")
    try:
        args = _parse(parser, argv)
        show_traceback = show_traceback or args.traceback
        if args.command is None:
            parser.print_help(stdout)
            return EXIT_USAGE
        return _dispatch(args, streams)
    except _ExitRequestError as e:
        return e.code
    except YcContractsError as e:
        stderr.write(f"yc-contracts: error: {e}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        raise
    except KeyboardInterrupt:
        stderr.write("yc-contracts: interrupted\n")
        return EXIT_INTERRUPTED
    except Exception as e:  # the one place every unexpected error ends: exit status 3
        return internal_error(e, stderr, show_traceback=show_traceback)


def internal_error(error: BaseException, stderr: TextIO, *, show_traceback: bool = False) -> int:
    """Report a bug in one line: the exception's type and where in yc-contracts it was raised, never its message
    (which may quote the input, a secret included); the traceback too if asked. Returns :data:`EXIT_INTERNAL`."""
    import traceback

    where = ""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # yc_contracts/, above cli/
    for frame, line in traceback.walk_tb(error.__traceback__):
        filename = os.path.abspath(frame.f_code.co_filename)
        if filename.startswith(package + os.sep):
            where = f" in {os.path.relpath(filename, os.path.dirname(package))}:{line} ({frame.f_code.co_name})"
    if show_traceback:
        traceback.print_exception(error, file=stderr)
    kind = "out of memory" if isinstance(error, MemoryError) else type(error).__name__
    stderr.write(f"yc-contracts: internal error: {kind}{where}; {BUG_REPORT_HINT}\n")
    return EXIT_INTERNAL
