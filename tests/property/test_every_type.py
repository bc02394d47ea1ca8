"""``payloads`` and ``invalid_payloads`` for every message type of the contract.

- every valid payload (each spelling mode) passes ``check`` with no error and no warning, passes the published
  JSON Schema under the reference ``jsonschema``, and ``to_proto`` gives back the message it was made from;
  ``json_format.ParseDict`` reads the same message (except for the one form ``docs/protojson.md`` documents
  it rejecting);
- every invalid payload makes ``check`` report exactly the expected violation (path, rule id, the severity
  ``docs/rules.md`` gives the rule) and nothing else; ``validate`` raises for it exactly when that is an error.

``messages`` itself is checked for every type in ``test_messages_schema.py``.
"""

from __future__ import annotations

import pytest
from google.protobuf import json_format
from hypothesis import given
from hypothesis import strategies as st
from profiles import Examples, per_type
from schema_support import failures
from strategy_support import documented_difference, documented_severities, same_message, violations

import yc_contracts
from yc_contracts import ValidationError
from yc_contracts.testing import invalid_payloads
from yc_contracts.testing._payloads import NAMES, ObjectNode, spelled

reg = yc_contracts.registry
MESSAGES = list(reg.messages())


def test_the_contract_has_its_81_message_types() -> None:
    assert len(MESSAGES) == 81


def _keys_follow(names: str, node: ObjectNode) -> bool:
    fields = {f.name: f for f in node.desc.fields}
    if names == "json":
        return all(key == fields[name].json_name for name, key in node.keys.items())
    if names == "proto":
        return all(key == name for name, key in node.keys.items())
    return all(key in (name, fields[name].json_name) for name, key in node.keys.items())


@pytest.mark.parametrize("name", MESSAGES)
@per_type
@given(data=st.data())
def test_payloads_of_every_type(name: str, data: st.DataObject, examples: Examples) -> None:
    names = data.draw(st.sampled_from(NAMES), label="names")
    valid = data.draw(spelled(name, names=names), label="payload")
    payload = valid.payload
    assert type(valid.message) is reg.message_class(name)
    assert all(_keys_follow(names, node) for node in valid.objects)
    assert violations(yc_contracts.check(name, payload)) == [], payload
    assert failures(name, payload) == [], payload
    back = yc_contracts.to_proto(name, payload)
    assert same_message(back, valid.message), (payload, back, valid.message)
    reference = reg.message_class(name)()
    try:
        json_format.ParseDict(payload, reference, descriptor_pool=reg.descriptor_pool)
    except json_format.ParseError:
        assert documented_difference(payload), payload
    else:
        assert same_message(reference, valid.message), payload
    examples.ran()


@pytest.mark.parametrize("name", MESSAGES)
@per_type
@given(data=st.data())
def test_invalid_payloads_of_every_type(name: str, data: st.DataObject, examples: Examples) -> None:
    payload, (path, rule) = data.draw(invalid_payloads(name), label="invalid payload")
    severity = documented_severities()[rule]
    assert violations(yc_contracts.check(name, payload)) == [(path, rule, severity)], payload
    if severity == "error":
        with pytest.raises(ValidationError) as raised:
            yc_contracts.validate(name, payload)
        assert violations(list(raised.value.violations)) == [(path, rule, severity)]
    else:
        yc_contracts.validate(name, payload)  # a warning never raises
    examples.ran()
