"""Base64 through pybase64 (SIMD) gives the verdicts and bytes the standard library's strict decoder gives.

The converters decode ``bytes`` fields with ``pybase64.b64decode(validate=True)`` and the validators check a long
string's alphabet by decoding it a chunk at a time; both took ``binascii.a2b_base64(strict_mode=True)`` and a
``translate`` pass before, 20-30x slower. These tests hold the new paths to the old ones on drawn text, so the
verdicts of ``check``, ``to_proto`` and ``transcode`` cannot move.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import yc_contracts
from yc_contracts.conversion import protojson
from yc_contracts.conversion.protojson import ConversionError
from yc_contracts.validation import base64_text

V3 = "speechkit.stt.v3.RecognizeFileRequest"

# Base64 characters of both alphabets, padding, and a few that are neither (ASCII and not).
_CHARS = st.sampled_from([*"AQgw+/-_=", "A", "Z", "a", "z", "0", "9", " ", "\n", "*", ".", "é", "\x00"])
_TEXT = st.lists(_CHARS, max_size=24).map("".join)


def _strict(text: str) -> bytes | None:
    """The old decode: ProtoJSON's padding rules, then the standard library's strict decoder (None: refused)."""
    if "-" in text or "_" in text:
        text = text.translate(str.maketrans("-_", "+/"))
    padding = len(text[-4:]) - len(text[-4:].rstrip("="))
    body = len(text) - padding
    if padding and (padding > 2 or body % 4 == 1 or padding != -body % 4):
        return None
    if len(text) % 4:
        text = text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4)
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except ValueError:
        return None


def _ours(text: str) -> bytes | None:
    try:
        decoded: bytes = protojson._to_bytes(text, [])
    except ConversionError:
        return None
    return decoded


@settings(max_examples=2000, deadline=None)
@given(text=_TEXT)
@example("AAAA====")
@example("AA==AA==")
@example("AB==")
@example("ÄAAA")
@example("-_-_")
@example("+/-_")
def test_bytes_fields_decode_as_the_strict_decoder_does(text: str) -> None:
    assert _ours(text) == _strict(text)


def _exact(text: str, **kw: Any) -> base64_text.Base64Text:
    with mock.patch.object(base64_text, "_standard_alphabet", return_value=False):
        return base64_text.inspect(text, **kw)


@settings(max_examples=2000, deadline=None)
@given(text=_TEXT, long=st.booleans())
def test_the_simd_alphabet_check_says_what_the_exact_one_says(text: str, long: bool) -> None:
    if long:  # across chunk boundaries: a bad character placed after the first chunk
        text = "AAAA" * (base64_text.CHUNK // 4) + text
    assert base64_text.inspect(text) == _exact(text)


@pytest.mark.parametrize("where", [0, base64_text.CHUNK - 1, base64_text.CHUNK, 3 * base64_text.CHUNK - 2])
@pytest.mark.parametrize("bad", ["*", "=", "-"])
def test_a_bad_character_anywhere_in_a_long_string(where: int, bad: str) -> None:
    text = "A" * (3 * base64_text.CHUNK) + "AAAA"
    text = text[:where] + bad + text[where + 1 :]
    found = base64_text.inspect(text)
    assert found == _exact(text)
    assert found.valid is (bad == "-")  # the URL-safe alphabet is base64 too


def test_a_large_content_through_every_surface() -> None:
    data = bytes(range(256)) * (3 << 12)  # 3 MiB
    payload = {"content": base64.b64encode(data).decode(), "recognitionModel": {"audioFormat": {"rawAudio": {}}}}
    assert [v.rule for v in yc_contracts.check(V3, payload) if v.severity == "error"] == []
    assert yc_contracts.to_proto(V3, payload).content == data
    payload["content"] = payload["content"][:1000] + "*" + payload["content"][1001:]
    [violation] = [v for v in yc_contracts.check(V3, payload) if v.severity == "error"]
    assert (violation.path, violation.rule) == ("/content", "type.bytes")
    assert "'*'" in violation.message
    with pytest.raises(ConversionError, match="not base64"):
        yc_contracts.to_proto(V3, payload, validate=False)
