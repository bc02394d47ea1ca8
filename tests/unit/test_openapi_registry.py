"""The OpenAPI document of any registry's routes (what the gateway serves at /openapi.json): a valid OpenAPI 3.1
document even when the registry's files do not define google.rpc.Status, with unique operationIds when a method
has additional bindings."""

from __future__ import annotations

from openapi_spec_validator import validate

from yc_contracts.contract.registry import Registry
from yc_contracts.gateway.pages import Pages


def test_a_test_registry_gets_a_valid_document(routes: Registry) -> None:
    document = Pages(routes).openapi("/api")
    validate(document)
    assert document["servers"] == [{"url": "/api", "description": "this gateway"}]
    assert "google.rpc.Status" in document["components"]["schemas"]
    operations = [op for item in document["paths"].values() for op in item.values()]
    assert len(operations) == len(routes.routes())
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    assert "yc_test.v1.RouteForms.GetWidget_2" in ids  # an additional binding


def test_the_contract_document_is_the_published_one_with_this_gateway_as_server() -> None:
    from yc_contracts.schema.store import openapi

    document = Pages(_contract()).openapi()
    published = openapi()
    assert document["paths"] == published["paths"]
    assert document["servers"] == [{"url": "/", "description": "this gateway"}]


def _contract() -> Registry:
    from yc_contracts.contract.registry import default_registry

    return default_registry()
