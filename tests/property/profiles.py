"""The hypothesis profiles of the property suite (loaded by ``conftest.py``; see its docstring for what each runs)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")

#: examples per message type in the tests that cover every type end to end, and in every other property test
PER_TYPE_EXAMPLES = {"default": 25, "deep": 10_000}
OTHER_EXAMPLES = {"default": 25, "deep": 500}

for _name in PER_TYPE_EXAMPLES:
    settings.register_profile(
        _name, max_examples=OTHER_EXAMPLES[_name], deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )

#: for a test over every message type that counts its examples with the ``examples`` fixture (a counter that
#: lives across examples on purpose, hence the function-scoped-fixture check is off)
per_type = settings(
    max_examples=PER_TYPE_EXAMPLES.get(PROFILE, PER_TYPE_EXAMPLES["default"]),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


class Examples:
    """Counts the examples a test ran to its end (passing examples; not the ones hypothesis rejected)."""

    def __init__(self) -> None:
        self.count = 0

    def ran(self) -> None:
        self.count += 1
