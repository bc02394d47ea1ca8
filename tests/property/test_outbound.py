"""``http_request`` (the REST client's side of the transcoder): for a request message and one of its method's
routes, the HTTP request that carries it — and :func:`yc_contracts.transcode` of that request gives the message back,
matched to the same route.

Checked for every route of the contract with messages drawn by :func:`yc_contracts.testing.messages`, and for every
route of ``tests/protos/yc_test/v1/routes.proto`` (patterned and ``**`` variables, nested field paths, typed and
repeated path variables, ``body: "<field>"`` and ``"*"``, custom verbs and methods) with hand-built messages and with
drawn ones. What a route cannot carry is refused with :class:`OutboundError`, never sent wrong.

One loss is inherent to REST and allowed for: a query string has no way to say "this sub-message is set but empty",
so routes that carry fields in the query drop such sub-messages (compared with them cleared).
"""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf import message
from hypothesis import given
from hypothesis import strategies as st
from strategy_support import routes_registry, same_message

import yc_contracts
from yc_contracts.contract.registry import Registry, Route
from yc_contracts.testing import messages
from yc_contracts.transcoding.outbound import OutboundError, http_request

CONTRACT = yc_contracts.registry
CONTRACT_ROUTES = {str(route): route for route in CONTRACT.routes()}


def round_trip(route: Route, msg: message.Message, registry: Registry) -> message.Message:
    """The request message ``transcode`` makes of ``http_request(route.method, msg)``; asserts the route."""
    outbound = http_request(route.method, msg, registry, route)
    call = yc_contracts.transcode(outbound.verb, outbound.target, body=outbound.body, registry=registry)
    assert call.method == route.method.grpc_path
    assert call.route == route, (str(call.route), outbound)
    request: message.Message = call.request
    return request


def cleared_of_empty_messages(msg: message.Message) -> message.Message:
    """A copy of ``msg`` without set-but-empty sub-messages (well-known types, which have a JSON text, stay)."""
    copy = type(msg)()
    copy.CopyFrom(msg)
    _clear(copy)
    return copy


def _clear(msg: message.Message) -> None:
    for field, value in msg.ListFields():
        if field.message_type is None or field.message_type.GetOptions().map_entry:
            continue
        if field.message_type.full_name.startswith("google.protobuf."):
            continue
        if field.is_repeated:
            for item in value:
                _clear(item)
            continue
        _clear(value)
        if not value.ListFields():
            msg.ClearField(field.name)


# ---------------------------------------------------------------------------------------------- the contract


def test_every_routed_method_of_the_contract_is_covered() -> None:
    routed = {m.full_name for m in CONTRACT.methods() if m.routes}
    assert {route.method.full_name for route in CONTRACT_ROUTES.values()} == routed
    assert len(CONTRACT_ROUTES) == 9


@pytest.mark.parametrize("route", sorted(CONTRACT_ROUTES))
@given(data=st.data())
def test_contract_requests_round_trip(route: str, data: st.DataObject) -> None:
    """Every valid request of a contract route comes back from ``transcode`` as it was sent."""
    chosen = CONTRACT_ROUTES[route]
    msg = data.draw(messages(chosen.method.input_type), label="request")
    assert same_message(round_trip(chosen, msg, CONTRACT), msg)


def test_an_operation_id_is_percent_encoded_in_the_path() -> None:
    route = CONTRACT_ROUTES["GET /operations/{operation_id}"]
    msg = CONTRACT.message_class(route.method.input_type)(operation_id="a/b c%d")
    outbound = http_request(route.method, msg, CONTRACT, route)
    assert (outbound.verb, outbound.target, outbound.body) == ("GET", "/operations/a%2Fb%20c%25d", None)
    assert round_trip(route, msg, CONTRACT) == msg


def test_a_method_without_a_route_is_refused() -> None:
    method = CONTRACT.method("speechkit.stt.v3.Recognizer.RecognizeStreaming")
    with pytest.raises(OutboundError, match="has no REST route"):
        http_request(method, CONTRACT.message_class(method.input_type)(), CONTRACT)


# ---------------------------------------------------------------------------------- the routes test proto


ROUTES = routes_registry()
TEST_ROUTES = {str(route): route for route in ROUTES.routes()}


def new(type_name: str, **fields: Any) -> message.Message:
    return ROUTES.message_class(f"yc_test.v1.{type_name}")(**fields)


def widget() -> message.Message:
    return new(
        "Widget",
        name="projects/p1/shelves/s 1/widgets/w1",
        title="A widget, /with/ slashes & a query?",
        size_bytes=-(2**62),
        shade=2,
        labels={"colour": "red", "a b": "c=d"},
        tags=["x", "y,z"],
        part=new("WidgetPart", part_id="p", count=3),
    )


def list_widgets() -> message.Message:
    msg: Any = new(
        "ListWidgetsRequest",
        f_double=-1.5e300,
        f_float=3.25,
        f_int32=-(2**31),
        f_int64=-(2**63),
        f_uint32=2**32 - 1,
        f_uint64=2**64 - 1,
        f_sint32=-7,
        f_sint64=-(2**40),
        f_fixed32=7,
        f_fixed64=2**50,
        f_sfixed32=-1,
        f_sfixed64=-(2**50),
        f_bool=True,
        f_string="ünïcødé & = ? # / %",
        f_bytes=b"\x00\xff binary",
        f_enum=1,
        r_string=["a", "b b", ""],
        r_int64=[1, -2, 2**62],
        r_enum=[1, 2],
        filter=new("ListFilter", page_size=10, page_token="tok", order=2, part=new("WidgetPart", part_id="q")),
        labels={"k": "v", "k2": ""},
        codes={1: "one", -5: "minus five"},
        cursor="",
        scope_project="proj",
    )
    msg.since.FromJsonString("2024-02-29T12:34:56.789Z")
    msg.within.FromJsonString("-3.5s")
    msg.read_mask.FromJsonString("fDouble,filter.pageSize")
    msg.min_size.value = 0
    msg.only_active.value = False
    msg.prefix.value = "pre"
    return msg


HAND_BUILT: dict[str, Any] = {
    "GET /v1/widgets/{widget_id}": lambda: new("GetWidgetRequest", widget_id="w/1 ?#", shelf="top", view="FULL"),
    "GET /v1/shelves/{shelf=*}/widgets/{widget_id}": lambda: new(
        "GetWidgetRequest", widget_id="w1", shelf="s%1", view="BASIC"
    ),
    "GET /v1/widgets/{widget_id}/title": lambda: new("GetWidgetRequest", widget_id="w1"),
    "GET /v1/widgets/{widget_id}/labels": lambda: new("GetWidgetRequest", widget_id="w1", view="v"),
    "HEAD /v1/widgets/{widget_id}": lambda: new("GetWidgetRequest", widget_id="w1", shelf="s"),
    "DELETE /v1/widgets/{widget_id}": lambda: new("DeleteWidgetRequest", widget_id="w1", force=True),
    "POST /v1/{parent=projects/*/shelves/*}/widgets": lambda: new(
        "CreateWidgetRequest", parent="projects/p 1/shelves/s1", widget_id="w1", widget=widget()
    ),
    "PATCH /v1/{widget.name=projects/*/shelves/*/widgets/*}": lambda: new(
        "UpdateWidgetRequest", widget=widget(), update_mask={"paths": ["title", "labels"]}
    ),
    "POST /v1/widgets/{widget_id}:archive": lambda: new(
        "ArchiveWidgetRequest", widget_id="w1", reason="old", keep_days=2**40
    ),
    "GET /v1/files/{path=**}": lambda: new("ReadFileRequest", path="a/b c/d%e.txt", bucket="b"),
    "GET /v1/buckets/{bucket}/files/{path=**}:read": lambda: new("ReadFileRequest", path="x/y:z", bucket="b 1"),
    "GET /v1/nested/{outer.inner.leaf}": lambda: new(
        "NestedRequest", outer=new("Outer", inner=new("Inner", leaf="l/1", depth=4), tag="t"), note="n"
    ),
    "GET /v1/typed/{count}/{flag}/{shade}/{big}/{ubig}/{ratio}/{keys}": lambda: new(
        "TypedPathRequest", count=-3, flag=True, shade=2, big=2**62, ubig=2**64 - 1, ratio=0.25, keys=["k", "l m"]
    ),
    "GET /v1/widgets": list_widgets,
    "GET /v1/widgets:watch": lambda: new("WatchWidgetsRequest", shelf="s"),
    "GET /v1/widgets:watchNames": lambda: new("WatchWidgetsRequest"),
}
"""A message that uses every field each route can carry (values chosen to need escaping where they can)."""

ZERO_PATH_VALUES = {
    "GET /v1/typed/{count}/{flag}/{shade}/{big}/{ubig}/{ratio}/{keys}": lambda: new(
        "TypedPathRequest", count=0, flag=False, shade=0, big=0, ubig=0, ratio=0.0, keys=["only"]
    ),
}
"""Path variables at their zero value: a number, a bool or an enum at zero is still a value ("0", "false")."""


def test_every_route_of_the_test_proto_has_a_case() -> None:
    assert set(HAND_BUILT) | {"GET /v1/any/*/widgets", "GET /v1/deep/**"} == set(TEST_ROUTES)


@pytest.mark.parametrize("route", sorted(HAND_BUILT))
def test_hand_built_requests_round_trip(route: str) -> None:
    msg = HAND_BUILT[route]()
    assert same_message(round_trip(TEST_ROUTES[route], msg, ROUTES), msg, ROUTES)


@pytest.mark.parametrize("route", sorted(ZERO_PATH_VALUES))
def test_zero_path_values_round_trip(route: str) -> None:
    msg = ZERO_PATH_VALUES[route]()
    outbound = http_request(TEST_ROUTES[route].method, msg, ROUTES, TEST_ROUTES[route])
    assert outbound.path == "/v1/typed/0/false/SHADE_UNSPECIFIED/0/0/0/only"
    assert same_message(round_trip(TEST_ROUTES[route], msg, ROUTES), msg, ROUTES)


def test_a_body_field_left_unset_sends_no_body_and_an_empty_one_sends_braces() -> None:
    """``body: "widget"``: an unset ``widget`` is no body (it stays unset), an empty one is ``{}`` (it is set)."""
    route = TEST_ROUTES["POST /v1/{parent=projects/*/shelves/*}/widgets"]
    unset = new("CreateWidgetRequest", parent="projects/p/shelves/s")
    empty = new("CreateWidgetRequest", parent="projects/p/shelves/s", widget=new("Widget"))
    assert http_request(route.method, unset, ROUTES, route).body is None
    assert http_request(route.method, empty, ROUTES, route).body == b"{}"
    assert round_trip(route, unset, ROUTES) == unset
    assert round_trip(route, empty, ROUTES) == empty


@pytest.mark.parametrize(
    ("route", "msg", "error"),
    [
        ("GET /v1/any/*/widgets", lambda: new("ListWidgetsRequest"), "has a wildcard no field fills"),
        ("GET /v1/deep/**", lambda: new("ListWidgetsRequest"), "has a wildcard no field fills"),
        (
            "GET /v1/widgets",
            lambda: new("ListWidgetsRequest", parts=[new("WidgetPart", part_id="p")]),
            "'parts' is a list of messages",
        ),
        (
            "GET /v1/widgets",
            lambda: new("ListWidgetsRequest", extra={"a": 1}),
            "'extra' is a google.protobuf.Struct object",
        ),
        ("GET /v1/widgets/{widget_id}", lambda: new("GetWidgetRequest", view="v"), "the path needs 'widget_id'"),
        (
            "GET /v1/typed/{count}/{flag}/{shade}/{big}/{ubig}/{ratio}/{keys}",
            lambda: new("TypedPathRequest", keys=[]),
            "the path needs 'keys'",
        ),
        (
            "GET /v1/typed/{count}/{flag}/{shade}/{big}/{ubig}/{ratio}/{keys}",
            lambda: new("TypedPathRequest", keys=["a,b"]),
            "has a comma",
        ),
        (
            "GET /v1/nested/{outer.inner.leaf}",
            lambda: new("NestedRequest", note="no outer"),
            "the path needs 'outer.inner.leaf'",
        ),
        ("GET /v1/widgets", lambda: new("ListWidgetsRequest", labels={"a]": "b"}), "a key of 'labels' has a '\\]'"),
    ],
    ids=["wildcard", "double-wildcard", "message-list", "struct", "no-id", "no-keys", "comma", "no-nested", "map-key"],
)
def test_what_a_route_cannot_carry_is_refused(route: str, msg: Any, error: str) -> None:
    chosen = TEST_ROUTES[route]
    with pytest.raises(OutboundError, match=error.replace("(", r"\(").replace("*", r"\*")):
        http_request(chosen.method, msg(), ROUTES, chosen)


# ------------------------------------------------------------------------------ drawn messages, test proto


_SEGMENT = st.text(min_size=1).filter(lambda s: "/" not in s)
_KEYS = st.lists(st.text().filter(lambda t: "," not in t), min_size=1, max_size=4).filter(lambda k: k != [""])
DRAWN: dict[str, dict[str, Any]] = {
    "GET /v1/widgets/{widget_id}": {"widget_id": st.text(min_size=1)},
    "GET /v1/shelves/{shelf=*}/widgets/{widget_id}": {"widget_id": st.text(min_size=1), "shelf": st.text(min_size=1)},
    "HEAD /v1/widgets/{widget_id}": {"widget_id": st.text(min_size=1)},
    "DELETE /v1/widgets/{widget_id}": {"widget_id": st.text(min_size=1)},
    "POST /v1/{parent=projects/*/shelves/*}/widgets": {
        "parent": st.builds("projects/{}/shelves/{}".format, _SEGMENT, _SEGMENT)
    },
    "POST /v1/widgets/{widget_id}:archive": {"widget_id": st.text(min_size=1)},
    "GET /v1/files/{path=**}": {"path": st.text(min_size=1)},
    "GET /v1/buckets/{bucket}/files/{path=**}:read": {"path": st.text(min_size=1), "bucket": st.text(min_size=1)},
    "GET /v1/typed/{count}/{flag}/{shade}/{big}/{ubig}/{ratio}/{keys}": {"keys": _KEYS},
    "GET /v1/widgets": {
        "parts": [],
        "extra": None,
        "labels": st.dictionaries(st.text().filter(lambda k: "]" not in k), st.text(), max_size=3),
    },
    "GET /v1/widgets:watch": {},
}
"""Routes whose messages are drawn, with the overrides that keep them carryable (a path variable non-empty and in
its pattern, no message list or Struct left for the query)."""


@pytest.mark.parametrize("route", sorted(DRAWN))
@given(data=st.data())
def test_drawn_requests_of_the_test_proto_round_trip(route: str, data: st.DataObject) -> None:
    chosen = TEST_ROUTES[route]
    msg = data.draw(messages(chosen.method.input_type, registry=ROUTES, **DRAWN[route]), label="request")
    expected = msg if chosen.body else cleared_of_empty_messages(msg)  # a body keeps them: "{}"
    assert same_message(round_trip(chosen, msg, ROUTES), expected, ROUTES)
