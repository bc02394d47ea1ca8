"""The rule walker: what JSON Schema cannot say, checked by walking the payload along a plan per message type —
warning-severity rules, base64 ``bytes`` values and their decoded sizes, real calendar dates and bounds of
timestamps and durations, UTF-8 byte counts, the messages packed in ``Any``, and the JSON inside
``Struct``/``Value``/``ListValue`` that protobuf cannot take."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from google.protobuf import descriptor

from yc_contracts.contract import wkt as _wkt
from yc_contracts.contract.descriptors import enum_of, is_map, message_of, reaches
from yc_contracts.contract.errors import shown
from yc_contracts.contract.options import FieldRules, Interval, field_rules
from yc_contracts.rules.ruleset import Rule, RuleSet, when_matches_unset
from yc_contracts.schema.generator import FLOAT_ZERO, null_is_value
from yc_contracts.validation import base64_text as _base64
from yc_contracts.validation.budget import Bounded, Budget
from yc_contracts.validation.sentences import OPTION_WORDS, bounds_words, describe, lower, words
from yc_contracts.validation.violations import Violation, pointer

if TYPE_CHECKING:
    from yc_contracts.contract.registry import Registry

_FD = descriptor.FieldDescriptor
_TIMESTAMP: Final = "google.protobuf.Timestamp"
_BYTES_VALUE: Final = "google.protobuf.BytesValue"
_DURATION: Final = "google.protobuf.Duration"
_MAX_NESTING: Final = 64
"""Message nesting the rule walker follows (recursive types stop there; the schema layer still sees it all)."""

MAX_MESSAGE_DEPTH: Final = 100
"""Message nesting protobuf's parsers accept: ``json_format``'s ``max_recursion_depth`` (protobuf 7; the root
message is level 1), and the binary decoders' limit (upb, C++: 100 below the root, map entries counted). Only
``Struct``/``Value``/``ListValue`` reach it in this contract."""


class Mode(NamedTuple):
    """How far the rule walker goes: every check, or only those standing in for the schema layer; and whether
    base64 values get their full alphabet pass (see
    :meth:`~yc_contracts.validation.validator.Compiled.violations`)."""

    schema_only: bool = False
    alphabet: bool = True


FULL: Final = Mode()
NO_ALPHABET: Final = Mode(alphabet=False)


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
    pruned: bool = False
    """Whether ``children`` holds only the fields whose type the walker has work at (see ``RuleLayer._active``)."""

    def has_work(self) -> bool:
        """Whether the walker checks anything at this type itself (its children aside)."""
        return bool(self.rules or self.bytes_fields or self.utf8 or self.timestamps or self.durations or self.anys)


class RuleLayer:
    """The rule walker for one message type: a plan per message type it reaches, built when first needed."""

    def __init__(self, registry: Registry, rules: RuleSet, root_type: str) -> None:
        self._reg = registry
        self._rules = rules
        self._root_type = root_type
        self._plans: dict[str, _Plan] = {}
        self._routes: dict[str, list[tuple[descriptor.FieldDescriptor, str]]] = {}
        self._is_active: dict[str, bool] = {}
        self._holds_json: dict[str, bool] = {}
        root = registry.message_descriptor(root_type)
        self.holds_json_values = root.full_name in (*_JSON_VALUES, _wkt.ANY) or bool(self._json_routes(root))
        """Whether the payload may hold a ``Struct``/``Value``/``ListValue`` or an ``Any`` (see :meth:`json_values`)."""

    def _plan(self, desc: descriptor.Descriptor) -> _Plan:
        plan = self._plans.get(desc.full_name)
        if plan is not None:
            return plan
        plan = self._plans[desc.full_name] = _Plan(desc)
        plan.rules = _object_checks(desc, self._rules.anchored_at(desc.full_name), self._reg)
        for f in desc.fields:
            opts = field_rules(self._reg.options(f), f)
            target = _child_type(f)  # a map's value type: a map of Any or of Timestamp is walked as such
            scalar = _element_type(f)
            if scalar == _FD.TYPE_BYTES:  # bytes, BytesValue, and lists and maps of them
                bounds = [(name, b) for name, b in (("option.length", opts.length), ("option.bytes", opts.bytes)) if b]
                for rule in self._rules.anchored_at(desc.full_name):
                    if rule.kind == "max_decoded_bytes" and rule.field == f.name and not rule.path:
                        bounds.append((rule.id, (Interval(None, Decimal(rule.argument), False, False),)))
                plan.bytes_fields.append(_BytesField(f, bounds))
            elif scalar == _FD.TYPE_STRING and opts.bytes:
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
        """Whether the walker has anything to do at ``desc`` or below (recursive types included)."""
        return reaches(desc, self._child_types, lambda d: self._plan(d).has_work(), self._is_active)

    def _child_types(self, desc: descriptor.Descriptor) -> Iterator[descriptor.Descriptor]:
        for f in self._plan(desc).children:
            child = _child_type(f)
            if child is not None:
                yield child

    def _pruned(self, desc: descriptor.Descriptor) -> _Plan:
        """The plan of ``desc`` with ``children`` pruned to those the walker has work at (once per plan)."""
        plan = self._plan(desc)
        if not plan.pruned:
            plan.children = [f for f in plan.children if (c := _child_type(f)) is not None and self._active(c)]
            plan.pruned = True
        return plan

    def walk(self, value: Any, mode: Mode, budget: Budget) -> list[Violation]:
        out: list[Violation] = Bounded(budget)
        root = self._reg.message_descriptor(self._root_type)
        if root.full_name == _wkt.ANY:
            self._visit_any(value, [], out, 0, mode)
        elif _wkt.is_well_known(root.full_name):
            self._visit_well_known(root.full_name, value, [], out, mode)
        elif self._active(root):
            self._visit(root, value, [], out, 0, mode)
        return out

    def _visit_any(self, item: Any, path: list[Any], out: list[Violation], depth: int, mode: Mode) -> None:
        """One ``Any``: the message it packs, or the JSON form of a well-known type under ``"value"``."""
        if not isinstance(item, dict):
            return
        url = item.get("@type")
        if isinstance(url, str) and "value" in item and _wkt.is_well_known(name := url.rsplit("/", 1)[-1]):
            self._visit_well_known(name, item["value"], [*path, "value"], out, mode)
            return
        target = self._any_type(item)
        if target is not None and self._active(target):
            self._visit(target, item, path, out, depth + 1, mode)

    def _visit_well_known(self, name: str, value: Any, path: list[Any], out: list[Violation], mode: Mode) -> None:
        """What the walker checks in the JSON form of a well-known type given on its own (packed in an ``Any``,
        or as the whole payload): base64 of a ``BytesValue``, real dates of a ``Timestamp``."""
        if name == _BYTES_VALUE:
            out += _check_bytes(value, path, [], alphabet=mode.alphabet)  # the schema layer leaves base64 to us
        elif name == _TIMESTAMP and not mode.schema_only:
            out += _check_timestamp(value, path, FieldRules())

    def _visit(  # noqa: PLR0917 (the walker recurses with its full state)
        self,
        desc: descriptor.Descriptor,
        obj: Any,
        path: list[Any],
        out: list[Violation],
        depth: int,
        mode: Mode,
    ) -> None:
        if not isinstance(obj, dict) or depth > _MAX_NESTING:
            return
        plan = self._pruned(desc)
        for bf in plan.bytes_fields:
            for key, value in present(obj, bf.field):
                if _is_unset(bf.field, value):
                    continue  # "" where proto3 does not send it: no option applies (and it is valid base64)
                for item, item_path in _items(value, [*path, key], bf.field):
                    out += _check_bytes(item, item_path, bf.bounds, alphabet=mode.alphabet)
        if not mode.schema_only:
            self._visit_rules(plan, obj, path, out)
        for f in plan.anys:
            for key, value in present(obj, f):
                for item, item_path in _items(value, [*path, key], f):
                    self._visit_any(item, item_path, out, depth, mode)
        for f in plan.children:
            child = _child_type(f)
            assert child is not None  # pruned by _active
            for key, value in present(obj, f):
                for item, item_path in _items(value, [*path, key], f):
                    self._visit(child, item, item_path, out, depth + 1, mode)

    def _visit_rules(self, plan: _Plan, obj: dict[str, Any], path: list[Any], out: list[Violation]) -> None:
        """The service-rule layer's checks at one object (warnings, dates, bounds JSON Schema cannot express)."""
        for check in plan.rules:
            check(obj, path, out)
        for f, bounds in plan.utf8:
            for key, value in present(obj, f):
                if _is_unset(f, value):
                    continue  # "" where proto3 does not send it: no option applies
                for item, item_path in _items(value, [*path, key], f):
                    if isinstance(item, str) and not _within(
                        Decimal(len(item.encode("utf-8", "surrogatepass"))), bounds
                    ):
                        out.append(
                            Violation(
                                pointer(item_path),
                                "option.bytes",
                                f"the string is {len(item.encode('utf-8', 'surrogatepass'))} UTF-8 "
                                f"bytes; {bounds_words(bounds)} bytes are allowed",
                            )
                        )
        for f, opts in plan.timestamps:
            for key, value in present(obj, f):
                for item, item_path in _items(value, [*path, key], f):
                    out += _check_timestamp(item, item_path, opts)
        for f, opts in plan.durations:
            for key, value in present(obj, f):
                for item, item_path in _items(value, [*path, key], f):
                    out += _check_duration(item, item_path, opts)

    def json_values(self, value: Any) -> list[Violation]:
        """What the ``Struct``/``Value``/``ListValue`` values of the payload hold that protobuf cannot take
        (:func:`_check_json_value`): a walk of its own, along the fields that lead to one, which runs only when
        the payload may hold such a thing at all (see ``Compiled.violations``)."""
        out: list[Violation] = []
        root = self._reg.message_descriptor(self._root_type)
        if root.full_name in _JSON_VALUES:  # the payload is a Struct/Value/ListValue: the root message
            return _check_json_value(value, [], root.full_name, 1, 1)
        stack: list[tuple[descriptor.Descriptor, Any, list[Any], int]] = [(root, value, [], 0)]
        if root.full_name == _wkt.ANY:  # the payload is an Any: a message packed in it is at its level
            packed = _packed_json_value(value)
            if packed is not None:
                return _check_json_value(value.get("value"), ["value"], packed, 2, 1)
            target = self._any_type(value)
            stack = [] if target is None else [(target, value, [], 0)]
        while stack:
            desc, obj, path, depth = stack.pop()
            if not isinstance(obj, dict) or depth > _MAX_NESTING:
                continue
            for f, kind in self._json_routes(desc):
                for key, found in present(obj, f):
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
        routes: list[tuple[descriptor.FieldDescriptor, str]] = []
        for f in desc.fields:
            target = _child_type(f)
            if target is None:
                continue
            if target.full_name in _JSON_VALUES:
                routes.append((f, "json"))
            elif target.full_name == _wkt.ANY:
                routes.append((f, "any"))
            elif not _wkt.is_well_known(target.full_name) and reaches(
                target, _plain_children, _holds_json_or_any, self._holds_json
            ):
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


def _element_type(f: descriptor.FieldDescriptor) -> int:
    """The scalar type of one value of ``f`` (an item, a map value): the type a wrapper such as
    ``google.protobuf.Int64Value`` wraps (its JSON form is that scalar's, and so are its options), else the
    field's own type (``TYPE_MESSAGE`` for any other message)."""
    if is_map(f):
        f = message_of(f).fields_by_name["value"]
    wrapped = _wkt.WRAPPERS.get(f.message_type.full_name) if f.message_type is not None else None
    return f.type if wrapped is None else _wkt.WRAPPED_TYPES[wrapped]


def _child_type(f: descriptor.FieldDescriptor) -> descriptor.Descriptor | None:
    """The message type the walker descends into through ``f`` (a map's value type for maps)."""
    return message_of(f).fields_by_name["value"].message_type if is_map(f) else f.message_type


def _plain_children(desc: descriptor.Descriptor) -> Iterator[descriptor.Descriptor]:
    """The types the walker descends into from ``desc`` that are not well-known types."""
    for f in desc.fields:
        target = _child_type(f)
        if target is not None and not _wkt.is_well_known(target.full_name):
            yield target


def _holds_json_or_any(desc: descriptor.Descriptor) -> bool:
    """Whether a field of ``desc`` holds a JSON value or an ``Any``."""
    return any(
        (target := _child_type(f)) is not None and target.full_name in (*_JSON_VALUES, _wkt.ANY) for f in desc.fields
    )


def present(obj: Mapping[str, Any], f: descriptor.FieldDescriptor) -> Iterator[tuple[str, Any]]:
    """The field's key(s) and value(s) in ``obj``, by either spelling (both, when a payload gives both), skipping
    null (absent)."""
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


def field_names(f: descriptor.FieldDescriptor) -> tuple[str, str]:
    return (f.json_name, f.name)


class _Missing:
    """The value of a field that is not in the object at all (``null`` may be a value: see :func:`_is_unset`)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Final = _Missing()


def _lookup(obj: Mapping[str, Any], names: tuple[str, str]) -> tuple[str, Any]:
    """The spelling used and the value of a field (the JSON name and :data:`MISSING` when absent); a non-null
    value wins over a null one, given under the other spelling."""
    value = obj.get(names[0], MISSING)
    if (value is None or value is MISSING) and names[1] != names[0]:
        other = obj.get(names[1], MISSING)
        if other is not MISSING and (other is not None or value is MISSING):
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
        scalar = _element_type(f)  # wrappers (DoubleValue...) are bounded as the scalar they hold
        if opts.value is not None and scalar in (_FD.TYPE_FLOAT, _FD.TYPE_DOUBLE):
            checks.append(_FloatBounds(f, opts.value, opts.raw.get("yandex.cloud.value")))
        if opts.unique and f.is_repeated and not is_map(f) and scalar != _FD.TYPE_STRING:
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
            self.steps.append(field_names(f))
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
        self.names = field_names(self.field) if self.field is not None else ("", "")
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
            _, current = _lookup(obj, field_names(cf))
            if _is_unset(cf, current):
                if not self.unset_matches:
                    return
            elif not _scalar_in(current, values, is_bool=cf.type == _FD.TYPE_BOOL):
                return
        if self.members:
            given = [f.json_name for f in self.members if not _is_unset(f, _lookup(obj, field_names(f))[1])]
            if len(given) > 1 or (not given and rule.kind == "exactly_one"):
                both = "both" if len(given) == 2 else "all"
                found = f"{words(given)} are {both} set" if len(given) > 1 else "none of them is set"
                out.append(Violation(pointer(path), rule.id, f"{found}: {lower(rule.summary)}", rule.severity))
            return
        assert self.field is not None  # a field-level rule
        key, value = _lookup(obj, self.names)
        where = [*path, key]
        if rule.kind == "required":
            if _is_unset(self.field, value) or _is_default(self.field, value):
                out.append(
                    Violation(
                        pointer(where), rule.id, f"the field is missing or empty: {lower(rule.summary)}", rule.severity
                    )
                )
            return
        if _is_unset(self.field, value):
            return  # proto3 does not send a default value: to the service the field is not set
        if rule.kind in ("forbidden", "ignored"):
            out.append(
                Violation(pointer(where), rule.id, f"found {describe(value)}: {lower(rule.summary)}", rule.severity)
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
                    Violation(pointer(at), rule.id, f"found {describe(item)}: {lower(rule.summary)}", rule.severity)
                )


class _FloatBounds:
    """``(yandex.cloud.value)`` on a float field, for values spelled as strings (the schema judges numbers)."""

    __slots__ = ("bounds", "field", "names", "text")

    def __init__(self, f: descriptor.FieldDescriptor, bounds: tuple[Interval, ...], text: Any) -> None:
        self.field = f
        self.names = field_names(f)
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
                        f"found {describe(item)}; {OPTION_WORDS['option.value']} (allowed: {self.text})",
                    )
                )


class _Unique:
    """``(yandex.cloud.unique)`` on a repeated field, comparing values whatever their spelling (``1`` and
    ``"1"``, an enum's name and number, ``0.5`` and ``"5e-1"``), which JSON Schema's ``uniqueItems`` cannot.
    Items equal as JSON are the schema layer's to report."""

    __slots__ = ("field", "names", "scalar")

    def __init__(self, f: descriptor.FieldDescriptor) -> None:
        self.field = f
        self.names = field_names(f)
        self.scalar = _element_type(f)

    def __call__(self, obj: Mapping[str, Any], path: list[Any], out: list[Violation]) -> None:
        key, value = _lookup(obj, self.names)
        if not isinstance(value, list) or len({_json_key(item) for item in value}) < len(value):
            return
        seen: dict[Any, Any] = {}
        for item in value:
            canonical = _canonical(self.field, self.scalar, item)
            if canonical is None:
                continue
            if canonical in seen:
                out.append(
                    Violation(
                        pointer([*path, key]),
                        "option.unique",
                        f"found {describe(seen[canonical])} and {describe(item)}, which are the same value; "
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


def _canonical(f: descriptor.FieldDescriptor, scalar: int, item: Any) -> Any:
    """One hashable value per value of a scalar (of type ``scalar``: a wrapper's is the type it wraps), whatever
    its ProtoJSON spelling (``None``: not a scalar)."""
    if isinstance(item, (dict, list)) or item is None:
        return None
    if scalar == _FD.TYPE_ENUM:
        known = enum_of(f).values_by_name.get(item) if isinstance(item, str) else None
        return known.number if known is not None else item
    if isinstance(item, bool) or scalar in (_FD.TYPE_STRING, _FD.TYPE_BYTES, _FD.TYPE_BOOL):
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
    """Whether ``value`` leaves the field unset: :data:`MISSING`, ``null`` (unless it is a value there: a
    ``google.protobuf.Value``, a ``NullValue`` with presence), ``[]``/``{}`` for a repeated field or map, and for a
    field without presence any spelling of its default, which proto3 does not send at all."""
    if value is MISSING:
        return True
    if value is None:
        return not null_is_value(f)
    if f.is_repeated:
        return isinstance(value, (list, dict)) and not value
    return not f.has_presence and _is_default(f, value)


def _is_default(f: descriptor.FieldDescriptor, value: Any) -> bool:
    """Whether ``value`` spells the default of a scalar field (``0``, ``"0.0"``, ``""``, ``false``…)."""
    if f.message_type is not None or f.is_repeated:
        return False
    if f.type == _FD.TYPE_ENUM:
        first = enum_of(f).values[0]
        if value is None:
            return null_is_value(f)  # null is NULL_VALUE, a NullValue's default
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
                    f"the content decodes to {text.decoded_size:,} bytes; {bounds_words(intervals)} bytes are allowed",
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
