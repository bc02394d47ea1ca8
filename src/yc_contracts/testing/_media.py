"""File content that passes content inspection: what :mod:`yc_contracts.validation.content` reads, built byte by byte.

The validators decode the ``content`` of three request types and compare it with what the request declares
(:data:`yc_contracts.validation.content.INSPECTORS`): an OCR file must be a JPEG, PNG, WEBP or PDF of the declared
``mimeType`` with readable dimensions; audio must be of the declared container, and raw LPCM a whole number of
16-bit frames. A message drawn with random ``content`` bytes would fail that, so :func:`fix_content` replaces
the content of those types with a small file of the right kind, chosen from what the rest of the message says.

Every file is small (well under a kilobyte) and built with the standard library: a PNG with real zlib data and
CRCs, a JPEG and a WEBP with the headers that carry the dimensions, a PDF with a correct cross-reference
table, a WAV written by :mod:`wave`, Ogg and MP3 data behind their signatures.
"""

from __future__ import annotations

import io
import struct
import wave
import zlib
from collections.abc import Callable
from typing import Final

import hypothesis.strategies as st
from google.protobuf.message import Message
from hypothesis.strategies import SearchStrategy

from yc_contracts.validation.content import OCR_FORMATS, sniff

__all__ = ["CONTENT_TYPES", "audio_file", "fix_content", "ocr_file"]

_SIDE: Final = st.integers(1, 64)  # image dimensions: tiny, far below any pixel limit
_NOISE: Final = st.binary(max_size=32)


# ------------------------------------------------------------------------------------------------ images


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int) -> bytes:
    """A valid 8-bit grayscale PNG of ``width`` x ``height`` black pixels."""
    rows = (b"\x00" + bytes(width)) * height  # each scanline: filter type 0, then its pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows))
        + _png_chunk(b"IEND", b"")
    )


def jpeg(width: int, height: int) -> bytes:
    """A JPEG's header segments: SOI, a JFIF APP0 and a baseline frame header (SOF0) with the dimensions."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"  # one 8-bit component
    return (
        b"\xff\xd8"
        + b"\xff\xe0"
        + struct.pack(">H", len(app0) + 2)
        + app0
        + b"\xff\xc0"
        + struct.pack(">H", len(sof0) + 2)
        + sof0
        + b"\xff\xd9"
    )


def webp(width: int, height: int) -> bytes:
    """An extended WEBP (RIFF/WEBP/VP8X) whose canvas is ``width`` x ``height``."""
    vp8x = b"\x00\x00\x00\x00" + struct.pack("<I", width - 1)[:3] + struct.pack("<I", height - 1)[:3]
    chunk = b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def pdf(pages: int) -> bytes:
    """A PDF with ``pages`` empty pages and a correct cross-reference table."""
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        *(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>" for _ in range(pages)),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


_IMAGES: Final[dict[str, Callable[[int, int], bytes]]] = {"JPEG": jpeg, "PNG": png, "WEBP": webp}


def ocr_file(mime_type: str = "") -> SearchStrategy[bytes]:
    """Files OCR accepts whose format agrees with ``mime_type`` (any of the four formats when it is empty).

    Raises:
        ValueError: ``mime_type`` names no format OCR accepts.
    """
    formats = [name for name, spellings in OCR_FORMATS.items() if not mime_type or mime_type in spellings]
    if not formats:
        raise ValueError(f"OCR accepts no files of mimeType {mime_type!r}")
    return st.sampled_from(formats).flatmap(_ocr_format)


def _ocr_format(name: str) -> SearchStrategy[bytes]:
    if name == "PDF":
        return st.integers(1, 3).map(pdf)
    return st.builds(_IMAGES[name], _SIDE, _SIDE)


# ------------------------------------------------------------------------------------------------- audio


def wav(frames: bytes, sample_rate: int, channels: int) -> bytes:
    """A 16-bit PCM WAV file holding ``frames`` (whole frames of ``channels`` samples)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(frames)
    return out.getvalue()


def _lpcm(frame_count: int, frame: int, noise: bytes) -> bytes:
    data = (noise * (frame_count * frame // max(len(noise), 1) + 1))[: frame_count * frame] if noise else b""
    data = data or bytes(frame_count * frame)
    if sniff(data[:64]) is not None:  # raw samples that happen to start like a container's signature
        data = b"\x00" + data[1:]
    return data


def audio_file(kind: str, channels: int = 1) -> SearchStrategy[bytes]:
    """Audio content of ``kind`` (``LINEAR16_PCM``, ``WAV``, ``OGG_OPUS`` or ``MP3``); raw LPCM is a whole
    number of 16-bit frames of ``channels`` samples.

    Raises:
        ValueError: ``kind`` is none of those.
    """
    if kind == "LINEAR16_PCM":
        frame = 2 * max(channels, 1)
        return st.builds(_lpcm, st.integers(1, 8), st.just(frame), _NOISE)
    if kind == "WAV":
        return st.builds(
            lambda n, rate, ch, noise: wav(_lpcm(n, 2 * ch, noise), rate, ch),
            st.integers(0, 8),
            st.sampled_from([8000, 16000, 48000]),
            st.integers(1, 2),
            _NOISE,
        )
    if kind == "OGG_OPUS":
        return _NOISE.map(lambda noise: b"OggS\x00\x02" + noise)
    if kind == "MP3":
        return _NOISE.map(lambda noise: b"ID3\x04\x00\x00\x00\x00\x00\x00" + noise)
    raise ValueError(f"no audio content of kind {kind!r}")


# ------------------------------------------------------------------------------------------------ messages


def _present(msg: Message, name: str) -> bool:
    field = msg.DESCRIPTOR.fields_by_name.get(name)
    if field is None:
        return False
    if field.has_presence:
        return msg.HasField(name)
    return bool(getattr(msg, name))


def _enum_name(msg: Message, name: str) -> str:
    enum = msg.DESCRIPTOR.fields_by_name[name].enum_type
    value = enum.values_by_number.get(getattr(msg, name)) if enum is not None else None
    return value.name if value is not None else ""


_MAX_CHANNELS: Final = 8
"""Raw LPCM content is a whole number of frames of ``2 x channels`` bytes: a drawn channel count above this is
redrawn (within it) wherever the content is inspected, or no small content could be whole frames."""


def _channels(draw: st.DrawFn, holder: Message, fixed: bool) -> int:
    channels: int = holder.audio_channel_count  # type: ignore[attr-defined]
    if channels > _MAX_CHANNELS and not fixed:
        channels = draw(st.integers(1, _MAX_CHANNELS), label="audio_channel_count")
        holder.audio_channel_count = channels  # type: ignore[attr-defined]
    return channels


def _fix_ocr(draw: st.DrawFn, msg: Message, fixed: frozenset[str]) -> None:
    if "content" in fixed or not _present(msg, "content"):
        return
    mime = getattr(msg, "mime_type", "")
    if not mime or any(mime in spellings for spellings in OCR_FORMATS.values()):
        msg.content = draw(ocr_file(mime))  # type: ignore[attr-defined]


def _fix_stt_v3(draw: st.DrawFn, msg: Message, fixed: frozenset[str]) -> None:
    if "content" in fixed or not _present(msg, "content"):
        return
    audio_format = msg.recognition_model.audio_format  # type: ignore[attr-defined]
    if audio_format.HasField("raw_audio"):
        raw = audio_format.raw_audio
        if _enum_name(raw, "audio_encoding") == "LINEAR16_PCM":
            channels = _channels(draw, raw, "recognition_model" in fixed)
            msg.content = draw(audio_file("LINEAR16_PCM", channels))  # type: ignore[attr-defined]
    elif audio_format.HasField("container_audio"):
        kind = _enum_name(audio_format.container_audio, "container_audio_type")
        if kind in ("WAV", "OGG_OPUS", "MP3"):
            msg.content = draw(audio_file(kind))  # type: ignore[attr-defined]


def _fix_stt_v2(draw: st.DrawFn, msg: Message, fixed: frozenset[str]) -> None:
    audio = msg.audio  # type: ignore[attr-defined]
    if "audio" in fixed or not msg.HasField("audio") or not audio.HasField("content"):
        return
    spec = msg.config.specification  # type: ignore[attr-defined]
    kind = _enum_name(spec, "audio_encoding")
    kind = "OGG_OPUS" if kind in ("", "AUDIO_ENCODING_UNSPECIFIED") else kind  # the documented default
    if kind in ("LINEAR16_PCM", "OGG_OPUS", "MP3"):
        channels = _channels(draw, spec, "config" in fixed) if kind == "LINEAR16_PCM" else 1
        audio.content = draw(audio_file(kind, channels))


CONTENT_TYPES: Final[dict[str, Callable[[st.DrawFn, Message, frozenset[str]], None]]] = {
    "yandex.cloud.ai.ocr.v1.RecognizeTextRequest": _fix_ocr,
    "speechkit.stt.v3.RecognizeFileRequest": _fix_stt_v3,
    "yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest": _fix_stt_v2,
}
"""The request types whose content is inspected, and how their content is made to pass."""


def fix_content(draw: st.DrawFn, msg: Message, fixed: frozenset[str] = frozenset()) -> None:
    """Replace the ``content`` of an inspected request type with a file that agrees with the message.

    Other types, content the inspection does not look at (audio of an unspecified format), and fields in
    ``fixed`` (overridden by the caller) are left as they are; a raw-LPCM channel count above
    :data:`_MAX_CHANNELS` is redrawn unless its message is fixed.
    """
    fixer = CONTENT_TYPES.get(msg.DESCRIPTOR.full_name)
    if fixer is not None:
        fixer(draw, msg, fixed)
