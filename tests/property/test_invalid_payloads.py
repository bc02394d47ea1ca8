"""``invalid_payloads``: what it breaks, on the contract and on a test proto with every option form.

The per-type property (exactly the expected violation for every message type of the contract) is in
``test_every_type.py``. Here:

- every service rule of ``rules/*.toml`` is broken for its type, and so is every kind of breakage (type errors,
  unknown and duplicate fields, oneofs, options, ``Any`` type URLs, content);
- on ``tests/protos/yc_test/v1/validation_forms.proto`` every ``yandex.cloud`` option form is broken, and the full
  validator built for that proto reports exactly the expected violation;
- exact payloads for three validator bugs the property tests found (a null item, a non-object payload, a
  violation under an empty map key), and a check that the strategy draws those breakages.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample
from strategy_support import documented_severities, forms_registry, violations

import yc_contracts
from yc_contracts.rules.ruleset import load_rules
from yc_contracts.testing import invalid_payloads

reg = yc_contracts.registry
RULES = load_rules(reg).rules
FORMS = "yc_test.v1.ValidationForms"
# Searching for breakages: generation only. The search maps each draw to its expected violation, so that the
# example found is printed small (a content_size breakage is a 28 MB payload).
SEARCH = settings(
    max_examples=4000,
    database=None,
    phases=[Phase.generate],
    # A search runs the strategy thousands of times and throws every draw away; the health checks exist to flag
    # slow or filtered draws in tests that use them, which a search for one branch is not.
    suppress_health_check=[HealthCheck.too_slow],
)


def reached(name: str, rules: set[str], **kwargs: Any) -> set[str]:
    """The rules of ``rules`` that invalid payloads of ``name`` break, searched for all at once: one search
    runs until each has been drawn (or gives up)."""
    seen: set[str] = set()

    def all_seen(expected: tuple[str, str]) -> bool:
        seen.add(expected[1])
        return rules <= seen

    with contextlib.suppress(NoSuchExample):
        find(invalid_payloads(name, **kwargs).map(lambda pair: pair[1]), all_seen, settings=SEARCH)
    return seen & rules


def _by_type(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for name, rule in pairs:
        out.setdefault(name, set()).add(rule)
    return out


SERVICE_RULES = _by_type((rule.message, rule.id) for rule in RULES)


def test_every_service_rule_has_a_type_to_break_it_in() -> None:
    assert sum(len(rules) for rules in SERVICE_RULES.values()) == len(RULES) == 22


@pytest.mark.parametrize("name", sorted(SERVICE_RULES))
def test_every_service_rule_is_broken(name: str) -> None:
    assert reached(name, SERVICE_RULES[name]) == SERVICE_RULES[name]


KINDS = _by_type(
    [
        ("speechkit.stt.v3.RecognizeFileRequest", "type.string"),
        ("speechkit.stt.v3.RecognizeFileRequest", "type.int64"),
        ("speechkit.stt.v3.RecognizeFileRequest", "type.enum"),
        ("speechkit.stt.v3.RecognizeFileRequest", "type.bool"),
        ("speechkit.stt.v3.RecognizeFileRequest", "type.bytes"),
        ("speechkit.stt.v3.RecognizeFileRequest", "type.message"),
        ("speechkit.stt.v3.RecognizeFileRequest", "type.repeated"),
        ("speechkit.stt.v3.RecognizeFileRequest", "type.double"),
        ("speechkit.stt.v3.RecognizeFileRequest", "json.unknown_field"),
        ("speechkit.stt.v3.RecognizeFileRequest", "json.duplicate_field"),
        ("speechkit.stt.v3.JsonSchema", "type.struct"),
        ("yandex.cloud.operation.Operation", "type.timestamp"),
        ("yandex.cloud.operation.Operation", "type.any"),
        ("yandex.cloud.operation.Operation", "any.type_url"),
        ("yandex.cloud.ai.stt.v2.WordInfo", "type.duration"),
        ("yandex.cloud.ai.stt.v2.WordInfo", "type.float"),
        ("google.rpc.Status", "type.int32"),
        ("yandex.cloud.ai.stt.v2.RecognitionAudio", "oneof.at_most_one"),
        ("yandex.cloud.ai.ocr.v1.GetRecognitionRequest", "option.required"),
        ("yandex.cloud.ai.ocr.v1.GetRecognitionRequest", "option.length"),
        ("yandex.cloud.ai.ocr.v1.RecognizeTextRequest", "content.format_mismatch"),
    ]
)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kind_of_breakage_is_drawn(name: str) -> None:
    assert reached(name, KINDS[name]) == KINDS[name]


# ------------------------------------------------------------------------------------------ every option form

FORM_RULES = {
    "option.required",
    "option.length",
    "option.bytes",
    "option.value",
    "option.pattern",
    "option.size",
    "option.unique",
    "option.map_key",
    "oneof.exactly_one",
    "oneof.at_most_one",
    "type.map",
    "type.uint64",
    "type.timestamp",
}


def test_every_option_form_is_broken() -> None:
    forms, _ = forms_registry()
    assert reached(FORMS, FORM_RULES, registry=forms) == FORM_RULES


@pytest.mark.parametrize("name", [FORMS, "yc_test.v1.Item"])
@given(data=st.data())
def test_invalid_payloads_of_every_option_form(name: str, data: st.DataObject) -> None:
    forms, validator = forms_registry()
    payload, (path, rule) = data.draw(invalid_payloads(name, registry=forms), label="invalid payload")
    assert violations(validator(name).violations(payload)) == [(path, rule, documented_severities()[rule])]


# ------------------------------------------------------------------------------------------ validator bugs

V3 = "speechkit.stt.v3.RecognizeFileRequest"
URI = "https://storage.yandexcloud.net/bucket/audio.wav"


def test_a_null_item_is_a_repeated_field_error() -> None:
    payload = {"uri": URI, "recognitionModel": {"languageRestriction": {"languageCode": ["ru-RU", None]}}}
    found = yc_contracts.check(V3, payload)
    assert violations(found) == [("/recognitionModel/languageRestriction/languageCode/1", "type.repeated", "error")]


@pytest.mark.parametrize("payload", [5, None, "null", [], '"x"'])
def test_a_payload_that_is_not_an_object_is_one_type_error(payload: Any) -> None:
    """Not also the required rule on a nested path (null found by the deep profile: a null *field* is absent,
    and its nested required fields missing, but a null payload is no object at all)."""
    found = yc_contracts.check("yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest", payload)
    assert violations(found) == [("", "type.message", "error")]
    found = yc_contracts.check("yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest", {"config": {}, "audio": None})
    assert violations(found) == [("/audio/uri", "stt.v2.audio_uri", "error")]


def _pointer_get(payload: Any, path: str) -> Any:
    for part in path.split("/")[1:]:
        payload = payload[int(part)] if isinstance(payload, list) else payload[part]
    return payload


def test_null_items_and_non_object_payloads_are_drawn() -> None:
    """The two breakages that were withheld until the validators reported them as documented."""

    def null_item(pair: tuple[Any, tuple[str, str]]) -> bool:
        (payload, (path, rule)) = pair
        return rule == "type.repeated" and path[-1:].isdigit() and _pointer_get(payload, path) is None

    payload, (path, _) = find(invalid_payloads(V3), null_item, settings=SEARCH)
    assert violations(yc_contracts.check(V3, payload)) == [(path, "type.repeated", "error")]
    v2 = "yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest"  # has a required rule on a nested path
    payload, _ = find(invalid_payloads(v2), lambda pair: pair[1] == ("", "type.message"), settings=SEARCH)
    assert not isinstance(payload, dict)
    assert violations(yc_contracts.check(v2, payload)) == [("", "type.message", "error")]


def test_a_map_value_under_an_empty_key_is_reported_at_the_entry() -> None:
    """jsonschema-rs leaves empty keys out of its error paths; the schema layer puts them back."""
    _, validator = forms_registry()
    payload = {
        "requiredString": "a",
        "requiredInt64": "1",
        "requiredEnum": "RED",
        "requiredMessage": {},
        "requiredRepeated": [{}],
        "combined": "x",
        "sourceUri": "u",
        "sizeMap": {"": "A"},
    }
    assert violations(validator(FORMS).violations(payload)) == [("/sizeMap/", "option.pattern", "error")]
