"""The schema layer: the published JSON Schema of one message type, run on ``jsonschema-rs``, and its errors
found part by part (work linear in the payload) and told as violations.

It runs the same documents with two changes of means, not of meaning (see :mod:`yc_contracts.validation.validator`):
base64 checks are taken out (the rule walker runs them in one C-level pass), and patterns end in a plain ``$``.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, NamedTuple

import jsonschema_rs
import orjson
from google.protobuf import descriptor

from yc_contracts.contract import wkt as _wkt
from yc_contracts.contract.descriptors import is_map, reaches
from yc_contracts.contract.errors import shown
from yc_contracts.schema.bundle import WithShallowAny, closure
from yc_contracts.schema.generator import ANY_KEY, ID_PREFIX, OPERATION
from yc_contracts.validation.budget import Budget
from yc_contracts.validation.cache import CACHE_SCHEMA_BYTES, CACHE_SIZE, BoundedCache
from yc_contracts.validation.error_paths import Given, instance_path
from yc_contracts.validation.rule_layer import present
from yc_contracts.validation.sentences import closest, explain
from yc_contracts.validation.violations import Violation, pointer

if TYPE_CHECKING:
    from yc_contracts.contract.registry import Registry
    from yc_contracts.rules.ruleset import RuleSet


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


_ANNOTATIONS: Final = frozenset({"description", "title", "default", "deprecated", "examples", "$comment", "$schema"})


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


class SchemaLayer:
    """The compound JSON Schema of one message type (its document and everything it refers to), ready to run."""

    def __init__(
        self,
        key: str,
        registry: Registry,
        docs: Mapping[str, Mapping[str, Any]],
        rules: RuleSet,
        root_type: str,
        *,
        extra: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """The layer of document ``key`` (in ``docs``, or ``extra``: documents of the caller's own) for a
        payload of ``root_type``."""
        self.key = key
        self._reg = registry
        self._rules = rules
        self._root_type = root_type
        view = WithShallowAny(docs, extra)
        stripped = {name: _strip_bytes(view[name]) for name in [key, *closure(key, view)]}
        root = copy.deepcopy(stripped[key])
        root["$defs"] = {name: doc for name, doc in stripped.items() if name != key}
        self.docs = stripped
        self.weight = sum(_json_size(doc) for doc in stripped.values())
        """The JSON size of the documents compiled (what the compiled validator's memory grows with)."""
        self.validator = jsonschema_rs.validator_for(root)
        # Messages packed in an Any are checked apart, by the validator of their @type's form, compiled on
        # first use (see _PackedAny); a type whose payload can hold no Any runs its one validator alone.
        self._packed = _PackedAny.of(registry, docs, rules, key, root_type, packed_form=extra is not None)
        self.is_valid = self.validator.is_valid if self._packed is None else self._is_valid_with_packed
        # For reporting, the layer descends the payload part by part (see violations): a validator per schema
        # location, compiled when first needed.
        self._registry = jsonschema_rs.Registry([(doc["$id"], doc) for doc in stripped.values()])
        self._shapes: dict[str, _Shape] = {}
        self._at: dict[str, Any] = {}
        self._rule_ids: dict[str, dict[str, Any]] = {}

    def _is_valid_with_packed(self, value: Any) -> bool:
        assert self._packed is not None
        return self.validator.is_valid(value) and self._packed.all_valid(value)

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

    def errors(self, value: Any, budget: Budget, *, whole: bool = False) -> Iterator[_Found]:
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
                given: Given = {}
                for error in self._validator_at(location).iter_errors(instance):
                    yield _Found(
                        [*path, *instance_path(error, instance, given)], error, error.absolute_keyword_location
                    )

    def _own_errors(self, own: _Located, instance: Any, path: list[Any], budget: Budget) -> Iterator[_Found]:
        if own.validator.is_valid(instance):
            return
        if budget.left <= 0:
            budget.count(1)
            return
        given: Given = {}
        for error in own.validator.iter_errors(instance):
            where = error.absolute_keyword_location or ""
            if where.startswith(own.synthetic):
                where = own.location + where[len(own.synthetic) :]
            yield _Found([*path, *instance_path(error, instance, given)], error, where)

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

    def violations(self, value: Any, budget: Budget, *, whole: bool = False) -> list[Violation]:
        """The schema layer's violations of ``value`` (known to fail), as many as ``budget`` has room for (the
        rest counted); ``whole`` as in :meth:`errors`. Those of messages packed in an ``Any`` come after the
        rest, each at its place in the payload."""
        out = self._own_violations(value, budget, whole=whole) if not self.validator.is_valid(value) else []
        if self._packed is not None:
            out += self._packed.violations(value, budget, whole=whole)
        return out

    def _own_violations(self, value: Any, budget: Budget, *, whole: bool) -> list[Violation]:
        out: list[Violation] = []
        for found in self.errors(value, budget, whole=whole):
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
        node: Any = self.docs.get(base[len(ID_PREFIX) :]) if base.startswith(ID_PREFIX) else None
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
        node: Any = self.docs.get(base[len(ID_PREFIX) :], {})
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
            close = closest(key, tuple(known))
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
        return explain(rule, instance, annotation, detail, registry=self._reg, rules=self._rules, key=self.key)


def _merge(path: list[Any], tail: list[str]) -> list[Any]:
    """``path`` + ``tail``, where the end of ``path`` may already walk the start of ``tail``."""
    for overlap in range(min(len(path), len(tail)), 0, -1):
        if path[-overlap:] == tail[:overlap]:
            return [*path, *tail[overlap:]]
    return [*path, *tail]


def _second_spelling(payload: Any, path: list[Any], spellings: list[str]) -> str:
    """Of a field's two spellings in the object at ``path``, the one the payload gives last."""
    node = payload
    for step in path:
        node = node[step] if isinstance(node, (dict, list)) else None
    given = [key for key in node if key in spellings] if isinstance(node, dict) else []
    return given[-1] if given else spellings[-1]


# ------------------------------------------------------------------------------------- messages in Any


_packed_layers: BoundedCache[SchemaLayer | bool] = BoundedCache(
    CACHE_SIZE // 2, CACHE_SCHEMA_BYTES // 2, lambda layer: layer.weight if isinstance(layer, SchemaLayer) else 0
)
"""The validators of types packed in an ``Any``, by (documents, type URL); ``False`` for a URL they do not know."""


def _json_size(doc: Any) -> int:
    try:
        return len(orjson.dumps(doc))
    except TypeError:  # an integer beyond 64 bits (a float bound spelled as an integer)
        return len(json.dumps(doc))


class _PackedAny:
    """The messages packed in ``Any`` fields of a payload, each checked against the form its ``@type`` names.

    The published ``google.protobuf.Any`` document says the same with one ``if``/``then`` per known type, every
    type's form inlined: for the whole Yandex Cloud API that is 7,853 types and 22 MiB, and a validator of any
    type reaching an ``Any`` would compile all of them (half a minute, gigabytes). Here the payload is walked
    along the fields that can lead to an ``Any`` (known from the descriptors), and each packed message is
    checked by the validator of its own type's form, compiled on first use and kept in a bounded cache: the
    same verdict and the same violations, paid for only by the types a payload actually packs.
    """

    def __init__(
        self,
        registry: Registry,
        docs: Mapping[str, Mapping[str, Any]],
        rules: RuleSet,
        key: str,
        *,
        root: descriptor.Descriptor,
        pinned: Mapping[str, descriptor.Descriptor],
    ) -> None:
        self._reg = registry
        self._docs = docs
        self._rules = rules
        self._key = key
        self._root = root
        self._pinned = pinned

    @classmethod
    def of(
        cls,
        registry: Registry,
        docs: Mapping[str, Mapping[str, Any]],
        rules: RuleSet,
        key: str,
        root_type: str,
        *,
        packed_form: bool = False,
    ) -> _PackedAny | None:
        """The packed-message check of a payload of ``root_type`` under document ``key`` (``packed_form``: the
        form of a ``root_type`` packed in an ``Any``); ``None`` when such a payload can hold no ``Any``."""
        root = registry.message_descriptor(root_type)
        pinned: dict[str, descriptor.Descriptor] = {}
        if key != root_type and key.endswith(".Operation") and root_type == OPERATION:
            # A method's Operation document pins response and metadata to the method's own types (inline).
            types = registry.method(key.removesuffix(".Operation")).operation
            for name, type_name in (("response", types.response), ("metadata", types.metadata)) if types else ():
                if type_name:
                    pinned[name] = registry.message_descriptor(type_name)
        reaches = _reaching(registry)
        if not reaches(root) and not any(reaches(d) for d in pinned.values()):
            return None
        if packed_form and root.full_name in _wkt.VALUE_IN_ANY:
            if root.full_name != ANY_KEY:
                return None
            # An Any packed in an Any: {"@type": ".../google.protobuf.Any", "value": {"@type": ..., ...}}.
            pinned = {"value": root}
        return cls(registry, docs, rules, key, root=root, pinned=pinned)

    def packed(self, value: Any) -> Iterator[tuple[list[Any], dict[str, Any]]]:
        """Each ``Any`` of ``value`` that names its type (an object with a string ``@type``) and its path;
        what is not even that is the shallow ``Any`` document's to report."""
        reaches = _reaching(self._reg)
        stack: list[tuple[descriptor.Descriptor, Any, list[Any], bool]] = [(self._root, value, [], True)]
        while stack:
            desc, obj, path, top = stack.pop()
            if top and self._pinned.get("value") is desc:  # an Any packed in an Any
                if isinstance(obj, dict):
                    stack.append((desc, obj.get("value"), [*path, "value"], False))
                continue
            if desc.full_name == ANY_KEY:
                if isinstance(obj, dict) and isinstance(obj.get("@type"), str):
                    yield path, obj
                continue
            if not isinstance(obj, dict):
                continue
            if desc.full_name in _wkt.VALUE_IN_ANY:  # a packed well-known type: {"@type", "value"}
                continue
            for f in desc.fields:
                target = f.message_type
                if target is None:
                    continue
                if top and f.name in self._pinned:
                    target = self._pinned[f.name]
                    if not reaches(target):
                        continue
                    map_value = None
                else:
                    map_value = target.fields_by_name["value"] if is_map(f) else None
                    if map_value is not None:
                        target = map_value.message_type
                        if target is None:
                            continue
                    if not reaches(target):
                        continue
                for name, item in present(obj, f):
                    if map_value is not None:
                        if isinstance(item, dict):
                            stack.extend((target, v, [*path, name, k], False) for k, v in item.items())
                    elif f.is_repeated:
                        if isinstance(item, list):
                            stack.extend((target, v, [*path, name, i], False) for i, v in enumerate(item))
                    else:
                        stack.append((target, item, [*path, name], False))

    def _layer(self, type_url: str) -> SchemaLayer | None:
        cache_key = (id(self._docs), type_url)  # an entry holds its documents, so the id stays theirs
        found = _packed_layers.get(cache_key)
        if found is None:
            from yc_contracts.schema.store import any_form

            form = any_form(self._docs, type_url)
            layer: SchemaLayer | bool = False
            if form is not None:
                form_key = form["$id"][len(ID_PREFIX) :]
                name = self._reg.resolve_type_url(type_url).DESCRIPTOR.full_name
                layer = SchemaLayer(form_key, self._reg, self._docs, self._rules, name, extra={form_key: form})
            found = _packed_layers.put(cache_key, layer)
        return found if isinstance(found, SchemaLayer) else None

    def all_valid(self, value: Any) -> bool:
        for _, item in self.packed(value):
            layer = self._layer(item["@type"])
            if layer is None or not layer.is_valid(item):
                return False
        return True

    def violations(self, value: Any, budget: Budget, *, whole: bool) -> list[Violation]:
        out: list[Violation] = []
        for path, item in self.packed(value):
            url = item["@type"]
            layer = self._layer(url)
            if layer is not None and layer.is_valid(item):
                continue
            if budget.left <= 0:
                budget.count(1)
                continue
            where = pointer(path)
            if layer is None:
                budget.left -= 1
                annotation = {"x-rule": "any.type_url"}
                words = explain(
                    "any.type_url", url, annotation, "", registry=self._reg, rules=self._rules, key=self._key
                )
                out.append(Violation(f"{where}/@type", "any.type_url", words))
                continue
            out += [dataclasses.replace(v, path=where + v.path) for v in layer.violations(item, budget, whole=whole)]
        return out


def _reaching(registry: Registry) -> Callable[[descriptor.Descriptor], bool]:
    """Whether a message type's JSON form is or can hold an ``Any`` (through fields, lists and map values), with
    the answers kept with the registry."""
    memo: dict[str, bool] = registry.derived("validation.reaches_any", dict)
    return lambda desc: reaches(desc, _message_fields, _is_any, memo)


def _is_any(desc: descriptor.Descriptor) -> bool:
    return desc.full_name == ANY_KEY


def _message_fields(desc: descriptor.Descriptor) -> Iterator[descriptor.Descriptor]:
    """The message types of ``desc``'s fields (a map's entry type, then its value) that may lead to an ``Any``:
    the well-known types hold none, but for ``Any`` itself."""
    for f in desc.fields:
        target = f.message_type
        if target is not None and (target.full_name == ANY_KEY or not target.full_name.startswith("google.protobuf.")):
            yield target
