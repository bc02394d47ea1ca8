"""The gateway under load: 200 clients at once for 10 s, every answer right, and its memory flat.

The gateway runs as ``yc-contracts gateway`` in its own process (so its RSS is its own), over a real grpc.aio
upstream on loopback. The clients are 200 asyncio tasks, each with an ``httpx.AsyncClient`` of its own (one
keep-alive connection, like 200 users), sending its next request as soon as the last is answered.

Why not one ``AsyncClient`` allowed 200 connections: httpcore's pool scans every connection for every waiting
request (``AsyncConnectionPool._assign_requests_to_connections``), so at 200 connections the client's own CPU is
the bottleneck (measured: ~100 requests/s with the gateway idle); 200 small clients reach the gateway's rate.
"""

from __future__ import annotations

import asyncio
import ssl
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import grpc
import httpx
from gateway.procs import GatewayProcess
from gateway.upstream import FakeUpstream

CLIENTS = 200
LOAD_SECONDS = 10.0
WARM_UP_SECONDS = 3.0
"""RSS is read once this much of the load has run (channels open, caches filled, allocator settled) and again at
the end; the difference is what the gateway kept."""
MAX_RSS_GROWTH = 20 * 1024 * 1024
MiB = 1024 * 1024
SECRET = "Api-Key AQVN-h2-load-secret-never-logged"


@dataclass
class Load:
    """What the clients saw."""

    ok: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    rss_warm: int = 0
    rss_end: int = 0
    ok_at_warm: int = 0
    measured_seconds: float = 0.0


def _body(key: str) -> dict[str, Any]:
    return {"uri": f"https://storage.yandexcloud.net/bucket/{key}.ogg", "recognitionModel": {"model": "general"}}


async def _send_until(stop: asyncio.Event, n: int, http: httpx.AsyncClient, load: Load) -> None:
    """Client ``n``: one request after another until ``stop``, each checked to be answered with its own operation."""
    i = 0
    while not stop.is_set():
        key = f"c{n}-{i}"
        i += 1
        started = time.perf_counter()
        try:
            r = await http.post("/stt/v3/recognizeFileAsync", json=_body(key), headers={"authorization": SECRET})
        except httpx.HTTPError as e:
            load.errors.append(f"{key}: {type(e).__name__}: {e}")
            continue
        load.latencies.append(time.perf_counter() - started)
        expected = {"id": f"op-{key}", "description": _body(key)["uri"]}
        if r.status_code != 200 or r.json() != expected:
            load.errors.append(f"{key}: {r.status_code} {r.text[:200]}")
        elif "AQVN" in r.text:
            load.errors.append(f"{key}: the credentials came back in the body")
        else:
            load.ok += 1


async def _drive(gw: GatewayProcess) -> Load:
    """Run the clients for :data:`LOAD_SECONDS`, reading the gateway's RSS after the warm-up and at the end."""
    load = Load()
    stop = asyncio.Event()
    tls = ssl.create_default_context()  # unused over http://, but each client would build its own (~10 ms each)

    async def client(n: int) -> None:
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(base_url=gw.url, limits=limits, timeout=10.0, verify=tls) as http:
            await _send_until(stop, n, http, load)

    tasks = [asyncio.create_task(client(n)) for n in range(CLIENTS)]
    await asyncio.sleep(WARM_UP_SECONDS)
    load.rss_warm, load.ok_at_warm = gw.rss(), load.ok
    warm = time.perf_counter()
    await asyncio.sleep(LOAD_SECONDS - WARM_UP_SECONDS)
    load.rss_end = gw.rss()
    load.measured_seconds = time.perf_counter() - warm
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=15.0)
    return load


def test_200_concurrent_clients_get_only_right_answers_and_the_gateway_does_not_grow(
    contract_upstream: FakeUpstream,
) -> None:
    """200 clients sending RecognizeFile for 10 s without pause: every response is a 200 with that request's own
    operation (no mix-ups between connections), none fails or times out, nothing echoes the credentials, and the
    gateway's RSS grows by less than 20 MiB between the end of the warm-up and the end of the load."""
    up = contract_upstream
    operation = up.registry.message_class("yandex.cloud.operation.Operation")

    async def recognize(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        return operation(id="op-" + request.uri.rpartition("/")[2].removesuffix(".ogg"), description=request.uri)

    up.on("AsyncRecognizer/RecognizeFile", recognize)
    with GatewayProcess(up.target) as gw:
        rss_idle = gw.rss()
        load = asyncio.run(_drive(gw))
        log = gw.stdout() + gw.stderr()
    total = load.ok + len(load.errors)
    rate = (load.ok - load.ok_at_warm) / load.measured_seconds
    quantiles = statistics.quantiles(load.latencies, n=100) if len(load.latencies) > 1 else [0.0] * 99
    growth = load.rss_end - load.rss_warm
    print(
        f"\nload: {CLIENTS} clients, {total} requests in {LOAD_SECONDS:.0f} s, {rate:.0f} requests/s after warm-up; "
        f"latency p50 {quantiles[49] * 1000:.1f} ms, p99 {quantiles[98] * 1000:.1f} ms; "
        f"gateway RSS {rss_idle / MiB:.1f} MiB idle, {load.rss_warm / MiB:.1f} MiB after warm-up, "
        f"{load.rss_end / MiB:.1f} MiB at the end ({growth / MiB:+.2f} MiB)"
    )
    assert load.errors == [], f"{len(load.errors)} of {total} failed; first: {load.errors[:5]}"
    assert load.ok > CLIENTS * 5, "the load hardly ran"
    assert len(up.received) == load.ok
    assert growth < MAX_RSS_GROWTH, f"the gateway's RSS grew by {growth / MiB:.1f} MiB under steady load"
    assert "AQVN" not in log
