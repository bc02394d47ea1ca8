"""Shared fixtures: paths of the repository, the contract's facts table, and the test registry of routes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from routes_support import compile_routes

from yc_contracts import Registry

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def contract_table() -> dict[str, Any]:
    """The official contract's facts (tests/data/wire-contract.json, a copy of shared/reference)."""
    return json.loads((ROOT / "tests" / "data" / "wire-contract.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def routes(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """tests/protos compiled with protoc (importing our protos/), indexing routes.proto only."""
    return compile_routes(tmp_path_factory.mktemp("routes"))
