"""JSON Schema and OpenAPI from descriptors, options and rules: the generator, the published-schema store,
self-contained bundles and OpenAPI."""
