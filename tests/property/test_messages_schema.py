"""``yc_contracts.testing.messages``: every message it draws satisfies every option and rule, and its ProtoJSON
form is accepted by the published JSON Schema (checked with the reference validator).
"""

from __future__ import annotations

import importlib.util
import math
import re
import struct
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import generate
import hypothesis.strategies as st
import pytest
import referencing
from google.protobuf import descriptor, descriptor_pb2, json_format
from google.protobuf.message import Message
from hypothesis import Phase, find, given, settings
from jsonschema import Draft202012Validator
from referencing.jsonschema import DRAFT202012
from schema_support import Failure, failures

import yc_contracts
from yc_contracts import Registry, UnknownNameError
from yc_contracts.contract.options import field_rules, oneof_exactly_one
from yc_contracts.rules.ruleset import Rule, RuleSet, When, load_rules
from yc_contracts.schema.generator import SchemaGenerator, schema_id
from yc_contracts.testing import messages

reg = yc_contracts.registry
RULES = load_rules(reg).rules
OPERATION = "yandex.cloud.operation.Operation"
V3 = "speechkit.stt.v3.RecognizeFileRequest"
V2 = "yandex.cloud.ai.stt.v2.LongRunningRecognitionRequest"
SPEC = "yandex.cloud.ai.stt.v2.RecognitionSpec"
FORMS = "yc_test.v1.ValidationForms"
RULES_BY_ID = {r.id: r for r in RULES}
HAVE_SDK = importlib.util.find_spec("yandex") is not None and importlib.util.find_spec("yandexcloud") is not None

# ProtoJSON's spelling of the largest float32 (json_format writes the shortest decimal that reads back as the
# same float32), which is above the schema's float maximum: the known schema bug described above.
FLOAT32_MAX_JSON = 3.4028235e38


def to_json(msg: Message, *, proto_names: bool = False) -> Any:
    return json_format.MessageToDict(msg, descriptor_pool=reg.descriptor_pool, preserving_proto_field_name=proto_names)


def _at(payload: Any, pointer: str) -> Any:
    node = payload
    for part in pointer.split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def unexpected_failures(key: str, payload: Any) -> list[Failure]:
    return failures(key, payload)


# ------------------------------------------------------------------------------------------ an independent checker
# Every option and rule, checked directly on a message (not through the schema), errors and warnings alike.


def present(msg: Message, field: descriptor.FieldDescriptor) -> bool:
    """Whether the field appears in the message's JSON form."""
    if field.is_repeated:
        return len(getattr(msg, field.name)) > 0
    if field.has_presence:
        return msg.HasField(field.name)
    value = getattr(msg, field.name)
    if isinstance(value, float):
        return value != 0 or math.copysign(1, value) < 0  # -0.0 is written out
    return bool(value != field.default_value)


def holds(msg: Message, field: descriptor.FieldDescriptor, when: When) -> bool:
    if not present(msg, field):
        return when.absent is not None and when.absent in when.values
    value = getattr(msg, field.name)
    if field.enum_type is not None:
        value = field.enum_type.values_by_number[value].name
    return value in when.values


def items(msg: Message, field: descriptor.FieldDescriptor) -> list[Any]:
    """The values a value-level check looks at: list items, map values, or the value where it appears."""
    value = getattr(msg, field.name)
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        return list(value.values())
    if field.is_repeated:
        return list(value)
    return [value] if present(msg, field) else []


def non_default(msg: Message, field: descriptor.FieldDescriptor) -> bool:
    if not present(msg, field):
        return False
    if field.is_repeated or field.message_type is not None:
        return True
    return bool(getattr(msg, field.name) != field.default_value)


def measure(field: descriptor.FieldDescriptor, value: Any) -> Decimal:
    """A value as the ``value`` option compares it: numbers, enum numbers, wrapped numbers, seconds."""
    if field.message_type is not None:
        name = field.message_type.full_name
        if name in ("google.protobuf.Duration", "google.protobuf.Timestamp"):
            return Decimal(value.seconds) + Decimal(value.nanos) / Decimal(10**9)
        value = value.value
    return Decimal(value)


def rule_holds(reg: Registry, msg: Message, field: descriptor.FieldDescriptor, rule: Rule) -> bool:
    kind, arg = rule.kind, rule.argument
    if kind == "required":
        return non_default(msg, field)
    if kind in ("forbidden", "ignored"):
        return not present(msg, field)
    values = items(msg, field)
    if kind == "one_of":
        if field.enum_type is not None:
            values = [field.enum_type.values_by_number[v].name for v in values]
        return all(v in arg for v in values)
    if kind == "range":
        bounds = {"gt": Decimal.__gt__, "ge": Decimal.__ge__, "lt": Decimal.__lt__, "le": Decimal.__le__}
        return all(bounds[k](Decimal(v), Decimal(str(b))) for v in values for k, b in arg.items())
    if kind == "max_length":
        return all(len(v) <= arg for v in values)
    if kind == "pattern":
        return all(re.fullmatch(arg, v) for v in values)
    if kind == "max_decoded_bytes":
        return all(len(v) <= arg for v in values)
    if kind == "enum_of":
        numbers = {v.number for v in reg.enum_descriptor(arg).values}
        return all(v in numbers for v in values)
    raise AssertionError(f"unknown rule kind {kind}")


def option_violations(reg: Registry, msg: Message, field: descriptor.FieldDescriptor) -> Iterator[str]:
    opts = field_rules(reg.options(field), field)
    if opts.is_empty:
        return
    entry = field.message_type if field.message_type is not None and field.message_type.GetOptions().map_entry else None
    element = entry.fields_by_name["value"] if entry is not None else field
    values = items(msg, field)
    if opts.required and not non_default(msg, field):
        yield "required"
    if opts.pattern and not all(re.fullmatch(opts.pattern, v) for v in values):
        yield "pattern"
    if opts.value is not None and not all(any(iv.contains(measure(element, v)) for iv in opts.value) for v in values):
        yield "value"
    for name, bounds in (("length", opts.length), ("bytes", opts.bytes)):
        if bounds is None:
            continue
        for v in values:
            raw = v.value if isinstance(v, Message) and "value" in v.DESCRIPTOR.fields_by_name else v
            if isinstance(raw, Message):
                size = raw.ByteSize()
            elif name == "bytes" and isinstance(raw, str):
                size = len(raw.encode("utf-8"))
            else:
                size = len(raw)
            if not any(iv.contains(Decimal(size)) for iv in bounds):
                yield name
    count = Decimal(len(getattr(msg, field.name))) if field.is_repeated else None
    if opts.size is not None and count and not any(iv.contains(count) for iv in opts.size):
        yield "size"
    if opts.unique:
        keys = [v.SerializeToString(deterministic=True) if isinstance(v, Message) else v for v in values]
        if len(set(keys)) != len(keys):
            yield "unique"
    if opts.map_key is not None:
        spec = opts.map_key
        for key in getattr(msg, field.name):
            if spec.pattern and not re.fullmatch(spec.pattern, key):
                yield "map_key.pattern"
            if spec.length and not any(iv.contains(Decimal(len(key))) for iv in spec.length):
                yield "map_key.length"
            if spec.value and not (
                (isinstance(key, int) or re.fullmatch(r"0|-?[1-9][0-9]*", key))
                and any(iv.contains(Decimal(int(key))) for iv in spec.value)
            ):
                yield "map_key.value"


def violations(
    reg: Registry, msg: Message, rules: tuple[Rule, ...], inherited: tuple[tuple[Rule, tuple[str, ...]], ...] = ()
) -> list[str]:
    """Every option and rule ``msg`` breaks, as ``"<type>.<field>: <what>"``; empty when it is valid."""
    desc = msg.DESCRIPTOR
    fields = desc.fields_by_name
    out: list[str] = []
    pending = [(r, r.path) for r in rules if r.message == desc.full_name] + list(inherited)
    down: dict[str, list[tuple[Rule, tuple[str, ...]]]] = {}
    for rule, rest in pending:
        if rest:
            down.setdefault(rest[0], []).append((rule, rest[1:]))
            continue
        if rule.when is not None and not holds(msg, fields[rule.when.field], rule.when):
            continue
        if rule.is_object_check:
            count = sum(present(msg, fields[m]) for m in rule.argument)
            if count > 1 or (rule.kind == "exactly_one" and count != 1):
                out.append(f"{desc.full_name}: {rule.id}")
        elif not rule_holds(reg, msg, fields[rule.field or ""], rule):
            out.append(f"{desc.full_name}.{rule.field}: {rule.id}")
    for name, passing in down.items():
        if any(r.kind == "required" for r, _ in passing) and not msg.HasField(name):
            out.append(f"{desc.full_name}.{name}: required on the path of {passing[0][0].id}")
    for oneof in desc.oneofs:
        if oneof_exactly_one(reg.options(oneof)) and msg.WhichOneof(oneof.name) is None:
            out.append(f"{desc.full_name}.{oneof.name}: exactly_one")
    for field in desc.fields:
        out += [f"{field.full_name}: option {what}" for what in option_violations(reg, msg, field)]
        if field.message_type is None:
            continue
        children = items(msg, field)
        if children and isinstance(children[0], Message):
            for child in children:
                content = child
                if child.DESCRIPTOR.full_name == "google.protobuf.Any":
                    content = reg.resolve_type_url(child.type_url).FromString(child.value)
                passing_down = tuple(down.get(field.name, ())) if not field.is_repeated else ()
                out += violations(reg, content, rules, passing_down)
    return out


# ------------------------------------------------------------------------------------------ 1: every message type


@pytest.mark.parametrize("name", reg.messages())
@given(data=st.data())
def test_every_message_matches_its_schema(name: str, data: st.DataObject) -> None:
    msg = data.draw(messages(name), label=name)
    assert type(msg) is reg.message_class(name)
    for proto_names in (False, True):
        payload = to_json(msg, proto_names=proto_names)
        assert unexpected_failures(name, payload) == [], payload
    assert violations(reg, msg, RULES) == []


# ------------------------------------------------------------------------------------------ 2: per-method Operations

OPERATION_METHODS = [m.full_name for m in reg.methods() if m.operation is not None]


def _packed(msg: Message) -> Message:
    any_msg = reg.message_class("google.protobuf.Any")()
    any_msg.Pack(msg)
    return any_msg


def test_there_are_long_running_methods() -> None:
    assert len(OPERATION_METHODS) == 3


@pytest.mark.parametrize("method", OPERATION_METHODS)
@given(data=st.data())
def test_operation_of_each_method_matches_its_schema(method: str, data: st.DataObject) -> None:
    types = reg.method(method).operation
    assert types is not None
    assert types.response is not None
    response = messages(types.response).map(_packed)
    op = data.draw(messages(OPERATION, done=True, response=response))
    assert op.done
    assert op.HasField("response")
    assert not op.HasField("error")
    assert op.response.type_url == reg.type_url(types.response)
    for proto_names in (False, True):
        payload = to_json(op, proto_names=proto_names)
        assert unexpected_failures(f"{method}.Operation", payload) == [], payload
    assert violations(reg, op, RULES) == []


# ------------------------------------------------------------------------------------------ 3: rules, by example


@given(messages(V3))
def test_recognize_file_has_exactly_one_audio_source(request: Message) -> None:
    assert request.HasField("content") + request.HasField("uri") == 1
    if request.HasField("recognition_model"):
        model = request.recognition_model
        assert model.audio_processing_type == 0  # ignored by RecognizeFile: a warning
        assert model.model in ("", *RULES_BY_ID["stt.v3.recognize_file_model"].argument)
        audio_format = model.audio_format
        if model.HasField("audio_format"):
            assert audio_format.HasField("raw_audio") + audio_format.HasField("container_audio") == 1


OBJECT_STORAGE = RULES_BY_ID["stt.v2.audio_uri_object_storage"].argument


@given(messages(V2))
def test_long_running_recognition_takes_an_object_storage_uri(request: Message) -> None:
    audio = request.audio
    assert request.HasField("audio")
    assert audio.WhichOneof("audio_source") == "uri"
    assert re.fullmatch(OBJECT_STORAGE, audio.uri), audio.uri
    assert audio.uri.startswith("https://")


@given(messages(SPEC))
def test_recognition_spec_sample_rate_and_channels(spec: Any) -> None:
    encoding = spec.DESCRIPTOR.fields_by_name["audio_encoding"].enum_type.values_by_number[spec.audio_encoding].name
    if encoding == "LINEAR16_PCM":
        assert spec.sample_rate_hertz in (8000, 16000, 48000)
    else:
        assert spec.sample_rate_hertz in (0, 8000, 16000, 48000)
        # OGG_OPUS and MP3 carry their own channel count; an unset encoding means OGG_OPUS.
        assert spec.audio_channel_count == 0


@given(messages(OPERATION))
def test_operation_result_follows_done(op: Any) -> None:
    if op.done:
        assert op.HasField("error") + op.HasField("response") == 1
    else:
        assert not op.HasField("response")
    if op.HasField("error"):
        assert 0 <= op.error.code <= 16
    assert len(op.description) <= 256


# Searching for one example of a branch: generation only (no shrinking of what is found).
SEARCH = settings(max_examples=2000, database=None, phases=[Phase.generate])
BRANCHES: list[tuple[str, str, Any]] = [
    (SPEC, "LINEAR16_PCM", lambda m: m.audio_encoding == 1 and m.audio_channel_count > 0),
    (SPEC, "OGG_OPUS", lambda m: m.audio_encoding == 2),
    (SPEC, "encoding unset", lambda m: m.audio_encoding == 0 and m.sample_rate_hertz > 0),
    (V3, "content", lambda m: m.WhichOneof("AudioSource") == "content"),
    (V3, "uri", lambda m: m.WhichOneof("AudioSource") == "uri"),
    (V3, "recognition model", lambda m: m.recognition_model.model != ""),
    (OPERATION, "done with a response", lambda m: m.done and m.HasField("response")),
    (OPERATION, "done with an error", lambda m: m.done and m.HasField("error") and m.error.details),
    (OPERATION, "pending", lambda m: not m.done and m.HasField("metadata")),
]


@pytest.mark.parametrize(
    ("name", "branch", "condition"), BRANCHES, ids=[f"{n.rsplit('.', 1)[1]}: {b}" for n, b, _ in BRANCHES]
)
def test_every_branch_is_reachable(name: str, branch: str, condition: Any) -> None:
    """Each side of each condition is generated (the strategies do not collapse to one case)."""
    find(messages(name), condition, settings=SEARCH)


# ------------------------------------------------------------------------------------------ 3: the API itself


def test_strategies_are_cached() -> None:
    assert messages(V3) is messages(V3)
    assert messages(reg.message_class(V3)) is messages(V3)
    assert messages(reg.message_class(V3)()) is messages(V3)


@given(messages(V3, uri="https://storage.yandexcloud.net/b/a.wav", recognition_model=None))
def test_fixed_overrides(request: Any) -> None:
    assert request.uri == "https://storage.yandexcloud.net/b/a.wav"
    assert not request.HasField("content")  # the other member of the exactly-one group stays unset
    assert not request.HasField("recognition_model")


@given(messages(OPERATION, done=st.just(False), description=st.sampled_from(["a", "b"])))
def test_strategy_overrides_take_part_in_the_rules(op: Any) -> None:
    assert not op.done
    assert op.description in ("a", "b")
    assert not op.HasField("response")  # pending: no response


def test_unknown_override_raises_at_call_time() -> None:
    with pytest.raises(TypeError, match=r"has no field 'urii'; did you mean 'uri'\?"):
        messages(V3, urii="https://storage.yandexcloud.net/b/a.wav")


def test_bad_override_value_raises_at_call_time() -> None:
    with pytest.raises(TypeError, match=r"cannot set speechkit\.stt\.v3\.RecognizeFileRequest\.uri"):
        messages(V3, uri=42)


def test_bad_message_argument() -> None:
    with pytest.raises(UnknownNameError, match=r"did you mean 'speechkit\.stt\.v3\.RecognizeFileRequest'"):
        messages("speechkit.stt.v3.RecognizeFileRequets")
    with pytest.raises(TypeError, match="expected a message full name"):
        messages(42)
    with pytest.raises(TypeError, match=r"registry must be a yc_contracts\.Registry"):
        messages(V3, registry="yc_contracts.registry")


@pytest.mark.skipif(not HAVE_SDK, reason="yandexcloud is installed in the protobuf 6 test environment only")
def test_official_sdk_classes_and_instances() -> None:
    from yandex.cloud.ai.stt.v3 import stt_pb2 as sdk

    assert messages(sdk.RecognizeFileRequest) is messages(V3)
    assert messages(sdk.RecognizeFileRequest()) is messages(V3)
    strategy = messages(sdk.RecognizeFileRequest, recognition_model=sdk.RecognitionModelOptions(model="general"))

    @given(strategy)
    def check(request: Any) -> None:
        assert type(request) is reg.message_class(V3)
        assert request.recognition_model.model == "general"

    check()


@pytest.fixture(scope="module")
def other() -> Registry:
    """A second registry over the contract's own descriptor set, in a pool of its own."""
    return Registry.from_file_descriptor_set(reg.file_descriptor_set())


@given(data=st.data())
def test_another_registry(other: Registry, data: st.DataObject) -> None:
    msg = data.draw(messages(V2, registry=other))
    assert type(msg) is other.message_class(V2)
    assert type(msg) is not reg.message_class(V2)
    assert violations(other, msg, load_rules(other).rules) == []


@given(messages("google.protobuf.Timestamp"), messages("google.protobuf.Duration"), messages("google.protobuf.Any"))
def test_well_known_types_as_roots(timestamp: Any, duration: Any, packed: Any) -> None:
    assert -62135596800 <= timestamp.seconds <= 253402300799
    assert 0 <= timestamp.nanos < 10**9
    assert abs(duration.seconds * 10**9 + duration.nanos) <= 315_576_000_000 * 10**9
    assert duration.seconds * duration.nanos >= 0
    assert packed.type_url.startswith("type.googleapis.com/")
    reg.resolve_type_url(packed.type_url).FromString(packed.value)


# ------------------------------------------------------------------------------------------ 3: every option form


@pytest.fixture(scope="module")
def forms(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Registry, referencing.Registry[Any]]:
    """The validation-forms test proto as a registry, and the schemas generated for it (no service rules)."""
    out = tmp_path_factory.mktemp("forms") / "forms.binpb"
    generate.compile_descriptor_set(repo_root / "tests" / "protos", out, extra_includes=[repo_root / "protos"])
    forms_reg = Registry.from_file_descriptor_set(
        descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()), ["yc_test/v1/validation_forms.proto"]
    )
    docs = SchemaGenerator(forms_reg, RuleSet((), ())).documents()
    schemas: referencing.Registry[Any] = referencing.Registry().with_resources(
        (doc["$id"], DRAFT202012.create_resource(doc)) for doc in docs.values()
    )
    return forms_reg, schemas


@pytest.mark.parametrize("name", [FORMS, "yc_test.v1.Item"])
def test_every_option_form(forms: tuple[Registry, referencing.Registry[Any]], name: str) -> None:
    forms_reg, schemas = forms
    validator = Draft202012Validator({"$ref": schema_id(name)}, registry=schemas)

    @given(messages(name, registry=forms_reg))
    def check(msg: Message) -> None:
        assert type(msg) is forms_reg.message_class(name)
        for proto_names in (False, True):
            payload = json_format.MessageToDict(
                msg, descriptor_pool=forms_reg.descriptor_pool, preserving_proto_field_name=proto_names
            )
            errors = [(e.json_path, e.message) for e in validator.iter_errors(payload)]
            assert errors == [], payload
        assert violations(forms_reg, msg, ()) == []

    check()


FORM_BRANCHES: list[tuple[str, Any]] = [
    ("exact length", lambda m: len(m.length_exact) == 20),
    ("a length of a list", lambda m: len(m.length_list) in (36, 40)),
    ("float above its bound", lambda m: m.value_float_gt != 0),
    ("size exactly 2", lambda m: len(m.size_exact) == 2),
    ("integer map keys", lambda m: len(m.map_key_int) > 0),
    ("numeric string map keys", lambda m: len(m.map_key_string) > 0),
    ("a duration in 1s-1m", lambda m: m.HasField("duration_range")),
    ("uri source", lambda m: m.WhichOneof("source") == "source_uri"),
    ("content source", lambda m: m.WhichOneof("source") == "source_content"),
]


@pytest.mark.parametrize(("branch", "condition"), FORM_BRANCHES, ids=[b for b, _ in FORM_BRANCHES])
def test_option_forms_reach_their_values(
    forms: tuple[Registry, referencing.Registry[Any]], branch: str, condition: Any
) -> None:
    """Each option's non-trivial values are generated, not only the unset field."""
    forms_reg, _ = forms
    find(messages(FORMS, registry=forms_reg), condition, settings=SEARCH)


# ------------------------------------------------------------------------------------------ the known schema bug


def _float32_max() -> float:
    value: float = struct.unpack("<f", struct.pack("<I", 0x7F7FFFFF))[0]
    return value


@pytest.mark.parametrize("sign", [1, -1])
def test_schema_accepts_the_largest_float32(sign: int) -> None:
    name = "yandex.cloud.ai.stt.v2.SpeechRecognitionAlternative"
    msg = reg.message_class(name)(confidence=sign * _float32_max())
    payload = to_json(msg)
    assert payload == {"confidence": sign * FLOAT32_MAX_JSON}
    assert failures(name, payload) == []


def test_beyond_float32_max_is_rejected() -> None:
    name = "yandex.cloud.ai.stt.v2.SpeechRecognitionAlternative"
    payload = to_json(reg.message_class(name)(confidence=_float32_max(), text="x"))
    assert failures(name, payload) == []
    assert failures(name, {"confidence": 3.5e38}) != []
