"""What the gateway serves beside the routes: ``/healthz``, ``/openapi.json`` and the ``/docs`` page.

``/docs`` is Swagger UI, from the files the ``swagger-ui-py`` package bundles (no CDN at run time), pointed at
``/openapi.json`` and with "Try it out" on, so its calls go to this gateway. The OpenAPI document is the
registry's (the published one for the contract), with this gateway as its only server.
"""

from __future__ import annotations

import copy
import importlib.util
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import orjson

from yc_contracts.contract.registry import Registry, default_registry
from yc_contracts.transcoding.calls import JSON_CONTENT_TYPE, HttpResponse

HEALTH_PATH: Final = "/healthz"
OPENAPI_PATH: Final = "/openapi.json"
DOCS_PATH: Final = "/docs"
DOCS_ASSETS: Final = {"swagger-ui.css": "text/css; charset=utf-8", "swagger-ui-bundle.js": "text/javascript"}
"""The Swagger UI files ``/docs/<name>`` serves from the bundled package."""

_HTML: Final = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>yc-contracts gateway: {title}</title>
<link rel="stylesheet" href="{root}/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{root}/docs/swagger-ui-bundle.js"></script>
<script>
// An Any in the document is checked against each type it may hold (one if/then per type, ~100 of them); Swagger
// UI merges every branch to draw an example, which freezes the page for minutes. The page shows an Any as an
// object with its @type (/openapi.json itself is unchanged).
function lighterAny(response) {{
  if (!response.ok || new URL(response.url, location.href).pathname !== "{root}/openapi.json") return response;
  const spec = JSON.parse(response.text);
  for (const schema of Object.values((spec.components || {{}}).schemas || {{}})) {{
    if (schema["x-rule"] === "type.any") delete schema.allOf;
  }}
  response.text = response.data = JSON.stringify(spec);
  response.body = response.obj = spec;
  return response;
}}
window.ui = SwaggerUIBundle({{
  url: "{root}/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  tryItOutEnabled: true,
  displayRequestDuration: true,
  responseInterceptor: lighterAny,
}});
</script>
</body>
</html>
"""

Page = Callable[[str], HttpResponse]


class Pages:
    """The non-route pages of one gateway; the OpenAPI document is built on first request and kept."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._openapi: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def find(self, verb: str, path: str, docs: bool) -> Page | None:
        """The page for ``verb path``, or ``None`` when the routes should have the request."""
        if verb not in {"GET", "HEAD"}:
            return None
        if path == HEALTH_PATH:
            return _health
        if not docs:
            return None
        if path == OPENAPI_PATH:
            return self._openapi_page
        if path in {DOCS_PATH, DOCS_PATH + "/"}:
            return self._docs_page
        name = path.removeprefix(DOCS_PATH + "/")
        if name in DOCS_ASSETS:
            return lambda root: _asset(name)
        return None

    def openapi(self, root_path: str = "") -> dict[str, Any]:
        """The OpenAPI 3.1 document of the gateway's routes, served at ``root_path`` (``""`` for the root)."""
        with self._lock:
            if self._openapi is None:
                self._openapi = _build_openapi(self._registry)
        document = copy.copy(self._openapi)
        document["servers"] = [{"url": root_path or "/", "description": "this gateway"}]
        return document

    def _openapi_page(self, root_path: str) -> HttpResponse:
        try:
            body = orjson.dumps(self.openapi(root_path))
        except Exception as e:  # a registry the schema generator cannot describe yet
            text = f"no OpenAPI document for this registry: {type(e).__name__}: {e}"
            return HttpResponse(
                500, (("content-type", JSON_CONTENT_TYPE),), orjson.dumps({"code": 13, "message": text, "details": []})
            )
        return HttpResponse(200, (("content-type", JSON_CONTENT_TYPE), ("cache-control", "no-cache")), body)

    def _docs_page(self, root_path: str) -> HttpResponse:
        title = "the contract's routes" if self._registry is default_registry() else "a registry's routes"
        html = _HTML.format(root=root_path.rstrip("/"), title=title).encode()
        return HttpResponse(200, (("content-type", "text/html; charset=utf-8"),), html)


def _health(root_path: str) -> HttpResponse:
    del root_path
    return HttpResponse(
        200, (("content-type", JSON_CONTENT_TYPE), ("cache-control", "no-store")), b'{"status":"SERVING"}'
    )


def _build_openapi(registry: Registry) -> dict[str, Any]:
    from yc_contracts.schema.store import openapi

    document = openapi(registry=registry)
    if registry is not default_registry():
        document["info"]["title"] = "REST routes (yc-contracts gateway)"
        document["info"]["description"] = "The google.api.http routes of the registry this gateway serves."
    for item in document.get("paths", {}).values():
        item.pop("servers", None)
    return document


_assets: dict[str, bytes] = {}


def _asset(name: str) -> HttpResponse:
    data = _assets.get(name)
    if data is None:
        try:
            data = (swagger_ui_folder() / name).read_bytes()
        except (ModuleNotFoundError, OSError) as e:
            body = orjson.dumps({"code": 5, "message": f"/docs cannot serve {name}: {e}", "details": []})
            return HttpResponse(404, (("content-type", JSON_CONTENT_TYPE),), body)
        _assets[name] = data
    headers = (("content-type", DOCS_ASSETS[name]), ("cache-control", "public, max-age=86400"))
    return HttpResponse(200, headers, data)


def swagger_ui_folder() -> Path:
    """The folder of Swagger UI's files in the installed ``swagger-ui-py`` package (without importing it).

    Raises:
        ModuleNotFoundError: the package is not installed (``pip install 'yc-contracts[gateway]'``).
    """
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the /docs page needs swagger-ui-py: pip install 'yc-contracts[gateway]'")
    return Path(next(iter(spec.submodule_search_locations))) / "static"
