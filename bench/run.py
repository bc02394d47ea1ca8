"""Benchmarks: yc_contracts' validators against jsonschema, fastjsonschema, jsonschema-rs and protobuf json_format.

Run with ``make bench`` (or ``.venv/bin/python bench/run.py``). Method, in short (``docs/benchmarks.md`` has more):

- every contender is warmed up (ours compiles its validator on first use) and its verdict checked first;
- a contender's time is measured in batches of ``number`` calls (as ``timeit`` does: the garbage collector is
  off during a batch), ``number`` calibrated so a batch lasts about ``--batch`` seconds (a quarter of that for
  the reference ``jsonschema``, which takes milliseconds); calls slower than 0.25 s run in 3 rounds only;
- the clock is the CPU time of the process (``time.process_time``), so time spent waiting for a core on a
  shared machine is left out; wall-clock times of the same batches go to the JSON results;
- batches are *interleaved*: each round times every contender of a payload once, so a noisy neighbour slows
  all of them alike; the reported time is the median over rounds, and each ratio is the median of the
  per-round ratios (both sides measured in the same round);
- peak memory of the 20 MiB case is measured with ``tracemalloc`` (Python allocations) and, in a fresh child
  process, as the growth of the resident set (``VmHWM``, which also sees memory Rust and C allocate).
"""

from __future__ import annotations

import argparse
import binascii
import gc
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import time
import timeit
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema
import jsonschema_rs
import machine
import orjson
import payloads
from google.protobuf import json_format

import yc_contracts

RESULTS = Path("/tmp/yc-bench-results.json")
ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("yc-contracts", "protobuf", "jsonschema", "fastjsonschema", "jsonschema-rs", "orjson")

OURS = "ours"
JSONSCHEMA = "jsonschema"
FASTJSONSCHEMA = "fastjsonschema"
RS = "jsonschema-rs"
PARSEDICT = "ParseDict"
A2B = "a2b_base64"
VALID_REF = "ours, valid small"  # the valid small request, timed beside the invalid one (same rounds)
COLUMNS = (OURS, JSONSCHEMA, FASTJSONSCHEMA, RS, PARSEDICT, A2B)

SLOW_CALL = 0.25
"""Seconds per call above which a contender runs in only ``--slow-rounds`` of the rounds."""


# ------------------------------------------------------------------------------------------------ cases


@dataclass
class Contender:
    name: str
    call: Callable[[], object] | None  # None: could not be built (``note`` says why)
    note: str = ""
    budget_share: float = 1.0  # fraction of the batch budget (the reference jsonschema gets less)
    number: int = 0
    rounds: list[int] = field(default_factory=list)  # the rounds it ran in
    samples: list[float] = field(default_factory=list)  # CPU seconds per call, one per round it ran in
    wall_samples: list[float] = field(default_factory=list)  # the same batches in wall-clock seconds


@dataclass
class Case:
    label: str
    key: str
    payload: Any
    size: int  # bytes of compact JSON
    contenders: list[Contender]


def _expect_ok(call: Callable[[], object], why: Callable[[], str] | None = None) -> Callable[[], object]:
    """``call`` if it accepts the payload; raises with the contender's complaint (``why()``) otherwise."""
    result = call()
    if result is False:
        raise AssertionError("rejects the valid payload" + (f": {why()}" if why is not None else ""))
    return call


def _raises(call: Callable[[], object]) -> Callable[[], object]:
    """A call that is expected to raise on an invalid payload: time it with the exception caught."""

    def run() -> object:
        try:
            call()
        except Exception as e:
            return e
        raise AssertionError("accepted the invalid payload")

    run()
    return run


def _contender(name: str, build: Callable[[], Callable[[], object]], **kwargs: Any) -> Contender:
    try:
        return Contender(name, build(), **kwargs)
    except Exception as e:
        text = " ".join(str(e).split())
        return Contender(name, None, note=f"{type(e).__name__}: {text[:300]}", **kwargs)


def build_cases() -> list[Case]:
    reg = yc_contracts.registry
    pool = reg.descriptor_pool

    def parse_dict(full_name: str, payload: Any) -> Callable[[], object]:
        cls = reg.message_class(full_name)
        return lambda: json_format.ParseDict(payload, cls(), descriptor_pool=pool)

    def fast(schema: dict[str, Any]) -> Callable[[Any], Any]:
        # use_default=False: by default the validator writes schema defaults into the payload it checks.
        # The handlers refuse to fetch: a $ref outside the document must fail, never reach the network.
        no_fetch = {"http": _no_fetch, "https": _no_fetch, "urn": _no_fetch}
        return fastjsonschema.compile(schema, handlers=no_fetch, use_default=False)

    def valid_case(label: str, key: str, payload: Any, message: str, *, a2b: bool = False) -> Case:
        if yc_contracts.check(key, payload) != []:
            raise AssertionError(f"{label}: the payload is not valid: {yc_contracts.check(key, payload)}")
        schema = yc_contracts.schema_for(key)
        contenders = [
            _contender(OURS, lambda: _expect_ok(lambda: yc_contracts.validate(key, payload))),
            _contender(
                JSONSCHEMA,
                lambda: _expect_ok(_bind(jsonschema.Draft202012Validator(schema).is_valid, payload)),
                budget_share=0.25,
            ),
            _contender(FASTJSONSCHEMA, lambda: _expect_ok(_bind(fast(schema), payload))),
            _contender(RS, lambda: _expect_ok(*_rs_is_valid(schema, payload))),
            _contender(PARSEDICT, lambda: _expect_ok(parse_dict(message, payload))),
        ]
        if a2b:
            content = payload["content"]
            contenders.append(
                _contender(A2B, lambda: _expect_ok(lambda: binascii.a2b_base64(content, strict_mode=True)))
            )
        return Case(label, key, payload, len(orjson.dumps(payload)), contenders)

    small = payloads.small_request()
    invalid = payloads.invalid_request()
    errors = [v for v in yc_contracts.check(payloads.STT_V3_REQUEST, invalid) if v.severity == "error"]
    if len(errors) != 3:
        raise AssertionError(f"the invalid payload should have exactly 3 errors: {errors}")
    operation = payloads.stt_v2_operation()
    if payloads.word_count(operation) != 2000:
        raise AssertionError(f"the Operation should hold 2000 words: {payloads.word_count(operation)}")
    v3_schema = yc_contracts.schema_for(payloads.STT_V3_REQUEST)
    key = payloads.STT_V3_REQUEST
    invalid_case = Case(
        "v3 invalid (3 errors)",
        key,
        invalid,
        len(orjson.dumps(invalid)),
        [
            _contender(OURS, lambda: _errors_of(lambda: yc_contracts.check(key, invalid), 3)),
            _contender(
                JSONSCHEMA,
                lambda: _errors_of(_bind(_all_errors, jsonschema.Draft202012Validator(v3_schema), invalid)),
                budget_share=0.25,
            ),
            _contender(FASTJSONSCHEMA, lambda: _raises(_bind(fast(v3_schema), invalid))),
            _contender(RS, lambda: _errors_of(_bind(_all_errors, jsonschema_rs.validator_for(v3_schema), invalid))),
            _contender(PARSEDICT, lambda: _raises(parse_dict(key, invalid))),
            _contender(VALID_REF, lambda: _expect_ok(lambda: yc_contracts.validate(key, small))),
        ],
    )
    return [
        valid_case("v3 small (uri)", key, small, key),
        valid_case("v3 content 1 MiB", key, payloads.content_request(payloads.MIB), key),
        valid_case("v3 content 20 MiB", key, payloads.content_request(20 * payloads.MIB), key, a2b=True),
        invalid_case,
        valid_case("v2 request", payloads.STT_V2_REQUEST, payloads.stt_v2_request(), payloads.STT_V2_REQUEST),
        valid_case(
            "v2 Operation 2000 words",
            payloads.STT_V2_OPERATION,
            operation,
            payloads.OPERATION,
        ),
    ]


def _no_fetch(uri: str) -> Any:
    raise LookupError(f"refusing to fetch {uri}")


def _rs_is_valid(schema: dict[str, Any], payload: Any) -> tuple[Callable[[], object], Callable[[], str]]:
    validator = jsonschema_rs.validator_for(schema)

    def why() -> str:
        error = next(iter(validator.iter_errors(payload)))
        kind = type(error.kind).__name__.removeprefix("ValidationErrorKind_")
        where = "/" + "/".join(map(str, error.instance_path))
        return f"{kind} at {where!r}: {error.message}"

    return _bind(validator.is_valid, payload), why


def _bind(function: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    return lambda: function(*args)


def _all_errors(validator: Any, instance: Any) -> list[Any]:
    return list(validator.iter_errors(instance))


def _errors_of(call: Callable[[], list[Any]], expected: int | None = None) -> Callable[[], object]:
    """A call listing every error of the invalid payload (it must find some; ``expected`` of error severity)."""
    found = call()
    errors = [v for v in found if getattr(v, "severity", "error") == "error"]
    if not errors or (expected is not None and len(errors) != expected):
        raise AssertionError(f"expected {expected or 'some'} errors, found {len(errors)}")
    return call


# ---------------------------------------------------------------------------------------------- timing


def calibrate(call: Callable[[], object], budget: float) -> tuple[int, float]:
    """How many calls make a batch of about ``budget`` seconds, and the seconds per call seen on the way."""
    timer = timeit.Timer(call)
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= min(budget, 0.01) or number >= 1_000_000:
            break
        number *= 10
    per_call = elapsed / number
    return max(1, round(budget / per_call)) if per_call < budget else 1, per_call


def measure(case: Case, rounds: int, slow_rounds: int, budget: float) -> None:
    """Time every contender of a case in interleaved rounds (see the module docstring)."""
    live = [c for c in case.contenders if c.call is not None]
    for c in live:
        assert c.call is not None  # (already called once: building a contender checks its verdict)
        c.number, per_call = calibrate(c.call, budget * c.budget_share)
        slow = per_call * c.number > SLOW_CALL
        every = max(1, rounds // slow_rounds) if slow else 1
        c.rounds = [r for r in range(rounds) if r % every == every // 2][:slow_rounds] if slow else list(range(rounds))
    for r in range(rounds):
        for c in live:
            if r in c.rounds:
                assert c.call is not None
                cpu, wall = run_batch(c.call, c.number)
                c.samples.append(cpu)
                c.wall_samples.append(wall)


def run_batch(call: Callable[[], object], number: int) -> tuple[float, float]:
    """Seconds per call of ``number`` calls, in CPU time of this process and in wall-clock time.

    Like ``timeit``: the garbage collector is off during the batch and the loop costs next to nothing. CPU time
    is what the tables report: on a shared machine it leaves out the time the process waits for a core.
    """
    loop = itertools.repeat(None, number)
    enabled = gc.isenabled()
    gc.disable()
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in loop:
            call()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        if enabled:
            gc.enable()
    return cpu / number, wall / number


def median(c: Contender) -> float | None:
    return statistics.median(c.samples) if c.samples else None


def paired_ratio(a: Contender | None, b: Contender | None) -> tuple[float | None, list[float]]:
    """Median over the rounds both ran in of a's time / b's time."""
    if a is None or b is None or not a.samples or not b.samples:
        return None, []
    b_by_round = dict(zip(b.rounds, b.samples, strict=True))
    ratios = [t / b_by_round[r] for r, t in zip(a.rounds, a.samples, strict=True) if r in b_by_round]
    return (statistics.median(ratios) if ratios else None), ratios


def find(case: Case, name: str) -> Contender | None:
    return next((c for c in case.contenders if c.name == name), None)


# ---------------------------------------------------------------------------------------------- memory


def memory_tracemalloc(key: str, payload: Any) -> dict[str, int]:
    """Peak Python-heap growth (tracemalloc) of ours and of a2b_base64 alone, over the payload already built."""
    out = {}
    for name, call in (
        (OURS, lambda: yc_contracts.validate(key, payload)),
        (A2B, lambda: binascii.a2b_base64(payload["content"], strict_mode=True)),
    ):
        call()
        gc.collect()
        tracemalloc.start()
        try:
            base, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            call()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        out[name] = peak - base
    return out


def _vm(field_name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field_name)


def memory_child(decoded: int) -> None:
    """(In a fresh process.) Peak resident-set growth while validating the content request, as JSON on stdout."""
    key = payloads.STT_V3_REQUEST
    yc_contracts.validate(key, payloads.small_request())  # compile the validator before measuring
    payload = payloads.content_request(decoded)
    out: dict[str, Any] = {"payload_bytes": len(orjson.dumps(payload))}
    for name, call in (
        (OURS, lambda: yc_contracts.validate(key, payload)),
        (A2B, lambda: binascii.a2b_base64(payload["content"], strict_mode=True)),
    ):
        gc.collect()
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current resident set
        base = _vm("VmRSS")
        call()
        out[name] = _vm("VmHWM") - base
    print(json.dumps(out))


def memory_rss(decoded: int) -> dict[str, Any]:
    """Run :func:`memory_child` in a fresh interpreter; big blocks always mmap'd, so frees show up at once."""
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "131072"}
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(decoded)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        result: dict[str, Any] = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        return {"error": f"{type(e).__name__}: {e}"}
    return result


# --------------------------------------------------------------------------------------------- reporting


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_ratio(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}x" if value < 100 else f"{value:.0f}x"


def environment() -> dict[str, Any]:
    return machine.environment(PACKAGES)


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths, strict=True)))
    ]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append(
            "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        )
    return "\n".join(lines)


def check_line(
    name: str, value: float | None, limit: float, *, at_least: bool = False, what: str = ""
) -> dict[str, Any]:
    if value is None or math.isnan(value):
        status = "MISS"
        shown = "n/a"
    else:
        ok = value >= limit if at_least else value <= limit
        status = "PASS" if ok else "MISS"
        shown = f"{value:.2f}x"
    bound = f"{'>=' if at_least else '<='} {limit:g}x"
    return {
        "target": name,
        "what": what,
        "status": status,
        "factor": value,
        "limit": bound,
        "line": f"{status}  {name}: {what} = {shown} (target {bound})",
    }


def memory_lines(size: int, tm: dict[str, int], rss: dict[str, Any]) -> list[str]:
    out = [f"Peak memory, v3 content 20 MiB (payload {size:,} bytes of JSON):"]
    for name in (OURS, A2B):
        parts = []
        if name in tm:
            parts.append(f"tracemalloc {tm[name] / 2**20:.1f} MiB = {tm[name] / size:.2f}x payload")
        if name in rss:
            parts.append(f"RSS growth {rss[name] / 2**20:.1f} MiB = {rss[name] / size:.2f}x payload")
        out.append(f"  {name:12s} " + "; ".join(parts or [str(rss.get("error", "n/a"))]))
    out.append("  tracemalloc counts what is requested from the Python allocator, touched or not; RSS growth counts")
    out.append(
        "  the pages actually touched, by any allocator (Rust's and C's too), measured in a fresh child process."
    )
    return out


def report(
    cases: list[Case], memory: dict[str, Any], env: dict[str, Any], elapsed: float, results_path: Path
) -> tuple[str, dict[str, Any]]:
    by_label = {c.label: c for c in cases}
    small, big, invalid = by_label["v3 small (uri)"], by_label["v3 content 20 MiB"], by_label["v3 invalid (3 errors)"]
    out: list[str] = []
    out.append(f"yc-contracts benchmarks  {env['date']}  {env['cpus']} CPUs ({env['cpu']}), load {env['load_average']}")
    out.append(
        f"Python {env['python']}; " + ", ".join(f"{k} {v}" for k, v in env["packages"].items()) + f"; git {env['git']}"
    )
    out.append("")
    walls = [
        w / t
        for case in cases
        for c in case.contenders
        for t, w in zip(c.samples, c.wall_samples, strict=True)
        if t > 0
    ]
    out.append(
        "Median CPU time per call (interleaved rounds; see docs/benchmarks.md). "
        f"Wall clock / CPU time over all batches: median {statistics.median(walls):.2f}, max {max(walls):.2f}."
    )
    rows = []
    for case in cases:
        row = [f"{case.label} [{_size(case.size)}]"]
        for name in COLUMNS:
            c = find(case, name)
            if c is None:
                row.append("")
            elif c.call is None:
                row.append("fails*")
            else:
                row.append(fmt_time(median(c)))
        rows.append(row)
    out.append(table(rows, ["payload", *COLUMNS]))
    notes = [f"{case.label}, {c.name}: {c.note}" for case in cases for c in case.contenders if c.call is None]
    out += [f"  * {n}" for n in notes]
    out.append(
        "  ours = yc_contracts.validate (all layers; check() on the invalid payload); jsonschema = "
        "Draft202012Validator.is_valid (iter_errors on invalid);"
    )
    out.append(
        "  fastjsonschema and ParseDict stop at the first error (timed with the exception caught); "
        "jsonschema-rs = is_valid (iter_errors on invalid)."
    )
    out.append("")

    ratio_rows = []
    ratios: dict[str, dict[str, Any]] = {}
    per_round: dict[str, dict[str, list[float]]] = {}
    for case in cases:
        ours = find(case, OURS)
        pairs = {
            "ours/jsonschema-rs": (ours, find(case, RS)),
            "fastjsonschema/ours": (find(case, FASTJSONSCHEMA), ours),
            "jsonschema/ours": (find(case, JSONSCHEMA), ours),
            "ParseDict/ours": (find(case, PARSEDICT), ours),
            "ours/a2b_base64": (ours, find(case, A2B)),
            "invalid/valid (ours)": (ours, find(case, VALID_REF)),
        }
        computed = {name: paired_ratio(a, b) for name, (a, b) in pairs.items()}
        entry = {name: value for name, (value, _) in computed.items()}
        per_round[case.label] = {name: rounds for name, (_, rounds) in computed.items() if rounds}
        ratios[case.label] = entry
        ratio_rows.append([case.label, *(fmt_ratio(v) for v in entry.values())])
    out.append("Ratios (median of per-round ratios; > 1 means the first is slower):")
    out.append(table(ratio_rows, ["payload", *next(iter(ratios.values())).keys()]))
    out.append("")

    size = big.size
    tm = memory.get("tracemalloc", {})
    out += memory_lines(size, tm, memory.get("rss", {}))
    out.append("")

    checks = [
        check_line(
            "small request, all layers",
            ratios[small.label]["ours/jsonschema-rs"],
            3,
            what="ours / jsonschema-rs is_valid",
        ),
        check_line(
            "small request, all layers",
            ratios[small.label]["fastjsonschema/ours"],
            3,
            at_least=True,
            what="fastjsonschema / ours",
        ),
        check_line(
            "20 MiB content, all layers",
            ratios[big.label]["ours/a2b_base64"],
            1.25,
            what="ours / a2b_base64(strict_mode=True)",
        ),
        check_line(
            "20 MiB content, peak memory",
            (tm[OURS] / size) if OURS in tm else None,
            3,
            what="tracemalloc peak / payload",
        ),
        check_line(
            "invalid payload, all errors via check",
            ratios[invalid.label]["invalid/valid (ours)"],
            2,
            what="check(invalid) / validate(valid small)",
        ),
    ]
    out.append("Targets:")
    out += [f"  {c['line']}" for c in checks]
    out.append("")
    out.append(f"Total {elapsed:.0f} s. Results as JSON: {results_path}")

    data = {
        "environment": env,
        "elapsed_seconds": elapsed,
        "cases": [
            {
                "label": case.label,
                "key": case.key,
                "payload_bytes": case.size,
                "contenders": [
                    {
                        "name": c.name,
                        "error": c.note or None,
                        "median_seconds": median(c),
                        "min_seconds": min(c.samples) if c.samples else None,
                        "max_seconds": max(c.samples) if c.samples else None,
                        "calls_per_batch": c.number,
                        "rounds": c.rounds,
                        "samples_seconds": c.samples,
                        "median_wall_seconds": statistics.median(c.wall_samples) if c.wall_samples else None,
                        "wall_samples_seconds": c.wall_samples,
                    }
                    for c in case.contenders
                ],
                "ratios": ratios[case.label],
                "ratios_per_round": per_round[case.label],
            }
            for case in cases
        ],
        "memory": {"payload_bytes": size, **memory},
        "targets": [{k: v for k, v in c.items() if k != "line"} for c in checks],
    }
    return "\n".join(out), data


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 1024:.1f} KiB"


# -------------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds per payload (default 15)")
    parser.add_argument("--slow-rounds", type=int, default=3, help=f"rounds for calls over {SLOW_CALL}s (default 3)")
    parser.add_argument("--batch", type=float, default=0.05, help="seconds per timed batch (default 0.05)")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"where to write the results (default {RESULTS})")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--memory-child", type=int, metavar="BYTES", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        memory_child(args.memory_child)
        return 0

    started = time.perf_counter()
    env = environment()
    print(f"building payloads and validators ({env['cpus']} CPUs, load {env['load_average']}) ...", flush=True)
    cases = build_cases()
    for case in cases:
        print(f"  timing {case.label} ...", flush=True)
        before = orjson.dumps(case.payload)
        measure(case, args.rounds, args.slow_rounds, args.batch)
        if orjson.dumps(case.payload) != before:
            raise AssertionError(f"{case.label}: a contender changed the payload")
    print("  measuring memory ...", flush=True)
    big = next(c for c in cases if c.label == "v3 content 20 MiB")
    memory = {
        "tracemalloc": memory_tracemalloc(big.key, big.payload),
        "rss": memory_rss(20 * payloads.MIB),
    }
    text, data = report(cases, memory, env, time.perf_counter() - started, args.json)
    args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(text)
    missed = [t for t in data["targets"] if t["status"] != "PASS"]
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
