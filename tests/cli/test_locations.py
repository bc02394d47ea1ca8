"""The JSON Pointer → line:column locators (JSON text, YAML nodes) and the config globs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yc_contracts.cli.config import ConfigError, glob_pattern
from yc_contracts.cli.locations import JsonLocations, Position, escape, split_pointer
from yc_contracts.cli.yaml_documents import Document, read

TEXT = """{
  "uri": "https://storage.yandexcloud.net/b/a.ogg",
  "recognitionModel": {
    "audioFormat": {"rawAudio": {"sampleRateHertz": "44100"}},
    "languageRestriction": {"languageCode": ["ru-RU", null, "en-US"]}
  },
  "a/b": {"m~n": [[1, 2], {"é": true}]},
  "text": "brackets ] } and \\"quotes\\" inside",
  "after": 1
}
"""


def test_values_and_keys() -> None:
    loc = JsonLocations(TEXT)
    assert loc.value("") == Position(1, 1)
    assert loc.value("/uri") == Position(2, 10)
    assert loc.key("/uri") == Position(2, 3)
    assert loc.value("/recognitionModel/audioFormat/rawAudio/sampleRateHertz") == Position(4, 53)
    assert loc.value("/recognitionModel/languageRestriction/languageCode/0") == Position(5, 46)
    assert loc.value("/recognitionModel/languageRestriction/languageCode/1") == Position(5, 55)
    assert loc.value("/recognitionModel/languageRestriction/languageCode/2") == Position(5, 61)
    assert loc.value("/text") == Position(8, 11)
    assert loc.value("/after") == Position(9, 12)


def test_escaped_pointer_tokens_and_unicode_columns() -> None:
    loc = JsonLocations(TEXT)
    assert loc.value("/a~1b/m~0n/0/1") == Position(7, 23)
    # é is one character: columns count code points, not bytes.
    assert loc.value("/a~1b/m~0n/1/%C3%A9") == loc.value("/a~1b/m~0n/1")
    assert loc.value("/a~1b/m~0n/1/é") == Position(7, 33)


def test_missing_pointer_falls_back_to_the_nearest_ancestor() -> None:
    loc = JsonLocations(TEXT)
    assert loc.value("/recognitionModel/audioFormat/containerAudio") == loc.value("/recognitionModel/audioFormat")
    assert loc.value("/nope/deeper") == Position(1, 1)
    assert loc.key("/recognitionModel/nope") == loc.value("/recognitionModel")
    assert "/uri" in loc
    assert "/nope" not in loc


def test_first_line_and_bom() -> None:
    loc = JsonLocations('\ufeff{"a": [1, {"b": 2}]}', first_line=7)
    assert loc.value("") == Position(7, 1)
    assert loc.value("/a/1/b") == Position(7, 17)


def test_problems_duplicate_keys_and_nan() -> None:
    loc = JsonLocations('{"a": 1,\n "b": {"c": NaN, "c": -Infinity},\n "a": 2}')
    kinds = [(p.kind, p.position, p.pointer, p.detail) for p in loc.problems]
    assert kinds == [
        ("nan", Position(2, 13), "/b/c", "NaN"),
        ("duplicate_key", Position(2, 18), "/b", "c"),
        ("nan", Position(2, 23), "/b/c", "-Infinity"),
        ("duplicate_key", Position(3, 2), "", "a"),
    ]


@pytest.mark.parametrize("text", ["", "{", '{"a": [1, 2', '{"a" 1}', "]", '{"a": 1}}', "[1,,2]", '{"x": tru}'])
def test_text_that_is_not_json_does_not_raise(text: str) -> None:
    loc = JsonLocations(text)
    assert loc.value("/a/0").line == 1


def test_pointer_helpers() -> None:
    assert split_pointer("") == []
    assert split_pointer("/a~1b/~0/0") == ["a/b", "~", "0"]
    assert escape("a/b~") == "a~1b~0"


# --------------------------------------------------------------------------------- every value, any text

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=25,
)


def _pointers(value: Any, path: str = "") -> list[tuple[str, Any]]:
    found = [(path, value)]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _pointers(v, f"{path}/{escape(k)}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _pointers(v, f"{path}/{i}")
    return found


def _offset(text: str, where: Position) -> int:
    lines = text.split("\n")
    return sum(len(line) + 1 for line in lines[: where.line - 1]) + where.column - 1


@settings(max_examples=150, deadline=None)
@given(_json_values, st.sampled_from([None, 0, 2]), st.booleans())
def test_every_value_is_found_where_it_starts(value: Any, indent: int | None, ascii_only: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    loc = JsonLocations(text)
    decoder = json.JSONDecoder()
    for pointer, expected in _pointers(value):
        found, _ = decoder.raw_decode(text, _offset(text, loc.value(pointer)))
        assert found == expected, pointer


# ------------------------------------------------------------------------------------------------ YAML


def _document(text: str, index: int = 0) -> Document:
    found = list(read(text))[index]
    assert isinstance(found, Document)
    return found


def test_yaml_locations() -> None:
    text = "# comment\nuri: x\nmodel:\n  codes: [ru, en]\n  'a/b':\n    - {k: 1}\n"
    pointers = ["", "/uri", "/model/codes/1", "/model/a~1b/0/k", "/model/missing"]
    loc = _document(text).locations(pointers)
    assert loc.value("") == Position(2, 1)
    assert loc.value("/uri") == Position(2, 6)
    assert loc.key("/uri") == Position(2, 1)
    assert loc.value("/model/codes/1") == Position(4, 15)
    assert loc.value("/model/a~1b/0/k") == Position(6, 11)
    assert loc.value("/model/missing") == loc.value("/model")


def test_yaml_locations_in_a_later_document_and_through_an_alias() -> None:
    text = "a: 1\n---\n# second\nbase: &b {x: [1, 2]}\nuse: *b\n"
    document = _document(text, 1)
    assert document.line == 4
    assert document.value == {"base": {"x": [1, 2]}, "use": {"x": [1, 2]}}
    loc = document.locations(["/base/x/1", "/use/x/1"])
    assert loc.value("/base/x/1") == Position(4, 18)
    # Below an alias, the alias itself is the place: the value is written at the anchor.
    assert loc.value("/use/x/1") == Position(5, 6)


# ---------------------------------------------------------------------------- only what is asked is kept


@settings(max_examples=150, deadline=None)
@given(_json_values, st.sampled_from([None, 0, 2]), st.data())
def test_asking_for_some_pointers_answers_as_asking_for_all(
    value: Any, indent: int | None, data: st.DataObject
) -> None:
    text = json.dumps(value, indent=indent)
    every = JsonLocations(text)
    known = [pointer for pointer, _ in _pointers(value)]
    asked = data.draw(st.lists(st.sampled_from([*known, "/nope", "/0/nope"]), max_size=6))
    some = JsonLocations(text, pointers=asked)
    for pointer in asked:
        assert some.value(pointer) == every.value(pointer), pointer
        assert some.key(pointer) == every.key(pointer), pointer


def test_a_long_string_costs_no_backtracking_memory() -> None:
    """A 50 MB string once cost 7 GB in the tokenizer's regular expression; now it is skipped with str.find."""
    import resource

    text = '{"a": "' + '\\"x' * 2_000_000 + '", "b": [1, {"c": 2}]}'
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    loc = JsonLocations(text, pointers=["/b/1/c"])
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert loc.value("/b/1/c") == Position(1, len(text) - 3)
    assert grown_kib < 20 * 1024


# ----------------------------------------------------------------------------------------------- globs


@pytest.mark.parametrize(
    ("glob", "matches", "misses"),
    [
        ("payloads/*.json", ["payloads/a.json"], ["payloads/x/a.json", "a.json", "payloads/a.yaml"]),
        ("payloads/**", ["payloads/a.json", "payloads/x/y/z.yaml"], ["other/a.json"]),
        ("**/*.json", ["a.json", "x/y/a.json"], ["a.yaml"]),
        ("payloads/**/req_*.json", ["payloads/req_1.json", "payloads/a/b/req_x.json"], ["payloads/a/res_1.json"]),
        ("p/?.json", ["p/a.json"], ["p/ab.json", "p//.json"]),
        ("p/[ab].json", ["p/a.json", "p/b.json"], ["p/c.json"]),
        ("p/[!ab].json", ["p/c.json"], ["p/a.json"]),
        ("p/[a-c]*", ["p/b1"], ["p/d1"]),
        ("dir/", ["dir/x", "dir/y/z"], ["dirx"]),
        ("a.b+c.json", ["a.b+c.json"], ["aXb+c.json"]),
    ],
)
def test_globs(glob: str, matches: list[str], misses: list[str]) -> None:
    pattern = glob_pattern(glob)
    for path in matches:
        assert pattern.fullmatch(path), path
    for path in misses:
        assert not pattern.fullmatch(path), path


@pytest.mark.parametrize("glob", ["", "/abs/*.json", "p/[ab.json"])
def test_bad_globs(glob: str) -> None:
    with pytest.raises(ConfigError):
        glob_pattern(glob)
