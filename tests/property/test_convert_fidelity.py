"""Converters against protobuf's json_format, for every message type: round trips and a differential test.

- proto → ``to_rest`` equals ``json_format.MessageToDict`` (JSON names, proto names, with defaults);
- REST → ``to_proto`` → proto is the identity on canonical payloads, byte for byte;
- on mutated payloads: wherever ``json_format.ParseDict`` rejects, ``to_proto`` rejects; wherever both accept,
  the messages serialize to the same bytes. The places where we accept what ParseDict rejects are listed in
  ``docs/protojson.md`` and recognised below by name.
"""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf import json_format
from hypothesis import given
from hypothesis import strategies as st
from test_differential import KEYS, OPERATION_KEYS, mutated

import yc_contracts
from yc_contracts import ConversionError, ValidationError
from yc_contracts.testing import messages

reg = yc_contracts.registry
MESSAGES = list(reg.messages())


def _reference(payload: Any, name: str) -> Any:
    return json_format.ParseDict(payload, reg.message_class(name)(), descriptor_pool=reg.descriptor_pool)


@pytest.mark.parametrize("name", MESSAGES)
@given(data=st.data())
def test_to_rest_matches_message_to_dict(name: str, data: st.DataObject) -> None:
    msg = data.draw(messages(name))
    pool = reg.descriptor_pool
    assert yc_contracts.to_rest(msg) == json_format.MessageToDict(msg, descriptor_pool=pool)
    assert yc_contracts.to_rest(msg, names="proto") == json_format.MessageToDict(
        msg, descriptor_pool=pool, preserving_proto_field_name=True
    )
    assert yc_contracts.to_rest(msg, defaults=True) == json_format.MessageToDict(
        msg, descriptor_pool=pool, always_print_fields_with_no_presence=True
    )


@pytest.mark.parametrize("name", MESSAGES)
@given(data=st.data())
def test_round_trip_is_the_identity(name: str, data: st.DataObject) -> None:
    msg = data.draw(messages(name))
    for names in ("json", "proto"):
        rest = yc_contracts.to_rest(msg, names=names)
        back = yc_contracts.to_proto(name, rest, inspect_content=False)
        assert yc_contracts.to_rest(back, names=names) == rest  # REST → proto → REST: canonical form
        if not _packs_a_map(msg):  # an Any's bytes keep whatever map order its packer used
            assert back.SerializeToString(deterministic=True) == msg.SerializeToString(deterministic=True)
            assert back == msg
    again = yc_contracts.to_proto(name, yc_contracts.to_json(msg), inspect_content=False)
    assert yc_contracts.to_rest(again) == yc_contracts.to_rest(msg)


def _packs_a_map(msg: Any) -> bool:
    """Whether an Any in ``msg`` packs JSON values (Struct, Value, ListValue or a type holding them)."""
    text = str(msg)
    return any(f"google.protobuf.{t}" in text for t in ("Struct", "Value", "ListValue")) or "JsonSchema" in text


def _documented_difference(payload: Any) -> bool:
    """Inputs where we accept what json_format rejects, on purpose (docs/protojson.md)."""
    text = repr(payload)
    return "google.protobuf.Empty', 'value'" in text or "3.4028235e+38" in text


@pytest.mark.parametrize("key", KEYS)
@given(data=st.data())
def test_differential_against_parse_dict(key: str, data: st.DataObject) -> None:
    name = "yandex.cloud.operation.Operation" if key in OPERATION_KEYS else key
    msg = data.draw(messages(name), label="message")
    names = data.draw(st.booleans(), label="proto names")
    payload = json_format.MessageToDict(msg, preserving_proto_field_name=names, descriptor_pool=reg.descriptor_pool)
    payload = data.draw(mutated(payload), label="payload")
    try:
        reference = _reference(payload, name)
    except (json_format.ParseError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        reference = None
    try:
        ours = yc_contracts.to_proto(key, payload, inspect_content=False)
    except ValidationError:
        ours = None
    if reference is None:
        assert ours is None or _documented_difference(payload), ("json_format rejects, we accept", payload)
    elif ours is not None:
        assert yc_contracts.to_rest(ours) == json_format.MessageToDict(reference, descriptor_pool=reg.descriptor_pool)
        if not _packs_a_map(ours):  # an Any's bytes keep whatever map order its packer used
            assert ours.SerializeToString(deterministic=True) == reference.SerializeToString(deterministic=True), (
                payload
            )


def test_validate_false_still_rejects_what_cannot_be_converted() -> None:
    with pytest.raises(ConversionError):
        yc_contracts.to_proto("speechkit.stt.v3.RecognizeFileRequest", {"uri": 5}, validate=False)
    with pytest.raises(ConversionError):
        yc_contracts.to_proto("speechkit.stt.v3.RecognizeFileRequest", {"unknown": 5}, validate=False)
    with pytest.raises(ConversionError):
        yc_contracts.to_proto("yandex.cloud.ai.stt.v2.WordInfo", {"startTime": "PT1S"}, validate=False)
