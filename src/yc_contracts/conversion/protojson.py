"""REST JSON (ProtoJSON) ⇄ protobuf messages, compiled once per message type.

``to_proto`` validates first (unless told not to), then turns the JSON value into constructor arguments —
int64 strings into ints, base64 into bytes, RFC 3339 into ``seconds``/``nanos``, an ``Any`` into its packed
bytes — and builds the message with one constructor call, which protobuf runs in C. ``to_rest`` walks
``ListFields()`` (only what is set) with a converter per field. Both are plain functions after the first use
of a type; ``json_format`` is the reference they are tested against, and ``docs/protojson.md`` lists where
they are stricter.
"""

from __future__ import annotations

import base64
import calendar
import functools
import math
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Final

import orjson
import pybase64
from google.protobuf import descriptor, message

from yc_contracts.contract import wkt as _wkt
from yc_contracts.contract.compat import shortest_float
from yc_contracts.contract.descriptors import enum_of, is_map, message_of
from yc_contracts.contract.errors import UnknownNameError, YcContractsError, shown
from yc_contracts.schema.generator import null_is_refused, null_is_value
from yc_contracts.validation.violations import ValidationError, Violation, pointer

if TYPE_CHECKING:
    from yc_contracts.contract.registry import MessageRef, Registry

_FD = descriptor.FieldDescriptor
_INT64: Final = frozenset({_FD.TYPE_INT64, _FD.TYPE_UINT64, _FD.TYPE_SINT64, _FD.TYPE_SFIXED64, _FD.TYPE_FIXED64})
_INT32: Final = frozenset({_FD.TYPE_INT32, _FD.TYPE_UINT32, _FD.TYPE_SINT32, _FD.TYPE_SFIXED32, _FD.TYPE_FIXED32})
_FLOATS: Final = frozenset({_FD.TYPE_FLOAT, _FD.TYPE_DOUBLE})
_TIMESTAMP_TEXT: Final = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:(Z)|([+-])(\d{2}):(\d{2}))\Z"
)
_DURATION_TEXT: Final = re.compile(r"(-)?(\d+)(?:\.(\d{1,9}))?s\Z")
_SPECIAL: Final = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_URL_SAFE: Final = str.maketrans("-_", "+/")


class ConversionError(YcContractsError, ValueError):
    """A value that cannot become a protobuf message (only raised when validation was skipped)."""


class StreamError(YcContractsError):
    """A server stream that ended with an error: ``status`` is its ``google.rpc.Status``.

    Attributes:
        status: the error (a ``google.rpc.Status`` message of the registry's pool).
        messages: the messages received before it.
    """

    def __init__(self, status: message.Message, messages: list[message.Message]) -> None:
        self.status = status
        self.messages = messages
        super().__init__(
            f"the stream ended with error {getattr(status, 'code', '?')}: {getattr(status, 'message', '')}"
        )


# ------------------------------------------------------------------------------------------ public API


def to_proto(
    message_ref: MessageRef,
    payload: Any,
    *,
    registry: Registry | None = None,
    validate: bool = True,
    into: type[message.Message] | None = None,
    limits: Mapping[str, Any] | None = None,
    inspect_content: bool = True,
) -> message.Message:
    """A protobuf message from its REST JSON form (objects, JSON text or UTF-8 bytes).

    Args:
        message_ref: the message type: a full name, a class or instance (ours or the official SDK's), or a REST
            route (``"POST /stt/v3/recognizeFileAsync"``: its request type).
        payload: the REST JSON.
        registry: where ``message_ref`` is looked up and what the result is an instance of: the contract's own
            registry by default, or any other (:meth:`Registry.from_modules`, :meth:`Registry.from_proto_tree`,
            …), whose ``yandex.cloud`` options are then what ``validate`` checks (see :func:`yc_contracts.check`).
        validate: run the validators first (every error-severity violation is reported at once).
        into: build an instance of this class instead (a class with the same full name, e.g. the official
            SDK's).
        limits: overrides of the documented limits, for the validators (the contract's registry only).
        inspect_content: with ``validate``, also compare ``content`` with what the request declares.

    Raises:
        ValidationError: the payload breaks the contract (``validate=True``) or is not JSON.
        ConversionError: with ``validate=False``, a value that cannot be converted.
        UnknownNameError: ``message_ref`` names no message type.
        TypeError: ``into`` has another full name.
        ValueError: ``limits`` given with a registry other than the contract's.
    """
    from yc_contracts.schema.store import message_type, schema_key
    from yc_contracts.validation.payload import load_text
    from yc_contracts.validation.validator import compiled_for

    key = schema_key(message_ref, registry)
    converter = _converter_for(registry, message_type(key, registry))
    if isinstance(payload, (str, bytes, bytearray, memoryview)):
        loaded = load_text(payload)
        if loaded.value is None:
            raise ValidationError(loaded.violations)
        payload = loaded.value
    if not validate:
        msg = converter.build(payload)
    else:
        # Base64 values are checked by decoding them (a2b_base64, strict), not by the validators' pass over
        # their characters too; if a decode fails, the full validation says where and why.
        # The payload is loaded and scanned once, whichever of the passes below run.
        compiled = compiled_for(key, limits, registry=registry)
        scanned = compiled.load(payload)
        errors = _errors(compiled.violations_of_loaded(scanned, inspect_content=inspect_content, alphabet=False))
        if errors:
            # The reasons check() gives: a base64 value the first pass took on trust may be what is wrong.
            raise ValidationError(_errors(compiled.violations_of_loaded(scanned, inspect_content=inspect_content)))
        try:
            msg = converter.build(payload)
        except ConversionError:
            errors = _errors(compiled.violations_of_loaded(scanned, inspect_content=inspect_content))
            if errors:
                raise ValidationError(errors) from None
            raise
    if into is None:
        return msg
    if into.DESCRIPTOR.full_name != msg.DESCRIPTOR.full_name:
        raise TypeError(f"into= {into.DESCRIPTOR.full_name} cannot hold a {msg.DESCRIPTOR.full_name}")
    return into.FromString(msg.SerializeToString())


def _errors(found: list[Violation]) -> list[Violation]:
    return [v for v in found if v.severity == "error"]


def to_rest(
    msg: message.Message, *, registry: Registry | None = None, names: str = "json", defaults: bool = False
) -> dict[str, Any]:
    """The REST JSON form of a message (ours or the official SDK's), as Python objects.

    Canonical ProtoJSON, as ``json_format.MessageToDict`` prints it: int64 as strings, enums by name, bytes as
    base64, well-known types in their string forms, an ``Any`` unpacked with its ``@type``.

    Args:
        msg: the message.
        registry: the registry whose type of that full name the message is read as (and whose types an ``Any``
            may name): the contract's own by default, or any other, e.g. ``Registry.from_modules(["yandex.cloud"])``
            for the official SDK's messages of every service.
        names: ``"json"`` (lowerCamelCase) or ``"proto"`` field names.
        defaults: also print fields that hold their default value (those without presence).

    Raises:
        TypeError: ``msg`` is not a protobuf message instance (a type name or a class, say).
        ValueError: ``names`` is neither ``"json"`` nor ``"proto"``.
        UnknownNameError: an ``Any`` names a type the registry does not know, or the message type is unknown.
    """
    if not isinstance(msg, message.Message):
        what = (
            f"the string {shown(msg)}"
            if isinstance(msg, str)
            else f"the class {msg.__name__}"
            if isinstance(msg, type)
            else f"a {type(msg).__name__}"
        )
        raise TypeError(f"to_rest takes a protobuf message instance, got {what}")
    if names not in ("json", "proto"):
        raise ValueError(f"names must be 'json' or 'proto', not {names!r}")
    from yc_contracts.contract.registry import default_registry

    msg = (default_registry() if registry is None else registry).coerce(msg)
    converter = _converter_for(registry, msg.DESCRIPTOR.full_name)
    value: dict[str, Any] = converter.printer(names == "proto", defaults)(msg)
    return value


def to_json(
    msg: message.Message, *, registry: Registry | None = None, names: str = "json", defaults: bool = False
) -> str:
    """The REST JSON text of a message (compact, UTF-8, keys in field order); see :func:`to_rest`.

    Raises:
        TypeError: ``msg`` is not a protobuf message instance.
        ValueError: ``names`` is neither ``"json"`` nor ``"proto"``.
        UnknownNameError: an ``Any`` names a type the registry does not know, or the message type is unknown.
    """
    return orjson.dumps(to_rest(msg, registry=registry, names=names, defaults=defaults)).decode()


def to_ndjson(
    messages: Iterable[message.Message], *, registry: Registry | None = None, envelope: bool = False
) -> Iterator[str]:
    """A server stream as NDJSON: one line per message (``{"result": …}`` per line with ``envelope``); see
    :func:`to_rest` for ``registry``.

    Raises:
        TypeError: an item is not a protobuf message instance.
        UnknownNameError: an ``Any`` names a type the registry does not know, or a message type is unknown.
    """
    for msg in messages:
        rest = to_rest(msg, registry=registry)
        yield orjson.dumps({"result": rest} if envelope else rest).decode() + "\n"


def from_stream(
    message_ref: MessageRef, data: str | bytes, *, registry: Registry | None = None, validate: bool = True
) -> list[message.Message]:
    """Messages of a server stream given as NDJSON or as one JSON array.

    Each item may be a message or grpc-gateway's envelope, ``{"result": <message>}`` or
    ``{"error": <google.rpc.Status>}``. ``registry`` is where ``message_ref`` is looked up and validated (see
    :func:`to_proto`); an error's ``google.rpc.Status`` is the registry's own when it has that type, else the
    contract's.

    Raises:
        ValidationError: an item is not valid (violation paths start with the item's index, ``/3/...``), or the
            text is not JSON.
        ConversionError: with ``validate=False``, an item that cannot be converted (the message names it).
        StreamError: the stream carries an ``{"error": …}`` item; the messages before it are on the error.
        UnknownNameError: ``message_ref`` names no message type.
    """
    from yc_contracts.validation.payload import load_text

    text = data.decode("utf-8", "replace") if isinstance(data, (bytes, bytearray)) else data
    stripped = text.lstrip()
    if stripped.startswith("["):
        loaded = load_text(text)
        if loaded.value is None:
            raise ValidationError(loaded.violations)
        items: list[Any] = loaded.value
    else:
        items = []
        # NDJSON lines end at "\n" only: str.splitlines() would also split at U+2028, U+0085 and the like,
        # which JSON strings may hold unescaped.
        for number, raw_line in enumerate(text.split("\n"), 1):
            line = raw_line.removesuffix("\r")
            if not line.strip():
                continue
            loaded = load_text(line)
            if loaded.value is None:
                raise ValidationError(
                    [
                        Violation(f"/{len(items)}{v.path}", v.rule, f"line {number}: {v.message}")
                        for v in loaded.violations
                    ]
                )
            items.append(loaded.value)
    out: list[message.Message] = []
    for index, item in enumerate(items):
        if isinstance(item, dict) and set(item) == {"error"}:
            raise StreamError(_status(item["error"], registry, validate), out)
        body = item["result"] if isinstance(item, dict) and set(item) == {"result"} else item
        try:
            out.append(to_proto(message_ref, body, registry=registry, validate=validate))
        except ValidationError as e:
            raise ValidationError(
                Violation(f"/{index}{v.path}", v.rule, v.message, v.severity) for v in e.violations
            ) from None
        except ConversionError as e:  # validate=False
            raise ConversionError(f"item {index}: {e}") from None
    return out


def _status(error: Any, registry: Registry | None, validate: bool) -> message.Message:
    """A stream's ``{"error": …}`` as a ``google.rpc.Status`` of ``registry`` (a tree need not import it)."""
    if registry is not None:
        from yc_contracts.schema.store import documents

        if _STATUS not in documents(registry):
            registry = None
    return to_proto(_STATUS, error, registry=registry, validate=validate)


_STATUS: Final = "google.rpc.Status"

# ------------------------------------------------------------------------------------------ compilation

_converters: dict[str, _MessageConverter] = {}
"""The contract's converters; another registry keeps its own (:func:`_converter_for`), freed with it."""
_lock = threading.RLock()


def _converter(full_name: str) -> _MessageConverter:
    found = _converters.get(full_name)
    if found is not None:
        return found
    from yc_contracts.contract.registry import default_registry

    with _lock:
        found = _converters.get(full_name)
        if found is None:
            found = _converters[full_name] = _MessageConverter(default_registry(), full_name)
        return found


class _Step(tuple[Any, Any]):
    """A path spelled out only when an error needs it: ``(parent path, key)``.

    Building a new list per field would cost more than the conversion itself; a pair is cheap.
    """

    __slots__ = ()


def _spelled(path: Any) -> list[Any]:
    parts: list[Any] = []
    while isinstance(path, _Step):
        path, key = path
        parts.append(key)
    return [*path, *reversed(parts)]


def _IDENTITY(value: Any, path: Any) -> Any:  # noqa: N802 - a marker as much as a function
    return value


def _bad(path: Any, what: str) -> ConversionError:
    return ConversionError(f"{pointer(_spelled(path)) or '/'}: {what}")


def _to_int(value: Any, path: Any) -> int:
    if type(value) is int:
        return value
    if isinstance(value, bool):
        raise _bad(path, f"{value!r} is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    raise _bad(path, f"{value!r} is not an integer")


def _to_float(value: Any, path: Any) -> float:
    if isinstance(value, bool):
        raise _bad(path, f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        if value in _SPECIAL:
            return _SPECIAL[value]
        try:
            return float(value)
        except ValueError:
            pass
    raise _bad(path, f"{value!r} is not a number")


def _to_bytes(value: Any, path: Any) -> bytes:
    if not isinstance(value, str):
        raise _bad(path, "bytes are base64 text")
    text = value
    if "-" in text or "_" in text:
        text = text.translate(_URL_SAFE)
    tail = text[-4:]
    padding = len(tail) - len(tail.rstrip("="))
    if padding:  # only what completes the last group: a2b_base64 takes "AAAA====", and the re-padding "AA="
        body = len(text) - padding
        if padding > 2 or body % 4 == 1 or padding != -body % 4:
            raise _bad(path, "not base64: '=' padding that does not complete the last 4-character group")
    if len(text) % 4:  # unpadded: pad (a copy, but only of text that has no padding to begin with)
        text = text.rstrip("=")
        text += "=" * (-len(text) % 4)
    try:
        # The strict grammar of binascii.a2b_base64(strict_mode=True), with SIMD: a str is read as ASCII directly
        decoded: bytes = pybase64.b64decode(text, validate=True)
    except ValueError as e:  # binascii.Error, or a str that is not ASCII
        raise _bad(path, f"not base64: {e}") from None
    return decoded


def parse_timestamp(value: Any, path: Any | None = None) -> dict[str, int]:
    """``seconds``/``nanos`` of an RFC 3339 time.

    Raises:
        ConversionError: not an RFC 3339 time ProtoJSON accepts.
    """
    match = _TIMESTAMP_TEXT.match(value) if isinstance(value, str) else None
    if match is None:
        raise _bad(path or [], f"{value!r} is not an RFC 3339 time")
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    try:
        seconds = calendar.timegm((int(year), int(month), int(day), int(hour), int(minute), int(second), 0, 0, 0))
        import datetime

        datetime.date(int(year), int(month), int(day))
    except ValueError as e:
        raise _bad(path or [], f"{value!r}: {e}") from None
    if not zulu:
        offset = (int(off_h) * 60 + int(off_m)) * 60
        seconds -= offset if sign == "+" else -offset
    low, high = _wkt.TIMESTAMP_SECONDS
    if not low <= seconds <= high:
        raise _bad(path or [], f"{value!r} is outside 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z")
    nanos = int((fraction or "").ljust(9, "0"))
    return {"seconds": seconds, "nanos": nanos} if nanos else {"seconds": seconds}


def parse_duration(value: Any, path: Any | None = None) -> dict[str, int]:
    """``seconds``/``nanos`` of a ProtoJSON duration (``"-1.5s"``); both carry the sign.

    Raises:
        ConversionError: not a duration.
    """
    if type(value) is str and value[-1:] == "s":
        # The common spellings ("12s", "1.500s") without a regex: this runs once per word of a transcript.
        body = value[1:-1] if value[:1] == "-" else value[:-1]
        whole, dot, fraction = body.partition(".")
        if (
            whole.isascii()
            and whole.isdigit()
            and (not dot or (fraction.isascii() and fraction.isdigit() and len(fraction) <= 9))
        ):
            seconds, nanos = int(whole), int(fraction.ljust(9, "0")) if dot else 0
            if value[:1] == "-":
                seconds, nanos = -seconds, -nanos
            return {"seconds": seconds, "nanos": nanos}
    match = _DURATION_TEXT.match(value) if type(value) is str else None
    if match is None:
        raise _bad(path or [], f"{value!r} is not a duration like '1.5s'")
    negative, whole, fraction = match.groups()
    seconds, nanos = int(whole), int((fraction or "").ljust(9, "0"))
    if negative:
        seconds, nanos = -seconds, -nanos
    out = {}
    if seconds:
        out["seconds"] = seconds
    if nanos:
        out["nanos"] = nanos
    return out


def _format_timestamp(msg: Any) -> str:
    text: str = msg.ToJsonString()
    return text


class _MessageConverter:
    """JSON → constructor arguments, and message → JSON, for one message type."""

    def __init__(self, registry: Registry, full_name: str) -> None:
        self.reg = registry
        self.desc = registry.message_descriptor(full_name)
        self.cls = registry.message_class(full_name)
        self._parsers: dict[str, tuple[str, Callable[[Any, Any], Any]]] | None = None
        # null sets a google.protobuf.Value (to NullValue) and a NullValue enum with presence (a oneof member,
        # optional); it is no list or map of Values; for any other field it means "absent".
        self.null_values: dict[str, Any] = {
            f.name: {"null_value": 0} if f.message_type is not None else 0 for f in self.desc.fields if null_is_value(f)
        }
        self.null_refused = frozenset(f.name for f in self.desc.fields if null_is_refused(f))
        self._printers: dict[tuple[bool, bool], Callable[[message.Message], Any]] = {}

    # ------------------------------------------------------------------------------------ JSON → proto

    def build(self, value: Any) -> message.Message:
        name = self.desc.full_name
        if name in _wkt.SCHEMAS or name in _wkt.WRAPPERS or name == _wkt.ANY:
            kwargs = _wkt_kwargs(self, value, [])
            if name in ("google.protobuf.Struct", "google.protobuf.ListValue"):
                return self._wkt_from_value(kwargs)  # its keys are data, not field names
            return self.cls(**kwargs)
        try:
            return self.cls(**self.kwargs(value, []))
        except (TypeError, ValueError) as e:
            if isinstance(e, ConversionError):
                raise
            raise ConversionError(f"cannot build a {self.desc.full_name}: {e}") from e

    def _wkt_from_value(self, value: Any) -> message.Message:
        msg = self.cls()
        if self.desc.full_name == "google.protobuf.Struct":
            msg.update(value)  # type: ignore[attr-defined]
        elif self.desc.full_name == "google.protobuf.ListValue":
            msg.extend(value)  # type: ignore[attr-defined]
        return msg

    def parsers(self) -> dict[str, tuple[str, Callable[[Any, Any], Any]]]:
        if self._parsers is None:
            table: dict[str, tuple[str, Callable[[Any, Any], Any]]] = {}
            for f in self.desc.fields:
                parse = _field_parser(self.reg, f)
                table[f.json_name] = (f.name, parse)
                table[f.name] = (f.name, parse)
            self._parsers = table
        return self._parsers

    def kwargs(self, value: Any, path: Any) -> dict[str, Any]:
        if type(value) is not dict and not isinstance(value, dict):
            raise _bad(path, f"a {self.desc.full_name} is a JSON object")
        parsers = self._parsers if self._parsers is not None else self.parsers()
        out: dict[str, Any] = {}
        for key, item in value.items():
            entry = parsers.get(key)
            if entry is None:
                raise _bad(_Step((path, key)), f"{self.desc.full_name} has no field {key!r}")
            if item is None:
                if entry[0] in self.null_values:
                    out[entry[0]] = self.null_values[entry[0]]
                elif entry[0] in self.null_refused:
                    raise _bad(_Step((path, key)), "null is not a list or map of google.protobuf.Value")
                continue
            parse = entry[1]
            out[entry[0]] = item if parse is _IDENTITY else parse(item, _Step((path, key)))
        return out

    # ------------------------------------------------------------------------------------ proto → JSON

    def printer(self, proto_names: bool, defaults: bool) -> Callable[[message.Message], Any]:
        key = (proto_names, defaults)
        found = self._printers.get(key)
        if found is None:
            found = self._printers[key] = _message_printer(self, proto_names, defaults)
        return found


def _field_parser(reg: Registry, f: descriptor.FieldDescriptor) -> Callable[[Any, Any], Any]:
    if is_map(f):
        key_field = message_of(f).fields_by_name["key"]
        value_parse = _value_parser(reg, message_of(f).fields_by_name["value"])
        key_parse = _map_key_parser(key_field)

        def parse_map(value: Any, path: Any) -> dict[Any, Any]:
            if not isinstance(value, dict):
                raise _bad(path, "a map is a JSON object")
            return {key_parse(k, _Step((path, k))): value_parse(v, _Step((path, k))) for k, v in value.items()}

        return parse_map
    item_parse = _value_parser(reg, f)
    if f.is_repeated:
        # A google.protobuf.Value item may be null (a Value holding NullValue), as json_format reads it.
        null_items = f.message_type is not None and f.message_type.full_name == "google.protobuf.Value"

        def parse_list(value: Any, path: Any) -> list[Any]:
            if not isinstance(value, (list, tuple)):
                raise _bad(path, "a repeated field is a JSON array")
            if item_parse is _IDENTITY:
                if None in value:
                    raise _bad(path, "null is not an item")
                return list(value)
            out = []
            for i, item in enumerate(value):
                if item is None and not null_items:
                    raise _bad(_Step((path, i)), "null is not an item")
                out.append(item_parse(item, _Step((path, i))))
            return out

        return parse_list
    return item_parse


def _map_key_parser(key: descriptor.FieldDescriptor) -> Callable[[Any, Any], Any]:
    if key.type == _FD.TYPE_BOOL:
        return lambda k, path: {"true": True, "false": False}[k] if k in ("true", "false") else _fail(path, k)
    if key.type in _INT64 or key.type in _INT32:
        return _to_int
    return lambda k, path: k


def _fail(path: Any, value: Any) -> Any:
    raise _bad(path, f"{value!r} is not a valid key")


def _value_parser(reg: Registry, f: descriptor.FieldDescriptor) -> Callable[[Any, Any], Any]:
    ftype = f.type
    if ftype in _INT64 or ftype in _INT32:
        return _to_int
    if ftype in _FLOATS:
        return _to_float
    if ftype in (_FD.TYPE_BOOL, _FD.TYPE_STRING):
        return _IDENTITY  # protobuf's constructor refuses a value of the wrong type
    if ftype == _FD.TYPE_BYTES:
        return _to_bytes
    if ftype == _FD.TYPE_ENUM:
        enum = enum_of(f)
        by_name = {v.name: v.number for v in enum.values}
        numbers = {v.number for v in enum.values}

        def parse_enum(value: Any, path: Any) -> int:
            if isinstance(value, str) and value in by_name:
                return by_name[value]
            if isinstance(value, int) and not isinstance(value, bool) and value in numbers:
                return value
            if isinstance(value, float) and value.is_integer() and int(value) in numbers:
                return int(value)  # 1.0 is the JSON number 1, as json_format and JSON Schema read it
            raise _bad(path, f"{value!r} is not a value of {enum.full_name}")

        return parse_enum
    target = message_of(f)
    name = target.full_name
    if name == "google.protobuf.Duration":
        return parse_duration
    if name == "google.protobuf.Timestamp":
        return parse_timestamp
    if name in _wkt.SCHEMAS or name in _wkt.WRAPPERS or name == _wkt.ANY:
        converter = _converter_for(reg, name)
        return lambda value, path: _wkt_kwargs(converter, value, path)

    child: list[_MessageConverter] = []

    def parse_message(value: Any, path: Any) -> dict[str, Any]:
        if not child:
            child.append(_converter_for(reg, name))  # resolved on first use: message types may be recursive
        return child[0].kwargs(value, path)

    return parse_message


def _converter_for(reg: Registry | None, name: str) -> _MessageConverter:
    """The converter of ``name`` in ``reg`` (``None``: the contract's): nested and ``Any`` types are looked up
    where their parent was.

    Another registry's converters live with it (:meth:`Registry.derived`), so they go when it goes.
    """
    from yc_contracts.contract.registry import default_registry

    if reg is None or reg is default_registry():
        return _converter(name)
    table: dict[str, _MessageConverter] = reg.derived("conversion.converters", dict)
    found = table.get(name)
    if found is not None:
        return found
    with _lock:
        found = table.get(name)
        if found is None:
            found = table[name] = _MessageConverter(reg, name)
        return found


def _wkt_kwargs(conv: _MessageConverter, value: Any, path: Any) -> Any:
    """Constructor arguments (or a value protobuf accepts as is) for a well-known type's JSON form."""
    name = conv.desc.full_name
    if name == "google.protobuf.Timestamp":
        return parse_timestamp(value, path)
    if name == "google.protobuf.Duration":
        return parse_duration(value, path)
    if name == "google.protobuf.FieldMask":
        if not isinstance(value, str):
            raise _bad(path, "a FieldMask is a string")
        return {"paths": [_snake(p) for p in value.split(",") if p]}
    if name in ("google.protobuf.Struct", "google.protobuf.ListValue", "google.protobuf.Value"):
        if name == "google.protobuf.Struct" and not isinstance(value, dict):
            raise _bad(path, "a Struct is a JSON object")
        if name == "google.protobuf.ListValue" and not isinstance(value, list):
            raise _bad(path, "a ListValue is a JSON array")
        if name == "google.protobuf.Value":
            return _value_kwargs(value, path)
        return _check_numbers(value, path)
    if name == "google.protobuf.Empty":
        if not isinstance(value, dict) or value:
            raise _bad(path, "an Empty is {}")
        return {}
    if name in _wkt.WRAPPERS:
        inner = conv.desc.fields_by_name["value"]
        return {"value": _value_parser(conv.reg, inner)(value, path)}
    return _any_kwargs(conv.reg, value, path)


def _value_kwargs(value: Any, path: Any) -> dict[str, Any]:
    if value is None:
        return {"null_value": 0}
    if isinstance(value, bool):
        return {"bool_value": value}
    if isinstance(value, (int, float)):
        return {"number_value": _to_double(value, path)}
    if isinstance(value, str):
        return {"string_value": value}
    if isinstance(value, dict):
        return {"struct_value": value}
    if isinstance(value, list):
        return {"list_value": {"values": [_value_kwargs(v, _Step((path, i))) for i, v in enumerate(value)]}}
    raise _bad(path, f"{type(value).__name__} is not a JSON value")


def _to_double(value: float, path: Any) -> float:
    try:
        return float(value)
    except OverflowError:
        raise _bad(path, f"an integer of {len(str(abs(value))):,} digits is beyond the range of a double") from None


def _check_numbers(value: Any, path: Any) -> Any:
    """``value`` (a Struct's or ListValue's JSON), once every number in it is known to fit a double: protobuf
    would raise ``OverflowError`` from inside its constructor. Iterative, so any depth is safe."""
    stack: list[tuple[Any, Any]] = [(value, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            stack.extend((v, _Step((where, k))) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, _Step((where, i))) for i, v in enumerate(node))
        elif type(node) is int and not -(2**1023) < node < 2**1023:
            _to_double(node, where)
    return value


def _any_kwargs(reg: Registry, value: Any, path: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("@type"), str):
        raise _bad(path, 'an Any is an object with an "@type"')
    url = value["@type"]
    try:
        cls = reg.resolve_type_url(url)
    except UnknownNameError:
        raise _bad(_Step((path, "@type")), f"{url!r} names no known type") from None
    inner = cls.DESCRIPTOR.full_name
    conv = _converter_for(reg, inner)
    if inner in _wkt.VALUE_IN_ANY or (inner == "google.protobuf.Empty" and "value" in value):
        body = value.get("value")
        msg = conv.build(body if body is not None or inner == "google.protobuf.Value" else {})
    else:
        msg = conv.build({k: v for k, v in value.items() if k != "@type"})
    # Packed as json_format.ParseDict packs, with SerializeToString() (deterministic=True would sort map keys): map
    # entries in the map's own order, which depends only on the keys and their order of insertion (upb hashes them
    # with a per-process seed; pure Python keeps insertion order). The JSON's keys are inserted in its order, as
    # ParseDict inserts them, so the bytes are ParseDict's.
    return {"type_url": url, "value": msg.SerializeToString()}


def _snake(json_path: str) -> str:
    return ".".join("".join(f"_{c.lower()}" if c.isupper() else c for c in part) for part in json_path.split("."))


def _camel(proto_path: str) -> str:
    def part(p: str) -> str:
        head, *rest = p.split("_")
        return head + "".join(w[:1].upper() + w[1:] for w in rest)

    return ".".join(part(p) for p in proto_path.split("."))


# --------------------------------------------------------------------------------------------- printing


def _message_printer(conv: _MessageConverter, proto_names: bool, defaults: bool) -> Callable[[message.Message], Any]:
    name = conv.desc.full_name
    if name in _wkt.SCHEMAS or name in _wkt.WRAPPERS or name == _wkt.ANY:
        return lambda msg: _print_wkt(conv, msg, proto_names, defaults)
    fields: dict[int, tuple[str, Callable[[Any], Any]]] = {}
    absent: list[tuple[descriptor.FieldDescriptor, str, Callable[[Any], Any]]] = []
    for f in conv.desc.fields:
        key = f.name if proto_names else f.json_name
        value_print = _field_printer(conv.reg, f, proto_names, defaults)
        fields[f.number] = (key, value_print)
        if defaults and (f.is_repeated or not f.has_presence):
            absent.append((f, key, value_print))

    def print_message(msg: message.Message) -> dict[str, Any]:
        out = {}
        for fd, value in msg.ListFields():
            key, value_print = fields[fd.number]
            out[key] = value if value_print is _SAME else value_print(value)
        if absent:
            for f, key, value_print in absent:
                if key not in out:
                    out[key] = value_print(getattr(msg, f.name))
        return out

    return print_message


def _field_printer(
    reg: Registry, f: descriptor.FieldDescriptor, proto_names: bool, defaults: bool
) -> Callable[[Any], Any]:
    if is_map(f):
        entry = message_of(f)
        key_field, value_field = entry.fields_by_name["key"], entry.fields_by_name["value"]
        value_print = _value_printer(reg, value_field, proto_names, defaults)
        if key_field.type == _FD.TYPE_BOOL:
            return lambda m: {("true" if k else "false"): value_print(v) for k, v in m.items()}
        return lambda m: {str(k): value_print(v) for k, v in m.items()}
    item_print = _value_printer(reg, f, proto_names, defaults)
    if f.is_repeated:
        if item_print is _SAME:
            return list
        return lambda values: [item_print(v) for v in values]
    return item_print


def _value_printer(
    reg: Registry, f: descriptor.FieldDescriptor, proto_names: bool, defaults: bool
) -> Callable[[Any], Any]:
    ftype = f.type
    if ftype in _INT64:
        return str
    if ftype in _INT32 or ftype in (_FD.TYPE_BOOL, _FD.TYPE_STRING):
        return _SAME
    if ftype in _FLOATS:
        return _print_float if ftype == _FD.TYPE_DOUBLE else _print_float32
    if ftype == _FD.TYPE_BYTES:
        return lambda v: base64.b64encode(v).decode("ascii")
    if ftype == _FD.TYPE_ENUM:
        enum = enum_of(f)
        names = {v.number: v.name for v in enum.values}
        if enum.full_name == "google.protobuf.NullValue":
            return lambda v: None
        return lambda v: names.get(v, v)
    name = message_of(f).full_name
    if name == "google.protobuf.Duration":
        return _print_duration
    resolved: list[Callable[[Any], Any]] = []

    def print_message(value: Any) -> Any:
        if not resolved:
            resolved.append(_converter_for(reg, name).printer(proto_names, defaults))  # lazily: may be recursive
        return resolved[0](value)

    return print_message


def _SAME(value: Any) -> Any:  # noqa: N802 - a marker as much as a function
    return value


def _print_duration(msg: Any) -> str:
    """ProtoJSON's spelling of a Duration: 0, 3, 6 or 9 fraction digits (what ``ToJsonString`` prints)."""
    seconds, nanos = msg.seconds, msg.nanos
    sign = "-" if seconds < 0 or nanos < 0 else ""
    seconds, nanos = abs(seconds), abs(nanos)
    if not nanos:
        return f"{sign}{seconds}s"
    if nanos % 1_000_000 == 0:
        return f"{sign}{seconds}.{nanos // 1_000_000:03d}s"
    if nanos % 1_000 == 0:
        return f"{sign}{seconds}.{nanos // 1_000:06d}s"
    return f"{sign}{seconds}.{nanos:09d}s"


def _print_float(value: float) -> Any:
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def _print_float32(value: float) -> Any:
    """A float field as ProtoJSON prints it: the shortest decimal that reads back as the same float32."""
    if value == 0.0 or not math.isfinite(value):  # keeps -0.0 apart from 0.0, which a cache would merge
        return _print_float(value)
    return _shortest_float32(value)


@functools.lru_cache(maxsize=4096)
def _shortest_float32(value: float) -> float:
    return shortest_float(value)  # cached: confidences and the like repeat a lot


def _print_wkt(conv: _MessageConverter, msg: Any, proto_names: bool, defaults: bool) -> Any:
    name = conv.desc.full_name
    if name in ("google.protobuf.Timestamp", "google.protobuf.Duration"):
        return msg.ToJsonString()
    if name == "google.protobuf.FieldMask":
        return ",".join(_camel(p) for p in msg.paths)
    if name == "google.protobuf.Struct":
        return {k: _print_value(v) for k, v in msg.fields.items()}
    if name == "google.protobuf.ListValue":
        return [_print_value(v) for v in msg.values]
    if name == "google.protobuf.Value":
        return _print_value(msg)
    if name == "google.protobuf.Empty":
        return {}
    if name in _wkt.WRAPPERS:
        value_field = conv.desc.fields_by_name["value"]
        return _value_printer(conv.reg, value_field, proto_names, defaults)(msg.value)
    # google.protobuf.Any
    cls = conv.reg.resolve_type_url(msg.type_url)
    packed = cls.FromString(msg.value)
    printed = _converter_for(conv.reg, cls.DESCRIPTOR.full_name).printer(proto_names, defaults)(packed)
    if cls.DESCRIPTOR.full_name in _wkt.VALUE_IN_ANY:
        return {"@type": msg.type_url, "value": printed}
    return {"@type": msg.type_url, **printed}


def _print_value(value: Any) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "null_value" or kind is None:
        return None
    if kind == "number_value":
        number: float = value.number_value
        if not math.isfinite(number):
            # JSON has no number for it, and a string would read back as a string_value.
            raise ConversionError(f"a google.protobuf.Value holds {number}, which JSON cannot spell as a number")
        return number
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        return {k: _print_value(v) for k, v in value.struct_value.fields.items()}
    return [_print_value(v) for v in value.list_value.values]
