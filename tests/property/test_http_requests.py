"""``http_requests``: every request it draws transcodes to its route's method and to the message it came from.

For each route of the contract, and for every route of ``tests/protos/yc_test/v1/routes.proto`` (which has every
template form: patterned and ``**`` variables, nested field paths, ``body: "<field>"``, custom verbs), the
request ``(method, path, query, body, headers)`` goes through ``yc_contracts.transcode`` and must come out as
the route's gRPC method with a request equal to the message, and the forwarded headers as metadata.
"""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf import json_format
from hypothesis import given, settings
from hypothesis import strategies as st
from strategy_support import routes_registry, same_message

import yc_contracts
from yc_contracts import Registry, UnknownNameError
from yc_contracts.testing import http_requests
from yc_contracts.testing._requests import requests_with_messages
from yc_contracts.transcoding.metadata import FORWARDED_HEADERS, METADATA_PREFIX

reg = yc_contracts.registry
ROUTES = [str(route) for route in reg.routes()]


def expected_metadata(headers: dict[str, str]) -> list[tuple[str, str]]:
    """The metadata the transcoder must make of the headers: forwarded ones, and ``Grpc-Metadata-*``."""
    out = []
    for name, value in headers.items():
        key = name.lower()
        if key in FORWARDED_HEADERS:
            out.append((key, value.strip()))
        elif key.startswith(METADATA_PREFIX):
            out.append((key[len(METADATA_PREFIX) :], value.strip()))
    return sorted(out)


def check_request(drawn: Any, registry: Registry | None = None) -> None:
    route, message, (method, path, query, body, headers) = drawn
    call = yc_contracts.transcode(method, path, query=query, body=body, headers=headers, registry=registry)
    assert call.method == route.method.grpc_path
    assert call.route == route
    assert same_message(call.request, message, registry), (path, query, body, call.request, message)
    assert sorted(call.metadata) == expected_metadata(headers)
    given_headers = {name.lower(): value for name, value in headers.items()}
    assert ("x-folder-id", given_headers["x-folder-id"]) in call.metadata
    assert ("authorization", given_headers["authorization"]) in call.metadata
    assert given_headers["authorization"].startswith("Bearer ")


def test_the_contract_has_9_routes() -> None:
    assert len(ROUTES) == 9


@pytest.mark.parametrize("route", ROUTES)
@given(data=st.data())
def test_requests_transcode_to_their_message(route: str, data: st.DataObject) -> None:
    check_request(data.draw(requests_with_messages(route)))


@given(data=st.data())
def test_requests_for_every_route_of_a_registry(data: st.DataObject) -> None:
    """The other form of the argument (``route=None``, a :class:`Route`), and every template form of the
    routes test proto."""
    routes = routes_registry()
    check_request(data.draw(requests_with_messages(registry=routes)), routes)
    check_request(data.draw(requests_with_messages(data.draw(st.sampled_from(reg.routes()))), label="by Route"))


@given(http_requests("POST /stt/v3/recognizeFileAsync"))
def test_the_public_strategy_draws_plain_tuples(request: Any) -> None:
    method, path, query, body, headers = request
    assert (method, path, query) == ("POST", "/stt/v3/recognizeFileAsync", {})
    assert isinstance(body, str) or body is None
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
    yc_contracts.transcode(method, path, query=query, body=body, headers=headers)


@settings(max_examples=10)
@given(http_requests("GET /operations/{operation_id}"))
def test_a_path_variable_is_percent_encoded(request: Any) -> None:
    _, path, query, body, _ = request
    assert path.startswith("/operations/")
    assert "/" not in path.removeprefix("/operations/")
    assert (query, body) == ({}, None)


def test_unknown_routes_are_reported_when_the_strategy_is_created() -> None:
    with pytest.raises(UnknownNameError, match=r"did you mean 'GET /operations/\{operation_id\}'"):
        http_requests("GET /operations/{operationid}")
    with pytest.raises(UnknownNameError):
        http_requests(routes_registry().routes()[0])  # a route of another registry
    with pytest.raises(TypeError, match="route must be"):
        http_requests(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="registry must be"):
        http_requests(registry="yc_contracts.registry")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ the largest float32


def test_the_largest_float32_as_a_query_value() -> None:
    """ProtoJSON prints FLT_MAX as 3.4028235e38, a little above it; the transcoder reads that back (as the
    schemas do) and passes FLT_MAX on, which json_format (reading this registry's requests) accepts."""
    routes = routes_registry()
    largest = routes.message_class("yc_test.v1.ListWidgetsRequest")(f_float=3.4028234663852886e38)
    printed = json_format.MessageToDict(largest, descriptor_pool=routes.descriptor_pool)
    assert printed == {"fFloat": 3.4028235e38}
    for sign in ("", "-"):
        for text in ("3.4028235e+38", "3.4028235e38", "340282350000000000000000000000000000000", "3.4028234664e38"):
            call = yc_contracts.transcode("GET", "/v1/deep", query={"fFloat": sign + text}, registry=routes)
            assert call.request.f_float == float(sign + "3.4028234663852886e38"), text
