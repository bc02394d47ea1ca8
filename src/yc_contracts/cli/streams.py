"""What every command shares with :func:`yc_contracts.cli.main.run`: its streams, and the usage error."""

from __future__ import annotations

import sys
from typing import IO, TextIO

from yc_contracts.contract.errors import YcContractsError


class UsageError(YcContractsError):
    """The command line itself is wrong (exit status 2)."""


class Streams:
    """The streams a command may use: text out and err, and standard input (bytes), read at most once."""

    def __init__(self, stdout: TextIO, stderr: TextIO, stdin: IO[bytes] | None) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self._stdin = stdin
        self._stdin_data: bytes | None = None

    def read_stdin(self, limit: int) -> bytes:
        """All of standard input, read in chunks (the same bytes however often it is asked for).

        Raises:
            InputError: it holds more than ``limit`` bytes, or cannot be read.
        """
        from yc_contracts.cli.reading import read_stream

        if self._stdin_data is None:
            stream = self._stdin if self._stdin is not None else sys.stdin.buffer
            self._stdin_data = read_stream(stream, limit)
        return self._stdin_data

    def read_input(self, name: str, limit: int) -> bytes:
        """The bytes of a file named on the command line, or of standard input for ``-``.

        Raises:
            UsageError: the input cannot be read, is no regular file, or is larger than ``limit`` bytes.
        """
        from yc_contracts.cli.reading import InputError, read_file

        try:
            return self.read_stdin(limit) if name == "-" else read_file(name, limit)
        except InputError as e:
            raise UsageError(f"cannot read {'standard input' if name == '-' else name}: {e.message}") from e

    def write_bytes(self, data: bytes) -> None:
        """Binary output on standard output (refused on a terminal, which would show noise).

        Raises:
            UsageError: standard output is a terminal, or is not backed by a byte stream.
        """
        isatty = getattr(self.stdout, "isatty", None)
        if isatty is not None and isatty():
            raise UsageError("refusing to write binary protobuf to a terminal; redirect it (> request.bin)")
        buffer = getattr(self.stdout, "buffer", None)
        if buffer is None:
            raise UsageError("binary output needs a byte stream; redirect standard output to a file")
        self.stdout.flush()
        buffer.write(data)
        buffer.flush()
