"""``registry=`` on every public function that takes a message type (issue 17): validation, conversion, schemas,
transcoding and the Hypothesis strategies work on any registry the way they work on the contract's.

Two registries: tests/protos compiled at test time (both runtimes; ``yc_test.v1.ValidationForms`` carries every
``yandex.cloud`` option form), and the official SDK's whole API, ``Registry.from_modules(["yandex.cloud"])``
(protobuf 6 environments only, where ``yandexcloud`` is installed): Object Storage, Resource Manager and Compute
REST payloads that break the SDK's own options, checked, converted, transcoded and served by a real gateway.

What a user depends on: another registry's ``yandex.cloud`` options are its whole contract (the contract's service
rules, limits and content inspection stay with the contract); a type with the same full name as a contract type is
read by the registry's descriptors; ``registry=None`` still means the contract; and what a registry derives is
freed with it.
"""

from __future__ import annotations

import gc
import json
import textwrap
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import jsonschema_rs
import pytest
from google.protobuf import json_format, message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import yc_contracts
from yc_contracts import (
    BadRequestError,
    Registry,
    StreamError,
    UnknownNameError,
    ValidationError,
    check,
    from_stream,
    gateway,
    iter_violations,
    openapi,
    schema_for,
    to_json,
    to_ndjson,
    to_proto,
    to_rest,
    transcode,
    transcode_response,
    validate,
)
from yc_contracts.testing import http_requests, invalid_payloads, messages, payloads

FORMS = "yc_test.v1.ValidationForms"
WIDGET = "yc_test.v1.Widget"
V3 = "speechkit.stt.v3.RecognizeFileRequest"
SECRET = "Bearer t1.not-a-real-iam-token"
TIMEOUT = 30.0
DRAWS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# A ValidationForms payload that meets every option of the type.
GOOD_FORMS: dict[str, Any] = {
    "lengthLe": "short",
    "lengthExact": "x" * 20,
    "lengthList": "y" * 36,
    "sizeGt": [{"name": "one"}],
    "sizeRange": ["1"],
    "sizeExact": ["RED", "GREEN"],
    "valueUint64": "7",
    "valueGt": "1",
    "valueFloatGt": 0.75,
    "valueEnum": "RED",
    "pattern": "ab1",
    "requiredString": "s",
    "requiredInt64": "5",
    "requiredEnum": "GREEN",
    "requiredMessage": {"name": "m"},
    "requiredRepeated": [{"name": "r"}],
    "combined": "c",
    "sourceUri": "https://example.com/a",
    "durationRange": "30s",
    "timestampGe": "2024-05-01T10:00:00Z",
    "mapKeyString": {"42": "answer"},
}


def rules_of(found: list[yc_contracts.Violation] | tuple[yc_contracts.Violation, ...]) -> list[tuple[str, str]]:
    return sorted((v.path, v.rule) for v in found)


@pytest.fixture(scope="module")
def tree() -> Registry:
    """tests/protos compiled with protoc at test time (its yandex.cloud options import our protos/)."""
    return Registry.from_proto_tree("tests/protos", includes=["protos"])


@pytest.fixture(scope="module")
def sdk() -> Registry:
    """The whole Yandex Cloud API as the installed official SDK ships it."""
    pytest.importorskip("yandexcloud")
    from anyapi import sdk_tree

    return sdk_tree.sdk_registry()


# ------------------------------------------------------------------------------ a proto tree, both runtimes


def test_check_validate_and_iter_violations_read_the_registrys_options(tree: Registry) -> None:
    """Each broken option of a tree's type is one violation naming its option rule, by every way in."""
    bad = {**GOOD_FORMS, "lengthLe": "x" * 51, "pattern": "A", "valueGt": "-5", "sizeExact": ["RED"]}
    bad.pop("requiredString")
    expected = [
        ("/lengthLe", "option.length"),
        ("/pattern", "option.pattern"),
        ("/requiredString", "option.required"),
        ("/sizeExact", "option.size"),
        ("/valueGt", "option.value"),
    ]
    assert check(FORMS, GOOD_FORMS, registry=tree) == []
    assert rules_of(check(FORMS, bad, registry=tree)) == expected
    assert rules_of(list(iter_violations(FORMS, bad, registry=tree))) == expected
    assert rules_of(check(FORMS, json.dumps(bad), registry=tree)) == expected  # JSON text too
    with pytest.raises(ValidationError) as caught:
        validate(FORMS, bad, registry=tree)
    assert rules_of(caught.value.violations) == expected
    validate(FORMS, GOOD_FORMS, registry=tree)
    with pytest.raises(UnknownNameError):
        check(FORMS, GOOD_FORMS)  # registry=None is the contract, which has no such type
    with pytest.raises(ValueError, match="limits"):
        check(FORMS, GOOD_FORMS, registry=tree, limits={"ocr.max_file_bytes": 1})


def test_to_proto_converts_and_validates_against_the_registry(tree: Registry) -> None:
    """A good payload becomes the registry's own class, byte-equal to what json_format builds over its pool; a bad
    one raises ValidationError with every violation, unless validation is off."""
    msg = to_proto(FORMS, GOOD_FORMS, registry=tree)
    assert type(msg) is tree.message_class(FORMS)
    reference = json_format.ParseDict(GOOD_FORMS, tree.message_class(FORMS)(), descriptor_pool=tree.descriptor_pool)
    assert msg.SerializeToString(deterministic=True) == reference.SerializeToString(deterministic=True)
    assert to_proto(FORMS, json.dumps(GOOD_FORMS).encode(), registry=tree) == msg

    bad = {**GOOD_FORMS, "lengthLe": "x" * 51, "combined": ""}
    with pytest.raises(ValidationError) as caught:
        to_proto(FORMS, bad, registry=tree)
    assert rules_of(caught.value.violations) == [("/combined", "option.required"), ("/lengthLe", "option.length")]
    unchecked = to_proto(FORMS, bad, registry=tree, validate=False)
    assert unchecked.length_le == "x" * 51  # type: ignore[attr-defined]
    with pytest.raises(ValidationError) as caught:
        to_proto(FORMS, {**GOOD_FORMS, "valueGt": "many"}, registry=tree)
    assert rules_of(caught.value.violations) == [("/valueGt", "type.int64")]
    with pytest.raises(ValueError, match="limits"):
        to_proto(FORMS, GOOD_FORMS, registry=tree, limits={"ocr.max_file_bytes": 1})
    with pytest.raises(UnknownNameError):
        to_proto(FORMS, GOOD_FORMS)


def test_to_rest_to_json_and_to_ndjson_print_the_registrys_messages(tree: Registry) -> None:
    """Printing reads the message by the registry's descriptors, as json_format.MessageToDict does over its pool."""
    msg = to_proto(FORMS, GOOD_FORMS, registry=tree)
    pool = tree.descriptor_pool
    assert to_rest(msg, registry=tree) == json_format.MessageToDict(msg, descriptor_pool=pool)
    assert to_rest(msg, registry=tree, names="proto") == json_format.MessageToDict(
        msg, descriptor_pool=pool, preserving_proto_field_name=True
    )
    assert json.loads(to_json(msg, registry=tree)) == to_rest(msg, registry=tree)
    widget = to_proto(WIDGET, {"name": "w1", "sizeBytes": "9"}, registry=tree)
    lines = list(to_ndjson([widget, widget], registry=tree, envelope=True))
    assert lines == ['{"result":{"name":"w1","sizeBytes":"9"}}\n'] * 2
    with pytest.raises(UnknownNameError):
        to_rest(msg)  # the contract does not know the type


def test_from_stream_reads_the_registrys_messages(tree: Registry) -> None:
    """NDJSON or an array, envelopes or not, each item validated against the registry; an error item ends it."""
    items = from_stream(WIDGET, '{"result": {"name": "a"}}\n{"name": "b", "sizeBytes": 3}\n', registry=tree)
    assert [type(m) for m in items] == [tree.message_class(WIDGET)] * 2
    assert [m.name for m in items] == ["a", "b"]  # type: ignore[attr-defined]
    array = from_stream(WIDGET, '[{"name": "a"}, {"result": {"name": "b", "sizeBytes": "3"}}]', registry=tree)
    assert array == items
    with pytest.raises(ValidationError) as caught:
        from_stream(FORMS, json.dumps([GOOD_FORMS, {**GOOD_FORMS, "pattern": "A"}]), registry=tree)
    assert rules_of(caught.value.violations) == [("/1/pattern", "option.pattern")]
    with pytest.raises(StreamError) as stopped:
        from_stream(WIDGET, '{"result": {"name": "a"}}\n{"error": {"code": 5, "message": "gone"}}', registry=tree)
    assert (stopped.value.status.code, len(stopped.value.messages)) == (5, 1)  # type: ignore[attr-defined]


def test_schema_for_and_openapi_of_a_tree(tree: Registry) -> None:
    """The tree's JSON Schema states its options, and agrees with check(); its OpenAPI lists its routes."""
    schema = schema_for(FORMS, registry=tree)
    validator = jsonschema_rs.validator_for(schema)
    assert validator.is_valid(GOOD_FORMS)
    assert not validator.is_valid({**GOOD_FORMS, "lengthLe": "x" * 51})
    with pytest.raises(UnknownNameError):
        schema_for(FORMS)
    document = openapi(registry=tree)
    assert "/v1/widgets/{widget_id}" in document["paths"]
    assert document["openapi"].startswith("3.1")


def test_transcode_and_transcode_response_of_a_tree(tree: Registry) -> None:
    """A tree's route binds and checks its body through the same converters; its response prints by its pool."""
    call = transcode("POST", "/v1/widgets/w1:archive", body={"keepDays": "30"}, registry=tree)
    assert (call.method, call.request.keep_days) == ("/yc_test.v1.RouteForms/ArchiveWidget", 30)  # type: ignore[attr-defined]
    for validate_first in (True, False):
        with pytest.raises(BadRequestError) as caught:
            transcode("POST", "/v1/widgets/w1:archive", body={"keepDays": "x"}, registry=tree, validate=validate_first)
        assert rules_of(caught.value.violations) == [("/keepDays", "type.int64")]
    widget = tree.message_class(WIDGET)(name="w1", size_bytes=7)
    response = transcode_response(call, widget)
    assert (response.status, json.loads(response.body)) == (200, {"name": "w1", "sizeBytes": "7"})
    watch = transcode("GET", "/v1/widgets:watch", registry=tree)
    streamed = transcode_response(watch, [widget, widget])
    printed = {"result": {"name": "w1", "sizeBytes": "7"}}
    assert [json.loads(line) for line in streamed.body.splitlines()] == [printed, printed]


@given(data=st.data())
@DRAWS
def test_strategies_draw_what_the_registry_accepts(tree: Registry, data: st.DataObject) -> None:
    """messages, payloads, invalid_payloads and http_requests of a tree: valid ones pass check(registry=) and
    convert back; each invalid one is reported as exactly the violation it expects."""
    msg = data.draw(messages(FORMS, registry=tree), label="message")
    assert type(msg) is tree.message_class(FORMS)
    assert check(FORMS, msg, registry=tree) == []
    payload = data.draw(payloads(FORMS, names="mixed", registry=tree), label="payload")
    assert check(FORMS, payload, registry=tree) == []
    to_proto(FORMS, payload, registry=tree)
    broken, (path, rule) = data.draw(invalid_payloads(FORMS, registry=tree), label="invalid")
    assert [(v.path, v.rule) for v in check(FORMS, broken, registry=tree)] == [(path, rule)]
    verb, path, query, body, headers = data.draw(http_requests(registry=tree), label="request")
    transcode(verb, path, query=query, body=body, headers=headers, registry=tree)


def test_patterns_are_drawn_as_the_validators_read_them(tmp_path: Path) -> None:
    """``\\d``, ``\\w`` and ``\\s`` in a yandex.cloud pattern mean what they mean to the validators (ECMA 262: ASCII
    digits and word characters, ECMA's whitespace), so every drawn payload passes; Python's reading drew "८"."""
    (tmp_path / "p" / "v1").mkdir(parents=True)
    (tmp_path / "p" / "v1" / "patterns.proto").write_text(
        textwrap.dedent(
            r"""
            syntax = "proto3";
            package p.v1;
            import "yandex/cloud/validation.proto";
            message Patterned {
              string code = 1 [(yandex.cloud.pattern) = "\\d{3}-\\w+", (yandex.cloud.required) = true];
              string line = 2 [(yandex.cloud.pattern) = ".+\\s\\S", (yandex.cloud.required) = true];
              map<string, string> tags = 3 [(yandex.cloud.map_key).pattern = "[\\d]+"];
            }
            """
        ),
        encoding="utf-8",
    )
    reg = Registry.from_proto_tree(tmp_path, includes=["protos"])
    name = "p.v1.Patterned"
    found = check(name, {"code": "८८८-x", "line": "a\x85c", "tags": {"٣": "v"}}, registry=reg)
    assert rules_of(found) == [("/code", "option.pattern"), ("/line", "option.pattern"), ("/tags", "option.map_key")]

    @given(payloads(name, registry=reg))
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def drawn(payload: Any) -> None:
        assert check(name, payload, registry=reg) == [], payload

    drawn()


def test_registry_none_is_the_contract() -> None:
    """Without ``registry``, names are the contract's and so are its service rules and classes."""
    assert rules_of(check(V3, {})) == [("", "stt.v3.audio_source")]
    request = to_proto(V3, {"uri": "https://storage.yandexcloud.net/b/a.wav"})
    assert type(request) is yc_contracts.registry.message_class(V3)
    assert to_proto(V3, {"uri": "https://storage.yandexcloud.net/b/a.wav"}, registry=yc_contracts.registry) == request
    assert to_rest(request) == to_rest(request, registry=yc_contracts.registry)


def test_what_a_registry_derives_is_freed_with_it() -> None:
    """Converters and names a registry's conversions compiled live with it: dropping the registry frees them."""

    def use() -> weakref.ref[Registry]:
        reg = Registry.from_proto_tree("tests/protos", includes=["protos"])
        msg = to_proto(WIDGET, {"name": "w", "part": {"partId": "p"}}, registry=reg, validate=False)
        assert to_rest(msg, registry=reg) == {"name": "w", "part": {"partId": "p"}}
        return weakref.ref(reg)

    ref = use()
    gc.collect()
    assert ref() is None


# ------------------------------------------------------------------------------ the official SDK (protobuf 6)


def test_object_storage_payloads_break_the_sdks_options(sdk: Registry) -> None:
    """Object Storage's own options: required, length, unique and pattern, each named by check() and raised by
    to_proto(); a good bucket converts byte-equal to json_format and prints back as MessageToDict does."""
    from yandex.cloud.storage.v1 import bucket_service_pb2

    create = "yandex.cloud.storage.v1.CreateBucketRequest"
    bad = {"name": "", "folderId": "b1g" + "x" * 60}
    assert rules_of(check(create, bad, registry=sdk)) == [("/folderId", "option.length"), ("/name", "option.required")]
    with pytest.raises(ValidationError) as caught:
        to_proto(create, bad, registry=sdk)
    assert rules_of(caught.value.violations) == [("/folderId", "option.length"), ("/name", "option.required")]

    update = "yandex.cloud.storage.v1.UpdateBucketRequest"
    bad_update = {
        "name": "my-bucket",
        "cors": [{"allowedMethods": ["METHOD_GET", "METHOD_GET"], "allowedOrigins": ["*"]}],
        "websiteSettings": {"routingRules": [{"redirect": {"httpRedirectCode": "200"}}]},
    }
    assert rules_of(check(update, bad_update, registry=sdk)) == [
        ("/cors/0/allowedMethods", "option.unique"),
        ("/updateMask", "option.required"),
        ("/websiteSettings/routingRules/0/redirect/httpRedirectCode", "option.pattern"),
    ]

    good = {
        "name": "my-bucket",
        "folderId": "b1gexample",
        "maxSize": "1073741824",
        "defaultStorageClass": "STANDARD",
        "tags": [{"key": "env", "value": "prod"}],
        "anonymousAccessFlags": {"read": False, "list": True},
    }
    assert check(create, good, registry=sdk) == []
    msg = to_proto(create, good, registry=sdk)
    theirs = json_format.ParseDict(good, bucket_service_pb2.CreateBucketRequest())
    assert msg.SerializeToString(deterministic=True) == theirs.SerializeToString(deterministic=True)
    assert to_rest(msg, registry=sdk) == json_format.MessageToDict(theirs)
    assert to_rest(theirs, registry=sdk) == json_format.MessageToDict(theirs)  # the SDK's own class, too
    assert type(to_proto(create, good, registry=sdk, into=bucket_service_pb2.CreateBucketRequest)) is type(theirs)


def test_resource_manager_payloads_break_value_size_pattern_and_map_key(sdk: Registry) -> None:
    """The remaining option forms, on Resource Manager folders: value on a page size, size and map_key on labels."""
    folders = "yandex.cloud.resourcemanager.v1.CreateFolderRequest"
    labels = {"Env": "prod", **{f"k{i}": "v" for i in range(70)}}
    bad = {"cloudId": "b1gcloud", "name": "Bad_Name", "labels": labels}
    assert rules_of(check(folders, bad, registry=sdk)) == [
        ("/labels", "option.map_key"),
        ("/labels", "option.size"),
        ("/name", "option.pattern"),
    ]
    listing = "yandex.cloud.resourcemanager.v1.ListFoldersRequest"
    assert rules_of(check(listing, {"cloudId": "b1gcloud", "pageSize": "5000"}, registry=sdk)) == [
        ("/pageSize", "option.value")
    ]
    with pytest.raises(BadRequestError) as caught:
        transcode(
            "GET", "/resource-manager/v1/folders", query={"cloudId": "b1gcloud", "pageSize": "5000"}, registry=sdk
        )
    assert rules_of(caught.value.violations) == [("/pageSize", "option.value")]


def test_compute_requests_over_rest(sdk: Registry) -> None:
    """Compute: an instance's request (whose SDK protos carry no yandex.cloud options) is checked for ProtoJSON types,
    and transcoding a bad one is a BadRequestError naming the field; an instance group's options are checked."""
    from yandex.cloud.compute.v1 import instance_service_pb2

    create = "yandex.cloud.compute.v1.CreateInstanceRequest"
    bad = {"folderId": "b1g", "zoneId": "ru-central1-a", "resourcesSpec": {"memory": "lots", "cores": "2"}, "zone": "a"}
    expected = [("/resourcesSpec/memory", "type.int64"), ("/zone", "json.unknown_field")]
    assert rules_of(check(create, bad, registry=sdk)) == expected
    with pytest.raises(BadRequestError) as caught:
        transcode("POST", "/compute/v1/instances", body=bad, headers={"authorization": SECRET}, registry=sdk)
    assert rules_of(caught.value.violations) == expected
    assert SECRET not in str(caught.value)
    assert all(SECRET not in v.message for v in caught.value.violations)

    good = {
        "folderId": "b1gexample",
        "name": "web-1",
        "zoneId": "ru-central1-a",
        "platformId": "standard-v3",
        "resourcesSpec": {"memory": "2147483648", "cores": "2", "coreFraction": "100"},
        "bootDiskSpec": {"autoDelete": True, "diskSpec": {"size": "21474836480", "imageId": "fd8example"}},
        "labels": {"env": "prod"},
        "maintenanceGracePeriod": "3600s",
    }
    call = transcode("POST", "/compute/v1/instances", body=good, registry=sdk)
    theirs = json_format.ParseDict(good, instance_service_pb2.CreateInstanceRequest())
    assert call.method == "/yandex.cloud.compute.v1.InstanceService/Create"
    assert call.request.SerializeToString(deterministic=True) == theirs.SerializeToString(deterministic=True)
    assert to_rest(call.request, registry=sdk) == json_format.MessageToDict(theirs)

    groups = "yandex.cloud.compute.v1.instancegroup.CreateInstanceGroupRequest"
    found = check(groups, {"folderId": "b1g", "name": "Bad Name"}, registry=sdk)
    assert ("/name", "option.pattern") in rules_of(found)
    assert ("/instanceTemplate", "option.required") in rules_of(found)


def test_validation_off_keeps_protojson_checks_only(sdk: Registry) -> None:
    """``validate=False`` lets a request that breaks an option through, and still refuses one that is not
    ProtoJSON of its type."""
    body = {"name": "my-bucket", "folderId": "b" * 60}
    with pytest.raises(BadRequestError) as caught:
        transcode("POST", "/storage/v1/buckets", body=body, registry=sdk)
    assert rules_of(caught.value.violations) == [("/folderId", "option.length")]
    call = transcode("POST", "/storage/v1/buckets", body=body, registry=sdk, validate=False)
    assert call.request.folder_id == "b" * 60  # type: ignore[attr-defined]
    with pytest.raises(BadRequestError) as caught:
        transcode("POST", "/storage/v1/buckets", body={**body, "maxSize": "lots"}, registry=sdk, validate=False)
    assert ("/maxSize", "type.int64") in rules_of(caught.value.violations)


def test_transcode_response_of_an_sdk_call(sdk: Registry) -> None:
    """The Operation an SDK method returns is printed by the registry's pool, packed response included."""
    from yandex.cloud.operation import operation_pb2
    from yandex.cloud.storage.v1 import bucket_pb2

    call = transcode("POST", "/storage/v1/buckets", body={"name": "my-bucket", "folderId": "b1g"}, registry=sdk)
    done = operation_pb2.Operation(id="op-1", done=True)
    done.response.Pack(bucket_pb2.Bucket(name="my-bucket", folder_id="b1g"))
    reply = sdk.coerce(done)
    response = transcode_response(call, reply)
    assert response.status == 200
    assert json.loads(response.body) == json_format.MessageToDict(done)
    assert json.loads(response.body) == to_rest(reply, registry=sdk)


def test_a_type_named_like_a_contract_type_is_read_by_the_registry(sdk: Registry) -> None:
    """``speechkit.stt.v3.RecognizeFileRequest`` is in both: with ``registry=sdk`` it is the SDK's descriptors and
    options (no contract service rule), its class and its schema; without, the contract's."""
    assert rules_of(check(V3, {})) == [("", "stt.v3.audio_source")]
    assert check(V3, {}, registry=sdk) == []
    theirs = to_proto(V3, {"uri": "https://storage.yandexcloud.net/b/a.wav"}, registry=sdk)
    ours = to_proto(V3, {"uri": "https://storage.yandexcloud.net/b/a.wav"})
    assert type(theirs) is sdk.message_class(V3)
    assert type(ours) is yc_contracts.registry.message_class(V3)
    assert type(theirs) is not type(ours)
    assert theirs.SerializeToString() == ours.SerializeToString()
    assert "stt.v3.audio_source" in json.dumps(schema_for(V3))
    assert "stt.v3.audio_source" not in json.dumps(schema_for(V3, registry=sdk))
    assert to_rest(ours, registry=sdk) == to_rest(theirs)  # each read by name in the registry asked


def test_strategies_over_the_sdk(sdk: Registry) -> None:
    """Strategies of SDK types draw payloads its validators accept (a pattern with ``\\d`` included), invalid
    payloads they report exactly, and requests that transcode with validation on."""
    bucket = "yandex.cloud.storage.v1.UpdateBucketRequest"
    trino = "yandex.cloud.trino.v1.ClickhouseConnection.OnPremise"  # connection_url: "...(?:.+:\\d+)/..."
    folders = "yandex.cloud.resourcemanager.v1.CreateFolderRequest"

    @given(data=st.data())
    @DRAWS
    def drawn(data: st.DataObject) -> None:
        msg = data.draw(messages(bucket, registry=sdk), label="message")
        assert type(msg) is sdk.message_class(bucket)
        for name in (bucket, trino):
            payload = data.draw(payloads(name, names="mixed", registry=sdk), label=name)
            assert check(name, payload, registry=sdk) == [], payload
            assert isinstance(to_proto(name, payload, registry=sdk), message.Message)
        broken, expected = data.draw(invalid_payloads(folders, registry=sdk), label="invalid")
        assert [(v.path, v.rule) for v in check(folders, broken, registry=sdk)] == [expected]
        verb, path, query, body, headers = data.draw(http_requests("POST /storage/v1/buckets", registry=sdk))
        assert transcode(verb, path, query=query, body=body, headers=headers, registry=sdk).method == (
            "/yandex.cloud.storage.v1.BucketService/Create"
        )

    drawn()


def test_openapi_and_schemas_of_an_sdk_service(sdk: Registry) -> None:
    """A service's registry has a schema per type and an OpenAPI document of its routes."""
    storage = Registry.from_modules(["yandex.cloud.storage.v1"])
    document = openapi(registry=storage)
    assert "/storage/v1/buckets" in document["paths"]
    schema = schema_for("POST /storage/v1/buckets", registry=storage)
    validator = jsonschema_rs.validator_for(schema)
    assert validator.is_valid({"name": "b", "folderId": "b1g"})
    assert not validator.is_valid({"name": "b", "folderId": "b" * 60})
    assert schema == schema_for("yandex.cloud.storage.v1.CreateBucketRequest", registry=sdk)


@pytest.fixture
def storage_upstream(sdk: Registry) -> Iterator[Any]:
    """A real gRPC server on loopback serving Object Storage's BucketService of the SDK registry."""
    from gateway.upstream import FakeUpstream

    operation = sdk.message_class("yandex.cloud.operation.Operation")

    async def create(request: Any, context: grpc.aio.ServicerContext) -> Any:
        return operation(id="op-1", description=request.name)

    with FakeUpstream(sdk) as up:
        up.on("/yandex.cloud.storage.v1.BucketService/Create", create)
        yield up


def test_the_gateway_checks_an_sdk_services_options(sdk: Registry, storage_upstream: Any) -> None:
    """Over HTTP, a body that breaks Object Storage's options is a 400 naming each problem (the upstream is never
    called, no secret is echoed); a good one reaches the gRPC server and comes back as REST JSON."""
    app = gateway.app(registry=sdk, upstreams=storage_upstream.target)
    with gateway.serving(app) as server, httpx.Client(timeout=TIMEOUT) as client:
        bad = client.post(
            server.url + "/storage/v1/buckets",
            json={"name": "", "folderId": "b" * 60},
            headers={"authorization": SECRET},
        )
        assert bad.status_code == 400
        [detail] = bad.json()["details"]
        assert sorted(v["field"] for v in detail["fieldViolations"]) == ["/folderId", "/name"]
        assert SECRET not in bad.text
        assert storage_upstream.received == []
        good = client.post(server.url + "/storage/v1/buckets", json={"name": "my-bucket", "folderId": "b1g"})
        assert (good.status_code, good.json()) == (200, {"id": "op-1", "description": "my-bucket"})
    [received] = storage_upstream.received
    assert received.method == "/yandex.cloud.storage.v1.BucketService/Create"
