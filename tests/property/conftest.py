"""Hypothesis profiles for the property tests: ``HYPOTHESIS_PROFILE=deep`` for a long run, "default" otherwise.

- "default" (``make test``): a few dozen examples per test, so that the whole of ``tests/property`` runs in
  a few minutes per protobuf runtime on a two-core machine.
- "deep" (``make test-deep``): 10,000 examples per message type for the two tests that cover every type end to
  end (``test_every_type.py``: ``payloads`` and ``invalid_payloads``, both drawn through ``messages``, so each of
  the three strategies runs 10,000 times per type), and 500 for every other property test. A test whose
  strategy has fewer distinct examples than that stops when hypothesis has tried them all ("nothing left to do").

Both leave out the ``too_slow`` health check, and only it: it compares the wall-clock time of the first draws
with a fixed budget, so on a busy machine (both runtimes' suites, or other jobs, at once) it fails for large
message types whose generation is slow by nature (nested messages, media files for content, Any payloads),
not because a strategy filters or retries. The checks that do point at a strategy's defects (filtering too
much, examples too large) stay on, and their result does not depend on timing. No deadline either, for the
same reason.

Tests that use the ``examples`` fixture report how many examples they ran; the summary at the end of the run
gives the count per message type (the number the deep profile promises), also under ``pytest -n`` (xdist).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pytest
from hypothesis import settings
from profiles import PER_TYPE_EXAMPLES, PROFILE, Examples

settings.load_profile(PROFILE)

_KEY = "hypothesis_examples"
_counts: dict[str, dict[str, int]] = defaultdict(dict)


@pytest.fixture
def examples(request: pytest.FixtureRequest) -> Iterator[Examples]:
    counter = Examples()
    yield counter
    request.node.user_properties.append((_KEY, counter.count))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "teardown":
        return
    for key, value in report.user_properties:
        if key == _KEY and "[" in report.nodeid:
            test, _, param = report.nodeid.partition("[")
            _counts[param.rstrip("]")][test.rpartition("::")[2]] = value


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _counts:
        return
    tests = sorted({test for per_test in _counts.values() for test in per_test})
    write = terminalreporter.write_line
    terminalreporter.section(f"examples per message type (profile {PROFILE!r})")
    for test in tests:
        ran = {param: per_test[test] for param, per_test in _counts.items() if test in per_test}
        fewest = min(ran, key=lambda param: ran[param])
        write(
            f"{test}: {len(ran)} types, {sum(ran.values()):,} examples; "
            f"fewest {ran[fewest]:,} ({fewest}), most {max(ran.values()):,}"
        )
        below = sorted(param for param, count in ran.items() if count < PER_TYPE_EXAMPLES.get(PROFILE, 0))
        if below:
            limit = PER_TYPE_EXAMPLES[PROFILE]
            write(f"  stopped below {limit:,} (--hypothesis-show-statistics says why): {', '.join(below)}")
