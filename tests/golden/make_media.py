"""Write the tiny media files the golden corpus embeds as base64 ``content`` (tests/golden/media/).

Every file is built byte by byte with the standard library only (no Pillow, no encoders), deterministically, so
``test_golden.py`` can check that the committed files are exactly what this script makes. Run it from anywhere::

    python tests/golden/make_media.py

The files, and what the corpus uses them for:

============================  =====================================================================
``tiny.png``                  a valid 2x2 RGB PNG (zlib + CRCs)
``huge_5000x5000.png``        a valid 5000x5000 1-bit grayscale PNG (25M pixels; the IDAT deflates to ~3 KB)
``truncated.png``             the first 20 bytes of ``tiny.png``: the IHDR chunk is cut short
``tiny.jpg``                  a baseline 8x8 grayscale JPEG with the Annex K Huffman tables, one flat block
``truncated.jpg``             the SOI, APP0 and DQT segments of ``tiny.jpg``: no frame header
``tiny.webp``                 a 1x1 lossless WEBP (RIFF/WEBP/VP8L)
``tiny_vp8x.webp``            a 1x1 extended WEBP (RIFF/WEBP/VP8X + VP8L)
``tiny.gif``                  a 1x1 GIF89a (a format OCR does not accept)
``one_page.pdf``              a one-page PDF with a text content stream and a correct xref table
``two_pages.pdf``             a two-page PDF
``pages_201.pdf``             a 201-page PDF (one more than the documented 200)
``broken.pdf``                a ``%PDF-`` header followed by no objects, no xref and no trailer
``tone_8k.wav``               RIFF/WAVE, 16-bit mono 8 kHz, 100 frames of a 440 Hz tone (``wave`` module)
``truncated.wav``             the first 24 bytes of ``tone_8k.wav``: the fmt chunk is cut short
``tone_8k.lpcm``              the raw samples of ``tone_8k.wav`` (200 bytes, no header)
``odd.lpcm``                  the same samples plus one stray byte (201 bytes: a partial 16-bit frame)
``opus.ogg``                  three Ogg pages with valid CRCs: OpusHead, OpusTags and one silent Opus packet
``frames.mp3``                an ID3v2 tag and two MPEG-1 Layer III frames (32 kbit/s, 32 kHz, mono)
============================  =====================================================================
"""

from __future__ import annotations

import io
import math
import struct
import sys
import wave
import zlib
from collections.abc import Callable
from pathlib import Path

MEDIA = Path(__file__).resolve().parent / "media"


# ----------------------------------------------------------------------------------------------------- PNG


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, rows: list[bytes], *, bit_depth: int, color_type: int) -> bytes:
    """A PNG from filtered scanlines (each row already starts with its filter byte)."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + _png_chunk(b"IEND", b"")
    )


def tiny_png() -> bytes:
    red, green, blue, white = b"\xff\x00\x00", b"\x00\xff\x00", b"\x00\x00\xff", b"\xff\xff\xff"
    return png(2, 2, [b"\x00" + red + green, b"\x00" + blue + white], bit_depth=8, color_type=2)


def huge_png() -> bytes:
    row = b"\x00" + bytes(5000 // 8)  # filter "none", 5000 one-bit pixels
    return png(5000, 5000, [row] * 5000, bit_depth=1, color_type=0)


# ---------------------------------------------------------------------------------------------------- JPEG

# ITU-T T.81 Annex K: the example luminance quantization table and the typical luminance Huffman tables.
_QUANT = bytes.fromhex(
    "100b0a101828333d0c0c0e131a3a3c370e0d1018283945380e11161d3357503e"
    "12162538446d674d182337405168715c31404e5767797865485c5f6270646763"
)  # row by row: 16 11 10 16 24 40 51 61 / 12 12 14 19 26 58 60 55 / ... / 72 92 95 98 112 100 103 99
_ZIGZAG = (
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
    28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61,
    54, 47, 55, 62, 63,
)  # fmt: skip
_DC_BITS = bytes([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
_DC_VALUES = bytes(range(12))
_AC_BITS = bytes([0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D])
_AC_VALUES = bytes.fromhex(
    "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738"
    "393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5"
    "a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa"
)


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _huffman_codes(bits: bytes, values: bytes) -> dict[int, str]:
    """Canonical Huffman codes (T.81 Annex C) as bit strings, by symbol."""
    codes, code, k = {}, 0, 0
    for length, count in enumerate(bits, start=1):
        for _ in range(count):
            codes[values[k]] = format(code, f"0{length}b")
            code, k = code + 1, k + 1
        code <<= 1
    return codes


def tiny_jpeg() -> bytes:
    """An 8x8 mid-gray baseline JPEG: one block whose DC difference is 0 and whose AC coefficients are all 0."""
    dc, ac = _huffman_codes(_DC_BITS, _DC_VALUES), _huffman_codes(_AC_BITS, _AC_VALUES)
    bits = dc[0] + ac[0x00]  # DC category 0 (no extra bits), then end-of-block
    bits += "1" * (-len(bits) % 8)  # pad the last byte with 1-bits
    scan = bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits), 8))
    assert 0xFF not in scan  # nothing to byte-stuff
    quant = bytes(_QUANT[_ZIGZAG[i]] for i in range(64))  # DQT lists the table in zigzag order
    return (
        b"\xff\xd8"
        + _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")  # APP0: JFIF 1.1, 1:1 aspect
        + _segment(0xDB, b"\x00" + quant)  # DQT: 8-bit table 0
        + _segment(0xC0, struct.pack(">BHHB", 8, 8, 8, 1) + b"\x01\x11\x00")  # SOF0: 8x8, one component
        + _segment(0xC4, b"\x00" + _DC_BITS + _DC_VALUES)  # DHT: DC table 0
        + _segment(0xC4, b"\x10" + _AC_BITS + _AC_VALUES)  # DHT: AC table 0
        + _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")  # SOS: component 1 with tables 0/0, Ss=0 Se=63 Ah=Al=0
        + scan
        + b"\xff\xd9"
    )


# ---------------------------------------------------------------------------------------------------- WEBP


def _riff(form: bytes, chunks: list[tuple[bytes, bytes]]) -> bytes:
    body = form
    for kind, data in chunks:
        body += kind + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")
    return b"RIFF" + struct.pack("<I", len(body)) + body


# A 1x1 lossless bitstream (the image Modernizr's WebP lossless detection decodes): signature 0x2f, 14-bit
# width-1 and height-1 (0, 0), alpha hint, version 0, then the entropy-coded pixel.
_VP8L_1X1 = bytes.fromhex("2f00000010071011118888fe07")


def tiny_webp() -> bytes:
    return _riff(b"WEBP", [(b"VP8L", _VP8L_1X1)])


def tiny_vp8x_webp() -> bytes:
    """VP8X (extended format, alpha flag) announcing a 1x1 canvas, then the same VP8L bitstream."""
    flags, width, height = 0x10, 1, 1
    vp8x = bytes([flags, 0, 0, 0]) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return _riff(b"WEBP", [(b"VP8X", vp8x), (b"VP8L", _VP8L_1X1)])


# ----------------------------------------------------------------------------------------------------- GIF


def tiny_gif() -> bytes:
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0)  # 1x1, global color table of 2 entries
        + b"\x00\x00\x00\xff\xff\xff"
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, 1, 1, 0)  # image descriptor
        + b"\x02\x02\x44\x01\x00"  # LZW minimum code size 2, one 2-byte sub-block, terminator
        + b"\x3b"
    )


# ----------------------------------------------------------------------------------------------------- PDF


def pdf(pages: int, *, text: bool = False) -> bytes:
    """A PDF 1.4 file with ``pages`` pages (one page tree node), a classic xref table with exact offsets."""
    objects: list[bytes] = []
    first_page = 5 if text else 3
    kids = " ".join(f"{first_page + i} 0 R" for i in range(pages))
    objects.append(b"<</Type/Catalog/Pages 2 0 R>>")
    resources = b"<</Font<</F1 4 0 R>>>>" if text else b"<<>>"
    objects.append(
        b"<</Type/Pages/Kids["
        + kids.encode()
        + b"]/Count %d/MediaBox[0 0 200 100]/Resources " % pages
        + resources
        + b">>"
    )
    page = b"<</Type/Page/Parent 2 0 R>>"
    if text:
        stream = b"BT /F1 18 Tf 20 40 Td (golden corpus) Tj ET"
        objects.append(b"<</Length %d>>stream\n" % len(stream) + stream + b"\nendstream")
        objects.append(b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>")
        page = b"<</Type/Page/Parent 2 0 R/Contents 3 0 R>>"
    objects += [page] * pages
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def broken_pdf() -> bytes:
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\nthis file stops here: no objects, no xref table, no trailer\n"


# ----------------------------------------------------------------------------------------------------- WAV


def tone_samples(frames: int = 100, rate: int = 8000, hertz: float = 440.0) -> bytes:
    return b"".join(struct.pack("<h", round(8000 * math.sin(2 * math.pi * hertz * i / rate))) for i in range(frames))


def tone_wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(tone_samples())
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------------------- OGG


def _ogg_crc(data: bytes) -> int:
    """CRC-32 as Ogg computes it: polynomial 0x04C11DB7, MSB first, initial value 0, no final XOR."""
    crc = 0
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _ogg_page(packet: bytes, *, flags: int, granule: int, sequence: int, serial: int = 0x476F6C64) -> bytes:
    assert len(packet) < 255  # one lacing value
    header = b"OggS" + struct.pack("<BBqIIIB", 0, flags, granule, serial, sequence, 0, 1) + bytes([len(packet)])
    page = header + packet
    return page[:22] + struct.pack("<I", _ogg_crc(page)) + page[26:]


def opus_ogg() -> bytes:
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)  # version 1, mono, pre-skip 312
    vendor = b"yc-contracts golden corpus"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    silence = b"\xf8"  # TOC: CELT-only fullband 20 ms, mono, one frame of length 0 (DTX/silence)
    return (
        _ogg_page(head, flags=0x02, granule=0, sequence=0)
        + _ogg_page(tags, flags=0x00, granule=0, sequence=1)
        + _ogg_page(silence, flags=0x04, granule=960, sequence=2)
    )


# ----------------------------------------------------------------------------------------------------- MP3


def mp3_frames() -> bytes:
    """An ID3v2.3 tag with one TIT2 frame, then two silent MPEG-1 Layer III frames of 144 bytes each."""
    title = b"\x00golden"  # encoding ISO-8859-1, then the text
    tit2 = b"TIT2" + struct.pack(">IH", len(title), 0) + title
    id3 = b"ID3\x03\x00\x00" + bytes([0, 0, 0, len(tit2)]) + tit2  # syncsafe size (< 128)
    # 0xFFFB: sync, MPEG-1, Layer III, no CRC; 0x18: 32 kbit/s, 32 kHz, no padding; 0xC4: mono, original.
    frame = b"\xff\xfb\x18\xc4" + bytes(144 - 4)
    return id3 + frame + frame


# ---------------------------------------------------------------------------------------------------------


def build() -> dict[str, bytes]:
    """Every media file by name (the script's whole output)."""
    png_bytes, jpeg_bytes, wav_bytes = tiny_png(), tiny_jpeg(), tone_wav()
    files: dict[str, Callable[[], bytes]] = {
        "tiny.png": lambda: png_bytes,
        "huge_5000x5000.png": huge_png,
        "truncated.png": lambda: png_bytes[:20],
        "tiny.jpg": lambda: jpeg_bytes,
        "truncated.jpg": lambda: jpeg_bytes[: 2 + 18 + 69],  # SOI, APP0, DQT: stops before SOF0
        "tiny.webp": tiny_webp,
        "tiny_vp8x.webp": tiny_vp8x_webp,
        "tiny.gif": tiny_gif,
        "one_page.pdf": lambda: pdf(1, text=True),
        "two_pages.pdf": lambda: pdf(2),
        "pages_201.pdf": lambda: pdf(201),
        "broken.pdf": broken_pdf,
        "tone_8k.wav": lambda: wav_bytes,
        "truncated.wav": lambda: wav_bytes[:24],
        "tone_8k.lpcm": tone_samples,
        "odd.lpcm": lambda: tone_samples() + b"\x00",
        "opus.ogg": opus_ogg,
        "frames.mp3": mp3_frames,
    }
    return {name: make() for name, make in files.items()}


def main() -> int:
    MEDIA.mkdir(exist_ok=True)
    for name, data in build().items():
        assert len(data) <= 20 * 1024, name
        (MEDIA / name).write_bytes(data)
        print(f"{len(data):6d}  media/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
