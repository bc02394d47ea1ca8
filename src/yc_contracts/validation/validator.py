"""Validators: the schema layer, the service rules and content inspection, compiled once per message type.

1. **Schema layer** (:mod:`~yc_contracts.validation.schema_layer`) — exactly the published JSON Schema. It
   runs on ``jsonschema-rs`` (a compiled validator) over the same documents, with two changes of means, not
   of meaning: base64 ``bytes`` values, whose pattern would cost a regex pass over megabytes of content, are
   checked by :mod:`yc_contracts.validation.base64_text` in one C-level pass instead; and patterns end in a
   plain ``$`` (end of string for jsonschema-rs, as in ECMA 262) rather than the published ``$(?!\n)``, whose
   lookahead would put them on a backtracking engine with a stack limit. Same accept/reject
   (``tests/property`` proves it against the reference ``jsonschema``), in time linear in the value.
   Violations are capped per payload (:mod:`~yc_contracts.validation.budget`), so the cost stays linear in
   the payload however many there are.
2. **Service rules** (:mod:`~yc_contracts.validation.rule_layer`) — what JSON Schema cannot say:
   warning-severity rules, real calendar dates in timestamps, bounds on durations and timestamps, UTF-8 byte
   counts, and JSON-ness of the payload itself (``NaN``, lone surrogates, depth; checked on loading,
   :mod:`~yc_contracts.validation.payload`).
3. **Content inspection** — :mod:`yc_contracts.validation.content`.

The sentences all three tell are :mod:`yc_contracts.validation.sentences`. This module is the public API,
the cache of compiled validators, and :class:`Compiled`, which runs the layers in turn. Everything that reads
schemas or rules happens when a :class:`Compiled` is built (or on first need), once per (type, limits).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final, NamedTuple

from google.protobuf import descriptor, json_format, message

from yc_contracts.contract.errors import UnknownNameError
from yc_contracts.rules.ruleset import RuleSet, load_rules, resolve_limits
from yc_contracts.schema.generator import SchemaGenerator
from yc_contracts.schema.store import message_type
from yc_contracts.validation import payload as _payload
from yc_contracts.validation.budget import MAX_VIOLATIONS, Budget, capped
from yc_contracts.validation.cache import CACHE_SCHEMA_BYTES, CACHE_SIZE, BoundedCache
from yc_contracts.validation.content import INSPECTORS
from yc_contracts.validation.rule_layer import FULL, NO_ALPHABET, Mode, RuleLayer, field_names
from yc_contracts.validation.schema_layer import SchemaLayer
from yc_contracts.validation.violations import ValidationError, Violation

if TYPE_CHECKING:
    from yc_contracts.contract.registry import MessageRef, Registry

__all__ = ["MAX_VIOLATIONS", "Compiled", "Scanned", "check", "compiled_for", "iter_violations", "validate"]

_FD = descriptor.FieldDescriptor
_SMALL_PAYLOAD: Final = 16 * 1024
"""JSON text (bytes) under which the schema layer asks each failing field for all its errors at once."""
_DEEP_ENOUGH: Final = 30
"""JSON nesting below which no ``Struct`` can reach :data:`MAX_MESSAGE_DEPTH` (a JSON level is at most three
message levels, a ``Struct``'s map entry and ``Value`` included): shallower plain payloads skip that walk."""


# ------------------------------------------------------------------------------------------- public API


def iter_violations(
    message_ref: MessageRef,
    payload: Any,
    *,
    registry: Registry | None = None,
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
    yield from compiled_for(message_ref, limits, registry=registry).violations(
        payload, inspect_content=inspect_content, max_violations=max_violations
    )


def check(
    message_ref: MessageRef,
    payload: Any,
    *,
    registry: Registry | None = None,
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
        registry: where ``message_ref`` is looked up: the contract's own registry by default, or any other
            (:meth:`Registry.from_modules`, :meth:`Registry.from_proto_tree`, …), whose ``yandex.cloud``
            options are then the whole contract (the contract's service rules, limits and content inspection
            are about the contract's types and apply to its registry only).
        limits: overrides of the documented limits, e.g. ``{"ocr.max_file_bytes": 31457280}``
            (``docs/rules.md`` lists them); the contract's registry only.
        inspect_content: decode ``content`` and compare it with what the request declares (on by default).
        max_violations: how many violations to list at most (1,000 by default).

    Raises:
        UnknownNameError: ``message_ref`` names no message type, route or Operation schema, or a limit
            override names no limit.
        TypeError: ``payload`` is a protobuf message of another type; a limit override has the wrong kind.
        ValueError: ``max_violations`` is less than 1.
    """
    return compiled_for(message_ref, limits, registry=registry).violations(
        payload, inspect_content=inspect_content, max_violations=max_violations
    )


def validate(
    message_ref: MessageRef,
    payload: Any,
    *,
    registry: Registry | None = None,
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
            message_ref,
            payload,
            registry=registry,
            limits=limits,
            inspect_content=inspect_content,
            max_violations=max_violations,
        )
        if v.severity == "error"
    ]
    if errors:
        raise ValidationError(errors)


# ------------------------------------------------------------------------------------------ compilation


def _weight(compiled: Compiled) -> int:
    weight: int = compiled.schema.weight
    return weight


_cache: BoundedCache[Compiled] = BoundedCache(CACHE_SIZE, CACHE_SCHEMA_BYTES, _weight)
"""Every registry's validators, by (registry, key, limits); see :mod:`~yc_contracts.validation.cache`."""
_generated: OrderedDict[tuple[tuple[str, Any], ...], tuple[Mapping[str, Mapping[str, Any]], RuleSet]] = OrderedDict()
_GENERATED_SIZE: Final = 8
"""How many sets of limit overrides keep their generated schema documents."""
_lock = threading.Lock()


_by_ref: dict[Any, Compiled] = {}
"""The contract's validators by the names and classes callers give (a fixed, small set), without limits."""


def compiled_for(
    message_ref: MessageRef, limits: Mapping[str, Any] | None = None, *, registry: Registry | None = None
) -> Compiled:
    """The compiled validator of a message type (and limits) of a registry (the contract's by default), built
    on first use and kept in a bounded cache (:mod:`~yc_contracts.validation.cache`).

    Raises:
        UnknownNameError: nothing of that name has a schema.
        TypeError: ``message_ref`` is not a name, class or instance; a limit override has the wrong kind.
        ValueError: ``limits`` given with a registry other than the contract's.
    """
    if registry is None and not limits:
        try:
            return _by_ref[message_ref]
        except (KeyError, TypeError):  # not seen yet, or an unhashable message instance
            pass
    from yc_contracts.contract.registry import default_registry

    if registry is not None and registry is not default_registry():
        if limits:
            raise ValueError("limits apply to the contract's own registry only; another registry has none")
        return _compile(message_ref, None, registry)
    compiled = _compile(message_ref, limits, default_registry())
    if not limits and isinstance(message_ref, (str, type)):
        _by_ref[message_ref] = compiled
    return compiled


def _compile(message_ref: MessageRef, limits: Mapping[str, Any] | None, registry: Registry) -> Compiled:
    from yc_contracts.contract.registry import default_registry
    from yc_contracts.schema.store import LazyDocuments, documents, schema_key

    key = schema_key(message_ref, registry)
    ours = registry is default_registry()
    values = resolve_limits(limits) if ours else {}
    limits_key = tuple(sorted((k, v) for k, v in values.items()))
    cache_key = (id(registry), key, limits_key)  # an entry holds its registry, so the id stays its own
    with _lock:
        found = _cache.get(cache_key)
        if found is not None:
            return found
        docs: Mapping[str, Mapping[str, Any]]
        if not ours:
            lazy = documents(registry)
            assert isinstance(lazy, LazyDocuments)
            docs, rules = lazy, lazy.rules
        else:
            if limits_key not in _generated:
                rules = load_rules(registry, limits=limits)
                docs = documents() if not limits else SchemaGenerator(registry, rules).documents()
                _generated[limits_key] = (docs, rules)
                while len(_generated) > _GENERATED_SIZE:
                    _generated.popitem(last=False)
            _generated.move_to_end(limits_key)
            docs, rules = _generated[limits_key]
        return _cache.put(cache_key, Compiled(key, registry, docs, rules, values, inspect=ours))


class Scanned(NamedTuple):
    """A payload loaded and scanned once by :meth:`Compiled.load`: the JSON value the layers read, what
    :func:`~yc_contracts.validation.payload.plain_json` learnt of it (``None``: not known), the violations the
    scan found, and ``verdict`` when those say all there is to say (the layers cannot read the value)."""

    value: Any
    plain: _payload.Plain | None
    found: tuple[Violation, ...] = ()
    verdict: tuple[Violation, ...] | None = None


def _check_cap(max_violations: int) -> None:
    if max_violations < 1:
        raise ValueError(f"max_violations must be at least 1, not {max_violations!r}")


class Compiled:
    """The three layers for one message type, ready to run."""

    def __init__(
        self,
        key: str,
        registry: Registry,
        docs: Mapping[str, Mapping[str, Any]],
        rules: RuleSet,
        limits: Mapping[str, Any],
        *,
        inspect: bool = True,
    ) -> None:
        self.key = key
        self._reg = registry
        self._limits = limits
        # A document key is a message's full name, or "<method>.Operation" for a method's pinned Operation.
        self._message_name = key
        self._root_type = message_type(key, registry)
        self.schema = SchemaLayer(key, registry, docs, rules, self._root_type)
        self.rules = RuleLayer(registry, rules, self._root_type)
        self._holds_json_values = self.rules.holds_json_values
        self._inspector = INSPECTORS.get(key) if inspect else None
        # Where a request carries megabytes (its base64 content): checked apart from the JSON-ness check.
        root = registry.message_descriptor(self._root_type)
        self._long_paths = tuple(
            path
            for f in root.fields
            for path in (
                [(s,) for s in field_names(f)]
                if f.type == _FD.TYPE_BYTES
                else [
                    (a, b)
                    for a in field_names(f)
                    for g in (f.message_type.fields if f.message_type else ())
                    if g.type == _FD.TYPE_BYTES
                    for b in field_names(g)
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
        _check_cap(max_violations)
        return self.violations_of_loaded(
            self.load(payload), inspect_content=inspect_content, alphabet=alphabet, max_violations=max_violations
        )

    def load(self, payload: Any) -> Scanned:
        """``payload`` loaded (JSON text parsed, a message turned into JSON values) and scanned for what is not
        plain JSON, once: what :meth:`violations_of_loaded` runs the layers on, as often as a caller needs.

        Raises:
            TypeError: ``payload`` is a protobuf message of another type.
            UnknownNameError: ``payload`` is a message holding an ``Any`` of a type the contract does not know.
        """
        deep = self._holds_json_values
        plain = _payload.plain_json_large(payload, self._long_paths, count=deep) if type(payload) is dict else None
        if plain is not None:  # the common case
            return Scanned(payload, plain)
        loaded, plain = self._load(payload, deep=deep)
        if loaded.value is None and loaded.violations:
            return Scanned(None, plain, verdict=tuple(loaded.violations))
        value, found = loaded.value, loaded.violations
        if any(v.rule in ("json.type", "json.too_deep", "json.number_too_long") for v in found):
            return Scanned(value, plain, verdict=tuple(_dedupe(found)))
        if any(v.rule == "json.surrogate" for v in found):
            # Reported; the rest of the payload is still checked, on a copy the schema layer can read.
            value = _payload.without_surrogates(value)
        return Scanned(value, plain, tuple(found))

    def violations_of_loaded(
        self,
        scanned: Scanned,
        *,
        inspect_content: bool = True,
        alphabet: bool = True,
        max_violations: int = MAX_VIOLATIONS,
    ) -> list[Violation]:
        """:meth:`violations` of a payload already loaded and scanned by :meth:`load` (of this validator)."""
        _check_cap(max_violations)
        budget = Budget(max_violations)
        if scanned.verdict is not None:
            return capped(list(scanned.verdict), budget)
        value, plain, found = scanned.value, scanned.plain, list(scanned.found)
        budget.left -= len(found)
        try:
            schema_ok = self.schema.is_valid(value)
            if not schema_ok:
                # A small payload has few errors at most: its failing fields are asked for all theirs at once.
                whole = plain is not None and plain.size < _SMALL_PAYLOAD
                found += self.schema.violations(value, budget, whole=whole)
        except (ValueError, OverflowError) as e:  # a value jsonschema-rs cannot read; the scan says what it is
            return capped(
                _dedupe(
                    found + (_payload.scan(value) or [Violation("", "json.type", f"the payload is not JSON: {e}")])
                ),
                budget,
            )
        found += self.rules.walk(value, FULL if alphabet else NO_ALPHABET, budget)
        if self._holds_json_values and (plain is None or plain.containers >= _DEEP_ENOUGH):
            found += self.rules.json_values(value)
        if inspect_content and self._inspector is not None and not any(v.severity == "error" for v in found):
            try:
                found += self._inspector(value, self._limits)
            except ValueError as e:  # the content is not base64 after all (the alphabet was not checked): say why
                if alphabet:
                    found.append(Violation("/content", "content.unreadable", f"the content cannot be decoded ({e})"))
                else:
                    return self.violations_of_loaded(
                        scanned, inspect_content=inspect_content, max_violations=max_violations
                    )
        return capped(_dedupe(found), budget) if found else found

    def _load(self, payload: Any, *, deep: bool) -> tuple[_payload.Loaded, _payload.Plain | None]:
        """The payload as JSON values, and :func:`~yc_contracts.validation.payload.plain_json` of them (``None``
        when not known; containers counted only when ``deep``)."""
        if isinstance(payload, (str, bytes, bytearray, memoryview)):
            loaded = _payload.load_text(payload)
            plain = None
            if loaded.value is not None:
                # plain_text cannot vouch for integers within 64 bits, which JSON values (deep) need to know
                plain = None if deep else _payload.plain_text(payload, loaded.value)
                plain = plain or _payload.plain_json(loaded.value, count=deep)
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

    def schema_layer(self, value: Any) -> list[Violation]:
        """Only what the published JSON Schema says about ``value`` (a JSON value): the schema layer alone.

        Accepts exactly what the reference ``jsonschema`` accepts running the published schema.
        """
        budget = Budget(1 << 62)
        found = [] if self.schema.is_valid(value) else self.schema.violations(value, budget)
        return found + self.rules.walk(value, Mode(schema_only=True), budget)


# json.* rules about an object's keys, which say nothing against checking the object's values.
_OBJECT_LEVEL_JSON: Final = frozenset({"json.unknown_field", "json.duplicate_field", "json.duplicate_key"})


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
