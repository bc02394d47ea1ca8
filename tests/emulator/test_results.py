"""Generated results: valid against the contract for any valid request, deterministic (same seed and request, same
results — whatever the request's JSON spelling; another seed, other results), shaped by the request (audio
channels, languages, PDF pages, image size), and as large as ``result_size`` asks, quickly.

What a user depends on: the results their code parses are the contract's own types (a client that accepts them
accepts the real service's), a test that runs twice sees the same text, a stereo recording gives two channels, a
three-page PDF three pages, and ``result_size`` puts one message above gRPC's 4 MiB receive limit.

The property tests draw requests from ``yc_contracts.testing.payloads`` (valid requests in every spelling ProtoJSON
allows); the end-to-end tests run a real emulator on loopback with real gRPC and HTTP clients, every call timed out.
"""

from __future__ import annotations

import base64
import io
import json
import statistics
import struct
import time
import wave
from collections.abc import Callable
from typing import Any

import grpc
import httpx
import pytest
from emulator.clients import (
    AUTH_HEADERS,
    CALL_TIMEOUT,
    OCR_GET,
    OCR_RECOGNIZE,
    OCR_SYNC,
    STT_V2_RECOGNIZE,
    STT_V3_GET,
    STT_V3_RECOGNIZE,
    Connector,
    EmulatorFactory,
    unpack,
)
from google.protobuf import json_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yc_contracts import check, registry, to_proto, to_rest
from yc_contracts.emulator.results import (
    MAX_CHANNELS,
    MAX_PAGES,
    REQUEST_TYPES,
    RESULT_TYPES,
    VOCABULARIES,
    ResultGenerator,
)
from yc_contracts.testing import payloads
from yc_contracts.testing._media import pdf as pdf_bytes
from yc_contracts.testing._media import png as png_bytes

MiB = 1024 * 1024
METHODS = (STT_V3_RECOGNIZE, STT_V2_RECOGNIZE, OCR_RECOGNIZE)
PROPERTY = settings(
    max_examples=30,
    deadline=None,
    database=None,
    # Drawing a request with a media file for ``content`` is slow by nature, not a filtering strategy.
    suppress_health_check=[HealthCheck.too_slow],
)


def generate(method: str, request: dict[str, Any], *, seed: int = 0, result_size: int | None = None) -> list[Any]:
    return ResultGenerator(registry, seed, result_size).results(method, request)


def serialized(messages: list[Any]) -> list[bytes]:
    return [m.SerializeToString(deterministic=True) for m in messages]


# ----------------------------------------------------------------------------------------- request builders


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def v3_raw(channels: int, *, codes: list[str] | None = None, restriction: str = "WHITELIST") -> dict[str, Any]:
    model: dict[str, Any] = {
        "audioFormat": {
            "rawAudio": {"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": "8000", "audioChannelCount": str(channels)}
        }
    }
    if codes is not None:
        model["languageRestriction"] = {"restrictionType": restriction, "languageCode": codes}
    return {"uri": "https://storage.yandexcloud.net/b/a.pcm", "recognitionModel": model}


def v3_container(kind: str, content: bytes) -> dict[str, Any]:
    return {
        "content": b64(content),
        "recognitionModel": {"audioFormat": {"containerAudio": {"containerAudioType": kind}}},
    }


def v2(channels: int | None = None, language: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": "8000"}
    if channels is not None:
        spec["audioChannelCount"] = str(channels)
    if language is not None:
        spec["languageCode"] = language
    return {"config": {"specification": spec}, "audio": {"uri": "https://storage.yandexcloud.net/b/a.pcm"}}


def ocr(content: bytes, mime: str, codes: list[str] | None = None) -> dict[str, Any]:
    return {"content": b64(content), "mimeType": mime, "languageCodes": codes or ["ru"]}


def wav_bytes(channels: int, seconds: float = 0.1, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\x00\x00" * channels * int(rate * seconds))
    return out.getvalue()


def ogg_opus_bytes(channels: int) -> bytes:
    """The first page of an Ogg Opus file: its ``OpusHead`` packet (RFC 7845) declares the channel count."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, channels, 312, 48000, 0, 0)
    page = b"OggS" + struct.pack("<BBqIIIB", 0, 2, 0, 1, 0, 0, 1) + bytes([len(head)]) + head
    return page + b"\x00" * 64


def words_of(text: str) -> set[str]:
    return set(text.split())


# ------------------------------------------------------------------------------------------------ properties


@pytest.mark.parametrize("method", METHODS)
def test_generated_results_are_valid_and_deterministic(method: str) -> None:
    """For any valid request (every spelling ProtoJSON allows) and any seed, every generated message is valid
    against the contract (no error, no warning); the same seed and request give byte-identical results, so do the
    same request in canonical spelling and the same seed again; another seed gives other results."""
    result_type = RESULT_TYPES[method]

    @PROPERTY
    @given(request=payloads(REQUEST_TYPES[method], names="mixed"), seed=st.integers(0, 2**63 - 1))
    def run(request: Any, seed: int) -> None:
        results = generate(method, request, seed=seed)
        assert results
        if method == STT_V2_RECOGNIZE:
            assert len(results) == 1
        for msg in results:
            assert msg.DESCRIPTOR.full_name == result_type
            assert check(result_type, to_rest(msg)) == []
        again = generate(method, request, seed=seed)
        assert serialized(again) == serialized(results)
        respelled = to_rest(to_proto(REQUEST_TYPES[method], request))
        assert serialized(generate(method, respelled, seed=seed)) == serialized(results)
        assert serialized(generate(method, request, seed=seed ^ 1)) != serialized(results)

    run()


@pytest.mark.parametrize("method", METHODS)
def test_a_request_that_cannot_be_read_still_gets_valid_results(method: str) -> None:
    """With validation off the Python API may hand the generator anything: it answers with default-shaped, valid,
    deterministic results instead of failing."""
    nonsense = {"no such field": [1, {"x": None}], "content": 42}
    results = generate(method, nonsense, seed=3)
    assert results
    assert all(check(RESULT_TYPES[method], to_rest(m)) == [] for m in results)
    assert serialized(generate(method, nonsense, seed=3)) == serialized(results)


# ------------------------------------------------------------------------------------------------ STT v3 shape


def v3_channels(results: list[Any]) -> list[str]:
    return [m.channel_tag for m in results if m.WhichOneof("Event") == "final"]


@pytest.mark.parametrize("channels", [1, 2, 3])
def test_v3_one_run_of_utterances_per_raw_audio_channel(channels: int) -> None:
    """``rawAudio.audioChannelCount`` channels, tagged ``0``…``n-1``, each utterance a ``final`` followed by its
    ``finalRefinement``, final indexes counting up, times increasing within a channel."""
    results = generate(STT_V3_RECOGNIZE, v3_raw(channels), seed=11)
    tags = v3_channels(results)
    assert sorted(set(tags)) == [str(c) for c in range(channels)]
    events = [m.WhichOneof("Event") for m in results]
    assert events == ["final", "final_refinement"] * (len(results) // 2)
    finals = [m for m in results if m.WhichOneof("Event") == "final"]
    refinements = [m for m in results if m.WhichOneof("Event") == "final_refinement"]
    assert [r.final_refinement.final_index for r in refinements] == list(range(len(finals)))
    assert len({m.session_uuid.uuid for m in results}) == 1
    for tag in set(tags):
        ends = [m.final.alternatives[0].end_time_ms for m in finals if m.channel_tag == tag]
        assert ends == sorted(ends)
    for final, refinement in zip(finals, refinements, strict=True):
        alternative = final.final.alternatives[0]
        assert alternative.text == " ".join(w.text for w in alternative.words)
        assert refinement.final_refinement.normalized_text.alternatives[0].text == alternative.text
        assert refinement.channel_tag == final.channel_tag


def test_v3_channel_count_is_capped() -> None:
    """A request may declare any channel count; results are generated for at most ``MAX_CHANNELS``."""
    assert sorted(set(v3_channels(generate(STT_V3_RECOGNIZE, v3_raw(10_000))))) == [str(c) for c in range(MAX_CHANNELS)]


@pytest.mark.parametrize(
    ("kind", "content", "channels"),
    [
        ("WAV", wav_bytes(2), 2),
        ("WAV", wav_bytes(1), 1),
        ("OGG_OPUS", ogg_opus_bytes(2), 2),
        ("WAV", b"RIFF\x00\x00\x00\x00WAVEjunk", 1),  # a damaged header: one channel, no error
        ("MP3", b"ID3\x03\x00\x00\x00\x00\x00\x00", 1),
    ],
)
def test_v3_channels_from_a_container_header(kind: str, content: bytes, channels: int) -> None:
    """Inline WAV and Ogg Opus files declare their channel count in their header: results follow it."""
    tags = v3_channels(generate(STT_V3_RECOGNIZE, v3_container(kind, content)))
    assert sorted(set(tags)) == [str(c) for c in range(channels)]


def v3_codes(results: list[Any]) -> list[str]:
    return [m.final.alternatives[0].languages[0].language_code for m in results if m.WhichOneof("Event") == "final"]


def test_v3_languages_follow_the_whitelist() -> None:
    """Each utterance is in one of the whitelisted languages, labelled with its code, in that language's words;
    over a few seeds every whitelisted language appears."""
    seen = set()
    for seed in range(12):
        results = generate(STT_V3_RECOGNIZE, v3_raw(1, codes=["en-US", "kk-KZ"]), seed=seed)
        for msg in results:
            if msg.WhichOneof("Event") != "final":
                continue
            alternative = msg.final.alternatives[0]
            code = alternative.languages[0].language_code
            assert code in {"en-US", "kk-KZ"}
            assert words_of(alternative.text) <= set(VOCABULARIES[code[:2]])
            assert 0 < alternative.languages[0].probability <= 1
            seen.add(code)
    assert seen == {"en-US", "kk-KZ"}


@pytest.mark.parametrize(
    ("codes", "restriction", "expected"),
    [
        (None, "WHITELIST", {"ru-RU"}),
        ([], "WHITELIST", {"ru-RU"}),
        (["de-DE"], "LANGUAGE_RESTRICTION_TYPE_UNSPECIFIED", {"de-DE"}),
        (["ru-RU"], "BLACKLIST", {"en-US"}),
        (["ru-RU", "en"], "BLACKLIST", {"kk-KZ"}),
        (["xx-XX"], "WHITELIST", {"xx-XX"}),  # no vocabulary: Russian words under the requested code
    ],
)
def test_v3_language_restriction(codes: list[str] | None, restriction: str, expected: set[str]) -> None:
    """No restriction means Russian; a blacklist leaves the first documented language it does not name; a
    language without a vocabulary keeps its code."""
    results = generate(STT_V3_RECOGNIZE, v3_raw(1, codes=codes, restriction=restriction), seed=5)
    assert set(v3_codes(results)) == expected


# ------------------------------------------------------------------------------------------------ STT v2 shape


@pytest.mark.parametrize(("channels", "tags"), [(None, {1}), (1, {1}), (2, {1, 2}), (99, set(range(1, 9)))])
def test_v2_chunks_per_channel(channels: int | None, tags: set[int]) -> None:
    """STT v2 tags chunks by channel from 1, for ``specification.audioChannelCount`` channels (capped)."""
    (response,) = generate(STT_V2_RECOGNIZE, v2(channels), seed=2)
    assert {chunk.channel_tag for chunk in response.chunks} == tags
    for chunk in response.chunks:
        (alternative,) = chunk.alternatives
        assert alternative.text == " ".join(w.word for w in alternative.words)
        starts = [w.start_time.ToNanoseconds() for w in alternative.words]
        assert starts == sorted(starts)
        assert all(w.end_time.ToNanoseconds() > w.start_time.ToNanoseconds() for w in alternative.words)


@pytest.mark.parametrize(("code", "vocabulary"), [("en-US", "en"), ("ru-RU", "ru"), ("auto", "ru"), ("tr-TR", "tr")])
def test_v2_language(code: str, vocabulary: str) -> None:
    """The words are in ``specification.languageCode``'s language (``auto``: Russian)."""
    (response,) = generate(STT_V2_RECOGNIZE, v2(language=code))
    words = {w.word for chunk in response.chunks for w in chunk.alternatives[0].words}
    assert words <= set(VOCABULARIES[vocabulary])


# --------------------------------------------------------------------------------------------------- OCR shape


@pytest.mark.parametrize("pages", [1, 3, 7])
def test_ocr_one_message_per_pdf_page(pages: int) -> None:
    """A PDF gives one RecognizeTextResponse per page, numbered from 0, each an A4 page at 150 dpi."""
    results = generate(OCR_RECOGNIZE, ocr(pdf_bytes(pages), "application/pdf"))
    assert [m.page for m in results] == list(range(pages))
    assert {(m.text_annotation.width, m.text_annotation.height) for m in results} == {(1240, 1754)}


def test_ocr_pages_are_capped() -> None:
    """At most ``MAX_PAGES`` pages (the service's own PDF limit), whatever the file has."""
    results = ResultGenerator(registry).results(OCR_RECOGNIZE, ocr(b"%PDF-1.4", "PDF"), pages=MAX_PAGES + 50)
    assert len(results) == MAX_PAGES


def test_ocr_image_size_and_layout() -> None:
    """An image's results have its width and height; every box lies inside it; ``fullText`` is the lines in
    order; each word's box lies inside its line's."""
    (page,) = generate(OCR_RECOGNIZE, ocr(png_bytes(640, 480), "PNG", ["en"]))
    annotation = page.text_annotation
    assert (annotation.width, annotation.height) == (640, 480)
    lines = [line for block in annotation.blocks for line in block.lines]
    assert annotation.full_text == "".join(line.text + "\n" for line in lines)
    boxes = [block.bounding_box for block in annotation.blocks] + [line.bounding_box for line in lines]
    boxes += [word.bounding_box for line in lines for word in line.words]
    for box in boxes:
        assert len(box.vertices) == 4
        assert all(0 <= v.x <= 640 and 0 <= v.y <= 480 for v in box.vertices)
    for line in lines:
        assert line.text == " ".join(word.text for word in line.words)
        top, bottom = line.bounding_box.vertices[0].y, line.bounding_box.vertices[1].y
        assert all(top <= v.y <= bottom for word in line.words for v in word.bounding_box.vertices)


def test_ocr_a_tiny_image_keeps_its_boxes_inside() -> None:
    """Even a 1x1 image gets a valid result whose boxes stay on the page."""
    (page,) = generate(OCR_RECOGNIZE, ocr(png_bytes(1, 1), "PNG"))
    vertices = [v for b in page.text_annotation.blocks for line in b.lines for v in line.bounding_box.vertices]
    assert vertices
    assert all(0 <= v.x <= 1 and 0 <= v.y <= 1 for v in vertices)


@pytest.mark.parametrize(
    ("codes", "blocks"),
    [(["en"], ["en"]), (["en", "de"], ["en", "de"]), (["*"], ["ru"]), (["*", "fr", "fr"], ["fr"]), (["zz"], ["zz"])],
)
def test_ocr_one_block_per_language(codes: list[str], blocks: list[str]) -> None:
    """One block per requested language (``*``, automatic detection, alone means Russian), labelled with its code
    and written in its words; a code without a vocabulary gets Russian words."""
    (page,) = generate(OCR_RECOGNIZE, ocr(png_bytes(800, 600), "PNG", codes))
    assert [b.languages[0].language_code for b in page.text_annotation.blocks] == blocks
    for block in page.text_annotation.blocks:
        vocabulary = set(VOCABULARIES.get(block.languages[0].language_code, VOCABULARIES["ru"]))
        assert all(words_of(line.text) <= vocabulary for line in block.lines)


# ------------------------------------------------------------------------------------------------- result_size

SHAPED: dict[str, Callable[[], dict[str, Any]]] = {
    STT_V3_RECOGNIZE: lambda: v3_raw(2, codes=["kk-KZ"]),
    STT_V2_RECOGNIZE: lambda: v2(2, "ru-RU"),
    OCR_RECOGNIZE: lambda: ocr(pdf_bytes(2), "PDF", ["en", "ru"]),
}


@pytest.mark.parametrize("method", METHODS)
def test_result_size_makes_one_message_that_large(method: str) -> None:
    """``result_size`` = 5 MiB: the largest message (STT v2's response, the first STT v3 utterance's ``final`` and
    its refinement, the first OCR page) is at least 5 MiB and only a little more; the others stay small; the
    result is still valid (multi-byte text included) and generated well under a second."""
    request = SHAPED[method]()
    started = time.perf_counter()
    results = generate(method, request, seed=4, result_size=5 * MiB)
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5, f"{elapsed:.3f} s for a 5 MiB result"
    sizes = [m.ByteSize() for m in results]
    large = [i for i, size in enumerate(sizes) if size >= 5 * MiB]
    assert large == {STT_V3_RECOGNIZE: [0, 1], STT_V2_RECOGNIZE: [0], OCR_RECOGNIZE: [0]}[method], sizes[:4]
    assert max(sizes) < 5 * MiB + 16 * 1024
    assert all(size < 64 * 1024 for i, size in enumerate(sizes) if i not in large)
    for msg in results:
        assert check(RESULT_TYPES[method], to_rest(msg)) == []
    small = generate(method, request, seed=4)
    assert len(small) == len(results)  # the same shape, only longer text


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("size", [1, 1000, 100_000])
def test_result_size_of_any_amount(method: str, size: int) -> None:
    """Any ``result_size`` gives a largest message of at least that many bytes."""
    results = generate(method, SHAPED[method](), result_size=size)
    assert max(m.ByteSize() for m in results) >= size


@pytest.mark.parametrize("method", METHODS)
def test_result_size_zero_or_none_adds_nothing(method: str) -> None:
    """No ``result_size`` (or 0) leaves results exactly as generated without it."""
    request = SHAPED[method]()
    plain = serialized(generate(method, request, seed=9))
    assert serialized(generate(method, request, seed=9, result_size=0)) == plain
    assert serialized(generate(method, request, seed=9, result_size=None)) == plain


@pytest.mark.parametrize("method", METHODS)
def test_a_typical_result_takes_under_5_ms(method: str) -> None:
    """Results are generated once per operation, when it starts: a typical small result takes well under 5 ms
    (median of 50), so starting recognitions stays cheap."""
    request = SHAPED[method]() if method != OCR_RECOGNIZE else ocr(png_bytes(64, 64), "PNG", ["ru"])
    generator = ResultGenerator(registry, 1)
    generator.results(method, request)
    timings = []
    for _ in range(50):
        started = time.perf_counter()
        generator.results(method, request)
        timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.005, f"median {statistics.median(timings) * 1000:.2f} ms"


# ---------------------------------------------------------------------------------------------- end to end


def test_same_seed_same_results_over_grpc_and_rest(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """Two emulators with the same seed give the same results for the same request, whether it arrives over gRPC
    or over the REST face; an emulator with another seed gives other results."""
    request = v3_raw(2, codes=["en-US"])
    first, second, other = start_emulator(seed=7), start_emulator(seed=7), start_emulator(seed=8)

    def over_grpc(emu: Any) -> list[dict[str, Any]]:
        client = connect(emu)
        started = client.start(STT_V3_RECOGNIZE, request)
        messages = client.collect(STT_V3_GET, {"operationId": client.poll(started.id).id})
        return [json_format.MessageToDict(m) for m in messages]

    def over_rest(emu: Any) -> list[dict[str, Any]]:
        with httpx.Client(base_url=emu.http_url, headers=AUTH_HEADERS, timeout=CALL_TIMEOUT) as http:
            operation_id = http.post("/stt/v3/recognizeFileAsync", json=request).json()["id"]
            assert http.get(f"/operations/{operation_id}").json()["done"] is True
            answer = http.get("/stt/v3/getRecognition", params={"operationId": operation_id})
        assert answer.status_code == 200, answer.text
        return [json.loads(line)["result"] for line in answer.text.splitlines() if line.strip()]

    reference = over_grpc(first)
    assert {m["channelTag"] for m in reference} == {"0", "1"}
    assert over_rest(second) == reference
    assert over_grpc(other) != reference


def test_pdf_pages_and_stereo_wav_end_to_end(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """Through a real emulator and client: a 3-page PDF gives 3 pages from OCR GetRecognition, a stereo WAV sent
    inline gives channels 0 and 1 from STT v3 GetRecognition."""
    emu = start_emulator()
    client = connect(emu)
    started = client.start(OCR_RECOGNIZE, ocr(pdf_bytes(3), "application/pdf", ["ru"]))
    pages = client.collect(OCR_GET, {"operationId": client.poll(started.id).id})
    assert [p.page for p in pages] == [0, 1, 2]
    started = client.start(STT_V3_RECOGNIZE, v3_container("WAV", wav_bytes(2)))
    messages = client.collect(STT_V3_GET, {"operationId": client.poll(started.id).id})
    assert {m.channel_tag for m in messages} == {"0", "1"}


@pytest.mark.yc_emulator(result_size=5 * MiB)
def test_ocr_streams_over_4_mib(yc_emulator: Any, connect: Connector) -> None:
    """With ``result_size`` = 5 MiB the first OCR page is over gRPC's default 4 MiB receive limit, on the async
    GetRecognition stream and on the synchronous Recognize stream: a default channel fails with
    RESOURCE_EXHAUSTED, a raised limit reads the page."""
    request = ocr(png_bytes(32, 32), "PNG", ["en"])
    default = connect(yc_emulator)
    raised = connect(yc_emulator, options=[("grpc.max_receive_message_length", 64 * MiB)])
    started = default.start(OCR_RECOGNIZE, request)
    assert default.poll(started.id).done
    for method, payload in ((OCR_GET, {"operationId": started.id}), (OCR_SYNC, request)):
        with pytest.raises(grpc.RpcError) as error:
            default.collect(method, payload)
        assert error.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED  # type: ignore[attr-defined]
        (page,) = raised.collect(method, payload)
        assert page.ByteSize() >= 5 * MiB
        assert page.text_annotation.full_text.startswith(page.text_annotation.blocks[0].lines[0].text)


@pytest.mark.yc_emulator(result_size=5 * MiB)
def test_v2_operation_over_4_mib_is_the_response(yc_emulator: Any, connect: Connector) -> None:
    """STT v2's result lives in the Operation: with ``result_size`` its ``response`` alone is over 5 MiB."""
    raised = connect(yc_emulator, options=[("grpc.max_receive_message_length", 64 * MiB)])
    operation = raised.poll(raised.start(STT_V2_RECOGNIZE, v2(1, "en-US")).id)
    response: Any = unpack(operation.response, RESULT_TYPES[STT_V2_RECOGNIZE])
    assert 5 * MiB <= response.ByteSize() < 5 * MiB + 16 * 1024
