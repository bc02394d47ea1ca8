"""yc-contracts and the official SDK (``yandexcloud``) in one process, in either import order.

Each scenario runs in a fresh interpreter, since import order is the point. The SDK is a test-only dependency
of the protobuf 6 environment (it pins protobuf <7); on protobuf 7 only the SDK-free scenarios run.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap

import pytest

HAVE_SDK = importlib.util.find_spec("yandex") is not None and importlib.util.find_spec("yandexcloud") is not None
needs_sdk = pytest.mark.skipif(not HAVE_SDK, reason="yandexcloud is installed in the protobuf 6 test environment only")

IMPORT_SDK = """
from yandex.cloud.ai.stt.v3 import stt_pb2 as sdk_stt, stt_service_pb2 as sdk_stt_service
from yandex.cloud.ai.stt.v2 import stt_service_pb2 as sdk_v2
from yandex.cloud.ai.ocr.v1 import ocr_pb2 as sdk_ocr, ocr_service_pb2 as sdk_ocr_service
from yandex.cloud.operation import operation_pb2 as sdk_operation, operation_service_pb2 as sdk_operation_service
"""

IMPORT_OURS = """
import yc_contracts
reg = yc_contracts.registry
"""

CHECKS = """
# The registry resolves the SDK's classes and instances to the same full names and to our classes.
for sdk_cls in (sdk_stt.RecognizeFileRequest, sdk_v2.LongRunningRecognitionRequest,
                sdk_ocr_service.RecognizeTextRequest, sdk_operation.Operation, sdk_stt.StreamingResponse):
    name = sdk_cls.DESCRIPTOR.full_name
    assert reg.full_name(sdk_cls) == name, name
    ours = reg.message_class(sdk_cls)
    assert ours is not sdk_cls and ours.DESCRIPTOR.full_name == name
    assert reg.message_class(sdk_cls()) is ours

# Messages cross between the two through the wire format, both ways, byte for byte.
theirs = sdk_stt.RecognizeFileRequest(uri="https://storage.yandexcloud.net/b/a.wav")
theirs.recognition_model.audio_format.container_audio.container_audio_type = sdk_stt.ContainerAudio.WAV
ours = reg.coerce(theirs)
assert type(ours) is reg.message_class("speechkit.stt.v3.RecognizeFileRequest")
assert ours.recognition_model.audio_format.container_audio.container_audio_type == 1
assert ours.SerializeToString(deterministic=True) == theirs.SerializeToString(deterministic=True)
assert sdk_stt.RecognizeFileRequest.FromString(ours.SerializeToString()) == theirs

# An SDK Operation carrying an SDK response unpacks through our registry.
op = sdk_operation.Operation(id="op1", done=True)
op.response.Pack(sdk_v2.LongRunningRecognitionResponse(chunks=[sdk_v2.SpeechRecognitionResult(channel_tag=1)]))
our_op = reg.coerce(op)
payload = reg.resolve_type_url(our_op.response.type_url)()
assert our_op.response.Unpack(payload) and payload.chunks[0].channel_tag == 1

# Both packages' default-pool registrations are intact: the SDK still owns its file names there.
from google.protobuf import descriptor_pool
in_default = descriptor_pool.Default().FindFileByName("yandex/cloud/ai/stt/v3/stt.proto")
assert in_default.serialized_pb == sdk_stt.DESCRIPTOR.serialized_pb
print("ok")
"""


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code).strip()], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@needs_sdk
def test_sdk_first_then_ours() -> None:
    assert _run(IMPORT_SDK + IMPORT_OURS + CHECKS).strip().endswith("ok")


@needs_sdk
def test_ours_first_then_sdk() -> None:
    assert _run(IMPORT_OURS + "reg.messages()\n" + IMPORT_SDK + CHECKS).strip().endswith("ok")


@needs_sdk
def test_pure_python_backend_too() -> None:
    code = "import os\nos.environ['PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION'] = 'python'\n" + IMPORT_SDK + IMPORT_OURS
    assert (
        _run(
            code + "from google.protobuf.internal import api_implementation\n"
            "assert api_implementation.Type() == 'python'\n" + CHECKS
        )
        .strip()
        .endswith("ok")
    )


def test_a_different_file_of_the_same_name_in_the_default_pool() -> None:
    """An SDK release whose descriptors differ from ours (here: an extra field) does not affect us.

    protobuf refuses a second, non-identical file of the same name in one pool; since ours live in a private
    pool, the conflicting default-pool registration is never consulted.
    """
    code = """
    from google.protobuf import descriptor_pb2, descriptor_pool, struct_pb2
    import yc_contracts._gen  # only to locate the shipped descriptor set; registers nothing
    import importlib.resources
    fds = descriptor_pb2.FileDescriptorSet.FromString(
        importlib.resources.files("yc_contracts._gen").joinpath("descriptors.binpb").read_bytes())
    stt = next(f for f in fds.file if f.name == "yandex/cloud/ai/stt/v3/stt.proto")
    stt.ClearField("source_code_info")
    req = next(m for m in stt.message_type if m.name == "RecognizeFileRequest")
    req.field.add(name="added_in_a_future_sdk", number=99, type=9, label=1)
    descriptor_pool.Default().Add(stt)  # what a differing SDK's stt_pb2 would have done first

    import yc_contracts
    cls = yc_contracts.registry.message_class("speechkit.stt.v3.RecognizeFileRequest")
    assert "added_in_a_future_sdk" not in cls.DESCRIPTOR.fields_by_name
    assert len(yc_contracts.registry.routes()) == 9
    print("ok")
    """
    assert _run(code).strip() == "ok"


@pytest.mark.parametrize("backend", ["default", "python"])
def test_we_do_not_register_in_the_default_pool(backend: str) -> None:
    """Neither descriptors nor classes of ours reach protobuf's default pool or symbol database."""
    setup = (
        "import os\nos.environ['PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION'] = 'python'\n" if backend == "python" else ""
    )
    code = setup + textwrap.dedent("""
    import yc_contracts
    yc_contracts.registry.messages()
    from google.protobuf import descriptor_pool
    for name in yc_contracts.registry.files:
        try:
            descriptor_pool.Default().FindFileByName(name)
        except KeyError:
            continue
        raise SystemExit(f"{name} leaked into the default pool")
    from google.protobuf import symbol_database
    for name in yc_contracts.registry.messages():
        for lookup in (descriptor_pool.Default().FindMessageTypeByName, symbol_database.Default().GetSymbol):
            try:
                lookup(name)
            except KeyError:
                continue
            raise SystemExit(f"{name} is visible through {lookup.__qualname__}")
    print("ok")
    """)
    assert _run(code).strip() == "ok"
