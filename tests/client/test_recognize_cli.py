"""``yc-contracts recognize`` end to end against the real emulator on loopback: ``run([...], stdout, stderr)``
in-process (and the installed command once, in a subprocess). A user recognizes a WAV, a URI, a two-page PDF and
gets text, NDJSON or JSON (or a file); a file that breaks the contract is refused with exit status 1 and nothing
sent; bad arguments are exit status 2; credentials come from files or the environment and never show.
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from client.conftest import API_KEY, FOLDER_ID, MEDIA, assert_no_secret

from yc_contracts.cli.main import run
from yc_contracts.conversion.protojson import to_json
from yc_contracts.emulator import Emulator

WAV = MEDIA / "tone_8k.wav"
PDF = MEDIA / "two_pages.pdf"
URI = "https://storage.yandexcloud.net/bucket/call.ogg"
FAST = ("--poll-interval", "0.01", "--timeout", "20")
MiB = 1024 * 1024


class Tty(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Outcome:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def __repr__(self) -> str:
        return f"Outcome({self.code}, out={self.out[:200]!r}, err={self.err[:400]!r})"


def recognize(*argv: str, tty: bool = False) -> Outcome:
    out, err = io.StringIO(), Tty() if tty else io.StringIO()
    code = run(["recognize", *argv], out, err)
    return Outcome(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def module_emulator() -> Iterator[Emulator]:
    with Emulator(api_keys=[API_KEY]) as emulator:
        yield emulator


@pytest.fixture
def emu(module_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """The module's emulator, reset; no credentials in the environment."""
    monkeypatch.delenv("YC_API_KEY", raising=False)
    monkeypatch.delenv("YC_IAM_TOKEN", raising=False)
    module_emulator.reset()
    module_emulator.configure(progression="after_polls: 2", result_size=None, api_keys=[API_KEY], iam_tokens=[])
    yield module_emulator
    module_emulator.reset()


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "api-key"
    path.write_text(API_KEY + "\n", encoding="utf-8")
    return path


def target(emu: Emulator, transport: str) -> tuple[str, ...]:
    if transport == "grpc":
        return ("--endpoint", emu.grpc_target)
    return ("--endpoint", emu.http_url, "--transport", "rest")


def started(emu: Emulator) -> list[str]:
    return [c.operation_id or "" for c in emu.calls() if c.short_method in {"RecognizeFile", "Recognize"}] + [
        c.operation_id or "" for c in emu.calls("LongRunningRecognize")
    ]


# ------------------------------------------------------------------------------------------------ STT v3


@pytest.mark.parametrize("transport", ["grpc", "rest"])
def test_stt_v3_a_wav_file_as_text(emu: Emulator, key_file: Path, transport: str) -> None:
    """A WAV file is sent as ``content`` (its bytes, its container sniffed), polled, and its final utterances
    printed one per line with their channel."""
    result = recognize(
        "--api", "stt-v3", *target(emu, transport), "--api-key-file", str(key_file), *FAST, str(WAV), "--format", "text"
    )
    assert result.code == 0, result
    (operation_id,) = started(emu)
    messages = emu.operation(operation_id).results
    finals = [m.final.alternatives[0].text for m in messages if m.HasField("final")]
    assert result.out.splitlines() == [f"[0] {text}" for text in finals]
    assert result.err == ""
    (call,) = emu.calls("RecognizeFile")
    data = WAV.read_bytes()
    assert base64.b64decode(call.request["content"]) == data  # the journal keeps content up to 1 KiB
    assert call.request["recognitionModel"]["audioFormat"] == {"containerAudio": {"containerAudioType": "WAV"}}
    assert [c.short_method for c in emu.calls()] == ["RecognizeFile", "Get", "Get", "GetRecognition"]


@pytest.mark.parametrize("fmt", ["ndjson", "json"])
def test_stt_v3_ndjson_and_json(emu: Emulator, key_file: Path, fmt: str) -> None:
    """``--format ndjson`` (the default) writes one REST JSON message per line; ``json`` one JSON array."""
    result = recognize(
        "--api", "stt-v3", *target(emu, "grpc"), "--api-key-file", str(key_file), *FAST, str(WAV), "--format", fmt
    )
    assert result.code == 0, result
    (operation_id,) = started(emu)
    expected = [json.loads(to_json(m)) for m in emu.operation(operation_id).results]
    if fmt == "ndjson":
        assert [json.loads(line) for line in result.out.splitlines()] == expected
    else:
        assert json.loads(result.out) == expected


def test_output_to_a_file(emu: Emulator, key_file: Path, tmp_path: Path) -> None:
    """``-o FILE`` writes the result there and nothing to standard output."""
    out = tmp_path / "result.ndjson"
    result = recognize(
        "--api", "stt-v3", *target(emu, "grpc"), "--api-key-file", str(key_file), *FAST, str(WAV), "-o", str(out)
    )
    assert result.code == 0, result
    assert result.out == ""
    (operation_id,) = started(emu)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [json.loads(to_json(m)) for m in emu.operation(operation_id).results]


def test_a_config_file_describes_what_cannot_be_sniffed(emu: Emulator, key_file: Path, tmp_path: Path) -> None:
    """Raw LPCM has no header: ``--config`` (TOML or JSON) gives ``recognitionModel.audioFormat``, which is used
    instead of a sniffed container, merged with the rest of the request."""
    toml = tmp_path / "lpcm.toml"
    toml.write_text(
        "[recognitionModel.audioFormat.rawAudio]\n"
        'audioEncoding = "LINEAR16_PCM"\nsampleRateHertz = 8000\naudioChannelCount = 1\n'
        "[recognitionModel.textNormalization]\n"
        'textNormalization = "TEXT_NORMALIZATION_ENABLED"\n',
        encoding="utf-8",
    )
    result = recognize(
        "--api",
        "stt-v3",
        *target(emu, "grpc"),
        "--api-key-file",
        str(key_file),
        *FAST,
        str(MEDIA / "tone_8k.lpcm"),
        "--config",
        str(toml),
        "--language",
        "en-US",
        "--format",
        "text",
    )
    assert result.code == 0, result
    model = emu.calls("RecognizeFile")[0].request["recognitionModel"]
    assert model["audioFormat"] == {
        "rawAudio": {"audioEncoding": "LINEAR16_PCM", "sampleRateHertz": "8000", "audioChannelCount": "1"}
    }
    assert model["textNormalization"] == {"textNormalization": "TEXT_NORMALIZATION_ENABLED"}
    assert model["languageRestriction"] == {"restrictionType": "WHITELIST", "languageCode": ["en-US"]}


def test_a_progress_line_on_a_terminal(emu: Emulator, key_file: Path) -> None:
    """On a terminal the wait shows a progress line (the operation id, seconds, polls), erased at the end."""
    emu.configure(progression="after_polls: 3")
    result = recognize(
        "--api", "stt-v3", *target(emu, "grpc"), "--api-key-file", str(key_file), *FAST, str(WAV), tty=True
    )
    assert result.code == 0, result
    (operation_id,) = started(emu)
    assert f"\rwaiting for {operation_id}:" in result.err
    assert result.err.endswith("\r")


# ------------------------------------------------------------------------------------------- STT v2, OCR


@pytest.mark.parametrize("transport", ["grpc", "rest"])
def test_stt_v2_an_object_storage_uri(emu: Emulator, key_file: Path, transport: str) -> None:
    """A URI is sent as ``audio.uri``, its encoding from its name; ``--format json`` prints the
    ``LongRunningRecognitionResponse``."""
    result = recognize(
        "--api",
        "stt-v2",
        *target(emu, transport),
        "--api-key-file",
        str(key_file),
        *FAST,
        URI,
        "--format",
        "json",
        "--language",
        "en-US",
    )
    assert result.code == 0, result
    (call,) = emu.calls("LongRunningRecognize")
    assert call.request == {
        "config": {"specification": {"audioEncoding": "OGG_OPUS", "languageCode": "en-US"}},
        "audio": {"uri": URI},
    }
    record = emu.operation(call.operation_id or "")
    assert json.loads(result.out) == json.loads(to_json(record.results[0]))
    assert json.loads(result.out)["chunks"]


def test_stt_v2_takes_a_uri_not_content(emu: Emulator, key_file: Path) -> None:
    """Long-running STT v2 reads audio by URI only: a local file breaks the contract (exit 1), nothing sent."""
    result = recognize(
        "--api", "stt-v2", *target(emu, "grpc"), "--api-key-file", str(key_file), *FAST, str(MEDIA / "opus.ogg")
    )
    assert result.code == 1, result
    assert "[stt.v2.audio_uri]" in result.err
    assert emu.calls() == []


@pytest.mark.parametrize("transport", ["grpc", "rest"])
def test_ocr_a_two_page_pdf(emu: Emulator, key_file: Path, transport: str) -> None:
    """A PDF is sent as ``content`` with its MIME type; the text output has both pages in order."""
    result = recognize(
        "--api", "ocr", *target(emu, transport), "--api-key-file", str(key_file), *FAST, str(PDF), "--format", "text"
    )
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert [line for line in lines if line.startswith("--- page")] == ["--- page 0", "--- page 1"]
    (call,) = emu.calls("TextRecognitionAsyncService.Recognize")
    assert (call.request["mimeType"], call.request["languageCodes"], call.request["model"]) == (
        "application/pdf",
        ["*"],
        "page",
    )
    pages = emu.operation(call.operation_id or "").results
    for page in pages:
        assert all(line in lines for line in page.text_annotation.full_text.rstrip("\n").split("\n"))


# ------------------------------------------------------------------------------------ refusals and failures


def test_a_contract_violation_exits_1_and_sends_nothing(emu: Emulator, key_file: Path) -> None:
    """A 5000x5000 PNG (over OCR's 20 megapixels) is refused before sending: exit 1, the violation on stderr."""
    result = recognize(
        "--api", "ocr", *target(emu, "grpc"), "--api-key-file", str(key_file), *FAST, str(MEDIA / "huge_5000x5000.png")
    )
    assert result.code == 1, result
    assert "the request breaks the contract (1)" in result.err
    assert "[content.too_many_pixels]" in result.err
    assert result.out == ""
    assert emu.calls() == []


def test_no_validate_sends_it_anyway_and_the_service_refuses(emu: Emulator, key_file: Path) -> None:
    result = recognize(
        "--api",
        "ocr",
        *target(emu, "grpc"),
        "--api-key-file",
        str(key_file),
        *FAST,
        str(MEDIA / "huge_5000x5000.png"),
        "--no-validate",
    )
    assert result.code == 1, result
    assert "INVALID_ARGUMENT" in result.err
    assert [c.status for c in emu.calls()] == ["INVALID_ARGUMENT"]


def test_a_failed_operation_exits_1(emu: Emulator, key_file: Path) -> None:
    """The operation ends with an error while the command waits: exit 1 with its code and message."""
    emu.configure(progression="manual")

    def fail_it() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            calls = emu.calls("RecognizeFile")
            if calls and calls[0].operation_id:
                emu.fail(calls[0].operation_id, "INTERNAL", "the audio could not be decoded")
                return
            time.sleep(0.01)

    failer = threading.Thread(target=fail_it)
    failer.start()
    try:
        result = recognize("--api", "stt-v3", *target(emu, "grpc"), "--api-key-file", str(key_file), *FAST, str(WAV))
    finally:
        failer.join(15)
    assert result.code == 1, result
    assert "INTERNAL: the audio could not be decoded" in result.err
    assert result.out == ""


def test_an_operation_not_done_in_time_exits_1(emu: Emulator, key_file: Path) -> None:
    emu.configure(progression="manual")
    result = recognize(
        "--api",
        "stt-v3",
        *target(emu, "grpc"),
        "--api-key-file",
        str(key_file),
        "--poll-interval",
        "0.01",
        "--timeout",
        "0.3",
        str(WAV),
    )
    assert result.code == 1, result
    assert "is not done after 0.3 s" in result.err


def test_a_result_above_the_receive_limit_says_which_option_raises_it(emu: Emulator, key_file: Path) -> None:
    emu.configure(result_size=5 * MiB)
    result = recognize(
        "--api",
        "stt-v3",
        *target(emu, "grpc"),
        "--api-key-file",
        str(key_file),
        *FAST,
        str(WAV),
        "--max-receive-size",
        "4M",
    )
    assert result.code == 1, result
    assert "RESOURCE_EXHAUSTED" in result.err
    assert "--max-receive-size" in result.err
    assert len(emu.calls("GetRecognition")) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("tests/golden/media/tone_8k.wav",), "required: --api"),
        (("--api", "stt-v9", "x.wav"), "invalid choice: 'stt-v9'"),
        (("--api", "stt-v3", "--format", "xml", "x.wav"), "invalid choice: 'xml'"),
        (("--api", "stt-v3", "/nonexistent/audio.wav"), "cannot read /nonexistent/audio.wav"),
        (("--api", "ocr", "https://storage.yandexcloud.net/bucket/a.png"), "OCR takes the file's content"),
        (("--api", "stt-v3", str(MEDIA / "tone_8k.lpcm")), "describe it with --config"),
        (("--api", "stt-v2", "https://storage.yandexcloud.net/bucket/a.wav"), "STT v2 takes Ogg Opus or MP3"),
        (("--api", "ocr", str(MEDIA / "tiny.gif")), "is not JPEG, PNG, WEBP or PDF"),
        (("--api", "ocr", "--api-key-file", "/nonexistent/key", str(PDF)), "--api-key-file: cannot read"),
        (("--api", "ocr", "--api-key-file", "k", "--iam-token-file", "t", str(PDF)), "give one of --api-key-file"),
        (("--api", "ocr", "--config", "/nonexistent/c.json", str(PDF)), "--config /nonexistent/c.json"),
        (("--api", "ocr", "--timeout", "soon", str(PDF)), "invalid float value: 'soon'"),
        (("--api", "ocr", "--service-account-key", "/nonexistent/sa.json", str(PDF)), "--service-account-key"),
    ],
    ids=[
        "no-api",
        "unknown-api",
        "unknown-format",
        "no-file",
        "ocr-uri",
        "lpcm-undescribed",
        "v2-wav-uri",
        "gif",
        "no-key-file",
        "two-credentials",
        "no-config",
        "bad-timeout",
        "no-sa-key",
    ],
)
def test_bad_arguments_exit_2_and_send_nothing(emu: Emulator, argv: tuple[str, ...], message: str) -> None:
    result = recognize("--endpoint", emu.grpc_target, *argv)
    assert result.code == 2, result
    assert message in result.err
    assert result.out == ""
    assert emu.calls() == []


def test_an_empty_file_exits_2(emu: Emulator, tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    result = recognize("--endpoint", emu.grpc_target, "--api", "stt-v3", str(empty))
    assert result.code == 2, result
    assert "is empty" in result.err


# ------------------------------------------------------------------------------------------------ credentials


def test_the_api_key_from_the_environment(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """``YC_API_KEY`` is used when no key file is given; ``--folder-id`` is sent as ``x-folder-id``."""
    monkeypatch.setenv("YC_API_KEY", API_KEY)
    result = recognize("--api", "ocr", *target(emu, "grpc"), *FAST, "--folder-id", FOLDER_ID, str(PDF))
    assert result.code == 0, result
    assert {c.metadata["x-folder-id"] for c in emu.calls()} == {FOLDER_ID}
    assert {c.metadata["authorization"] for c in emu.calls()} == {"Api-Key <redacted>"}


def test_a_wrong_key_exits_1_without_showing_it(emu: Emulator, tmp_path: Path) -> None:
    wrong = "AQVN-wrong-key-for-the-cli-never-shown"
    path = tmp_path / "wrong-key"
    path.write_text(wrong, encoding="utf-8")
    result = recognize("--api", "ocr", *target(emu, "rest"), "--api-key-file", str(path), *FAST, str(PDF))
    assert result.code == 1, result
    assert "UNAUTHENTICATED" in result.err
    assert_no_secret(wrong, result.out, result.err)


def test_no_credentials_exits_1(emu: Emulator) -> None:
    result = recognize("--api", "ocr", *target(emu, "grpc"), *FAST, str(PDF))
    assert result.code == 1, result
    assert "UNAUTHENTICATED" in result.err


def test_an_iam_token_file(emu: Emulator, tmp_path: Path) -> None:
    emu.configure(iam_tokens=["t1.cli-token"])
    path = tmp_path / "token"
    path.write_text("t1.cli-token\n", encoding="utf-8")
    result = recognize("--api", "ocr", *target(emu, "grpc"), "--iam-token-file", str(path), *FAST, str(PDF))
    assert result.code == 0, result
    assert {c.metadata["authorization"] for c in emu.calls()} == {"Bearer <redacted>"}


def test_a_service_account_key_with_the_emulators_token_url(emu: Emulator, tmp_path: Path) -> None:
    """``--service-account-key FILE --token-url URL``: the key is exchanged at the emulator for an IAM token."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    key = {"id": "ajeclikey", "service_account_id": "ajecliaccount", "private_key": pem}
    path = tmp_path / "sa.json"
    path.write_text(json.dumps(key), encoding="utf-8")
    emu.add_service_account_key(key)
    result = recognize(
        "--api",
        "ocr",
        *target(emu, "grpc"),
        "--service-account-key",
        str(path),
        "--token-url",
        emu.token_url,
        *FAST,
        str(PDF),
    )
    assert result.code == 0, result
    assert {c.metadata["authorization"] for c in emu.calls()} == {"Bearer <redacted>"}
    assert "PRIVATE" not in result.err


# ------------------------------------------------------------------------------------------ the real command


def test_the_installed_command(emu: Emulator, key_file: Path) -> None:
    """``python -m yc_contracts recognize …`` in a process of its own: exit 0 and the text on stdout."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "yc_contracts",
            "recognize",
            "--api",
            "ocr",
            *target(emu, "grpc"),
            "--api-key-file",
            str(key_file),
            *FAST,
            str(PDF),
            "--format",
            "text",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--- page 1" in done.stdout
