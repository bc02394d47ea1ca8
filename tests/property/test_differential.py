"""The validators' schema layer accepts exactly what the reference ``jsonschema`` accepts with our schemas.

For every message type (and the per-method Operation schemas): valid payloads from
``yc_contracts.testing.messages`` printed by ``json_format`` (JSON names and proto names), then mutated —
values replaced by arbitrary JSON, keys dropped, added, respelled, nulled, numbers stringified, strings
damaged — and both validators must agree on every one. The inputs are JSON values: ``NaN`` and lone
surrogates are not JSON, and ``docs/protojson.md`` lists how we treat them.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from google.protobuf import json_format
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import yc_contracts
from yc_contracts.schema import store
from yc_contracts.schema.generator import schema_id
from yc_contracts.testing import messages
from yc_contracts.validation.validator import compiled_for

reg = yc_contracts.registry
OPERATION_KEYS = {f"{m.full_name}.Operation" for m in reg.methods() if m.operation is not None}
KEYS = [*reg.messages(), *sorted(OPERATION_KEYS)]

JSON: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**65), max_value=2**65)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8"), max_size=8)
    | st.sampled_from(
        [
            "",
            "0",
            "-1",
            "9223372036854775808",
            "1.5",
            "NaN",
            "Infinity",
            "AAAA",
            "QUJD==",
            "x\n",
            "2026-11-20T10:00:00Z",
            "1.5s",
            "MP3",
            "LINEAR16_PCM",
            "@type",
        ]
    ),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)


@functools.cache
def reference(key: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": schema_id(key)}, registry=store.schema_registry())


def _root_type(key: str) -> str:
    return "yandex.cloud.operation.Operation" if key in OPERATION_KEYS else key


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += _paths(v, (*prefix, i))
    return found


def _set(node: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {**node, head: _set(node[head], rest, value)}
    copy = list(node)
    copy[head] = _set(node[head], rest, value)
    return copy


def _delete(node: Any, path: tuple[Any, ...]) -> Any:
    if len(path) == 1:
        if isinstance(node, dict):
            return {k: v for k, v in node.items() if k != path[0]}
        return [v for i, v in enumerate(node) if i != path[0]]
    return _set(node, path[:-1], _delete(_get(node, path[:-1]), path[-1:]))


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        node = node[step]
    return node


def _camel_to_snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


@st.composite
def mutated(draw: st.DrawFn, payload: Any) -> Any:
    paths = _paths(payload)
    path = draw(st.sampled_from(paths))
    target = _get(payload, path)
    kind = draw(st.sampled_from(["same", "replace", "null", "delete", "add", "respell", "stringify", "damage"]))
    if kind == "same":
        return payload
    if kind == "replace":
        return _set(payload, path, draw(JSON))
    if kind == "null":
        return _set(payload, path, None)
    if kind == "delete" and path:
        return _delete(payload, path)
    if kind == "add" and isinstance(target, dict):
        key = draw(
            st.sampled_from(["extra", "@type", "uri", "content", "chunks", "done", "value"]) | st.text(max_size=5)
        )
        return _set(payload, path, {**target, key: draw(JSON)})
    if kind == "respell" and isinstance(target, dict) and target:
        key = draw(st.sampled_from(sorted(target)))
        other = _camel_to_snake(key)
        keep = draw(st.booleans())
        renamed = {**({k: v for k, v in target.items() if k != key} if not keep else target), other: target[key]}
        return _set(payload, path, renamed)
    if kind == "stringify" and isinstance(target, (int, float)) and not isinstance(target, bool):
        return _set(payload, path, str(target))
    if kind == "damage" and isinstance(target, str):
        return _set(payload, path, target + draw(st.sampled_from(["\n", "*", "=", "x", " ", "é", "-0"])))
    return payload


@pytest.mark.parametrize("key", KEYS)
@given(data=st.data())
def test_schema_layer_matches_jsonschema(key: str, data: st.DataObject) -> None:
    msg = data.draw(messages(_root_type(key)), label="message")
    if key in OPERATION_KEYS:
        _operation_case(key, data)
        return
    names = data.draw(st.booleans(), label="proto names")
    payload = json_format.MessageToDict(msg, preserving_proto_field_name=names, descriptor_pool=reg.descriptor_pool)
    payload = data.draw(mutated(payload), label="payload")
    ours = compiled_for(key).schema_layer(payload)
    theirs = reference(key).is_valid(payload)
    assert theirs == (not ours), (payload, ours, [e.message for e in reference(key).iter_errors(payload)][:3])


def _operation_case(key: str, data: st.DataObject) -> None:
    method = reg.method(key.removesuffix(".Operation"))
    assert method.operation is not None
    assert method.operation.response is not None
    op = data.draw(messages("yandex.cloud.operation.Operation"), label="operation")
    op.ClearField("error")
    op.done = True
    op.response.Pack(data.draw(messages(method.operation.response), label="response"))
    payload = json_format.MessageToDict(op, descriptor_pool=reg.descriptor_pool)
    payload = data.draw(mutated(payload), label="payload")
    ours = compiled_for(key).schema_layer(payload)
    theirs = reference(key).is_valid(payload)
    assert theirs == (not ours), (payload, ours, [e.message for e in reference(key).iter_errors(payload)][:3])
