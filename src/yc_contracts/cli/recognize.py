"""``yc-contracts recognize``: one recognition end to end with :mod:`yc_contracts.client`.

The request is built from a local file (its bytes as ``content``, its format sniffed from its first bytes) or an
Object Storage URI (``https://storage.yandexcloud.net/…``; the format from the name), with the options of
``--config`` (a JSON/TOML file of the request's other fields, REST JSON) on top. It is checked against the contract
before anything is sent, then sent; the operation is polled (backing off) with a progress line on a terminal, and
the result is written as NDJSON (one message per line), JSON, or plain text.

Exit statuses: 0 done, 1 the request breaks the contract or the recognition failed, 2 usage or unreadable input,
3 an internal error.
"""

from __future__ import annotations

import argparse
import base64
import json
import time
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from yc_contracts.cli.streams import UsageError

if TYPE_CHECKING:
    from yc_contracts.cli.streams import Streams

APIS: Final = ("stt-v3", "stt-v2", "ocr")
EXIT_FAILED: Final = 1
MAX_FILE_BYTES: Final = {"ocr": 20 * 1024 * 1024, "stt-v3": 256 * 1024 * 1024, "stt-v2": 256 * 1024 * 1024}
"""What the command reads of a local file: OCR's documented 20 MiB, and a sane cap for audio sent as content."""
_V3_CONTAINERS: Final = {"WAV": "WAV", "OGG": "OGG_OPUS", "MP3": "MP3"}
_V2_ENCODINGS: Final = {"OGG": "OGG_OPUS", "MP3": "MP3"}
_OCR_MIME: Final = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "PDF": "application/pdf"}
_EXTENSIONS: Final = {".wav": "WAV", ".ogg": "OGG", ".opus": "OGG", ".mp3": "MP3"}


def add_parser(command: Any, size: Any) -> None:
    recognize = command(
        "recognize",
        "recognize a file or an Object Storage URI, wait, and print the result",
        "Build the request from FILE_OR_URI (a local file is sent as content, its format sniffed; a URI is sent "
        "as uri) and --config, check it against the contract, send it, wait for the operation (backing off; a "
        "progress line on a terminal) and write the result. Credentials: --api-key-file, --iam-token-file, "
        "--service-account-key, or YC_API_KEY / YC_IAM_TOKEN. --endpoint sends everything to one address (the "
        "emulator). Exit status: 0 done, 1 rejected or failed, 2 usage or unreadable input.",
    )
    recognize.add_argument("source", metavar="FILE_OR_URI", help="a local audio/image/PDF file, or an https:// URI")
    recognize.add_argument("--api", choices=APIS, required=True, help="which service: stt-v3, stt-v2 or ocr")
    recognize.add_argument("--config", metavar="FILE", help="JSON or TOML: the request's other fields (REST JSON)")
    recognize.add_argument(
        "--format", choices=("ndjson", "json", "text"), default="ndjson", help="output (default: ndjson)"
    )
    recognize.add_argument("--output", "-o", metavar="FILE", help="write the result here instead of standard output")
    recognize.add_argument("--endpoint", metavar="HOST:PORT|URL", help="send every call here (the emulator)")
    recognize.add_argument("--transport", choices=("grpc", "rest"), default="grpc", help="default: grpc")
    recognize.add_argument("--api-key-file", metavar="FILE", help="read the API key from FILE")
    recognize.add_argument("--iam-token-file", metavar="FILE", help="read the IAM token from FILE")
    recognize.add_argument("--service-account-key", metavar="FILE", help="a service account's authorized key (JSON)")
    recognize.add_argument("--token-url", metavar="URL", help="the IAM token exchange (for --service-account-key)")
    recognize.add_argument("--folder-id", metavar="ID", help="sent as x-folder-id")
    recognize.add_argument("--language", metavar="CODE", help="language code (stt: ru-RU, en-US…; ocr: ru, en, *)")
    recognize.add_argument(
        "--timeout", type=float, default=3600.0, metavar="SECONDS", help="give up waiting after (3600)"
    )
    recognize.add_argument("--poll-interval", type=float, default=1.0, metavar="SECONDS", help="first poll delay (1)")
    recognize.add_argument("--max-receive-size", type=size, metavar="SIZE", help="gRPC receive limit (default: 256M)")
    recognize.add_argument(
        "--no-validate", dest="validate", action="store_false", help="send without checking the request first"
    )


def command(args: argparse.Namespace, streams: Streams) -> int:
    from yc_contracts.client import (
        AuthError,
        Backoff,
        Client,
        MessageTooLargeError,
        OperationError,
        OperationTimeoutError,
        RpcError,
    )
    from yc_contracts.validation.violations import ValidationError

    request = _request(args, streams)
    options = _client_options(args)
    try:
        client = Client(**options)
    except (AuthError, ValueError) as e:
        raise UsageError(f"recognize: {e}") from None
    options_polling = Backoff(initial=max(args.poll_interval, 0.001), maximum=max(30.0, args.poll_interval))
    client.async_client.polling = options_polling
    try:
        api = {
            "stt-v3": client.stt_v3.recognize_file,
            "stt-v2": client.stt_v2.long_running_recognize,
            "ocr": client.ocr.recognize,
        }
        try:
            operation = api[args.api](request)
        except ValidationError as e:
            streams.stderr.write(f"yc-contracts: recognize: the request breaks the contract ({len(e.violations)}):\n")
            for v in e.violations:
                streams.stderr.write(f"  {v.path or '/'}: {v.message} [{v.rule}]\n")
            return EXIT_FAILED
        result = _wait(operation, args, streams)
    except OperationTimeoutError as e:
        streams.stderr.write(f"yc-contracts: recognize: {e}\n")
        return EXIT_FAILED
    except (OperationError, RpcError) as e:
        hint = " (this command: --max-receive-size SIZE)" if isinstance(e, MessageTooLargeError) else ""
        streams.stderr.write(f"yc-contracts: recognize: {e}{hint}\n")
        return EXIT_FAILED
    except AuthError as e:
        streams.stderr.write(f"yc-contracts: recognize: {e}\n")
        return EXIT_FAILED
    finally:
        client.close()
    _write(result, args, streams)
    return 0


def _client_options(args: argparse.Namespace) -> dict[str, Any]:
    from yc_contracts.client import ServiceAccountKey

    options: dict[str, Any] = {"transport": args.transport, "validate": args.validate}
    if args.endpoint:
        options["endpoint"] = args.endpoint
    if args.folder_id:
        options["folder_id"] = args.folder_id
    if args.max_receive_size:
        options["max_receive_message_size"] = args.max_receive_size
    given = [x for x in (args.api_key_file, args.iam_token_file, args.service_account_key) if x]
    if len(given) > 1:
        raise UsageError("recognize: give one of --api-key-file, --iam-token-file, --service-account-key")
    if args.api_key_file:
        options["api_key"] = _secret_file(args.api_key_file, "--api-key-file")
    elif args.iam_token_file:
        options["iam_token"] = _secret_file(args.iam_token_file, "--iam-token-file")
    elif args.service_account_key:
        from yc_contracts.client import AuthError

        extra = {"token_url": args.token_url} if args.token_url else {}
        try:
            options["service_account_key"] = ServiceAccountKey(Path(args.service_account_key), **extra)
        except AuthError as e:
            raise UsageError(f"recognize: --service-account-key: {e}") from None
    return options


def _secret_file(path: str, option: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"recognize: {option}: cannot read {path}: {type(e).__name__}") from None
    if not text:
        raise UsageError(f"recognize: {option}: {path} is empty")
    return text


# --------------------------------------------------------------------------------------------- the request


def _request(args: argparse.Namespace, streams: Streams) -> dict[str, Any]:
    from yc_contracts.validation.content import sniff

    source: str = args.source
    is_uri = source.startswith(("https://", "http://", "s3://"))
    fmt: str | None
    if is_uri:
        if args.api == "ocr":
            raise UsageError("recognize: OCR takes the file's content, not a URI: download it and pass the file")
        fmt = _EXTENSIONS.get(Path(source.split("?", maxsplit=1)[0]).suffix.lower())
        content = None
    else:
        data = streams.read_input(source, MAX_FILE_BYTES[args.api])
        if not data:
            raise UsageError(f"recognize: {source} is empty")
        fmt = sniff(data[:16])
        content = base64.b64encode(data).decode("ascii")
    overrides = _config(args.config)
    if args.api == "stt-v3":
        described = (
            isinstance(overrides.get("recognitionModel"), dict) and "audioFormat" in overrides["recognitionModel"]
        )
        request = _stt_v3(None if described else fmt, content, source if is_uri else None, args.language, described)
    elif args.api == "stt-v2":
        spec = overrides.get("config", {}).get("specification") if isinstance(overrides.get("config"), dict) else None
        described = isinstance(spec, dict) and "audioEncoding" in spec
        request = _stt_v2(None if described else fmt, content, source if is_uri else None, args.language, described)
    else:
        request = _ocr(fmt, content, args.language, source)
    return _merge(request, overrides)


def _stt_v3(
    fmt: str | None, content: str | None, uri: str | None, language: str | None, described: bool = False
) -> dict[str, Any]:
    """``described``: --config gives ``recognitionModel.audioFormat``, which then wins over what was sniffed."""
    container = _V3_CONTAINERS.get(fmt or "")
    if container is None and not described:
        raise UsageError(
            "recognize: the audio is not WAV, Ogg Opus or MP3 as far as its first bytes or name say; describe it "
            "with --config (recognitionModel.audioFormat, e.g. rawAudio for LPCM)"
        )
    model: dict[str, Any] = {"model": "general"}
    if container is not None:
        model["audioFormat"] = {"containerAudio": {"containerAudioType": container}}
    if language:
        model["languageRestriction"] = {"restrictionType": "WHITELIST", "languageCode": [language]}
    request: dict[str, Any] = {"recognitionModel": model}
    request.update({"content": content} if content is not None else {"uri": uri})
    return request


def _stt_v2(
    fmt: str | None, content: str | None, uri: str | None, language: str | None, described: bool = False
) -> dict[str, Any]:
    """``described``: --config gives ``config.specification.audioEncoding``, which then wins."""
    encoding = _V2_ENCODINGS.get(fmt or "")
    if encoding is None and not described:
        raise UsageError(
            "recognize: STT v2 takes Ogg Opus or MP3 (or LPCM described with --config config.specification); "
            "this audio is neither as far as its first bytes or name say"
        )
    spec: dict[str, Any] = {"languageCode": language or "ru-RU"}
    if encoding is not None:
        spec["audioEncoding"] = encoding
    audio = {"content": content} if content is not None else {"uri": uri}
    return {"config": {"specification": spec}, "audio": audio}


def _ocr(fmt: str | None, content: str | None, language: str | None, source: str) -> dict[str, Any]:
    mime = _OCR_MIME.get(fmt or "")
    if mime is None:
        raise UsageError(f"recognize: {source} is not JPEG, PNG, WEBP or PDF, which OCR reads")
    return {"mimeType": mime, "languageCodes": [language or "*"], "model": "page", "content": content}


def _config(path: str | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.endswith(".toml") else json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise UsageError(f"recognize: --config {path}: {type(e).__name__}: {e}") from None
    if not isinstance(data, dict):
        raise UsageError(f"recognize: --config {path}: the request's fields are a JSON object")
    return data


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


# -------------------------------------------------------------------------------------------- waiting


def _wait(operation: Any, args: argparse.Namespace, streams: Streams) -> Any:
    """The result, with a progress line on a terminal while the operation runs."""
    tty = bool(getattr(streams.stderr, "isatty", lambda: False)())
    started = time.monotonic()
    if tty:
        done = operation.operation.done
        while not done:
            elapsed = time.monotonic() - started
            streams.stderr.write(f"\rwaiting for {operation.id}: {elapsed:5.1f} s, {operation.polls} polls ")
            streams.stderr.flush()
            remaining = args.timeout - elapsed
            if remaining <= 0:
                break
            try:
                operation.wait(timeout=min(remaining, 2.0))
                done = True
            except TimeoutError:
                continue
        streams.stderr.write("\r" + " " * 60 + "\r")
    return operation.result(timeout=max(args.timeout - (time.monotonic() - started), 0.001))


def _write(result: Any, args: argparse.Namespace, streams: Streams) -> None:
    from yc_contracts.conversion.protojson import to_json

    messages = result if isinstance(result, list) else [result]
    if args.format == "ndjson":
        text = "".join(to_json(m) + "\n" for m in messages)
    elif args.format == "json":
        items = [json.loads(to_json(m)) for m in messages]
        text = json.dumps(items if isinstance(result, list) else items[0], ensure_ascii=False, indent=2) + "\n"
    else:
        text = "".join(line + "\n" for line in _text_lines(messages))
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as e:
            raise UsageError(f"recognize: cannot write {args.output}: {e.strerror or e}") from None
    else:
        streams.stdout.write(text)


def _text_lines(messages: list[Any]) -> list[str]:
    lines: list[str] = []
    for m in messages:
        name = m.DESCRIPTOR.full_name
        if name == "speechkit.stt.v3.StreamingResponse" and m.HasField("final"):
            for alternative in m.final.alternatives[:1]:
                lines.append(f"[{m.channel_tag or '0'}] {alternative.text}")
        elif name == "yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse":
            for chunk in m.chunks:
                for alternative in chunk.alternatives[:1]:
                    lines.append(f"[{chunk.channel_tag}] {alternative.text}")
        elif name == "yandex.cloud.ai.ocr.v1.RecognizeTextResponse":
            lines.append(f"--- page {m.page}")
            lines.extend(m.text_annotation.full_text.rstrip("\n").split("\n"))
    return lines
