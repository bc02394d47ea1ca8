"""The matcher: a registry's routes compiled once (cached per registry), indexed by segment count and sorted
most specific first; a request path is split once and checked against the candidates of its length."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TypeAlias

from google.protobuf import descriptor

from yc_contracts.contract.registry import Registry
from yc_contracts.transcoding.binder import CompiledRoute
from yc_contracts.transcoding.errors import BadRequestError, MethodNotAllowedError, RouteNotFoundError
from yc_contracts.transcoding.templates import EscapeError, PathTemplate, split_path
from yc_contracts.validation.violations import Violation

RouteMatch: TypeAlias = tuple[CompiledRoute, tuple[str, ...]]


class RouteTable:
    """A registry's routes, compiled once: templates, field bindings and an index by segment count."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.pool = registry.descriptor_pool
        self._names: dict[descriptor.Descriptor, dict[str, descriptor.FieldDescriptor]] = {}
        compiled = [CompiledRoute(self, route) for route in registry.routes()]
        # sorted is stable with reverse=True too: equally specific routes keep their declaration order
        compiled.sort(key=lambda r: r.template.specificity, reverse=True)
        self.labels = tuple(str(r.route) for r in compiled)
        longest = max((len(r.template.segments) for r in compiled), default=0)
        # Candidates by segment count, then by the first segment (routes starting with a variable or wildcard
        # are in every list), each in specificity order.
        self._by_count: list[_Candidates] = []
        for count in range(longest + 1):
            fitting = [r for r in compiled if _fits(r.template, count)]
            firsts = {r.first for r in fitting if r.first is not None}
            by_first = {first: tuple(r for r in fitting if r.first in (first, None)) for first in firsts}
            self._by_count.append(_Candidates(tuple(fitting), by_first, tuple(r for r in fitting if r.first is None)))
        self._deep = tuple(r for r in compiled if r.template.has_deep_wildcard)

    def match(self, verb: str, path: str) -> RouteMatch:
        try:
            parts = split_path(path)
        except EscapeError as e:
            raise BadRequestError([Violation("", "http.path_invalid", f"{e}")]) from None
        count = len(parts)
        if count >= len(self._by_count):
            candidates = self._deep
        else:
            index = self._by_count[count]
            if not count or "%" in parts[0]:  # an escaped first segment may still equal a literal
                candidates = index.every
            else:
                first = parts[0].partition(":")[0] if count == 1 else parts[0]  # a lone segment may end in :verb
                candidates = index.by_first.get(first, index.wildcard_first)
        allowed: list[str] = []
        verb_matched = False
        for candidate in candidates:  # templates with a :verb come first (see PathTemplate.specificity)
            if verb_matched and not candidate.template.verb:
                break  # the path's :verb is one a route defines: it never goes into a variable
            captured = candidate.template.match(parts)
            if captured is None:
                continue
            if candidate.verb == verb:
                return candidate, captured
            verb_matched = verb_matched or bool(candidate.template.verb)
            allowed.append(candidate.verb)
        if allowed:
            raise MethodNotAllowedError(verb, path, allowed)
        wanted = f"{verb} {path}"
        raise RouteNotFoundError(verb, path, difflib.get_close_matches(wanted, self.labels, n=3, cutoff=0.5))

    def names(self, desc: descriptor.Descriptor) -> dict[str, descriptor.FieldDescriptor]:
        """A message's fields by JSON name and by proto name."""
        found = self._names.get(desc)
        if found is None:
            found = {f.json_name: f for f in desc.fields}
            found.update({f.name: f for f in desc.fields})
            self._names[desc] = found
        return found


@dataclass(frozen=True, slots=True)
class _Candidates:
    """The routes that can match a path of one segment count: all, by first literal segment, and the routes
    whose first segment is a variable or wildcard (the candidates for a first segment no literal names)."""

    every: tuple[CompiledRoute, ...]
    by_first: dict[str, tuple[CompiledRoute, ...]]
    wildcard_first: tuple[CompiledRoute, ...]


def _fits(template: PathTemplate, count: int) -> bool:
    if template.has_deep_wildcard:
        return count >= template.min_segments
    return count == len(template.segments)


def table_for(registry: Registry) -> RouteTable:
    """The registry's routes compiled into a table, once per registry (and freed with it)."""
    return registry.derived("transcoding.routes", lambda: RouteTable(registry))
