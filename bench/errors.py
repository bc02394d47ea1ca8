"""Cost of many errors: check() on 10^5 and 10^6 wrong-type items and unknown keys, and the CLI on a 50 MB payload.

Run with ``make bench`` (or ``.venv/bin/python bench/errors.py``). Targets (issue 12): with many errors, the time
per item stays within 3x of a valid payload's of the same shape and size, and peak memory within 3x of the input
(the JSON text); the CLI on a 50 MB invalid payload stays within 3x of the input in memory.

Cases, each in a fresh child process (so one case's memory never shows in another's), under a time limit and an
address-space cap (``--timeout``, ``--memory-cap``): a case over either is reported as TIMEOUT or OOM, and the
machine stays up.

- ``double``: a RecognizeFileRequest whose ``speechAnalysis.descriptiveStatisticsQuantiles`` (repeated double) holds
  N numbers ``0.5`` (valid) or N strings ``"x"`` (N errors); both spell 4 bytes of JSON per item.
- ``keys``: N keys ``"k0000001": 0`` in the Struct of ``summarization.properties[0].jsonSchema.schema``, where any
  key is allowed (valid), or at the top of the request, where each is an unknown field (N errors).
- ``cli``: ``yc-contracts validate --type yandex.cloud.ai.ocr.v1.RecognizeTextRequest FILE`` on a request whose
  ``content`` is over the 20 MB limit (50 MB of JSON), next to the largest valid one (20 MiB of content).

check() gets the payload as Python objects (``json.loads`` of the text, as a caller has it); its time is CPU time
of the call (the median of 3 to 25 calls, until they add up to a second), its memory the growth of the resident
set during the call (``VmHWM`` reset before it). For the CLI, the time is the child's CPU time and the memory its
peak resident set (``ru_maxrss`` from ``wait4``), interpreter included. "x valid" is the case's time per item (per
byte for the CLI) over the valid case's.
"""

from __future__ import annotations

import argparse
import base64
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

V3 = "speechkit.stt.v3.RecognizeFileRequest"
URI = "https://storage.yandexcloud.net/bench-bucket/calls/call-000123.wav"
MB = 1_000_000
LIMIT = 3.0
"""Both targets: time per item within 3x of the valid case's, peak memory within 3x of the input."""
CLI_INVALID_BYTES = 50 * MB
OCR = "yandex.cloud.ai.ocr.v1.RecognizeTextRequest"
OCR_LIMIT = 20 * 1024 * 1024  # ocr.max_file_bytes: the largest content Vision OCR takes
GOLDEN_MEDIA = Path(__file__).resolve().parent.parent / "tests" / "golden" / "media"


MIN_CALLS, MAX_CALLS = 3, 25
"""check() is timed over at least 3 calls, and more (up to 25) until they add up to a second: the median is kept."""

# ------------------------------------------------------------------------------------------------ payloads


def double_payload(n: int, *, valid: bool) -> bytes:
    items = ",".join(["0.5" if valid else '"x"'] * n)
    return f'{{"uri":"{URI}","speechAnalysis":{{"descriptiveStatisticsQuantiles":[{items}]}}}}'.encode()


def keys_payload(n: int, *, valid: bool) -> bytes:
    keys = ",".join(f'"k{i:07d}":0' for i in range(n))
    if valid:
        schema = f'{{"jsonSchema":{{"schema":{{{keys}}}}}}}'
        return f'{{"uri":"{URI}","summarization":{{"modelUri":"gpt://b1g/yandexgpt/latest","properties":[{schema}]}}}}'.encode()
    return f'{{"uri":"{URI}",{keys}}}'.encode()


def png(size: int) -> bytes:
    """A ``size``-byte PNG file: a 1x1 image, then zeros (content inspection reads the header)."""
    image = (GOLDEN_MEDIA / "tiny.png").read_bytes()
    return image + bytes(size - len(image))


def cli_payload(valid: bool) -> bytes:
    """An OCR request whose content is the largest allowed (20 MiB), or over it: 50 MB of JSON in all."""
    size = OCR_LIMIT if valid else (CLI_INVALID_BYTES - 200) * 3 // 4
    content = base64.b64encode(png(size)).decode()
    return f'{{"content":"{content}","mimeType":"image/png","languageCodes":["ru"],"model":"page"}}'.encode()


# ------------------------------------------------------------------------------------------- the child


def _vm(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def child(kind: str, n: int, valid: bool) -> None:
    """(In a fresh process.) Build the payload, warm the validator up, time check() and measure its memory."""
    import yc_contracts

    text = double_payload(n, valid=valid) if kind == "double" else keys_payload(n, valid=valid)
    payload = json.loads(text)
    yc_contracts.check(V3, {"uri": URI})  # compile the validator before measuring
    samples: list[float] = []
    growth = 0
    found = 0
    for _ in range(MAX_CALLS):
        gc.collect()
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current resident set
        base = _vm("VmRSS")
        started = time.process_time()
        violations = yc_contracts.check(V3, payload)
        samples.append(time.process_time() - started)
        growth = max(growth, _vm("VmHWM") - base)
        found = sum(v.severity == "error" for v in violations)
        del violations
        if len(samples) >= MIN_CALLS and sum(samples) >= 1:
            break
    print(json.dumps({"seconds": statistics.median(samples), "growth": growth, "input": len(text), "errors": found}))


# ------------------------------------------------------------------------------------------ the parent


@dataclass
class Outcome:
    label: str
    items: int  # items (check) or input bytes (the CLI): what "per item" divides by
    input_bytes: int
    seconds: float | None = None
    memory: int | None = None  # bytes: resident-set growth (check), peak resident set (the CLI)
    errors: int | None = None
    status: str = ""  # "" or TIMEOUT / OOM / FAILED: why there is no measurement


def _limits(cap: int) -> Any:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    return apply


def _run(argv: list[str], timeout: float, cap: int) -> tuple[int | None, str, str, Any]:
    """Run a child under the limits; its exit status (None: timed out), output, errors and resource usage."""
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "131072"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(argv, stdout=out, stderr=err, env=env, preexec_fn=_limits(cap))  # noqa: PLW1509
        deadline = time.monotonic() + timeout
        status = None
        usage = None
        while time.monotonic() < deadline:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.05)
        else:
            process.kill()
            _, _, usage = os.wait4(process.pid, 0)
            status = None
        process.returncode = 0  # reaped already: keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        code = None if status is None else os.waitstatus_to_exitcode(status)
        return code, out.read().decode(), err.read().decode(errors="replace"), usage


def _failure(code: int | None, stderr: str) -> str:
    if code is None:
        return "TIMEOUT"
    if "MemoryError" in stderr or code in (-9, 137):
        return "OOM"
    return f"FAILED (exit {code}): {stderr.strip().splitlines()[-1] if stderr.strip() else ''}"


def measure_check(kind: str, n: int, valid: bool, timeout: float, cap: int) -> Outcome:
    label = f"{kind} {'valid' if valid else 'invalid'}"
    size = len(double_payload(n, valid=valid) if kind == "double" else keys_payload(n, valid=valid))
    argv = [sys.executable, __file__, "--child", kind, str(n), "valid" if valid else "invalid"]
    code, out, err, _ = _run(argv, timeout, cap)
    outcome = Outcome(label, n, size)
    if code != 0:
        outcome.status = _failure(code, err)
        return outcome
    data = json.loads(out)
    outcome.seconds, outcome.memory, outcome.errors = data["seconds"], data["growth"], data["errors"]
    if (outcome.errors == 0) != valid:
        outcome.status = f"FAILED: the {'valid' if valid else 'invalid'} payload has {outcome.errors} errors"
    return outcome


def cli_has_max_input_size() -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "yc_contracts", "validate", "--help"], capture_output=True, text=True, check=False
    )
    return "--max-input-size" in done.stdout


def measure_cli(valid: bool, timeout: float, cap: int, folder: Path) -> Outcome:
    data = cli_payload(valid)
    path = folder / ("valid.json" if valid else "invalid.json")
    path.write_bytes(data)
    del data
    argv = [sys.executable, "-m", "yc_contracts", "validate", "--type", OCR, "--jobs", "1"]
    if cli_has_max_input_size():
        argv += ["--max-input-size", "64M"]  # read the 50 MB file: its content is what is over a limit
    size = path.stat().st_size
    outcome = Outcome(f"cli {'valid' if valid else 'invalid'}", size, size)
    code, _, err, usage = _run([*argv, str(path)], timeout, cap)
    expected = 0 if valid else 1
    if code != expected:
        outcome.status = _failure(code, err) if code not in (0, 1) else f"FAILED: exit {code}, expected {expected}"
        return outcome
    outcome.seconds = usage.ru_utime + usage.ru_stime
    outcome.memory = usage.ru_maxrss * 1024
    outcome.errors = 0 if valid else 1
    return outcome


def row(outcome: Outcome, reference: Outcome | None) -> list[str]:
    cells = [
        outcome.label,
        f"{outcome.items:,}" if not outcome.label.startswith("cli") else "1",
        "-" if outcome.errors is None else f"{outcome.errors:,}",
        f"{outcome.input_bytes / MB:.1f}",
    ]
    if outcome.status:
        return [
            *cells,
            "-",
            "-",
            "-",
            "-",
            "-",
            outcome.status.split(":")[0],
        ]
    assert outcome.seconds is not None
    assert outcome.memory is not None
    time_ratio = None
    if reference is not None and reference.seconds and not reference.status:
        time_ratio = (outcome.seconds / outcome.items) / (reference.seconds / reference.items)
    memory_ratio = outcome.memory / outcome.input_bytes
    verdict = ""
    if reference is not None:
        ok = memory_ratio <= LIMIT and (outcome.label.startswith("cli") or (time_ratio or 0) <= LIMIT)
        verdict = "PASS" if ok and (time_ratio is not None or outcome.label.startswith("cli")) else "FAIL"
    return [
        *cells,
        f"{outcome.seconds:.2f}",
        f"{outcome.seconds / outcome.items * 1e9:,.0f} ns" if not outcome.label.startswith("cli") else "-",
        f"{time_ratio:.2f}x" if time_ratio is not None else "-",
        f"{outcome.memory / MB:,.1f}",
        f"{memory_ratio:.2f}x",
        verdict,
    ]


def table(rows: list[list[str]]) -> str:
    header = ["case", "items", "errors", "input MB", "seconds", "per item", "x valid", "peak MB", "x input", "target"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="item counts (default 100000,1000000)")
    parser.add_argument("--timeout", type=float, default=180, help="seconds per case before TIMEOUT (default 180)")
    parser.add_argument("--memory-cap", type=float, default=4, help="GiB of address space per case (default 4)")
    parser.add_argument("--no-cli", action="store_true", help="leave out the 50 MB CLI case")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--child", nargs=3, metavar=("KIND", "N", "VALID"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, n, valid = args.child
        child(kind, int(n), valid == "valid")
        return 0

    cap = int(args.memory_cap * 2**30)
    rows: list[list[str]] = []
    problems: list[Outcome] = []
    failed = False
    print(f"check() and the CLI under many errors (cap {args.memory_cap:g} GiB, {args.timeout:g} s per case) ...")
    for n in (int(s) for s in args.sizes.split(",")):
        for kind in ("double", "keys"):
            valid = measure_check(kind, n, True, args.timeout, cap)
            invalid = measure_check(kind, n, False, args.timeout, cap)
            rows += [row(valid, None), row(invalid, valid)]
            problems += [o for o in (valid, invalid) if o.status]
            failed |= rows[-1][-1] != "PASS"
            print(f"  {kind} x {n:,}: done", flush=True)
    if not args.no_cli:
        with tempfile.TemporaryDirectory(prefix="yc-bench-") as folder:
            valid = measure_cli(True, args.timeout, cap, Path(folder))
            invalid = measure_cli(False, args.timeout, cap, Path(folder))
        rows += [row(valid, None), row(invalid, valid)]
        problems += [o for o in (valid, invalid) if o.status]
        failed |= rows[-1][-1] != "PASS"
        print("  cli: done", flush=True)
    print()
    print(table(rows))
    for outcome in problems:
        print(f"  {outcome.label}: {outcome.status}")
    print(
        "\n  per item: CPU time / items; x valid: that over the valid case's (target <= 3x); peak MB: resident-set"
        "\n  growth during check() (the CLI: its peak resident set, interpreter included); x input: that over the"
        "\n  JSON text (target <= 3x). TIMEOUT / OOM: over --timeout / --memory-cap."
    )
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
