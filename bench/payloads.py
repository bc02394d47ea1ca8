"""Deterministic benchmark payloads (REST JSON as Python objects), built in memory: no files, no randomness.

Every builder returns a fresh object, so a contender that mutates its input cannot affect another one.
"""

from __future__ import annotations

import base64
import copy
import io
import wave
from typing import Any, Final

STT_V3_REQUEST: Final = "speechkit.stt.v3.RecognizeFileRequest"
STT_V2_REQUEST: Final = "yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest"
STT_V2_OPERATION: Final = "yandex.cloud.ai.stt.v2.SttService.LongRunningRecognize.Operation"
OPERATION: Final = "yandex.cloud.operation.Operation"

MIB: Final = 1024 * 1024
WAV_RATE: Final = 16000

_SMALL: Final[dict[str, Any]] = {
    "uri": "https://storage.yandexcloud.net/bench-bucket/calls/2026-11-20/support-line-7/call-000123.wav",
    "recognitionModel": {
        "model": "general",
        "audioFormat": {"containerAudio": {"containerAudioType": "WAV"}},
        "textNormalization": {
            "textNormalization": "TEXT_NORMALIZATION_ENABLED",
            "profanityFilter": True,
            "literatureText": True,
            "phoneFormattingMode": "PHONE_FORMATTING_MODE_DISABLED",
        },
        "languageRestriction": {"restrictionType": "WHITELIST", "languageCode": ["ru-RU", "en-US"]},
    },
    "recognitionClassifier": {
        "classifiers": [
            {"classifier": "formal_greeting", "triggers": ["ON_UTTERANCE"]},
            {"classifier": "insult", "triggers": ["ON_UTTERANCE", "ON_FINAL"]},
        ]
    },
    "speechAnalysis": {
        "enableSpeakerAnalysis": True,
        "enableConversationAnalysis": True,
        "descriptiveStatisticsQuantiles": [0.5, 0.9],
        "speakerOptions": {"silenceThresholdMs": "500"},
        "converstationOptions": {
            "simultaneousSilenceThresholdMs": "1000",
            "simultaneousSpeechThresholdMs": "750",
        },
    },
    "speakerLabeling": {"speakerLabeling": "SPEAKER_LABELING_ENABLED"},
    "summarization": {
        "modelUri": "gpt://b1g2bench3folder4id5/yandexgpt/latest",
        "properties": [
            {
                "instruction": (
                    "Summarize the call as a JSON object with the fields topic, outcome and follow_up; "
                    "topic is one short sentence, outcome is resolved, escalated or unresolved."
                ),
                "jsonObject": True,
            },
            {
                "instruction": (
                    "Write two or three sentences for the support ticket: what the customer asked for, "
                    "what the operator did, and whether the customer needs a call back."
                ),
            },
        ],
    },
}


def small_request() -> dict[str, Any]:
    """An STT v3 RecognizeFile request with a ``uri`` and every option set (no audioProcessingType: it warns)."""
    return copy.deepcopy(_SMALL)


def wav_bytes(size: int) -> bytes:
    """A ``size``-byte mono 16-bit WAV file: the ``wave`` module's 44-byte header, then silence."""
    samples = size - 44
    if samples < 0 or samples % 2:
        raise ValueError(f"a 16-bit mono WAV of {size} bytes cannot be made")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(WAV_RATE)
        wav.writeframes(bytes(samples))
    data = buffer.getvalue()
    if len(data) != size:
        raise AssertionError(f"expected a 44-byte header: {len(data) - samples} bytes")
    return data


def content_request(decoded_size: int) -> dict[str, Any]:
    """The small request with ``content`` (base64 of a ``decoded_size``-byte WAV file) instead of ``uri``."""
    request = small_request()
    del request["uri"]
    request["content"] = base64.b64encode(wav_bytes(decoded_size)).decode("ascii")
    return request


def invalid_request() -> dict[str, Any]:
    """The small request with exactly three errors: an unknown field, a bad int64, and both content and uri."""
    request = small_request()
    request["content"] = base64.b64encode(wav_bytes(1044)).decode("ascii")  # with uri: both audio sources
    request["recognitionModel"]["audioFormat"] = {
        "rawAudio": {"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": "12a", "audioChannelCount": "1"}
    }
    request["speakerLabelling"] = {"speakerLabeling": "SPEAKER_LABELING_ENABLED"}  # unknown field
    return request


def stt_v2_request() -> dict[str, Any]:
    """An STT v2 LongRunningRecognize request for 8 kHz LPCM audio in Object Storage."""
    return {
        "config": {
            "specification": {
                "languageCode": "ru-RU",
                "model": "general",
                "profanityFilter": False,
                "literatureText": True,
                "audioEncoding": "LINEAR16_PCM",
                "sampleRateHertz": "8000",
                "audioChannelCount": "1",
                "rawResults": False,
            },
            "folderId": "b1g2bench3folder4id5",
        },
        "audio": {"uri": "https://storage.yandexcloud.net/bench-bucket/calls/2026-11-20/call-000123.pcm"},
    }


_TRANSCRIPT: Final = (
    "good afternoon you have reached customer support how can i help you my card payment keeps failing "
    "for the third time could you please tell me the order number let me check thank you for waiting"
)
_WORDS: Final = tuple(_TRANSCRIPT.split())


def stt_v2_operation(words: int = 2000, per_chunk: int = 20) -> dict[str, Any]:
    """A done STT v2 Operation whose LongRunningRecognitionResponse holds ``words`` words in chunks."""
    chunks = []
    for start in range(0, words, per_chunk):
        items = []
        for i in range(start, min(start + per_chunk, words)):
            begin = i * 400  # milliseconds
            items.append(
                {
                    "startTime": f"{begin // 1000}.{begin % 1000:03d}s",
                    "endTime": f"{(begin + 350) // 1000}.{(begin + 350) % 1000:03d}s",
                    "word": _WORDS[i % len(_WORDS)],
                    "confidence": 1 if i % 7 else 0.875,
                }
            )
        chunks.append(
            {
                "alternatives": [
                    {"text": " ".join(w["word"] for w in items), "confidence": 1, "words": items},
                ],
                "channelTag": str(1 + start // per_chunk % 2),
            }
        )
    return {
        "id": "e03bench0operation0id1",
        "description": "STT v2 long-running recognition",
        "createdAt": "2026-11-20T10:00:00Z",
        "createdBy": "ajebench0service0acct",
        "modifiedAt": "2026-11-20T10:01:30.250Z",
        "done": True,
        "response": {
            "@type": "type.googleapis.com/yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse",
            "chunks": chunks,
        },
    }


def word_count(operation: dict[str, Any]) -> int:
    return sum(len(alt["words"]) for chunk in operation["response"]["chunks"] for alt in chunk["alternatives"])
