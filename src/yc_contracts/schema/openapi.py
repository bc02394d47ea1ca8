"""OpenAPI 3.1 description of the contract's REST routes, generated from the ``google.api.http`` rules.

Request bodies, responses and parameters reuse the JSON Schema documents (as ``components.schemas``, keyed by
full name), so the OpenAPI file and the schemas can never disagree. Parameters follow grpc-gateway: path
variables by field path; for routes without a ``*`` body, every remaining scalar field (nested ones as
``a.b``) becomes a query parameter under its JSON name. Server-streaming methods answer with a stream of
``{"result": …}`` / ``{"error": …}`` objects, one per line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final

from google.protobuf import descriptor

from yc_contracts.contract import wkt as _wkt
from yc_contracts.contract.descriptors import message_of
from yc_contracts.contract.options import field_rules
from yc_contracts.schema.generator import ID_PREFIX, OPERATION

if TYPE_CHECKING:
    from yc_contracts.contract.registry import Registry, Route

OPENAPI_VERSION: Final = "3.1.0"
_VARIABLE = re.compile(r"\{([a-zA-Z0-9_.]+)(?:=[^}]*)?\}")
_STATUS = "google.rpc.Status"


_PLAIN_STATUS: dict[str, Any] = {
    "title": _STATUS,
    "description": "The error of a failed call: its gRPC code, a message, and typed details.",
    "type": "object",
    "properties": {
        "code": {"type": "integer", "description": "The google.rpc.Code."},
        "message": {"type": "string"},
        "details": {
            "type": "array",
            "items": {"type": "object", "required": ["@type"], "properties": {"@type": {"type": "string"}}},
        },
    },
}
"""google.rpc.Status for a registry that does not define it (every route's error answer refers to it)."""


def _component(key: str) -> str:
    return key  # full names are valid component names (letters, digits, '.', '_')


def _rewrite_refs(node: Any) -> Any:
    """Point ``$ref`` URNs at ``#/components/schemas/…`` and drop per-document ``$id``/``$schema``."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("$id", "$schema"):
                continue
            if key == "$ref" and isinstance(value, str) and value.startswith(ID_PREFIX):
                out[key] = "#/components/schemas/" + _component(value[len(ID_PREFIX) :])
            else:
                out[key] = _rewrite_refs(value)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def _path_fields(template: str) -> list[str]:
    return [m.group(1) for m in _VARIABLE.finditer(template)]


def _openapi_path(template: str) -> str:
    """``/v1/{name=projects/*}`` → ``/v1/{name}``: OpenAPI templates name a variable, not its pattern."""
    return _VARIABLE.sub(lambda m: "{" + m.group(1) + "}", template)


def _query_fields(
    message: descriptor.Descriptor, bound: set[str], prefix: str = "", depth: int = 0
) -> Iterator[tuple[str, descriptor.FieldDescriptor]]:
    for field in message.fields:
        path = f"{prefix}{field.name}"
        if path in bound:
            continue
        if field.message_type is not None and not field.is_repeated and depth < 3:
            if field.message_type.full_name.startswith("google.protobuf."):
                continue
            yield from _query_fields(field.message_type, bound, f"{path}.", depth + 1)
        elif field.message_type is None:
            yield path, field


def _json_path(message: descriptor.Descriptor, path: str) -> str:
    parts = []
    desc: descriptor.Descriptor | None = message
    for name in path.split("."):
        assert desc is not None
        field = desc.fields_by_name[name]
        parts.append(field.json_name)
        desc = field.message_type
    return ".".join(parts)


def build_openapi(registry: Registry, documents: Mapping[str, Mapping[str, Any]], version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document for every route of ``registry``; ``documents`` are the JSON Schema documents."""
    components = {_component(key): _rewrite_refs(dict(doc)) for key, doc in documents.items()}
    if _STATUS not in components:  # a registry whose files do not import google/rpc/status.proto
        components[_STATUS] = _PLAIN_STATUS
    paths: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}
    for route in registry.routes():
        item = paths.setdefault(_openapi_path(route.path), {})
        operation = _operation(registry, route, documents)
        # operationIds are unique: a method's additional bindings get _2, _3… (as grpc-gateway's openapiv2 does)
        count = seen[operation["operationId"]] = seen.get(operation["operationId"], 0) + 1
        if count > 1:
            operation["operationId"] += f"_{count}"
        item[route.verb.lower()] = operation
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Yandex Cloud asynchronous recognition APIs (yc-contracts)",
            "version": version,
            "description": "The REST routes of Vision OCR v1, SpeechKit STT v2/v3 and the Operation service, "
            "generated from the google.api.http rules of the contract's protos. Each service has its own host "
            "(see servers on each path).",
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "iamToken": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <IAM token>"},
                "apiKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "Authorization: Api-Key <API key>",
                },
            },
        },
        "security": [{"iamToken": []}, {"apiKey": []}],
    }


def _operation(registry: Registry, route: Route, documents: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    method = route.method
    request = registry.message_descriptor(method.input_type)
    path_fields = _path_fields(route.path)
    parameters: list[dict[str, Any]] = []
    for name in path_fields:
        parameters.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": f"{method.input_type}.{name}",
                "schema": _scalar_parameter_schema(request, name, documents),
            }
        )
    if route.body != "*":
        bound = set(path_fields) | ({route.body} if route.body else set())
        for path, field in _query_fields(request, bound):
            schema = _scalar_parameter_schema(request, path, documents)
            if field.is_repeated:
                schema = {"type": "array", "items": schema}
            parameters.append(
                {
                    "name": _json_path(request, path),
                    "in": "query",
                    "required": field_rules(registry.options(field), field).required,
                    "schema": schema,
                    **({"explode": True} if field.is_repeated else {}),
                }
            )
    op: dict[str, Any] = {
        "operationId": method.full_name,
        "summary": f"{method.service}.{method.name}",
        "tags": [method.service],
    }
    if parameters:
        op["parameters"] = parameters
    if route.body:
        body_schema: dict[str, Any] = {"$ref": "#/components/schemas/" + _component(method.input_type)}
        if route.body != "*":
            body_field = _resolve(request, route.body)
            body_schema = {"$ref": "#/components/schemas/" + _component(message_of(body_field).full_name)}
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body_schema}}}
    op["responses"] = {
        "200": _response(method, route),
        "default": {
            "description": "An error: the google.rpc.Status of the failed call.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/" + _STATUS}}},
        },
    }
    return op


def _response(method: Any, route: Route) -> dict[str, Any]:
    if method.output_type == OPERATION and method.operation is not None:
        target = f"{method.full_name}.Operation"
    else:
        target = method.output_type
    schema: dict[str, Any] = (
        dict(_wkt.SCHEMAS[target]) if target in _wkt.SCHEMAS else {"$ref": "#/components/schemas/" + _component(target)}
    )
    if route.response_body:
        schema = {"description": f"the {route.response_body} field of {method.output_type}"}
    if method.server_streaming:
        return {
            "description": f"A stream of {method.output_type} messages: one JSON object per line, "
            '{"result": <message>} or, if the stream fails, {"error": <google.rpc.Status>}.',
            "content": {
                "application/x-ndjson": {
                    "schema": {
                        "oneOf": [
                            {
                                "type": "object",
                                "required": ["result"],
                                "properties": {"result": schema},
                                "additionalProperties": False,
                            },
                            {
                                "type": "object",
                                "required": ["error"],
                                "properties": {"error": {"$ref": "#/components/schemas/" + _STATUS}},
                                "additionalProperties": False,
                            },
                        ]
                    }
                }
            },
        }
    return {"description": f"A {target}.", "content": {"application/json": {"schema": schema}}}


def _resolve(message: descriptor.Descriptor, path: str) -> descriptor.FieldDescriptor:
    *parents, last = path.split(".")
    desc = message
    for name in parents:
        desc = message_of(desc.fields_by_name[name])
    return desc.fields_by_name[last]


def _scalar_parameter_schema(
    message: descriptor.Descriptor, path: str, documents: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """The schema of the field at ``path`` (one item for repeated fields), taken from its message document."""
    field = _resolve(message, path)
    prop = documents[field.full_name.rsplit(".", 1)[0]]["properties"][field.json_name]
    value = prop["else"]  # properties are {"if": {"type": "null"}, "else": <value>}
    if field.is_repeated:
        value = value["items"]
    return _rewrite_refs(value)  # type: ignore[no-any-return]
