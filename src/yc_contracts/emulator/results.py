"""What an emulated recognition produces when no fixture matches: generated results, deterministic from the
emulator's seed and the request, valid against the contract and shaped by the request.

Shaped by the request:

- **STT v3** (``RecognizeFile``): one run of utterances per audio channel — ``rawAudio.audioChannelCount``, or
  the channel count in the header of inline WAV or Ogg Opus ``content``; each utterance in one language of
  ``languageRestriction`` (a ``WHITELIST``'s codes, or a language a ``BLACKLIST`` leaves; ``ru-RU`` when there is
  none), labelled with that code. Every utterance is a ``final`` message followed by its ``finalRefinement``.
- **STT v2** (``LongRunningRecognize``): chunks per channel (``specification.audioChannelCount``, ``channelTag``
  from 1) in the language of ``specification.languageCode``.
- **OCR** (``Recognize``, async and sync): one message per page — a PDF's page count (at most
  :data:`MAX_PAGES`), else one — with an image's own width and height; one block per language of
  ``languageCodes`` (``*`` alone means Russian), each labelled with its code.

Words come from small per-language vocabularies; a language without one gets Russian words under its own code.
At most :data:`MAX_CHANNELS` channels are generated however many a request declares.

The same seed and the same request give the same results, whatever the request's JSON spelling (camelCase or
proto names, enums by name or number): the request is read into its protobuf message first, and the seed of
its results is the SHA-256 of that message's deterministic serialization and the emulator's seed.

``result_size`` (bytes) makes the largest message of a result at least that large (and only a little larger),
by adding words to the text — not to ``words``, whose timings stay those of the generated utterance: STT v2's
one ``LongRunningRecognitionResponse`` (the text spread over its chunks; the Operation ``Get`` returns holds it),
the first utterance's ``final`` and ``finalRefinement`` of an STT v3 stream, the first page of an OCR stream.
Set it above 4 MiB and a gRPC client with the default receive limit fails on that message.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from google.protobuf import message

from yc_contracts.contract.registry import Registry

STT_V3: Final = "speechkit.stt.v3.AsyncRecognizer.RecognizeFile"
STT_V2: Final = "yandex.cloud.ai.stt.v2.SttService.LongRunningRecognize"
OCR_ASYNC: Final = "yandex.cloud.ai.ocr.v1.TextRecognitionAsyncService.Recognize"
OCR_SYNC: Final = "yandex.cloud.ai.ocr.v1.TextRecognitionService.Recognize"

RESULT_TYPES: Final[Mapping[str, str]] = {
    STT_V3: "speechkit.stt.v3.StreamingResponse",
    STT_V2: "yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse",
    OCR_ASYNC: "yandex.cloud.ai.ocr.v1.RecognizeTextResponse",
    OCR_SYNC: "yandex.cloud.ai.ocr.v1.RecognizeTextResponse",
}
"""The message type of a recognition's results, by the method that started it."""

REQUEST_TYPES: Final[Mapping[str, str]] = {
    STT_V3: "speechkit.stt.v3.RecognizeFileRequest",
    STT_V2: "yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest",
    OCR_ASYNC: "yandex.cloud.ai.ocr.v1.RecognizeTextRequest",
    OCR_SYNC: "yandex.cloud.ai.ocr.v1.RecognizeTextRequest",
}
"""The request type of each method that produces results."""

MAX_CHANNELS: Final = 8
"""The most audio channels results are generated for (a request may declare any number)."""
MAX_PAGES: Final = 200
"""The most OCR pages results are generated for: the service's own limit on a PDF."""

VOCABULARIES: Final[Mapping[str, tuple[str, ...]]] = {
    "ru": ("привет", "как", "дела", "сегодня", "хорошая", "погода", "мы", "едем", "домой", "спасибо", "завтра"),
    "en": ("hello", "how", "are", "you", "today", "the", "weather", "is", "fine", "thanks", "see", "tomorrow"),
    "kk": ("сәлем", "қалайсың", "бүгін", "ауа", "райы", "жақсы", "рахмет", "ертең", "кездескенше", "үйге"),  # noqa: RUF001 - Kazakh words
    "de": ("hallo", "wie", "geht", "es", "heute", "das", "wetter", "ist", "gut", "danke", "bis", "morgen"),
    "fr": ("bonjour", "comment", "allez", "vous", "aujourd'hui", "le", "temps", "est", "beau", "merci", "demain"),
    "es": ("hola", "cómo", "estás", "hoy", "el", "tiempo", "es", "bueno", "gracias", "hasta", "mañana"),
    "it": ("ciao", "come", "stai", "oggi", "il", "tempo", "è", "bello", "grazie", "a", "domani"),
    "pt": ("olá", "como", "vai", "hoje", "o", "tempo", "está", "bom", "obrigado", "até", "amanhã"),
    "pl": ("cześć", "jak", "się", "masz", "dzisiaj", "pogoda", "jest", "dobra", "dziękuję", "do", "jutra"),
    "nl": ("hallo", "hoe", "gaat", "het", "vandaag", "weer", "is", "mooi", "dank", "je", "morgen"),
    "sv": ("hej", "hur", "mår", "du", "idag", "vädret", "är", "fint", "tack", "vi", "ses", "imorgon"),
    "fi": ("hei", "mitä", "kuuluu", "tänään", "sää", "on", "hyvä", "kiitos", "nähdään", "huomenna"),
    "tr": ("merhaba", "nasılsın", "bugün", "hava", "çok", "güzel", "teşekkürler", "yarın", "görüşürüz"),  # noqa: RUF001 - Turkish words
    "uz": ("salom", "qalaysiz", "bugun", "havo", "yaxshi", "rahmat", "ertaga", "ko'rishguncha", "uyga"),
    "he": ("שלום", "מה", "שלומך", "היום", "מזג", "האוויר", "טוב", "תודה", "להתראות", "מחר"),
}
"""The words generated text is made of, by ISO 639-1 language code."""
_FULL_CODES: Final = ("ru-RU", "en-US", "kk-KZ", "de-DE", "uz-UZ", "tr-TR", "fr-FR", "es-ES", "it-IT", "pt-PT")
"""Language codes a ``BLACKLIST`` leaves to choose from, in order of preference."""
_PDF_PAGE: Final = (1240, 1754)  # A4 at 150 dpi
_IMAGE_PAGE: Final = (1600, 900)  # when the image's header cannot be read


# ------------------------------------------------------------------------------------------------ requests


@dataclass(frozen=True)
class RecognitionRequest:
    """A recognition request read once: its protobuf message (whatever the JSON spelling was) and a digest of it.

    ``message`` is an instance of the contract's class (all defaults when the JSON could not be read: a request
    given through the Python API with validation off may be anything).
    """

    method: str
    message: Any
    digest: bytes
    """SHA-256 of the message's deterministic serialization (of the JSON, when it could not be read)."""

    @property
    def uri(self) -> str | None:
        """The audio's ``uri`` (STT v3 ``uri``, STT v2 ``audio.uri``), if the request has one."""
        holder = self.message.audio if self.method == STT_V2 else self.message
        if holder.WhichOneof(_SOURCE[self.method]) != "uri":
            return None
        uri: str = holder.uri
        return uri

    @property
    def content(self) -> bytes | None:
        """The file sent inline (``content``; STT v2 ``audio.content``), if the request has it."""
        holder = self.message.audio if self.method == STT_V2 else self.message
        if holder.WhichOneof(_SOURCE[self.method]) != "content":
            return None
        content: bytes = holder.content
        return content

    @functools.cached_property
    def content_sha256(self) -> str | None:
        """The hex SHA-256 of :attr:`content` (computed once), if the request has content."""
        content = self.content
        return None if content is None else hashlib.sha256(content).hexdigest()


_SOURCE: Final = {STT_V3: "AudioSource", STT_V2: "audio_source", OCR_ASYNC: "source", OCR_SYNC: "source"}


def read_request(method: str, request: Mapping[str, Any]) -> RecognitionRequest:
    """``request`` (REST JSON, either spelling) of ``method`` as a :class:`RecognitionRequest`.

    Raises:
        KeyError: ``method`` produces no recognition results.
    """
    from yc_contracts.contract.registry import default_registry
    from yc_contracts.conversion.protojson import to_proto

    name = REQUEST_TYPES[method]
    try:
        msg: Any = to_proto(name, dict(request), validate=False)
    except Exception:  # the caller's data (validation may be off): default-shaped results, never an error here
        msg = default_registry().message_class(name)()
        try:
            text = json.dumps(request, sort_keys=True, default=repr, ensure_ascii=False)
        except (TypeError, ValueError, RecursionError):  # keys of mixed types, a cycle
            text = repr(request)
        return RecognitionRequest(method, msg, hashlib.sha256(b"json:" + text.encode("utf-8", "replace")).digest())
    return RecognitionRequest(method, msg, hashlib.sha256(msg.SerializeToString(deterministic=True)).digest())


# ----------------------------------------------------------------------------------------------- generator


class ResultGenerator:
    """Generated results of recognition requests (REST JSON in, messages of the registry out)."""

    def __init__(self, registry: Registry, seed: int = 0, result_size: int | None = None) -> None:
        self.registry = registry
        self.seed = seed
        self.result_size = result_size

    def __repr__(self) -> str:
        return f"ResultGenerator(seed={self.seed}, result_size={self.result_size})"

    def results(self, method: str, request: Mapping[str, Any], *, pages: int | None = None) -> list[message.Message]:
        """The results of ``method`` for ``request``: stream messages, or STT v2's one response.

        ``pages`` overrides the page count an OCR request's document gives.

        Raises:
            KeyError: ``method`` produces no recognition results.
        """
        return self.generate(read_request(method, request), pages=pages)

    def generate(self, request: RecognitionRequest, *, pages: int | None = None) -> list[message.Message]:
        """The results of a request already read (see :meth:`results`)."""
        method = request.method
        rng = random.Random(int.from_bytes(hashlib.sha256(f"{self.seed}:".encode() + request.digest).digest()[:8]))
        if method == STT_V3:
            documents = self._stt_v3(rng, request)
        elif method == STT_V2:
            documents = [self._stt_v2(rng, request)]
        elif method in {OCR_ASYNC, OCR_SYNC}:
            documents = self._ocr(rng, request, pages)
        else:
            raise KeyError(f"{method} produces no recognition results")
        return [build_message(self.registry, RESULT_TYPES[method], doc) for doc in documents]

    # -------------------------------------------------------------------------------------------- STT v3

    def _stt_v3(self, rng: random.Random, request: RecognitionRequest) -> list[dict[str, Any]]:
        model = request.message.recognition_model
        audio = model.audio_format
        if audio.WhichOneof("AudioFormat") == "raw_audio":
            channels = audio.raw_audio.audio_channel_count
        else:
            channels = _container_channels(request.content)
        channels = min(max(channels, 1), MAX_CHANNELS)
        codes = _v3_languages(model.language_restriction)
        session = {"uuid": f"{rng.getrandbits(64):016x}", "userRequestId": ""}
        utterances = rng.randint(2, 4)
        messages: list[dict[str, Any]] = []
        index = 0
        for channel in range(channels):
            start = rng.randint(0, 400)
            for _ in range(utterances):
                code = rng.choice(codes)
                language = _language(code)
                words = _sentence(rng, language, rng.randint(3, 7))
                timed, end = _timed_words(rng, words, start)
                pad = _padding(rng, language, self.result_size or 0) if index == 0 else ""
                alternative = {
                    "words": timed,
                    "text": " ".join(words) + pad,
                    "startTimeMs": str(start),
                    "endTimeMs": str(end),
                    "confidence": round(rng.uniform(0.8, 1.0), 3),
                    "languages": [{"languageCode": code, "probability": round(rng.uniform(0.75, 1.0), 3)}],
                }
                tag = str(channel)
                cursors = {"receivedDataMs": str(end), "finalTimeMs": str(end), "finalIndex": str(index)}
                messages.append(
                    {
                        "sessionUuid": session,
                        "audioCursors": cursors,
                        "responseWallTimeMs": str(end + 40),
                        "final": {"alternatives": [alternative], "channelTag": tag},
                        "channelTag": tag,
                    }
                )
                normalized = {"alternatives": [{**alternative, "words": []}], "channelTag": tag}
                messages.append(
                    {
                        "sessionUuid": session,
                        "audioCursors": cursors,
                        "responseWallTimeMs": str(end + 60),
                        "finalRefinement": {"finalIndex": str(index), "normalizedText": normalized},
                        "channelTag": tag,
                    }
                )
                index += 1
                start = end + rng.randint(200, 900)
        return messages

    # -------------------------------------------------------------------------------------------- STT v2

    def _stt_v2(self, rng: random.Random, request: RecognitionRequest) -> dict[str, Any]:
        spec = request.message.config.specification
        channels = spec.audio_channel_count or _container_channels(request.content)
        channels = min(max(channels, 1), MAX_CHANNELS)
        code = spec.language_code if spec.language_code and spec.language_code != "auto" else "ru-RU"
        language = _language(code)
        chunks_per_channel = rng.randint(2, 4)
        pieces = channels * chunks_per_channel
        per_piece = -(-self.result_size // pieces) if self.result_size else 0
        chunks = []
        for channel in range(channels):
            start = rng.randint(0, 400)
            for _ in range(chunks_per_channel):
                words = _sentence(rng, language, rng.randint(3, 7))
                infos = []
                for word in words:
                    end = start + rng.randint(200, 700)
                    infos.append(
                        {
                            "startTime": f"{start / 1000:.3f}s",
                            "endTime": f"{end / 1000:.3f}s",
                            "word": word,
                            "confidence": 1.0,
                        }
                    )
                    start = end
                text = " ".join(words) + _padding(rng, language, per_piece)
                chunks.append(
                    {
                        "alternatives": [{"text": text, "confidence": 1.0, "words": infos}],
                        "channelTag": str(channel + 1),
                    }
                )
                start += rng.randint(200, 900)
        return {"chunks": chunks}

    # ----------------------------------------------------------------------------------------------- OCR

    def _ocr(self, rng: random.Random, request: RecognitionRequest, pages: int | None) -> list[dict[str, Any]]:
        document = _document(request.content, str(request.message.mime_type))
        count = min(max(pages if pages is not None else document.pages, 1), MAX_PAGES)
        width, height = document.size
        codes = _ocr_languages(request.message.language_codes)
        results = []
        for page in range(count):
            blocks = []
            texts: list[str] = []
            top = 40
            for code in codes:
                language = _language(code)
                block_top, block_right = top, 40
                lines = []
                for _ in range(rng.randint(1, 4)):
                    words = _sentence(rng, language, rng.randint(2, 6))
                    pad = _padding(rng, language, (self.result_size or 0) // 2) if page == 0 and not texts else ""
                    text = " ".join(words) + pad
                    texts.append(text)
                    left, line_height = 40, 32
                    word_docs = []
                    for word in words:
                        word_width = 18 * len(word)
                        box = _box(left, top, word_width, line_height, (width, height))
                        word_docs.append({"boundingBox": box, "text": word, "entityIndex": "-1"})
                        left += word_width + 12
                    block_right = max(block_right, left - 12)
                    box = _box(40, top, left - 52, line_height, (width, height))
                    lines.append({"boundingBox": box, "text": text, "words": word_docs})
                    top += line_height + 16
                block_box = _box(40, block_top, block_right - 40, top - 16 - block_top, (width, height))
                blocks.append(
                    {
                        "boundingBox": block_box,
                        "lines": lines,
                        "languages": [{"languageCode": code}],
                    }
                )
                top += 24
            annotation = {
                "width": str(width),
                "height": str(height),
                "blocks": blocks,
                "fullText": "\n".join(texts) + "\n",
            }
            results.append({"textAnnotation": annotation, "page": str(page)})
        return results


def build_message(registry: Registry, type_name: str, document: dict[str, Any]) -> message.Message:
    """A message of ``registry`` from REST JSON the generator wrote (valid by construction: not validated)."""
    from yc_contracts.contract.registry import default_registry
    from yc_contracts.conversion.protojson import to_proto

    built = to_proto(type_name, document, validate=False)
    if registry is default_registry():
        return built
    result: message.Message = registry.message_class(type_name).FromString(built.SerializeToString())
    return result


# ----------------------------------------------------------------------------------------------- languages


def _language(code: str) -> str:
    """The vocabulary for a language code (``en-US`` → ``en``); Russian for a language without one."""
    short = re.split(r"[-_]", code, maxsplit=1)[0].lower()
    return short if short in VOCABULARIES else "ru"


def _v3_languages(restriction: Any) -> list[str]:
    codes = [code for code in dict.fromkeys(restriction.language_code) if code]
    blacklist = restriction.restriction_type == 2  # BLACKLIST
    if not blacklist:
        return codes or ["ru-RU"]
    excluded = {code.lower() for code in codes} | {code.split("-")[0].lower() for code in codes}
    left = [code for code in _FULL_CODES if code.lower() not in excluded and code.split("-")[0].lower() not in excluded]
    return left[:1] or ["ru-RU"]


def _ocr_languages(codes: Sequence[str]) -> list[str]:
    chosen = [code for code in dict.fromkeys(codes) if code and code != "*"]
    return chosen[:3] or ["ru"]


def _sentence(rng: random.Random, language: str, words: int) -> list[str]:
    return rng.choices(VOCABULARIES[language], k=words)


def _padding(rng: random.Random, language: str, size: int) -> str:
    """At least ``size`` bytes (UTF-8) of words, with a leading space; ``""`` for ``size`` 0.

    A few hundred drawn words repeated: megabytes cost a copy, not a draw per word.
    """
    if size <= 0:
        return ""
    block = (" " + " ".join(rng.choices(VOCABULARIES[language], k=min(512, size // 4 + 1)))).encode()
    text = block * (size // len(block) + 2)
    cut = text.find(b" ", size)  # a space: a character boundary, so the cut stays valid UTF-8
    return text[:cut].decode()


def _timed_words(rng: random.Random, words: list[str], start: int) -> tuple[list[dict[str, str]], int]:
    timed = []
    at = start
    for word in words:
        end = at + rng.randint(150, 600)
        timed.append({"text": word, "startTimeMs": str(at), "endTimeMs": str(end)})
        at = end
    return timed, at


# ------------------------------------------------------------------------------------------------- content


def _container_channels(content: bytes | None) -> int:
    """The channel count a WAV or Ogg Opus header declares, else 1."""
    if not content:
        return 1
    head = content[:4096]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        import wave

        try:
            with wave.open(io.BytesIO(head)) as wav:
                return int(wav.getnchannels())
        except Exception:  # a damaged header: the caller's bytes, never an error here
            return 1
    if head.startswith(b"OggS"):
        at = head.find(b"OpusHead")
        if at != -1 and at + 9 < len(head):
            return head[at + 9] or 1
    return 1


@dataclass(frozen=True)
class _Document:
    pages: int
    size: tuple[int, int]


def _document(content: bytes | None, mime_type: str) -> _Document:
    """An OCR file's page count and page size in pixels, read from its content."""
    if not content:
        return _Document(1, _IMAGE_PAGE)
    if content.startswith(b"%PDF-") or "pdf" in mime_type.lower():
        return _Document(_pdf_pages(content), _PDF_PAGE)
    import imagesize  # type: ignore[import-untyped]

    try:
        width, height = imagesize.get(io.BytesIO(content[: 256 * 1024]))
    except Exception:  # a damaged header: the caller's bytes, never an error here
        width = height = 0
    if width <= 0 or height <= 0:
        return _Document(1, _IMAGE_PAGE)
    return _Document(1, (int(width), int(height)))


def _pdf_pages(content: bytes) -> int:
    import logging

    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf logs recoverable damage as warnings
    try:
        return max(len(pypdf.PdfReader(io.BytesIO(content), strict=False).pages), 1)
    except Exception:  # an unreadable PDF is one page, as the service's validation would have said otherwise
        return 1


def _box(left: int, top: int, width: int, height: int, page: tuple[int, int]) -> dict[str, Any]:
    """A rectangle's corners in the service's order (top left, bottom left, bottom right, top right), kept
    inside the page."""

    def x(value: int) -> str:
        return str(min(max(value, 0), page[0]))

    def y(value: int) -> str:
        return str(min(max(value, 0), page[1]))

    right, bottom = left + max(width, 0), top + max(height, 0)
    points = [(left, top), (left, bottom), (right, bottom), (right, top)]
    return {"vertices": [{"x": x(px), "y": y(py)} for px, py in points]}
