"""Self-contained schema documents, and the set of files published under ``schemas/``.

A document of the generator refers to others by ``$id`` (``{"$ref": "urn:yc-contracts:schema:<key>"}``), which
no tool can resolve on its own. :func:`compound_document` embeds every document a schema refers to, directly or
not, under ``$defs``, each with its own ``$id``: the compound-document form of JSON Schema 2020-12 (section 9.3),
so the same ``$ref`` values resolve inside the file in every validator that follows the specification
(check-jsonschema and python-jsonschema, ajv, jsonschema-rs) without a registry and without retrieving anything.
Each ``schemas/<key>.schema.json`` is written this way; :func:`yc_contracts.schema_for` returns the same document.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final

from yc_contracts.schema.generator import ANY_KEY, DIALECT, ID_PREFIX, schema_id

if TYPE_CHECKING:
    from yc_contracts.contract.registry import Registry
    from yc_contracts.schema.generator import SchemaGenerator

BUNDLE_FILE: Final = "bundle.schema.json"
OPENAPI_FILE: Final = "openapi.json"
SCHEMA_SUFFIX: Final = ".schema.json"


def referenced_keys(node: Any) -> Iterator[str]:
    """The document key of every ``urn:yc-contracts:schema:<key>[#fragment]`` ``$ref`` in ``node``, in order."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(ID_PREFIX):
                yield value[len(ID_PREFIX) :].partition("#")[0]
            else:
                yield from referenced_keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from referenced_keys(item)


def closure(key: str, docs: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Every document ``docs[key]`` refers to, directly or through others, sorted; ``key`` itself left out.

    Raises:
        KeyError: a reference names a document ``docs`` does not hold.
    """
    seen = {key}
    pending = list(referenced_keys(docs[key]))
    while pending:
        ref = pending.pop()
        if ref not in seen:
            seen.add(ref)
            pending += referenced_keys(docs[ref])
    return sorted(seen - {key})


def compound_document(key: str, docs: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """``docs[key]`` with every document it refers to embedded under ``$defs`` (keyed by document key), a copy.

    Raises:
        KeyError: ``key``, or a document it refers to, is not in ``docs``.
    """
    root = copy.deepcopy(dict(docs[key]))
    embedded = {name: copy.deepcopy(dict(docs[name])) for name in closure(key, docs)}
    if embedded:
        root["$defs"] = {**root.get("$defs", {}), **embedded}
    return root


def published_files(registry: Registry, generator: SchemaGenerator, version: str) -> dict[str, Any]:
    """Every file of ``schemas/`` as JSON values, by file name: one self-contained document per key, the bundle
    (every document under ``$defs``, which :mod:`yc_contracts.schema.store` reads) and the OpenAPI document."""
    from yc_contracts.schema.openapi import build_openapi

    docs = generator.documents()
    files: dict[str, Any] = {f"{key}{SCHEMA_SUFFIX}": compound_document(key, docs) for key in docs}
    files[BUNDLE_FILE] = generator.bundle(docs)
    files[OPENAPI_FILE] = build_openapi(registry, docs, version)
    return dict(sorted(files.items()))


def shallow_any() -> dict[str, Any]:
    """``google.protobuf.Any``'s document reduced to an object with a string ``@type`` (the same rule ids as the
    full one), for where the full document, which inlines every known type, would be too large: the packed
    message is then checked against the type it names on its own (the validators do; see
    :mod:`yc_contracts.validation.schema_layer`)."""
    return {
        "$schema": DIALECT,
        "$id": schema_id(ANY_KEY),
        "title": ANY_KEY,
        "description": "A message of any type, named by the @type URL (type.googleapis.com/<full name>). Only "
        "@type is checked here: google.protobuf.Any.schema.json checks the message against the type it names.",
        "x-rule": "type.any",
        "type": "object",
        "required": ["@type"],
        "properties": {"@type": {"x-rule": "any.type_url", "type": "string"}},
    }


class WithShallowAny(Mapping[str, Mapping[str, Any]]):
    """``docs`` with ``google.protobuf.Any``'s document replaced by :func:`shallow_any` (so no other document is
    reached through it), and ``extra`` documents of the caller's own."""

    def __init__(
        self, docs: Mapping[str, Mapping[str, Any]], extra: Mapping[str, Mapping[str, Any]] | None = None
    ) -> None:
        self._docs = docs
        self._extra = extra or {}

    def __getitem__(self, key: str) -> Mapping[str, Any]:
        if key in self._extra:
            return self._extra[key]
        if key == ANY_KEY:
            return shallow_any()
        return self._docs[key]

    def __contains__(self, key: object) -> bool:
        return key in self._extra or key in self._docs

    def __iter__(self) -> Iterator[str]:
        return iter({*self._docs, *self._extra})

    def __len__(self) -> int:
        return len({*self._docs, *self._extra})
