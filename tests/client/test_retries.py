"""Retries that know the codes, against the emulator's deterministic faults, over gRPC and REST, sync and asyncio:
UNAVAILABLE and a quota RESOURCE_EXHAUSTED are retried with backoff (one idempotency key for all the attempts of a
call, a fresh request id for each), a stream cut mid-way is read again to a full result, every other code fails
at once, and retries give up after ``attempts`` or the ``deadline``. Plus the arithmetic of :class:`Backoff`.
"""

from __future__ import annotations

import itertools
import random
import socket
import time

import pytest
from client.conftest import (
    WAIT_TIMEOUT,
    ClientFactory,
    client_of,
    client_options,
    stt_v2_request,
    stt_v3_request,
)

from yc_contracts.client import (
    DEFAULT_POLLING,
    DEFAULT_RETRY,
    NO_RETRY,
    Backoff,
    MessageTooLargeError,
    Retry,
    RpcError,
)
from yc_contracts.client.retry import is_message_too_large, is_retryable
from yc_contracts.emulator import Emulator
from yc_contracts.transcoding.status import CODE_NAMES

EARLY = 0.005
SLACK = 0.25
ERROR_CODES = sorted(name for name in CODE_NAMES if name != "OK")
RETRIED = {"UNAVAILABLE", "RESOURCE_EXHAUSTED"}


def statuses(emulator: Emulator, method: str) -> list[str]:
    return [call.status for call in emulator.calls(method)]


# -------------------------------------------------------------------------------------- retried, then OK


def test_unavailable_twice_then_ok_is_retried_under_one_idempotency_key(
    emu: Emulator, make_client: ClientFactory
) -> None:
    """``RecognizeFile`` failing UNAVAILABLE twice succeeds on the third attempt: the user sees one operation; the
    three attempts carry the same ``idempotency-key`` (so the service can tell a retry from a new recognition)
    and each its own ``x-client-request-id``; the next call gets a new key."""
    emu.inject("RecognizeFile", code="UNAVAILABLE", times=2)
    client = make_client(emu)

    op = client.stt_v3.recognize_file(stt_v3_request())
    again = client.stt_v3.recognize_file(stt_v3_request())

    calls = emu.calls("RecognizeFile")
    assert [c.status for c in calls] == ["UNAVAILABLE", "UNAVAILABLE", "OK", "OK"]
    keys = [c.metadata["idempotency-key"] for c in calls]
    assert len(set(keys[:3])) == 1
    assert keys[3] != keys[0]
    assert len({c.metadata["x-client-request-id"] for c in calls}) == 4
    assert [c.operation_id for c in calls] == [None, None, op.id, again.id]  # a failed attempt started nothing
    assert len(op.result(timeout=WAIT_TIMEOUT)) >= 1
    assert again.id != op.id


def test_a_quota_error_is_retried(emu: Emulator, make_client: ClientFactory) -> None:
    """RESOURCE_EXHAUSTED as the service answers over quota (a ``QuotaFailure`` detail) is retried."""
    emu.inject("LongRunningRecognize", quota=True, times=2)
    client = make_client(emu)
    result = client.stt_v2.long_running_recognize(stt_v2_request()).result(timeout=WAIT_TIMEOUT)
    assert result.chunks
    assert statuses(emu, "LongRunningRecognize") == ["RESOURCE_EXHAUSTED", "RESOURCE_EXHAUSTED", "OK"]


def test_polls_and_reads_are_retried_too(emu: Emulator, make_client: ClientFactory) -> None:
    """An UNAVAILABLE ``Get`` while polling and an UNAVAILABLE ``GetRecognition`` are retried: ``result()``
    still returns the results."""
    emu.configure(progression="after_polls: 2")
    emu.inject("OperationService.Get", code="UNAVAILABLE", times=1)
    emu.inject("GetRecognition", code="UNAVAILABLE", times=1)
    client = make_client(emu)
    op = client.stt_v3.recognize_file(stt_v3_request())
    assert op.result(timeout=WAIT_TIMEOUT) == emu.operation(op.id).results
    assert statuses(emu, "OperationService.Get") == ["UNAVAILABLE", "OK", "OK"]
    assert statuses(emu, "GetRecognition") == ["UNAVAILABLE", "OK"]


def test_a_stream_cut_mid_way_is_read_again_to_the_full_result(emu: Emulator, make_client: ClientFactory) -> None:
    """A ``GetRecognition`` stream cut after 2 messages (UNAVAILABLE) is read again from the start: the result
    is every message once, not the 2 twice."""
    emu.inject("GetRecognition", cut_after=2)
    client = make_client(emu)
    op = client.stt_v3.recognize_file(stt_v3_request())
    results = op.result(timeout=WAIT_TIMEOUT)
    expected = emu.operation(op.id).results
    assert len(expected) > 2
    assert results == expected
    calls = emu.calls("GetRecognition")
    assert [(c.status, c.messages) for c in calls] == [("UNAVAILABLE", 2), ("OK", len(expected))]


def test_the_delays_between_attempts_back_off(emu: Emulator, make_client: ClientFactory) -> None:
    """Between attempts the client waits the retry's backoff: 0.05 s, 0.1 s, 0.2 s (no jitter), read from the
    journal's timestamps."""
    emu.inject("RecognizeFile", code="UNAVAILABLE", times=3)
    retry = Retry(backoff=Backoff(initial=0.05, maximum=1.0, multiplier=2.0, jitter=False), attempts=4)
    client = make_client(emu, retry=retry)
    client.stt_v3.recognize_file(stt_v3_request())
    starts = [c.started for c in emu.calls("RecognizeFile")]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    for gap, delay in zip(gaps, [0.05, 0.1, 0.2], strict=True):
        assert delay - EARLY <= gap <= delay + SLACK, gaps


# ---------------------------------------------------------------------------------------- which codes


@pytest.mark.parametrize("code", ERROR_CODES)
def test_only_unavailable_and_resource_exhausted_are_retried(
    emu: Emulator, make_client: ClientFactory, code: str
) -> None:
    """One failure with ``code``: UNAVAILABLE and RESOURCE_EXHAUSTED are tried again (and succeed); every other
    code is raised at once as an RpcError with that code (over REST too: the HTTP status and the Status body
    map back to the same code)."""
    emu.inject("RecognizeFile", code=code, times=1, message=f"injected {code}")
    client = make_client(emu)
    if code in RETRIED:
        client.stt_v3.recognize_file(stt_v3_request())
        assert statuses(emu, "RecognizeFile") == [code, "OK"]
        return
    with pytest.raises(RpcError) as caught:
        client.stt_v3.recognize_file(stt_v3_request())
    assert (caught.value.code, caught.value.message) == (code, f"injected {code}")
    assert statuses(emu, "RecognizeFile") == [code]


def test_a_per_attempt_timeout_is_deadline_exceeded(emu: Emulator, make_client: ClientFactory) -> None:
    """A call slower than the client's ``timeout`` fails with DEADLINE_EXCEEDED close to it (not retried: the
    first attempt may have been done)."""
    emu.inject("RecognizeFile", latency=2.0)
    client = make_client(emu, timeout=0.2)
    began = time.monotonic()
    with pytest.raises(RpcError) as caught:
        client.stt_v3.recognize_file(stt_v3_request())
    assert caught.value.code == "DEADLINE_EXCEEDED"
    assert time.monotonic() - began < 0.2 + 1.0
    assert len(emu.calls("RecognizeFile")) == 1


def test_a_timeout_per_call_overrides_the_clients(emu: Emulator, make_client: ClientFactory) -> None:
    emu.inject("RecognizeFile", latency=2.0)
    client = make_client(emu)
    with pytest.raises(RpcError) as caught:
        client.stt_v3.recognize_file(stt_v3_request(), timeout=0.2)
    assert caught.value.code == "DEADLINE_EXCEEDED"


# ------------------------------------------------------------------------------------------- giving up


def test_retries_give_up_after_attempts(emu: Emulator, make_client: ClientFactory) -> None:
    """With every call UNAVAILABLE, ``Retry(attempts=3)`` makes exactly three attempts, then raises the last
    error (with the QuotaFailure detail for a quota error)."""
    emu.inject("RecognizeFile", quota=True, times=None)
    client = make_client(emu, retry=Retry(backoff=Backoff(initial=0.01, maximum=0.02), attempts=3))
    with pytest.raises(RpcError) as caught:
        client.stt_v3.recognize_file(stt_v3_request())
    assert caught.value.code == "RESOURCE_EXHAUSTED"
    assert not isinstance(caught.value, MessageTooLargeError)
    (detail,) = caught.value.details
    assert detail["@type"] == "type.googleapis.com/google.rpc.QuotaFailure"
    assert statuses(emu, "RecognizeFile") == ["RESOURCE_EXHAUSTED"] * 3


def test_retries_give_up_at_the_deadline(emu: Emulator, make_client: ClientFactory) -> None:
    """With every call UNAVAILABLE and attempts to spare, ``Retry(deadline=0.5)`` stops before the deadline
    would pass: a few attempts, raised within about half a second.

    The error raised is the last attempt's: UNAVAILABLE when the next backoff would overrun the deadline, or
    DEADLINE_EXCEEDED when a slow attempt (a loaded machine, REST through the gateway) was itself cut short by
    the time left; the latter only once the deadline has passed."""
    emu.inject("RecognizeFile", code="UNAVAILABLE", times=None)
    retry = Retry(backoff=Backoff(initial=0.1, maximum=0.1, jitter=False), attempts=100, deadline=0.5)
    client = make_client(emu, retry=retry)
    began = time.monotonic()
    with pytest.raises(RpcError) as caught:
        client.stt_v3.recognize_file(stt_v3_request())
    elapsed = time.monotonic() - began
    assert caught.value.code in ("UNAVAILABLE", "DEADLINE_EXCEEDED")
    if caught.value.code == "DEADLINE_EXCEEDED":
        assert elapsed >= 0.5 - 0.05
    assert elapsed < 0.5 + SLACK
    assert 2 <= len(emu.calls("RecognizeFile")) <= 5
    assert set(statuses(emu, "RecognizeFile")) <= {"UNAVAILABLE", "CANCELLED", "DEADLINE_EXCEEDED"}


def test_the_deadline_also_bounds_a_slow_attempt(emu: Emulator, make_client: ClientFactory) -> None:
    """An attempt never outlives the retry's deadline, whatever the per-attempt timeout."""
    emu.inject("RecognizeFile", latency=3.0)
    client = make_client(emu, timeout=10.0, retry=Retry(deadline=0.3))
    began = time.monotonic()
    with pytest.raises(RpcError) as caught:
        client.stt_v3.recognize_file(stt_v3_request())
    assert caught.value.code == "DEADLINE_EXCEEDED"
    assert time.monotonic() - began < 0.3 + 1.0


def test_no_retry_makes_one_attempt(emu: Emulator, make_client: ClientFactory) -> None:
    emu.inject("RecognizeFile", code="UNAVAILABLE", times=1)
    client = make_client(emu, retry=NO_RETRY)
    with pytest.raises(RpcError, match="UNAVAILABLE"):
        client.stt_v3.recognize_file(stt_v3_request())
    client.stt_v3.recognize_file(stt_v3_request(), retry=NO_RETRY)
    assert statuses(emu, "RecognizeFile") == ["UNAVAILABLE", "OK"]


@pytest.mark.parametrize("transport", ["grpc", "rest"])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_server_that_is_not_there_is_unavailable(transport: str, mode: str) -> None:
    """Nothing listening at the endpoint: the attempts fail UNAVAILABLE, are retried, and the last is raised."""
    with socket.socket() as probe:  # a loopback port that was free a moment ago, and is closed now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"127.0.0.1:{port}" if transport == "grpc" else f"http://127.0.0.1:{port}"
    options = {
        "api_key": "k",
        "transport": transport,
        "endpoint": endpoint,
        "timeout": 2.0,
        "retry": Retry(backoff=Backoff(initial=0.01, maximum=0.02), attempts=2, deadline=5.0),
    }
    began = time.monotonic()
    with client_of(mode, **options) as client, pytest.raises(RpcError) as caught:
        client.stt_v3.recognize_file(stt_v3_request())
    assert caught.value.code == "UNAVAILABLE"
    assert time.monotonic() - began < 5.0


def test_message_too_large_is_not_retried_but_a_quota_is() -> None:
    """gRPC reports both a receive limit and a quota as RESOURCE_EXHAUSTED; only the quota is retried."""
    too_large = "Received message larger than max (5244216 vs. 4194304)"
    assert is_message_too_large("RESOURCE_EXHAUSTED", too_large)
    assert not is_message_too_large("RESOURCE_EXHAUSTED", "Quota limit exceeded, please retry later")
    assert not is_message_too_large("UNAVAILABLE", too_large)
    assert not is_retryable(MessageTooLargeError("RESOURCE_EXHAUSTED", too_large))
    assert is_retryable(RpcError("RESOURCE_EXHAUSTED", "Quota limit exceeded"))
    assert is_retryable(RpcError("UNAVAILABLE", "connection refused"))
    assert not is_retryable(RpcError("DEADLINE_EXCEEDED", "slow"))


# -------------------------------------------------------------------------------------------- Backoff


def test_backoff_grows_by_the_multiplier_up_to_the_maximum() -> None:
    delays = Backoff(initial=0.5, maximum=5.0, multiplier=3.0, jitter=False).delays()
    assert [next(delays) for _ in range(5)] == [0.5, 1.5, 4.5, 5.0, 5.0]


def test_backoff_jitter_stays_between_half_and_all_of_each_delay() -> None:
    """Each jittered delay lies in [delay/2, delay]; they differ from one another (clients that failed together
    do not retry together), and the same seed gives the same delays."""
    nominal = [1.0, 1.5, 2.25, 3.375, 5.0625, 7.59375, 10.0, 10.0]
    drawn = []
    for seed in range(50):
        delays = Backoff(initial=1.0, maximum=10.0, multiplier=1.5, rng=random.Random(seed)).delays()
        values = [next(delays) for _ in nominal]
        drawn.append(values)
        assert all(d / 2 <= v <= d for v, d in zip(values, nominal, strict=True))
    assert len({tuple(v) for v in drawn}) == 50
    again = Backoff(initial=1.0, maximum=10.0, multiplier=1.5, rng=random.Random(7)).delays()
    assert [next(again) for _ in nominal] == drawn[7]


def test_the_defaults_are_documented_ones() -> None:
    """Polling starts at 1 s and backs off by 1.5x to 30 s (the SDKs poll at a fixed 1 s or 10 s); calls are
    retried 5 times within 60 s."""
    assert (DEFAULT_POLLING.initial, DEFAULT_POLLING.multiplier, DEFAULT_POLLING.maximum) == (1.0, 1.5, 30.0)
    assert DEFAULT_POLLING.jitter
    assert (DEFAULT_RETRY.attempts, DEFAULT_RETRY.deadline) == (5, 60.0)
    assert NO_RETRY.attempts == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda: Backoff(initial=0),
        lambda: Backoff(initial=2, maximum=1),
        lambda: Backoff(multiplier=0.5),
        lambda: Retry(attempts=0),
        lambda: Retry(deadline=0),
    ],
    ids=["initial-0", "initial-above-maximum", "shrinking", "no-attempts", "no-deadline"],
)
def test_nonsense_policies_are_refused(make: object) -> None:
    with pytest.raises(ValueError, match="needs"):
        make()  # type: ignore[operator]


def test_a_policy_per_call(emu: Emulator) -> None:
    """``retry=`` on one call overrides the client's policy for that call."""
    emu.inject("RecognizeFile", code="UNAVAILABLE", times=2)
    with client_of("sync", **client_options(emu, "grpc", retry=NO_RETRY)) as client:
        client.stt_v3.recognize_file(
            stt_v3_request(), retry=Retry(backoff=Backoff(initial=0.01, maximum=0.01), attempts=3)
        )
    assert statuses(emu, "RecognizeFile") == ["UNAVAILABLE", "UNAVAILABLE", "OK"]
