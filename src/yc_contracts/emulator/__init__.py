"""A local emulator of the four services (Vision OCR v1 async, SpeechKit STT v2 async and v3 async, Operation):
contract-exact, stateful, scriptable, for tests and CI.

``with Emulator(progression="after_polls: 2") as emu:`` serves gRPC at ``emu.grpc_target`` and REST at
``emu.http_url``. docs/emulator.md has the whole story: progression, results, faults, the journal, the admin API,
the pytest fixture ``yc_emulator`` and ``yc-contracts emulate``.

The names below load on first use, so the pytest plugin (``yc_contracts.emulator.pytest_plugin``, which pytest
imports in every project where yc-contracts is installed) costs nothing until a test asks for the fixture.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from yc_contracts.emulator.config import PROGRESSION_METADATA, EmulatorConfig
    from yc_contracts.emulator.core import Emulator
    from yc_contracts.emulator.faults import Fault
    from yc_contracts.emulator.journal import Call
    from yc_contracts.emulator.operations import OperationRecord
    from yc_contracts.emulator.progression import Progression

_LAZY = {
    "PROGRESSION_METADATA": "yc_contracts.emulator.config",
    "EmulatorConfig": "yc_contracts.emulator.config",
    "Emulator": "yc_contracts.emulator.core",
    "Fault": "yc_contracts.emulator.faults",
    "Call": "yc_contracts.emulator.journal",
    "OperationRecord": "yc_contracts.emulator.operations",
    "Progression": "yc_contracts.emulator.progression",
}

__all__ = ["PROGRESSION_METADATA", "Call", "Emulator", "EmulatorConfig", "Fault", "OperationRecord", "Progression"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
