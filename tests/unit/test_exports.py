"""The public surface changes only on purpose."""

from __future__ import annotations

import subprocess
import sys

import pytest

import yc_contracts

EXPECTED = {
    "ConversionError",
    "StreamError",
    "from_stream",
    "to_json",
    "to_ndjson",
    "to_proto",
    "to_rest",
    "BadRequestError",
    "ContractError",
    "GrpcCall",
    "HttpResponse",
    "HttpRule",
    "MessageRef",
    "Method",
    "MethodNotAllowedError",
    "MissingDependencyError",
    "OperationTypes",
    "Registry",
    "Route",
    "RouteNotFoundError",
    "Service",
    "TranscodeError",
    "UnknownNameError",
    "ValidationError",
    "Violation",
    "YcContractsError",
    "__version__",
    "check",
    "http_status",
    "iter_violations",
    "openapi",
    "registry",
    "schema_for",
    "schema_registry",
    "transcode",
    "transcode_response",
    "validate",
}


def test_exported_members() -> None:
    assert set(yc_contracts.__all__) == EXPECTED
    for name in yc_contracts.__all__:
        assert getattr(yc_contracts, name) is not None, name


def test_error_hierarchy() -> None:
    for name in ("UnknownNameError", "ContractError", "MissingDependencyError"):
        assert issubclass(getattr(yc_contracts, name), yc_contracts.YcContractsError)
    assert issubclass(yc_contracts.UnknownNameError, LookupError)
    assert issubclass(yc_contracts.MissingDependencyError, ImportError)


def test_unknown_attribute() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        yc_contracts.no_such_thing  # type: ignore[attr-defined]  # noqa: B018


def test_import_is_lazy() -> None:
    """``import yc_contracts`` loads no generated code until something asks for it."""
    code = "import sys, yc_contracts; print(any(m.startswith('yc_contracts._gen.yandex') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
