"""The emulator's settings: one dataclass, read from keywords, a mapping, or a TOML/JSON file (``--config``).

```toml
seed = 7
progression = "after_polls: 2"          # every operation, unless a method or request says otherwise
retention = 259200                      # seconds results are kept once done (3 days)
result_size = 5242880                   # bytes of result text: above gRPC's 4 MiB receive limit
api_keys = ["test-key"]                 # accepted `authorization: Api-Key …`; none configured: any
iam_tokens = ["t1.test"]                # accepted `authorization: Bearer …`
validate = true                         # check every request against the contract
fixtures = "tests/fixtures/recognition" # scripted results (docs/emulator.md)

[progressions]                          # per method: short or full names
RecognizeFile = "immediate"
LongRunningRecognize = { after = 2.5 }
```
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from yc_contracts.emulator.operations import DEFAULT_RETENTION_SECONDS
from yc_contracts.emulator.progression import Progression

DEFAULT_MAX_RECEIVE_MESSAGE_SIZE: Final = 64 * 1024 * 1024
"""What the emulator's gRPC server accepts in one request: room for a 20 MiB OCR file and more."""

PROGRESSION_METADATA: Final = "x-emulator-progression"
"""The request metadata that sets one operation's progression (REST: ``Grpc-Metadata-X-Emulator-Progression``)."""


@dataclass
class EmulatorConfig:
    """Every setting of an emulator; see the module's description for the file form."""

    seed: int = 0
    progression: Progression = field(default_factory=Progression)
    progressions: dict[str, Progression] = field(default_factory=dict)
    retention: float = DEFAULT_RETENTION_SECONDS
    result_size: int | None = None
    api_keys: frozenset[str] = frozenset()
    iam_tokens: frozenset[str] = frozenset()
    validate: bool = True
    fixtures: Path | None = None
    created_by: str = "ajeemulatorserviceacc"
    max_receive_message_size: int = DEFAULT_MAX_RECEIVE_MESSAGE_SIZE

    def __repr__(self) -> str:  # credentials never in a repr
        shown = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        shown["api_keys"] = f"<{len(self.api_keys)} keys>"
        shown["iam_tokens"] = f"<{len(self.iam_tokens)} tokens>"
        return "EmulatorConfig(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], base: EmulatorConfig | None = None) -> EmulatorConfig:
        """A config from JSON/TOML values (keys as in the file), on top of ``base`` (the defaults).

        Raises:
            ValueError: an unknown key, or a value of the wrong kind.
        """
        config = dataclasses.replace(base) if base is not None else cls()
        names = {f.name for f in dataclasses.fields(cls)}
        for key, value in data.items():
            name = key.replace("-", "_")
            if name not in names:
                raise ValueError(f"unknown emulator setting {key!r} (known: {', '.join(sorted(names))})")
            setattr(config, name, _coerce(name, value))
        return config

    @classmethod
    def load(cls, path: str | Path) -> EmulatorConfig:
        """A config from a ``.toml`` or ``.json`` file (relative ``fixtures`` paths are relative to the file).

        Raises:
            ValueError: the file cannot be read or parsed, or holds an invalid setting.
        """
        source = Path(path)
        try:
            text = source.read_text(encoding="utf-8")
            data = json.loads(text) if source.suffix == ".json" else tomllib.loads(text)
        except (OSError, UnicodeDecodeError, ValueError) as e:
            raise ValueError(f"{source}: {e}") from None
        if not isinstance(data, dict):
            raise ValueError(f"{source}: the settings are a JSON object or a TOML table")
        try:
            config = cls.from_mapping(data)
        except ValueError as e:
            raise ValueError(f"{source}: {e}") from None
        if config.fixtures is not None and not config.fixtures.is_absolute():
            config.fixtures = source.parent / config.fixtures
        return config

    def progression_for(self, method: str) -> Progression:
        """The progression of a new operation of ``method`` (a full name), before per-request metadata."""
        short = method.rsplit(".", 1)[-1]
        service_method = ".".join(method.rsplit(".", 2)[-2:])
        for key in (method, service_method, short):
            if key in self.progressions:
                return self.progressions[key]
        return self.progression

    def to_json(self) -> dict[str, Any]:
        """The settings as JSON values, credentials left out (what ``GET /_emulator/config`` shows)."""
        return {
            "seed": self.seed,
            "progression": self.progression.to_json(),
            "progressions": {k: v.to_json() for k, v in self.progressions.items()},
            "retention": self.retention,
            "result_size": self.result_size,
            "api_keys": len(self.api_keys),
            "iam_tokens": len(self.iam_tokens),
            "validate": self.validate,
            "fixtures": str(self.fixtures) if self.fixtures is not None else None,
            "created_by": self.created_by,
            "max_receive_message_size": self.max_receive_message_size,
        }


def _coerce(name: str, value: Any) -> Any:
    if name == "progression":
        return Progression.parse(value)
    if name == "progressions":
        if not isinstance(value, Mapping):
            raise ValueError("progressions maps method names to progressions")
        return {str(k): Progression.parse(v) for k, v in value.items()}
    if name in {"api_keys", "iam_tokens"}:
        if isinstance(value, str) or not all(isinstance(v, str) and v for v in value):
            raise ValueError(f"{name} is a list of non-empty strings")
        return frozenset(value)
    if name == "fixtures":
        return None if value is None else Path(value)
    if name in {"seed", "max_receive_message_size"}:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{name} is a whole number")
        return value
    if name == "result_size":
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise ValueError("result_size is a number of bytes (or null)")
        return value
    if name == "retention":
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise ValueError("retention is a number of seconds above 0")
        return float(value)
    if name == "validate":
        if not isinstance(value, bool):
            raise ValueError("validate is true or false")
        return value
    if name == "created_by":
        if not isinstance(value, str):
            raise ValueError("created_by is a string")
        return value
    return value
