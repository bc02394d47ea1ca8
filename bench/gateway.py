"""Gateway benchmark: REST through ``yc_contracts.gateway`` against the same call made directly over gRPC.

Run with ``make bench`` (or ``.venv/bin/python bench/gateway.py``; ``--quick`` for a short smoke run). Processes,
each started by this script on loopback (bench/gateway_support.py has them):

- a ``grpc.aio`` upstream answering ``RecognizeFile`` with a fixed Operation and ``GetRecognition`` with a stream;
- the gateway (``yc_contracts.gateway.Server`` running ``gateway.app``) in its own process;
- a bare ASGI app on the same server class, answering the gateway's JSON body without doing anything: the floor
  of uvicorn, httptools and uvloop;
- a direct ``grpc.aio`` client (the same calls from Python, no HTTP), and the HTTP load generator: ``wrk`` when it
  is installed (``apt-get install wrk``), else a keep-alive HTTP/1.1 client on asyncio streams written for this
  bench (requests pre-built as bytes, responses read by ``Content-Length``).

With two or more cores the processes are pinned: the server under test (gateway or bare app) and the direct gRPC
client each on core A, the upstream and the load generator on core B, so "requests/s on one core" means the
gateway's core. Every side of a comparison runs in the same run, interleaved round by round (order rotated), and
ratios are medians of per-round ratios, since the machine is shared and noisy. CPU time of the server process
(all threads, ``/proc/PID/task/*/schedstat``) is measured too: CPU time per request does not depend on waiting
for a core, and its inverse is the requests/s one core could serve.

Measured:

a. unary ``POST /stt/v3/recognizeFileAsync`` with the 1.4 KiB request of bench/payloads.py, validation on, at 1
   and 64 concurrent clients (closed loop): requests/s, p50 and p99 latency, through the gateway, directly over
   gRPC, and on the bare app;
b. a 20 MiB ``content`` request (a WAV file, so content inspection passes; validation on) and a 16 MiB streamed
   result (``GetRecognition``: 64 messages of 256 KiB): seconds and MiB/s through the gateway and directly; and
   the gateway's peak resident-set growth during each, measured in a fresh gateway process (``VmHWM`` reset
   through ``/proc/PID/clear_refs``; glibc told to ``mmap`` every large block, so freed memory is not reused
   unseen), against the largest single message of the exchange.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gateway_support as gs
import machine

RESULTS = Path("/tmp/yc-bench-gateway.json")
ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("yc-contracts", "uvicorn", "httptools", "uvloop", "grpcio", "protobuf", "orjson")
CONCURRENCY = (1, 64)
GATEWAY, DIRECT, BARE = "gateway", "direct gRPC", "bare ASGI"
PATHS = (GATEWAY, DIRECT, BARE)

TARGET_LATENCY = 2.0  # gateway p50 <= 2x the direct call's, one client
TARGET_RATE = 2000.0  # requests/s through the gateway on one core
TARGET_LARGE = 1.5  # large request and stream: gateway time <= 1.5x direct
TARGET_MEMORY = 2.0  # peak RSS growth <= 2x the largest single message


# ------------------------------------------------------------------------------------------------ setup


class Bench:
    """The processes of one run, started pinned, and stopped together."""

    def __init__(self, client: str) -> None:
        usable = sorted(os.sched_getaffinity(0))
        self.pinned = len(usable) >= 2
        self.server_core = {usable[0]} if self.pinned else None
        self.client_core = {usable[1]} if self.pinned else None
        if self.client_core:
            os.sched_setaffinity(0, self.client_core)  # this process generates the HTTP load
        self.children: list[gs.Child] = []
        self.wrk: gs.Wrk | None = None
        try:
            self._start_all(client)
        except BaseException:
            self.close()
            raise

    def _start_all(self, client: str) -> None:
        self.upstream = self._start("upstream", ["upstream"], self.client_core)
        self.target = self.upstream.info["target"]
        self.gateway = self._start("gateway", ["gateway", self.target], self.server_core)
        self.port = _port(self.gateway.info["url"])
        self.small = gs.small_request_body()
        self.small_request = gs.http_request(self.port, "POST", gs.ROUTE, self.small)
        response, _ = asyncio.run(gs.http_exchange(self.port, self.small_request, 30))
        if response.status != 200 or b'"id":"f8dbench0operation0id"' not in response.body:
            raise RuntimeError(f"the gateway's answer is not the Operation: {response.status} {response.body[:300]!r}")
        self.expected = response.body
        self.bare = self._start("bare", ["bare", self.expected.hex()], self.server_core)
        self.bare_port = _port(self.bare.info["url"])
        self.direct = self._start("direct", ["direct", self.target], self.server_core)
        if client in {"auto", "wrk"}:
            try:
                self.wrk = gs.Wrk(self.small)
            except FileNotFoundError:
                if client == "wrk":
                    raise
        self.client = f"wrk ({self.wrk.version()}, 1 thread)" if self.wrk else "python (asyncio streams, uvloop)"

    def _start(self, name: str, args: list[str], cores: set[int] | None, env: dict[str, str] | None = None) -> gs.Child:
        child = gs.Child(name, args, cores, env)
        self.children.append(child)
        return child

    def server(self, path: str) -> gs.Child:
        return {GATEWAY: self.gateway, BARE: self.bare, DIRECT: self.direct}[path]

    def load(self, path: str, concurrency: int, duration: float) -> dict[str, Any]:
        """One load run on ``path``; with the CPU seconds the measured process and the upstream used."""
        measured = self.server(path)
        cpu, upstream_cpu = measured.cpu_seconds(), self.upstream.cpu_seconds()
        if path == DIRECT:
            r = measured.ask({"op": "unary", "concurrency": concurrency, "duration": duration}, duration + 60)
            result = gs.Load(r["requests"], r["seconds"], r["p50"], r["p99"], r["errors"], "grpc.aio")
        else:
            port = self.port if path == GATEWAY else self.bare_port
            if self.wrk is not None:
                result = self.wrk.run(f"http://127.0.0.1:{port}", concurrency, duration)
            else:
                request = self.small_request if path == GATEWAY else gs.http_request(port, "POST", gs.ROUTE, self.small)
                result = asyncio.run(gs.python_load(port, request, concurrency, duration, self.expected))
        if result.errors:
            raise RuntimeError(f"{path}, {concurrency} clients: {result.errors} requests failed")
        out = result.as_dict()
        out["cpu_per_request"] = (measured.cpu_seconds() - cpu) / max(1, result.requests)
        out["upstream_cpu_per_request"] = (self.upstream.cpu_seconds() - upstream_cpu) / max(1, result.requests)
        return out

    def close(self) -> None:
        if self.wrk is not None:
            self.wrk.close()
        for child in reversed(self.children):
            child.stop()


def _port(url: str) -> int:
    return int(url.rpartition(":")[2])


# ------------------------------------------------------------------------------------------------ unary


def unary(bench: Bench, rounds: int, duration: float) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """Per concurrency, per path: one load result per round, paths interleaved (the order rotates)."""
    for path in PATHS:  # warm-up: connections, caches, the validator's first compile
        bench.load(path, 8, min(duration, 1.0))
    results: dict[int, dict[str, list[dict[str, Any]]]] = {c: {p: [] for p in PATHS} for c in CONCURRENCY}
    for r in range(rounds):
        order = PATHS[r % len(PATHS) :] + PATHS[: r % len(PATHS)]
        for concurrency in CONCURRENCY:
            for path in order:
                results[concurrency][path].append(bench.load(path, concurrency, duration))
        print(f"  unary round {r + 1}/{rounds} done", flush=True)
    return results


def paired(a: list[dict[str, Any]], b: list[dict[str, Any]], key: str) -> float:
    """Median over rounds of a[key] / b[key] (both measured in the same round)."""
    return gs.median([x[key] / y[key] for x, y in zip(a, b, strict=True) if y[key]])


# ------------------------------------------------------------------------------------------------ large


def large(bench: Bench, rounds: int) -> dict[str, Any]:
    """The 20 MiB request and the 16 MiB stream through the gateway and directly, interleaved; seconds per call."""
    body = gs.big_request_body()
    request = gs.http_request(bench.port, "POST", gs.ROUTE, body)
    stream = gs.http_request(bench.port, "GET", f"{gs.STREAM_ROUTE}?operationId={gs.BIG_OPERATION}")

    def through_gateway_request() -> float:
        response, seconds = asyncio.run(gs.http_exchange(bench.port, request, 120))
        if response.status != 200 or response.body != bench.expected:
            raise RuntimeError(f"20 MiB request: {response.status} {response.body[:300]!r}")
        return seconds

    bare_request = gs.http_request(bench.bare_port, "POST", gs.ROUTE, body)

    def on_bare_app() -> float:
        response, seconds = asyncio.run(gs.http_exchange(bench.bare_port, bare_request, 120))
        if response.status != 200 or response.body != bench.expected:
            raise RuntimeError(f"20 MiB request, bare app: {response.status} {response.body[:300]!r}")
        return seconds

    def through_gateway_stream() -> tuple[float, int]:
        response, seconds = asyncio.run(gs.http_exchange(bench.port, stream, 120, keep_body=False))
        lines = len(response.body)  # (with keep_body=False, one byte per line)
        if response.status != 200 or lines != gs.STREAM_MESSAGES:
            raise RuntimeError(f"16 MiB stream: status {response.status}, {lines} lines")
        return seconds, lines

    # the same bytes upstream: the gateway's request and the direct one hash alike
    through_gateway_request()
    check = gs.http_request(bench.port, "GET", "/operations/last-request")
    response, _ = asyncio.run(gs.http_exchange(bench.port, check, 30))
    seen = json.loads(response.body)["description"].split()
    direct_digest = bench.direct.ask({"op": "request_digest"}, 60)
    same_bytes = seen == [str(direct_digest["bytes"]), direct_digest["sha256"]]
    if not same_bytes:
        raise RuntimeError(f"the upstream got other bytes from the gateway ({seen}) than directly ({direct_digest})")
    bench.direct.ask({"op": "big_request", "repeat": 1}, 120)
    on_bare_app()
    through_gateway_stream()
    bench.direct.ask({"op": "big_stream", "repeat": 1}, 120)

    out: dict[str, Any] = {
        "request_json_bytes": len(body),
        "request_proto_bytes": direct_digest["bytes"],
        "same_bytes_upstream": same_bytes,
        "request": {GATEWAY: [], DIRECT: [], BARE: [], "gateway_cpu": [], "direct_cpu": []},
        "stream": {GATEWAY: [], DIRECT: [], "gateway_cpu": [], "direct_cpu": []},
    }
    stream_bytes = 0
    for r in range(rounds):
        cpu = bench.gateway.cpu_seconds()
        out["request"][GATEWAY].append(through_gateway_request())
        out["request"]["gateway_cpu"].append(bench.gateway.cpu_seconds() - cpu)
        cpu = bench.direct.cpu_seconds()
        out["request"][DIRECT] += bench.direct.ask({"op": "big_request", "repeat": 1}, 120)["seconds"]
        out["request"]["direct_cpu"].append(bench.direct.cpu_seconds() - cpu)
        out["request"][BARE].append(on_bare_app())
        cpu = bench.direct.cpu_seconds()
        direct = bench.direct.ask({"op": "big_stream", "repeat": 1}, 120)
        out["stream"]["direct_cpu"].append(bench.direct.cpu_seconds() - cpu)
        out["stream"][DIRECT] += direct["seconds"]
        stream_bytes = direct["received_bytes"]
        cpu = bench.gateway.cpu_seconds()
        out["stream"][GATEWAY].append(through_gateway_stream()[0])
        out["stream"]["gateway_cpu"].append(bench.gateway.cpu_seconds() - cpu)
        print(f"  large round {r + 1}/{rounds} done", flush=True)
    out["stream_proto_bytes"] = stream_bytes
    return out


MEMORY_CASES = (("request", 0.0), ("stream", 0.0), ("slow stream", 1.0))
"""The calls whose peak memory is measured, and how long the client waits after sending before it reads."""


def memory(bench: Bench, repeats: int) -> dict[str, Any]:
    """Peak RSS growth of the gateway during the 20 MiB request, the 16 MiB stream, and the same stream read by a
    client that waits a second first; each call in a fresh gateway process (memory freed by an earlier call could
    be reused unseen), warmed up with small calls and a 1 MiB content request."""
    body = gs.big_request_body()
    warm_body = gs.content_request_body(gs.MIB)
    out: dict[str, Any] = {name: [] for name, _ in MEMORY_CASES}
    out["base_rss"] = []
    for _ in range(repeats):
        for name, pause in MEMORY_CASES:
            child = bench._start(
                "gateway (memory)", ["gateway", bench.target], bench.server_core, {"MALLOC_MMAP_THRESHOLD_": "131072"}
            )
            try:
                port = _port(child.info["url"])
                stream = gs.http_request(port, "GET", f"{gs.STREAM_ROUTE}?operationId={gs.BIG_OPERATION}")
                for warm in (
                    gs.http_request(port, "POST", gs.ROUTE, bench.small),
                    gs.http_request(port, "POST", gs.ROUTE, warm_body),
                    gs.http_request(port, "GET", f"{gs.STREAM_ROUTE}?operationId=small"),
                ):
                    asyncio.run(gs.http_exchange(port, warm, 60))
                call = gs.http_request(port, "POST", gs.ROUTE, body) if name == "request" else stream
                base = child.reset_peak()
                out["base_rss"].append(base)
                response, _ = asyncio.run(gs.http_exchange(port, call, 120, keep_body=False, pause=pause))
                if response.status != 200:
                    raise RuntimeError(f"memory, {name}: status {response.status}")
                out[name].append(child.status("VmHWM") - base)
            finally:
                child.stop()
                bench.children.remove(child)
    return out


# ----------------------------------------------------------------------------------------------- report


def fmt_time(seconds: float) -> str:
    if math.isnan(seconds):
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_mib(n: float) -> str:
    return f"{n / gs.MIB:.1f} MiB"


def markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def target(name: str, value: float, limit: float, *, at_least: bool = False, unit: str = "x") -> dict[str, Any]:
    ok = not math.isnan(value) and (value >= limit if at_least else value <= limit)
    shown = "n/a" if math.isnan(value) else (f"{value:,.0f}/s" if unit == "/s" else f"{value:.2f}x")
    bound = f"{'>=' if at_least else '<='} " + (f"{limit:,.0f}/s" if unit == "/s" else f"{limit:g}x")
    status = "PASS" if ok else "MISS"
    return {
        "target": name,
        "value": value,
        "limit": bound,
        "status": status,
        "line": f"{status} {name}: {shown} ({bound})",
    }


def header(env: dict[str, Any], bench: Bench, quick: bool) -> list[str]:
    out = [
        f"yc-contracts gateway benchmark{' (--quick)' if quick else ''}  {env['date']}  git {env['git']}  "
        f"{env['cpus']} CPUs ({env['cpu']}), load {env['load_average']}",
        f"Python {env['python']}; " + ", ".join(f"{k} {v}" for k, v in env["packages"].items()),
    ]
    if bench.pinned:
        core_a, core_b = next(iter(bench.server_core or ())), next(iter(bench.client_core or ()))
        out.append(
            f"Pinned (sched_setaffinity): gateway, bare app and direct gRPC client on core {core_a}; "
            f"upstream and HTTP load generator on core {core_b}."
        )
    else:
        out.append("Not pinned: fewer than 2 usable cores.")
    out.append(f"HTTP load generator: {bench.client}; direct gRPC client: grpc.aio {env['packages']['grpcio']}.")
    return out


def unary_section(
    bench: Bench, results: dict[int, dict[str, list[dict[str, Any]]]]
) -> tuple[list[str], dict[int, dict[str, float]], float]:
    """The unary tables; the per-round ratios; the gateway's requests/s at the highest concurrency."""
    rounds = len(results[CONCURRENCY[0]][GATEWAY])
    out = [
        f"Unary POST {gs.ROUTE}, {len(bench.small):,}-byte request, validation on; closed loop, medians of {rounds} "
        "interleaved rounds. CPU/request: the server process's (the client's for direct gRPC), all threads.",
        "",
    ]
    rows = []
    for concurrency in CONCURRENCY:
        for path in PATHS:
            runs = results[concurrency][path]
            rows.append(
                [
                    str(concurrency),
                    path,
                    f"{gs.median([r['requests_per_second'] for r in runs]):,.0f}",
                    fmt_time(gs.median([r["p50_seconds"] for r in runs])),
                    fmt_time(gs.median([r["p99_seconds"] for r in runs])),
                    fmt_time(gs.median([r["cpu_per_request"] for r in runs])),
                    fmt_time(gs.median([r["upstream_cpu_per_request"] for r in runs])) if path != BARE else "-",
                ]
            )
    out.append(markdown(["clients", "path", "requests/s", "p50", "p99", "CPU/request", "upstream CPU/request"], rows))
    out += ["", "Ratios (median of per-round ratios):", ""]
    ratio_rows = []
    ratios: dict[int, dict[str, float]] = {}
    for concurrency in CONCURRENCY:
        u = results[concurrency]
        ratios[concurrency] = {
            "p50": paired(u[GATEWAY], u[DIRECT], "p50_seconds"),
            "p99": paired(u[GATEWAY], u[DIRECT], "p99_seconds"),
            "rate": paired(u[GATEWAY], u[DIRECT], "requests_per_second"),
            "bare_rate": paired(u[GATEWAY], u[BARE], "requests_per_second"),
        }
        ratio_rows.append([str(concurrency), *(f"{v:.2f}x" for v in ratios[concurrency].values())])
    out.append(
        markdown(
            ["clients", "gateway/direct p50", "gateway/direct p99", "gateway/direct req/s", "gateway/bare req/s"],
            ratio_rows,
        )
    )
    busiest = results[CONCURRENCY[-1]][GATEWAY]
    cpu = gs.median([r["cpu_per_request"] for r in busiest])
    out += [
        "",
        f"Gateway CPU per request at {CONCURRENCY[-1]} clients: {fmt_time(cpu)}, i.e. {1 / cpu:,.0f} requests/s "
        "per fully used core.",
    ]
    return out, ratios, gs.median([r["requests_per_second"] for r in busiest])


def large_section(big: dict[str, Any]) -> tuple[list[str], dict[str, float]]:
    """The large-message table; the gateway/direct ratios of the request and the stream."""
    req, stream = big["request"], big["stream"]
    ratios = {
        "request": gs.median([g / d for g, d in zip(req[GATEWAY], req[DIRECT], strict=True)]),
        "stream": gs.median([g / d for g, d in zip(stream[GATEWAY], stream[DIRECT], strict=True)]),
    }
    proto, body = big["request_proto_bytes"], big["request_json_bytes"]
    one_message = big["stream_proto_bytes"] / gs.STREAM_MESSAGES
    out = [
        f"Large messages: seconds per call (MiB/s of protobuf), medians of {len(req[GATEWAY])} interleaved rounds; "
        "bare ASGI: the same body read by the bare app (the HTTP floor). CPU: the process's, per call.",
        "",
    ]
    rows = []
    for label, data, size, ratio in (
        (f"20 MiB content request ({fmt_mib(body)} of JSON, {fmt_mib(proto)} proto)", req, proto, ratios["request"]),
        (
            f"16 MiB stream ({gs.STREAM_MESSAGES} messages of {one_message / 1024:.0f} KiB, NDJSON)",
            stream,
            big["stream_proto_bytes"],
            ratios["stream"],
        ),
    ):
        g, d = gs.median(data[GATEWAY]), gs.median(data[DIRECT])
        rows.append(
            [
                label,
                f"{fmt_time(g)} ({size / gs.MIB / g:,.0f} MiB/s)",
                f"{fmt_time(d)} ({size / gs.MIB / d:,.0f} MiB/s)",
                fmt_time(gs.median(data[BARE])) if data.get(BARE) else "-",
                f"{ratio:.2f}x",
                fmt_time(gs.median(data["gateway_cpu"])),
                fmt_time(gs.median(data["direct_cpu"])),
            ]
        )
    out.append(
        markdown(
            ["case", "gateway", "direct gRPC", "bare ASGI", "gateway/direct", "gateway CPU", "direct client CPU"], rows
        )
    )
    out += [
        "",
        f"The upstream got the same bytes from the gateway as from the direct client ({proto:,} bytes, SHA-256 equal).",
    ]
    return out, ratios


def memory_section(big: dict[str, Any], mem: dict[str, Any]) -> tuple[list[str], dict[str, float]]:
    """The memory table; each case's growth over its largest single message."""
    proto, body = big["request_proto_bytes"], big["request_json_bytes"]
    one_message = big["stream_proto_bytes"] / gs.STREAM_MESSAGES
    growth = {name: max(mem[name]) for name, _ in MEMORY_CASES}
    out = [
        f"Gateway peak resident-set growth during one call (the worst of {len(mem['request'])}), each in a fresh "
        f"gateway process holding {fmt_mib(gs.median(mem['base_rss']))} before (median):",
        "",
    ]
    message = f"one message, {one_message / 1024:.0f} KiB"
    rows = [
        [
            "20 MiB content request",
            f"the JSON body, {fmt_mib(body)} (proto {fmt_mib(proto)})",
            fmt_mib(growth["request"]),
            f"{growth['request'] / body:.2f}x ({growth['request'] / proto:.2f}x the proto)",
        ],
        ["16 MiB stream, read at once", message, fmt_mib(growth["stream"]), f"{growth['stream'] / one_message:.2f}x"],
        [
            "16 MiB stream, client waits 1 s before reading",
            message,
            fmt_mib(growth["slow stream"]),
            f"{growth['slow stream'] / one_message:.2f}x",
        ],
    ]
    out.append(markdown(["call", "largest single message", "peak RSS growth", "growth / largest"], rows))
    factors = {
        "request": growth["request"] / body,
        "stream": growth["stream"] / one_message,
        "slow stream": growth["slow stream"] / one_message,
    }
    return out, factors


def report(
    env: dict[str, Any],
    bench: Bench,
    results: dict[str, Any],
    *,
    elapsed: float,
    quick: bool,
) -> tuple[str, list[dict[str, Any]]]:
    unary_lines, ratios, rate = unary_section(bench, results["unary"])
    large_lines, large_ratios = large_section(results["large"])
    memory_lines, memory_factors = memory_section(results["large"], results["memory"])
    checks = [
        target("unary, 1 client: gateway p50 / direct gRPC p50", ratios[1]["p50"], TARGET_LATENCY),
        target(
            f"unary, {CONCURRENCY[-1]} clients: gateway requests/s on one core",
            rate,
            TARGET_RATE,
            at_least=True,
            unit="/s",
        ),
        target("20 MiB content request: gateway / direct gRPC time", large_ratios["request"], TARGET_LARGE),
        target("16 MiB stream: gateway / direct gRPC time", large_ratios["stream"], TARGET_LARGE),
        target("20 MiB content request: peak RSS growth / the JSON body", memory_factors["request"], TARGET_MEMORY),
        target("16 MiB stream: peak RSS growth / one message", memory_factors["stream"], TARGET_MEMORY),
        target(
            "16 MiB stream, slow client: peak RSS growth / one message", memory_factors["slow stream"], TARGET_MEMORY
        ),
    ]
    out = [*header(env, bench, quick), "", *unary_lines, "", *large_lines, "", *memory_lines, "", "Targets:", ""]
    out += [f"- {c['line']}" for c in checks]
    out += ["", f"Total {elapsed:.0f} s. Results as JSON: {RESULTS}"]
    return "\n".join(out), checks


def environment() -> dict[str, Any]:
    return machine.environment(PACKAGES)


# -------------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run: 1 round of 1 s, 1 large round")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of the unary loads (default 5)")
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per unary load run (default 2)")
    parser.add_argument("--large-rounds", type=int, default=5, help="rounds of the large calls (default 5)")
    parser.add_argument(
        "--client",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="HTTP load generator: wrk if installed (auto), or the bench's own asyncio client",
    )
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"where to write the results (default {RESULTS})")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.duration, args.large_rounds = 1, 1.0, 1

    started = time.perf_counter()
    env = environment()
    print(f"starting the upstream, the gateway, the bare app and the direct client (load {env['load_average']}) ...")
    bench = Bench(args.client)
    try:
        print(f"  load generator: {bench.client}", flush=True)
        unary_results = unary(bench, args.rounds, args.duration)
        big = large(bench, args.large_rounds)
        print("  measuring memory ...", flush=True)
        mem = memory(bench, 1 if args.quick else 2)
    finally:
        bench.close()
    elapsed = time.perf_counter() - started
    results = {"unary": unary_results, "large": big, "memory": mem}
    text, checks = report(env, bench, results, elapsed=elapsed, quick=args.quick)
    data = {
        "environment": env,
        "client": bench.client,
        "pinned": bench.pinned,
        "elapsed_seconds": elapsed,
        **results,
        "unary": {str(c): v for c, v in unary_results.items()},
        "targets": [{k: v for k, v in c.items() if k != "line"} for c in checks],
    }
    args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print()
    print(text)
    return 1 if args.strict and any(c["status"] != "PASS" for c in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
