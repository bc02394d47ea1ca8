"""REST JSON (ProtoJSON) to protobuf and back, well-known types, and server streams."""
