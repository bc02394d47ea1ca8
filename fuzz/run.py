"""Fuzz every public surface with atheris (coverage-guided libFuzzer) for a bounded time; fail on any crash.

Run with ``make fuzz`` or ``python fuzz/run.py``; docs/fuzzing.md has the details. In short:

- the targets are the functions of :mod:`targets` (``check``, ``to_proto``, the ``to_json`` round trip,
  ``from_stream``, ``transcode``, the CLI's file reader and ``yc-contracts validate``), seeded from the golden
  corpus, the seed examples and the example payloads (:mod:`seeds`), mutated bytewise by libFuzzer and
  structurally by :mod:`mutate`;
- each surface runs in its own process for its share of ``FUZZ_SECONDS`` (default 300 in all), under a memory
  budget (``FUZZ_RSS_MB`` resident, checked by libFuzzer; twice that as address space, ``setrlimit``) and a time
  budget per input (``FUZZ_INPUT_SECONDS``); a process killed by either budget is restarted for the rest of its
  share, so one slow input does not end the run;
- a crash is an exception the surface does not document, a disagreement between surfaces about one payload, or an
  input over a budget. Each is saved under ``fuzz/crashes/`` and listed at the end; the exit status is 1 when
  there is one. ``tests/data/fuzz-regressions/<surface>/`` holds those that became regression tests.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import hashlib
import importlib
import json
import math
import os
import pkgutil
import re
import resource
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
CRASHES = HERE / "crashes"

SECONDS = int(os.environ.get("FUZZ_SECONDS", "300"))
INPUT_SECONDS = int(os.environ.get("FUZZ_INPUT_SECONDS", "5"))
RSS_MB = int(os.environ.get("FUZZ_RSS_MB", "2048"))
MAX_LEN = int(os.environ.get("FUZZ_MAX_LEN", "131072"))
INPUT_MB = int(os.environ.get("FUZZ_INPUT_MB", "256"))
JOBS = int(os.environ.get("FUZZ_JOBS", "1"))
KEEP_PER_SIGNATURE = 3
"""Crashing inputs saved per distinct crash (exception type and the innermost frame of ours that raised)."""

_ARTIFACT = re.compile(r"^(?P<surface>[a-z_]+)-(?P<kind>crash|timeout|oom|leak|slow-unit)-[0-9a-f]+$")
_RUNS = re.compile(r"stat::number_of_executed_units:\s*(\d+)")


# ------------------------------------------------------------------------------------------- the child


class MemoryBudgetError(Exception):
    """One input raised the process's peak resident set by more than ``FUZZ_INPUT_MB``."""


@dataclass
class Stats:
    """What one fuzzing process did; written as JSON every second, so a killed process loses little."""

    surface: str
    inputs: int = 0
    seconds: float = 0.0
    crashes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def write(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.__dict__, indent=1), encoding="utf-8")
        tmp.replace(path)


def _signature(error: BaseException) -> str:
    """The exception type and the innermost frame in yc_contracts (or the harness) that it passed through."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "yc_contracts" in f.filename or f.filename.startswith(str(HERE))]
    where = ours[-1] if ours else (frames[-1] if frames else None)
    place = f"{Path(where.filename).name}:{where.lineno}:{where.name}" if where else "?"
    return f"{type(error).__name__} at {place}"


def _record(stats: Stats, error: BaseException, data: bytes) -> None:
    signature = _signature(error)
    entry = stats.crashes.setdefault(signature, {"count": 0, "files": [], "error": "", "traceback": ""})
    entry["count"] += 1
    if len(entry["files"]) < KEEP_PER_SIGNATURE:
        CRASHES.mkdir(parents=True, exist_ok=True)
        name = f"{stats.surface}-{type(error).__name__}-{hashlib.sha1(data).hexdigest()[:16]}"
        (CRASHES / name).write_bytes(data)
        tail = "".join(traceback.format_exception(error)[-6:])
        (CRASHES / (name + ".txt")).write_text(f"{signature}\n{data!r}\n\n{tail}", encoding="utf-8")
        entry["files"].append(str((CRASHES / name).relative_to(ROOT)))
        entry["error"] = f"{type(error).__name__}: {str(error)[:500]}"
        entry["traceback"] = tail[-3000:]


def _instrumented_imports() -> None:
    """Import every module of yc_contracts (but the generated code) under atheris' coverage instrumentation."""
    import atheris

    with atheris.instrument_imports(include=["yc_contracts"]):
        import yc_contracts

        for module in pkgutil.walk_packages(yc_contracts.__path__, "yc_contracts."):
            if "._gen" not in module.name and ".testing" not in module.name:
                with contextlib.suppress(ImportError):
                    importlib.import_module(module.name)


def child(surface: str, seconds: int, stats_path: Path) -> None:
    """(In its own process.) Fuzz one surface with atheris for ``seconds``."""
    # The address space budget, twice the resident one (libFuzzer checks that): a bigger allocation fails with
    # MemoryError, which the harness records, instead of taking the machine down.
    limit = 2 * RSS_MB * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import atheris

    _instrumented_imports()
    sys.path.insert(0, str(HERE))
    import mutate
    import seeds
    import targets

    corpus = WORK / "corpus" / surface
    seeds.write_corpus(surface, corpus, skip=_quarantined(surface))
    target = targets.SURFACES[surface]
    stats = Stats(surface)
    started = last = time.monotonic()

    def one_input(data: bytes) -> None:
        nonlocal last
        stats.inputs += 1
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            target(data)
            grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) // 1024
            if grown > INPUT_MB:
                raise MemoryBudgetError(f"{len(data):,} bytes of input raised the peak resident set by {grown} MB")
        except Exception as e:
            known = len(stats.crashes)
            _record(stats, e, data)
            if len(stats.crashes) > known:
                stats.write(stats_path)
        now = time.monotonic()
        if now - last >= 1:
            last = now
            stats.seconds = now - started
            stats.write(stats_path)

    CRASHES.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.argv[0],
        str(corpus),
        f"-max_total_time={seconds}",
        f"-timeout={INPUT_SECONDS}",
        f"-rss_limit_mb={RSS_MB}",
        f"-max_len={MAX_LEN}",
        f"-artifact_prefix={CRASHES}/{surface}-",
        "-print_final_stats=1",
    ]
    # atheris.Mutate is looked up at each call: Setup() rebinds it to the libFuzzer it loads.
    mutator = mutate.make_mutator(surface, lambda data, max_size: atheris.Mutate(data, max_size))  # noqa: PLW0108
    atheris.Setup(argv, one_input, custom_mutator=mutator)
    stats.write(stats_path)
    atheris.Fuzz()


# ------------------------------------------------------------------------------------------ the parent


@dataclass
class Result:
    surface: str
    inputs: int = 0
    seconds: float = 0.0
    restarts: int = 0
    crashes: dict[str, dict[str, Any]] = field(default_factory=dict)


def _quarantined(surface: str) -> set[str]:
    """SHA-1s of the inputs that stopped a process of ``surface``: kept out of its corpus, or it would stop again."""
    path = WORK / f"quarantine-{surface}"
    return set(path.read_text(encoding="utf-8").split()) if path.exists() else set()


def _quarantine(surface: str, data: bytes) -> None:
    digest = hashlib.sha1(data).hexdigest()
    with (WORK / f"quarantine-{surface}").open("a", encoding="utf-8") as out:
        out.write(digest + "\n")
    corpus = WORK / "corpus" / surface
    for path in corpus.iterdir() if corpus.is_dir() else ():
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            path.unlink()


def run_surface(surface: str, seconds: float) -> Result:
    """Fuzz ``surface`` for ``seconds`` of wall-clock time, restarting the process after a timeout or an OOM."""
    result = Result(surface)
    WORK.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + seconds
    attempt = 0
    while (left := deadline - time.monotonic()) >= 2 or attempt == 0:
        stats_path = WORK / f"stats-{surface}-{attempt}.json"
        stats_path.unlink(missing_ok=True)
        before = set(CRASHES.glob(f"{surface}-*")) if CRASHES.is_dir() else set()
        log = WORK / f"{surface}-{attempt}.log"
        started = time.monotonic()
        with log.open("wb") as out:
            code = subprocess.call(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    surface,
                    "--seconds",
                    str(max(1, int(left))),
                    "--stats",
                    str(stats_path),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        elapsed = time.monotonic() - started
        stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.exists() else {}
        runs = [int(n) for n in _RUNS.findall(log.read_text(encoding="utf-8", errors="replace"))]
        result.inputs += max([stats.get("inputs", 0), *runs])
        result.seconds += elapsed
        for signature, entry in stats.get("crashes", {}).items():
            merged = result.crashes.setdefault(signature, {"count": 0, "files": [], "error": "", "traceback": ""})
            merged["count"] += entry["count"]
            merged["files"] += [f for f in entry["files"] if f not in merged["files"]]
            merged["error"], merged["traceback"] = entry["error"], entry["traceback"]
        tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:])
        stopped = False
        for artifact in sorted(set(CRASHES.glob(f"{surface}-*")) - before):
            match = _ARTIFACT.match(artifact.name)
            if match:  # written by libFuzzer: the process died (time or memory budget, a fatal signal)
                stopped = True
                signature = f"{match['kind']} (exit {code})"
                merged = result.crashes.setdefault(signature, {"count": 0, "files": [], "error": "", "traceback": ""})
                merged["count"] += 1
                merged["files"].append(str(artifact.relative_to(ROOT)))
                _quarantine(surface, artifact.read_bytes())
                merged["error"] = f"{match['kind']}: the process was stopped (see {log.relative_to(ROOT)})"
                merged["traceback"] = tail
        if code != 0 and not stopped:  # died with no input to blame: killed from outside, or broken at start
            merged = result.crashes.setdefault(f"exit {code}", {"count": 0, "files": [], "error": "", "traceback": ""})
            merged["count"] += 1
            merged["error"] = f"the fuzzing process exited with {code} (see {log.relative_to(ROOT)})"
            merged["traceback"] = tail
        if code == 0 or time.monotonic() >= deadline - 2:
            break
        attempt += 1
        result.restarts += 1
    return result


def table(results: list[Result]) -> str:
    rows = [
        [
            r.surface,
            f"{r.inputs:,}",
            f"{r.seconds:.0f}",
            f"{r.inputs / r.seconds:,.0f}" if r.seconds else "-",
            str(r.restarts),
            str(len(r.crashes)),
        ]
        for r in results
    ]
    total_inputs = sum(r.inputs for r in results)
    total_seconds = sum(r.seconds for r in results)
    rows.append(
        ["total", f"{total_inputs:,}", f"{total_seconds:.0f}", "", "", str(sum(len(r.crashes) for r in results))]
    )
    header = ["surface", "inputs", "seconds", "inputs/s", "restarts", "crashes"]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(HERE))
    import targets

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=SECONDS, help=f"total budget (FUZZ_SECONDS, default {SECONDS})")
    parser.add_argument("--jobs", type=int, default=JOBS, help=f"surfaces fuzzed at once (FUZZ_JOBS, default {JOBS})")
    parser.add_argument("--surfaces", default=",".join(targets.SURFACES), help="comma-separated (default: all)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--stats", type=Path, help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args(argv)
    if args.child:
        sys.argv = [sys.argv[0], *rest]
        child(args.child, args.seconds, args.stats)
        return 0
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("fuzz/run.py needs atheris (the 'fuzz' dependency group): pip install atheris", file=sys.stderr)
        return 2
    surfaces = [s for s in args.surfaces.split(",") if s]
    unknown = [s for s in surfaces if s not in targets.SURFACES]
    if unknown:
        parser.error(f"unknown surfaces {unknown}; known: {', '.join(targets.SURFACES)}")
    share = args.seconds / math.ceil(len(surfaces) / max(1, args.jobs))  # the surfaces run in waves of --jobs
    print(
        f"fuzzing {len(surfaces)} surfaces for {args.seconds} s ({share:.0f} s each, {args.jobs} at a time); "
        f"{INPUT_SECONDS} s and {RSS_MB} MB per input",
        flush=True,
    )
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        futures = [pool.submit(run_surface, s, share) for s in surfaces]
        results = []
        for future in futures:
            results.append(future.result())
            r = results[-1]
            print(f"  {r.surface}: {r.inputs:,} inputs in {r.seconds:.0f} s, {len(r.crashes)} crashes", flush=True)
    print()
    print(table(results))
    print(f"wall clock {time.monotonic() - started:.0f} s")
    crashes = [(r.surface, sig, entry) for r in results for sig, entry in r.crashes.items()]
    for surface, signature, entry in crashes:
        print(f"\nCRASH [{surface}] {signature} x{entry['count']}: {entry['error']}")
        for name in entry["files"]:
            print(f"  input: {name}")
        print("  " + entry["traceback"].strip().replace("\n", "\n  "))
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=1), encoding="utf-8")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
