"""``yc_contracts.testing`` as a public surface: what it exports, ``st.from_type`` for the contract's message
classes, and arguments that are wrong from the start (rejected when the strategy is created)."""

from __future__ import annotations

import dataclasses
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

import yc_contracts
from yc_contracts import UnknownNameError, testing
from yc_contracts.testing import http_requests, invalid_payloads, messages, payloads

reg = yc_contracts.registry
V3 = "speechkit.stt.v3.RecognizeFileRequest"


def test_exported_members() -> None:
    assert testing.__all__ == ["http_requests", "invalid_payloads", "messages", "payloads"]
    assert {name for name in dir(testing) if not name.startswith("_")} >= set(testing.__all__)


@pytest.mark.parametrize("name", reg.messages())
def test_from_type_draws_messages_of_every_class(name: str) -> None:
    cls = reg.message_class(name)

    @settings(max_examples=3, database=None)
    @given(st.from_type(cls))
    def check(msg: Any) -> None:
        assert type(msg) is cls
        assert yc_contracts.check(name, msg) == []

    check()


Job = dataclasses.make_dataclass(
    "Job", [("request", reg.message_class(V3)), ("operation", reg.message_class("yandex.cloud.operation.Operation"))]
)


@settings(max_examples=5)
@given(st.builds(Job))
def test_builds_infers_messages_from_annotations(job: Any) -> None:
    assert job.request.HasField("uri") != job.request.HasField("content")
    assert type(job.operation) is reg.message_class("yandex.cloud.operation.Operation")


@pytest.mark.parametrize(
    "make",
    [
        lambda: payloads("speechkit.stt.v3.RecognizeFileRequets"),
        lambda: invalid_payloads("speechkit.stt.v3.RecognizeFileRequets"),
        lambda: messages("speechkit.stt.v3.RecognizeFileRequets"),
    ],
    ids=["payloads", "invalid_payloads", "messages"],
)
def test_an_unknown_message_is_reported_when_the_strategy_is_created(make: Any) -> None:
    with pytest.raises(UnknownNameError, match=r"did you mean 'speechkit\.stt\.v3\.RecognizeFileRequest'"):
        make()


def test_bad_arguments_are_reported_when_the_strategy_is_created() -> None:
    with pytest.raises(ValueError, match="names must be 'json', 'proto' or 'mixed', not 'camel'"):
        payloads(V3, names="camel")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected a message full name"):
        payloads(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"registry must be a yc_contracts\.Registry"):
        invalid_payloads(V3, registry="yc_contracts.registry")  # type: ignore[arg-type]
    with pytest.raises(UnknownNameError, match="unknown route 'POST /stt/v3/recognize'"):
        http_requests("POST /stt/v3/recognize")


def test_strategies_are_built_once() -> None:
    assert payloads(V3) is not None
    from yc_contracts.testing._payloads import spelled

    assert spelled(V3, names="mixed") is spelled(reg.message_class(V3), names="mixed")
    assert invalid_payloads(V3) is invalid_payloads(reg.message_class(V3))
