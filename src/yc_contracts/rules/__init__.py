"""Service rules as data (TOML); read by yc_contracts.rules.ruleset."""
