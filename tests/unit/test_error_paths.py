"""Error paths with empty object keys: jsonschema-rs leaves them out, ``error_paths.instance_path`` puts them back.

The reference is the Python ``jsonschema`` package's ``absolute_path``, compared on the same schema and instance.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import jsonschema_rs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yc_contracts.validation.error_paths import Given, instance_path

SCHEMAS: dict[str, dict[str, Any]] = {
    "map of strings": {
        "type": "object",
        "properties": {"m": {"type": "object", "additionalProperties": {"type": "string", "pattern": "^a"}}},
    },
    "map of maps": {
        "type": "object",
        "additionalProperties": {"type": "object", "additionalProperties": {"type": "integer"}},
    },
    "map of messages through $ref": {
        "$defs": {
            "Item": {
                "type": "object",
                "properties": {"n": {"type": "integer"}, "l": {"type": "array", "items": {"$ref": "#/$defs/Item"}}},
                "additionalProperties": False,
            }
        },
        "type": "object",
        "additionalProperties": {"$ref": "#/$defs/Item"},
    },
    "pattern properties and allOf": {
        "type": "object",
        "patternProperties": {"^$|^a": {"allOf": [{"type": "array"}, {"items": {"type": "boolean"}}]}},
    },
    "oneOf of maps": {
        "oneOf": [
            {"type": "object", "additionalProperties": {"type": "string"}},
            {"type": "array", "prefixItems": [{"type": "object", "additionalProperties": {"type": "string"}}]},
        ]
    },
}

KEYS = st.sampled_from(["", "a", "b", "n", "l", "m"])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["", "a", "x"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3),
    max_leaves=12,
)


def _ours(schema: dict[str, Any], instance: Any) -> list[list[str | int]]:
    errors = jsonschema_rs.validator_for(schema).iter_errors(instance)
    given: Given = {}  # one per iter_errors call, as the schema layer keeps it
    return sorted((instance_path(e, instance, given) for e in errors), key=repr)


def _reference(schema: dict[str, Any], instance: Any) -> list[list[str | int]]:
    errors = jsonschema.Draft202012Validator(schema).iter_errors(instance)
    return sorted((list(e.absolute_path) for e in errors), key=repr)


@pytest.mark.parametrize(
    ("schema", "instance", "path"),
    [
        ("map of strings", {"m": {"": "b"}}, ["m", ""]),
        ("map of strings", {"m": {"": "a", "x": "b"}}, ["m", "x"]),
        ("map of maps", {"": {"": "x"}}, ["", ""]),
        ("map of maps", {"": {"k": "x"}}, ["", "k"]),
        ("map of maps", {"k": {"": "x"}}, ["k", ""]),
        ("map of messages through $ref", {"": {"l": [{"n": "x"}]}}, ["", "l", 0, "n"]),
        ("map of messages through $ref", {"": {"l": [{"": 1}]}}, ["", "l", 0]),  # additionalProperties: false
        ("pattern properties and allOf", {"": [True, 1]}, ["", 1]),
    ],
)
def test_empty_keys_are_put_back(schema: str, instance: Any, path: list[str | int]) -> None:
    assert _ours(SCHEMAS[schema], instance) == [path] == _reference(SCHEMAS[schema], instance)


def test_errors_alike_get_a_place_each() -> None:
    # Found by hypothesis: both errors are reported at ["a"]; they are at /a/ and //a.
    instance = {"a": {"": True}, "": {"a": True}}
    assert (
        _ours(SCHEMAS["map of maps"], instance)
        == [["", "a"], ["a", ""]]
        == _reference(SCHEMAS["map of maps"], instance)
    )


def test_a_path_without_empty_keys_is_returned_as_reported() -> None:
    instance = {"m": {"a": "ab", "x": "y"}}
    assert _ours(SCHEMAS["map of strings"], instance) == [["m", "x"]]


@pytest.mark.parametrize("schema", sorted(SCHEMAS))
@given(instance=JSON)
def test_paths_match_the_reference_validator(schema: str, instance: Any) -> None:
    # The same paths; the two engines may list sibling errors in different orders (found by hypothesis:
    # {'': {'': None, 'a': None, 'l': False}, 'l': {'': False}} under "map of maps").
    assert sorted(_ours(SCHEMAS[schema], instance), key=repr) == sorted(_reference(SCHEMAS[schema], instance), key=repr)
