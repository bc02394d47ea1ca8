"""JSON Schema (draft 2020-12) for every message of the contract, in its REST (ProtoJSON) encoding.

Generated from the descriptors, their ``yandex.cloud`` validation options and the service rules, never written
by hand. One document per message (``$id`` = ``urn:yc-contracts:schema:<full name>``), one for
``google.protobuf.Any`` (dispatching on ``@type``), one per long-running method whose ``Operation.response`` is
pinned to that method's response type, and a bundle holding them all under ``$defs``.

What a document accepts is what a correct client may send (see ``docs/protojson.md`` for every place where
we are stricter than protobuf's ``json_format``):

- both the lowerCamelCase JSON name and the proto name of a field, never both in one object;
- ``null`` for any field, meaning "absent"; never as an item of a repeated field;
- 64-bit and 32-bit integers as JSON integers or canonical decimal strings, range-checked in both forms;
- floats as numbers, numeric strings or ``"NaN"``/``"Infinity"``/``"-Infinity"``;
- bytes as base64 (standard or URL-safe alphabet, padding optional), nothing else;
- enums by value name or by defined number;
- well-known types in their own JSON forms; ``Any`` with ``@type``;
- no unknown field at any level.

Every subschema that enforces a validation option or a service rule carries an ``x-rule`` annotation with the
rule id, which is how the validators name what failed.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from google.protobuf import descriptor

from yc_contracts.contract import wkt as _wkt
from yc_contracts.contract.descriptors import FLOAT_MAX, INT_RANGES, TYPE_RULES, enum_of, is_map, message_of
from yc_contracts.contract.options import FieldRules, Interval, field_rules, integer_range_pattern, oneof_exactly_one
from yc_contracts.contract.wkt import exact
from yc_contracts.rules.ruleset import Rule, RuleSet, When, when_matches_unset

if TYPE_CHECKING:
    from yc_contracts.contract.registry import Method, Registry

DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
ID_PREFIX: Final = "urn:yc-contracts:schema:"
BUNDLE_ID: Final = ID_PREFIX + "bundle"
ANY_KEY: Final = _wkt.ANY
OPERATION: Final = "yandex.cloud.operation.Operation"

_FD = descriptor.FieldDescriptor
DOUBLE_MAX: Final = 1.7976931348623157e308
SPECIAL_FLOATS: Final = ("NaN", "Infinity", "-Infinity")
# Decimal spellings of floats whose magnitude is certainly in range: a plain decimal with at most 38 (float) or
# 308 (double) integer digits, or one digit before the point and an exponent of at most 37 (float) / 307.
_FLOAT_STRING: Final = exact(
    r"^-?(?:(?:0|[1-9][0-9]{0,37})(?:\.[0-9]+)?|[0-9](?:\.[0-9]+)?[eE](?:-[0-9]+|\+?0*(?:[0-9]|[12][0-9]|3[0-7])))$"
)
_DOUBLE_STRING: Final = exact(
    r"^-?(?:(?:0|[1-9][0-9]{0,307})(?:\.[0-9]+)?"
    r"|[0-9](?:\.[0-9]+)?[eE](?:-[0-9]+|\+?0*(?:[0-9]{1,2}|[12][0-9]{2}|30[0-7])))$"
)
# Every decimal spelling of zero (json_format reads them all as 0.0, which proto3 does not send).
FLOAT_ZERO: Final = exact(r"^[-+]?(?:0+(?:\.0*)?|\.0+)(?:[eE][-+]?[0-9]+)?$")
# Standard or URL-safe alphabet (json_format decodes both), padding optional; a lone final character is not
# a base64 quantum and is rejected.
_B64 = "[A-Za-z0-9+/_-]"
BASE64_PATTERN: Final = exact(rf"^(?:{_B64}{{4}})*(?:{_B64}{{2}}(?:==)?|{_B64}{{3}}=?)?$")


def schema_id(key: str) -> str:
    """The ``$id`` of the document for ``key`` (a message full name, or a synthetic key such as
    ``"<method full name>.Operation"``)."""
    return ID_PREFIX + key


def _ref(key: str) -> dict[str, Any]:
    return {"$ref": schema_id(key)}


def _nullable(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``null`` (an absent field) or ``schema``. Written as if/else rather than anyOf so that a validator
    reports what is wrong inside ``schema`` at its own place instead of "not valid under any of the schemas"."""
    return {"if": {"type": "null"}, "else": dict(schema)}


def _spellings(field: descriptor.FieldDescriptor) -> tuple[str, ...]:
    return (field.json_name,) if field.json_name == field.name else (field.json_name, field.name)


def _present(name: str) -> dict[str, Any]:
    """The object has key ``name`` with a non-null value."""
    return {"type": "object", "required": [name], "properties": {name: {"not": {"type": "null"}}}}


def _field_present(field: descriptor.FieldDescriptor) -> dict[str, Any]:
    spellings = _spellings(field)
    if len(spellings) == 1:
        return _present(spellings[0])
    return {"anyOf": [_present(s) for s in spellings]}


NULL_VALUE: Final = "google.protobuf.NullValue"


def null_is_value(field: descriptor.FieldDescriptor) -> bool:
    """Whether ``null`` sets the (singular) field instead of leaving it absent, as ProtoJSON reads it: a
    ``google.protobuf.Value`` holding ``NullValue``, or a ``NullValue`` enum field with presence (a oneof member,
    ``optional``) set to ``NULL_VALUE``. ``json_format`` and Go's ``protojson`` read it so; for every other field
    ``null`` means "absent"."""
    if field.is_repeated:
        return False
    if field.message_type is not None:
        return field.message_type.full_name == "google.protobuf.Value"
    return field.has_presence and field.enum_type is not None and field.enum_type.full_name == NULL_VALUE


def null_is_refused(field: descriptor.FieldDescriptor) -> bool:
    """Whether ``null`` is no value at all for the field: a repeated or map field of ``google.protobuf.Value``.
    ProtoJSON takes ``null`` there for a ``Value``, not for the list or map, so Go's ``protojson`` rejects it
    (``json_format`` fails on the list and leaves the map empty)."""
    target = field.message_type
    if target is not None and is_map(field):
        target = target.fields_by_name["value"].message_type
    return field.is_repeated and target is not None and target.full_name == "google.protobuf.Value"


def _unset(field: descriptor.FieldDescriptor, *, presence: bool = True) -> dict[str, Any]:
    """A value that leaves the field unset: ``null``, and for a field without presence any spelling of its
    default (``0``, ``"0"``, ``"0.0e5"``, ``""``, ``false``, the enum's first value, ``[]``, ``{}``), which
    proto3 does not send at all. ``presence=False``: what is empty even where a field has presence.

    Where ``null`` is a value (:func:`null_is_value`), nothing but absence leaves the field unset."""
    if field.is_repeated:
        return {"enum": [None, [], {}]}
    if null_is_value(field) and (presence or field.message_type is not None):
        return {"not": {}}
    if (presence and field.has_presence) or field.message_type is not None:
        return {"type": "null"}
    forms: dict[str, Any] = {"enum": [None, *_default_forms(field)]}
    if _is_float(field.type):
        return {"anyOf": [forms, {"type": "string", "pattern": FLOAT_ZERO}]}
    return forms


def _default_passes(field: descriptor.FieldDescriptor, opts: FieldRules) -> bool:
    """Whether the field's default value meets its options (else a default, which is no value at all to the
    service, must be let through explicitly)."""
    zero = Decimal(0)
    if field.type == _FD.TYPE_ENUM:
        zero = Decimal(enum_of(field).values[0].number)
    sizes = [opts.length, opts.bytes] if field.type in (_FD.TYPE_STRING, _FD.TYPE_BYTES) else [opts.value]
    if any(bounds is not None and not any(iv.contains(zero) for iv in bounds) for bounds in sizes):
        return False
    return not (opts.pattern and field.type == _FD.TYPE_STRING and re.fullmatch(opts.pattern, "") is None)


def _field_set(field: descriptor.FieldDescriptor) -> dict[str, Any]:
    """The object sets the field, under either spelling: a value that is not :func:`_unset`."""
    forms = [{"type": "object", "required": [s], "properties": {s: {"not": _unset(field)}}} for s in _spellings(field)]
    return forms[0] if len(forms) == 1 else {"anyOf": forms}


def _on_field(field: descriptor.FieldDescriptor, schema: Mapping[str, Any]) -> dict[str, Any]:
    """Apply ``schema`` to the field's value wherever it is given, under either spelling."""
    return {"properties": {s: dict(schema) for s in _spellings(field)}}


def _annotated(rule_id: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"x-rule": rule_id, **schema}


def _is_float(ftype: int) -> bool:
    return ftype in (_FD.TYPE_FLOAT, _FD.TYPE_DOUBLE)


def _decimal_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


class SchemaGenerator:
    """Builds the schema documents of one registry's messages (the contract's, or any other set of files)."""

    def __init__(self, registry: Registry, rules: RuleSet) -> None:
        self._reg = registry
        self._rules = rules
        self._comments = _comments(registry)
        self._defaults = {(d.message, d.field): d.value for d in rules.defaults if not d.path}
        self._rules_cache: dict[str, FieldRules] = {}
        self._message_keys: tuple[str, ...] | None = None

    # ------------------------------------------------------------------------------------------ documents

    def message_keys(self) -> tuple[str, ...]:
        """Every message type that gets a document: the registry's messages and the non-WKT types they use."""
        if self._message_keys is None:
            seen: set[str] = set()
            pending = list(self._reg.messages())
            while pending:
                name = pending.pop()
                if name in seen or _wkt.is_well_known(name):
                    continue
                seen.add(name)
                desc = self._reg.message_descriptor(name)
                pending += [f.message_type.full_name for f in desc.fields if f.message_type is not None]
            self._message_keys = tuple(sorted(seen))
        return self._message_keys

    def any_types(self) -> list[str]:
        """The types an ``Any``'s ``@type`` may name: every message with a document, then the well-known types."""
        return [*self.message_keys(), *sorted({*_wkt.SCHEMAS, *_wkt.WRAPPERS, ANY_KEY})]

    def documents(self) -> dict[str, dict[str, Any]]:
        """``{key: document}`` for every message, ``google.protobuf.Any`` and each long-running method."""
        docs = {key: self.message_document(key) for key in self.message_keys()}
        docs[ANY_KEY] = self.any_document()
        for method in self._reg.methods():
            if method.operation is not None and OPERATION in docs:
                docs[f"{method.full_name}.Operation"] = self.operation_document(method)
        return dict(sorted(docs.items()))

    def bundle(self, docs: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
        """One document embedding every other one under ``$defs`` (a 2020-12 compound schema document)."""
        docs = self.documents() if docs is None else docs
        return {
            "$schema": DIALECT,
            "$id": BUNDLE_ID,
            "title": "yc-contracts: every schema of the contract",
            "$defs": {key: dict(doc) for key, doc in docs.items()},
        }

    def message_document(self, full_name: str) -> dict[str, Any]:
        """The document of one message type."""
        desc = self._reg.message_descriptor(full_name)
        doc: dict[str, Any] = {"$schema": DIALECT, "$id": schema_id(full_name), "title": full_name}
        description = self._comments.get(full_name)
        if description:
            doc["description"] = description
        doc.update(self._object_schema(desc))
        return doc

    def any_document(self) -> dict[str, Any]:
        """``google.protobuf.Any``: ``@type`` names one of the known types; the rest is that type's JSON form."""
        cases = {}
        for name in self.any_types():
            cases[self._reg.type_url(name)] = self.any_form(name)
        return {
            "$schema": DIALECT,
            "$id": schema_id(ANY_KEY),
            "title": ANY_KEY,
            "description": "A message of any known type, named by the @type URL (type.googleapis.com/<full name>).",
            "x-rule": "type.any",
            "type": "object",
            "required": ["@type"],
            "properties": {"@type": {"x-rule": "any.type_url", "enum": list(cases)}},
            "allOf": [
                {"if": {"type": "object", "required": ["@type"], "properties": {"@type": {"const": url}}}, "then": form}
                for url, form in cases.items()
            ],
        }

    def operation_document(self, method: Method) -> dict[str, Any]:
        """The ``Operation`` a long-running method returns, its ``response`` pinned to the method's type."""
        assert method.operation is not None
        key = f"{method.full_name}.Operation"
        overrides: dict[str, dict[str, Any]] = {}
        for name, type_name in (("response", method.operation.response), ("metadata", method.operation.metadata)):
            if type_name:
                form = overrides[name] = self.any_form(type_name)
                # Names the type for the message when another one is given (see validation.sentences.explain).
                form["properties"]["@type"] = {**form["properties"]["@type"], "x-operation-type": type_name}
        doc: dict[str, Any] = {
            "$schema": DIALECT,
            "$id": schema_id(key),
            "title": key,
            "description": f"The Operation {method.name} returns (and GET /operations/{{operation_id}} gives back for "
            f"it): its response is a {method.operation.response}.",
        }
        doc.update(self._object_schema(self._reg.message_descriptor(OPERATION), overrides=overrides))
        return doc

    # ---------------------------------------------------------------------------------------- objects

    def any_form(self, full_name: str) -> dict[str, Any]:
        """The JSON form of ``full_name`` packed in an ``Any``: its fields plus ``@type``, or ``@type`` + ``value``."""
        url = self._reg.type_url(full_name)
        if full_name == "google.protobuf.Empty":
            return {
                "type": "object",
                "required": ["@type"],
                "properties": {
                    "@type": _annotated("any.type_url", {"const": url}),
                    "value": _annotated("type.empty", {"type": "object", "maxProperties": 0}),
                },
                "additionalProperties": False,
            }
        if full_name in _wkt.VALUE_IN_ANY:
            value = self._message_value(self._reg.message_descriptor(full_name))
            return {
                "type": "object",
                "required": ["@type", "value"],
                "properties": {"@type": _annotated("any.type_url", {"const": url}), "value": value},
                "additionalProperties": False,
            }
        return self._object_schema(self._reg.message_descriptor(full_name), type_url=url)

    def _object_schema(
        self,
        desc: descriptor.Descriptor,
        *,
        type_url: str | None = None,
        overrides: Mapping[str, dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        if type_url is not None:
            properties["@type"] = _annotated("any.type_url", {"const": type_url})
        checks: list[dict[str, Any]] = []
        for field in desc.fields:
            value = (overrides or {}).get(field.name)
            field_schema = self._field_schema(field, value)
            for spelling in _spellings(field):
                properties[spelling] = field_schema
            if len(_spellings(field)) == 2:
                both = {"type": "object", "required": list(_spellings(field))}
                checks.append({**_annotated("json.duplicate_field", {"not": both}), "x-field": list(_spellings(field))})
            if self._field_rules(field).required:
                checks.append({**_annotated("option.required", _required(field)), "x-field": list(_spellings(field))})
        rules = [r for r in self._rules.anchored_at(desc.full_name) if r.severity == "error"]
        covered = {frozenset(r.argument) for r in rules if r.is_object_check and not r.path and r.when is None}
        for oneof in desc.oneofs:
            members = list(oneof.fields)
            if len(members) < 2 and not oneof_exactly_one(self._reg.options(oneof)):
                continue
            if frozenset(f.name for f in members) in covered:
                continue
            names = {"x-members": [f.json_name for f in members]}
            if oneof_exactly_one(self._reg.options(oneof)):
                checks.append(_annotated("oneof.exactly_one", {**names, **_exactly_one(members)}))
            else:
                checks.append(_annotated("oneof.at_most_one", {**names, **_at_most_one(members)}))
        checks += [self._rule_schema(desc, rule) for rule in rules]
        schema: dict[str, Any] = {
            "x-rule": "type.message",
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        }
        if type_url is not None:
            schema["required"] = ["@type"]
        if checks:
            schema["allOf"] = checks
        return schema

    # ---------------------------------------------------------------------------------------- fields

    def _field_rules(self, field: descriptor.FieldDescriptor) -> FieldRules:
        found = self._rules_cache.get(field.full_name)
        if found is None:
            found = self._rules_cache[field.full_name] = field_rules(self._reg.options(field), field)
        return found

    def _field_schema(self, field: descriptor.FieldDescriptor, value: dict[str, Any] | None = None) -> dict[str, Any]:
        opts = self._field_rules(field)
        if value is None:
            # On a map, the value options constrain each map value (size and map_key go to the object). A
            # singular field without presence set to its default is not set at all: no option applies to it.
            singular = not field.is_repeated and not field.has_presence and field.message_type is None
            value = self._value_schema(
                message_of(field).fields_by_name["value"] if is_map(field) else field,
                opts,
                unset=_unset(field) if singular and not _default_passes(field, opts) else None,
            )
        schema: dict[str, Any]
        if is_map(field):
            key_field = message_of(field).fields_by_name["key"]
            schema = {
                "x-rule": "type.map",
                "type": "object",
                "propertyNames": self._map_key_schema(key_field, opts),
                "additionalProperties": value,
            }
            if opts.size is not None:
                schema["allOf"] = [
                    _annotated("option.size", _unless_empty(_count_bounds(opts.size, "minProperties", "maxProperties")))
                ]
        elif field.is_repeated:
            schema = {"x-rule": "type.repeated", "type": "array", "items": value}
            checks = []
            if opts.size is not None:
                checks.append(
                    _annotated("option.size", _unless_empty(_count_bounds(opts.size, "minItems", "maxItems")))
                )
            if opts.unique:
                checks.append(_annotated("option.unique", {"uniqueItems": True}))
            if checks:
                schema["allOf"] = checks
        else:
            schema = value
        # null means "absent" (a list or map of Values is the exception: null is no list or map there).
        out = dict(schema) if null_is_refused(field) else _nullable(schema)
        description = self._comments.get(field.full_name)
        if description:
            out["description"] = description
        default = self._defaults.get((field.full_name.rsplit(".", 1)[0], field.name))
        if default is not None:
            out["default"] = default
        if field.GetOptions().deprecated:
            out["deprecated"] = True
        return out

    def _map_key_schema(self, key: descriptor.FieldDescriptor, opts: FieldRules) -> dict[str, Any]:
        if key.type == _FD.TYPE_BOOL:
            schema: dict[str, Any] = {"enum": ["true", "false"]}
        elif key.type in INT_RANGES:
            lo, hi = INT_RANGES[key.type]
            schema = {"pattern": exact(integer_range_pattern(lo, hi))}
        else:
            schema = {}
        spec = opts.map_key
        if spec is not None:
            if spec.length is not None:
                schema = {"allOf": [schema, _length_schema(spec.length)]}
            if spec.pattern:
                schema = {"allOf": [schema, {"pattern": _anchor(spec.pattern)}]}
            if spec.value is not None:
                # Every map key is a string in JSON; an integer key, or a string key under a value bound,
                # spells a number in canonical decimal.
                bounds: tuple[int | None, int | None] = INT_RANGES.get(key.type, (None, None))
                forms = [{"pattern": exact(integer_range_pattern(*_clip_open(iv, *bounds)))} for iv in spec.value]
                schema = {"allOf": [schema, {"anyOf": forms}]}
        return _annotated("option.map_key", schema) if spec is not None else schema

    def _message_value(self, message: descriptor.Descriptor) -> dict[str, Any]:
        name = message.full_name
        if name in _wkt.SCHEMAS:
            return _annotated(_wkt.TYPE_RULES[name], _wkt.SCHEMAS[name])
        if name in _wkt.WRAPPERS:
            return self._scalar_schema(_wkt.WRAPPED_TYPES[_wkt.WRAPPERS[name]], None)
        if name == ANY_KEY:
            return _ref(ANY_KEY)
        return _ref(name)

    def _value_schema(
        self, field: descriptor.FieldDescriptor, opts: FieldRules, *, unset: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Schema of one value of the field (an item, for repeated fields), with its options applied to every
        value but those matching ``unset``."""
        ftype = field.type
        if field.message_type is not None:
            wrapped = _wkt.WRAPPERS.get(field.message_type.full_name)
            if wrapped is None:
                schema = self._message_value(field.message_type)
                if opts.value is not None and opts.value_kind in ("duration", "timestamp"):
                    # JSON Schema cannot compare durations or timestamps; the validators check the bounds.
                    schema = {**schema, "x-value-bounds": opts.raw.get("yandex.cloud.value")}
                return schema
            # A wrapper is spelled as the scalar it wraps, and the scalar's options bound it exactly so. It has
            # presence: its default (0, "") is a value like any other, and null leaves it absent.
            ftype = _wkt.WRAPPED_TYPES[wrapped]
        if ftype == _FD.TYPE_ENUM:
            values = list(enum_of(field).values)
            names = [v.name for v in values]
            checks = [
                {
                    **_annotated("type.enum", {"enum": names + [v.number for v in values]}),
                    "x-enum": enum_of(field).full_name,
                }
            ]
            if opts.value is not None:
                allowed = [v for v in values if any(iv.contains(Decimal(v.number)) for iv in opts.value)]
                only = _annotated("option.value", {"enum": [v.name for v in allowed] + [v.number for v in allowed]})
                checks.append(only)
        else:
            checks = self._scalar_checks(ftype, opts)
            if opts.pattern and ftype == _FD.TYPE_STRING:
                checks.append(_annotated("option.pattern", {"pattern": _anchor(opts.pattern)}))
        if len(checks) == 1:
            return checks[0]
        if unset is None:
            return {"allOf": checks}
        options = checks[1] if len(checks) == 2 else {"allOf": checks[1:]}
        return {"allOf": [checks[0], {"if": unset, "else": options}]}

    def _scalar_schema(self, ftype: int, opts: FieldRules | None) -> dict[str, Any]:
        """The type schema of a scalar (annotated ``type.<kind>``) and, after it, each option's constraint."""
        checks = self._scalar_checks(ftype, opts)
        return checks[0] if len(checks) == 1 else {"allOf": checks}

    def _scalar_checks(self, ftype: int, opts: FieldRules | None) -> list[dict[str, Any]]:
        """The type schema of a scalar (annotated ``type.<kind>``), then each option's constraint."""
        checks: list[dict[str, Any]] = [_annotated(TYPE_RULES[ftype], _scalar_type(ftype))]
        if opts is not None:
            if ftype == _FD.TYPE_STRING:
                if opts.length is not None:
                    checks.append(_annotated("option.length", _length_schema(opts.length)))
                if opts.bytes is not None:
                    # A code point takes at least one UTF-8 byte, so this bound is necessary; the validators
                    # check the byte length itself, which JSON Schema cannot count.
                    highs = [hi for iv in opts.bytes if (hi := iv.integer_bounds()[1]) is not None]
                    if len(highs) == len(opts.bytes):
                        checks.append(_annotated("option.bytes", {"maxLength": max(highs)}))
            elif ftype == _FD.TYPE_BYTES:
                # On bytes, both length and bytes count decoded bytes.
                for option, bounds in (("option.length", opts.length), ("option.bytes", opts.bytes)):
                    if bounds:
                        checks.append(_annotated(option, {"anyOf": [_decoded_size(iv) for iv in bounds]}))
            elif ftype in INT_RANGES and opts.value is not None:
                lo, hi = INT_RANGES[ftype]
                forms = [form for iv in opts.value for form in _int_forms(*_clip(iv, lo, hi))]
                checks.append(_annotated("option.value", {"anyOf": forms}))
            elif _is_float(ftype) and opts.value is not None:
                limit = FLOAT_MAX if ftype == _FD.TYPE_FLOAT else DOUBLE_MAX
                bounded = {"anyOf": [_float_interval(iv, limit) for iv in opts.value]}
                checks.append(_annotated("option.value", _numbers_only(bounded)))
        return checks

    # ----------------------------------------------------------------------------------------- rules

    def _rule_schema(self, anchor: descriptor.Descriptor, rule: Rule) -> dict[str, Any]:
        """The error-severity service rule as a subschema of its anchor type's object schema."""
        desc = anchor
        steps: list[descriptor.FieldDescriptor] = []
        for name in rule.path:
            step = desc.fields_by_name[name]
            steps.append(step)
            desc = message_of(step)
        if rule.is_object_check:
            members = [desc.fields_by_name[n] for n in rule.argument]
            inner = _exactly_one(members) if rule.kind == "exactly_one" else _at_most_one(members)
            inner = {"x-rule": rule.id, "x-members": [f.json_name for f in members], **inner}
        else:
            field = desc.fields_by_name[rule.field or ""]
            inner = self._field_rule(field, rule)
        if rule.when is not None:
            inner = {"if": _condition(desc, rule.when), "then": inner}
        if rule.kind in ("required", "forbidden"):
            # These fail at the object; x-field names the field the violation is about.
            inner = {"x-rule": rule.id, "x-field": list(_spellings(desc.fields_by_name[rule.field or ""])), **inner}
        # Walk back out to the anchor. A required field needs every object on its path to be present too; any
        # other check applies only where the path's objects are given.
        tail = [desc.fields_by_name[rule.field].json_name] if rule.field else []
        for i, step in reversed(list(enumerate(steps))):
            nested = _on_field(step, _nullable(inner))
            if rule.kind == "required":
                # Missing objects on the way: the violation is about the field at the end of the path.
                where = [s.json_name for s in steps[i:]] + tail
                inner = {"allOf": [{"x-rule": rule.id, "x-path": where, **_field_present(step)}, nested]}
            else:
                inner = nested
        return _annotated(rule.id, inner)

    def _field_rule(self, field: descriptor.FieldDescriptor, rule: Rule) -> dict[str, Any]:
        kind, arg = rule.kind, rule.argument
        if kind == "required":
            return _required(field)
        if kind == "forbidden":
            return {"not": _field_set(field)}
        if kind == "one_of":
            allowed: list[Any] = list(arg)
            if field.type == _FD.TYPE_ENUM:
                allowed += [enum_of(field).values_by_name[v].number for v in arg]
            elif field.type in INT_RANGES:
                allowed += [str(v) for v in arg]
            item: dict[str, Any] = {"enum": allowed}
        elif kind == "enum_of":
            numbers = [v.number for v in self._reg.enum_descriptor(arg).values]
            item = {"enum": numbers + [str(n) for n in numbers]}
        elif kind == "range":
            item = _range_schema(field, arg)
        elif kind == "max_length":
            item = {"maxLength": arg}
        elif kind == "pattern":
            item = {"pattern": _anchor(arg)}
        elif kind == "max_decoded_bytes":
            item = _decoded_size(Interval(None, Decimal(arg), False, False))
        else:  # ignored: warnings only, never in a schema
            raise AssertionError(f"{rule.id}: {kind} has no schema form")  # pragma: no cover
        if field.is_repeated:
            return _on_field(field, {"items": item})
        if field.has_presence and kind not in ("one_of", "enum_of", "range"):
            return _on_field(field, item)  # the check constrains strings only, and null is none
        # null, and (proto3 does not send a default value at all) a default value: to the service the field is
        # simply not set.
        return _on_field(field, {"if": _unset(field), "else": item})


# --------------------------------------------------------------------------------------------- helpers


def _exactly_one(members: Iterable[descriptor.FieldDescriptor]) -> dict[str, Any]:
    members = list(members)
    present = {"anyOf": [_field_set(f) for f in members]}
    # A one-member oneof marked exactly_one (29 types of the official SDK) has no pair for "at most one".
    return {**_null_members(members), "allOf": [present, _not_two(members)] if len(members) > 1 else [present]}


def _at_most_one(members: Iterable[descriptor.FieldDescriptor]) -> dict[str, Any]:
    members = list(members)
    return {**_null_members(members), **_not_two(members)}


def _not_two(members: list[descriptor.FieldDescriptor]) -> dict[str, Any]:
    pairs = [{"allOf": [_field_set(a), _field_set(b)]} for i, a in enumerate(members) for b in members[i + 1 :]]
    return {"not": {"anyOf": pairs}} if len(pairs) > 1 else {"not": pairs[0]}


def _null_members(members: list[descriptor.FieldDescriptor]) -> dict[str, Any]:
    """``x-null-members``: the members (JSON names) that ``null`` sets (:func:`null_is_value`), for messages that
    say which members are set; nothing when there are none."""
    names = [f.json_name for f in members if null_is_value(f)]
    return {"x-null-members": names} if names else {}


def _required(field: descriptor.FieldDescriptor) -> dict[str, Any]:
    """Present, and not a spelling of the default value (``""``, ``0``, ``[]``…), even in a oneof."""
    forms = [
        {"type": "object", "required": [s], "properties": {s: {"not": _unset(field, presence=False)}}}
        for s in _spellings(field)
    ]
    return forms[0] if len(forms) == 1 else {"anyOf": forms}


def _condition(desc: descriptor.Descriptor, when: When) -> dict[str, Any]:
    """The sibling field's value is one of ``when.values``; an unset field (absent, null or a spelling of its
    default) has the value the service assumes for it (:func:`yc_contracts.rules.ruleset.unset_value`)."""
    field = desc.fields_by_name[when.field]
    values: list[Any] = list(when.values)
    if field.type == _FD.TYPE_ENUM:
        values += [enum_of(field).values_by_name[v].number for v in when.values if isinstance(v, str)]
    elif field.type in INT_RANGES:
        values += [str(v) for v in when.values]
    is_set = {"not": _unset(field)}
    matches = [
        {"type": "object", "required": [s], "properties": {s: {"allOf": [{"enum": values}, is_set]}}}
        for s in _spellings(field)
    ]
    if when_matches_unset(field, when):
        matches.append({"type": "object", "not": _field_set(field)})
    return {"anyOf": matches}


def _default_forms(field: descriptor.FieldDescriptor) -> list[Any]:
    """Every JSON spelling of the field's default value (what proto3 does not send at all)."""
    ftype = field.type
    if field.message_type is not None:
        return []
    if ftype == _FD.TYPE_ENUM:
        first = enum_of(field).values[0]
        return [first.name, first.number]
    if ftype == _FD.TYPE_BOOL:
        return [False]
    if ftype in (_FD.TYPE_STRING, _FD.TYPE_BYTES):
        return [""]
    if ftype in INT_RANGES:
        return [0, "0"]
    return [0, "0", "0.0", "-0", "-0.0"]


def _anchor(pattern: str) -> str:
    """A pattern from an option or a rule (which must match the whole value), anchored at both ends."""
    return exact(f"^(?:{pattern})$")


def _clip(iv: Interval, lo: int, hi: int) -> tuple[int, int]:
    a, b = iv.integer_bounds()
    return (lo if a is None else max(lo, a)), (hi if b is None else min(hi, b))


def _scalar_type(ftype: int) -> dict[str, Any]:
    """What ProtoJSON accepts for a scalar type, before any option."""
    if ftype == _FD.TYPE_BOOL:
        return {"type": "boolean"}
    if ftype == _FD.TYPE_STRING:
        return {"type": "string"}
    if ftype == _FD.TYPE_BYTES:
        return {"type": "string", "contentEncoding": "base64", "pattern": BASE64_PATTERN}
    if ftype in INT_RANGES:
        return {"anyOf": _int_forms(*INT_RANGES[ftype])}
    if _is_float(ftype):
        return {"anyOf": _float_forms(ftype)}
    raise AssertionError(f"unhandled scalar type {ftype}")  # pragma: no cover


def _int_forms(lo: int, hi: int) -> list[dict[str, Any]]:
    if lo > hi:
        return [{"not": {}}]
    return [
        {"type": "integer", "minimum": lo, "maximum": hi},
        {"type": "string", "pattern": exact(integer_range_pattern(lo, hi))},
    ]


def _clip_open(iv: Interval, lo: int | None, hi: int | None) -> tuple[int | None, int | None]:
    a, b = iv.integer_bounds()
    if lo is not None:
        a = lo if a is None else max(lo, a)
    if hi is not None:
        b = hi if b is None else min(hi, b)
    return a, b


def _float_forms(ftype: int) -> list[dict[str, Any]]:
    limit = FLOAT_MAX if ftype == _FD.TYPE_FLOAT else DOUBLE_MAX
    return [
        {"type": "number", "minimum": -limit, "maximum": limit},
        {"enum": list(SPECIAL_FLOATS)},
        {"type": "string", "pattern": _FLOAT_STRING if ftype == _FD.TYPE_FLOAT else _DOUBLE_STRING},
    ]


def _float_interval(iv: Interval, limit: float) -> dict[str, Any]:
    """A bounded float: a JSON number in the interval (bounded strings are not accepted, see the docs)."""
    schema: dict[str, Any] = {"type": "number", "minimum": -limit, "maximum": limit}
    if iv.lo is not None:
        schema["exclusiveMinimum" if iv.lo_open else "minimum"] = _decimal_number(iv.lo)
        if iv.lo_open:
            del schema["minimum"]
    if iv.hi is not None:
        schema["exclusiveMaximum" if iv.hi_open else "maximum"] = _decimal_number(iv.hi)
        if iv.hi_open:
            del schema["maximum"]
    return schema


def _range_schema(field: descriptor.FieldDescriptor, bounds: Mapping[str, Any]) -> dict[str, Any]:
    lo = bounds.get("gt", bounds.get("ge"))
    hi = bounds.get("lt", bounds.get("le"))
    iv = Interval(
        None if lo is None else Decimal(str(lo)),
        None if hi is None else Decimal(str(hi)),
        "gt" in bounds,
        "lt" in bounds,
    )
    if field.type in INT_RANGES:
        return {"anyOf": _int_forms(*_clip(iv, *INT_RANGES[field.type]))}
    return _numbers_only(_float_interval(iv, FLOAT_MAX if field.type == _FD.TYPE_FLOAT else DOUBLE_MAX))


def _numbers_only(bounds: dict[str, Any]) -> dict[str, Any]:
    """A bound on a float that applies to JSON numbers. JSON Schema cannot read the number in a string
    (``"0.5"``, ``"5e-1"``, ``"NaN"``); the validators compare those by value (``docs/protojson.md``)."""
    return {"if": {"type": "string"}, "else": bounds}


def _length_schema(intervals: Iterable[Interval]) -> dict[str, Any]:
    forms = []
    for iv in intervals:
        lo, hi = iv.integer_bounds()
        form: dict[str, Any] = {}
        if lo is not None and lo > 0:
            form["minLength"] = lo
        if hi is not None:
            form["maxLength"] = hi
        forms.append(form)
    return forms[0] if len(forms) == 1 else {"anyOf": forms}


def _count_bounds(intervals: tuple[Interval, ...], low: str, high: str) -> dict[str, Any]:
    """Item or property counts within any of ``intervals``."""
    forms = []
    for iv in intervals:
        lo, hi = iv.integer_bounds()
        form: dict[str, Any] = {}
        if lo is not None and lo > 0:
            form[low] = lo
        if hi is not None:
            form[high] = hi
        forms.append(form)
    return forms[0] if len(forms) == 1 else {"anyOf": forms}


def _unless_empty(bounds: dict[str, Any]) -> dict[str, Any]:
    """Count bounds that let an empty array or map through: it is what an absent field is on the wire."""
    if bounds.get("minItems", bounds.get("minProperties", 0)) == 0 and "anyOf" not in bounds:
        return bounds
    return {"if": {"enum": [[], {}]}, "else": bounds}


def _decoded_size(iv: Interval) -> dict[str, Any]:
    """Base64 text whose decoded length is within ``iv`` (padding may or may not be present).

    Marked ``x-decoded-size`` so that the validators, which check base64 text in one pass of their own, can
    tell these subschemas apart.
    """
    lo, hi = iv.integer_bounds()

    def chars(n: int) -> int:
        # The most significant characters (not counting '=') that decode to at most n bytes.
        return math.ceil(4 * (n + 1) / 3) - 1

    forms = []
    for pad in (0, 1, 2):
        form: dict[str, Any] = {"pattern": exact(("(?:^|[^=])", "[^=]=", "==")[pad] + "$")}
        if hi is not None:
            form["maxLength"] = chars(hi) + pad
        if lo is not None and lo > 0:
            form["minLength"] = math.ceil(4 * lo / 3) + pad
        forms.append(form)
    return {"x-decoded-size": True, "anyOf": forms}


def _comments(registry: Registry) -> dict[str, str]:
    """Leading comments of messages and fields, by full name, from the descriptor set's source info."""
    out: dict[str, str] = {}
    for file in registry.file_descriptor_set().file:
        locations = {
            tuple(loc.path): loc.leading_comments.strip()
            for loc in file.source_code_info.location
            if loc.leading_comments
        }

        def walk(messages: Any, path: tuple[int, ...], prefix: str) -> Iterator[tuple[str, tuple[int, ...]]]:
            for i, msg in enumerate(messages):
                name = f"{prefix}.{msg.name}" if prefix else msg.name
                yield name, (*path, i)
                for j, field in enumerate(msg.field):
                    yield f"{name}.{field.name}", (*path, i, 2, j)
                yield from walk(msg.nested_type, (*path, i, 3), name)

        for name, loc_path in walk(file.message_type, (4,), file.package):
            text = locations.get(loc_path)
            if text:
                out[name] = " ".join(line.strip() for line in text.splitlines()).strip()
    return out


def deep_copy(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A copy the caller may change freely (documents are shared and cached)."""
    return copy.deepcopy(dict(doc))
