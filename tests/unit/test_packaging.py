"""The built wheel is complete: generated code, stubs, descriptor set, console script, metadata.

Builds the wheel from this checkout (setuptools from the test environment, no network), installs it into a
scratch folder and imports it from there, so a file missing from package data fails here and not on a user's
machine.
"""

from __future__ import annotations

import email
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def wheel(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(repo_root),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("yc_contracts-*.whl")
    return built


def test_wheel_contents(wheel: Path, repo_root: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    generated = {
        p.relative_to(repo_root / "src").as_posix()
        for p in (repo_root / "src" / "yc_contracts" / "_gen").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert generated <= names, sorted(generated - names)
    assert {"yc_contracts/py.typed", "yc_contracts/_gen/descriptors.binpb"} <= names
    assert not any(n.startswith(("tests/", "tools/", "protos/", "yandex/")) for n in names)


def test_wheel_metadata(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_bytes(zf.read(meta_name))
        entry_points = zf.read(meta_name.replace("METADATA", "entry_points.txt")).decode()
    requires = meta.get_all("Requires-Dist")
    assert "protobuf<8,>=6.31.1" in requires
    assert any(r.startswith("googleapis-common-protos") for r in requires)
    assert any(r.startswith("grpcio") and 'extra == "grpc"' in r for r in requires)
    assert not any(r.startswith(("yandexcloud", "pytest", "grpcio-tools", "mypy")) for r in requires)
    assert meta["Requires-Python"] == ">=3.11"
    assert "yc-contracts = yc_contracts.__main__:main" in entry_points


def test_installed_wheel_works(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    code = (
        "import yc_contracts, sys; assert yc_contracts.__file__.startswith(sys.argv[1]), yc_contracts.__file__; "
        "reg = yc_contracts.registry; fds = reg.file_descriptor_set(); "
        "print(len(reg.messages()), len(reg.routes()), len(fds.file))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(target)],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(target), "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    messages, routes, files = map(int, result.stdout.split())
    assert (messages, routes) == (81, 9)
    assert files >= 9
