"""Shared fixtures: paths of the repository and the contract's facts table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def contract_table() -> dict[str, Any]:
    """The official contract's facts (tests/data/wire-contract.json, a copy of shared/reference)."""
    return json.loads((ROOT / "tests" / "data" / "wire-contract.json").read_text(encoding="utf-8"))
