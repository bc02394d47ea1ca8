"""The pytest plugin: a ``yc_emulator`` fixture, registered when yc-contracts is installed (entry point ``pytest11``).

```python
def test_recognition(yc_emulator):
    channel = grpc.insecure_channel(yc_emulator.grpc_target)
    ...
    yc_emulator.assert_called("RecognizeFile", times=1)
```

Settings: ``@pytest.mark.yc_emulator(progression="after_polls: 2", seed=7)`` on a test, and the ini option
``yc_emulator_config`` (a TOML or JSON file, relative to the rootdir) for every test. Each test gets a fresh
emulator on ephemeral loopback ports, stopped when the test ends. Importing this module costs nothing: grpc and the
emulator load when the fixture is first used.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from yc_contracts.emulator.core import Emulator

MARKER = "yc_emulator"
INI_CONFIG = "yc_emulator_config"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(INI_CONFIG, "settings file (TOML or JSON) of the yc_emulator fixture", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}(**settings): settings of the yc_emulator fixture for this test (docs/emulator.md)"
    )


@pytest.fixture
def yc_emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """A started emulator of the four services (gRPC at ``.grpc_target``, REST at ``.http_url``)."""
    from yc_contracts.emulator.config import EmulatorConfig
    from yc_contracts.emulator.core import Emulator

    config = EmulatorConfig()
    ini = str(request.config.getini(INI_CONFIG) or "")
    if ini:
        path = Path(ini)
        config = EmulatorConfig.load(path if path.is_absolute() else Path(request.config.rootpath) / path)
    settings: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        if marker.args:
            raise pytest.UsageError(f"@pytest.mark.{MARKER} takes settings as keywords, not {marker.args!r}")
        settings.update(marker.kwargs)
    emulator = Emulator(config, **settings)
    with emulator:
        yield emulator
