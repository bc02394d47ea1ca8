"""Structure-aware mutation: change a fuzz input the way a hostile or careless client would, not only bytewise.

Half of the mutations are libFuzzer's own (``atheris.Mutate``, coverage-guided byte edits). The other half read the
input as :mod:`targets` does, parse its payload as JSON and edit the tree: pick another message type, replace a
value with one from :data:`NASTY` (lone surrogates, integers beyond float range, timestamps at the edge of the
calendar, enum numbers as floats, huge digit strings, crafted media in ``content``...), add an unknown key, rename a
key to its proto spelling, duplicate a key in the text, nest deeply, or cut the text short.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import re
from collections import deque
from collections.abc import Callable
from typing import Any

import targets

MEDIA = (
    # WAV whose LIST chunk claims 0x7FFFFFFF bytes, a header declaring 4 GB of data, a bare RIFF header.
    b"RIFF\xff\xff\xff\x7fWAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f\x00\x00\x80>\x00\x00\x02\x00\x10\x00"
    b"LIST\xff\xff\xff\x7f",
    b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f\x00\x00\x80>\x00\x00\x02\x00\x10\x00"
    b"data\xff\xff\xff\xff",
    b"RIFF\x04\x00\x00\x00WAVE",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x7f\xff\xff\xff\x7f\xff\xff\xff\x08\x02\x00\x00\x00",
    b"\xff\xd8\xff\xc0\x00\x11\x08\xff\xff\xff\xff\x03\x01\x22\x00",
    b"%PDF-1.7\n1 0 obj<</Type/Pages/Count 99999999/Kids[1 0 R]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF",
    b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x13OpusHead",
    b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f\xff\xfb\x90\x00",
    b"GIF89a\xff\xff\xff\xff\x00",
    b"RIFF\x10\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff",
)

NASTY: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    1.0,
    -0.0,
    0.5,
    1e308,
    -1e308,
    5e-324,
    2**63,
    -(2**63) - 1,
    2**64,
    10**400,
    "",
    " ",
    "\ud800",
    "a\udfffb",
    "\x00",
    "0.5",
    "1e3",
    "NaN",
    "Infinity",
    "-0",
    "0x10",
    "18446744073709551616",
    "9" * 5000,
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "2024-02-30T00:00:00Z",
    "2024-01-01T00:00:00+24:00",
    " 5.185s",
    "5.185s",
    "-315576000001s",
    "1.0000000001s",
    "LINEAR16",
    "LINEAR16_PCM",
    "whitelist",
    "type.googleapis.com/google.protobuf.Value",
    "type.googleapis.com/",
    "https://storage.yandexcloud.net/" + "a/" * 2000,
    "=" * 3,
    "AAAA====",
    "x" * 70_000,
    [],
    {},
    [[[[[[[[[[[]]]]]]]]]]],
    {"@type": "type.googleapis.com/google.protobuf.Struct", "value": {"a": 10**400}},
    {"@type": "type.googleapis.com/google.protobuf.Value", "value": 10**400},
    {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1.5s"},
    {"@type": "type.googleapis.com/google.protobuf.Timestamp", "value": "9999-12-31T23:59:59-23:59"},
)

_CAMEL = re.compile(r"[A-Z]")


def _nasty(rng: random.Random) -> Any:
    if rng.random() < 0.15:
        return base64.b64encode(rng.choice(MEDIA) + rng.randbytes(rng.randrange(64))).decode()
    return rng.choice(NASTY)


def _nodes(tree: Any, limit: int = 2000) -> list[tuple[Any, Any]]:
    """``(container, key or index)`` of values in the tree, breadth first (at most ``limit``)."""
    found: list[tuple[Any, Any]] = []
    queue = deque([tree])
    while queue and len(found) < limit:
        node = queue.popleft()
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in children:
            found.append((node, key))
            queue.append(value)
    return found


def _edit_tree(tree: Any, rng: random.Random) -> Any:
    nodes = _nodes(tree)
    if not nodes:
        return _nasty(rng) if rng.random() < 0.3 else {"bogus": _nasty(rng)}
    container, key = rng.choice(nodes)
    value = container[key]
    edit = rng.randrange(9)
    if edit == 0:
        container[key] = _nasty(rng)
    elif edit == 1 and isinstance(container, dict):
        snake = _CAMEL.sub(lambda m: "_" + m.group().lower(), key)
        container[snake] = container.pop(key)
    elif edit == 2 and isinstance(container, dict):
        container[rng.choice(["bogus", "result", "error", "@type", "value", "__proto__", "\ud800"])] = _nasty(rng)
    elif edit == 3:
        del container[key]
    elif edit == 4 and isinstance(value, (int, float)) and not isinstance(value, bool):
        spellings = [str(value), -value, value * 10 ** rng.randrange(1, 30), value + 0.5]
        container[key] = rng.choice(spellings) if abs(value) < 1e300 else str(value)
    elif edit == 5 and isinstance(value, str):
        container[key] = _edit_string(value, rng)
    elif edit == 6:
        container[key] = [value] * rng.randrange(2, 50) if rng.random() < 0.5 else {"a": value}
    elif edit == 7 and isinstance(value, str) and rng.random() < 0.5:
        container[key] = _edit_content(value, rng)
    else:
        container[key] = json.loads(json.dumps(rng.choice(nodes)[0]))  # a copy of another part of the tree
    return tree


def _edit_string(value: str, rng: random.Random) -> str:
    at = rng.randrange(len(value) + 1)
    insert = rng.choice(["\ud800", "\x00", "%", "%zz", "%2F", "/", "{", "}", "*", ":", "?", "#", "é", " ", "\n"])
    if rng.random() < 0.2:
        return value * rng.randrange(2, 200)
    return value[:at] + insert + value[at:]


def _edit_content(value: str, rng: random.Random) -> str:
    """Decode base64 content, edit its bytes (mostly near the header), encode it again."""
    try:
        raw = bytearray(binascii.a2b_base64(value))
    except (binascii.Error, ValueError):
        raw = bytearray(rng.choice(MEDIA))
    if not raw:
        raw = bytearray(rng.choice(MEDIA))
    for _ in range(rng.randrange(1, 5)):
        at = rng.randrange(min(len(raw), 64))
        raw[at] = rng.choice([0, 0xFF, 0x7F, 0x80, rng.randrange(256)])
    if rng.random() < 0.3:
        raw = raw[: rng.randrange(len(raw) + 1)]
    return base64.b64encode(bytes(raw)).decode()


def _serialize(tree: Any, rng: random.Random) -> bytes:
    text = json.dumps(tree, ensure_ascii=True, indent=rng.choice([None, None, 1]))
    trick = rng.randrange(12)
    if trick == 0 and text.startswith("{") and len(text) > 2:
        # a duplicate key, which json.loads would have merged
        return ('{"uri": 1, "uri": 2, ' + text[1:]).encode()
    if trick == 1:
        return ("[" * rng.randrange(10, 3000) + text).encode()
    if trick == 2:
        return text[: rng.randrange(len(text) + 1)].encode()
    if trick == 3:
        return text.encode("utf-16")
    if trick == 4:
        return b"\xef\xbb\xbf" + text.encode()
    return text.encode()


def structured(body: bytes, rng: random.Random) -> bytes | None:
    """A structural edit of a JSON body (``None`` when the body is not JSON)."""
    try:
        tree = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return _serialize(_edit_tree(tree, rng), rng)


def _mutate_request(data: bytes, rng: random.Random) -> bytes | None:
    head, sep, body = data[targets.HEADER :].partition(b"\n\n")
    lines = head.split(b"\n")
    choice = rng.randrange(4)
    if choice == 0 and body:
        edited = structured(body, rng)
        if edited is None:
            return None
        body = edited
    elif choice == 1:
        line = lines[0].decode("utf-8", "surrogateescape")
        lines[0] = _edit_string(line, rng).encode("utf-8", "surrogatepass")
    elif choice == 2:
        name = rng.choice([b"Authorization", b"Grpc-Metadata-x", b"x-request-id", b"Content-Type", b"bad header"])
        value = rng.choice([b"Bearer \xff", b"Bearer SECRET\r\nx: y", b"Api-Key", b"", b"\x00", b"a" * 10_000])
        lines.append(name + b": " + value)
    else:
        query = rng.choice([b"?operationId=", b"&operation_id=1", b"&bogus=1", b"&a[b]=c", b"&%ZZ=1", b"&fields=x"])
        lines[0] += query + _edit_string("x", rng).encode("utf-8", "surrogatepass")
    return data[: targets.HEADER] + b"\n".join(lines) + (sep or (b"\n\n" if body else b"")) + body


def make_mutator(surface: str, byte_mutate: Callable[[bytes, int], bytes]) -> Callable[[bytes, int, int], bytes]:
    """libFuzzer's custom mutator for ``surface``: ``byte_mutate`` (``atheris.Mutate``) or a structural edit."""

    def mutator(data: bytes, max_size: int, seed: int) -> bytes:
        rng = random.Random(seed)
        if rng.random() < 0.5 or len(data) < targets.HEADER:
            return byte_mutate(data, max_size)
        if rng.random() < 0.1:  # another type, another way of passing the payload
            return bytes([rng.randrange(256), rng.randrange(256)]) + data[targets.HEADER :]
        try:
            if surface == "transcode":
                out = _mutate_request(data, rng)
            else:
                out = structured(data[targets.HEADER :], rng)
                out = None if out is None else data[: targets.HEADER] + out
        except (ValueError, TypeError, OverflowError, RecursionError, MemoryError):
            out = None  # an edit this tree does not take: libFuzzer's own mutation instead
        if out is None or len(out) > max_size:
            return byte_mutate(data, max_size)
        return out

    return mutator
