"""The package version: the single place it is written (pyproject.toml reads it from here)."""

__version__ = "0.1.0"
