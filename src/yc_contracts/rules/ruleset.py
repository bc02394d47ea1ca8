"""Service rules: what the API documentation says beyond the protos, loaded from ``rules/*.toml``.

The TOML files are data (see ``rules/README.md``); this module reads them once, checks every rule against the
descriptors (the anchor type exists, each path step is a singular message field, the checked field exists and
the constraint fits its type) and hands out frozen :class:`Rule` values. Both the JSON Schema generator and the
validators work from these.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from google.protobuf import descriptor

from yc_contracts.contract.descriptors import enum_of
from yc_contracts.contract.errors import ContractError, UnknownNameError

if TYPE_CHECKING:
    from yc_contracts.contract.registry import Registry

Severity = Literal["error", "warning"]
CheckKind = Literal[
    "exactly_one",
    "at_most_one",
    "required",
    "forbidden",
    "ignored",
    "one_of",
    "range",
    "max_length",
    "pattern",
    "max_decoded_bytes",
    "enum_of",
]
OBJECT_CHECKS: Final = frozenset({"exactly_one", "at_most_one"})
FIELD_CHECKS: Final = frozenset(
    {"required", "forbidden", "ignored", "one_of", "range", "max_length", "pattern", "max_decoded_bytes", "enum_of"}
)
_RULE_KEYS: Final = frozenset({"id", "message", "path", "field", "severity", "source", "summary", "when", "check"})
_DEFAULT_KEYS: Final = frozenset({"message", "path", "field", "value", "source"})
_ID: Final = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
_RANGE_KEYS: Final = frozenset({"gt", "ge", "lt", "le"})
_FD = descriptor.FieldDescriptor
_NUMERIC: Final = frozenset(
    {
        _FD.TYPE_DOUBLE,
        _FD.TYPE_FLOAT,
        _FD.TYPE_INT64,
        _FD.TYPE_UINT64,
        _FD.TYPE_INT32,
        _FD.TYPE_FIXED64,
        _FD.TYPE_FIXED32,
        _FD.TYPE_UINT32,
        _FD.TYPE_SFIXED32,
        _FD.TYPE_SFIXED64,
        _FD.TYPE_SINT32,
        _FD.TYPE_SINT64,
    }
)
_INTEGER: Final = _NUMERIC - {_FD.TYPE_DOUBLE, _FD.TYPE_FLOAT}
# Conditions compare values for equality; floats have no single spelling of a value to compare with.
_CONDITION_TYPES: Final = _INTEGER | {_FD.TYPE_ENUM, _FD.TYPE_BOOL, _FD.TYPE_STRING}


@dataclass(frozen=True)
class When:
    """A condition on a sibling field: its value is one of ``values`` (an unset field counts as ``absent``)."""

    field: str
    values: tuple[Any, ...]
    absent: Any = None
    """The value the service assumes when the field is unset (absent, ``null``, or for a field without presence
    a spelling of its default). ``None``: the field's proto3 default for a field without presence, otherwise an
    unset field never matches."""


def unset_value(field: descriptor.FieldDescriptor, when: When) -> Any:
    """The value a condition sees when ``field`` is unset (see :attr:`When.absent`); ``None`` for none."""
    if when.absent is not None:
        return when.absent
    if field.has_presence or field.is_repeated or field.message_type is not None:
        return None
    if field.type == _FD.TYPE_ENUM:
        return enum_of(field).values[0].name
    if field.type == _FD.TYPE_BOOL:
        return False
    if field.type == _FD.TYPE_STRING:
        return ""
    return 0


def when_matches_unset(field: descriptor.FieldDescriptor, when: When) -> bool:
    """Whether the condition holds when ``field`` is unset."""
    value = unset_value(field, when)
    return value is not None and any(type(v) is type(value) and v == value for v in when.values)


@dataclass(frozen=True)
class Rule:
    """One service rule. ``check`` is ``(kind, argument)``, e.g. ``("one_of", (8000, 16000, 48000))``."""

    id: str
    message: str
    path: tuple[str, ...]
    field: str | None
    severity: Severity
    source: str
    summary: str
    kind: CheckKind
    argument: Any
    when: When | None = None

    @property
    def is_object_check(self) -> bool:
        """Whether the rule looks at an object (several fields) rather than one field's value."""
        return self.kind in OBJECT_CHECKS


@dataclass(frozen=True)
class Default:
    """A documented default value: what the service assumes when the field is absent."""

    message: str
    path: tuple[str, ...]
    field: str
    value: Any
    source: str


@dataclass(frozen=True)
class Limit:
    """A documented limit of a service (``rules/limits.toml``)."""

    name: str
    value: int | tuple[int, ...]
    unit: str
    source: str
    summary: str


@functools.cache
def _limits_file() -> dict[str, Limit]:
    return _read_limits()


def default_limits() -> dict[str, Limit]:
    """Every documented limit, by name (``"ocr.max_file_bytes"``, …), with its documented value.

    Raises:
        ContractError: ``rules/limits.toml`` is malformed.
    """
    return dict(_limits_file())


def _read_limits() -> dict[str, Limit]:
    text = importlib.resources.files("yc_contracts.rules").joinpath("limits.toml").read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ContractError(f"rules/limits.toml: {e}") from e
    found: dict[str, Limit] = {}

    def walk(table: Mapping[str, Any], prefix: str) -> None:
        if "value" in table:
            value = table["value"]
            found[prefix] = Limit(
                prefix,
                tuple(value) if isinstance(value, list) else value,
                table["unit"],
                table["source"],
                table["summary"],
            )
            return
        for key, sub in table.items():
            walk(sub, f"{prefix}.{key}" if prefix else key)

    walk(data, "")
    return found


def resolve_limits(overrides: Mapping[str, Any] | None) -> dict[str, int | tuple[int, ...]]:
    """The documented limits with ``overrides`` applied, as ``{name: value}``.

    Raises:
        UnknownNameError: an override names no limit (the error lists close names).
        TypeError: an override's value is not of the limit's kind (a non-negative integer, or a list of them).
    """
    limits = _limits_file()
    values: dict[str, int | tuple[int, ...]] = {name: limit.value for name, limit in limits.items()}
    for name, value in (overrides or {}).items():
        if name not in limits:
            raise UnknownNameError("limit", name, limits)
        expected = limits[name].value
        if isinstance(expected, tuple):
            if not isinstance(value, (list, tuple)) or not all(_is_count(v) for v in value):
                raise TypeError(f"limit {name!r} is a list of non-negative integers, got {value!r}")
            values[name] = tuple(value)
        else:
            if not _is_count(value):
                raise TypeError(f"limit {name!r} is a non-negative integer, got {value!r}")
            values[name] = value
    return values


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@dataclass(frozen=True)
class RuleSet:
    """Every rule and default, in file order (files sorted by name)."""

    rules: tuple[Rule, ...]
    defaults: tuple[Default, ...]

    def by_id(self, rule_id: str) -> Rule:
        """The rule with this id.

        Raises:
            KeyError: no such rule.
        """
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def anchored_at(self, message: str) -> tuple[Rule, ...]:
        """Rules whose anchor is ``message``."""
        return tuple(r for r in self.rules if r.message == message)


def load_rules(
    registry: Registry, files: Mapping[str, str] | None = None, limits: Mapping[str, Any] | None = None
) -> RuleSet:
    """Read and check the rules files (the package's own ``rules/*.toml`` unless ``files`` maps names to text).

    A constraint written as ``"$<limit name>"`` takes that limit's value, from ``limits`` (overrides) or
    ``rules/limits.toml``.

    Raises:
        ContractError: a file is not valid TOML, a rule does not fit the descriptors or names no limit.
        UnknownNameError: an override in ``limits`` names no limit.
        TypeError: an override's value is not of the limit's kind.
    """
    values = resolve_limits(limits)
    if files is None:
        folder = importlib.resources.files("yc_contracts.rules")
        files = {
            entry.name: entry.read_text(encoding="utf-8")
            for entry in sorted(folder.iterdir(), key=lambda e: e.name)
            if entry.name.endswith(".toml") and entry.name != "limits.toml"
        }
    rules: list[Rule] = []
    defaults: list[Default] = []
    for name, text in sorted(files.items()):
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ContractError(f"rules/{name}: {e}") from e
        for i, raw in enumerate(data.get("rules", [])):
            rules.append(_rule(registry, raw, f"rules/{name} rule #{i + 1}", values))
        for i, raw in enumerate(data.get("defaults", [])):
            defaults.append(_default(registry, raw, f"rules/{name} default #{i + 1}"))
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise ContractError(f"rule id {rule.id!r} is used twice")
        seen.add(rule.id)
    return RuleSet(tuple(rules), tuple(defaults))


def _rule(registry: Registry, raw: Mapping[str, Any], where: str, limits: Mapping[str, Any]) -> Rule:
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise ContractError(f"{where}: unknown keys {sorted(unknown)}")
    try:
        rule_id, message, severity = raw["id"], raw["message"], raw["severity"]
        source, summary, check = raw["source"], raw["summary"], raw["check"]
    except KeyError as e:
        raise ContractError(f"{where}: missing key {e.args[0]!r}") from None
    where = f"{where} ({rule_id})"
    if not isinstance(rule_id, str) or not _ID.fullmatch(rule_id):
        raise ContractError(f"{where}: id must be a dotted lowercase name")
    if severity not in ("error", "warning"):
        raise ContractError(f"{where}: severity must be 'error' or 'warning'")
    if not isinstance(check, Mapping) or len(check) != 1:
        raise ContractError(f"{where}: check must have exactly one constraint")
    ((kind, argument),) = check.items()
    if isinstance(argument, str) and argument.startswith("$"):
        if argument[1:] not in limits:
            raise ContractError(f"{where}: no limit named {argument[1:]!r} in rules/limits.toml")
        value = limits[argument[1:]]
        argument = list(value) if isinstance(value, tuple) else value
    path = tuple(raw.get("path", ()))
    field_name = raw.get("field")
    target = _walk(registry, message, path, where)
    if kind in OBJECT_CHECKS:
        if field_name is not None:
            raise ContractError(f"{where}: {kind} is an object-level check; drop 'field'")
        argument = _members(target, argument, where)
        field = None
    elif kind in FIELD_CHECKS:
        if not isinstance(field_name, str):
            raise ContractError(f"{where}: {kind} needs a 'field'")
        field = _field(target, field_name, where)
        argument = _argument(registry, field, kind, argument, where)
    else:
        raise ContractError(f"{where}: unknown constraint {kind!r}")
    if kind == "ignored" and severity != "warning":
        raise ContractError(f"{where}: an ignored field is a warning, not an error")
    when = None
    if "when" in raw:
        cond = raw["when"]
        if not isinstance(cond, Mapping) or set(cond) - {"field", "in", "absent"} or "field" not in cond:
            raise ContractError(f"{where}: when = {{ field = ..., in = [...], absent = ... }}")
        cond_field = _field(target, cond["field"], where)
        if cond_field.is_repeated or cond_field.type not in _CONDITION_TYPES:
            raise ContractError(f"{where}: when takes a singular enum, integer, bool or string field")
        when = When(cond["field"], tuple(cond.get("in", ())), cond.get("absent"))
    return Rule(
        id=rule_id,
        message=message,
        path=path,
        field=field_name,
        severity=severity,
        source=source,
        summary=summary,
        kind=kind,
        argument=argument,
        when=when,
    )


def _default(registry: Registry, raw: Mapping[str, Any], where: str) -> Default:
    unknown = set(raw) - _DEFAULT_KEYS
    if unknown or not {"message", "field", "value", "source"} <= set(raw):
        raise ContractError(f"{where}: a default has message, path (optional), field, value and source")
    path = tuple(raw.get("path", ()))
    _field(_walk(registry, raw["message"], path, where), raw["field"], where)
    return Default(raw["message"], path, raw["field"], raw["value"], raw["source"])


def _walk(registry: Registry, message: str, path: Sequence[str], where: str) -> descriptor.Descriptor:
    try:
        desc = registry.message_descriptor(message)
    except LookupError as e:
        raise ContractError(f"{where}: {e}") from e
    for step in path:
        field = _field(desc, step, where)
        if field.message_type is None or field.is_repeated:
            raise ContractError(f"{where}: path step {step!r} is not a singular message field")
        desc = field.message_type
    return desc


def _field(desc: descriptor.Descriptor, name: str, where: str) -> descriptor.FieldDescriptor:
    field = desc.fields_by_name.get(name)
    if field is None:
        raise ContractError(f"{where}: {desc.full_name} has no field {name!r}")
    return field


def _members(desc: descriptor.Descriptor, names: Any, where: str) -> tuple[str, ...]:
    if not isinstance(names, list) or len(names) < 2:
        raise ContractError(f"{where}: list at least two fields")
    for name in names:
        _field(desc, name, where)
    return tuple(names)


def _argument(registry: Registry, field: descriptor.FieldDescriptor, kind: str, argument: Any, where: str) -> Any:
    ftype = field.type
    is_string = ftype == _FD.TYPE_STRING
    if kind in ("required", "forbidden", "ignored"):
        if argument is not True:
            raise ContractError(f"{where}: {kind} = true")
        return True
    if kind == "one_of":
        if not isinstance(argument, list) or not argument:
            raise ContractError(f"{where}: one_of needs a non-empty list")
        if ftype == _FD.TYPE_ENUM:
            known = {v.name for v in enum_of(field).values}
            bad = [v for v in argument if v not in known]
        elif ftype in _INTEGER:
            bad = [v for v in argument if not isinstance(v, int) or isinstance(v, bool)]
        elif is_string:
            bad = [v for v in argument if not isinstance(v, str)]
        else:
            raise ContractError(f"{where}: one_of does not fit a field of type {ftype}")
        if bad:
            raise ContractError(f"{where}: one_of values {bad} do not fit field {field.full_name}")
        return tuple(argument)
    if kind == "range":
        if ftype not in _NUMERIC or not isinstance(argument, Mapping) or not set(argument) <= _RANGE_KEYS:
            raise ContractError(f"{where}: range = {{ gt/ge/lt/le = number }} on a numeric field")
        return dict(argument)
    if kind == "max_length":
        if not is_string or not isinstance(argument, int) or argument < 0:
            raise ContractError(f"{where}: max_length = n on a string field")
        return argument
    if kind == "pattern":
        if not is_string or not isinstance(argument, str):
            raise ContractError(f"{where}: pattern = 'regex' on a string field")
        try:
            re.compile(argument)
        except re.error as e:
            raise ContractError(f"{where}: bad pattern: {e}") from e
        return argument
    if kind == "max_decoded_bytes":
        if ftype != _FD.TYPE_BYTES or not isinstance(argument, int) or argument < 0:
            raise ContractError(f"{where}: max_decoded_bytes = n on a bytes field")
        return argument
    if kind == "enum_of":
        if ftype not in _INTEGER:
            raise ContractError(f"{where}: enum_of fits integer fields")
        try:
            registry.enum_descriptor(argument)
        except LookupError as e:
            raise ContractError(f"{where}: {e}") from e
        return argument
    raise ContractError(f"{where}: unknown constraint {kind!r}")  # pragma: no cover - guarded by the caller
