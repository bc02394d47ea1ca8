"""Hypothesis profiles for the property tests: ``HYPOTHESIS_PROFILE=deep`` for a long run, "default" otherwise.

- "default" (``make test``): a few dozen examples per test, so that the whole of ``tests/property`` runs in
  about a minute and a half per protobuf runtime on a two-core machine.
- "deep" (``make test-deep``): 10,000 examples per test, so at least 10,000 per message type for the tests
  parametrized by type (``test_every_type.py``, ``test_messages_schema.py``).

Both leave out the ``too_slow`` health check, and only it: it compares the wall-clock time of the first draws
with a fixed budget, so on a busy machine (both runtimes' suites, or other jobs, at once) it fails for large
message types whose generation is slow by nature (nested messages, media files for content, Any payloads),
not because a strategy filters or retries. The checks that do point at a strategy's defects (filtering too
much, examples too large) stay on, and their result does not depend on timing. No deadline either, for the
same reason.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
