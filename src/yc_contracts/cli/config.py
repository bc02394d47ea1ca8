"""``[tool.yc-contracts]`` in a project's ``pyproject.toml``: which payload files hold which message type.

::

    [tool.yc-contracts]
    exclude = ["tests/fixtures/broken/**"]          # skipped when a folder is searched
    max-input-size = "64M"                          # the largest file read (default 32M; bytes, K, M or G)

    [tool.yc-contracts.payloads]
    # glob (relative to this file's folder) = a message type, a "VERB /path" route (its request body),
    # or "<method>.Operation"; the first glob that matches a file wins.
    "payloads/stt_v3/**/*.json" = "speechkit.stt.v3.RecognizeFileRequest"
    "payloads/ocr/*.yaml" = "POST /ocr/v1/recognizeTextAsync"

A file's configuration is the nearest ``pyproject.toml`` above it that has a ``[tool.yc-contracts]`` table.
Globs use ``/`` on every platform: ``*`` and ``?`` stay within one path segment, ``**`` spans any number of
segments (``dir/**`` is everything below ``dir``), ``[abc]`` is a character class.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from yc_contracts.contract.errors import YcContractsError

TABLE: Final = "yc-contracts"
FILE_NAME: Final = "pyproject.toml"
MAX_INPUT_SIZE_KEY: Final = "max-input-size"


class ConfigError(YcContractsError):
    """A ``[tool.yc-contracts]`` table that cannot be used (wrong shapes, unreadable TOML)."""


@dataclass(frozen=True)
class PayloadGlob:
    """One ``payloads`` entry: a glob and the type (or route) of the files it matches."""

    glob: str
    target: str
    pattern: re.Pattern[str] = field(repr=False, compare=False)


@dataclass(frozen=True)
class ProjectConfig:
    """One ``[tool.yc-contracts]`` table and the folder its globs are relative to."""

    path: Path
    """The ``pyproject.toml`` it was read from."""
    payloads: tuple[PayloadGlob, ...] = ()
    exclude: tuple[PayloadGlob, ...] = ()
    max_input_size: int | None = None
    """``max-input-size`` in bytes, when the table sets it."""

    @property
    def root(self) -> Path:
        return self.path.parent

    def _relative(self, file: Path) -> str | None:
        try:
            return _resolved(file).relative_to(self.root).as_posix()
        except ValueError:
            return None

    def target_for(self, file: Path) -> PayloadGlob | None:
        """The first ``payloads`` entry whose glob matches ``file`` (``None`` if none does)."""
        relative = self._relative(file)
        if relative is None:
            return None
        return next((m for m in self.payloads if m.pattern.fullmatch(relative)), None)

    def excludes(self, path: Path) -> bool:
        """Whether ``path`` (a file or a folder) matches an ``exclude`` glob."""
        relative = self._relative(path)
        return relative is not None and any(m.pattern.fullmatch(relative) for m in self.exclude)


def glob_pattern(glob: str) -> re.Pattern[str]:
    """A regular expression matching the relative POSIX paths that ``glob`` matches (see the module docstring).

    Raises:
        ConfigError: the glob is empty or absolute, or a ``[`` class is not closed.
    """
    if not glob or glob.startswith("/"):
        raise ConfigError(f"glob {glob!r}: write it relative to the pyproject.toml's folder")
    out: list[str] = []
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        if glob.startswith("**", i):
            at_start = i == 0 or glob[i - 1] == "/"
            if at_start and glob.startswith("**/", i):
                out.append("(?:.*/)?")  # zero or more whole segments
                i += 3
            else:
                out.append(".*")
                i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            close = glob.find("]", i + 2)
            if close < 0:
                raise ConfigError(f"glob {glob!r}: '[' without ']'")
            body = glob[i + 1 : close]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            out.append(f"[{'^' if negate else ''}{re.escape(body).replace(chr(92) + '-', '-')}]")
            i = close + 1
        else:
            out.append(re.escape(c))
            i += 1
    if glob.endswith("/"):
        out.append(".*")
    return re.compile("".join(out))


def _mappings(entries: Iterable[tuple[str, Any]], where: str) -> tuple[PayloadGlob, ...]:
    found = []
    for glob, target in entries:
        if not isinstance(target, str) or not target.strip():
            raise ConfigError(f"{where}: {glob!r} must map to a type name or a route (a string), not {target!r}")
        found.append(PayloadGlob(glob, target.strip(), glob_pattern(glob)))
    return tuple(found)


def parse(path: Path, document: dict[str, Any]) -> ProjectConfig | None:
    """The ``[tool.yc-contracts]`` table of a parsed ``pyproject.toml`` (``None`` if it has none).

    Raises:
        ConfigError: the table has unknown keys or values of the wrong type.
    """
    table = document.get("tool", {}).get(TABLE)
    if table is None:
        return None
    where = f"{path}: [tool.{TABLE}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = sorted(set(table) - {"payloads", "exclude", MAX_INPUT_SIZE_KEY})
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r} (the keys are 'payloads', 'exclude' and '{MAX_INPUT_SIZE_KEY}')"
        )
    payloads = table.get("payloads", {})
    if not isinstance(payloads, dict):
        raise ConfigError(f'{where}.payloads must be a table of "glob" = "type or route"')
    exclude = table.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(g, str) for g in exclude):
        raise ConfigError(f"{where}: exclude must be a list of globs")
    max_input_size = None
    if MAX_INPUT_SIZE_KEY in table:
        from yc_contracts.cli.reading import parse_size

        try:
            max_input_size = parse_size(table[MAX_INPUT_SIZE_KEY])
        except ValueError as e:
            raise ConfigError(f"{where}: {MAX_INPUT_SIZE_KEY}: {e}") from None
    return ProjectConfig(
        path=_resolved(path),
        payloads=_mappings(payloads.items(), f"{where}.payloads"),
        exclude=_mappings(((g, "exclude") for g in exclude), f"{where}: exclude"),
        max_input_size=max_input_size,
    )


@lru_cache(maxsize=256)
def _read(path: Path) -> ProjectConfig | None:
    import tomllib

    from yc_contracts.cli.reading import DEFAULT_MAX_INPUT_BYTES, InputError, read_file

    try:
        document = tomllib.loads(read_file(str(path), DEFAULT_MAX_INPUT_BYTES).decode("utf-8"))
    except InputError as e:
        raise ConfigError(f"{path}: cannot read it: {e.message}") from e
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: cannot read it: {e}") from e
    except RecursionError as e:
        raise ConfigError(f"{path}: cannot read it: it nests too deeply") from e
    return parse(path, document)


@lru_cache(maxsize=1024)
def _nearest_in(folder: Path) -> ProjectConfig | None:
    candidate = folder / FILE_NAME
    if candidate.is_file():
        found = _read(candidate)
        if found is not None:
            return found
    return None if folder.parent == folder else _nearest_in(folder.parent)


def nearest(path: Path) -> ProjectConfig | None:
    """The configuration that applies to ``path`` (a file or folder): the nearest table above it.

    Raises:
        ConfigError: that ``pyproject.toml`` cannot be read, or its table is malformed.
    """
    resolved = _resolved(path)
    return _nearest_in(resolved if resolved.is_dir() else resolved.parent)


def _resolved(path: Path) -> Path:
    """``path`` absolute with its symbolic links resolved as far as they go (a loop is left as it is, not an
    error: reading the file reports it)."""
    return Path(os.path.realpath(path))
