"""Valid HTTP requests for a registry's ``google.api.http`` routes, each with the request message it carries.

A request is built from a valid payload (:func:`yc_contracts.testing._payloads.spelled`, mixed spellings) of the
route's request type:

- path variables take the message's values (a value is drawn where the message leaves one empty; a variable
  with a pattern, ``{name=projects/*/shelves/*}``, gets text of that shape), percent-encoded the way
  ``google/api/http.proto`` says (every ``/`` of a one-segment variable escaped, the separators of a
  multi-segment one kept);
- a ``body: "*"`` route sends the rest of the payload as the JSON body; a ``body: "<field>"`` route sends that
  field's JSON; what neither the path nor the body carries goes into query parameters by JSON name (repeated
  fields as lists of values, nested messages as dotted names, map entries as ``name[key]``);
- fields that no query parameter can set (repeated messages, maps of messages, ``Struct``, ``Any``…) are left
  out of the message on routes that would need them in the query;
- headers carry ``authorization: Bearer <token>`` and ``x-folder-id``, sometimes other forwarded or plain
  headers, their names in any letter case.

Transcoding the request (:func:`yc_contracts.transcode`) gives back the route's method and the message.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any, Final, TypeAlias

import hypothesis.strategies as st
from google.protobuf import descriptor
from google.protobuf.message import Message
from hypothesis.strategies import SearchStrategy

from yc_contracts.contract import wkt as _wkt
from yc_contracts.contract.descriptors import is_map
from yc_contracts.contract.errors import UnknownNameError
from yc_contracts.contract.registry import Registry, Route, default_registry
from yc_contracts.testing._messages import _assign, compiler_for
from yc_contracts.testing._payloads import Spelled, descriptor_of, spelled
from yc_contracts.transcoding.templates import LITERAL, SINGLE, Variable, parse_template

__all__ = ["HttpRequest", "http_requests", "requests_with_messages"]

HttpRequest: TypeAlias = tuple[str, str, dict[str, str | list[str]], str | None, dict[str, str]]
"""``(method, path, query, body, headers)``, the arguments :func:`yc_contracts.transcode` takes."""

_FD = descriptor.FieldDescriptor
# Well-known types a query parameter can spell in one value (as the transcoder reads them).
_VALUE_WKTS: Final = frozenset(
    {"google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask", *_wkt.WRAPPERS}
)
_TOKEN: Final = st.text(
    st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/"), min_size=1, max_size=48
)
_FOLDER: Final = st.text(st.sampled_from("abcdefghijklmnopqrstuv0123456789"), min_size=17, max_size=17).map(
    lambda s: "b1g" + s
)
_SEGMENT: Final = st.text(st.characters(codec="utf-8", exclude_characters="/"), min_size=1, max_size=8)
_EXTRA_HEADERS: Final = st.dictionaries(
    st.sampled_from(
        [
            "x-client-request-id",
            "x-data-logging-enabled",
            "x-request-id",
            "user-agent",
            "accept",
            "grpc-metadata-tenant",
        ]
    ),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=16),
    max_size=3,
)


# ------------------------------------------------------------------------------------------------ public API


def http_requests(route: str | Route | None = None, *, registry: Registry | None = None) -> SearchStrategy[HttpRequest]:
    """A Hypothesis strategy for valid REST requests ``(method, path, query, body, headers)``.

    ``route`` is one route, as ``"VERB /template"`` (``"GET /operations/{operation_id}"``) or a
    :class:`~yc_contracts.Route`; by default requests go to every route of the registry (the contract's own
    unless ``registry`` is given).

    - ``method``: the route's HTTP method, upper case;
    - ``path``: the template with its variables filled in from a valid request message, percent-encoded;
    - ``query``: the message's other fields for routes without a ``"*"`` body, by JSON name (a list of values
      for a repeated field, ``"a.b"`` for a field of a nested message, ``"labels[key]"`` for a map entry);
    - ``body``: JSON text (the request, or the route's body field, in any spelling
      :func:`~yc_contracts.testing.payloads` draws), or ``None`` for routes without a body;
    - ``headers``: ``authorization: Bearer <token>`` and ``x-folder-id: <folder>``, sometimes more.

    Passing them to :func:`yc_contracts.transcode` yields the route's gRPC method and the message they were
    built from, with the forwarded headers in its metadata.

    Raises:
        UnknownNameError: no route of the registry has that verb and template.
        TypeError: ``route`` is not a string or a :class:`~yc_contracts.Route`; ``registry`` is not a
            :class:`~yc_contracts.Registry`.
        ValueError: the registry has no HTTP routes.
        ContractError: a route's request type has options and rules no value satisfies.
    """
    return requests_with_messages(route, registry=registry).map(lambda found: found[2])


_cache_lock = threading.Lock()


def requests_with_messages(
    route: str | Route | None = None, *, registry: Registry | None = None
) -> SearchStrategy[tuple[Route, Message, HttpRequest]]:
    """Requests as :func:`http_requests` draws them, each with its route and the request message it carries.

    Raises:
        UnknownNameError: no route of the registry has that verb and template.
        TypeError: a bad ``route`` or ``registry``.
        ValueError: the registry has no HTTP routes.
        ContractError: a route's request type has options and rules no value satisfies.
    """
    reg = default_registry() if registry is None else registry
    if not isinstance(reg, Registry):
        raise TypeError(f"registry must be a yc_contracts.Registry, got {type(reg).__name__}")
    routes = _routes(reg, route)
    key = "" if route is None else str(routes[0])
    cache: dict[str, SearchStrategy[tuple[Route, Message, HttpRequest]]] = reg.derived("testing.requests", dict)
    with _cache_lock:
        found = cache.get(key)
        if found is None:
            parts = [_route_requests(reg, r) for r in routes]
            found = cache[key] = parts[0] if len(parts) == 1 else st.one_of(parts)
        return found


def _routes(reg: Registry, route: str | Route | None) -> list[Route]:
    if route is None:
        routes = list(reg.routes())
        if not routes:
            raise ValueError("the registry has no HTTP routes")
        return routes
    if isinstance(route, Route):
        for known in reg.routes():
            if known == route:
                return [known]
        raise UnknownNameError("route", str(route), (str(r) for r in reg.routes()))
    if isinstance(route, str):
        return [reg.route(route)]
    raise TypeError(f"route must be 'VERB /template' or a yc_contracts.Route, got {type(route).__name__}")


def _route_requests(reg: Registry, route: Route) -> SearchStrategy[tuple[Route, Message, HttpRequest]]:
    builder = _RequestBuilder(reg, route)
    base = spelled(route.method.input_type, names="mixed", registry=reg)  # fails early on impossible types

    @st.composite
    def build(draw: st.DrawFn) -> tuple[Route, Message, HttpRequest]:
        return builder.build(draw, draw(base))

    return build()


# ------------------------------------------------------------------------------------------------ builder


class _RequestBuilder:
    """Turns valid payloads of one route's request type into requests for that route."""

    def __init__(self, reg: Registry, route: Route) -> None:
        self.reg = reg
        self.route = route
        self.template = parse_template(route.path)
        self.request_desc = route.method.descriptor.input_type
        self.compiler = compiler_for(reg)
        self.chains = [self._chain(v.field_path) for v in self.template.variables]
        self.body_chain = self._chain(tuple(route.body.split("."))) if route.body and route.body != "*" else []

    def _chain(self, names: tuple[str, ...]) -> list[descriptor.FieldDescriptor]:
        desc = self.request_desc
        chain = []
        for name in names:
            field = desc.fields_by_name[name]
            chain.append(field)
            if field.message_type is not None:
                desc = field.message_type
        return chain

    def build(self, draw: st.DrawFn, valid: Spelled) -> tuple[Route, Message, HttpRequest]:
        msg = type(valid.message)()
        msg.CopyFrom(valid.message)
        body_json: Any = dict(valid.payload) if isinstance(valid.payload, dict) else {}
        # Path variables: the message's values (drawn where empty, shaped where the template says how).
        texts = []
        for variable, chain in zip(self.template.variables, self.chains, strict=True):
            texts.append(self._variable(draw, msg, variable, chain))
            body_json = _without(body_json, chain)
        path = self._path(draw, texts)
        # The body, and the query for whatever neither the path nor the body carries.
        body: Any = None
        query: dict[str, str | list[str]] = {}
        bound = [tuple(f.name for f in chain) for chain in self.chains]
        if self.route.body == "*":
            body = body_json
        else:
            if self.body_chain:
                bound.append(tuple(f.name for f in self.body_chain))
                body = _field_json(body_json, self.body_chain)
            _clear_unqueryable(msg, bound, ())
            query = _query(self._printed(msg), self.request_desc, bound)
        text = None if body is None else json.dumps(body, ensure_ascii=draw(st.booleans(), label="ASCII JSON"))
        if self.route.body == "*" and not body:
            text = draw(st.sampled_from(["{}", "", None]), label="empty body")  # all mean "no fields"
        headers = self._headers(draw, body is not None)
        return self.route, msg, (self.route.verb.upper(), path, query, text, headers)

    # ---------------------------------------------------------------------------------------- path

    def _variable(
        self, draw: st.DrawFn, msg: Message, variable: Variable, chain: list[descriptor.FieldDescriptor]
    ) -> str:
        """The (unescaped) text of one path variable, set on the message too."""
        pattern = self.template.segments[variable.start : variable.stop]
        leaf = chain[-1]
        holder = _holder(msg, chain)
        if len(pattern) == 1 and pattern[0].kind == SINGLE:
            if leaf.is_repeated:
                return self._list_variable(draw, holder, leaf)
            text = _text_of(self._printed(holder).get(leaf.json_name))
            if not text:
                _assign(self.reg, holder, leaf, draw(self._present(holder, leaf), label=variable.name))
                text = _text_of(self._printed(holder).get(leaf.json_name))
            return text
        parts: list[str] = []
        for segment in pattern:
            if segment.kind == LITERAL:
                parts.append(segment.text)
            elif segment.kind == SINGLE:
                parts.append(draw(_SEGMENT, label=variable.name))
            else:
                parts.extend(draw(st.lists(_SEGMENT, min_size=1, max_size=3), label=variable.name))
        text = "/".join(parts)
        setattr(holder, leaf.name, text)
        return text

    def _present(self, holder: Message, leaf: descriptor.FieldDescriptor) -> SearchStrategy[Any]:
        """Values of ``leaf`` that appear in the JSON form (non-empty, non-default), within its rules."""
        rules = tuple(r for r in self.compiler.split(descriptor_of(holder), ())[0] if r.field == leaf.name)
        return self.compiler.field(leaf, rules, "present", (), 1)

    def _list_variable(self, draw: st.DrawFn, holder: Message, leaf: descriptor.FieldDescriptor) -> str:
        """A repeated field in one path segment: its items' texts joined by ``,`` (items are split there)."""
        items = getattr(holder, leaf.name)
        if leaf.type == _FD.TYPE_STRING:
            kept = [item for item in items if item and "," not in item]
            del items[:]
            items.extend(kept)
            if not kept:
                items.append(draw(_SEGMENT.map(lambda t: t.replace(",", ";")), label=leaf.name))
        elif not items:
            _assign(self.reg, holder, leaf, draw(self._present(holder, leaf), label=leaf.name))
        printed = self._printed(holder).get(leaf.json_name, [])
        return ",".join(_text_of(item) for item in printed)

    def _path(self, draw: st.DrawFn, texts: list[str]) -> str:
        by_start = {v.start: (v, text) for v, text in zip(self.template.variables, texts, strict=True)}
        out: list[str] = []
        index = 0
        segments = self.template.segments
        while index < len(segments):
            found = by_start.get(index)
            if found is None:
                segment = segments[index]
                if segment.kind == LITERAL:
                    out.append(segment.text)
                elif segment.kind == SINGLE:
                    out.append(_escape(draw, draw(_SEGMENT, label="*")))
                else:
                    out.extend(_escape(draw, t) for t in draw(st.lists(_SEGMENT, max_size=3), label="**"))
                index += 1
                continue
            variable, text = found
            if variable.multi:
                out.append("/".join(_escape(draw, piece) for piece in text.split("/")))
            else:
                out.append(_escape(draw, text))
            index = variable.stop
        path = "/" + "/".join(out)
        return path + (f":{self.template.verb}" if self.template.verb else "")

    # ---------------------------------------------------------------------------------------- the rest

    def _printed(self, msg: Message) -> dict[str, Any]:
        from yc_contracts.conversion.protojson import to_rest

        return to_rest(msg, registry=self.reg)

    def _headers(self, draw: st.DrawFn, has_body: bool) -> dict[str, str]:
        def spelled_name(name: str) -> str:
            return draw(st.sampled_from([name, name.title(), name.upper()]), label="header name")

        headers = {
            spelled_name("authorization"): "Bearer " + draw(_TOKEN, label="token"),
            spelled_name("x-folder-id"): draw(_FOLDER, label="folder"),
        }
        for name, value in draw(_EXTRA_HEADERS, label="headers").items():
            headers.setdefault(spelled_name(name), value)
        if has_body:
            headers.setdefault("Content-Type", "application/json")
        return headers


def _holder(msg: Message, chain: list[descriptor.FieldDescriptor]) -> Message:
    """The message that holds the last field of ``chain`` (intermediate messages are set on the way)."""
    holder = msg
    for field in chain[:-1]:
        holder = getattr(holder, field.name)
    return holder


def _escape(draw: st.DrawFn, text: str) -> str:
    """One path segment, percent-encoded: everything but letters and digits (sometimes also ``-._~``, but never
    the dots of a ``.`` or ``..`` segment, which URL normalization would remove)."""
    keep = text not in (".", "..") and draw(st.booleans(), label="keep unreserved")
    out = []
    for char in text:
        if char.isascii() and (char.isalnum() or (keep and char in "-._~")):
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def _text_of(value: Any) -> str:
    """A JSON value of a scalar (or a one-value well-known type) as path or query text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # finite: ProtoJSON prints NaN and the infinities as strings
    return str(value)


def _without(body: Any, chain: list[descriptor.FieldDescriptor]) -> Any:
    """``body`` without the field at ``chain`` (under either spelling); dicts on the way are copied."""
    if not isinstance(body, dict) or not chain:
        return body
    head, rest = chain[0], chain[1:]
    out = dict(body)
    for key in {head.json_name, head.name}:
        if key in out:
            if rest:
                out[key] = _without(out[key], rest)
            else:
                del out[key]
    return out


def _field_json(body: Any, chain: list[descriptor.FieldDescriptor]) -> Any:
    """The JSON of the field at ``chain`` in ``body`` (under whichever spelling it has), or ``None``."""
    node = body
    for field in chain:
        if not isinstance(node, dict):
            return None
        node = node.get(field.json_name, node.get(field.name))
    return node


def _queryable(field: descriptor.FieldDescriptor) -> bool:
    """Whether query parameters can give the field a value (for message fields: field by field)."""
    target = field.message_type
    if target is None:
        return True
    if is_map(field):
        value = target.fields_by_name["value"].message_type
        return value is None or value.full_name in _VALUE_WKTS
    if target.full_name in _VALUE_WKTS:
        return True
    return not field.is_repeated and not target.full_name.startswith("google.protobuf.")


def _clear_unqueryable(msg: Message, bound: list[tuple[str, ...]], prefix: tuple[str, ...]) -> None:
    """Clear what no query parameter can set (outside the fields the path and body bind), and message fields
    that would be left empty (no parameter would make them present)."""
    for field in descriptor_of(msg).fields:
        here = (*prefix, field.name)
        if any(b[: len(here)] == here for b in bound):
            if here not in bound and field.message_type is not None and not field.is_repeated:
                _clear_unqueryable(getattr(msg, field.name), bound, here)  # something inside it is bound
            continue
        if not _queryable(field):
            msg.ClearField(field.name)
        elif is_map(field):
            entries = getattr(msg, field.name)
            for key in [k for k in entries if isinstance(k, str) and "]" in k]:
                del entries[key]  # name[key] cannot spell a key with a ']'
        elif field.message_type is not None and not field.is_repeated and not is_map(field):
            if field.message_type.full_name in _VALUE_WKTS or not msg.HasField(field.name):
                continue
            child = getattr(msg, field.name)
            _clear_unqueryable(child, bound, here)
            if not child.ListFields():
                msg.ClearField(field.name)


def _query(
    printed: Mapping[str, Any], desc: descriptor.Descriptor, bound: list[tuple[str, ...]]
) -> dict[str, str | list[str]]:
    """Query parameters for the printed message, leaving out what the path and the body bind."""
    out: dict[str, str | list[str]] = {}

    def walk(obj: Mapping[str, Any], desc: descriptor.Descriptor, names: tuple[str, ...], dotted: str) -> None:
        for field in desc.fields:
            here = (*names, field.name)
            if here in bound:
                continue
            if field.json_name not in obj:
                continue
            value = obj[field.json_name]
            name = f"{dotted}{field.json_name}"
            target = field.message_type
            if is_map(field):
                for key, item in value.items():
                    out[f"{name}[{key}]"] = _text_of(item)
            elif field.is_repeated:
                out[name] = [_text_of(item) for item in value]
            elif target is not None and target.full_name not in _VALUE_WKTS:
                walk(value, target, here, f"{name}.")
            else:
                out[name] = _text_of(value)

    walk(printed, desc, (), "")
    return out
