"""Validators of any registry: messages packed in ``Any`` checked by their own type's validator, and bounded caches.

The published ``google.protobuf.Any`` document has one ``if``/``then`` per known type with every type's form inlined;
for the whole Yandex Cloud API that made each validator of a type reaching an ``Any`` half a minute and gigabytes to
compile. Validators now dispatch on ``@type`` (each packed type's validator compiled on first use): a user depends on
the verdict and the violations staying exactly those of the published document (checked here against the reference
``jsonschema`` running it), at the right place in the payload, and on memory staying bounded however many types are
used.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from yc_contracts import Registry, check, schema_for
from yc_contracts.validation.cache import BoundedCache
from yc_contracts.validation.validator import compiled_for

URL = "type.googleapis.com/box.v1."

BOX_PROTO = """
syntax = "proto3";
package box.v1;
import "google/protobuf/any.proto";
import "yandex/cloud/validation.proto";

message Payload {
  string name = 1 [(yandex.cloud.length) = "<=3"];
  int64 size = 2 [(yandex.cloud.value) = "0-100"];
}
message Inner {
  google.protobuf.Any deep = 1;
}
message Box {
  google.protobuf.Any item = 1;
  repeated google.protobuf.Any items = 2;
  map<string, google.protobuf.Any> by_name = 3;
  Inner inner = 4;
  repeated Inner inners = 5;
  string label = 6 [(yandex.cloud.pattern) = "[a-z]+"];
}
message Plain {
  string label = 1;
}
"""


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Registry:
    tree = tmp_path_factory.mktemp("box")
    (tree / "box" / "v1").mkdir(parents=True)
    (tree / "box" / "v1" / "box.proto").write_text(textwrap.dedent(BOX_PROTO), encoding="utf-8")
    return Registry.from_proto_tree(tree, includes=[repo_root / "protos"])


@pytest.fixture(scope="module")
def reference(box: Registry) -> Any:
    """The reference ``jsonschema`` over the published-style document of ``Box`` (its ``Any`` inlining every type)."""
    document = schema_for("box.v1.Box", registry=box)
    return jsonschema.Draft202012Validator(document)


def _payload(name: str = "ok", size: int = 1) -> dict[str, Any]:
    return {"@type": URL + "Payload", "name": name, "size": str(size)}


def _errors(box: Registry, payload: Any) -> list[tuple[str, str]]:
    return [(v.path, v.rule) for v in check("box.v1.Box", payload, registry=box) if v.severity == "error"]


GOOD = {
    "item": _payload(),
    "items": [_payload(), {"@type": URL + "Plain", "label": "x"}],
    "byName": {"a": _payload()},
    "inner": {"deep": _payload()},
    "inners": [{"deep": {"@type": "type.googleapis.com/google.protobuf.Any", "value": _payload()}}],
    "label": "abc",
}


def test_a_good_payload_with_packed_messages_everywhere(box: Registry, reference: Any) -> None:
    assert _errors(box, GOOD) == []
    assert reference.is_valid(GOOD)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"item": _payload(name="long")}, [("/item/name", "option.length")]),
        ({"items": [_payload(), _payload(size=101)]}, [("/items/1/size", "option.value")]),
        ({"byName": {"k": _payload(name="four")}}, [("/byName/k/name", "option.length")]),
        ({"by_name": {"k": _payload(name="four")}}, [("/by_name/k/name", "option.length")]),
        ({"inner": {"deep": _payload(size=-1)}}, [("/inner/deep/size", "option.value")]),
        (
            {"inners": [{}, {"deep": {"@type": "type.googleapis.com/google.protobuf.Any", "value": _payload("xxxx")}}]},
            [("/inners/1/deep/value/name", "option.length")],
        ),
        ({"item": {"@type": URL + "Nope"}}, [("/item/@type", "any.type_url")]),
        ({"item": {"name": "x"}}, [("/item", "type.any")]),
        ({"item": {"@type": 5}}, [("/item/@type", "any.type_url")]),
        ({"item": {"@type": URL + "Payload", "nmae": "x"}}, [("/item/nmae", "json.unknown_field")]),
        (
            {"label": "ABC", "item": _payload(name="long"), "inner": {"deep": _payload(size=500)}},
            [("/inner/deep/size", "option.value"), ("/item/name", "option.length"), ("/label", "option.pattern")],
        ),
    ],
)
def test_a_packed_message_is_checked_by_its_own_type_at_its_place(
    box: Registry, reference: Any, payload: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    """Each problem of a packed message is one violation at its path in the payload, with the rule of the option
    it breaks, exactly as the published document (which inlines every type in ``Any``) rejects it."""
    assert _errors(box, payload) == expected
    assert not reference.is_valid(payload)


def test_the_verdict_is_the_published_documents_on_many_payloads(box: Registry, reference: Any) -> None:
    """A few hundred variations of a payload, valid and not, judged the same by the validator and the reference
    ``jsonschema`` running the published document."""
    names = ["ok", "long", "", 5, None]
    sizes = [0, 100, 101, -1, "7", "x", None]
    urls = [URL + "Payload", URL + "Plain", URL + "Nope", "type.googleapis.com/google.protobuf.Struct", 3]
    seen = 0
    for name in names:
        for size in sizes:
            for url in urls:
                packed = {"@type": url, "name": name, "size": size}
                for payload in ({"item": packed}, {"items": [packed]}, {"inner": {"deep": packed}}):
                    ours = not _errors(box, payload)
                    assert ours == reference.is_valid(payload), payload
                    seen += 1
    assert seen == len(names) * len(sizes) * len(urls) * 3


def test_the_contracts_operation_details_are_checked_by_type() -> None:
    """The contract's own ``Operation``: a ``Status`` packed in ``error.details`` is checked as a ``Status``."""
    operation = {
        "id": "op1",
        "done": True,
        "error": {
            "code": 3,
            "message": "bad",
            "details": [
                {"@type": "type.googleapis.com/google.rpc.Status", "code": "x"},
                {"@type": "type.googleapis.com/google.rpc.Status", "code": 5, "message": "fine"},
            ],
        },
    }
    found = [(v.path, v.rule) for v in check("yandex.cloud.operation.Operation", operation)]
    assert found == [("/error/details/0/code", "type.int32")]


def test_a_type_that_holds_no_any_has_no_packed_check(box: Registry) -> None:
    assert (
        compiled_for("box.v1.Plain", registry=box).schema.is_valid
        == compiled_for("box.v1.Plain", registry=box).schema.validator.is_valid
    )


# ------------------------------------------------------------------------------------------------- caches


def test_a_validator_is_compiled_once_per_registry(box: Registry) -> None:
    first = compiled_for("box.v1.Box", registry=box)
    assert compiled_for("box.v1.Box", registry=box) is first
    assert compiled_for("yandex.cloud.operation.Operation") is compiled_for("yandex.cloud.operation.Operation")


def test_limits_belong_to_the_contracts_registry(box: Registry) -> None:
    with pytest.raises(ValueError, match="contract's own registry"):
        check("box.v1.Box", {}, registry=box, limits={"ocr.max_file_bytes": 1})


def test_a_cache_keeps_the_most_recently_used_within_its_count() -> None:
    cache: BoundedCache[str] = BoundedCache(3, 10**9, len)
    for key in "abcd":
        cache.put(key, key)
    assert [k for k in "abcd" if k in cache] == ["b", "c", "d"]
    assert cache.get("b") == "b"  # now the most recent
    cache.put("e", "e")
    assert [k for k in "bcde" if k in cache] == ["b", "d", "e"]
    assert cache.put("b", "other") == "b"  # the first value for a key wins


def test_a_cache_keeps_its_values_within_their_total_weight() -> None:
    cache: BoundedCache[str] = BoundedCache(100, 10, len)
    cache.put("a", "xxxx")
    cache.put("b", "xxxx")
    assert cache.weight == 8
    cache.put("c", "xxxx")
    assert "a" not in cache
    assert cache.weight == 8
    cache.put("big", "x" * 50)  # heavier than the bound alone: kept (it is in use), the rest dropped
    assert len(cache) == 1
    assert cache.get("big") == "x" * 50
    cache.put("d", "x")
    assert "big" not in cache
    assert cache.weight == 1


def test_close_names_prefer_the_nearest_package() -> None:
    """Many services of the whole API share short names: a misspelt name suggests its own package's type first."""
    from yc_contracts.contract.errors import close_matches

    candidates = [
        "yandex.cloud.gitlab.v1.UpdateInstanceRequest",
        "yandex.cloud.compute.v1.UpdateInstanceRequest",
        "yandex.cloud.compute.v1.CreateInstanceRequest",
    ]
    assert close_matches("yandex.cloud.compute.v1.UpdateInstanceRequst", candidates)[0] == candidates[1]
