"""``yc-contracts schemas export|check`` and ``openapi``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ROOT, Cli

from yc_contracts.cli import schemas as _cli_schemas


def test_export_writes_every_published_file(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "out" / "schemas"
    result = cli("schemas", "export", str(target))
    published = sorted(p.name for p in (ROOT / "schemas").glob("*.json"))
    assert (result.code, result.out) == (0, f"wrote {len(published) - 1} JSON Schemas and openapi.json to {target}\n")
    assert sorted(p.name for p in target.iterdir()) == published
    for name in published:
        assert (target / name).read_bytes() == (ROOT / "schemas" / name).read_bytes()


def test_check_the_package_and_an_export(cli: Cli, tmp_path: Path) -> None:
    count = len(list((ROOT / "schemas").glob("*.json")))
    result = cli("schemas", "check")
    assert (result.code, result.out) == (
        0,
        f"{count} schema files match what the contract generates (the installed package's published schemas)\n",
    )
    assert cli("schemas", "export", str(tmp_path)).code == 0
    assert (
        cli("schemas", "check", str(tmp_path)).out
        == f"{count} schema files match what the contract generates ({tmp_path})\n"
    )


def test_check_lists_each_drifted_file(cli: Cli, tmp_path: Path) -> None:
    assert cli("schemas", "export", str(tmp_path)).code == 0
    raw = tmp_path / "speechkit.stt.v3.RawAudio.schema.json"
    doc = json.loads(raw.read_text())
    doc["properties"]["sampleRateHertz"]["description"] = "edited"
    raw.write_text(json.dumps(doc))
    (tmp_path / "yandex.cloud.ai.ocr.v1.Word.schema.json").unlink()
    (tmp_path / "old.schema.json").write_text("{}")
    (tmp_path / "openapi.json").write_text("not json")
    result = cli("schemas", "check", str(tmp_path))
    assert result.code == 1
    assert result.lines[:-1] == [
        "unreadable: openapi.json (not JSON)",
        "stale: speechkit.stt.v3.RawAudio.schema.json (first difference at /properties/sampleRateHertz/description)",
        "missing: yandex.cloud.ai.ocr.v1.Word.schema.json",
        "extra: old.schema.json (generation no longer produces it)",
    ]
    assert result.lines[-1].startswith("4 of ")


def test_check_usage(cli: Cli, tmp_path: Path) -> None:
    result = cli("schemas", "check", str(tmp_path / "nope"))
    assert (result.code, result.err) == (
        2,
        f"yc-contracts: error: schemas check: {tmp_path / 'nope'} is not a folder\n",
    )
    assert cli("schemas").code == 2
    assert cli("schemas", "frobnicate").code == 2


def test_openapi(cli: Cli) -> None:
    result = cli("openapi")
    assert result.code == 0
    assert result.out == (ROOT / "schemas" / "openapi.json").read_text(encoding="utf-8")
    assert json.loads(result.out)["openapi"] == "3.1.0"


@pytest.mark.parametrize(
    ("a", "b", "where"),
    [
        ({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]}, "/a/1/b"),
        ({"a": [1]}, {"a": [1, 2]}, "/a/1"),
        ({"a/b": 1}, {"a/b": 1, "c~": 2}, "/c~0"),
        (1, "1", "/"),
        ({"x": None}, {"x": None}, None),
    ],
)
def test_first_difference(a: object, b: object, where: str | None) -> None:
    assert _cli_schemas.first_difference(a, b) == where
