"""``google.api.http`` path templates: parse once, match many times.

The grammar is the one ``google/api/http.proto`` defines::

    Template = "/" Segments [ Verb ] ;
    Segments = Segment { "/" Segment } ;
    Segment  = "*" | "**" | LITERAL | Variable ;
    Variable = "{" FieldPath [ "=" Segments ] "}" ;
    FieldPath = IDENT { "." IDENT } ;
    Verb     = ":" LITERAL ;

read the way grpc-gateway's ``httprule`` parser and ``runtime.Pattern`` read it:

- ``{var}`` means ``{var=*}``; ``*`` matches exactly one (non-empty) segment, ``**`` zero or more.
- One ``**`` per template. Like grpc-gateway, fixed segments may follow it (``/{name=**}/tail``); the
  ``**`` then takes whatever the fixed tail leaves.
- The verb is what follows the last ``:`` of the last segment (the first ``:`` after a closing ``}``); a
  request matches a template with a verb only when its last segment ends in that ``:verb``. A template without
  a verb leaves a ``:`` in the last segment to its value.
- A variable that covers one segment (``{var}``, ``{var=*}``) gets its text percent-decoded; one that covers
  several (``{var=a/*}``, ``{var=**}``) gets it decoded except ``%2F``, which stays escaped so that the ``/``
  separators of the value stay distinguishable from an encoded ``/`` inside a segment (http.proto's
  "reserved expansion").

Templates are compiled into :class:`PathTemplate` values whose :meth:`~PathTemplate.match` is index arithmetic
over a pre-split path, with no regular expression built per template or per call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import unquote

from yc_contracts.contract.errors import ContractError

LITERAL: Final = 0
"""Segment kind: literal text."""
SINGLE: Final = 1
"""Segment kind: ``*``, exactly one segment."""
DEEP: Final = 2
"""Segment kind: ``**``, zero or more segments."""

_IDENT: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BAD_ESCAPE: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ESCAPED_SLASH: Final = re.compile(r"(%2[Ff])")
_LITERAL_FORBIDDEN: Final = frozenset("{}*=")
_RANK: Final = {LITERAL: 2, SINGLE: 1, DEEP: 0}


class TemplateSyntaxError(ContractError):
    """A ``google.api.http`` path template that does not follow the grammar (a defect of the protos).

    Attributes:
        template: the template as written.
        reason: what is wrong, in a few words.
    """

    def __init__(self, template: str, reason: str) -> None:
        self.template = template
        self.reason = reason
        super().__init__(f"invalid path template {template!r}: {reason}")

    def __reduce__(self) -> tuple[type[TemplateSyntaxError], tuple[str, str]]:
        return (type(self), (self.template, self.reason))


class EscapeError(Exception):
    """Text of a path that percent-decoding cannot turn into a string (caught by the transcoder)."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment of a template: its kind (:data:`LITERAL`, :data:`SINGLE`, :data:`DEEP`) and its text."""

    kind: int
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Variable:
    """A ``{field.path=...}`` of a template, covering template segments ``start`` up to (not including) ``stop``.

    ``multi`` is true when it can span more than one segment (several segments or a ``**``): its value then
    keeps ``%2F`` escaped.
    """

    field_path: tuple[str, ...]
    start: int
    stop: int
    multi: bool

    @property
    def name(self) -> str:
        """The field path as written in the template, ``"outer.inner.leaf"``."""
        return ".".join(self.field_path)


@dataclass(frozen=True)
class PathTemplate:
    """A parsed path template. Build one with :func:`parse_template`."""

    text: str
    segments: tuple[Segment, ...]
    variables: tuple[Variable, ...]
    verb: str = ""
    _deep: int = field(default=-1, repr=False, compare=False)
    _verb_suffix: str = field(default="", repr=False, compare=False)

    @property
    def has_deep_wildcard(self) -> bool:
        """Whether a ``**`` makes the number of matched segments variable."""
        return self._deep >= 0

    @property
    def min_segments(self) -> int:
        """The fewest request segments this template can match."""
        return len(self.segments) - (1 if self._deep >= 0 else 0)

    @property
    def specificity(self) -> tuple[bool, tuple[int, ...]]:
        """Sort key, larger is more specific: a verb first, then literal > ``*`` > ``**``, left to right.

        When several templates match one request, the most specific wins whatever the order the routes were
        declared in (a template with a verb over one that would take ``:verb`` into a variable; ``/a/b`` over
        ``/a/{x}`` over ``/a/**``).
        """
        return (bool(self.verb), tuple(_RANK[segment.kind] for segment in self.segments))

    def match(self, parts: Sequence[str]) -> tuple[str, ...] | None:
        """The raw (still percent-encoded) text of each variable, or ``None`` when ``parts`` do not match.

        ``parts`` is a request path split by :func:`split_path`. Decode a captured value with :func:`unescape`,
        passing its variable's ``multi``.
        """
        count = len(parts)
        if self._verb_suffix:
            if not count or not parts[-1].endswith(self._verb_suffix):
                return None
            parts = [*parts[:-1], parts[-1][: -len(self._verb_suffix)]]
        segments = self.segments
        deep = self._deep
        extra = count - len(segments)  # how many more request segments than template segments
        if deep < 0:
            if extra:
                return None
        elif extra < -1:
            return None
        for index, segment in enumerate(segments):
            if segment.kind == DEEP:
                continue
            at = index if deep < 0 or index < deep else index + extra
            part = parts[at]
            if segment.kind == SINGLE:
                if not part:
                    return None
            elif part != segment.text and not _literal_equals(part, segment.text):
                return None
        if not self.variables:
            return ()
        captured = []
        for variable in self.variables:
            first = _start(variable.start, deep, extra)
            last = _stop(variable.stop - 1, deep, extra)
            captured.append("/".join(parts[first:last]))
        return tuple(captured)

    def __str__(self) -> str:
        return self.text


def _start(index: int, deep: int, extra: int) -> int:
    """The request index where template segment ``index`` starts."""
    return index if deep < 0 or index <= deep else index + extra


def _stop(index: int, deep: int, extra: int) -> int:
    """The request index just past template segment ``index``."""
    if deep < 0 or index < deep:
        return index + 1
    return index + extra + 1


def _literal_equals(part: str, literal: str) -> bool:
    if "%" not in part:
        return False
    try:
        return unescape(part, multi=False) == literal
    except EscapeError:
        return False


def split_path(path: str) -> list[str]:
    """A request path (``/a/b:verb``, no query) as its raw segments: ``["a", "b:verb"]``; ``"/"`` is ``[]``.

    Raises:
        EscapeError: the path does not start with ``/``.
    """
    if not path.startswith("/"):
        raise EscapeError(f"the path {path!r} does not start with '/'")
    if path == "/":
        return []
    return path[1:].split("/")


def unescape(raw: str, *, multi: bool) -> str:
    """Percent-decode a captured value (UTF-8); with ``multi``, ``%2F``/``%2f`` stay as they are.

    Raises:
        EscapeError: a ``%`` that does not start a ``%XX`` escape, or escapes that decode to invalid UTF-8.
    """
    if "%" not in raw:
        return raw
    if _BAD_ESCAPE.search(raw):
        raise EscapeError("it has a '%' that does not start a %XX escape")
    try:
        if not multi:
            return unquote(raw, errors="strict")
        pieces = _ESCAPED_SLASH.split(raw)
        return "".join(piece if i % 2 else unquote(piece, errors="strict") for i, piece in enumerate(pieces))
    except UnicodeDecodeError:
        raise EscapeError("its %XX escapes are not UTF-8") from None


def parse_template(text: str) -> PathTemplate:
    """Parse and compile a ``google.api.http`` path template.

    Raises:
        TemplateSyntaxError: the template breaks the grammar (the reason says where).
    """
    if not isinstance(text, str) or not text.startswith("/"):
        raise TemplateSyntaxError(str(text), "it must start with '/'")
    body, verb = _split_verb(text, text[1:])
    segments: list[Segment] = []
    variables: list[Variable] = []
    pos = 0
    while body:
        if body.startswith("{", pos):
            close = body.find("}", pos)
            if close < 0:
                raise TemplateSyntaxError(text, f"the '{{' at offset {pos + 1} is never closed")
            inner = body[pos + 1 : close]
            if "{" in inner:
                raise TemplateSyntaxError(text, "variables cannot be nested")
            variables.append(_variable(text, inner, segments))
            pos = close + 1
        else:
            end = body.find("/", pos)
            end = len(body) if end < 0 else end
            segments.append(_segment(text, body[pos:end]))
            pos = end
        if pos == len(body):
            break
        if body[pos] != "/":
            raise TemplateSyntaxError(text, f"expected '/' after '}}' at offset {pos + 1}, found {body[pos]!r}")
        pos += 1
        if pos == len(body):
            raise TemplateSyntaxError(text, "it ends with '/' (an empty segment)")
    deep = [i for i, segment in enumerate(segments) if segment.kind == DEEP]
    if len(deep) > 1:
        raise TemplateSyntaxError(text, "'**' may appear only once")
    seen: set[tuple[str, ...]] = set()
    for variable in variables:
        if variable.field_path in seen:
            raise TemplateSyntaxError(text, f"the field {variable.name!r} is bound twice")
        seen.add(variable.field_path)
    return PathTemplate(
        text=text,
        segments=tuple(segments),
        variables=tuple(variables),
        verb=verb,
        _deep=deep[0] if deep else -1,
        _verb_suffix=f":{verb}" if verb else "",
    )


def _split_verb(text: str, body: str) -> tuple[str, str]:
    """``body`` without its ``:verb``, and the verb (``""`` if none)."""
    last_slash = body.rfind("/")
    last_close = body.rfind("}")
    if last_close > last_slash:  # the last segment ends a variable: a verb can only follow the '}'
        colon = body.find(":", last_close)
        if colon < 0:
            tail = body[last_close + 1 :]
            if tail:
                raise TemplateSyntaxError(text, f"unexpected {tail!r} after the last variable")
            return body, ""
        if colon != last_close + 1:
            raise TemplateSyntaxError(text, f"unexpected {body[last_close + 1 : colon]!r} after the last variable")
    else:
        colon = body.rfind(":")
        if colon <= last_slash:
            return body, ""
    verb = body[colon + 1 :]
    if not verb or any(c in verb for c in "/{}*:="):
        raise TemplateSyntaxError(text, f"invalid verb {verb!r}")
    return body[:colon], verb


def _segment(text: str, raw: str) -> Segment:
    if raw == "*":
        return Segment(SINGLE, raw)
    if raw == "**":
        return Segment(DEEP, raw)
    if not raw:
        raise TemplateSyntaxError(text, "it has an empty segment ('//')")
    if _LITERAL_FORBIDDEN.intersection(raw):
        raise TemplateSyntaxError(text, f"invalid literal segment {raw!r}")
    return Segment(LITERAL, raw)


def _variable(text: str, inner: str, segments: list[Segment]) -> Variable:
    name, eq, pattern = inner.partition("=")
    field_path = tuple(name.split("."))
    if not all(_IDENT.fullmatch(part) for part in field_path):
        raise TemplateSyntaxError(text, f"invalid field path {name!r} in a variable")
    if eq and not pattern:
        raise TemplateSyntaxError(text, f"the variable {name!r} has an empty pattern after '='")
    parts = pattern.split("/") if eq else ["*"]
    start = len(segments)
    segments.extend(_segment(text, part) for part in parts)
    multi = len(parts) > 1 or "**" in parts
    return Variable(field_path, start, len(segments), multi)
