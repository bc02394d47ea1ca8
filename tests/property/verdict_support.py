"""The four verdicts on one payload (``check``, ``to_proto``, ``json_format.ParseDict``, ``transcode``), a strategy
that mutates valid payloads into the spellings ProtoJSON implementations disagree on, and the places
``docs/protojson.md`` documents where our verdict differs from ``json_format``'s.

Used by ``test_one_verdict.py``; each documented difference below names the section of ``docs/protojson.md`` it
encodes, so a difference the page does not name fails the test.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import hypothesis.strategies as st
from google.protobuf import descriptor, json_format
from google.protobuf.message import Message
from strategy_support import same_message

import yc_contracts
from yc_contracts import BadRequestError, Route, ValidationError, Violation
from yc_contracts.contract.descriptors import FLOAT_MAX, FLT_MAX, enum_of, is_map, message_of
from yc_contracts.testing._payloads import NAMES, ObjectNode, spelled

reg = yc_contracts.registry
_FD = descriptor.FieldDescriptor
_FLOATS: Final = frozenset({_FD.TYPE_FLOAT, _FD.TYPE_DOUBLE})
ANY: Final = "google.protobuf.Any"
_EMPTY: Final = "google.protobuf.Empty"
EMPTY_URL: Final = "type.googleapis.com/google.protobuf.Empty"
_MISSING: Final = object()

# ------------------------------------------------------------------------------------------ the verdicts


def body_routes(name: str) -> tuple[Route, ...]:
    """The routes whose body is the whole request of type ``name`` (``body: "*"``)."""
    return tuple(r for r in reg.routes() if r.body == "*" and r.method.descriptor.input_type.full_name == name)


@dataclass
class Verdict:
    """What each surface said about one payload of one message type."""

    name: str
    payload: Any
    errors: list[Violation]
    """E: ``check``'s error-severity violations (the payload is valid when there are none)."""
    built: Message | None = None
    """P: what ``to_proto`` built (None: it raised ``ValidationError``)."""
    refused: list[Violation] = field(default_factory=list)
    """P: the violations of ``to_proto``'s ``ValidationError``."""
    reference: Message | None = None
    """J: what ``json_format.ParseDict`` built (None: it refused the payload)."""
    reference_error: str = ""
    transcoded: dict[str, bool] = field(default_factory=dict)
    """R: route → whether ``transcode`` accepted the payload as that route's body."""
    text_errors: list[Violation] | None = None
    """E on the payload's JSON text (None where the payload holds a float JSON cannot spell)."""
    crashes: list[str] = field(default_factory=list)
    """Exceptions no surface documents (each one a failure)."""

    @property
    def valid(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        rules = sorted({(v.path, v.rule) for v in self.errors})
        return (
            f"{self.name}: E={'ok' if self.valid else rules} P={'ok' if self.built is not None else 'refused'} "
            f"J={'ok' if self.reference is not None else 'refused: ' + self.reference_error[:160]} "
            f"R={self.transcoded or '-'} crashes={self.crashes}\npayload={_short(self.payload)}"
        )


def verdict(name: str, payload: Any) -> Verdict:
    """Run every surface on the payload; an exception a surface does not document is recorded as a crash."""
    try:
        found = yc_contracts.check(name, payload)
    except Exception as e:  # check documents no exception for any payload
        return Verdict(name, payload, [], crashes=[f"check raised {e!r}"])
    result = Verdict(name, payload, [v for v in found if v.severity == "error"])
    if _spellable(payload):
        try:
            result.text_errors = [v for v in yc_contracts.check(name, _text(payload)) if v.severity == "error"]
        except Exception as e:  # check documents no exception for any payload
            result.crashes.append(f"check of the JSON text raised {e!r}")
    try:
        result.built = yc_contracts.to_proto(name, payload)
    except ValidationError as e:
        result.refused = list(e.violations)
    except Exception as e:  # to_proto(validate=True) documents ValidationError only
        result.crashes.append(f"to_proto raised {e!r}")
    if result.built is not None:
        _printed(result, result.built)
    try:
        result.reference = json_format.ParseDict(
            payload, reg.message_class(name)(), descriptor_pool=reg.descriptor_pool
        )
    except Exception as e:  # whatever json_format raises is its refusal
        result.reference_error = f"{type(e).__name__}: {e}"
    for route in body_routes(name):
        body = payload if isinstance(payload, dict) else _text(payload)
        try:
            yc_contracts.transcode(route.verb, route.path, body=body)
        except BadRequestError:
            result.transcoded[str(route)] = False
        except Exception as e:  # transcode documents BadRequestError for a bad body
            result.crashes.append(f"transcode({route}) raised {e!r}")
        else:
            result.transcoded[str(route)] = True
    return result


def _printed(result: Verdict, msg: Message) -> None:
    """``to_json`` prints what ``to_proto`` built, and the text reads back as an equal message."""
    try:
        text = yc_contracts.to_json(msg)
    except Exception as e:  # to_json documents no exception for a message to_proto built
        result.crashes.append(f"to_json raised {e!r}")
        return
    try:
        back = yc_contracts.to_proto(result.name, text)
    except Exception as e:  # the text to_json printed must read back
        result.crashes.append(f"to_proto(to_json(msg)) raised {e!r} on {text[:300]}")
        return
    if not same_message(back, msg):
        result.crashes.append(f"to_json(msg) reads back as another message: {text[:300]}")


def _spellable(payload: Any) -> bool:
    """Whether the payload is JSON (no NaN or infinity among its floats), so its text means the same."""
    stack = [payload]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, float) and not math.isfinite(node):
            return False
    return True


def _text(payload: Any) -> str:
    return json.dumps(payload, allow_nan=True)


def _short(value: Any, limit: int = 600) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit // 2]} … {text[-limit // 2 :]}"


# ------------------------------------------------------------------------------------------ the chain


def chain_problems(v: Verdict) -> list[str]:
    """Every way the verdicts disagree beyond what ``docs/protojson.md`` documents (empty: one verdict)."""
    problems = list(v.crashes)
    built = v.built is not None
    if v.text_errors is not None and (not v.text_errors) != v.valid:  # the same verdict on the JSON text
        problems.append(f"check of the JSON text disagrees: {v.text_errors} vs {v.errors}")
    if v.valid != built:  # E ⇔ P
        problems.append(f"check {'accepts' if v.valid else 'rejects'} but to_proto {'builds' if built else 'refuses'}")
    if not built and v.refused and not {(r.path, r.rule) for r in v.refused} <= {(e.path, e.rule) for e in v.errors}:
        problems.append(f"to_proto reports what check does not: {v.refused} vs {v.errors}")
    for route, accepted in v.transcoded.items():  # E ⇔ R
        if accepted != v.valid:
            problems.append(f"transcode {route} {'accepts' if accepted else 'rejects'} the body; check disagrees")
    if built and v.reference is None:  # P ⇒ J, except where we are documented looser
        problems.extend(_looser_problems(v))
    elif built and v.reference is not None and not same_message(v.built, v.reference):  # type: ignore[arg-type]
        problems.append(f"to_proto and json_format build different messages: {v.built} vs {v.reference}")
    if not v.valid and v.reference is not None:  # J ∧ ¬E: only where we are documented stricter
        problems.extend(
            f"undocumented strictness: {e.rule} at {e.path} ({e.message})"
            for e in v.errors
            if documented_stricter(v.name, v.payload, e) is None
        )
    return problems


# ---------------------------------------------------------------------- documented: looser than json_format


def _looser_problems(v: Verdict) -> list[str]:
    """We accept, json_format refuses: fine only for the forms docs/protojson.md ("Decisions") names, and then
    json_format must accept the payload once those forms are spelled its way."""
    normal = reference_spelling(v.payload)
    if normal == v.payload:
        return [f"we accept what json_format refuses, undocumented ({v.reference_error})"]
    try:
        json_format.ParseDict(normal, reg.message_class(v.name)(), descriptor_pool=reg.descriptor_pool)
    except Exception as e:  # whatever json_format raises is its refusal
        return [f"we accept what json_format refuses, beyond the documented forms ({type(e).__name__}: {e})"]
    return []


def reference_spelling(node: Any) -> Any:
    """The payload with each documented looser form replaced by the spelling json_format reads.

    - docs/protojson.md, Decisions, "google.protobuf.Empty inside an Any": ``{"@type": …Empty, "value": {}}``
      (what Go and C++ print) → ``{"@type": …Empty}``;
    - docs/protojson.md, Decisions, "The largest float32": numbers from the exact FLT_MAX up to
      ``3.4028235e38`` (its shortest spelling), as JSON numbers or strings → the exact FLT_MAX.
    """
    if isinstance(node, dict):
        if str(node.get("@type", "")).endswith("/google.protobuf.Empty") and node.get("value") == {}:
            node = {k: x for k, x in node.items() if k != "value"}
        return {k: reference_spelling(x) for k, x in node.items()}
    if isinstance(node, list):
        return [reference_spelling(x) for x in node]
    if isinstance(node, (int, float, str)) and not isinstance(node, bool):
        magnitude = _number(node)
        if magnitude is not None and FLT_MAX < abs(magnitude) <= FLOAT_MAX:
            exact = math.copysign(FLT_MAX, magnitude)
            return repr(exact) if isinstance(node, str) else exact
    return node


def _number(value: float | str) -> float | None:
    try:
        return float(value)
    except (ValueError, OverflowError):
        return None


# --------------------------------------------------------------------- documented: stricter than json_format

# Rules of the contract itself (docs/rules.md: the yandex.cloud options, content inspection, the service rules,
# a oneof that must have a member): json_format knows none of them, so it accepts what they reject.
_CONTRACT_PREFIXES: Final = ("option.", "content.", "ocr.", "stt.", "operation.")
_CONTRACT_RULES: Final = frozenset(
    {
        "oneof.exactly_one",
        # docs/protojson.md, Decisions: "An Any must name a type the contract knows"
        "any.type_url",
    }
)
_CANONICAL_INT: Final = re.compile(r"-?(?:0|[1-9][0-9]*)")
_JSON_NUMBER: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_BASE64_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_=")
_PADDED_BASE64: Final = re.compile(r"(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}==|[A-Za-z0-9+/_-]{3}=)")
_DURATION: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?s", re.ASCII)  # ProtoJSON's, any fraction
_FRACTION: Final = re.compile(r".*\.([0-9]*)s")
_RFC3339: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})", re.ASCII
)
_OFFSET: Final = re.compile(r".*[+-]([0-9]{2}):([0-9]{2})")

_Value = Any
_Check = Callable[[descriptor.FieldDescriptor | None, _Value, _Value], bool]
# Stricter than json_format: every row of docs/protojson.md "Where the schemas are stricter than json_format"
# (and the sections it points to), as (rule ids, the row, whether a field and value fall under it).
_STRICTER: Final[list[tuple[frozenset[str], str, _Check]]] = []


def _row(*rules: str, doc: str) -> Callable[[_Check], _Check]:
    def register(check: _Check) -> _Check:
        _STRICTER.append((frozenset(rules), doc, check))
        return check

    return register


def documented_stricter(name: str, payload: Any, error: Violation) -> str | None:
    """The place in ``docs/protojson.md`` (or the contract's rules) that says we reject, on purpose, what
    json_format accepts, for this violation read with the field and the value it points at; None if none does."""
    rule = error.rule
    if rule.startswith(_CONTRACT_PREFIXES) or rule in _CONTRACT_RULES:
        return "a rule of the contract (docs/rules.md)"
    f, value, parent = locate(name, payload, error.path)
    return next((doc for rules, doc, check in _STRICTER if rule in rules and check(f, value, parent)), None)


@_row("json.duplicate_field", doc="both sampleRateHertz and sample_rate_hertz in one object")
def _duplicate_field(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    return True


@_row("type.bytes", doc="bytes with characters outside both base64 alphabets")
def _bytes_alphabet(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    return isinstance(value, str) and not set(value) <= _BASE64_CHARS


@_row("type.bytes", doc="base64 with '=' anywhere but completing its last 4-character group")
def _bytes_padding(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    return isinstance(value, str) and "=" in value and _PADDED_BASE64.fullmatch(value) is None


@_row("type.int32", "type.uint32", "type.int64", "type.uint64", doc='integer strings "+5", "05", "1e2", "1.0"…')
def _integer_string(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    return isinstance(value, str) and _CANONICAL_INT.fullmatch(value) is None


@_row("type.float", "type.double", doc='float strings "inf", " 1", "1_0" (Python float() syntax)')
def _float_syntax(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    return isinstance(value, str) and value not in _SPECIAL and _JSON_NUMBER.fullmatch(value) is None


@_row("type.float", doc='a float given beyond float32, as the string "1e39" or as a JSON integer (10**39)')
def _float_range(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) > FLOAT_MAX
    number = _number(value) if isinstance(value, str) and value not in _SPECIAL else None
    return number is not None and abs(number) > FLOAT_MAX


@_row("type.double", doc="an integer above the largest double that float() rounds down to it")
def _double_rounded(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > sys.float_info.max


@_row("type.float", "type.double", doc="float strings with a huge exponent, unless the digits prove the range")
def _float_exponent(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    # "the accepted spellings are those certainly in range": an exponent, or more digits than the range has
    if not isinstance(value, str) or _JSON_NUMBER.fullmatch(value) is None:
        return False
    digits = len(value.lstrip("-").split(".")[0])
    return "e" in value.lower() or digits > (38 if f is not None and f.type == _FD.TYPE_FLOAT else 308)


@_row("type.enum", doc='enum numbers as strings ("3"), unknown enum numbers (9; 9.0 is 9, see Decisions)')
def _enum_number(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    if isinstance(value, str):
        return _int_text(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    known = f is not None and f.enum_type is not None and value in f.enum_type.values_by_number
    return isinstance(value, int) and not isinstance(value, bool) and not known


@_row("type.enum", doc="a non-integral number for an enum (1.5)")
def _enum_fraction(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    return isinstance(value, float) and not value.is_integer()


@_row("type.enum", "type.float", "type.double", doc="true/false for an enum, float or double field")
def _bool_number(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    return isinstance(value, bool)


@_row("type.duration", doc="durations with more than 9 fraction digits")
def _duration_digits(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    found = _FRACTION.fullmatch(value) if isinstance(value, str) else None
    return found is not None and len(found.group(1)) > 9


@_row("type.duration", doc="duration spellings Python's int() takes (' 5.185s', '+1.5s', '01s'…): the grammar's others")
def _duration_syntax(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    return isinstance(value, str) and _DURATION.fullmatch(value) is None


@_row("type.timestamp", doc="timestamp offsets beyond RFC 3339 (+24:00, +23:60); a '.' with no fraction digits")
def _timestamp_offset(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    if not isinstance(value, str):
        return False
    offset = _OFFSET.fullmatch(value)
    beyond = offset is not None and (int(offset.group(1)) > 23 or int(offset.group(2)) > 59)
    return beyond or re.search(r"\.(?:Z|[+-]|$)", value) is not None


@_row("type.timestamp", doc="timestamp spellings Python's strptime/int() take (one-digit fields, '+0:00', non-ASCII…)")
def _timestamp_syntax(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    # "RFC 3339 has two-digit fields and ASCII digits only": every spelling off its grammar
    return isinstance(value, str) and _RFC3339.fullmatch(value) is None


@_row("type.message", doc='a message field given as [] or ""')
def _message_empty(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    return value in ([], "")


@_row("type.any", doc="{} (no @type) for an Any")
def _any_untyped(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    return isinstance(value, dict) and "@type" not in value


@_row("json.nan", doc="NaN or an infinity inside a Struct/Value/ListValue, given as a Python float")
def _struct_nan(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


@_row("json.unknown_field", doc="keys beside `@type` and `value` in an `Any` holding a well-known type")
def _any_extra_key(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    packed = _packed(parent.get("@type")) if isinstance(parent, dict) else None
    return packed is not None and packed.full_name.startswith("google.protobuf.") and packed.full_name != _EMPTY


@_row("json.too_deep", doc="arrays and objects nested deeper than 254 levels (protobuf 6 only; in a Struct)")
def _too_deep(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    return True


@_row("proto.too_deep", doc='"Nesting: one limit for every runtime" (the binary decoders\' limit)')
def _nesting(f: descriptor.FieldDescriptor | None, value: _Value, parent: _Value) -> bool:
    return True


_SPECIAL: Final = ("NaN", "Infinity", "-Infinity")


def _int_text(value: str) -> bool:
    """Whether Python's int() reads the string (json_format's reading of an enum number given as a string)."""
    try:
        int(value)
    except ValueError:
        return False
    return True


def locate(name: str, payload: Any, path: str) -> tuple[descriptor.FieldDescriptor | None, Any, Any]:
    """The field a JSON Pointer of a payload of type ``name`` falls in, the value there and the object or array
    holding it (``None`` for each where the pointer leaves the payload or the descriptors)."""
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in path.split("/")[1:]] if path else []
    node: Any = payload
    parent: Any = None
    desc: descriptor.Descriptor | None = reg.message_descriptor(name)
    current: descriptor.FieldDescriptor | None = None
    item = False  # inside a repeated field or a map: the next step picks an item
    for token in tokens:
        if isinstance(node, list):
            try:
                parent, node = node, node[int(token)]
            except (ValueError, IndexError):
                return current, None, node
            item = False
            continue
        if not isinstance(node, dict) or token not in node:
            return None, None, node
        if current is not None and is_map(current) and item:
            current = message_of(current).fields_by_name["value"]
            parent, node, item = node, node[token], False
            continue
        if current is not None:
            desc = current.message_type
        if desc is None:
            return None, node.get(token), node
        if desc.full_name == ANY:
            packed = _packed(node.get("@type"))
            if packed is None or token == "@type":
                return None, node.get(token), node
            desc = packed
        fields = {f.json_name: f for f in desc.fields} | {f.name: f for f in desc.fields}
        current = fields.get(token)
        parent, node = node, node[token]
        if current is None:
            return None, node, parent
        item = current.is_repeated
    return current, node, parent


def _packed(type_url: Any) -> descriptor.Descriptor | None:
    try:
        return reg.message_descriptor(str(type_url).rsplit("/", 1)[-1])
    except Exception:  # a @type that names nothing
        return None


# ------------------------------------------------------------------------------------------ mutations

_HUGE: Final = 10**400  # a JSON number beyond every float (Python reads it as an int)
_INTS: Final[Sequence[Any]] = (
    0,
    1,
    -1,
    1.0,
    1.5,
    -0.0,
    "1",
    "-1",
    "01",
    "+1",
    "1e2",
    "1.0",
    " 1",
    "1 ",
    "0x10",
    "1_000",
    2**31,
    -(2**31) - 1,
    2**32,
    2**53 + 1,
    2**63,
    -(2**63) - 1,
    2**64,
    _HUGE,
    "9223372036854775808",
    "18446744073709551616",
    "1e400",
    True,
    "",
    "NaN",
    1e20,
    -(2.0**63),
    2.0**63,
    2.0**64,
    -1.0,
)
_FLOAT_VALUES: Final[Sequence[Any]] = (
    0,
    1,
    -1,
    1.0,
    0.5,
    -0.0,
    "0.5",
    "1",
    "-0",
    "1e2",
    "1E-3",
    "1.",
    ".5",
    "1e39",
    "3.4028235e38",
    3.4028235e38,
    3.40282350000001e38,
    3.5e38,
    1e308,
    "1e308",
    "2e308",
    "1e400",
    _HUGE,
    2**64,
    "NaN",
    "Infinity",
    "-Infinity",
    "nan",
    "inf",
    "-inf",
    " 1",
    "1_0",
    "0x1p3",
    True,
    "",
    float("nan"),
    "1" + "0" * 38,
    "1" + "0" * 308,
    "1" + "0" * 400,
    int(FLT_MAX),
    int(FLOAT_MAX),
    10**39,
    int(sys.float_info.max),
    -int(sys.float_info.max),
    2**1024,
)
_STRINGS: Final[Sequence[Any]] = ("", " ", "x", "é", "\u2028", "\ud800", "a\x00b", "x" * 300, 0, True, [], {})
_BYTES: Final[Sequence[Any]] = (
    "",
    "AAAA",
    "AA==",
    "AA",
    "AA=",
    "A",
    "AAAAA",
    "-_-_",
    "+/+/",
    "+_-/",
    "QUJD\n",
    "QU JD",
    "AA*AA",
    "====",
    "AA=A",
    "=AAA",
    "AAAA====",
    "AA==AA==",
    "QUJDRA",
    "QUJDRA=",
    "QUJDRA==",
    "\tAAAA",
    0,
)
_TIMESTAMPS: Final[Sequence[Any]] = (
    "2026-11-20T10:00:00Z",
    "2026-11-20t10:00:00z",
    "2026-11-20T10:00:00z",
    "2026-11-20t10:00:00Z",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "2026-11-20T10:00:00+24:00",
    "2026-11-20T10:00:00-24:00",
    "2026-11-20T10:00:00+00:60",
    "2026-12-31T23:59:60Z",
    "2026-02-29T00:00:00Z",
    "2024-02-29T00:00:00Z",
    "2026-11-20T10:00:00.1234567890Z",
    "2026-11-20T10:00:00.Z",
    "2026-11-20 10:00:00Z",
    "2026-11-20T10:00:00",
    "2026-11-20T10:00:00+0300",
    "0000-01-01T00:00:00Z",
    "2026-11-20T10:00:00.000000001+05:30",
    "1970-01-01T00:00:00+00:00 ",
    "1970-01-01T00:00:00+0:00",
    "1970-01-01T00:00:00+00:000",
    "1970-01-01T00:00:00+ 0:00",
    "1970-1-01T00:00:00Z",
    "1970-01-01T0:00:00Z",
    "1970-01-01T00:00:00.5_0Z",
    "1970-01-01T00:00:00.5 Z",
    "1970-01-01T00:00:00.\u0665Z",
    "\u0661\u0669\u0667\u0660-01-01T00:00:00Z",
    " 2026-11-20T10:00:00Z",
    "",
    0,
)
_DURATIONS: Final[Sequence[Any]] = (
    "1.5s",
    " 1.5s",
    "1.5s ",
    "+1.5s",
    "-1.5s",
    "-0s",
    "0s",
    "1.0000000001s",
    "1.000000000s",
    "1.s",
    ".5s",
    "1",
    "1.5 s",
    "1S",
    "315576000000s",
    "315576000000.999999999s",
    "315576000001s",
    "-315576000000.999999999s",
    "1e3s",
    "1_0s",
    "1.5_0s",
    "\t1s",
    "-01s",
    "01s",
    "-.5s",
    "5.185s",
    "\u0661s",
    "",
    1,
    1.5,
)
_FIELD_MASKS: Final[Sequence[Any]] = ("", "a", "a,b", "fooBar", "foo_bar", "a.b", "a,,b", " a", "A", 0)
_STRUCT_VALUES: Final[Sequence[Any]] = (
    {},
    {"a": _HUGE},
    {"a": 2**64},
    {"a": [1, None, {"b": "c"}]},
    {"a": -(2**70)},
    {"a": float("nan")},
    {"": None},
    [],
    "x",
    None,
    _HUGE,
)
_VALUES: Final[Sequence[Any]] = (
    None,
    0,
    1.5,
    _HUGE,
    2**64,
    "x",
    True,
    [],
    {},
    [_HUGE],
    {"a": {"b": [None]}},
    float("inf"),
)
_MESSAGES: Final[Sequence[Any]] = ({}, [], "", "x", 0, None, {"unknownKey": 1}, [{}], True)
_REPEATED: Final[Sequence[Any]] = ([], None, [None], {}, "", 0, [[]])
_ANYS: Final[Sequence[Any]] = (
    {"@type": EMPTY_URL},
    {"@type": "type.googleapis.com/google.protobuf.Struct", "value": {}, "unknownKey": 1},
    {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1s", "value2": "1s"},
    {"@type": EMPTY_URL, "unknownKey": 1},
    {"@type": "type.googleapis.com/speechkit.stt.v3.SessionUuid", "unknownKey": 1},
    {"@type": EMPTY_URL, "value": {}},
    {"@type": EMPTY_URL, "value": None},
    {"@type": EMPTY_URL, "value": []},
    {"@type": "type.googleapis.com/google.protobuf.Value", "value": _HUGE},
    {"@type": "type.googleapis.com/google.protobuf.Value", "value": 2**64},
    {"@type": "type.googleapis.com/google.protobuf.Struct", "value": {"a": _HUGE}},
    {"@type": "type.googleapis.com/google.protobuf.Duration", "value": " 1s"},
    {"@type": "type.googleapis.com/google.protobuf.Timestamp", "value": "9999-12-31T23:59:59-23:59"},
    {"@type": "type.googleapis.com/google.protobuf.Int64Value", "value": "1e3"},
    {"@type": "type.googleapis.com/google.protobuf.FloatValue", "value": 3.4028235e38},
    {"@type": "type.googleapis.com/yandex.cloud.operation.Operation", "done": 1.0},
    {"@type": "type.googleapis.com/no.such.Type"},
    {"@type": "bogus"},
    {"@type": ""},
    {},
    {"value": {}},
)
_WELL_KNOWN: Final[dict[str, Sequence[Any]]] = {
    "google.protobuf.Timestamp": _TIMESTAMPS,
    "google.protobuf.Duration": _DURATIONS,
    "google.protobuf.FieldMask": _FIELD_MASKS,
    "google.protobuf.Struct": _STRUCT_VALUES,
    "google.protobuf.Value": _VALUES,
    "google.protobuf.ListValue": ([], [_HUGE], [None], {}, None, [{"a": 2**64}]),
    "google.protobuf.Empty": ({}, [], "", None, {"a": 1}),
    "google.protobuf.Any": _ANYS,
}
_SCALAR_WRAPPERS: Final = {
    "google.protobuf.DoubleValue": _FLOAT_VALUES,
    "google.protobuf.FloatValue": _FLOAT_VALUES,
    "google.protobuf.Int64Value": _INTS,
    "google.protobuf.UInt64Value": _INTS,
    "google.protobuf.Int32Value": _INTS,
    "google.protobuf.UInt32Value": _INTS,
    "google.protobuf.BoolValue": (True, False, "true", 0, 1, None),
    "google.protobuf.StringValue": _STRINGS,
    "google.protobuf.BytesValue": _BYTES,
}


def _enum_values(f: descriptor.FieldDescriptor) -> list[Any]:
    enum = enum_of(f)
    names = [v.name for v in enum.values]
    numbers = [v.number for v in enum.values]
    return [
        *names,
        *numbers,
        *(n.lower() for n in names[:3]),
        *(float(n) for n in numbers[:2]),
        *(str(n) for n in numbers[:2]),
        f"{numbers[-1]} ",
        f"+{numbers[-1]}",
        f"0{numbers[-1]}",
        max(numbers) + 1,
        float(max(numbers) + 1),
        -1,
        -3.0,
        1.5,
        2**31,
        2.0**31,
        "UNKNOWN_VALUE",
        f"{names[-1]}X",
        "",
        True,
    ]


def values_for(f: descriptor.FieldDescriptor) -> Sequence[Any]:
    """Spellings, right and wrong, of a value of one field (one item of a repeated field, one map value)."""
    if f.message_type is not None:
        full = f.message_type.full_name
        if full in _WELL_KNOWN:
            return _WELL_KNOWN[full]
        if full in _SCALAR_WRAPPERS:
            return _SCALAR_WRAPPERS[full]
        return _MESSAGES
    if f.type in _FLOATS:
        return _FLOAT_VALUES
    if f.type == _FD.TYPE_ENUM:
        return _enum_values(f)
    if f.type == _FD.TYPE_BOOL:
        return (True, False, "true", "false", 0, 1, "", None)
    if f.type == _FD.TYPE_STRING:
        return _STRINGS
    if f.type == _FD.TYPE_BYTES:
        return _BYTES
    return _INTS


def _field_value(draw: st.DrawFn, f: descriptor.FieldDescriptor) -> Any:
    if is_map(f):
        value_field = message_of(f).fields_by_name["value"]
        keys = ["k", "", "1", "01", "-1", "true", "True", "2147483648", "18446744073709551616"]
        shape = draw(st.sampled_from(["entry", "entries", "whole"]))
        if shape == "whole":
            return draw(st.sampled_from(_REPEATED))
        count = 1 if shape == "entry" else draw(st.integers(2, 3))
        return {draw(st.sampled_from(keys)): draw(st.sampled_from(values_for(value_field))) for _ in range(count)}
    if f.is_repeated:
        shape = draw(st.sampled_from(["items", "whole", "bare"]))
        if shape == "whole":
            return draw(st.sampled_from(_REPEATED))
        if shape == "bare":  # one value where an array belongs
            return draw(st.sampled_from(values_for(f)))
        return draw(st.lists(st.sampled_from(values_for(f)), min_size=1, max_size=3))
    return draw(st.sampled_from(values_for(f)))


def _at(payload: Any, path: Sequence[str | int]) -> Any:
    node = payload
    for step in path:
        in_dict = isinstance(node, dict) and isinstance(step, str) and step in node
        if in_dict or (isinstance(node, list) and isinstance(step, int) and step < len(node)):
            node = node[step]
        else:
            return _MISSING
    return node


def _replace(payload: Any, path: Sequence[str | int], value: Any) -> Any:
    """A copy of ``payload`` with the node at ``path`` replaced (the copies go only along the path)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(payload, dict):
        return {**payload, head: _replace(payload[head], rest, value)}
    copy = list(payload)
    copy[head] = _replace(payload[head], rest, value)  # type: ignore[index]
    return copy


def _paths(node: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for k, x in node.items():
            found += _paths(x, (*prefix, k))
    elif isinstance(node, list):
        for i, x in enumerate(node):
            found += _paths(x, (*prefix, i))
    return found


def _field_edit(draw: st.DrawFn, payload: Any, objects: Sequence[ObjectNode]) -> Any:
    """A field of some object of the payload given a drawn spelling, under its JSON name, its proto name or both."""
    node = draw(st.sampled_from(objects), label="object")
    target = _at(payload, node.path)
    if not isinstance(target, dict) or not node.desc.fields:
        return payload
    f = draw(st.sampled_from(tuple(node.desc.fields)), label="field")
    value = _field_value(draw, f)
    keys = (
        [f.json_name]
        if f.json_name == f.name
        else draw(
            st.sampled_from([[f.json_name], [f.name], [f.json_name, f.name], [f.name, f.json_name]]), label="keys"
        )
    )
    edited = {k: x for k, x in target.items() if k not in (f.name, f.json_name)}
    for i, key in enumerate(keys):
        edited[key] = value if i == 0 else draw(st.sampled_from([value, None, *values_for(f)[:4]]))
    return _replace(payload, node.path, edited)


def _shape_edit(draw: st.DrawFn, payload: Any) -> Any:
    """Any node of the payload: respelled by its JSON kind, or replaced by a value of another kind."""
    path = draw(st.sampled_from(_paths(payload)), label="path")
    target = _at(payload, path)
    if isinstance(target, bool) or target is None:
        choices: Sequence[Any] = (0, "", {}, [], "true", None)
    elif isinstance(target, int):
        as_float = float(target) if abs(target) < 2**1000 else 1e308
        choices = (as_float, str(target), -target, target + 2**64, _HUGE, f"{target}.0", f"{target}e0", None)
    elif isinstance(target, float):
        choices = (str(target), int(target) if target.is_integer() else target, "1e400", _HUGE, None)
    elif isinstance(target, str):
        choices = (
            target.lower(),
            target.upper(),
            f" {target}",
            f"{target} ",
            f"{target}\n",
            target.replace("T", "t"),
            target.replace("+", "-").replace("/", "_").rstrip("="),
            target[:-1],
            f"{target}=",
            "",
            None,
            0,
            [],
            {},
        )
    elif isinstance(target, list):
        choices = ([], [None], {}, "", None, [*target, *target], target[:1] * 2)
    else:
        choices = ({}, [], "", None, {**target, "unknownKey": 1}, {**target, "@type": EMPTY_URL}, _deep(60))
    if not path:  # the root stays JSON with an object's place (a str at the root would be read as JSON text)
        choices = [c for c in choices if not isinstance(c, str)]
    return _replace(payload, path, draw(st.sampled_from(choices), label="value"))


def _deep(levels: int) -> Any:
    """Objects in arrays, ``2 * levels`` deep (60 is past protobuf's nesting limits, 130 past the JSON one; the
    strategies stay well below what hypothesis can print)."""
    node: Any = {}
    for _ in range(levels):
        node = {"a": [node]}
    return node


@st.composite
def mutated_payloads(draw: st.DrawFn, name: str) -> Any:
    """A valid payload of ``name`` (any spelling) with one to three JSON-level edits: a field given a value
    from a catalogue of hostile spellings for its type (or under both its names), or any node respelled or
    replaced by a value of another kind."""
    valid = draw(st.sampled_from(NAMES).flatmap(lambda names: spelled(name, names=names)), label="valid")
    payload = valid.payload
    for _ in range(draw(st.integers(1, 3), label="edits")):
        by_field = draw(st.booleans(), label="by field")
        if valid.objects and by_field:
            payload = _field_edit(draw, payload, valid.objects)
        else:
            payload = _shape_edit(draw, payload)
    return payload


# ------------------------------------------------------------------------------------------ the catalogue


_TYPE_NAMES: Final = {
    getattr(_FD, attr): attr.removeprefix("TYPE_").lower() for attr in dir(_FD) if attr.startswith("TYPE_")
}


def _kind(f: descriptor.FieldDescriptor) -> str:
    """What decides a field's JSON spellings: its shape and its value type (a well-known type by name)."""
    if is_map(f):
        entry = message_of(f)
        return f"map<{_kind(entry.fields_by_name['key'])}, {_kind(entry.fields_by_name['value'])}>"
    if f.message_type is not None:
        full = f.message_type.full_name
        value = full if full.startswith("google.protobuf.") else "message"
    elif f.enum_type is not None:
        value = "enum"
    else:
        value = _TYPE_NAMES[f.type]
    return f"repeated {value}" if f.is_repeated else value


def catalogue_fields() -> dict[str, list[tuple[str, descriptor.FieldDescriptor]]]:
    """Every field of every message type, grouped by kind (shape and value type)."""
    found: dict[str, list[tuple[str, descriptor.FieldDescriptor]]] = {}
    for name in reg.messages():
        for f in reg.message_descriptor(name).fields:
            found.setdefault(_kind(f), []).append((name, f))
    return dict(sorted(found.items()))


def _nested(f: descriptor.FieldDescriptor) -> list[Any]:
    """JSON nested around protobuf's limits and past the JSON one (docs/protojson.md, "Nesting"), in a field that
    holds any JSON; too deep for hypothesis to print, so in the catalogue only."""
    full = f.message_type.full_name if f.message_type is not None else ""
    depths = (8, 15, 16, 17, 20, 23, 24, 25, 33, 48, 130)
    if full == "google.protobuf.Struct":
        return [{"a": _deep(n)} for n in depths]
    if full in ("google.protobuf.Value", "google.protobuf.ListValue"):
        return [[_deep(n)] for n in depths]
    if full == ANY:
        return [{"@type": "type.googleapis.com/google.protobuf.Struct", "value": {"a": _deep(n)}} for n in depths]
    return []


def catalogue_payloads(f: descriptor.FieldDescriptor) -> list[dict[str, Any]]:
    """The field alone in an object, given each value of the hostile catalogue for its kind (and, for a field
    whose two names differ, given under both)."""
    if is_map(f):
        value_field = message_of(f).fields_by_name["value"]
        keys = ("k", "", "1", "01", "-1", "true", "True", "2147483648", "18446744073709551616")
        values: list[Any] = [*_REPEATED, *({k: "x"} for k in keys), *({"k": v} for v in values_for(value_field))]
    elif f.is_repeated:
        values = [*_REPEATED, *([v] for v in values_for(f)), *values_for(f)[:3]]
    else:
        values = [*values_for(f), *_nested(f)]
    found: list[dict[str, Any]] = [{f.json_name: v} for v in values]
    if f.json_name != f.name:
        found += [{f.json_name: v, f.name: v} for v in values[:3]]
        found += [{f.name: v} for v in values]
    return found
