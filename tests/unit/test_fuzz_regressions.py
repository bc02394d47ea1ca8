"""Every crash the fuzzer found, replayed through the very target function that found it (``fuzz/targets.py``).

A case is a file ``tests/data/fuzz-regressions/<surface>/<name>`` holding the raw fuzz input; the target of that
surface must return for it (it raises on an undocumented exception or a disagreement between surfaces). The fuzzer
itself (``make fuzz``) is not run here; docs/fuzzing.md says how to add a case.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

import yc_contracts

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "data" / "fuzz-regressions"


def _load_targets() -> ModuleType:
    """``fuzz/targets.py`` (the fuzz folder is no package on the test path: load it by file)."""
    spec = importlib.util.spec_from_file_location("fuzz_targets", ROOT / "fuzz" / "targets.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


targets = _load_targets()


def _cases() -> list[Path]:
    return sorted(p for p in CASES.glob("*/*") if p.is_file())


@pytest.mark.parametrize("case", _cases(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fuzz_regression(case: Path) -> None:
    targets.SURFACES[case.parent.name](case.read_bytes())


def test_every_case_names_a_surface() -> None:
    assert _cases(), "no regression case found"
    assert {p.parent.name for p in _cases()} <= set(targets.SURFACES)


def test_a_target_reports_an_undocumented_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("inside the library")

    monkeypatch.setattr(yc_contracts, "check", broken)
    with pytest.raises(RuntimeError, match="inside the library"):
        targets.target_check(b"\x00\x00{}")


def test_a_target_accepts_a_documented_exception() -> None:
    # Not JSON at all: to_proto raises ValidationError, as documented, and check() agrees it is an error.
    targets.target_to_proto(targets.join(targets.proto_keys(), "speechkit.stt.v3.RecognizeFileRequest", 0, b"{"))


def test_a_target_reports_two_surfaces_that_disagree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yc_contracts, "check", lambda *args, **kwargs: [])
    with pytest.raises(targets.VerdictError, match="check\\(\\) finds no error"):
        targets.target_to_proto(targets.join(targets.proto_keys(), "speechkit.stt.v3.RecognizeFileRequest", 0, b"{"))


def test_inputs_replay_the_same_way() -> None:
    data = targets.join(targets.check_keys(), "yandex.cloud.operation.Operation", 2, b'{"id": "x"}')
    item = targets.split(data, targets.check_keys())
    assert (item.key, item.flags, item.body) == ("yandex.cloud.operation.Operation", 2, b'{"id": "x"}')
    assert targets.payload_form(item.body, item.flags) == {"id": "x"}
    request = targets.parse_request(b"\x00\x04GET /operations/x?a=1\nAuthorization: Bearer t\n\n{}")
    assert (request.method, request.path, request.query) == ("GET", "/operations/x", "a=1")
    assert request.headers == {"Authorization": "Bearer t"}
    assert request.body == b"{}"
