"""The emulator's IAM token exchange: ``POST /iam/v1/tokens`` with ``{"jwt": "…"}`` on its HTTP port, as the IAM
service answers a service account's signed JWT: ``{"iamToken": "…", "expiresAt": "…"}``.

A JWT is checked the way IAM checks it: PS256, a ``kid`` header, ``iss`` (the service account), ``aud`` (the token
URL: any URL ending in ``/iam/v1/tokens``), ``iat``/``exp`` around now. When the test registered the service
account's key (``emu.add_service_account_key(key)``, the authorized key JSON or just its public part), the
signature must verify against it; with no key registered every well-formed JWT is accepted. Issued tokens are
accepted as ``Bearer`` credentials until they expire (``iam_token_lifetime`` seconds, 12 hours by default).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

TOKEN_PATH: Final = "/iam/v1/tokens"
DEFAULT_TOKEN_LIFETIME: Final = 12 * 3600.0
_CLOCK_SKEW: Final = 300


class TokenError(Exception):
    """A JWT the exchange refuses (answered 401 with this message)."""


class TokenIssuer:
    """The keys it trusts and the tokens it issued."""

    def __init__(self, lifetime: float = DEFAULT_TOKEN_LIFETIME) -> None:
        self.lifetime = lifetime
        self._keys: dict[str, tuple[str, str]] = {}
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()
        self.exchanges = 0

    def add_key(self, key: Mapping[str, Any]) -> None:
        """Trust an authorized key: ``id``, ``service_account_id`` and ``public_key`` (or ``private_key``, whose
        public half is used)."""
        key_id, account = key.get("id"), key.get("service_account_id")
        if not isinstance(key_id, str) or not isinstance(account, str):
            raise ValueError("a service account key has 'id' and 'service_account_id'")
        public = key.get("public_key")
        if not isinstance(public, str):
            private = key.get("private_key")
            if not isinstance(private, str):
                raise ValueError("a service account key has 'public_key' or 'private_key'")
            public = _public_of(private)
        with self._lock:
            self._keys[key_id] = (account, public)

    def exchange(self, jwt_text: str, now: float) -> tuple[str, float]:
        """An IAM token and its expiry for a signed JWT.

        Raises:
            TokenError: the JWT is malformed, expired, for another audience, or not signed by the registered key.
        """
        try:
            import jwt
        except ModuleNotFoundError as e:
            raise TokenError("the token exchange needs PyJWT[crypto]: pip install 'yc-contracts[emulator]'") from e
        try:
            header = jwt.get_unverified_header(jwt_text)
        except jwt.PyJWTError as e:
            raise TokenError(f"the JWT cannot be read: {e}") from None
        if header.get("alg") != "PS256":
            raise TokenError(f"the JWT is signed with {header.get('alg')!r}; IAM takes PS256")
        key_id = header.get("kid")
        if not isinstance(key_id, str) or not key_id:
            raise TokenError("the JWT has no 'kid' header (the authorized key's id)")
        with self._lock:
            known = self._keys.get(key_id)
        try:
            if known is None:
                if self._keys:
                    raise TokenError(f"no service account key {key_id!r} is registered")
                claims = jwt.decode(jwt_text, options={"verify_signature": False})
            else:
                claims = jwt.decode(
                    jwt_text,
                    known[1],
                    algorithms=["PS256"],
                    # times are checked below, on the emulator's clock (which a test may move forward)
                    options={"verify_aud": False, "verify_exp": False, "verify_iat": False, "verify_nbf": False},
                )
        except jwt.PyJWTError as e:
            raise TokenError(f"the JWT does not verify: {e}") from None
        _check_claims(claims, known[0] if known else None, now)
        token = "t1.emu." + secrets.token_urlsafe(24)
        expires = now + self.lifetime
        with self._lock:
            self._tokens[token] = expires
            self.exchanges += 1
        return token, expires

    def valid(self, token: str, now: float) -> bool:
        with self._lock:
            expires = self._tokens.get(token)
        return expires is not None and now < expires


def _check_claims(claims: Mapping[str, Any], account: str | None, now: float) -> None:
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if not any(isinstance(a, str) and a.rstrip("/").endswith(TOKEN_PATH) for a in audiences):
        raise TokenError(f"the JWT's audience is {aud!r}, not the token URL (…{TOKEN_PATH})")
    if account is not None and claims.get("iss") != account:
        raise TokenError("the JWT's issuer is not the service account of its key")
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, (int, float)) or not isinstance(exp, (int, float)):
        raise TokenError("the JWT has no iat/exp")
    if iat > now + _CLOCK_SKEW or exp < now - _CLOCK_SKEW or exp - iat > 3600 + _CLOCK_SKEW:
        raise TokenError("the JWT is expired, from the future, or lives longer than an hour")


def _public_of(private_pem: str) -> str:
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    public: bytes = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return public.decode()


def rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
