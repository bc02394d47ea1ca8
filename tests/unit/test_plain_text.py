"""``payload.plain_text``: judging from JSON text alone that what it parses to is plain JSON.

The transcoder and the validators take this short way for JSON text instead of serializing the parsed value once
more (for a 20 MiB request that was 27 MB of ``orjson`` output and two passes over it). It may say "maybe not"
too often, never "plain" wrongly: whatever it vouches for, :func:`payload.scan` finds nothing in.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yc_contracts
from yc_contracts.validation import payload as _payload

V3_ROUTE = "/stt/v3/recognizeFileAsync"

# JSON texts built from pieces that matter here: escapes (of surrogates too), non-ASCII, brackets in strings.
_PIECES = st.sampled_from(["a", "\\ud800", "\\uDBFF\\uDC00", "\\udfff", "\\u00e9", "\\\\ud800", "é", "{", "[", "\\n"])
_STRINGS = st.lists(_PIECES, max_size=6).map(lambda parts: '"' + "".join(parts) + '"')
_SCALARS = st.one_of(_STRINGS, st.sampled_from(["1", "-0.5", "true", "null", "123456789012345678901234567890"]))


def _nest(depth: int, inner: str) -> str:
    return "[" * depth + inner + "]" * depth


_TEXTS = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda items: "[" + ",".join(items) + "]"),
        st.lists(st.tuples(_STRINGS, inner), max_size=3).map(
            lambda pairs: "{" + ",".join(f"{k}:{v}" for k, v in pairs) + "}"
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(text=_TEXTS, depth=st.sampled_from([0, 1, 200, 252, 253, 254, 300]), as_bytes=st.booleans())
def test_what_it_vouches_for_the_scan_finds_nothing_in(text: str, depth: int, as_bytes: bool) -> None:
    data: str | bytes = _nest(depth, text)
    if as_bytes:
        data = data.encode("utf-8", "surrogatepass")
    loaded = _payload.load_text(data)
    if loaded.violations:
        return  # not JSON at all; nothing is parsed for plain_text to vouch for
    for plain in _payload.plain_text(data), _payload.plain_text(data, loaded.value):
        if plain is not None:
            assert _payload.scan(loaded.value) == []
            assert plain.size == len(data)


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ('{"uri": "x"}', True),
        ('{"uri": "\\u00e9"}', True),  # an escape, but not of a surrogate
        ('{"uri": "\\ud800"}', False),  # a lone surrogate, spelt as an escape
        ('{"uri": "\\uDBFF\\uDC00"}', False),  # a pair is fine, but the cheap look cannot tell pairs apart
        ('{"uri": "\\\\ud800"}', False),  # a backslash and "ud800": conservative, the scan decides
        ('{"uri": "é"}', True),
        (_nest(254, "1"), True),
        (_nest(255, "1"), False),
    ],
)
def test_the_cheap_look_at_the_text(text: str, plain: bool) -> None:
    assert (_payload.plain_text(text.encode()) is not None) is plain
    if text.isascii():
        assert (_payload.plain_text(text) is not None) is plain
    else:
        assert _payload.plain_text(text) is None  # a non-ASCII str may hold lone surrogate characters


@pytest.mark.parametrize("depth", [1, 100, 254, 255, 300])
def test_nesting_from_the_value_or_from_the_brackets(depth: int) -> None:
    """With the parsed value, a few items are walked to measure the nesting (brackets inside strings do not
    count); with many, or without the value, the text's brackets bound it."""
    text = _nest(depth, '"[[[["')
    value = json.loads(text)
    by_value = _payload.plain_text(text, value)
    assert (by_value is not None) is (depth <= _payload.MAX_DEPTH)
    if by_value is not None:
        assert by_value.containers == depth
    # the text alone: the four brackets inside the string count too
    assert (_payload.plain_text(text) is not None) is (depth + 4 <= _payload.MAX_DEPTH)
    wide = "[" + ",".join(["[1]"] * 5000) + "]"  # past the walk's budget: the 5,001 brackets decide
    assert _payload.plain_text(wide, json.loads(wide)) is None
    flat = "[" + ",".join(["1"] * 5000) + "]"
    assert _payload.plain_text(flat, json.loads(flat)) == (len(flat), 1)


def test_a_str_with_a_lone_surrogate_character_is_not_vouched_for() -> None:
    assert _payload.plain_text('{"uri": "\ud800"}') is None
    assert _payload.plain_text(memoryview(b'{"uri": "x"}')) is None  # not looked at: the slow way decides


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        (b'{"uri": "\\ud800"}', "json.surrogate"),
        (_nest(300, "1").encode(), "json.too_deep"),
    ],
    ids=["surrogate", "too-deep"],
)
def test_the_transcoder_still_reports_what_the_text_hides(body: bytes, rule: str) -> None:
    with pytest.raises(yc_contracts.BadRequestError) as raised:
        yc_contracts.transcode("POST", V3_ROUTE, body=body)
    assert rule in {v.rule for v in raised.value.violations}


def test_a_large_body_is_not_serialized_again(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    original = _payload.plain_json

    def counted(value: Any, **kwargs: Any) -> Any:
        calls.append(len(json.dumps(value)))
        return original(value, **kwargs)

    monkeypatch.setattr(_payload, "plain_json", counted)
    body = json.dumps({"content": "A" * 4_000_000}).encode()
    call = yc_contracts.transcode("POST", V3_ROUTE, body=body)
    assert len(call.request.content) == 3_000_000
    # Only small views (the content left out) are serialized, never the whole body.
    assert calls
    assert all(size < 1_000 for size in calls)
