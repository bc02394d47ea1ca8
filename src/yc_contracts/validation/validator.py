"""Validators: the schema layer, the service rules and content inspection, compiled once per message type.

1. **Schema layer** — exactly the published JSON Schema. It runs on ``jsonschema-rs`` (a compiled validator)
   over the same documents, with two changes of means, not of meaning: base64 ``bytes`` values, whose pattern
   would cost a regex pass over megabytes of content, are checked by :mod:`yc_contracts.validation.base64_text` in one
   C-level pass instead; and patterns end in a plain ``$`` (end of string for jsonschema-rs, as in ECMA 262)
   rather than the published ``$(?!\n)``, whose lookahead would put them on a backtracking engine with a
   stack limit. Same accept/reject (``tests/property`` proves it against the reference ``jsonschema``), in
   time linear in the value. Violations are capped per payload (:data:`MAX_VIOLATIONS`; past the cap they are
   counted, not built), so the cost stays linear in the payload however many there are.
2. **Service rules** — what JSON Schema cannot say: warning-severity rules, real calendar dates in
   timestamps, bounds on durations and timestamps, UTF-8 byte counts, and JSON-ness of the payload itself
   (``NaN``, lone surrogates, depth).
3. **Content inspection** — :mod:`yc_contracts.validation.content`.

Everything that reads schemas or rules happens in :meth:`Compiled.__init__`, once per (type, limits).
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import jsonschema_rs
from google.protobuf import descriptor, json_format, message

from yc_contracts.contract import wkt as _wkt
from yc_contracts.contract.descriptors import enum_of, is_map, message_of
from yc_contracts.contract.errors import SUGGEST_UP_TO, UnknownNameError, shown
from yc_contracts.contract.options import FieldRules, Interval, field_rules
from yc_contracts.rules.ruleset import Rule, RuleSet, load_rules, resolve_limits, when_matches_unset
from yc_contracts.schema.generator import FLOAT_ZERO, ID_PREFIX, SchemaGenerator
from yc_contracts.validation import base64_text as _base64
from yc_contracts.validation import payload as _payload
from yc_contracts.validation.content import INSPECTORS
from yc_contracts.validation.error_paths import instance_path
from yc_contracts.validation.violations import ValidationError, Violation, pointer

if TYPE_CHECKING:
    from yc_contracts.contract.registry import MessageRef, Registry

_FD = descriptor.FieldDescriptor
_TIMESTAMP: Final = "google.protobuf.Timestamp"
_DURATION: Final = "google.protobuf.Duration"
_MAX_NESTING: Final = 64
"""Message nesting the rule walker follows (recursive types stop there; the schema layer still sees it all)."""

MAX_MESSAGE_DEPTH: Final = 100
"""Message nesting protobuf's parsers accept: ``json_format``'s ``max_recursion_depth`` (protobuf 7; the root
message is level 1), and the binary decoders' limit (upb, C++: 100 below the root, map entries counted). Only
``Struct``/``Value``/``ListValue`` reach it in this contract."""
_SMALL_PAYLOAD: Final = 16 * 1024
"""JSON text (bytes) under which the schema layer asks each failing field for all its errors at once."""
_DEEP_ENOUGH: Final = 30
"""JSON nesting below which no ``Struct`` can reach :data:`MAX_MESSAGE_DEPTH` (a JSON level is at most three
message levels, a ``Struct``'s map entry and ``Value`` included): shallower plain payloads skip that walk."""
MAX_VIOLATIONS: Final = 1000
"""Violations reported per payload by default; past it, one ``limit.violations`` says how many more were found."""


# ------------------------------------------------------------------------------------------- public API


def iter_violations(
    message_ref: MessageRef,
    payload: Any,
    *,
    limits: Mapping[str, Any] | None = None,
    inspect_content: bool = True,
    max_violations: int = MAX_VIOLATIONS,
) -> Iterator[Violation]:
    """Every violation of ``payload`` against the contract for ``message_ref``, errors and warnings, lazily.

    See :func:`check` for the arguments.

    Raises:
        UnknownNameError: ``message_ref`` names no message type, route or Operation schema.
        TypeError: ``payload`` is a protobuf message of another type; a limit override has the wrong kind.
        ValueError: ``max_violations`` is less than 1.
    """
    yield from compiled_for(message_ref, limits).violations(
        payload, inspect_content=inspect_content, max_violations=max_violations
    )


def check(
    message_ref: MessageRef,
    payload: Any,
    *,
    limits: Mapping[str, Any] | None = None,
    inspect_content: bool = True,
    max_violations: int = MAX_VIOLATIONS,
) -> list[Violation]:
    """Every violation of ``payload`` (errors and warnings), sorted by path; never raises for bad data.

    Time is linear in the payload whatever the number of violations: past ``max_violations`` they are only
    counted, and one last ``limit.violations`` says how many more were found.

    Args:
        message_ref: what the payload should be: a message full name, a message class or instance (ours or the
            official SDK's), a REST route (``"POST /stt/v3/recognizeFileAsync"``, meaning its request body), or
            a per-method Operation key (``"<method full name>.Operation"``).
        payload: REST JSON as Python objects, JSON text (``str``) or UTF-8 JSON (``bytes``), or a protobuf
            message instance.
        limits: overrides of the documented limits, e.g. ``{"ocr.max_file_bytes": 31457280}``
            (``docs/rules.md`` lists them).
        inspect_content: decode ``content`` and compare it with what the request declares (on by default).
        max_violations: how many violations to list at most (1,000 by default).

    Raises:
        UnknownNameError: ``message_ref`` names no message type, route or Operation schema, or a limit
            override names no limit.
        TypeError: ``payload`` is a protobuf message of another type; a limit override has the wrong kind.
        ValueError: ``max_violations`` is less than 1.
    """
    return compiled_for(message_ref, limits).violations(
        payload, inspect_content=inspect_content, max_violations=max_violations
    )


def validate(
    message_ref: MessageRef,
    payload: Any,
    *,
    limits: Mapping[str, Any] | None = None,
    inspect_content: bool = True,
    max_violations: int = MAX_VIOLATIONS,
) -> None:
    """Check ``payload`` and raise if the service would reject it (warnings never raise).

    See :func:`check` for the arguments.

    Raises:
        ValidationError: one or more error-severity violations; ``.violations`` lists them (at most
            ``max_violations``, then ``limit.violations``).
        UnknownNameError: ``message_ref`` names no message type, route or Operation schema.
        TypeError: ``payload`` is a protobuf message of another type; a limit override has the wrong kind.
        ValueError: ``max_violations`` is less than 1.
    """
    errors = [
        v
        for v in iter_violations(
            message_ref, payload, limits=limits, inspect_content=inspect_content, max_violations=max_violations
        )
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
    from yc_contracts.contract.registry import default_registry
    from yc_contracts.schema.store import documents, schema_key

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
    """The schema as the schema layer runs it: base64 checks taken out (they run in
    :mod:`~yc_contracts.validation.base64_text`), and every pattern's newline-safe end
    (:data:`yc_contracts.contract.wkt.END`) spelled as a plain ``$`` (see the module docstring)."""
    if isinstance(node, dict):
        if node.get("x-rule") == "type.bytes":
            return {"x-rule": "type.bytes", "type": "string"}
        if node.get("x-decoded-size"):
            return {}
        if node.get("minimum") == _INT64_MIN and type(node["minimum"]) is int and "anyOf" not in node:
            # jsonschema-rs 0.60 finds the float -2**63 (-9.223372036854776e18) below the integer -2**63, which
            # it equals (the reference jsonschema and json_format take it): let that float through by name.
            rest = {k: _strip_bytes(v) for k, v in node.items() if k != "minimum"}
            return {**rest, "anyOf": [{"minimum": _INT64_MIN}, {"const": float(_INT64_MIN)}]}
        out = {
            k: _linear_pattern(v) if k == "pattern" and isinstance(v, str) else _strip_bytes(v) for k, v in node.items()
        }
        wide = [k for k in ("minimum", "maximum") if _wide_float_bound(out.get(k))]
        if wide:
            # jsonschema-rs 0.60 finds an integer beyond 64 bits that equals a float bound (the integer
            # 2**1024 - 2**970, which is DBL_MAX) outside it: let that integer through by name.
            out["allOf"] = [*out.get("allOf", []), *({"anyOf": [{k: out[k]}, {"const": int(out[k])}]} for k in wide)]
            for k in wide:
                del out[k]
        return out
    if isinstance(node, list):
        return [_strip_bytes(v) for v in node]
    return node


_INT64_MIN: Final = -(2**63)


def _wide_float_bound(bound: Any) -> bool:
    return isinstance(bound, float) and math.isfinite(bound) and bound.is_integer() and abs(bound) >= 2**63


def _linear_pattern(pattern: str) -> str:
    """``pattern`` for jsonschema-rs, where ``$`` already means the end of the string (as in ECMA 262).

    The published ``$(?!\\n)`` says so to Python's ``re`` too, but its lookahead sends the whole pattern to
    fancy-regex's backtracking VM, whose stack limit a long value (a 1 MB URL) exceeds, and a value must never be
    rejected for that. Without it the pattern runs on the linear ``regex`` crate with the same meaning.
    """
    return pattern.replace(_wkt.END, "$")


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


_ANNOTATIONS: Final = frozenset({"description", "title", "default", "deprecated", "examples", "$comment", "$schema"})


class _Budget:
    """Room left for violations in one run, and the count of those found past it (``exact`` while every
    omitted one was counted one by one rather than as "at least one" per failing part)."""

    __slots__ = ("cap", "exact", "left", "more")

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.left = cap
        self.more = 0
        self.exact = True

    def count(self, n: int, *, exact: bool = False) -> None:
        self.more += n
        self.exact = self.exact and exact

    def summary(self) -> Violation | None:
        if not self.more:
            return None
        many = f"{self.more:,} more" if self.exact else f"at least {self.more:,} more"
        return Violation(
            "",
            "limit.violations",
            f"{many} violation(s) were found and are not listed: at most {self.cap:,} are reported per payload "
            "(max_violations=)",
        )


class _Bounded(list[Violation]):
    """The rule walker's output: past the budget, violations are counted, not kept."""

    def __init__(self, budget: _Budget) -> None:
        super().__init__()
        self.budget = budget

    def append(self, v: Violation) -> None:
        if len(self) < self.budget.left:
            super().append(v)
        else:
            self.budget.count(1, exact=True)

    def __iadd__(self, items: Iterable[Violation]) -> _Bounded:  # type: ignore[override,misc]
        for v in items:
            self.append(v)
        return self


class _Located(NamedTuple):
    """A validator of a node's own keywords, whose error locations start with ``synthetic`` (its own ``$id``)
    and mean ``location`` in the documents."""

    validator: Any
    synthetic: str
    location: str


class _Shape(NamedTuple):
    """One schema node as the descent sees it: ``nullable`` (``if null … else``), ``ref`` (a whole-document
    ``$ref``), ``object`` (properties), ``array`` (items), or ``leaf`` (anything else: asked for its errors)."""

    kind: str
    next_location: str | None = None
    own: _Located | None = None
    properties: Mapping[str, str] = {}
    closed: bool = False


class _Found(NamedTuple):
    """One schema-layer error: where in the payload, the validator's error (``None`` for the ``extra`` keys of a
    closed object, found without it, the first of which are ``unknown``), and the keyword's absolute location in
    the documents."""

    path: list[Any]
    error: Any
    location: str | None
    unknown: list[str] | None = None
    extra: int = 0


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
    rules: list[_ObjectCheck] = field(default_factory=list)
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
        # For reporting, the schema layer descends the payload part by part (see _schema_violations): a
        # validator per schema location, compiled when first needed.
        self._registry = jsonschema_rs.Registry([(doc["$id"], doc) for doc in stripped.values()])
        self._shapes: dict[str, _Shape] = {}
        self._at: dict[str, Any] = {}
        self._rule_ids: dict[str, dict[str, Any]] = {}
        # A document key is a message's full name, or "<method>.Operation" for a method's pinned Operation.
        pinned = key.endswith(".Operation") and key.removesuffix(".Operation") in {
            m.full_name for m in registry.methods()
        }
        self._message_name = key
        self._root_type = "yandex.cloud.operation.Operation" if pinned else key
        self._plans: dict[str, _Plan] = {}
        self._routes: dict[str, list[tuple[descriptor.FieldDescriptor, str]]] = {}
        self._holds_json_values = bool(self._json_routes(registry.message_descriptor(self._root_type)))
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

    def violations(
        self,
        payload: Any,
        *,
        inspect_content: bool = True,
        alphabet: bool = True,
        max_violations: int = MAX_VIOLATIONS,
    ) -> list[Violation]:
        """Every violation of ``payload``, sorted by path (errors and warnings), at most ``max_violations`` of
        them and then one ``limit.violations`` (last) that says how many more were found.

        ``alphabet=False`` leaves out the one pass over every character of base64 values, for a caller that
        decodes them next with a decoder that rejects what the pass would (``to_proto``): when the decoder
        fails, the caller asks again with ``alphabet=True`` to learn where and why.
        """
        if max_violations < 1:
            raise ValueError(f"max_violations must be at least 1, not {max_violations!r}")
        budget = _Budget(max_violations)
        deep = self._holds_json_values
        plain = _payload.plain_json_large(payload, self._long_paths, count=deep) if type(payload) is dict else None
        if plain is not None:  # the common case
            value: Any = payload
            found: list[Violation] = []
        else:
            loaded, plain = self._load(payload, deep=deep)
            if loaded.value is None and loaded.violations:
                return _capped(loaded.violations, budget)
            value, found = loaded.value, loaded.violations
            if any(v.rule in ("json.type", "json.too_deep", "json.number_too_long") for v in found):
                return _capped(_dedupe(found), budget)
            if any(v.rule == "json.surrogate" for v in found):
                # Reported; the rest of the payload is still checked, on a copy the schema layer can read.
                value = _payload.without_surrogates(value)
        budget.left -= len(found)
        try:
            schema_ok = self._schema.is_valid(value)
            if not schema_ok:
                # A small payload has few errors at most: its failing fields are asked for all theirs at once.
                whole = plain is not None and plain.size < _SMALL_PAYLOAD
                found += self._schema_violations(value, budget, whole=whole)
        except (ValueError, OverflowError) as e:  # a value jsonschema-rs cannot read; the scan says what it is
            return _capped(
                _dedupe(
                    found + (_payload.scan(value) or [Violation("", "json.type", f"the payload is not JSON: {e}")])
                ),
                budget,
            )
        found += self._walk(value, _FULL if alphabet else _NO_ALPHABET, budget)
        if deep and (plain is None or plain.containers >= _DEEP_ENOUGH):
            found += self._json_values(value)
        if inspect_content and self._inspector is not None and not any(v.severity == "error" for v in found):
            try:
                found += self._inspector(value, self._limits)
            except ValueError as e:  # the content is not base64 after all (the alphabet was not checked): say why
                if alphabet:
                    found.append(Violation("/content", "content.unreadable", f"the content cannot be decoded ({e})"))
                else:
                    return self.violations(payload, inspect_content=inspect_content, max_violations=max_violations)
        return _capped(_dedupe(found), budget) if found else found

    def _load(self, payload: Any, *, deep: bool) -> tuple[_payload.Loaded, _payload.Plain | None]:
        """The payload as JSON values, and :func:`~yc_contracts.validation.payload.plain_json` of them (``None``
        when not known; containers counted only when ``deep``)."""
        if isinstance(payload, (str, bytes, bytearray, memoryview)):
            loaded = _payload.load_text(payload)
            plain = None if loaded.value is None else _payload.plain_json(loaded.value, count=deep)
            if loaded.value is not None and plain is None:
                loaded.violations += _payload.scan(loaded.value)
            return loaded, plain
        if isinstance(payload, message.Message):
            return _payload.Loaded(self._message_to_json(payload)), None
        plain = _payload.plain_json(payload, count=deep)
        if plain is not None:
            return _payload.Loaded(payload), plain
        return _payload.Loaded(payload, _payload.scan(payload)), None

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

    def _shape(self, location: str) -> _Shape:
        """How the descent treats the schema node at ``location`` (worked out once per location)."""
        found = self._shapes.get(location)
        if found is not None:
            return found
        node = self._node(location)
        keys = (
            {k for k in node if not k.startswith("x-") and k not in _ANNOTATIONS} if isinstance(node, dict) else set()
        )
        shape: _Shape
        if keys == {"if", "else"} and node["if"] == {"type": "null"}:
            shape = _Shape("nullable", next_location=f"{location}/else")
        elif keys == {"$ref"} and isinstance(node["$ref"], str) and "#" not in node["$ref"]:
            shape = _Shape("ref", next_location=f"{node['$ref']}#")
        elif node.get("type") == "object" and isinstance(node.get("properties"), dict):
            extra = node.get("additionalProperties", True)
            own = {k: v for k, v in node.items() if k not in ("$schema", "$id", "$defs")}
            own["properties"] = dict.fromkeys(node["properties"], True)
            own["additionalProperties"] = True
            shape = _Shape(
                "object",
                own=self._own_validator(own, location),
                properties={
                    name: f"{location}/properties/{name.replace('~', '~0').replace('/', '~1')}"
                    for name in node["properties"]
                },
                closed=extra is False,
                next_location=f"{location}/additionalProperties" if isinstance(extra, dict) else None,
            )
        elif node.get("type") == "array" and isinstance(node.get("items"), dict):
            own = {k: v for k, v in node.items() if k not in ("$schema", "$id", "$defs")}
            own["items"] = True
            shape = _Shape("array", own=self._own_validator(own, location), next_location=f"{location}/items")
        else:
            shape = _Shape("leaf")
        self._shapes[location] = shape
        return shape

    def _own_validator(self, own: dict[str, Any], location: str) -> _Located:
        """A validator of a node's own keywords (its members taken as valid), reporting in ``location``'s terms."""
        synthetic = f"{ID_PREFIX}own:{len(self._shapes)}:{id(own)}"
        validator = jsonschema_rs.validator_for({**own, "$id": synthetic}, registry=self._registry)
        return _Located(validator, synthetic + "#", location)

    def _validator_at(self, location: str) -> Any:
        validator = self._at.get(location)
        if validator is None:
            validator = self._at[location] = jsonschema_rs.validator_for({"$ref": location}, registry=self._registry)
        return validator

    def _errors(self, value: Any, budget: _Budget, *, whole: bool = False) -> Iterator[_Found]:
        """The schema layer's errors of ``value`` (known to fail), found part by part.

        The descent follows the payload and the schema together: where a node is an object of properties or an
        array of items, each member is checked on its own (one cheap ``is_valid``), and only the failing ones
        are descended into; a node of another shape is asked for all its errors. So the work is linear in the
        payload, whatever the number of errors, and each error is built (which costs far more than checking)
        only while ``budget`` has room; after that the failing parts are only counted (as at least one each).
        Iterative, so any depth is safe; the pending work is a stack of lazy iterators, so a large array
        never has all its items queued at once. With ``whole`` (a small payload), only the root is split: each
        failing field is asked for all its errors at once, which costs fewer calls when there are few.
        """
        stack: list[Iterator[tuple[str, Any, list[Any]]]] = [iter([(f"{ID_PREFIX}{self.key}#", value, [])])]
        while stack:
            task = next(stack[-1], None)
            if task is None:
                stack.pop()
                continue
            location, instance, path = task
            shape = self._shape(location)
            while shape.kind in ("nullable", "ref") and shape.next_location is not None:
                if shape.kind == "nullable" and instance is None:
                    break
                location = shape.next_location
                shape = self._shape(location)
            if shape.kind == "nullable" and instance is None:
                continue  # null is an absent field: valid
            if whole and path:
                shape = _Shape("leaf")
            if shape.kind == "object" and isinstance(instance, dict):
                assert shape.own is not None
                yield from self._own_errors(shape.own, instance, path, budget)
                if shape.closed:
                    # Counted from the schema's side (a few names), listed only as far as there is room.
                    extra = len(instance) - sum(1 for name in shape.properties if name in instance)
                    if extra:
                        unknown = (k for k in instance if k not in shape.properties)
                        listed = list(itertools.islice(unknown, max(budget.left, 0)))
                        yield _Found(path, None, f"{location}/additionalProperties", listed, extra)
                stack.append(self._failing_members(shape, instance, path))
            elif shape.kind == "array" and isinstance(instance, list):
                assert shape.own is not None
                assert shape.next_location is not None
                yield from self._own_errors(shape.own, instance, path, budget)
                stack.append(self._failing_items(shape.next_location, instance, path))
            elif budget.left <= 0:
                budget.count(1)
            else:
                for error in self._validator_at(location).iter_errors(instance):
                    yield _Found([*path, *instance_path(error, instance)], error, error.absolute_keyword_location)

    def _own_errors(self, own: _Located, instance: Any, path: list[Any], budget: _Budget) -> Iterator[_Found]:
        if own.validator.is_valid(instance):
            return
        if budget.left <= 0:
            budget.count(1)
            return
        for error in own.validator.iter_errors(instance):
            where = error.absolute_keyword_location or ""
            if where.startswith(own.synthetic):
                where = own.location + where[len(own.synthetic) :]
            yield _Found([*path, *instance_path(error, instance)], error, where)

    def _failing_members(
        self, shape: _Shape, instance: dict[str, Any], path: list[Any]
    ) -> Iterator[tuple[str, Any, list[Any]]]:
        if shape.next_location is None:  # only the properties have schemas: look them up, whatever else is there
            members: Iterable[tuple[str, Any]] = ((n, instance[n]) for n in shape.properties if n in instance)
        else:
            members = instance.items()
        for name, item in members:
            location = shape.properties.get(name, shape.next_location)
            if location is not None and not self._validator_at(location).is_valid(item):
                yield location, item, [*path, name]

    def _failing_items(
        self, location: str, instance: list[Any], path: list[Any]
    ) -> Iterator[tuple[str, Any, list[Any]]]:
        is_valid = self._validator_at(location).is_valid
        for i, item in enumerate(instance):
            if not is_valid(item):
                yield location, item, [*path, i]

    def _schema_violations(self, value: Any, budget: _Budget, *, whole: bool = False) -> list[Violation]:
        out: list[Violation] = []
        for found in self._errors(value, budget, whole=whole):
            if budget.left <= 0:
                if found.unknown is not None:
                    budget.count(found.extra, exact=True)
                else:
                    budget.count(1)
                continue
            path, error, location = found.path, found.error, found.location or ""
            if found.unknown is not None:
                allowed = self._node(location.rsplit("/", 1)[0]).get("properties", {})
                listed = found.unknown[: budget.left]
                out += self._unknown_fields(path, dict.fromkeys(listed), allowed)
                budget.left -= len(listed)
                budget.count(found.extra - len(listed), exact=True)
                continue
            budget.left -= 1
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
                if rule == "json.duplicate_field":  # at the second spelling given (in the payload's key order)
                    spelling = _second_spelling(value, path, field_name)
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
            hint = f"; did you mean {shown(close)}?" if close else ""
            owner = desc.full_name if desc else "this object"
            out.append(
                Violation(
                    pointer([*path, key]),
                    "json.unknown_field",
                    f"found the field {shown(key)}, which {owner} does not have{hint}",
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
        if rule == "type.enum" and "x-enum" in annotation:
            return f"{found}; {_enum_words(self._reg.enum_descriptor(annotation['x-enum']), instance)}"
        if rule.startswith("type."):
            return f"{found}; expected {_TYPE_WORDS.get(rule[5:], rule[5:])}"
        if rule == "json.duplicate_field":
            spellings = annotation.get("x-field") or ["a JSON name", "a proto name"]
            return f"{_words(spellings)} are the same field; give it once"
        if rule == "oneof.at_most_one":
            return f"{found}; they are members of one oneof, and at most one may be set"
        if rule == "oneof.exactly_one":
            return f"{found}; exactly one of {_words(members or [], 'or')} must be set"
        if rule == "any.type_url":
            return self._type_url_words(instance, annotation.get("x-operation-type"))
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

    def _type_url_words(self, url: Any, expected: str | None) -> str:
        """Why an ``@type`` is wrong: another type than the method's Operation carries, or no type at all."""
        if not isinstance(url, str):
            return f"found @type {_describe(url)}; expected a type URL such as {shown(self._reg.type_url(_wkt.ANY))}"
        if expected is not None:
            method = self.key.removesuffix(".Operation")
            try:
                given: str | None = self._reg.resolve_type_url(url).DESCRIPTOR.full_name
            except LookupError:
                given = None
            wanted = shown(self._reg.type_url(expected))
            if given is not None:
                return f"found @type {_describe(url)}, a {given}, but {method} returns a {expected} here ({wanted})"
            return f"found @type {_describe(url)}, which names no type of the contract; {method} returns {wanted} here"
        close = _closest_type_url(self._reg, url)
        hint = f"; did you mean {shown(close)}?" if close else ""
        return f"found @type {_describe(url)}, which names no type of the contract{hint}"

    # ---------------------------------------------------------------------------------- rules layer

    def _plan(self, desc: descriptor.Descriptor) -> _Plan:
        plan = self._plans.get(desc.full_name)
        if plan is not None:
            return plan
        plan = self._plans[desc.full_name] = _Plan(desc)
        plan.rules = _object_checks(desc, self._rules.anchored_at(desc.full_name), self._reg)
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
        budget = _Budget(1 << 62)
        found = [] if self._schema.is_valid(value) else self._schema_violations(value, budget)
        return found + self._walk(value, _Mode(schema_only=True), budget)

    def _walk(self, value: Any, mode: _Mode, budget: _Budget) -> list[Violation]:
        out: list[Violation] = _Bounded(budget)
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

    def _json_values(self, value: Any) -> list[Violation]:
        """What the ``Struct``/``Value``/``ListValue`` values of the payload hold that protobuf cannot take
        (:func:`_check_json_value`): a walk of its own, along the fields that lead to one, which runs only when
        the payload may hold such a thing at all (see :meth:`violations`)."""
        out: list[Violation] = []
        root = self._reg.message_descriptor(self._root_type)
        stack: list[tuple[descriptor.Descriptor, Any, list[Any], int]] = [(root, value, [], 0)]
        while stack:
            desc, obj, path, depth = stack.pop()
            if not isinstance(obj, dict) or depth > _MAX_NESTING:
                continue
            for f, kind in self._json_routes(desc):
                for key, found in _present(obj, f):
                    for item, item_path in _items(found, [*path, key], f):
                        if kind == "json":
                            out += _check_json_value(item, item_path, message_of(f).full_name, depth + 2, depth + 2)
                        elif kind == "any":
                            packed = _packed_json_value(item)
                            if packed is not None:
                                out += _check_json_value(item.get("value"), [*item_path, "value"], packed, depth + 3, 1)
                            elif (target := self._any_type(item)) is not None and self._json_routes(target):
                                stack.append((target, item, item_path, depth + 1))
                        elif (child := _child_type(f)) is not None:
                            stack.append((child, item, item_path, depth + 1))
        return out

    def _json_routes(self, desc: descriptor.Descriptor) -> list[tuple[descriptor.FieldDescriptor, str]]:
        """The fields of ``desc`` that hold a JSON value (``json``), an ``Any`` (``any``), or lead to either."""
        found = self._routes.get(desc.full_name)
        if found is not None:
            return found
        self._routes[desc.full_name] = []  # provisional, for recursive types
        routes: list[tuple[descriptor.FieldDescriptor, str]] = []
        for f in desc.fields:
            target = _child_type(f)
            if target is None:
                continue
            if target.full_name in _JSON_VALUES:
                routes.append((f, "json"))
            elif target.full_name == _wkt.ANY:
                routes.append((f, "any"))
            elif not _wkt.is_well_known(target.full_name) and self._json_routes(target):
                routes.append((f, "child"))
        self._routes[desc.full_name] = routes
        return routes

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


def _closest(key: str, known: tuple[str, ...]) -> str | None:
    """The known name closest to a misspelled one."""
    return _closest_cached(key, known) if len(key) <= SUGGEST_UP_TO else None


@functools.lru_cache(maxsize=4096)
def _closest_cached(key: str, known: tuple[str, ...]) -> str | None:
    """:func:`_closest` (cached: payloads repeat their mistakes)."""
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


_ObjectCheck = Callable[[Mapping[str, Any], list[Any], list[Violation]], None]
"""A check the walker runs at each occurrence of a message type: (object, its path, violations so far)."""


def _object_checks(desc: descriptor.Descriptor, rules: Iterable[Rule], registry: Registry) -> list[_ObjectCheck]:
    """What the walker checks at ``desc`` besides the schema layer: warning-severity rules, and what JSON Schema
    cannot compare by value (floats spelled as strings under a bound, uniqueness across spellings)."""
    checks: list[_ObjectCheck] = []
    for rule in rules:
        if rule.severity == "warning":
            numbers = registry.enum_descriptor(rule.argument).values if rule.kind == "enum_of" else ()
            checks.append(_RuleCheck(rule, desc, enum_numbers=frozenset(v.number for v in numbers)))
        elif rule.kind == "range" and _is_float_field(_rule_field(rule, desc)):
            checks.append(_RuleCheck(rule, desc, strings_only=True))
    for f in desc.fields:
        opts = field_rules(registry.options(f), f)
        value_field = message_of(f).fields_by_name["value"] if is_map(f) else f
        if opts.value is not None and _is_float_field(value_field):
            checks.append(_FloatBounds(f, opts.value, opts.raw.get("yandex.cloud.value")))
        if opts.unique and f.is_repeated and not is_map(f) and f.type != _FD.TYPE_STRING:
            checks.append(_Unique(f))
    return checks


def _rule_field(rule: Rule, desc: descriptor.Descriptor) -> descriptor.FieldDescriptor | None:
    for name in rule.path:
        desc = message_of(desc.fields_by_name[name])
    return desc.fields_by_name[rule.field] if rule.field else None


def _is_float_field(f: descriptor.FieldDescriptor | None) -> bool:
    return f is not None and f.type in (_FD.TYPE_FLOAT, _FD.TYPE_DOUBLE)


class _RuleCheck:
    """One service rule, compiled for the walker: a few dictionary lookups per occurrence of its anchor type.

    Error-severity rules run in the schema layer; the walker runs warnings, and (``strings_only``) the values
    of error-severity float ranges that the schema cannot read because they are spelled as strings.
    """

    __slots__ = ("allowed", "cond", "field", "members", "names", "rule", "steps", "strings_only", "unset_matches")

    def __init__(
        self,
        rule: Rule,
        desc: descriptor.Descriptor,
        *,
        strings_only: bool = False,
        enum_numbers: frozenset[int] = frozenset(),
    ) -> None:
        self.rule = rule
        self.strings_only = strings_only
        self.steps: list[tuple[str, str]] = []
        for name in rule.path:
            f = desc.fields_by_name[name]
            self.steps.append(_names(f))
            desc = message_of(f)
        self.cond: tuple[descriptor.FieldDescriptor, frozenset[Any]] | None = None
        self.unset_matches = False
        if rule.when is not None:
            cf = desc.fields_by_name[rule.when.field]
            values = set(rule.when.values)
            if cf.type == _FD.TYPE_ENUM:
                values |= {enum_of(cf).values_by_name[v].number for v in rule.when.values if isinstance(v, str)}
            elif cf.type not in (_FD.TYPE_STRING, _FD.TYPE_BOOL):
                values |= {str(v) for v in rule.when.values}
            self.cond = (cf, frozenset(values))
            self.unset_matches = when_matches_unset(cf, rule.when)
        self.members = [desc.fields_by_name[n] for n in rule.argument] if rule.is_object_check else []
        self.field = desc.fields_by_name[rule.field] if rule.field else None
        self.names = _names(self.field) if self.field is not None else ("", "")
        self.allowed: frozenset[Any] = frozenset()
        if rule.kind == "one_of" and self.field is not None:
            allowed = set(rule.argument)
            if self.field.type == _FD.TYPE_ENUM:
                allowed |= {enum_of(self.field).values_by_name[v].number for v in rule.argument}
            elif self.field.type != _FD.TYPE_STRING:
                allowed |= {str(v) for v in rule.argument}
            self.allowed = frozenset(allowed)
        elif rule.kind == "enum_of":
            self.allowed = enum_numbers | {str(n) for n in enum_numbers}

    def __call__(self, obj: Mapping[str, Any], path: list[Any], out: list[Violation]) -> None:
        rule = self.rule
        for names in self.steps:
            key, value = _lookup(obj, names)
            if not isinstance(value, dict):
                return
            obj, path = value, [*path, key]
        if self.cond is not None:
            cf, values = self.cond
            _, current = _lookup(obj, _names(cf))
            if _is_unset(cf, current):
                if not self.unset_matches:
                    return
            elif not _scalar_in(current, values, is_bool=cf.type == _FD.TYPE_BOOL):
                return
        if self.members:
            given = [f.json_name for f in self.members if not _is_unset(f, _lookup(obj, _names(f))[1])]
            if len(given) > 1 or (not given and rule.kind == "exactly_one"):
                both = "both" if len(given) == 2 else "all"
                found = f"{_words(given)} are {both} set" if len(given) > 1 else "none of them is set"
                out.append(Violation(pointer(path), rule.id, f"{found}: {_lower(rule.summary)}", rule.severity))
            return
        assert self.field is not None  # a field-level rule
        key, value = _lookup(obj, self.names)
        where = [*path, key]
        if rule.kind == "required":
            if _is_unset(self.field, value) or _is_default(self.field, value):
                out.append(
                    Violation(
                        pointer(where), rule.id, f"the field is missing or empty: {_lower(rule.summary)}", rule.severity
                    )
                )
            return
        if _is_unset(self.field, value):
            return  # proto3 does not send a default value: to the service the field is not set
        if rule.kind in ("forbidden", "ignored"):
            out.append(
                Violation(pointer(where), rule.id, f"found {_describe(value)}: {_lower(rule.summary)}", rule.severity)
            )
            return
        repeated = self.field.is_repeated and isinstance(value, list)
        for i, item in enumerate(value) if repeated else ((None, value),):
            if isinstance(item, (dict, list)) or (self.strings_only and not isinstance(item, str)):
                continue  # the schema layer reports the type, and judges numbers
            ok = _scalar_in(item, self.allowed, is_bool=False) if self.allowed else _satisfies(rule, item)
            if not ok:
                at = [*where, i] if repeated else where
                out.append(
                    Violation(pointer(at), rule.id, f"found {_describe(item)}: {_lower(rule.summary)}", rule.severity)
                )


class _FloatBounds:
    """``(yandex.cloud.value)`` on a float field, for values spelled as strings (the schema judges numbers)."""

    __slots__ = ("bounds", "field", "names", "text")

    def __init__(self, f: descriptor.FieldDescriptor, bounds: tuple[Interval, ...], text: Any) -> None:
        self.field = f
        self.names = _names(f)
        self.bounds = bounds
        self.text = text

    def __call__(self, obj: Mapping[str, Any], path: list[Any], out: list[Violation]) -> None:
        f = self.field
        key, value = _lookup(obj, self.names)
        if _is_unset(f, value):
            return
        for item, item_path in _items(value, [*path, key], f):
            if not isinstance(item, str):
                continue
            number = _float_value(item)
            if number is not None and not (not number.is_nan() and _within(number, self.bounds)):
                out.append(
                    Violation(
                        pointer(item_path),
                        "option.value",
                        f"found {_describe(item)}; {_OPTION_WORDS['option.value']} (allowed: {self.text})",
                    )
                )


class _Unique:
    """``(yandex.cloud.unique)`` on a repeated field, comparing values whatever their spelling (``1`` and
    ``"1"``, an enum's name and number, ``0.5`` and ``"5e-1"``), which JSON Schema's ``uniqueItems`` cannot.
    Items equal as JSON are the schema layer's to report."""

    __slots__ = ("field", "names")

    def __init__(self, f: descriptor.FieldDescriptor) -> None:
        self.field = f
        self.names = _names(f)

    def __call__(self, obj: Mapping[str, Any], path: list[Any], out: list[Violation]) -> None:
        key, value = _lookup(obj, self.names)
        if not isinstance(value, list) or len({_json_key(item) for item in value}) < len(value):
            return
        seen: dict[Any, Any] = {}
        for item in value:
            canonical = _canonical(self.field, item)
            if canonical is None:
                continue
            if canonical in seen:
                out.append(
                    Violation(
                        pointer([*path, key]),
                        "option.unique",
                        f"found {_describe(seen[canonical])} and {_describe(item)}, which are the same value; "
                        "the items must all be different",
                    )
                )
                return
            seen[canonical] = item


def _json_key(item: Any) -> Any:
    """``item`` as JSON compares it (``1`` equals ``1.0``; ``true`` is not ``1``)."""
    if isinstance(item, (int, float)) and not isinstance(item, bool):
        return ("number", item)
    return (type(item).__name__, repr(item))


def _canonical(f: descriptor.FieldDescriptor, item: Any) -> Any:
    """One hashable value per value of a scalar, whatever its ProtoJSON spelling (``None``: not a scalar)."""
    if isinstance(item, (dict, list)) or item is None:
        return None
    if f.type == _FD.TYPE_ENUM:
        known = enum_of(f).values_by_name.get(item) if isinstance(item, str) else None
        return known.number if known is not None else item
    if isinstance(item, bool) or f.type in (_FD.TYPE_STRING, _FD.TYPE_BYTES, _FD.TYPE_BOOL):
        return (type(item), item)
    number = _float_value(item) if isinstance(item, str) else Decimal(item) if math.isfinite(item) else None
    return item if number is None or number.is_nan() else number


_FLOAT_ZERO_TEXT: Final = re.compile(FLOAT_ZERO)  # the schemas' own pattern: one definition of "zero"
_SPECIAL_FLOATS: Final = {"NaN": Decimal("NaN"), "Infinity": Decimal("Infinity"), "-Infinity": Decimal("-Infinity")}


def _float_value(text: str) -> Decimal | None:
    """The exact value a ProtoJSON float string spells (``"0.5"``, ``"5e-1"``, ``"NaN"``, ``"-Infinity"``);
    ``None`` when it spells no number (the schema layer reports the spelling)."""
    special = _SPECIAL_FLOATS.get(text)
    if special is not None:
        return special
    if not _DECIMAL_TEXT.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except ArithmeticError:
        return None


_DECIMAL_TEXT: Final = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def _is_unset(f: descriptor.FieldDescriptor, value: Any) -> bool:
    """Whether ``value`` leaves the field unset: ``null``, ``[]``/``{}`` for a repeated field or map, and for a
    field without presence any spelling of its default, which proto3 does not send at all."""
    if value is None:
        return True
    if f.is_repeated:
        return isinstance(value, (list, dict)) and not value
    return not f.has_presence and _is_default(f, value)


def _is_default(f: descriptor.FieldDescriptor, value: Any) -> bool:
    """Whether ``value`` spells the default of a scalar field (``0``, ``"0.0"``, ``""``, ``false``…)."""
    if f.message_type is not None or f.is_repeated:
        return False
    if f.type == _FD.TYPE_ENUM:
        first = enum_of(f).values[0]
        return bool(value == first.name or (type(value) is int and value == first.number))
    if f.type == _FD.TYPE_BOOL:
        return value is False
    if f.type in (_FD.TYPE_STRING, _FD.TYPE_BYTES):
        return isinstance(value, str) and not value
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value == 0
    if isinstance(value, str):
        if f.type in (_FD.TYPE_FLOAT, _FD.TYPE_DOUBLE):
            return _FLOAT_ZERO_TEXT.match(value) is not None
        return value == "0"
    return False


def _scalar_in(value: Any, values: frozenset[Any], *, is_bool: bool) -> bool:
    """``value`` is one of ``values``, a JSON boolean matching only a bool field's values (``True == 1``)."""
    if isinstance(value, (dict, list)) or isinstance(value, bool) != is_bool:
        return False
    return value in values


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _satisfies(rule: Rule, item: Any) -> bool:
    kind, arg = rule.kind, rule.argument
    if kind == "max_length":
        return not isinstance(item, str) or len(item) <= arg
    if kind == "pattern":
        return not isinstance(item, str) or re.fullmatch(arg, item) is not None
    if kind == "range":
        if isinstance(item, str):
            number = _float_value(item)
            if number is None:
                return True  # not a number at all: the schema layer reports the spelling
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            if isinstance(item, float) and not math.isfinite(item):
                return True  # the JSON checks report it
            number = Decimal(item)
        else:
            return True
        if number.is_nan():
            return False  # NaN lies in no range
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


_JSON_VALUES: Final = {
    "google.protobuf.Struct": "type.struct",
    "google.protobuf.Value": "type.value",
    "google.protobuf.ListValue": "type.list_value",
}
"""The well-known types that hold any JSON, whose numbers are doubles."""


def _beyond_double(number: int) -> bool:
    """Whether ``float()`` (and protobuf) refuse the integer: it rounds to no finite double."""
    try:
        float(number)
    except OverflowError:
        return True
    return False


def _packed_json_value(item: Any) -> str | None:
    url = item.get("@type") if isinstance(item, dict) else None
    name = url.rsplit("/", 1)[-1] if isinstance(url, str) else None
    return name if name in _JSON_VALUES else None


def _check_json_value(item: Any, path: list[Any], type_name: str, level: int, binary_level: int) -> list[Violation]:
    """What JSON Schema cannot tell about the JSON held by a ``Struct``/``Value``/``ListValue`` message: an integer
    no double can hold (``json_format`` fails on it with ``OverflowError``), and nesting past what protobuf's
    parsers read (see :data:`MAX_MESSAGE_DEPTH`). The message is at ``level`` as ``json_format`` counts (the
    root message 1, one per message) and at ``binary_level`` as the binary decoders count (a map entry is a
    level too; an ``Any``'s packed message starts again at 1). Every JSON level inside is a ``Value`` and the
    ``Struct`` (and its map entry) or ``ListValue`` it holds. Iterative, so any depth is safe."""
    out: list[Violation] = []
    top = 0 if type_name == "google.protobuf.Value" else 1  # a Struct or ListValue is below its (absent) Value
    # (node, where, the json_format level and the binary level of the Value that holds it)
    stack: list[tuple[Any, list[Any], int, int]] = [(item, path, level - top, binary_level - top)]
    while stack:
        node, where, at, binary_at = stack.pop()
        container = isinstance(node, (dict, list))
        if at + container > MAX_MESSAGE_DEPTH or binary_at + container > MAX_MESSAGE_DEPTH + 1:
            out.append(
                Violation(
                    pointer(where),
                    "proto.too_deep",
                    f"the {type_name} nests deeper than protobuf's parsers read ({MAX_MESSAGE_DEPTH} messages; each "
                    "JSON level inside is a Value and the Struct or ListValue it holds)",
                )
            )
            break  # once per value: everything below is as deep
        if container:
            pairs = node.items() if isinstance(node, dict) else enumerate(node)
            below = binary_at + (3 if isinstance(node, dict) else 2)  # a Struct's values sit in map entries
            stack.extend((v, [*where, k], at + 2, below) for k, v in pairs if isinstance(v, (dict, list, int)))
        elif type(node) is int and node.bit_length() > 1023 and _beyond_double(node):
            digits = f"{len(str(abs(node))):,}" if node.bit_length() < 14_000 else "over 4,000"
            out.append(
                Violation(
                    pointer(where),
                    _JSON_VALUES[type_name],
                    f"found an integer of {digits} digits, beyond the range of a double: a {type_name} holds its "
                    "numbers as doubles (up to about 1.8e308)",
                )
            )
    return out


def _check_timestamp(item: Any, path: list[Any], opts: FieldRules) -> list[Violation]:
    import calendar
    import datetime

    if not isinstance(item, str) or len(item) < 20:
        return []  # the schema layer reports the spelling
    try:
        year, month, day = int(item[0:4]), int(item[5:7]), int(item[8:10])
        datetime.date(year, month, day)
    except ValueError:
        return [Violation(pointer(path), "type.timestamp", f"found {shown(item)}, a date that does not exist")]
    offset = item[-6:]
    if offset[:1] in ("+", "-") and offset[3:4] == ":" and offset[1:3].isdigit() and offset[4:].isdigit():
        try:
            local = calendar.timegm((year, month, day, int(item[11:13]), int(item[14:16]), int(item[17:19])))
        except ValueError:
            return []  # the schema layer reports the spelling
        shift = (int(offset[1:3]) * 60 + int(offset[4:])) * 60
        utc = local - shift if offset[0] == "+" else local + shift
        low, high = _wkt.TIMESTAMP_SECONDS
        if not low <= utc <= high:
            return [
                Violation(
                    pointer(path),
                    "type.timestamp",
                    f"found {shown(item)}, which its UTC offset moves outside 0001-01-01T00:00:00Z to "
                    "9999-12-31T23:59:59Z, the range of a Timestamp",
                )
            ]
    if opts.value:
        from yc_contracts.contract.options import parse_bounds

        try:
            (moment,) = parse_bounds(item, "timestamp")
        except (ValueError, ArithmeticError, LookupError):
            return []
        if moment.lo is not None and not _within(moment.lo, opts.value):
            return [
                Violation(
                    pointer(path),
                    "option.value",
                    f"found {shown(item)}; the time must be within {opts.raw.get('yandex.cloud.value')}",
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
                f"found {shown(item)}; the duration must be within {opts.raw.get('yandex.cloud.value')}",
            )
        ]
    return []


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return shown(value)
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


def _capped(found: list[Violation], budget: _Budget) -> list[Violation]:
    """``found`` (sorted) cut to the budget's cap, with the ``limit.violations`` summary last when needed."""
    if len(found) > budget.cap:
        budget.count(len(found) - budget.cap, exact=True)
        found = found[: budget.cap]
    summary = budget.summary()
    return [*found, summary] if summary is not None else found


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


# ------------------------------------------------------------------------------------------ message helpers

_ENUM_NAMES_SHOWN: Final = 12
"""An enum error lists this many value names at most (a big enum's list would drown the sentence)."""


def _enum_words(enum: descriptor.EnumDescriptor, instance: Any) -> str:
    """What an enum field takes, and the value name closest to ``instance`` when there is one."""
    names = [v.name for v in enum.values]
    listed = ", ".join(names[:_ENUM_NAMES_SHOWN])
    if len(names) > _ENUM_NAMES_SHOWN:
        listed += f" and {len(names) - _ENUM_NAMES_SHOWN} more"
    close = _closest_enum_value(enum, instance)
    hint = f"; did you mean {close}?" if close is not None else ""
    return f"expected one of {listed} (or the number of one){hint}"


def _closest_enum_value(enum: descriptor.EnumDescriptor, instance: Any) -> str | None:
    """The spelling the caller probably meant: the same name in another letter case, the name of a number
    given as a string or as an integral float, or the closest name."""
    if isinstance(instance, float) and instance.is_integer() and int(instance) in enum.values_by_number:
        return str(int(instance))
    if not isinstance(instance, str) or not instance:
        return None
    by_case = {v.name.casefold(): v.name for v in enum.values}
    same = by_case.get(instance.casefold())
    if same is not None:
        return repr(same)
    if instance.isdecimal() and len(instance) < 12 and int(instance) in enum.values_by_number:
        number = int(instance)
        return f"{enum.values_by_number[number].name!r} or the number {number}"
    close = _closest(instance.casefold(), tuple(by_case))
    return repr(by_case[close]) if close is not None else None


def _closest_type_url(registry: Registry, url: str) -> str | None:
    """The known type URL closest to a mistyped one."""
    return _closest_type_url_cached(registry, url) if len(url) <= SUGGEST_UP_TO else None


@functools.lru_cache(maxsize=256)
def _closest_type_url_cached(registry: Registry, url: str) -> str | None:
    try:
        registry.resolve_type_url(url)
    except UnknownNameError as e:
        return next(iter(e.suggestions), None)
    return None


def _second_spelling(payload: Any, path: list[Any], spellings: list[str]) -> str:
    """Of a field's two spellings in the object at ``path``, the one the payload gives last."""
    node = payload
    for step in path:
        node = node[step] if isinstance(node, (dict, list)) else None
    given = [key for key in node if key in spellings] if isinstance(node, dict) else []
    return given[-1] if given else spellings[-1]
