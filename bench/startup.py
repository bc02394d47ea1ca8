"""Start-up time of the ``yc-contracts`` command: what pre-commit pays on every commit.

Run with ``make bench-startup`` (or ``.venv/bin/python bench/startup.py``). Each case runs the installed console
script as a fresh process ``--runs`` times (after one unmeasured warm-up run, which fills the OS file cache and
writes ``.pyc`` files), interleaving the cases round by round so a noisy neighbour slows them all alike, and
reports the median, the fastest and the slowest wall-clock time. The budget is 0.3 s for ``--version`` and for
validating one small file; the exit status is 1 when a median is over it.

The processes run as an installed package does, with compiled ``.pyc`` files: ``PYTHONDONTWRITEBYTECODE`` is
removed from their environment (some sandboxes set it, and then every run compiles the package's modules again,
which adds about 0.07 s here).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET = 0.3
SMALL_REQUEST = {
    "uri": "https://storage.yandexcloud.net/speechkit-bucket/calls/call-0042.ogg",
    "recognitionModel": {
        "model": "general",
        "audioFormat": {"containerAudio": {"containerAudioType": "OGG_OPUS"}},
        "languageRestriction": {"restrictionType": "WHITELIST", "languageCode": ["ru-RU"]},
    },
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="measured runs per case (default: 15)")
    args = parser.parse_args()
    script = shutil.which("yc-contracts", path=str(Path(sys.executable).parent))
    if script is None:
        print("the yc-contracts console script is not installed next to this interpreter", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        payload = Path(scratch) / "request.json"
        payload.write_text(json.dumps(SMALL_REQUEST, indent=2))
        bad = Path(scratch) / "bad.json"
        bad.write_text(json.dumps({**SMALL_REQUEST, "content": "AAAA"}, indent=2))
        cases = {
            "python -c pass (the interpreter alone)": ([sys.executable, "-c", "pass"], 0, False),
            "yc-contracts --version": ([script, "--version"], 0, True),
            "yc-contracts validate one small valid file": (
                [script, "validate", "--type", "speechkit.stt.v3.RecognizeFileRequest", str(payload)],
                0,
                True,
            ),
            "yc-contracts validate one small invalid file": (
                [script, "validate", "--route", "POST /stt/v3/recognizeFileAsync", str(bad)],
                1,
                True,
            ),
        }
        cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        envs = dict.fromkeys(cases, cached)
        times: dict[str, list[float]] = {name: [] for name in cases}
        for name, (command, status, _) in cases.items():  # warm-up, and a check that each case does its job
            result = subprocess.run(command, capture_output=True, check=False, env=envs[name])
            if result.returncode != status:
                print(f"{name}: exit status {result.returncode}, expected {status}", file=sys.stderr)
                print(result.stdout.decode(), result.stderr.decode(), file=sys.stderr)
                return 2
        for _ in range(args.runs):
            for name, (command, _, _) in cases.items():
                start = time.perf_counter()
                subprocess.run(command, capture_output=True, check=False, env=envs[name])
                times[name].append(time.perf_counter() - start)
    over = False
    print(f"wall-clock seconds over {args.runs} runs (budget {BUDGET} s for the yc-contracts cases)")
    print(f"  {'case':<46} {'median':>7} {'min':>7} {'max':>7}")
    for name, (_, _, budgeted) in cases.items():
        median = statistics.median(times[name])
        flag = ""
        if budgeted and median > BUDGET:
            flag, over = "  OVER BUDGET", True
        print(f"  {name:<46} {median:7.3f} {min(times[name]):7.3f} {max(times[name]):7.3f}{flag}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
