"""A local emulator of the four services (Vision OCR v1 async, SpeechKit STT v2 async and v3 async, Operation):
contract-exact, stateful, scriptable, for tests and CI.

>>> from yc_contracts.emulator import Emulator
>>> with Emulator(progression="after_polls: 2") as emu:  # doctest: +SKIP
...     channel = grpc.insecure_channel(emu.grpc_target)

docs/emulator.md has the whole story: progression, results, faults, the journal, the admin API, the pytest fixture
``yc_emulator`` and ``yc-contracts emulate``.
"""

from __future__ import annotations

from yc_contracts.emulator.config import PROGRESSION_METADATA, EmulatorConfig
from yc_contracts.emulator.core import Emulator
from yc_contracts.emulator.faults import Fault
from yc_contracts.emulator.journal import Call
from yc_contracts.emulator.operations import OperationRecord
from yc_contracts.emulator.progression import Progression

__all__ = ["PROGRESSION_METADATA", "Call", "Emulator", "EmulatorConfig", "Fault", "OperationRecord", "Progression"]
