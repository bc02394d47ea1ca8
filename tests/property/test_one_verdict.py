"""One verdict across every surface, for every message type of the contract (issue 12).

For a payload ``p`` of type ``T``:

- E: ``check(T, p)`` reports no error;
- P: ``to_proto(T, p)`` builds a message (and ``to_json`` of it prints, and reads back as an equal message);
- R: ``transcode`` accepts ``p`` as the body of each route whose body is a ``T``;
- J: ``json_format.ParseDict(p, T())`` accepts ``p``.

E ⇔ P ⇔ R always; P ⇒ J except where ``docs/protojson.md`` says we accept more (and then J accepts once the
documented form is spelled its way); J ∧ ¬E only where every error is one the page (or a contract rule of
``docs/rules.md``) says we reject on purpose, read from the violation's rule id and the value it points at. No
surface raises anything it does not document. Payloads: valid ones (``payloads``), invalid ones
(``invalid_payloads``) and valid ones mutated into the spellings implementations disagree on
(``verdict_support.mutated_payloads``); the ``examples`` fixture counts them per type.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from profiles import Examples, per_type
from verdict_support import (
    Verdict,
    body_routes,
    catalogue_fields,
    catalogue_payloads,
    chain_problems,
    mutated_payloads,
    verdict,
)

import yc_contracts
from yc_contracts import Violation
from yc_contracts.testing import invalid_payloads, payloads
from yc_contracts.testing._payloads import NAMES

MESSAGES = list(yc_contracts.registry.messages())


def _assert_one_verdict(name: str, payload: object) -> None:
    result = verdict(name, payload)
    problems = chain_problems(result)
    assert not problems, "\n".join([result.summary(), *problems])


@pytest.mark.parametrize("name", MESSAGES)
@per_type
@given(data=st.data())
def test_one_verdict_on_valid_payloads(name: str, data: st.DataObject, examples: Examples) -> None:
    names = data.draw(st.sampled_from(NAMES), label="names")
    payload = data.draw(payloads(name, names=names), label="payload")
    result = verdict(name, payload)
    assert result.valid, result.summary()
    problems = chain_problems(result)
    assert not problems, "\n".join([result.summary(), *problems])
    examples.ran()


@pytest.mark.parametrize("name", MESSAGES)
@per_type
@given(data=st.data())
def test_one_verdict_on_invalid_payloads(name: str, data: st.DataObject, examples: Examples) -> None:
    payload, _ = data.draw(invalid_payloads(name), label="invalid payload")
    _assert_one_verdict(name, payload)
    examples.ran()


@pytest.mark.parametrize("name", MESSAGES)
@per_type
@given(data=st.data())
def test_one_verdict_on_mutated_payloads(name: str, data: st.DataObject, examples: Examples) -> None:
    payload = data.draw(mutated_payloads(name), label="mutated payload")
    _assert_one_verdict(name, payload)
    examples.ran()


def test_the_routes_with_a_body_are_checked() -> None:
    """R is asserted for the request types of the POST routes (the others take no body)."""
    with_body = sorted(name for name in MESSAGES if body_routes(name))
    assert with_body == [
        "speechkit.stt.v3.RecognizeFileRequest",
        "yandex.cloud.ai.ocr.v1.RecognizeTextRequest",
        "yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest",
    ]


CATALOGUE = catalogue_fields()


@pytest.mark.parametrize("kind", list(CATALOGUE))
def test_one_verdict_on_the_hostile_catalogue(kind: str) -> None:
    """Every hostile spelling of the catalogue, for every field of every message type, by kind (exhaustive, so
    the rare spellings the mutations draw only now and then are always checked)."""
    failures = []
    for name, field in CATALOGUE[kind]:
        for payload in catalogue_payloads(field):
            result = verdict(name, payload)
            failures += [f"{result.summary()}\n  {problem}" for problem in chain_problems(result)]
    assert not failures, "\n".join(failures)


_URI = "https://storage.yandexcloud.net/bucket/call.wav"
_VALUE = "type.googleapis.com/google.protobuf.Value"


@pytest.mark.parametrize(
    ("name", "payload", "valid"),
    [
        # issue 12, cause 1: a lone surrogate next to a schema error
        ("speechkit.stt.v3.RecognizeFileRequest", {"uri": "\ud800", "bogus": 1}, False),
        # cause 3: an integer beyond float range in a Struct, and in an Any(Value)
        ("speechkit.stt.v3.JsonSchema", {"schema": {"a": 10**400}}, False),
        ("yandex.cloud.operation.Operation", {"done": True, "response": {"@type": _VALUE, "value": 10**400}}, False),
        # cause 4: a timestamp its offset moves out of 0001-9999
        ("yandex.cloud.operation.Operation", {"createdAt": "9999-12-31T23:59:59-23:59"}, False),
        # cause 5: an enum given as an integral float is its number
        ("speechkit.stt.v3.DefaultEouClassifier", {"type": 1.0}, True),
        # wrong verdicts: quantiles spelled as strings are compared by value
        (
            "speechkit.stt.v3.RecognizeFileRequest",
            {"uri": _URI, "speechAnalysis": {"descriptiveStatisticsQuantiles": ["0.5", "0.9"]}},
            True,
        ),
        ("speechkit.stt.v3.RecognizeFileRequest", {"uri": _URI, "speechAnalysis": {"enableSpeakerAnalysis": 1}}, False),
        # wrong verdicts: type-level strictness json_format does not share (documented in docs/protojson.md)
        ("yandex.cloud.ai.ocr.v1.Picture", {"boundingBox": []}, False),
        ("yandex.cloud.ai.ocr.v1.Picture", {"boundingBox": ""}, False),
        ("yandex.cloud.ai.stt.v2.WordInfo", {"startTime": " 5.185s"}, False),
        ("yandex.cloud.operation.Operation", {"createdAt": "2026-11-20T10:00:00+24:00"}, False),
    ],
)
def test_one_verdict_on_the_issue_examples(name: str, payload: object, valid: bool) -> None:
    result = verdict(name, payload)
    assert result.valid == valid, result.summary()
    problems = chain_problems(result)
    assert not problems, "\n".join([result.summary(), *problems])


def test_the_chain_fails_on_every_kind_of_disagreement() -> None:
    """The checker itself: each disagreement the page does not document is reported (so a green run means one
    verdict, not a checker that lets everything through)."""
    name = "yandex.cloud.operation.Operation"
    payload = {"createdAt": "2026-11-20T10:00:00Z"}
    message = yc_contracts.to_proto(name, payload)
    wrong = Violation("/createdAt", "type.timestamp", "found …", "error")
    # J accepts, we reject a canonical timestamp: no row of docs/protojson.md says so
    stricter = Verdict(name, payload, [wrong], refused=[wrong], reference=message)
    assert any("undocumented strictness: type.timestamp" in p for p in chain_problems(stricter))
    # we accept, J refuses, and the payload has none of the documented looser forms
    looser = Verdict(name, payload, [], built=message, reference_error="ParseError")
    assert any("we accept what json_format refuses" in p for p in chain_problems(looser))
    # check and to_proto disagree; transcode disagrees with check; to_proto gives another reason
    body = "yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest"
    split = Verdict(body, {}, [], refused=[wrong], reference=message, transcoded={"POST /x": False})
    problems = chain_problems(split)
    assert any("check accepts but to_proto refuses" in p for p in problems)
    assert any("transcode POST /x rejects" in p for p in problems)
    other = Violation("/done", "type.bool", "found …", "error")
    reasons = Verdict(name, payload, [other], refused=[wrong])
    assert any("to_proto reports what check does not" in p for p in chain_problems(reasons))
