"""Validators: the schema layer, the service rules and content inspection, compiled once per message type.

1. **Schema layer** — exactly the published JSON Schema. It runs on ``jsonschema-rs`` (a compiled validator)
   over the same documents, with one change: base64 ``bytes`` values, whose pattern would cost a regex pass
   over megabytes of content, are checked by :mod:`yc_contracts._base64` in one C-level pass instead, with
   the same accept/reject (``tests/property`` proves it against the reference ``jsonschema``).
2. **Service rules** — what JSON Schema cannot say: warning-severity rules, real calendar dates in
   timestamps, bounds on durations and timestamps, UTF-8 byte counts, and JSON-ness of the payload itself
   (``NaN``, lone surrogates, depth).
3. **Content inspection** — :mod:`yc_contracts._content`.

Everything that reads schemas or rules happens in :meth:`Compiled.__init__`, once per (type, limits).
"""

from __future__ import annotations

import copy
import functools
import math
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import jsonschema_rs
from google.protobuf import descriptor, json_format, message

from yc_contracts import _base64, _payload, _wkt
from yc_contracts._content import INSPECTORS
from yc_contracts._descriptors import enum_of, is_map, message_of
from yc_contracts._error_paths import instance_path
from yc_contracts._errors import UnknownNameError
from yc_contracts._options import FieldRules, Interval, field_rules
from yc_contracts._rules import Rule, RuleSet, load_rules, resolve_limits
from yc_contracts._schemas import ID_PREFIX, SchemaGenerator
from yc_contracts._violations import ValidationError, Violation, pointer

if TYPE_CHECKING:
    from yc_contracts._registry import MessageRef, Registry

_FD = descriptor.FieldDescriptor
_TIMESTAMP: Final = "google.protobuf.Timestamp"
_DURATION: Final = "google.protobuf.Duration"
_MAX_NESTING: Final = 64
"""Message nesting the rule walker follows (recursive types stop there; the schema layer still sees it all)."""


# ------------------------------------------------------------------------------------------- public API


def iter_violations(
    message_ref: MessageRef,
    payload: Any,
    *,
    limits: Mapping[str, Any] | None = None,
    inspect_content: bool = True,
) -> Iterator[Violation]:
    """Every violation of ``payload`` against the contract for ``message_ref``, errors and warnings, lazily.

    See :func:`check` for the arguments.

    Raises:
        UnknownNameError: ``message_ref`` names no message type, route or Operation schema.
        TypeError: ``payload`` is a protobuf message of another type; a limit override has the wrong kind.
    """
    yield from compiled_for(message_ref, limits).violations(payload, inspect_content=inspect_content)


def check(
    message_ref: MessageRef,
    payload: Any,
    *,
    limits: Mapping[str, Any] | None = None,
    inspect_content: bool = True,
) -> list[Violation]:
    """Every violation of ``payload`` (errors and warnings), sorted by path; never raises for bad data.

    Args:
        message_ref: what the payload should be: a message full name, a message class or instance (ours or the
            official SDK's), a REST route (``"POST /stt/v3/recognizeFileAsync"``, meaning its request body), or
            a per-method Operation key (``"<method full name>.Operation"``).
        payload: REST JSON as Python objects, JSON text (``str``) or UTF-8 JSON (``bytes``), or a protobuf
            message instance.
        limits: overrides of the documented limits, e.g. ``{"ocr.max_file_bytes": 31457280}``
            (``docs/rules.md`` lists them).
        inspect_content: decode ``content`` and compare it with what the request declares (on by default).

    Raises:
        UnknownNameError: ``message_ref`` names no message type, route or Operation schema, or a limit
            override names no limit.
        TypeError: ``payload`` is a protobuf message of another type; a limit override has the wrong kind.
    """
    return compiled_for(message_ref, limits).violations(payload, inspect_content=inspect_content)


def validate(
    message_ref: MessageRef,
    payload: Any,
    *,
    limits: Mapping[str, Any] | None = None,
    inspect_content: bool = True,
) -> None:
    """Check ``payload`` and raise if the service would reject it (warnings never raise).

    See :func:`check` for the arguments.

    Raises:
        ValidationError: one or more error-severity violations; ``.violations`` lists them all.
        UnknownNameError: ``message_ref`` names no message type, route or Operation schema.
        TypeError: ``payload`` is a protobuf message of another type; a limit override has the wrong kind.
    """
    errors = [
        v
        for v in iter_violations(message_ref, payload, limits=limits, inspect_content=inspect_content)
        if v.severity == "error"
    ]
    if errors:
        raise ValidationError(errors)


# ------------------------------------------------------------------------------------------ compilation

_cache: dict[tuple[str, tuple[tuple[str, Any], ...]], Compiled] = {}
_generated: dict[tuple[tuple[str, Any], ...], tuple[dict[str, dict[str, Any]], RuleSet]] = {}
_lock = threading.Lock()


_by_ref: dict[Any, Compiled] = {}


def compiled_for(message_ref: MessageRef, limits: Mapping[str, Any] | None = None) -> Compiled:
    """The compiled validator of a message type (and limits), built on first use.

    Raises:
        UnknownNameError: nothing of that name has a schema.
        TypeError: ``message_ref`` is not a name, class or instance; a limit override has the wrong kind.
    """
    if not limits:
        try:
            return _by_ref[message_ref]
        except (KeyError, TypeError):  # not seen yet, or an unhashable message instance
            pass
    compiled = _compile(message_ref, limits)
    if not limits and isinstance(message_ref, (str, type)):
        _by_ref[message_ref] = compiled
    return compiled


def _compile(message_ref: MessageRef, limits: Mapping[str, Any] | None) -> Compiled:
    from yc_contracts._registry import default_registry
    from yc_contracts._schema_store import documents, schema_key

    key = schema_key(message_ref)
    values = resolve_limits(limits)
    limits_key = tuple(sorted((k, v) for k, v in values.items()))
    with _lock:
        found = _cache.get((key, limits_key))
        if found is not None:
            return found
        registry = default_registry()
        if limits_key not in _generated:
            rules = load_rules(registry, limits=limits)
            docs = documents() if limits is None or not limits else SchemaGenerator(registry, rules).documents()
            _generated[limits_key] = (docs, rules)
        docs, rules = _generated[limits_key]
        compiled = Compiled(key, registry, docs, rules, values)
        _cache[(key, limits_key)] = compiled
        return compiled


def _strip_bytes(node: Any) -> Any:
    """The schema with base64 checks taken out (they run in :mod:`_base64`; see the module docstring)."""
    if isinstance(node, dict):
        if node.get("x-rule") == "type.bytes":
            return {"x-rule": "type.bytes", "type": "string"}
        if node.get("x-decoded-size"):
            return {}
        return {k: _strip_bytes(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_strip_bytes(v) for v in node]
    return node


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(ID_PREFIX):
                yield value[len(ID_PREFIX) :]
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


class _Mode(NamedTuple):
    """How far the rule walker goes: every check, or only those standing in for the schema layer; and whether
    base64 values get their full alphabet pass (see :meth:`Compiled.violations`)."""

    schema_only: bool = False
    alphabet: bool = True


_FULL: Final = _Mode()
_NO_ALPHABET: Final = _Mode(alphabet=False)


@dataclass
class _BytesField:
    """One bytes field: how to find it, and the decoded-size bounds it must meet (with their rule ids)."""

    field: descriptor.FieldDescriptor
    bounds: list[tuple[str, tuple[Interval, ...]]]


@dataclass
class _Plan:
    """What the rule walker does at one message type (built once, shared by every occurrence)."""

    desc: descriptor.Descriptor
    bytes_fields: list[_BytesField] = field(default_factory=list)
    rules: list[_RuleCheck] = field(default_factory=list)
    timestamps: list[tuple[descriptor.FieldDescriptor, FieldRules]] = field(default_factory=list)
    durations: list[tuple[descriptor.FieldDescriptor, FieldRules]] = field(default_factory=list)
    utf8: list[tuple[descriptor.FieldDescriptor, tuple[Interval, ...]]] = field(default_factory=list)
    children: list[descriptor.FieldDescriptor] = field(default_factory=list)
    anys: list[descriptor.FieldDescriptor] = field(default_factory=list)


class Compiled:
    """The three layers for one message type, ready to run."""

    def __init__(
        self,
        key: str,
        registry: Registry,
        docs: Mapping[str, Mapping[str, Any]],
        rules: RuleSet,
        limits: Mapping[str, Any],
    ) -> None:
        self.key = key
        self._reg = registry
        self._rules = rules
        self._limits = limits
        # The schema layer: this document and everything it refers to, as one compound document.
        stripped = {name: _strip_bytes(docs[name]) for name in _closure(key, docs)}
        root = copy.deepcopy(stripped[key])
        root["$defs"] = {name: doc for name, doc in stripped.items() if name != key}
        self._docs = stripped
        self._schema = jsonschema_rs.validator_for(root)
        # For reporting, the document split in two: its own keywords (each property taken as valid), and one
        # validator per property, compiled when first needed. Only the parts that fail are asked for their
        # errors, which collecting every error of a large document at once would make far slower.
        self._registry = jsonschema_rs.Registry([(doc["$id"], doc) for doc in stripped.values()])
        own = {k: v for k, v in stripped[key].items() if k not in ("$schema",)}
        own["properties"] = dict.fromkeys(own.get("properties", {}), True)
        self._own = jsonschema_rs.validator_for(own, registry=self._registry)
        self._properties: dict[str, Any] = {}
        self._rule_ids: dict[str, dict[str, Any]] = {}
        # A document key is a message's full name, or "<method>.Operation" for a method's pinned Operation.
        pinned = key.endswith(".Operation") and key.removesuffix(".Operation") in {
            m.full_name for m in registry.methods()
        }
        self._message_name = key
        self._root_type = "yandex.cloud.operation.Operation" if pinned else key
        self._plans: dict[str, _Plan] = {}
        self._is_active: dict[str, bool] = {}
        self._inspector = INSPECTORS.get(key)
        # Where a request carries megabytes (its base64 content): checked apart from the JSON-ness check.
        root = registry.message_descriptor(self._root_type)
        self._long_paths = tuple(
            path
            for f in root.fields
            for path in (
                [(s,) for s in _names(f)]
                if f.type == _FD.TYPE_BYTES
                else [
                    (a, b)
                    for a in _names(f)
                    for g in (f.message_type.fields if f.message_type else ())
                    if g.type == _FD.TYPE_BYTES
                    for b in _names(g)
                ]
            )
        )

    # --------------------------------------------------------------------------------------- running

    def violations(self, payload: Any, *, inspect_content: bool = True, alphabet: bool = True) -> list[Violation]:
        """Every violation of ``payload``, sorted by path (errors and warnings).

        ``alphabet=False`` leaves out the one pass over every character of base64 values, for a caller that
        decodes them next with a decoder that rejects what the pass would (``to_proto``): when the decoder
        fails, the caller asks again with ``alphabet=True`` to learn where and why.
        """
        if type(payload) is dict and _payload.fast_check_large(payload, self._long_paths):  # the common case
            value: Any = payload
            found: list[Violation] = []
        else:
            loaded = self._load(payload)
            if loaded.value is None and loaded.violations:
                return loaded.violations
            value, found = loaded.value, loaded.violations
            if any(v.rule in ("json.type", "json.too_deep") for v in found):
                return _dedupe(found)
        try:
            schema_ok = self._schema.is_valid(value)
        except ValueError as e:  # a value jsonschema-rs cannot read; the scan says what it is
            return _dedupe(
                found + (_payload.scan(value) or [Violation("", "json.type", f"the payload is not JSON: {e}")])
            )
        if not schema_ok:
            found += self._schema_violations(value)
        found += self._walk(value, _FULL if alphabet else _NO_ALPHABET)
        if inspect_content and self._inspector is not None and not any(v.severity == "error" for v in found):
            try:
                found += self._inspector(value, self._limits)
            except ValueError:  # the content is not base64 after all (the alphabet was not checked): say why
                if alphabet:
                    raise
                return self.violations(payload, inspect_content=inspect_content)
        return _dedupe(found) if found else found

    def _load(self, payload: Any) -> _payload.Loaded:
        if isinstance(payload, (str, bytes, bytearray, memoryview)):
            loaded = _payload.load_text(payload)
            if loaded.value is not None and not _payload.fast_check(loaded.value):
                loaded.violations += _payload.scan(loaded.value)
            return loaded
        if isinstance(payload, message.Message):
            return _payload.Loaded(self._message_to_json(payload))
        if _payload.fast_check(payload):
            return _payload.Loaded(payload)
        return _payload.Loaded(payload, _payload.scan(payload))

    def _message_to_json(self, msg: message.Message) -> Any:
        name = msg.DESCRIPTOR.full_name
        if name != self._root_type:
            raise TypeError(f"the payload is a {name} message; {self._message_name} expected")
        ours = self._reg.coerce(msg)
        try:
            return json_format.MessageToDict(ours, descriptor_pool=self._reg.descriptor_pool)
        except (TypeError, KeyError) as e:  # an Any whose type the pool does not know
            raise UnknownNameError("type URL", str(e), ()) from e

    # ---------------------------------------------------------------------------------- schema layer

    def _errors(self, value: Any) -> Iterator[tuple[list[Any], Any]]:
        """The schema layer's errors as (instance path, error), the document's own keywords first."""
        properties = self._docs[self.key].get("properties", {})
        if not isinstance(value, dict):
            for error in self._schema.iter_errors(value):
                yield instance_path(error, value), error
            return
        for error in self._own.iter_errors(value):
            yield instance_path(error, value), error
        for name, item in value.items():
            if name not in properties:
                continue  # an unknown field, which the document's own additionalProperties reports
            validator = self._properties.get(name)
            if validator is None:
                escaped = name.replace("~", "~0").replace("/", "~1")
                schema = {"$ref": f"{ID_PREFIX}{self.key}#/properties/{escaped}"}
                validator = self._properties[name] = jsonschema_rs.validator_for(schema, registry=self._registry)
            if not validator.is_valid(item):
                for error in validator.iter_errors(item):
                    yield [name, *instance_path(error, item)], error

    def _schema_violations(self, value: Any) -> list[Violation]:
        out: list[Violation] = []
        for path, error in self._errors(value):
            location = error.absolute_keyword_location or ""
            keyword = location.rsplit("/", 1)[-1]
            if keyword == "additionalProperties":
                allowed = self._node(location.rsplit("/", 1)[0]).get("properties", {})
                out += self._unknown_fields(path, error.instance, allowed)
                continue
            annotation = self._rule_at(location)
            rule, field_name = annotation.get("x-rule"), annotation.get("x-field")
            if "x-path" in annotation:
                if not isinstance(error.instance, dict) and (error.instance is not None or not path):
                    # The object has the wrong type, which is reported on its own. (A null field is an absent
                    # one, whose nested required fields are missing; a null payload is not an object at all.)
                    continue
                out.append(
                    Violation(
                        pointer(_merge(path, annotation["x-path"])),
                        rule or "json.invalid",
                        self._explain(rule or "", None, annotation, error.message),
                    )
                )
                continue
            instance = error.instance
            if isinstance(instance, float) and not math.isfinite(instance):
                out.append(
                    Violation(
                        pointer(path),
                        "json.nan",
                        f"found the float {instance!r}, which JSON cannot "
                        'spell; write "NaN", "Infinity" or "-Infinity" as strings',
                    )
                )
                continue
            if rule is None:
                rule = "type.message" if keyword in ("type", "required") else "json.invalid"
            if rule.startswith("type.") and instance is None and path and isinstance(path[-1], int):
                rule = "type.repeated"  # null is never an item of a repeated field, whatever the item type
            where = path
            if field_name and isinstance(instance, dict):
                spelling = next((name for name in field_name if name in instance), field_name[0])
                where = [*path, spelling]
                instance = instance.get(spelling)
            out.append(Violation(pointer(where), rule, self._explain(rule, instance, annotation, error.message)))
        return out

    def _rule_at(self, location: str) -> dict[str, Any]:
        """The innermost annotated schema on the way to a keyword (``x-rule``, ``x-field``, ``x-members``)."""
        cached = self._rule_ids.get(location)
        if cached is not None:
            return cached
        base, _, fragment = location.partition("#")
        node: Any = self._docs.get(base[len(ID_PREFIX) :]) if base.startswith(ID_PREFIX) else None
        found: dict[str, Any] = {}
        for token in [t for t in fragment.split("/") if t] if node is not None else []:
            if isinstance(node, dict) and "x-rule" in node:
                found = node
            key: Any = int(token) if isinstance(node, list) else token.replace("~1", "/").replace("~0", "~")
            node = node[key]
        if isinstance(node, dict) and "x-rule" in node:
            found = node
        annotation = {k: v for k, v in found.items() if k.startswith("x-")}
        self._rule_ids[location] = annotation
        return annotation

    def _node(self, location: str) -> Any:
        """The schema node at an absolute keyword location (``<$id>#/json/pointer``)."""
        base, _, fragment = location.partition("#")
        node: Any = self._docs.get(base[len(ID_PREFIX) :], {})
        for token in [t for t in fragment.split("/") if t]:
            key: Any = int(token) if isinstance(node, list) else token.replace("~1", "/").replace("~0", "~")
            node = node[key]
        return node

    def _unknown_fields(self, path: list[Any], instance: Any, allowed: Mapping[str, Any]) -> list[Violation]:
        desc = self._descriptor_at(path)
        known = sorted(k for k in allowed if k != "@type")
        out = []
        for key in instance if isinstance(instance, dict) else ():
            if key in allowed:
                continue
            close = _closest(key, tuple(known))
            hint = f"; did you mean {close!r}?" if close else ""
            owner = desc.full_name if desc else "this object"
            out.append(
                Violation(
                    pointer([*path, key]),
                    "json.unknown_field",
                    f"found the field {key!r}, which {owner} does not have{hint}",
                )
            )
        return out

    def _descriptor_at(self, path: list[Any]) -> descriptor.Descriptor | None:
        """The message type at a payload path (following fields by either spelling), if it is one."""
        desc: descriptor.Descriptor | None = self._reg.message_descriptor(self._root_type)
        for step in path:
            if desc is None:
                return None
            if isinstance(step, int):
                continue
            field_desc = desc.fields_by_name.get(step) or next((f for f in desc.fields if f.json_name == step), None)
            if field_desc is None or field_desc.message_type is None:
                return None
            desc = field_desc.message_type
            if is_map(field_desc):
                desc = desc.fields_by_name["value"].message_type
        return desc

    def _explain(self, rule: str, instance: Any, annotation: Mapping[str, Any], detail: str) -> str:
        described = _describe(instance)
        members = annotation.get("x-members")
        if members is not None and isinstance(instance, dict):
            given = [m for m in members if instance.get(m) is not None or instance.get(_snake(m)) is not None]
            found = (
                f"{_words(given)} {'are' if len(given) > 1 else 'is'} set"
                if given
                else f"none of {_words(members, 'or')} is set"
            )
        else:
            found = f"found {described}"
        if rule.startswith("type."):
            return f"{found}; expected {_TYPE_WORDS.get(rule[5:], rule[5:])}"
        if rule == "json.duplicate_field":
            return "the object gives a field under both its JSON name and its proto name; give it once"
        if rule == "oneof.at_most_one":
            return f"{found}; they are members of one oneof, and at most one may be set"
        if rule == "oneof.exactly_one":
            return f"{found}; exactly one of {_words(members or [], 'or')} must be set"
        if rule == "any.type_url":
            return f"found @type {described}, which names no type of the contract"
        if rule.startswith("option."):
            if rule == "option.required":
                return "the field is missing or has its default value; it is required"
            return f"{found}; {_OPTION_WORDS.get(rule, rule)} ({detail})"
        try:
            summary = self._rules.by_id(rule).summary
        except KeyError:
            return f"{found} ({detail})"
        if instance is None:
            return f"the field is missing or has its default value: {summary[0].lower()}{summary[1:]}"
        return f"{found}: {summary[0].lower()}{summary[1:]}"

    # ---------------------------------------------------------------------------------- rules layer

    def _plan(self, desc: descriptor.Descriptor) -> _Plan:
        plan = self._plans.get(desc.full_name)
        if plan is not None:
            return plan
        plan = self._plans[desc.full_name] = _Plan(desc)
        plan.rules = [_RuleCheck(r, desc) for r in self._rules.anchored_at(desc.full_name) if r.severity == "warning"]
        for f in desc.fields:
            opts = field_rules(self._reg.options(f), f)
            target = f.message_type
            if f.type == _FD.TYPE_BYTES or (is_map(f) and message_of(f).fields_by_name["value"].type == _FD.TYPE_BYTES):
                bounds = [(name, b) for name, b in (("option.length", opts.length), ("option.bytes", opts.bytes)) if b]
                for rule in self._rules.anchored_at(desc.full_name):
                    if rule.kind == "max_decoded_bytes" and rule.field == f.name and not rule.path:
                        bounds.append((rule.id, (Interval(None, Decimal(rule.argument), False, False),)))
                plan.bytes_fields.append(_BytesField(f, bounds))
            elif f.type == _FD.TYPE_STRING and opts.bytes:
                plan.utf8.append((f, opts.bytes))
            elif target is not None and target.full_name == _TIMESTAMP:
                plan.timestamps.append((f, opts))
            elif target is not None and target.full_name == _DURATION and opts.value:
                plan.durations.append((f, opts))
            elif target is not None and target.full_name == _wkt.ANY:
                plan.anys.append(f)
            elif target is not None and not _wkt.is_well_known(target.full_name):
                plan.children.append(f)
        return plan

    def _active(self, desc: descriptor.Descriptor) -> bool:
        """Whether the walker has anything to do at ``desc`` or below; prunes ``children`` to those that do."""
        name = desc.full_name
        found = self._is_active.get(name)
        if found is not None:
            return found
        self._is_active[name] = False  # provisional, for recursive types
        plan = self._plan(desc)
        plan.children = [f for f in plan.children if (c := _child_type(f)) is not None and self._active(c)]
        active = bool(plan.rules or plan.bytes_fields or plan.utf8 or plan.timestamps or plan.durations)
        active = active or bool(plan.anys or plan.children)
        self._is_active[name] = active
        return active

    def schema_layer(self, value: Any) -> list[Violation]:
        """Only what the published JSON Schema says about ``value`` (a JSON value): the schema layer alone.

        Accepts exactly what the reference ``jsonschema`` accepts running the published schema.
        """
        found = [] if self._schema.is_valid(value) else self._schema_violations(value)
        return found + self._walk(value, _Mode(schema_only=True))

    def _walk(self, value: Any, mode: _Mode = _FULL) -> list[Violation]:
        out: list[Violation] = []
        root = self._reg.message_descriptor(self._root_type)
        if self._active(root):
            self._visit(root, value, [], out, 0, mode)
        return out

    def _visit(
        self,
        desc: descriptor.Descriptor,
        obj: Any,
        path: list[Any],
        out: list[Violation],
        depth: int,
        mode: _Mode,
    ) -> None:
        if not isinstance(obj, dict) or depth > _MAX_NESTING:
            return
        plan = self._plan(desc)
        for bf in plan.bytes_fields:
            for key, value in _present(obj, bf.field):
                for item, item_path in _items(value, [*path, key], bf.field):
                    out += _check_bytes(item, item_path, bf.bounds, alphabet=mode.alphabet)
        if not mode.schema_only:
            self._visit_rules(plan, obj, path, out)
        for f in plan.anys:
            for key, value in _present(obj, f):
                for item, item_path in _items(value, [*path, key], f):
                    if isinstance(item, dict) and not mode.schema_only and _is_packed_timestamp(item.get("@type")):
                        out += _check_timestamp(item.get("value"), [*item_path, "value"], FieldRules())
                    target = self._any_type(item)
                    if target is not None and self._active(target):
                        self._visit(target, item, item_path, out, depth + 1, mode)
        for f in plan.children:
            child = _child_type(f)
            assert child is not None  # pruned by _active
            for key, value in _present(obj, f):
                for item, item_path in _items(value, [*path, key], f):
                    self._visit(child, item, item_path, out, depth + 1, mode)

    def _visit_rules(self, plan: _Plan, obj: dict[str, Any], path: list[Any], out: list[Violation]) -> None:
        """The service-rule layer's checks at one object (warnings, dates, bounds JSON Schema cannot express)."""
        for check in plan.rules:
            check(obj, path, out)
        for f, bounds in plan.utf8:
            for key, value in _present(obj, f):
                for item, item_path in _items(value, [*path, key], f):
                    if isinstance(item, str) and not _within(
                        Decimal(len(item.encode("utf-8", "surrogatepass"))), bounds
                    ):
                        out.append(
                            Violation(
                                pointer(item_path),
                                "option.bytes",
                                f"the string is {len(item.encode('utf-8', 'surrogatepass'))} UTF-8 "
                                f"bytes; {_bounds_words(bounds)} bytes are allowed",
                            )
                        )
        for f, opts in plan.timestamps:
            for key, value in _present(obj, f):
                for item, item_path in _items(value, [*path, key], f):
                    out += _check_timestamp(item, item_path, opts)
        for f, opts in plan.durations:
            for key, value in _present(obj, f):
                for item, item_path in _items(value, [*path, key], f):
                    out += _check_duration(item, item_path, opts)

    def _any_type(self, item: Any) -> descriptor.Descriptor | None:
        url = item.get("@type") if isinstance(item, dict) else None
        if not isinstance(url, str):
            return None
        try:
            desc = self._reg.message_descriptor(self._reg.resolve_type_url(url))
        except LookupError:
            return None
        return None if _wkt.is_well_known(desc.full_name) else desc


# ------------------------------------------------------------------------------------------ rule helpers


def _closure(key: str, docs: Mapping[str, Mapping[str, Any]]) -> list[str]:
    needed = [key]
    pending = list(_refs(docs[key]))
    while pending:
        name = pending.pop()
        if name not in needed:
            needed.append(name)
            pending += list(_refs(docs[name]))
    return needed


@functools.lru_cache(maxsize=4096)
def _closest(key: str, known: tuple[str, ...]) -> str | None:
    """The known field name closest to a misspelled one (cached: payloads repeat their mistakes)."""
    import difflib

    close = difflib.get_close_matches(key, known, n=1)
    return close[0] if close else None


def _merge(path: list[Any], tail: list[str]) -> list[Any]:
    """``path`` + ``tail``, where the end of ``path`` may already walk the start of ``tail``."""
    for overlap in range(min(len(path), len(tail)), 0, -1):
        if path[-overlap:] == tail[:overlap]:
            return [*path, *tail[overlap:]]
    return [*path, *tail]


def _is_packed_timestamp(type_url: Any) -> bool:
    return isinstance(type_url, str) and type_url.rsplit("/", 1)[-1] == _TIMESTAMP


def _child_type(f: descriptor.FieldDescriptor) -> descriptor.Descriptor | None:
    """The message type the walker descends into through ``f`` (a map's value type for maps)."""
    return message_of(f).fields_by_name["value"].message_type if is_map(f) else f.message_type


def _present(obj: Mapping[str, Any], f: descriptor.FieldDescriptor) -> Iterator[tuple[str, Any]]:
    """The field's key(s) and value(s) in ``obj``, skipping null (absent)."""
    for key in (f.json_name, f.name) if f.json_name != f.name else (f.name,):
        value = obj.get(key)
        if value is not None:
            yield key, value


def _items(value: Any, path: list[Any], f: descriptor.FieldDescriptor) -> Iterator[tuple[Any, list[Any]]]:
    if is_map(f):
        if isinstance(value, dict):
            yield from ((v, [*path, k]) for k, v in value.items())
    elif f.is_repeated:
        if isinstance(value, list):
            yield from ((v, [*path, i]) for i, v in enumerate(value))
    else:
        yield value, path


def _default_forms(f: descriptor.FieldDescriptor) -> tuple[Any, ...]:
    if f.message_type is not None:
        return ()
    if f.type == _FD.TYPE_ENUM:
        first = enum_of(f).values[0]
        return (first.name, first.number)
    if f.type == _FD.TYPE_BOOL:
        return (False,)
    if f.type in (_FD.TYPE_STRING, _FD.TYPE_BYTES):
        return ("",)
    return (0, "0", 0.0)


def _names(f: descriptor.FieldDescriptor) -> tuple[str, str]:
    return (f.json_name, f.name)


def _lookup(obj: Mapping[str, Any], names: tuple[str, str]) -> tuple[str, Any]:
    """The spelling used and the value of a field (the JSON name when absent); null counts as absent."""
    value = obj.get(names[0])
    if value is None and names[1] != names[0]:
        other = obj.get(names[1])
        if other is not None:
            return names[1], other
    return names[0], value


class _RuleCheck:
    """One service rule, compiled for the walker: a few dictionary lookups per occurrence of its anchor type.

    Error-severity rules run in the schema layer; the walker runs warnings (and nothing else needs it).
    """

    __slots__ = ("allowed", "cond", "cond_absent", "field", "members", "names", "rule", "steps", "unset_defaults")

    def __init__(self, rule: Rule, desc: descriptor.Descriptor) -> None:
        self.rule = rule
        self.steps: list[tuple[str, str]] = []
        for name in rule.path:
            f = desc.fields_by_name[name]
            self.steps.append(_names(f))
            desc = message_of(f)
        self.cond: tuple[tuple[str, str], frozenset[Any]] | None = None
        self.cond_absent = False
        if rule.when is not None:
            cf = desc.fields_by_name[rule.when.field]
            values = set(rule.when.values)
            if cf.type == _FD.TYPE_ENUM:
                values |= {enum_of(cf).values_by_name[v].number for v in rule.when.values if isinstance(v, str)}
            self.cond = (_names(cf), frozenset(values))
            self.cond_absent = rule.when.absent is not None and rule.when.absent in rule.when.values
        self.members = [_names(desc.fields_by_name[n]) for n in rule.argument] if rule.is_object_check else []
        self.field = desc.fields_by_name[rule.field] if rule.field else None
        self.names = _names(self.field) if self.field is not None else ("", "")
        singular_scalar = self.field is not None and not self.field.has_presence and self.field.message_type is None
        self.unset_defaults: tuple[Any, ...] = _default_forms(self.field) if singular_scalar and self.field else ()
        self.allowed: frozenset[Any] = frozenset()
        if rule.kind == "one_of" and self.field is not None:
            allowed = set(rule.argument)
            if self.field.type == _FD.TYPE_ENUM:
                allowed |= {enum_of(self.field).values_by_name[v].number for v in rule.argument}
            elif self.field.type != _FD.TYPE_STRING:
                allowed |= {str(v) for v in rule.argument}
            self.allowed = frozenset(allowed)

    def __call__(self, obj: Mapping[str, Any], path: list[Any], out: list[Violation]) -> None:
        rule = self.rule
        for names in self.steps:
            key, value = _lookup(obj, names)
            if not isinstance(value, dict):
                return
            obj, path = value, [*path, key]
        if self.cond is not None:
            _, current = _lookup(obj, self.cond[0])
            if current is None:
                if not self.cond_absent:
                    return
            elif isinstance(current, (dict, list)) or current not in self.cond[1]:
                return
        if self.members:
            given = [json for json, proto in self.members if _lookup(obj, (json, proto))[1] is not None]
            if len(given) > 1 or (not given and rule.kind == "exactly_one"):
                found = f"{_words(given)} are both set" if len(given) > 1 else "none of them is set"
                out.append(Violation(pointer(path), rule.id, f"{found}: {_lower(rule.summary)}", rule.severity))
            return
        key, value = _lookup(obj, self.names)
        where = [*path, key]
        if rule.kind == "required":
            if (
                value is None
                or value in ("", 0, False, [], {})
                or (self.field is not None and self.field.type == _FD.TYPE_ENUM and value in _default_forms(self.field))
            ):
                out.append(
                    Violation(
                        pointer(where), rule.id, f"the field is missing or empty: {_lower(rule.summary)}", rule.severity
                    )
                )
            return
        if value is None:
            return
        if self.unset_defaults and value in self.unset_defaults:
            return  # proto3 does not send a default value: to the service the field is not set
        if rule.kind in ("forbidden", "ignored"):
            out.append(
                Violation(pointer(where), rule.id, f"found {_describe(value)}: {_lower(rule.summary)}", rule.severity)
            )
            return
        repeated = self.field is not None and self.field.is_repeated and isinstance(value, list)
        for i, item in enumerate(value) if repeated else ((None, value),):
            if isinstance(item, (dict, list)):
                continue  # the schema layer reports the type
            ok = (item in self.allowed) if rule.kind == "one_of" else _satisfies(rule, item)
            if not ok:
                at = [*where, i] if repeated else where
                out.append(
                    Violation(pointer(at), rule.id, f"found {_describe(item)}: {_lower(rule.summary)}", rule.severity)
                )


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _satisfies(rule: Rule, item: Any) -> bool:
    import re

    kind, arg = rule.kind, rule.argument
    if kind == "max_length":
        return not isinstance(item, str) or len(item) <= arg
    if kind == "pattern":
        return not isinstance(item, str) or re.fullmatch(arg, item) is not None
    if kind == "range":
        try:
            number = Decimal(str(item))
        except ArithmeticError:
            return True
        return (
            (("gt" not in arg) or number > Decimal(str(arg["gt"])))
            and (("ge" not in arg) or number >= Decimal(str(arg["ge"])))
            and (("lt" not in arg) or number < Decimal(str(arg["lt"])))
            and (("le" not in arg) or number <= Decimal(str(arg["le"])))
        )
    return True


def _within(number: Decimal, bounds: Iterable[Interval]) -> bool:
    return any(iv.contains(number) for iv in bounds)


def _bounds_words(bounds: Iterable[Interval]) -> str:
    words = []
    for iv in bounds:
        lo, hi = iv.integer_bounds()
        words.append(f"{lo if lo is not None else 0} to {hi}" if hi is not None else f"at least {lo}")
    return " or ".join(words)


def _check_bytes(
    item: Any, path: list[Any], bounds: list[tuple[str, tuple[Interval, ...]]], *, alphabet: bool = True
) -> list[Violation]:
    if not isinstance(item, str):
        return []  # the schema layer reports the type
    text = _base64.inspect(item, alphabet=alphabet)
    if not text.valid:
        return [Violation(pointer(path), "type.bytes", f"the string is not base64: {text.problem}")]
    out = []
    for rule, intervals in bounds:
        if not _within(Decimal(text.decoded_size), intervals):
            out.append(
                Violation(
                    pointer(path),
                    rule,
                    f"the content decodes to {text.decoded_size:,} bytes; {_bounds_words(intervals)} bytes are allowed",
                )
            )
    return out


def _check_timestamp(item: Any, path: list[Any], opts: FieldRules) -> list[Violation]:
    import datetime

    if not isinstance(item, str) or len(item) < 20:
        return []  # the schema layer reports the spelling
    try:
        year, month, day = int(item[0:4]), int(item[5:7]), int(item[8:10])
        datetime.date(year, month, day)
    except ValueError:
        return [Violation(pointer(path), "type.timestamp", f"found {item!r}, a date that does not exist")]
    if opts.value:
        from yc_contracts._options import parse_bounds

        try:
            (moment,) = parse_bounds(item, "timestamp")
        except (ValueError, ArithmeticError, LookupError):
            return []
        if moment.lo is not None and not _within(moment.lo, opts.value):
            return [
                Violation(
                    pointer(path),
                    "option.value",
                    f"found {item!r}; the time must be within {opts.raw.get('yandex.cloud.value')}",
                )
            ]
    return []


def _check_duration(item: Any, path: list[Any], opts: FieldRules) -> list[Violation]:
    if not isinstance(item, str) or not item.endswith("s"):
        return []
    try:
        seconds = Decimal(item[:-1])
    except ArithmeticError:
        return []
    if opts.value and not _within(seconds, opts.value):
        return [
            Violation(
                pointer(path),
                "option.value",
                f"found {item!r}; the duration must be within {opts.raw.get('yandex.cloud.value')}",
            )
        ]
    return []


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else f"a string of {len(value):,} characters"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return f"an array of {len(value)}"
    return f"a {type(value).__name__}"


# json.* rules about an object's keys, which say nothing against checking the object's values.
_OBJECT_LEVEL_JSON: Final = frozenset({"json.unknown_field", "json.duplicate_field", "json.duplicate_key"})


def _words(names: Iterable[str], last: str = "and") -> str:
    items = list(names)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def _snake(json_name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in json_name)


def _order(v: Violation) -> tuple[str, str]:
    return (v.path, v.rule)


def _dedupe(found: list[Violation]) -> list[Violation]:
    """One violation per (path, rule). A value that is not JSON (``json.*``) or has the wrong type (``type.*``)
    makes every other check of that same value noise."""
    not_json = {v.path for v in found if v.rule.startswith("json.") and v.rule not in _OBJECT_LEVEL_JSON}
    typed = {v.path for v in found if v.rule.startswith("type.")}
    seen: set[tuple[str, str]] = set()
    out = []
    for v in sorted(found, key=_order):
        if (v.path, v.rule) in seen:
            continue
        if v.path in not_json and not v.rule.startswith("json."):
            continue
        if v.path in typed and not v.rule.startswith(("type.", "json.")):
            continue
        seen.add((v.path, v.rule))
        out.append(v)
    return out


_TYPE_WORDS: Final = {
    "int32": "a 32-bit integer (a number or a decimal string)",
    "uint32": "an unsigned 32-bit integer (a number or a decimal string)",
    "int64": "a 64-bit integer (a number or a decimal string)",
    "uint64": "an unsigned 64-bit integer (a number or a decimal string)",
    "float": 'a float (a number, a decimal string, "NaN", "Infinity" or "-Infinity")',
    "double": 'a double (a number, a decimal string, "NaN", "Infinity" or "-Infinity")',
    "bool": "true or false",
    "string": "a string",
    "bytes": "base64 text",
    "enum": "one of the enum's value names (or a defined number)",
    "message": "an object with the message's fields",
    "repeated": "an array (without null items)",
    "map": "an object",
    "timestamp": "an RFC 3339 time such as 2026-11-20T10:00:00Z",
    "duration": 'a duration such as "1.5s"',
    "field_mask": "comma-separated lowerCamelCase field paths",
    "struct": "a JSON object",
    "list_value": "a JSON array",
    "value": "a JSON value",
    "empty": "an empty object",
    "any": 'an object with an "@type"',
}
_OPTION_WORDS: Final = {
    "option.required": "the field is required and must not be empty",
    "option.length": "the length is limited",
    "option.size": "the number of items is limited",
    "option.value": "the value is limited",
    "option.pattern": "the value must match the pattern",
    "option.bytes": "the size in bytes is limited",
    "option.unique": "the items must all be different",
    "option.map_key": "the map keys are restricted",
}
