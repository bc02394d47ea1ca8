"""The other direction, for REST clients: a request message → the HTTP request of its method's route.

Path variables take their fields' values (percent-encoded; a multi-segment variable keeps its ``/``), the body
is the route's ``body`` (the whole remaining request for ``*``, one field's REST JSON otherwise, none for a route
without one), and what is left goes into the query string (dotted names into nested messages, repeated fields as
repeated parameters, map entries as ``name[key]=value``). :func:`~yc_contracts.transcode` of the result gives the
request back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from google.protobuf import descriptor, json_format, message

from yc_contracts.contract.registry import Method, Registry, Route
from yc_contracts.transcoding.templates import LITERAL, parse_template


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request: verb, percent-encoded path, query string (may be empty) and JSON body (or ``None``)."""

    verb: str
    path: str
    query: str
    body: bytes | None

    @property
    def target(self) -> str:
        """The request target: the path, with ``?query`` when there is one."""
        return f"{self.path}?{self.query}" if self.query else self.path


class OutboundError(ValueError):
    """A request that its route cannot carry (a path variable's field unset, a query field of a kind REST
    cannot send)."""


def http_request(
    method: Method, request: message.Message, registry: Registry, route: Route | None = None
) -> HttpRequest:
    """The HTTP request of ``method``'s route (its first, unless ``route`` is given) that carries ``request``.

    Raises:
        OutboundError: the method has no route, a path variable's field is empty, or a field left for the query
            is a message list (REST has no query form for it).
    """
    chosen = route or (method.routes[0] if method.routes else None)
    if chosen is None:
        raise OutboundError(f"{method.full_name} has no REST route")
    pool = registry.descriptor_pool
    remaining: dict[str, Any] = json_format.MessageToDict(request, descriptor_pool=pool)
    template = parse_template(chosen.path)
    desc: Any = request.DESCRIPTOR
    parts: list[str] = []
    index = 0
    for variable in template.variables:
        while index < variable.start:
            parts.append(template.segments[index].text)
            index += 1
        value = _take(remaining, desc, variable.field_path)
        if value is None:  # a number, bool or enum at its zero value is a value the path can carry ("0")
            value = _zero(remaining, desc, variable.field_path)
        if isinstance(value, list) and value and not any(isinstance(v, (dict, list)) for v in value):
            texts = [_text(v) for v in value]  # a repeated field in the path: its values joined by commas
            if any("," in t for t in texts):
                raise OutboundError(
                    f"{method.full_name}: a value of {variable.name!r} has a comma, which separates them"
                )
            value = ",".join(texts)
        if value is None or value == "":
            raise OutboundError(f"{method.full_name}: the path needs {variable.name!r}, which is not set")
        text = _text(value)
        parts.append(quote(text, safe="/") if variable.multi else quote(text, safe=""))
        index = variable.stop
    while index < len(template.segments):
        segment = template.segments[index]
        if segment.kind != LITERAL:  # a wildcard with no variable: REST needs some value there
            raise OutboundError(f"{method.full_name}: the route {chosen.path!r} has a wildcard no field fills")
        parts.append(segment.text)
        index += 1
    path = "/" + "/".join(parts) + (f":{template.verb}" if template.verb else "")
    body: bytes | None = None
    if chosen.body == "*":
        body = orjson.dumps(remaining)
        remaining = {}
    elif chosen.body:
        value = _take(remaining, desc, tuple(chosen.body.split(".")))
        body = orjson.dumps(value) if value is not None else None  # "{}" would set the field (empty)
    pairs: list[tuple[str, str]] = []
    _query(remaining, desc, "", pairs, method.full_name)
    return HttpRequest(chosen.verb, path, urlencode(pairs, quote_via=quote), body)


def _take(remaining: dict[str, Any], desc: descriptor.Descriptor, field_path: tuple[str, ...]) -> Any:
    """Remove and return the REST JSON value of a (proto-named) field path, ``None`` if unset."""
    node: Any = remaining
    current: descriptor.Descriptor | None = desc
    for i, name in enumerate(field_path):
        if current is None or not isinstance(node, dict):
            return None
        field = current.fields_by_name.get(name)
        if field is None:
            return None
        key = field.json_name
        if i == len(field_path) - 1:
            return node.pop(key, None)
        node = node.get(key)
        current = field.message_type
    return None


def _zero(remaining: dict[str, Any], desc: descriptor.Descriptor, field_path: tuple[str, ...]) -> Any:
    """The zero value of a singular number, bool or enum field (REST JSON leaves it out), if the messages on the
    way to it are there; ``None`` for any other field (an empty string or bytes cannot fill a path segment)."""
    node: Any = remaining
    current: descriptor.Descriptor | None = desc
    for i, name in enumerate(field_path):
        field = current.fields_by_name.get(name) if current is not None else None
        if field is None or not isinstance(node, dict):
            return None
        if i < len(field_path) - 1:
            node, current = node.get(field.json_name), field.message_type
            continue
        if field.is_repeated or field.type in _NO_ZERO or field.has_presence:
            return None  # (a field with presence left unset is unset, not zero)
        if field.enum_type is not None:
            return field.enum_type.values_by_number[0].name if 0 in field.enum_type.values_by_number else 0
        return False if field.type == descriptor.FieldDescriptor.TYPE_BOOL else 0
    return None


_NO_ZERO = frozenset(
    {
        descriptor.FieldDescriptor.TYPE_STRING,
        descriptor.FieldDescriptor.TYPE_BYTES,
        descriptor.FieldDescriptor.TYPE_MESSAGE,
        descriptor.FieldDescriptor.TYPE_GROUP,
    }
)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise OutboundError(f"a path variable cannot carry {type(value).__name__} {value!r}")
    return str(value)


def _query(
    value: Mapping[str, Any], desc: descriptor.Descriptor | None, prefix: str, pairs: list[tuple[str, str]], method: str
) -> None:
    """Query parameters for what is left of a message's REST JSON (fields by JSON name, dotted into messages)."""
    by_json = {f.json_name: f for f in desc.fields} if desc is not None else {}
    for key, inner in value.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        field = by_json.get(key)
        if field is not None and field.message_type is not None and field.message_type.GetOptions().map_entry:
            for map_key, map_value in inner.items():
                if "]" in map_key:  # the parameter name's brackets end at the first "]"
                    raise OutboundError(f"{method}: a key of {name!r} has a ']', which a query string cannot carry")
                pairs.append((f"{name}[{map_key}]", _text(map_value)))
        elif isinstance(inner, Mapping) and field is not None and field.message_type is not None:
            if field.message_type.full_name.startswith("google.protobuf."):  # a Struct, an Any: JSON objects
                raise OutboundError(
                    f"{method}: {name!r} is a {field.message_type.full_name} object, which a query string cannot carry"
                )
            _query(inner, field.message_type, name, pairs, method)
        elif isinstance(inner, list):
            for item in inner:
                if isinstance(item, (Mapping, list)):
                    raise OutboundError(f"{method}: {name!r} is a list of messages, which a query string cannot carry")
                pairs.append((name, _text(item)))
        else:
            pairs.append((name, _text(inner)))
