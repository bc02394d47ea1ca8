"""The pytest plugin: a ``yc_emulator`` fixture, registered when yc-contracts is installed (entry point ``pytest11``).

```python
def test_recognition(yc_emulator):
    channel = grpc.insecure_channel(yc_emulator.grpc_target)
    ...
    yc_emulator.assert_called("RecognizeFile", times=1)
```

Settings: ``@pytest.mark.yc_emulator(progression="after_polls: 2", seed=7)`` on a test (or a class, a module's
``pytestmark``: the closest marker wins, setting by setting), on top of the ini option ``yc_emulator_config``: a
TOML or JSON settings file (relative to the ini file's folder) for every test. Each test gets a fresh emulator on
ephemeral loopback ports, stopped when the test ends. A marker given positional arguments or a setting the emulator
does not know, and a settings file that does not load, fail the test at setup with one line that says why.

Importing this module imports neither grpc nor uvicorn, and starts nothing: they load when the fixture is first
used.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from yc_contracts.emulator.config import EmulatorConfig
    from yc_contracts.emulator.core import Emulator

MARKER = "yc_emulator"
INI_CONFIG = "yc_emulator_config"

_CONFIG_KEY = pytest.StashKey[tuple[str, Any]]()
"""The settings file's config (or the error it raised), loaded once per session."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        INI_CONFIG, "settings file (TOML or JSON) of every yc_emulator fixture, relative to the ini file", default=""
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**settings): settings of this test's yc_emulator fixture, e.g. progression='manual' "
        "(docs/emulator.md)",
    )


@pytest.fixture
def yc_emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """A started emulator of the four services (gRPC at ``.grpc_target``, REST and the admin API at
    ``.http_url``), fresh for each test and stopped when it ends."""
    import importlib.util

    missing = [name for name in ("grpc", "uvicorn") if importlib.util.find_spec(name) is None]
    if missing:
        pytest.fail(
            f"the {MARKER} fixture needs {' and '.join(missing)}: pip install 'yc-contracts[emulator]'", pytrace=False
        )
    from yc_contracts.emulator.config import EmulatorConfig
    from yc_contracts.emulator.core import Emulator

    base = _file_config(request.config)
    settings = _marker_settings(request.node)
    try:
        config = EmulatorConfig.from_mapping(settings, base)
    except (ValueError, TypeError) as e:
        pytest.fail(f"@pytest.mark.{MARKER}: {e}", pytrace=False)
    try:
        emulator = Emulator(config)
    except ValueError as e:  # a fixtures folder that does not load
        pytest.fail(f"{MARKER}: {e}", pytrace=False)
    with emulator:
        yield emulator


def _marker_settings(node: pytest.Item) -> dict[str, Any]:
    """The settings of every ``yc_emulator`` marker on the test, the closest one last (so it wins)."""
    settings: dict[str, Any] = {}
    for marker in reversed(list(node.iter_markers(MARKER))):
        if marker.args:
            pytest.fail(
                f"@pytest.mark.{MARKER} takes settings as keywords (progression='manual', seed=7), "
                f"not positional arguments: {marker.args!r}",
                pytrace=False,
            )
        settings.update(marker.kwargs)
    return settings


def _file_config(config: pytest.Config) -> EmulatorConfig:
    """The config of the ``yc_emulator_config`` file (the defaults without one); a bad file fails the test."""
    from yc_contracts.emulator.config import EmulatorConfig

    if _CONFIG_KEY not in config.stash:
        value = str(config.getini(INI_CONFIG) or "").strip()
        if not value:
            config.stash[_CONFIG_KEY] = ("ok", EmulatorConfig())
        else:
            path = Path(value)
            if not path.is_absolute():
                path = (config.inipath.parent if config.inipath is not None else config.rootpath) / path
            try:
                config.stash[_CONFIG_KEY] = ("ok", EmulatorConfig.load(path))
            except ValueError as e:
                config.stash[_CONFIG_KEY] = ("error", f"{INI_CONFIG}: {e}")
    state, loaded = config.stash[_CONFIG_KEY]
    if state == "error":
        pytest.fail(str(loaded), pytrace=False)
    result: EmulatorConfig = loaded
    return result
