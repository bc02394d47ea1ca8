"""Fixtures for the CLI tests: ``run()`` called in-process, and the installed console script."""

from __future__ import annotations

import io
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest

from yc_contracts.cli.main import run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def write(root: Path, name: str, text: str | bytes) -> Path:
    """Write ``text`` (str as UTF-8, or bytes) to ``root/name``, making the folders on the way."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


class Cli(Protocol):
    def __call__(self, *argv: str, stdin: bytes = b"") -> Result: ...


def call(*argv: str, stdin: bytes = b"") -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err, stdin=io.BytesIO(stdin))
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli() -> Cli:
    """``run`` with text streams; ``stdin`` is what ``-`` reads."""
    return call


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh working folder (so relative paths in the output are short and predictable)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def console_script() -> str:
    found = shutil.which("yc-contracts", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail("the yc-contracts console script is not installed next to this interpreter")
    return found
