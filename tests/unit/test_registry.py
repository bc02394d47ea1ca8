"""The descriptor registry: lookups by name, class and route; Operation types; Any type URLs; options."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from google.protobuf import any_pb2, empty_pb2, timestamp_pb2

import yc_contracts
from yc_contracts import Registry, UnknownNameError

reg: Registry = yc_contracts.registry


def test_counts_match_the_contract(contract_table: dict[str, Any]) -> None:
    assert len(reg.services()) == 6
    assert len(reg.methods()) == 11
    assert len(reg.routes()) == 9
    assert set(reg.messages()) == set(contract_table["messages"])
    assert set(reg.enums()) == set(contract_table["enums"])
    assert [s.full_name for s in reg.services()] == list(contract_table["services"])


def test_methods_agree_with_the_contract(contract_table: dict[str, Any]) -> None:
    for svc_name, svc in contract_table["services"].items():
        for expected in svc["methods"]:
            method = reg.method(f"{svc_name}.{expected['name']}")
            assert method.input_type == expected["input_type"].lstrip(".")
            assert method.output_type == expected["output_type"].lstrip(".")
            assert method.client_streaming is expected["client_streaming"]
            assert method.server_streaming is expected["server_streaming"]
            if expected["http"] is None:
                assert method.http is None
                assert method.routes == ()
            else:
                assert method.http is not None
                assert (method.http.verb, method.http.path, method.http.body) == (
                    expected["http"]["verb"].upper(),
                    expected["http"]["path"],
                    expected["http"]["body"],
                )


def test_method_by_grpc_path_and_full_name() -> None:
    by_name = reg.method("speechkit.stt.v3.AsyncRecognizer.RecognizeFile")
    assert reg.method("/speechkit.stt.v3.AsyncRecognizer/RecognizeFile") is by_name
    assert by_name.grpc_path == "/speechkit.stt.v3.AsyncRecognizer/RecognizeFile"
    assert by_name.full_name == "speechkit.stt.v3.AsyncRecognizer.RecognizeFile"


@pytest.mark.parametrize(
    ("method", "response"),
    [
        ("yandex.cloud.ai.ocr.v1.TextRecognitionAsyncService.Recognize", "google.protobuf.Empty"),
        (
            "yandex.cloud.ai.stt.v2.SttService.LongRunningRecognize",
            "yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse",
        ),
        ("speechkit.stt.v3.AsyncRecognizer.RecognizeFile", "google.protobuf.Empty"),
    ],
)
def test_operation_types_of_long_running_methods(method: str, response: str) -> None:
    types = reg.operation_types(method)
    assert types is not None
    assert types.response == response
    assert types.metadata is None
    # The named response type is resolvable to a class, which an Operation's Any can carry.
    assert reg.message_class(response).DESCRIPTOR.full_name == response


def test_operation_types_absent_for_other_methods() -> None:
    assert reg.operation_types("speechkit.stt.v3.AsyncRecognizer.GetRecognition") is None
    long_running = [m.full_name for m in reg.methods() if m.operation is not None]
    assert len(long_running) == 3


def test_routes() -> None:
    route = reg.route("GET /operations/{operation_id}:cancel")
    assert route.method.full_name == "yandex.cloud.operation.OperationService.Cancel"
    assert str(route) == "GET /operations/{operation_id}:cancel"
    assert reg.route("post /stt/v3/recognizeFileAsync").body == "*"
    streaming = {str(r) for r in reg.routes() if r.method.server_streaming}
    assert streaming == {"POST /ocr/v1/recognizeText", "GET /ocr/v1/getRecognition", "GET /stt/v3/getRecognition"}


def test_message_lookup_by_name_class_and_instance() -> None:
    cls = reg.message_class("speechkit.stt.v3.RecognizeFileRequest")
    assert cls.DESCRIPTOR.full_name == "speechkit.stt.v3.RecognizeFileRequest"
    assert reg.message_class(cls) is cls
    assert reg.message_class(cls(uri="s3://x")) is cls
    assert reg.message_class(".speechkit.stt.v3.RecognizeFileRequest") is cls
    nested = reg.message_class("speechkit.stt.v3.DescriptiveStatistics.Quantile")
    assert nested(level=0.5).level == 0.5


def test_foreign_class_with_a_known_full_name_maps_to_ours() -> None:
    # google.protobuf.Empty from protobuf's own module lives in the default pool, not ours.
    ours = reg.message_class(empty_pb2.Empty)
    assert ours is not empty_pb2.Empty
    assert ours.DESCRIPTOR.full_name == "google.protobuf.Empty"
    assert ours.DESCRIPTOR.file.pool is reg.descriptor_pool


def test_coerce_returns_an_equal_message_of_our_class() -> None:
    foreign = timestamp_pb2.Timestamp(seconds=1_763_630_000, nanos=5)
    coerced = reg.coerce(foreign)
    assert type(coerced) is reg.message_class("google.protobuf.Timestamp")
    assert coerced.SerializeToString() == foreign.SerializeToString()
    assert coerced.ToJsonString() == "2025-11-20T09:13:20.000000005Z"  # well-known type helpers still work
    ours = reg.message_class("yandex.cloud.operation.Operation")(id="op")
    assert reg.coerce(ours) is ours


def test_unknown_message_suggests_close_names() -> None:
    with pytest.raises(UnknownNameError) as info:
        reg.message_class("speechkit.stt.v3.RecognizeFileRequets")
    err = info.value
    assert isinstance(err, LookupError)
    assert err.kind == "message"
    assert err.suggestions[0] == "speechkit.stt.v3.RecognizeFileRequest"
    assert "did you mean 'speechkit.stt.v3.RecognizeFileRequest'" in str(err)


def test_unknown_short_name_suggests_full_names() -> None:
    with pytest.raises(UnknownNameError) as info:
        reg.message_class("LongRunningRecognitionRequest")
    assert info.value.suggestions[0] == "yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest"


@pytest.mark.parametrize(
    ("call", "arg", "kind"),
    [
        ("method", "speechkit.stt.v3.AsyncRecognizer.RecognizeFiles", "method"),
        ("service", "speechkit.stt.v3.AsyncRecogniser", "service"),
        ("route", "POST /stt/v3/recognizeFile", "route"),
        ("enum_descriptor", "speechkit.stt.v3.CodeTypes", "enum"),
        ("resolve_type_url", "type.googleapis.com/yandex.cloud.operation.Operations", "type URL"),
    ],
)
def test_unknown_names_are_lookup_errors_with_suggestions(call: str, arg: str, kind: str) -> None:
    with pytest.raises(UnknownNameError) as info:
        getattr(reg, call)(arg)
    assert info.value.kind == kind
    assert info.value.suggestions, f"no suggestion for {arg!r}"


def test_unknown_name_error_pickles() -> None:
    err = UnknownNameError("message", "x.Y", ["x.Z"])
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.kind, copy.name, copy.suggestions, str(copy)) == (err.kind, err.name, err.suggestions, str(err))


def test_not_a_message_reference() -> None:
    with pytest.raises(TypeError, match="expected a message full name"):
        reg.message_class(42)  # type: ignore[arg-type]


def test_type_urls_round_trip() -> None:
    name = "yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse"
    url = reg.type_url(name)
    assert url == f"type.googleapis.com/{name}"
    assert reg.resolve_type_url(url) is reg.message_class(name)
    # Only the last path segment names the type, as in protobuf's own resolvers.
    assert reg.resolve_type_url(f"example.com/types/{name}") is reg.message_class(name)
    # Well-known types resolve although no contract file imports some of them.
    assert reg.resolve_type_url("type.googleapis.com/google.protobuf.StringValue")(value="x").value == "x"


@pytest.mark.parametrize("url", ["", "no-slash", "type.googleapis.com/"])
def test_malformed_type_urls(url: str) -> None:
    with pytest.raises(UnknownNameError):
        reg.resolve_type_url(url)


def test_operation_any_packs_with_the_registry_types() -> None:
    op_cls = reg.message_class("yandex.cloud.operation.Operation")
    response_cls = reg.message_class(
        reg.operation_types("yandex.cloud.ai.stt.v2.SttService.LongRunningRecognize").response
    )  # type: ignore[union-attr,arg-type]
    op = op_cls(id="e03", done=True)
    op.response.Pack(response_cls(chunks=[{"channel_tag": 1}]))
    unpacked = reg.resolve_type_url(op.response.type_url)()
    assert op.response.Unpack(unpacked)
    assert unpacked.chunks[0].channel_tag == 1
    # The Any inside our Operation is the private pool's, not protobuf's default one.
    assert type(op.response) is not any_pb2.Any


def test_validation_options_are_decoded() -> None:
    desc = reg.message_descriptor("speechkit.stt.v3.GetRecognitionRequest").fields_by_name["operation_id"]
    assert reg.options(desc) == {"yandex.cloud.required": True, "yandex.cloud.length": "<=50"}
    plain = reg.message_descriptor("speechkit.stt.v3.RecognizeFileRequest").fields_by_name["uri"]
    assert reg.options(plain) == {}


def test_grpc_stubs() -> None:
    module = reg.grpc_module("speechkit.stt.v3.AsyncRecognizer")
    stub = module.AsyncRecognizerStub
    assert callable(stub)
    assert hasattr(module, "add_AsyncRecognizerServicer_to_server")


def test_file_descriptor_set_has_our_comments() -> None:
    fds = reg.file_descriptor_set()
    names = [f.name for f in fds.file]
    assert set(reg.files) <= set(names)
    stt = next(f for f in fds.file if f.name == "yandex/cloud/ai/stt/v3/stt.proto")
    comments = [loc.leading_comments for loc in stt.source_code_info.location if loc.leading_comments]
    assert len(comments) > 100


def test_every_element_is_documented() -> None:
    """Every message, field, enum, enum value, service and method of our files carries a comment."""
    undocumented: list[str] = []
    for file in reg.file_descriptor_set().file:
        if file.name not in reg.files:
            continue
        documented = {
            tuple(loc.path)
            for loc in file.source_code_info.location
            if loc.leading_comments.strip() or loc.trailing_comments.strip()
        }

        def check(path: tuple[int, ...], what: str, documented: set[tuple[int, ...]] = documented) -> None:
            if path not in documented:
                undocumented.append(what)

        def walk_message(msg: Any, path: tuple[int, ...], prefix: str) -> None:
            check(path, prefix)
            for i, f in enumerate(msg.field):
                check((*path, 2, i), f"{prefix}.{f.name}")
            for i, e in enumerate(msg.enum_type):
                walk_enum(e, (*path, 4, i), f"{prefix}.{e.name}")
            for i, n in enumerate(msg.nested_type):
                walk_message(n, (*path, 3, i), f"{prefix}.{n.name}")

        def walk_enum(enum: Any, path: tuple[int, ...], prefix: str) -> None:
            check(path, prefix)
            for i, v in enumerate(enum.value):
                check((*path, 2, i), f"{prefix}.{v.name}")

        for i, m in enumerate(file.message_type):
            walk_message(m, (4, i), f"{file.package}.{m.name}")
        for i, e in enumerate(file.enum_type):
            walk_enum(e, (5, i), f"{file.package}.{e.name}")
        for i, s in enumerate(file.service):
            check((6, i), f"{file.package}.{s.name}")
            for j, m in enumerate(s.method):
                check((6, i, 2, j), f"{file.package}.{s.name}.{m.name}")
    assert undocumented == []
