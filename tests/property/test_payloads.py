"""``payloads``: every spelling ProtoJSON allows is drawn, and payloads of a registry built from other protos
are valid too.

The per-type property (valid, schema-valid, ``to_proto`` gives the message back) for every message type of the
contract is in ``test_every_type.py``.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from typing import Any

import pytest
from google.protobuf import descriptor, json_format
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample
from strategy_support import documented_difference, forms_registry, same_message, violations

import yc_contracts
from yc_contracts import Registry
from yc_contracts.testing import payloads
from yc_contracts.testing._payloads import NAMES, Spelled, spelled

reg = yc_contracts.registry
FD = descriptor.FieldDescriptor
INT64 = {FD.TYPE_INT64, FD.TYPE_UINT64, FD.TYPE_SINT64, FD.TYPE_SFIXED64, FD.TYPE_FIXED64}
INT32 = {FD.TYPE_INT32, FD.TYPE_UINT32, FD.TYPE_SINT32, FD.TYPE_SFIXED32, FD.TYPE_FIXED32}
FLOATS = {FD.TYPE_FLOAT, FD.TYPE_DOUBLE}
FORMS = "yc_test.v1.ValidationForms"
SEARCH = settings(
    max_examples=3000,
    database=None,
    derandomize=True,  # the same search every run: a coverage check must not pass or fail by luck
    phases=[Phase.generate],
    # A search throws every draw away; the health checks are for tests that use the draws.
    suppress_health_check=[HealthCheck.too_slow],
)


def _values(valid: Spelled) -> list[tuple[descriptor.FieldDescriptor, Any]]:
    """Every (field, JSON value) of the payload's objects: items of repeated fields, values of maps."""
    out = []
    for node in valid.objects:
        for field in node.desc.fields:
            if not node.present(field):
                continue
            value = node.value[node.keys[field.name]]
            element = field.message_type.fields_by_name["value"] if _is_map(field) else field
            items = value.values() if _is_map(field) else value if field.is_repeated else [value]
            out += [(element, item) for item in items]
    return out


def _is_map(field: descriptor.FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def _kind(field: descriptor.FieldDescriptor) -> int | str:
    target = field.message_type
    if target is None:
        return field.type
    if target.full_name.endswith("Value") and target.full_name != "google.protobuf.Value":
        return target.fields_by_name["value"].type  # a wrapper is spelled like its value
    return target.full_name


def _spellings(valid: Spelled) -> set[str]:
    """The spellings a payload uses, by name."""
    found: set[str] = set()
    for field, value in _values(valid):
        kind = _kind(field)
        if kind in INT64 and isinstance(value, int):
            found.add("int64 as a number")
        if kind in INT64 and isinstance(value, str):
            found.add("int64 as a string")
        if kind in INT32 and isinstance(value, str):
            found.add("int32 as a string")
        if kind == FD.TYPE_ENUM and isinstance(value, int):
            found.add("enum by number")
        if kind in FLOATS and isinstance(value, str):
            found.add(value if value in ("NaN", "Infinity", "-Infinity") else "float as a string")
            if "e" in value.lower() and value not in ("NaN", "Infinity", "-Infinity"):
                found.add("float with an exponent")
        if kind in FLOATS and isinstance(value, int):
            found.add("float as an integer")
        if kind == FD.TYPE_BYTES and isinstance(value, str):
            found.add("URL-safe base64" if "-" in value or "_" in value else "standard base64")
            if len(value) % 4:
                found.add("base64 without padding")
        if kind == "google.protobuf.Timestamp" and not value.endswith("Z"):
            found.add("timestamp with an offset")
        if kind in ("google.protobuf.Timestamp", "google.protobuf.Duration") and ".000" in value:
            found.add("fraction digits padded")
    for node in valid.objects:
        if node.nulls:
            found.add("null")
        for name in node.defaults:
            given = node.value[node.keys[name]]
            found.add("empty array for an absent field" if given == [] else "default for an absent field")
        if any(key == name != node.desc.fields_by_name[name].json_name for name, key in node.keys.items()):
            found.add("proto name")
    if "/google.protobuf.Empty', 'value': {}" in repr(valid.payload):
        found.add("Empty as value")
    return found


def search(strategy: Any, wanted: set[str], spellings: Callable[[Any], set[str]]) -> set[str]:
    seen: set[str] = set()

    def all_seen(valid: Any) -> bool:
        seen.update(spellings(valid))
        return wanted <= seen

    with contextlib.suppress(NoSuchExample):
        find(strategy, all_seen, settings=SEARCH)
    return seen & wanted


SPELLINGS: list[tuple[str, set[str], Callable[[], Registry]]] = [
    (
        "yandex.cloud.ai.stt.v2.WordInfo",
        {"float as a string", "float as an integer", "NaN", "Infinity", "-Infinity", "fraction digits padded"},
        lambda: reg,
    ),
    (
        "yandex.cloud.operation.Operation",
        {"timestamp with an offset", "Empty as value", "null", "proto name"},
        lambda: reg,
    ),
    (
        "speechkit.stt.v3.RecognizeFileRequest",
        {"enum by number", "URL-safe base64", "base64 without padding"},
        lambda: reg,
    ),
    (
        FORMS,
        {
            "int64 as a number",
            "int64 as a string",
            "int32 as a string",
            "enum by number",
            "standard base64",
            "float with an exponent",
            "default for an absent field",
            "empty array for an absent field",
        },
        lambda: forms_registry()[0],
    ),
    (
        # Its only float field is bounded by stt.v3.quantile_range: rules compare strings by value (issue 12).
        "speechkit.stt.v3.SpeechAnalysisOptions",
        {
            "float as a string",
            "float with an exponent",
            "default for an absent field",
            "empty array for an absent field",
        },
        lambda: reg,
    ),
]


@pytest.mark.parametrize(("name", "wanted", "registry"), SPELLINGS, ids=[n.rsplit(".", 1)[1] for n, _, _ in SPELLINGS])
def test_every_spelling_is_drawn(name: str, wanted: set[str], registry: Callable[[], Registry]) -> None:
    strategy = spelled(name, names="mixed", registry=registry())
    assert search(strategy, wanted, _spellings) == wanted


@pytest.mark.parametrize("names", NAMES)
@given(data=st.data())
def test_payloads_of_every_option_form(names: str, data: st.DataObject) -> None:
    forms, validator = forms_registry()
    valid = data.draw(spelled(FORMS, names=names, registry=forms))  # type: ignore[arg-type]
    assert violations(validator(FORMS).violations(valid.payload)) == [], valid.payload
    parsed = forms.message_class(FORMS)()
    try:
        json_format.ParseDict(valid.payload, parsed, descriptor_pool=forms.descriptor_pool)
    except json_format.ParseError:
        assert documented_difference(valid.payload), valid.payload
    else:
        assert same_message(parsed, valid.message, forms)


@settings(max_examples=10)
@given(payloads("yandex.cloud.operation.GetOperationRequest", names="proto"))
def test_the_public_strategy_draws_dicts(payload: Any) -> None:
    assert set(payload) <= {"operation_id"}
    assert yc_contracts.check("yandex.cloud.operation.GetOperationRequest", payload) == []


@given(payloads("google.protobuf.Duration"), payloads("google.protobuf.Any"))
def test_well_known_roots_have_their_own_json_form(duration: Any, packed: Any) -> None:
    assert isinstance(duration, str)
    assert duration.endswith("s")
    assert isinstance(packed, dict)
    assert "@type" in packed


def test_nan_is_only_drawn_where_no_bound_forbids_it() -> None:
    """``SpeechAnalysisOptions.descriptive_statistics_quantiles`` is bounded by a rule to (0, 1): no NaN, no
    infinity (its values are drawn as numbers and decimal strings, see ``test_every_spelling_is_drawn``)."""

    def special(valid: Spelled) -> bool:
        quantiles = valid.message.descriptive_statistics_quantiles  # type: ignore[attr-defined]
        return any(math.isnan(q) or math.isinf(q) for q in quantiles)

    with pytest.raises(NoSuchExample):
        find(spelled("speechkit.stt.v3.SpeechAnalysisOptions"), special, settings=settings(SEARCH, max_examples=300))
