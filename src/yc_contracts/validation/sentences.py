"""The words of violations: how a value is described, what each type and option takes, enum names and the
spelling a caller probably meant, and the sentence for each schema-layer error."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from google.protobuf import descriptor

from yc_contracts.contract import wkt as _wkt
from yc_contracts.contract.errors import SUGGEST_UP_TO, UnknownNameError, shown
from yc_contracts.contract.options import Interval

if TYPE_CHECKING:
    from yc_contracts.contract.registry import Registry
    from yc_contracts.rules.ruleset import RuleSet


def explain(
    rule: str,
    instance: Any,
    annotation: Mapping[str, Any],
    detail: str,
    *,
    registry: Registry,
    rules: RuleSet,
    key: str,
) -> str:
    """The sentence for a schema-layer error: what was found, and what the contract expects there."""
    described = describe(instance)
    members = annotation.get("x-members")
    if members is not None and isinstance(instance, dict):
        nulls = annotation.get("x-null-members", ())  # members a null sets (a Value holding null)
        given = [
            m
            for m in members
            if instance.get(m) is not None
            or instance.get(snake(m)) is not None
            or (m in nulls and (m in instance or snake(m) in instance))
        ]
        found = (
            f"{words(given)} {'are' if len(given) > 1 else 'is'} set"
            if given
            else f"none of {words(members, 'or')} is set"
        )
    else:
        found = f"found {described}"
    if rule == "type.message" and isinstance(instance, dict) and "value" not in instance:
        packed = _packed_well_known(instance.get("@type"))
        if packed is not None:  # an Any of a well-known type: its JSON form goes under "value"
            return (
                f'found an object without "value"; an Any holding a {packed} gives its JSON form in "value": '
                f'{{"@type": {json.dumps(instance["@type"])}, "value": …}}'
            )
    if rule == "type.enum" and "x-enum" in annotation:
        return f"{found}; {enum_words(registry.enum_descriptor(annotation['x-enum']), instance)}"
    if rule.startswith("type."):
        return f"{found}; expected {_TYPE_WORDS.get(rule[5:], rule[5:])}"
    if rule == "json.duplicate_field":
        spellings = annotation.get("x-field") or ["a JSON name", "a proto name"]
        return f"{words(spellings)} are the same field; give it once"
    if rule == "oneof.at_most_one":
        return f"{found}; they are members of one oneof, and at most one may be set"
    if rule == "oneof.exactly_one":
        return f"{found}; exactly one of {words(members or [], 'or')} must be set"
    if rule == "any.type_url":
        return _type_url_words(registry, key, instance, annotation.get("x-operation-type"))
    if rule.startswith("option."):
        if rule == "option.required":
            return "the field is missing or has its default value; it is required"
        return f"{found}; {OPTION_WORDS.get(rule, rule)} ({detail})"
    try:
        summary = rules.by_id(rule).summary
    except KeyError:
        return f"{found} ({detail})"
    if instance is None:
        return f"the field is missing or has its default value: {summary[0].lower()}{summary[1:]}"
    return f"{found}: {summary[0].lower()}{summary[1:]}"


def _type_url_words(registry: Registry, key: str, url: Any, expected: str | None) -> str:
    """Why an ``@type`` is wrong: another type than the method's Operation carries, or no type at all."""
    if not isinstance(url, str):
        return f"found @type {describe(url)}; expected a type URL such as {shown(registry.type_url(_wkt.ANY))}"
    if expected is not None:
        method = key.removesuffix(".Operation")
        try:
            given: str | None = registry.resolve_type_url(url).DESCRIPTOR.full_name
        except LookupError:
            given = None
        wanted = shown(registry.type_url(expected))
        if given is not None:
            return f"found @type {describe(url)}, a {given}, but {method} returns a {expected} here ({wanted})"
        return f"found @type {describe(url)}, which names no type of the contract; {method} returns {wanted} here"
    close = _closest_type_url(registry, url)
    hint = f"; did you mean {shown(close)}?" if close else ""
    return f"found @type {describe(url)}, which names no type of the contract{hint}"


def _packed_well_known(url: Any) -> str | None:
    """The well-known type an ``Any``'s ``@type`` names (``None`` for any other)."""
    if not isinstance(url, str) or "/" not in url:
        return None
    name = url.rsplit("/", 1)[-1]
    return name if _wkt.is_well_known(name) and name != _wkt.ANY else None


def describe(value: Any) -> str:
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


def words(names: Iterable[str], last: str = "and") -> str:
    items = list(names)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def snake(json_name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in json_name)


def lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def bounds_words(bounds: Iterable[Interval]) -> str:
    words = []
    for iv in bounds:
        lo, hi = iv.integer_bounds()
        words.append(f"{lo if lo is not None else 0} to {hi}" if hi is not None else f"at least {lo}")
    return " or ".join(words)


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
OPTION_WORDS: Final = {
    "option.required": "the field is required and must not be empty",
    "option.length": "the length is limited",
    "option.size": "the number of items is limited",
    "option.value": "the value is limited",
    "option.pattern": "the value must match the pattern",
    "option.bytes": "the size in bytes is limited",
    "option.unique": "the items must all be different",
    "option.map_key": "the map keys are restricted",
}


ENUM_NAMES_SHOWN: Final = 12
"""An enum error lists this many value names at most (a big enum's list would drown the sentence)."""


def enum_words(enum: descriptor.EnumDescriptor, instance: Any) -> str:
    """What an enum field takes, and the value name closest to ``instance`` when there is one."""
    names = [v.name for v in enum.values]
    listed = ", ".join(names[:ENUM_NAMES_SHOWN])
    if len(names) > ENUM_NAMES_SHOWN:
        listed += f" and {len(names) - ENUM_NAMES_SHOWN} more"
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
    close = closest(instance.casefold(), tuple(by_case))
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


def closest(key: str, known: tuple[str, ...]) -> str | None:
    """The known name closest to a misspelled one."""
    return _closest_cached(key, known) if len(key) <= SUGGEST_UP_TO else None


@functools.lru_cache(maxsize=4096)
def _closest_cached(key: str, known: tuple[str, ...]) -> str | None:
    """:func:`closest` (cached: payloads repeat their mistakes)."""
    import difflib

    close = difflib.get_close_matches(key, known, n=1)
    return close[0] if close else None
