"""How an emulated operation moves from ``done: false`` to done: the four modes of moto's state transitions.

- ``immediate``: done when created (the first ``Get`` sees the result);
- ``after_polls: N``: done on the N-th ``OperationService.Get`` of it (``N`` ≥ 1);
- ``after: SECONDS``: done once that much time has passed since it was created;
- ``manual``: never on its own; the test completes or fails it (``emu.complete(id)`` / ``emu.fail(id, …)``, or the
  admin API).

Written as a string (``"immediate"``, ``"manual"``, ``"after_polls: 3"``, ``"after: 2.5s"``) or a mapping
(``{"after_polls": 3}``, ``{"after": 2.5}``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

Mode = Literal["immediate", "after_polls", "after", "manual"]
MODES: Final = ("immediate", "after_polls", "after", "manual")

_TEXT: Final = re.compile(r"\s*(after_polls|after)\s*[:=]\s*([0-9]+(?:\.[0-9]+)?)\s*(s|ms)?\s*")


@dataclass(frozen=True, slots=True)
class Progression:
    """One of the four modes, with its count (``after_polls``) or seconds (``after``)."""

    mode: Mode = "immediate"
    polls: int = 0
    seconds: float = 0.0

    @classmethod
    def parse(cls, spec: Any) -> Progression:
        """A progression from its text or mapping form (an existing :class:`Progression` is returned as is).

        Raises:
            ValueError: not one of the four modes, or a count/duration that is not positive.
        """
        if isinstance(spec, Progression):
            return spec
        if isinstance(spec, str):
            text = spec.strip()
            if text in {"immediate", "manual"}:
                return cls(text)  # type: ignore[arg-type]
            m = _TEXT.fullmatch(text)
            if m is None:
                raise ValueError(
                    f"progression {spec!r} is not one of: immediate, manual, 'after_polls: N', 'after: SECONDS'"
                )
            return cls._of(m.group(1), float(m.group(2)) / (1000 if m.group(3) == "ms" else 1))
        if isinstance(spec, Mapping) and len(spec) == 1:
            ((key, value),) = spec.items()
            if key in {"immediate", "manual"} and (value is True or value is None or value == {}):
                return cls(key)
            if key in {"after_polls", "after"} and isinstance(value, (int, float)) and not isinstance(value, bool):
                return cls._of(key, float(value))
            if key == "after" and isinstance(value, str):
                return cls.parse(f"after: {value}")
        raise ValueError(
            f"progression {spec!r} is not one of: 'immediate', 'manual', {{'after_polls': N}}, {{'after': SECONDS}}"
        )

    @classmethod
    def _of(cls, mode: str, value: float) -> Progression:
        if mode == "after_polls":
            if value < 1 or value != int(value):
                raise ValueError(f"after_polls takes a whole number of polls, 1 or more, not {value:g}")
            return cls("after_polls", polls=int(value))
        if not (0 <= value < math.inf):
            raise ValueError(f"after takes a number of seconds, not {value:g}")
        return cls("after", seconds=value)

    def to_json(self) -> str | dict[str, float | int]:
        """The mapping or text form :meth:`parse` reads back."""
        if self.mode == "after_polls":
            return {"after_polls": self.polls}
        if self.mode == "after":
            return {"after": self.seconds}
        return self.mode

    def __str__(self) -> str:
        if self.mode == "after_polls":
            return f"after_polls: {self.polls}"
        if self.mode == "after":
            return f"after: {self.seconds:g}s"
        return self.mode
