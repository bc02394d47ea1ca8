"""An API that checks its requests with yc_contracts: 400 with ``{"field": ..., "reason": ...}`` when one is bad.

``app.test_client().post(path, json=...)`` answers as a web framework's test client does (``status_code``,
``json``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yc_contracts


@dataclass(frozen=True)
class Response:
    status_code: int
    json: dict[str, Any]


class _Client:
    def post(self, path: str, json: Any) -> Response:
        errors = [v for v in yc_contracts.check(f"POST {path}", json) if v.severity == "error"]
        if errors:
            return Response(400, {"field": errors[0].path, "reason": errors[0].message})
        return Response(200, {"id": "e03sup6d5h1qr574ht99", "done": False})


class App:
    def test_client(self) -> _Client:
        return _Client()


app = App()
