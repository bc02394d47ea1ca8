"""Breaking changes between two versions of a contract, from their compiled descriptors.

Four kinds, each a category of its own:

- ``WIRE``: what breaks the binary encoding or generated code: a field's number, type or label changed, a field
  or enum value removed without reserving its number, a field moved into, out of or between oneofs, a message,
  enum, service or method removed, a method's request/response type or streaming changed.
- ``JSON``: what breaks REST JSON: a field or enum value renamed, a ``json_name`` changed, a field or enum value
  removed without reserving its name.
- ``REST``: a method's ``google.api.http`` route removed or changed (verb, path, body, response body).
- ``VALIDATION``: a ``yandex.cloud`` option that now rejects payloads it accepted: a bound (``length``, ``size``,
  ``value``, ``bytes``, a ``map_key`` member) whose allowed set is no longer a superset of the old one, a new
  ``required`` (also on a new field), a new or changed ``pattern``, a new ``unique``, a new ``exactly_one``.

Additions (fields, messages, enum values, methods, services, routes) and looser options are not breaking.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from google.protobuf import descriptor, descriptor_pb2

from yc_contracts.contract.descriptors import INT_RANGES
from yc_contracts.contract.options import EXACTLY_ONE, FieldRules, Interval, MapKeyRules, field_rules

if TYPE_CHECKING:
    from yc_contracts.contract.registry import Registry

CATEGORIES: Final = ("WIRE", "JSON", "REST", "VALIDATION")
_FD = descriptor.FieldDescriptor

_TYPE_NAMES: Final[dict[int, str]] = {
    int(number): name.removeprefix("TYPE_").lower() for name, number in descriptor_pb2.FieldDescriptorProto.Type.items()
}
_COUNT: Final = (0, None)
"""Lengths, sizes and byte counts: the integers from 0 up."""


@dataclass(frozen=True)
class Place:
    """Where something is declared: a ``.proto`` file (its import path), 1-based line and column."""

    file: str
    line: int
    column: int


@dataclass(frozen=True)
class Break:
    """One breaking change."""

    category: str
    """``WIRE``, ``JSON``, ``REST`` or ``VALIDATION``."""
    subject: str
    """The full name of what changed (a message, field, enum value, service or method)."""
    description: str
    place: Place | None = None
    """Where the new version declares it (or its parent, for something removed); ``None`` if it has no place."""

    def __str__(self) -> str:
        return f"{self.category} {self.subject}: {self.description}"


def compare(old: Registry, new: Registry) -> list[Break]:
    """Every breaking change from ``old`` to ``new``, in declaration order of the old version.

    Raises:
        OptionSyntaxError: a ``yandex.cloud`` option of either version does not parse.
    """
    return list(_Comparison(old, new).run())


# ------------------------------------------------------------------------------------------ the index


def _messages(reg: Registry) -> dict[str, descriptor.Descriptor]:
    found: dict[str, descriptor.Descriptor] = {}

    def walk(descs: Iterable[descriptor.Descriptor]) -> None:
        for desc in descs:
            found[desc.full_name] = desc
            walk(desc.nested_types)

    for name in reg.files:
        walk(reg.descriptor_pool.FindFileByName(name).message_types_by_name.values())
    return found


def _enums(reg: Registry, messages: Mapping[str, descriptor.Descriptor]) -> dict[str, descriptor.EnumDescriptor]:
    found: dict[str, descriptor.EnumDescriptor] = {}
    for name in reg.files:
        found.update({e.full_name: e for e in reg.descriptor_pool.FindFileByName(name).enum_types_by_name.values()})
    for desc in messages.values():
        found.update({e.full_name: e for e in desc.enum_types})
    return found


def _services(reg: Registry) -> dict[str, descriptor.ServiceDescriptor]:
    found: dict[str, descriptor.ServiceDescriptor] = {}
    for name in reg.files:
        found.update(reg.descriptor_pool.FindFileByName(name).services_by_name)
    return {s.full_name: s for s in found.values()}


@dataclass
class _Reserved:
    numbers: list[tuple[int, int]]
    """Inclusive ranges."""
    names: set[str]

    def has_number(self, number: int) -> bool:
        return any(lo <= number <= hi for lo, hi in self.numbers)


def _reserved(desc: descriptor.Descriptor | descriptor.EnumDescriptor) -> _Reserved:
    if isinstance(desc, descriptor.Descriptor):
        proto: descriptor_pb2.DescriptorProto | descriptor_pb2.EnumDescriptorProto = descriptor_pb2.DescriptorProto()
        desc.CopyToProto(proto)  # type: ignore[arg-type]
        assert isinstance(proto, descriptor_pb2.DescriptorProto)
        # A message's reserved ranges exclude their end; an enum's include it.
        return _Reserved([(r.start, r.end - 1) for r in proto.reserved_range], set(proto.reserved_name))
    enum_proto = descriptor_pb2.EnumDescriptorProto()
    desc.CopyToProto(enum_proto)
    return _Reserved([(r.start, r.end) for r in enum_proto.reserved_range], set(enum_proto.reserved_name))


def _places(reg: Registry) -> dict[str, Place]:
    """Where each message, field, oneof, enum, enum value, service and method of ``reg`` is declared."""
    places: dict[str, Place] = {}
    for file in reg.file_descriptor_set().file:
        if file.name in reg.files:
            _FilePlaces(file, places).collect()
    return places


class _FilePlaces:
    """The declarations of one file, by full name, from its source info (``SourceCodeInfo`` paths)."""

    def __init__(self, file: descriptor_pb2.FileDescriptorProto, into: dict[str, Place]) -> None:
        self.file = file
        self.into = into
        self.spans = {tuple(loc.path): loc.span for loc in file.source_code_info.location}

    def add(self, full_name: str, path: tuple[int, ...]) -> None:
        span = self.spans.get(path)
        if span:
            self.into[full_name] = Place(self.file.name, span[0] + 1, span[1] + 1)

    def collect(self) -> None:
        package = self.file.package
        for i, msg in enumerate(self.file.message_type):
            self.message(msg, package, (4, i))
        for i, e in enumerate(self.file.enum_type):
            self.enum(e, package, (5, i))
        for i, service in enumerate(self.file.service):
            full = f"{package}.{service.name}" if package else service.name
            self.add(full, (6, i))
            for j, method in enumerate(service.method):
                self.add(f"{full}.{method.name}", (6, i, 2, j))

    def message(self, msg: descriptor_pb2.DescriptorProto, scope: str, path: tuple[int, ...]) -> None:
        full = f"{scope}.{msg.name}" if scope else msg.name
        self.add(full, path)
        for i, f in enumerate(msg.field):
            self.add(f"{full}.{f.name}", (*path, 2, i))
        for i, o in enumerate(msg.oneof_decl):
            self.add(f"{full}.{o.name}", (*path, 8, i))
        for i, nested in enumerate(msg.nested_type):
            self.message(nested, full, (*path, 3, i))
        for i, e in enumerate(msg.enum_type):
            self.enum(e, full, (*path, 4, i))

    def enum(self, e: descriptor_pb2.EnumDescriptorProto, scope: str, path: tuple[int, ...]) -> None:
        full = f"{scope}.{e.name}" if scope else e.name
        self.add(full, path)
        for i, v in enumerate(e.value):
            self.add(f"{full}.{v.name}", (*path, 2, i))


# ---------------------------------------------------------------------------------------- comparison


def _type_name(f: descriptor.FieldDescriptor) -> str:
    if f.message_type is not None:
        return f.message_type.full_name
    if f.enum_type is not None:
        return f.enum_type.full_name
    return _TYPE_NAMES.get(f.type, str(f.type))


def _label(f: descriptor.FieldDescriptor) -> str:
    if f.is_repeated:
        return "map" if f.message_type is not None and f.message_type.GetOptions().map_entry else "repeated"
    return "singular"


def _oneof(f: descriptor.FieldDescriptor) -> str | None:
    oneof = f.containing_oneof
    if oneof is None:
        return None
    # proto3 `optional` wraps the field in a synthetic oneof of its own; that is presence, not a oneof.
    synthetic = len(oneof.fields) == 1 and oneof.name == f"_{f.name}"
    return None if synthetic else oneof.name


class _Comparison:
    def __init__(self, old: Registry, new: Registry) -> None:
        self.old, self.new = old, new
        self.old_messages, self.new_messages = _messages(old), _messages(new)
        self.old_enums = _enums(old, self.old_messages)
        self.new_enums = _enums(new, self.new_messages)
        self.places = _places(new)

    def place(self, *names: str) -> Place | None:
        """The place of the first of ``names`` the new version declares."""
        return next((self.places[n] for n in names if n in self.places), None)

    def run(self) -> Iterator[Break]:
        for name, desc in self.old_messages.items():
            is_entry = desc.GetOptions().map_entry
            if name not in self.new_messages:
                if not is_entry:
                    yield Break("WIRE", name, "message removed", self.place(_parent(name)))
                continue
            yield from self.message(desc, self.new_messages[name])
        for name, enum in self.old_enums.items():
            if name not in self.new_enums:
                yield Break("WIRE", name, "enum removed", self.place(_parent(name)))
                continue
            yield from self.enum(enum, self.new_enums[name])
        new_services = _services(self.new)
        for name, service in _services(self.old).items():
            if name not in new_services:
                yield Break("WIRE", name, "service removed")
                yield from (
                    Break("REST", f"{name}.{m.name}", f"route {route} removed (the service is gone)")
                    for m in service.methods
                    for route in self._routes(self.old, m)
                )
                continue
            yield from self.service(service, new_services[name])

    # ------------------------------------------------------------------------------------------ messages

    def message(self, old: descriptor.Descriptor, new: descriptor.Descriptor) -> Iterator[Break]:
        reserved = _reserved(new)
        new_by_name = new.fields_by_name
        for f in old.fields:
            subject = f"{old.full_name}.{f.name}"
            g = new.fields_by_number.get(f.number)
            if g is None:
                moved = new_by_name.get(f.name)
                if moved is not None:
                    yield Break(
                        "WIRE",
                        subject,
                        f"field number changed from {f.number} to {moved.number}",
                        self.place(moved.full_name),
                    )
                    continue
                where = self.place(new.full_name)
                if not reserved.has_number(f.number):
                    yield Break("WIRE", subject, f"field {f.number} removed without reserving its number", where)
                if f.name not in reserved.names:
                    yield Break("JSON", subject, f"field {f.name!r} removed without reserving its name", where)
                continue
            yield from self.field(subject, f, g)
        old_numbers = {f.number for f in old.fields}
        old_names = {f.name for f in old.fields}
        for g in new.fields:
            if g.number in old_numbers or g.name in old_names:
                continue
            if self._rules(self.new, g).required:
                yield Break("VALIDATION", g.full_name, "new field is required", self.place(g.full_name))
        yield from self.oneofs(old, new)

    def field(self, subject: str, f: descriptor.FieldDescriptor, g: descriptor.FieldDescriptor) -> Iterator[Break]:
        where = self.place(g.full_name)
        if g.name != f.name:
            json_note = f" (JSON name {f.json_name!r} → {g.json_name!r})" if f.json_name != g.json_name else ""
            yield Break("JSON", subject, f"field {f.number} renamed from {f.name!r} to {g.name!r}{json_note}", where)
        elif g.json_name != f.json_name:
            yield Break("JSON", subject, f"json_name changed from {f.json_name!r} to {g.json_name!r}", where)
        old_type, new_type = _type_name(f), _type_name(g)
        if old_type != new_type:
            yield Break("WIRE", subject, f"type changed from {old_type} to {new_type}", where)
        if _label(f) != _label(g):
            yield Break("WIRE", subject, f"label changed from {_label(f)} to {_label(g)}", where)
        old_oneof, new_oneof = _oneof(f), _oneof(g)
        if old_oneof != new_oneof:
            if old_oneof is None:
                text = f"moved into oneof {new_oneof!r}"
            elif new_oneof is None:
                text = f"moved out of oneof {old_oneof!r}"
            else:
                text = f"moved from oneof {old_oneof!r} to oneof {new_oneof!r}"
            yield Break("WIRE", subject, text, where)
        if old_type == new_type and _label(f) == _label(g):
            yield from self.options(subject, f, g, where)

    def oneofs(self, old: descriptor.Descriptor, new: descriptor.Descriptor) -> Iterator[Break]:
        old_oneofs = {o.name: o for o in old.oneofs}
        for oneof in new.oneofs:
            if not self.new.options(oneof).get(EXACTLY_ONE):
                continue
            before = old_oneofs.get(oneof.name)
            if before is not None and self.old.options(before).get(EXACTLY_ONE):
                continue
            text = (
                "oneof now requires exactly one member (yandex.cloud.exactly_one)"
                if before is not None
                else "new oneof requires exactly one member (yandex.cloud.exactly_one)"
            )
            yield Break("VALIDATION", oneof.full_name, text, self.place(oneof.full_name, new.full_name))

    # ----------------------------------------------------------------------------------------- options

    @staticmethod
    def _rules(reg: Registry, f: descriptor.FieldDescriptor) -> FieldRules:
        return field_rules(reg.options(f), f)

    def options(
        self, subject: str, f: descriptor.FieldDescriptor, g: descriptor.FieldDescriptor, where: Place | None
    ) -> Iterator[Break]:
        old, new = self._rules(self.old, f), self._rules(self.new, g)
        if old == new:
            return
        if new.required and not old.required:
            yield Break("VALIDATION", subject, "now required (yandex.cloud.required)", where)
        if new.pattern is not None and new.pattern != old.pattern:
            was = f"from {old.pattern!r} " if old.pattern is not None else ""
            yield Break("VALIDATION", subject, f"(yandex.cloud.pattern) {was}now {new.pattern!r}", where)
        if new.unique and not old.unique:
            yield Break("VALIDATION", subject, "items must now be unique (yandex.cloud.unique)", where)
        element = g
        if g.message_type is not None and g.message_type.GetOptions().map_entry:
            element = g.message_type.fields_by_name["value"]
        value_domain = _domain(element, new.value_kind)
        bounds = (
            ("length", old.length, new.length, _COUNT),
            ("size", old.size, new.size, _COUNT),
            ("bytes", old.bytes, new.bytes, _COUNT),
            ("value", old.value, new.value, value_domain),
        )
        for option, before, after, domain in bounds:
            if after is not None and not _covers(after, before, domain):
                text = _tightened(option, old.raw, new.raw)
                yield Break("VALIDATION", subject, text, where)
        yield from self._map_key(subject, old.map_key, new.map_key, g, where)

    def _map_key(
        self,
        subject: str,
        old: MapKeyRules | None,
        new: MapKeyRules | None,
        g: descriptor.FieldDescriptor,
        where: Place | None,
    ) -> Iterator[Break]:
        if new is None:
            return
        before = old or MapKeyRules()
        key = g.message_type.fields_by_name["key"] if g.message_type is not None else g
        key_domain = INT_RANGES.get(key.type, (None, None))
        changes = []
        if new.pattern is not None and new.pattern != before.pattern:
            changes.append(f"key pattern now {new.pattern!r}")
        if new.length is not None and not _covers(new.length, before.length, _COUNT):
            changes.append("key length bound tightened")
        if new.value is not None and not _covers(new.value, before.value, key_domain):
            changes.append("key value bound tightened")
        if changes:
            yield Break("VALIDATION", subject, f"(yandex.cloud.map_key) {'; '.join(changes)}", where)

    # -------------------------------------------------------------------------------------------- enums

    def enum(self, old: descriptor.EnumDescriptor, new: descriptor.EnumDescriptor) -> Iterator[Break]:
        reserved = _reserved(new)
        new_names = {v.name: v for v in new.values}
        new_by_number: dict[int, set[str]] = {}
        for v in new.values:
            new_by_number.setdefault(v.number, set()).add(v.name)
        for v in old.values:
            subject = f"{old.full_name}.{v.name}"
            names = new_by_number.get(v.number)
            if names is None:
                moved = new_names.get(v.name)
                if moved is not None:
                    place = self.place(f"{new.full_name}.{v.name}")
                    yield Break("WIRE", subject, f"enum value number changed from {v.number} to {moved.number}", place)
                    continue
                where = self.place(new.full_name)
                if not reserved.has_number(v.number):
                    yield Break("WIRE", subject, f"enum value {v.number} removed without reserving its number", where)
                if v.name not in reserved.names:
                    yield Break("JSON", subject, f"enum value {v.name!r} removed without reserving its name", where)
                continue
            if v.name not in names:
                renamed = " or ".join(repr(n) for n in sorted(names))
                yield Break(
                    "JSON",
                    subject,
                    f"enum value {v.number} renamed from {v.name!r} to {renamed}",
                    self.place(*(f"{new.full_name}.{n}" for n in sorted(names))),
                )

    # ------------------------------------------------------------------------------------------ services

    @staticmethod
    def _routes(reg: Registry, method: descriptor.MethodDescriptor) -> list[tuple[str, str, str, str]]:
        return [(r.verb, r.path, r.body, r.response_body) for r in reg.method(method.full_name).routes]

    def service(self, old: descriptor.ServiceDescriptor, new: descriptor.ServiceDescriptor) -> Iterator[Break]:
        for m in old.methods:
            subject = m.full_name
            n = new.methods_by_name.get(m.name)
            if n is None:
                where = self.place(new.full_name)
                yield Break("WIRE", subject, "method removed", where)
                for verb, path, _, _ in self._routes(self.old, m):
                    yield Break("REST", subject, f"route {verb} {path} removed (the method is gone)", where)
                continue
            where = self.place(n.full_name)
            for what, before, after in (
                ("request type", m.input_type.full_name, n.input_type.full_name),
                ("response type", m.output_type.full_name, n.output_type.full_name),
            ):
                if before != after:
                    yield Break("WIRE", subject, f"{what} changed from {before} to {after}", where)
            for side, before_stream, after_stream in (
                ("client", m.client_streaming, n.client_streaming),
                ("server", m.server_streaming, n.server_streaming),
            ):
                if bool(before_stream) != bool(after_stream):
                    now = "now streams" if after_stream else "no longer streams"
                    yield Break("WIRE", subject, f"{side} side {now}", where)
            yield from self.routes(subject, self._routes(self.old, m), self._routes(self.new, n), where)

    def routes(
        self,
        subject: str,
        old: list[tuple[str, str, str, str]],
        new: list[tuple[str, str, str, str]],
        where: Place | None,
    ) -> Iterator[Break]:
        by_route = {(verb, path): (body, response_body) for verb, path, body, response_body in new}
        now = ", ".join(f"{verb} {path}" for verb, path, _, _ in new) or "no route"
        for verb, path, body, response_body in old:
            found = by_route.get((verb, path))
            if found is None:
                yield Break("REST", subject, f"route {verb} {path} removed or changed (now: {now})", where)
                continue
            if found[0] != body:
                yield Break("REST", subject, f"{verb} {path}: body changed from {body!r} to {found[0]!r}", where)
            if found[1] != response_body:
                text = f"{verb} {path}: response body changed from {response_body!r} to {found[1]!r}"
                yield Break("REST", subject, text, where)


def _parent(full_name: str) -> str:
    return full_name.rsplit(".", 1)[0]


def _tightened(option: str, old_raw: Mapping[str, object], new_raw: Mapping[str, object]) -> str:
    name = f"yandex.cloud.{option}"
    before = old_raw.get(name)
    was = f"{before!r}" if before is not None else "no bound"
    return f"({name}) tightened from {was} to {new_raw.get(name)!r}"


# ------------------------------------------------------------------------------------ interval algebra

_Domain = tuple[int | None, int | None]
"""An integer domain's closed bounds; ``(None, None)`` with a real-valued (non-integer) measure."""


def _domain(f: descriptor.FieldDescriptor, kind: str | None) -> _Domain | None:
    """The values a ``value`` bound constrains: an integer range, or ``None`` for real numbers, durations, times."""
    if kind != "number":
        return None
    target = f.message_type
    if target is not None and target.full_name.startswith("google.protobuf.") and "value" in target.fields_by_name:
        f = target.fields_by_name["value"]  # a numeric wrapper type
    if f.type == _FD.TYPE_ENUM:
        return (-(2**31), 2**31 - 1)
    return INT_RANGES.get(f.type)


def _covers(after: tuple[Interval, ...], before: tuple[Interval, ...] | None, domain: _Domain | None) -> bool:
    """Whether every value ``before`` allowed (the whole domain when it had no bound) ``after`` allows too."""
    if domain is not None:
        lo, hi = domain
        everything: tuple[Interval, ...] = (
            Interval(None if lo is None else Decimal(lo), None if hi is None else Decimal(hi)),
        )
        return _covers_integers(after, before or everything, domain)
    return _covers_reals(after, before or (Interval(None, None),))


def _integer_ranges(intervals: Iterable[Interval], domain: _Domain) -> list[tuple[int | None, int | None]]:
    out = []
    for iv in intervals:
        lo, hi = iv.integer_bounds()
        if domain[0] is not None:
            lo = domain[0] if lo is None else max(lo, domain[0])
        if domain[1] is not None:
            hi = domain[1] if hi is None else min(hi, domain[1])
        if lo is not None and hi is not None and lo > hi:
            continue
        out.append((lo, hi))
    return out


def _covers_integers(after: tuple[Interval, ...], before: tuple[Interval, ...], domain: _Domain) -> bool:
    merged: list[list[int | None]] = []
    for lo, hi in sorted(_integer_ranges(after, domain), key=lambda r: -(10**30) if r[0] is None else r[0]):
        last = merged[-1] if merged else None
        if last is not None and (last[1] is None or lo is None or lo <= last[1] + 1):
            last[1] = None if last[1] is None or hi is None else max(last[1], hi)
        else:
            merged.append([lo, hi])
    for lo, hi in _integer_ranges(before, domain):
        inside = any(
            (m_lo is None or (lo is not None and m_lo <= lo)) and (m_hi is None or (hi is not None and hi <= m_hi))
            for m_lo, m_hi in merged
        )
        if not inside:
            return False
    return True


def _covers_reals(after: tuple[Interval, ...], before: tuple[Interval, ...]) -> bool:
    def lo_key(iv: Interval) -> tuple[int, Decimal, int]:
        return (0, Decimal(0), 0) if iv.lo is None else (1, iv.lo, int(iv.lo_open))

    merged: list[Interval] = []
    for iv in sorted(after, key=lo_key):
        last = merged[-1] if merged else None
        if last is not None and _touches(last, iv):
            merged[-1] = _union(last, iv)
        else:
            merged.append(iv)
    return all(any(_inside(iv, m) for m in merged) for iv in before)


def _touches(a: Interval, b: Interval) -> bool:
    """Whether ``b`` (starting at or after ``a``) overlaps or abuts ``a`` with no gap."""
    if a.hi is None or b.lo is None:
        return True
    return b.lo < a.hi or (b.lo == a.hi and not (a.hi_open and b.lo_open))


def _union(a: Interval, b: Interval) -> Interval:
    if a.hi is None or b.hi is None:
        return Interval(a.lo, None, a.lo_open, False)
    if b.hi > a.hi or (b.hi == a.hi and not b.hi_open):
        return Interval(a.lo, b.hi, a.lo_open, b.hi_open)
    return a


def _inside(inner: Interval, outer: Interval) -> bool:
    if outer.lo is not None:
        if inner.lo is None or inner.lo < outer.lo:
            return False
        if inner.lo == outer.lo and outer.lo_open and not inner.lo_open:
            return False
    if outer.hi is not None:
        if inner.hi is None or inner.hi > outer.hi:
            return False
        if inner.hi == outer.hi and outer.hi_open and not inner.hi_open:
            return False
    return True
