"""The validators: payload loading, the schema layer, the rule layer, content inspection, and violations."""
