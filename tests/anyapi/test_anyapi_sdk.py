"""The whole Yandex Cloud API as the official SDK ships it (``yandexcloud`` 0.413.0, pinned in pyproject's ``sdk``
group), read at test time from its installed ``*_pb2`` modules: nothing of the SDK is committed.

A user who builds ``Registry.from_modules(["yandex.cloud"])`` depends on it building in well under a few seconds,
listing every service, method and route, decoding every option, generating a valid JSON Schema for each type, and
transcoding a request to every route. The default run samples types and routes (seeded); set
``YC_CONTRACTS_FULL_SWEEP=1`` (``make test-deep``) for all of them. bench/anyapi.py measures every surface.

Skipped where the SDK is not installed (the protobuf 7 environment: the SDK pins protobuf < 7).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema_rs
import pytest
from anyapi import sdk_tree
from google.protobuf import descriptor_pool, json_format

import yc_contracts
from yc_contracts import Registry, transcode
from yc_contracts.rules.ruleset import RuleSet
from yc_contracts.schema.generator import SchemaGenerator

pytestmark = pytest.mark.skipif(
    not sdk_tree.HAVE_SDK, reason="yandexcloud is installed in the protobuf 6 test environments only"
)

# The counts of yandexcloud 0.413.0: a new pin changes them (and should be looked at).
FILES = 1_076
MESSAGES = 7_276
MESSAGE_TYPES = 7_834  # with map entries, as the issue counts "every message type"
SERVICES = 415
METHODS = 2_534
ROUTES = 2_374
SAMPLE = 200
SEED = 17
SECRET = "Bearer t1.not-a-real-iam-token"
OPTION_RULES = ("option.", "oneof.exactly_one")
"""What random data may break: the ``yandex.cloud`` options (and exactly-one oneofs) it knows nothing of."""


@pytest.fixture(scope="module")
def sdk() -> Registry:
    return sdk_tree.sdk_registry()


def _sample(items: list[object], size: int) -> list[object]:
    return sdk_tree.sample(items, None if sdk_tree.full_sweep() else size, SEED)


def test_the_registry_builds_in_a_fresh_process_in_seconds(repo_root: Path) -> None:
    """From a cold interpreter, importing the SDK's 1,076 modules and building the registry takes well under a few
    seconds (about half a second on the test machine), and lists every file, message, service, method and route."""
    script = textwrap.dedent(
        """
        import json, time
        start = time.perf_counter()
        from yc_contracts import Registry
        reg = Registry.from_modules(["yandex.cloud"])
        built = time.perf_counter() - start
        counts = [len(reg.files), len(reg.messages()), len(reg.services()), len(reg.methods()), len(reg.routes())]
        print(json.dumps({"seconds": built, "counts": counts, "skipped": [str(s) for s in reg.skipped()]}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True, cwd=repo_root
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["counts"] == [FILES, MESSAGES, SERVICES, METHODS, ROUTES]
    assert result["skipped"] == []
    assert result["seconds"] < 5.0, result


def test_counts_of_the_whole_api(sdk: Registry) -> None:
    """Every generated file of the SDK is indexed, with every message type (nested ones and map entries)."""
    assert len(sdk.files) == FILES
    assert len(sdk.messages()) == MESSAGES
    assert len(sdk_tree.message_types(sdk)) == MESSAGE_TYPES
    assert len(sdk.services()) == SERVICES
    assert len(sdk.methods()) == METHODS
    assert len(sdk.routes()) == ROUTES
    assert "yandex/cloud/compute/v1/instance_service.proto" in sdk.files


def test_options_of_every_element_decode(sdk: Registry) -> None:
    """The options of every file, message, field, oneof, enum, enum value, service and method decode, including
    the repeated ``google.api.method_signature`` that once took every listing down; nothing is skipped."""
    elements = 0
    signatures = 0
    for element in sdk_tree.elements(sdk):
        options = sdk.options(element)
        assert isinstance(options, dict)
        signatures += "google.api.method_signature" in options
        elements += 1
    assert elements > 50_000  # 50,485 in yandexcloud 0.413.0
    assert signatures > 0
    assert sdk.skipped() == ()
    compute = sdk.method("yandex.cloud.compute.v1.InstanceService.Get")
    assert str(compute.routes[0]) == "GET /compute/v1/instances/{instance_id}"
    assert compute.operation is None
    create = sdk.method("yandex.cloud.compute.v1.InstanceService.Create")
    assert create.operation is not None
    assert create.operation.response == "yandex.cloud.compute.v1.Instance"


def test_routes_transcode_from_their_templates(sdk: Registry) -> None:
    """A request built from each route's template — path variables filled in, a body as the rule says, query
    parameters for free scalar fields — transcodes to that route's method and to exactly the request message its
    parts describe; the authorization header goes along as metadata and into no error. Random data breaks the
    request's ``yandex.cloud`` options, which ``transcode`` checks: those (and only those) are reported, and
    ``validate=False`` then binds it."""
    routes = _sample(list(sdk.routes()), SAMPLE)
    headers = {"authorization": SECRET}
    any_types = sdk_tree.message_types(sdk, map_entries=False)
    failures = []
    for route in routes:
        rng = random.Random(f"{SEED}:{route}:{route.method.full_name}")  # type: ignore[attr-defined]
        request = sdk_tree.route_request(route, sdk_tree.InstanceMaker(rng, any_types, special=False), rng)
        body = None if request.body is None else json.dumps(request.body)
        parts = {"query": request.query, "body": body, "headers": headers, "registry": sdk}
        try:
            try:
                call = transcode(request.verb, request.path, **parts)  # type: ignore[arg-type]
            except yc_contracts.BadRequestError as e:  # random data breaks options: only those may be reported
                other = [v for v in e.violations if not v.rule.startswith(OPTION_RULES)]
                if other:
                    failures.append(f"{route}: {request.path}: {other}")
                    continue
                call = transcode(request.verb, request.path, validate=False, **parts)  # type: ignore[arg-type]
        except yc_contracts.TranscodeError as e:
            failures.append(f"{route}: {request.path}: {e}")
            continue
        if call.method != route.method.grpc_path:  # type: ignore[attr-defined]
            failures.append(f"{route}: {request.path} reached {call.method}")
        elif call.request.SerializeToString(deterministic=True) != request.expected.SerializeToString(
            deterministic=True
        ):
            failures.append(f"{route}: {request.path}: {call.request} instead of {request.expected}")
        assert ("authorization", SECRET) in list(call.metadata)
    assert failures == [], f"{len(failures)} of {len(routes)} routes:\n" + "\n".join(failures[:20])
    with pytest.raises(yc_contracts.BadRequestError) as caught:
        transcode(
            "GET", "/compute/v1/instances/x", query={"bogus": "1"}, headers={"authorization": SECRET}, registry=sdk
        )
    assert SECRET not in str(caught.value)
    assert all(SECRET not in v.message for v in caught.value.violations)


def test_a_compute_request_over_rest(sdk: Registry) -> None:
    """The documented example: a Compute instance update, from its REST form to the SDK's request message."""
    call = transcode(
        "PATCH",
        "/compute/v1/instances/fhm0example",
        body={"updateMask": "name,labels", "name": "web-1", "labels": {"env": "prod"}},
        registry=sdk,
    )
    assert call.method == "/yandex.cloud.compute.v1.InstanceService/Update"
    from yandex.cloud.compute.v1 import instance_service_pb2

    theirs = instance_service_pb2.UpdateInstanceRequest.FromString(call.request.SerializeToString())
    assert theirs.instance_id == "fhm0example"
    assert list(theirs.update_mask.paths) == ["name", "labels"]
    assert dict(theirs.labels) == {"env": "prod"}


def test_schemas_of_message_types_are_valid_2020_12(sdk: Registry) -> None:
    """A JSON Schema document for each message type, valid under the 2020-12 meta-schema, and the ``Any``
    document over the whole tree (one ``@type`` per type)."""
    generator = SchemaGenerator(sdk, RuleSet((), ()))
    names = _sample(sdk_tree.message_types(sdk), 500)
    invalid = [name for name in names if not jsonschema_rs.meta.is_valid(generator.message_document(str(name)))]
    assert invalid == []
    document = generator.any_document()
    assert len(document["properties"]["@type"]["enum"]) > MESSAGES
    assert jsonschema_rs.meta.is_valid(document)


def test_validators_accept_drawn_instances_but_for_their_options(sdk: Registry) -> None:
    """``check(..., registry=sdk)`` of a random instance's ``MessageToDict`` form finds nothing but broken
    ``yandex.cloud`` options (random data ignores them); each such violation names its option's rule."""
    any_types = sdk_tree.message_types(sdk, map_entries=False)
    other = []
    for name in _sample(sdk_tree.message_types(sdk), 300):
        maker = sdk_tree.InstanceMaker(random.Random(f"{SEED}:{name}"), any_types)
        for _ in range(2):
            payload = json_format.MessageToDict(maker.make(str(name)))
            found = yc_contracts.check(str(name), payload, registry=sdk)
            other += [(name, v.path, v.rule, v.message) for v in found if not v.rule.startswith(OPTION_RULES)]
    assert other == []


def test_every_type_reaching_any_has_a_validator(sdk: Registry) -> None:
    """The types whose payload may pack an ``Any`` (117 of them: operations, errors, …) compile like any other:
    packed messages are dispatched on ``@type`` instead of one validator inlining all 7,853 types."""
    from yc_contracts.validation.validator import compiled_for

    reaching = sdk_tree.reaching_any(sdk)
    assert len(reaching) > 100
    for name in sorted(reaching):
        assert compiled_for(name, registry=sdk).schema.is_valid is not None


def test_a_packed_compute_metadata_is_checked_as_its_type(sdk: Registry) -> None:
    """An ``Operation`` of the SDK whose metadata packs a Compute ``CreateInstanceMetadata``: a field it does not
    have is reported inside the metadata, at its place."""
    operation = {
        "id": "fhm0example",
        "done": False,
        "metadata": {
            "@type": "type.googleapis.com/yandex.cloud.compute.v1.CreateInstanceMetadata",
            "instanceId": "fhm0example",
            "instanceNmae": "x",
        },
    }
    found = [(v.path, v.rule) for v in yc_contracts.check("yandex.cloud.operation.Operation", operation, registry=sdk)]
    assert found == [("/metadata/instanceNmae", "json.unknown_field")]


def test_converters_agree_with_json_format(sdk: Registry) -> None:
    """For random instances of the SDK's own classes (scalars at their limits, every enum, nested messages,
    repeated fields, maps, oneofs, every well-known type, ``Any`` packing other types of the tree), the converters
    over the SDK registry print what ``MessageToDict`` prints and build what ``ParseDict`` builds, byte for byte
    (a packed ``Any`` holding a map included: its entries in the order ``ParseDict`` packs them)."""
    conv = sdk_tree.converters(sdk)
    any_types = sdk_tree.message_types(sdk, map_entries=False)
    failures = []
    for name in _sample(sdk_tree.message_types(sdk), 300):
        maker = sdk_tree.InstanceMaker(random.Random(f"{SEED}:{name}"), any_types)
        cls = sdk_tree.sdk_class(str(name))
        for _ in range(3):
            msg = maker.make(str(name))
            printed = json_format.MessageToDict(msg)
            try:
                expected = json_format.ParseDict(printed, cls())
            except json_format.ParseError:
                continue  # json_format cannot read back float32's extremes as it prints them (docs/protojson.md)
            if not sdk_tree.same_json(conv.to_rest(msg), printed):
                failures.append(f"to_rest {name}: {printed}")
            built = cls.FromString(conv.to_proto(str(name), printed).SerializeToString())
            if not sdk_tree.same_message(built, expected):
                failures.append(f"to_proto {name}: {printed}")
    assert failures == [], "\n".join(failures[:10])


def test_random_instances_cover_every_field_kind(sdk: Registry) -> None:
    """The instances the sweeps rely on are not trivial: across the tree they set maps (of messages too),
    repeated fields, oneof members, enums, nested messages, 64-bit integers at their limits and every well-known
    type, ``Any`` included."""
    any_types = sdk_tree.message_types(sdk, map_entries=False)
    seen: set[str] = set()

    def walk(msg: object) -> None:
        for field, value in msg.ListFields():  # type: ignore[attr-defined]
            target = field.message_type
            entry = target is not None and target.GetOptions().map_entry
            if entry:
                seen.add("map")
                values = list(value.values()) if target.fields_by_name["value"].message_type is not None else []
                seen.update(["map of messages"] if values else [])
            elif field.is_repeated:
                seen.add("repeated")
                values = list(value) if target is not None else []
            else:
                values = [value] if target is not None else []
            if field.containing_oneof is not None and not field.containing_oneof.name.startswith("_"):
                seen.add("oneof")
            if target is not None and not entry:
                seen.add(target.full_name if target.full_name.startswith("google.protobuf.") else "message")
            elif field.enum_type is not None:
                seen.add("enum")
            elif value in (2**63 - 1, -(2**63)) and field.type == field.TYPE_INT64:
                seen.add("int64 limit")
            for item in values:
                walk(item)

    for name in any_types[:2000]:
        walk(sdk_tree.InstanceMaker(random.Random(name), any_types).make(name))
    wanted = {"map", "map of messages", "repeated", "oneof", "enum", "message", "int64 limit"}
    wanted |= {f"google.protobuf.{n}" for n in ("Any", "Duration", "Timestamp", "FieldMask", "Struct", "Int64Value")}
    assert wanted <= seen, wanted - seen


def test_the_sdks_files_clash_with_the_contracts_without_harm() -> None:
    """The SDK and the contract both define ``yandex/cloud/ai/stt/v3/stt.proto`` (and the operation files), with
    different content. A registry over both keeps the file met first, records each other one once, still loads
    the rest and lists its routes; the contract's registry and the SDK's default-pool files are untouched."""
    from yandex.cloud.ai.stt.v3 import stt_pb2

    reg = Registry.from_modules(["yandex.cloud.ai.stt.v3", "yc_contracts._gen"])
    clashes = [s.subject for s in reg.skipped() if s.kind == "file"]
    assert "yandex/cloud/ai/stt/v3/stt.proto" in clashes
    assert len(clashes) == len(set(clashes))
    assert "yandex/cloud/ai/ocr/v1/ocr_service.proto" in reg.files  # the contract's other files load beside
    assert reg.route("POST /stt/v3/recognizeFileAsync").method.service == "speechkit.stt.v3.AsyncRecognizer"
    ours = yc_contracts.registry.message_descriptor("speechkit.stt.v3.RecognizeFileRequest")
    assert reg.message_descriptor("speechkit.stt.v3.RecognizeFileRequest") is not ours
    in_default = descriptor_pool.Default().FindFileByName("yandex/cloud/ai/stt/v3/stt.proto")
    assert in_default.serialized_pb == stt_pb2.DESCRIPTOR.serialized_pb
    sdk_instance = stt_pb2.RecognizeFileRequest(uri="https://storage.yandexcloud.net/b/a.wav")
    assert reg.coerce(sdk_instance).uri == sdk_instance.uri  # type: ignore[attr-defined]
