"""Recursive message types: every check applies at every depth of a cycle, whichever type the payload starts at.

The rule walker and the packed-``Any`` check each decide once per message type whether anything below it needs
walking. Deciding it type by type with a provisional "no" for a type already on the way (as they once did) marks
the middle of a cycle as having nothing to do when the cycle is entered from outside it: a user validating a
``C`` that holds an ``A`` that holds a ``B`` that holds an ``A`` again got no UTF-8 byte count, no ``Struct`` depth
check and no check of a packed message below the first ``A``. Found while reading issue 17's change.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from yc_contracts import Registry, check

REC_PROTO = """
syntax = "proto3";
package rec.v1;
import "google/protobuf/any.proto";
import "google/protobuf/struct.proto";
import "yandex/cloud/validation.proto";

message Outside { A a = 1; }
message A {
  B b = 1;
  string name = 2 [(yandex.cloud.bytes) = "<=3"];
  google.protobuf.Struct s = 3;
  map<string, B> bs = 4;
}
message B {
  A a = 1;
  repeated google.protobuf.Any packed = 2;
}
message Small { string id = 1 [(yandex.cloud.length) = "<=2"]; }
"""


@pytest.fixture(scope="module")
def rec(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Registry:
    tree = tmp_path_factory.mktemp("rec")
    (tree / "rec" / "v1").mkdir(parents=True)
    (tree / "rec" / "v1" / "rec.proto").write_text(textwrap.dedent(REC_PROTO), encoding="utf-8")
    return Registry.from_proto_tree(tree, includes=[repo_root / "protos"])


def _deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


def _found(rec: Registry, root: str, payload: Any) -> list[tuple[str, str]]:
    return [(v.path, v.rule) for v in check(root, payload, registry=rec)]


@pytest.mark.parametrize(
    ("root", "prefix"),
    [
        ("rec.v1.A", "/b/a"),
        ("rec.v1.B", "/a/b/a"),
        ("rec.v1.Outside", "/a/b/a"),
        ("rec.v1.Outside", "/a/bs/k/a"),
    ],
)
def test_every_check_applies_inside_a_cycle(rec: Registry, root: str, prefix: str) -> None:
    def at(inner: dict[str, Any]) -> Any:
        """``inner`` placed at ``prefix`` (a path of field names and map keys) in a payload of ``root``."""
        for step in reversed(prefix.strip("/").split("/")):
            inner = {step: inner}
        return inner

    # Three characters, six UTF-8 bytes: only the rule walker's byte count rejects it.
    assert _found(rec, root, at({"name": "ééé"})) == [(f"{prefix}/name", "option.bytes")]
    found = _found(rec, root, at({"s": {"x": _deep(60)}}))
    assert len(found) == 1
    assert found[0][1] == "proto.too_deep"
    assert found[0][0].startswith(f"{prefix}/s/x/0/0")
    packed = {"b": {"packed": [{"@type": "type.googleapis.com/rec.v1.Small", "id": "long"}]}}
    assert _found(rec, root, at(packed)) == [(f"{prefix}/b/packed/0/id", "option.length")]
    good = {"name": "abc", "b": {"packed": [{"@type": "type.googleapis.com/rec.v1.Small"}]}}
    assert _found(rec, root, at(good)) == []
