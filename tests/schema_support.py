"""Helpers for testing the published JSON Schemas with the reference validator (``jsonschema``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from yc_contracts.schema import store
from yc_contracts.schema.generator import schema_id


@dataclass(frozen=True)
class Failure:
    """One reference-validator error: where in the payload, and the x-rule ids of the schemas it failed in."""

    path: str
    rules: frozenset[str]
    message: str


def validator(key: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": schema_id(key)}, registry=store.schema_registry())


def _pointer(parts: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _rules_along(error: ValidationError, key: str) -> set[str]:
    """The ``x-rule`` annotations on the schemas between the root and the failing keyword."""
    resolver = store.schema_registry().resolver()
    node: Any = {"$ref": schema_id(key)}
    found: set[str] = set()
    for step in error.absolute_schema_path:
        # jsonschema leaves "$ref" out of schema paths: follow a reference wherever the next step is not a key
        # of the node itself (our schemas never put siblings next to a $ref).
        while isinstance(node, dict) and "$ref" in node and step not in node:
            resolved = resolver.lookup(node["$ref"])
            node, resolver = resolved.contents, resolved.resolver
        if isinstance(node, dict) and "x-rule" in node:
            found.add(node["x-rule"])
        node = node[step]
    if isinstance(node, dict) and "x-rule" in node:
        found.add(node["x-rule"])
    return found


def failures(key: str, payload: Any) -> list[Failure]:
    out = []
    for error in validator(key).iter_errors(payload):
        rules = _rules_along(error, key)
        for sub in error.context or ():
            rules |= _rules_along(sub, key) if sub.absolute_schema_path else set()
        out.append(Failure(_pointer(error.absolute_path), frozenset(rules), error.message))
    return out


def is_valid(key: str, payload: Any) -> bool:
    return validator(key).is_valid(payload)
