"""HTTP to gRPC and back along google.api.http rules: templates, routes, binding, marshalling, statuses."""
