"""Turn a compiled ``FileDescriptorSet`` into the facts table of ``tests/data/wire-contract.json``.

The table (copied from ``shared/reference``) records, by full name, every interface fact the official API
defines: names, numbers, types, labels, oneofs, reserved ranges, enum values, streaming flags and option
values.  :func:`extract` reads the same facts out of a descriptor set so the two can be compared key by key;
:func:`compare` does the comparison and counts facts the way the table's README describes the check.

Options are decoded through a descriptor pool built from the set itself, so the extensions compared are the
ones the protos under test declare, not ones some installed package happens to register.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

_LABELS = descriptor_pb2.FieldDescriptorProto.Label
_TYPES = descriptor_pb2.FieldDescriptorProto.Type
_VALIDATION_PREFIX = "yandex.cloud."
_HTTP_VERBS = ("get", "put", "post", "delete", "patch")


class _OptionDecoder:
    """Decodes extension values out of ``*Options`` messages using the pool of the set under test."""

    def __init__(self, fds: descriptor_pb2.FileDescriptorSet) -> None:
        self._pool = descriptor_pool.DescriptorPool()
        for file in fds.file:
            self._pool.Add(file)
        self._classes: dict[str, Any] = {}

    def _extensions(self, options_name: str) -> list[Any]:
        desc = self._pool.FindMessageTypeByName(options_name)
        return list(self._pool.FindAllExtensions(desc))

    def decode(self, options: Any, options_name: str) -> dict[str, Any]:
        if options_name not in self._classes:
            self._classes[options_name] = message_factory.GetMessageClass(
                self._pool.FindMessageTypeByName(options_name)
            )
        parsed = self._classes[options_name].FromString(options.SerializeToString())
        out: dict[str, Any] = {}
        for ext in self._extensions(options_name):
            if not parsed.HasExtension(ext):
                continue
            value = parsed.Extensions[ext]
            if ext.message_type is not None:
                value = json_format.MessageToDict(value, preserving_proto_field_name=True)
            out[ext.full_name] = value
        return out


def _type_fields(
    prefix: str, msg: descriptor_pb2.DescriptorProto
) -> Iterator[tuple[str, descriptor_pb2.DescriptorProto]]:
    full = f"{prefix}.{msg.name}" if prefix else msg.name
    yield full, msg
    for nested in msg.nested_type:
        yield from _type_fields(full, nested)


def _http(rule: dict[str, Any] | None) -> dict[str, Any] | None:
    if rule is None:
        return None
    verb, path = next(((v, rule[v]) for v in _HTTP_VERBS if v in rule), (None, None))
    if verb is None and "custom" in rule:
        verb, path = "custom:" + rule["custom"]["kind"], rule["custom"]["path"]
    return {
        "verb": verb,
        "path": path,
        "body": rule.get("body", ""),
        "response_body": rule.get("response_body", ""),
        "additional_bindings": [_http(b) for b in rule.get("additional_bindings", [])],
    }


def extract(fds: descriptor_pb2.FileDescriptorSet) -> dict[str, dict[str, Any]]:
    """Facts of every message, enum, service and extension in ``fds``, in the table's layout."""
    dec = _OptionDecoder(fds)
    messages: dict[str, Any] = {}
    enums: dict[str, Any] = {}
    services: dict[str, Any] = {}
    extensions: dict[str, Any] = {}

    def add_enum(full: str, enum: descriptor_pb2.EnumDescriptorProto, nested_in: str | None) -> None:
        enums[full] = {
            "nested_in": nested_in,
            "values": [{"name": v.name, "number": v.number, "deprecated": v.options.deprecated} for v in enum.value],
            "reserved_ranges": [{"start": r.start, "end_inclusive": r.end} for r in enum.reserved_range],
            "reserved_names": list(enum.reserved_name),
            "allow_alias": enum.options.allow_alias,
        }

    for file in fds.file:
        pkg = file.package
        for enum in file.enum_type:
            add_enum(f"{pkg}.{enum.name}", enum, None)
        for top in file.message_type:
            for full, msg in _type_fields(pkg, top):
                full_parent = full.rsplit(".", 1)[0]
                nested_in = full_parent if full_parent != pkg else None
                for enum in msg.enum_type:
                    add_enum(f"{full}.{enum.name}", enum, full)
                oneof_names = [o.name for o in msg.oneof_decl]
                messages[full] = {
                    "nested_in": nested_in,
                    "map_entry": msg.options.map_entry,
                    "fields": [
                        {
                            "name": f.name,
                            "number": f.number,
                            "json_name": f.json_name,
                            "label": _LABELS.Name(f.label),
                            "type": _TYPES.Name(f.type),
                            "type_name": f.type_name or None,
                            "oneof": oneof_names[f.oneof_index] if f.HasField("oneof_index") else None,
                            "proto3_optional": f.proto3_optional,
                            "deprecated": f.options.deprecated,
                            "validation": {
                                k: v
                                for k, v in dec.decode(f.options, "google.protobuf.FieldOptions").items()
                                if k.startswith(_VALIDATION_PREFIX)
                            },
                        }
                        for f in msg.field
                    ],
                    "oneofs": [
                        {
                            "name": o.name,
                            "synthetic": any(
                                f.proto3_optional and f.oneof_index == i for f in msg.field if f.HasField("oneof_index")
                            ),
                            "fields": [f.name for f in msg.field if f.HasField("oneof_index") and f.oneof_index == i],
                            "validation": {
                                k: v
                                for k, v in dec.decode(o.options, "google.protobuf.OneofOptions").items()
                                if k.startswith(_VALIDATION_PREFIX)
                            },
                        }
                        for i, o in enumerate(msg.oneof_decl)
                    ],
                    "reserved_ranges": [{"start": r.start, "end_exclusive": r.end} for r in msg.reserved_range],
                    "reserved_names": list(msg.reserved_name),
                }
        for svc in file.service:
            methods = []
            for m in svc.method:
                opts = dec.decode(m.options, "google.protobuf.MethodOptions")
                op = opts.get("yandex.cloud.api.operation")
                methods.append(
                    {
                        "name": m.name,
                        "input_type": m.input_type,
                        "output_type": m.output_type,
                        "client_streaming": m.client_streaming,
                        "server_streaming": m.server_streaming,
                        "http": _http(opts.get("google.api.http")),
                        "operation": None
                        if op is None
                        else {"metadata": op.get("metadata", ""), "response": op.get("response", "")},
                        "deprecated": m.options.deprecated,
                    }
                )
            services[f"{pkg}.{svc.name}"] = {"methods": methods}
        for ext in file.extension:
            extensions[f"{pkg}.{ext.name}"] = {
                "extendee": ext.extendee,
                "number": ext.number,
                "label": _LABELS.Name(ext.label),
                "type": _TYPES.Name(ext.type),
                "type_name": ext.type_name or None,
            }
    return {"messages": messages, "enums": enums, "services": services, "extensions": extensions}


@dataclass(frozen=True)
class Fact:
    """One comparable fact: where it lives (``key``) and its value in the table."""

    key: str
    expected: Any


def facts(table: dict[str, Any]) -> Iterator[Fact]:
    """Enumerate the table's facts, each keyed by a full name and attribute.

    What counts as one fact (2,860 for the 9 contract files):
    - message: ``nested_in``, ``map_entry``, ``reserved_ranges``, ``reserved_names``;
    - field: ``number``, ``json_name``, ``label``, ``type``, ``type_name``, ``oneof``, ``proto3_optional``,
      ``deprecated`` and the exact set of ``yandex.cloud`` validation options;
    - enum value: ``number`` and ``deprecated``;
    - method: input and output types, both streaming flags, ``deprecated``, the ``yandex.cloud.api.operation``
      option (or its absence), and the ``google.api.http`` rule where the method has a route;
    - extension: extendee, number, label, type, type name.
    Existence is implied by each fact's key. Oneof declarations, enum-level attributes and the service set are
    checked too (:func:`structure`), but they repeat what the fields and values already pin down, so they are not
    counted a second time.
    """
    for name, msg in table["messages"].items():
        for attr in ("nested_in", "map_entry", "reserved_ranges", "reserved_names"):
            yield Fact(f"message {name} {attr}", msg[attr])
        for f in msg["fields"]:
            for attr in (
                "number",
                "json_name",
                "label",
                "type",
                "type_name",
                "oneof",
                "proto3_optional",
                "deprecated",
                "validation",
            ):
                yield Fact(f"field {name}.{f['name']} {attr}", f[attr])
    for name, enum in table["enums"].items():
        for v in enum["values"]:
            for attr in ("number", "deprecated"):
                yield Fact(f"enum-value {name}.{v['name']} {attr}", v[attr])
    for name, svc in table["services"].items():
        for m in svc["methods"]:
            for attr in (
                "input_type",
                "output_type",
                "client_streaming",
                "server_streaming",
                "deprecated",
                "operation",
            ):
                yield Fact(f"method {name}.{m['name']} {attr}", m[attr])
            if m["http"] is not None:
                yield Fact(f"method {name}.{m['name']} http", m["http"])
    for name, ext in table["extensions"].items():
        for attr in ("extendee", "number", "label", "type", "type_name"):
            yield Fact(f"extension {name} {attr}", ext[attr])


def structure(table: dict[str, Any]) -> Iterator[Fact]:
    """Facts that the counted ones imply but which are still worth comparing on their own."""
    for name, msg in table["messages"].items():
        yield Fact(f"message {name} field-names", sorted(f["name"] for f in msg["fields"]))
        yield Fact(
            f"message {name} oneofs",
            sorted(
                (o["name"], o["synthetic"], tuple(o["fields"]), tuple(sorted(o["validation"].items())))
                for o in msg["oneofs"]
            ),
        )
    for name, enum in table["enums"].items():
        yield Fact(f"enum {name} value-names", sorted(v["name"] for v in enum["values"]))
        for attr in ("nested_in", "allow_alias", "reserved_ranges", "reserved_names"):
            yield Fact(f"enum {name} {attr}", enum[attr])
    for name, svc in table["services"].items():
        yield Fact(f"service {name} methods", sorted(m["name"] for m in svc["methods"]))
        for m in svc["methods"]:
            if m["http"] is None:
                yield Fact(f"method {name}.{m['name']} no-http", None)


def _lookup(actual: dict[str, Any], key: str) -> tuple[bool, Any]:
    """Find the value of ``key`` (as produced by :func:`facts`/:func:`structure`) in extracted facts."""
    kind, rest = key.split(" ", 1)
    where, attr = rest.rsplit(" ", 1)
    if kind == "message":
        msg = actual["messages"].get(where)
        if msg is None:
            return False, None
        if attr == "field-names":
            return True, sorted(f["name"] for f in msg["fields"])
        if attr == "oneofs":
            return True, sorted(
                (o["name"], o["synthetic"], tuple(o["fields"]), tuple(sorted(o["validation"].items())))
                for o in msg["oneofs"]
            )
        return True, msg[attr]
    if kind == "field":
        mname, fname = where.rsplit(".", 1)
        msg = actual["messages"].get(mname)
        field = next((f for f in (msg or {}).get("fields", []) if f["name"] == fname), None)
        return (field is not None), (field or {}).get(attr)
    if kind == "enum":
        enum = actual["enums"].get(where)
        if enum is None:
            return False, None
        if attr == "value-names":
            return True, sorted(v["name"] for v in enum["values"])
        return True, enum[attr]
    if kind == "enum-value":
        ename, vname = where.rsplit(".", 1)
        enum = actual["enums"].get(ename)
        value = next((v for v in (enum or {}).get("values", []) if v["name"] == vname), None)
        return (value is not None), (value or {}).get(attr)
    if kind == "service":
        svc = actual["services"].get(where)
        return (svc is not None), sorted(m["name"] for m in svc["methods"]) if svc else None
    if kind == "method":
        sname, mname = where.rsplit(".", 1)
        svc = actual["services"].get(sname)
        method = next((m for m in (svc or {}).get("methods", []) if m["name"] == mname), None)
        if method is None:
            return False, None
        return True, method["http"] if attr in ("http", "no-http") else method[attr]
    if kind == "extension":
        ext = actual["extensions"].get(where)
        return (ext is not None), (ext or {}).get(attr)
    raise ValueError(f"unknown fact kind in {key!r}")


def compare(table: dict[str, Any], fds: descriptor_pb2.FileDescriptorSet) -> tuple[int, int, list[str]]:
    """Compare ``fds`` with ``table``: ``(matching facts, total facts, problem lines)``.

    Problem lines start with ``MISSING`` (the key does not exist in ``fds``) or ``DIFF``; they cover both the
    counted facts and the structural checks, so a total match with an empty problem list is the only pass.
    """
    actual = extract(fds)
    problems: list[str] = []
    matched = total = 0
    for counted, fact_iter in ((True, facts(table)), (False, structure(table))):
        for fact in fact_iter:
            found, value = _lookup(actual, fact.key)
            ok = found and value == fact.expected
            if counted:
                total += 1
                matched += ok
            if not found:
                problems.append(f"MISSING {fact.key}")
            elif not ok:
                problems.append(f"DIFF {fact.key}: expected {fact.expected!r}, got {value!r}")
    return matched, total, problems
