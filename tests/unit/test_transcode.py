"""HTTP ⇄ gRPC transcoding: the contract's 9 routes, every route form of tests/protos/yc_test/v1/routes.proto,
query parameters of every field kind, bodies, headers, response marshaling, the status table and every error.
"""

from __future__ import annotations

import enum
import json
import pickle
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import generate
import pytest
from google.protobuf import any_pb2, descriptor_pb2, json_format, message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from routes_support import EVERY_QUERY_KIND, EVERY_QUERY_KIND_REQUEST

import yc_contracts
from yc_contracts import (
    BadRequestError,
    ContractError,
    GrpcCall,
    HttpResponse,
    MethodNotAllowedError,
    Registry,
    RouteNotFoundError,
    TranscodeError,
    ValidationError,
    http_status,
    transcode,
    transcode_response,
)
from yc_contracts.transcoding import binder, params
from yc_contracts.transcoding import routes as route_table
from yc_contracts.transcoding import status as status_table

SEEDS = Path(__file__).resolve().parent.parent / "data" / "seed_examples"
RF = "yc_test.v1.RouteForms"


def as_json(call: GrpcCall) -> dict[str, Any]:
    pool = call.method_info.descriptor.input_type.file.pool
    return json_format.MessageToDict(call.request, descriptor_pool=pool)


def normalized(type_name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` as ProtoJSON prints it back (defaults left out, int64 as strings)."""
    registry = yc_contracts.registry
    msg = json_format.ParseDict(payload, registry.message_class(type_name)(), descriptor_pool=registry.descriptor_pool)
    return json_format.MessageToDict(msg, descriptor_pool=registry.descriptor_pool)


def seed(name: str) -> bytes:
    return (SEEDS / name).read_bytes()


def rules(error: BadRequestError) -> list[tuple[str, str]]:
    return [(v.path, v.rule) for v in error.violations]


# -------------------------------------------------------------------------------- the contract's 9 routes

CONTRACT_CASES: list[tuple[str, str, dict[str, Any], str, str, dict[str, Any]]] = [
    (
        "POST",
        "/ocr/v1/recognizeText",
        {"body": seed("ocr-v1-recognize-text-request.json")},
        "yandex.cloud.ai.ocr.v1.TextRecognitionService.Recognize",
        "POST /ocr/v1/recognizeText",
        json.loads(seed("ocr-v1-recognize-text-request.json")),
    ),
    (
        "POST",
        "/ocr/v1/recognizeTextAsync",
        {"body": json.loads(seed("ocr-v1-recognize-text-request.json"))},
        "yandex.cloud.ai.ocr.v1.TextRecognitionAsyncService.Recognize",
        "POST /ocr/v1/recognizeTextAsync",
        json.loads(seed("ocr-v1-recognize-text-request.json")),
    ),
    (
        "GET",
        "/ocr/v1/getRecognition?operationId=op-ocr",
        {},
        "yandex.cloud.ai.ocr.v1.TextRecognitionAsyncService.GetRecognition",
        "GET /ocr/v1/getRecognition",
        {"operationId": "op-ocr"},
    ),
    (
        "POST",
        "/speech/stt/v2/longRunningRecognize",
        {"body": seed("stt-v2-long-running-recognize-request.json").decode()},
        "yandex.cloud.ai.stt.v2.SttService.LongRunningRecognize",
        "POST /speech/stt/v2/longRunningRecognize",
        json.loads(seed("stt-v2-long-running-recognize-request.json")),
    ),
    (
        "POST",
        "/stt/v3/recognizeFileAsync",
        {"body": seed("stt-v3-recognize-file-request-uri.json")},
        "speechkit.stt.v3.AsyncRecognizer.RecognizeFile",
        "POST /stt/v3/recognizeFileAsync",
        json.loads(seed("stt-v3-recognize-file-request-uri.json")),
    ),
    (
        "GET",
        "/stt/v3/getRecognition",
        {"query": {"operationId": "x"}},
        "speechkit.stt.v3.AsyncRecognizer.GetRecognition",
        "GET /stt/v3/getRecognition",
        {"operationId": "x"},
    ),
    (
        "DELETE",
        "/stt/v3/deleteRecognition",
        {"query": "operation_id=op%201"},
        "speechkit.stt.v3.AsyncRecognizer.DeleteRecognition",
        "DELETE /stt/v3/deleteRecognition",
        {"operationId": "op 1"},
    ),
    (
        "GET",
        "/operations/abc123",
        {},
        "yandex.cloud.operation.OperationService.Get",
        "GET /operations/{operation_id}",
        {"operationId": "abc123"},
    ),
    (
        "GET",
        "/operations/abc:cancel",
        {},
        "yandex.cloud.operation.OperationService.Cancel",
        "GET /operations/{operation_id}:cancel",
        {"operationId": "abc"},
    ),
]


@pytest.mark.parametrize(
    ("verb", "path", "kwargs", "method", "route", "expected"), CONTRACT_CASES, ids=[c[4] for c in CONTRACT_CASES]
)
def test_contract_route(
    verb: str, path: str, kwargs: dict[str, Any], method: str, route: str, expected: dict[str, Any]
) -> None:
    call = transcode(verb, path, **kwargs)
    info = yc_contracts.registry.method(method)
    assert call.method == info.grpc_path
    assert call.method_info is info
    assert str(call.route) == route
    assert call.route.method is info
    assert call.response_type == info.output_type
    assert (call.server_streaming, call.client_streaming) == (info.server_streaming, False)
    assert type(call.request) is yc_contracts.registry.message_class(info.input_type)
    assert as_json(call) == normalized(info.input_type, expected)
    assert call.metadata == ()


def test_every_contract_route_has_a_case() -> None:
    assert {c[4] for c in CONTRACT_CASES} == {str(r) for r in yc_contracts.registry.routes()}


def test_streaming_flags_of_the_contract() -> None:
    assert transcode("GET", "/stt/v3/getRecognition?operationId=x").server_streaming
    assert transcode("GET", "/ocr/v1/getRecognition?operationId=x").server_streaming
    assert not transcode("GET", "/operations/x").server_streaming


def test_the_verb_is_case_insensitive() -> None:
    assert transcode("get", "/operations/abc").method == "/yandex.cloud.operation.OperationService/Get"


def test_a_verb_suffix_is_never_taken_into_a_variable() -> None:
    """``:cancel`` is a verb some route defines, so Get never sees ``abc:cancel`` as its id."""
    with pytest.raises(MethodNotAllowedError) as caught:
        transcode("DELETE", "/operations/abc:cancel")
    assert caught.value.allowed == ("GET",)
    # a colon no route defines as a verb stays in the value
    assert as_json(transcode("GET", "/operations/abc:def")) == {"operationId": "abc:def"}


# ------------------------------------------------------------------------------- every template form

FORM_CASES: list[tuple[str, str, dict[str, Any], str, str, dict[str, Any]]] = [
    ("GET", "/v1/widgets/w1", {}, "GetWidget", "GET /v1/widgets/{widget_id}", {"widgetId": "w1"}),
    (
        "GET",
        "/v1/shelves/s1/widgets/w1?view=full",
        {},
        "GetWidget",
        "GET /v1/shelves/{shelf=*}/widgets/{widget_id}",
        {"widgetId": "w1", "shelf": "s1", "view": "full"},
    ),
    ("HEAD", "/v1/widgets/w1", {}, "GetWidget", "HEAD /v1/widgets/{widget_id}", {"widgetId": "w1"}),
    ("GET", "/v1/widgets/w1/title", {}, "GetWidget", "GET /v1/widgets/{widget_id}/title", {"widgetId": "w1"}),
    ("GET", "/v1/widgets/w1/labels", {}, "GetWidget", "GET /v1/widgets/{widget_id}/labels", {"widgetId": "w1"}),
    (
        "DELETE",
        "/v1/widgets/w1?force=true",
        {},
        "DeleteWidget",
        "DELETE /v1/widgets/{widget_id}",
        {"widgetId": "w1", "force": True},
    ),
    (
        "POST",
        "/v1/projects/p1/shelves/s1/widgets?widgetId=w9",
        {"body": b'{"title": "T", "sizeBytes": 5, "shade": "DARK", "labels": {"a": "b"}}'},
        "CreateWidget",
        "POST /v1/{parent=projects/*/shelves/*}/widgets",
        {
            "parent": "projects/p1/shelves/s1",
            "widgetId": "w9",
            "widget": {"title": "T", "sizeBytes": "5", "shade": "DARK", "labels": {"a": "b"}},
        },
    ),
    (
        "PATCH",
        "/v1/projects/p1/shelves/s1/widgets/w1?updateMask=title,size_bytes",
        {"body": {"title": "new"}},
        "UpdateWidget",
        "PATCH /v1/{widget.name=projects/*/shelves/*/widgets/*}",
        {"widget": {"name": "projects/p1/shelves/s1/widgets/w1", "title": "new"}, "updateMask": "title,sizeBytes"},
    ),
    (
        "POST",
        "/v1/widgets/w1:archive",
        {"body": '{"reason": "old", "keepDays": "30"}'},
        "ArchiveWidget",
        "POST /v1/widgets/{widget_id}:archive",
        {"widgetId": "w1", "reason": "old", "keepDays": "30"},
    ),
    (
        "GET",
        "/v1/files/a/b%2Fc/d%20e.txt",
        {},
        "ReadFile",
        "GET /v1/files/{path=**}",
        {"path": "a/b%2Fc/d e.txt"},
    ),
    (
        "GET",
        "/v1/buckets/bk/files/x/y.txt:read",
        {},
        "ReadFile",
        "GET /v1/buckets/{bucket}/files/{path=**}:read",
        {"bucket": "bk", "path": "x/y.txt"},
    ),
    (
        "GET",
        "/v1/nested/l%C3%A9af?outer.tag=t&outer.inner.depth=3&note=n",
        {},
        "GetNested",
        "GET /v1/nested/{outer.inner.leaf}",
        {"outer": {"inner": {"leaf": "léaf", "depth": 3}, "tag": "t"}, "note": "n"},
    ),
    (
        "GET",
        "/v1/typed/-3/true/DARK/-9000000000/18446744073709551615/1.5e3/a,b%2Cc",
        {},
        "GetTyped",
        "GET /v1/typed/{count}/{flag}/{shade}/{big}/{ubig}/{ratio}/{keys}",
        {
            "count": -3,
            "flag": True,
            "shade": "DARK",
            "big": "-9000000000",
            "ubig": "18446744073709551615",
            "ratio": 1500.0,
            "keys": ["a", "b", "c"],
        },
    ),
    (
        "GET",
        "/v1/typed/0/false/1/0/0/NaN/k",
        {},
        "GetTyped",
        "GET /v1/typed/{count}/{flag}/{shade}/{big}/{ubig}/{ratio}/{keys}",
        {"shade": "LIGHT", "ratio": "NaN", "keys": ["k"]},
    ),
    ("GET", "/v1/widgets", {}, "ListWidgets", "GET /v1/widgets", {}),
    ("GET", "/v1/any/thing/widgets?fString=x", {}, "ListWidgets", "GET /v1/any/*/widgets", {"fString": "x"}),
    ("GET", "/v1/deep/x/y/z", {}, "ListWidgets", "GET /v1/deep/**", {}),
    ("GET", "/v1/deep", {}, "ListWidgets", "GET /v1/deep/**", {}),
    ("GET", "/v1/widgets:watch?shelf=s", {}, "WatchWidgets", "GET /v1/widgets:watch", {"shelf": "s"}),
    ("GET", "/v1/widgets:watchNames", {}, "WatchWidgets", "GET /v1/widgets:watchNames", {}),
]


@pytest.mark.parametrize(
    ("verb", "path", "kwargs", "method", "route", "expected"), FORM_CASES, ids=[f"{c[0]} {c[1]}" for c in FORM_CASES]
)
def test_route_form(
    routes: Registry, verb: str, path: str, kwargs: dict[str, Any], method: str, route: str, expected: dict[str, Any]
) -> None:
    call = transcode(verb, path, registry=routes, **kwargs)
    assert call.method == f"/{RF}/{method}"
    assert str(call.route) == route
    assert as_json(call) == expected


def test_every_route_of_the_test_proto_has_a_case(routes: Registry) -> None:
    assert {c[4] for c in FORM_CASES} == {str(r) for r in routes.routes()}


def test_the_test_proto_uses_every_form(routes: Registry) -> None:
    templates = [r.path for r in routes.routes()]
    assert any(re.search(r"\{\w+\}", t) for t in templates)
    assert any("=*}" in t for t in templates)
    assert any("=**}" in t for t in templates)
    assert any(re.search(r"\{\w+\.\w+\.\w+\}", t) for t in templates)
    assert any("/*/" in t and "{" not in t for t in templates)
    assert any(t.endswith("/**") and "{" not in t for t in templates)
    assert any(re.search(r":\w+$", t) for t in templates)
    assert {r.body for r in routes.routes()} >= {"*", "widget", ""}
    assert {r.response_body for r in routes.routes()} >= {"", "title", "labels", "data", "name"}
    assert {r.verb for r in routes.routes()} >= {"GET", "POST", "PATCH", "DELETE", "HEAD"}
    get_widget = routes.method(f"{RF}.GetWidget")
    assert get_widget.http is not None
    assert len(get_widget.http.additional_bindings) == 4


def test_the_most_specific_route_wins(routes: Registry) -> None:
    """``/v1/widgets:watch`` (literal + verb) over ``/v1/widgets/{widget_id}``; a verb route over none."""
    assert transcode("GET", "/v1/widgets:watch", registry=routes).method == f"/{RF}/WatchWidgets"
    with pytest.raises(MethodNotAllowedError) as caught:
        transcode("GET", "/v1/widgets/w1:archive", registry=routes)
    assert caught.value.allowed == ("POST",)


# ------------------------------------------------------------------------------------------ query parameters


def test_query_parameters_of_every_kind(routes: Registry) -> None:
    call = transcode("GET", "/v1/widgets?" + EVERY_QUERY_KIND, registry=routes)
    request: Any = call.request
    assert as_json(call) == EVERY_QUERY_KIND_REQUEST
    assert request.HasField("cursor")  # optional: present even when empty
    assert request.HasField("only_active")
    assert list(request.read_mask.paths) == ["title", "size_bytes"]


def test_query_sources_combine_in_order(routes: Registry) -> None:
    call = transcode("GET", "/v1/widgets?rString=a", query={"rString": ["b", "c"], "fString": "s"}, registry=routes)
    assert as_json(call) == {"rString": ["a", "b", "c"], "fString": "s"}
    call = transcode("GET", "/v1/widgets", query="rString=x&&rString=y&", registry=routes)
    assert as_json(call) == {"rString": ["x", "y"]}


@pytest.mark.parametrize(
    ("query", "pointer", "rule", "words"),
    [
        ("nope=1", "/nope", "http.query_unknown", "names no field of yc_test.v1.ListWidgetsRequest"),
        ("fStrng=1", "/fStrng", "http.query_unknown", "did you mean 'fString'"),
        ("filter.pageSiz=1", "/filter/pageSiz", "http.query_unknown", "did you mean 'filter.pageSize'"),
        ("filter=1", "/filter", "http.query_unknown", "e.g. 'filter.pageSize'"),
        ("parts=1", "/parts", "http.query_unknown", "repeated message"),
        ("parts.count=1", "/parts", "http.query_unknown", "not a singular message"),
        ("fString.x=1", "/fString", "http.query_unknown", "not a singular message"),
        ("extra=1", "/extra", "http.query_unknown", "google.protobuf.Struct"),
        ("labels=1", "/labels", "http.query_unknown", "labels[key]=value"),
        ("fString[a]=1", "/fString", "http.query_unknown", "not a map"),
        ("a-b=1", "", "http.query_unknown", "not a field path"),
        ("fInt32=x", "/fInt32", "http.query_value", "expected an integer (int32)"),
        ("fInt32=1.0", "/fInt32", "http.query_value", "expected an integer"),
        ("fInt32=2147483648", "/fInt32", "http.query_value", "out of the int32 range"),
        ("fUint32=-1", "/fUint32", "http.query_value", "out of the uint32 range"),
        ("fInt64=9223372036854775808", "/fInt64", "http.query_value", "out of the int64 range"),
        ("fUint64=18446744073709551616", "/fUint64", "http.query_value", "out of the uint64 range"),
        ("fFloat=1e39", "/fFloat", "http.query_value", "out of the float range"),
        ("fFloat=3.4028236e38", "/fFloat", "http.query_value", "out of the float range"),  # above the schemas' bound
        ("fFloat=-3.4028236e38", "/fFloat", "http.query_value", "out of the float range"),
        ("fDouble=1e999", "/fDouble", "http.query_value", "out of the double range"),
        ("fDouble=inf", "/fDouble", "http.query_value", "expected a number"),
        ("fBool=1", "/fBool", "http.query_value", "expected true or false"),
        ("fBool=True", "/fBool", "http.query_value", "expected true or false"),
        ("fEnum=PURPLE", "/fEnum", "http.query_value", "SHADE_UNSPECIFIED, LIGHT, DARK"),
        ("fEnum=7", "/fEnum", "http.query_value", "yc_test.v1.Shade"),
        ("rEnum=LIGHT&rEnum=9", "/rEnum", "http.query_value", "yc_test.v1.Shade"),
        ("fBytes=AA*A", "/fBytes", "http.query_value", "expected base64"),
        ("since=yesterday", "/since", "http.query_value", "RFC 3339"),
        ("within=5m", "/within", "http.query_value", "s suffix"),
        ("readMask=a-b", "/readMask", "http.query_value", "field paths"),
        ("minSize=x", "/minSize", "http.query_value", "int64"),
        ("codes[x]=1", "/codes/x", "http.query_value", "int32"),
        ("labels[a]=1&labels[a]=2", "/labels/a", "http.query_value", "given 2 times"),
        ("fString=a&f_string=b", "/fString", "http.query_value", "given 2 times"),
        ("scopeShelf=a&scopeProject=b", "/scopeProject", "http.query_value", "oneof 'scope'"),
        ("fString=%FF", "", "http.query_value", "not UTF-8"),
    ],
)
def test_query_errors(routes: Registry, query: str, pointer: str, rule: str, words: str) -> None:
    with pytest.raises(BadRequestError) as caught:
        transcode("GET", "/v1/widgets", query=query, registry=routes)
    assert rules(caught.value) == [(pointer, rule)]
    assert words in caught.value.violations[0].message
    assert "query parameter" in caught.value.violations[0].message


def test_every_query_error_is_reported_at_once(routes: Registry) -> None:
    with pytest.raises(BadRequestError) as caught:
        transcode("GET", "/v1/widgets", query={"nope": "1", "fInt32": "x", "fBool": "yes"}, registry=routes)
    assert rules(caught.value) == [
        ("/nope", "http.query_unknown"),
        ("/fInt32", "http.query_value"),
        ("/fBool", "http.query_value"),
    ]


@pytest.mark.parametrize(
    ("verb", "path", "kwargs", "pointer", "words"),
    [
        ("GET", "/v1/widgets/w1?widgetId=w2", {}, "/widgetId", "which the path of GET /v1/widgets/{widget_id} binds"),
        ("GET", "/v1/nested/l?outer.inner.leaf=x", {}, "/outer/inner/leaf", "the path"),
        ("GET", "/v1/nested/l?outer.inner=x", {}, "/outer/inner", "the path"),
        ("POST", "/v1/projects/p/shelves/s/widgets?widget.title=x", {"body": {}}, "/widget/title", "the body"),
        ("PATCH", "/v1/projects/p/shelves/s/widgets/w?widget.title=x", {}, "/widget/title", "binds"),
        ("POST", "/v1/widgets/w1:archive?reason=x", {"body": {}}, "/reason", "whole request in its body"),
    ],
)
def test_query_parameters_for_bound_fields(
    routes: Registry, verb: str, path: str, kwargs: dict[str, Any], pointer: str, words: str
) -> None:
    """grpc-gateway ignores these silently; a value that would be dropped is a client bug, so we refuse it."""
    with pytest.raises(BadRequestError) as caught:
        transcode(verb, path, registry=routes, **kwargs)
    assert rules(caught.value) == [(pointer, "http.query_bound")]
    assert words in caught.value.violations[0].message


def test_query_names_are_json_or_proto_names(routes: Registry) -> None:
    by_json = transcode("GET", "/v1/widgets?filter.pageSize=3&fEnum=LIGHT", registry=routes)
    by_proto = transcode("GET", "/v1/widgets?filter.page_size=3&f_enum=1", registry=routes)
    assert by_json.request == by_proto.request


# ----------------------------------------------------------------------------------------- path values


@pytest.mark.parametrize(
    ("path", "pointer", "words"),
    [
        ("/v1/typed/x/true/DARK/1/1/1/k", "/count", "the path variable 'count' is 'x': expected an integer"),
        ("/v1/typed/1/yes/DARK/1/1/1/k", "/flag", "'flag' is 'yes': expected true or false"),
        ("/v1/typed/1/true/PURPLE/1/1/1/k", "/shade", "'shade' is 'PURPLE'"),
        ("/v1/typed/1/true/DARK/1/-1/1/k", "/ubig", "out of the uint64 range"),
        ("/v1/typed/1/true/DARK/1/1/1e400/k", "/ratio", "out of the double range"),
        ("/v1/widgets/a%zz", "/widgetId", "the path variable 'widget_id': it has a '%'"),
        ("/v1/widgets/%FF", "/widgetId", "not UTF-8"),
        ("/v1/nested/%FF", "/outer/inner/leaf", "'outer.inner.leaf'"),
    ],
)
def test_path_value_errors(routes: Registry, path: str, pointer: str, words: str) -> None:
    with pytest.raises(BadRequestError) as caught:
        transcode("GET", path, registry=routes)
    assert rules(caught.value) == [(pointer, "http.path_value")]
    assert words in caught.value.violations[0].message


def test_a_path_must_start_with_a_slash() -> None:
    with pytest.raises(BadRequestError) as caught:
        transcode("GET", "operations/x")
    assert rules(caught.value) == [("", "http.path_invalid")]


# ------------------------------------------------------------------------------------------------- bodies


def test_body_star_merges_path_variables(routes: Registry) -> None:
    same = transcode("POST", "/v1/widgets/w1:archive", body={"widgetId": "w1", "reason": "r"}, registry=routes)
    assert as_json(same) == {"widgetId": "w1", "reason": "r"}
    by_proto_name = transcode("POST", "/v1/widgets/w1:archive", body={"widget_id": "w1"}, registry=routes)
    assert as_json(by_proto_name) == {"widgetId": "w1"}
    empty = transcode("POST", "/v1/widgets/w1:archive", body=b"", registry=routes)
    assert as_json(empty) == {"widgetId": "w1"}


@pytest.mark.parametrize("body", [{"widgetId": "w2"}, {"widget_id": "w2"}, b'{"widgetId": "w2", "reason": "r"}'])
def test_path_and_body_conflict(routes: Registry, body: Any) -> None:
    with pytest.raises(BadRequestError) as caught:
        transcode("POST", "/v1/widgets/w1:archive", body=body, registry=routes)
    assert rules(caught.value) == [("/widgetId", "http.path_body_conflict")]
    assert "'widget_id' is 'w1' but the body gives \"w2\"" in caught.value.violations[0].message


def test_a_path_variable_inside_the_body_field(routes: Registry) -> None:
    path = "/v1/projects/p/shelves/s/widgets/w"
    same = transcode("PATCH", path, body={"name": "projects/p/shelves/s/widgets/w"}, registry=routes)
    assert as_json(same) == {"widget": {"name": "projects/p/shelves/s/widgets/w"}}
    with pytest.raises(BadRequestError) as caught:
        transcode("PATCH", path, body={"name": "other"}, registry=routes)
    assert rules(caught.value) == [("/widget/name", "http.path_body_conflict")]


def test_equal_values_in_other_spellings_do_not_conflict(routes: Registry) -> None:
    """An int64 as a number or a string, an enum by name or number: one value, no conflict."""
    assert params._same_item(_field(routes, "TypedPathRequest", "big"), 5, "5")
    assert params._same_item(_field(routes, "TypedPathRequest", "shade"), 2, "DARK")
    assert params._same_item(_field(routes, "TypedPathRequest", "ratio"), 1, "1.0")
    assert params._same_item(_field(routes, "FileChunk", "data"), "-_8", "+/8=")
    assert not params._same_item(_field(routes, "TypedPathRequest", "big"), True, "1")
    assert not params._same_item(_field(routes, "TypedPathRequest", "shade"), "PURPLE", "PURPLE")
    assert params.same(_field(routes, "TypedPathRequest", "keys"), ["a", "b"], ["a", "b"])
    assert not params.same(_field(routes, "TypedPathRequest", "keys"), ["a"], "a")


def _field(routes: Registry, message_name: str, name: str) -> Any:
    return routes.message_descriptor(f"yc_test.v1.{message_name}").fields_by_name[name]


def test_the_callers_body_is_not_changed(routes: Registry) -> None:
    body = {"reason": "r"}
    transcode("POST", "/v1/widgets/w1:archive", body=body, registry=routes)
    assert body == {"reason": "r"}
    widget: dict[str, Any] = {"title": "t"}
    transcode("PATCH", "/v1/projects/p/shelves/s/widgets/w", body=widget, registry=routes)
    assert widget == {"title": "t"}


@pytest.mark.parametrize("body", [b'{"widgetId": "w1"}', '{"a": 1}', {"a": 1}, b"[]"])
def test_a_body_on_a_route_without_one(routes: Registry, body: Any) -> None:
    with pytest.raises(BadRequestError) as caught:
        transcode("GET", "/v1/widgets/w1", body=body, registry=routes)
    assert rules(caught.value) == [("", "http.body_not_allowed")]
    assert "GET /v1/widgets/{widget_id} takes no body" in str(caught.value)


@pytest.mark.parametrize("body", [None, b"", "", "  \n", {}])
def test_an_absent_body_on_a_route_without_one(routes: Registry, body: Any) -> None:
    assert as_json(transcode("GET", "/v1/widgets/w1", body=body, registry=routes)) == {"widgetId": "w1"}


@pytest.mark.parametrize(
    ("path", "body", "pointer", "rule"),
    [
        ("/v1/widgets/w1:archive", b"{", "", "json.invalid"),
        ("/v1/widgets/w1:archive", b'{"a": 1, "a": 2}', "", "json.duplicate_key"),
        ("/v1/widgets/w1:archive", b"\xff", "", "json.invalid_utf8"),
        ("/v1/widgets/w1:archive", {"reason": float("nan")}, "/reason", "json.nan"),
        ("/v1/widgets/w1:archive", b"[1]", "", "http.body_invalid"),
        # Any registry's request goes through to_proto and its validators: the rules check() names (issue 17).
        ("/v1/widgets/w1:archive", b'{"nope": 1}', "/nope", "json.unknown_field"),
        ("/v1/widgets/w1:archive", b'{"keepDays": "x"}', "/keepDays", "type.int64"),
        ("/v1/projects/p/shelves/s/widgets", b'{"part": {"count": "x"}}', "/widget/part/count", "type.int32"),
        ("/v1/projects/p/shelves/s/widgets", b'{"shade": "PURPLE"}', "/widget/shade", "type.enum"),
        ("/v1/projects/p/shelves/s/widgets", b'"text"', "/widget", "http.body_invalid"),
        ("/v1/projects/p/shelves/s/widgets", b"[]", "/widget", "http.body_invalid"),
    ],
)
def test_body_errors(routes: Registry, path: str, body: Any, pointer: str, rule: str) -> None:
    with pytest.raises(BadRequestError) as caught:
        transcode("POST", path, body=body, registry=routes)
    assert rules(caught.value) == [(pointer, rule)]


def test_a_body_that_is_not_an_object_where_a_variable_goes(routes: Registry) -> None:
    with pytest.raises(BadRequestError) as caught:
        transcode("PATCH", "/v1/projects/p/shelves/s/widgets/w", body=b"[1]", registry=routes)
    assert rules(caught.value) == [("/widget", "http.body_invalid")]


def test_a_body_field_route_takes_the_body_as_that_field(routes: Registry) -> None:
    call = transcode("POST", "/v1/projects/p/shelves/s/widgets", body=b'{"title": "t"}', registry=routes)
    assert as_json(call) == {"parent": "projects/p/shelves/s", "widget": {"title": "t"}}
    empty = transcode("POST", "/v1/projects/p/shelves/s/widgets", registry=routes)
    assert as_json(empty) == {"parent": "projects/p/shelves/s"}


# ----------------------------------------------------------------------------------------------- headers


def test_headers_to_metadata() -> None:
    headers = {
        "Authorization": "Bearer t0ken",
        "X-Folder-Id": "b1g",
        "x-client-request-id": "req-1",
        "X-Data-Logging-Enabled": "false",
        "X-Request-Id": "rid",
        "X-Client-Trace-Id": "trace",
        "Idempotency-Key": "idem",
        "X-Forwarded-For": "10.0.0.1",
        "Grpc-Metadata-Custom-Thing": " v ",
        "grpc-metadata-trace-bin": "AAEC",
        "Content-Length": "12",
        "Connection": "keep-alive",
        "Host": "example.com",
        "Content-Type": "application/json",
        "Accept": "*/*",
        "User-Agent": "curl",
        "Cookie": "a=b",
        "Transfer-Encoding": "chunked",
    }
    call = transcode("GET", "/operations/x", headers=headers)
    assert call.metadata == (
        ("authorization", "Bearer t0ken"),
        ("x-folder-id", "b1g"),
        ("x-client-request-id", "req-1"),
        ("x-data-logging-enabled", "false"),
        ("x-request-id", "rid"),
        ("x-client-trace-id", "trace"),
        ("idempotency-key", "idem"),
        ("x-forwarded-for", "10.0.0.1"),
        ("custom-thing", "v"),
        ("trace-bin", b"\x00\x01\x02"),
    )


@pytest.mark.parametrize(
    ("header", "value", "words"),
    [
        ("Grpc-Metadata-Connection", "x", "cannot become gRPC metadata 'connection'"),
        ("Grpc-Metadata-Content-Length", "1", "'content-length'"),
        ("Grpc-Metadata-Host", "h", "'host'"),
        ("Grpc-Metadata-Grpc-Timeout", "1S", "'grpc-timeout'"),
        ("Grpc-Metadata-", "x", "cannot become gRPC metadata ''"),
        ("Grpc-Metadata-a b", "x", "'a b'"),
        ("Grpc-Metadata-Data-Bin", "**", "not base64"),
        ("Authorization", "Bearer \u00e9", "printable ASCII"),
    ],
)
def test_header_errors(header: str, value: str, words: str) -> None:
    with pytest.raises(BadRequestError) as caught:
        transcode("GET", "/operations/x", headers={header: value})
    assert rules(caught.value) == [("", "http.header_invalid")]
    assert words in caught.value.violations[0].message
    assert header in caught.value.violations[0].message


# ------------------------------------------------------------------------------------------------ errors


def test_route_not_found() -> None:
    with pytest.raises(RouteNotFoundError) as caught:
        transcode("GET", "/operation/abc123")
    error = caught.value
    assert isinstance(error, TranscodeError)
    assert isinstance(error, LookupError)
    assert (error.http_status, error.code) == (404, code_pb2.NOT_FOUND)
    assert error.suggestions[0] == "GET /operations/{operation_id}"
    assert "no route matches GET /operation/abc123; the closest routes are 'GET /operations/{operation_id}'" in str(
        error
    )
    response = error.to_response()
    assert response.status == 404
    assert dict(response.headers) == {"content-type": "application/json"}
    assert json.loads(response.body) == {"code": 5, "message": str(error), "details": []}
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), str(again), again.suggestions) == (RouteNotFoundError, str(error), error.suggestions)


def test_route_not_found_without_close_routes(routes: Registry) -> None:
    with pytest.raises(RouteNotFoundError) as caught:
        transcode("GET", "/completely/unrelated/thing/here", registry=routes)
    assert caught.value.suggestions == ()
    assert str(caught.value) == "no route matches GET /completely/unrelated/thing/here"


def test_method_not_allowed(routes: Registry) -> None:
    with pytest.raises(MethodNotAllowedError) as caught:
        transcode("PUT", "/v1/widgets/w1", registry=routes)
    error = caught.value
    assert error.allowed == ("DELETE", "GET", "HEAD")
    assert (error.http_status, error.code) == (405, code_pb2.UNIMPLEMENTED)
    assert str(error) == "PUT is not allowed for /v1/widgets/w1; allowed: DELETE, GET, HEAD"
    response = error.to_response()
    assert response.status == 405
    assert ("allow", "DELETE, GET, HEAD") in response.headers
    assert json.loads(response.body)["code"] == code_pb2.UNIMPLEMENTED
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), again.allowed) == (MethodNotAllowedError, error.allowed)


def test_method_not_allowed_on_the_contract() -> None:
    with pytest.raises(MethodNotAllowedError) as caught:
        transcode("POST", "/operations/abc")
    assert caught.value.allowed == ("GET",)


def test_bad_request_is_data() -> None:
    with pytest.raises(BadRequestError) as caught:
        transcode("GET", "/stt/v3/getRecognition", query={"operationID": "x", "operationId": "y"})
    error = caught.value
    assert isinstance(error, ValidationError)
    assert isinstance(error, TranscodeError)
    assert isinstance(error, ValueError)
    assert (error.http_status, error.code) == (400, code_pb2.INVALID_ARGUMENT)
    (violation,) = error.violations
    assert violation.path == "/operationID"
    assert violation.rule == "http.query_unknown"
    assert "did you mean 'operationId'?" in violation.message
    status: Any = error.to_status()
    assert status.code == code_pb2.INVALID_ARGUMENT
    detail = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(detail)
    assert detail.field_violations[0].field == "/operationID"  # the violation's own JSON Pointer
    assert detail.field_violations[0].description == violation.message
    assert detail.field_violations[0].reason == "http.query_unknown"
    body = json.loads(error.to_response().body)
    assert body["details"][0]["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    assert body["details"][0]["fieldViolations"][0]["field"] == "/operationID"
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), again.violations) == (BadRequestError, error.violations)


def test_the_base_error_answers_500() -> None:
    error = TranscodeError("something broke")
    assert error.to_response().status == 500
    assert json.loads(error.to_response().body) == {"code": 13, "message": "something broke", "details": []}


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((1, "/x"), {}),
        (("GET", None), {}),
        (("GET", "/operations/x"), {"query": 5}),
        (("GET", "/operations/x"), {"query": {"a": 1}}),
        (("GET", "/operations/x"), {"headers": {"a": 1}}),
        (("POST", "/stt/v3/recognizeFileAsync"), {"body": 5}),
    ],
)
def test_wrong_argument_types(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        transcode(*args, **kwargs)


SERVICE = """
syntax = "proto3";
package adhoc.v1;
import "google/api/annotations.proto";
message Req {{ string id = 1; map<string, string> labels = 2; Req child = 3; repeated Req items = 4; }}
service Adhoc {{
{methods}
}}
"""


def compile_service(tmp_path: Path, *rules: str) -> Registry:
    """A registry of one service whose method ``M<i>`` has the i-th ``google.api.http`` rule."""
    methods = "\n".join(
        f"  rpc M{i}(Req) returns (Req) {{ option (google.api.http) = {{ {rule} }}; }}" for i, rule in enumerate(rules)
    )
    protos = tmp_path / "protos"
    (protos / "adhoc" / "v1").mkdir(parents=True)
    (protos / "adhoc" / "v1" / "adhoc.proto").write_text(SERVICE.format(methods=methods))
    out = tmp_path / "adhoc.binpb"
    generate.compile_descriptor_set(protos, out)
    return Registry.from_file_descriptor_set(descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()))


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ('get: "/v1/{id"', "never closed"),
        ('get: "/v1/{nope}"', "has no field 'nope'"),
        ('get: "/v1/{labels}"', "map or message field"),
        ('get: "/v1/{child}"', "map or message field"),
        ('get: "/v1/{id.x}"', "not a singular message"),
        ('get: "/v1/{items.id}"', "not a singular message"),
        ('post: "/v1/x" body: "nope"', "has no field 'nope'"),
        ('get: "/v1/x" response_body: "nope"', "has no field 'nope'"),
    ],
)
def test_a_broken_route_is_a_contract_error(tmp_path: Path, rule: str, words: str) -> None:
    broken = compile_service(tmp_path, 'get: "/ok/{id}"', rule)
    with pytest.raises(ContractError, match=re.escape(words)) as caught:
        transcode("GET", "/ok/x", registry=broken)
    assert "adhoc.v1.Adhoc.M1" in str(caught.value)


def test_routes_starting_with_a_variable_or_wildcard(tmp_path: Path) -> None:
    """The matcher's index by first segment keeps routes that start with a variable in every candidate list,
    and an escaped first segment still reaches the literal it spells."""
    reg = compile_service(tmp_path, 'get: "/{id=**}"', 'get: "/v1/{id}"', 'get: "/*/fixed/{id}"', 'get: "/v1:x"')
    cases = {
        "/v1/a": ("M1", {"id": "a"}),
        "/%76%31/a": ("M1", {"id": "a"}),
        "/v2/a": ("M0", {"id": "v2/a"}),
        "/anything/fixed/a": ("M2", {"id": "a"}),
        "/v1/fixed/a": ("M2", {"id": "a"}),
        "/v1:x": ("M3", {}),
        "/v1:y": ("M0", {"id": "v1:y"}),
        "/": ("M0", {}),
        "/a/b/c/d/e/f/g": ("M0", {"id": "a/b/c/d/e/f/g"}),
    }
    for path, (method, expected) in cases.items():
        call = transcode("GET", path, registry=reg)
        assert (call.method.rsplit("/", 1)[1], as_json(call)) == (method, expected), path


# ------------------------------------------------------------------------------------- response marshaling


def test_unary_response(routes: Registry) -> None:
    call = transcode("GET", "/v1/widgets/w1", registry=routes)
    widget = routes.message_class("yc_test.v1.Widget")(name="n", size_bytes=5, labels={"a": "b"})
    response = transcode_response(call, widget)
    assert response == HttpResponse(
        200, (("content-type", "application/json"),), b'{"name":"n","sizeBytes":"5","labels":{"a":"b"}}'
    )


def test_unary_response_of_another_class_of_the_same_type(routes: Registry) -> None:
    """A class of another pool (the official SDK's, say) is matched by full name."""
    pool_copy = Registry.from_file_descriptor_set(routes.file_descriptor_set(), ["yc_test/v1/routes.proto"])
    foreign = pool_copy.message_class("yc_test.v1.Widget")(title="t")
    assert type(foreign) is not routes.message_class("yc_test.v1.Widget")
    call = transcode("GET", "/v1/widgets/w1", registry=routes)
    assert transcode_response(call, foreign).body == b'{"title":"t"}'


@pytest.mark.parametrize(
    ("path", "fields", "body"),
    [
        ("/v1/widgets/w1/title", {"title": "T"}, b'"T"'),
        ("/v1/widgets/w1/title", {}, b'""'),
        ("/v1/widgets/w1/labels", {"labels": {"a": "b"}}, b'{"a":"b"}'),
        ("/v1/widgets/w1/labels", {}, b"{}"),
    ],
)
def test_response_body_field(routes: Registry, path: str, fields: dict[str, Any], body: bytes) -> None:
    call = transcode("GET", path, registry=routes)
    response = transcode_response(call, routes.message_class("yc_test.v1.Widget")(**fields))
    assert (response.status, response.body) == (200, body)


def test_response_body_bytes_and_message_fields(routes: Registry) -> None:
    call = transcode("GET", "/v1/files/x", registry=routes)
    chunk = routes.message_class("yc_test.v1.FileChunk")(data=b"hi")
    assert transcode_response(call, chunk).body == b'"aGk="'


def test_a_contract_response_with_an_any() -> None:
    """GET /operations/{id}: the Operation's Any response resolves in the registry's private pool."""
    reg = yc_contracts.registry
    operation = json.loads(seed("stt-v2-get-operation-done.json"))
    msg = json_format.ParseDict(
        operation, reg.message_class("yandex.cloud.operation.Operation")(), descriptor_pool=reg.descriptor_pool
    )
    response = transcode_response(transcode("GET", "/operations/abc"), msg)
    assert response.status == 200
    assert json.loads(response.body) == normalized("yandex.cloud.operation.Operation", operation)


class FakeCode(enum.Enum):
    """Like grpc.StatusCode: each value is (number, name)."""

    NOT_FOUND = (5, "not found")
    UNAVAILABLE = (14, "unavailable")
    PERMISSION_DENIED = (7, "permission denied")


class FakeRpcError(Exception):
    """Duck-typed like grpc.RpcError (and grpc.Call): code(), details(), trailing_metadata()."""

    def __init__(self, code: Any, details: str | None, trailers: tuple[tuple[str, Any], ...] = ()) -> None:
        super().__init__(details)
        self._code, self._details, self._trailers = code, details, trailers

    def code(self) -> Any:
        return self._code

    def details(self) -> str | None:
        return self._details

    def trailing_metadata(self) -> tuple[tuple[str, Any], ...]:
        return self._trailers


def _status(code: int, text: str, *details: message.Message) -> Any:
    status = status_pb2.Status(code=code, message=text)
    for detail in details:
        packed = any_pb2.Any()
        packed.Pack(detail)
        status.details.append(packed)
    return status


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (_status(5, "gone"), 404, {"code": 5, "message": "gone", "details": []}),
        (FakeRpcError(FakeCode.UNAVAILABLE, "down"), 503, {"code": 14, "message": "down", "details": []}),
        (FakeRpcError(7, None), 403, {"code": 7, "message": "", "details": []}),
        (FakeRpcError("RESOURCE_EXHAUSTED", "slow down"), 429, {"code": 8, "message": "slow down", "details": []}),
        (FakeRpcError(object(), "??"), 500, {"code": 2, "message": "??", "details": []}),
    ],
)
def test_unary_errors(error: Any, status: int, body: dict[str, Any]) -> None:
    call = transcode("GET", "/operations/x")
    response = transcode_response(call, error)
    assert response.status == status
    assert response.headers == (("content-type", "application/json"),)
    assert json.loads(response.body) == body


def test_rich_error_details_from_the_trailers() -> None:
    info = error_details_pb2.ErrorInfo(reason="QUOTA", domain="yandexcloud.net")
    rich = _status(8, "quota exceeded", info)
    call = transcode("GET", "/operations/x")
    response = transcode_response(
        call, FakeRpcError(8, "quota exceeded", (("other", "x"), ("grpc-status-details-bin", rich.SerializeToString())))
    )
    assert response.status == 429
    assert json.loads(response.body) == {
        "code": 8,
        "message": "quota exceeded",
        "details": [
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "QUOTA", "domain": "yandexcloud.net"}
        ],
    }
    # details of another code, or undecodable ones, are ignored
    mismatched = FakeRpcError(5, "nf", (("grpc-status-details-bin", rich.SerializeToString()),))
    assert json.loads(transcode_response(call, mismatched).body)["details"] == []
    garbage = FakeRpcError(5, "nf", (("grpc-status-details-bin", b"\xff\xff"),))
    assert json.loads(transcode_response(call, garbage).body) == {"code": 5, "message": "nf", "details": []}


def test_a_detail_of_an_unknown_type_is_kept_as_base64() -> None:
    status = status_pb2.Status(code=9, message="m")
    status.details.add(type_url="type.googleapis.com/no.such.Type", value=b"\x01")
    body = json.loads(transcode_response(transcode("GET", "/operations/x"), status).body)
    assert body["details"] == [{"@type": "type.googleapis.com/no.such.Type", "value": "AQ=="}]


def test_stream_with_a_trailing_error(routes: Registry) -> None:
    widget = routes.message_class("yc_test.v1.Widget")
    call = transcode("GET", "/v1/widgets:watch", registry=routes)

    def results() -> Iterator[message.Message]:
        yield widget(name="a")
        yield widget(name="b", size_bytes=1)
        raise FakeRpcError(FakeCode.UNAVAILABLE, "down")

    response = transcode_response(call, results())
    assert response.status == 200
    assert response.headers == (("content-type", "application/x-ndjson"),)
    assert [json.loads(line) for line in response.body.splitlines()] == [
        {"result": {"name": "a"}},
        {"result": {"name": "b", "sizeBytes": "1"}},
        {"error": {"code": 14, "message": "down", "details": []}},
    ]
    assert response.body.endswith(b"\n")


def test_stream_ending_with_a_status(routes: Registry) -> None:
    widget = routes.message_class("yc_test.v1.Widget")
    call = transcode("GET", "/v1/widgets:watchNames", registry=routes)
    response = transcode_response(call, [widget(name="a"), _status(5, "gone"), widget(name="never")])
    assert response.body == b'{"result":"a"}\n{"error":{"code":5,"message":"gone","details":[]}}\n'
    ok = transcode_response(call, [widget(name="a"), _status(0, "")])
    assert ok.body == b'{"result":"a"}\n'


@pytest.mark.parametrize(
    "result",
    [
        FakeRpcError(FakeCode.PERMISSION_DENIED, "no"),
        _status(7, "no"),
        iter([FakeRpcError(FakeCode.PERMISSION_DENIED, "no")]),
    ],
)
def test_stream_failing_before_its_first_message(routes: Registry, result: Any) -> None:
    call = transcode("GET", "/v1/widgets:watch", registry=routes)
    response = transcode_response(call, result)
    assert response.status == 403
    assert response.body == b'{"error":{"code":7,"message":"no","details":[]}}\n'


def test_empty_and_single_message_streams(routes: Registry) -> None:
    call = transcode("GET", "/v1/widgets:watch", registry=routes)
    assert transcode_response(call, []) == HttpResponse(200, (("content-type", "application/x-ndjson"),), b"")
    one = transcode_response(call, routes.message_class("yc_test.v1.Widget")(name="x"))
    assert one.body == b'{"result":{"name":"x"}}\n'


def test_a_contract_stream() -> None:
    reg = yc_contracts.registry
    item = json.loads(seed("ocr-v1-get-recognition-response.json"))
    msg = json_format.ParseDict(
        item, reg.message_class("yandex.cloud.ai.ocr.v1.RecognizeTextResponse")(), descriptor_pool=reg.descriptor_pool
    )
    call = transcode("GET", "/ocr/v1/getRecognition?operationId=x")
    response = transcode_response(call, iter([msg, msg]))
    lines = [json.loads(line) for line in response.body.splitlines()]
    expected = normalized("yandex.cloud.ai.ocr.v1.RecognizeTextResponse", item)
    assert lines == [{"result": expected}, {"result": expected}]


def test_a_stream_does_not_swallow_other_exceptions(routes: Registry) -> None:
    call = transcode("GET", "/v1/widgets:watch", registry=routes)

    def broken() -> Iterator[message.Message]:
        raise RuntimeError("a bug")
        yield  # pragma: no cover

    with pytest.raises(RuntimeError, match="a bug"):
        transcode_response(call, broken())


@pytest.mark.parametrize("result", [None, 5, "text", {"name": "x"}])
def test_results_of_the_wrong_kind(routes: Registry, result: Any) -> None:
    unary = transcode("GET", "/v1/widgets/w1", registry=routes)
    with pytest.raises(TypeError, match=r"yc_test\.v1\.Widget"):
        transcode_response(unary, result)


def test_a_message_of_the_wrong_type(routes: Registry) -> None:
    unary = transcode("GET", "/v1/widgets/w1", registry=routes)
    wrong = routes.message_class("yc_test.v1.FileChunk")()
    with pytest.raises(TypeError, match=r"got a yc_test\.v1\.FileChunk message"):
        transcode_response(unary, wrong)
    stream = transcode("GET", "/v1/widgets:watch", registry=routes)
    with pytest.raises(TypeError, match=r"yielded a yc_test\.v1\.FileChunk message"):
        transcode_response(stream, [wrong])
    with pytest.raises(TypeError, match="iterable"):
        transcode_response(stream, 5)


# ---------------------------------------------------------------------------------------------- status table

STATUS_TABLE = {
    "OK": 200,
    "CANCELLED": 499,
    "UNKNOWN": 500,
    "INVALID_ARGUMENT": 400,
    "DEADLINE_EXCEEDED": 504,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "PERMISSION_DENIED": 403,
    "UNAUTHENTICATED": 401,
    "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400,
    "ABORTED": 409,
    "OUT_OF_RANGE": 400,
    "UNIMPLEMENTED": 501,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DATA_LOSS": 500,
}


@pytest.mark.parametrize(("name", "status"), STATUS_TABLE.items())
def test_status_table(name: str, status: int) -> None:
    code = code_pb2.Code.Value(name)
    assert http_status(code) == status
    assert status_table.CODE_NAMES[name] == code
    response = transcode_response(transcode("GET", "/operations/x"), FakeRpcError(code, name.lower()))
    assert response.status == status
    assert json.loads(response.body) == {"code": code, "message": name.lower(), "details": []}


def test_the_status_table_covers_every_code() -> None:
    assert set(STATUS_TABLE) == set(code_pb2.Code.keys())
    assert len(status_table.HTTP_STATUS_FOR_CODE) == 17


def test_unknown_codes_are_500() -> None:
    assert http_status(17) == 500
    assert http_status(-1) == 500
    with pytest.raises(TypeError):
        http_status("5")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        http_status(True)


# ------------------------------------------------------------------------------------------- compiled once


def test_routes_are_compiled_once_per_registry(routes: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    transcode("GET", "/v1/widgets/w1", registry=routes)
    table = route_table.table_for(routes)
    assert route_table.table_for(routes) is table

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("compiled again")

    monkeypatch.setattr(binder, "parse_template", fail)
    monkeypatch.setattr(re, "compile", fail)
    call = transcode("GET", "/v1/widgets?" + EVERY_QUERY_KIND, registry=routes)
    assert call.method == f"/{RF}/ListWidgets"
    with pytest.raises(BadRequestError):
        transcode("GET", "/v1/widgets?fInt32=x&nope=1", registry=routes)


def test_calls_are_frozen_values(routes: Registry) -> None:
    call = transcode("GET", "/v1/widgets/w1", registry=routes)
    with pytest.raises(AttributeError):
        call.method = "x"  # type: ignore[misc]
    assert call == transcode("GET", "/v1/widgets/w1", registry=routes)
    assert hash(call) == hash(transcode("GET", "/v1/widgets/w1", registry=routes))
