"""Issue 13: a payload takes one way through validation: ``to_proto`` loads and scans it once, then hands the
loaded value on (:meth:`Compiled.load`, :meth:`Compiled.violations_of_loaded`), however many passes it runs."""

from __future__ import annotations

from typing import Any

import pytest

import yc_contracts
from yc_contracts.validation import payload as _payload
from yc_contracts.validation.validator import compiled_for
from yc_contracts.validation.violations import ValidationError

V3 = "speechkit.stt.v3.RecognizeFileRequest"
URI = "https://storage.yandexcloud.net/bucket/audio.wav"

PAYLOADS: list[Any] = [
    {"uri": URI},
    {"uri": 5, "bogus": 1},
    {"content": "AAAA", "uri": URI},
    {"content": "not base64!", "recognitionModel": {"audioFormat": {"containerAudio": {}}}},
    {"uri": URI, "recognitionModel": {"model": float("nan")}},
    {"uri": "\ud800"},
    {"uri": URI, "hints": {1, 2}},
    '{"uri": "' + URI + '"}',
    b'{"uri": 5}',
    '{"uri": 1, "uri": 2}',
    "not json",
    None,
    [],
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_violations_of_a_loaded_payload_are_those_of_the_payload(payload: Any) -> None:
    compiled = compiled_for(V3)
    scanned = compiled.load(payload)
    for alphabet in (False, True):
        expected = compiled.violations(payload, alphabet=alphabet, max_violations=2)
        assert compiled.violations_of_loaded(scanned, alphabet=alphabet, max_violations=2) == expected
    # The scanned payload is not used up: asked again, it says the same.
    assert (
        compiled.violations_of_loaded(scanned) == compiled.violations_of_loaded(scanned) == compiled.violations(payload)
    )


def test_violations_of_loaded_checks_the_cap() -> None:
    compiled = compiled_for(V3)
    with pytest.raises(ValueError, match="max_violations"):
        compiled.violations_of_loaded(compiled.load({"uri": URI}), max_violations=0)


def _counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    calls: list[int] = []
    original = getattr(_payload, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(_payload, name, counted)
    return calls


@pytest.mark.parametrize(
    "payload",
    [
        {"uri": URI},
        '{"uri": "' + URI + '"}',
        {"uri": URI, "content": "AAAA"},  # both: the second pass runs, on the same loaded value
        {"content": "A" * 100_000 + "!", "recognitionModel": {"audioFormat": {"containerAudio": {}}}},
    ],
    ids=["dict", "text", "invalid", "bad-base64"],
)
def test_to_proto_loads_and_scans_a_payload_once(monkeypatch: pytest.MonkeyPatch, payload: Any) -> None:
    loads = _counting(monkeypatch, "load_text")
    scans = _counting(monkeypatch, "plain_json_large")
    try:
        yc_contracts.to_proto(V3, payload)
        raised: tuple[Any, ...] | None = None
    except ValidationError as e:
        raised = tuple(e.violations)
    assert len(scans) == 1
    assert len(loads) == (1 if isinstance(payload, str) else 0)
    # Same verdict as check(): the error-severity violations, or none.
    errors = tuple(v for v in yc_contracts.check(V3, payload) if v.severity == "error")
    assert raised == (errors or None)
