"""The request binder: a compiled route binds path variables, query parameters and the body into one REST JSON
object, checks oneofs and path/body agreement, and converts it into the method's request message."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from google.protobuf import descriptor, json_format, message

from yc_contracts.contract import wkt as _wkt
from yc_contracts.contract.errors import ContractError
from yc_contracts.contract.registry import Route
from yc_contracts.transcoding.calls import JsonValue
from yc_contracts.transcoding.errors import BadRequestError
from yc_contracts.transcoding.params import ABSENT, BadValueError, from_text, json_kind, same, short
from yc_contracts.transcoding.templates import LITERAL, EscapeError, parse_template, unescape
from yc_contracts.validation import payload as _payload
from yc_contracts.validation.violations import ValidationError, Violation, pointer

if TYPE_CHECKING:
    from yc_contracts.transcoding.routes import RouteTable


_Chain: TypeAlias = tuple[descriptor.FieldDescriptor, ...]

# Well-known types a single path or query value can spell; any other message must be set field by field.
_VALUE_WKTS: Final = frozenset(
    {"google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.FieldMask", *_wkt.WRAPPERS}
)


class CompiledRoute:
    """One route with its template parsed and every field path resolved against the request type."""

    def __init__(self, table: RouteTable, route: Route) -> None:
        self.table = table
        self.route = route
        self.method = route.method
        self.verb = route.verb.upper()
        where = f"{route.method.full_name} ({route})"
        try:
            self.template = parse_template(route.path)
        except ContractError as e:
            raise ContractError(f"{where}: {e}") from e
        segments = self.template.segments
        # the first segment's literal text (without a :verb), for the matcher's index; None for a wildcard
        self.first = segments[0].text if segments and segments[0].kind == LITERAL else None
        self.request_desc = route.method.descriptor.input_type
        self.request_class = table.registry.message_class(self.request_desc.full_name)
        self.path_chains: tuple[_Chain, ...] = tuple(
            _chain(self.request_desc, v.field_path, where, variable=True) for v in self.template.variables
        )
        self.path_pointers = tuple(pointer(f.json_name for f in chain) for chain in self.path_chains)
        self.body_chain: _Chain = ()
        if route.body and route.body != "*":
            self.body_chain = _chain(self.request_desc, tuple(route.body.split(".")), where)
        if route.response_body:  # checked here, so a broken one fails before any call is made
            _chain(route.method.descriptor.output_type, tuple(route.response_body.split(".")), where)
        self.body_path = tuple(f.name for f in self.body_chain)
        bound = [tuple(f.name for f in chain) for chain in self.path_chains]
        if self.body_chain:
            bound.append(self.body_path)
        self.bound = tuple(bound)

    # ------------------------------------------------------------------------------------- binding

    def bind(
        self,
        captured: tuple[str, ...],
        params: list[tuple[str, str]],
        body: Any,
        errors: list[Violation],
        *,
        validate: bool = True,
    ) -> message.Message:
        payload = self._body_payload(body, errors)
        bindings = zip(self.template.variables, self.path_chains, self.path_pointers, captured, strict=True)
        for variable, chain, where, raw in bindings:
            try:
                text = unescape(raw, multi=variable.multi)
            except EscapeError as e:
                errors.append(Violation(where, "http.path_value", f"the path variable {variable.name!r}: {e}"))
                continue
            leaf = chain[-1]
            try:
                value: JsonValue = (
                    [from_text(leaf, item) for item in text.split(",")] if leaf.is_repeated else from_text(leaf, text)
                )
            except BadValueError as e:
                errors.append(
                    Violation(where, "http.path_value", f"the path variable {variable.name!r} is {text!r}: {e}")
                )
                continue
            payload, previous = _insert(payload, chain, (), value, errors)
            if previous is not ABSENT and previous is not None and not same(leaf, previous, value):
                errors.append(
                    Violation(
                        where,
                        "http.path_body_conflict",
                        f"the path variable {variable.name!r} is {text!r} but the body gives "
                        f"{short(previous)}; leave the field out of the body or make them equal",
                    )
                )
        if params:
            payload = self._bind_query(payload, params, errors)
        if errors:
            raise BadRequestError(errors)
        return self._to_message(payload, validate=validate)

    def _body_payload(self, body: Any, errors: list[Violation]) -> dict[str, JsonValue]:
        """The body as the start of the request's REST JSON object (``{}`` without one)."""
        if _is_absent(body):
            return {}
        if not self.route.body:
            errors.append(
                Violation(
                    "",
                    "http.body_not_allowed",
                    f"{self.route} takes no body; send the request's fields as path and query parameters",
                )
            )
            return {}
        value = _load_body(body, errors)
        if value is ABSENT:
            return {}
        if self.route.body == "*":
            if not isinstance(value, dict):
                errors.append(
                    Violation(
                        "",
                        "http.body_invalid",
                        f"the body must be a JSON object (the whole {self.request_desc.full_name}), "
                        f"not {json_kind(value)}",
                    )
                )
                return {}
            return value
        leaf = self.body_chain[-1]
        expected = _body_shape(leaf)
        if expected and json_kind(value) != expected and value is not None:
            errors.append(
                Violation(
                    pointer(f.json_name for f in self.body_chain),
                    "http.body_invalid",
                    f"the body is the field {self.route.body!r} and must be {expected}, not {json_kind(value)}",
                )
            )
            return {}
        payload, _ = _insert({}, self.body_chain, (), value, errors)
        return payload

    def _bind_query(
        self, payload: dict[str, JsonValue], params: list[tuple[str, str]], errors: list[Violation]
    ) -> dict[str, JsonValue]:
        grouped: dict[tuple[_Chain, str | None], list[tuple[str, str]]] = {}
        for name, text in params:
            try:
                target = self._resolve_param(name)
            except _BadParamError as e:
                errors.append(Violation(e.where, e.rule, str(e)))
                continue
            grouped.setdefault(target, []).append((name, text))
        oneofs: dict[tuple[_Chain, descriptor.OneofDescriptor], None] = {}
        for (chain, map_key), given in grouped.items():
            leaf = chain[-1]
            tail: tuple[str, ...] = () if map_key is None else (map_key,)
            try:
                value = _param_value(leaf, map_key, [text for _, text in given])
            except BadValueError as e:
                shown = f" is {given[0][1]!r}" if len(given) == 1 else ""
                where = pointer([*(f.json_name for f in chain), *tail])
                errors.append(Violation(where, "http.query_value", f"the query parameter {given[0][0]!r}{shown}: {e}"))
                continue
            payload, _ = _insert(payload, chain, tail, value, errors)
            oneof = leaf.containing_oneof
            if oneof is not None and len(oneof.fields) > 1:
                oneofs[(chain[:-1], oneof)] = None
        for parent, oneof in oneofs:
            _check_oneof(payload, parent, oneof, errors)
        return payload

    def _resolve_param(self, name: str) -> tuple[_Chain, str | None]:
        """The field chain (and map key) a query parameter sets.

        Raises:
            _BadParamError: the name is no field path of the request, or names a field that no query
                parameter may set (bound by the path or body, a message, a repeated message…).
        """
        matched = _PARAM_KEY.fullmatch(name)
        if matched is None:
            raise _BadParamError("", "http.query_unknown", f"the query parameter {name!r} is not a field path")
        names, map_key = matched["path"].split("."), matched["key"]
        desc = self.request_desc
        chain: list[descriptor.FieldDescriptor] = []
        for i, part in enumerate(names):
            found = self.table.names(desc).get(part)
            if found is None:
                close = difflib.get_close_matches(part, [f.json_name for f in desc.fields], n=1, cutoff=0.6)
                hint = f"; did you mean {'.'.join([*names[:i], close[0]])!r}?" if close else ""
                raise _BadParamError(
                    pointer([*(f.json_name for f in chain), part]),
                    "http.query_unknown",
                    f"the query parameter {name!r} names no field of {desc.full_name}{hint}",
                )
            chain.append(found)
            if i < len(names) - 1:
                if found.message_type is None or found.is_repeated or found.message_type.full_name in _VALUE_WKTS:
                    raise _BadParamError(
                        pointer(f.json_name for f in chain),
                        "http.query_unknown",
                        f"the query parameter {name!r} goes into {part!r}, which is not a singular message",
                    )
                desc = found.message_type
        where = pointer(f.json_name for f in chain)
        proto_path = tuple(f.name for f in chain)
        if self.route.body == "*":
            raise _BadParamError(
                where,
                "http.query_bound",
                f"the query parameter {name!r} cannot be used: {self.route} takes the whole request in its body",
            )
        for bound in self.bound:
            if bound[: len(proto_path)] == proto_path[: len(bound)]:  # one is a prefix of the other
                by = "body" if bound == self.body_path else "path"
                raise _BadParamError(
                    where,
                    "http.query_bound",
                    f"the query parameter {name!r} sets {'.'.join(bound)!r}, which the {by} of {self.route} binds",
                )
        problem = _param_problem(chain[-1], map_key, matched["path"])
        if problem:
            raise _BadParamError(where, "http.query_unknown", f"the query parameter {name!r} {problem}")
        return tuple(chain), map_key

    def _to_message(self, payload: dict[str, JsonValue], *, validate: bool) -> message.Message:
        """The request message from its REST JSON.

        ``to_proto`` over the route's registry, which, with ``validate``, checks the request against it: the
        contract's rules and limits for the contract's registry, the ``yandex.cloud`` options of any other's types
        (every error becomes a violation of this BadRequestError). A well-known type as the whole request (an
        ``Empty``) has no schema document of its own, and goes through ``json_format`` over the registry's pool.
        """
        name = self.request_desc.full_name
        if not _wkt.is_well_known(name):
            from yc_contracts.conversion.protojson import ConversionError, to_proto
            from yc_contracts.validation.validator import check

            registry = self.table.registry
            try:
                return to_proto(name, payload, registry=registry, validate=validate)
            except ValidationError as e:
                raise BadRequestError(list(e.violations)) from None
            except ConversionError as e:  # not ProtoJSON at all (validate=False): say where, as validation would
                found = [v for v in check(name, payload, registry=registry) if v.severity == "error"]
                raise BadRequestError(
                    found or [Violation("", "http.body_invalid", f"the request is not valid REST JSON: {e}")]
                ) from None
        request = self.request_class()
        try:
            json_format.ParseDict(payload, request, ignore_unknown_fields=False, descriptor_pool=self.table.pool)
        except json_format.ParseError as e:
            raise BadRequestError([_parse_error_violation(str(e))]) from None
        except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as e:
            raise BadRequestError(
                [Violation("", "http.body_invalid", f"the request is not valid REST JSON: {e}")]
            ) from None
        return request


class _BadParamError(Exception):
    def __init__(self, where: str, rule: str, text: str) -> None:
        super().__init__(text)
        self.where = where
        self.rule = rule


_PARAM_KEY: Final = re.compile(r"(?P<path>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?:\[(?P<key>[^\]]*)\])?")


def _map_entry(f: descriptor.FieldDescriptor) -> tuple[descriptor.FieldDescriptor, descriptor.FieldDescriptor] | None:
    """A map field's key and value fields; ``None`` for other fields."""
    entry = f.message_type
    if entry is None or not entry.GetOptions().map_entry:
        return None
    return entry.fields_by_name["key"], entry.fields_by_name["value"]


def _param_problem(leaf: descriptor.FieldDescriptor, map_key: str | None, path: str) -> str:
    """Why no query parameter can set ``leaf`` (with ``map_key``, if given); ``""`` when one can."""
    entry = _map_entry(leaf)
    if map_key is not None:
        if entry is None:
            return f"gives a key, but {leaf.json_name!r} is not a map"
        value_type = entry[1].message_type
        if value_type is not None and value_type.full_name not in _VALUE_WKTS:
            return f"sets an entry of {leaf.json_name!r}, whose values are messages"
        return ""
    if entry is not None:
        return f"names a map; give each entry as {path}[key]=value"
    if leaf.message_type is not None and leaf.message_type.full_name not in _VALUE_WKTS:
        if leaf.is_repeated or leaf.message_type.full_name.startswith("google.protobuf."):
            kind = "repeated message" if leaf.is_repeated else leaf.message_type.full_name
            return f"names a {kind} field, which query parameters cannot set"
        example = next((f.json_name for f in leaf.message_type.fields), "field")
        return (
            f"names a message ({leaf.message_type.full_name}) that no single value can spell; "
            f"set its fields instead, e.g. '{path}.{example}'"
        )
    return ""


def _param_value(leaf: descriptor.FieldDescriptor, map_key: str | None, texts: list[str]) -> JsonValue:
    """The REST JSON value the texts of one query parameter (all its repetitions) give a field.

    Raises:
        BadValueError: a text is not a value of the field, or a singular field (map entry) is repeated.
    """
    if leaf.is_repeated and map_key is None:
        return [from_text(leaf, text) for text in texts]
    if len(texts) > 1:
        raise BadValueError(f"it is given {len(texts)} times; the field takes one value")
    entry = _map_entry(leaf)
    if map_key is not None and entry is not None:
        from_text(entry[0], map_key)
        return from_text(entry[1], texts[0])
    return from_text(leaf, texts[0])


def _chain(desc: descriptor.Descriptor, names: tuple[str, ...], where: str, *, variable: bool = False) -> _Chain:
    """Resolve a field path of a rule (proto names) to field descriptors.

    Raises:
        ContractError: a name is not a field, the path goes through a repeated, map or scalar field, or (for a
            path variable) ends at a map or at a message no single value can spell.
    """
    chain: list[descriptor.FieldDescriptor] = []
    for i, name in enumerate(names):
        found = desc.fields_by_name.get(name)
        if found is None:
            raise ContractError(f"{where}: {desc.full_name} has no field {name!r} (in {'.'.join(names)!r})")
        chain.append(found)
        if i < len(names) - 1:
            if found.message_type is None or found.is_repeated:
                raise ContractError(f"{where}: {'.'.join(names)!r} goes through {name!r}, not a singular message")
            desc = found.message_type
    last = chain[-1]
    if (
        variable
        and last.message_type is not None
        and (last.message_type.GetOptions().map_entry or last.message_type.full_name not in _VALUE_WKTS)
    ):
        raise ContractError(f"{where}: the path variable {'.'.join(names)!r} is a map or message field")
    return tuple(chain)


def _body_shape(f: descriptor.FieldDescriptor) -> str:
    """The JSON kind a body field's value must have (``""`` when several may do, as for well-known types)."""
    if _map_entry(f) is not None:
        return "an object"
    if f.is_repeated:
        return "an array"
    if f.message_type is not None and not _wkt.is_well_known(f.message_type.full_name):
        return "an object"
    return ""


def _is_absent(body: Any) -> bool:
    if body is None:
        return True
    if isinstance(body, str):
        return not body.strip()
    if isinstance(body, (bytes, bytearray, memoryview)):
        return not bytes(body).strip()
    return isinstance(body, Mapping) and not body


def _load_body(body: Any, errors: list[Violation]) -> JsonValue:
    """The body as JSON values (``ABSENT`` after recording why it cannot be read)."""
    if isinstance(body, (str, bytes, bytearray, memoryview)):
        loaded = _payload.load_text(body)
        if loaded.violations:
            errors.extend(loaded.violations)
            return ABSENT
        value = loaded.value
        if _payload.plain_text(body, value) is not None:  # megabytes of base64 are not serialized again
            return value
    elif isinstance(body, Mapping):
        value = body if isinstance(body, dict) else dict(body)
    else:
        raise TypeError(f"body must be bytes, str, a mapping or None, not {type(body).__name__}")
    if not _payload.fast_check(value):
        found = _payload.scan(value)
        if found:
            errors.extend(found)
            return ABSENT
    return value


def _insert(
    payload: dict[str, JsonValue], chain: _Chain, tail: tuple[str, ...], value: JsonValue, errors: list[Violation]
) -> tuple[dict[str, JsonValue], JsonValue]:
    """``payload`` with ``value`` set at ``chain`` (then the map key in ``tail``), and what was there before.

    Dicts on the way are copied, never changed in place (the body may be the caller's own object). Keys already
    spelled with a field's proto name keep that spelling.
    """
    root: dict[str, JsonValue] = dict(payload)
    node = root
    keys: list[str] = []
    steps: list[tuple[str, Any]] = [(f.json_name, f) for f in chain] + [(k, None) for k in tail]
    for i, (json_name, f) in enumerate(steps):
        key = json_name if f is None or json_name in node or f.name not in node else f.name
        keys.append(key)
        if i == len(steps) - 1:
            previous = node.get(key, ABSENT)
            node[key] = value
            return root, previous
        child = node.get(key)
        if child is None:
            child = {}
        elif not isinstance(child, dict):
            errors.append(
                Violation(pointer(keys), "http.body_invalid", f"this must be a JSON object, not {json_kind(child)}")
            )
            return root, ABSENT
        else:
            child = dict(child)
        node[key] = child
        node = child
    return root, ABSENT


def _check_oneof(
    payload: dict[str, JsonValue], parent: _Chain, oneof: descriptor.OneofDescriptor, errors: list[Violation]
) -> None:
    node: Any = payload
    for f in parent:
        node = node.get(f.json_name, node.get(f.name)) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return
    present = [f for f in oneof.fields if node.get(f.json_name, node.get(f.name)) is not None]
    if len(present) > 1:
        names = " and ".join(repr(f.json_name) for f in present)
        errors.append(
            Violation(
                pointer([*(f.json_name for f in parent), present[-1].json_name]),
                "http.query_value",
                f"the query parameters set {names}, members of the oneof {oneof.name!r}; give at most one of them",
            )
        )


# json_format's errors: a ParseError's text read back into a violation with a path.
_FAILED_FIELD: Final = re.compile(r"Failed to parse (\S+) field: ")
_NO_FIELD: Final = re.compile(r'has no field named "([^"]+)"')
_AT: Final = re.compile(r' at "?([A-Za-z_][A-Za-z0-9_.\[\]]*)"?')
_AT_PART: Final = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _parse_error_violation(text: str) -> Violation:
    """A violation from a ``json_format.ParseError``: its path recovered from the message, best effort."""
    text = text.split("\n", 1)[0]
    parts: list[object] = []
    while matched := _FAILED_FIELD.match(text):
        parts.append(matched[1])
        text = text[matched.end() :]
    at = _AT.search(text)
    if at is not None:
        located: list[object] = []
        for name, index in _AT_PART.findall(at[1]):
            located.append(int(index) if index else name)
        if len(located) - 1 >= len(parts):
            parts = located[1:]  # the first name is the root message's
        text = text[: at.start()] + text[at.end() :]
    missing = _NO_FIELD.search(text)
    if missing is not None:
        parts.append(missing[1])
    detail = text.rstrip(".").rstrip() or "it cannot be read"
    return Violation(pointer(parts), "http.body_invalid", f"the request is not valid REST JSON: {detail}")
