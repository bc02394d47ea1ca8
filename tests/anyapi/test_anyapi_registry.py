"""Registries over any proto tree, in both test environments (no official SDK needed).

A user points yc-contracts at their own protos — a ``FileDescriptorSet``, a folder of ``.proto`` files, or installed
generated modules — and depends on the registry building, listing every method and route, and decoding every option,
whatever the tree holds: repeated and message-typed custom options, proto2 (groups, extensions, required fields,
defaults), editions, proto3 ``optional``, maps of messages, recursive types, and files named like the contract's own.
An option the registry cannot decode is left out with a record (``Registry.skipped()``) and a logged warning; it
never takes down ``methods()`` or ``options()``.
"""

from __future__ import annotations

import logging
import random
import sys
import textwrap
from pathlib import Path

import jsonschema_rs
import pytest
from anyapi import sdk_tree
from google.protobuf import descriptor_pb2, descriptor_pool, json_format

import yc_contracts
from yc_contracts import ContractError, Registry, transcode
from yc_contracts.contract.protoc import ProtoTreeError
from yc_contracts.rules.ruleset import RuleSet
from yc_contracts.schema.generator import SchemaGenerator

_FDP = descriptor_pb2.FieldDescriptorProto
SECRET = "Api-Key AQVN-not-a-real-secret"


# ------------------------------------------------------------------------------------- hand-built sets


def _descriptor_proto_file() -> descriptor_pb2.FileDescriptorProto:
    return descriptor_pb2.FileDescriptorProto.FromString(descriptor_pb2.DESCRIPTOR.serialized_pb)


def _options_set(method_options: bytes, field_options: bytes = b"") -> descriptor_pb2.FileDescriptorSet:
    """``rep/v1/rep.proto``: repeated (scalar and message) and singular option extensions on methods and fields,
    and one service whose method carries ``method_options`` (raw wire bytes), with one field carrying
    ``field_options``."""
    fds = descriptor_pb2.FileDescriptorSet()
    fds.file.append(_descriptor_proto_file())
    f = fds.file.add(name="rep/v1/rep.proto", package="rep.v1", syntax="proto3")
    f.dependency.append("google/protobuf/descriptor.proto")
    tag = f.message_type.add(name="Tag")
    tag.field.add(name="name", number=1, type=_FDP.TYPE_STRING, label=_FDP.LABEL_OPTIONAL, json_name="name")
    for name, number, kind, label, extendee, type_name in (
        ("tags", 50001, _FDP.TYPE_STRING, _FDP.LABEL_REPEATED, "MethodOptions", ""),
        ("tag_messages", 50002, _FDP.TYPE_MESSAGE, _FDP.LABEL_REPEATED, "MethodOptions", ".rep.v1.Tag"),
        ("owner", 50003, _FDP.TYPE_STRING, _FDP.LABEL_OPTIONAL, "MethodOptions", ""),
        ("marks", 50004, _FDP.TYPE_INT32, _FDP.LABEL_REPEATED, "FieldOptions", ""),
        ("tag", 50005, _FDP.TYPE_MESSAGE, _FDP.LABEL_OPTIONAL, "FieldOptions", ".rep.v1.Tag"),
    ):
        ext = f.extension.add(name=name, number=number, type=kind, label=label, extendee=f".google.protobuf.{extendee}")
        if type_name:
            ext.type_name = type_name
    request = f.message_type.add(name="Request")
    field = request.field.add(name="id", number=1, type=_FDP.TYPE_STRING, label=_FDP.LABEL_OPTIONAL, json_name="id")
    field.options.ParseFromString(field_options)
    service = f.service.add(name="Things")
    method = service.method.add(name="Get", input_type=".rep.v1.Request", output_type=".rep.v1.Request")
    method.options.ParseFromString(method_options)
    return fds


def _key(number: int, wire: int) -> bytes:
    value, out = (number << 3) | wire, bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _text(number: int, text: str) -> bytes:
    data = text.encode()
    return _key(number, 2) + bytes([len(data)]) + data


def _tag_message(number: int, name: str) -> bytes:
    inner = _text(1, name)
    return _key(number, 2) + bytes([len(inner)]) + inner


def test_repeated_option_extensions_are_decoded_as_tuples() -> None:
    """A repeated custom option (``repeated string tags``, ``repeated Tag``) once raised ``KeyError: 'Field is
    repeated. A singular method is required.'`` from every call that lists methods; it now comes back as a tuple of
    its values, in order, beside the singular options."""
    method_options = (
        _text(50001, "alpha") + _text(50001, "beta") + _tag_message(50002, "t1") + _tag_message(50002, "t2")
    ) + _text(50003, "team")
    field_options = _key(50004, 0) + b"\x03" + _key(50004, 0) + b"\x05" + _tag_message(50005, "f")
    reg = Registry.from_file_descriptor_set(_options_set(method_options, field_options))

    (method,) = reg.methods()
    options = reg.options(method.descriptor)
    assert options["rep.v1.tags"] == ("alpha", "beta")
    assert [t.name for t in options["rep.v1.tag_messages"]] == ["t1", "t2"]
    assert options["rep.v1.owner"] == "team"
    assert method.http is None
    assert reg.routes() == ()
    field = reg.message_descriptor("rep.v1.Request").fields_by_name["id"]
    field_values = reg.options(field)
    assert field_values["rep.v1.marks"] == (3, 5)
    assert field_values["rep.v1.tag"].name == "f"
    assert reg.skipped() == ()


def test_an_empty_repeated_option_is_absent() -> None:
    """Only options that are set are listed: a repeated option with no values is not there at all."""
    reg = Registry.from_file_descriptor_set(_options_set(_text(50003, "team")))
    assert reg.options(reg.methods()[0].descriptor) == {"rep.v1.owner": "team"}


def test_an_undecodable_option_is_skipped_with_a_record(caplog: pytest.LogCaptureFixture) -> None:
    """A message-typed option whose bytes do not parse costs that option only: the element's other options are
    decoded, methods are listed, the record names the element and the option, and one warning is logged."""
    junk = _key(50002, 2) + b"\x03\xff\xff\xff"
    reg = Registry.from_file_descriptor_set(_options_set(_text(50001, "alpha") + junk + _text(50003, "team")))
    with caplog.at_level(logging.WARNING, logger="yc_contracts.contract.registry"):
        (method,) = reg.methods()
        assert reg.options(method.descriptor) == {"rep.v1.tags": ("alpha",), "rep.v1.owner": "team"}
        assert reg.options(method.descriptor) == {"rep.v1.tags": ("alpha",), "rep.v1.owner": "team"}
    (record,) = reg.skipped()
    assert (record.kind, record.subject, record.name) == ("option", "rep.v1.Things.Get", "rep.v1.tag_messages")
    assert "DecodeError" in record.reason
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # recorded and logged once, however often it is met
    assert "rep.v1.tag_messages" in warnings[0].getMessage()


def test_a_broken_http_rule_or_operation_type_is_skipped() -> None:
    """A ``google.api.http`` rule without a pattern, and a ``yandex.cloud.api.operation`` naming a type nowhere in
    the tree, leave the method listed without them (recorded), so every other route still works."""
    from google.api import annotations_pb2, http_pb2

    fds = descriptor_pb2.FileDescriptorSet()
    for module in (descriptor_pb2, http_pb2, annotations_pb2):
        fds.file.append(descriptor_pb2.FileDescriptorProto.FromString(module.DESCRIPTOR.serialized_pb))
    operation = yc_contracts.registry.descriptor_pool.FindFileByName("yandex/cloud/api/operation.proto")
    fds.file.append(descriptor_pb2.FileDescriptorProto.FromString(operation.serialized_pb))
    f = fds.file.add(name="odd/v1/odd.proto", package="odd.v1", syntax="proto3")
    f.dependency.extend(["google/api/annotations.proto", "yandex/cloud/api/operation.proto"])
    msg = f.message_type.add(name="R")
    msg.field.add(name="id", number=1, type=_FDP.TYPE_STRING, label=_FDP.LABEL_OPTIONAL, json_name="id")
    service = f.service.add(name="Odd")
    no_pattern = service.method.add(name="NoPattern", input_type=".odd.v1.R", output_type=".odd.v1.R")
    no_pattern.options.ParseFromString(_key(72295728, 2) + b"\x03" + _text(7, "*"))  # body "*", no verb
    unknown_type = service.method.add(name="UnknownType", input_type=".odd.v1.R", output_type=".odd.v1.R")
    op = _text(1, "NoSuchMetadata") + _text(2, "R")
    unknown_type.options.ParseFromString(_key(87334, 2) + bytes([len(op)]) + op)
    fine = service.method.add(name="Fine", input_type=".odd.v1.R", output_type=".odd.v1.R")
    get = _text(2, "/odd/v1/{id}")
    fine.options.ParseFromString(_key(72295728, 2) + bytes([len(get)]) + get)

    reg = Registry.from_file_descriptor_set(fds)
    methods = {m.name: m for m in reg.methods()}
    assert methods["NoPattern"].http is None
    assert methods["UnknownType"].operation is None
    assert [str(r) for r in reg.routes()] == ["GET /odd/v1/{id}"]
    assert transcode("GET", "/odd/v1/x1", registry=reg).request.id == "x1"  # type: ignore[attr-defined]
    kinds = {(s.kind, s.subject) for s in reg.skipped()}
    assert kinds == {("http", "odd.v1.Odd.NoPattern"), ("operation", "odd.v1.Odd.UnknownType")}


# ------------------------------------------------------------------------------------- descriptor sets


@pytest.fixture(scope="module")
def zoo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tree with every feature a foreign tree may have: proto2 (a group, extensions of its own messages,
    required, defaults, packed), editions 2023 (implicit presence, delimited encoding), proto3 ``optional``,
    repeated and message-typed custom options, maps of messages, recursive types, routes of each body kind."""
    root = tmp_path_factory.mktemp("zoo")
    (root / "zoo" / "v1").mkdir(parents=True)
    (root / "zoo" / "v3").mkdir()
    (root / "zoo" / "v1" / "legacy.proto").write_text(
        textwrap.dedent(
            """\
            syntax = "proto2";
            package zoo.v1;
            import "google/protobuf/descriptor.proto";
            import "google/api/annotations.proto";
            import "google/api/client.proto";

            extend google.protobuf.FieldOptions {
              repeated string labels = 51001;
              optional Level level = 51002;
            }
            extend google.protobuf.MethodOptions { repeated Level levels = 51003; }
            // A level.
            message Level { optional string name = 1; optional int32 rank = 2 [default = 7]; }

            message Legacy {
              required string id = 1 [(labels) = "a", (labels) = "b", (level) = {name: "x"}];
              optional int64 count = 2 [default = -5];
              repeated int32 packed = 3 [packed = true];
              optional group Part = 4 { optional string note = 5; }
              map<string, Legacy> children = 6;
              optional Legacy parent = 7;
              extensions 100 to 199;
              oneof choice { string text = 8; Level lvl = 9; }
              enum Kind { KIND_UNSPECIFIED = 0; KIND_A = 1; }
              optional Kind kind = 10 [default = KIND_A];
            }
            extend Legacy { optional string extra = 100; repeated Level extras = 101; }

            service LegacyService {
              rpc Get(Legacy) returns (Legacy) {
                option (google.api.http) = { get: "/zoo/v1/legacy/{id}" };
                option (google.api.method_signature) = "id";
                option (google.api.method_signature) = "id,count";
                option (levels) = { name: "l1" };
                option (levels) = { name: "l2" };
              }
            }
            """
        )
    )
    (root / "zoo" / "v1" / "modern.proto").write_text(
        textwrap.dedent(
            """\
            edition = "2023";
            package zoo.v1;
            import "google/protobuf/timestamp.proto";
            import "google/protobuf/any.proto";
            import "google/api/annotations.proto";
            import "zoo/v1/legacy.proto";

            message Node {
              string name = 1;
              map<string, Node> children = 2;
              repeated Node items = 3;
              int32 weight = 4 [features.field_presence = IMPLICIT];
              google.protobuf.Timestamp at = 5;
              google.protobuf.Any payload = 6;
              Legacy legacy = 7;
              Node.Inner inner = 8 [features.message_encoding = DELIMITED];
              message Inner { string text = 1; }
            }
            service NodeService {
              rpc Put(Node) returns (Node) {
                option (google.api.http) = { post: "/zoo/v1/{name=trees/*/nodes/**}" body: "*" };
              }
            }
            """
        )
    )
    (root / "zoo" / "v3" / "plain.proto").write_text(
        textwrap.dedent(
            """\
            syntax = "proto3";
            package zoo.v3;
            import "google/api/annotations.proto";
            message Item {
              optional string label = 1;
              optional int64 size = 2;
              map<int64, Item> parts = 3;
              oneof pick { string a = 4; Item b = 5; }
            }
            service Items {
              rpc Patch(Item) returns (Item) {
                option (google.api.http) = { patch: "/zoo/v3/items/{label}" body: "b" };
              }
            }
            """
        )
    )
    return root


@pytest.fixture(scope="module")
def zoo_registry(zoo: Path) -> Registry:
    return Registry.from_proto_tree(zoo)


def test_every_feature_of_a_tree_loads(zoo_registry: Registry) -> None:
    """proto2, editions and proto3 files load side by side: groups are message types, custom options of every
    shape decode, methods and routes list, and nothing is skipped."""
    reg = zoo_registry
    assert reg.files == ("zoo/v1/legacy.proto", "zoo/v1/modern.proto", "zoo/v3/plain.proto")
    assert reg.messages() == (
        "zoo.v1.Legacy",
        "zoo.v1.Legacy.Part",
        "zoo.v1.Level",
        "zoo.v1.Node",
        "zoo.v1.Node.Inner",
        "zoo.v3.Item",
    )
    assert [str(r) for r in reg.routes()] == [
        "GET /zoo/v1/legacy/{id}",
        "POST /zoo/v1/{name=trees/*/nodes/**}",
        "PATCH /zoo/v3/items/{label}",
    ]
    get = reg.method("zoo.v1.LegacyService.Get")
    options = reg.options(get.descriptor)
    assert options["google.api.method_signature"] == ("id", "id,count")
    assert [level.name for level in options["zoo.v1.levels"]] == ["l1", "l2"]
    id_options = reg.options(reg.message_descriptor("zoo.v1.Legacy").fields_by_name["id"])
    assert id_options["zoo.v1.labels"] == ("a", "b")
    assert id_options["zoo.v1.level"].name == "x"
    assert reg.skipped() == ()


def test_options_of_every_element_decode(zoo_registry: Registry) -> None:
    """Files, messages, fields, oneofs, enums, enum values, services and methods: options() answers for each."""
    count = sum(1 for element in sdk_tree.elements(zoo_registry) if isinstance(zoo_registry.options(element), dict))
    assert count > 40
    assert zoo_registry.skipped() == ()


def test_messages_of_the_tree_round_trip(zoo_registry: Registry) -> None:
    """The registry's classes hold every feature: extensions on a proto2 message, a group, a recursive map, an
    ``Any`` packing another type of the tree; ProtoJSON goes both ways over the registry's pool."""
    reg = zoo_registry
    pool = reg.descriptor_pool
    legacy = reg.message_class("zoo.v1.Legacy")(id="l1", count=3)
    legacy.part.note = "grouped"  # type: ignore[attr-defined]
    legacy.children["kid"].id = "l2"  # type: ignore[attr-defined]
    legacy.Extensions[pool.FindExtensionByName("zoo.v1.extra")] = "more"
    assert legacy.SerializeToString()
    node = reg.message_class("zoo.v1.Node")(name="n", weight=0)
    node.children["c"].items.add(name="deep")  # type: ignore[attr-defined]
    node.payload.Pack(legacy)  # type: ignore[attr-defined]
    node.inner.text = "delimited"  # type: ignore[attr-defined]
    printed = json_format.MessageToDict(node, descriptor_pool=pool)
    assert printed["payload"]["@type"] == "type.googleapis.com/zoo.v1.Legacy"
    back = json_format.ParseDict(printed, reg.message_class("zoo.v1.Node")(), descriptor_pool=pool)
    assert back == node


def test_schemas_of_the_tree_are_valid_2020_12(zoo_registry: Registry) -> None:
    """A JSON Schema for every message (groups and editions included), and the ``Any`` document, each valid
    under the 2020-12 meta-schema."""
    generator = SchemaGenerator(zoo_registry, RuleSet((), ()))
    for name in zoo_registry.messages():
        assert jsonschema_rs.meta.is_valid(generator.message_document(name)), name
    assert jsonschema_rs.meta.is_valid(generator.any_document())


def test_routes_of_the_tree_transcode(zoo_registry: Registry) -> None:
    """Each route of the tree reaches its method with the request its template, body and query say, and the
    authorization header travels as metadata without showing up in errors."""
    reg = zoo_registry
    call = transcode("GET", "/zoo/v1/legacy/abc", query={"count": "9"}, registry=reg, headers={"authorization": SECRET})
    assert call.method == "/zoo.v1.LegacyService/Get"
    assert (call.request.id, call.request.count) == ("abc", 9)  # type: ignore[attr-defined]
    assert ("authorization", SECRET) in list(call.metadata)
    call = transcode("POST", "/zoo/v1/trees/t1/nodes/a/b", body={"weight": 2, "items": [{"name": "i"}]}, registry=reg)
    assert call.request.name == "trees/t1/nodes/a/b"  # type: ignore[attr-defined]
    assert call.request.items[0].name == "i"  # type: ignore[attr-defined]
    call = transcode("PATCH", "/zoo/v3/items/lbl", body={"label": "inner"}, registry=reg)
    assert (call.request.label, call.request.b.label) == ("lbl", "inner")  # type: ignore[attr-defined]
    with pytest.raises(yc_contracts.BadRequestError) as caught:
        transcode("GET", "/zoo/v1/legacy/abc", query={"nope": "1"}, registry=reg, headers={"authorization": SECRET})
    assert SECRET not in str(caught.value)
    assert all(SECRET not in v.message for v in caught.value.violations)


def test_converters_agree_with_json_format_on_the_tree(zoo_registry: Registry) -> None:
    """The converters (over the tree's registry) print what ``MessageToDict`` prints and build what ``ParseDict``
    builds, for random messages of each type — nested and ``Any`` types looked up in the tree, not the contract."""
    reg = zoo_registry
    conv = sdk_tree.converters(reg)
    pool = reg.descriptor_pool
    rng = random.Random(5)
    for name in ("zoo.v1.Node", "zoo.v3.Item", "zoo.v1.Level"):
        cls = reg.message_class(name)
        for _ in range(20):
            msg = _random_tree_message(reg, name, rng)
            printed = json_format.MessageToDict(msg, descriptor_pool=pool)
            assert sdk_tree.same_json(conv.to_rest(msg), printed), (name, printed)
            expected = json_format.ParseDict(printed, cls(), descriptor_pool=pool)
            assert conv.to_proto(name, printed) == expected


def _random_tree_message(reg: Registry, name: str, rng: random.Random) -> object:
    cls = reg.message_class(name)
    msg = cls()
    if name == "zoo.v1.Level":
        msg.name = rng.choice(("", "x", "ü"))  # type: ignore[attr-defined]
        msg.rank = rng.randint(-(2**31), 2**31 - 1)  # type: ignore[attr-defined]
    elif name == "zoo.v3.Item":
        msg.label = rng.choice(("", "a"))  # type: ignore[attr-defined]
        msg.parts[rng.randint(-(2**63), 2**63 - 1)].size = 2**63 - 1  # type: ignore[attr-defined]
        if rng.random() < 0.5:
            msg.b.a = "nested"  # type: ignore[attr-defined]
    else:
        msg.name = "n"  # type: ignore[attr-defined]
        msg.children["c"].items.add(name="deep")  # type: ignore[attr-defined]
        msg.at.seconds = rng.randint(-62_135_596_800, 253_402_300_799)  # type: ignore[attr-defined]
        level = reg.message_class("zoo.v1.Level")(name="packed", rank=3)
        msg.payload.Pack(level)  # type: ignore[attr-defined]
        msg.legacy.id = "l"  # type: ignore[attr-defined]
    return msg


def test_a_descriptor_set_is_taken_as_bytes_a_path_or_a_message(zoo: Path, tmp_path: Path) -> None:
    """``from_file_descriptor_set`` reads the set however it is given, in any file order, with a file listed twice,
    and with the google files it imports left out (taken from the runtime)."""
    fds = Registry.from_proto_tree(zoo).file_descriptor_set()
    data = fds.SerializeToString()
    path = tmp_path / "zoo.binpb"
    path.write_bytes(data)
    reordered = descriptor_pb2.FileDescriptorSet()
    files = list(fds.file)
    random.Random(3).shuffle(files)
    reordered.file.extend([*files, files[0]])
    without_google = descriptor_pb2.FileDescriptorSet(file=[f for f in fds.file if not f.name.startswith("google/")])
    for given in (data, path, str(path), reordered, without_google):
        reg = Registry.from_file_descriptor_set(given)
        assert sorted(reg.files) == ["zoo/v1/legacy.proto", "zoo/v1/modern.proto", "zoo/v3/plain.proto"]
        assert len(reg.routes()) == 3


def test_broken_descriptor_sets_raise_contract_errors(zoo: Path, tmp_path: Path) -> None:
    """A set that cannot be a tree — a missing import that is not a google file, two different files of one name,
    bytes that are no set, a path that does not exist — is a ContractError saying which."""
    fds = Registry.from_proto_tree(zoo).file_descriptor_set()
    missing = descriptor_pb2.FileDescriptorSet(file=[f for f in fds.file if f.name != "zoo/v1/legacy.proto"])
    with pytest.raises(ContractError, match=r"zoo/v1/modern\.proto imports zoo/v1/legacy\.proto"):
        Registry.from_file_descriptor_set(missing)
    clash = descriptor_pb2.FileDescriptorSet()
    clash.CopyFrom(fds)
    other = clash.file.add()
    other.CopyFrom(next(f for f in fds.file if f.name == "zoo/v3/plain.proto"))
    other.message_type[0].name = "Renamed"
    with pytest.raises(ContractError, match=r"two different files named 'zoo/v3/plain\.proto'"):
        Registry.from_file_descriptor_set(clash)
    with pytest.raises(ContractError, match="not a serialized FileDescriptorSet"):
        Registry.from_file_descriptor_set(b"\xff\xff\xff")
    with pytest.raises(ContractError, match="cannot read the descriptor set"):
        Registry.from_file_descriptor_set(tmp_path / "absent.binpb")
    with pytest.raises(ContractError, match="does not hold"):
        Registry.from_file_descriptor_set(fds, ["zoo/v9/absent.proto"])


# ------------------------------------------------------------------------------------------ proto trees


def test_from_proto_tree_on_the_test_protos(repo_root: Path) -> None:
    """tests/protos compiles at run time against protos/ (for yandex/cloud/validation.proto): its two files are
    indexed (not the include's), with their comments, and its 18 routes list as protoc --include_imports gives
    them to the other tests."""
    reg = Registry.from_proto_tree(repo_root / "tests" / "protos", includes=[repo_root / "protos"])
    assert reg.files == ("yc_test/v1/routes.proto", "yc_test/v1/validation_forms.proto")
    assert len(reg.routes()) == 18
    assert reg.method("yc_test.v1.RouteForms.GetWidget").http is not None
    sources = [f for f in reg.file_descriptor_set().file if f.name == "yc_test/v1/routes.proto"]
    assert sources[0].source_code_info.location  # comments kept
    assert reg.skipped() == ()


def test_from_proto_tree_reports_protoc_errors(tmp_path: Path) -> None:
    """A tree protoc cannot compile is a ProtoTreeError carrying protoc's own words; an empty folder too."""
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "bad.proto").write_text('syntax = "proto3";\nmessage M { strin x = 1; }\n')
    with pytest.raises(ProtoTreeError, match="strin"):
        Registry.from_proto_tree(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ProtoTreeError, match=r"no \.proto file"):
        Registry.from_proto_tree(tmp_path / "empty")


# ------------------------------------------------------------------------------------------ name clashes


def test_a_tree_with_the_contracts_file_names_stays_apart(tmp_path: Path) -> None:
    """A tree that defines ``yandex/cloud/ai/stt/v3/stt.proto`` (package ``speechkit.stt.v3``) differently from the
    contract loads in a pool of its own: its types are its own, and the contract's registry, classes and routes are
    untouched."""
    folder = tmp_path / "tree" / "yandex" / "cloud" / "ai" / "stt" / "v3"
    folder.mkdir(parents=True)
    (folder / "stt.proto").write_text(
        'syntax = "proto3";\npackage speechkit.stt.v3;\nimport "google/api/annotations.proto";\n'
        "message RecognizeFileRequest { string only_here = 1; }\n"
        "service AsyncRecognizer { rpc RecognizeFile(RecognizeFileRequest) returns (RecognizeFileRequest) {\n"
        '  option (google.api.http) = { post: "/elsewhere/{only_here}" body: "*" }; } }\n'
    )
    contract = yc_contracts.registry
    before = contract.message_descriptor("speechkit.stt.v3.RecognizeFileRequest")
    reg = Registry.from_proto_tree(tmp_path / "tree")
    theirs = reg.message_descriptor("speechkit.stt.v3.RecognizeFileRequest")
    assert [f.name for f in theirs.fields] == ["only_here"]
    assert reg.message_class(theirs.full_name) is not contract.message_class(theirs.full_name)
    assert transcode("POST", "/elsewhere/x", body={}, registry=reg).request.only_here == "x"  # type: ignore[attr-defined]
    assert contract.message_descriptor("speechkit.stt.v3.RecognizeFileRequest") is before
    assert "uri" in before.fields_by_name
    assert contract.route("POST /stt/v3/recognizeFileAsync").method.input_type == before.full_name
    assert descriptor_pool.Default() is not reg.descriptor_pool


def test_from_modules_of_the_contracts_own_generated_code() -> None:
    """``from_modules`` reads any generated code, even modules registered in a private pool: the contract's ``_gen``
    package gives a registry equal in files, messages and routes to the contract's own."""
    reg = Registry.from_modules(["yc_contracts._gen"])
    contract = yc_contracts.registry
    assert set(reg.files) == set(contract.files)
    assert reg.messages() == contract.messages()
    assert [str(r) for r in reg.routes()] == [str(r) for r in contract.routes()]
    assert reg.skipped() == ()


def test_from_modules_records_modules_that_cannot_be_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``*_pb2`` module that fails to import is recorded and left out; the others make the registry. A package
    with no generated module at all is a ContractError; a package that does not exist, ModuleNotFoundError."""
    package = tmp_path / "zz_anyapi_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "broken_pb2.py").write_text("raise RuntimeError('generated for another runtime')\n")
    (package / "good_pb2.py").write_text(
        "from google.protobuf import timestamp_pb2\nDESCRIPTOR = timestamp_pb2.DESCRIPTOR\n"
    )
    (tmp_path / "zz_anyapi_empty").mkdir()
    (tmp_path / "zz_anyapi_empty" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        reg = Registry.from_modules(["zz_anyapi_pkg"])
        (record,) = reg.skipped()
        assert (record.kind, record.subject) == ("module", "zz_anyapi_pkg.broken_pb2")
        assert "generated for another runtime" in record.reason
        assert reg.files == ()  # its one good module holds a google file only
        assert reg.message_descriptor("google.protobuf.Timestamp").full_name == "google.protobuf.Timestamp"
        with pytest.raises(ContractError, match="no generated"):
            Registry.from_modules(["zz_anyapi_empty"])
        with pytest.raises(ModuleNotFoundError):
            Registry.from_modules(["zz_anyapi_absent"])
    finally:
        for name in [m for m in sys.modules if m.startswith(("zz_anyapi_pkg", "zz_anyapi_empty"))]:
            del sys.modules[name]
