"""Credentials: an API key, an IAM token (a string, or a callable that returns a fresh one), or a service account's
authorized key (a JSON key file → a PS256-signed JWT → an IAM token, cached and refreshed before it expires).

None of them ever shows its secret: not in ``repr``, not in logs, not in exceptions.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Protocol

from yc_contracts.contract.endpoints import IAM_TOKEN_URL
from yc_contracts.contract.errors import YcContractsError

API_KEY_VARIABLE: Final = "YC_API_KEY"
IAM_TOKEN_VARIABLE: Final = "YC_IAM_TOKEN"
JWT_LIFETIME_SECONDS: Final = 3600
REFRESH_MARGIN_SECONDS: Final = 300.0
"""A cached IAM token is replaced this long before it expires (or halfway through a shorter life)."""


class AuthError(YcContractsError):
    """Credentials that cannot be used: a malformed key file, a failed token exchange. Never holds a secret."""


class Credentials(Protocol):
    """What a client sends as ``authorization``."""

    def authorization(self) -> str:
        """The ``authorization`` metadata / header value (``Api-Key …`` or ``Bearer …``)."""
        ...


class ApiKey:
    """``authorization: Api-Key <key>``."""

    def __init__(self, key: str) -> None:
        if not isinstance(key, str) or not key.strip():
            raise AuthError("an API key is a non-empty string")
        self._key = key.strip()

    def authorization(self) -> str:
        return f"Api-Key {self._key}"

    def __repr__(self) -> str:
        return "ApiKey(<redacted>)"


class IamToken:
    """``authorization: Bearer <token>``; ``token`` may be a callable that returns the current token (called for
    every request, so it can refresh)."""

    def __init__(self, token: str | Callable[[], str]) -> None:
        if isinstance(token, str) and not token.strip():
            raise AuthError("an IAM token is a non-empty string (or a callable that returns one)")
        if not isinstance(token, str) and not callable(token):
            raise AuthError(f"an IAM token is a string or a callable, not {type(token).__name__}")
        self._token = token

    def authorization(self) -> str:
        token = self._token() if callable(self._token) else self._token
        if not isinstance(token, str) or not token.strip():
            raise AuthError("the IAM token callable returned no token")
        return f"Bearer {token.strip()}"

    def __repr__(self) -> str:
        return "IamToken(<callable>)" if callable(self._token) else "IamToken(<redacted>)"


class ServiceAccountKey:
    """A service account's authorized key (``yc iam key create`` output): exchanged for IAM tokens.

    Args:
        key: the key file's path, its JSON text, or its parsed mapping (``id``, ``service_account_id``,
            ``private_key``).
        token_url: where to exchange the JWT (the IAM service; the emulator serves one for tests).
        clock: the time source (tests move it forward).

    Raises:
        AuthError: the key is not a readable authorized key (the message never quotes the private key).
    """

    def __init__(
        self,
        key: str | Path | Mapping[str, Any],
        *,
        token_url: str = IAM_TOKEN_URL,
        clock: Callable[[], float] = time.time,
        http: Any = None,
    ) -> None:
        data = _key_data(key)
        missing = [name for name in ("id", "service_account_id", "private_key") if not isinstance(data.get(name), str)]
        if missing:
            raise AuthError(f"the authorized key has no {', '.join(missing)} (a key of `yc iam key create`)")
        self.key_id: str = data["id"]
        self.service_account_id: str = data["service_account_id"]
        self._private_key: str = data["private_key"]
        self.token_url = token_url
        self._clock = clock
        self._http = http
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0
        self.exchanges = 0
        """How many times a token was requested (tests check the cache)."""

    def __repr__(self) -> str:
        return f"ServiceAccountKey(id={self.key_id!r}, service_account_id={self.service_account_id!r}, <redacted>)"

    def jwt(self) -> str:
        """A fresh PS256-signed JWT for the token exchange (audience: the token URL)."""
        try:
            import jwt
        except ModuleNotFoundError as e:
            raise AuthError("service account keys need PyJWT[crypto]: pip install 'yc-contracts[client]'") from e
        now = int(self._clock())
        payload = {"aud": self.token_url, "iss": self.service_account_id, "iat": now, "exp": now + JWT_LIFETIME_SECONDS}
        try:
            token: str = jwt.encode(payload, self._private_key, algorithm="PS256", headers={"kid": self.key_id})
        except Exception as e:  # a key that is not an RSA private key, in any of the ways cryptography reports it
            raise AuthError(f"the authorized key's private_key cannot sign a JWT ({type(e).__name__})") from None
        return token

    def authorization(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                self._exchange()
            assert self._token is not None
            return f"Bearer {self._token}"

    def _exchange(self) -> None:
        import httpx

        client = self._http or httpx.Client(timeout=30.0)
        try:
            response = client.post(self.token_url, json={"jwt": self.jwt()})
        except httpx.HTTPError as e:
            raise AuthError(f"the IAM token exchange at {self.token_url} failed: {type(e).__name__}: {e}") from None
        finally:
            if self._http is None:
                client.close()
        if response.status_code != 200:
            try:
                reason = str(response.json().get("message", ""))[:300]
            except (ValueError, AttributeError):
                reason = ""
            raise AuthError(
                f"the IAM token exchange at {self.token_url} answered {response.status_code}"
                + (f": {reason}" if reason else "")
            )
        try:
            body = response.json()
            token = body["iamToken"]
            expires = _parse_time(body["expiresAt"])
        except (ValueError, KeyError, TypeError):
            raise AuthError(f"the IAM token exchange at {self.token_url} answered no iamToken/expiresAt") from None
        now = self._clock()
        lifetime = max(expires - now, 0.0)
        self._token = str(token)
        self._refresh_at = now + max(lifetime - min(REFRESH_MARGIN_SECONDS, lifetime / 2), 0.0)
        self.exchanges += 1


def _key_data(key: str | Path | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(key, Mapping):
        return key
    text = str(key)
    if isinstance(key, Path) or not text.lstrip("\ufeff \t\r\n").startswith("{"):
        try:
            text = Path(key).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError, ValueError) as e:
            # The value may be the secret itself (a PEM given in place of a path): quoted only if a file name.
            shown = repr(text) if len(text) <= 300 and text.isprintable() and "PRIVATE" not in text else "(not shown)"
            raise AuthError(f"cannot read the authorized key file {shown}: {type(e).__name__}") from None
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except ValueError:
        raise AuthError("the authorized key is not JSON") from None
    if not isinstance(data, dict):
        raise AuthError("the authorized key is a JSON object")
    return data


def _parse_time(text: str) -> float:
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    if "." in value:  # fractions beyond microseconds (RFC 3339 allows nanoseconds)
        head, _, rest = value.partition(".")
        digits = "".join(c for c in rest if c.isdigit())
        value = f"{head}.{digits[:6]}{rest[len(digits) :]}"
    return datetime.fromisoformat(value).timestamp()


def credentials_from(
    *,
    api_key: str | None = None,
    iam_token: str | Callable[[], str] | None = None,
    service_account_key: str | Path | Mapping[str, Any] | ServiceAccountKey | None = None,
    environ: Mapping[str, str] | None = None,
) -> Credentials | None:
    """The credentials the arguments give, else ``YC_API_KEY`` / ``YC_IAM_TOKEN`` from the environment.

    Raises:
        AuthError: more than one kind given, or one that cannot be used.
    """
    given = [x for x in (api_key, iam_token, service_account_key) if x is not None]
    if len(given) > 1:
        raise AuthError("give one of api_key, iam_token and service_account_key")
    if api_key is not None:
        return ApiKey(api_key)
    if iam_token is not None:
        return IamToken(iam_token)
    if service_account_key is not None:
        if isinstance(service_account_key, ServiceAccountKey):
            return service_account_key
        return ServiceAccountKey(service_account_key)
    env = os.environ if environ is None else environ
    if env.get(API_KEY_VARIABLE):
        return ApiKey(env[API_KEY_VARIABLE])
    if env.get(IAM_TOKEN_VARIABLE):
        return IamToken(env[IAM_TOKEN_VARIABLE])
    return None
