"""Content inspection: what the base64 ``content`` of a request really is, compared with what it claims.

Runs after the schema layer has found the content well formed. It decodes only what it needs (the first
bytes for the format and image or WAV headers; the whole file only for a PDF, whose page count lives in its
page tree) and reads headers with well-kept libraries: ``imagesize`` for image dimensions, ``pypdf`` for PDF
pages, the standard library's ``wave`` for WAV headers. The format itself is told by its magic number; the
seven signatures involved are listed in :data:`SIGNATURES` (a dependency for seven byte prefixes would cost
more than it saves).

Every call into a parser goes through :func:`_parse`, the one boundary where whatever a parser raises on
crafted bytes (``RuntimeError`` from ``wave`` on a chunk that claims 2 GB, ``RecursionError`` from a PDF page
tree, ...) becomes ``content.unreadable`` with the reason: the content is the caller's data, so its damage is a
verdict, never an exception.

Rule ids: ``content.unsupported_format``, ``content.format_mismatch``, ``content.unreadable``,
``content.too_many_pixels``, ``content.too_many_pages``, ``content.lpcm_partial_frame``, ``content.truncated``.
"""

from __future__ import annotations

import io
import struct
import wave
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

from yc_contracts.validation import base64_text as _base64
from yc_contracts.validation.violations import Violation

HEAD: Final = 64
"""Bytes decoded to tell the format."""
IMAGE_HEAD: Final = 256 * 1024
"""Bytes decoded first to read an image's dimensions (a JPEG's frame header follows its EXIF data)."""

SIGNATURES: Final[tuple[tuple[str, Callable[[bytes], bool]], ...]] = (
    ("JPEG", lambda b: b.startswith(b"\xff\xd8\xff")),
    ("PNG", lambda b: b.startswith(b"\x89PNG\r\n\x1a\n")),
    ("WEBP", lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP"),
    ("PDF", lambda b: b.startswith(b"%PDF-")),
    ("WAV", lambda b: b[:4] == b"RIFF" and b[8:12] == b"WAVE"),
    ("OGG", lambda b: b.startswith(b"OggS")),
    # An ID3 tag, or an MPEG audio frame sync (11 set bits) with layer III.
    ("MP3", lambda b: b.startswith(b"ID3") or (len(b) > 1 and b[0] == 0xFF and (b[1] & 0xE6) == 0xE2)),
)

# OCR: the documented formats and the mimeType spellings that name each.
OCR_FORMATS: Final = {
    "JPEG": ("JPEG", "image/jpeg"),
    "PNG": ("PNG", "image/png"),
    "WEBP": ("WEBP", "image/webp"),
    "PDF": ("PDF", "application/pdf"),
}
# Audio: the format each declared encoding or container type means (LPCM has no header to find).
AUDIO_FORMATS: Final = {"WAV": "WAV", "OGG_OPUS": "OGG", "MP3": "MP3", "LINEAR16_PCM": None}


_T = TypeVar("_T")


class _UnreadableError(Exception):
    """A parser failed on the content: ``reason`` says how (type and message, shortened)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _parse(parser: Callable[[], _T]) -> _T:
    """Run one parser call on the caller's bytes.

    Raises:
        _UnreadableError: the parser raised anything at all (the one place where that is turned into a verdict).
    """
    try:
        return parser()
    except Exception as e:
        raise _UnreadableError(f"{type(e).__name__}: {str(e)[:120]}" if str(e) else type(e).__name__) from None


def sniff(head: bytes) -> str | None:
    """The format whose magic number ``head`` starts with, or ``None``."""
    return next((name for name, matches in SIGNATURES if matches(head)), None)


def _get(obj: Any, json_name: str, proto_name: str) -> Any:
    """A field's value under either spelling (``None`` when absent, null, or the container is not an object)."""
    if not isinstance(obj, dict):
        return None
    value = obj.get(json_name)
    return obj.get(proto_name) if value is None and proto_name != json_name else value


def _content(obj: Any) -> tuple[str, str] | None:
    """The spelling used and the text of a non-empty ``content`` field.

    Inspection runs only on payloads the schema layer found free of errors, so the text is valid base64.
    """
    text = _get(obj, "content", "content")
    if not isinstance(text, str) or not text:
        return None
    return ("content", text)


def inspect_ocr(obj: Any, limits: Mapping[str, Any]) -> list[Violation]:
    """``yandex.cloud.ai.ocr.v1.RecognizeTextRequest``: format vs ``mimeType``, pixels, PDF pages."""
    found = _content(obj)
    if found is None:
        return []
    where, text = "/content", found[1]
    fmt = sniff(_base64.decode(text, HEAD))
    if fmt not in OCR_FORMATS:
        return [
            Violation(
                where,
                "content.unsupported_format",
                f"the content is {fmt or 'of an unknown format'}; OCR accepts JPEG, PNG, WEBP and PDF files",
            )
        ]
    out: list[Violation] = []
    mime = _get(obj, "mimeType", "mime_type")
    if isinstance(mime, str) and mime and mime not in OCR_FORMATS[fmt]:
        path = "/mimeType" if isinstance(obj, dict) and "mimeType" in obj else "/mime_type"
        out.append(
            Violation(
                path,
                "content.format_mismatch",
                f"mimeType is {mime!r} but the content is a {fmt} file "
                f"({' or '.join(repr(m) for m in OCR_FORMATS[fmt])})",
            )
        )
    if fmt == "PDF":
        out += _pdf_pages(text, where, limits["ocr.max_pdf_pages"])
    else:
        out += _pixels(text, fmt, where, limits["ocr.max_pixels"])
    return out


def _pixels(text: str, fmt: str, where: str, max_pixels: int) -> list[Violation]:
    import imagesize  # type: ignore[import-untyped]

    head = _base64.decode(text, IMAGE_HEAD)
    try:
        width, height = _parse(lambda: imagesize.get(io.BytesIO(head)))
        if (width <= 0 or height <= 0) and len(head) == IMAGE_HEAD:
            width, height = _parse(lambda: imagesize.get(io.BytesIO(_base64.decode(text))))
    except _UnreadableError as e:
        return [Violation(where, "content.unreadable", f"the {fmt} header cannot be read ({e.reason})")]
    if width <= 0 or height <= 0:
        return [
            Violation(
                where,
                "content.unreadable",
                f"the {fmt} header is truncated or damaged: its width and height cannot be read",
            )
        ]
    if width * height > max_pixels:
        return [
            Violation(
                where,
                "content.too_many_pixels",
                f"the image is {width} x {height} = {width * height:,} pixels; at most {max_pixels:,} are allowed",
            )
        ]
    return []


def pdf_page_count(text: str) -> int | None:
    """The number of pages of a base64 PDF, or ``None`` when it cannot be read."""
    try:
        return _count_pdf_pages(text)
    except _UnreadableError:
        return None


def _count_pdf_pages(text: str) -> int:
    import logging

    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf logs recoverable damage as warnings
    data = _base64.decode(text)
    return _parse(lambda: len(pypdf.PdfReader(io.BytesIO(data), strict=False).pages))


def _pdf_pages(text: str, where: str, max_pages: int) -> list[Violation]:
    try:
        pages = _count_pdf_pages(text)
    except _UnreadableError as e:
        return [
            Violation(
                where, "content.unreadable", f"the PDF cannot be read ({e.reason}), so its pages cannot be counted"
            )
        ]
    if pages > max_pages:
        return [
            Violation(where, "content.too_many_pages", f"the PDF has {pages} pages; at most {max_pages} are allowed")
        ]
    return []


def _audio(text: str, declared: str, declared_at: str, sample_rate: int, channels: int) -> list[Violation]:
    """Content vs a declared encoding (``LINEAR16_PCM``) or container (``WAV``, ``OGG_OPUS``, ``MP3``)."""
    where = "/content"
    head = _base64.decode(text, HEAD)
    fmt = sniff(head)
    expected = AUDIO_FORMATS.get(declared)
    if declared == "LINEAR16_PCM":
        if fmt in ("WAV", "OGG", "MP3"):
            return [
                Violation(
                    where,
                    "content.format_mismatch",
                    f"{declared_at} declares LINEAR16_PCM (raw samples, no header) but the content is a {fmt} file",
                )
            ]
        size = _base64.decoded_size(text)
        frame = 2 * max(channels, 1)
        if size % frame:
            seconds = size / frame / sample_rate if sample_rate else 0
            return [
                Violation(
                    where,
                    "content.lpcm_partial_frame",
                    f"the LPCM content is {size:,} bytes, not a whole "
                    f"number of {frame}-byte frames (16-bit x {max(channels, 1)} channel(s)); about "
                    f"{seconds:.2f} s of audio with a truncated last frame",
                    "warning",
                )
            ]
        return []
    if expected is None or fmt == expected:
        return _wav_header(text, where) if fmt == "WAV" else []
    return [
        Violation(
            where,
            "content.format_mismatch",
            f"{declared_at} declares {declared} but the content is {fmt + ' data' if fmt else 'of an unknown format'}",
        )
    ]


WAV_HEAD: Final = 4096
"""Bytes decoded to read a WAV header (its chunks before the audio data)."""


def _wav_header(text: str, where: str) -> list[Violation]:
    head = _base64.decode(text, WAV_HEAD)

    def read() -> None:
        with wave.open(io.BytesIO(head)) as wav:
            wav.getframerate()
            wav.getnchannels()

    try:
        _parse(read)
    except _UnreadableError as e:
        return [Violation(where, "content.unreadable", f"the WAV header is truncated or damaged ({e.reason})")]
    data = _wav_data_chunk(head)
    if data is not None:
        start, declared = data
        held = _base64.decoded_size(text) - start
        if declared > held:
            return [
                Violation(
                    where,
                    "content.truncated",
                    f"the WAV header declares {declared:,} bytes of audio data but the content holds {max(held, 0):,}: "
                    "the file was cut short, and the end of the recording is missing",
                    "warning",
                )
            ]
    return []


def _wav_data_chunk(head: bytes) -> tuple[int, int] | None:
    """Where the ``data`` chunk's bytes start and how many its header declares, if ``head`` shows it.

    The RIFF chunks are walked by their declared sizes (bounded by ``head``, so a crafted size cannot send
    the walk anywhere): ``wave`` does not say where the data starts, nor does it compare its size with the file.
    """
    pos = 12  # after "RIFF" <size> "WAVE"
    while pos + 8 <= len(head):
        chunk_id, size = head[pos : pos + 4], struct.unpack_from("<I", head, pos + 4)[0]
        if chunk_id == b"data":
            return pos + 8, size
        pos += 8 + size + (size & 1)  # chunks are padded to an even size
    return None


def inspect_stt_v3(obj: Any, limits: Mapping[str, Any]) -> list[Violation]:
    """``speechkit.stt.v3.RecognizeFileRequest``: content vs ``recognitionModel.audioFormat``."""
    found = _content(obj)
    if found is None:
        return []
    audio = _get(_get(obj, "recognitionModel", "recognition_model"), "audioFormat", "audio_format")
    raw = _get(audio, "rawAudio", "raw_audio")
    container = _get(audio, "containerAudio", "container_audio")
    if isinstance(raw, dict):
        encoding = _get(raw, "audioEncoding", "audio_encoding")
        if encoding not in ("LINEAR16_PCM", 1):
            return []
        return _audio(
            found[1],
            "LINEAR16_PCM",
            "rawAudio.audioEncoding",
            _int(_get(raw, "sampleRateHertz", "sample_rate_hertz")),
            _int(_get(raw, "audioChannelCount", "audio_channel_count")),
        )
    if isinstance(container, dict):
        kind = _get(container, "containerAudioType", "container_audio_type")
        names = {1: "WAV", 2: "OGG_OPUS", 3: "MP3"}
        number = _number(kind)
        kind = names.get(number, kind) if number is not None else kind
        if kind in ("WAV", "OGG_OPUS", "MP3"):
            return _audio(found[1], kind, "containerAudio.containerAudioType", 0, 1)
    return []


def inspect_stt_v2(obj: Any, limits: Mapping[str, Any]) -> list[Violation]:
    """``yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest``: inline audio vs ``specification.audioEncoding``."""
    audio = _get(obj, "audio", "audio")
    found = _content(audio)
    if found is None:
        return []
    spec = _get(_get(obj, "config", "config"), "specification", "specification")
    encoding = _get(spec, "audioEncoding", "audio_encoding")
    names = {1: "LINEAR16_PCM", 2: "OGG_OPUS", 3: "MP3"}
    number = _number(encoding)
    encoding = names.get(number, number) if number is not None else (encoding or "OGG_OPUS")
    if encoding not in AUDIO_FORMATS:
        return []
    violations = _audio(
        found[1],
        encoding,
        "specification.audioEncoding",
        _int(_get(spec, "sampleRateHertz", "sample_rate_hertz")) or 48000,
        _int(_get(spec, "audioChannelCount", "audio_channel_count")) or 1,
    )
    return [Violation("/audio" + v.path, v.rule, v.message, v.severity) for v in violations]


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "AEIOU" else f"a {word}"


def _number(value: Any) -> int | None:
    """An enum given by number (``1``, or ``1.0``, the same JSON number), else ``None``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if isinstance(value, int) or value.is_integer() else None


def _int(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return 0


INSPECTORS: Final[Mapping[str, Callable[[Any, Mapping[str, Any]], list[Violation]]]] = {
    "yandex.cloud.ai.ocr.v1.RecognizeTextRequest": inspect_ocr,
    "speechkit.stt.v3.RecognizeFileRequest": inspect_stt_v3,
    "yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest": inspect_stt_v2,
}
"""Root message types whose ``content`` is inspected, and how."""
