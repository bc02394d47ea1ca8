"""The contract itself: the registry over the private descriptor pool, descriptor accessors, the yandex.cloud
option grammar, the well-known-type table, runtime compatibility, breaking-change comparison and the errors."""
