"""``yc-contracts transcode``: the gRPC call an HTTP request becomes under the contract's ``google.api.http``
routes (or those of the protos ``--descriptor-set``, ``--proto-path`` or ``--python-package`` name): the method,
the metadata forwarded from the headers, and the request message.

The request is then checked against the contract as the service would (``--no-validate`` skips it); violations in
a body read from a file are printed at their ``line:column`` in it.
"""

from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from yc_contracts.cli.files import Finding, LoadedPayload, PayloadResult, decode, load_json, located

if TYPE_CHECKING:
    from yc_contracts.cli.streams import Streams
    from yc_contracts.contract.registry import Registry
    from yc_contracts.transcoding.calls import GrpcCall
    from yc_contracts.validation.violations import Violation

EXIT_REJECTED: Final = 1
EXIT_UNREADABLE: Final = 2


def command(args: argparse.Namespace, streams: Streams) -> int:
    """Run ``transcode``; 0 a valid call, 1 the request would be rejected (404, 405, 400), 2 a usage error."""
    from yc_contracts.cli import registries
    from yc_contracts.transcoding.errors import BadRequestError, TranscodeError
    from yc_contracts.transcoding.transcoder import transcode

    query = _pairs(args.query, "=", "--query")
    registry = registries.from_args(args)
    headers = dict(_pairs(args.header, ":", "--header"))
    body: bytes | None = None
    loaded: LoadedPayload | None = None
    body_name = "body"
    if args.body is not None:
        body = streams.read_input(args.body, _max_bytes(args))
        body_name = "stdin" if args.body == "-" else args.body
        text, problem = decode(body)
        if problem is not None:
            return _print_findings(streams, body_name, [problem], EXIT_UNREADABLE)
        assert text is not None
        loaded = load_json(text)
        if loaded.problems:
            return _print_findings(streams, body_name, loaded.problems, EXIT_UNREADABLE)
    grouped: dict[str, list[str]] = {}
    for name, value in query:
        grouped.setdefault(name, []).append(value)
    try:
        call = transcode(args.verb, args.path, query=grouped or None, body=body, headers=headers, registry=registry)
    except BadRequestError as e:
        streams.stderr.write(f"yc-contracts: transcode: {_status(e.http_status)}: {args.verb.upper()} {args.path}\n")
        return _print_violations(streams, body_name, list(e.violations), loaded, EXIT_REJECTED)
    except TranscodeError as e:
        streams.stderr.write(f"yc-contracts: transcode: {_status(e.http_status)}: {e}\n")
        return EXIT_REJECTED
    status = 0
    if args.validate:
        from yc_contracts.validation.validator import check

        found = check(call.method_info.input_type, call.request, registry=registry)
        errors = [v for v in found if v.severity == "error"]
        if errors:
            body_is_request = call.route.body == "*"
            status = _print_violations(streams, body_name, errors, loaded if body_is_request else None, EXIT_REJECTED)
    if args.format == "json":
        streams.stdout.write(json.dumps(call_json(call, registry), indent=2, ensure_ascii=False) + "\n")
    else:
        streams.stdout.write(call_text(args.verb, args.path, call, registry))
    return status


def _status(code: int) -> str:
    from http import HTTPStatus

    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


def _max_bytes(args: argparse.Namespace) -> int:
    from yc_contracts.cli.config import nearest
    from yc_contracts.cli.reading import DEFAULT_MAX_INPUT_BYTES

    if args.max_input_size is not None:
        return int(args.max_input_size)
    config = nearest(Path.cwd() if args.body == "-" else Path(args.body))
    return config.max_input_size if config is not None and config.max_input_size else DEFAULT_MAX_INPUT_BYTES


def _pairs(items: list[str] | None, separator: str, option: str) -> list[tuple[str, str]]:
    """``NAME<separator>VALUE`` options as pairs.

    Raises:
        UsageError: one has no separator or no name. The message never quotes the option's text: a header
            (``Authorization: Bearer …``) or a query parameter may hold a secret.
    """
    from yc_contracts.cli.streams import UsageError

    out = []
    for number, item in enumerate(items or (), 1):
        name, found, value = item.partition(separator)
        if not found or not name.strip():
            what = f"has no '{separator}'" if not found else f"has no name before '{separator}'"
            raise UsageError(
                f'the {_ordinal(number)} {option} {what}: write it as "NAME{separator}'
                f'{" " if separator == ":" else ""}VALUE" (its text is not shown, as it may hold a secret)'
            )
        out.append((name.strip(), value.strip() if separator == ":" else value))
    return out


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _print_findings(streams: Streams, name: str, findings: list[Finding], status: int) -> int:
    from yc_contracts.cli.reports import finding_line

    result = PayloadResult(name, 1, None, None, tuple(findings))
    for finding in findings:
        streams.stderr.write(finding_line(result, finding) + "\n")
    return status


# Problems with the path, the query or the headers: the body text is no place to point at for these.
_NOT_IN_BODY: Final = frozenset(
    {
        "http.path_invalid",
        "http.path_value",
        "http.query_unknown",
        "http.query_bound",
        "http.query_value",
        "http.header_invalid",
        "http.body_not_allowed",
    }
)


def _print_violations(
    streams: Streams, name: str, violations: list[Violation], loaded: LoadedPayload | None, status: int
) -> int:
    in_body = [v for v in violations if loaded is not None and v.rule not in _NOT_IN_BODY]
    for v in violations:
        if loaded is None or v.rule in _NOT_IN_BODY:
            # Nothing in the body to point at: the JSON Pointer into the request message says where.
            streams.stderr.write(f"request: {v.severity} [{v.rule}] {v.path or '/'}: {v.message}\n")
    return _print_findings(streams, name, located(loaded, in_body) if loaded is not None else [], status)


def metadata_items(call: GrpcCall) -> list[tuple[str, str]]:
    """The call's metadata as printable pairs (``-bin`` values in base64, as gRPC sends them over HTTP/2)."""
    return [
        (key, base64.b64encode(value).decode() if isinstance(value, bytes) else value) for key, value in call.metadata
    ]


def call_json(call: GrpcCall, registry: Registry | None = None) -> dict[str, Any]:
    """The call as JSON: method, streaming, route, metadata and the request in REST JSON (``registry``: the one
    the call was transcoded with, the contract's by default)."""
    from yc_contracts.conversion.protojson import to_rest

    method = call.method_info
    return {
        "method": call.method,
        "service": method.service,
        "rpc": method.name,
        "route": str(call.route),
        "client_streaming": call.client_streaming,
        "server_streaming": call.server_streaming,
        "request_type": method.input_type,
        "response_type": call.response_type,
        "operation_response": method.operation.response if method.operation else None,
        "metadata": [list(item) for item in metadata_items(call)],
        "request": to_rest(call.request, registry=registry),
    }


def call_text(verb: str, path: str, call: GrpcCall, registry: Registry | None = None) -> str:
    """The call for people: method, route, metadata, and the request in protobuf text format (``registry``: the
    one the call was transcoded with, the contract's by default)."""
    from google.protobuf import text_format

    from yc_contracts.contract.registry import default_registry

    method = call.method_info
    kind = "server-streaming" if call.server_streaming else "unary"
    returns = call.response_type
    if method.operation is not None and method.operation.response:
        returns += f" (Operation.response: {method.operation.response})"
    lines = [
        f"{verb.upper()} {path}",
        f"  gRPC method  {call.method}  ({kind})",
        f"  route        {call.route}" + (f"  body: {call.route.body}" if call.route.body else ""),
        f"  returns      {returns}",
    ]
    items = metadata_items(call)
    if items:
        lines.append(f"  metadata     {items[0][0]}: {items[0][1]}")
        lines += [f"               {key}: {value}" for key, value in items[1:]]
    else:
        lines.append("  metadata     (none)")
    request = text_format.MessageToString(
        call.request, descriptor_pool=(registry or default_registry()).descriptor_pool, as_utf8=True
    )
    lines.append(f"  request      {method.input_type}" + ("" if request else " (empty)"))
    lines += [f"    {line}" for line in request.splitlines()]
    return "\n".join(lines) + "\n"
