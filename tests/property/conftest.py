"""Hypothesis profiles for the property tests: ``HYPOTHESIS_PROFILE=deep`` for a long run, "default" otherwise."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("default", max_examples=25, deadline=None)
settings.register_profile("deep", max_examples=10_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
