"""Emulator benchmark: how many calls per second ``yc_contracts.emulator`` sustains over gRPC.

Run with ``.venv/bin/python bench/emulator.py`` (``--quick`` for a short smoke run). The emulator runs as
``yc-contracts emulate`` in a process of its own, with its default settings (validation on, progression
``immediate``, the journal on); this process is the client: ``grpc.aio`` stubs on one channel, N concurrent callers
in a closed loop (each sends its next call when the previous one has answered), for N = 1, 16 and 64.

Measured, for each N:

- ``RecognizeFile`` (STT v3): the 1,416-byte request of bench/payloads.py (``uri`` and every option). Each call is
  authenticated, journaled, validated against the contract, and starts an operation whose results are generated
  (shaped by the request: 2 languages, 2 classifiers…), answered with the Operation;
- ``OperationService.Get`` polling: each caller polls its own operation, started beforehand with the per-request
  progression ``manual`` so it stays ``done: false`` (the usual poll of a client waiting for a result);
- the floor: the same ``Get`` calls answered by a bare ``grpc.aio`` server in a process of its own (this script
  with ``--serve-bare``: the request parsed, an Operation of that id serialized, nothing else), so the table shows
  what the emulator adds to the cost of a Python gRPC server.

Every answer is checked (the Operation of the expected id and state; no call may fail), and after each
``RecognizeFile`` run the admin API must list exactly as many operations as calls succeeded (nothing lost under
concurrency); the emulator is reset between runs, so its memory does not grow from run to run. The runs are
interleaved round by round (the method order rotates) and the table shows medians over rounds. The emulator's CPU
time (all threads, ``/proc/PID/task/*/schedstat``) per call does not depend on waiting for a core: its inverse is
the calls per second one fully used core could serve. With two or more cores the emulator is pinned to one core and
this process to another (``sched_setaffinity``); the client's CPU use is shown too, since a client that uses its
whole core is the limit, not the emulator.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import selectors
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import machine
import payloads

RESULTS = Path("/tmp/yc-bench-emulator.json")
ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("yc-contracts", "grpcio", "protobuf", "uvicorn")
CONCURRENCY = (1, 16, 64)
RECOGNIZE, POLL, FLOOR = "RecognizeFile", "OperationService.Get", "Get, bare grpc.aio server"
METHODS = (RECOGNIZE, POLL, FLOOR)
RECOGNIZE_PATH = "/speechkit.stt.v3.AsyncRecognizer/RecognizeFile"
GET_PATH = "/yandex.cloud.operation.OperationService/Get"
AUTH = (("authorization", "Api-Key bench-not-a-real-key"),)
MANUAL = (*AUTH, ("x-emulator-progression", "manual"))
CALL_TIMEOUT = 30.0
START_TIMEOUT = 60.0


# ----------------------------------------------------------------------------------------------- emulator


EMULATE = [sys.executable, "-m", "yc_contracts", "emulate", "--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0"]
BARE = [sys.executable, str(Path(__file__).resolve()), "--serve-bare"]


class ServerProcess:
    """A server in a child process (``yc-contracts emulate``, or the bare server), pinned to ``cores``; ready once
    it printed its ``grpc HOST:PORT`` (and ``http URL``) lines; stopped by :meth:`stop`."""

    def __init__(self, command: list[str], cores: set[int] | None) -> None:
        # a file, not a pipe: the child's log must never block it
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            bufsize=0,  # unbuffered: a line read leaves the next one to the selector
        )
        try:
            if cores:
                os.sched_setaffinity(self.process.pid, cores)
            lines = dict(self._line().split(" ", 1) for _ in range(2 if command is EMULATE else 1))
            self.grpc_target, self.http_url = lines["grpc"], lines.get("http", "")
        except BaseException:
            self.stop()
            raise

    def _line(self) -> str:
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(START_TIMEOUT):
                raise TimeoutError(f"{self.process.args} printed nothing within {START_TIMEOUT:g} s")
        line = self.process.stdout.readline().decode().strip()
        if not line:
            raise RuntimeError(f"{self.process.args} exited ({self.process.wait(5)}): {self.stderr()[-2000:]}")
        return line

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace").strip()

    def cpu_seconds(self) -> float:
        """CPU time of all the emulator's threads so far (``/proc/PID/task/*/schedstat``, nanoseconds)."""
        total = 0
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            with contextlib.suppress(OSError):
                total += int((task / "schedstat").read_text().split()[0])
        return total / 1e9

    def rss(self) -> int:
        """The emulator's resident set, in bytes."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def admin(self, verb: str, path: str) -> Any:
        """A call of the admin API (``/_emulator/...``); its JSON answer."""
        import httpx

        response = httpx.request(verb, f"{self.http_url}/_emulator/{path}", timeout=CALL_TIMEOUT)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: both servers stop and exit 0
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(15)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()


# ------------------------------------------------------------------------------------------------- client


class Client:
    """``grpc.aio`` calls of the two methods on one channel, requests serialized once, answers checked."""

    def __init__(self, target: str) -> None:
        import grpc.aio

        import yc_contracts

        registry = yc_contracts.registry
        operation = registry.message_class("yandex.cloud.operation.Operation")
        self.channel = grpc.aio.insecure_channel(target)
        self.recognize = self.channel.unary_unary(RECOGNIZE_PATH, response_deserializer=operation.FromString)
        self.get = self.channel.unary_unary(GET_PATH, response_deserializer=operation.FromString)
        request = yc_contracts.to_proto("speechkit.stt.v3.RecognizeFileRequest", payloads.small_request())
        self.request = request.SerializeToString()
        self._get_request = registry.message_class("yandex.cloud.operation.GetOperationRequest")

    async def recognize_once(self) -> None:
        operation = await self.recognize(self.request, metadata=AUTH, timeout=CALL_TIMEOUT)
        if not (operation.id.startswith("e03") and operation.done and not operation.HasField("error")):
            raise AssertionError(f"RecognizeFile answered an unexpected Operation: {operation}")

    async def start_pending(self) -> str:
        """A new operation that stays pending (``x-emulator-progression: manual``); its id."""
        operation = await self.recognize(self.request, metadata=MANUAL, timeout=CALL_TIMEOUT)
        if operation.done:
            raise AssertionError("an operation started with progression manual is done")
        operation_id: str = operation.id
        return operation_id

    def poller(self, operation_id: str) -> Callable[[], Awaitable[None]]:
        request = self._get_request(operation_id=operation_id).SerializeToString()

        async def poll() -> None:
            operation = await self.get(request, metadata=AUTH, timeout=CALL_TIMEOUT)
            if operation.id != operation_id or operation.done:
                raise AssertionError(f"Get({operation_id}) answered an unexpected Operation: {operation}")

        return poll

    async def close(self) -> None:
        await self.channel.close()


def percentile(sorted_values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of already sorted values."""
    if not sorted_values:
        return math.nan
    return sorted_values[max(1, math.ceil(p / 100 * len(sorted_values))) - 1]


async def closed_loop(calls: list[Callable[[], Awaitable[None]]], duration: float) -> dict[str, Any]:
    """One caller per entry of ``calls``, each calling back to back for ``duration`` seconds."""
    latencies: list[float] = []
    failures: list[str] = []
    deadline = time.perf_counter() + duration

    async def caller(call: Callable[[], Awaitable[None]]) -> None:
        while (start := time.perf_counter()) < deadline:
            try:
                await call()
            except Exception as e:  # counted and reported: a benchmark of failing calls measures nothing
                failures.append(f"{type(e).__name__}: {e}"[:300])
            latencies.append(time.perf_counter() - start)

    began = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(caller(c) for c in calls)), duration + 60)
    seconds = time.perf_counter() - began
    latencies.sort()
    return {
        "calls": len(latencies),
        "seconds": seconds,
        "calls_per_second": len(latencies) / seconds,
        "p50_seconds": percentile(latencies, 50),
        "p99_seconds": percentile(latencies, 99),
        "failures": len(failures),
        "first_failure": failures[0] if failures else None,
    }


# -------------------------------------------------------------------------------------------------- runs


class Bench:
    def __init__(self) -> None:
        usable = sorted(os.sched_getaffinity(0))
        self.pinned = len(usable) >= 2
        self.emulator_core = {usable[0]} if self.pinned else None
        self.client_core = {usable[1]} if self.pinned else None
        if self.client_core:
            os.sched_setaffinity(0, self.client_core)
        self.emulator = ServerProcess(EMULATE, self.emulator_core)
        try:
            self.bare = ServerProcess(BARE, self.emulator_core)
        except BaseException:
            self.emulator.stop()
            raise

    async def run(self, clients: dict[str, Client], method: str, concurrency: int, duration: float) -> dict[str, Any]:
        """One closed-loop run of ``method`` at ``concurrency`` callers (on a freshly reset emulator)."""
        client = clients[method]
        server = self.bare if method == FLOOR else self.emulator
        if method == FLOOR:
            calls = [client.poller(f"e03benchbare{n:08d}") for n in range(concurrency)]
        else:
            self.emulator.admin("POST", "reset")
            if method == POLL:
                calls = [client.poller(await client.start_pending()) for _ in range(concurrency)]
            else:
                calls = [client.recognize_once] * concurrency
        cpu, client_cpu = server.cpu_seconds(), time.process_time()
        result = await closed_loop(calls, duration)
        result["server_cpu_per_call"] = (server.cpu_seconds() - cpu) / max(1, result["calls"])
        result["client_cpu_share"] = (time.process_time() - client_cpu) / result["seconds"]
        result["server_rss"] = server.rss()
        if result["failures"]:
            raise RuntimeError(
                f"{method}, {concurrency} callers: {result['failures']} calls failed; the first: "
                f"{result['first_failure']}"
            )
        if method == RECOGNIZE:
            kept = len(self.emulator.admin("GET", "operations")["operations"])
            if kept != result["calls"]:
                raise RuntimeError(f"{result['calls']} RecognizeFile calls succeeded, the emulator holds {kept}")
        return result

    def close(self) -> None:
        self.bare.stop()
        self.emulator.stop()


async def measure(bench: Bench, rounds: int, duration: float) -> dict[str, dict[int, list[dict[str, Any]]]]:
    """Per method, per concurrency: one result per round; methods interleaved (the order rotates)."""
    emulator, bare = Client(bench.emulator.grpc_target), Client(bench.bare.grpc_target)
    clients = {RECOGNIZE: emulator, POLL: emulator, FLOOR: bare}
    try:
        for method in METHODS:  # warm-up: the connections, the validator's first compile, the generator
            await bench.run(clients, method, 8, min(duration, 0.5))
        results: dict[str, dict[int, list[dict[str, Any]]]] = {m: {c: [] for c in CONCURRENCY} for m in METHODS}
        for r in range(rounds):
            order = METHODS[r % len(METHODS) :] + METHODS[: r % len(METHODS)]
            for concurrency in CONCURRENCY:
                for method in order:
                    results[method][concurrency].append(await bench.run(clients, method, concurrency, duration))
            print(f"  round {r + 1}/{rounds} done", flush=True)
    finally:
        await emulator.close()
        await bare.close()
    return results


# ------------------------------------------------------------------------------------------------ bare server


def serve_bare() -> None:
    """The floor: a ``grpc.aio`` server answering ``OperationService.Get`` with a pending Operation of the
    requested id; prints ``grpc HOST:PORT`` when ready and serves until SIGTERM."""
    import signal

    import grpc
    import grpc.aio

    import yc_contracts

    registry = yc_contracts.registry
    operation = registry.message_class("yandex.cloud.operation.Operation")
    request_class = registry.message_class("yandex.cloud.operation.GetOperationRequest")

    async def get(request: Any, context: Any) -> Any:
        return operation(id=request.operation_id, done=False)

    async def main() -> None:
        server = grpc.aio.server()
        handler = grpc.unary_unary_rpc_method_handler(
            get, request_deserializer=request_class.FromString, response_serializer=operation.SerializeToString
        )
        server.add_generic_rpc_handlers(
            [grpc.method_handlers_generic_handler("yandex.cloud.operation.OperationService", {"Get": handler})]
        )
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        print(f"grpc 127.0.0.1:{port}", flush=True)
        await stop.wait()
        await server.stop(1)

    asyncio.run(main())


# ------------------------------------------------------------------------------------------------ report


def median(values: list[float]) -> float:
    clean = [v for v in values if not math.isnan(v)]
    return statistics.median(clean) if clean else math.nan


def fmt_time(seconds: float) -> str:
    if math.isnan(seconds):
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def table(results: dict[str, dict[int, list[dict[str, Any]]]]) -> str:
    rows = []
    for method in METHODS:
        for concurrency in CONCURRENCY:
            runs = results[method][concurrency]

            def med(key: str, runs: list[dict[str, Any]] = runs) -> float:
                return median([run[key] for run in runs])

            cpu = med("server_cpu_per_call")
            rows.append(
                [
                    method,
                    str(concurrency),
                    f"{med('calls_per_second'):,.0f}",
                    fmt_time(med("p50_seconds")),
                    fmt_time(med("p99_seconds")),
                    fmt_time(cpu),
                    f"{1 / cpu:,.0f}" if cpu > 0 else "-",
                    f"{med('client_cpu_share'):.0%}",
                ]
            )
    header = [
        "method",
        "clients",
        "calls/s",
        "p50",
        "p99",
        "server CPU/call",
        "calls/s per server core",
        "client CPU",
    ]
    return markdown(header, rows)


def report(env: dict[str, Any], bench: Bench, results: dict[str, Any], args: argparse.Namespace, elapsed: float) -> str:
    total = sum(run["calls"] for method in results.values() for runs in method.values() for run in runs)
    peak = max(run["server_rss"] for runs in results[RECOGNIZE].values() for run in runs)
    out = [
        f"yc-contracts emulator benchmark{' (--quick)' if args.quick else ''}  {env['date']}  git {env['git']}  "
        f"{env['cpus']} CPUs ({env['cpu']}), load {env['load_average']}",
        f"Python {env['python']}; " + ", ".join(f"{k} {v}" for k, v in env["packages"].items()),
    ]
    if bench.pinned:
        core_a, core_b = next(iter(bench.emulator_core or ())), next(iter(bench.client_core or ()))
        out.append(
            f"Pinned (sched_setaffinity): the emulator (and the bare server) on core {core_a}, the gRPC client on "
            f"core {core_b}."
        )
    else:
        out.append("Not pinned: fewer than 2 usable cores.")
    out += [
        "",
        f"`yc-contracts emulate` (default settings: validation on, progression immediate, journal on); "
        f"grpc.aio client on one channel, closed loop; {args.rounds} interleaved round(s) of {args.duration:g} s "
        "per cell, medians. RecognizeFile: the 1,416-byte request of bench/payloads.py. OperationService.Get: "
        "each client polls its own pending operation; the bare grpc.aio server answers the same Get with an "
        "Operation of that id and does nothing else (the floor). CPU/call: the server process's, all threads.",
        "",
        table(results),
        "",
        f"Every answer checked; {total:,} calls, none failed; after each RecognizeFile run the emulator held exactly "
        f"one operation per successful call. Emulator resident set at most {peak / 2**20:.0f} MiB (reset between "
        "runs).",
        "",
        f"Total {elapsed:.0f} s. Results as JSON: {args.json}",
    ]
    return "\n".join(out)


def environment() -> dict[str, Any]:
    return machine.environment(PACKAGES)


# -------------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run: 1 round of 0.5 s per cell")
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)  # the floor's child process
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per run (default 2)")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"where to write the results (default {RESULTS})")
    args = parser.parse_args(argv)
    if args.serve_bare:
        serve_bare()
        return 0
    if args.quick:
        args.rounds, args.duration = 1, 0.5

    started = time.perf_counter()
    env = environment()
    print(f"starting yc-contracts emulate (load {env['load_average']}) ...", flush=True)
    bench = Bench()
    try:
        results = asyncio.run(measure(bench, args.rounds, args.duration))
    finally:
        bench.close()
    elapsed = time.perf_counter() - started
    args.json.write_text(
        json.dumps(
            {
                "environment": env,
                "pinned": bench.pinned,
                "elapsed_seconds": elapsed,
                "rounds": args.rounds,
                "duration": args.duration,
                "results": {m: {str(c): runs for c, runs in by.items()} for m, by in results.items()},
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print()
    print(report(env, bench, results, args, elapsed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
