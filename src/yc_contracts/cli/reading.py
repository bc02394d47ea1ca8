"""How the command line reads its input: regular files and standard input, never more than a set number of bytes.

A payload file is read whole (the validators need the whole text), so the CLI bounds what it reads: at most
:data:`DEFAULT_MAX_INPUT_BYTES` per file unless ``--max-input-size`` or ``max-input-size`` in
``[tool.yc-contracts]`` says otherwise, and only regular files: a FIFO, a socket or a device (``/dev/zero``)
named as a file would hang the run or never end, so it is refused before a byte is read. Standard input (``-``)
may be a pipe, and is read in chunks up to the same bound.

Every problem is an :class:`InputError` carrying the finding's rule id (``input.unreadable``,
``input.not_a_file``, ``input.too_large``) and the reason, to follow "cannot read the file: "; it never repeats
the file's content.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from typing import IO, Final

from yc_contracts.contract.errors import YcContractsError
from yc_contracts.validation.budget import MAX_REQUEST_BYTES

DEFAULT_MAX_INPUT_BYTES: Final = MAX_REQUEST_BYTES
"""32 MiB, :data:`~yc_contracts.validation.budget.MAX_REQUEST_BYTES`: room for the largest request the contract
allows (an OCR request with 20 MiB of ``content``, about 28 MB of JSON)."""

CHUNK_BYTES: Final = 1024 * 1024
"""What one ``read`` of standard input asks for."""

_UNITS: Final = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_SIZE: Final = re.compile(r"\s*([0-9]+)\s*([kmg]?)(?:i?b)?\s*", re.IGNORECASE)


class InputError(YcContractsError):
    """An input the CLI will not or cannot read: ``rule`` is the finding's rule id, ``message`` the reason."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def parse_size(text: str | int) -> int:
    """A size in bytes from ``33554432``, ``32M``, ``32MiB``, ``512k`` or ``1G`` (1024-based units).

    Raises:
        ValueError: not such a size, or not at least 1 byte.
    """
    if isinstance(text, bool):
        raise ValueError(f"{text!r} is not a size")
    if isinstance(text, int):
        value = text
    else:
        match = _SIZE.fullmatch(text)
        if match is None:
            raise ValueError(f"{text!r} is not a size; write bytes, or a number with K, M or G (e.g. 64M)")
        value = int(match.group(1)) * _UNITS[match.group(2).lower()]
    if value < 1:
        raise ValueError(f"{text!r}: the size must be at least 1 byte")
    return value


def shown_size(size: int) -> str:
    """``33554432 bytes (32 MiB)``: a byte count, and its MiB or KiB when it is a round number of them."""
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size:,} bytes ({size // factor} {unit})"
    return f"{size:,} bytes"


def _too_large(limit: int, found: str) -> InputError:
    return InputError(
        "input.too_large",
        f"{found} than the maximum input size of {shown_size(limit)}; "
        "raise it with --max-input-size or max-input-size in [tool.yc-contracts]",
    )


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def reason(error: OSError) -> str:
    """The operating system's sentence for ``error``, without the file name (the caller names the file)."""
    return error.strerror or type(error).__name__


def _check_mode(mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise InputError("input.unreadable", "it is a folder, not a file")
    if not stat.S_ISREG(mode):
        raise InputError(
            "input.not_a_file",
            f"it is {_kind(mode)}: only regular files are read (pipe the data in and name it -, standard input)",
        )


_OPEN_FLAGS: Final = (
    os.O_RDONLY
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOCTTY", 0)
    # Opening a FIFO for reading waits for a writer; non-blocking, open returns at once and fstat refuses it.
    | getattr(os, "O_NONBLOCK", 0)
)


def read_file(path: str, limit: int) -> bytes:
    """The bytes of the regular file ``path``, if it holds at most ``limit`` bytes.

    Raises:
        InputError: it cannot be opened or read, is not a regular file, or is larger than ``limit``.
    """
    try:
        _check_mode(os.stat(path).st_mode)  # refuse a FIFO or a device before opening it
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as e:
        raise InputError("input.unreadable", reason(e)) from e
    try:
        info = os.fstat(fd)
        _check_mode(info.st_mode)  # the file may have been replaced between stat and open
        if info.st_size > limit:
            raise _too_large(limit, f"it holds {info.st_size:,} bytes, more")
        # One read of the size fstat gave (no copy); more only if the file grew since.
        first = os.read(fd, info.st_size + 1)
        if len(first) <= info.st_size:
            return first
        return _read_chunks(lambda size: os.read(fd, size), limit, [first], "it grew while it was read, to more")
    except OSError as e:
        raise InputError("input.unreadable", reason(e)) from e
    finally:
        os.close(fd)


def read_stream(stream: IO[bytes], limit: int) -> bytes:
    """All of ``stream`` (standard input), read in chunks, if it holds at most ``limit`` bytes.

    Raises:
        InputError: it cannot be read, or holds more than ``limit`` bytes (reading stops there).
    """
    try:
        return _read_chunks(stream.read, limit, [], "it holds more")
    except OSError as e:
        raise InputError("input.unreadable", reason(e)) from e


def _read_chunks(read: Callable[[int], bytes], limit: int, chunks: list[bytes], too_large: str) -> bytes:
    """``chunks`` and what ``read`` gives after them, up to its end, in chunks of at most :data:`CHUNK_BYTES`.

    Raises:
        InputError: more than ``limit`` bytes in all (reading stops one byte past it); ``too_large`` says how.
        OSError: from ``read``.
    """
    total = sum(map(len, chunks))
    while total <= limit:
        chunk = read(min(CHUNK_BYTES, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
    raise _too_large(limit, too_large)
