"""The official SDK's proto tree at test time: its registry, random messages of its classes, an HTTP request per
route, and the converters as they can be reached today.

Shared by tests/anyapi and bench/anyapi.py. Nothing of the SDK is committed: everything is read from the
installed ``yandexcloud`` (protobuf 6 environments only; :data:`HAVE_SDK` says whether it is there).

- :func:`sdk_registry`: ``Registry.from_modules(["yandex.cloud"])``, built once per process.
- :func:`message_types`: every message type of the indexed files, map entries included (the issue's count).
- :class:`InstanceMaker`: seeded random instances of the SDK's own classes: scalars at their limits, every
  enum value, nested messages, repeated fields, maps, oneofs and every well-known type (``Any`` packing other
  types of the tree), bounded in depth and size.
- :class:`RouteRequest` / :func:`route_request`: an HTTP request built from a route's template (path variables
  filled in, a body as the rule says, a few query parameters), with the request message it should become.
- :class:`Converters`: ``to_proto``/``to_rest`` over a given registry, by the public functions when they take
  ``registry=``, otherwise through the converter internals (what exists today).
"""

from __future__ import annotations

import collections
import functools
import importlib.util
import math
import os
import random
import re
import string
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from google.protobuf import descriptor, descriptor_pb2, descriptor_pool, json_format, message, message_factory

from yc_contracts import Registry
from yc_contracts.contract.descriptors import INT_RANGES, is_map
from yc_contracts.transcoding.templates import parse_template

HAVE_SDK: Final = importlib.util.find_spec("yandexcloud") is not None and importlib.util.find_spec("yandex") is not None
"""Whether the official SDK is installed (the protobuf 6 test environment has it; protobuf 7 cannot)."""
SDK_PACKAGES: Final = ("yandex.cloud",)
FULL_SWEEP_VARIABLE: Final = "YC_CONTRACTS_FULL_SWEEP"
"""Set to ``1`` (``make test-deep``) to run the tests of tests/anyapi over every type and route, not a sample."""

_FD = descriptor.FieldDescriptor
FLOAT32_MAX: Final = 3.4028234663852886e38
FLOAT32_TINY: Final = 1.401298464324817e-45
DURATION_MAX: Final = 315_576_000_000
TIMESTAMP_RANGE: Final = (-62_135_596_800, 253_402_300_799)


def full_sweep() -> bool:
    """Whether the full sweep was asked for (:data:`FULL_SWEEP_VARIABLE`)."""
    return os.environ.get(FULL_SWEEP_VARIABLE, "") not in ("", "0")


@functools.cache
def sdk_registry() -> Registry:
    """The registry of every ``*_pb2`` module the SDK ships (built once per process)."""
    return build_sdk_registry()


def build_sdk_registry() -> Registry:
    """A new registry of every ``*_pb2`` module the SDK ships.

    Where ``Registry.from_modules`` does not exist yet (measuring an older yc-contracts), the descriptor set is
    gathered here and given to ``Registry.from_file_descriptor_set``.
    """
    if hasattr(Registry, "from_modules"):
        return Registry.from_modules(list(SDK_PACKAGES))
    return Registry.from_file_descriptor_set(_sdk_descriptor_set())


def _sdk_descriptor_set() -> descriptor_pb2.FileDescriptorSet:
    import importlib
    import pkgutil

    files: dict[str, descriptor.FileDescriptor] = {}

    def visit(file: descriptor.FileDescriptor) -> None:
        if file.name not in files:
            for dependency in file.dependencies:
                visit(dependency)
            files[file.name] = file

    for package in SDK_PACKAGES:
        top = importlib.import_module(package)
        for info in pkgutil.walk_packages(top.__path__, package + "."):
            if info.name.endswith("_pb2"):
                visit(importlib.import_module(info.name).DESCRIPTOR)
    fds = descriptor_pb2.FileDescriptorSet()
    for file in files.values():
        fds.file.add().ParseFromString(file.serialized_pb)
    return fds


def elements(registry: Registry) -> Iterator[Any]:
    """Every element of the registry's own files that can carry options: files, services, methods, message types
    (map entries included), fields, oneofs, enums and enum values."""
    pool = registry.descriptor_pool
    for name in registry.files:
        file = pool.FindFileByName(name)
        yield file
        for service in file.services_by_name.values():
            yield service
            yield from service.methods
    for name in message_types(registry):
        desc = pool.FindMessageTypeByName(name)
        yield desc
        yield from desc.fields
        yield from desc.oneofs
    for name in registry.enums():
        enum = pool.FindEnumTypeByName(name)
        yield enum
        yield from enum.values


def reaching_any(registry: Registry) -> set[str]:
    """The message types whose JSON may hold a ``google.protobuf.Any`` (at any depth)."""
    users: dict[str, set[str]] = collections.defaultdict(set)
    pending = [registry.message_descriptor(name) for name in message_types(registry)]
    seen = {desc.full_name for desc in pending}
    while pending:  # the tree's types and every type they use (google.rpc.Status, say)
        desc = pending.pop()
        for f in desc.fields:
            if f.message_type is not None:
                users[f.message_type.full_name].add(desc.full_name)
                if f.message_type.full_name not in seen:
                    seen.add(f.message_type.full_name)
                    pending.append(f.message_type)
    found: set[str] = set()
    names = ["google.protobuf.Any"]
    while names:
        for user in users.get(names.pop(), ()):
            if user not in found:
                found.add(user)
                names.append(user)
    return found


def message_types(registry: Registry, *, map_entries: bool = True) -> list[str]:
    """Full names of every message type the registry's files define (nested ones, and map entries unless told
    otherwise), in file order."""
    found: list[str] = []

    def walk(descs: Iterator[descriptor.Descriptor] | list[descriptor.Descriptor]) -> None:
        for desc in descs:
            if map_entries or not desc.GetOptions().map_entry:
                found.append(desc.full_name)
            walk(list(desc.nested_types))

    for name in registry.files:
        walk(list(registry.descriptor_pool.FindFileByName(name).message_types_by_name.values()))
    return found


def sample(items: list[Any], size: int | None, seed: int) -> list[Any]:
    """``size`` items drawn without replacement (all of them, in order, for ``None`` or a size too large)."""
    if size is None or size >= len(items):
        return list(items)
    return random.Random(seed).sample(items, size)


@functools.cache
def sdk_class(full_name: str) -> type[message.Message]:
    """The SDK's own class of a type (the one its ``*_pb2`` modules registered in protobuf's default pool)."""
    return message_factory.GetMessageClass(descriptor_pool.Default().FindMessageTypeByName(full_name))


def same_json(a: Any, b: Any) -> bool:
    """Whether two JSON values are equal, NaN equal to NaN and ``-0.0`` apart from ``0.0`` (as their text)."""
    return _canonical(a) == _canonical(b)


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, float):
        return ("float", repr(value))
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return ("float", repr(float(value))) if abs(value) < 2**53 else value
    return value


def same_message(built: message.Message, expected: message.Message) -> bool:
    """Whether ``built`` is ``expected``, byte for byte (messages packed in an ``Any`` included: ``to_proto`` packs
    them as ``ParseDict`` does, map entries in the map's own order)."""
    return bool(built.SerializeToString(deterministic=True) == expected.SerializeToString(deterministic=True))


# ----------------------------------------------------------------------------------------------- instances

_STRINGS: Final = (
    "",
    "a",
    "ünïcödé текст",
    "😀 astral",
    'quote " and backslash \\',
    "line\nbreak\tand\u2028separator",
    "x" * 70,
)
_DOUBLES: Final = (0.0, -0.0, 1.5, -2.25, 1.7976931348623157e308, -1.7976931348623157e308, 5e-324, 1e-7, 123456789.0)
_DOUBLES_SPECIAL: Final = (math.nan, math.inf, -math.inf)
_FLOATS: Final = (0.0, -0.0, 1.5, -0.1, FLOAT32_MAX, -FLOAT32_MAX, FLOAT32_TINY, 16777217.0)
_SIMPLE_WKT_IN_ANY: Final = (
    "google.protobuf.Timestamp",
    "google.protobuf.Duration",
    "google.protobuf.FieldMask",
    "google.protobuf.Struct",
    "google.protobuf.Value",
    "google.protobuf.ListValue",
    "google.protobuf.Empty",
    "google.protobuf.Int64Value",
    "google.protobuf.StringValue",
    "google.protobuf.BytesValue",
    "google.protobuf.DoubleValue",
)


def _float32(value: float) -> float:
    result: float = struct.unpack("<f", struct.pack("<f", value))[0]
    return result


class InstanceMaker:
    """Random, seeded instances of the SDK's classes: every field kind set somewhere, bounded in size.

    ``max_depth`` bounds message nesting; ``budget`` the number of fields set in one instance (fields past it are
    left unset), so types with hundreds of fields and deep trees stay a few kilobytes. ``any_types`` are the
    types an ``Any`` may pack (besides the well-known ones).
    """

    def __init__(
        self, rng: random.Random, any_types: list[str], *, max_depth: int = 3, budget: int = 120, special: bool = True
    ) -> None:
        self.rng = rng
        self.any_types = any_types
        self.max_depth = max_depth
        self.budget = budget
        self.special = special
        self._left = budget

    def make(self, full_name: str) -> message.Message:
        """A new random instance of the SDK's class for ``full_name``."""
        self._left = self.budget
        msg = sdk_class(full_name)()
        self._fill(msg, 0)
        return msg

    # --------------------------------------------------------------------------------------------- messages

    def _fill(self, msg: message.Message, depth: int) -> None:
        desc = msg.DESCRIPTOR
        if desc.full_name.startswith("google.protobuf."):
            self._well_known(msg, depth)
            return
        chosen: set[str] = set()
        for oneof in desc.oneofs:
            members = list(oneof.fields)
            if self.rng.random() < 0.75:
                chosen.add(self.rng.choice(members).name)
        oneof_members = {f.name for o in desc.oneofs for f in o.fields}
        for f in desc.fields:
            if self._left <= 0:
                return
            if f.name in oneof_members:
                if f.name not in chosen:
                    continue
            elif self.rng.random() < 0.3:
                continue
            if f.message_type is not None and depth >= self.max_depth and not _is_leafy(f):
                continue
            self._left -= 1
            self.set_field(msg, f, depth)

    def set_field(self, msg: message.Message, f: descriptor.FieldDescriptor, depth: int) -> None:
        """Give one field of ``msg`` a random value (items, entries), as if met at ``depth``."""
        if is_map(f):
            entry = f.message_type
            key_field, value_field = entry.fields_by_name["key"], entry.fields_by_name["value"]
            container = getattr(msg, f.name)
            for _ in range(self.rng.randint(1, 3)):
                key = self._scalar(key_field)
                if value_field.message_type is not None:
                    self._fill(container[key], depth + 1)
                else:
                    container[key] = self._scalar(value_field)
            return
        if f.is_repeated:
            container = getattr(msg, f.name)
            for _ in range(self.rng.randint(1, 3)):
                if f.message_type is not None:
                    self._fill(container.add(), depth + 1)
                else:
                    container.append(self._scalar(f))
            return
        if f.message_type is not None:
            sub = getattr(msg, f.name)
            sub.SetInParent()
            self._fill(sub, depth + 1)
            return
        setattr(msg, f.name, self._scalar(f))

    # --------------------------------------------------------------------------------------------- scalars

    def _scalar(self, f: descriptor.FieldDescriptor) -> Any:
        rng = self.rng
        kind = f.type
        if kind in INT_RANGES:
            lo, hi = INT_RANGES[kind]
            return rng.choice((lo, hi, 0, 1, rng.randint(lo, hi), rng.randint(max(lo, -1000), min(hi, 1000))))
        if kind == _FD.TYPE_DOUBLE:
            pool = _DOUBLES + (_DOUBLES_SPECIAL if self.special else ())
            return rng.choice((*pool, rng.uniform(-1e6, 1e6)))
        if kind == _FD.TYPE_FLOAT:
            pool = _FLOATS + (_DOUBLES_SPECIAL if self.special else ())
            return rng.choice((*pool, _float32(rng.uniform(-1e6, 1e6))))
        if kind == _FD.TYPE_BOOL:
            return rng.random() < 0.5
        if kind == _FD.TYPE_STRING:
            return rng.choice((*_STRINGS, self.word()))
        if kind == _FD.TYPE_BYTES:
            return bytes(rng.randrange(256) for _ in range(rng.randint(0, 12)))
        if kind == _FD.TYPE_ENUM:
            return rng.choice(f.enum_type.values).number
        raise AssertionError(f"no scalar for {f.full_name}")

    def word(self, size: int = 8) -> str:
        """A random lower-case word."""
        return "".join(self.rng.choice(string.ascii_lowercase) for _ in range(self.rng.randint(1, size)))

    # --------------------------------------------------------------------------------------- well-known types

    def _well_known(self, msg: Any, depth: int) -> None:
        name = msg.DESCRIPTOR.full_name
        rng = self.rng
        if name == "google.protobuf.Timestamp":
            msg.seconds = rng.choice((*TIMESTAMP_RANGE, 0, rng.randint(*TIMESTAMP_RANGE)))
            msg.nanos = rng.choice((0, 999_999_999, 1_000, 500_000_000, rng.randrange(10**9)))
        elif name == "google.protobuf.Duration":
            seconds = rng.choice((DURATION_MAX, 0, 1, rng.randint(0, DURATION_MAX)))
            nanos = rng.choice((0, 999_999_999, 1_000_000, rng.randrange(10**9)))
            sign = rng.choice((1, -1))
            msg.seconds, msg.nanos = sign * seconds, sign * nanos
        elif name == "google.protobuf.FieldMask":
            msg.paths.extend(
                ".".join("_".join(self.word(5) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(1, 2)))
                for _ in range(rng.randint(1, 3))
            )
        elif name == "google.protobuf.Struct":
            msg.update({self.rng.choice((*_STRINGS[:4], self.word())): self._json(depth) for _ in range(2)})
        elif name == "google.protobuf.ListValue":
            msg.extend([self._json(depth) for _ in range(rng.randint(0, 3))])
        elif name == "google.protobuf.Value":
            _set_value(msg, self._json(depth))
        elif name == "google.protobuf.Any":
            if depth >= self.max_depth or rng.random() < 0.4 or not self.any_types:
                inner_name = rng.choice(_SIMPLE_WKT_IN_ANY)
            else:
                inner_name = rng.choice(self.any_types)
            inner = sdk_class(inner_name)()
            self._fill(inner, depth + 1)
            msg.Pack(inner)
        elif name == "google.protobuf.Empty":
            pass
        elif name.endswith("Value") and "value" in msg.DESCRIPTOR.fields_by_name:  # the wrappers
            msg.value = self._scalar(msg.DESCRIPTOR.fields_by_name["value"])
        else:
            for f in msg.DESCRIPTOR.fields:  # another google.protobuf message: a plain one
                if self._left > 0 and rng.random() < 0.5 and (f.message_type is None or depth < self.max_depth):
                    self._left -= 1
                    self.set_field(msg, f, depth)

    def _json(self, depth: int) -> Any:
        rng = self.rng
        choice = rng.randrange(7 if depth < self.max_depth else 5)
        if choice == 0:
            return None
        if choice == 1:
            return rng.random() < 0.5
        if choice == 2:
            return rng.choice((0.0, -1.5, 1e300, 2.0**53, float(rng.randint(-1000, 1000))))
        if choice in (3, 4):
            return rng.choice((*_STRINGS, self.word()))
        if choice == 5:
            return {self.word(): self._json(depth + 1) for _ in range(rng.randint(0, 2))}
        return [self._json(depth + 1) for _ in range(rng.randint(0, 2))]


def _is_leafy(f: descriptor.FieldDescriptor) -> bool:
    """Whether a message field's type is a well-known type that nests nothing of the tree (cheap to set)."""
    name = f.message_type.full_name
    return name.startswith("google.protobuf.") and name not in (
        "google.protobuf.Any",
        "google.protobuf.Struct",
        "google.protobuf.ListValue",
        "google.protobuf.Value",
    )


def _set_value(msg: Any, value: Any) -> None:
    if value is None:
        msg.null_value = 0
    elif isinstance(value, bool):
        msg.bool_value = value
    elif isinstance(value, float):
        msg.number_value = value
    elif isinstance(value, str):
        msg.string_value = value
    elif isinstance(value, dict):
        msg.struct_value.update(value)
    else:
        msg.list_value.extend(value)


# -------------------------------------------------------------------------------------------------- routes

_VARIABLE: Final = re.compile(r"\{([\w.]+)(?:=([^}]*))?\}")


@dataclass
class RouteRequest:
    """An HTTP request for one route, and the request message it should become (the SDK's class)."""

    verb: str
    path: str
    query: dict[str, str]
    body: Any
    expected: message.Message
    bound: dict[str, str] = field(default_factory=dict)
    """Path variables by field path, as their fields should read."""


def _token(rng: random.Random) -> str:
    return "v" + "".join(rng.choice(string.ascii_lowercase + string.digits + "-_.~") for _ in range(rng.randint(3, 8)))


def _field_at(desc: descriptor.Descriptor, path: str) -> descriptor.FieldDescriptor:
    f = None
    for part in path.split("."):
        f = desc.fields_by_name[part]
        if f.message_type is not None:
            desc = f.message_type
    assert f is not None
    return f


def _path_value(f: descriptor.FieldDescriptor, rng: random.Random) -> tuple[str, Any]:
    """The text a path variable carries for ``f`` (a one-segment variable), and the JSON value it becomes."""
    if f.type in INT_RANGES:
        number = rng.randint(1, 99999)
        return str(number), str(number) if f.type in (_FD.TYPE_INT64, _FD.TYPE_UINT64) else number
    if f.type == _FD.TYPE_BOOL:
        return "true", True
    if f.type == _FD.TYPE_ENUM:
        name = rng.choice(f.enum_type.values).name
        return name, name
    token = _token(rng)
    return token, token


def route_request(route: Any, maker: InstanceMaker, rng: random.Random) -> RouteRequest:
    """An HTTP request for ``route`` (a :class:`yc_contracts.Route`) built from its template.

    Path variables get fresh values (numbers for integer fields); a ``*`` body is the JSON of a random request
    (without the fields the path binds), a field body the JSON of a random value of that field; a route without
    a body gets up to two query parameters for singular scalar fields of the request that nothing else binds.
    """
    method = route.method
    request_desc = method.descriptor.input_type
    bound: dict[str, Any] = {}
    texts: dict[str, str] = {}

    def fill(match: re.Match[str]) -> str:
        field_path, pattern = match.group(1), match.group(2)
        f = _field_at(request_desc, field_path)
        if pattern is None or pattern == "*":
            text, value = _path_value(f, rng)
        else:
            parts = []
            for segment in pattern.split("/"):
                if segment == "*":
                    parts.append(_token(rng))
                elif segment == "**":
                    parts.extend(_token(rng) for _ in range(rng.randint(1, 2)))
                else:
                    parts.append(segment)
            text = value = "/".join(parts)
        bound[field_path] = value
        texts[field_path] = text
        return text

    verb_suffix = parse_template(route.path).verb
    template = route.path.removesuffix(f":{verb_suffix}") if verb_suffix else route.path
    path = _VARIABLE.sub(fill, template)
    path = "/".join(_token(rng) if part in ("*", "**") else part for part in path.split("/"))
    if verb_suffix:
        path += ":" + verb_suffix

    payload: dict[str, Any] = {}
    body: Any = None
    query: dict[str, str] = {}
    if route.body == "*":
        payload = _without(json_format.MessageToDict(maker.make(request_desc.full_name)), request_desc, bound)
        body = payload
    elif route.body:
        body = _body_value(route.body, request_desc, maker)
        if body is not None:
            _put(payload, request_desc, route.body, body)
    else:
        query = _query(request_desc, bound, rng, maker)
        payload.update({_json_key(request_desc, k): v for k, v in _query_values(request_desc, query).items()})
    for field_path, value in bound.items():
        _put(payload, request_desc, field_path, value)
    expected = json_format.ParseDict(payload, sdk_class(request_desc.full_name)())
    return RouteRequest(route.verb, path, query, body, expected, texts)


def _body_value(body_path: str, desc: descriptor.Descriptor, maker: InstanceMaker) -> Any:
    """The JSON of a random value of the body field (a field path, ``"a.b"``, as the transcoder allows)."""
    holder = maker.make(desc.full_name)
    node: Any = holder
    parts = body_path.split(".")
    for part in parts[:-1]:
        node = getattr(node, part)
    leaf = node.DESCRIPTOR.fields_by_name[parts[-1]]
    if not _is_set(node, leaf):
        maker.set_field(node, leaf, 1)
    printed: Any = json_format.MessageToDict(holder)
    current = desc
    for part in parts:
        f = current.fields_by_name[part]
        printed = printed.get(f.json_name) if isinstance(printed, dict) else None
        current = f.message_type
    if printed is None and leaf.message_type is not None and not leaf.is_repeated:
        return {}  # a message left empty prints as nothing: its JSON is {}
    return printed


def _is_set(msg: message.Message, f: descriptor.FieldDescriptor) -> bool:
    if f.is_repeated:
        return len(getattr(msg, f.name)) > 0
    if f.has_presence:
        return msg.HasField(f.name)
    return bool(getattr(msg, f.name))


def _without(printed: dict[str, Any], desc: descriptor.Descriptor, bound: dict[str, Any]) -> dict[str, Any]:
    """``printed`` (a message's JSON) without the fields the path binds, and without the oneof siblings of every
    field on the way to them (the path sets those fields)."""
    for field_path in bound:
        node: Any = printed
        current = desc
        parts = field_path.split(".")
        for i, part in enumerate(parts):
            if not isinstance(node, dict):
                break
            f = current.fields_by_name[part]
            if f.containing_oneof is not None:
                for sibling in f.containing_oneof.fields:
                    if sibling is not f:
                        node.pop(sibling.json_name, None)
            if i == len(parts) - 1:
                node.pop(f.json_name, None)
            else:
                node = node.get(f.json_name)
                current = f.message_type
    return printed


def _put(payload: dict[str, Any], desc: descriptor.Descriptor, field_path: str, value: Any) -> None:
    node = payload
    parts = field_path.split(".")
    for part in parts[:-1]:
        f = desc.fields_by_name[part]
        node = node.setdefault(f.json_name, {})
        desc = f.message_type
    node[desc.fields_by_name[parts[-1]].json_name] = value


def _json_key(desc: descriptor.Descriptor, name: str) -> str:
    return desc.fields_by_name[name].json_name


def _query(
    desc: descriptor.Descriptor, bound: dict[str, Any], rng: random.Random, maker: InstanceMaker
) -> dict[str, str]:
    taken = {path.split(".")[0] for path in bound}
    free = [
        f
        for f in desc.fields
        if f.message_type is None
        and not f.is_repeated
        and f.name not in taken
        and (f.containing_oneof is None or not any(g.name in taken for g in f.containing_oneof.fields))
    ]
    chosen: dict[str, str] = {}
    used_oneofs: set[str] = set()
    for f in rng.sample(free, min(2, len(free))):
        if f.containing_oneof is not None:
            if f.containing_oneof.full_name in used_oneofs:
                continue
            used_oneofs.add(f.containing_oneof.full_name)
        if f.type in INT_RANGES:
            chosen[f.name] = str(rng.randint(0, 1000))
        elif f.type == _FD.TYPE_BOOL:
            chosen[f.name] = rng.choice(("true", "false"))
        elif f.type == _FD.TYPE_ENUM:
            chosen[f.name] = rng.choice(f.enum_type.values).name
        elif f.type == _FD.TYPE_STRING:
            chosen[f.name] = maker.word()
        elif f.type in (_FD.TYPE_DOUBLE, _FD.TYPE_FLOAT):
            chosen[f.name] = "1.5"
    return {desc.fields_by_name[name].json_name: text for name, text in chosen.items()}


def _query_values(desc: descriptor.Descriptor, query: dict[str, str]) -> dict[str, Any]:
    by_json = {f.json_name: f for f in desc.fields}
    values: dict[str, Any] = {}
    for key, text in query.items():
        f = by_json[key]
        if f.type == _FD.TYPE_BOOL:
            values[f.name] = text == "true"
        elif f.type in (_FD.TYPE_DOUBLE, _FD.TYPE_FLOAT):
            values[f.name] = float(text)
        else:
            values[f.name] = text
    return values


# ---------------------------------------------------------------------------------------------- converters


@dataclass(frozen=True)
class Converters:
    """``to_proto`` (without validation) and ``to_rest`` over one registry; ``how`` says which way they are reached."""

    to_proto: Callable[[str, Any], message.Message]
    to_rest: Callable[[message.Message], Any]
    how: str


def converters(registry: Registry) -> Converters:
    """The public ``to_proto`` (without validation) and ``to_rest`` over ``registry``."""
    import yc_contracts

    def to_proto(name: str, payload: Any) -> message.Message:
        return yc_contracts.to_proto(name, payload, validate=False, registry=registry)

    def to_rest(msg: message.Message) -> Any:
        return yc_contracts.to_rest(msg, registry=registry)

    return Converters(to_proto, to_rest, "public to_proto/to_rest with registry=")
