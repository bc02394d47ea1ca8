"""Payloads that break exactly one rule, each with the violation the validators must report.

A valid payload from :func:`yc_contracts.testing._payloads.spelled` (mixed field names, every spelling) is
broken in one place. What can be broken is read off the payload's objects (:class:`ObjectNode`): each object's
fields, the options on them, the service rules that apply there (their ``when`` conditions evaluated on the
message the object spells), its oneofs and object rules. Every breakage is chosen so that it breaks that one
rule and nothing else:

- a field is not given a value that also breaks another option or rule of it (candidate values are checked
  against the field's other constraints before one is used);
- a field that a rule's ``when`` condition reads is never removed, added or changed, since that would switch
  other rules on or off;
- adding or removing a field keeps every other oneof and object rule satisfied;
- a field that a required rule passes through, or that an option or another rule requires, is not removed.

Breakages are drawn by rule first (then by place), so rare rules are broken as often as common ones.
"""

from __future__ import annotations

import copy
import math
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, TypeAlias

import hypothesis.strategies as st
from google.protobuf import descriptor
from google.protobuf.message import Message
from hypothesis.strategies import SearchStrategy

from yc_contracts.contract import wkt as _wkt
from yc_contracts.contract.descriptors import INT_RANGES, TYPE_RULES, enum_of, is_map, message_of
from yc_contracts.contract.options import FieldRules, Interval, oneof_exactly_one
from yc_contracts.contract.registry import MessageRef, Registry, default_registry
from yc_contracts.rules.ruleset import Rule
from yc_contracts.testing._messages import ABSENT, Inherited, _assign, _holds, compiler_for, ecma_regex
from yc_contracts.testing._payloads import ObjectNode, Spelled, descriptor_of, spelled
from yc_contracts.validation import base64_text as _base64
from yc_contracts.validation.content import OCR_FORMATS, sniff
from yc_contracts.validation.violations import pointer

__all__ = ["Expected", "invalid_payloads"]

Expected: TypeAlias = tuple[str, str]
"""``(path, rule id)``: the JSON Pointer of the violation and its rule id."""

_FD = descriptor.FieldDescriptor
_Path: TypeAlias = tuple[str | int, ...]
_INT64: Final = frozenset({_FD.TYPE_INT64, _FD.TYPE_UINT64, _FD.TYPE_SINT64, _FD.TYPE_SFIXED64, _FD.TYPE_FIXED64})
_OBJECT: Final = {"not": "a field"}
# Values of the wrong JSON type for each kind of value. None of them spells a default value (0, "", false, an
# empty array or object), which a required check would also reject.
_WRONG_SCALARS: Final[Mapping[int, tuple[Any, ...]]] = {
    _FD.TYPE_STRING: (5, True, _OBJECT, ["text"]),
    _FD.TYPE_BYTES: (5, True, _OBJECT, "not base64!", "QUJD*"),
    _FD.TYPE_BOOL: ("true", 1, _OBJECT, ["true"]),
    _FD.TYPE_ENUM: ("NOT_A_VALUE_OF_THE_ENUM", 987654, "1", True, _OBJECT),
    _FD.TYPE_FLOAT: ("x", True, _OBJECT, [1.5], "inf", "1e39", "1.5 "),
    _FD.TYPE_DOUBLE: ("x", True, _OBJECT, [1.5], "inf", "2e308", "1_0"),
}
_WRONG_INTEGERS: Final = ("x", True, _OBJECT, ["1"], 1.5, "1.5", "05", "+5", "1e2")
_OUT_OF_RANGE: Final = {
    "type.int32": (2**31, -(2**31) - 1, "2147483648"),
    "type.uint32": (-1, 2**32, "-1"),
    "type.int64": (2**63, "9223372036854775808", -(2**63) - 1),
    "type.uint64": (-1, "-1", 2**64),
}
_WRONG_WELL_KNOWN: Final[Mapping[str, tuple[Any, ...]]] = {
    "google.protobuf.Timestamp": (5, "2026-11-20", "2026-13-01T00:00:00Z", "2026-11-20t10:00:00z", _OBJECT),
    "google.protobuf.Duration": (5, "1.5", "1.5 s", "1.0000000001s", _OBJECT),
    "google.protobuf.FieldMask": (5, "a b", "Foo", _OBJECT),
    "google.protobuf.Struct": ("x", 5, [1]),
    "google.protobuf.ListValue": ("x", 5, _OBJECT),
    "google.protobuf.Empty": ("x", 5, [1], _OBJECT),
    "google.protobuf.Any": ("x", 5, [1]),
}
_WRONG_MESSAGES: Final = ("x", 5, True, [_OBJECT])
_WRONG_LISTS: Final = ("x", 5, _OBJECT)
_WRONG_MAPS: Final = ("x", 5, [1])
_UNKNOWN_KEYS: Final = ("unknownField", "extra_field", "x", "@type", "ünknown", "a/b~c")
_UNKNOWN_VALUES: Final = (1, "x", None, _OBJECT, [1], True)
_BAD_URLS: Final = ("type.googleapis.com/yc_contracts.test.NoSuchMessage", "no-slash", "type.googleapis.com/", 5)
_TEXT_PROBES: Final = ("!", "A", "ZZ", "a b", "x", "xyz", "-", "0", "image/gif", "https://example.com/a.wav", "é")


@dataclass(frozen=True)
class _Candidate:
    """One way to break the payload: the rule it breaks, where, and how (an edit of a copy of the payload)."""

    rule: str
    path: _Path
    edit: Callable[[st.DrawFn, Any], Any]

    def apply(self, draw: st.DrawFn, payload: Any) -> tuple[Any, Expected]:
        return self.edit(draw, copy.deepcopy(payload)), (pointer(self.path), self.rule)


@dataclass(frozen=True)
class _Group:
    """Fields of which at most one (``exactly``: exactly one) may be present, and the rule that says so."""

    members: frozenset[str]
    exactly: bool
    rule: str

    def broken(self, present: frozenset[str]) -> bool:
        count = len(self.members & present)
        return count > 1 or (self.exactly and count == 0)


@dataclass(frozen=True)
class _Place:
    """One object of the payload with what applies there: the rules whose conditions hold, the fields those
    conditions read, its groups, the fields it gives, and the rules it passes down."""

    node: ObjectNode
    active: tuple[Rule, ...]
    conditions: frozenset[str]
    groups: tuple[_Group, ...]
    present: frozenset[str]
    down: Mapping[str, Inherited]
    required_below: frozenset[str]
    """Fields a required rule passes through (removing one breaks that rule further down)."""

    def rules_on(self, field: descriptor.FieldDescriptor) -> list[Rule]:
        return [r for r in self.active if r.field == field.name]

    def value_rules(self, field: descriptor.FieldDescriptor) -> list[Rule]:
        return [r for r in self.active if r.field == field.name and r.kind not in _PRESENCE]

    def broken_groups(self, present: frozenset[str]) -> list[_Group]:
        return [g for g in self.groups if g.broken(present)]

    def breaks_groups(self, present: frozenset[str]) -> bool:
        return bool(self.broken_groups(present))


_Add: TypeAlias = Callable[[_Candidate], None]


# ------------------------------------------------------------------------------------------------ public API


def invalid_payloads(
    message: MessageRef, /, *, registry: Registry | None = None
) -> SearchStrategy[tuple[Any, Expected]]:
    """A Hypothesis strategy for ``(payload, expected)`` pairs: a REST JSON payload that breaks exactly one
    rule, and ``expected = (path, rule_id)``, the violation :func:`yc_contracts.check` reports for it (and the
    only one it reports, errors and warnings alike).

    Each payload is a valid one from :func:`~yc_contracts.testing.payloads` (names mixed) with one breakage,
    chosen among those that apply to it:

    - a value of the wrong JSON type for a field, an item or a map value (``type.int64``, ``type.repeated``,
      ``type.message``, ``type.timestamp``…), or a whole payload that is not an object (``type.message``);
    - a field the message does not have (``json.unknown_field``), a field given under both its names
      (``json.duplicate_field``);
    - a second member of a oneof or of an at-most-one / exactly-one rule, or the only member of an
      exactly-one group removed (``oneof.at_most_one``, ``oneof.exactly_one`` or the service rule's id);
    - a ``yandex.cloud`` option broken (``option.required``, ``option.length``, ``option.value``,
      ``option.pattern``, ``option.bytes``, ``option.size``, ``option.unique``, ``option.map_key``);
    - each service rule that applies, errors and warnings alike (``stt.v2.lpcm_sample_rate``,
      ``stt.v3.audio_source``, ``ocr.v1.mime_type``, ``stt.v3.recognize_file_model`` …), for the contract's
      registry;
    - an ``Any`` whose ``@type`` names no known type (``any.type_url``);
    - content that contradicts what the request declares (``content.format_mismatch``), for the contract's
      registry.

    ``registry`` is the registry to take the type from (the contract's by default); ``expected`` is then what
    ``yc_contracts.check(message, payload, registry=registry)`` reports: another registry's ``yandex.cloud``
    options are its whole contract.

    The path points where :func:`yc_contracts.check` reports the violation: at the field (under the spelling
    the payload uses, or the JSON name where the field is missing), at the item, or at the object for oneof
    and object rules. The severity is the rule's (``docs/rules.md``): only service rules marked ``warning``
    are warnings.

    Raises:
        UnknownNameError: the registry has no such message type.
        TypeError: ``message`` is not a name, message class or instance; ``registry`` is not a
            :class:`~yc_contracts.Registry`.
        ContractError: the options and rules of the type cannot all be met.
    """
    reg = default_registry() if registry is None else registry
    base = spelled(message, names="mixed", registry=reg)
    desc = reg.message_descriptor(message)
    cache: dict[str, SearchStrategy[tuple[Any, Expected]]] = reg.derived("testing.invalid_payloads", dict)
    with _cache_lock:
        found = cache.get(desc.full_name)
        if found is None:
            found = cache[desc.full_name] = _broken(base, _Breaker(reg))
        return found


_cache_lock = threading.Lock()


def _broken(base: SearchStrategy[Spelled], breaker: _Breaker) -> SearchStrategy[tuple[Any, Expected]]:
    @st.composite
    def build(draw: st.DrawFn) -> tuple[Any, Expected]:
        valid = draw(base)
        candidates = breaker.candidates(valid)
        rule = draw(st.sampled_from(sorted(candidates)), label="rule")
        chosen = draw(st.sampled_from(candidates[rule]), label="breakage")
        return chosen.apply(draw, valid.payload)

    return build()


# ------------------------------------------------------------------------------------------------ editing


def _node_at(payload: Any, path: _Path) -> Any:
    node = payload
    for step in path:
        node = node[step]
    return node


def _setter(path: _Path, key: str | int, value: Callable[[st.DrawFn], Any]) -> Callable[[st.DrawFn, Any], Any]:
    def edit(draw: st.DrawFn, payload: Any) -> Any:
        _node_at(payload, path)[key] = value(draw)
        return payload

    return edit


def _deleter(path: _Path, key: str) -> Callable[[st.DrawFn, Any], Any]:
    def edit(draw: st.DrawFn, payload: Any) -> Any:
        del _node_at(payload, path)[key]
        return payload

    return edit


def _fixed(value: Any) -> Callable[[st.DrawFn], Any]:
    return lambda draw: copy.deepcopy(value)


def _one_of(values: Sequence[Any], label: str) -> Callable[[st.DrawFn], Any]:
    return lambda draw: _materialized(copy.deepcopy(draw(st.sampled_from(values), label=label)))


def _materialized(value: Any) -> Any:
    """A drawn value as JSON: a file known by its size becomes its base64 text only now (it may be megabytes,
    and most breakages that could use it are never drawn)."""
    return _base64_of_size(value.size) if isinstance(value, _Sized) else value


# ------------------------------------------------------------------------------------------------ values


def _in(count: int | Decimal, intervals: Iterable[Interval]) -> bool:
    return any(iv.contains(Decimal(count)) for iv in intervals)


def _measure(value: Any) -> Decimal | None:
    """A candidate value as numeric bounds compare it (numbers, enum numbers, seconds)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, Decimal):
        return value
    return None


def _rule_holds(reg: Registry, field: descriptor.FieldDescriptor, rule: Rule, value: Any) -> bool:
    """Whether one value (an item of a repeated field) satisfies a value rule."""
    kind, arg = rule.kind, rule.argument
    if kind == "one_of":
        if field.type == _FD.TYPE_ENUM:
            known = enum_of(field).values_by_number.get(value)
            return known is not None and known.name in arg
        return value in arg
    if kind == "range":
        number = _measure(value)
        if number is None:
            return True
        checks = {"gt": number.__gt__, "ge": number.__ge__, "lt": number.__lt__, "le": number.__le__}
        return all(checks[k](Decimal(str(v))) for k, v in arg.items())
    if kind == "max_length":
        return not isinstance(value, str) or len(value) <= arg
    if kind == "pattern":
        return not isinstance(value, str) or ecma_regex(arg).fullmatch(value) is not None
    if kind == "max_decoded_bytes":
        return not isinstance(value, bytes) or len(value) <= arg
    if kind == "enum_of":
        return value in {v.number for v in reg.enum_descriptor(arg).values}
    return True


def _problems(
    reg: Registry, field: descriptor.FieldDescriptor, value: Any, opts: FieldRules, rules: Iterable[Rule]
) -> set[str]:
    """The options and value rules one value (item) breaks, by rule id."""
    out = set()
    if isinstance(value, (str, bytes)):
        if opts.length is not None and not _in(len(value), opts.length):
            out.add("option.length")
        size = len(value.encode("utf-8")) if isinstance(value, str) else len(value)
        if opts.bytes is not None and not _in(size, opts.bytes):
            out.add("option.bytes")
        if opts.pattern and isinstance(value, str) and ecma_regex(opts.pattern).fullmatch(value) is None:
            out.add("option.pattern")
    number = _measure(value)
    if opts.value is not None and number is not None and not _in(number, opts.value):
        out.add("option.value")
    out.update(rule.id for rule in rules if rule.kind not in _PRESENCE and not _rule_holds(reg, field, rule, value))
    return out


_PRESENCE: Final = frozenset({"required", "forbidden", "ignored", "exactly_one", "at_most_one"})


def _is_default(field: descriptor.FieldDescriptor, value: Any) -> bool:
    """Whether a singular field without presence would hold its default (which proto3 does not send)."""
    if field.has_presence or field.is_repeated or field.message_type is not None:
        return False
    if isinstance(value, float):
        return value == 0.0
    return bool(value == field.default_value)


def _bounds_around(intervals: Iterable[Interval], step: Decimal) -> list[Decimal]:
    """Numbers just outside each interval's bounds (and the bounds themselves, where they are open)."""
    out = []
    for iv in intervals:
        for bound, is_open, sign in ((iv.lo, iv.lo_open, -1), (iv.hi, iv.hi_open, 1)):
            if bound is not None:
                out.append(bound + sign * step)
                if is_open:
                    out.append(bound)
    return out


def _base64_of_size(size: int) -> str:
    """Base64 text of ``size`` zero bytes, built without making the bytes (it may be megabytes)."""
    quads, rest = divmod(size, 3)
    return "A" * (4 * quads) + ("", "AA==", "AAA=")[rest]


@dataclass(frozen=True)
class _Sized:
    """A bytes value known only by its size (a zero-filled file too large to build just to measure it)."""

    size: int


def _sized_problems(size: int, opts: FieldRules, rules: Iterable[Rule]) -> set[str]:
    out = set()
    if opts.length is not None and not _in(size, opts.length):
        out.add("option.length")
    if opts.bytes is not None and not _in(size, opts.bytes):
        out.add("option.bytes")
    out.update(r.id for r in rules if r.kind == "max_decoded_bytes" and size > r.argument)
    return out


# ------------------------------------------------------------------------------------------------ breaker


class _Breaker:
    """Finds the breakages that apply to a valid payload of one registry."""

    def __init__(self, reg: Registry) -> None:
        self.reg = reg
        self.ours = reg is default_registry()
        self.compiler = compiler_for(reg)

    def candidates(self, valid: Spelled) -> dict[str, list[_Candidate]]:
        """Every breakage that applies to ``valid``, by the rule it breaks."""
        found: dict[str, list[_Candidate]] = {}

        def add(candidate: _Candidate) -> None:
            found.setdefault(candidate.rule, []).append(candidate)

        self._root(valid, add)
        for node in valid.objects:
            self._object(node, add)
        for path in valid.anys:
            add(_Candidate("any.type_url", (*path, "@type"), _setter(path, "@type", _one_of(_BAD_URLS, "@type"))))
        if not self.ours:
            # Another registry's validators check its yandex.cloud options only: the contract's service rules
            # (which the messages drawn still meet, where they fit the registry's types) are not broken here.
            return {rule: found[rule] for rule in found if rule not in self.compiler.rules}
        if valid.objects and valid.objects[-1].path == ():
            self._content(valid.objects[-1], valid.payload, add)
        return found

    # ---------------------------------------------------------------------------------------- root

    def _root(self, valid: Spelled, add: _Add) -> None:
        desc = descriptor_of(valid.message)
        name = desc.full_name
        if name == _wkt.ANY:
            rule, wrong = "type.any", _WRONG_WELL_KNOWN[_wkt.ANY]
        elif name in _wkt.WRAPPERS:
            ftype = _wkt.WRAPPED_TYPES[_wkt.WRAPPERS[name]]
            rule, wrong = TYPE_RULES[ftype], _wrong_scalars(ftype)
        elif name in _wkt.TYPE_RULES:
            if name == "google.protobuf.Value":
                return  # every JSON value is a Value
            rule, wrong = _wkt.TYPE_RULES[name], _WRONG_WELL_KNOWN[name]
        else:
            rule, wrong = "type.message", (*_WRONG_MESSAGES, None)
        values = tuple(w for w in wrong if not isinstance(w, str))  # text at the root would be read as JSON text
        add(_Candidate(rule, (), lambda draw, payload: copy.deepcopy(draw(st.sampled_from(values), label="root"))))

    # ---------------------------------------------------------------------------------------- objects

    def _object(self, node: ObjectNode, add: _Add) -> None:
        place = self._place(node)
        desc = node.desc
        for field in desc.fields:
            if node.present(field):
                self._wrong_types(node, field, add)
                if field.json_name != field.name:
                    self._duplicate(node, field, add)
                if field.name not in place.conditions:
                    self._values(place, field, add)
                    self._options(place, field, add)
                    self._removals(place, field, add)
            elif field.name not in place.conditions:
                self._forbidden(place, field, add)
        for group in place.groups:
            self._group(place, group, add)
        taken = {f.json_name for f in desc.fields} | {f.name for f in desc.fields}
        keys = [k for k in _UNKNOWN_KEYS if k not in taken and not (k == "@type" and node.any_url is not None)]
        misspelled = f"{desc.fields[0].json_name}X" if desc.fields else ""
        keys += [misspelled] if misspelled and misspelled not in taken else []
        for key in keys:
            edit = _setter(node.path, key, _one_of(_UNKNOWN_VALUES, key))
            add(_Candidate("json.unknown_field", (*node.path, key), edit))

    def _place(self, node: ObjectNode) -> _Place:
        desc, msg = node.desc, node.msg
        here, down = self.compiler.split(desc, node.inherited)
        fields = desc.fields_by_name
        active = tuple(r for r in here if r.when is None or _holds(msg, fields[r.when.field], r.when))
        covered = {
            frozenset(r.argument)
            for r in self.compiler.anchored.get(desc.full_name, ())
            if r.is_object_check and not r.path and r.when is None and r.severity == "error"
        }
        groups = []
        for oneof in desc.oneofs:  # the schemas leave out a oneof that an error rule restates
            members = frozenset(f.name for f in oneof.fields)
            exactly = oneof_exactly_one(self.reg.options(oneof))
            if (len(members) > 1 or exactly) and members not in covered:
                groups.append(_Group(members, exactly, "oneof.exactly_one" if exactly else "oneof.at_most_one"))
        groups += [_Group(frozenset(r.argument), r.kind == "exactly_one", r.id) for r in active if r.is_object_check]
        return _Place(
            node=node,
            active=active,
            conditions=frozenset(r.when.field for r in here if r.when is not None),
            groups=tuple(groups),
            present=frozenset(f.name for f in desc.fields if node.present(f)),
            down=down,
            required_below=frozenset(
                name for name, items in down.items() if any(self.compiler.rules[i].kind == "required" for i, _ in items)
            ),
        )

    # ---------------------------------------------------------------------------------------- type errors

    def _wrong_types(self, node: ObjectNode, field: descriptor.FieldDescriptor, add: _Add) -> None:
        key = node.key(field)
        where = (*node.path, key)
        if is_map(field):
            add(_Candidate("type.map", where, _setter(node.path, key, _one_of(_WRONG_MAPS, "map"))))
            wrong = _wrong_item(message_of(field).fields_by_name["value"])
            entries = node.value.get(key)
            if wrong is not None and isinstance(entries, dict):
                for entry in entries:
                    add(_Candidate(wrong[0], (*where, entry), _setter(where, entry, _one_of(wrong[1], "value"))))
            return
        if field.is_repeated:
            add(_Candidate("type.repeated", where, _setter(node.path, key, _one_of(_WRONG_LISTS, "list"))))
            wrong = _wrong_item(field)
            items = node.value.get(key)
            if isinstance(items, list):
                for i in range(len(items)):
                    if wrong is not None:
                        add(_Candidate(wrong[0], (*where, i), _setter(where, i, _one_of(wrong[1], "item"))))
                    add(_Candidate("type.repeated", (*where, i), _setter(where, i, _fixed(None))))
            return
        wrong = _wrong_item(field)
        if wrong is not None:
            add(_Candidate(wrong[0], where, _setter(node.path, key, _one_of(wrong[1], "value"))))

    def _duplicate(self, node: ObjectNode, field: descriptor.FieldDescriptor, add: _Add) -> None:
        key = node.key(field)
        other = field.name if key == field.json_name else field.json_name

        def edit(draw: st.DrawFn, payload: Any) -> Any:
            obj = _node_at(payload, node.path)
            obj[other] = copy.deepcopy(obj[key])
            return payload

        add(_Candidate("json.duplicate_field", (*node.path, other), edit))  # reported at the second spelling

    # ---------------------------------------------------------------------------------------- values

    def _values(self, place: _Place, field: descriptor.FieldDescriptor, add: _Add) -> None:
        """Service rules on a field's value(s): one_of, range, max_length, pattern, max_decoded_bytes, enum_of."""
        if not is_map(field):
            for rule in place.value_rules(field):
                self._replace_values(place, field, rule.id, add)

    def _options(self, place: _Place, field: descriptor.FieldDescriptor, add: _Add) -> None:
        opts = self.compiler.field_rules(field)
        bounds = {
            "option.length": opts.length,
            "option.bytes": opts.bytes,
            "option.value": opts.value,
            "option.pattern": opts.pattern,
        }
        for option, bound in bounds.items():
            if bound is not None:
                self._replace_values(place, field, option, add)
        if field.is_repeated:
            self._counts(place.node, field, opts, add)

    def _replace_values(self, place: _Place, field: descriptor.FieldDescriptor, target: str, add: _Add) -> None:
        """Replace one value (item, map value) of a present field with one that breaks ``target`` alone."""
        node = place.node
        opts = self.compiler.field_rules(field)
        rules = place.value_rules(field)
        key = node.key(field)
        where = (*node.path, key)
        element = message_of(field).fields_by_name["value"] if is_map(field) else field
        current = getattr(node.msg, field.name)
        if is_map(field):
            json_map = node.value.get(key)
            slots: list[tuple[_Path, str | int, Any]] = [
                (where, k, current[_map_key(field, k)]) for k in (json_map if isinstance(json_map, dict) else ())
            ]
        elif field.is_repeated:
            slots = [(where, i, item) for i, item in enumerate(current)]
        else:
            slots = [(node.path, key, current)]
        for parent, slot, value in slots:
            values = self._violating(element, value, target, opts, rules, singular=not field.is_repeated)
            if field.is_repeated and opts.unique and not is_map(field):
                values = [v for v in values if v not in _spelled_items(current, element)]
            if values:
                add(_Candidate(target, (*parent, slot), _setter(parent, slot, _one_of(values, target))))

    def _violating(
        self,
        field: descriptor.FieldDescriptor,
        current: Any,
        target: str,
        opts: FieldRules,
        rules: Sequence[Rule],
        *,
        singular: bool,
    ) -> list[Any]:
        """JSON values for one item of ``field`` that break ``target`` and no other option or rule."""
        out = []
        for candidate in self._probes(field, current, target, opts):
            if isinstance(candidate, _Sized):
                problems = _sized_problems(candidate.size, opts, rules)
            elif isinstance(candidate, _TimeValue):
                problems = (
                    {"option.value"} if opts.value is not None and not _in(candidate.seconds, opts.value) else set()
                )
            else:
                if singular and _is_default(field, candidate):
                    continue  # proto3 does not send a default value: nothing would be checked
                problems = _problems(self.reg, field, candidate, opts, rules)
            if problems == {target}:
                value = _spell(field, candidate)
                if value is not ABSENT:
                    out.append(value)
        return list({repr(v): v for v in out}.values())[:6]

    def _probes(self, field: descriptor.FieldDescriptor, current: Any, target: str, opts: FieldRules) -> list[Any]:
        """Values that might break ``target`` (the checks in :meth:`_violating` decide)."""
        rule = None if target.startswith("option.") else self.compiler.rules.get(target)
        target_type = field.message_type.full_name if field.message_type is not None else None
        if target_type in ("google.protobuf.Duration", "google.protobuf.Timestamp"):
            return self._time_probes(target_type, current, opts) if target == "option.value" else []
        if target_type in _wkt.WRAPPERS or field.message_type is not None:
            return []
        ftype = field.type
        if ftype == _FD.TYPE_STRING:
            return self._text_probes(current, target, opts, rule)
        if ftype == _FD.TYPE_BYTES:
            sizes: list[int] = []
            for bound in (opts.length, opts.bytes):
                if bound is not None and target in ("option.length", "option.bytes"):
                    sizes += [int(d) for d in _bounds_around(bound, Decimal(1)) if d >= 1]
            if rule is not None and rule.kind == "max_decoded_bytes":
                sizes.append(rule.argument + 1)
            return [_Sized(s) for s in sizes]
        if ftype in INT_RANGES or ftype == _FD.TYPE_ENUM:
            lo, hi = INT_RANGES.get(ftype, (-(2**31), 2**31 - 1))
            numbers = self._number_probes(target, opts, rule, Decimal(1))
            if ftype == _FD.TYPE_ENUM:
                return [v.number for v in enum_of(field).values]
            return [int(n) for n in numbers if n == n.to_integral_value() and lo <= n <= hi]
        if ftype in (_FD.TYPE_FLOAT, _FD.TYPE_DOUBLE):
            limit = 3.4e38 if ftype == _FD.TYPE_FLOAT else 1.7e308
            numbers = self._number_probes(target, opts, rule, Decimal("0.5"))
            return [float(n) for n in numbers if abs(n) <= Decimal(limit) and math.isfinite(float(n))]
        return []

    def _number_probes(self, target: str, opts: FieldRules, rule: Rule | None, step: Decimal) -> list[Decimal]:
        out: list[Decimal] = []
        if target == "option.value" and opts.value is not None:
            out += _bounds_around(opts.value, step)
        if rule is not None and rule.kind == "range":
            arg = rule.argument
            iv = Interval(
                Decimal(str(arg.get("gt", arg.get("ge")))) if ("gt" in arg or "ge" in arg) else None,
                Decimal(str(arg.get("lt", arg.get("le")))) if ("lt" in arg or "le" in arg) else None,
                "gt" in arg,
                "lt" in arg,
            )
            out += _bounds_around([iv], step)
        if rule is not None and rule.kind == "one_of":
            allowed = [Decimal(v) for v in rule.argument if isinstance(v, int)]
            out += [max(allowed) + 1, min(allowed) - 1, Decimal(1), Decimal(-1), Decimal(44100), Decimal(11025)]
        if rule is not None and rule.kind == "enum_of":
            numbers = [Decimal(v.number) for v in self.reg.enum_descriptor(rule.argument).values]
            out += [max(numbers) + 1, min(numbers) - 1, Decimal(99)]
        return out

    def _text_probes(self, current: Any, target: str, opts: FieldRules, rule: Rule | None) -> list[str]:
        text = current if isinstance(current, str) else ""
        out: list[str] = []
        longest: list[int] = []
        if target == "option.length" and opts.length is not None:
            longest += [int(d) for d in _bounds_around(opts.length, Decimal(1)) if d >= 1]
        if rule is not None and rule.kind == "max_length":
            longest.append(rule.argument + 1)
        for n in longest:
            fill = text[-1:] or "a"
            out += [text[:n] + fill * max(n - len(text), 0), "a" * n, "0" * n]
        if target == "option.bytes" and opts.bytes is not None:
            for n in (int(d) for d in _bounds_around(opts.bytes, Decimal(1)) if d >= 1):
                out += ["é" * (n // 2 + 1), "a" * n, "é" * (n // 2) + "a" * (n % 2)]
        if target == "option.pattern" or (rule is not None and rule.kind in ("pattern", "one_of")):
            out += [*_TEXT_PROBES, text + "!", "!" + text, text.upper(), text + "x", "x" + text, text + "\n"]
        return [t for t in out if t]

    def _time_probes(self, name: str, current: Any, opts: FieldRules) -> list[Any]:
        if opts.value is None:
            return []
        out = []
        for bound in _bounds_around(opts.value, Decimal(1)):
            nanos = int(bound * 10**9)
            seconds, rest = divmod(nanos, 10**9)
            value = self.reg.message_class(name)()
            try:
                if name == "google.protobuf.Duration":
                    sign = -1 if nanos < 0 else 1
                    value.seconds, value.nanos = sign * (abs(nanos) // 10**9), sign * (abs(nanos) % 10**9)  # type: ignore[attr-defined]
                else:
                    value.seconds, value.nanos = seconds, rest  # type: ignore[attr-defined]
                text = value.ToJsonString()  # type: ignore[attr-defined]
            except (ValueError, OverflowError):
                continue
            out.append(_TimeValue(bound, text))
        return out

    # ---------------------------------------------------------------------------------------- counts

    def _counts(self, node: ObjectNode, field: descriptor.FieldDescriptor, opts: FieldRules, add: _Add) -> None:
        """``size``, ``unique`` and ``map_key`` on a present repeated or map field."""
        key = node.key(field)
        where = (*node.path, key)
        items = node.value.get(key)
        if not isinstance(items, (list, dict)) or not items:
            return
        count = len(items)
        if opts.size is not None:
            for n in (int(d) for d in _bounds_around(opts.size, Decimal(1))):
                if n < 1 or n > 1000 or _in(n, opts.size):
                    continue
                if n < count:
                    add(_Candidate("option.size", where, _setter(node.path, key, _fixed(_truncated(items, n)))))
                elif not opts.unique and isinstance(items, list):
                    grown = [*items, *[items[i % count] for i in range(n - count)]]
                    add(_Candidate("option.size", where, _setter(node.path, key, _fixed(grown))))
        fits_one_more = opts.size is None or _in(count + 1, opts.size)
        if opts.unique and isinstance(items, list) and fits_one_more:
            add(_Candidate("option.unique", where, _setter(node.path, key, _fixed([*items, items[0]]))))
        if opts.map_key is not None and isinstance(items, dict) and fits_one_more:
            key_field = message_of(field).fields_by_name["key"]
            for bad in _bad_keys(key_field, opts, items):
                value = next(iter(items.values()))
                add(_Candidate("option.map_key", where, _setter(where, bad, _fixed(value))))

    # ---------------------------------------------------------------------------------------- presence

    def _requirers(self, field: descriptor.FieldDescriptor, rules: Iterable[Rule]) -> list[str]:
        out = ["option.required"] if self.compiler.field_rules(field).required else []
        return out + [r.id for r in rules if r.kind == "required"]

    def _removals(self, place: _Place, field: descriptor.FieldDescriptor, add: _Add) -> None:
        """A required field removed, given as null, or given its default value."""
        requirers = self._requirers(field, place.rules_on(field))
        if len(requirers) != 1:
            return
        rule, node = requirers[0], place.node
        key = node.key(field)
        opts = self.compiler.field_rules(field)
        removable = not place.breaks_groups(place.present - {field.name}) and field.name not in place.required_below
        if removable:
            add(_Candidate(rule, (*node.path, field.json_name), _deleter(node.path, key)))
            add(_Candidate(rule, (*node.path, key), _setter(node.path, key, _fixed(None))))
        if field.is_repeated:
            if removable:
                add(_Candidate(rule, (*node.path, key), _setter(node.path, key, _fixed({} if is_map(field) else []))))
            return
        if field.message_type is None:
            default = field.default_value
            # Where proto3 would not send a default value, options and rules skip it; in a oneof it is a value.
            others = place.value_rules(field)
            if not field.has_presence or not _problems(self.reg, field, default, opts, others):
                spellings = _default_spellings(field)
                add(_Candidate(rule, (*node.path, key), _setter(node.path, key, _one_of(spellings, "default"))))

    def _forbidden(self, place: _Place, field: descriptor.FieldDescriptor, add: _Add) -> None:
        """A field a forbidden or ignored rule keeps out, given a valid value."""
        banning = [r for r in place.rules_on(field) if r.kind in ("forbidden", "ignored")]
        if len(banning) != 1 or place.breaks_groups(place.present | {field.name}):
            return
        node = place.node
        key = node.keys.get(field.name, field.json_name)
        add(_Candidate(banning[0].id, (*node.path, key), _setter(node.path, key, self._field_value(place, field))))

    def _field_value(self, place: _Place, field: descriptor.FieldDescriptor) -> Callable[[st.DrawFn], Any]:
        """A valid JSON value for a field that is absent (drawn, then printed as REST JSON)."""
        rules = tuple(place.value_rules(field))
        strategy = self.compiler.field(field, rules, "present", place.down.get(field.name, ()), 1)
        cls = self.reg.message_class(place.node.desc.full_name)

        def value(draw: st.DrawFn) -> Any:
            holder = cls()
            _assign(self.reg, holder, field, draw(strategy, label=field.name))
            return self._print(holder)[field.json_name]

        return value

    def _print(self, msg: Message) -> dict[str, Any]:
        from yc_contracts.conversion.protojson import to_rest

        return to_rest(msg, registry=self.reg)

    def _group(self, place: _Place, group: _Group, add: _Add) -> None:
        """A second member of an at-most-one group, or the only member of an exactly-one group removed."""
        given = group.members & place.present
        if len(given) != 1:
            return
        node = place.node
        fields = node.desc.fields_by_name
        for name in sorted(group.members - place.present):
            field = fields[name]
            banned = any(r.kind in ("forbidden", "ignored") for r in place.rules_on(field))
            if name in place.conditions or banned or place.broken_groups(place.present | {name}) != [group]:
                continue
            key = node.keys.get(name, field.json_name)
            add(_Candidate(group.rule, node.path, _setter(node.path, key, self._field_value(place, field))))
        if group.exactly:
            (name,) = given
            field = fields[name]
            if name in place.conditions or self._requirers(field, place.rules_on(field)):
                return
            if name in place.required_below or place.broken_groups(place.present - {name}) != [group]:
                return
            key = node.key(field)
            add(_Candidate(group.rule, node.path, _deleter(node.path, key)))
            add(_Candidate(group.rule, node.path, _setter(node.path, key, _fixed(None))))

    # ---------------------------------------------------------------------------------------- content

    def _content(self, root: ObjectNode, payload: Any, add: _Add) -> None:
        """Content that contradicts what the request declares (the validators' content inspection)."""
        if root.desc.full_name != "yandex.cloud.ai.ocr.v1.RecognizeTextRequest" or not isinstance(payload, dict):
            return
        content = payload.get("content")
        if not isinstance(content, str) or not content:
            return
        actual = sniff(_base64.decode(content, 64))
        if actual not in OCR_FORMATS:
            return
        wrong = [s for name, spellings in OCR_FORMATS.items() if name != actual for s in spellings]
        key = root.key(root.desc.fields_by_name["mime_type"])
        add(_Candidate("content.format_mismatch", (key,), _setter((), key, _one_of(wrong, "mimeType"))))


# ------------------------------------------------------------------------------------------------ helpers


@dataclass(frozen=True)
class _TimeValue:
    """A Duration or Timestamp candidate: its value in seconds (compared with bounds) and its JSON text."""

    seconds: Decimal
    text: str


def _map_key(field: descriptor.FieldDescriptor, text: Any) -> Any:
    key_field = message_of(field).fields_by_name["key"]
    if key_field.type == _FD.TYPE_BOOL:
        return text == "true"
    if key_field.type in INT_RANGES:
        return int(text)
    return text


def _wrong_item(field: descriptor.FieldDescriptor) -> tuple[str, tuple[Any, ...]] | None:
    """The type rule one value of ``field`` breaks with a wrong JSON type, and such values."""
    target = field.message_type
    if target is None:
        if field.enum_type is not None and field.enum_type.full_name == "google.protobuf.NullValue":
            return None
        return TYPE_RULES[field.type], _wrong_scalars(field.type)
    name = target.full_name
    if name in _wkt.WRAPPERS:
        ftype = _wkt.WRAPPED_TYPES[_wkt.WRAPPERS[name]]
        return TYPE_RULES[ftype], _wrong_scalars(ftype)
    if name == "google.protobuf.Value":
        return None
    if name == _wkt.ANY:
        return "type.any", _WRONG_WELL_KNOWN[name]
    if name in _wkt.TYPE_RULES:
        return _wkt.TYPE_RULES[name], _WRONG_WELL_KNOWN[name]
    return "type.message", _WRONG_MESSAGES


def _wrong_scalars(ftype: int) -> tuple[Any, ...]:
    rule = TYPE_RULES[ftype]
    if rule in _OUT_OF_RANGE:
        return _WRONG_INTEGERS + _OUT_OF_RANGE[rule]
    return _WRONG_SCALARS[ftype]


def _spell(field: descriptor.FieldDescriptor, value: Any) -> Any:
    """A candidate as REST JSON (``ABSENT`` for an enum number the enum does not define)."""
    if isinstance(value, _TimeValue):
        return value.text
    if isinstance(value, _Sized):
        return value  # spelled when drawn: see _materialized
    if field.type == _FD.TYPE_ENUM:
        known = enum_of(field).values_by_number.get(value)
        return known.name if known is not None else ABSENT
    if field.type in _INT64 and isinstance(value, int):
        return str(value)
    return value


def _spelled_items(current: Any, field: descriptor.FieldDescriptor) -> list[Any]:
    return [_spell_plain(field, v) for v in current]


def _spell_plain(field: descriptor.FieldDescriptor, value: Any) -> Any:
    if field.type == _FD.TYPE_ENUM:
        known = enum_of(field).values_by_number.get(value)
        return known.name if known is not None else value
    if field.type in _INT64:
        return str(value)
    return value


def _truncated(items: Any, n: int) -> Any:
    if isinstance(items, dict):
        return dict(list(items.items())[:n])
    return list(items[:n])


def _default_spellings(field: descriptor.FieldDescriptor) -> tuple[Any, ...]:
    """JSON spellings of a singular scalar's default value."""
    if field.type == _FD.TYPE_ENUM:
        first = enum_of(field).values[0]
        return (first.name, first.number)
    if field.type == _FD.TYPE_BOOL:
        return (False,)
    if field.type in (_FD.TYPE_STRING, _FD.TYPE_BYTES):
        return ("",)
    if field.type in INT_RANGES:
        return (0, "0")
    return (0, 0.0, "0")


def _bad_keys(key_field: descriptor.FieldDescriptor, opts: FieldRules, taken: Mapping[str, Any]) -> list[str]:
    """Map keys that break the field's ``map_key`` option and nothing else."""
    spec = opts.map_key
    if spec is None:
        return []
    probes: list[str] = ["!", "A", "a b", "ZZ", "x" * 64, "0", "-1", "99999", "abc", "1001", "10000"]
    if spec.value is not None:
        probes += [str(int(d)) for d in _bounds_around(spec.value, Decimal(1)) if d == d.to_integral_value()]
    if spec.length is not None:
        probes += ["7" * int(d) for d in _bounds_around(spec.length, Decimal(1)) if 1 <= d <= 300]
    out = []
    for text in probes:
        if text in taken:
            continue
        if key_field.type in INT_RANGES:
            lo, hi = INT_RANGES[key_field.type]
            if not re.fullmatch(r"0|-?[1-9][0-9]*", text) or not lo <= int(text) <= hi:
                continue  # not a key of the map's type at all
        elif key_field.type == _FD.TYPE_BOOL:
            continue
        ok_pattern = spec.pattern is None or ecma_regex(spec.pattern).fullmatch(text) is not None
        ok_length = spec.length is None or _in(len(text), spec.length)
        ok_value = spec.value is None or (
            re.fullmatch(r"0|-?[1-9][0-9]*", text) is not None and _in(int(text), spec.value)
        )
        if not (ok_pattern and ok_length and ok_value):
            out.append(text)
    return out[:4]
