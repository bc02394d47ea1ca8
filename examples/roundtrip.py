"""Round-trip example messages through the protobuf binary encoding, with nothing but the public API.

Each ``.txtpb`` file names its type in a ``# proto-message:`` header (the protobuf text-format convention).
The message is parsed from text format into our class, serialized to binary, parsed back, and compared; where
the official SDK (``yandexcloud``) is installed, its class of the same full name parses the same bytes too,
which shows the two encodings agree on the wire.

Usage: python examples/roundtrip.py FILE.txtpb...
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from google.protobuf import text_format

import yc_contracts

HEADER = "# proto-message:"


def sdk_class(full_name: str, proto_file: str) -> type | None:
    """The official SDK's class for ``full_name``, if the SDK is installed (its modules mirror .proto paths)."""
    module_name = proto_file.removesuffix(".proto").replace("/", ".") + "_pb2"
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    obj: object = module
    for part in full_name.removeprefix(module.DESCRIPTOR.package + ".").split("."):
        obj = getattr(obj, part)
    return obj if isinstance(obj, type) else None


def roundtrip(path: Path) -> bool:
    text = path.read_text(encoding="utf-8")
    name = next((line[len(HEADER) :].strip() for line in text.splitlines() if line.startswith(HEADER)), None)
    if name is None:
        print(f"{path}: no '{HEADER}' header", file=sys.stderr)
        return False
    reg = yc_contracts.registry
    cls = reg.message_class(name)
    msg = text_format.Parse(text, cls(), descriptor_pool=reg.descriptor_pool)
    wire = msg.SerializeToString(deterministic=True)
    back = cls.FromString(wire)
    ok = back == msg
    print(f"{path.name}: {name}")
    verdict = "equal" if ok else "DIFFERENT"
    print(f"  text {len(text.encode())} bytes -> binary {len(wire)} bytes -> parsed back: {verdict}")
    sdk = sdk_class(name, msg.DESCRIPTOR.file.name)
    if sdk is not None:
        theirs = sdk.FromString(wire)
        same = theirs.SerializeToString(deterministic=True) == wire
        how = "identically" if same else "DIFFERENTLY"
        print(f"  official SDK {sdk.__module__}.{sdk.__qualname__}: parses it, re-encodes {how}")
        print(
            f"  registry maps the SDK class to {reg.full_name(sdk)!r}; coerce() gives our class back: "
            f"{type(reg.coerce(theirs)) is cls}"
        )
        ok = ok and same
    if msg.DESCRIPTOR.full_name == "yandex.cloud.operation.Operation" and msg.HasField("response"):
        payload = reg.resolve_type_url(msg.response.type_url)()
        msg.response.Unpack(payload)
        print(
            f"  Operation.response is a {payload.DESCRIPTOR.full_name} with {len(payload.chunks)} chunk(s): "
            f"{payload.chunks[0].alternatives[0].text!r}"
        )
    return ok


def main(argv: list[str]) -> int:
    results = [roundtrip(Path(arg)) for arg in argv]
    print(f"{sum(results)} of {len(results)} examples round-tripped")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
