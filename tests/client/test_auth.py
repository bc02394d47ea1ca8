"""Credentials against the real emulator, over gRPC and REST, sync and asyncio: an API key, an IAM token (a string or a
callable that refreshes it), a service account's authorized key exchanged for IAM tokens at the emulator's token
endpoint (cached, refreshed before expiry), the ``YC_API_KEY`` / ``YC_IAM_TOKEN`` environment; failures as
UNAUTHENTICATED or AuthError — and no secret ever in a repr, an error, a log line or the emulator's journal.
"""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from typing import Any

import pytest
from client.conftest import (
    API_KEY,
    WAIT_TIMEOUT,
    ClientFactory,
    EmulatorFactory,
    assert_no_secret,
    client_of,
    client_options,
    journal_text,
    stt_v3_request,
)
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from yc_contracts.client import ApiKey, AuthError, IamToken, RpcError, ServiceAccountKey
from yc_contracts.client.auth import REFRESH_MARGIN_SECONDS
from yc_contracts.emulator import Emulator
from yc_contracts.emulator.iam import DEFAULT_TOKEN_LIFETIME

WRONG_KEY = "AQVN-a-wrong-key-that-must-not-show-either"
IAM_TOKEN = "t1.client-tests-iam-token-never-shown"
OTHER_TOKEN = "t1.client-tests-second-iam-token-never-shown"


def private_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem: bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem.decode()


@pytest.fixture(scope="module")
def authorized_key() -> dict[str, str]:
    """A service account's authorized key, as ``yc iam key create`` writes it (a fresh RSA key)."""
    return {
        "id": "ajeclienttestskey001",
        "service_account_id": "ajeclienttestsaccount",
        "created_at": "2025-01-01T00:00:00Z",
        "key_algorithm": "RSA_2048",
        "public_key": "",
        "private_key": private_pem(),
    }


@pytest.fixture(scope="module")
def other_private_key() -> str:
    return private_pem()


def pem_body(pem: str) -> str:
    """A line from the middle of a PEM key: what must not leak."""
    lines = pem.strip().splitlines()
    return lines[len(lines) // 2]


@pytest.fixture
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YC_API_KEY", raising=False)
    monkeypatch.delenv("YC_IAM_TOKEN", raising=False)


def sa_emulator(start_emulator: EmulatorFactory, key: dict[str, str]) -> Emulator:
    """An emulator that accepts only the IAM tokens it issues (an unrelated token is configured, so Bearer
    credentials are checked) and trusts ``key``."""
    emu = start_emulator(iam_tokens=["t1.unrelated"])
    emu.add_service_account_key({k: v for k, v in key.items() if k != "public_key"})
    return emu


# ---------------------------------------------------------------------------------------------- API keys


def test_a_wrong_api_key_is_unauthenticated(emu: Emulator, make_client: ClientFactory) -> None:
    """A key the service does not accept: RpcError UNAUTHENTICATED after one call (never retried); the key is
    in neither the error nor the journal."""
    client = make_client(emu, api_key=WRONG_KEY)
    with pytest.raises(RpcError) as caught:
        client.stt_v3.recognize_file(stt_v3_request())
    assert caught.value.code == "UNAUTHENTICATED"
    assert caught.value.message == "the API key is not valid"
    assert [c.status for c in emu.calls()] == ["UNAUTHENTICATED"]
    assert emu.calls()[0].metadata["authorization"] == "Api-Key <redacted>"
    assert_no_secret(WRONG_KEY, caught.value, caught.value.details, client, journal_text(emu))


def test_no_credentials_at_all_is_unauthenticated(
    emu: Emulator, make_client: ClientFactory, no_environment: None
) -> None:
    """No argument and no environment: the call goes out without ``authorization`` and the service refuses it."""
    client = make_client(emu, api_key=None)
    assert "credentials=None" in repr(client)
    with pytest.raises(RpcError) as caught:
        client.stt_v3.recognize_file(stt_v3_request())
    assert caught.value.code == "UNAUTHENTICATED"
    assert "authorization" not in emu.calls()[0].metadata


def test_credentials_from_the_environment(
    emu: Emulator, make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``YC_API_KEY`` is used when no credentials are given; an argument wins over it."""
    monkeypatch.setenv("YC_API_KEY", API_KEY)
    monkeypatch.delenv("YC_IAM_TOKEN", raising=False)
    make_client(emu, api_key=None).stt_v3.recognize_file(stt_v3_request())
    monkeypatch.setenv("YC_API_KEY", WRONG_KEY)
    make_client(emu, api_key=API_KEY).stt_v3.recognize_file(stt_v3_request())
    assert [c.status for c in emu.calls()] == ["OK", "OK"]
    assert_no_secret(API_KEY, journal_text(emu))


def test_an_iam_token_from_the_environment(
    emu: Emulator, make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``YC_IAM_TOKEN`` is sent as ``Bearer``."""
    emu.configure(iam_tokens=[IAM_TOKEN])
    monkeypatch.delenv("YC_API_KEY", raising=False)
    monkeypatch.setenv("YC_IAM_TOKEN", IAM_TOKEN)
    make_client(emu, api_key=None).stt_v3.recognize_file(stt_v3_request())
    assert emu.calls()[0].metadata["authorization"] == "Bearer <redacted>"
    assert emu.calls()[0].status == "OK"


# ------------------------------------------------------------------------------------------------ IAM tokens


def test_an_iam_token(emu: Emulator, make_client: ClientFactory) -> None:
    """``iam_token="…"`` is sent as ``authorization: Bearer …``; a token the service does not know is
    UNAUTHENTICATED, and neither token shows anywhere."""
    emu.configure(iam_tokens=[IAM_TOKEN])
    client = make_client(emu, iam_token=IAM_TOKEN)
    op = client.stt_v3.recognize_file(stt_v3_request())
    assert op.result(timeout=WAIT_TIMEOUT)
    wrong = make_client(emu, iam_token=OTHER_TOKEN)
    with pytest.raises(RpcError) as caught:
        wrong.stt_v3.recognize_file(stt_v3_request())
    assert caught.value.code == "UNAUTHENTICATED"
    assert caught.value.message == "the IAM token is not valid"
    assert {c.metadata["authorization"] for c in emu.calls()} == {"Bearer <redacted>"}
    for secret in (IAM_TOKEN, OTHER_TOKEN):
        assert_no_secret(secret, client, wrong, caught.value, journal_text(emu))


def test_an_iam_token_callable_is_asked_for_every_call(emu: Emulator, make_client: ClientFactory) -> None:
    """``iam_token=callable``: called for each call (each poll too), so a token that rotates is always current."""
    emu.configure(iam_tokens=[IAM_TOKEN], progression="after_polls: 2")
    current = [IAM_TOKEN]
    asked: list[str] = []

    def token() -> str:
        asked.append(current[0])
        return current[0]

    client = make_client(emu, iam_token=token)
    assert "<callable>" in repr(client)
    op = client.stt_v3.recognize_file(stt_v3_request())
    emu.configure(iam_tokens=[OTHER_TOKEN])  # the old token is revoked, the callable hands out the new one
    current[0] = OTHER_TOKEN
    op.result(timeout=WAIT_TIMEOUT)
    assert asked == [IAM_TOKEN, OTHER_TOKEN, OTHER_TOKEN, OTHER_TOKEN]  # start, two polls, GetRecognition
    assert all(c.status == "OK" for c in emu.calls())


def test_an_iam_token_callable_that_gives_nothing_sends_nothing(emu: Emulator, make_client: ClientFactory) -> None:
    client = make_client(emu, iam_token=lambda: "")
    with pytest.raises(AuthError, match="returned no token"):
        client.stt_v3.recognize_file(stt_v3_request())
    assert emu.calls() == []


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_one_kind_of_credentials(emu: Emulator, mode: str) -> None:
    """Two kinds of credentials at once is an AuthError when the client is made, naming neither secret."""
    with (
        pytest.raises(AuthError, match="give one of") as caught,
        client_of(mode, **client_options(emu, "grpc", api_key=API_KEY, iam_token=IAM_TOKEN)),
    ):
        pass
    assert_no_secret(API_KEY, caught.value)
    assert_no_secret(IAM_TOKEN, caught.value)


def test_credentials_never_show_their_secret() -> None:
    """Every credential's ``repr`` (and ``str``) hides its secret; an empty one is refused."""
    assert_no_secret(API_KEY, ApiKey(API_KEY))
    assert_no_secret(IAM_TOKEN, IamToken(IAM_TOKEN))
    assert repr(ApiKey(API_KEY)) == "ApiKey(<redacted>)"
    assert repr(IamToken(IAM_TOKEN)) == "IamToken(<redacted>)"
    assert ApiKey(f" {API_KEY}\n").authorization() == f"Api-Key {API_KEY}"
    assert IamToken(IAM_TOKEN).authorization() == f"Bearer {IAM_TOKEN}"
    for make in (lambda: ApiKey(""), lambda: IamToken("  "), lambda: IamToken(42)):  # type: ignore[arg-type]
        with pytest.raises(AuthError):
            make()


def test_no_secret_in_the_logs(emu: Emulator, make_client: ClientFactory, caplog: pytest.LogCaptureFixture) -> None:
    """Every logger at DEBUG (grpc, httpx, the client's own) during calls that succeed and fail: no key."""
    caplog.set_level(logging.DEBUG)
    make_client(emu).stt_v3.recognize_file(stt_v3_request()).result(timeout=WAIT_TIMEOUT)
    with pytest.raises(RpcError):
        make_client(emu, api_key=WRONG_KEY).stt_v3.recognize_file(stt_v3_request())
    assert_no_secret(API_KEY, caplog.text)
    assert_no_secret(WRONG_KEY, caplog.text)


# ------------------------------------------------------------------------------------- service account keys


def test_a_service_account_key_is_exchanged_once_and_refreshed_before_expiry(
    start_emulator: EmulatorFactory, make_client: ClientFactory, authorized_key: dict[str, str]
) -> None:
    """The key signs a PS256 JWT that the emulator's token endpoint exchanges for an IAM token (12 h); the token
    is cached for every call, and exchanged again once the clock passes its expiry minus the margin (5 min).
    Neither the private key nor a token shows in the key's repr or the journal."""
    emu = sa_emulator(start_emulator, authorized_key)
    sa = ServiceAccountKey(authorized_key, token_url=emu.token_url, clock=emu.clock.now)
    client = make_client(emu, service_account_key=sa)

    for _ in range(3):
        client.stt_v3.recognize_file(stt_v3_request())
    assert (sa.exchanges, emu.iam.exchanges) == (1, 1)
    refresh_at = DEFAULT_TOKEN_LIFETIME - REFRESH_MARGIN_SECONDS
    emu.clock.advance(refresh_at - 10)
    client.stt_v3.recognize_file(stt_v3_request())
    assert sa.exchanges == 1
    emu.clock.advance(20)
    client.stt_v3.recognize_file(stt_v3_request())
    assert (sa.exchanges, emu.iam.exchanges) == (2, 2)
    emu.clock.advance(REFRESH_MARGIN_SECONDS)  # the first token has expired now; the second is in use
    op = client.stt_v3.recognize_file(stt_v3_request())
    assert op.result(timeout=WAIT_TIMEOUT)

    assert all(c.status == "OK" for c in emu.calls())
    assert {c.metadata["authorization"] for c in emu.calls()} == {"Bearer <redacted>"}
    assert sa.exchanges == 2
    assert "ajeclienttestskey001" in repr(sa)
    assert_no_secret(pem_body(authorized_key["private_key"]), sa, client, journal_text(emu))
    assert "t1.emu." not in journal_text(emu)


def test_a_service_account_key_file(
    start_emulator: EmulatorFactory, authorized_key: dict[str, str], tmp_path: Path
) -> None:
    """The key is read from its JSON file (a path, or the JSON text)."""
    emu = sa_emulator(start_emulator, authorized_key)
    path = tmp_path / "key.json"
    path.write_text(json.dumps(authorized_key), encoding="utf-8")
    for source in (path, str(path), json.dumps(authorized_key)):
        sa = ServiceAccountKey(source, token_url=emu.token_url, clock=emu.clock.now)
        with client_of("sync", **client_options(emu, "grpc", service_account_key=sa)) as client:
            client.stt_v3.recognize_file(stt_v3_request())
    assert [c.status for c in emu.calls()] == ["OK"] * 3


def test_a_key_the_service_does_not_trust_is_an_auth_error(
    start_emulator: EmulatorFactory, make_client: ClientFactory, authorized_key: dict[str, str], other_private_key: str
) -> None:
    """A key whose signature the token endpoint rejects (another private key under the same id): AuthError with
    the endpoint's status, no private key in it, and no call to the services."""
    emu = sa_emulator(start_emulator, authorized_key)
    forged = {**authorized_key, "private_key": other_private_key}
    sa = ServiceAccountKey(forged, token_url=emu.token_url, clock=emu.clock.now)
    client = make_client(emu, service_account_key=sa)
    with pytest.raises(AuthError) as caught:
        client.stt_v3.recognize_file(stt_v3_request())
    assert "answered 401" in str(caught.value)
    assert emu.calls() == []
    assert emu.iam.exchanges == 0
    assert_no_secret(pem_body(other_private_key), caught.value, sa, client)
    assert "PRIVATE KEY" not in str(caught.value)


def test_a_key_that_cannot_sign_is_an_auth_error(
    start_emulator: EmulatorFactory, make_client: ClientFactory, authorized_key: dict[str, str]
) -> None:
    """A ``private_key`` that is not an RSA key: AuthError (the private key not quoted), nothing sent."""
    emu = sa_emulator(start_emulator, authorized_key)
    broken = {**authorized_key, "private_key": "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n"}
    client = make_client(emu, service_account_key=ServiceAccountKey(broken, token_url=emu.token_url))
    with pytest.raises(AuthError, match="cannot sign a JWT") as caught:
        client.stt_v3.recognize_file(stt_v3_request())
    assert "bm90IGEga2V5IGF0IGFsbA" not in str(caught.value)
    assert emu.calls() == []


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ({"id": "a", "service_account_id": "b"}, "has no private_key"),
        ({"private_key": "x"}, "has no id, service_account_id"),
        ("{not json", "not JSON"),
        ('{"id": "a"} trailing', "not JSON"),
        ("/nonexistent/key.json", "cannot read the authorized key file '/nonexistent/key.json'"),
    ],
    ids=["no-private-key", "no-ids", "not-json", "trailing-text", "no-file"],
)
def test_a_malformed_key_is_refused_when_given(key: Any, message: str) -> None:
    with pytest.raises(AuthError, match=message):
        ServiceAccountKey(key, token_url="http://127.0.0.1:9/iam/v1/tokens")


def test_a_private_key_given_in_place_of_the_key_file_is_not_quoted(authorized_key: dict[str, str]) -> None:
    """A user who passes the PEM itself (or anything else that is not a file name) gets an AuthError that does
    not repeat it: it is the secret."""
    pem = authorized_key["private_key"]
    for wrong in (pem, pem.replace("\n", ""), "\0" + json.dumps(authorized_key)[1:]):
        with pytest.raises(AuthError, match="cannot read the authorized key file") as caught:
            ServiceAccountKey(wrong, token_url="http://127.0.0.1:9/iam/v1/tokens")
        assert_no_secret(pem_body(pem), caught.value)


def test_a_key_with_a_byte_order_mark_is_read(authorized_key: dict[str, str], tmp_path: Path) -> None:
    """JSON text or a file that starts with a UTF-8 byte order mark (as some editors save it) is a key."""
    text = "\ufeff" + json.dumps(authorized_key)
    path = tmp_path / "key.json"
    path.write_text(text, encoding="utf-8")
    for source in (text, path):
        assert ServiceAccountKey(source).key_id == authorized_key["id"]


def test_an_unreachable_token_endpoint_is_an_auth_error(authorized_key: dict[str, str]) -> None:
    with socket.socket() as probe:  # a loopback port that was free a moment ago, and is closed now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sa = ServiceAccountKey(authorized_key, token_url=f"http://127.0.0.1:{port}/iam/v1/tokens")
    with pytest.raises(AuthError, match=r"exchange .* failed") as caught:
        sa.authorization()
    assert_no_secret(pem_body(authorized_key["private_key"]), caught.value)
