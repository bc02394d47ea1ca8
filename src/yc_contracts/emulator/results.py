"""What an emulated recognition produces: generated results, deterministic from the emulator's seed and the
request, valid against the contract and shaped by the request (audio channels, languages, PDF pages).

``result_size`` (bytes) makes the text of the result that long in total, so a client meets gRPC's 4 MiB receive
limit: STT v2's single ``LongRunningRecognitionResponse`` (inside the Operation ``Get`` returns) and the first
message of a ``GetRecognition`` stream grow past it.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from typing import Any, Final

from google.protobuf import json_format, message

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

_WORDS: Final[Mapping[str, tuple[str, ...]]] = {
    "ru": (
        "привет",
        "как",
        "дела",
        "сегодня",
        "хорошая",
        "погода",
        "мы",
        "едем",
        "домой",
        "спасибо",
        "завтра",
        "утром",
    ),
    "en": ("hello", "how", "are", "you", "today", "the", "weather", "is", "fine", "thanks", "see", "tomorrow"),
    "kk": ("сәлем", "қалайсың", "бүгін", "ауа", "райы", "жақсы", "рахмет", "ертең", "кездескенше", "үйге"),  # noqa: RUF001 - Kazakh words
}


def _seeded(seed: int, request: Mapping[str, Any]) -> random.Random:
    digest = hashlib.sha256(f"{seed}:{sorted(_flatten(request))}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _flatten(value: Any, prefix: str = "") -> list[str]:
    if isinstance(value, Mapping):
        return [item for key, inner in value.items() for item in _flatten(inner, f"{prefix}/{key}")]
    if isinstance(value, list):
        return [item for i, inner in enumerate(value) for item in _flatten(inner, f"{prefix}/{i}")]
    text = str(value)
    return [f"{prefix}={text if len(text) <= 64 else hashlib.sha256(text.encode()).hexdigest()}"]


def _language(code: str | None) -> str:
    short = (code or "ru").split("-")[0].lower()
    return short if short in _WORDS else "ru"


def _sentence(rng: random.Random, language: str, words: int) -> list[str]:
    vocabulary = _WORDS[language]
    return [rng.choice(vocabulary) for _ in range(words)]


class ResultGenerator:
    """Generated results of a recognition request (REST JSON in, messages of the registry out)."""

    def __init__(self, registry: Registry, seed: int = 0, result_size: int | None = None) -> None:
        self.registry = registry
        self.seed = seed
        self.result_size = result_size

    def results(self, method: str, request: Mapping[str, Any], *, pages: int = 1) -> list[message.Message]:
        """The results of ``method`` for ``request``: stream messages, or STT v2's one response."""
        rng = _seeded(self.seed, request)
        if method == STT_V3:
            documents = self._stt_v3(rng, request)
        elif method == STT_V2:
            documents = [self._stt_v2(rng, request)]
        elif method in {OCR_ASYNC, OCR_SYNC}:
            documents = self._ocr(rng, request, pages)
        else:
            raise KeyError(f"{method} produces no recognition results")
        cls = self.registry.message_class(RESULT_TYPES[method])
        return [json_format.ParseDict(doc, cls(), descriptor_pool=self.registry.descriptor_pool) for doc in documents]

    # -------------------------------------------------------------------------------------------- STT v3

    def _stt_v3(self, rng: random.Random, request: Mapping[str, Any]) -> list[dict[str, Any]]:
        model = request.get("recognitionModel") or request.get("recognition_model") or {}
        audio = model.get("audioFormat") or model.get("audio_format") or {}
        raw = audio.get("rawAudio") or audio.get("raw_audio") or {}
        channels = int(raw.get("audioChannelCount") or raw.get("audio_channel_count") or 1)
        restriction = model.get("languageRestriction") or model.get("language_restriction") or {}
        codes = restriction.get("languageCode") or restriction.get("language_code") or ["ru-RU"]
        language = _language(codes[0])
        session = {"uuid": f"{rng.getrandbits(64):016x}", "userRequestId": ""}
        utterances = rng.randint(2, 4)
        pad = self._padding(rng, language, channels * utterances)
        messages: list[dict[str, Any]] = []
        for channel in range(channels):
            start = 0
            for index in range(utterances):
                words = _sentence(rng, language, rng.randint(3, 7))
                timed, end = _timed_words(rng, words, start)
                alternative = {
                    "words": timed,
                    "text": " ".join(words) + pad,
                    "startTimeMs": str(start),
                    "endTimeMs": str(end),
                    "confidence": round(rng.uniform(0.8, 1.0), 3),
                    "languages": [{"languageCode": codes[0], "probability": 1.0}],
                }
                update = {"alternatives": [alternative], "channelTag": str(channel)}
                cursors = {"receivedDataMs": str(end), "finalTimeMs": str(end), "finalIndex": str(index)}
                messages.append(
                    {
                        "sessionUuid": session,
                        "audioCursors": cursors,
                        "responseWallTimeMs": str(end + 40),
                        "final": update,
                        "channelTag": str(channel),
                    }
                )
                normalized = {"alternatives": [{**alternative, "words": []}], "channelTag": str(channel)}
                messages.append(
                    {
                        "sessionUuid": session,
                        "audioCursors": cursors,
                        "responseWallTimeMs": str(end + 60),
                        "finalRefinement": {"finalIndex": str(index), "normalizedText": normalized},
                        "channelTag": str(channel),
                    }
                )
                start = end + rng.randint(200, 900)
        return messages

    # -------------------------------------------------------------------------------------------- STT v2

    def _stt_v2(self, rng: random.Random, request: Mapping[str, Any]) -> dict[str, Any]:
        config = request.get("config") or {}
        spec = config.get("specification") or {}
        channels = int(spec.get("audioChannelCount") or spec.get("audio_channel_count") or 1)
        language = _language(spec.get("languageCode") or spec.get("language_code"))
        chunks_per_channel = rng.randint(2, 4)
        pad = self._padding(rng, language, channels * chunks_per_channel)
        chunks = []
        for channel in range(channels):
            start = 0
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
                chunks.append(
                    {
                        "alternatives": [{"text": " ".join(words) + pad, "confidence": 1.0, "words": infos}],
                        "channelTag": str(channel + 1),
                    }
                )
                start += rng.randint(200, 900)
        return {"chunks": chunks}

    # ----------------------------------------------------------------------------------------------- OCR

    def _ocr(self, rng: random.Random, request: Mapping[str, Any], pages: int) -> list[dict[str, Any]]:
        codes = request.get("languageCodes") or request.get("language_codes") or ["ru"]
        language = _language(codes[0] if codes and codes[0] != "*" else "ru")
        lines_per_page = rng.randint(2, 5)
        pad = self._padding(rng, language, pages * lines_per_page)
        results = []
        for page in range(max(1, pages)):
            lines = []
            texts = []
            top = 40
            for _ in range(lines_per_page):
                words = _sentence(rng, language, rng.randint(2, 6))
                text = " ".join(words) + pad
                texts.append(text)
                left, height = 40, 32
                word_docs = []
                for word in words:
                    width = 18 * len(word)
                    word_docs.append({"boundingBox": _box(left, top, width, height), "text": word, "entityIndex": "-1"})
                    left += width + 12
                lines.append({"boundingBox": _box(40, top, left - 52, height), "text": text, "words": word_docs})
                top += height + 16
            block = {
                "boundingBox": _box(40, 40, 1200, top - 40),
                "lines": lines,
                "languages": [{"languageCode": codes[0] if codes and codes[0] != "*" else "ru"}],
            }
            annotation = {
                "width": "1600",
                "height": str(max(top + 40, 900)),
                "blocks": [block],
                "fullText": "\n".join(texts) + "\n",
            }
            results.append({"textAnnotation": annotation, "page": str(page)})
        return results

    # ------------------------------------------------------------------------------------------- padding

    def _padding(self, rng: random.Random, language: str, pieces: int) -> str:
        """Text added to each utterance/line so that the whole result has ``result_size`` bytes of text more."""
        if not self.result_size or pieces < 1:
            return ""
        per_piece = self.result_size // pieces + 1
        vocabulary = _WORDS[language]
        words: list[str] = []
        size = 0
        while size < per_piece:
            word = vocabulary[rng.randrange(len(vocabulary))]
            words.append(word)
            size += len(word.encode()) + 1
        return " " + " ".join(words)


def _timed_words(rng: random.Random, words: list[str], start: int) -> tuple[list[dict[str, str]], int]:
    timed = []
    at = start
    for word in words:
        end = at + rng.randint(150, 600)
        timed.append({"text": word, "startTimeMs": str(at), "endTimeMs": str(end)})
        at = end
    return timed, at


def _box(left: int, top: int, width: int, height: int) -> dict[str, Any]:
    points = [(left, top), (left, top + height), (left + width, top + height), (left + width, top)]
    return {"vertices": [{"x": str(x), "y": str(y)} for x, y in points]}
