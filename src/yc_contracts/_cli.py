"""The ``yc-contracts`` command line: a pure function of its arguments and two streams.

:func:`run` is what tests call; the console script (``yc_contracts.__main__``) only wires it to ``sys``.
Commands import what they need when they run, so ``--version`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from yc_contracts._errors import YcContractsError
from yc_contracts._version import __version__

if TYPE_CHECKING:
    from yc_contracts._registry import Registry

EXIT_OK = 0
EXIT_USAGE = 2

_LIST_SECTIONS = ("services", "methods", "routes", "messages")


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as an exception instead of exiting the interpreter."""

    def __init__(self, *args: Any, stdout: TextIO, stderr: TextIO, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._out, self._err = stdout, stderr

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


class UsageError(YcContractsError):
    """The command line itself is wrong (exit status 2)."""


class _ExitRequestError(Exception):
    """Raised instead of ``sys.exit`` so that :func:`run` returns a status."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _parser(stdout: TextIO, stderr: TextIO) -> _Parser:
    parser = _Parser(
        prog="yc-contracts",
        description="The protocol contract of Yandex Cloud's asynchronous recognition APIs.",
        stdout=stdout,
        stderr=stderr,
    )
    parser.add_argument("--version", action="version", version=f"yc-contracts {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    listing = commands.add_parser(
        "list",
        help="list the contract's services, methods, HTTP routes and messages",
        description="List what the contract defines. With no SECTION, every section is printed.",
        stdout=stdout,
        stderr=stderr,
    )
    listing.add_argument("sections", nargs="*", metavar="SECTION", help=f"any of: {', '.join(_LIST_SECTIONS)}")
    listing.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    return parser


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
    out.write("\n\n".join("\n".join(b) for b in blocks) + "\n")


def _cmd_list(args: argparse.Namespace, stdout: TextIO) -> int:
    from yc_contracts._registry import default_registry

    unknown = [s for s in args.sections if s not in _LIST_SECTIONS]
    if unknown:
        raise UsageError(f"list: unknown section {unknown[0]!r} (choose from {', '.join(_LIST_SECTIONS)})")
    sections = list(dict.fromkeys(args.sections)) or list(_LIST_SECTIONS)
    data = _list_data(default_registry(), sections)
    if args.format == "json":
        stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        _list_text(data, stdout)
    return EXIT_OK


def run(argv: list[str], stdout: TextIO, stderr: TextIO) -> int:
    """Run the CLI with ``argv`` (without the program name); return the exit status.

    Exit statuses: 0 success, 2 usage errors. Nothing is written to ``sys.stdout``/``sys.stderr`` directly.
    """
    parser = _parser(stdout, stderr)
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(stdout)
            return EXIT_USAGE
        return _cmd_list(args, stdout)
    except _ExitRequestError as e:
        return e.code
    except YcContractsError as e:
        stderr.write(f"yc-contracts: error: {e}\n")
        return EXIT_USAGE
