"""Server streams (OCR and STT v3 GetRecognition) through NDJSON, grpc-gateway envelopes and JSON arrays."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import yc_contracts
from yc_contracts.testing import messages

reg = yc_contracts.registry
STREAMED = sorted({m.output_type for m in reg.methods() if m.server_streaming and m.routes})


def test_the_streamed_types() -> None:
    assert STREAMED == ["speechkit.stt.v3.StreamingResponse", "yandex.cloud.ai.ocr.v1.RecognizeTextResponse"]


@pytest.mark.parametrize("name", STREAMED)
@given(data=st.data())
def test_stream_round_trips(name: str, data: st.DataObject) -> None:
    stream = data.draw(st.lists(messages(name), max_size=4), label="stream")
    plain = "".join(yc_contracts.to_ndjson(stream))
    enveloped = "".join(yc_contracts.to_ndjson(stream, envelope=True))
    array = json.dumps([yc_contracts.to_rest(m) for m in stream])
    for text in (plain, enveloped, array, plain.encode()):
        back = yc_contracts.from_stream(name, text)
        assert [yc_contracts.to_rest(m) for m in back] == [yc_contracts.to_rest(m) for m in stream]
    assert plain.count("\n") == len(stream)
