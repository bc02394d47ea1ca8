"""The emulator under concurrent use, as a user's parallel test suite or a load test meets it: 100 recognitions at
once from threads (the official SDK's stubs or generic calls) and from asyncio (grpc.aio and httpx), each polled to
completion with nothing lost or mixed up, the admin API read meanwhile; and stopping the emulator with calls in
flight, which lets them finish within the grace period or ends them cleanly, never hangs.

Every wait is bounded; the emulator runs on 127.0.0.1 with ephemeral ports.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from typing import Any

import grpc
import grpc.aio
import httpx
import pytest
from emulator.clients import (
    AUTH,
    AUTH_HEADERS,
    CALL_TIMEOUT,
    GET_OPERATION,
    READERS,
    REQUESTS,
    STARTERS,
    STT_V2_RECOGNIZE,
    STT_V3_RECOGNIZE,
    Connector,
    EmulatorFactory,
    GrpcClient,
    ndjson,
    ocr_request,
    stt_v2_request,
    stt_v3_request,
    unpack,
    wait_until,
)
from google.protobuf import json_format

from yc_contracts.contract.registry import default_registry
from yc_contracts.emulator import Emulator

RECOGNITIONS = 100
POLLS = 3
WAIT = 60.0
"""Seconds a whole batch of concurrent recognitions may take."""


def recognize(client: GrpcClient, index: int) -> tuple[str, str, list[bytes]]:
    """One user's recognition: submit, poll until done, read the results back. Returns the method, the operation
    id and the results' bytes."""
    method = STARTERS[index % len(STARTERS)]
    operation = client.start(method)
    assert not operation.done
    polls = 0
    while not operation.done:
        operation = client.get(operation.id)
        polls += 1
        assert polls <= POLLS
    assert polls == POLLS
    assert operation.WhichOneof("result") == "response"
    if method in READERS:
        results = [m.SerializeToString() for m in client.collect(READERS[method], {"operationId": operation.id})]
    else:
        results = [operation.response.value]
    assert results
    return method, operation.id, results


def expected_results(emu: Emulator, operation_id: str) -> list[bytes]:
    return [m.SerializeToString() for m in emu.operation(operation_id).results]


@pytest.mark.yc_emulator(progression=f"after_polls: {POLLS}")
def test_100_concurrent_recognitions_from_threads(
    yc_emulator: Emulator, connect: Connector, client_kind: str, admin: httpx.Client
) -> None:
    """100 recognitions at once from 50 threads over one channel: every operation id is distinct, every one is
    done after exactly its own polls, every result read back is the one the emulator made for it, and the journal
    has every call, all OK. The admin API answers throughout."""
    client = connect(yc_emulator, client_kind)
    stop_reading = threading.Event()
    admin_statuses: list[int] = []

    def read_admin() -> None:
        while not stop_reading.is_set():
            admin_statuses.append(admin.get("/_emulator/operations").status_code)
            admin_statuses.append(admin.get("/_emulator/calls", params={"method": "Get"}).status_code)

    reader = threading.Thread(target=read_admin)
    reader.start()
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
            futures = [pool.submit(recognize, client, index) for index in range(RECOGNITIONS)]
            done, pending = concurrent.futures.wait(futures, timeout=WAIT)
    finally:
        stop_reading.set()
        reader.join(CALL_TIMEOUT * 2)
    assert not pending
    outcomes = [f.result() for f in done]

    ids = [operation_id for _, operation_id, _ in outcomes]
    assert len(set(ids)) == RECOGNITIONS
    for method, operation_id, results in outcomes:
        record = yc_emulator.operation(operation_id)
        assert record.method == method
        assert record.polls == POLLS
        assert results == expected_results(yc_emulator, operation_id)
    assert len(yc_emulator.operations) == RECOGNITIONS
    for method in STARTERS:
        yc_emulator.assert_called(method, times=RECOGNITIONS // 3 + (1 if method == STARTERS[0] else 0))
    yc_emulator.assert_called(GET_OPERATION, times=RECOGNITIONS * POLLS)
    assert {c.status for c in yc_emulator.calls()} == {"OK"}
    assert admin_statuses
    assert set(admin_statuses) == {200}


@pytest.mark.yc_emulator(progression=f"after_polls: {POLLS}")
def test_100_concurrent_recognitions_from_asyncio(yc_emulator: Emulator) -> None:
    """The same with grpc.aio: 100 coroutines on one channel, generic calls on the registry's classes."""
    registry = default_registry()

    def unary(channel: grpc.aio.Channel, method: str) -> Any:
        info = registry.method(method)
        return channel.unary_unary(
            info.grpc_path,
            request_serializer=registry.message_class(info.input_type).SerializeToString,
            response_deserializer=registry.message_class(info.output_type).FromString,
        )

    def stream(channel: grpc.aio.Channel, method: str) -> Any:
        info = registry.method(method)
        return channel.unary_stream(
            info.grpc_path,
            request_serializer=registry.message_class(info.input_type).SerializeToString,
            response_deserializer=registry.message_class(info.output_type).FromString,
        )

    def request(method: str, payload: dict[str, Any]) -> Any:
        cls = registry.message_class(registry.method(method).input_type)
        return json_format.ParseDict(payload, cls())

    async def one(channel: grpc.aio.Channel, index: int) -> tuple[str, list[bytes]]:
        method = STARTERS[index % len(STARTERS)]
        operation = await unary(channel, method)(
            request(method, REQUESTS[method]()), metadata=AUTH, timeout=CALL_TIMEOUT
        )
        get = unary(channel, GET_OPERATION)
        for _ in range(POLLS):
            operation = await get(request(GET_OPERATION, {"operationId": operation.id}), metadata=AUTH, timeout=10)
        assert operation.done
        if method in READERS:
            call = stream(channel, READERS[method])(
                request(READERS[method], {"operationId": operation.id}), metadata=AUTH, timeout=CALL_TIMEOUT
            )
            return operation.id, [m.SerializeToString() async for m in call]
        return operation.id, [unpack(operation.response, RESPONSES[method]).SerializeToString()]

    async def main() -> list[tuple[str, list[bytes]]]:
        async with grpc.aio.insecure_channel(yc_emulator.grpc_target) as channel:
            return await asyncio.wait_for(asyncio.gather(*(one(channel, i) for i in range(RECOGNITIONS))), WAIT)

    outcomes = asyncio.run(main())
    assert len({operation_id for operation_id, _ in outcomes}) == RECOGNITIONS
    for operation_id, results in outcomes:
        assert results == expected_results(yc_emulator, operation_id)
    assert {c.status for c in yc_emulator.calls()} == {"OK"}


RESPONSES = {STT_V2_RECOGNIZE: "yandex.cloud.ai.stt.v2.LongRunningRecognitionResponse"}


@pytest.mark.yc_emulator(progression="after_polls: 2")
def test_concurrent_recognitions_over_rest(yc_emulator: Emulator) -> None:
    """60 recognitions at once through the REST face (httpx.AsyncClient): all distinct, all done, all read back."""
    routes = [
        ("/stt/v3/recognizeFileAsync", stt_v3_request, "/stt/v3/getRecognition"),
        ("/speech/stt/v2/longRunningRecognize", stt_v2_request, None),
        ("/ocr/v1/recognizeTextAsync", ocr_request, "/ocr/v1/getRecognition"),
    ]

    async def one(http: httpx.AsyncClient, index: int) -> tuple[str, Any]:
        start, payload, reader = routes[index % len(routes)]
        started = await http.post(start, json=payload())
        assert started.status_code == 200, started.text
        operation_id = started.json()["id"]
        polled: dict[str, Any] = {}
        for _ in range(2):
            polled = (await http.get(f"/operations/{operation_id}")).json()
        assert polled["done"] is True
        if reader is None:
            return operation_id, polled["response"]["chunks"]
        read = await http.get(reader, params={"operationId": operation_id})
        assert read.status_code == 200
        return operation_id, [line["result"] for line in ndjson(read.text.splitlines())]

    async def main() -> list[tuple[str, Any]]:
        limits = httpx.Limits(max_connections=20)
        async with httpx.AsyncClient(
            base_url=yc_emulator.http_url, headers=AUTH_HEADERS, timeout=CALL_TIMEOUT, limits=limits
        ) as http:
            return await asyncio.wait_for(asyncio.gather(*(one(http, i) for i in range(60))), WAIT)

    outcomes = asyncio.run(main())
    assert len({operation_id for operation_id, _ in outcomes}) == 60
    registry = default_registry()
    for operation_id, results in outcomes:
        record = yc_emulator.operation(operation_id)
        made = [json_format.MessageToDict(m, descriptor_pool=registry.descriptor_pool) for m in record.results]
        assert results == (made[0]["chunks"] if record.method == STT_V2_RECOGNIZE else made)
    assert {c.status for c in yc_emulator.calls()} == {"OK"}


# --------------------------------------------------------------------------------------- shutdown in flight


def _in_flight(client: GrpcClient, count: int, timeout: float) -> tuple[list[threading.Thread], list[Any]]:
    """``count`` RecognizeFile calls started in threads; each appends ``(outcome, seconds)`` when it ends."""
    outcomes: list[Any] = []

    def call() -> None:
        started = time.monotonic()
        try:
            client.start(STT_V3_RECOGNIZE, timeout=timeout)
            outcomes.append(("OK", time.monotonic() - started))
        except grpc.RpcError as e:
            outcomes.append((e.code().name, time.monotonic() - started))  # type: ignore[attr-defined]

    threads = [threading.Thread(target=call) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads, outcomes


def test_stop_lets_calls_in_flight_finish_within_the_grace(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """Calls held by a 1 s latency fault when the emulator stops with a 5 s grace: all of them finish normally,
    and the journal shows them in flight, then OK."""
    emu = start_emulator()
    client = connect(emu, "generic")
    emu.inject("RecognizeFile", latency=1.0, times=None)
    threads, outcomes = _in_flight(client, 5, timeout=CALL_TIMEOUT)
    assert wait_until(lambda: len(emu.calls("RecognizeFile")) == 5, CALL_TIMEOUT)
    assert {c.status for c in emu.calls()} == {"RUNNING"}
    started = time.monotonic()
    emu.stop(grace=5.0)
    assert time.monotonic() - started < 5.0
    for thread in threads:
        thread.join(CALL_TIMEOUT)
    assert [o for o, _ in outcomes] == ["OK"] * 5
    assert {c.status for c in emu.calls()} == {"OK"}
    assert len(emu.operations) == 5
    with pytest.raises(RuntimeError, match="not started"):
        _ = emu.grpc_target


def test_stop_ends_calls_that_outlast_the_grace(start_emulator: EmulatorFactory, connect: Connector) -> None:
    """Calls held for 30 s when the emulator stops with a 0.5 s grace: the stop returns promptly, each client gets
    an error at once (not a hang until its deadline), and the journal records them as CANCELLED."""
    emu = start_emulator()
    client = connect(emu, "generic")
    emu.inject("RecognizeFile", latency=30.0, times=None)
    threads, outcomes = _in_flight(client, 5, timeout=20.0)
    assert wait_until(lambda: len(emu.calls("RecognizeFile")) == 5, CALL_TIMEOUT)
    started = time.monotonic()
    emu.stop(grace=0.5)
    assert time.monotonic() - started < 5.0
    for thread in threads:
        thread.join(CALL_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads)
    assert len(outcomes) == 5
    assert {o for o, _ in outcomes} <= {"UNAVAILABLE", "CANCELLED"}
    assert all(seconds < 10 for _, seconds in outcomes)
    assert wait_until(lambda: {c.status for c in emu.calls()} == {"CANCELLED"}, 5), [c.status for c in emu.calls()]
    assert len(emu.operations) == 0


def test_stop_with_a_rest_call_in_flight(start_emulator: EmulatorFactory) -> None:
    """A REST call in flight when the emulator stops: the client gets an HTTP answer (503: the gRPC call it waited
    on was ended) within the grace period and a little more, not a dropped connection nor a hang."""
    emu = start_emulator()
    emu.inject("RecognizeFile", latency=30.0)
    answers: list[Any] = []

    def call() -> None:
        with httpx.Client(base_url=emu.http_url, headers=AUTH_HEADERS, timeout=20.0) as http:
            try:
                answers.append(http.post("/stt/v3/recognizeFileAsync", json=stt_v3_request()).status_code)
            except httpx.HTTPError as e:
                answers.append(type(e).__name__)

    thread = threading.Thread(target=call)
    thread.start()
    assert wait_until(lambda: len(emu.calls("RecognizeFile")) == 1, CALL_TIMEOUT)
    started = time.monotonic()
    emu.stop(grace=1.0)
    thread.join(CALL_TIMEOUT)
    assert not thread.is_alive()
    assert time.monotonic() - started < 10
    assert answers == [503]


def test_stop_twice_and_exit_after_stop(connect: Connector) -> None:
    """``stop()`` may be called more than once, and leaving the ``with`` block after it is fine."""
    with Emulator() as emu:
        client = connect(emu, "generic")
        assert client.start().id
        emu.stop()
        emu.stop()
    emu.stop()


def test_a_client_deadline_shorter_than_the_latency_is_journaled_as_cancelled(
    yc_emulator: Emulator, grpc_client: GrpcClient
) -> None:
    """A client that gives up (its deadline) while a latency fault holds its call: DEADLINE_EXCEEDED for the
    client, CANCELLED in the journal, no operation started; the emulator serves the next call as usual."""
    yc_emulator.inject("LongRunningRecognize", latency=5.0)
    with pytest.raises(grpc.RpcError) as error:
        grpc_client.start(STT_V2_RECOGNIZE, timeout=0.3)
    assert error.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED  # type: ignore[attr-defined]
    assert wait_until(lambda: yc_emulator.calls("LongRunningRecognize")[0].status == "CANCELLED", 5)
    assert len(yc_emulator.operations) == 0
    assert grpc_client.start(STT_V2_RECOGNIZE).done
