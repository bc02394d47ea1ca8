"""The gateway over a registry that is not the contract's: every route form ``google.api.http`` has, end to end.

tests/protos/yc_test/v1/routes.proto defines one route per form (variables, ``{x=*}``, ``{x=**}``, nested field
paths, ``:verb`` suffixes, body ``"*"`` and a body field, ``response_body``, additional bindings, a custom verb,
query parameters of every kind). A user who points the gateway at their own protos depends on each of them
reaching their gRPC server as the right method with the right message, and on the reply coming back as its REST
JSON. A route added to routes.proto without a case here fails :func:`test_every_route_has_a_case`.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import grpc.aio
import httpx
import openapi_spec_validator
import pytest
from gateway.upstream import FakeUpstream
from google.protobuf import json_format, message
from routes_support import EVERY_QUERY_KIND, EVERY_QUERY_KIND_REQUEST

from yc_contracts import Registry, transcode
from yc_contracts import gateway as gateway_module

if TYPE_CHECKING:
    from collections.abc import Callable

    from gateway.conftest import CurlRunner, GatewayFactory

RF = "yc_test.v1.RouteForms"
NDJSON = "application/x-ndjson"
JSON = "application/json"
PATTERN = re.compile(r"{([\w.]+)=[^}]*}")


@pytest.fixture
def routes_upstream(routes: Registry, upstream_over: Callable[[Registry], FakeUpstream]) -> FakeUpstream:
    return upstream_over(routes)


def as_json(registry: Registry, msg: message.Message) -> dict[str, Any]:
    printed: dict[str, Any] = json_format.MessageToDict(msg, descriptor_pool=registry.descriptor_pool)
    return printed


def build(registry: Registry, type_name: str, payload: dict[str, Any]) -> message.Message:
    msg: message.Message = json_format.ParseDict(
        payload, registry.message_class(type_name)(), descriptor_pool=registry.descriptor_pool
    )
    return msg


WIDGET = {
    "name": "projects/p1/shelves/s1/widgets/w1",
    "title": "T",
    "sizeBytes": "9000000000",
    "shade": "DARK",
    "labels": {"env": "prod", "team": "a"},
    "tags": ["x", "y"],
    "part": {"partId": "p", "count": 2},
}


@dataclass(frozen=True)
class FormCase:
    route: str
    """The route it exercises, as the registry prints it."""
    verb: str
    path: str
    """Path and query, percent-encoded as sent."""
    method: str
    expected: dict[str, Any]
    """The request message the upstream gets, as REST JSON."""
    reply: dict[str, Any] | list[dict[str, Any]]
    """What the upstream answers (a list for a stream), as REST JSON of the method's output type."""
    answer: Any
    """The HTTP response body, as JSON (a list of NDJSON lines for a stream; None for HEAD)."""
    body: str | None = None


FORM_CASES = [
    FormCase(
        "GET /v1/widgets/{widget_id}",
        "GET",
        "/v1/widgets/w1?view=full",
        "GetWidget",
        {"widgetId": "w1", "view": "full"},
        WIDGET,
        WIDGET,
    ),
    FormCase(
        "GET /v1/shelves/{shelf=*}/widgets/{widget_id}",
        "GET",
        "/v1/shelves/s%201/widgets/w1",
        "GetWidget",
        {"widgetId": "w1", "shelf": "s 1"},
        WIDGET,
        WIDGET,
    ),
    FormCase(
        "GET /v1/widgets/{widget_id}/title",
        "GET",
        "/v1/widgets/w1/title",
        "GetWidget",
        {"widgetId": "w1"},
        WIDGET,
        "T",
    ),
    FormCase(
        "GET /v1/widgets/{widget_id}/labels",
        "GET",
        "/v1/widgets/w1/labels?shelf=s",
        "GetWidget",
        {"widgetId": "w1", "shelf": "s"},
        WIDGET,
        {"env": "prod", "team": "a"},
    ),
    FormCase("HEAD /v1/widgets/{widget_id}", "HEAD", "/v1/widgets/w1", "GetWidget", {"widgetId": "w1"}, WIDGET, None),
    FormCase(
        "DELETE /v1/widgets/{widget_id}",
        "DELETE",
        "/v1/widgets/w1?force=true",
        "DeleteWidget",
        {"widgetId": "w1", "force": True},
        {},
        {},
    ),
    FormCase(
        "POST /v1/{parent=projects/*/shelves/*}/widgets",
        "POST",
        "/v1/projects/p1/shelves/s1/widgets?widgetId=w9",
        "CreateWidget",
        {
            "parent": "projects/p1/shelves/s1",
            "widgetId": "w9",
            "widget": {"title": "T", "sizeBytes": "5", "shade": "DARK", "labels": {"a": "b"}},
        },
        WIDGET,
        WIDGET,
        body='{"title": "T", "sizeBytes": 5, "shade": "DARK", "labels": {"a": "b"}}',
    ),
    FormCase(
        "PATCH /v1/{widget.name=projects/*/shelves/*/widgets/*}",
        "PATCH",
        "/v1/projects/p1/shelves/s1/widgets/w1?updateMask=title,size_bytes",
        "UpdateWidget",
        {"widget": {"name": "projects/p1/shelves/s1/widgets/w1", "title": "new"}, "updateMask": "title,sizeBytes"},
        {**WIDGET, "title": "new"},
        {**WIDGET, "title": "new"},
        body='{"title": "new"}',
    ),
    FormCase(
        "POST /v1/widgets/{widget_id}:archive",
        "POST",
        "/v1/widgets/w1:archive",
        "ArchiveWidget",
        {"widgetId": "w1", "reason": "old", "keepDays": "30"},
        WIDGET,
        WIDGET,
        body='{"reason": "old", "keepDays": "30", "widgetId": "w1"}',
    ),
    FormCase(
        "GET /v1/files/{path=**}",
        "GET",
        "/v1/files/a/b%2Fc/d%20e.txt",
        "ReadFile",
        {"path": "a/b%2Fc/d e.txt"},
        {"data": "AAFoaQ==", "path": "a/b/c/d e.txt"},
        "AAFoaQ==",
    ),
    FormCase(
        "GET /v1/buckets/{bucket}/files/{path=**}:read",
        "GET",
        "/v1/buckets/bk/files/x/y.txt:read",
        "ReadFile",
        {"bucket": "bk", "path": "x/y.txt"},
        {"data": "aGk=", "path": "x/y.txt"},
        {"data": "aGk=", "path": "x/y.txt"},
    ),
    FormCase(
        "GET /v1/nested/{outer.inner.leaf}",
        "GET",
        "/v1/nested/l%C3%A9af?outer.tag=t&outer.inner.depth=3&note=n",
        "GetNested",
        {"outer": {"inner": {"leaf": "léaf", "depth": 3}, "tag": "t"}, "note": "n"},
        {},
        {},
    ),
    FormCase(
        "GET /v1/typed/{count}/{flag}/{shade}/{big}/{ubig}/{ratio}/{keys}",
        "GET",
        "/v1/typed/-3/true/DARK/-9000000000/18446744073709551615/1.5e3/a,b%2Cc",
        "GetTyped",
        {
            "count": -3,
            "flag": True,
            "shade": "DARK",
            "big": "-9000000000",
            "ubig": "18446744073709551615",
            "ratio": 1500.0,
            "keys": ["a", "b", "c"],
        },
        {},
        {},
    ),
    FormCase(
        "GET /v1/widgets",
        "GET",
        "/v1/widgets?" + EVERY_QUERY_KIND,
        "ListWidgets",
        EVERY_QUERY_KIND_REQUEST,
        {"widgets": [WIDGET, {"name": "w2"}], "nextPageToken": "next"},
        {"widgets": [WIDGET, {"name": "w2"}], "nextPageToken": "next"},
    ),
    FormCase(
        "GET /v1/any/*/widgets",
        "GET",
        "/v1/any/thing/widgets?fString=x",
        "ListWidgets",
        {"fString": "x"},
        {},
        {},
    ),
    FormCase("GET /v1/deep/**", "GET", "/v1/deep/x/y/z?rEnum=DARK", "ListWidgets", {"rEnum": ["DARK"]}, {}, {}),
    FormCase(
        "GET /v1/widgets:watch",
        "GET",
        "/v1/widgets:watch?shelf=s",
        "WatchWidgets",
        {"shelf": "s"},
        [WIDGET, {"name": "w2"}],
        [{"result": WIDGET}, {"result": {"name": "w2"}}],
    ),
    FormCase(
        "GET /v1/widgets:watchNames",
        "GET",
        "/v1/widgets:watchNames",
        "WatchWidgets",
        {},
        [WIDGET, {"name": "w2"}, {"title": "nameless"}],
        [{"result": WIDGET["name"]}, {"result": "w2"}, {"result": ""}],
    ),
]


def test_every_route_has_a_case(routes: Registry) -> None:
    """Each route of routes.proto (every binding, additional ones too) is exercised end to end below."""
    cases = sorted(c.route for c in FORM_CASES)
    assert cases == sorted(str(r) for r in routes.routes())
    assert len(set(cases)) == len(cases)


def _handler(registry: Registry, method_name: str, reply: dict[str, Any] | list[dict[str, Any]]) -> Any:
    output_type = registry.method(f"{RF}.{method_name}").output_type
    if isinstance(reply, list):
        items = [build(registry, output_type, item) for item in reply]

        async def stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[message.Message]:
            for item in items:
                yield item

        return stream
    answer = build(registry, output_type, reply)

    async def unary(request: Any, context: grpc.aio.ServicerContext) -> message.Message:
        return answer

    return unary


@pytest.mark.parametrize("case", FORM_CASES, ids=[c.route for c in FORM_CASES])
def test_route_form(
    case: FormCase,
    routes: Registry,
    routes_upstream: FakeUpstream,
    gateway_over: GatewayFactory,
    http: httpx.Client,
) -> None:
    """The request reaches the upstream as its method with the message the route binds (the same as
    ``transcode()`` gives); the reply comes back as REST JSON, or as its ``response_body`` field."""
    up = routes_upstream
    up.on(f"{RF}/{case.method}", _handler(routes, case.method, case.reply))
    server = gateway_over(up)
    headers = {"content-type": JSON} if case.body is not None else {}
    # the raw path goes on the wire as written (httpx would re-encode %2F and %2C)
    url = httpx.URL(server.url).copy_with(raw_path=case.path.encode("ascii"))
    r = http.request(case.verb, url, content=case.body, headers=headers)
    assert r.status_code == 200, r.text
    [received] = up.received
    assert received.method == f"/{RF}/{case.method}"
    assert as_json(routes, received.request) == case.expected
    expected_call = transcode(case.verb, case.path, body=case.body, registry=routes)
    assert str(expected_call.route) == case.route
    assert received.request == expected_call.request
    if case.verb == "HEAD":
        assert r.content == b""
    elif isinstance(case.reply, list):
        assert r.headers["content-type"] == NDJSON
        assert [json.loads(line) for line in r.content.splitlines()] == case.answer
    else:
        assert r.headers["content-type"] == JSON
        assert r.json() == case.answer


def test_a_stream_as_a_json_array(
    routes: Registry, routes_upstream: FakeUpstream, gateway_over: GatewayFactory, curl: CurlRunner
) -> None:
    """``Accept: application/json`` makes a server stream one JSON array, ``response_body`` applied per item."""
    up = routes_upstream
    up.on(f"{RF}/WatchWidgets", _handler(routes, "WatchWidgets", [WIDGET, {"name": "w2"}]))
    server = gateway_over(up)
    r = curl("-H", "Accept: application/json", server.url + "/v1/widgets:watchNames")
    assert (r.status, r.headers["content-type"], json.loads(r.body)) == (200, JSON, [WIDGET["name"], "w2"])
    r = curl("-H", "Accept:", server.url + "/v1/widgets:watch?shelf=s")
    assert (r.status, r.headers["content-type"]) == (200, NDJSON)
    assert [json.loads(line) for line in r.body.splitlines()] == [{"result": WIDGET}, {"result": {"name": "w2"}}]


def test_bad_requests_of_any_registry(
    routes_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """ProtoJSON and binding errors of a registry without contract rules: 400 with every violation, 404, 405."""
    server = gateway_over(routes_upstream)
    r = http.get(server.url + "/v1/widgets", params={"fInt32": "x", "nope": "1", "fEnum": "PURPLE"})
    assert r.status_code == 400
    [detail] = r.json()["details"]
    assert sorted(v["field"] for v in detail["fieldViolations"]) == ["/fEnum", "/fInt32", "/nope"]
    r = http.post(server.url + "/v1/widgets/w1:archive", json={"reason": 5})
    assert r.status_code == 400
    r = http.post(server.url + "/v1/widgets/w1:archive", json={"widgetId": "other"})
    assert r.status_code == 400  # the path and the body give widget_id two values
    r = http.put(server.url + "/v1/widgets/w1")
    assert (r.status_code, r.headers["allow"]) == (405, "DELETE, GET, HEAD")
    r = http.get(server.url + "/v2/widgets")
    assert r.status_code == 404
    assert routes_upstream.received == []


def test_openapi_of_any_registry(
    routes: Registry, routes_upstream: FakeUpstream, gateway_over: GatewayFactory, http: httpx.Client
) -> None:
    """/openapi.json describes this registry's routes (a valid OpenAPI 3.1 document); /healthz is served."""
    server = gateway_over(routes_upstream)
    r = http.get(server.url + "/openapi.json")
    assert r.status_code == 200, r.text
    document = r.json()
    openapi_spec_validator.validate(document)
    operations = [f"{verb.upper()} {path}" for path, item in document["paths"].items() for verb in item]
    # OpenAPI paths name a variable without its pattern: /v1/{parent=projects/*/shelves/*}/widgets is /v1/{parent}/…
    expected = [route.verb + " " + PATTERN.sub(r"{\1}", route.path) for route in routes.routes()]
    assert sorted(operations) == sorted(expected)
    assert http.get(server.url + "/healthz").json() == {"status": "SERVING"}


def test_a_method_without_an_upstream_is_refused(routes: Registry) -> None:
    """A mapping of upstreams that leaves a routed method out: ValueError naming every such method."""
    only_get = {f"{RF}/GetWidget": "127.0.0.1:50051"}
    with pytest.raises(ValueError, match="no upstream for") as caught:
        gateway_module.app(only_get, registry=routes)
    text = str(caught.value)
    for name in ("DeleteWidget", "CreateWidget", "UpdateWidget", "ArchiveWidget", "ReadFile", "WatchWidgets"):
        assert f"{RF}.{name}" in text
    assert f"{RF}.GetWidget" not in text
    # no upstreams at all: these services have no documented endpoint to fall back on
    with pytest.raises(ValueError, match=f"no upstream for .*{RF}.GetWidget"):
        gateway_module.app(registry=routes)
    # a key that names nothing is refused too, by name
    with pytest.raises(ValueError, match=r"yc_test\.v1\.Nope"):
        gateway_module.app({"*": "127.0.0.1:50051", "yc_test.v1.Nope": "127.0.0.1:1"}, registry=routes)
    # per-service and per-method keys with a "*" for the rest cover everything
    app = gateway_module.app(
        {RF: "127.0.0.1:50051", f"{RF}/ReadFile": "127.0.0.1:50052", "*": "127.0.0.1:1"}, registry=routes
    )
    assert app.upstreams[f"/{RF}/ReadFile"].target == "127.0.0.1:50052"
    assert app.upstreams[f"/{RF}/GetWidget"].target == "127.0.0.1:50051"
