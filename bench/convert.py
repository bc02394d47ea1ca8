"""Converter and transcoder benchmarks: to_proto / to_rest against json_format, in one run, as ratios.

Targets (issue 5):
- validate + to_proto of the small v3 RecognizeFile request: >= 5x faster than jsonschema-rs is_valid + ParseDict;
- the 2,000-word STT v2 Operation: to_proto and to_rest each >= 5x faster than ParseDict / MessageToDict;
- 20 MiB content: to_proto <= 1.25x binascii.a2b_base64(strict_mode=True) alone; peak memory <= 3x the payload;
- transcode of a small request, reported next to to_proto.

Timing as in bench/run.py: CPU time (time.process_time) of batches, contenders interleaved round by round,
medians of per-round ratios; the machine is shared and noisy.

Usage: python bench/convert.py [--rounds N]
"""

from __future__ import annotations

import argparse
import binascii
import gc
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema_rs
from google.protobuf import json_format

sys.path.insert(0, str(Path(__file__).resolve().parent))

import payloads

import yc_contracts

REG = yc_contracts.registry
POOL = REG.descriptor_pool


def batch_time(call: Callable[[], object], number: int) -> float:
    gc.collect()
    start = time.process_time()
    for _ in range(number):
        call()
    return (time.process_time() - start) / number


def calibrate(call: Callable[[], object], budget: float = 0.05) -> int:
    number = 1
    while True:
        if batch_time(call, number) * number >= budget or number >= 100_000:
            return number
        number *= 2


def compare(contenders: dict[str, Callable[[], object]], rounds: int) -> dict[str, list[float]]:
    """Per-round CPU times of each contender, interleaved so that load hits them alike."""
    numbers = {name: calibrate(call) for name, call in contenders.items()}
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, call in contenders.items():
            samples[name].append(batch_time(call, numbers[name]))
    return samples


def ratio(samples: dict[str, list[float]], a: str, b: str) -> float:
    return statistics.median(x / y for x, y in zip(samples[a], samples[b], strict=True))


def fmt(seconds: float) -> str:
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)

    small_key = payloads.STT_V3_REQUEST
    small = payloads.small_request()
    small_cls = REG.message_class(small_key)
    rs_small = jsonschema_rs.validator_for(yc_contracts.schema_for(small_key))
    operation = payloads.stt_v2_operation()
    op_key = payloads.STT_V2_OPERATION
    op_cls = REG.message_class(payloads.OPERATION)
    op_msg = yc_contracts.to_proto(op_key, operation)
    if json_format.MessageToDict(op_msg, descriptor_pool=POOL) != yc_contracts.to_rest(op_msg):
        raise AssertionError("to_rest and MessageToDict disagree on the Operation")
    big = payloads.content_request(20 * payloads.MIB)
    content = big["content"]
    body = json.dumps(small)

    def parse_dict(cls: Any, payload: Any) -> Callable[[], object]:
        return lambda: json_format.ParseDict(payload, cls(), descriptor_pool=POOL)

    def rs_and_parse() -> object:
        if not rs_small.is_valid(small):
            raise AssertionError("invalid")
        return json_format.ParseDict(small, small_cls(), descriptor_pool=POOL)

    cases: list[tuple[str, dict[str, Callable[[], object]], list[tuple[str, str, str, float, str]]]] = [
        (
            "v3 small request: validate + to_proto",
            {
                "ours": lambda: yc_contracts.to_proto(small_key, small),
                "jsonschema-rs + ParseDict": rs_and_parse,
                "transcode (POST, JSON body)": lambda: yc_contracts.transcode(
                    "POST", "/stt/v3/recognizeFileAsync", body=body
                ),
            },
            [("jsonschema-rs + ParseDict", "ours", ">=", 5.0, "validate + to_proto >= 5x faster than rs + ParseDict")],
        ),
        (
            "v2 Operation, 2,000 words: to_proto",
            {"ours": lambda: yc_contracts.to_proto(op_key, operation), "ParseDict": parse_dict(op_cls, operation)},
            [("ParseDict", "ours", ">=", 5.0, "to_proto (with validation) >= 5x faster than ParseDict")],
        ),
        (
            "v2 Operation, 2,000 words: to_rest",
            {
                "ours": lambda: yc_contracts.to_rest(op_msg),
                "MessageToDict": lambda: json_format.MessageToDict(op_msg, descriptor_pool=POOL),
            },
            [("MessageToDict", "ours", ">=", 5.0, "to_rest >= 5x faster than MessageToDict")],
        ),
        (
            "v3 content 20 MiB: to_proto",
            {
                "ours": lambda: yc_contracts.to_proto(small_key, big),
                "a2b_base64(strict)": lambda: binascii.a2b_base64(content, strict_mode=True),
            },
            [("ours", "a2b_base64(strict)", "<=", 1.25, "to_proto <= 1.25x a2b_base64(strict_mode=True)")],
        ),
    ]
    print(f"yc-contracts converter benchmarks, {args.rounds} interleaved rounds, median CPU time per call")
    failed = 0
    for label, contenders, targets in cases:
        samples = compare(contenders, args.rounds)
        print(f"\n{label}")
        for name, times in samples.items():
            print(f"  {name:<30} {fmt(statistics.median(times))}")
        for a, b, op, bound, what in targets:
            value = ratio(samples, a, b)
            ok = value >= bound if op == ">=" else value <= bound
            failed += not ok
            print(f"  {'PASS' if ok else 'MISS'}  {what}: {a} / {b} = {value:.2f}x (target {op} {bound}x)")
        if "transcode (POST, JSON body)" in samples:
            print(f"  transcode / to_proto = {ratio(samples, 'transcode (POST, JSON body)', 'ours'):.2f}x")
    tracemalloc.start()
    yc_contracts.to_proto(small_key, big)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size = len(content)
    ok = peak <= 3 * size
    failed += not ok
    print(
        f"\n  {'PASS' if ok else 'MISS'}  20 MiB to_proto peak memory (tracemalloc) = {peak / 2**20:.1f} MiB = "
        f"{peak / size:.2f}x the payload (target <= 3x)"
    )
    return 0 if failed == 0 or "--strict" not in sys.argv else 1


if __name__ == "__main__":
    sys.exit(main())
