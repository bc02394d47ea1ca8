"""Operation futures against the real emulator, over gRPC and REST, sync and asyncio: polling that backs off (read
from the timestamps of the emulator's journal), ``result(timeout=…)`` that gives up without losing the operation,
a failed or cancelled operation as an OperationError carrying its status, expired results as NOT_FOUND, and
``await op`` on the asyncio client.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest
from client.conftest import (
    BOUND,
    OCR,
    REQUESTS,
    STT_V2,
    STT_V3,
    WAIT_TIMEOUT,
    ClientFactory,
    EmulatorFactory,
    client_options,
    stt_v3_request,
)

from yc_contracts.client import (
    AsyncClient,
    AsyncOperation,
    Backoff,
    Client,
    OperationError,
    OperationTimeoutError,
    RpcError,
)
from yc_contracts.emulator import Emulator

METHODS = pytest.mark.parametrize("method", [STT_V3, STT_V2, OCR], ids=["stt_v3", "stt_v2", "ocr"])
SLACK = 0.25
"""Seconds a poll may come later than its backoff delay: the call itself and a busy machine."""
EARLY = 0.005
"""Seconds a timer may fire early (clock resolution)."""


def start(client: Any, method: str, **options: Any) -> Any:
    request = REQUESTS[method]()
    if method == STT_V3:
        return client.stt_v3.recognize_file(request, **options)
    if method == STT_V2:
        return client.stt_v2.long_running_recognize(request, **options)
    return client.ocr.recognize(request, **options)


def poll_gaps(emulator: Emulator) -> list[float]:
    """Seconds between the starts of consecutive ``OperationService.Get`` calls, from the journal."""
    starts = [call.started for call in emulator.calls("OperationService.Get")]
    return [later - earlier for earlier, later in itertools.pairwise(starts)]


# ------------------------------------------------------------------------------------------------ polling


@pytest.mark.parametrize("jitter", [False, True], ids=["exact", "jitter"])
def test_polling_backs_off(emu: Emulator, make_client: ClientFactory, jitter: bool) -> None:
    """An operation done on its 6th poll is polled at once, then after delays that grow by the multiplier up to
    the maximum: each gap between polls (the journal's timestamps) is the delay (jitter: between half of it and
    all of it) plus the call's own time."""
    emu.configure(progression="after_polls: 6")
    polling = Backoff(initial=0.05, maximum=0.4, multiplier=2.0, jitter=jitter)
    client = make_client(emu, polling=polling)

    op = client.stt_v3.recognize_file(stt_v3_request())
    op.result(timeout=WAIT_TIMEOUT)

    assert op.polls == 6
    delays = [0.05, 0.1, 0.2, 0.4, 0.4]  # the last one capped at the maximum (uncapped: 0.8)
    gaps = poll_gaps(emu)
    assert len(gaps) == len(delays)
    for gap, delay in zip(gaps, delays, strict=True):
        lowest = delay / 2 if jitter else delay
        assert lowest - EARLY <= gap <= delay + SLACK, (gaps, delays)
    first_poll = emu.calls("OperationService.Get")[0].started - emu.calls("RecognizeFile")[0].started
    assert first_poll < SLACK  # the first poll comes at once


def test_done_polls_once_and_wait_returns_the_operation(emu: Emulator, make_client: ClientFactory) -> None:
    """``done()`` is one ``Get`` while the operation runs, none once it is done; ``wait()`` returns the done
    Operation message; ``repr`` says running or done."""
    emu.configure(progression="after_polls: 3")
    client = make_client(emu)
    op = client.stt_v3.recognize_file(stt_v3_request())
    assert "running" in repr(op)
    assert op.id in repr(op)
    assert op.done() is False
    assert op.done() is False
    assert len(emu.calls("OperationService.Get")) == 2
    operation = op.wait(timeout=WAIT_TIMEOUT)
    assert operation.DESCRIPTOR.full_name == "yandex.cloud.operation.Operation"
    assert operation.done
    assert operation.id == op.id
    assert op.done() is True
    assert len(emu.calls("OperationService.Get")) == 3
    assert "done" in repr(op)


def test_result_with_a_timeout_gives_up_and_can_be_called_again(emu: Emulator, make_client: ClientFactory) -> None:
    """``result(timeout=…)`` on an operation that does not finish raises OperationTimeoutError (a TimeoutError)
    close to the timeout; the operation goes on, and once it is done a later ``result()`` returns its results."""
    emu.configure(progression="manual")
    client = make_client(emu)
    op = client.stt_v3.recognize_file(stt_v3_request())

    began = time.monotonic()
    with pytest.raises(OperationTimeoutError) as caught:
        op.result(timeout=0.3)
    elapsed = time.monotonic() - began

    assert isinstance(caught.value, TimeoutError)
    assert op.id in str(caught.value)
    assert 0.3 - EARLY <= elapsed <= 0.3 + 1.0
    assert not emu.operation(op.id).done
    emu.complete(op.id)
    assert op.result(timeout=WAIT_TIMEOUT) == emu.operation(op.id).results


# ---------------------------------------------------------------------------------------- failed operations


@METHODS
def test_a_failed_operation_is_an_operation_error(emu: Emulator, make_client: ClientFactory, method: str) -> None:
    """An operation that ends with an error: ``result()`` raises OperationError with its status's code and
    message (an RpcError, naming the method that started it); ``op.error`` is that exception; nothing is read
    or retried after it."""
    emu.configure(progression="manual")
    client = make_client(emu)
    op = start(client, method)
    assert op.error is None
    quota = {"@type": "type.googleapis.com/google.rpc.Status", "code": 8, "message": "the decoder's quota"}
    emu.fail(op.id, "INTERNAL", "the audio could not be decoded", details=[quota])

    with pytest.raises(OperationError) as caught:
        op.result(timeout=WAIT_TIMEOUT)

    error = caught.value
    assert isinstance(error, RpcError)
    assert (error.code, error.message, error.method) == ("INTERNAL", "the audio could not be decoded", method)
    assert error.details == [quota]  # the operation's google.rpc.Status details, as REST JSON
    assert isinstance(op.error, OperationError)
    assert (op.error.code, op.error.details) == ("INTERNAL", [quota])
    assert op.operation.error.code == 13
    assert [c.short_method for c in emu.calls()][1:] == ["Get"]


def test_an_operation_failing_with_a_retryable_code_is_not_retried(emu: Emulator, make_client: ClientFactory) -> None:
    """An operation's own RESOURCE_EXHAUSTED or UNAVAILABLE is its outcome, not a failed call: it is raised as
    OperationError, and the recognition is not started again."""
    emu.configure(progression="manual")
    client = make_client(emu)
    op = client.stt_v3.recognize_file(stt_v3_request())
    emu.fail(op.id, "UNAVAILABLE", "the recognizer went away")
    with pytest.raises(OperationError) as caught:
        op.result(timeout=WAIT_TIMEOUT)
    assert caught.value.code == "UNAVAILABLE"
    assert [c.short_method for c in emu.calls()] == ["RecognizeFile", "Get"]


@METHODS
def test_a_cancelled_operation_is_an_operation_error(emu: Emulator, make_client: ClientFactory, method: str) -> None:
    """``op.cancel()`` cancels it at the service (the answer is the done Operation); ``result()`` then raises
    OperationError CANCELLED without polling or reading anything."""
    emu.configure(progression="manual")
    client = make_client(emu)
    op = start(client, method)

    cancelled = op.cancel()

    assert cancelled.done
    assert cancelled.error.code == 1
    assert op.operation.done
    with pytest.raises(OperationError) as caught:
        op.result(timeout=WAIT_TIMEOUT)
    assert caught.value.code == "CANCELLED"
    assert op.error is not None
    assert op.error.code == "CANCELLED"
    assert [c.short_method for c in emu.calls()][1:] == ["Cancel"]


def test_cancelling_a_done_operation_is_refused(emu: Emulator, make_client: ClientFactory) -> None:
    client = make_client(emu)
    op = client.stt_v3.recognize_file(stt_v3_request())
    op.result(timeout=WAIT_TIMEOUT)
    with pytest.raises(RpcError) as caught:
        op.cancel()
    assert caught.value.code == "FAILED_PRECONDITION"
    assert len(emu.calls("Cancel")) == 1


# ------------------------------------------------------------------------------------------------- expiry


def test_expired_results_are_not_found(start_emulator: EmulatorFactory, make_client: ClientFactory) -> None:
    """Once the retention has passed (the emulator's clock moved forward), ``operations.get``, ``get_recognition``,
    a reattached ``result()`` and even a done future's ``result()`` raise RpcError NOT_FOUND, as the service answers
    after its storage time; none of them is retried."""
    emu = start_emulator(retention=60)
    client = make_client(emu)
    op = client.stt_v3.recognize_file(stt_v3_request())
    assert op.done()
    emu.clock.advance(59)
    assert len(client.stt_v3.get_recognition(op.id)) >= 1
    emu.clock.advance(2)

    failures = []
    for action in (
        lambda: client.operations.get(op.id),
        lambda: client.stt_v3.get_recognition(op.id),
        lambda: client.stt_v3.operation(op.id).result(timeout=WAIT_TIMEOUT),
        lambda: op.result(timeout=WAIT_TIMEOUT),
    ):
        with pytest.raises(RpcError) as caught:
            action()
        assert not isinstance(caught.value, OperationError)
        failures.append(caught.value.code)
    assert failures == ["NOT_FOUND"] * 4
    assert [c.status for c in emu.calls()][-4:] == ["NOT_FOUND"] * 4


def test_an_after_progression_finishes_on_the_emulators_clock(
    start_emulator: EmulatorFactory, make_client: ClientFactory
) -> None:
    """``after: 3600s``: not done until the emulator's clock passes the hour; then the next poll sees it done."""
    emu = start_emulator(progression="after: 3600")
    client = make_client(emu)
    op = client.stt_v2.long_running_recognize(REQUESTS[STT_V2]())
    assert op.done() is False
    emu.clock.advance(3600)
    assert op.result(timeout=WAIT_TIMEOUT).chunks


# ------------------------------------------------------------------------------------------------- asyncio


@pytest.mark.parametrize("transport", ["grpc", "rest"])
def test_await_an_operation(emu: Emulator, transport: str) -> None:
    """With the asyncio client, ``await op`` is ``await op.result()``; many operations run at once with
    ``asyncio.gather`` over one client, each getting its own results."""
    emu.configure(progression="after_polls: 2")

    async def main() -> tuple[list[Any], list[Any]]:
        async with AsyncClient(**client_options(emu, transport)) as client:
            op = await client.stt_v3.recognize_file(stt_v3_request())
            assert isinstance(op, AsyncOperation)
            assert await op.done() is False
            first = await op
            uris = [f"https://storage.yandexcloud.net/bucket/{i}.wav" for i in range(10)]
            ops = await asyncio.gather(*(client.stt_v3.recognize_file(stt_v3_request(uri)) for uri in uris))
            results = await asyncio.gather(*ops)
            assert await ops[0].result(timeout=WAIT_TIMEOUT) == results[0]  # done: read again, not polled
            return first, [(op.id, result) for op, result in zip(ops, results, strict=True)]

    first, many = asyncio.run(asyncio.wait_for(main(), BOUND))
    assert first == emu.operation(emu.calls("RecognizeFile")[0].operation_id or "").results
    assert len({operation_id for operation_id, _ in many}) == 10
    for operation_id, result in many:
        assert result == emu.operation(operation_id).results
    assert len(emu.calls("RecognizeFile")) == 11


def test_the_sync_client_works_inside_a_running_event_loop(emu: Emulator) -> None:
    """The sync client runs its calls on a loop thread of its own, so it works where an event loop already runs
    (a notebook, an async framework's sync callback)."""

    async def main() -> int:
        with Client(**client_options(emu, "grpc")) as client:
            return len(client.stt_v3.recognize_file(stt_v3_request()).result(timeout=WAIT_TIMEOUT))

    assert asyncio.run(asyncio.wait_for(main(), BOUND)) >= 2
