"""Service rules as data (TOML); read by yc_contracts._rules."""
